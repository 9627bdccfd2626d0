"""Calls a Python collation makes through the sqlite cap vs natively: 20,000 random texts sorted
(ORDER BY ... COLLATE) and filtered (WHERE ... COLLATE). Run: `pyforge run benches/sqlite_collation_calls.py`
and `python3 benches/sqlite_collation_calls.py` (quoted in README and BENCHMARKS.md)."""
import sqlite3, time, random
cx = sqlite3.connect(":memory:")
random.seed(2)
cx.execute("create table t(s text)")
cx.executemany("insert into t values (?)", [("w%06d" % random.randrange(10**6),) for _ in range(20000)])
calls = 0
def rev(a, b):
    global calls
    calls += 1
    return (a < b) - (a > b)
cx.create_collation("rev", rev)
t = time.perf_counter(); r = cx.execute("select s from t order by s collate rev").fetchall(); t1 = time.perf_counter() - t
print("sort 20k:", round(t1, 3), "s", calls, "calls", r == sorted(r, reverse=True))
calls = 0
t = time.perf_counter(); n = len(cx.execute("select s from t where s collate rev < 'w500000'").fetchall()); t2 = time.perf_counter() - t
print("filter 20k:", round(t2, 3), "s", calls, "calls", n)
