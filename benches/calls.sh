#!/usr/bin/env bash
# The cost of one call across the canonical ABI, Python to Python: a consumer component calls a
# provider's exported interface (`benches/calls/`: `nothing()`, a record with a string in and
# out, a list<u32> of 64 in) N times; both built by pyforge and, in the same run, by
# componentize-py 0.25.1, plugged with wac, run by wasmtime. Nanoseconds per call (the Python
# loop's own cost taken off), as measured inside the consumer.
#
#   benches/calls.sh [N]     (after scripts/build.sh and scripts/test-tools.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-100000}"
# shellcheck source=benches/common.sh
source benches/common.sh
WAC="$CACHE/bin/wac"
[ -x "$WASMTIME" ] && [ -x "$WAC" ] || { echo "error: run scripts/test-tools.sh first" >&2; exit 1; }
venv="$CACHE/bench/componentize-py-0.25.1"
[ -x "$venv/bin/componentize-py" ] || { python3 -m venv "$venv" && "$venv/bin/pip" install -q componentize-py==0.25.1; }
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cp -r benches/calls/. "$work/"
cd "$work"
for side in provider consumer; do
  "$PYFORGE" componentize -d wit -w "$side" "$side" -o "pyforge-$side.wasm" >/dev/null
  "$venv/bin/componentize-py" -d wit -w "$side" componentize "$side" -o "cpy-$side.wasm" >/dev/null
done
for tool in pyforge cpy; do
  "$WAC" plug "$tool-consumer.wasm" --plug "$tool-provider.wasm" -o "$tool.wasm"
  "$WASMTIME" compile "$tool.wasm" -o "$tool.cwasm"
done
ours=$("$WASMTIME" run --allow-precompiled --invoke "run($N)" pyforge.cwasm)
theirs=$("$WASMTIME" run --allow-precompiled --invoke "run($N)" cpy.cwasm)
python3 - "$ours" "$theirs" "$N" <<'PY'
import os, sys
parse = lambda s: dict(kv.split("=") for kv in s.strip('"').split("; "))
ours, theirs = parse(sys.argv[1]), parse(sys.argv[2])
print(f"\nns per call, Python to Python ({sys.argv[3]} calls each), {os.cpu_count()} cores")
print(f"{'':30}{'pyforge':>10}{'componentize-py':>17}{'ratio':>8}")
for k in ours:
    a, b = float(ours[k]), float(theirs[k])
    print(f"{k:30}{a:10.0f}{b:17.0f}{a / b:7.2f}x")
PY
