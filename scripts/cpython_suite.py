#!/usr/bin/env python3
"""Runs CPython's whole regression suite, one test module per process, inside an interpreter
built by pyforge, and records per module: passed / failed / skipped / crashed / timed out, with
the counts regrtest reports and, for each failure, the failing tests.

One process per module so that a trap (or a hang) in one module is recorded and the run goes
on. The same runner and flags serve every interpreter it is given, so results compare.

    scripts/cpython_suite.py LABEL OUT.json -- PYFORGE_RUN_ARGS…   (called by cpython-suite.sh)
    scripts/cpython_suite.py --report PYFORGE.json STOCK.json        (the markdown report)

Environment: SUITE_JOBS (parallel processes, default the number of cores), SUITE_TIMEOUT
(seconds per module, default 900), SUITE_MODULES (space-separated: run only these; with
SUITE_UPDATE=1 their records replace those in an existing OUT.json).
"""
import concurrent.futures
import json
import os
import re
import subprocess
import sys
import time


def modules(test_dir):
    """Top-level test modules and packages as regrtest finds them (`test_*`)."""
    names = []
    for name in sorted(os.listdir(test_dir)):
        path = os.path.join(test_dir, name)
        if name.startswith("test_") and name.endswith(".py"):
            names.append(name[:-3])
        elif name.startswith("test_") and os.path.isfile(os.path.join(path, "__init__.py")):
            names.append(name)
    return names


TOTALS = re.compile(r"^Total tests: (.*)$", re.M)
RESULT = re.compile(r"^Result: (.*)$", re.M)


def classify(module, rc, out, err, seconds, timed_out):
    """One module's record from its regrtest output."""
    counts = {}
    m = TOTALS.search(out)
    if m:
        for part in m.group(1).split():
            k, _, v = part.partition("=")
            v = v.replace(",", "")  # regrtest writes 1,036
            counts[k] = int(v) if v.isdigit() else v
    result = RESULT.search(out)
    result = result.group(1).strip() if result else ""
    # unittest writes its report (the FAIL/ERROR lines) on stderr
    failing = sorted(set(re.findall(r"^(?:FAIL|ERROR): (\S+ \([^)]*\))", out + "\n" + err, re.M)))
    # regrtest reports a skipped module on stderr
    skip = re.search(rf"^{re.escape(module)} skipped -- (.*)$", out + "\n" + err, re.M)
    if timed_out:
        outcome, reason = "timeout", f"no result after {seconds:.0f} s"
    elif not result:
        # the runtime's last "caused by" line names the trap; else the end of stderr
        causes = re.findall(r"(?:caused by|wasm trap): ([^\n]*)", err)
        tail = err.strip().splitlines()[-2:] if err.strip() else [f"exit status {rc}, no output"]
        outcome, reason = "crashed", (causes[-1] if causes else " | ".join(tail))
    elif skip or result == "NO TESTS RAN" or ("1 test skipped" in out and counts.get("run", 0) == 0):
        outcome, reason = "skipped", (skip.group(1).strip() if skip else result)
    elif result.startswith("SUCCESS") or result.startswith("ENV CHANGED"):
        outcome, reason = "passed", ("env changed" if "ENV CHANGED" in result else "")
    else:
        outcome, reason = "failed", "; ".join(failing[:20]) or result
    return {
        "module": module,
        "outcome": outcome,
        "reason": reason,
        "counts": counts,
        "failing": failing,
        "exit": rc,
        "seconds": round(seconds, 1),
    }


def run_one(module, run_args, timeout):
    start = time.monotonic()
    try:
        p = subprocess.run(
            # -W: a failing module prints its tests' output (the FAIL/ERROR lines read above)
            run_args + ["--with-tests", "-m", "test", "-W", module],
            capture_output=True,
            text=True,
            errors="replace",
            timeout=timeout,
        )
        rc, out, err, timed_out = p.returncode, p.stdout, p.stderr, False
    except subprocess.TimeoutExpired as e:
        rc, timed_out = None, True
        out = (e.stdout or b"").decode(errors="replace") if isinstance(e.stdout, bytes) else (e.stdout or "")
        err = (e.stderr or b"").decode(errors="replace") if isinstance(e.stderr, bytes) else (e.stderr or "")
    return classify(module, rc, out, err, time.monotonic() - start, timed_out)


# Why a module fails or crashes in the pyforge interpreter where that is known and is not
# "stock WASI CPython fails it too" (which the report says by itself).
KNOWN = {
    "test_sqlite3": "the tests that register callbacks (user functions, aggregates, window "
    "functions, collations, authorizer, progress and trace handlers): a cap cannot call back into "
    "Python, and the sqlite cap raises NotSupportedError saying so (issue 19); stock has no "
    "_sqlite3 at all",
    "test_pydoc": "test_importfile compares the spec of pydoc imported again from its file "
    "(SourceFileLoader) with the running pydoc's, which the embedded stdlib's loader loaded",
}


def report(pyforge_path, stock_path):
    """Markdown: totals side by side, the modules whose outcome differs, every failure/crash."""
    runs = []
    for path in (pyforge_path, stock_path):
        with open(path) as f:
            runs.append({r["module"]: r for r in json.load(f)["modules"]})
    ours, stock = runs
    outcomes = ["passed", "failed", "skipped", "crashed", "timeout"]
    lines = ["| | pyforge (`test` forge) | stock WASI CPython |", "|---|---|---|"]
    lines.append(f"| modules | {len(ours)} | {len(stock)} |")
    for o in outcomes:
        lines.append(f"| {o} | {sum(r['outcome'] == o for r in ours.values())} "
                     f"| {sum(r['outcome'] == o for r in stock.values())} |")
    def total(run, key):
        return sum(int(str(r["counts"].get(key, 0)).replace(",", "") or 0) for r in run.values())

    for key in ("run", "skipped"):
        lines.append(f"| tests {key} | {total(ours, key):,} | {total(stock, key):,} |")
    failing = [sum(len(r["failing"]) for r in run.values()) for run in runs]
    lines.append(f"| failing tests (FAIL/ERROR) | {failing[0]} | {failing[1]} |")
    lines.append("")
    lines.append("Modules whose outcome differs:")
    lines.append("")
    lines.append("| module | pyforge | stock |")
    lines.append("|---|---|---|")
    for m in sorted(set(ours) | set(stock)):
        a, b = ours.get(m), stock.get(m)
        if a is None or b is None or a["outcome"] != b["outcome"]:
            fmt = lambda r: "—" if r is None else r["outcome"] + (f" ({r['reason'][:120]})" if r["reason"] else "")
            lines.append(f"| `{m}` | {fmt(a)} | {fmt(b)} |")
    lines.append("")
    lines.append("Failures, crashes and timeouts in the pyforge interpreter, with the reason:")
    lines.append("")
    bad = [r for r in ours.values() if r["outcome"] in ("failed", "crashed", "timeout")]
    for r in sorted(bad, key=lambda r: r["module"]):
        s = stock.get(r["module"])
        extra = sorted(set(r["failing"]) - set(s["failing"] if s else []))
        shared = len(r["failing"]) - len(extra)
        whys = []
        if s is not None and s["outcome"] in ("failed", "crashed", "timeout") and shared:
            whys.append(f"{shared} failing test(s) fail identically in stock WASI CPython")
        if extra:
            short = ", ".join(t.split(" ")[0] for t in extra[:6]) + (" …" if len(extra) > 6 else "")
            whys.append(f"{len(extra)} only here ({short}): " + KNOWN.get(r["module"], "UNEXPLAINED"))
        if not r["failing"]:
            whys.append(KNOWN.get(r["module"], "UNEXPLAINED"))
        lines.append(f"* `{r['module']}` — {r['outcome']}: " + "; ".join(whys))
    if not bad:
        lines.append("* none")
    print("\n".join(lines))


def main():
    if sys.argv[1] == "--report":
        return report(sys.argv[2], sys.argv[3])
    label, out_path, sep, *run_args = sys.argv[1:]
    assert sep == "--", "usage: cpython_suite.py LABEL OUT.json -- PYFORGE_RUN_ARGS…"
    test_dir = os.environ["SUITE_TEST_DIR"]
    names = os.environ.get("SUITE_MODULES", "").split() or modules(test_dir)
    jobs = int(os.environ.get("SUITE_JOBS", os.cpu_count() or 1))
    timeout = float(os.environ.get("SUITE_TIMEOUT", "900"))
    results, done, start = {}, 0, time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
        futures = {pool.submit(run_one, m, run_args, timeout): m for m in names}
        for f in concurrent.futures.as_completed(futures):
            r = f.result()
            results[r["module"]] = r
            done += 1
            note = f" ({r['reason']})" if r["outcome"] not in ("passed",) and r["reason"] else ""
            print(f"[{label} {done}/{len(names)} {time.monotonic() - start:.0f}s] {r['module']}: {r['outcome']}{note}"[:240],
                  flush=True)
    ordered = [results[m] for m in names]
    if os.environ.get("SUITE_UPDATE") and os.path.exists(out_path):
        with open(out_path) as f:
            old = json.load(f)["modules"]
        ordered = [results.get(r["module"], r) for r in old]
    tmp = out_path + ".tmp"
    with open(tmp, "w") as f:
        json.dump({"label": label, "run_args": run_args, "modules": ordered}, f, indent=1)
    os.replace(tmp, out_path)
    summary = {}
    for r in ordered:
        summary[r["outcome"]] = summary.get(r["outcome"], 0) + 1
    print(f"{label}: {len(ordered)} modules: " + ", ".join(f"{k} {v}" for k, v in sorted(summary.items())))


if __name__ == "__main__":
    main()
