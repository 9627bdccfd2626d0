#!/usr/bin/env bash
# The main job: make the machine ready, build pyforge, its caps and the CPython kit (once),
# then build the default forge of this repository (pyforge.toml: CPython 3.13 with `zlib`
# served by the zlib cap component, caps/zlib) and run Python that uses the cap.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
PYFORGE="$PWD/target/debug/pyforge"
say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

say "pyforge check"
"$PYFORGE" check
say "pyforge build"
"$PYFORGE" build
say "pyforge run -c '…'   (zlib and gzip through the zlib cap)"
"$PYFORGE" run -c '
import gzip, sys, zlib
data = b"pyforge: CPython in a component, zlib in another. " * 2000
packed = zlib.compress(data, 9)
print(f"zlib {zlib.ZLIB_RUNTIME_VERSION}: {len(data)} -> {len(packed)} bytes, round trip ok: {zlib.decompress(packed) == data}")
print(f"gzip round trip ok: {gzip.decompress(gzip.compress(data)) == data}, crc32 = {zlib.crc32(data):#010x}")
try:
    zlib.decompress(b"not zlib data")
except zlib.error as e:
    print(f"corrupt input -> zlib.error: {e}")
print(f"Python {sys.version.split()[0]} on {sys.platform}; zlib from {zlib.__file__}")'
