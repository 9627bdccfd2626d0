#!/usr/bin/env bash
# bz2 and lzma through their caps against (a) CPython's own Modules/_bz2module.c and
# Modules/_lzmamodule.c linked statically into the same wasm interpreter against the same
# libraries (libbzip2-rs and liblzma, as one C static library: benches/compress-static), and
# (b) the native host Python with its system libbz2 and liblzma. Compresses and decompresses
# 16 MiB with each (benches/compress_bench.py). About 5 minutes on 2 cores.
#
#   benches/compress.sh       (after scripts/build.sh)
#
# The static build compiles CPython's modules against the caps' own `bzlib.h` and `lzma.h`
# (cpython-ext/_bz2_cap, cpython-ext/_lzma_cap): that it links and runs against the real
# libraries is also a check that those headers are true to the libraries' ABI.
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

# 2. the static path: CPython's _bz2module.c and _lzmamodule.c + the libraries, relinked
export CC_wasm32_wasip2="$PYFORGE_CC" AR_wasm32_wasip2="llvm-ar-${PYFORGE_CC#clang-}"
export CFLAGS_wasm32_wasip2="--target=wasm32-wasip2 -resource-dir=$PYFORGE_RESOURCE_DIR --sysroot=$PYFORGE_SYSROOT"
cargo build --locked -q -p compress-static --target wasm32-wasip2 --release
for m in _bz2module _lzmamodule; do
  header_dir=cpython-ext/_${m%module}_cap
  header_dir=${header_dir/__/_}
  # shellcheck disable=SC2046
  wasm_cc $(kitvar cflags) -DPy_BUILD_CORE_BUILTIN -I"$KIT/include" -I"$KIT/include/internal" \
    -I"$header_dir" -c "$KIT/src/Modules/$m.c" -o "$work/$m.o"
done
static_python target/python-static-compress.wasm "_bz2 _lzma" "$work/_bz2module.o" "$work/_lzmamodule.o" \
  target/wasm32-wasip2/release/libcompress_static.a -Wl,--export=cabi_realloc

# 3. run the same workload three ways
"$PYFORGE" run --wasm target/python-static-compress.wasm -c pass >/dev/null 2>&1
"$PYFORGE" run -c pass >/dev/null 2>&1
# cap and static alternate, twice each, and each keeps its best time per row: a slow spell of
# this (shared, 2-core) machine then cannot land on one side only
cap1=$("$PYFORGE" run benches/compress_bench.py)
static1=$("$PYFORGE" run --wasm target/python-static-compress.wasm benches/compress_bench.py)
cap2=$("$PYFORGE" run benches/compress_bench.py)
static2=$("$PYFORGE" run --wasm target/python-static-compress.wasm benches/compress_bench.py)
native=$(python3 benches/compress_bench.py)

python3 - "$cap1" "$cap2" "$static1" "$static2" "$native" <<'PY'
import json, os, sys
runs = [json.loads(a) for a in sys.argv[1:]]
best = lambda a, b: {k: (min(a[k], b[k]) if k.endswith("_s") else a[k]) for k in a}
cap, static, native = best(runs[0], runs[1]), best(runs[2], runs[3]), runs[4]
print(f"bz2 (level 9) and lzma (.xz, preset 6), 16 MiB (half random, half repetitive), best of 2 (compress) and 7 (decompress) per run, cap and static run twice alternately; {os.cpu_count()} cores")
print(f"{'seconds':24}{'cap (component)':>18}{'static (wasm)':>16}{'native':>10}{'cap/static':>12}{'cap/native':>12}")
for key, label in [("bz2_compress_s", "bz2 compress"), ("bz2_decompress_s", "bz2 decompress"),
                   ("xz_compress_s", "lzma compress"), ("xz_decompress_s", "lzma decompress")]:
    c, s, n = cap[key], static[key], native[key]
    print(f"{label:24}{c:18.3f}{s:16.3f}{n:10.3f}{c / s:11.2f}x{c / n:11.2f}x")
for k in ("bz2_packed_bytes", "xz_packed_bytes"):
    print(f"{k}: cap {cap[k]}, static {static[k]}, native {native[k]}")
print(f"(ratios are time_cap / time_other; native Python {native['python']})")
PY
