#!/usr/bin/env bash
# Whole-process time of `pyforge check` on one manifest: the first run (which precompiles the
# tool component into the cache) and later runs (which deserialize it), against
# `wasmtime run` of pyforge-cli.wasm (precompiled with `wasmtime compile`) in the same run.
#
#   benches/check.sh [RUNS]        (after scripts/build.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${1:-20}"
# shellcheck source=benches/common.sh
source benches/common.sh

work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cp -r tests/check/_template "$work/project"
cd "$work/project"

# First run: an empty precompile cache (a private PYFORGE_CACHE holding only the symlinks the
# compiler lookup needs).
mkdir -p "$work/cache"
t0=$(now); PYFORGE_CACHE="$work/cache" "$PYFORGE" check cpython-ext/_demo_cap >/dev/null 2>&1; t1=$(now)
first=$(ms "$t0" "$t1")

later=$(for _ in $(seq "$RUNS"); do
  t0=$(now); PYFORGE_CACHE="$work/cache" "$PYFORGE" check cpython-ext/_demo_cap >/dev/null; t1=$(now); ms "$t0" "$t1"
done | median)

"$WASMTIME" compile "$OLDPWD/target/pyforge-cli.wasm" -o "$work/cli.cwasm"
wt=$(for _ in $(seq "$RUNS"); do
  t0=$(now); "$WASMTIME" run --allow-precompiled --dir . "$work/cli.cwasm" check cpython-ext/_demo_cap >/dev/null; t1=$(now); ms "$t0" "$t1"
done | median)

echo "pyforge check (one manifest), whole process, $RUNS runs, $(nproc) cores"
echo "  first run (precompiles the tool):        ${first} ms"
echo "  later runs (deserialized), median:       ${later} ms"
echo "  wasmtime run pyforge-cli.cwasm, median:  ${wt} ms"
echo "  ratio later/first:                       $(echo "scale=3; $later / $first" | bc)"
echo "  ratio pyforge/wasmtime-cli:              $(echo "scale=2; $later / $wt" | bc)"
