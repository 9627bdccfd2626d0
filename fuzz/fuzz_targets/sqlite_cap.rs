//! The sqlite cap, inside wasm: random SQL and random database images.
//!
//! The input is SQL text, optionally followed by `\0IMAGE\0` and a database image. The image
//! is loaded with `deserialize` (so SQLite reads whatever pages it is given); then every
//! statement of the text is prepared, its parameters bound (values of each type in turn),
//! stepped (at most 100 rows) and inspected; then every table is scanned, the database checked,
//! serialized, deserialized into a second connection and backed up into a third. The
//! connection has a function `f` (any arguments), an aggregate `g` and a window function `w`
//! (one argument), a collation `c`, the trace and a progress handler: each call they make is
//! answered (the arguments' first, or the aggregate's number; a reversed byte order for `c`),
//! and one statement is prepared again under an authorizer that allows all. Every call must
//! answer a value or an error, never trap, and the callbacks must end (see
//! `pyforge_fuzz::caps`).
#![no_main]

use pyforge_fuzz::caps::sqlite_world::exports::pyforge::sqlite::sqlite::{
    Answer, Authorized, Call, CallKind, Cell, CollateAnswer, CollateRequest, FunctionKind, Guest, RunEnd, RunResult,
    StepResult, Value,
};
use pyforge_fuzz::caps::{self, State, Stop, check, sqlite_world::Cap as World};
use wasmtime::Store;
use wasmtime::component::ResourceAny;

const SEPARATOR: &[u8] = b"\0IMAGE\0";
/// `SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_MEMORY`.
const OPEN: i32 = 0x2 | 0x4 | 0x80;
/// `SQLITE_LIMIT_LENGTH`: strings and blobs stay small, so a statement cannot ask for gigabytes.
const LIMIT_LENGTH: i32 = 0;

libfuzzer_sys::fuzz_target!(
    // Compiled before the first input: instrumented Cranelift takes longer on the cap than
    // libFuzzer's per-input timeout allows on a busy 2-core machine.
    init: {
        caps::sqlite();
    },
    |data: &[u8]| {
        let (sql, image) = match data.windows(SEPARATOR.len()).position(|w| w == SEPARATOR) {
            Some(at) => (&data[..at], Some(&data[at + SEPARATOR.len()..])),
            None => (data, None),
        };
        let _ = run(&String::from_utf8_lossy(sql), image);
    }
);

fn run(sql: &str, image: Option<&[u8]>) -> Result<(), Stop> {
    let cap = caps::sqlite();
    let mut store = cap.store();
    let world = World::instantiate(&mut store, cap.component(), cap.linker()).expect("the sqlite cap instantiates");
    let s = world.pyforge_sqlite_sqlite();
    let conn = s.connection();
    let db = check(&mut store, "open", |s| conn.call_open(s, ":memory:", OPEN))?.expect("open :memory:");
    check(&mut store, "limit", |s| conn.call_limit(s, db, LIMIT_LENGTH, 1 << 20))?;
    if let Some(image) = image {
        let _ = check(&mut store, "deserialize", |s| conn.call_deserialize(s, db, "main", image))?;
    }
    for (name, arguments, kind) in
        [("f", -1, FunctionKind::Scalar), ("g", 1, FunctionKind::Aggregate), ("w", 1, FunctionKind::Window)]
    {
        let _ = check(&mut store, "create_function", |s| conn.call_create_function(s, db, name, arguments, 1, kind))?;
    }
    let _ = check(&mut store, "create_collation", |s| conn.call_create_collation(s, db, "c"))?;
    check(&mut store, "set_trace", |s| conn.call_set_trace(s, db, true))?;
    check(&mut store, "set_progress", |s| conn.call_set_progress(s, db, 50))?;

    let _ = check(&mut store, "complete", |st| s.call_complete(st, sql))?;
    let mut rest = sql.to_string();
    let mut values = 0u32;
    for _ in 0..32 {
        if rest.trim().is_empty() {
            break;
        }
        let Ok(prepared) = check(&mut store, "prepare", |s| conn.call_prepare(s, db, &rest))? else { break };
        // `used` counts UTF-8 bytes of the text given.
        let used = (prepared.used as usize).min(rest.len());
        let Some(next) = rest.get(used..).map(str::to_string) else {
            panic!("prepare: `used` ({used}) is not at a character boundary of the SQL");
        };
        if used == 0 && prepared.statement.is_none() {
            break;
        }
        if let Some(stmt) = prepared.statement {
            run_statement(&mut store, s, stmt, &mut values, 100)?;
        }
        if rest.len() == sql.len() {
            // the first statement once more, prepared under an authorizer (answers: all allowed)
            check(&mut store, "set_authorizer", |s| conn.call_set_authorizer(s, db, true))?;
            let mut answers = Vec::new();
            for _ in 0..16 {
                match check(&mut store, "prepare_authorized", |s| conn.call_prepare_authorized(s, db, &rest, &answers))?
                {
                    Ok(Authorized::Ask(asked)) => {
                        assert!(!asked.is_empty(), "prepare_authorized: asked nothing");
                        answers.extend(asked.into_iter().map(|a| (a, 0)));
                    }
                    Ok(Authorized::Prepared(p)) => {
                        if let Some(stmt) = p.statement {
                            run_statement(&mut store, s, stmt, &mut values, 20)?;
                        }
                        break;
                    }
                    Err(_) => break,
                }
            }
            check(&mut store, "set_authorizer", |s| conn.call_set_authorizer(s, db, false))?;
        }
        rest = next;
    }
    let _ = check(&mut store, "changes", |s| conn.call_changes(s, db))?;
    let _ = check(&mut store, "total_changes", |s| conn.call_total_changes(s, db))?;
    let _ = check(&mut store, "last_insert_rowid", |s| conn.call_last_insert_rowid(s, db))?;
    let _ = check(&mut store, "autocommit", |s| conn.call_autocommit(s, db))?;

    // Whatever the image and the SQL left: every table scanned, the database checked.
    let tables = query_texts(&mut store, s, db, "SELECT name FROM sqlite_schema WHERE type = 'table' LIMIT 8")?;
    for table in &tables {
        let quoted = table.replace('"', "\"\"");
        query_texts(&mut store, s, db, &format!("SELECT * FROM \"{quoted}\" LIMIT 50"))?;
        let quoted = table.replace('\'', "''");
        let columns = query_texts(&mut store, s, db, &format!("SELECT name FROM pragma_table_info('{quoted}')"))?;
        if let Some(column) = columns.first() {
            let blob = s.blob();
            if let Ok(b) =
                check(&mut store, "blob_open", |s| conn.call_blob_open(s, db, "main", table, column, 1, true))?
            {
                let size = check(&mut store, "blob.size", |s| blob.call_size(s, b))?;
                for (offset, length) in [(0, size), (size / 2, size), (-1, 1), (0, -1)] {
                    let _ = check(&mut store, "blob.read", |s| blob.call_read(s, b, offset, length))?;
                }
                let _ = check(&mut store, "blob.write", |s| blob.call_write(s, b, size / 2, b"xy"))?;
                let _ = check(&mut store, "blob.close", |s| blob.call_close(s, b))?;
            }
        }
    }
    query_texts(&mut store, s, db, "PRAGMA integrity_check")?;

    // The database through serialize/deserialize and backup.
    if let Some(bytes) = check(&mut store, "serialize", |s| conn.call_serialize(s, db, "main"))? {
        let second = check(&mut store, "open", |s| conn.call_open(s, ":memory:", OPEN))?.expect("open :memory:");
        if check(&mut store, "deserialize", |s| conn.call_deserialize(s, second, "main", &bytes))?.is_ok() {
            query_texts(&mut store, s, second, "PRAGMA quick_check")?;
        }
        let third = check(&mut store, "open", |s| conn.call_open(s, ":memory:", OPEN))?.expect("open :memory:");
        let backup = s.backup();
        if let Ok(b) = check(&mut store, "backup.start", |s| backup.call_start(s, third, "main", db, "main"))? {
            let _ = check(&mut store, "backup.step", |s| backup.call_step(s, b, -1))?;
            let _ = check(&mut store, "backup.finish", |s| backup.call_finish(s, b))?;
        }
        for c in [second, third] {
            let _ = check(&mut store, "close", |s| conn.call_close(s, c))?;
        }
    }
    let _ = check(&mut store, "close", |s| conn.call_close(s, db))?;
    Ok(())
}

/// Binds every parameter, steps up to `rows` rows and asks the statement everything it answers.
fn run_statement(
    store: &mut Store<State>,
    s: &Guest,
    stmt: ResourceAny,
    values: &mut u32,
    rows: usize,
) -> Result<(), Stop> {
    let st = s.statement();
    let params = check(store, "parameters", |s| st.call_parameters(s, stmt))?;
    let mut bindings = Vec::new();
    for index in 1..=params.len() as i32 {
        *values += 1;
        let value = match *values % 5 {
            0 => Value::Null,
            1 => Value::Integer(i64::from(*values) - 3),
            2 => Value::Real(f64::from(*values) / 3.0),
            3 => Value::Text(format!("t{values}é").into_bytes()),
            _ => Value::Blob(vec![*values as u8; (*values % 7) as usize]),
        };
        let _ = check(store, "bind", |s| st.call_bind(s, stmt, index, &value))?;
        encode(&mut bindings, index, &value);
    }
    let columns = check(store, "columns", |s| st.call_columns(s, stmt))?;
    let _ = check(store, "readonly", |s| st.call_readonly(s, stmt))?;
    let _ = check(store, "expanded_sql", |s| st.call_expanded_sql(s, stmt))?;
    for _ in 0..rows {
        match check(store, "step", |s| st.call_step(s, stmt))? {
            Ok(StepResult::Row(row)) => {
                assert_eq!(row.len(), columns.len(), "a row's width is the statement's column count");
                for i in 0..row.len() as i32 {
                    let _ = check(store, "column_bytes", |s| st.call_column_bytes(s, stmt, i))?;
                }
            }
            Ok(StepResult::Done) | Err(_) => break,
        }
    }
    let _ = check(store, "busy", |s| st.call_busy(s, stmt))?;
    let _ = check(store, "reset", |s| st.call_reset(s, stmt))?;
    // Again in batches, as the C side of `_sqlite3` reads it: reset + bind + up to 7 rows a run.
    let number = check(store, "number", |s| st.call_number(s, stmt))?;
    let mut reset = true;
    for _ in 0..rows.div_ceil(7) {
        let Ok(r) = check(store, "run", |st| s.call_run(st, number, reset, &bindings, 7))? else { break };
        let Some(r) = answer_callbacks(store, s, stmt, r)? else { break };
        reset = false;
        let (cells, width, data) = match &r.rows {
            Some(rows) => {
                assert!(!rows.cells.is_empty(), "run: rows without cells (none is `rows: none`)");
                (&rows.cells[..], rows.width as usize, &rows.data[..])
            }
            None => (&[][..], 0, &[][..]),
        };
        assert!(width > 0 || cells.is_empty(), "run: cells without a width");
        assert_eq!(cells.len() % width.max(1), 0, "run: cells are whole rows");
        let bytes: usize = cells
            .iter()
            .map(|c| match c {
                Cell::Text(n) => *n as usize + 1,
                Cell::Blob(n) => *n as usize,
                _ => 0,
            })
            .sum();
        assert_eq!(bytes, data.len(), "run: data holds exactly the cells' bytes");
        for c in cells {
            if let Cell::Real(f) = c {
                let _ = check(store, "format_real", |st| s.call_format_real(st, *f))?;
            }
        }
        if !matches!(r.end, RunEnd::More) {
            break;
        }
    }
    // Parameters that need not parse (the statement's own text as bytes): an error or a run.
    let garbage = check(store, "expanded_sql", |s| st.call_expanded_sql(s, stmt))?.unwrap_or_default();
    if let Ok(r) = check(store, "run", |st| s.call_run(st, number, true, garbage.as_bytes(), 7))? {
        answer_callbacks(store, s, stmt, r)?;
    }
    check(store, "statement drop", |s| stmt.resource_drop(s))?;
    // A number without a statement is a misuse error.
    let gone = check(store, "run", |st| s.call_run(st, number, true, &[], 7))?;
    assert!(gone.is_err(), "run: a dropped statement's number still runs");
    Ok(())
}

/// Appends a binding to `run`'s parameters, encoded as the WIT describes them.
fn encode(out: &mut Vec<u8>, index: i32, value: &Value) {
    out.extend_from_slice(&(index as u32).to_le_bytes());
    match value {
        Value::Null => out.push(0),
        Value::Integer(i) => {
            out.push(1);
            out.extend_from_slice(&i.to_le_bytes());
        }
        Value::Real(f) => {
            out.push(2);
            out.extend_from_slice(&f.to_le_bytes());
        }
        Value::Text(b) | Value::Blob(b) => {
            out.push(if matches!(value, Value::Text(_)) { 3 } else { 4 });
            out.extend_from_slice(&(b.len() as u32).to_le_bytes());
            out.extend_from_slice(b);
        }
    }
}

/// Answers the calls, authorizer questions and comparisons a run ends with until it ends
/// otherwise (none: a misuse error ended it). They must end: a statement that keeps asking
/// is a finding.
fn answer_callbacks(
    store: &mut Store<State>,
    s: &Guest,
    stmt: ResourceAny,
    mut r: RunResult,
) -> Result<Option<RunResult>, Stop> {
    let st = s.statement();
    for _ in 0..100_000 {
        let next = match &r.end {
            RunEnd::Call(call) => {
                let answer = answer(call);
                check(store, "resume", |s| st.call_resume(s, stmt, &answer, 7))?
            }
            RunEnd::Authorize(asked) => {
                let answers: Vec<_> = asked.iter().map(|a| (a.clone(), 0)).collect();
                check(store, "authorize", |s| st.call_authorize(s, stmt, &answers, 7))?
            }
            RunEnd::Collate(request) => {
                let answer = collate(request);
                check(store, "collated", |s| st.call_collated(s, stmt, &answer, 7))?
            }
            _ => return Ok(Some(r)),
        };
        let Ok(next) = next else { return Ok(None) };
        r = next;
    }
    panic!("a run kept calling back: 100000 callbacks answered");
}

fn answer(call: &Call) -> Answer {
    match call.kind {
        CallKind::Scalar => Answer::Value(call.args.first().cloned().unwrap_or(Value::Null)),
        CallKind::Value | CallKind::Final => Answer::Value(Value::Integer(call.aggregate as i64)),
        CallKind::Progress => {
            // every 7th progress call interrupts
            thread_local!(static PROGRESS: std::cell::Cell<u32> = const { std::cell::Cell::new(0) });
            let n = PROGRESS.replace(PROGRESS.get().wrapping_add(1));
            Answer::Value(Value::Integer(i64::from(n % 7 == 6)))
        }
        CallKind::Step | CallKind::Inverse | CallKind::Trace => Answer::Value(Value::Null),
    }
}

/// Collation `c`: reversed byte order.
fn collate(request: &CollateRequest) -> CollateAnswer {
    match request {
        CollateRequest::Pairs(pairs) => {
            CollateAnswer::Pairs(pairs.iter().map(|p| p.right.cmp(&p.left) as i32).collect())
        }
        CollateRequest::Texts(all) => CollateAnswer::Texts(
            all.iter()
                .map(|t| {
                    let mut sorted: Vec<&Vec<u8>> = t.texts.iter().collect();
                    sorted.sort_by(|a, b| b.cmp(a));
                    sorted.dedup();
                    t.texts.iter().map(|x| sorted.iter().position(|y| *y == x).unwrap_or(0) as u32).collect()
                })
                .collect(),
        ),
    }
}

/// The first column of each row of `sql` (at most 50) that is text.
fn query_texts(store: &mut Store<State>, s: &Guest, db: ResourceAny, sql: &str) -> Result<Vec<String>, Stop> {
    let mut out = Vec::new();
    let Ok(prepared) = check(store, "prepare", |st| s.connection().call_prepare(st, db, sql))? else {
        return Ok(out);
    };
    let Some(stmt) = prepared.statement else { return Ok(out) };
    let st = s.statement();
    for _ in 0..50 {
        match check(store, "step", |s| st.call_step(s, stmt))? {
            Ok(StepResult::Row(row)) => {
                if let Some(Value::Text(t)) = row.first() {
                    out.push(String::from_utf8_lossy(t).into_owned());
                }
            }
            Ok(StepResult::Done) | Err(_) => break,
        }
    }
    check(store, "statement drop", |s| stmt.resource_drop(s))?;
    Ok(out)
}
