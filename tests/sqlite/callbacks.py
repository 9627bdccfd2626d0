"""User-defined functions, aggregates, window functions, trace callbacks, progress handlers, the
authorizer and collations through the sqlite cap: run by
tests/sqlite.rs in the forge and in the host's python3, whose outputs must be equal."""
import sqlite3
cx = sqlite3.connect(":memory:")
cx.execute("create table t(n integer, s text, b blob)")
cx.executemany("insert into t values (?, ?, ?)", [(i, f"s{i}", bytes([i % 256]) * (i % 3)) for i in range(1, 601)])
# a scalar function of each type, called from a query over more rows than one batch
cx.create_function("echo", 1, lambda v: v, deterministic=True)
print(cx.execute("select echo(1), echo(2.5), echo('é'), echo(x'00ff'), echo(null), typeof(echo(''))").fetchone())
print(cx.execute("select sum(echo(n)), count(echo(s)), max(length(echo(b))) from t").fetchone())
print(len(cx.execute("select echo(s) from t").fetchall()))
# in WHERE, ORDER BY, a CHECK constraint, a trigger and an index on an expression
cx.create_function("rev", 1, lambda s: s[::-1])
print(cx.execute("select s from t where rev(s) like '0%' order by rev(s) limit 3").fetchall())
cx.execute("create table c(x check (rev(x) != 'dab'))")
try:
    cx.execute("insert into c values ('bad')")
except sqlite3.IntegrityError as e:
    print("IntegrityError:", e)
log = []
cx.create_function("note", 1, lambda x: log.append(x))
cx.execute("create trigger tr after insert on c begin select note(new.x); end")
cx.executemany("insert into c values (?)", [("a",), ("b",)])
print(log)
# an aggregate: a class per group; no rows; a group by
class Concat:
    def __init__(self): self.parts = []
    def step(self, v): self.parts.append(str(v))
    def finalize(self): return "-".join(self.parts)
cx.create_aggregate("concat", 1, Concat)
print(cx.execute("select concat(n) from t where n < 6").fetchone(), cx.execute("select concat(n) from t where n < 0").fetchone())
print(cx.execute("select n % 3, concat(n) from t where n < 10 group by n % 3 order by 1").fetchall())
# a window function
class WinSum:
    def __init__(self): self.v = 0
    def step(self, x): self.v += x
    def inverse(self, x): self.v -= x
    def value(self): return self.v
    def finalize(self): return self.v
cx.create_window_function("winsum", 1, WinSum)
print(cx.execute("select n, winsum(n) over (order by n rows between 1 preceding and 1 following) from t where n <= 6").fetchall())
# a callback that raises, in each place
def boom(*a): raise ZeroDivisionError("boom")
class BadStep(Concat):
    step = boom
class BadFinal(Concat):
    finalize = boom
cx.create_function("boom", -1, boom)
cx.create_aggregate("badstep", 1, BadStep)
cx.create_aggregate("badfinal", 1, BadFinal)
for sql in ["select boom()", "select n from t where boom(n)", "select badstep(n) from t", "select badfinal(n) from t"]:
    try:
        print(cx.execute(sql).fetchall())
    except sqlite3.Error as e:
        print(type(e).__name__, "|", e)
# a function running statements on the same connection, nested inside an aggregate query
def count_below(n):
    return cx.execute("select count(*) from t where n < ?", (n,)).fetchone()[0]
cx.create_function("count_below", 1, count_below)
print(cx.execute("select sum(count_below(n)) from t where n <= 50").fetchone())
print(cx.execute("select count_below(echo(n)) from t where n in (10, 300)").fetchall())
# a cursor abandoned in the middle of an aggregate-free query, then the connection reused
cur = cx.execute("select echo(n) from t")
print(cur.fetchone(), cur.fetchone())
cur.close()
# replaced and removed functions
cx.create_function("echo", 1, lambda v: "new")
print(cx.execute("select echo(1)").fetchone())
cx.create_function("echo", 1, None)
try:
    cx.execute("select echo(1)")
except sqlite3.OperationalError as e:
    print("OperationalError:", e)
# executescript (no suspension through sqlite3_exec-style paths)
cx.executescript("create table d(x); insert into d values (rev('abc'));")
print(cx.execute("select * from d").fetchall())
# the trace callback: each statement as run, with its parameters; inside a function too
traced = []
cx.set_trace_callback(traced.append)
cx.execute("select ?, rev(?)", (1, "ab")).fetchall()
cx.execute("select count_below(?)", (3,)).fetchall()
cx.executescript("insert into d values ('x'); delete from d where x = 'x';")
cx.set_trace_callback(None)
cx.execute("select 1").fetchall()
print(traced)
# the progress handler: called while a long query runs; a true answer interrupts it; raising too
calls = 0
def progress():
    global calls
    calls += 1
cx.set_progress_handler(progress, 100)
print(cx.execute("select count(*) from t a, t b where a.n < 50").fetchone(), calls > 10)
cx.set_progress_handler(lambda: calls > 20, 100)
try:
    cx.execute("select count(*) from t a, t b").fetchall()
except sqlite3.OperationalError as e:
    print("OperationalError:", e, calls)
cx.set_progress_handler(lambda: 1 / 0, 1)
try:
    cx.execute("create table e(x)")
except sqlite3.OperationalError as e:
    print("OperationalError:", e)
cx.set_progress_handler(None, 1)
print(cx.execute("select count(*) from t").fetchone())
# the authorizer: denied and ignored columns, a raising one, one set after a statement was
# prepared (SQLite prepares it again in the step), cleared
cx.execute("create table secret(a, b)")
cx.execute("insert into secret values (1, 2)")
cached = "select a, b from secret"
print(cx.execute(cached).fetchall())
asked = set()
def authorizer(action, arg1, arg2, db, source):
    asked.add((action, arg1, arg2))
    if action == sqlite3.SQLITE_READ and arg2 == "b":
        return sqlite3.SQLITE_IGNORE
    if action == sqlite3.SQLITE_READ and arg1 == "t" and arg2 == "s":
        return sqlite3.SQLITE_DENY
    if action == sqlite3.SQLITE_DELETE:
        raise ValueError("no deleting")
    return sqlite3.SQLITE_OK
cx.set_authorizer(authorizer)
print(cx.execute(cached).fetchall(), cx.execute("select a + 1, b from secret").fetchall())
for sql in ["select s from t", "delete from secret", "select n from t where n = 1"]:
    try:
        print(cx.execute(sql).fetchall())
    except sqlite3.DatabaseError as e:
        print(type(e).__name__, "|", e)
print(sorted(a for a in asked if a[0] in (sqlite3.SQLITE_READ, sqlite3.SQLITE_DELETE)))
cx.set_authorizer(None)
print(cx.execute(cached).fetchall(), cx.execute("select s from t where n = 1").fetchall())
# collations: a sort, a filter, a collated unique index written in a transaction, replaced
# and removed
def nocase(a, b):
    a, b = a.lower(), b.lower()
    return (a > b) - (a < b)
cx.create_collation("nocase_py", nocase)
cx.create_collation("reverse", lambda a, b: (a < b) - (a > b))
words = ["b%d" % (i * 7919 % 1000) for i in range(1000)] + ["B5", "a", "Z"]
cx.execute("create table w(x text)")
cx.executemany("insert into w values (?)", [(x,) for x in words])
rows = [r[0] for r in cx.execute("select x from w order by x collate nocase_py, x")]
print(rows[:4], rows[-3:], rows == sorted(words, key=lambda x: (x.lower(), x)))
print(cx.execute("select x from w order by x collate reverse limit 3").fetchall())
print(cx.execute("select count(*) from w where x collate nocase_py = 'b5'").fetchone())
cur = cx.execute("select x from w where x collate nocase_py < 'b100' order by rowid")
print(cur.fetchmany(2), len(cur.fetchall()))
cx.execute("create table names(name text unique collate nocase_py)")
with cx:
    cx.executemany("insert into names values (?)", [("Ann",), ("bob",), ("Cy",)])
try:
    with cx:
        cx.execute("insert into names values ('dee')")
        cx.execute("insert into names values ('BOB')")
except sqlite3.IntegrityError as e:
    print("IntegrityError:", e)
print(cx.execute("select name from names order by name").fetchall())
cx.create_collation("reverse", nocase)
print(cx.execute("select x from w where x in ('a', 'Z', 'B5') order by x collate reverse").fetchall())
cx.create_collation("reverse", None)
try:
    cx.execute("select x from w order by x collate reverse")
except sqlite3.OperationalError as e:
    print("OperationalError:", e)
cx.close()
