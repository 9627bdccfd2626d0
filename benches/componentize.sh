#!/usr/bin/env bash
# `pyforge componentize` against componentize-py 0.25.1 on the same apps, in one run: the cli
# app (`tests/componentize/cli`: a `wasi:cli/run` world; imports json, prints a line) and the
# greet app (`tests/componentize/custom`: world-level function exports, called with `wasmtime
# run --invoke 'greet("…")'`) and the http app (`tests/componentize/http`: `wasi:http/proxy`;
# build and size only — its run is a server). Build time (after an edit of the app, the kit and
# the tool already there; median of RUNS), output size, and the run of the precompiled output
# (CPU of the whole `wasmtime run` process, median of RUNS).
#
#   benches/componentize.sh [RUNS]     (after scripts/build.sh and scripts/test-tools.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${1:-5}"
# shellcheck source=benches/common.sh
source benches/common.sh
[ -x "$WASMTIME" ] || { echo "error: $WASMTIME is missing: run scripts/test-tools.sh" >&2; exit 1; }
venv="$CACHE/bench/componentize-py-0.25.1"
[ -x "$venv/bin/componentize-py" ] || { python3 -m venv "$venv" && "$venv/bin/pip" install -q componentize-py==0.25.1; }
root=$(mktemp -d); trap 'rm -rf "$root"' EXIT
bench_app() {  # NAME WORLD INVOKE…
local name=$1 world=$2; shift 2
work="$root/$name"
mkdir -p "$work"
cp -r "tests/componentize/$name/." "$work/"
# componentize-py's WIT resolution wants the whole WASI package set a command world includes.
wasi_wit=$(ls -d "$HOME"/.cargo/registry/src/*/wasmtime-wasi-48.0.8/src/p2/wit/deps | head -1)
mkdir -p "$work/cpy/deps"
for f in "$wasi_wit"/*.wit; do mkdir -p "$work/cpy/deps/$(basename "$f" .wit)"; cp "$f" "$work/cpy/deps/$(basename "$f" .wit)/"; done
version=$(sed -n 's/^package wasi:cli@\(.*\);/\1/p' "$wasi_wit/cli.wit")
# componentize-py reads one package with deps: the app's world, plus WASI's for a command.
if [ -d "$work/wit/deps/http" ]; then
  rm -rf "$work/cpy"; cp -r "$work/wit" "$work/cpy"  # the http world brings its own WASI
else
  cp "$work/wit/world.wit" "$work/cpy/world.wit"
  sed -i "s/export wasi:cli\/run@0.2.6;/include wasi:cli\/command@$version;/" "$work/cpy/world.wit"
fi

python3 - "$RUNS" "$work" "$PYFORGE" "$venv/bin/componentize-py" "$WASMTIME" "$name" "$world" "$@" <<'PY'
import os, resource, statistics, subprocess, sys, time

runs, work, pyforge, cpy, wasmtime, name, world = int(sys.argv[1]), *sys.argv[2:8]
invoke = sys.argv[8:]

def touch_app(i):
    # A changed app each time: what a developer's edit-build loop does.
    with open(f"{work}/app.py", "a") as f:
        f.write(f"# edit {i}\n")

def build(argv):
    times = []
    for i in range(runs + 1):
        touch_app(i)
        t = time.perf_counter()
        subprocess.run(argv, cwd=work, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - t)
    return statistics.median(times[1:])

def cpu(argv):
    out = []
    for _ in range(runs * 4 + 1):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(argv, cwd=work, check=True, stdout=subprocess.DEVNULL)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        out.append((after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000)
    return statistics.median(out[1:])

ours = build([pyforge, "componentize", "-d", "wit", "-w", world, "app", "-o", "pyforge.wasm"])
theirs = build([cpy, "-d", "cpy", "-w", world, "componentize", "app", "-o", "cpy.wasm"])
serve = invoke == ["serve"]
if not serve:
    for tool in ("pyforge", "cpy"):
        subprocess.run([wasmtime, "compile", f"{work}/{tool}.wasm", "-o", f"{work}/{tool}.cwasm"], check=True)
    run_ours = cpu([wasmtime, "run", "--allow-precompiled", *invoke, f"{work}/pyforge.cwasm"])
    run_theirs = cpu([wasmtime, "run", "--allow-precompiled", *invoke, f"{work}/cpy.cwasm"])
size_ours, size_theirs = (os.path.getsize(f"{work}/{n}.wasm") / 1e6 for n in ("pyforge", "cpy"))
print(f"\n{name} app (world `{world}`{', ' + ' '.join(invoke) if invoke else ''}), {os.cpu_count()} cores")
print(f"{'':34}{'pyforge':>10}{'componentize-py':>17}{'ratio':>8}")
print(f"{'build after an edit, s (median)':34}{ours:10.2f}{theirs:17.2f}{ours / theirs:7.2f}x")
print(f"{'output size, MB':34}{size_ours:10.1f}{size_theirs:17.1f}{size_ours / size_theirs:7.2f}x")
if not serve:
    print(f"{'run, precompiled, CPU ms (median)':34}{run_ours:10.1f}{run_theirs:17.1f}{run_ours / run_theirs:7.2f}x")
PY
}
bench_app cli hello
bench_app custom greeter --invoke 'greet("bench")'
bench_app http server serve
