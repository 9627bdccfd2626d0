"""The bz2/lzma workload of benches/compress.sh: prints one JSON line of timings.

Run by the cap-composed Python, by a Python with CPython's own _bz2module.c and _lzmamodule.c
linked in statically, and by the native host Python — the same code, the same data.
"""
import bz2
import json
import lzma
import random
import sys
import time

SIZE = 16 << 20
r = random.Random(20261203)
# Half incompressible, half very compressible: 2 KiB blocks up to 16 MiB (as benches/zlib_bench.py).
data = b"".join(r.randbytes(1024) + b"pyforge " * 128 for _ in range(SIZE // 2048))
assert len(data) == SIZE


def best(f, n=2):
    times = []
    for _ in range(n):
        t = time.perf_counter()
        out = f()
        times.append(time.perf_counter() - t)
    return min(times), out


result = {"python": sys.version.split()[0] + " " + sys.platform}
for name, compress, decompress in [
    ("bz2", lambda: bz2.compress(data, 9), bz2.decompress),
    ("xz", lambda: lzma.compress(data, preset=6), lzma.decompress),
]:
    compress_s, packed = best(compress, 2)
    # decompression takes a fraction of a second: more runs, so noise does not decide
    decompress_s, unpacked = best(lambda: decompress(packed), 7)
    assert unpacked == data
    result[name + "_compress_s"] = compress_s
    result[name + "_decompress_s"] = decompress_s
    result[name + "_packed_bytes"] = len(packed)
print(json.dumps(result))
