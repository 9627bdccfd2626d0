"""What one `executemany` row costs, in ns: no parameter, one integer, an integer and a short
text (50,000-row `executemany`s into an unindexed table, best of 7). Through the cap each row is
one crossing; the difference to the static interpreter is that crossing's cost.

    pyforge run benches/sqlite_rows.py
    pyforge run --wasm target/python-static-sqlite.wasm benches/sqlite_rows.py   (benches/sqlite.sh builds it)
    python3 benches/sqlite_rows.py
"""
import sqlite3
import time

N = 50_000
cx = sqlite3.connect(":memory:")
cx.execute("create table t(k integer, v text)")


def per_row(sql, rows):
    best = float("inf")
    for _ in range(7):
        cx.execute("delete from t")
        t = time.perf_counter()
        cx.executemany(sql, rows)
        best = min(best, time.perf_counter() - t)
    return round(best / N * 1e9)


none = per_row("insert into t values (1, 'x')", [()] * N)
integer = per_row("insert into t(k) values (?)", [(i,) for i in range(N)])
both = per_row("insert into t values (?, ?)", [(i, f"row {i}") for i in range(N)])
print(f"ns per executemany row: no parameter {none}, one integer {integer}, integer + text {both}")
