"""What the benches' Python workloads share (zlib_bench.py, compress_bench.py): the 16 MiB of
data and the best-of-n timer. Imported from the script's directory by every interpreter that
runs them (the cap-composed one, the static one, native python3).
"""
import random
import time

SIZE = 16 << 20


def data(seed):
    """Half incompressible, half very compressible: 2 KiB blocks up to 16 MiB."""
    r = random.Random(seed)
    out = b"".join(r.randbytes(1024) + b"pyforge " * 128 for _ in range(SIZE // 2048))
    assert len(out) == SIZE
    return out


def best(f, n):
    """The shortest of `n` timed calls of `f`, and its last result."""
    times = []
    for _ in range(n):
        t = time.perf_counter()
        out = f()
        times.append(time.perf_counter() - t)
    return min(times), out
