#!/usr/bin/env bash
# The main job: make the machine ready, build pyforge and the CPython kit (once), then build a
# forge and run Python in it. The example project is the one the build tests use
# (tests/build/_project): `_fixture`, a plain C extension, and `_demo_cap`, whose world
# imports `pyforge:demo/checksum`, served by a fixture cap component (tests/caps/demo-checksum).
#
# (Caps — zlib, sqlite — and composition arrive with the next issues; see README "Status".)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
CACHE="${PYFORGE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pyforge}"
ROOT="$PWD"
PYFORGE="$ROOT/target/debug/pyforge"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cp -r tests/build/_project "$work/project"
mkdir -p "$work/project/cpython-ext"
cp -r tests/build/_fixture "$work/project/cpython-ext/_fixture"
cp -r tests/check/_template/cpython-ext/_demo_cap "$work/project/cpython-ext/_demo_cap"
mkdir -p "$work/project/caps"
cp target/wasm32-wasip2/release/demo_checksum_cap.wasm "$work/project/caps/demo-checksum.wasm"
cd "$work/project"
say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

say "pyforge check"
"$PYFORGE" check
say "pyforge build"
"$PYFORGE" build
say "pyforge run -c '…'"
"$PYFORGE" run -c 'import _fixture, json, sys
print(_fixture.greet("pyforge"), "| 2 + 40 =", _fixture.add(2, 40))
print(sys.version.split()[0], sys.platform, json.dumps({"builtin": "_fixture" in sys.builtin_module_names}))'
say "pyforge build --forge with-cap   (python.wasm imports pyforge:demo/checksum; the forge plugs a cap into it)"
"$PYFORGE" build --forge with-cap
say "pyforge run --forge with-cap -c '…'   (a Python call crossing into the cap component)"
"$PYFORGE" run --forge with-cap -c 'import demo, binascii
print("crc32 through the cap:", demo.crc32(b"hello world"), "| binascii:", binascii.crc32(b"hello world"))'
say "wasmtime run --dir . pyforge-cli.wasm check   (the same tool under plain wasmtime)"
"$CACHE/bin/wasmtime" run --dir . "$ROOT/target/pyforge-cli.wasm" check
