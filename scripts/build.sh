#!/usr/bin/env bash
# Build pyforge: the tool component (wasm32-wasip2), the native CLI that embeds it,
# pyforge-cli.wasm (the tool composed with a clang stub, for `wasmtime run`), the cap components
# of the default forge, and the CPython kit (once per set of inputs, cached under
# $PYFORGE_CACHE/kits; about 6 minutes on 2 cores). What only the tests need is built by
# scripts/build-tests.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
CACHE="${PYFORGE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pyforge}"
[ -f "$CACHE/env.sh" ] || { echo "error: run scripts/setup.sh first ($CACHE/env.sh is missing)" >&2; exit 1; }
# shellcheck disable=SC1091
source "$CACHE/env.sh"
step() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
scripts/lockfile.sh

step "building the tool component (wasm32-wasip2, release)"
cargo build --locked -p pyforge-tool --target wasm32-wasip2 --release
mapfile -t CAPS < <(scripts/caps.sh --cargo)
step "building the cap components (every caps/*: $(scripts/caps.sh | tr '\n' ' ')), wasm32-wasip2"
# caps/sqlite and caps/lzma compile C (SQLite's amalgamation, liblzma) with the same clang,
# wasi-libc and resource directory as the CPython kit.
export CC_wasm32_wasip2="$PYFORGE_CC" AR_wasm32_wasip2="llvm-ar-${PYFORGE_CC#clang-}"
export CFLAGS_wasm32_wasip2="--target=wasm32-wasip2 -resource-dir=$PYFORGE_RESOURCE_DIR --sysroot=$PYFORGE_SYSROOT"
# shellcheck disable=SC2068
cargo build --locked ${CAPS[@]} --target wasm32-wasip2 --release
step "building the native pyforge CLI"
cargo build --locked -p pyforge
step "composing target/pyforge-cli.wasm"
target/debug/pyforge cli-wasm -o target/pyforge-cli.wasm
step "CPython kit (built once per inputs; reused when present)"
target/debug/pyforge kit build
