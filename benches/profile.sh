#!/usr/bin/env bash
# Where a Python script's time goes, component by component: a `perf` profile of the default
# forge (or of WASM, e.g. a static reference interpreter) running SCRIPT under the wasmtime 48
# CLI, which names the compiled functions for perf (`--profile perfmap`), with
# `-W concurrency-support=n -S p3=n` as pyforge's own host runs it. Each sample counts for the
# core module it ran in; a module is named by what its functions are (CPython, the sqlite cap,
# ...), and its five busiest functions are listed. A module without function names is either
# a fused adapter (the code wasmtime compiles to copy values between components: all of a
# composition's adapters share one module) or a component built stripped (the release profile
# strips the Rust caps, so the zlib cap shows only as its number). Host time (the runtime,
# the kernel, perf's own map writes) is summed apart.
#
#   benches/profile.sh SCRIPT [WASM]     (after scripts/build.sh, scripts/test-tools.sh;
#                                         needs perf: apt-get install linux-perf)
#
# SCRIPT runs in the current directory (preopened as `.`): repeat the measured work enough
# (seconds) that the start-up does not dominate. A static WASM (not self-contained) gets the
# kit's stdlib mounted, as `pyforge run --wasm` does.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=benches/common.sh
source benches/common.sh
[ $# -ge 1 ] && [ -f "$1" ] || { echo "usage: benches/profile.sh SCRIPT [WASM]" >&2; exit 2; }
command -v perf >/dev/null || { echo "error: perf is missing: apt-get install linux-perf" >&2; exit 1; }
need_wasmtime
script=$1
wasm=${2:-target/pyforge/default/python.composed.wasm}
[ -f "$wasm" ] || { echo "error: $wasm is missing (scripts/build.sh builds the default forge)" >&2; exit 1; }
flags=(-W concurrency-support=n -S p3=n)
work=$(mktemp -d -p target); trap 'rm -rf "$work"' EXIT
"$WASMTIME" compile "${flags[@]}" "$wasm" -o "$work/profiled.cwasm"
mounts=(--dir .)
if [ -n "${2:-}" ]; then
  stdlib="$("$PYFORGE" kit path)/stdlib/lib/python3.13"
  mounts+=(--dir "$stdlib::/usr/local/lib/python3.13" --env PYTHONHOME=/usr/local)
fi
echo "profiling $script in $wasm …" >&2
perf record -q -F 2000 -o "$work/perf.data" -- "$WASMTIME" run --allow-precompiled --profile perfmap "${flags[@]}" \
  "${mounts[@]}" "$work/profiled.cwasm" "$script" >&2
perf report -i "$work/perf.data" --no-children --sort sym -g none -n 2>/dev/null | python3 -c '
import collections, re, sys
# Functions that name the module they are in: the first match names it.
KNOWN = [("CPython", ("_PyEval_EvalFrameDefault", "PyObject_Malloc")),
         ("the sqlite cap", ("sqlite3VdbeExec", "pyforge_sqlite_cap")),
         ("the zlib cap", ("zlib_rs", "pyforge_zlib_cap")),
         ("the bz2 cap", ("bzip2", "pyforge_bz2_cap")),
         ("the lzma cap", ("lzma_", "pyforge_lzma_cap")),
         ("the hashlib cap", ("pyforge_hashlib_cap",)),
         ("a Rust component", ("core::", "alloc::"))]
modules, host = collections.defaultdict(collections.Counter), 0
for line in sys.stdin:
    m = re.match(r"\s*[\d.]+%\s+(\d+)\s+\[.\]\s+(.*\S)", line)
    if not m:
        continue
    n, sym = int(m.group(1)), m.group(2)
    w = re.match(r"wasm\[(\d+)\]::(?:function\[\d+\]|array_to_wasm_trampoline\[\d+\])(?:::(.*))?", sym)
    if w:
        modules[int(w.group(1))][w.group(2) or "(no name)"] += n
    else:
        host += n
total = host + sum(sum(c.values()) for c in modules.values())
def name(funcs):
    named = [f for f in funcs if f != "(no name)"]
    if not named:
        return "no function names (the fused adapters, or a stripped cap)"
    for label, marks in KNOWN:
        if any(mark in f for f in named for mark in marks):
            return label
    return "a module"
print(f"{total} samples; share of each core module (wasmtime numbers them), its busiest functions")
for index, funcs in sorted(modules.items(), key=lambda kv: -sum(kv[1].values())):
    count = sum(funcs.values())
    if count / total < 0.002:
        continue
    top = ", ".join(f"{f} {100 * n / total:.1f}" for f, n in funcs.most_common(5))
    print(f"{100 * count / total:6.1f}%  wasm[{index}] {name(funcs)}: {top}")
print(f"{100 * host / total:6.1f}%  the host (wasmtime, the kernel, perf map writes)")
'
