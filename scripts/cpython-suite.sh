#!/usr/bin/env bash
# CPython's whole regression suite, one module per process (scripts/cpython_suite.py), in two
# interpreters with the same runner and the same flags (`-m test -W MODULE`, default resources):
#
#  * pyforge — the repository's `test` forge: the default forge (caps composed, stdlib embedded,
#    pre-initialized) plus CPython's `_test*` modules (`test-modules = true` in pyforge.toml);
#  * stock — the kit's plain interpreter, linked as CPython's own WASI build links it
#    (`Programs/python.o`, CPython's own `config.c` with its `_test*` modules, the kit's
#    archives: no pyforge runtime, no caps), with the kit's stdlib mounted.
#
# Writes target/cpython-suite/{pyforge,stock}.json and target/cpython-suite/report.md (totals
# side by side, every module whose outcome differs, every failure and crash with its reason).
#
#   scripts/cpython-suite.sh                       (after scripts/build.sh)
#   SUITE_MODULES="test_os test_zlib" scripts/cpython-suite.sh   (a few modules)
#   SUITE_ONLY=pyforge scripts/cpython-suite.sh    (one interpreter)
set -euo pipefail
cd "$(dirname "$0")/.."
CACHE="${PYFORGE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pyforge}"
# shellcheck disable=SC1091
source "$CACHE/env.sh"
PYFORGE="$PWD/target/debug/pyforge"
[ -x "$PYFORGE" ] || { echo "error: run scripts/build.sh first ($PYFORGE is missing)" >&2; exit 1; }
step() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
KIT=$("$PYFORGE" kit path)
OUT=target/cpython-suite
mkdir -p "$OUT"
kitvar() { python3 -c "import json,sys; v=json.load(open('$KIT/kit.json'))['$1']; print(' '.join(v) if isinstance(v, list) else v)"; }
export SUITE_TEST_DIR="$KIT/$(kitvar tests)"

step "building the test forge (pyforge.toml [forge.test])"
"$PYFORGE" build -f test
step "linking the stock interpreter (target/python-stock.wasm)"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cp "$KIT/$(kitvar config_c)" "$work/config.c"
# shellcheck disable=SC2046
"$PYFORGE_CC" --target=wasm32-wasip2 "--sysroot=$PYFORGE_SYSROOT" "-resource-dir=$PYFORGE_RESOURCE_DIR" \
  $(kitvar cflags) -DPy_BUILD_CORE $(for i in $(kitvar include); do echo "-I$KIT/$i"; done) \
  -c "$work/config.c" -o "$work/config.o"
# shellcheck disable=SC2046
"$PYFORGE_CC" --target=wasm32-wasip2 "--sysroot=$PYFORGE_SYSROOT" "-resource-dir=$PYFORGE_RESOURCE_DIR" \
  $(kitvar ldflags) -o "$work/python-stock.wasm" "$KIT/$(kitvar python_o)" "$work/config.o" \
  $(for a in $(kitvar archives); do echo "$KIT/$a"; done) $(kitvar libs)
mv "$work/python-stock.wasm" target/python-stock.wasm

only=${SUITE_ONLY:-}
if [ -z "$only" ] || [ "$only" = pyforge ]; then
  step "CPython's suite in the pyforge test forge"
  scripts/cpython_suite.py pyforge "$OUT/pyforge.json" -- "$PYFORGE" run -f test
fi
if [ -z "$only" ] || [ "$only" = stock ]; then
  step "CPython's suite in the stock interpreter"
  scripts/cpython_suite.py stock "$OUT/stock.json" -- "$PYFORGE" run --wasm target/python-stock.wasm
fi
if [ -f "$OUT/pyforge.json" ] && [ -f "$OUT/stock.json" ]; then
  scripts/cpython_suite.py --report "$OUT/pyforge.json" "$OUT/stock.json" >"$OUT/report.md"
  step "report: $OUT/report.md"
  sed -n '1,/^$/p' "$OUT/report.md"
fi
