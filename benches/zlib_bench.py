"""The zlib workload of benches/zlib.sh: prints one JSON line of timings.

Run by the cap-composed Python, by a Python with CPython's own zlibmodule.c linked in
statically, and by the native host Python — the same code, the same data.
"""
import json
import sys
import zlib

from workload import SIZE, best
from workload import data as make_data

data = make_data(20261121)


compress_s, packed = best(lambda: zlib.compress(data, 6), 3)
decompress_s, unpacked = best(lambda: zlib.decompress(packed), 3)
assert unpacked == data

small = data[:64]
crc = zlib.crc32
N = 200_000
crc_s, _ = best(lambda: [crc(small) for _ in range(N)], 3)
loop_s, _ = best(lambda: [len(small) for _ in range(N)], 3)

print(json.dumps({
    "python": sys.version.split()[0] + " " + sys.platform,
    "zlib": zlib.ZLIB_RUNTIME_VERSION,
    "compress_mib_s": SIZE / compress_s / (1 << 20),
    "decompress_mib_s": SIZE / decompress_s / (1 << 20),
    "compress_s": compress_s,
    "decompress_s": decompress_s,
    "packed_bytes": len(packed),
    "crc32_64b_ns": (crc_s - loop_s) / N * 1e9,
}))
