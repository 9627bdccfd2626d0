//! The sqlite cap: exports `pyforge:sqlite/sqlite@0.3.0` (`wit/sqlite.wit`) over SQLite
//! itself — the amalgamation that `libsqlite3-sys` bundles, patched so that a callback can
//! suspend a statement (`build.rs`) and compiled with clang for `wasm32-wasip2`
//! (`SQLITE_THREADSAFE=0`, no extension loading; files go through this component's own WASI
//! filesystem imports and SQLite's "unix" VFS, see `src/wasi_locks.c`).
//!
//! Each resource owns one SQLite object and each method is one C API call (`statement.run` a
//! fixed sequence of them), so what a caller sees is what SQLite says: result codes, messages
//! and values unchanged. Every failure is a
//! WIT error carrying the extended result code and `sqlite3_errmsg` — never a trap.

#![expect(unsafe_code, reason = "SQLite is a C library; every call below is one C API call")]

mod bindings {
    wit_bindgen::generate!({
        inline: "package pyforge:sqlite-cap; world cap { export pyforge:sqlite/sqlite@0.4.0; }",
        path: "wit",
        generate_all,
    });

    use super::Cap;
    export!(Cap);
}

use std::cell::{Cell, RefCell};
use std::ffi::{CStr, CString, c_char, c_int};
use std::ptr;
use std::rc::Rc;

use bindings::exports::pyforge::sqlite::sqlite::{
    self as wit, Answer, Authorization, Authorized, BackupProgress, Call, CallKind, Cell as RowCell, CollateAnswer,
    CollateRequest, Column, Comparison, Error, FunctionKind, Prepared, Rows, RunEnd, RunResult, StepResult, Texts,
    Value,
};
use libsqlite3_sys as ffi;

unsafe extern "C" {
    // Not in libsqlite3-sys's prebuilt bindings, but in the library it builds.
    fn sqlite3_close_v2(db: *mut ffi::sqlite3) -> c_int;
    // src/wasi_locks.c
    fn pyforge_sqlite_fcntl(fd: c_int, cmd: c_int, ...) -> c_int;
    // The patched amalgamation (build.rs): 1 while an opcode calls a function that may suspend
    // the statement; a callback sets `pyforge_sqlite_suspend` to suspend it.
    static pyforge_sqlite_op: c_int;
    static mut pyforge_sqlite_suspend: c_int;
    static mut pyforge_sqlite_interrupt: c_int;
    static mut pyforge_sqlite_unanswered: c_int;
    fn pyforge_sqlite_collating(db: *mut ffi::sqlite3, on: c_int) -> c_int;
    fn pyforge_sqlite_counters(db: *mut ffi::sqlite3, out: *mut i64);
}

/// Sets SQLite up once, before the first connection, to behave like a stock SQLite (what
/// CPython's `sqlite3` expects):
///
/// * libsqlite3-sys compiles SQLite with `SQLITE_USE_URI=1`, so every file name starting with
///   `file:` would be a URI; stock SQLite reads URIs only when asked (`SQLITE_OPEN_URI`);
/// * the "unix" VFS — in-process POSIX lock bookkeeping, as SQLite does elsewhere — becomes the
///   default, with the `fcntl` of `src/wasi_locks.c` (WASI has no file locks; see there).
///
/// (libsqlite3-sys also sets `SQLITE_DEFAULT_FOREIGN_KEYS=1`: [`Connection::open`] turns
/// foreign keys back off, SQLite's default.)
fn init() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| unsafe {
        ffi::sqlite3_config(ffi::SQLITE_CONFIG_URI, 0 as c_int);
        let vfs = ffi::sqlite3_vfs_find(c"unix".as_ptr());
        if vfs.is_null() {
            return;
        }
        let fcntl = pyforge_sqlite_fcntl as unsafe extern "C" fn(c_int, c_int, ...) -> c_int;
        if let Some(set) = (*vfs).xSetSystemCall
            && set(
                vfs,
                c"fcntl".as_ptr(),
                Some(std::mem::transmute::<unsafe extern "C" fn(c_int, c_int, ...) -> c_int, unsafe extern "C" fn()>(
                    fcntl,
                )),
            ) == OK
        {
            ffi::sqlite3_vfs_register(vfs, 1);
        }
    });
}

struct Cap;

/// `SQLITE_OK` / `SQLITE_ROW` / `SQLITE_DONE` and friends, as `c_int`.
const OK: c_int = ffi::SQLITE_OK;

/// The error SQLite reports on `db` for the call that returned `rc`: the extended code and
/// message of the connection when they belong to this failure, else `rc` and its text.
fn error(db: *mut ffi::sqlite3, rc: c_int) -> Error {
    unsafe {
        let ext = if db.is_null() { rc } else { ffi::sqlite3_extended_errcode(db) };
        if !db.is_null() && ext & 0xff == rc & 0xff {
            Error { code: ext, message: text(ffi::sqlite3_errmsg(db)).unwrap_or_default() }
        } else {
            Error { code: rc, message: text(ffi::sqlite3_errstr(rc)).unwrap_or_default() }
        }
    }
}

fn check(db: *mut ffi::sqlite3, rc: c_int) -> Result<(), Error> {
    if rc == OK { Ok(()) } else { Err(error(db, rc)) }
}

/// A C string SQLite returned (none for NULL), as UTF-8 (invalid bytes replaced).
fn text(p: *const c_char) -> Option<String> {
    (!p.is_null()).then(|| unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned())
}

/// `s` as a C string; SQLite stops at the first NUL, and so does this.
fn cstr(s: &str) -> CString {
    let end = s.find('\0').unwrap_or(s.len());
    CString::new(&s[..end]).unwrap_or_default()
}

/// `n` bytes at `p` (which SQLite may leave NULL for an empty value).
fn bytes(p: *const std::ffi::c_void, n: c_int) -> Vec<u8> {
    if p.is_null() || n <= 0 {
        Vec::new()
    } else {
        unsafe { std::slice::from_raw_parts(p.cast::<u8>(), n as usize) }.to_vec()
    }
}

fn misuse(what: &str) -> Error {
    Error { code: ffi::SQLITE_MISUSE, message: format!("{what} is closed") }
}

/// Callbacks into the importer: SQLite calls the trampolines below for the functions registered
/// by `connection.create-function`, with the function's number as user data. A call made by an
/// opcode during `run` or `resume` suspends the statement (see build.rs): the trampoline keeps
/// the call in `PENDING` and sets `pyforge_sqlite_suspend`; the opcode leaves the VM; the run
/// ends with `call`. `resume` puts the importer's answer in `ANSWER` and steps: the opcode runs
/// again and its trampoline takes the answer.
mod callbacks {
    use super::*;

    /// Which call an answer is for: the function, the callback, the aggregate.
    pub type Key = (u32, CallKind, u64);

    thread_local! {
        /// The call that suspended the statement being stepped.
        pub static PENDING: RefCell<Option<Call>> = const { RefCell::new(None) };
        /// The answer `resume` brings, for the call it answers.
        pub static ANSWER: RefCell<Option<(Key, Answer)>> = const { RefCell::new(None) };
        /// `run` or `resume` is stepping: a call may suspend.
        pub static CAN_SUSPEND: Cell<bool> = const { Cell::new(false) };
        /// SQLite called the progress handler as the step left the VM: the call is made after it.
        pub static PROGRESS_DUE: Cell<bool> = const { Cell::new(false) };
        static NEXT_AGGREGATE: Cell<u64> = const { Cell::new(1) };
    }

    pub unsafe extern "C" fn scalar(ctx: *mut ffi::sqlite3_context, argc: c_int, argv: *mut *mut ffi::sqlite3_value) {
        unsafe { callback(ctx, CallKind::Scalar, argc, argv) }
    }
    pub unsafe extern "C" fn step(ctx: *mut ffi::sqlite3_context, argc: c_int, argv: *mut *mut ffi::sqlite3_value) {
        unsafe { callback(ctx, CallKind::Step, argc, argv) }
    }
    pub unsafe extern "C" fn inverse(ctx: *mut ffi::sqlite3_context, argc: c_int, argv: *mut *mut ffi::sqlite3_value) {
        unsafe { callback(ctx, CallKind::Inverse, argc, argv) }
    }
    pub unsafe extern "C" fn value(ctx: *mut ffi::sqlite3_context) {
        unsafe { callback(ctx, CallKind::Value, 0, ptr::null_mut()) }
    }
    pub unsafe extern "C" fn final_(ctx: *mut ffi::sqlite3_context) {
        unsafe { callback(ctx, CallKind::Final, 0, ptr::null_mut()) }
    }

    /// Where SQLite calls out: `pyforge_sqlite_op` (see build.rs).
    fn op() -> c_int {
        unsafe { ptr::addr_of!(pyforge_sqlite_op).read() }
    }

    fn suspend(call: Call) {
        PENDING.set(Some(call));
        unsafe { ptr::addr_of_mut!(pyforge_sqlite_suspend).write(1) };
    }

    /// Whether a call suspended the statement just stepped.
    pub fn with_pending() -> bool {
        PENDING.with_borrow(Option::is_some)
    }

    /// The progress handler's call.
    pub fn progress_call() -> Call {
        Call { function: 0, kind: CallKind::Progress, aggregate: 0, args: Vec::new() }
    }

    /// Makes the statement resumed stop as the progress handler asked.
    pub fn interrupt(on: bool) {
        unsafe { ptr::addr_of_mut!(pyforge_sqlite_interrupt).write(c_int::from(on)) };
    }

    /// `sqlite3_trace_v2`'s callback (SQLITE_TRACE_STMT): a `trace` call, answered by resuming.
    pub unsafe extern "C" fn trace(
        kind: std::ffi::c_uint,
        _arg: *mut std::ffi::c_void,
        _stmt: *mut std::ffi::c_void,
        sql: *mut std::ffi::c_void,
    ) -> c_int {
        if kind != ffi::SQLITE_TRACE_STMT as std::ffi::c_uint {
            return 0;
        }
        if let Some((key, _)) = ANSWER.take() {
            // the resumed OP_Init calls again: answered (or, answered for something else: void)
            let _ = key;
            return 0;
        }
        if op() != 1 || !CAN_SUSPEND.get() {
            return 0; // a statement SQLite runs inside another, or one `exec` runs: not traced
        }
        let text = if sql.is_null() { Vec::new() } else { unsafe { CStr::from_ptr(sql.cast()) }.to_bytes().to_vec() };
        suspend(Call { function: 0, kind: CallKind::Trace, aggregate: 0, args: vec![Value::Text(text)] });
        0
    }

    /// `sqlite3_progress_handler`'s callback: a `progress` call; the answer comes with
    /// `resume` (a stop makes the resumed statement stop, see `interrupt`).
    pub unsafe extern "C" fn progress(_arg: *mut std::ffi::c_void) -> c_int {
        match op() {
            1 if CAN_SUSPEND.get() => suspend(progress_call()),
            3 if CAN_SUSPEND.get() => PROGRESS_DUE.set(true),
            _ => {}
        }
        0
    }

    fn result_error(ctx: *mut ffi::sqlite3_context, message: &str) {
        unsafe { ffi::sqlite3_result_error(ctx, message.as_ptr().cast(), message.len() as c_int) };
    }

    unsafe fn callback(
        ctx: *mut ffi::sqlite3_context,
        kind: CallKind,
        argc: c_int,
        argv: *mut *mut ffi::sqlite3_value,
    ) {
        let function = unsafe { ffi::sqlite3_user_data(ctx) } as usize as u32;
        let aggregate = match kind {
            CallKind::Scalar | CallKind::Trace | CallKind::Progress => 0,
            CallKind::Step | CallKind::Inverse => {
                // Zeroed by SQLite when first allocated: the aggregate gets its number then.
                let p = unsafe { ffi::sqlite3_aggregate_context(ctx, 8) }.cast::<u64>();
                if p.is_null() {
                    unsafe { ffi::sqlite3_result_error_nomem(ctx) };
                    return;
                }
                unsafe {
                    if *p == 0 {
                        *p = NEXT_AGGREGATE.replace(NEXT_AGGREGATE.get() + 1);
                    }
                    *p
                }
            }
            CallKind::Value | CallKind::Final => {
                let p = unsafe { ffi::sqlite3_aggregate_context(ctx, 0) }.cast::<u64>();
                if p.is_null() { 0 } else { unsafe { *p } }
            }
        };
        if let Some((key, answer)) = ANSWER.take() {
            if key == (function, kind, aggregate) {
                unsafe { give(ctx, answer) };
            } else {
                result_error(ctx, "the sqlite cap was resumed with the answer to another call");
            }
            return;
        }
        match op() {
            // Not an opcode's call: SQLite probing a deterministic function while planning
            // (STAT4; the value only steers the plan), or releasing an aggregate that never got
            // its final (the importer finalizes its state when it resets or drops the
            // statement). The result stays NULL.
            0 | 3 => return,
            2 => {
                result_error(ctx, "a user-defined function cannot be called by a statement SQLite runs inside another");
                return;
            }
            _ => {}
        }
        if !CAN_SUSPEND.get() {
            result_error(
                ctx,
                "a user-defined function can only be called by statement.run or resume (not by exec or step)",
            );
            return;
        }
        let args = (0..argc.max(0) as usize).map(|i| unsafe { read_value(*argv.add(i)) }).collect();
        suspend(Call { function, kind, aggregate, args });
    }

    unsafe fn read_value(v: *mut ffi::sqlite3_value) -> Value {
        unsafe {
            match ffi::sqlite3_value_type(v) {
                ffi::SQLITE_INTEGER => Value::Integer(ffi::sqlite3_value_int64(v)),
                ffi::SQLITE_FLOAT => Value::Real(ffi::sqlite3_value_double(v)),
                ffi::SQLITE_TEXT => {
                    let p = ffi::sqlite3_value_text(v);
                    Value::Text(bytes(p.cast(), ffi::sqlite3_value_bytes(v)))
                }
                ffi::SQLITE_BLOB => {
                    let p = ffi::sqlite3_value_blob(v);
                    Value::Blob(bytes(p, ffi::sqlite3_value_bytes(v)))
                }
                _ => Value::Null,
            }
        }
    }

    /// The answer as the call's result (`sqlite3_result_*`).
    unsafe fn give(ctx: *mut ffi::sqlite3_context, answer: Answer) {
        unsafe {
            match answer {
                Answer::Value(Value::Null) => ffi::sqlite3_result_null(ctx),
                Answer::Value(Value::Integer(i)) => ffi::sqlite3_result_int64(ctx, i),
                Answer::Value(Value::Real(f)) => ffi::sqlite3_result_double(ctx, f),
                Answer::Value(Value::Text(t)) => ffi::sqlite3_result_text64(
                    ctx,
                    t.as_ptr().cast(),
                    t.len() as u64,
                    ffi::SQLITE_TRANSIENT(),
                    ffi::SQLITE_UTF8 as u8,
                ),
                Answer::Value(Value::Blob(b)) => {
                    ffi::sqlite3_result_blob64(ctx, b.as_ptr().cast(), b.len() as u64, ffi::SQLITE_TRANSIENT())
                }
                Answer::Error(e) => match e.code & 0xff {
                    ffi::SQLITE_NOMEM => ffi::sqlite3_result_error_nomem(ctx),
                    ffi::SQLITE_TOOBIG => ffi::sqlite3_result_error_toobig(ctx),
                    _ => {
                        result_error(ctx, &e.message);
                        if e.code != ffi::SQLITE_ERROR && e.code != OK {
                            ffi::sqlite3_result_error_code(ctx, e.code);
                        }
                    }
                },
            }
        }
    }
}

/// The authorizer: SQLite calls it while preparing, which cannot suspend, so the caller answers
/// beforehand (`prepare-authorized`): an answered call gets its answer; one not answered is
/// noted — allowed for now while preparing (the caller is asked, and prepares again), denied
/// while SQLite re-prepares in a step (the run ends with `authorize`, the caller answers, the
/// statement steps again) — and denied anywhere else (`prepare`, `exec`).
mod authorizer {
    use super::*;

    /// An authorizer call: the action and its four texts.
    pub type Key = (i32, Option<String>, Option<String>, Option<String>, Option<String>);
    pub type Answers = Rc<Vec<(Key, i32)>>;

    pub struct Auth {
        pub answers: Option<Answers>,
        /// The calls not answered.
        pub unknown: Vec<Key>,
        /// What they get meanwhile.
        pub meanwhile: c_int,
    }

    thread_local! {
        pub static AUTH: RefCell<Option<Auth>> = const { RefCell::new(None) };
        /// An authorizer was set on some connection (since then, steps keep `AUTH`).
        pub static EVER: Cell<bool> = const { Cell::new(false) };
    }

    pub fn key(a: Authorization) -> Key {
        (a.action, a.arg1, a.arg2, a.schema, a.source)
    }

    pub fn authorization((action, arg1, arg2, schema, source): Key) -> Authorization {
        Authorization { action, arg1, arg2, schema, source }
    }

    pub unsafe extern "C" fn authorize(
        _arg: *mut std::ffi::c_void,
        action: c_int,
        a1: *const c_char,
        a2: *const c_char,
        a3: *const c_char,
        a4: *const c_char,
    ) -> c_int {
        let key: Key = (action, text(a1), text(a2), text(a3), text(a4));
        AUTH.with_borrow_mut(|auth| match auth {
            None => ffi::SQLITE_DENY,
            Some(a) => {
                if let Some((_, answer)) = a.answers.iter().flat_map(|v| v.iter()).find(|(k, _)| *k == key) {
                    *answer
                } else {
                    if !a.unknown.contains(&key) {
                        a.unknown.push(key);
                    }
                    a.meanwhile
                }
            }
        })
    }
}

/// Collations of the caller: SQLite calls `xCompare` deep inside its comparisons (B-tree
/// searches, the sorter), where nothing can suspend. So the statement being stepped keeps the
/// answers the caller gave: comparisons, and ranks of texts in each collation's order (two
/// ranked texts compare by rank). A comparison without an answer gets a provisional one (byte
/// order) and is noted; from then on the statement shows no row and, at its end, stops with
/// its changes rolled back (build.rs: `pyforge_sqlite_unanswered`, and a statement journal for
/// writes); the run ends with `collate`, the caller answers, and the statement runs again from
/// its start. The first time, when there are not many more comparisons than texts (a filter
/// compares each value with its key), the caller is asked the comparisons made: enough when
/// they do not depend on the answers. Otherwise (a sort), and in later rounds (the answers
/// changed which comparisons SQLite makes, as in a B-tree search), the caller is asked to order
/// every text compared instead, so a round or two does.
mod collations {
    use super::*;
    use std::collections::{HashMap, HashSet};

    /// Comparisons' outcomes by right text (for one collation and left text).
    pub type Outcomes = HashMap<Vec<u8>, i32>;

    /// The caller's answers for a statement.
    #[derive(Default)]
    pub struct Answers {
        /// Ranks by collation and text.
        pub ranks: HashMap<u32, HashMap<Vec<u8>, u32>>,
        /// Comparisons by collation, left, right.
        pub pairs: HashMap<u32, HashMap<Vec<u8>, Outcomes>>,
    }

    /// The comparisons without an answer in a round, and their texts.
    #[derive(Default)]
    pub struct Unanswered {
        pub pairs: Vec<(u32, Vec<u8>, Vec<u8>)>,
        seen: HashSet<(u32, Vec<u8>, Vec<u8>)>,
        pub texts: HashMap<u32, HashSet<Vec<u8>>>,
    }

    impl Unanswered {
        pub fn is_empty(&self) -> bool {
            self.pairs.is_empty()
        }
    }

    pub struct Collating {
        pub answers: Answers,
        pub unanswered: Unanswered,
    }

    impl Collating {
        /// For a step, with what was noted before it (in this round, before a suspension).
        pub fn new(answers: Answers, unanswered: Unanswered) -> Self {
            // (the statement goes on as it was: showing no row, stopping at its end)
            unsafe { ptr::addr_of_mut!(pyforge_sqlite_unanswered).write(c_int::from(!unanswered.is_empty())) };
            Collating { answers, unanswered }
        }
    }

    thread_local! {
        /// While `run` steps: the statement's answers, and the comparisons without one.
        pub static COLLATING: RefCell<Option<Collating>> = const { RefCell::new(None) };
    }

    /// Whether a comparison without an answer stopped a statement, clearing it.
    pub fn take_unanswered() -> bool {
        unsafe { ptr::replace(ptr::addr_of_mut!(pyforge_sqlite_unanswered), 0) != 0 }
    }

    /// Marks the connection as having a collation of the caller (or, closing, not): its steps
    /// keep `COLLATING`, its writing statements a statement journal.
    pub fn mark(db: *mut ffi::sqlite3, on: bool) {
        unsafe { pyforge_sqlite_collating(db, c_int::from(on)) };
    }

    pub fn on(db: *mut ffi::sqlite3) -> bool {
        unsafe { pyforge_sqlite_collating(db, -1) != 0 }
    }

    fn bytes_at<'a>(p: *const std::ffi::c_void, n: c_int) -> &'a [u8] {
        if p.is_null() || n <= 0 { &[] } else { unsafe { std::slice::from_raw_parts(p.cast(), n as usize) } }
    }

    pub unsafe extern "C" fn compare(
        arg: *mut std::ffi::c_void,
        n1: c_int,
        p1: *const std::ffi::c_void,
        n2: c_int,
        p2: *const std::ffi::c_void,
    ) -> c_int {
        let id = arg as usize as u32;
        let (a, b) = (bytes_at(p1, n1), bytes_at(p2, n2));
        let known = COLLATING.with_borrow_mut(|c| {
            let c = c.as_mut()?;
            let ranks = c.answers.ranks.get(&id);
            if let (Some(ra), Some(rb)) = (ranks.and_then(|r| r.get(a)), ranks.and_then(|r| r.get(b))) {
                return Some(ra.cmp(rb) as c_int);
            }
            if let Some(r) = c.answers.pairs.get(&id).and_then(|m| m.get(a)).and_then(|m| m.get(b)) {
                return Some(*r);
            }
            let u = &mut c.unanswered;
            let pair = (id, a.to_vec(), b.to_vec());
            if u.seen.insert(pair.clone()) {
                u.pairs.push(pair);
                let texts = u.texts.entry(id).or_default();
                texts.insert(a.to_vec());
                texts.insert(b.to_vec());
            }
            None
        });
        known.unwrap_or_else(|| {
            unsafe { ptr::addr_of_mut!(pyforge_sqlite_unanswered).write(1) };
            a.cmp(b) as c_int
        })
    }
}

struct Connection {
    db: Cell<*mut ffi::sqlite3>,
}

impl Connection {
    fn db(&self) -> Result<*mut ffi::sqlite3, Error> {
        let db = self.db.get();
        if db.is_null() { Err(misuse("the connection")) } else { Ok(db) }
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        let db = self.db.replace(ptr::null_mut());
        if !db.is_null() {
            collations::mark(db, false);
            unsafe { sqlite3_close_v2(db) };
        }
    }
}

impl wit::GuestConnection for Connection {
    fn open(filename: String, flags: i32) -> Result<wit::Connection, Error> {
        init();
        let name = cstr(&filename);
        let mut db = ptr::null_mut();
        let rc = unsafe { ffi::sqlite3_open_v2(name.as_ptr(), &mut db, flags, ptr::null()) };
        if rc != OK {
            let e = error(db, rc);
            unsafe { sqlite3_close_v2(db) };
            return Err(e);
        }
        let mut state: c_int = 0;
        unsafe { ffi::sqlite3_db_config(db, ffi::SQLITE_DBCONFIG_ENABLE_FKEY, 0 as c_int, &mut state as *mut c_int) };
        Ok(wit::Connection::new(Connection { db: Cell::new(db) }))
    }

    fn close(&self) -> Result<(), Error> {
        let db = self.db.get();
        if db.is_null() {
            return Ok(());
        }
        let rc = unsafe { sqlite3_close_v2(db) };
        check(db, rc)?;
        collations::mark(db, false);
        self.db.set(ptr::null_mut());
        Ok(())
    }

    fn prepare(&self, sql: String) -> Result<Prepared, Error> {
        let db = self.db()?;
        let Ok(len) = c_int::try_from(sql.len()) else {
            return Err(Error { code: ffi::SQLITE_TOOBIG, message: "string or blob too big".into() });
        };
        let (mut stmt, mut tail) = (ptr::null_mut(), ptr::null());
        let head = sql.as_ptr().cast::<c_char>();
        let rc = unsafe { ffi::sqlite3_prepare_v2(db, head, len, &mut stmt, &mut tail) };
        check(db, rc)?;
        let used = if tail.is_null() { sql.len() } else { (unsafe { tail.offset_from(head) }) as usize };
        // (with the authorizer's answers when `prepare_authorized` prepares)
        let answers = authorizer::AUTH.with_borrow(|a| a.as_ref().and_then(|a| a.answers.clone()));
        Ok(Prepared {
            statement: (!stmt.is_null()).then(|| {
                wit::Statement::new(Statement {
                    stmt,
                    db,
                    reported: Cell::new(-1),
                    number: Cell::new(0),
                    waiting: Cell::new(None),
                    after: RefCell::new(None),
                    answers: RefCell::new(answers),
                    collated: RefCell::default(),
                    asked: RefCell::default(),
                    unanswered: RefCell::default(),
                    delivered: Cell::new(0),
                    skip: Cell::new(0),
                })
            }),
            used: used as u32,
        })
    }

    fn prepare_authorized(&self, sql: String, answers: Vec<(Authorization, i32)>) -> Result<Authorized, Error> {
        use authorizer::{AUTH, Auth};
        let answers: authorizer::Answers = Rc::new(answers.into_iter().map(|(a, n)| (authorizer::key(a), n)).collect());
        AUTH.set(Some(Auth { answers: Some(answers), unknown: Vec::new(), meanwhile: OK }));
        let prepared = self.prepare(sql);
        let unknown = AUTH.take().map(|a| a.unknown).unwrap_or_default();
        if !unknown.is_empty() {
            // (the statement, if any, was prepared on provisional answers: dropped)
            return Ok(Authorized::Ask(unknown.into_iter().map(authorizer::authorization).collect()));
        }
        Ok(Authorized::Prepared(prepared?))
    }

    fn set_authorizer(&self, on: bool) {
        if let Ok(db) = self.db() {
            let callback = on.then_some(authorizer::authorize as _);
            if on {
                authorizer::EVER.set(true);
            }
            unsafe { ffi::sqlite3_set_authorizer(db, callback, ptr::null_mut()) };
        }
    }

    fn exec(&self, sql: String) -> Result<(), Error> {
        let db = self.db()?;
        let sql = cstr(&sql);
        let rc = unsafe { ffi::sqlite3_exec(db, sql.as_ptr(), None, ptr::null_mut(), ptr::null_mut()) };
        collations::take_unanswered(); // (the statement it stopped failed with it)
        check(db, rc)
    }

    fn create_function(&self, name: String, arguments: i32, flags: i32, kind: FunctionKind) -> Result<u32, Error> {
        thread_local! {
            static NEXT_FUNCTION: Cell<u32> = const { Cell::new(1) };
        }
        let db = self.db()?;
        let number = NEXT_FUNCTION.replace(NEXT_FUNCTION.get().wrapping_add(1).max(1));
        let name = cstr(&name);
        let app = number as usize as *mut std::ffi::c_void;
        // Only the text encoding and the flags SQLite documents for callers.
        let flags = flags
            & (ffi::SQLITE_UTF8 | ffi::SQLITE_DETERMINISTIC | ffi::SQLITE_DIRECTONLY | ffi::SQLITE_INNOCUOUS)
            | ffi::SQLITE_UTF8;
        use callbacks as cb;
        let rc = unsafe {
            match kind {
                FunctionKind::Scalar => ffi::sqlite3_create_function_v2(
                    db,
                    name.as_ptr(),
                    arguments,
                    flags,
                    app,
                    Some(cb::scalar),
                    None,
                    None,
                    None,
                ),
                FunctionKind::Aggregate => ffi::sqlite3_create_function_v2(
                    db,
                    name.as_ptr(),
                    arguments,
                    flags,
                    app,
                    None,
                    Some(cb::step),
                    Some(cb::final_),
                    None,
                ),
                FunctionKind::Window => ffi::sqlite3_create_window_function(
                    db,
                    name.as_ptr(),
                    arguments,
                    flags,
                    app,
                    Some(cb::step),
                    Some(cb::final_),
                    Some(cb::value),
                    Some(cb::inverse),
                    None,
                ),
            }
        };
        check(db, rc)?;
        Ok(number)
    }

    fn remove_function(&self, name: String, arguments: i32) -> Result<(), Error> {
        let db = self.db()?;
        let name = cstr(&name);
        let rc = unsafe {
            ffi::sqlite3_create_function_v2(
                db,
                name.as_ptr(),
                arguments,
                ffi::SQLITE_UTF8,
                ptr::null_mut(),
                None,
                None,
                None,
                None,
            )
        };
        check(db, rc)
    }

    fn create_collation(&self, name: String) -> Result<u32, Error> {
        thread_local! {
            static NEXT_COLLATION: Cell<u32> = const { Cell::new(1) };
        }
        let db = self.db()?;
        let number = NEXT_COLLATION.replace(NEXT_COLLATION.get().wrapping_add(1).max(1));
        let name = cstr(&name);
        let rc = unsafe {
            ffi::sqlite3_create_collation_v2(
                db,
                name.as_ptr(),
                ffi::SQLITE_UTF8,
                number as usize as *mut std::ffi::c_void,
                Some(collations::compare),
                None,
            )
        };
        check(db, rc)?;
        collations::mark(db, true);
        Ok(number)
    }

    fn remove_collation(&self, name: String) -> Result<(), Error> {
        let db = self.db()?;
        let name = cstr(&name);
        let rc = unsafe {
            ffi::sqlite3_create_collation_v2(db, name.as_ptr(), ffi::SQLITE_UTF8, ptr::null_mut(), None, None)
        };
        check(db, rc)
    }

    fn set_trace(&self, on: bool) {
        if let Ok(db) = self.db() {
            let (mask, callback) =
                if on { (ffi::SQLITE_TRACE_STMT as std::ffi::c_uint, Some(callbacks::trace as _)) } else { (0, None) };
            unsafe { ffi::sqlite3_trace_v2(db, mask, callback, ptr::null_mut()) };
        }
    }

    fn set_progress(&self, ops: i32) {
        if let Ok(db) = self.db() {
            let handler = (ops > 0).then_some(callbacks::progress as unsafe extern "C" fn(_) -> _);
            unsafe { ffi::sqlite3_progress_handler(db, ops.max(0), handler, ptr::null_mut()) };
        }
    }

    fn changes(&self) -> i64 {
        self.db().map_or(0, |db| unsafe { ffi::sqlite3_changes64(db) })
    }

    fn total_changes(&self) -> i64 {
        self.db().map_or(0, |db| unsafe { ffi::sqlite3_total_changes64(db) })
    }

    fn last_insert_rowid(&self) -> i64 {
        self.db().map_or(0, |db| unsafe { ffi::sqlite3_last_insert_rowid(db) })
    }

    fn autocommit(&self) -> bool {
        self.db().is_ok_and(|db| unsafe { ffi::sqlite3_get_autocommit(db) } != 0)
    }

    fn busy_timeout(&self, milliseconds: i32) -> Result<(), Error> {
        let db = self.db()?;
        check(db, unsafe { ffi::sqlite3_busy_timeout(db, milliseconds) })
    }

    fn limit(&self, id: i32, new_value: i32) -> i32 {
        self.db().map_or(-1, |db| unsafe { ffi::sqlite3_limit(db, id, new_value) })
    }

    fn db_config(&self, op: i32, value: i32) -> Result<bool, Error> {
        let db = self.db()?;
        let mut state: c_int = 0;
        let rc = unsafe { ffi::sqlite3_db_config(db, op, value, &mut state as *mut c_int) };
        check(db, rc)?;
        Ok(state != 0)
    }

    fn interrupt(&self) {
        if let Ok(db) = self.db() {
            unsafe { ffi::sqlite3_interrupt(db) };
        }
    }

    fn blob_open(
        &self,
        schema: String,
        table: String,
        column: String,
        row: i64,
        writable: bool,
    ) -> Result<wit::Blob, Error> {
        let db = self.db()?;
        let (schema, table, column) = (cstr(&schema), cstr(&table), cstr(&column));
        let mut blob = ptr::null_mut();
        let rc = unsafe {
            ffi::sqlite3_blob_open(
                db,
                schema.as_ptr(),
                table.as_ptr(),
                column.as_ptr(),
                row,
                c_int::from(writable),
                &mut blob,
            )
        };
        check(db, rc)?;
        Ok(wit::Blob::new(Blob { blob: Cell::new(blob), db }))
    }

    fn serialize(&self, schema: String) -> Option<Vec<u8>> {
        let db = self.db().ok()?;
        let schema = cstr(&schema);
        let mut size: ffi::sqlite3_int64 = 0;
        let data = unsafe { ffi::sqlite3_serialize(db, schema.as_ptr(), &mut size, 0) };
        if data.is_null() {
            return None;
        }
        let out = unsafe { std::slice::from_raw_parts(data, size as usize) }.to_vec();
        unsafe { ffi::sqlite3_free(data.cast()) };
        Some(out)
    }

    fn deserialize(&self, schema: String, data: Vec<u8>) -> Result<(), Error> {
        let db = self.db()?;
        let schema = cstr(&schema);
        let size = data.len() as ffi::sqlite3_int64;
        let buf = unsafe { ffi::sqlite3_malloc64(data.len().max(1) as u64) }.cast::<u8>();
        if buf.is_null() {
            return Err(error(ptr::null_mut(), ffi::SQLITE_NOMEM));
        }
        unsafe { ptr::copy_nonoverlapping(data.as_ptr(), buf, data.len()) };
        let flags = ffi::SQLITE_DESERIALIZE_FREEONCLOSE | ffi::SQLITE_DESERIALIZE_RESIZEABLE;
        // On failure SQLite frees `buf` itself (FREEONCLOSE).
        let rc = unsafe { ffi::sqlite3_deserialize(db, schema.as_ptr(), buf, size, size, flags) };
        check(db, rc)
    }
}

struct Statement {
    stmt: *mut ffi::sqlite3_stmt,
    db: *mut ffi::sqlite3,
    /// `SQLITE_STMTSTATUS_REPREPARE` when the columns were last reported (`columns`, `run`);
    /// -1: never.
    reported: Cell<c_int>,
    /// Its number for `run` once asked (`numbers`); 0 before.
    number: Cell<u32>,
    /// Suspended in this call (the last run or resume ended with it), until resumed or reset.
    waiting: Cell<Option<callbacks::Key>>,
    /// When `waiting` is a progress call made after a step (see `steps`): how that step ended.
    after: RefCell<Option<After>>,
    /// The authorizer's answers it was prepared with (and given since), for SQLite's
    /// re-prepares in a step.
    answers: RefCell<Option<authorizer::Answers>>,
    /// The collations' answers given (since the caller's last reset), and what was asked.
    collated: RefCell<collations::Answers>,
    asked: RefCell<Option<CollateRequest>>,
    /// Comparisons without an answer met in this round before a suspension.
    unanswered: RefCell<collations::Unanswered>,
    /// Rows sent since the caller's last reset; rows to leave out when it runs again.
    delivered: Cell<u64>,
    skip: Cell<u64>,
}

/// How a step ended whose progress call comes after it.
enum After {
    /// With a row (sent): resuming steps on.
    Row,
    /// `SQLITE_DONE`.
    Done,
    /// With this error.
    Failed(Error),
}

/// A read-only `run` stops early once its rows hold this many bytes of text and blobs.
const RUN_BYTES: usize = 1 << 20;

impl Statement {
    /// `sqlite3_bind_*` of one parameter. SQLite copies text and blobs (`SQLITE_TRANSIENT`, as
    /// CPython's `_sqlite3` binds them): one copy inside this component, where the bytes crossing
    /// the boundary already cost ~30 times a copy's (BENCHMARKS.md, issue 17).
    fn bind_param(&self, index: i32, param: Param<'_>) -> Result<(), Error> {
        let s = self.stmt;
        let rc = unsafe {
            match param {
                Param::Null => ffi::sqlite3_bind_null(s, index),
                Param::Integer(i) => ffi::sqlite3_bind_int64(s, index, i),
                Param::Real(f) => ffi::sqlite3_bind_double(s, index, f),
                Param::Text(t) => {
                    let (p, n) = (t.as_ptr().cast(), t.len() as u64);
                    ffi::sqlite3_bind_text64(s, index, p, n, ffi::SQLITE_TRANSIENT(), ffi::SQLITE_UTF8 as u8)
                }
                Param::Blob(b) => {
                    ffi::sqlite3_bind_blob64(s, index, b.as_ptr().cast(), b.len() as u64, ffi::SQLITE_TRANSIENT())
                }
            }
        };
        check(self.db, rc)
    }

    /// The current row's values.
    fn row(&self) -> Vec<Value> {
        let s = self.stmt;
        let n = unsafe { ffi::sqlite3_data_count(s) };
        (0..n)
            .map(|i| unsafe {
                match ffi::sqlite3_column_type(s, i) {
                    ffi::SQLITE_INTEGER => Value::Integer(ffi::sqlite3_column_int64(s, i)),
                    ffi::SQLITE_FLOAT => Value::Real(ffi::sqlite3_column_double(s, i)),
                    ffi::SQLITE_TEXT => {
                        let p = ffi::sqlite3_column_text(s, i);
                        Value::Text(bytes(p.cast(), ffi::sqlite3_column_bytes(s, i)))
                    }
                    ffi::SQLITE_BLOB => {
                        let p = ffi::sqlite3_column_blob(s, i);
                        Value::Blob(bytes(p, ffi::sqlite3_column_bytes(s, i)))
                    }
                    _ => Value::Null,
                }
            })
            .collect()
    }

    /// Appends the current row to a `run` batch: its cells, and the bytes of its text (with
    /// the NUL SQLite keeps after it) and blobs.
    fn push_row(&self, cells: &mut Vec<RowCell>, data: &mut Vec<u8>) {
        let s = self.stmt;
        for i in 0..unsafe { ffi::sqlite3_data_count(s) } {
            let cell = unsafe {
                match ffi::sqlite3_column_type(s, i) {
                    ffi::SQLITE_INTEGER => RowCell::Integer(ffi::sqlite3_column_int64(s, i)),
                    ffi::SQLITE_FLOAT => RowCell::Real(ffi::sqlite3_column_double(s, i)),
                    ffi::SQLITE_TEXT => {
                        let p = ffi::sqlite3_column_text(s, i);
                        let n = ffi::sqlite3_column_bytes(s, i).max(0) as usize;
                        if p.is_null() {
                            data.push(0);
                        } else {
                            // SQLite keeps a NUL after the text: n + 1 bytes are there.
                            data.extend_from_slice(std::slice::from_raw_parts(p.cast::<u8>(), n + 1));
                        }
                        RowCell::Text(if p.is_null() { 0 } else { n as u32 })
                    }
                    ffi::SQLITE_BLOB => {
                        let p = ffi::sqlite3_column_blob(s, i);
                        let n = ffi::sqlite3_column_bytes(s, i).max(0) as usize;
                        if p.is_null() || n == 0 {
                            RowCell::Blob(0)
                        } else {
                            data.extend_from_slice(std::slice::from_raw_parts(p.cast::<u8>(), n));
                            RowCell::Blob(n as u32)
                        }
                    }
                    _ => RowCell::Null,
                }
            };
            cells.push(cell);
        }
    }

    /// What to ask the caller for comparisons without an answer: those comparisons, the first
    /// time if there are not many more of them than texts; else every text compared, to order.
    fn collate_request(&self, unanswered: collations::Unanswered) -> CollateRequest {
        let answers = self.collated.borrow();
        let texts: usize = unanswered.texts.values().map(|t| t.len()).sum();
        if answers.pairs.is_empty() && answers.ranks.is_empty() && unanswered.pairs.len() <= 2 * texts {
            let pairs = unanswered.pairs.into_iter();
            return CollateRequest::Pairs(
                pairs.map(|(collation, left, right)| Comparison { collation, left, right }).collect(),
            );
        }
        let mut texts: std::collections::BTreeMap<u32, std::collections::BTreeSet<Vec<u8>>> = Default::default();
        for (id, new) in unanswered.texts {
            texts.entry(id).or_default().extend(new);
        }
        for (id, ranked) in &answers.ranks {
            if let Some(t) = texts.get_mut(id) {
                t.extend(ranked.keys().cloned());
            }
        }
        for (id, pairs) in &answers.pairs {
            if let Some(t) = texts.get_mut(id) {
                for (left, rights) in pairs {
                    t.insert(left.clone());
                    t.extend(rights.keys().cloned());
                }
            }
        }
        CollateRequest::Texts(
            texts
                .into_iter()
                .map(|(collation, texts)| Texts { collation, texts: texts.into_iter().collect() })
                .collect(),
        )
    }

    /// What a reset by the caller ends: a suspension, the collations' answers, the rows sent.
    fn forget(&self) {
        self.waiting.set(None);
        self.after.take();
        self.delivered.set(0);
        self.skip.set(0);
        // (taken only when there is something: a reset per `executemany` row stays cheap)
        if self.asked.borrow().is_some() {
            self.asked.take();
        }
        let collated = self.collated.borrow();
        let some = !collated.ranks.is_empty() || !collated.pairs.is_empty();
        drop(collated);
        if some {
            self.collated.take();
        }
        let unanswered = self.unanswered.borrow();
        let some = !unanswered.pairs.is_empty() || !unanswered.texts.is_empty();
        drop(unanswered);
        if some {
            self.unanswered.take();
        }
    }

    /// `run`'s steps (also `resume`'s): until done, an error, a row limit, or a call.
    fn steps(&self, max_rows: u32) -> RunResult {
        let s = self.stmt;
        let limit = if unsafe { ffi::sqlite3_stmt_readonly(s) } != 0 { max_rows.max(1) as usize } else { 1 };
        let (mut cells, mut data, mut rows, mut width) = (Vec::new(), Vec::new(), 0, 0);
        let end = loop {
            callbacks::CAN_SUSPEND.set(true);
            // (only once an authorizer or a collation was ever registered: a step costs nothing more)
            let authorizing = authorizer::EVER.get();
            if authorizing {
                let answers = self.answers.borrow().clone();
                authorizer::AUTH.set(Some(authorizer::Auth {
                    answers,
                    unknown: Vec::new(),
                    meanwhile: ffi::SQLITE_DENY,
                }));
            }
            let collating = collations::on(self.db);
            if collating {
                let state = collations::Collating::new(self.collated.take(), self.unanswered.take());
                collations::COLLATING.set(Some(state));
            }
            let rc = unsafe { ffi::sqlite3_step(s) };
            let collating = if collating { collations::COLLATING.take() } else { None };
            let collating = collating.map(|c| {
                *self.collated.borrow_mut() = c.answers;
                c.unanswered
            });
            // (comparisons without an answer, if a collation met some)
            let unanswered = collating.filter(|_| collations::take_unanswered());
            let unknown =
                if authorizing { authorizer::AUTH.take().map(|a| a.unknown).unwrap_or_default() } else { Vec::new() };
            callbacks::CAN_SUSPEND.set(false);
            // An answer or a stop not taken (the step ended before the call ran again) is void.
            callbacks::ANSWER.take();
            callbacks::interrupt(false);
            let due = callbacks::PROGRESS_DUE.take();
            if let Some(unanswered) = unanswered {
                if rc == ffi::SQLITE_ROW && callbacks::with_pending() {
                    // suspended in a call meanwhile: the comparisons wait for the statement's end
                    *self.unanswered.borrow_mut() = unanswered;
                } else if !unanswered.is_empty() {
                    // stopped at its end for comparisons it had no answer for: ask, run again
                    unsafe { ffi::sqlite3_reset(s) };
                    self.skip.set(self.delivered.get());
                    let request = self.collate_request(unanswered);
                    *self.asked.borrow_mut() = Some(request.clone());
                    break RunEnd::Collate(request);
                }
            }
            let after = match rc {
                ffi::SQLITE_DONE => After::Done,
                ffi::SQLITE_ROW => {
                    if let Some(call) = callbacks::PENDING.take() {
                        self.waiting.set(Some((call.function, call.kind, call.aggregate)));
                        break RunEnd::Call(call);
                    }
                    if self.skip.get() > 0 {
                        // sent before the statement ran again for its collations
                        self.skip.set(self.skip.get() - 1);
                        continue;
                    }
                    self.push_row(&mut cells, &mut data);
                    self.delivered.set(self.delivered.get() + 1);
                    width = unsafe { ffi::sqlite3_data_count(s) } as u32;
                    rows += 1;
                    After::Row
                }
                _ if !unknown.is_empty() => {
                    // re-prepared in the step with authorizer calls not answered: ask for them
                    break RunEnd::Authorize(unknown.into_iter().map(authorizer::authorization).collect());
                }
                rc => After::Failed(error(self.db, rc)),
            };
            if due {
                // the progress handler SQLite called as the step ended: called now, after it
                let call = callbacks::progress_call();
                self.waiting.set(Some((call.function, call.kind, call.aggregate)));
                self.after.replace(Some(after));
                break RunEnd::Call(call);
            }
            match after {
                After::Done => break RunEnd::Done,
                After::Failed(e) => break RunEnd::Failed(e),
                After::Row if rows >= limit || data.len() >= RUN_BYTES => break RunEnd::More,
                After::Row => {}
            }
        };
        callbacks::PENDING.take();
        self.result(cells, width, data, end)
    }

    /// `run` (the free function) on this statement.
    fn run(&self, reset: bool, parameters: &[u8], max_rows: u32) -> Result<RunResult, Error> {
        let s = self.stmt;
        if reset {
            unsafe { ffi::sqlite3_reset(s) };
            self.forget();
        } else if self.waiting.get().is_some() {
            return Err(Error {
                code: ffi::SQLITE_MISUSE,
                message: "the statement is suspended in a call: resume or reset it".into(),
            });
        }
        let mut at = 0;
        while at < parameters.len() {
            let Some((index, param, next)) = param_at(parameters, at) else {
                return Err(Error {
                    code: ffi::SQLITE_MISUSE,
                    message: format!("run: the parameters do not parse at byte {at} (see the WIT's `run`)"),
                });
            };
            self.bind_param(index, param)?;
            at = next;
        }
        Ok(self.steps(max_rows))
    }

    fn result(&self, cells: Vec<RowCell>, width: u32, data: Vec<u8>, end: RunEnd) -> RunResult {
        let s = self.stmt;
        let reprepared = unsafe { ffi::sqlite3_stmt_status(s, ffi::SQLITE_STMTSTATUS_REPREPARE, 0) };
        let columns = (reprepared != self.reported.get()).then(|| self.report_columns());
        // (the four C API calls' values, read in one call: build.rs)
        let mut counters = [0i64; 4];
        unsafe { pyforge_sqlite_counters(self.db, counters.as_mut_ptr()) };
        let [changes, total_changes, last_insert_rowid, autocommit] = counters;
        RunResult {
            rows: (!cells.is_empty()).then_some(Rows { cells, width, data }),
            end,
            columns,
            changes,
            total_changes,
            last_insert_rowid,
            autocommit: autocommit != 0,
        }
    }

    /// The columns, noting that they have been reported at the current re-prepare count.
    fn report_columns(&self) -> Vec<Column> {
        let s = self.stmt;
        self.reported.set(unsafe { ffi::sqlite3_stmt_status(s, ffi::SQLITE_STMTSTATUS_REPREPARE, 0) });
        let n = unsafe { ffi::sqlite3_column_count(s) };
        (0..n)
            .map(|i| unsafe {
                Column {
                    name: text(ffi::sqlite3_column_name(s, i)).unwrap_or_default(),
                    decltype: text(ffi::sqlite3_column_decltype(s, i)),
                }
            })
            .collect()
    }
}

impl Drop for Statement {
    fn drop(&mut self) {
        numbers::forget(self.number.get());
        unsafe { ffi::sqlite3_finalize(self.stmt) };
    }
}

/// One binding in `run`'s parameters.
#[derive(Clone, Copy)]
enum Param<'a> {
    Null,
    Integer(i64),
    Real(f64),
    Text(&'a [u8]),
    Blob(&'a [u8]),
}

/// The binding at `at` in `run`'s parameters, parsed as the WIT describes them — the index
/// (u32), a type byte, the value, little-endian — and where the next one starts; `None` if the
/// bytes there do not parse.
#[inline]
fn param_at(bytes: &[u8], at: usize) -> Option<(i32, Param<'_>, usize)> {
    let word = |at: usize| -> Option<[u8; 8]> { bytes.get(at..at + 8)?.try_into().ok() };
    let index = u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?);
    let index = i32::try_from(index).ok()?;
    let at = at + 5;
    Some(match *bytes.get(at - 1)? {
        0 => (index, Param::Null, at),
        1 => (index, Param::Integer(i64::from_le_bytes(word(at)?)), at + 8),
        2 => (index, Param::Real(f64::from_le_bytes(word(at)?)), at + 8),
        kind @ (3 | 4) => {
            let n = u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?) as usize;
            let value = bytes.get(at + 4..(at + 4).checked_add(n)?)?;
            let param = if kind == 3 { Param::Text(value) } else { Param::Blob(value) };
            (index, param, at + 4 + n)
        }
        _ => return None,
    })
}

/// Statements by number, for `run`: a plain number crosses the boundary at no cost, where a
/// borrowed handle is tracked by the host for the call (BENCHMARKS.md, issue 17). Slot
/// `number - 1` points at the statement, which stays where its resource put it until dropped
/// (its `Drop` empties the slot); only this component's one thread uses them.
mod numbers {
    use super::*;

    thread_local! {
        static SLOTS: RefCell<Vec<*const Statement>> = const { RefCell::new(Vec::new()) };
        static FREE: RefCell<Vec<u32>> = const { RefCell::new(Vec::new()) };
    }

    /// The statement's number, given on first asking.
    pub fn number(s: &Statement) -> u32 {
        if s.number.get() == 0 {
            let n = FREE.with_borrow_mut(|f| f.pop()).unwrap_or_else(|| {
                SLOTS.with_borrow_mut(|slots| {
                    slots.push(ptr::null());
                    slots.len() as u32
                })
            });
            SLOTS.with_borrow_mut(|slots| slots[n as usize - 1] = s);
            s.number.set(n);
        }
        s.number.get()
    }

    /// Runs `f` on the statement numbered `n`, if there is one.
    pub fn with<R>(n: u32, f: impl FnOnce(&Statement) -> R) -> Option<R> {
        let p = SLOTS.with_borrow(|slots| slots.get((n as usize).wrapping_sub(1)).copied())?;
        // SAFETY: a slot holds a live statement (dropping it empties the slot), and no drop of
        // a statement can happen while the caller's call into this component runs.
        (!p.is_null()).then(|| f(unsafe { &*p }))
    }

    pub fn forget(n: u32) {
        if n != 0 {
            SLOTS.with_borrow_mut(|slots| slots[n as usize - 1] = ptr::null());
            FREE.with_borrow_mut(|f| f.push(n));
        }
    }
}

impl wit::GuestStatement for Statement {
    fn bind(&self, index: i32, value: Value) -> Result<(), Error> {
        match value {
            Value::Null => self.bind_param(index, Param::Null),
            Value::Integer(i) => self.bind_param(index, Param::Integer(i)),
            Value::Real(f) => self.bind_param(index, Param::Real(f)),
            Value::Text(t) => self.bind_param(index, Param::Text(&t)),
            Value::Blob(b) => self.bind_param(index, Param::Blob(&b)),
        }
    }

    fn number(&self) -> u32 {
        numbers::number(self)
    }

    fn step(&self) -> Result<StepResult, Error> {
        if self.waiting.get().is_some() {
            return Err(Error {
                code: ffi::SQLITE_MISUSE,
                message: "the statement is suspended in a call: resume or reset it".into(),
            });
        }
        let rc = unsafe { ffi::sqlite3_step(self.stmt) };
        collations::take_unanswered(); // (the step it stopped failed with it)
        match rc {
            ffi::SQLITE_DONE => Ok(StepResult::Done),
            ffi::SQLITE_ROW => Ok(StepResult::Row(self.row())),
            rc => Err(error(self.db, rc)),
        }
    }

    fn resume(&self, answer: Answer, max_rows: u32) -> Result<RunResult, Error> {
        let Some(key) = self.waiting.take() else {
            return Err(Error { code: ffi::SQLITE_MISUSE, message: "the statement is not suspended in a call".into() });
        };
        if key.1 == CallKind::Progress {
            let stop = match answer {
                Answer::Value(Value::Integer(n)) => n != 0,
                Answer::Value(_) => false,
                Answer::Error(_) => true,
            };
            let end = match self.after.take() {
                None | Some(After::Row) => {
                    // suspended in the VM, or after a row: steps on (stopping at once if asked)
                    callbacks::interrupt(stop);
                    return Ok(self.steps(max_rows));
                }
                Some(After::Done) if stop => RunEnd::Failed(Error {
                    code: ffi::SQLITE_INTERRUPT,
                    message: text(unsafe { ffi::sqlite3_errstr(ffi::SQLITE_INTERRUPT) }).unwrap_or_default(),
                }),
                Some(After::Done) => RunEnd::Done,
                Some(After::Failed(e)) => RunEnd::Failed(e),
            };
            return Ok(self.result(Vec::new(), 0, Vec::new(), end));
        }
        callbacks::ANSWER.set(Some((key, answer)));
        Ok(self.steps(max_rows))
    }

    fn collated(&self, answer: CollateAnswer, max_rows: u32) -> Result<RunResult, Error> {
        let mismatch = || Error {
            code: ffi::SQLITE_MISUSE,
            message: "collated: the answer does not match what was asked (or nothing was)".into(),
        };
        match (self.asked.take(), answer) {
            (Some(CollateRequest::Pairs(asked)), CollateAnswer::Pairs(results)) if asked.len() == results.len() => {
                let mut all = self.collated.borrow_mut();
                for (c, r) in asked.into_iter().zip(results) {
                    all.pairs.entry(c.collation).or_default().entry(c.left).or_default().insert(c.right, r);
                }
            }
            (Some(CollateRequest::Texts(asked)), CollateAnswer::Texts(ranks))
                if asked.len() == ranks.len() && asked.iter().zip(&ranks).all(|(t, r)| t.texts.len() == r.len()) =>
            {
                let mut all = self.collated.borrow_mut();
                for (t, r) in asked.into_iter().zip(ranks) {
                    all.pairs.remove(&t.collation); // (its texts are all ranked now)
                    all.ranks.insert(t.collation, t.texts.into_iter().zip(r).collect());
                }
            }
            _ => return Err(mismatch()),
        }
        Ok(self.steps(max_rows))
    }

    fn authorize(&self, answers: Vec<(Authorization, i32)>, max_rows: u32) -> Result<RunResult, Error> {
        if self.waiting.get().is_some() {
            return Err(Error {
                code: ffi::SQLITE_MISUSE,
                message: "the statement is suspended in a call: resume or reset it".into(),
            });
        }
        {
            let mut all = self.answers.borrow_mut();
            let mut list: Vec<_> = all.as_deref().cloned().unwrap_or_default();
            list.extend(answers.into_iter().map(|(a, n)| (authorizer::key(a), n)));
            *all = Some(Rc::new(list));
        }
        Ok(self.steps(max_rows))
    }

    fn reset(&self) -> Result<(), Error> {
        self.forget();
        check(self.db, unsafe { ffi::sqlite3_reset(self.stmt) })
    }

    fn columns(&self) -> Vec<Column> {
        self.report_columns()
    }

    fn parameters(&self) -> Vec<Option<String>> {
        let s = self.stmt;
        let n = unsafe { ffi::sqlite3_bind_parameter_count(s) };
        (1..=n).map(|i| text(unsafe { ffi::sqlite3_bind_parameter_name(s, i) })).collect()
    }

    fn column_bytes(&self, index: i32) -> Vec<u8> {
        unsafe {
            let p = ffi::sqlite3_column_blob(self.stmt, index);
            bytes(p, ffi::sqlite3_column_bytes(self.stmt, index))
        }
    }

    fn readonly(&self) -> bool {
        unsafe { ffi::sqlite3_stmt_readonly(self.stmt) != 0 }
    }

    fn busy(&self) -> bool {
        unsafe { ffi::sqlite3_stmt_busy(self.stmt) != 0 }
    }

    fn expanded_sql(&self) -> Option<String> {
        unsafe {
            let p = ffi::sqlite3_expanded_sql(self.stmt);
            let out = text(p);
            ffi::sqlite3_free(p.cast());
            out
        }
    }
}

struct Blob {
    blob: Cell<*mut ffi::sqlite3_blob>,
    db: *mut ffi::sqlite3,
}

impl Blob {
    fn get(&self) -> Result<*mut ffi::sqlite3_blob, Error> {
        let b = self.blob.get();
        if b.is_null() { Err(misuse("the blob")) } else { Ok(b) }
    }
}

impl Drop for Blob {
    fn drop(&mut self) {
        let b = self.blob.replace(ptr::null_mut());
        if !b.is_null() {
            unsafe { ffi::sqlite3_blob_close(b) };
        }
    }
}

impl wit::GuestBlob for Blob {
    fn size(&self) -> i32 {
        self.get().map_or(0, |b| unsafe { ffi::sqlite3_blob_bytes(b) })
    }

    fn read(&self, offset: i32, length: i32) -> Result<Vec<u8>, Error> {
        let b = self.get()?;
        let mut buf = vec![0u8; length.max(0) as usize];
        check(self.db, unsafe { ffi::sqlite3_blob_read(b, buf.as_mut_ptr().cast(), length, offset) })?;
        Ok(buf)
    }

    fn write(&self, offset: i32, data: Vec<u8>) -> Result<(), Error> {
        let b = self.get()?;
        let Ok(n) = c_int::try_from(data.len()) else {
            return Err(error(ptr::null_mut(), ffi::SQLITE_TOOBIG));
        };
        check(self.db, unsafe { ffi::sqlite3_blob_write(b, data.as_ptr().cast(), n, offset) })
    }

    fn close(&self) -> Result<(), Error> {
        let b = self.blob.replace(ptr::null_mut());
        if b.is_null() {
            return Ok(());
        }
        check(self.db, unsafe { ffi::sqlite3_blob_close(b) })
    }
}

struct Backup {
    backup: Cell<*mut ffi::sqlite3_backup>,
    dest: *mut ffi::sqlite3,
}

impl Drop for Backup {
    fn drop(&mut self) {
        let b = self.backup.replace(ptr::null_mut());
        if !b.is_null() {
            unsafe { ffi::sqlite3_backup_finish(b) };
        }
    }
}

impl wit::GuestBackup for Backup {
    fn start(
        dest: wit::ConnectionBorrow<'_>,
        dest_schema: String,
        source: wit::ConnectionBorrow<'_>,
        source_schema: String,
    ) -> Result<wit::Backup, Error> {
        let dest = dest.get::<Connection>().db()?;
        let source = source.get::<Connection>().db()?;
        let (ds, ss) = (cstr(&dest_schema), cstr(&source_schema));
        let b = unsafe { ffi::sqlite3_backup_init(dest, ds.as_ptr(), source, ss.as_ptr()) };
        if b.is_null() {
            return Err(error(dest, unsafe { ffi::sqlite3_errcode(dest) }));
        }
        Ok(wit::Backup::new(Backup { backup: Cell::new(b), dest }))
    }

    fn step(&self, pages: i32) -> BackupProgress {
        let b = self.backup.get();
        if b.is_null() {
            return BackupProgress { code: ffi::SQLITE_MISUSE, remaining: 0, page_count: 0 };
        }
        unsafe {
            let code = ffi::sqlite3_backup_step(b, pages);
            BackupProgress {
                code,
                remaining: ffi::sqlite3_backup_remaining(b),
                page_count: ffi::sqlite3_backup_pagecount(b),
            }
        }
    }

    fn finish(&self) -> Result<(), Error> {
        let b = self.backup.replace(ptr::null_mut());
        if b.is_null() {
            return Ok(());
        }
        check(self.dest, unsafe { ffi::sqlite3_backup_finish(b) })
    }
}

impl wit::Guest for Cap {
    type Connection = Connection;
    type Statement = Statement;
    type Blob = Blob;
    type Backup = Backup;

    fn version() -> (String, i32) {
        unsafe { (text(ffi::sqlite3_libversion()).unwrap_or_default(), ffi::sqlite3_libversion_number()) }
    }

    fn threadsafe() -> i32 {
        unsafe { ffi::sqlite3_threadsafe() }
    }

    fn complete(sql: String) -> bool {
        let sql = cstr(&sql);
        unsafe { ffi::sqlite3_complete(sql.as_ptr()) != 0 }
    }

    fn errstr(code: i32) -> String {
        text(unsafe { ffi::sqlite3_errstr(code) }).unwrap_or_default()
    }

    fn run(statement: u32, reset: bool, parameters: Vec<u8>, max_rows: u32) -> Result<RunResult, Error> {
        numbers::with(statement, |s| s.run(reset, &parameters, max_rows)).unwrap_or_else(|| {
            Err(Error { code: ffi::SQLITE_MISUSE, message: format!("run: no statement is numbered {statement}") })
        })
    }

    fn format_real(value: f64) -> String {
        unsafe {
            let p = ffi::sqlite3_mprintf(c"%!.15g".as_ptr(), value);
            let out = text(p).unwrap_or_default();
            ffi::sqlite3_free(p.cast());
            out
        }
    }
}
