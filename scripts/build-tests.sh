#!/usr/bin/env bash
# What only the tests need, after scripts/build.sh: the test components (tests/caps/*: a
# fixture cap and the second, non-CPython consumers of the zlib, sqlite, bz2 and lzma caps), the example
# plugin host, and the jco-transpiled tool in web/ (npm packages pinned in web/package.json).
set -euo pipefail
cd "$(dirname "$0")/.."
CACHE="${PYFORGE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pyforge}"
# shellcheck disable=SC1091
source "$CACHE/env.sh"
step() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

step "building the test components (tests/caps/*), wasm32-wasip2"
cargo build --locked -p demo-checksum-cap -p zlib-consumer -p sqlite-consumer -p compress-consumer --target wasm32-wasip2 --release
step "building the example plugin host"
cargo build --locked -p pyforge-plugin-host
step "transpiling the tool for JavaScript hosts (web/, jco 1.35)"
if [ ! -f web/node_modules/@bytecodealliance/jco/package.json ] \
   || ! grep -q '"version": "1.35.0"' web/node_modules/@bytecodealliance/jco/package.json; then
  (cd web && npm install --no-audit --no-fund --loglevel=error)
fi
(cd web && npm run -s build >/dev/null)
