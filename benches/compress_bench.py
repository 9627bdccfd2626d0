"""The bz2/lzma workload of benches/compress.sh: prints one JSON line of timings.

Run by the cap-composed Python, by a Python with CPython's own _bz2module.c and _lzmamodule.c
linked in statically, and by the native host Python — the same code, the same data.
"""
import bz2
import json
import lzma
import sys

from workload import best
from workload import data as make_data

data = make_data(20261203)


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
