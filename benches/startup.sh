#!/usr/bin/env bash
# Startup and size of the self-contained, pre-initialized Python (issue 13), in one run:
#
# * `-c 'import json'` CPU time (user + system of the whole process, median of RUNS),
#   precompiled, under the pinned wasmtime CLI: the default forge (snapshot, stdlib embedded,
#   nothing mounted) vs the same forge un-snapshotted (`self-contained = false`, the kit's stdlib
#   mounted) vs componentize-py 0.25.1's pre-initialized hello component (an app that imports
#   json and prints a line; installed from PyPI into the cache by this script) vs native python3;
# * first imports that are not in the snapshot (`email.message`, `asyncio`) and the size of the
#   composed component, for the embedding variants: bytecode + sources (default), sources only
#   (`bytecode = false`), and a larger warm set;
# * `pyforge run -c pass` against `wasmtime run --allow-precompiled` of the same component.
#
#   benches/startup.sh [RUNS]     (after scripts/build.sh and scripts/test-tools.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${1:-20}"
# shellcheck source=benches/common.sh
source benches/common.sh
[ -x "$WASMTIME" ] || { echo "error: $WASMTIME is missing: run scripts/test-tools.sh" >&2; exit 1; }
KIT=$("$PYFORGE" kit path)
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT

# The repository's project, copied, with the variants as extra forges.
cp -r cpython-ext "$work/"
mkdir -p "$work/target/wasm32-wasip2/release"
cp target/wasm32-wasip2/release/pyforge_{zlib,sqlite}_cap.wasm "$work/target/wasm32-wasip2/release/"
caps=$(grep '^caps = ' pyforge.toml)
{
  cat pyforge.toml
  printf '\n[forge.mounted]\nself-contained = false\n%s\n' "$caps"
  printf '\n[forge.source]\nbytecode = false\n%s\n' "$caps"
  printf '\n[forge.warm]\nwarm = ["json", "email.message", "email.policy", "decimal", "asyncio", "argparse", "typing", "dataclasses", "pathlib"]\n%s\n' "$caps"
} >"$work/pyforge.toml"
for forge in default mounted source warm; do
  (cd "$work" && "$PYFORGE" build -f "$forge" >/dev/null)
  "$WASMTIME" compile "$work/target/pyforge/$forge/python.composed.wasm" -o "$work/$forge.cwasm"
done

# componentize-py 0.25.1 (the reference; only ever used here), cached by version.
venv="$CACHE/bench/componentize-py-0.25.1"
[ -x "$venv/bin/componentize-py" ] || { python3 -m venv "$venv" && "$venv/bin/pip" install -q componentize-py==0.25.1; }
hello="$work/hello"
mkdir -p "$hello/wit/deps"
wasi_wit=$(ls -d "$HOME"/.cargo/registry/src/*/wasmtime-wasi-48.0.8/src/p2/wit/deps | head -1)
for f in "$wasi_wit"/*.wit; do mkdir -p "$hello/wit/deps/$(basename "$f" .wit)"; cp "$f" "$hello/wit/deps/$(basename "$f" .wit)/"; done
cli_version=$(sed -n 's/^package wasi:cli@\(.*\);/\1/p' "$wasi_wit/cli.wit")
printf 'package bench:hello;\n\nworld hello {\n  include wasi:cli/command@%s;\n}\n' "$cli_version" >"$hello/wit/world.wit"
cat >"$hello/app.py" <<'EOF'
import json
from wit_world import exports


class Run(exports.Run):
    def run(self) -> None:
        print(json.dumps({"hello": "world"}))
EOF
(cd "$hello" && "$venv/bin/componentize-py" -d wit -w hello componentize app -o hello.wasm >/dev/null)
"$WASMTIME" compile "$hello/hello.wasm" -o "$work/hello.cwasm"

stdlib="$KIT/stdlib/lib/python3.13"
mounted=(--dir "$stdlib::/usr/local/lib/python3.13" --dir "$work/target/pyforge/mounted/lib::/usr/local/lib/pyforge"
  --env PYTHONHOME=/usr/local --env PYTHONPATH=/usr/local/lib/pyforge)
run="$WASMTIME run --allow-precompiled"
python3 - "$RUNS" "$work" "$run" "${mounted[*]}" "$PYFORGE" <<'PY'
import os, resource, statistics, subprocess, sys, time

runs, work, run, mounted, pyforge = int(sys.argv[1]), sys.argv[2], sys.argv[3].split(), sys.argv[4].split(), sys.argv[5]

def measure(argv, cwd=None):
    """Median CPU (user + system) and wall ms of the whole process over `runs` runs."""
    cpu, wall = [], []
    for _ in range(runs + 1):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        subprocess.run(argv, cwd=cwd, check=True, stdout=subprocess.DEVNULL)
        w = time.perf_counter() - t
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append((after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000)
        wall.append(w * 1000)
    return statistics.median(cpu[1:]), statistics.median(wall[1:])

def size(forge):
    return os.path.getsize(f"{work}/target/pyforge/{forge}/python.composed.wasm") / 1e6

print(f"startup, `-c 'import json'`, wasmtime 48.0.8 CLI, precompiled, median of {runs}, {os.cpu_count()} cores")
rows = [
    ("pyforge, pre-initialized, nothing mounted", run + [f"{work}/default.cwasm", "-c", "import json"]),
    ("pyforge, not pre-initialized, stdlib mounted", run + mounted + [f"{work}/mounted.cwasm", "-c", "import json"]),
    ("componentize-py 0.25.1 hello (imports json)", run + [f"{work}/hello.cwasm"]),
    (f"native python3 ({sys.version.split()[0]})", [sys.executable, "-c", "import json"]),
]
results = {}
for label, argv in rows:
    results[label] = measure(argv)
native = results[rows[-1][0]][0]
print(f"{'':48}{'CPU ms':>9}{'wall ms':>9}{'x native CPU':>14}")
for label, (cpu, wall) in results.items():
    print(f"{label:48}{cpu:9.1f}{wall:9.1f}{cpu / native:13.2f}x")

print(f"\nfirst imports outside the snapshot, CPU ms (median of {runs}), and composed size")
print(f"{'forge':44}{'json':>8}{'email.message':>15}{'asyncio':>9}{'size MB':>9}")
for forge, label in [
    ("default", "default: bytecode + sources, warm json"),
    ("source", "bytecode = false: sources only"),
    ("warm", "bytecode + sources, 9 warm modules"),
    ("mounted", "self-contained = false (mounted stdlib)"),
]:
    extra = mounted if forge == "mounted" else []
    times = [measure(run + extra + [f"{work}/{forge}.cwasm", "-c", f"import {m}"])[0] for m in ("json", "email.message", "asyncio")]
    print(f"{label:44}{times[0]:8.1f}{times[1]:15.1f}{times[2]:9.1f}{size(forge):9.1f}")
print(f"componentize-py 0.25.1 hello: {os.path.getsize(work + '/hello/hello.wasm') / 1e6:.1f} MB (only the modules the app imported at build time)")

# pyforge run: its up-to-date check plus the same component.
subprocess.run([pyforge, "run", "-c", "pass"], cwd=work, check=True)
ours = measure([pyforge, "run", "-c", "pass"], cwd=work)
plain = measure(run + [f"{work}/default.cwasm", "-c", "pass"])
print(f"\n`-c pass` wall ms: pyforge run {ours[1]:.1f}, wasmtime run --allow-precompiled {plain[1]:.1f}, added {ours[1] - plain[1]:.1f}")
PY
