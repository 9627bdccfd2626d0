//! The sqlite cap end to end, in the repo's default forge (built once in a copy of the project):
//!
//! * CPython's own `Lib/test/test_sqlite3` package runs inside the composed interpreter
//!   (`tests/sqlite/run_cpython_tests.py`); counts are printed per file, every failure must be
//!   listed in [`KNOWN_FAILURES`] with its reason, every skip must have a reason from
//!   [`ALLOWED_SKIPS`] (WASI and wasm32 limits only);
//! * a file database written by one `pyforge run` is read by the next, and a relative path
//!   means the same file to Python and to the cap after `os.chdir`;
//! * under stock `wasmtime run --dir`, the file Python writes is the host file, and the host's
//!   own SQLite reads it;
//! * SQL errors, constraint violations and a corrupt database file raise the right `sqlite3`
//!   exception with SQLite's message, and the connection keeps working;
//! * every callback — user-defined functions, aggregates, window functions, trace callbacks and
//!   progress handlers (the cap suspends the statement, Python runs the call, the statement
//!   resumes), the authorizer (asked before the cap prepares) and collations (asked when a
//!   statement needs comparisons, which then runs again) — works as in the host's CPython,
//!   errors and nested statements included;
//! * what the C side serves from batched runs (rows, counters, columns) is what SQLite answers
//!   call by call;
//! * a second, non-CPython consumer (`tests/caps/sqlite-consumer`) is composed with the same
//!   cap bytes and runs under stock wasmtime;
//! * the cap's WIT and the extension's copy are the same file.

use std::collections::BTreeMap;
use std::process::Command;

use libtest_mimic::{Arguments, Failed, Trial};
use pyforge_tests::{self as t, ensure};

/// Tests of CPython's suite that fail here, each with why (none may fail for another reason).
const KNOWN_FAILURES: &[(&str, &str)] = &[];

/// Skip reasons CPython's suite gives here, and why each is not a defect of the cap.
const ALLOWED_SKIPS: &[(&str, &str)] = &[
    ("requires subprocess support", "WASI has no processes"),
    ("requires threading support", "WASI CPython has no threads"),
    ("requires 64bit platform", "wasm32 is a 32-bit platform"),
    ("not supported on Emscripten/WASI", "CPython's own exclusion: undecodable file names"),
    ("No module named '_testcapi'", "forges leave CPython's _test* modules out of the inittab"),
];

#[derive(Debug, Default)]
struct FileCounts {
    run: usize,
    passed: usize,
    failed: usize,
    skipped: usize,
}

fn counts(line: &str) -> FileCounts {
    let mut c = FileCounts::default();
    for part in line.split_whitespace() {
        if let Some((k, v)) = part.split_once('=') {
            let v = v.parse().unwrap_or(0);
            match k {
                "run" => c.run = v,
                "passed" => c.passed = v,
                "failed" => c.failed = v,
                "skipped" => c.skipped = v,
                _ => {}
            }
        }
    }
    c
}

fn cpython_test_sqlite3() -> Result<(), Failed> {
    let harness = std::fs::read_to_string(t::root().join("tests/sqlite/run_cpython_tests.py"))?;
    let out = t::default_python(&["--with-tests", "-c", &harness])?;
    let mut files = BTreeMap::new();
    let mut total = None;
    let mut failed = Vec::new();
    let mut skips: BTreeMap<String, usize> = BTreeMap::new();
    for line in out.stdout.lines() {
        if let Some(rest) = line.strip_prefix("FILE ") {
            let (name, c) = rest.split_once(' ').unwrap_or((rest, ""));
            files.insert(name.to_string(), counts(c));
        } else if let Some(rest) = line.strip_prefix("TOTAL ") {
            total = Some(counts(rest));
        } else if let Some(id) = line.strip_prefix("FAIL ") {
            failed.push(id.to_string());
        } else if let Some(rest) = line.strip_prefix("SKIP ") {
            let reason = rest.split_once(" :: ").map_or(rest, |(_, r)| r);
            *skips.entry(reason.to_string()).or_default() += 1;
        }
    }
    println!();
    for (name, c) in &files {
        println!(
            "{name:>20}: run {:>4}, passed {:>4}, failed {:>2}, skipped {:>3}",
            c.run, c.passed, c.failed, c.skipped
        );
    }
    for (reason, n) in &skips {
        println!("  skipped {n:>3}× {reason}");
    }
    let Some(total) = total else {
        return Err(format!("the suite did not finish:\n{}", out.render()).into());
    };
    println!(
        "test_sqlite3: run {}, passed {}, failed {}, skipped {}",
        total.run, total.passed, total.failed, total.skipped
    );
    ensure(out.status == 0 && total.run > 400 && files.len() >= 10, || format!("too little ran:\n{}", out.render()))?;
    let unknown: Vec<&String> =
        failed.iter().filter(|id| !KNOWN_FAILURES.iter().any(|(known, _)| id.ends_with(known))).collect();
    ensure(unknown.is_empty(), || format!("failures not in KNOWN_FAILURES: {unknown:#?}\n{}", out.stdout))?;
    let unjustified: Vec<&String> =
        skips.keys().filter(|r| !ALLOWED_SKIPS.iter().any(|(allowed, _)| r.contains(allowed))).collect();
    ensure(unjustified.is_empty(), || format!("skips without an allowed reason: {unjustified:#?}"))?;
    // Every skip in the total must be one whose reason was read (and checked above).
    let with_reason: usize = skips.values().sum();
    ensure(with_reason == total.skipped, || {
        format!("{} skipped but {with_reason} skip reasons read: {skips:#?}", total.skipped)
    })?;
    Ok(())
}

/// One `pyforge run` writes a file database, the next reads it; relative paths follow
/// Python's working directory.
fn file_database_persists_across_runs() -> Result<(), Failed> {
    let write = r#"
import os, sqlite3
os.makedirs("data/sub", exist_ok=True)
os.chdir("data")
cx = sqlite3.connect("sub/app.db")   # relative to Python's cwd: /data/sub/app.db
with cx:
    cx.execute("create table if not exists kv(k text primary key, v blob)")
    cx.executemany("insert or replace into kv values (?, ?)", [("a", b"\x00\x01"), ("b", "text é")])
cx.close()
sqlite3.connect("file:plain.db").close()  # not a URI unless uri=True: a file of that name
print(sorted(os.listdir("sub")), os.path.exists("file:plain.db"))
"#;
    let out = t::default_python(&["-c", write])?;
    ensure(out.status == 0 && out.stdout == "['app.db'] True\n", || out.render())?;
    let read = r#"
import sqlite3
cx = sqlite3.connect("file:data/sub/app.db?mode=ro", uri=True)
print(cx.execute("select k, v from kv order by k").fetchall())
try:
    cx.execute("insert into kv values ('c', 1)")
except sqlite3.OperationalError as e:
    print(type(e).__name__, e)
"#;
    let out = t::default_python(&["-c", read])?;
    ensure(
        out.status == 0
            && out.stdout
                == "[('a', b'\\x00\\x01'), ('b', 'text é')]\nOperationalError attempt to write a readonly database\n",
        || out.render(),
    )?;
    Ok(())
}

/// Under stock `wasmtime run --dir`, the database Python writes is the host's file: the host's
/// own SQLite (Debian's python3) reads it back.
/// `wasmtime run` of the default forge's composed Python with `work` at `/work` and the
/// stdlib mounted, with extra wasmtime options before the component.
fn stock_wasmtime_python(work: &std::path::Path, options: &[&str], code: &str) -> Result<t::Outcome, Failed> {
    let f = t::default_forge()?;
    let kit = t::run_native(&f.root, &["kit", "path"])?;
    ensure(kit.status == 0, || kit.render())?;
    let stdlib = std::path::Path::new(kit.stdout.trim()).join("stdlib/lib/python3.13");
    Ok(t::run(
        Command::new(t::wasmtime())
            .arg("run")
            .args(options)
            .arg("--dir")
            .arg(format!("{}::/work", work.display()))
            .arg("--dir")
            .arg(format!("{}::/usr/local/lib/python3.13", stdlib.display()))
            .arg("--dir")
            .arg(format!("{}::/usr/local/lib/pyforge", f.root.join("target/pyforge/default/lib").display()))
            .args(["--env", "PYTHONPATH=/usr/local/lib/pyforge"])
            .arg(f.root.join("target/pyforge/default/python.composed.wasm"))
            .args(["-c", code]),
    )?)
}

fn wasmtime_dir_means_the_host_file() -> Result<(), Failed> {
    let dir = tempfile::tempdir()?;
    let code = "import sqlite3, os; os.chdir('/work'); cx = sqlite3.connect('w.db'); \
        cx.execute('create table t(x)'); cx.execute('insert into t values (42)'); cx.commit(); cx.close(); print('ok')";
    let out = stock_wasmtime_python(dir.path(), &[], code)?;
    ensure(out.status == 0 && out.stdout == "ok\n", || out.render())?;
    let host = t::run(
        Command::new("python3")
            .args([
                "-c",
                "import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute('select x from t').fetchall())",
            ])
            .arg(dir.path().join("w.db")),
    )?;
    ensure(host.status == 0 && host.stdout == "[(42,)]\n", || host.render())?;
    Ok(())
}

/// Reading empty values allocates nothing that outlives the row: 6 million empty blobs read
/// in 64 MiB of memory (the shim's NUL-terminated copy of each value is freed with the row;
/// a leak of even its one byte is 16 bytes of heap, 96 MB here, and runs out).
fn empty_values_do_not_leak() -> Result<(), Failed> {
    let dir = tempfile::tempdir()?;
    let code = r#"
import sqlite3
cx = sqlite3.connect(':memory:')
sql = """with recursive c(n) as (select 1 union all select n + 1 from c where n < 1000000)
         select x'', x'', x'', x'', x'', x'' from c"""
rows = 0
for row in cx.execute(sql):
    assert row == (b'',) * 6, row
    rows += 1
print('rows', rows)
"#;
    let out = stock_wasmtime_python(dir.path(), &["-W", "max-memory-size=67108864"], code)?;
    ensure(out.status == 0 && out.stdout == "rows 1000000\n", || out.render())?;
    Ok(())
}

/// Bindings of executes that fail before stepping do not pile up: CPython binds parameter 1,
/// refuses parameter 2 (an unsupported type) and never steps, so the statement's pending
/// bindings (sent with its next step) would grow by each attempt's 1 KiB text — 300 MB here,
/// in 64 MiB of memory — if the C side did not keep only the last binding of each index. The
/// next good execute binds and answers as SQLite does.
fn failed_bindings_do_not_pile_up() -> Result<(), Failed> {
    let dir = tempfile::tempdir()?;
    let code = r#"
import sqlite3
cx = sqlite3.connect(':memory:')
text = 'x' * 1024
failed = 0
for _ in range(300_000):
    try:
        cx.execute('select ?, length(?)', (text, object()))
    except sqlite3.ProgrammingError:
        failed += 1
print('failed', failed, cx.execute('select ?, length(?)', ('a', text)).fetchone())
"#;
    let out = stock_wasmtime_python(dir.path(), &["-W", "max-memory-size=67108864"], code)?;
    ensure(out.status == 0 && out.stdout == "failed 300000 ('a', 1024)\n", || out.render())?;
    Ok(())
}

/// SQL errors, constraint violations and a corrupt file raise the right class with SQLite's
/// message; the connection keeps working.
fn errors_are_exceptions_with_sqlites_message() -> Result<(), Failed> {
    let code = r#"
import sqlite3
cx = sqlite3.connect(":memory:")
cx.execute("create table t(id integer primary key, name text not null unique)")
cx.execute("insert into t values (1, 'a')")
for sql, args in [("selec 1", ()), ("select nope from t", ()), ("insert into t values (2, 'a')", ()),
                  ("insert into t values (1, 'b')", ()), ("insert into t values (3, null)", ()),
                  ("select ?", (1, 2))]:
    try:
        cx.execute(sql, args)
    except sqlite3.Error as e:
        print(type(e).__name__, "|", e, "|", getattr(e, "sqlite_errorname", None))
print(cx.execute("select count(*) from t").fetchone(), cx.in_transaction)
with open("corrupt.db", "wb") as f:
    f.write(b"this is not a database, " * 100)
bad = sqlite3.connect("corrupt.db")
try:
    bad.execute("select * from sqlite_master")
except sqlite3.DatabaseError as e:
    print(type(e).__name__, "|", e, "|", e.sqlite_errorname)
bad.close()  # SQLite refuses every statement on that file, but closing works
try:
    sqlite3.connect(b"undecodable-\xff.db")  # WASI paths are UTF-8: refused, not a trap
except sqlite3.OperationalError as e:
    print(type(e).__name__, "|", e)
print(cx.execute("select count(*) from t").fetchone())
print(cx.execute("select sqlite_version()").fetchone()[0] == sqlite3.sqlite_version)
print("foreign keys:", cx.execute("pragma foreign_keys").fetchone())
"#;
    let out = t::default_python(&["-c", code])?;
    let want = "OperationalError | near \"selec\": syntax error | SQLITE_ERROR\n\
        OperationalError | no such column: nope | SQLITE_ERROR\n\
        IntegrityError | UNIQUE constraint failed: t.name | SQLITE_CONSTRAINT_UNIQUE\n\
        IntegrityError | UNIQUE constraint failed: t.id | SQLITE_CONSTRAINT_PRIMARYKEY\n\
        IntegrityError | NOT NULL constraint failed: t.name | SQLITE_CONSTRAINT_NOTNULL\n\
        ProgrammingError | Incorrect number of bindings supplied. The current statement uses 1, and there are 2 supplied. | None\n\
        (1,) True\n\
        DatabaseError | file is not a database | SQLITE_NOTADB\n\
        OperationalError | text passed to SQLite is not valid UTF-8 (the sqlite cap takes UTF-8 strings)\n\
        (1,)\n\
        True\n\
        foreign keys: (0,)\n";
    ensure(out.status == 0 && out.stdout == want, || out.render())?;
    Ok(())
}

/// What the C side serves from a `run` (sqlite cap 0.2.0+: bindings sent with the step, rows in
/// batches, counters and columns from the run) is what SQLite answers call by call: numbers and
/// blobs read as text, an error after some rows (the rows first, then the error at its row),
/// a query read while its connection writes, the counters after each kind of statement, one
/// statement rebound with every kind of value, `fetchmany` across batch edges, columns after a
/// re-prepare, a half-read cursor closed before a `DROP TABLE`. The expected output is the host
/// CPython's with Debian's SQLite, byte for byte.
fn batched_runs_answer_as_sqlite_does() -> Result<(), Failed> {
    let code = r#"import sqlite3
cx = sqlite3.connect(":memory:", detect_types=sqlite3.PARSE_COLNAMES)
sqlite3.register_converter("raw", lambda b: b)
# numbers and blobs read as text (sqlite3_column_text), as SQLite writes them
print(cx.execute('select 1.5 as "a [raw]", 10 as "b [raw]", 1e100 as "c [raw]", 0.1 as "d [raw]", '
                 '-2.5 as "e [raw]", 123456789012345678 as "f [raw]", x\'41ff\' as "g [raw]", 2.0 as "h [raw]", '
                 '\'\' as "i [raw]", null as "j [raw]"').fetchone())
cx.execute("create table t(n integer, j text)")
cx.executemany("insert into t values (?, ?)", [(i, "[1]" if i != 300 else "[") for i in range(1, 1001)])
print(cx.total_changes, cx.in_transaction)
# a failing row: the rows before it, then the error, at that row
n = 0
try:
    for row in cx.execute("select n, json(j) from t"):
        n += 1
except sqlite3.OperationalError as e:
    print("after", n, "rows:", e)
# a query read while its connection writes
cur = cx.execute("select n from t order by n")
first = [cur.fetchone()[0] for _ in range(3)]
cx.execute("insert into t values (2000, '[]')")
print(first, len(cur.fetchall()), cx.execute("select count(*) from t").fetchone())
# counters after each kind of statement
c = cx.execute("update t set j = '[2]' where n <= 10")
print(c.rowcount, cx.total_changes, cx.in_transaction)
c = cx.execute("insert into t values (5000, null)")
print(c.lastrowid, c.rowcount)
cx.commit()
print(cx.in_transaction, cx.execute("select changes(), total_changes()").fetchone())
# one statement, rebound with each kind of value
for v in ["x", "yy" * 1000, b"\0\1", None, 3.25, 7, ""]:
    print(cx.execute("select ?, typeof(?), length(?)", (v, v, v)).fetchone()[1:], end=" ")
print()
# fetchmany across batch edges, and the last batch
cur = cx.execute("select n from t order by n")
print([len(cur.fetchmany(100)) for _ in range(12)], cur.fetchone())
# columns after a schema change (SQLite re-prepares the cached statement)
cx.execute("create table s(a)")
q = "select * from s"
print([d[0] for d in cx.execute(q).description], end=" ")
cx.execute("alter table s add column b")
print([d[0] for d in cx.execute(q).description])
# a cursor left on a row keeps its statement busy; reset frees it
cur = cx.execute("select n from t")
cur.fetchone()
cur.close()
cx.execute("drop table t")
print("dropped", cx.execute("select count(*) from sqlite_schema").fetchone())
"#;
    let out = t::default_python(&["-c", code])?;
    let want = "(b'1.5', b'10', b'1.0e+100', b'0.1', b'-2.5', b'123456789012345678', b'A\\xff', b'2.0', None, None)\n\
        1000 True\n\
        after 298 rows: malformed JSON\n\
        [1, 2, 3] 997 (1001,)\n\
        10 1011 True\n\
        1002 1\n\
        False (1, 1012)\n\
        ('text', 1) ('text', 2000) ('blob', 2) ('null', None) ('real', 4) ('integer', 1) ('text', 0) \n\
        [100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 2, 0] None\n\
        ['a'] ['a', 'b']\n\
        dropped (1,)\n\
        ";
    ensure(out.status == 0 && out.stdout == want, || out.render())?;
    Ok(())
}

/// User-defined functions, aggregates and window functions, trace callbacks, progress handlers,
/// the authorizer and collations (`tests/sqlite/callbacks.py`): every kind of value both ways, functions in
/// WHERE/ORDER BY/CHECK/triggers, groups, frames, a callback raising in each place, statements
/// run inside a function while the outer one is suspended, a cursor abandoned mid-way, replaced
/// and removed functions, the statements traced, a progress handler stopping a query, an
/// authorizer denying, ignoring and raising, also for a statement prepared before it was set,
/// collations sorting, filtering (a cursor read part-way), guarding a unique index inside a
/// transaction that fails, replaced and removed. The output must be the
/// host CPython's with Debian's SQLite, byte for byte.
fn callbacks_run_as_in_cpython() -> Result<(), Failed> {
    let script = t::root().join("tests/sqlite/callbacks.py");
    let host = t::run(Command::new("python3").arg(&script))?;
    ensure(host.status == 0 && host.stdout.lines().count() > 15, || host.render())?;
    let code = std::fs::read_to_string(&script)?;
    let out = t::default_python(&["-c", &code])?;
    ensure(out.status == 0 && out.stdout == host.stdout, || {
        format!("the host's python3 printed:\n{}\nthe forge:\n{}", host.stdout, out.render())
    })
}

/// The same cap bytes serve a Rust command component importing the same interface, under stock
/// wasmtime, with a file database in its preopened directory; it also calls `run` directly
/// (a statement's number, parameters as bytes, cut parameters and a dropped statement's number
/// as errors).
fn second_consumer_uses_the_same_cap() -> Result<(), Failed> {
    let dir = tempfile::tempdir()?;
    std::fs::copy(t::sqlite_cap_wasm(), dir.path().join("sqlite-cap.wasm"))?;
    std::fs::copy(t::sqlite_consumer_wasm(), dir.path().join("consumer.wasm"))?;
    let out =
        t::run_native(dir.path(), &["compose", "consumer.wasm", "--plug", "sqlite-cap.wasm", "-o", "composed.wasm"])?;
    ensure(out.status == 0, || out.render())?;
    let run = t::run(Command::new(t::wasmtime()).args(["run", "--dir", ".", "composed.wasm"]).current_dir(dir.path()))?;
    let want = "sqlite 3.50.2 (3050002), threadsafe 0\n\
        inserted: total changes 1000, last rowid 1000, autocommit true\n\
        indexed query: 10 rows with k = 42, first \"row 142\"\n\
        blob 7: 16 bytes, first [6, 6, 6, 6]\n\
        bad SQL: error 1: near \"selec\": syntax error\n\
        duplicate: error 2067: UNIQUE constraint failed: u.x\n\
        run: [Cell::Integer(42), Cell::Text(3)], \"hi!\\0\", end RunEnd::Done\n\
        run, cut parameters: error 21: run: the parameters do not parse at byte 0 (see the WIT's `run`)\n\
        run, dropped statement: error 21: run: no statement is numbered 1\n\
        reopened: [Value::Integer(1000)]\n";
    ensure(run.status == 0 && run.stdout == want, || run.render())?;
    ensure(dir.path().join("consumer.db").is_file(), || "the consumer's database is not in its directory".into())
}

fn wit_copies_agree() -> Result<(), Failed> {
    let root = t::root();
    let cap = std::fs::read(root.join("caps/sqlite/wit/sqlite.wit"))?;
    let ext = std::fs::read(root.join("cpython-ext/_sqlite_cap/wit/deps/sqlite/sqlite.wit"))?;
    ensure(cap == ext, || {
        "caps/sqlite/wit/sqlite.wit and cpython-ext/_sqlite_cap/wit/deps/sqlite/sqlite.wit differ".into()
    })
}

fn main() {
    let args = Arguments::from_args();
    let trials = vec![
        Trial::test("wit_copies_agree", wit_copies_agree),
        Trial::test("errors_are_exceptions_with_sqlites_message", errors_are_exceptions_with_sqlites_message),
        Trial::test("file_database_persists_across_runs", file_database_persists_across_runs),
        Trial::test("wasmtime_dir_means_the_host_file", wasmtime_dir_means_the_host_file),
        Trial::test("empty_values_do_not_leak", empty_values_do_not_leak),
        Trial::test("failed_bindings_do_not_pile_up", failed_bindings_do_not_pile_up),
        Trial::test("batched_runs_answer_as_sqlite_does", batched_runs_answer_as_sqlite_does),
        Trial::test("callbacks_run_as_in_cpython", callbacks_run_as_in_cpython),
        Trial::test("second_consumer_uses_the_same_cap", second_consumer_uses_the_same_cap),
        Trial::test("cpython_test_sqlite3", cpython_test_sqlite3),
    ];
    libtest_mimic::run(&args, trials).exit();
}
