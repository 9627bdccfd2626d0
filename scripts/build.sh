#!/usr/bin/env bash
# Build pyforge: the tool component (wasm32-wasip2), the native CLI that embeds it, and
# pyforge-cli.wasm (the tool composed with a clang stub, for `wasmtime run`), and the CPython
# kit (once per set of inputs, cached under $PYFORGE_CACHE/kits; about 6 minutes on 2 cores).
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
step "building the cap components (caps/zlib, caps/sqlite) and the test components (tests/caps/*), wasm32-wasip2"
# caps/sqlite compiles SQLite's C amalgamation (libsqlite3-sys, bundled) with the same clang,
# wasi-libc and resource directory as the CPython kit.
export CC_wasm32_wasip2="$PYFORGE_CC" AR_wasm32_wasip2="llvm-ar-${PYFORGE_CC#clang-}"
export CFLAGS_wasm32_wasip2="--target=wasm32-wasip2 -resource-dir=$PYFORGE_RESOURCE_DIR --sysroot=$PYFORGE_SYSROOT"
cargo build --locked -p pyforge-zlib-cap -p pyforge-sqlite-cap -p demo-checksum-cap -p zlib-consumer -p sqlite-consumer \
  --target wasm32-wasip2 --release
step "building the native pyforge CLI and the example plugin host"
cargo build --locked -p pyforge -p pyforge-plugin-host
step "composing target/pyforge-cli.wasm"
target/debug/pyforge cli-wasm -o target/pyforge-cli.wasm
step "CPython kit (built once per inputs; reused when present)"
target/debug/pyforge kit build
step "transpiling the tool for JavaScript hosts (web/, jco 1.35)"
if [ ! -f web/node_modules/@bytecodealliance/jco/package.json ] \
   || ! grep -q '"version": "1.35.0"' web/node_modules/@bytecodealliance/jco/package.json; then
  (cd web && npm install --no-audit --no-fund --loglevel=error)
fi
(cd web && npm run -s build >/dev/null)
