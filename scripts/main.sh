#!/usr/bin/env bash
# The main job: make the machine ready, build pyforge, its caps and the CPython kit (once),
# then build the default forge of this repository (pyforge.toml: CPython 3.13 with `zlib` and
# `sqlite3` served by the zlib and sqlite cap components, caps/zlib and caps/sqlite) and run
# Python that uses both caps.
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
say "pyforge run -c '…'   (zlib and gzip through the zlib cap, sqlite3 through the sqlite cap)"
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
import sqlite3
cx = sqlite3.connect(":memory:")
cx.execute("create table blobs(name text primary key, packed blob)")
with cx:
    cx.execute("insert into blobs values (?, ?)", ("data", packed))
(stored,) = cx.execute("select packed from blobs where name = ?", ("data",)).fetchone()
print(f"sqlite {sqlite3.sqlite_version}: stored {len(stored)} bytes, read back equal: {zlib.decompress(stored) == data}")
try:
    cx.execute("insert into blobs values (?, ?)", ("data", b""))
except sqlite3.IntegrityError as e:
    print(f"duplicate key -> sqlite3.IntegrityError: {e}")
print(f"Python {sys.version.split()[0]} on {sys.platform}; zlib from {zlib.__file__}, sqlite3 from {sqlite3.__file__}")'
