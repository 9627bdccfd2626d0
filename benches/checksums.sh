#!/usr/bin/env bash
# CRC-32 and Adler-32 implementations timed inside wasm (wasmtime, wasm32-wasip2), to pick the
# zlib cap's by measurement (issue 17): zlib-rs (the cap's zlib), zlib's C sources (libz-sys),
# crc32fast / adler2, each on 64 B, 1 KiB and 1 MiB — and again built with `+simd128`. A third
# build tries zlib-ng's compat API (libz-sys's cc build of it), which does not start on
# wasm32-wasip2 today; the script says so instead of failing.
#
#   benches/checksums.sh     (after scripts/setup.sh and scripts/test-tools.sh: the wasmtime CLI)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=benches/common.sh
source benches/common.sh
# shellcheck disable=SC1091
source "$CACHE/env.sh"
need_wasmtime
export CC_wasm32_wasip2="$PYFORGE_CC" AR_wasm32_wasip2="llvm-ar-${PYFORGE_CC#clang-}"
base_cflags="--target=wasm32-wasip2 -resource-dir=$PYFORGE_RESOURCE_DIR --sysroot=$PYFORGE_SYSROOT"
out=$(mktemp -d); trap 'rm -rf "$out"' EXIT

build() { # NAME RUSTFLAGS CFLAGS CARGO-ARGS…
  local name=$1 rf=$2 cf=$3; shift 3
  CFLAGS_wasm32_wasip2="$base_cflags $cf" RUSTFLAGS="$rf" \
    cargo build --locked -q -p checksums-bench --target wasm32-wasip2 --release --target-dir "target/checksums-$name" "$@"
  echo "target/checksums-$name/wasm32-wasip2/release/checksums-bench.wasm"
}
plain=$(build plain "" "")
simd=$(build simd "-Ctarget-feature=+simd128" "-msimd128")
ng=$(build ng "" "" --features zlib-ng)
"$WASMTIME" run "$plain" >"$out/plain"
"$WASMTIME" run "$simd" >"$out/simd"
if ! "$WASMTIME" run "$ng" >"$out/ng" 2>"$out/ng.err"; then
  echo "zlib-ng (compat API, libz-sys's cc build) does not run on wasm32-wasip2: $(grep -m1 -v '^$' "$out/ng.err")" >&2
  : >"$out/ng"
fi
python3 - "$out/plain" "$out/simd" "$out/ng" <<'PY'
import collections, os, sys
rows = collections.OrderedDict()
for path in sys.argv[1:]:
    for line in open(path):
        kind, impl, size, ns = line.split()
        if path.endswith("ng") and impl != "zlib-ng":
            continue
        rows.setdefault((kind, impl), {})[int(size)] = float(ns)
print(f"checksums inside wasm (wasmtime), best of 5; {os.cpu_count()} cores")
print(f"{'':30}{'64 B ns':>10}{'1 KiB ns':>10}{'1 MiB MB/s':>12}")
for (kind, impl), t in rows.items():
    print(f"{kind + ' ' + impl:30}{t[64]:10.1f}{t[1024]:10.1f}{(1 << 20) / t[1 << 20] * 1e3:12.0f}")
PY
