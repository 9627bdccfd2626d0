#!/usr/bin/env bash
# Compose time of the same inputs (the default forge's pre-initialized python.snapshot.wasm + its zlib and sqlite caps, in
# the order the page plugs them) in the three
# JavaScript/native hosts: the native CLI (whole process), Node through jco (in-process time of
# the `compose` call, as web/compose.mjs reports it, and whole process), and headless Chromium
# (in-page time of the `compose` call, as the page reports it).
#
#   benches/web.sh [RUNS]          (after scripts/build.sh and scripts/build-tests.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${1:-5}"
# shellcheck source=benches/common.sh
source benches/common.sh
"$PYFORGE" build >/dev/null
SOCKET=target/pyforge/default/python.snapshot.wasm
CAPS=(target/wasm32-wasip2/release/pyforge_{zlib,sqlite,bz2,lzma,hashlib}_cap.wasm)
PLUGS=(); for c in "${CAPS[@]}"; do PLUGS+=(--plug "$c"); done

native=$(for _ in $(seq "$RUNS"); do
  t0=$(now); "$PYFORGE" compose "$SOCKET" "${PLUGS[@]}" -o target/bench-native.wasm >/dev/null; t1=$(now); ms "$t0" "$t1"
done | median)
node_in=$(for _ in $(seq "$RUNS"); do
  node web/compose.mjs "$SOCKET" "${CAPS[@]}" -o target/bench-node.wasm | sed -E 's/.* in ([0-9.]+) ms/\1/'
done | median)
node_whole=$(for _ in $(seq "$RUNS"); do
  t0=$(now); node web/compose.mjs "$SOCKET" "${CAPS[@]}" -o target/bench-node.wasm >/dev/null; t1=$(now); ms "$t0" "$t1"
done | median)
mkdir -p target/web-bench
chromium=$(for _ in $(seq "$RUNS"); do
  node web/test/browser.mjs target/web-bench >target/web-bench/log.txt 2>&1 || { echo "error: the browser run failed:" >&2; cat target/web-bench/log.txt >&2; exit 1; }
  python3 -c 'import json; print(json.load(open("target/web-bench/result.json"))["composeMs"])'
done | median)
same=$(cmp -s target/bench-native.wasm target/bench-node.wasm && cmp -s target/bench-native.wasm target/web-bench/browser.wasm && echo identical || echo DIFFERENT)

echo "compose python.snapshot.wasm + zlib and sqlite caps, median of $RUNS, $(nproc) cores"
echo "  native pyforge compose, whole process:    ${native} ms"
echo "  Node (jco), the compose call:             ${node_in} ms"
echo "  Node (jco), whole process:                ${node_whole} ms"
echo "  Chromium (jco), the compose call:         ${chromium} ms"
echo "  ratio Chromium call / native process:     $(echo "scale=2; $chromium / $native" | bc)"
echo "  ratio Node call / native process:         $(echo "scale=2; $node_in / $native" | bc)"
echo "  outputs:                                  $same"
