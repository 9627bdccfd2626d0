"""benches/zlib_bench.py's decompress alone, repeated for a profile (benches/profile.sh):
`zlib.decompress` of the 16 MiB workload ROUNDS times (default 40); prints the best."""
import sys
import time
import zlib

from workload import data as make_data

ROUNDS = int(sys.argv[1]) if len(sys.argv) > 1 else 40
data = make_data(20261121)
packed = zlib.compress(data, 6)
best = float("inf")
for _ in range(ROUNDS):
    t = time.perf_counter()
    out = zlib.decompress(packed)
    best = min(best, time.perf_counter() - t)
assert out == data
print(f"decompress {len(packed)} -> {len(data)} bytes: {best * 1e3:.2f} ms (best of {ROUNDS})")
