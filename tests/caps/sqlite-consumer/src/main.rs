//! A second consumer of the sqlite cap, not CPython: a command component importing
//! `pyforge:sqlite/sqlite@0.4.0` from the same WIT. Composed with the same cap bytes as the
//! Python forge, it creates a file database in its working directory, fills it inside a
//! transaction, queries it through an index, reads a blob incrementally, and shows that bad SQL
//! and a constraint violation are typed errors, not traps.

mod bindings {
    wit_bindgen::generate!({
        inline: "package pyforge:sqlite-consumer; world consumer { import pyforge:sqlite/sqlite@0.4.0; }",
        path: "../../../caps/sqlite/wit",
        generate_all,
    });
}

use bindings::pyforge::sqlite::sqlite::{self as sql, Connection, StepResult, Value};

/// SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
const OPEN_RW_CREATE: i32 = 0x2 | 0x4;

fn exec(db: &Connection, text: &str) {
    db.exec(text).unwrap_or_else(|e| panic!("{text}: {} ({})", e.message, e.code));
}

/// Runs one statement with `params` and returns its rows.
fn query(db: &Connection, text: &str, params: &[Value]) -> Vec<Vec<Value>> {
    let prepared = db.prepare(text).expect("prepare");
    let stmt = prepared.statement.expect("a statement");
    for (i, p) in params.iter().enumerate() {
        stmt.bind(i as i32 + 1, p).expect("bind");
    }
    let mut rows = Vec::new();
    while let StepResult::Row(row) = stmt.step().expect("step") {
        rows.push(row);
    }
    rows
}

fn main() {
    let (version, number) = sql::version();
    println!("sqlite {version} ({number}), threadsafe {}", sql::threadsafe());
    let db = Connection::open("consumer.db", OPEN_RW_CREATE).expect("open");
    exec(&db, "create table t(id integer primary key, k integer, v text, b blob); create index t_k on t(k)");
    exec(&db, "begin");
    let insert = db.prepare("insert into t(k, v, b) values (?1, ?2, ?3)").expect("prepare").statement.expect("stmt");
    for i in 0..1000i64 {
        insert.reset().expect("reset");
        insert.bind(1, &Value::Integer(i % 100)).expect("bind k");
        insert.bind(2, &Value::Text(format!("row {i}").into_bytes())).expect("bind v");
        insert.bind(3, &Value::Blob(vec![i as u8; 16])).expect("bind b");
        insert.step().expect("insert");
    }
    exec(&db, "commit");
    println!(
        "inserted: total changes {}, last rowid {}, autocommit {}",
        db.total_changes(),
        db.last_insert_rowid(),
        db.autocommit()
    );
    let rows = query(&db, "select count(*), min(v) from t where k = ?1", &[Value::Integer(42)]);
    let [Value::Integer(n), Value::Text(v)] = rows[0].as_slice() else { panic!("unexpected row {:?}", rows[0]) };
    println!("indexed query: {n} rows with k = 42, first {:?}", String::from_utf8_lossy(v));
    let blob = db.blob_open("main", "t", "b", 7, false).expect("blob");
    println!("blob 7: {} bytes, first {:?}", blob.size(), blob.read(0, 4).expect("read"));
    match db.prepare("selec 1") {
        Ok(_) => println!("bad SQL: prepared?!"),
        Err(e) => println!("bad SQL: error {}: {}", e.code, e.message),
    }
    exec(&db, "create table u(x unique)");
    exec(&db, "insert into u values (1)");
    match db.exec("insert into u values (1)") {
        Ok(()) => println!("duplicate: inserted?!"),
        Err(e) => println!("duplicate: error {}: {}", e.code, e.message),
    }
    // `run` (0.4.0): the statement by its number, the parameters as one byte list (index u32,
    // type byte, value; little-endian), the rows as flat cells and bytes.
    let stmt = db.prepare("select ?1 + 1, ?2 || '!'").expect("prepare").statement.expect("stmt");
    let number = stmt.number();
    let mut params = Vec::new();
    params.extend(1u32.to_le_bytes());
    params.push(1);
    params.extend(41i64.to_le_bytes());
    params.extend(2u32.to_le_bytes());
    params.push(3);
    params.extend(2u32.to_le_bytes());
    params.extend(b"hi");
    let r = sql::run(number, true, &params, 8).expect("run");
    let rows = r.rows.expect("a row");
    println!("run: {:?}, {:?}, end {:?}", rows.cells, String::from_utf8_lossy(&rows.data), r.end);
    match sql::run(number, true, &params[..7], 8) {
        Ok(_) => println!("run, cut parameters: ran?!"),
        Err(e) => println!("run, cut parameters: error {}: {}", e.code, e.message),
    }
    drop(stmt);
    match sql::run(number, true, &[], 8) {
        Ok(_) => println!("run, dropped statement: ran?!"),
        Err(e) => println!("run, dropped statement: error {}: {}", e.code, e.message),
    }
    drop(insert);
    drop(blob);
    db.close().expect("close");
    let again = Connection::open("consumer.db", 0x1).expect("reopen read-only");
    let rows = query(&again, "select count(*) from t", &[]);
    println!("reopened: {:?}", rows[0]);
}
