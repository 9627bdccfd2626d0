/* sqlite3.h for CPython's `_sqlite3` module in a pyforge forge.
 *
 * CPython's own `Modules/_sqlite` sources (from the kit) include this header instead of
 * SQLite's: it declares the part of SQLite's C API that module uses, and
 * `_sqlite_capmodule.c` implements it by calling the sqlite cap through the
 * `pyforge:sqlite/sqlite` interface. SQLite itself lives in the cap component.
 *
 * The version and the constants are SQLite's own (they are its ABI), for the SQLite the cap
 * is built from: libsqlite3-sys 0.35.0's bundled SQLite 3.50.2 (`caps/sqlite/Cargo.toml`
 * pins it). The constants block holds, for every SQLITE_ name that CPython's
 * Modules/_sqlite sources use, the first `#define` of that name in that release's sqlite3.h.
 */
#ifndef PYFORGE_SQLITE3_H
#define PYFORGE_SQLITE3_H

#include <stdarg.h>
#include <stdint.h>

#define SQLITE_VERSION        "3.50.2"
#define SQLITE_VERSION_NUMBER 3050002
/* The cap's SQLite is built with SQLITE_THREADSAFE=0 (`sqlite3_threadsafe()` says so at
 * run time); serialize/deserialize are available through the cap. */
#define SQLITE_THREADSAFE 0
#define PY_SQLITE_HAVE_SERIALIZE 1

typedef int64_t sqlite3_int64;
typedef uint64_t sqlite3_uint64;
typedef sqlite3_int64 sqlite_int64;
typedef struct sqlite3 sqlite3;
typedef struct sqlite3_stmt sqlite3_stmt;
typedef struct sqlite3_blob sqlite3_blob;
typedef struct sqlite3_backup sqlite3_backup;
typedef struct sqlite3_context sqlite3_context;
typedef struct sqlite3_value sqlite3_value;
typedef void (*sqlite3_destructor_type)(void *);
#define SQLITE_STATIC ((sqlite3_destructor_type)0)
#define SQLITE_TRANSIENT ((sqlite3_destructor_type)-1)

/* SQLite's constants (see above) */
#define SQLITE_ABORT 4
#define SQLITE_ABORT_ROLLBACK (SQLITE_ABORT | (2<<8))
#define SQLITE_ALTER_TABLE 26
#define SQLITE_ANALYZE 28
#define SQLITE_ATTACH 24
#define SQLITE_AUTH 23
#define SQLITE_AUTH_USER (SQLITE_AUTH | (1<<8))
#define SQLITE_BLOB 4
#define SQLITE_BUSY 5
#define SQLITE_BUSY_RECOVERY (SQLITE_BUSY | (1<<8))
#define SQLITE_BUSY_SNAPSHOT (SQLITE_BUSY | (2<<8))
#define SQLITE_BUSY_TIMEOUT (SQLITE_BUSY | (3<<8))
#define SQLITE_CANTOPEN 14
#define SQLITE_CANTOPEN_CONVPATH (SQLITE_CANTOPEN | (4<<8))
#define SQLITE_CANTOPEN_DIRTYWAL (SQLITE_CANTOPEN | (5<<8))
#define SQLITE_CANTOPEN_FULLPATH (SQLITE_CANTOPEN | (3<<8))
#define SQLITE_CANTOPEN_ISDIR (SQLITE_CANTOPEN | (2<<8))
#define SQLITE_CANTOPEN_NOTEMPDIR (SQLITE_CANTOPEN | (1<<8))
#define SQLITE_CANTOPEN_SYMLINK (SQLITE_CANTOPEN | (6<<8))
#define SQLITE_CONSTRAINT 19
#define SQLITE_CONSTRAINT_CHECK (SQLITE_CONSTRAINT | (1<<8))
#define SQLITE_CONSTRAINT_COMMITHOOK (SQLITE_CONSTRAINT | (2<<8))
#define SQLITE_CONSTRAINT_FOREIGNKEY (SQLITE_CONSTRAINT | (3<<8))
#define SQLITE_CONSTRAINT_FUNCTION (SQLITE_CONSTRAINT | (4<<8))
#define SQLITE_CONSTRAINT_NOTNULL (SQLITE_CONSTRAINT | (5<<8))
#define SQLITE_CONSTRAINT_PINNED (SQLITE_CONSTRAINT |(11<<8))
#define SQLITE_CONSTRAINT_PRIMARYKEY (SQLITE_CONSTRAINT | (6<<8))
#define SQLITE_CONSTRAINT_ROWID (SQLITE_CONSTRAINT |(10<<8))
#define SQLITE_CONSTRAINT_TRIGGER (SQLITE_CONSTRAINT | (7<<8))
#define SQLITE_CONSTRAINT_UNIQUE (SQLITE_CONSTRAINT | (8<<8))
#define SQLITE_CONSTRAINT_VTAB (SQLITE_CONSTRAINT | (9<<8))
#define SQLITE_CORRUPT 11
#define SQLITE_CORRUPT_INDEX (SQLITE_CORRUPT | (3<<8))
#define SQLITE_CORRUPT_SEQUENCE (SQLITE_CORRUPT | (2<<8))
#define SQLITE_CORRUPT_VTAB (SQLITE_CORRUPT | (1<<8))
#define SQLITE_CREATE_INDEX 1
#define SQLITE_CREATE_TABLE 2
#define SQLITE_CREATE_TEMP_INDEX 3
#define SQLITE_CREATE_TEMP_TABLE 4
#define SQLITE_CREATE_TEMP_TRIGGER 5
#define SQLITE_CREATE_TEMP_VIEW 6
#define SQLITE_CREATE_TRIGGER 7
#define SQLITE_CREATE_VIEW 8
#define SQLITE_CREATE_VTABLE 29
#define SQLITE_DBCONFIG_DEFENSIVE 1010
#define SQLITE_DBCONFIG_DQS_DDL 1014
#define SQLITE_DBCONFIG_DQS_DML 1013
#define SQLITE_DBCONFIG_ENABLE_FKEY 1002
#define SQLITE_DBCONFIG_ENABLE_FTS3_TOKENIZER 1004
#define SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION 1005
#define SQLITE_DBCONFIG_ENABLE_QPSG 1007
#define SQLITE_DBCONFIG_ENABLE_TRIGGER 1003
#define SQLITE_DBCONFIG_ENABLE_VIEW 1015
#define SQLITE_DBCONFIG_LEGACY_ALTER_TABLE 1012
#define SQLITE_DBCONFIG_LEGACY_FILE_FORMAT 1016
#define SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE 1006
#define SQLITE_DBCONFIG_RESET_DATABASE 1009
#define SQLITE_DBCONFIG_TRIGGER_EQP 1008
#define SQLITE_DBCONFIG_TRUSTED_SCHEMA 1017
#define SQLITE_DBCONFIG_WRITABLE_SCHEMA 1011
#define SQLITE_DELETE 9
#define SQLITE_DENY 1
#define SQLITE_DESERIALIZE_FREEONCLOSE 1
#define SQLITE_DESERIALIZE_RESIZEABLE 2
#define SQLITE_DETACH 25
#define SQLITE_DETERMINISTIC 0x000000800
#define SQLITE_DONE 101
#define SQLITE_DROP_INDEX 10
#define SQLITE_DROP_TABLE 11
#define SQLITE_DROP_TEMP_INDEX 12
#define SQLITE_DROP_TEMP_TABLE 13
#define SQLITE_DROP_TEMP_TRIGGER 14
#define SQLITE_DROP_TEMP_VIEW 15
#define SQLITE_DROP_TRIGGER 16
#define SQLITE_DROP_VIEW 17
#define SQLITE_DROP_VTABLE 30
#define SQLITE_EMPTY 16
#define SQLITE_ERROR 1
#define SQLITE_ERROR_MISSING_COLLSEQ (SQLITE_ERROR | (1<<8))
#define SQLITE_ERROR_RETRY (SQLITE_ERROR | (2<<8))
#define SQLITE_ERROR_SNAPSHOT (SQLITE_ERROR | (3<<8))
#define SQLITE_FLOAT 2
#define SQLITE_FORMAT 24
#define SQLITE_FULL 13
#define SQLITE_FUNCTION 31
#define SQLITE_IGNORE 2
#define SQLITE_INSERT 18
#define SQLITE_INTEGER 1
#define SQLITE_INTERNAL 2
#define SQLITE_INTERRUPT 9
#define SQLITE_IOERR 10
#define SQLITE_IOERR_ACCESS (SQLITE_IOERR | (13<<8))
#define SQLITE_IOERR_AUTH (SQLITE_IOERR | (28<<8))
#define SQLITE_IOERR_BEGIN_ATOMIC (SQLITE_IOERR | (29<<8))
#define SQLITE_IOERR_BLOCKED (SQLITE_IOERR | (11<<8))
#define SQLITE_IOERR_CHECKRESERVEDLOCK (SQLITE_IOERR | (14<<8))
#define SQLITE_IOERR_CLOSE (SQLITE_IOERR | (16<<8))
#define SQLITE_IOERR_COMMIT_ATOMIC (SQLITE_IOERR | (30<<8))
#define SQLITE_IOERR_CONVPATH (SQLITE_IOERR | (26<<8))
#define SQLITE_IOERR_CORRUPTFS (SQLITE_IOERR | (33<<8))
#define SQLITE_IOERR_DATA (SQLITE_IOERR | (32<<8))
#define SQLITE_IOERR_DELETE (SQLITE_IOERR | (10<<8))
#define SQLITE_IOERR_DELETE_NOENT (SQLITE_IOERR | (23<<8))
#define SQLITE_IOERR_DIR_CLOSE (SQLITE_IOERR | (17<<8))
#define SQLITE_IOERR_DIR_FSYNC (SQLITE_IOERR | (5<<8))
#define SQLITE_IOERR_FSTAT (SQLITE_IOERR | (7<<8))
#define SQLITE_IOERR_FSYNC (SQLITE_IOERR | (4<<8))
#define SQLITE_IOERR_GETTEMPPATH (SQLITE_IOERR | (25<<8))
#define SQLITE_IOERR_LOCK (SQLITE_IOERR | (15<<8))
#define SQLITE_IOERR_MMAP (SQLITE_IOERR | (24<<8))
#define SQLITE_IOERR_NOMEM (SQLITE_IOERR | (12<<8))
#define SQLITE_IOERR_RDLOCK (SQLITE_IOERR | (9<<8))
#define SQLITE_IOERR_READ (SQLITE_IOERR | (1<<8))
#define SQLITE_IOERR_ROLLBACK_ATOMIC (SQLITE_IOERR | (31<<8))
#define SQLITE_IOERR_SEEK (SQLITE_IOERR | (22<<8))
#define SQLITE_IOERR_SHMLOCK (SQLITE_IOERR | (20<<8))
#define SQLITE_IOERR_SHMMAP (SQLITE_IOERR | (21<<8))
#define SQLITE_IOERR_SHMOPEN (SQLITE_IOERR | (18<<8))
#define SQLITE_IOERR_SHMSIZE (SQLITE_IOERR | (19<<8))
#define SQLITE_IOERR_SHORT_READ (SQLITE_IOERR | (2<<8))
#define SQLITE_IOERR_TRUNCATE (SQLITE_IOERR | (6<<8))
#define SQLITE_IOERR_UNLOCK (SQLITE_IOERR | (8<<8))
#define SQLITE_IOERR_VNODE (SQLITE_IOERR | (27<<8))
#define SQLITE_IOERR_WRITE (SQLITE_IOERR | (3<<8))
#define SQLITE_LIMIT_ATTACHED 7
#define SQLITE_LIMIT_COLUMN 2
#define SQLITE_LIMIT_COMPOUND_SELECT 4
#define SQLITE_LIMIT_EXPR_DEPTH 3
#define SQLITE_LIMIT_FUNCTION_ARG 6
#define SQLITE_LIMIT_LENGTH 0
#define SQLITE_LIMIT_LIKE_PATTERN_LENGTH 8
#define SQLITE_LIMIT_SQL_LENGTH 1
#define SQLITE_LIMIT_TRIGGER_DEPTH 10
#define SQLITE_LIMIT_VARIABLE_NUMBER 9
#define SQLITE_LIMIT_VDBE_OP 5
#define SQLITE_LIMIT_WORKER_THREADS 11
#define SQLITE_LOCKED 6
#define SQLITE_LOCKED_SHAREDCACHE (SQLITE_LOCKED | (1<<8))
#define SQLITE_LOCKED_VTAB (SQLITE_LOCKED | (2<<8))
#define SQLITE_MISMATCH 20
#define SQLITE_MISUSE 21
#define SQLITE_NOLFS 22
#define SQLITE_NOMEM 7
#define SQLITE_NOTADB 26
#define SQLITE_NOTFOUND 12
#define SQLITE_NOTICE 27
#define SQLITE_NOTICE_RECOVER_ROLLBACK (SQLITE_NOTICE | (2<<8))
#define SQLITE_NOTICE_RECOVER_WAL (SQLITE_NOTICE | (1<<8))
#define SQLITE_NULL 5
#define SQLITE_OK 0
#define SQLITE_OK_LOAD_PERMANENTLY (SQLITE_OK | (1<<8))
#define SQLITE_OK_SYMLINK (SQLITE_OK | (2<<8))
#define SQLITE_OPEN_CREATE 0x00000004
#define SQLITE_OPEN_READWRITE 0x00000002
#define SQLITE_OPEN_URI 0x00000040
#define SQLITE_PERM 3
#define SQLITE_PRAGMA 19
#define SQLITE_PROTOCOL 15
#define SQLITE_RANGE 25
#define SQLITE_READ 20
#define SQLITE_READONLY 8
#define SQLITE_READONLY_CANTINIT (SQLITE_READONLY | (5<<8))
#define SQLITE_READONLY_CANTLOCK (SQLITE_READONLY | (2<<8))
#define SQLITE_READONLY_DBMOVED (SQLITE_READONLY | (4<<8))
#define SQLITE_READONLY_DIRECTORY (SQLITE_READONLY | (6<<8))
#define SQLITE_READONLY_RECOVERY (SQLITE_READONLY | (1<<8))
#define SQLITE_READONLY_ROLLBACK (SQLITE_READONLY | (3<<8))
#define SQLITE_RECURSIVE 33
#define SQLITE_REINDEX 27
#define SQLITE_ROW 100
#define SQLITE_SAVEPOINT 32
#define SQLITE_SCHEMA 17
#define SQLITE_SELECT 21
#define SQLITE_SERIALIZE_NOCOPY 0x001
# define SQLITE_TEXT 3
#define SQLITE_TOOBIG 18
#define SQLITE_TRACE_STMT 0x01
#define SQLITE_TRANSACTION 22
#define SQLITE_UPDATE 23
#define SQLITE_UTF8 1
#define SQLITE_WARNING 28
#define SQLITE_WARNING_AUTOINDEX (SQLITE_WARNING | (1<<8))

/* Library */
const char *sqlite3_libversion(void);
int sqlite3_libversion_number(void);
int sqlite3_threadsafe(void);
int sqlite3_initialize(void);
int sqlite3_shutdown(void);
int sqlite3_complete(const char *sql);
const char *sqlite3_errstr(int code);
int sqlite3_sleep(int ms);
int sqlite3_stricmp(const char *a, const char *b);
void *sqlite3_malloc64(sqlite3_uint64 n);
void sqlite3_free(void *p);

/* Connections */
int sqlite3_open_v2(const char *filename, sqlite3 **db, int flags, const char *vfs);
int sqlite3_close(sqlite3 *db);
int sqlite3_close_v2(sqlite3 *db);
int sqlite3_errcode(sqlite3 *db);
int sqlite3_extended_errcode(sqlite3 *db);
const char *sqlite3_errmsg(sqlite3 *db);
int sqlite3_exec(sqlite3 *db, const char *sql, int (*callback)(void *, int, char **, char **), void *arg,
                 char **errmsg);
int sqlite3_changes(sqlite3 *db);
int sqlite3_total_changes(sqlite3 *db);
sqlite3_int64 sqlite3_last_insert_rowid(sqlite3 *db);
int sqlite3_get_autocommit(sqlite3 *db);
int sqlite3_busy_timeout(sqlite3 *db, int ms);
int sqlite3_limit(sqlite3 *db, int id, int new_value);
int sqlite3_db_config(sqlite3 *db, int op, ...);
void sqlite3_interrupt(sqlite3 *db);
unsigned char *sqlite3_serialize(sqlite3 *db, const char *schema, sqlite3_int64 *size, unsigned int flags);
int sqlite3_deserialize(sqlite3 *db, const char *schema, unsigned char *data, sqlite3_int64 size,
                        sqlite3_int64 buffer_size, unsigned int flags);

/* Statements */
int sqlite3_prepare_v2(sqlite3 *db, const char *sql, int nbyte, sqlite3_stmt **stmt, const char **tail);
int sqlite3_step(sqlite3_stmt *stmt);
int sqlite3_reset(sqlite3_stmt *stmt);
int sqlite3_finalize(sqlite3_stmt *stmt);
sqlite3 *sqlite3_db_handle(sqlite3_stmt *stmt);
int sqlite3_stmt_readonly(sqlite3_stmt *stmt);
int sqlite3_stmt_busy(sqlite3_stmt *stmt);
char *sqlite3_expanded_sql(sqlite3_stmt *stmt);
int sqlite3_bind_parameter_count(sqlite3_stmt *stmt);
const char *sqlite3_bind_parameter_name(sqlite3_stmt *stmt, int index);
int sqlite3_bind_null(sqlite3_stmt *stmt, int index);
int sqlite3_bind_int64(sqlite3_stmt *stmt, int index, sqlite3_int64 value);
int sqlite3_bind_double(sqlite3_stmt *stmt, int index, double value);
int sqlite3_bind_text(sqlite3_stmt *stmt, int index, const char *text, int n, sqlite3_destructor_type d);
int sqlite3_bind_blob(sqlite3_stmt *stmt, int index, const void *data, int n, sqlite3_destructor_type d);
int sqlite3_column_count(sqlite3_stmt *stmt);
int sqlite3_data_count(sqlite3_stmt *stmt);
const char *sqlite3_column_name(sqlite3_stmt *stmt, int i);
const char *sqlite3_column_decltype(sqlite3_stmt *stmt, int i);
int sqlite3_column_type(sqlite3_stmt *stmt, int i);
sqlite3_int64 sqlite3_column_int64(sqlite3_stmt *stmt, int i);
double sqlite3_column_double(sqlite3_stmt *stmt, int i);
const unsigned char *sqlite3_column_text(sqlite3_stmt *stmt, int i);
const void *sqlite3_column_blob(sqlite3_stmt *stmt, int i);
int sqlite3_column_bytes(sqlite3_stmt *stmt, int i);

/* Blobs and backups */
int sqlite3_blob_open(sqlite3 *db, const char *schema, const char *table, const char *column, sqlite3_int64 row,
                      int flags, sqlite3_blob **blob);
int sqlite3_blob_bytes(sqlite3_blob *blob);
int sqlite3_blob_read(sqlite3_blob *blob, void *buf, int n, int offset);
int sqlite3_blob_write(sqlite3_blob *blob, const void *buf, int n, int offset);
int sqlite3_blob_close(sqlite3_blob *blob);
sqlite3_backup *sqlite3_backup_init(sqlite3 *dest, const char *dest_name, sqlite3 *source, const char *source_name);
int sqlite3_backup_step(sqlite3_backup *backup, int pages);
int sqlite3_backup_remaining(sqlite3_backup *backup);
int sqlite3_backup_pagecount(sqlite3_backup *backup);
int sqlite3_backup_finish(sqlite3_backup *backup);

/* Callbacks into the caller. A component import cannot call back into its importer: the cap
 * suspends the statement instead, and the step here makes the call (see
 * _sqlite_capmodule.c) — user-defined functions, aggregates, window functions, the progress
 * handler and the trace callback; the authorizer is answered before the cap prepares
 * (prepare_authorized), and collations when a statement needs comparisons, which it then runs
 * again (the COLLATE end of a run). */
int sqlite3_create_function_v2(sqlite3 *db, const char *name, int narg, int flags, void *app,
                               void (*func)(sqlite3_context *, int, sqlite3_value **),
                               void (*step)(sqlite3_context *, int, sqlite3_value **),
                               void (*final)(sqlite3_context *), void (*destroy)(void *));
int sqlite3_create_window_function(sqlite3 *db, const char *name, int narg, int flags, void *app,
                                   void (*step)(sqlite3_context *, int, sqlite3_value **),
                                   void (*final)(sqlite3_context *), void (*value)(sqlite3_context *),
                                   void (*inverse)(sqlite3_context *, int, sqlite3_value **),
                                   void (*destroy)(void *));
int sqlite3_create_collation_v2(sqlite3 *db, const char *name, int rep, void *arg,
                                int (*compare)(void *, int, const void *, int, const void *),
                                void (*destroy)(void *));
int sqlite3_set_authorizer(sqlite3 *db,
                           int (*auth)(void *, int, const char *, const char *, const char *, const char *),
                           void *arg);
void sqlite3_progress_handler(sqlite3 *db, int n, int (*handler)(void *), void *arg);
int sqlite3_trace_v2(sqlite3 *db, unsigned mask, int (*callback)(unsigned, void *, void *, void *), void *arg);
void *sqlite3_user_data(sqlite3_context *ctx);
sqlite3 *sqlite3_context_db_handle(sqlite3_context *ctx);
void *sqlite3_aggregate_context(sqlite3_context *ctx, int n);
int sqlite3_value_type(sqlite3_value *v);
sqlite3_int64 sqlite3_value_int64(sqlite3_value *v);
double sqlite3_value_double(sqlite3_value *v);
const unsigned char *sqlite3_value_text(sqlite3_value *v);
const void *sqlite3_value_blob(sqlite3_value *v);
int sqlite3_value_bytes(sqlite3_value *v);
void sqlite3_result_null(sqlite3_context *ctx);
void sqlite3_result_int64(sqlite3_context *ctx, sqlite3_int64 v);
void sqlite3_result_double(sqlite3_context *ctx, double v);
void sqlite3_result_text(sqlite3_context *ctx, const char *text, int n, sqlite3_destructor_type d);
void sqlite3_result_blob(sqlite3_context *ctx, const void *data, int n, sqlite3_destructor_type d);
void sqlite3_result_error(sqlite3_context *ctx, const char *msg, int n);
void sqlite3_result_error_nomem(sqlite3_context *ctx);
void sqlite3_result_error_toobig(sqlite3_context *ctx);

#endif
