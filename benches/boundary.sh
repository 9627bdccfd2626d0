#!/usr/bin/env bash
# The bare component boundary (issue 17): a Rust consumer calls a Rust provider through
# `pyforge:bench-boundary/calls` (benches/boundary/wit) — an empty call, a resource method call,
# and lists of 64 B, 4 KiB and 1 MiB in (`take`), out (`give`), and both ways (`echo`), the same
# bytes as `list<u64>` in and out (`take-words`, `give-words`: the adapter's cost is per element) — composed
# by `pyforge compose` and run twice: by `pyforge run --wasm` (the host embedding wasmtime 48
# that runs the forges) and by the wasmtime 48 CLI. Beside each, the same bytes copied inside
# one component's memory (`local-copy`: allocate + memcpy), so the boundary's fixed and per-byte
# costs are both seen.
#
#   benches/boundary.sh [N]     (after scripts/build.sh and scripts/test-tools.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-200000}"
# shellcheck source=benches/common.sh
source benches/common.sh
need_wasmtime
cargo build --locked -q -p boundary-provider -p boundary-consumer --target wasm32-wasip2 --release
work=$(mktemp -d -p target); trap 'rm -rf "$work"' EXIT
rel=target/wasm32-wasip2/release
"$PYFORGE" compose "$rel/boundary-consumer.wasm" -p "$rel/boundary_provider.wasm" -o "$work/boundary.wasm" >/dev/null
"$PYFORGE" run --wasm "$work/boundary.wasm" "$N" >"$work/pyforge" 2>/dev/null
"$WASMTIME" run "$work/boundary.wasm" "$N" >"$work/wasmtime"
python3 - "$work/pyforge" "$work/wasmtime" <<'PY'
import os, sys
def load(path):
    t = {}
    for line in open(path):
        case, size, ns = line.split()
        t[case, int(size)] = float(ns)
    return t
hosts = {"pyforge run --wasm": load(sys.argv[1]), "wasmtime run": load(sys.argv[2])}
print(f"the component boundary (pyforge compose; wasmtime 48.0.8 in both hosts), ns per call, best of 5; {os.cpu_count()} cores")
for name, t in hosts.items():
    print(f"\n{name}:")
    print(f"  {'local call':22}{t['local-call', 0]:10.1f}")
    print(f"  {'nothing()':22}{t['nothing', 0]:10.1f}")
    print(f"  {'method() (a borrow)':22}{t['method', 0]:10.1f}")
    print(f"  {'list<u8>':12}{'local-copy':>12}{'take (in)':>12}{'give (out)':>12}{'echo':>12}{'ns/B in':>10}")
    for size in (64, 4096, 1 << 20):
        row = [t[c, size] for c in ("local-copy", "take", "give", "echo")]
        print(f"  {size:>10} B" + "".join(f"{v:12.0f}" for v in row) + f"{row[1] / size:10.2f}")
    print(f"  {'list<u64>':12}{'':>12}{'take (in)':>12}{'give (out)':>12}{'':>12}{'ns/B in':>10}")
    for size in (64, 4096, 1 << 20):
        row = [t[c, size] for c in ("take-words", "give-words")]
        print(f"  {size:>10} B{'':12}" + "".join(f"{v:12.0f}" for v in row) + f"{'':12}{row[0] / size:10.2f}")
PY
