#!/usr/bin/env bash
# zlib through the cap against (a) CPython's own Modules/zlibmodule.c linked statically into the
# same wasm interpreter against the same zlib implementation (zlib-rs, as a C static library:
# benches/zlib-static), and (b) the native host Python with its system zlib. Compresses and
# decompresses 16 MiB and calls crc32 on 64 bytes in a loop (benches/zlib_bench.py).
#
#   benches/zlib.sh       (after scripts/build.sh; needs zlib.h: apt-get install zlib1g-dev; PROCESSES=N: processes per interpreter, default 3)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=benches/common.sh
source benches/common.sh
# shellcheck disable=SC1091
source "$CACHE/env.sh"
for h in zlib.h zconf.h; do
  [ -f "/usr/include/$h" ] || { echo "error: /usr/include/$h is missing: apt-get install zlib1g-dev" >&2; exit 1; }
done
KIT=$("$PYFORGE" kit path)
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT

# 1. the cap path: the repo's default forge
"$PYFORGE" build >/dev/null

# 2. the static path: CPython's zlibmodule.c + zlib-rs's C API, relinked against the kit
cargo build --locked -q -p zlib-static --target wasm32-wasip2 --release
tarball=$(ls "$CACHE"/sources/python3.13_*.orig.tar.xz | tail -1)
tar -xf "$tarball" -C "$work" --wildcards '*/Modules/zlibmodule.c' '*/Modules/clinic/zlibmodule.c.h'
mods=$(echo "$work"/Python-*/Modules)
mkdir -p "$work/zinc" && cp /usr/include/zlib.h /usr/include/zconf.h "$work/zinc/"
# shellcheck disable=SC2046
wasm_cc $(kitvar cflags) -DPy_BUILD_CORE_BUILTIN -DHAVE_ZLIB_COPY=1 -I"$KIT/include" -I"$KIT/include/internal" \
  -I"$work/zinc" -c "$mods/zlibmodule.c" -o "$work/zlibmodule.o"
static_python target/python-static-zlib.wasm zlib "$work/zlibmodule.o" \
  target/wasm32-wasip2/release/libzlib_static.a -Wl,--export=cabi_realloc

# 3. run the same workload three ways
"$PYFORGE" run --wasm target/python-static-zlib.wasm -c pass >/dev/null 2>&1
"$PYFORGE" run -c pass >/dev/null 2>&1
interleave "$work" benches/zlib_bench.py target/python-static-zlib.wasm

python3 - "$work" <<'PY'
import sys
sys.path.insert(0, "benches")
from best_of import best
(cap, n), (static, _), (native, _) = (best(f"{sys.argv[1]}/{who}.jsonl") for who in ("cap", "static", "native"))
print(f"zlib, 16 MiB (half random, half repetitive), best of 3 runs in each of {n} processes; crc32 on 64 bytes x 200000; {__import__('os').cpu_count()} cores")
print(f"{'':28}{'cap (component)':>18}{'static (wasm)':>16}{'native':>12}{'cap/static':>12}{'cap/native':>12}")
for key, label, higher in [("compress_mib_s", "compress MiB/s", True), ("decompress_mib_s", "decompress MiB/s", True)]:
    c, s, n = cap[key], static[key], native[key]
    print(f"{label:28}{c:18.1f}{s:16.1f}{n:12.1f}{s / c:11.2f}x{n / c:11.2f}x")
c, s, n = cap["crc32_64b_ns"], static["crc32_64b_ns"], native["crc32_64b_ns"]
print(f"{'crc32(64 B) ns per call':28}{c:18.0f}{s:16.0f}{n:12.0f}{c / s:11.2f}x{c / n:11.2f}x")
print(f"per-call overhead of the cap boundary (crc32 cap - static): {c - s:.0f} ns")
print(f"(ratios are time_cap / time_other; zlib: cap {cap['zlib']}, static {static['zlib']}, native {native['zlib']}; native Python {native['python']})")
PY
