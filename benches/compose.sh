#!/usr/bin/env bash
# Whole-process time of `pyforge compose` (the composer running sandboxed in the tool component)
# against `wac plug` (wac-cli 0.12, native) on the same real inputs: the default forge's
# python.wasm and its two caps (zlib, sqlite). Also checks that both write the same bytes.
#
#   benches/compose.sh [RUNS]      (after scripts/build.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${1:-10}"
# shellcheck source=benches/common.sh
source benches/common.sh
WAC="$CACHE/bin/wac"
[ -x "$WAC" ] || { echo "error: run scripts/test-tools.sh first ($WAC is missing)" >&2; exit 1; }
"$PYFORGE" build >/dev/null
SOCKET=target/pyforge/default/python.wasm
CAPS=(target/wasm32-wasip2/release/pyforge_{zlib,sqlite,bz2,lzma,hashlib}_cap.wasm)
PLUGS=(); for c in "${CAPS[@]}"; do PLUGS+=(--plug "$c"); done

"$PYFORGE" compose "$SOCKET" "${PLUGS[@]}" -o target/bench-pyforge.wasm >/dev/null
ours=$(for _ in $(seq "$RUNS"); do
  t0=$(now); "$PYFORGE" compose "$SOCKET" "${PLUGS[@]}" -o target/bench-pyforge.wasm >/dev/null; t1=$(now); ms "$t0" "$t1"
done | median)
theirs=$(for _ in $(seq "$RUNS"); do
  t0=$(now); "$WAC" plug "$SOCKET" "${PLUGS[@]}" -o target/bench-wac.wasm; t1=$(now); ms "$t0" "$t1"
done | median)
same=$(cmp -s target/bench-pyforge.wasm target/bench-wac.wasm && echo "identical" || echo "DIFFERENT")

echo "compose $(du -h "$SOCKET" | cut -f1) python.wasm + the zlib, sqlite, bz2, lzma and hashlib caps ($(du -ch "${CAPS[@]}" | tail -1 | cut -f1)), whole process, median of $RUNS, $(nproc) cores"
echo "  pyforge compose (tool component under wasmtime):  ${ours} ms"
echo "  wac plug (wac-cli 0.12, native):                   ${theirs} ms"
echo "  ratio pyforge/wac:                                 $(echo "scale=2; $ours / $theirs" | bc)"
echo "  outputs:                                           $same"
