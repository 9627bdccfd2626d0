#!/usr/bin/env bash
# sqlite3 through the cap against (a) CPython's own _sqlite3 linked statically into the same
# wasm interpreter with the same SQLite (the amalgamation libsqlite3-sys bundles, compiled by
# the same clang with the same options as caps/sqlite), and (b) the native host Python with
# Debian's SQLite. The workload is benches/sqlite_bench.py (in-memory database, so the figures
# are SQLite and the boundary, not the disk).
#
#   benches/sqlite.sh       (after scripts/build.sh; PROCESSES=N: processes per interpreter, default 3)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=benches/common.sh
source benches/common.sh
# shellcheck disable=SC1091
source "$CACHE/env.sh"
KIT=$("$PYFORGE" kit path)
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT

# 1. the cap path: the repo's default forge
"$PYFORGE" build >/dev/null

# 2. the static path: CPython's Modules/_sqlite (from the kit) + SQLite's amalgamation, relinked
#    against the kit. The amalgamation is the one caps/sqlite builds (libsqlite3-sys, pinned).
amalgamation=$(cargo metadata --locked --format-version 1 2>/dev/null \
  | python3 -c "import json,sys; print(next(p['manifest_path'] for p in json.load(sys.stdin)['packages'] if p['name']=='libsqlite3-sys').rsplit('/',1)[0] + '/sqlite3')")
[ -f "$amalgamation/sqlite3.c" ] || { echo "error: no SQLite amalgamation at $amalgamation (cargo fetch)" >&2; exit 1; }
# libsqlite3-sys's options for wasm32-wasi (its build.rs), as in the cap
SQLITE_FLAGS=(-DSQLITE_CORE -DSQLITE_DEFAULT_FOREIGN_KEYS=1 -DSQLITE_ENABLE_API_ARMOR -DSQLITE_ENABLE_COLUMN_METADATA
  -DSQLITE_ENABLE_DBSTAT_VTAB -DSQLITE_ENABLE_FTS3 -DSQLITE_ENABLE_FTS3_PARENTHESIS -DSQLITE_ENABLE_FTS5
  -DSQLITE_ENABLE_JSON1 -DSQLITE_ENABLE_MEMORY_MANAGEMENT -DSQLITE_ENABLE_RTREE -DSQLITE_ENABLE_STAT4
  -DSQLITE_SOUNDEX -DSQLITE_THREADSAFE=0 -DSQLITE_USE_URI -DHAVE_USLEEP=1 -DHAVE_ISNAN -DHAVE_LOCALTIME_R
  -DLONGDOUBLE_TYPE=double -D_WASI_EMULATED_MMAN -D_WASI_EMULATED_GETPID -D_WASI_EMULATED_SIGNAL
  -D_WASI_EMULATED_PROCESS_CLOCKS)
echo "compiling SQLite $(sed -n 's/^#define SQLITE_VERSION *"\(.*\)"/\1/p' "$amalgamation/sqlite3.h") for the static interpreter …" >&2
wasm_cc -O3 "${SQLITE_FLAGS[@]}" -c "$amalgamation/sqlite3.c" -o "$work/sqlite3.o"
objs=("$work/sqlite3.o")
for c in "$KIT"/src/Modules/_sqlite/*.c; do
  # shellcheck disable=SC2046
  wasm_cc $(kitvar cflags) -Wno-tautological-constant-out-of-range-compare -DPy_BUILD_CORE_BUILTIN -DPY_SQLITE_HAVE_SERIALIZE -I"$amalgamation" \
    -I"$KIT/include" -I"$KIT/include/internal" -c "$c" -o "$work/$(basename "$c" .c).o"
  objs+=("$work/$(basename "$c" .c).o")
done
static_python target/python-static-sqlite.wasm _sqlite3 "${objs[@]}"

# 3. the same workload three ways (the first runs compile and cache the components)
"$PYFORGE" run --wasm target/python-static-sqlite.wasm -c pass >/dev/null 2>&1
"$PYFORGE" run -c pass >/dev/null 2>&1
interleave "$work" benches/sqlite_bench.py target/python-static-sqlite.wasm

python3 - "$work" <<'PY'
import os, sys
sys.path.insert(0, "benches")
from best_of import best
(cap, n), (static, _), (native, _) = (best(f"{sys.argv[1]}/{who}.jsonl") for who in ("cap", "static", "native"))
print(f"sqlite3, in-memory database, 100,000 rows, best of 3 runs (20 for the point queries and the scan) in each of {n} processes; {os.cpu_count()} cores")
print(f"{'':34}{'cap (component)':>16}{'static (wasm)':>15}{'native':>10}{'cap/static':>12}{'cap/native':>12}")
for key, label in [("insert_s", "insert 100k rows, 1 transaction"), ("indexed_s", "2,000 indexed point queries"),
                   ("scan_s", "full-scan aggregate query"), ("fetchall_s", "fetchall() of 100k rows"),
                   ("function_s", "100k calls of a Python function"),
                   ("collation_s", "20k rows sorted by a Python collation")]:
    c, s, n = cap[key] * 1000, static[key] * 1000, native[key] * 1000
    print(f"{label:34}{c:13.1f} ms{s:12.1f} ms{n:7.1f} ms{c / s:11.2f}x{c / n:11.2f}x")
print(f"(ratios are time_cap / time_other; SQLite: cap {cap['sqlite']}, static {static['sqlite']}, native {native['sqlite']}; native Python {native['python']})")
PY
