#!/usr/bin/env bash
# The main job: make the machine ready, build pyforge, its caps and the CPython kit (once),
# then build the default forge of this repository (pyforge.toml: CPython 3.13 with `zlib`,
# `sqlite3`, `bz2`, `lzma` and hashlib's OpenSSL part served by the cap components caps/zlib,
# caps/sqlite, caps/bz2, caps/lzma and caps/hashlib) and run Python that uses every cap.
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
say "pyforge run -c '…'   (zlib and gzip through the zlib cap, sqlite3 through the sqlite cap, bz2, lzma and hashlib through theirs)"
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
cx.create_function("unpacked_size", 1, lambda b: len(zlib.decompress(b)))  # SQL calling Python
(size,) = cx.execute("select unpacked_size(packed) from blobs").fetchone()
print(f"sqlite calling Python: select unpacked_size(packed) -> {size}")
import bz2, io, lzma, tarfile
print(f"bz2: {len(data)} -> {len(bz2.compress(data))} bytes, lzma (xz): {len(lzma.compress(data))} bytes, round trips ok: {bz2.decompress(bz2.compress(data)) == data and lzma.decompress(lzma.compress(data)) == data}")
try:
    lzma.decompress(b"not xz data")
except lzma.LZMAError as e:
    print(f"corrupt input -> lzma.LZMAError: {e}")
tar = io.BytesIO()
with tarfile.open(fileobj=tar, mode="w:xz") as t:
    info = tarfile.TarInfo("data.txt"); info.size = len(data); t.addfile(info, io.BytesIO(data))
member = tarfile.open(fileobj=io.BytesIO(tar.getvalue())).extractfile("data.txt").read()
print(f"tarfile w:xz: {len(tar.getvalue())} bytes, member read back equal: {member == data}")
import hashlib, hmac
key = hashlib.pbkdf2_hmac("sha256", b"correct horse battery staple", b"pyforge-salt", 100_000)
derived = hashlib.scrypt(b"correct horse battery staple", salt=b"pyforge-salt", n=2**14, r=8, p=1)
mac = hmac.new(key, data, "sha256")
print(f"hashlib.pbkdf2_hmac(sha256, 100000 rounds): {key.hex()[:24]}…, scrypt(n=2**14): {derived.hex()[:24]}…")
print(f"hmac-sha256 {mac.hexdigest()[:24]}… by {type(mac._hmac)}, compare_digest: {hmac.compare_digest(mac.digest(), hmac.digest(key, data, hashlib.sha256))}")
print(f"Python {sys.version.split()[0]} on {sys.platform}; zlib from {zlib.__file__}, sqlite3 from {sqlite3.__file__}")'
