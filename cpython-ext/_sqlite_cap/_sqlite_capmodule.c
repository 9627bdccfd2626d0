/* SQLite's C API, as CPython's `_sqlite3` module uses it, over the sqlite cap.
 *
 * CPython's own `Modules/_sqlite` (compiled from the kit, see `cpython_sources` in
 * pyforge-pkg.toml) calls `sqlite3_*` functions declared by `sqlite3.h` in this directory;
 * each one below is the matching call of the `pyforge:sqlite/sqlite` interface, where SQLite
 * itself runs. What is kept here is what SQLite's API promises to keep: a connection's last
 * error (code, extended code, message — set by each call as SQLite sets it, since CPython
 * reads it after failures of its own too), a statement's current row (values fetched with the
 * step that produced them, so reading columns does not cross into the cap), and the column
 * and parameter names (valid until the statement is finalized).
 *
 * Crossings are few: one `statement.run` does what the C API does in several calls. Bindings
 * are kept here until the next step, which sends them; a reset of a statement that has
 * finished is done by that same run; a read-only query's rows come in batches (PREFETCH), and
 * with them the connection's counters (changes, last rowid, autocommit) and — when new — the
 * columns, which later calls read from here. A typical `execute` is one crossing.
 *
 * File names: a relative database path means the file relative to Python's working
 * directory (`os.getcwd()`), which the cap cannot see, so it is made absolute here before it
 * crosses. Both components resolve absolute paths against the same preopened directories.
 */
#define _DEFAULT_SOURCE /* usleep, strnlen, strdup, strcasecmp under -std=c11 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "sqlite3.h"
#include "sqlite_cap_import.h"

typedef pyforge_sqlite_sqlite_error_t cap_error;
typedef pyforge_sqlite_sqlite_value_t cap_value;
typedef sqlite_cap_import_string_t cap_string;

/* What a function and a collation registered on a connection have alike (each struct starts
 * with one): the cap's number for it, its name, the caller's pointer and its destructor. */
struct registration {
    struct registration *next;
    uint32_t id;
    char *name;
    int narg; /* a function's number of arguments (-1: any); 0 for a collation */
    void *arg;
    void (*destroy)(void *);
};

struct sqlite3 {
    pyforge_sqlite_sqlite_own_connection_t handle;
    bool open;    /* the cap's connection is open */
    bool closed;  /* sqlite3_close has been called */
    int refs;     /* the caller's reference until closed, plus one per statement, blob, backup */
    int errcode;  /* extended */
    char *errmsg; /* NULL: the standard text of errcode */
    /* the counters as the last run left them; valid until a call that may change them */
    bool counted;
    sqlite3_int64 changes, total_changes, last_rowid;
    bool autocommit;
    struct registration *functions; /* struct function: sqlite3_create_function_v2 and friends */
    int (*trace)(unsigned, void *, void *, void *); /* sqlite3_trace_v2 (SQLITE_TRACE_STMT) */
    void *trace_arg;
    int (*progress)(void *); /* sqlite3_progress_handler */
    void *progress_arg;
    int calling; /* calls being made of this connection's callbacks (SQLite's nested VMs) */
    int (*auth)(void *, int, const char *, const char *, const char *, const char *); /* the authorizer */
    void *auth_arg;
    struct registration *collations; /* struct collation: sqlite3_create_collation_v2 */
};

struct sqlite3_stmt {
    pyforge_sqlite_sqlite_own_statement_t handle;
    sqlite3 *db;
    /* column names and declared types: fetched once, renewed when a run reports new ones */
    bool have_columns;
    size_t ncolumns;
    char **names, **decltypes;
    /* parameter names, fetched once */
    bool have_params;
    size_t nparams;
    char **param_names;
    int readonly; /* sqlite3_stmt_readonly, once fetched; -1 before */
    /* the values bound since the last run, as `run` takes them (see bind): sent with the next */
    uint8_t *params;
    size_t params_len, params_room;
    size_t params_count; /* how many bindings `params` holds */
    uint32_t number; /* the cap's number for it (`run`), once asked; 0 before */
    /* the rows of the last run: nrows rows of width cells, the bytes of their text and blobs
     * in data; row next - 1 is the current row while has_row, its bytes at bytes[column] */
    pyforge_sqlite_sqlite_list_cell_t cells;
    sqlite_cap_import_list_u8_t data;
    size_t width, nrows, next, data_used;
    bool has_row;
    const uint8_t **bytes; /* room for bytes_room columns, kept from run to run */
    size_t bytes_room;
    sqlite_cap_import_list_u8_t *converted; /* per column of the current row when asked: its text + NUL */
    int end;          /* how the last run ended (RUN_END_*), reported once its rows are read; -1: no run */
    cap_error end_error;
    bool cap_on_row;  /* the cap's statement stays on a row (the last run ended "more") */
    bool cap_stepped; /* the cap's statement has stepped since its last reset */
    bool reset_due;   /* reset locally: the next run resets the cap's statement first */
    bool stepped;     /* stepped since the last reset (SQLite's statement is not "ready") */
    bool busy;        /* sqlite3_stmt_busy */
    bool failed;      /* the last step failed (until a reset): its code and message */
    int fail_code;
    char *fail_msg;
    pyforge_sqlite_sqlite_call_t call; /* the call that ended the last run (end is CALL) */
    struct aggregate *aggregates;       /* the state of the aggregates it computes */
    const char *traced;                 /* during its trace call: the text traced */
    pyforge_sqlite_sqlite_list_authorization_t ask; /* the calls that ended the last run (AUTHORIZE) */
    pyforge_sqlite_sqlite_collate_request_t collate; /* what ended the last run (COLLATE) */
};

/* callbacks (below) */
static pyforge_sqlite_sqlite_answer_t make_call(sqlite3_stmt *s, pyforge_sqlite_sqlite_call_t *call);
static bool answer_collate(sqlite3 *db, pyforge_sqlite_sqlite_collate_request_t *request,
                           pyforge_sqlite_sqlite_collate_answer_t *answer);
static void abandon_aggregates(sqlite3_stmt *s);

struct sqlite3_blob {
    pyforge_sqlite_sqlite_own_blob_t handle;
    sqlite3 *db;
    int size;
};

struct sqlite3_backup {
    pyforge_sqlite_sqlite_own_backup_t handle;
    sqlite3 *dest;
    int remaining, pagecount;
};

static pyforge_sqlite_sqlite_borrow_connection_t conn(sqlite3 *db) {
    return pyforge_sqlite_sqlite_borrow_connection(db->handle);
}

static pyforge_sqlite_sqlite_borrow_statement_t stmt_of(sqlite3_stmt *s) {
    return pyforge_sqlite_sqlite_borrow_statement(s->handle);
}

static cap_string str(const char *s) {
    cap_string out = {(uint8_t *)s, s ? strlen(s) : 0};
    return out;
}

/* Whether `s` is valid UTF-8. WIT strings must be: invalid bytes would trap the call, so they
 * are refused here with an error instead (CPython's SQL is always UTF-8; a file name from
 * bytes need not be). */
static bool utf8(const cap_string *s) {
    const uint8_t *p = s->ptr, *end = s->ptr + s->len;
    while (p < end) {
        uint8_t c = *p++;
        if (c < 0x80) {
            continue;
        }
        int n = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : 1;
        if (c < 0xc2 || c > 0xf4 || end - p < n) {
            return false;
        }
        uint8_t lo = 0x80, hi = 0xbf; /* the second byte's range: no overlongs, no surrogates */
        if (c == 0xe0) lo = 0xa0;
        if (c == 0xed) hi = 0x9f;
        if (c == 0xf0) lo = 0x90;
        if (c == 0xf4) hi = 0x8f;
        if (p[0] < lo || p[0] > hi) {
            return false;
        }
        for (int i = 1; i < n; i++) {
            if ((p[i] & 0xc0) != 0x80) {
                return false;
            }
        }
        p += n;
    }
    return true;
}

/* A malloc'd NUL-terminated copy of a string from the cap (NULL when out of memory). */
static char *cstring(const cap_string *s) {
    char *out = malloc(s->len + 1);
    if (out) {
        memcpy(out, s->ptr, s->len);
        out[s->len] = '\0';
    }
    return out;
}

static void set_error(sqlite3 *db, int code, char *msg) {
    free(db->errmsg);
    db->errcode = code;
    db->errmsg = msg;
}

/* Records a failed call's error on `db` and returns its primary code, as SQLite returns it. */
static int failed(sqlite3 *db, cap_error *err) {
    int code = err->code;
    set_error(db, code, cstring(&err->message));
    pyforge_sqlite_sqlite_error_free(err);
    return code & 0xff;
}

static int ok(sqlite3 *db) {
    set_error(db, SQLITE_OK, NULL);
    return SQLITE_OK;
}

static int not_utf8(sqlite3 *db, int code) {
    set_error(db, code, strdup("text passed to SQLite is not valid UTF-8 (the sqlite cap takes UTF-8 strings)"));
    return code;
}

/* Like SQLite's zombie connections: statements, blobs and backups may outlive the close. */
static void retain(sqlite3 *db) { db->refs++; }

/* Calls the caller's destructor, frees the registration. */
static void forget(struct registration *r) {
    if (r->destroy) {
        r->destroy(r->arg);
    }
    free(r->name);
    free(r);
}

static void forget_all(struct registration **list) {
    while (*list) {
        struct registration *r = *list;
        *list = r->next;
        forget(r);
    }
}

static struct registration *by_id(struct registration *r, uint32_t id) {
    while (r && r->id != id) {
        r = r->next;
    }
    return r;
}

/* Links `r` (its name and narg set), if any, into `list` in place of the registration with the
 * same name and narg, which is forgotten: SQLite calls a replaced registration's destructor. */
static void replace(struct registration **list, struct registration *r, const char *name, int narg) {
    for (struct registration **at = list; *at; at = &(*at)->next) {
        if ((*at)->narg == narg && strcasecmp((*at)->name, name) == 0) {
            struct registration *old = *at;
            *at = old->next;
            forget(old);
            break;
        }
    }
    if (r) {
        r->next = *list;
        *list = r;
    }
}

static void release(sqlite3 *db) {
    if (--db->refs == 0) {
        forget_all(&db->functions); /* as SQLite does when the connection really closes */
        forget_all(&db->collations);
        free(db->errmsg);
        free(db);
    }
}

/* ---- library ---------------------------------------------------------------------------- */

static char *lib_version;
static int lib_version_number;

static void load_version(void) {
    if (lib_version == NULL) {
        sqlite_cap_import_tuple2_string_s32_t v;
        pyforge_sqlite_sqlite_version(&v);
        lib_version = cstring(&v.f0);
        lib_version_number = v.f1;
        sqlite_cap_import_tuple2_string_s32_free(&v);
    }
}

const char *sqlite3_libversion(void) {
    load_version();
    return lib_version ? lib_version : "";
}

int sqlite3_libversion_number(void) {
    load_version();
    return lib_version_number;
}

int sqlite3_threadsafe(void) { return pyforge_sqlite_sqlite_threadsafe(); }

/* SQLite initializes itself inside the cap on first use, and lives as long as the cap. */
int sqlite3_initialize(void) { return SQLITE_OK; }
int sqlite3_shutdown(void) { return SQLITE_OK; }

int sqlite3_complete(const char *sql) {
    cap_string s = str(sql);
    return utf8(&s) && pyforge_sqlite_sqlite_complete(&s);
}

/* sqlite3_errstr's texts are static in SQLite; here each one is fetched once and kept. */
struct errstr {
    int code;
    char *text;
    struct errstr *next;
};
static struct errstr *errstrs;

const char *sqlite3_errstr(int code) {
    for (struct errstr *e = errstrs; e; e = e->next) {
        if (e->code == code) {
            return e->text;
        }
    }
    cap_string s;
    pyforge_sqlite_sqlite_errstr(code, &s);
    struct errstr *e = malloc(sizeof *e);
    char *text = cstring(&s);
    sqlite_cap_import_string_free(&s);
    if (e == NULL || text == NULL) {
        free(e);
        free(text);
        return "out of memory";
    }
    *e = (struct errstr){code, text, errstrs};
    errstrs = e;
    return text;
}

int sqlite3_sleep(int ms) {
    usleep((useconds_t)ms * 1000);
    return ms;
}

int sqlite3_stricmp(const char *a, const char *b) { return strcasecmp(a, b); }
void *sqlite3_malloc64(sqlite3_uint64 n) { return malloc((size_t)n); }
void sqlite3_free(void *p) { free(p); }

/* ---- connections -------------------------------------------------------------------------- */

/* `filename` with a relative path made absolute against Python's working directory (see the
 * top of this file), or NULL when it needs no change. Names SQLite gives a meaning of its own
 * (":memory:", "" for a temporary database, URIs without a relative path) are left alone. */
static char *absolute(const char *filename, int flags) {
    const char *path = filename, *prefix = "";
    if ((flags & SQLITE_OPEN_URI) && strncmp(filename, "file:", 5) == 0) {
        path = filename + 5;
        prefix = "file:";
        if (path[0] == '\0' || path[0] == '?' || path[0] == '#' || strncmp(path, ":memory:", 8) == 0) {
            return NULL;
        }
    }
    if (path[0] == '/' || path[0] == '\0' || strcmp(path, ":memory:") == 0) {
        return NULL;
    }
    char cwd[4096];
    if (getcwd(cwd, sizeof cwd) == NULL || strcmp(cwd, "/") == 0) {
        return NULL;
    }
    size_t n = strlen(prefix) + strlen(cwd) + 1 + strlen(path) + 1;
    char *out = malloc(n);
    if (out) {
        strcpy(out, prefix);
        strcat(out, cwd);
        strcat(out, "/");
        strcat(out, path);
    }
    return out;
}

int sqlite3_open_v2(const char *filename, sqlite3 **out, int flags, const char *vfs) {
    (void)vfs; /* the cap's default VFS */
    sqlite3 *db = calloc(1, sizeof *db);
    *out = db;
    if (db == NULL) {
        return SQLITE_NOMEM;
    }
    db->refs = 1;
    char *abs = absolute(filename, flags);
    cap_string name = str(abs ? abs : filename);
    if (!utf8(&name)) {
        free(abs);
        return not_utf8(db, SQLITE_CANTOPEN);
    }
    cap_error err;
    bool opened = pyforge_sqlite_sqlite_static_connection_open(&name, flags, &db->handle, &err);
    free(abs);
    if (!opened) {
        return failed(db, &err);
    }
    db->open = true;
    return ok(db);
}

int sqlite3_close_v2(sqlite3 *db) {
    if (db == NULL || db->closed) {
        return SQLITE_OK;
    }
    if (db->open) {
        cap_error err;
        db->counted = false;
        if (!pyforge_sqlite_sqlite_method_connection_close(conn(db), &err)) {
            return failed(db, &err);
        }
        pyforge_sqlite_sqlite_connection_drop_own(db->handle);
        db->open = false;
    }
    db->closed = true;
    release(db);
    return SQLITE_OK;
}

int sqlite3_close(sqlite3 *db) { return sqlite3_close_v2(db); }

int sqlite3_errcode(sqlite3 *db) { return db ? db->errcode & 0xff : SQLITE_NOMEM; }
int sqlite3_extended_errcode(sqlite3 *db) { return db ? db->errcode : SQLITE_NOMEM; }

const char *sqlite3_errmsg(sqlite3 *db) {
    if (db == NULL) {
        return sqlite3_errstr(SQLITE_NOMEM);
    }
    return db->errmsg ? db->errmsg : sqlite3_errstr(db->errcode);
}

static int closed(sqlite3 *db) {
    set_error(db, SQLITE_MISUSE, NULL);
    return SQLITE_MISUSE;
}

/* Statement by statement through prepare and step (not the cap's `exec`), so that what SQLite
 * calls back — a trace, the progress handler, a user function — is called here too. */
int sqlite3_exec(sqlite3 *db, const char *sql, int (*callback)(void *, int, char **, char **), void *arg,
                 char **errmsg) {
    (void)arg;
    if (callback != NULL) {
        return SQLITE_MISUSE; /* rows would need a callback into the caller */
    }
    if (errmsg) {
        *errmsg = NULL;
    }
    int rc = SQLITE_OK;
    while (rc == SQLITE_OK && sql && *sql) {
        sqlite3_stmt *st = NULL;
        rc = sqlite3_prepare_v2(db, sql, -1, &st, &sql);
        if (rc != SQLITE_OK || st == NULL) {
            break;
        }
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        }
        int frc = sqlite3_finalize(st); /* leaves the step's error on the connection */
        rc = rc == SQLITE_DONE ? frc : rc;
    }
    if (rc != SQLITE_OK && errmsg) {
        *errmsg = strdup(sqlite3_errmsg(db));
    }
    return rc;
}

int sqlite3_changes(sqlite3 *db) {
    if (!db->open) {
        return 0;
    }
    return (int)(db->counted ? db->changes : pyforge_sqlite_sqlite_method_connection_changes(conn(db)));
}

int sqlite3_total_changes(sqlite3 *db) {
    if (!db->open) {
        return 0;
    }
    return (int)(db->counted ? db->total_changes : pyforge_sqlite_sqlite_method_connection_total_changes(conn(db)));
}

sqlite3_int64 sqlite3_last_insert_rowid(sqlite3 *db) {
    if (!db->open) {
        return 0;
    }
    return db->counted ? db->last_rowid : pyforge_sqlite_sqlite_method_connection_last_insert_rowid(conn(db));
}

int sqlite3_get_autocommit(sqlite3 *db) {
    if (!db->open) {
        return 1;
    }
    return db->counted ? db->autocommit : pyforge_sqlite_sqlite_method_connection_autocommit(conn(db));
}

int sqlite3_busy_timeout(sqlite3 *db, int ms) {
    if (!db->open) {
        return closed(db);
    }
    cap_error err;
    if (!pyforge_sqlite_sqlite_method_connection_busy_timeout(conn(db), ms, &err)) {
        return failed(db, &err);
    }
    return SQLITE_OK;
}

int sqlite3_limit(sqlite3 *db, int id, int new_value) {
    return db->open ? pyforge_sqlite_sqlite_method_connection_limit(conn(db), id, new_value) : -1;
}

/* The on/off options: (int value, int *state). `_sqlite3` uses no other kind. */
int sqlite3_db_config(sqlite3 *db, int op, ...) {
    va_list ap;
    va_start(ap, op);
    int value = va_arg(ap, int);
    int *state = va_arg(ap, int *);
    va_end(ap);
    if (!db->open) {
        return closed(db);
    }
    bool on;
    cap_error err;
    if (!pyforge_sqlite_sqlite_method_connection_db_config(conn(db), op, value, &on, &err)) {
        return failed(db, &err);
    }
    if (state) {
        *state = on;
    }
    return SQLITE_OK;
}

void sqlite3_interrupt(sqlite3 *db) {
    if (db->open) {
        pyforge_sqlite_sqlite_method_connection_interrupt(conn(db));
    }
}

unsigned char *sqlite3_serialize(sqlite3 *db, const char *schema, sqlite3_int64 *size, unsigned int flags) {
    if (!db->open || (flags & SQLITE_SERIALIZE_NOCOPY)) {
        return NULL; /* the database's own memory is in the cap: only copies cross */
    }
    cap_string s = str(schema ? schema : "main");
    sqlite_cap_import_list_u8_t data;
    if (!utf8(&s) || !pyforge_sqlite_sqlite_method_connection_serialize(conn(db), &s, &data)) {
        return NULL;
    }
    if (data.ptr == NULL) {
        data.ptr = malloc(1); /* an empty database is still a result */
    }
    if (size) {
        *size = (sqlite3_int64)data.len;
    }
    return data.ptr;
}

int sqlite3_deserialize(sqlite3 *db, const char *schema, unsigned char *data, sqlite3_int64 size,
                        sqlite3_int64 buffer_size, unsigned int flags) {
    (void)buffer_size;
    int rc;
    if (!db->open) {
        rc = closed(db);
    } else {
        cap_string s = str(schema ? schema : "main");
        sqlite_cap_import_list_u8_t bytes = {data, (size_t)size};
        cap_error err;
        db->counted = false;
        /* the cap keeps its own copy (resizeable, freed on close) */
        rc = !utf8(&s) ? not_utf8(db, SQLITE_MISUSE)
             : pyforge_sqlite_sqlite_method_connection_deserialize(conn(db), &s, &bytes, &err) ? ok(db)
                                                                                               : failed(db, &err);
    }
    if (flags & SQLITE_DESERIALIZE_FREEONCLOSE) {
        free(data);
    }
    return rc;
}

/* ---- statements --------------------------------------------------------------------------- */

static void free_strings(char **v, size_t n) {
    if (v) {
        for (size_t i = 0; i < n; i++) {
            free(v[i]);
        }
        free(v);
    }
}

/* Rows asked of a read-only query per run (the cap may send fewer: about 1 MiB at most). */
#define PREFETCH 256

static void drop_converted(sqlite3_stmt *s) {
    if (s->converted) {
        for (size_t i = 0; i < s->width; i++) {
            free(s->converted[i].ptr); /* our own malloc'd copies (column_bytes_of) */
        }
        free(s->converted);
        s->converted = NULL;
    }
}

/* Forgets the current row, and the rest of the batch with it when `all`. */
static void drop_rows(sqlite3_stmt *s, bool all) {
    drop_converted(s);
    s->has_row = false;
    if (all || s->next >= s->nrows) {
        pyforge_sqlite_sqlite_list_cell_free(&s->cells);
        sqlite_cap_import_list_u8_free(&s->data);
        s->cells = (pyforge_sqlite_sqlite_list_cell_t){NULL, 0};
        s->data = (sqlite_cap_import_list_u8_t){NULL, 0};
        s->width = s->nrows = s->next = s->data_used = 0;
    }
    if (all && s->end == PYFORGE_SQLITE_SQLITE_RUN_END_FAILED) {
        pyforge_sqlite_sqlite_error_free(&s->end_error);
    }
    if (all && s->end == PYFORGE_SQLITE_SQLITE_RUN_END_CALL) {
        pyforge_sqlite_sqlite_call_free(&s->call);
    }
    if (all && s->end == PYFORGE_SQLITE_SQLITE_RUN_END_AUTHORIZE) {
        pyforge_sqlite_sqlite_list_authorization_free(&s->ask);
    }
    if (all && s->end == PYFORGE_SQLITE_SQLITE_RUN_END_COLLATE) {
        pyforge_sqlite_sqlite_collate_request_free(&s->collate);
    }
    if (all) {
        s->end = -1;
    }
}

static void drop_columns(sqlite3_stmt *s) {
    if (s->have_columns) {
        free_strings(s->names, s->ncolumns);
        free_strings(s->decltypes, s->ncolumns);
        s->names = s->decltypes = NULL;
        s->have_columns = false;
    }
}

/* Takes the columns the cap sent (freeing `cols`); false when out of memory. */
static bool take_columns(sqlite3_stmt *s, pyforge_sqlite_sqlite_list_column_t *cols) {
    drop_columns(s);
    size_t n = cols->len ? cols->len : 1;
    s->names = calloc(n, sizeof(char *));
    s->decltypes = calloc(n, sizeof(char *));
    bool ok = s->names != NULL && s->decltypes != NULL;
    if (ok) {
        for (size_t i = 0; i < cols->len; i++) {
            s->names[i] = cstring(&cols->ptr[i].name);
            s->decltypes[i] = cols->ptr[i].decltype_.is_some ? cstring(&cols->ptr[i].decltype_.val) : NULL;
        }
        s->ncolumns = cols->len;
        s->have_columns = true;
    } else {
        free(s->names);
        free(s->decltypes);
        s->names = s->decltypes = NULL;
    }
    pyforge_sqlite_sqlite_list_column_free(cols);
    return ok;
}


/* ---- the authorizer ----------------------------------------------------------------------
 *
 * SQLite calls it while it prepares a statement, where the cap cannot suspend; so the cap
 * prepares with the answers given so far and says which calls it still needs answered; they
 * are made here (CPython's own authorizer callback), and the statement prepared again, until
 * every call it makes has its answer. Each distinct call is made once per prepare. */

static char *opt_cstring(sqlite_cap_import_option_string_t *o) { return o->is_some ? cstring(&o->val) : NULL; }

/* Asks the authorizer each call of `ask` (which it frees), adding the answers to `answers`
 * (`room` entries allocated). False when out of memory (set on the connection; `answers` freed). */
static bool answer_authorizer(sqlite3 *db, pyforge_sqlite_sqlite_list_authorization_t *ask,
                              pyforge_sqlite_sqlite_list_tuple2_authorization_s32_t *answers, size_t *room) {
    if (answers->len + ask->len > *room) {
        size_t more = (answers->len + ask->len) * 2;
        pyforge_sqlite_sqlite_tuple2_authorization_s32_t *p = realloc(answers->ptr, more * sizeof *p);
        if (p == NULL) {
            pyforge_sqlite_sqlite_list_authorization_free(ask);
            pyforge_sqlite_sqlite_list_tuple2_authorization_s32_free(answers);
            set_error(db, SQLITE_NOMEM, NULL);
            return false;
        }
        answers->ptr = p;
        *room = more;
    }
    for (size_t i = 0; i < ask->len; i++) {
        pyforge_sqlite_sqlite_authorization_t *a = &ask->ptr[i];
        int answer = SQLITE_DENY; /* no authorizer (any more): what the cap gave meanwhile */
        if (db->auth) {
            char *a1 = opt_cstring(&a->arg1), *a2 = opt_cstring(&a->arg2), *a3 = opt_cstring(&a->schema),
                 *a4 = opt_cstring(&a->source);
            db->calling++;
            answer = db->auth(db->auth_arg, a->action, a1, a2, a3, a4);
            db->calling--;
            free(a1), free(a2), free(a3), free(a4);
        }
        answers->ptr[answers->len++] = (pyforge_sqlite_sqlite_tuple2_authorization_s32_t){*a, answer};
    }
    free(ask->ptr); /* its entries are in `answers` now */
    return true;
}

static int prepare_authorized(sqlite3 *db, cap_string *sql, pyforge_sqlite_sqlite_prepared_t *out) {
    pyforge_sqlite_sqlite_list_tuple2_authorization_s32_t answers = {NULL, 0};
    size_t room = 0;
    for (;;) {
        pyforge_sqlite_sqlite_authorized_t r;
        cap_error err;
        if (!pyforge_sqlite_sqlite_method_connection_prepare_authorized(conn(db), sql, &answers, &r, &err)) {
            pyforge_sqlite_sqlite_list_tuple2_authorization_s32_free(&answers);
            return failed(db, &err);
        }
        if (r.tag == PYFORGE_SQLITE_SQLITE_AUTHORIZED_PREPARED) {
            pyforge_sqlite_sqlite_list_tuple2_authorization_s32_free(&answers);
            *out = r.val.prepared;
            return SQLITE_OK;
        }
        if (!answer_authorizer(db, &r.val.ask, &answers, &room)) {
            return SQLITE_NOMEM;
        }
    }
}

int sqlite3_set_authorizer(sqlite3 *db,
                           int (*auth)(void *, int, const char *, const char *, const char *, const char *),
                           void *arg) {
    db->auth = auth;
    db->auth_arg = auth ? arg : NULL;
    if (db->open) {
        pyforge_sqlite_sqlite_method_connection_set_authorizer(conn(db), auth != NULL);
    }
    return SQLITE_OK;
}

int sqlite3_prepare_v2(sqlite3 *db, const char *sql, int nbyte, sqlite3_stmt **out, const char **tail) {
    *out = NULL;
    if (!db->open) {
        return closed(db);
    }
    size_t len = nbyte < 0 ? strlen(sql) : strnlen(sql, (size_t)nbyte);
    cap_string s = {(uint8_t *)sql, len};
    if (!utf8(&s)) {
        return not_utf8(db, SQLITE_MISUSE);
    }
    pyforge_sqlite_sqlite_prepared_t prepared;
    cap_error err;
    if (db->auth) {
        int rc = prepare_authorized(db, &s, &prepared);
        if (rc != SQLITE_OK) {
            return rc;
        }
    } else if (!pyforge_sqlite_sqlite_method_connection_prepare(conn(db), &s, &prepared, &err)) {
        return failed(db, &err);
    }
    if (tail) {
        *tail = sql + prepared.used;
    }
    if (prepared.statement.is_some) {
        sqlite3_stmt *st = calloc(1, sizeof *st);
        if (st == NULL) {
            pyforge_sqlite_sqlite_statement_drop_own(prepared.statement.val);
            set_error(db, SQLITE_NOMEM, NULL);
            return SQLITE_NOMEM;
        }
        st->handle = prepared.statement.val;
        st->db = db;
        st->readonly = -1;
        st->end = -1;
        retain(db);
        *out = st;
    }
    return ok(db);
}

int sqlite3_finalize(sqlite3_stmt *s) {
    if (s == NULL) {
        return SQLITE_OK;
    }
    /* As in SQLite, finalizing leaves the connection's error as the statement's last step
     * left it: the failure, or none. */
    int rc = SQLITE_OK;
    if (s->failed) {
        set_error(s->db, s->fail_code, s->fail_msg);
        s->fail_msg = NULL;
        rc = s->fail_code & 0xff;
    } else {
        ok(s->db);
        free(s->fail_msg);
    }
    abandon_aggregates(s);
    drop_rows(s, true);
    free(s->bytes);
    drop_columns(s);
    free(s->params);
    free_strings(s->param_names, s->nparams);
    s->db->counted = false; /* finalizing a statement that had not finished can roll it back */
    pyforge_sqlite_sqlite_statement_drop_own(s->handle);
    release(s->db);
    free(s);
    return rc;
}

/* The step's outcome from what the last run sent: the next row, else how the run ended;
 * -1 when nothing is left (the next run is due). */
static int serve(sqlite3_stmt *s) {
    drop_rows(s, false);
    if (s->next < s->nrows) {
        /* where the row's text and blobs are in `data` (bounded by it, whatever the cap sent) */
        pyforge_sqlite_sqlite_cell_t *row = &s->cells.ptr[s->next * s->width];
        for (size_t i = 0; i < s->width; i++) {
            size_t n = row[i].tag == PYFORGE_SQLITE_SQLITE_CELL_TEXT   ? (size_t)row[i].val.text + 1
                       : row[i].tag == PYFORGE_SQLITE_SQLITE_CELL_BLOB ? (size_t)row[i].val.blob
                                                                        : 0;
            bool in = n <= s->data.len - s->data_used;
            s->bytes[i] = n && in ? s->data.ptr + s->data_used : NULL;
            s->data_used += in ? n : 0;
        }
        s->next++;
        s->has_row = true;
        s->busy = true;
        set_error(s->db, SQLITE_ROW, NULL);
        return SQLITE_ROW;
    }
    int end = s->end;
    s->end = -1;
    if (end == PYFORGE_SQLITE_SQLITE_RUN_END_DONE || end == PYFORGE_SQLITE_SQLITE_RUN_END_FAILED) {
        /* SQLite released the aggregates not finalized yet when the statement halted: their
         * final calls are made now, inside this step, as there (before the caller reads an
         * error). */
        abandon_aggregates(s);
    }
    if (end == PYFORGE_SQLITE_SQLITE_RUN_END_DONE) {
        s->busy = false;
        set_error(s->db, SQLITE_DONE, NULL);
        return SQLITE_DONE;
    }
    if (end == PYFORGE_SQLITE_SQLITE_RUN_END_FAILED) {
        s->busy = false;
        s->failed = true;
        s->fail_code = s->end_error.code;
        free(s->fail_msg);
        s->fail_msg = cstring(&s->end_error.message);
        return failed(s->db, &s->end_error);
    }
    if (end == PYFORGE_SQLITE_SQLITE_RUN_END_CALL) {
        s->end = end; /* the call is made by the step, which resumes */
        return -2;
    }
    if (end == PYFORGE_SQLITE_SQLITE_RUN_END_AUTHORIZE) {
        s->end = end; /* the authorizer is asked by the step, which steps again */
        return -3;
    }
    if (end == PYFORGE_SQLITE_SQLITE_RUN_END_COLLATE) {
        s->end = end; /* the collations compare in the step, which runs the statement again */
        return -4;
    }
    return -1;
}

/* Takes what a run (or resume) sent: its rows, how it ended, the connection's counters and
 * new columns. SQLITE_OK, or the error (set on the connection). */
static int take_run(sqlite3_stmt *s, pyforge_sqlite_sqlite_run_result_t *r) {
    sqlite3 *db = s->db;
    db->counted = true;
    db->changes = r->changes;
    db->total_changes = r->total_changes;
    db->last_rowid = r->last_insert_rowid;
    db->autocommit = r->autocommit;
    if (r->columns.is_some && !take_columns(s, &r->columns.val)) {
        s->have_columns = false; /* fetched again when asked */
    }
    if (r->rows.is_some) {
        s->cells = r->rows.val.cells;
        s->data = r->rows.val.data;
        s->width = r->rows.val.width;
        s->nrows = s->width ? s->cells.len / s->width : 0;
    } else { /* (the last rows were dropped before the run: serve) */
        s->width = s->nrows = 0;
    }
    s->next = s->data_used = 0;
    bool room = s->width <= s->bytes_room;
    if (!room) {
        const uint8_t **more = realloc(s->bytes, s->width * sizeof *s->bytes);
        if (more != NULL) {
            s->bytes = more;
            s->bytes_room = s->width;
            room = true;
        }
    }
    s->end = r->end.tag;
    if (r->end.tag == PYFORGE_SQLITE_SQLITE_RUN_END_FAILED) {
        s->end_error = r->end.val.failed;
    }
    if (r->end.tag == PYFORGE_SQLITE_SQLITE_RUN_END_CALL) {
        s->call = r->end.val.call;
    }
    if (r->end.tag == PYFORGE_SQLITE_SQLITE_RUN_END_AUTHORIZE) {
        s->ask = r->end.val.authorize;
    }
    if (r->end.tag == PYFORGE_SQLITE_SQLITE_RUN_END_COLLATE) {
        s->collate = r->end.val.collate;
    }
    /* the cap's statement holds a row, or waits in a call: either way it is mid-way */
    s->cap_on_row = r->end.tag == PYFORGE_SQLITE_SQLITE_RUN_END_MORE || r->end.tag == PYFORGE_SQLITE_SQLITE_RUN_END_CALL ||
                    r->end.tag == PYFORGE_SQLITE_SQLITE_RUN_END_COLLATE;
    if (!room || (r->end.tag == PYFORGE_SQLITE_SQLITE_RUN_END_MORE && s->nrows == 0)) { /* out of memory; or a row not sent */
        drop_rows(s, true);
        if (!room) {
            set_error(db, SQLITE_NOMEM, NULL);
            return SQLITE_NOMEM;
        }
        set_error(db, SQLITE_ERROR, strdup("the sqlite cap ended a run on a row it did not send"));
        return SQLITE_ERROR;
    }
    return SQLITE_OK;
}

int sqlite3_step(sqlite3_stmt *s) {
    if (s == NULL) {
        return SQLITE_MISUSE;
    }
    s->stepped = true;
    int rc = serve(s);
    if (rc == -1) {
        /* One crossing: the pending reset, the bindings made since the last run, the steps. The
         * statement goes by its number: a plain number costs nothing to pass, a borrowed handle
         * is tracked by the host for the call. */
        if (s->number == 0) {
            s->number = pyforge_sqlite_sqlite_method_statement_number(stmt_of(s));
        }
        sqlite_cap_import_list_u8_t params = {s->params, s->params_len};
        pyforge_sqlite_sqlite_run_result_t r;
        cap_error err;
        bool ran = pyforge_sqlite_sqlite_run(s->number, s->reset_due, &params, PREFETCH, &r, &err);
        s->params_len = s->params_count = 0; /* the cap has them now (or refused one: then SQLite kept those before) */
        s->reset_due = false;
        s->cap_stepped = true;
        if (!ran) { /* a binding failed: nothing was stepped */
            s->stepped = false;
            return failed(s->db, &err);
        }
        if ((rc = take_run(s, &r)) != SQLITE_OK) {
            return rc;
        }
        rc = serve(s);
    }
    /* SQLite called a function registered here: call it, resume with its outcome; or it asked the
     * authorizer while preparing the statement again: ask, step again; or a collation met pairs
     * it had no answer for: compare them, run the statement again. */
    while (rc == -2 || rc == -3 || rc == -4) {
        pyforge_sqlite_sqlite_run_result_t r;
        cap_error err;
        bool ran;
        if (rc == -4) {
            pyforge_sqlite_sqlite_collate_request_t request = s->collate;
            s->end = -1; /* the request is this loop's now */
            pyforge_sqlite_sqlite_collate_answer_t answer;
            bool answered = answer_collate(s->db, &request, &answer);
            pyforge_sqlite_sqlite_collate_request_free(&request);
            if (!answered) {
                set_error(s->db, SQLITE_NOMEM, NULL);
                return SQLITE_NOMEM;
            }
            ran = pyforge_sqlite_sqlite_method_statement_collated(stmt_of(s), &answer, PREFETCH, &r, &err);
            pyforge_sqlite_sqlite_collate_answer_free(&answer);
        } else if (rc == -3) {
            pyforge_sqlite_sqlite_list_authorization_t ask = s->ask;
            s->end = -1; /* the calls are this loop's now */
            pyforge_sqlite_sqlite_list_tuple2_authorization_s32_t answers = {NULL, 0};
            size_t room = 0;
            if (!answer_authorizer(s->db, &ask, &answers, &room)) {
                return SQLITE_NOMEM;
            }
            ran = pyforge_sqlite_sqlite_method_statement_authorize(stmt_of(s), &answers, PREFETCH, &r, &err);
            pyforge_sqlite_sqlite_list_tuple2_authorization_s32_free(&answers);
        } else {
            pyforge_sqlite_sqlite_call_t call = s->call;
            s->end = -1; /* the call is this loop's now */
            pyforge_sqlite_sqlite_answer_t answer = make_call(s, &call);
            pyforge_sqlite_sqlite_call_free(&call);
            ran = pyforge_sqlite_sqlite_method_statement_resume(stmt_of(s), &answer, PREFETCH, &r, &err);
            pyforge_sqlite_sqlite_answer_free(&answer);
        }
        if (!ran) {
            return failed(s->db, &err);
        }
        if ((rc = take_run(s, &r)) != SQLITE_OK) {
            return rc;
        }
        rc = serve(s);
    }
    return rc;
}

int sqlite3_reset(sqlite3_stmt *s) {
    if (s == NULL) {
        return SQLITE_OK;
    }
    abandon_aggregates(s);
    drop_rows(s, true);
    s->busy = false;
    s->stepped = false;
    if (s->cap_on_row) {
        /* the cap's statement holds a row (and so its read cursor and locks): reset it now */
        s->cap_on_row = false;
        s->cap_stepped = false;
        s->reset_due = false;
        cap_error err;
        if (!pyforge_sqlite_sqlite_method_statement_reset(stmt_of(s), &err)) {
            pyforge_sqlite_sqlite_error_free(&err); /* its last step gave a row: no error to report */
        }
    } else if (s->cap_stepped) {
        s->reset_due = true; /* it has finished: the next run resets it */
    }
    if (s->failed) {
        s->failed = false;
        int code = s->fail_code;
        set_error(s->db, code, s->fail_msg);
        s->fail_msg = NULL;
        return code & 0xff;
    }
    return ok(s->db);
}

sqlite3 *sqlite3_db_handle(sqlite3_stmt *s) { return s ? s->db : NULL; }

int sqlite3_stmt_readonly(sqlite3_stmt *s) {
    if (s == NULL) {
        return 1;
    }
    if (s->readonly < 0) {
        s->readonly = pyforge_sqlite_sqlite_method_statement_readonly(stmt_of(s));
    }
    return s->readonly;
}

int sqlite3_stmt_busy(sqlite3_stmt *s) { return s ? s->busy : 0; }

char *sqlite3_expanded_sql(sqlite3_stmt *s) {
    if (s && s->traced && s->db->calling > 1) {
        /* Traced while another statement's callback runs: SQLite (its VM then nested) gives the
         * raw text, each line after "-- " (sqlite3VdbeExpandSql). */
        size_t n = strlen(s->traced), lines = 1;
        for (size_t i = 0; i < n; i++) {
            lines += s->traced[i] == '\n' && s->traced[i + 1];
        }
        char *out = malloc(n + 3 * lines + 1), *o = out;
        for (const char *p = s->traced; out && *p;) {
            memcpy(o, "-- ", 3);
            o += 3;
            do {
                *o++ = *p;
            } while (*p++ != '\n' && *p);
        }
        if (out) {
            *o = 0;
        }
        return out;
    }
    cap_string out;
    if (s == NULL || !pyforge_sqlite_sqlite_method_statement_expanded_sql(stmt_of(s), &out)) {
        return NULL;
    }
    char *text = cstring(&out);
    sqlite_cap_import_string_free(&out);
    return text;
}

static bool load_params(sqlite3_stmt *s) {
    if (s == NULL) {
        return false;
    }
    if (!s->have_params) {
        sqlite_cap_import_list_option_string_t names;
        pyforge_sqlite_sqlite_method_statement_parameters(stmt_of(s), &names);
        size_t n = names.len ? names.len : 1;
        s->param_names = calloc(n, sizeof(char *));
        if (s->param_names == NULL) {
            sqlite_cap_import_list_option_string_free(&names);
            return false;
        }
        for (size_t i = 0; i < names.len; i++) {
            s->param_names[i] = names.ptr[i].is_some ? cstring(&names.ptr[i].val) : NULL;
        }
        s->nparams = names.len;
        s->have_params = true;
        sqlite_cap_import_list_option_string_free(&names);
    }
    return true;
}

int sqlite3_bind_parameter_count(sqlite3_stmt *s) { return load_params(s) ? (int)s->nparams : 0; }

const char *sqlite3_bind_parameter_name(sqlite3_stmt *s, int index) {
    if (!load_params(s) || index < 1 || (size_t)index > s->nparams) {
        return NULL;
    }
    return s->param_names[index - 1];
}

/* A binding is checked as SQLite checks it (the statement must be ready, the index in range)
 * and appended to the statement's `params` as the cap's `run` takes them: the index (u32), a
 * type byte, the value (8 bytes; or for text and blobs a u32 length and the bytes), little-endian
 * as wasm32 itself is, so values are copied as they are. The next step sends them. */
enum { PARAM_NULL, PARAM_INTEGER, PARAM_REAL, PARAM_TEXT, PARAM_BLOB };

static bool sized(uint8_t type) { return type == PARAM_TEXT || type == PARAM_BLOB; }

/* The size of a binding of `type` whose value takes `n` bytes (8 for numbers, 0 for null). */
static size_t entry_size(uint8_t type, size_t n) { return 5 + (sized(type) ? 4 : 0) + n; }

/* The size of the binding at `p` in `params` (written by bind, so well-formed). */
static size_t param_size(const uint8_t *p) {
    uint32_t len = 0;
    if (sized(p[4])) {
        memcpy(&len, p + 5, 4);
    }
    return entry_size(p[4], sized(p[4]) ? len : p[4] == PARAM_NULL ? 0 : 8);
}

/* Keeps only the last binding of each index in `params`. The cap binds them in order, so the
 * later of two bindings of an index wins there as in SQLite, and dropping the earlier changes
 * nothing — but a caller that binds again and again without stepping would otherwise grow
 * `params` without bound. false when out of memory (then `params` is as it was). */
static bool compact_params(sqlite3_stmt *s) {
    size_t *last = calloc(s->nparams + 1, sizeof *last); /* per index: its last binding's offset + 1 */
    if (last == NULL) {
        return false;
    }
    uint32_t index;
    for (size_t at = 0; at < s->params_len; at += param_size(s->params + at)) {
        memcpy(&index, s->params + at, 4);
        last[index] = at + 1;
    }
    size_t out = 0, count = 0;
    for (size_t at = 0; at < s->params_len;) {
        size_t size = param_size(s->params + at);
        memcpy(&index, s->params + at, 4);
        if (last[index] == at + 1) {
            memmove(s->params + out, s->params + at, size);
            out += size;
            count++;
        }
        at += size;
    }
    free(last);
    s->params_len = out;
    s->params_count = count;
    return true;
}

static int bind(sqlite3_stmt *s, int index, uint8_t type, const void *value, size_t n) {
    if (s == NULL) {
        return SQLITE_MISUSE;
    }
    if (s->stepped) { /* SQLite: only a reset (or new) statement takes bindings */
        set_error(s->db, SQLITE_MISUSE, NULL);
        return SQLITE_MISUSE;
    }
    if (!load_params(s)) {
        set_error(s->db, SQLITE_NOMEM, NULL);
        return SQLITE_NOMEM;
    }
    if (index < 1 || (size_t)index > s->nparams) {
        set_error(s->db, SQLITE_RANGE, NULL);
        return SQLITE_RANGE;
    }
    if (s->params_count >= 2 * s->nparams + 8 && !compact_params(s)) { /* (rebinding, not stepping) */
        set_error(s->db, SQLITE_NOMEM, NULL);
        return SQLITE_NOMEM;
    }
    if (n > UINT32_MAX - 9 || s->params_len > SIZE_MAX - 9 - n) {
        set_error(s->db, SQLITE_TOOBIG, NULL);
        return SQLITE_TOOBIG;
    }
    size_t need = s->params_len + entry_size(type, n);
    if (need > s->params_room) {
        size_t room = need > 2 * s->params_room ? need : 2 * s->params_room;
        uint8_t *grown = realloc(s->params, room < 64 ? 64 : room);
        if (grown == NULL) {
            set_error(s->db, SQLITE_NOMEM, NULL);
            return SQLITE_NOMEM;
        }
        s->params = grown;
        s->params_room = room < 64 ? 64 : room;
    }
    uint8_t *p = s->params + s->params_len;
    uint32_t i = (uint32_t)index, len = (uint32_t)n;
    memcpy(p, &i, 4);
    p[4] = type;
    p += 5;
    if (sized(type)) {
        memcpy(p, &len, 4);
        p += 4;
    }
    if (n) {
        memcpy(p, value, n);
    }
    s->params_len = need;
    s->params_count++;
    return ok(s->db);
}

int sqlite3_bind_null(sqlite3_stmt *s, int index) { return bind(s, index, PARAM_NULL, NULL, 0); }

int sqlite3_bind_int64(sqlite3_stmt *s, int index, sqlite3_int64 value) {
    return bind(s, index, PARAM_INTEGER, &value, sizeof value);
}

int sqlite3_bind_double(sqlite3_stmt *s, int index, double value) {
    return bind(s, index, PARAM_REAL, &value, sizeof value);
}

/* The bytes are copied at once, so SQLITE_STATIC and SQLITE_TRANSIENT are alike; other
 * destructors are called here, as SQLite would once done with the value. */
int sqlite3_bind_text(sqlite3_stmt *s, int index, const char *text, int n, sqlite3_destructor_type d) {
    if (text == NULL) {
        return sqlite3_bind_null(s, index);
    }
    int rc = bind(s, index, PARAM_TEXT, text, n < 0 ? strlen(text) : (size_t)n);
    if (d != SQLITE_STATIC && d != SQLITE_TRANSIENT) {
        d((void *)text);
    }
    return rc;
}

int sqlite3_bind_blob(sqlite3_stmt *s, int index, const void *data, int n, sqlite3_destructor_type d) {
    if (data == NULL) {
        return sqlite3_bind_null(s, index);
    }
    int rc = bind(s, index, PARAM_BLOB, data, n < 0 ? 0 : (size_t)n);
    if (d != SQLITE_STATIC && d != SQLITE_TRANSIENT) {
        d((void *)data);
    }
    return rc;
}

static bool load_columns(sqlite3_stmt *s) {
    if (s == NULL) {
        return false;
    }
    if (!s->have_columns) {
        pyforge_sqlite_sqlite_list_column_t cols;
        pyforge_sqlite_sqlite_method_statement_columns(stmt_of(s), &cols);
        return take_columns(s, &cols);
    }
    return true;
}

int sqlite3_column_count(sqlite3_stmt *s) { return load_columns(s) ? (int)s->ncolumns : 0; }

int sqlite3_data_count(sqlite3_stmt *s) { return s && s->has_row ? (int)s->width : 0; }

const char *sqlite3_column_name(sqlite3_stmt *s, int i) {
    return load_columns(s) && i >= 0 && (size_t)i < s->ncolumns ? s->names[i] : NULL;
}

const char *sqlite3_column_decltype(sqlite3_stmt *s, int i) {
    return load_columns(s) && i >= 0 && (size_t)i < s->ncolumns ? s->decltypes[i] : NULL;
}

/* The current row's column `i`, or NULL (SQLite answers NULL/0 outside a row, as here). */
static pyforge_sqlite_sqlite_cell_t *cell(sqlite3_stmt *s, int i) {
    return s && s->has_row && i >= 0 && (size_t)i < s->width ? &s->cells.ptr[(s->next - 1) * s->width + (size_t)i]
                                                                : NULL;
}

int sqlite3_column_type(sqlite3_stmt *s, int i) {
    pyforge_sqlite_sqlite_cell_t *v = cell(s, i);
    switch (v ? v->tag : PYFORGE_SQLITE_SQLITE_CELL_NULL) {
    case PYFORGE_SQLITE_SQLITE_CELL_INTEGER: return SQLITE_INTEGER;
    case PYFORGE_SQLITE_SQLITE_CELL_REAL: return SQLITE_FLOAT;
    case PYFORGE_SQLITE_SQLITE_CELL_TEXT: return SQLITE_TEXT;
    case PYFORGE_SQLITE_SQLITE_CELL_BLOB: return SQLITE_BLOB;
    default: return SQLITE_NULL;
    }
}

sqlite3_int64 sqlite3_column_int64(sqlite3_stmt *s, int i) {
    pyforge_sqlite_sqlite_cell_t *v = cell(s, i);
    if (v && v->tag == PYFORGE_SQLITE_SQLITE_CELL_INTEGER) {
        return v->val.integer;
    }
    return v && v->tag == PYFORGE_SQLITE_SQLITE_CELL_REAL ? (sqlite3_int64)v->val.real : 0;
}

double sqlite3_column_double(sqlite3_stmt *s, int i) {
    pyforge_sqlite_sqlite_cell_t *v = cell(s, i);
    if (v && v->tag == PYFORGE_SQLITE_SQLITE_CELL_REAL) {
        return v->val.real;
    }
    return v && v->tag == PYFORGE_SQLITE_SQLITE_CELL_INTEGER ? (double)v->val.integer : 0.0;
}

/* Column `i` as sqlite3_column_text (`nul`) or sqlite3_column_blob gives it, and its length.
 * Text arrives with its NUL (see `run`) and blobs as they are, so both are used in place;
 * a blob's text is a NUL-terminated copy, and a number's its text as SQLite writes it
 * (integers here, reals by the cap's `format-real`), made once per row. NULL for a NULL value
 * (or when out of memory). */
static const uint8_t *column_bytes_of(sqlite3_stmt *s, int i, bool nul, size_t *len) {
    pyforge_sqlite_sqlite_cell_t *v = cell(s, i);
    *len = 0;
    if (v == NULL || v->tag == PYFORGE_SQLITE_SQLITE_CELL_NULL) {
        return NULL;
    }
    const uint8_t *at = s->bytes[i];
    if (v->tag == PYFORGE_SQLITE_SQLITE_CELL_TEXT) {
        *len = at ? v->val.text : 0;
        return at ? at : (const uint8_t *)"";
    }
    if (v->tag == PYFORGE_SQLITE_SQLITE_CELL_BLOB && (!nul || at == NULL)) {
        *len = at ? v->val.blob : 0;
        return at;
    }
    if (s->converted == NULL) {
        s->converted = calloc(s->width, sizeof *s->converted);
        if (s->converted == NULL) {
            set_error(s->db, SQLITE_NOMEM, NULL);
            return NULL;
        }
    }
    sqlite_cap_import_list_u8_t *b = &s->converted[i];
    if (b->ptr == NULL) {
        char num[32];
        const uint8_t *src = at;
        size_t n = v->tag == PYFORGE_SQLITE_SQLITE_CELL_BLOB ? v->val.blob : 0;
        cap_string real = {NULL, 0};
        if (v->tag == PYFORGE_SQLITE_SQLITE_CELL_INTEGER) {
            n = (size_t)snprintf(num, sizeof num, "%lld", (long long)v->val.integer);
            src = (const uint8_t *)num;
        } else if (v->tag == PYFORGE_SQLITE_SQLITE_CELL_REAL) {
            pyforge_sqlite_sqlite_format_real(v->val.real, &real);
            src = real.ptr;
            n = real.len;
        }
        uint8_t *p = malloc(n + 1);
        if (p != NULL) {
            if (n) {
                memcpy(p, src, n);
            }
            p[n] = 0;
            *b = (sqlite_cap_import_list_u8_t){p, n};
        }
        sqlite_cap_import_string_free(&real);
        if (p == NULL) {
            set_error(s->db, SQLITE_NOMEM, NULL);
            return NULL;
        }
    }
    *len = b->len;
    return b->ptr;
}

const unsigned char *sqlite3_column_text(sqlite3_stmt *s, int i) {
    size_t n;
    return column_bytes_of(s, i, true, &n);
}

const void *sqlite3_column_blob(sqlite3_stmt *s, int i) {
    size_t n;
    const uint8_t *p = column_bytes_of(s, i, false, &n);
    return n ? p : NULL; /* SQLite gives NULL for a zero-length value */
}

int sqlite3_column_bytes(sqlite3_stmt *s, int i) {
    size_t n;
    column_bytes_of(s, i, false, &n);
    return (int)n;
}

/* ---- blobs -------------------------------------------------------------------------------- */

int sqlite3_blob_open(sqlite3 *db, const char *schema, const char *table, const char *column, sqlite3_int64 row,
                      int flags, sqlite3_blob **out) {
    *out = NULL;
    if (!db->open) {
        return closed(db);
    }
    sqlite3_blob *b = calloc(1, sizeof *b);
    if (b == NULL) {
        set_error(db, SQLITE_NOMEM, NULL);
        return SQLITE_NOMEM;
    }
    cap_string sc = str(schema), t = str(table), c = str(column);
    if (!utf8(&sc) || !utf8(&t) || !utf8(&c)) {
        free(b);
        return not_utf8(db, SQLITE_MISUSE);
    }
    cap_error err;
    if (!pyforge_sqlite_sqlite_method_connection_blob_open(conn(db), &sc, &t, &c, row, flags != 0, &b->handle, &err)) {
        free(b);
        return failed(db, &err);
    }
    b->db = db;
    retain(db);
    b->size = pyforge_sqlite_sqlite_method_blob_size(pyforge_sqlite_sqlite_borrow_blob(b->handle));
    *out = b;
    return ok(db);
}

int sqlite3_blob_bytes(sqlite3_blob *b) { return b->size; }

int sqlite3_blob_read(sqlite3_blob *b, void *buf, int n, int offset) {
    sqlite_cap_import_list_u8_t data;
    cap_error err;
    if (!pyforge_sqlite_sqlite_method_blob_read(pyforge_sqlite_sqlite_borrow_blob(b->handle), offset, n, &data, &err)) {
        return failed(b->db, &err);
    }
    memcpy(buf, data.ptr, data.len < (size_t)n ? data.len : (size_t)n);
    sqlite_cap_import_list_u8_free(&data);
    return SQLITE_OK;
}

int sqlite3_blob_write(sqlite3_blob *b, const void *buf, int n, int offset) {
    sqlite_cap_import_list_u8_t data = {(uint8_t *)buf, (size_t)n};
    cap_error err;
    if (!pyforge_sqlite_sqlite_method_blob_write(pyforge_sqlite_sqlite_borrow_blob(b->handle), offset, &data, &err)) {
        return failed(b->db, &err);
    }
    return SQLITE_OK;
}

int sqlite3_blob_close(sqlite3_blob *b) {
    if (b == NULL) {
        return SQLITE_OK;
    }
    cap_error err;
    int rc = SQLITE_OK;
    if (!pyforge_sqlite_sqlite_method_blob_close(pyforge_sqlite_sqlite_borrow_blob(b->handle), &err)) {
        rc = failed(b->db, &err);
    }
    pyforge_sqlite_sqlite_blob_drop_own(b->handle);
    release(b->db);
    free(b);
    return rc;
}

/* ---- backups ------------------------------------------------------------------------------ */

sqlite3_backup *sqlite3_backup_init(sqlite3 *dest, const char *dest_name, sqlite3 *source, const char *source_name) {
    if (!dest->open || !source->open) {
        closed(dest);
        return NULL;
    }
    sqlite3_backup *b = calloc(1, sizeof *b);
    if (b == NULL) {
        set_error(dest, SQLITE_NOMEM, NULL);
        return NULL;
    }
    cap_string dn = str(dest_name), sn = str(source_name);
    if (!utf8(&dn) || !utf8(&sn)) {
        not_utf8(dest, SQLITE_MISUSE);
        free(b);
        return NULL;
    }
    cap_error err;
    if (!pyforge_sqlite_sqlite_static_backup_start(conn(dest), &dn, conn(source), &sn, &b->handle, &err)) {
        failed(dest, &err);
        free(b);
        return NULL;
    }
    b->dest = dest;
    retain(dest);
    b->remaining = b->pagecount = 0;
    ok(dest);
    return b;
}

int sqlite3_backup_step(sqlite3_backup *b, int pages) {
    pyforge_sqlite_sqlite_backup_progress_t p;
    b->dest->counted = false;
    pyforge_sqlite_sqlite_method_backup_step(pyforge_sqlite_sqlite_borrow_backup(b->handle), pages, &p);
    b->remaining = p.remaining;
    b->pagecount = p.page_count;
    return p.code;
}

int sqlite3_backup_remaining(sqlite3_backup *b) { return b->remaining; }
int sqlite3_backup_pagecount(sqlite3_backup *b) { return b->pagecount; }

int sqlite3_backup_finish(sqlite3_backup *b) {
    if (b == NULL) {
        return SQLITE_OK;
    }
    cap_error err;
    b->dest->counted = false;
    int rc = pyforge_sqlite_sqlite_method_backup_finish(pyforge_sqlite_sqlite_borrow_backup(b->handle), &err)
                 ? ok(b->dest)
                 : failed(b->dest, &err);
    pyforge_sqlite_sqlite_backup_drop_own(b->handle);
    release(b->dest);
    free(b);
    return rc;
}

/* ---- callbacks (see sqlite3.h) ------------------------------------------------------------ */

/* ---- collations ----------------------------------------------------------------------------
 *
 * SQLite calls a collation deep inside its comparisons, where the cap cannot suspend. The cap's
 * statement keeps the comparisons answered; a pair without an answer stops the statement (its
 * changes rolled back) and ends the run with `collate`; the step here compares the pairs with
 * CPython's own callback and the cap runs the statement again from its start, leaving out the
 * rows already sent. */

struct collation {
    struct registration r;
    int (*compare)(void *, int, const void *, int, const void *);
};

static int by_collation(struct collation *c, sqlite_cap_import_list_u8_t *texts, uint32_t x, uint32_t y) {
    sqlite_cap_import_list_u8_t *a = &texts[x], *b = &texts[y];
    return c->compare(c->r.arg, (int)a->len, a->ptr, (int)b->len, b->ptr);
}

/* A stable merge sort of `order[0..n)` by the collation (`tmp` as long): about n·log2(n) − n
 * comparisons, as SQLite's own sorter makes — each is a call into Python. */
static void merge_sort(struct collation *c, sqlite_cap_import_list_u8_t *texts, uint32_t *order, uint32_t *tmp, size_t n) {
    if (n < 2) {
        return;
    }
    size_t half = n / 2;
    merge_sort(c, texts, order, tmp, half);
    merge_sort(c, texts, order + half, tmp, n - half);
    size_t i = 0, j = half, k = 0;
    while (i < half && j < n) {
        tmp[k++] = by_collation(c, texts, order[j], order[i]) < 0 ? order[j++] : order[i++];
    }
    while (i < half) {
        tmp[k++] = order[i++];
    }
    while (j < n) {
        tmp[k++] = order[j++];
    }
    memcpy(order, tmp, n * sizeof *order);
}

static struct collation *find_collation(sqlite3 *db, uint32_t id) {
    return (struct collation *)by_id(db->collations, id);
}

/* Each comparison asked, by CPython's own callback. (A collation removed meanwhile: 0; the
 * statement then fails, the collation missing.) */
static bool compare_pairs(sqlite3 *db, pyforge_sqlite_sqlite_list_comparison_t *pairs, sqlite_cap_import_list_s32_t *out) {
    out->len = pairs->len;
    out->ptr = malloc((pairs->len ? pairs->len : 1) * sizeof *out->ptr);
    if (out->ptr == NULL) {
        return false;
    }
    db->calling++;
    for (size_t i = 0; i < pairs->len; i++) {
        pyforge_sqlite_sqlite_comparison_t *p = &pairs->ptr[i];
        struct collation *c = find_collation(db, p->collation);
        out->ptr[i] = c ? c->compare(c->r.arg, (int)p->left.len, p->left.ptr, (int)p->right.len, p->right.ptr) : 0;
    }
    db->calling--;
    return true;
}

static bool rank_texts(sqlite3 *db, pyforge_sqlite_sqlite_list_texts_t *texts, sqlite_cap_import_list_list_u32_t *ranks);

static bool answer_collate(sqlite3 *db, pyforge_sqlite_sqlite_collate_request_t *request,
                           pyforge_sqlite_sqlite_collate_answer_t *answer) {
    answer->tag = request->tag;
    if (request->tag == PYFORGE_SQLITE_SQLITE_COLLATE_REQUEST_PAIRS) {
        return compare_pairs(db, &request->val.pairs, &answer->val.pairs);
    }
    return rank_texts(db, &request->val.texts, &answer->val.texts);
}

/* Each collation's texts in its order (CPython's own callback comparing them, as SQLite's sort
 * would): their ranks, texts the collation finds equal sharing one. False when out of memory. */
static bool rank_texts(sqlite3 *db, pyforge_sqlite_sqlite_list_texts_t *texts, sqlite_cap_import_list_list_u32_t *ranks) {
    ranks->len = texts->len;
    ranks->ptr = calloc(texts->len ? texts->len : 1, sizeof *ranks->ptr);
    if (ranks->ptr == NULL) {
        return false;
    }
    for (size_t k = 0; k < texts->len; k++) {
        pyforge_sqlite_sqlite_texts_t *t = &texts->ptr[k];
        size_t n = t->texts.len;
        uint32_t *order = malloc((n ? n : 1) * sizeof *order), *rank = malloc((n ? n : 1) * sizeof *rank);
        uint32_t *tmp = malloc((n ? n : 1) * sizeof *tmp);
        if (order == NULL || rank == NULL || tmp == NULL) {
            free(order), free(rank), free(tmp);
            sqlite_cap_import_list_list_u32_free(ranks);
            return false;
        }
        struct collation *c = find_collation(db, t->collation);
        for (size_t i = 0; i < n; i++) {
            order[i] = (uint32_t)i;
            rank[i] = 0;
        }
        if (c) { /* (one removed meanwhile: its texts all rank 0; the statement then fails) */
            db->calling++;
            merge_sort(c, t->texts.ptr, order, tmp, n);
            uint32_t r = 0;
            for (size_t i = 0; i < n; i++) {
                if (i > 0 && by_collation(c, t->texts.ptr, order[i - 1], order[i]) != 0) {
                    r++;
                }
                rank[order[i]] = r;
            }
            db->calling--;
        }
        free(order);
        free(tmp);
        ranks->ptr[k] = (sqlite_cap_import_list_u32_t){rank, n};
    }
    return true;
}

/* As SQLite: a failed registration does not call `destroy`; a replaced collation's is called. */
int sqlite3_create_collation_v2(sqlite3 *db, const char *name, int rep, void *arg,
                                int (*compare)(void *, int, const void *, int, const void *),
                                void (*destroy)(void *)) {
    (void)rep; /* SQLITE_UTF8: what CPython registers */
    if (!db->open) {
        return closed(db);
    }
    cap_string n = str(name);
    if (!utf8(&n)) {
        return not_utf8(db, SQLITE_MISUSE);
    }
    struct collation *c = NULL;
    cap_error err;
    if (compare) {
        c = calloc(1, sizeof *c);
        char *copy = strdup(name);
        if (c == NULL || copy == NULL) {
            free(c), free(copy);
            set_error(db, SQLITE_NOMEM, NULL);
            return SQLITE_NOMEM;
        }
        *c = (struct collation){.r = {.name = copy, .arg = arg, .destroy = destroy}, .compare = compare};
        if (!pyforge_sqlite_sqlite_method_connection_create_collation(conn(db), &n, &c->r.id, &err)) {
            free(c->r.name), free(c);
            return failed(db, &err);
        }
    } else if (!pyforge_sqlite_sqlite_method_connection_remove_collation(conn(db), &n, &err)) {
        return failed(db, &err);
    }
    replace(&db->collations, c ? &c->r : NULL, name, 0);
    return ok(db);
}


/* The trace and progress callbacks are calls the cap makes by suspending a statement, as user
 * functions are (below). */
void sqlite3_progress_handler(sqlite3 *db, int n, int (*handler)(void *), void *arg) {
    bool on = handler != NULL && n > 0;
    db->progress = on ? handler : NULL;
    db->progress_arg = on ? arg : NULL;
    if (db->open) {
        pyforge_sqlite_sqlite_method_connection_set_progress(conn(db), on ? n : 0);
    }
}

int sqlite3_trace_v2(sqlite3 *db, unsigned mask, int (*callback)(unsigned, void *, void *, void *), void *arg) {
    bool on = callback != NULL && (mask & SQLITE_TRACE_STMT);
    db->trace = on ? callback : NULL;
    db->trace_arg = on ? arg : NULL;
    if (db->open) {
        pyforge_sqlite_sqlite_method_connection_set_trace(conn(db), on);
    }
    return SQLITE_OK;
}

/* ---- user-defined functions, aggregates, window functions ---------------------------------
 *
 * SQLite runs in the cap, which cannot call into Python: when SQLite calls a function
 * registered here, the cap suspends the statement and the run ends with `call` (the cap's WIT
 * says how). The step that got it (sqlite3_step below) makes the call here — CPython's own
 * callback, with an sqlite3_context and sqlite3_values of this file — and resumes the cap's
 * statement with the outcome, until the run ends otherwise. Python may run other statements
 * inside the callback: each suspended statement waits in the cap for its own resume.
 *
 * An aggregate's state (sqlite3_aggregate_context) lives here, by the number the cap gives
 * each aggregate, on the statement that computes it; it is freed after the aggregate's final
 * call. One SQLite abandons — released when the statement halts (done, or failed) or is reset
 * or finalized before its final — gets its final call here then, in that same C API call, as
 * SQLite itself calls xFinal on release; its result is dropped. */

struct function {
    struct registration r; /* (its arg: the caller's pApp, sqlite3_user_data) */
    void (*func)(sqlite3_context *, int, sqlite3_value **);
    void (*step)(sqlite3_context *, int, sqlite3_value **);
    void (*final)(sqlite3_context *);
    void (*value)(sqlite3_context *);
    void (*inverse)(sqlite3_context *, int, sqlite3_value **);
};

struct aggregate {
    uint64_t id;
    struct function *fn;
    void *state; /* what sqlite3_aggregate_context gives */
    struct aggregate *next;
};

struct sqlite3_value {
    int type;
    sqlite3_int64 i;
    double d;
    unsigned char *bytes; /* text (with a NUL after it) and blobs */
    int n;
};

struct sqlite3_context {
    sqlite3 *db;
    sqlite3_stmt *stmt;
    struct function *fn;
    uint64_t aggregate;
    pyforge_sqlite_sqlite_answer_t answer; /* the result so far: NULL, a value, or an error */
};

static struct function *function_by_id(sqlite3 *db, uint32_t id) {
    return (struct function *)by_id(db->functions, id);
}

/* Registers `f` (its callbacks set) in the cap, or removes the function when `f` is NULL.
 * SQLite's rules: a failed registration calls `destroy`; a replaced function's destroy is
 * called. */
static int register_function(sqlite3 *db, const char *name, int narg, int flags,
                             pyforge_sqlite_sqlite_function_kind_t kind, struct function *f) {
    if (!db->open) {
        if (f) {
            forget(&f->r);
        }
        return closed(db);
    }
    cap_string s = str(name);
    if (!utf8(&s)) {
        if (f) {
            forget(&f->r);
        }
        return not_utf8(db, SQLITE_MISUSE);
    }
    if (f && (f->r.name = strdup(name)) == NULL) {
        forget(&f->r);
        set_error(db, SQLITE_NOMEM, NULL);
        return SQLITE_NOMEM;
    }
    cap_error err;
    bool done = f ? pyforge_sqlite_sqlite_method_connection_create_function(conn(db), &s, narg, flags, kind, &f->r.id, &err)
                  : pyforge_sqlite_sqlite_method_connection_remove_function(conn(db), &s, narg, &err);
    if (!done) {
        if (f) {
            forget(&f->r);
        }
        return failed(db, &err);
    }
    if (f) {
        f->r.narg = narg;
    }
    replace(&db->functions, f ? &f->r : NULL, name, narg);
    return ok(db);
}

static struct function *new_function(void *app, void (*destroy)(void *)) {
    struct function *f = calloc(1, sizeof *f);
    if (f == NULL && destroy) {
        destroy(app);
    }
    if (f) {
        f->r.arg = app;
        f->r.destroy = destroy;
    }
    return f;
}

int sqlite3_create_function_v2(sqlite3 *db, const char *name, int narg, int flags, void *app,
                               void (*func)(sqlite3_context *, int, sqlite3_value **),
                               void (*step)(sqlite3_context *, int, sqlite3_value **),
                               void (*final)(sqlite3_context *), void (*destroy)(void *)) {
    if (!func && !step) {
        return register_function(db, name, narg, flags, 0, NULL);
    }
    struct function *f = new_function(app, destroy);
    if (f == NULL) {
        set_error(db, SQLITE_NOMEM, NULL);
        return SQLITE_NOMEM;
    }
    f->func = func;
    f->step = step;
    f->final = final;
    return register_function(db, name, narg, flags,
                             func ? PYFORGE_SQLITE_SQLITE_FUNCTION_KIND_SCALAR : PYFORGE_SQLITE_SQLITE_FUNCTION_KIND_AGGREGATE,
                             f);
}

int sqlite3_create_window_function(sqlite3 *db, const char *name, int narg, int flags, void *app,
                                   void (*step)(sqlite3_context *, int, sqlite3_value **),
                                   void (*final)(sqlite3_context *), void (*value)(sqlite3_context *),
                                   void (*inverse)(sqlite3_context *, int, sqlite3_value **),
                                   void (*destroy)(void *)) {
    if (!step) {
        return register_function(db, name, narg, flags, 0, NULL);
    }
    struct function *f = new_function(app, destroy);
    if (f == NULL) {
        set_error(db, SQLITE_NOMEM, NULL);
        return SQLITE_NOMEM;
    }
    f->step = step;
    f->final = final;
    f->value = value;
    f->inverse = inverse;
    return register_function(db, name, narg, flags, PYFORGE_SQLITE_SQLITE_FUNCTION_KIND_WINDOW, f);
}

void *sqlite3_user_data(sqlite3_context *ctx) { return ctx->fn->r.arg; }
sqlite3 *sqlite3_context_db_handle(sqlite3_context *ctx) { return ctx->db; }

void *sqlite3_aggregate_context(sqlite3_context *ctx, int n) {
    if (ctx->aggregate == 0) {
        return NULL; /* a final or value of an aggregate never stepped */
    }
    struct aggregate *a = ctx->stmt->aggregates;
    while (a && a->id != ctx->aggregate) {
        a = a->next;
    }
    if (a == NULL && n > 0 && (a = calloc(1, sizeof *a)) != NULL) {
        a->state = calloc(1, (size_t)n);
        if (a->state == NULL) {
            free(a);
            return NULL;
        }
        a->id = ctx->aggregate;
        a->fn = ctx->fn;
        a->next = ctx->stmt->aggregates;
        ctx->stmt->aggregates = a;
    }
    return a ? a->state : NULL;
}

static void drop_aggregate(sqlite3_stmt *s, uint64_t id) {
    for (struct aggregate **at = &s->aggregates; *at; at = &(*at)->next) {
        if ((*at)->id == id) {
            struct aggregate *a = *at;
            *at = a->next;
            free(a->state);
            free(a);
            return;
        }
    }
}

static void set_answer(sqlite3_context *ctx, pyforge_sqlite_sqlite_answer_t a) {
    if (ctx->answer.tag == PYFORGE_SQLITE_SQLITE_ANSWER_ERROR) {
        pyforge_sqlite_sqlite_answer_free(&a); /* as in SQLite, an error stays */
        return;
    }
    pyforge_sqlite_sqlite_answer_free(&ctx->answer);
    ctx->answer = a;
}

static pyforge_sqlite_sqlite_answer_t answer_value(uint8_t tag) {
    pyforge_sqlite_sqlite_answer_t a = {.tag = PYFORGE_SQLITE_SQLITE_ANSWER_VALUE};
    a.val.value.tag = tag;
    return a;
}

static pyforge_sqlite_sqlite_answer_t answer_bytes(uint8_t tag, const void *p, int n) {
    pyforge_sqlite_sqlite_answer_t a = answer_value(tag);
    size_t len = n > 0 ? (size_t)n : 0;
    uint8_t *copy = len ? malloc(len) : NULL;
    if (len && copy == NULL) {
        a.tag = PYFORGE_SQLITE_SQLITE_ANSWER_ERROR;
        a.val.error = (cap_error){SQLITE_NOMEM, {NULL, 0}};
        return a;
    }
    if (len) {
        memcpy(copy, p, len);
    }
    a.val.value.val.text = (sqlite_cap_import_list_u8_t){copy, len}; /* text and blob share it */
    return a;
}

static void answer_error(sqlite3_context *ctx, int code, const char *msg) {
    pyforge_sqlite_sqlite_answer_t a = {.tag = PYFORGE_SQLITE_SQLITE_ANSWER_ERROR};
    a.val.error.code = code;
    char *m = msg ? strdup(msg) : NULL;
    a.val.error.message = (cap_string){(uint8_t *)m, m ? strlen(m) : 0};
    set_answer(ctx, a);
}

void sqlite3_result_null(sqlite3_context *ctx) { set_answer(ctx, answer_value(PYFORGE_SQLITE_SQLITE_VALUE_NULL)); }

void sqlite3_result_int64(sqlite3_context *ctx, sqlite3_int64 v) {
    pyforge_sqlite_sqlite_answer_t a = answer_value(PYFORGE_SQLITE_SQLITE_VALUE_INTEGER);
    a.val.value.val.integer = v;
    set_answer(ctx, a);
}

void sqlite3_result_double(sqlite3_context *ctx, double v) {
    pyforge_sqlite_sqlite_answer_t a = answer_value(PYFORGE_SQLITE_SQLITE_VALUE_REAL);
    a.val.value.val.real = v;
    set_answer(ctx, a);
}

/* (CPython passes SQLITE_TRANSIENT: the bytes are copied, as SQLite copies them.) */
void sqlite3_result_text(sqlite3_context *ctx, const char *t, int n, sqlite3_destructor_type d) {
    (void)d;
    set_answer(ctx, answer_bytes(PYFORGE_SQLITE_SQLITE_VALUE_TEXT, t, n < 0 ? (int)strlen(t) : n));
}

void sqlite3_result_blob(sqlite3_context *ctx, const void *p, int n, sqlite3_destructor_type d) {
    (void)d;
    set_answer(ctx, answer_bytes(PYFORGE_SQLITE_SQLITE_VALUE_BLOB, p, n));
}

void sqlite3_result_error(sqlite3_context *ctx, const char *msg, int n) {
    char *m = n < 0 ? strdup(msg) : strndup(msg, (size_t)n);
    answer_error(ctx, SQLITE_ERROR, m);
    free(m);
}
void sqlite3_result_error_nomem(sqlite3_context *ctx) { answer_error(ctx, SQLITE_NOMEM, NULL); }
void sqlite3_result_error_toobig(sqlite3_context *ctx) { answer_error(ctx, SQLITE_TOOBIG, NULL); }

int sqlite3_value_type(sqlite3_value *v) { return v->type; }
sqlite3_int64 sqlite3_value_int64(sqlite3_value *v) {
    return v->type == SQLITE_INTEGER ? v->i : v->type == SQLITE_FLOAT ? (sqlite3_int64)v->d : 0;
}
double sqlite3_value_double(sqlite3_value *v) {
    return v->type == SQLITE_FLOAT ? v->d : v->type == SQLITE_INTEGER ? (double)v->i : 0.0;
}
/* CPython reads text only of SQLITE_TEXT values and blobs only of SQLITE_BLOB ones. */
const unsigned char *sqlite3_value_text(sqlite3_value *v) { return v->type == SQLITE_TEXT ? v->bytes : NULL; }
const void *sqlite3_value_blob(sqlite3_value *v) { return v->type == SQLITE_BLOB && v->n ? v->bytes : NULL; }
int sqlite3_value_bytes(sqlite3_value *v) { return v->n; }

/* Runs the call that ended the statement's last run: the outcome to resume it with. */
static pyforge_sqlite_sqlite_answer_t make_call(sqlite3_stmt *s, pyforge_sqlite_sqlite_call_t *call) {
    sqlite3_context ctx = {.db = s->db, .stmt = s, .aggregate = call->aggregate};
    ctx.answer = answer_value(PYFORGE_SQLITE_SQLITE_VALUE_NULL);
    sqlite3 *db = s->db;
    if (call->kind == PYFORGE_SQLITE_SQLITE_CALL_KIND_TRACE) {
        /* the statement is `s` (CPython asks it for sqlite3_expanded_sql); the text comes too */
        if (db->trace && call->args.len == 1 && call->args.ptr[0].tag == PYFORGE_SQLITE_SQLITE_VALUE_TEXT) {
            char *sql = strndup((const char *)call->args.ptr[0].val.text.ptr, call->args.ptr[0].val.text.len);
            if (sql) {
                s->traced = sql;
                db->calling++;
                db->trace(SQLITE_TRACE_STMT, db->trace_arg, s, sql);
                db->calling--;
                s->traced = NULL;
                free(sql);
            }
        }
        return ctx.answer;
    }
    if (call->kind == PYFORGE_SQLITE_SQLITE_CALL_KIND_PROGRESS) {
        ctx.answer.val.value.tag = PYFORGE_SQLITE_SQLITE_VALUE_INTEGER;
        db->calling++;
        ctx.answer.val.value.val.integer = db->progress ? db->progress(db->progress_arg) : 0;
        db->calling--;
        return ctx.answer;
    }
    ctx.fn = function_by_id(s->db, call->function);
    if (ctx.fn == NULL) {
        answer_error(&ctx, SQLITE_MISUSE, "the sqlite cap called a function that is not registered");
        return ctx.answer;
    }
    size_t n = call->args.len;
    sqlite3_value *values = calloc(n ? n : 1, sizeof *values);
    sqlite3_value **argv = calloc(n ? n : 1, sizeof *argv);
    bool room = values && argv;
    for (size_t i = 0; room && i < n; i++) {
        cap_value *v = &call->args.ptr[i];
        sqlite3_value *out = &values[i];
        argv[i] = out;
        switch (v->tag) {
        case PYFORGE_SQLITE_SQLITE_VALUE_INTEGER: out->type = SQLITE_INTEGER, out->i = v->val.integer; break;
        case PYFORGE_SQLITE_SQLITE_VALUE_REAL: out->type = SQLITE_FLOAT, out->d = v->val.real; break;
        case PYFORGE_SQLITE_SQLITE_VALUE_TEXT:
        case PYFORGE_SQLITE_SQLITE_VALUE_BLOB: {
            sqlite_cap_import_list_u8_t *b = &v->val.text; /* text and blob share the layout */
            out->type = v->tag == PYFORGE_SQLITE_SQLITE_VALUE_TEXT ? SQLITE_TEXT : SQLITE_BLOB;
            out->n = (int)b->len;
            out->bytes = malloc(b->len + 1);
            if (out->bytes == NULL) {
                room = false;
                break;
            }
            memcpy(out->bytes, b->ptr, b->len);
            out->bytes[b->len] = 0;
            break;
        }
        default: out->type = SQLITE_NULL;
        }
    }
    int argc = (int)n;
    struct function *f = ctx.fn;
    if (!room) {
        answer_error(&ctx, SQLITE_NOMEM, NULL);
    } else {
        db->calling++;
        switch (call->kind) {
        case PYFORGE_SQLITE_SQLITE_CALL_KIND_SCALAR: f->func ? f->func(&ctx, argc, argv) : (void)0; break;
        case PYFORGE_SQLITE_SQLITE_CALL_KIND_STEP: f->step ? f->step(&ctx, argc, argv) : (void)0; break;
        case PYFORGE_SQLITE_SQLITE_CALL_KIND_INVERSE: f->inverse ? f->inverse(&ctx, argc, argv) : (void)0; break;
        case PYFORGE_SQLITE_SQLITE_CALL_KIND_VALUE: f->value ? f->value(&ctx) : (void)0; break;
        case PYFORGE_SQLITE_SQLITE_CALL_KIND_FINAL:
            if (f->final) {
                f->final(&ctx);
            }
            drop_aggregate(s, call->aggregate);
            break;
        }
        db->calling--;
    }
    for (size_t i = 0; values && i < n; i++) {
        free(values[i].bytes);
    }
    free(values);
    free(argv);
    return ctx.answer;
}

/* The final call of each aggregate the statement still holds (SQLite abandoned them: reset or
 * finalize mid-way), as SQLite makes it; the results are dropped. */
static void abandon_aggregates(sqlite3_stmt *s) {
    while (s->aggregates) {
        struct aggregate *a = s->aggregates;
        sqlite3_context ctx = {.db = s->db, .stmt = s, .fn = a->fn, .aggregate = a->id};
        ctx.answer = answer_value(PYFORGE_SQLITE_SQLITE_VALUE_NULL);
        if (a->fn->final) {
            a->fn->final(&ctx);
        }
        pyforge_sqlite_sqlite_answer_free(&ctx.answer);
        drop_aggregate(s, a->id);
    }
}

