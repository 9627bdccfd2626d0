#!/usr/bin/env bash
# The test command: make the machine ready (idempotent), build, run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
CACHE="${PYFORGE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pyforge}"
# shellcheck disable=SC1091
source "$CACHE/env.sh"
scripts/lockfile.sh check
printf '\033[1m==> %s\033[0m\n' "running tests" >&2
# (the wasm32-wasip2-only crates — the tool, the caps, the test and bench components — are
# built by scripts/build.sh and exercised through the tests; they have no native tests)
cargo test --locked --workspace --exclude pyforge-tool --exclude pyforge-zlib-cap --exclude pyforge-sqlite-cap --exclude demo-checksum-cap \
  --exclude zlib-consumer --exclude sqlite-consumer --exclude zlib-static "$@"
# the tool's own unit tests run natively (its WIT imports are never called by them)
cargo test --locked -p pyforge-tool "$@"
