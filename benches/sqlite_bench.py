"""The sqlite3 workload of benches/sqlite.sh: prints one JSON line of timings (best of 3 runs;
of 20 for the two rows that take under 10 ms, where 3 samples are mostly noise).

insert: 100,000 rows in one transaction (executemany) into a table with an index;
indexed: 2,000 point queries through the index; scan: one full-scan aggregate query;
fetchall: every row (3 columns) fetched into Python — the most boundary crossings;
function: a Python function called by SQLite 100,000 times (one query) — through the cap, each
call suspends the statement and resumes it; collation: 20,000 texts sorted by a Python
collation (ORDER BY ... COLLATE) — through the cap, the texts are ordered by the collation in
a second round.
"""
import json
import sqlite3
import sys
import time

ROWS = 100_000


def best(f, n=3):
    times = []
    for _ in range(n):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return min(times)


def fresh():
    cx = sqlite3.connect(":memory:")
    cx.execute("create table t(id integer primary key, k integer, v text)")
    cx.execute("create index t_k on t(k)")
    return cx


def insert():
    cx = fresh()
    with cx:
        cx.executemany("insert into t(k, v) values (?, ?)", ((i * 7919 % ROWS, f"row {i}") for i in range(ROWS)))
    return cx


cx = insert()
assert cx.execute("select count(*) from t").fetchone() == (ROWS,)
indexed = lambda: [cx.execute("select id, v from t where k = ?", (k,)).fetchall() for k in range(0, ROWS, ROWS // 2000)]
scan = lambda: cx.execute("select count(*), sum(length(v)) from t where v like '%99%'").fetchone()
fetchall = lambda: cx.execute("select id, k, v from t").fetchall()
assert len(fetchall()) == ROWS
cx.create_function("plus", 1, lambda k: k + 1, deterministic=True)
function = lambda: cx.execute("select sum(plus(k)) from t").fetchone()
assert function() == (ROWS * (ROWS - 1) // 2 + ROWS,)
# (its own connection: one with a Python collation keeps a statement journal for writes)
cc = sqlite3.connect(":memory:")
cc.create_collation("backwards", lambda a, b: (a < b) - (a > b))
cc.execute("create table words(w text)")
cc.executemany("insert into words values (?)", ((f"w{i * 7919 % 20_000:05}",) for i in range(20_000)))
collation = lambda: cc.execute("select w from words order by w collate backwards").fetchall()
assert [r[0] for r in collation()] == sorted((r[0] for r in collation()), reverse=True)
print(json.dumps({
    "insert_s": best(insert),
    "indexed_s": best(indexed, 20),
    "scan_s": best(scan, 20),
    "fetchall_s": best(fetchall),
    "function_s": best(function),
    "collation_s": best(collation),
    "sqlite": sqlite3.sqlite_version,
    "python": sys.version.split()[0],
}))
