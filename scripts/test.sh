#!/usr/bin/env bash
# The test command: make the machine ready (idempotent), build, check formatting and lints,
# run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
scripts/test-tools.sh
scripts/build-tests.sh
CACHE="${PYFORGE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pyforge}"
# shellcheck disable=SC1091
source "$CACHE/env.sh"
step() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
scripts/lockfile.sh check

step "cargo fmt --check"
cargo fmt --all --check
step "cargo clippy (native crates, then the wasm32-wasip2 ones), warnings denied"
# The cap crates are discovered (scripts/caps.sh), the rest are the wasm-only crates of the tests
# and benches.
mapfile -t CAPS < <(scripts/caps.sh)
WASM_ONLY=(pyforge-tool "${CAPS[@]}" demo-checksum-cap zlib-consumer
  sqlite-consumer compress-consumer zlib-static compress-static checksums-bench boundary-provider boundary-consumer)
excludes=(); for c in "${WASM_ONLY[@]}"; do excludes+=(--exclude "$c"); done
cargo clippy --locked --workspace "${excludes[@]}" --all-targets -- -D warnings
export CC_wasm32_wasip2="$PYFORGE_CC" AR_wasm32_wasip2="llvm-ar-${PYFORGE_CC#clang-}"
export CFLAGS_wasm32_wasip2="--target=wasm32-wasip2 -resource-dir=$PYFORGE_RESOURCE_DIR --sysroot=$PYFORGE_SYSROOT"
wasm=(); for c in "${WASM_ONLY[@]}"; do wasm+=(-p "$c"); done
cargo clippy --locked "${wasm[@]}" --target wasm32-wasip2 --release -- -D warnings

step "running tests"
# (the wasm32-wasip2-only crates are built above and exercised through the tests; they have no
# native tests)
cargo test --locked --workspace "${excludes[@]}" "$@"
# the tool's own CLI unit tests run natively (its WIT imports are never called by them)
cargo test --locked -p pyforge-tool "$@"
if [ $# -eq 0 ]; then
  step "fuzz targets: the committed corpus replayed, then each target briefly (scripts/fuzz.sh --replay)"
  scripts/fuzz.sh --replay
fi
