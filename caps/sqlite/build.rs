//! Builds SQLite for the cap: the amalgamation that `libsqlite3-sys` bundles (found through
//! its `DEP_SQLITE3_INCLUDE`), patched so that a callback into the importing component can
//! *suspend* the statement (see below), compiled with the flags `libsqlite3-sys` uses for
//! wasm32-wasi; plus `src/wasi_locks.c`.
//!
//! Why compile SQLite a second time: `libsqlite3-sys` compiles the amalgamation as it ships,
//! and a patched copy cannot be handed to it. Its own library is still built (its bindings
//! come with it) but never linked into the cap: this crate's static library comes first on the
//! link line, defines every `sqlite3_*` symbol, so the linker never pulls the unpatched member
//! in. (`tests/sqlite.rs` fails if it did: the callbacks would then not suspend.)
//!
//! The patch. A component cannot call into the component that imports it, so when SQLite's
//! virtual machine calls a user-defined function, aggregate step/inverse/value/final, the trace
//! callback or the progress handler of the importer, the cap's trampoline (`src/lib.rs`,
//! `callbacks`) records the call and asks to suspend; the patched opcode then leaves
//! `sqlite3VdbeExec` the way `OP_ResultRow` does — with the program counter kept, here on the
//! *same* opcode (the progress handler: the next one), and `SQLITE_ROW` (no result row)
//! returned through `sqlite3_step` — so the statement stays running. The cap returns the call;
//! the caller runs it and `resume`s with the result; the next `sqlite3_step` re-executes the
//! opcode, whose trampoline now takes the result instead of suspending. Every opcode patched is
//! safe to re-execute (OP_AggStep's step counter is put back). Statements that call no
//! importer function run the unpatched paths: one flag test after each function call. Only a
//! statement the caller runs suspends (`db->nVdbeExec == 1`): one SQLite runs inside another
//! cannot leave its caller's C stack. (The authorizer needs no patch: see `src/lib.rs`.)
use std::{env, fs, path::PathBuf};

/// (where, what is there, what it becomes): each `what` must occur exactly once.
const PATCHES: &[(&str, &str, &str)] = &[
    (
        "OP_Function",
        "  (*pCtx->pFunc->xSFunc)(pCtx, pCtx->argc, pCtx->argv);/* IMP: R-24505-23230 */\n",
        "  PYFORGE_OP_BEGIN;\n  (*pCtx->pFunc->xSFunc)(pCtx, pCtx->argc, pCtx->argv);/* IMP: R-24505-23230 */\n  pyforge_sqlite_op = 0;\n  if( PYFORGE_TAKE_SUSPEND() ) goto pyforge_suspend;\n",
    ),
    ("OP_AggStep1 (before)", "  pMem->n++;\n", "  pMem->n++;\n  PYFORGE_OP_BEGIN;\n"),
    (
        "OP_AggStep1 (after)",
        "  (pCtx->pFunc->xSFunc)(pCtx,pCtx->argc,pCtx->argv); /* IMP: R-24505-23230 */\n",
        "  (pCtx->pFunc->xSFunc)(pCtx,pCtx->argc,pCtx->argv); /* IMP: R-24505-23230 */\n  pyforge_sqlite_op = 0;\n  if( PYFORGE_TAKE_SUSPEND() ){ pMem->n--; goto pyforge_suspend; }\n",
    ),
    (
        "OP_AggValue",
        "    rc = sqlite3VdbeMemAggValue(pMem, &aMem[pOp->p3], pOp->p4.pFunc);\n",
        "    PYFORGE_OP_BEGIN;\n    rc = sqlite3VdbeMemAggValue(pMem, &aMem[pOp->p3], pOp->p4.pFunc);\n    pyforge_sqlite_op = 0;\n    if( PYFORGE_TAKE_SUSPEND() ) goto pyforge_suspend;\n",
    ),
    (
        "OP_AggFinal",
        "    rc = sqlite3VdbeMemFinalize(pMem, pOp->p4.pFunc);\n",
        "    PYFORGE_OP_BEGIN;\n    rc = sqlite3VdbeMemFinalize(pMem, pOp->p4.pFunc);\n    pyforge_sqlite_op = 0;\n    if( PYFORGE_TAKE_SUSPEND() ) goto pyforge_suspend;\n",
    ),
    (
        // A suspended final must leave the accumulator as it is: it runs again on resume.
        "sqlite3VdbeMemFinalize",
        "  pFunc->xFinalize(&ctx); /* IMP: R-24505-23230 */\n",
        "  pFunc->xFinalize(&ctx); /* IMP: R-24505-23230 */\n  if( pyforge_sqlite_suspend ) return SQLITE_OK;\n",
    ),
    (
        // SQLITE_TRACE_STMT of a statement run by the caller (not of one SQLite runs inside another).
        "OP_Init (trace)",
        "      (void)db->trace.xV2(SQLITE_TRACE_STMT, db->pTraceArg, p, zTrace);\n    }\n  }\n",
        "      PYFORGE_OP_BEGIN;\n      (void)db->trace.xV2(SQLITE_TRACE_STMT, db->pTraceArg, p, zTrace);\n      pyforge_sqlite_op = 0;\n    }\n  }\n  if( PYFORGE_TAKE_SUSPEND() ) goto pyforge_suspend;\n",
    ),
    (
        // The progress handler at the bottom of a loop: suspended there, the statement goes on
        // with the next opcode when resumed (so the call is not made again).
        "check_for_interrupt (progress)",
        "    assert( db->nProgressOps!=0 );\n    nProgressLimit += db->nProgressOps;\n    if( db->xProgress(db->pProgressArg) ){\n      nProgressLimit = LARGEST_UINT64;\n      rc = SQLITE_INTERRUPT;\n      goto abort_due_to_error;\n    }\n  }\n",
        "    assert( db->nProgressOps!=0 );\n    nProgressLimit += db->nProgressOps;\n    PYFORGE_OP_BEGIN;\n    if( db->xProgress(db->pProgressArg) ){\n      pyforge_sqlite_op = 0;\n      nProgressLimit = LARGEST_UINT64;\n      rc = SQLITE_INTERRUPT;\n      goto abort_due_to_error;\n    }\n    pyforge_sqlite_op = 0;\n    if( PYFORGE_TAKE_SUSPEND() ){ pOp++; goto pyforge_suspend; }\n  }\n",
    ),
    (
        // The progress handler as the statement leaves the VM: it cannot suspend there (the
        // step's outcome is decided), so the cap makes that call after the step (src/lib.rs).
        "vdbe_return (progress)",
        "  while( nVmStep>=nProgressLimit && db->xProgress!=0 ){\n    nProgressLimit += db->nProgressOps;\n    if( db->xProgress(db->pProgressArg) ){\n",
        "  while( nVmStep>=nProgressLimit && db->xProgress!=0 ){\n    nProgressLimit += db->nProgressOps;\n    pyforge_sqlite_op = db->nVdbeExec==1 ? 3 : 2;\n    if( (pyforge_sqlite_rc = db->xProgress(db->pProgressArg), pyforge_sqlite_op = 0, pyforge_sqlite_rc) ){\n",
    ),
    (
        // A progress call answered "interrupt": the resumed statement stops as SQLite stops it.
        "sqlite3VdbeExec's entry",
        "  if( AtomicLoad(&db->u1.isInterrupted) ) goto abort_due_to_interrupt;\n  sqlite3VdbeIOTraceSql(p);\n",
        "  if( AtomicLoad(&db->u1.isInterrupted) ) goto abort_due_to_interrupt;\n  if( pyforge_sqlite_interrupt ){ pyforge_sqlite_interrupt = 0; goto abort_due_to_interrupt; }\n  sqlite3VdbeIOTraceSql(p);\n",
    ),
    (
        // A caller's collation met a pair it has no answer for (src/lib.rs, `collations`): the
        // statement runs on with provisional answers, noting every such pair, but shows no row
        // (a row computed so may be wrong) and commits nothing: at its end it stops with an
        // error, its changes rolled back; the cap asks for the pairs and runs it again.
        "OP_Halt (collation)",
        "case OP_Halt: {\n  VdbeFrame *pFrame;\n  int pcx;\n",
        "case OP_Halt: {\n  VdbeFrame *pFrame;\n  int pcx;\n  if( p->pFrame==0 ) PYFORGE_UNANSWERED_CHECK;\n",
    ),
    (
        "OP_ResultRow (collation)",
        "case OP_ResultRow: {\n",
        "case OP_ResultRow: {\n  if( pyforge_sqlite_unanswered ) break;\n",
    ),
    (
        // On a connection with a caller's collation, a statement that writes keeps a statement
        // journal (inside a transaction), so stopping it as above rolls back just its changes.
        "sqlite3VdbeMakeReady (statement journal)",
        "  p->usesStmtJournal = (u8)(pParse->isMultiWrite && pParse->mayAbort);\n",
        "  p->usesStmtJournal = (u8)((pParse->isMultiWrite && pParse->mayAbort) || pyforge_sqlite_collating(pParse->db, -1));\n",
    ),
    (
        "sqlite3VdbeExec's exit",
        "  ** top. */\nvdbe_return:\n",
        "  ** top. */\n  goto vdbe_return;\n\n  /* pyforge: a callback into the importer suspends the statement on this opcode (see\n  ** caps/sqlite/build.rs): as OP_ResultRow leaves, without a row, to run it again. */\npyforge_suspend:\n  p->cacheCtr = (p->cacheCtr + 2)|1;\n  p->pResultRow = 0;\n  p->pc = (int)(pOp - aOp);\n  rc = SQLITE_ROW;\n\nvdbe_return:\n",
    ),
];

const PRELUDE: &str = "/* pyforge: patched by caps/sqlite/build.rs (callbacks suspend the statement) */\n\
/* While SQLite calls out: 1 where the call may suspend the statement (an opcode of a statement\n\
** the caller runs), 2 where it may not (a statement SQLite runs inside another), 3 for the\n\
** progress handler as a statement leaves the VM; 0 elsewhere. */\n\
int pyforge_sqlite_op = 0;\n\
#define PYFORGE_OP_BEGIN (pyforge_sqlite_op = db->nVdbeExec==1 ? 1 : 2)\n\
int pyforge_sqlite_interrupt = 0; /* set by resume (src/lib.rs): the progress handler said stop */\n\
static int pyforge_sqlite_rc;\n\
int pyforge_sqlite_suspend = 0; /* set by a callback (src/lib.rs) that suspends the statement */\n\
#define PYFORGE_TAKE_SUSPEND() (pyforge_sqlite_suspend ? (pyforge_sqlite_suspend = 0, 1) : 0)\n\
/* Whether `db` has a collation of the caller; `on` 1/0 sets it, -1 only reads (POSTLUDE). */\n\
struct sqlite3;\n\
int pyforge_sqlite_collating(struct sqlite3 *db, int on);\n\
int pyforge_sqlite_unanswered = 0; /* one of them compared a pair without an answer */\n\
#define PYFORGE_UNANSWERED_CHECK if( pyforge_sqlite_unanswered ){ \\\n\
  p->errorAction = OE_Abort; rc = SQLITE_ERROR; \\\n\
  sqlite3VdbeError(p, \"%s\", \"a collation of the caller compared strings it has no answer for\"); \\\n\
  goto abort_due_to_error; }\n";

/// After the amalgamation: the connections with a collation of the caller (src/lib.rs sets them),
/// and the counters a run reports read in one call.
const POSTLUDE: &str = "\n/* pyforge (caps/sqlite/build.rs): connections with a collation of the caller */\n\
static sqlite3 **pyforgeCollating = 0;\n\
static int pyforgeNCollating = 0;\n\
int pyforge_sqlite_collating(sqlite3 *db, int on){\n\
  int i;\n\
  for(i=0; i<pyforgeNCollating && pyforgeCollating[i]!=db; i++){}\n\
  if( on<0 ) return i<pyforgeNCollating;\n\
  if( on && i==pyforgeNCollating ){\n\
    sqlite3 **a = sqlite3_realloc64(pyforgeCollating, (pyforgeNCollating+1)*sizeof(*a));\n\
    if( a==0 ) return 0;\n\
    pyforgeCollating = a;\n\
    pyforgeCollating[pyforgeNCollating++] = db;\n\
  }else if( !on && i<pyforgeNCollating ){\n\
    pyforgeCollating[i] = pyforgeCollating[--pyforgeNCollating];\n\
  }\n\
  return on;\n\
}\n\
/* The counters a run reports, in one call (src/lib.rs): sqlite3_changes64,\n\
** sqlite3_total_changes64, sqlite3_last_insert_rowid, sqlite3_get_autocommit. */\n\
void pyforge_sqlite_counters(sqlite3 *db, sqlite3_int64 *out){\n\
  out[0] = db->nChange;\n\
  out[1] = db->nTotalChange;\n\
  out[2] = db->lastRowid;\n\
  out[3] = db->autoCommit;\n\
}\n";

fn main() {
    println!("cargo:rerun-if-changed=src/wasi_locks.c");
    println!("cargo:rerun-if-changed=build.rs");
    cc::Build::new().file("src/wasi_locks.c").compile("pyforge_wasi_locks");

    let dir = env::var("DEP_SQLITE3_INCLUDE")
        .expect("DEP_SQLITE3_INCLUDE is not set: libsqlite3-sys must be a dependency with its `bundled` feature");
    let source = PathBuf::from(&dir).join("sqlite3.c");
    println!("cargo:rerun-if-changed={}", source.display());
    let mut text = fs::read_to_string(&source).unwrap_or_else(|e| panic!("reading {}: {e}", source.display()));
    for (place, what, with) in PATCHES {
        let n = text.matches(what).count();
        assert!(
            n == 1,
            "{}: the pyforge patch of {place} expects its anchor exactly once, found {n} times; \
             SQLite's source changed: update PATCHES in caps/sqlite/build.rs",
            source.display()
        );
        text = text.replacen(what, with, 1);
    }
    let out = PathBuf::from(env::var("OUT_DIR").expect("OUT_DIR"));
    let patched = out.join("sqlite3.c");
    fs::write(&patched, format!("{PRELUDE}{text}{POSTLUDE}")).expect("writing the patched sqlite3.c");

    // libsqlite3-sys 0.35.0's flags (its build.rs, `build_bundled`), wasm32-wasi branch.
    let mut build = cc::Build::new();
    build.file(&patched).include(&dir);
    for flag in [
        "-DSQLITE_CORE",
        "-DSQLITE_DEFAULT_FOREIGN_KEYS=1",
        "-DSQLITE_ENABLE_API_ARMOR",
        "-DSQLITE_ENABLE_COLUMN_METADATA",
        "-DSQLITE_ENABLE_DBSTAT_VTAB",
        "-DSQLITE_ENABLE_FTS3",
        "-DSQLITE_ENABLE_FTS3_PARENTHESIS",
        "-DSQLITE_ENABLE_FTS5",
        "-DSQLITE_ENABLE_JSON1",
        "-DSQLITE_ENABLE_LOAD_EXTENSION=1",
        "-DSQLITE_ENABLE_MEMORY_MANAGEMENT",
        "-DSQLITE_ENABLE_RTREE",
        "-DSQLITE_ENABLE_STAT4",
        "-DSQLITE_SOUNDEX",
        "-DSQLITE_USE_URI",
        "-DHAVE_LOCALTIME_R",
        "-DSQLITE_THREADSAFE=0",
        "-DLONGDOUBLE_TYPE=double",
        "-D_WASI_EMULATED_MMAN",
        "-D_WASI_EMULATED_GETPID",
        "-D_WASI_EMULATED_SIGNAL",
        "-D_WASI_EMULATED_PROCESS_CLOCKS",
    ] {
        build.flag(flag);
    }
    // Named apart from libsqlite3-sys's `sqlite3`; linked first (see the top of this file).
    build.compile("pyforge_sqlite3");
}
