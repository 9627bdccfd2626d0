"""benches/sqlite_bench.py's point queries alone, repeated for a profile (benches/profile.sh):
2,000 indexed point queries, ROUNDS times (default 100); prints the best round."""
import sqlite3
import sys
import time

ROWS = 100_000
ROUNDS = int(sys.argv[1]) if len(sys.argv) > 1 else 100
cx = sqlite3.connect(":memory:")
cx.execute("create table t(id integer primary key, k integer, v text)")
cx.execute("create index t_k on t(k)")
with cx:
    cx.executemany("insert into t(k, v) values (?, ?)", ((i * 7919 % ROWS, f"row {i}") for i in range(ROWS)))
best = float("inf")
for _ in range(ROUNDS):
    t = time.perf_counter()
    for k in range(0, ROWS, ROWS // 2000):
        cx.execute("select id, v from t where k = ?", (k,)).fetchall()
    best = min(best, time.perf_counter() - t)
print(f"2,000 point queries: {best * 1e3:.2f} ms (best of {ROUNDS})")
