#!/usr/bin/env bash
# Relink time of `pyforge build` after changing one extension (its C file is edited before each
# run, so it is recompiled and python.wasm relinked), against the full CPython kit build time
# recorded in kit.json — measured in the same run where the kit is missing, read otherwise.
# Also: the no-op build (lock file up to date) and a `pyforge run` startup with a warm cache.
#
#   benches/relink.sh [RUNS]       (after scripts/build.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${1:-5}"
# shellcheck source=benches/common.sh
source benches/common.sh
kit_seconds=$("$PYFORGE" kit info | python3 -c 'import json,sys; print(json.load(sys.stdin)["build_seconds"])')

work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cp -r tests/build/_project "$work/project"
mkdir -p "$work/project/cpython-ext"
cp -r tests/build/_fixture "$work/project/cpython-ext/_fixture"
cd "$work/project"

"$PYFORGE" build >/dev/null
"$PYFORGE" run -c pass >/dev/null 2>&1
relink=$(for i in $(seq "$RUNS"); do
  echo "/* edit $i */" >>cpython-ext/_fixture/_fixturemodule.c
  t0=$(now); "$PYFORGE" build >/dev/null; t1=$(now); ms "$t0" "$t1"
done | median)
noop=$(for _ in $(seq "$RUNS"); do
  t0=$(now); "$PYFORGE" build >/dev/null; t1=$(now); ms "$t0" "$t1"
done | median)
"$PYFORGE" run -c pass >/dev/null 2>&1
run=$(for _ in $(seq "$RUNS"); do
  t0=$(now); "$PYFORGE" run -c pass >/dev/null; t1=$(now); ms "$t0" "$t1"
done | median)

echo "pyforge build, whole process, median of $RUNS runs, $(nproc) cores"
echo "  full CPython kit build (kit.json build_seconds):      ${kit_seconds} s"
echo "  relink after editing one extension (compile + link):  ${relink} ms"
echo "  no-op build (python.lock up to date):                 ${noop} ms"
echo "  pyforge run -c pass (build check + cached code):      ${run} ms"
echo "  ratio kit build / relink:                             $(echo "scale=0; $kit_seconds * 1000 / $relink" | bc)x"
