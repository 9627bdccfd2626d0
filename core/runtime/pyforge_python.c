/* pyforge's entry to CPython, in place of Programs/python.c: a reactor exporting
 * `wasi:cli/run` and `wizer-initialize` (the world in python.wit).
 *
 * Two shapes of the same interpreter:
 *
 * * Not pre-initialized (`wizer-initialize` never ran): `run` is CPython's own main,
 *   `Py_BytesMain`, and the stdlib comes from the filesystem (the mounted shape).
 * * Pre-initialized: `pyforge build` instantiates the component once with WASI set up by the
 *   host, calls `wizer-initialize` and snapshots memory. Init reads the embedded-stdlib
 *   archive (a file the host preopens for init only) into memory, initializes Python with the
 *   archive as a path hook (see importer.py), imports the forge's warm modules and resets
 *   every copy of the init run's WASI state. `run` then applies the run's argv and
 *   environment to the live interpreter and runs the command line as CPython's main does;
 *   options that need a different initialization (-S, -I, -E, -X, -u, -W, -O, -i, -v, ... or
 *   most PYTHON* variables) finalize the snapshot's interpreter and initialize again from the
 *   archive, so they behave exactly as in CPython, only slower.
 *
 * The snapshot holds no run's state: argv, environment, cwd, preopens and stdio are WASI's at
 * run time; `random` is reseeded; `os.urandom`, `uuid4` and `secrets` read WASI's random each
 * call. The str hash secret is the one fixed at init (see design notes in the README). */
#include "Python.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wasi/api.h>

#include "inflate.h"

/* wasi-libc's lazily-initialized copies of the environment and the preopens (libc.a, no
 * header). */
extern void __wasilibc_initialize_environ(void);
extern void __wasilibc_deinitialize_environ(void);
extern void __wasilibc_reset_preopens(void);
extern char **environ;

/* The wasip1 adapter keeps stdio and preopen handles of the init run in its state: reset them
 * last, so the snapshot starts with none. */
__attribute__((import_module("wasi_snapshot_preview1"), import_name("reset_adapter_state"))) extern void
pyforge_reset_adapter_state(void);

/* CPython internals the run needs (linked statically from libpython; no public header). */
extern int _PyPathConfig_ComputeSysPath0(const PyWideStringList *argv, PyObject **path0);
extern int _PyInterpreterState_GetConfigCopy(PyConfig *config);
extern int _PyInterpreterState_SetConfig(const PyConfig *config);

#define ARCHIVE_MAGIC "PYFA\x01\x00\x00\x00"
#define IMPORTER_PATH "/.pyforge/importer.py"
#define IMPORTER_CODE_NAME "<pyforge importlib._bootstrap_embedded>"

/* --- State kept in the snapshot ----------------------------------------------------------- */

static int initialized;           /* wizer-initialize finished */
static unsigned char *archive;    /* the embedded-stdlib archive, read at init */
static size_t archive_len;
static uint32_t archive_count;
static size_t archive_data;       /* offset of the first member's data */
static char home[256];            /* the prefix the stdlib paths are under (`/usr/local`) */
static unsigned long hash_seed;   /* the str hash seed of the snapshot */
static int app_mode;              /* an application's `Run.run()` is the program */
static int stub_wasi;             /* `--stub-wasi`: every WASI call traps, so make none */

struct member {
    const char *path;
    uint16_t path_len;
    uint8_t method; /* 0 stored, 8 deflate */
    uint32_t offset, comp_len, raw_len;
};

static uint32_t get_u32(const unsigned char *p) {
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

/* The i-th member of the archive (the index was validated at load). */
static struct member member_at(uint32_t i) {
    static size_t cursor_pos = 16;
    static uint32_t cursor_i = 0;
    if (i < cursor_i) {
        cursor_pos = 16;
        cursor_i = 0;
    }
    size_t pos = cursor_pos;
    for (uint32_t k = cursor_i; k < i; k++) {
        uint16_t len = (uint16_t)(archive[pos] | (archive[pos + 1] << 8));
        pos += 2 + len + 13;
    }
    cursor_pos = pos;
    cursor_i = i;
    struct member m;
    m.path_len = (uint16_t)(archive[pos] | (archive[pos + 1] << 8));
    m.path = (const char *)archive + pos + 2;
    const unsigned char *p = archive + pos + 2 + m.path_len;
    m.method = p[0];
    m.offset = get_u32(p + 1);
    m.comp_len = get_u32(p + 5);
    m.raw_len = get_u32(p + 9);
    return m;
}

/* Reads the archive (`size` bytes) from stdin and validates it; returns 0 or prints why not
 * and returns -1. The init run gets the archive on stdin, not from a file: stat results of a
 * file or a directory (inode numbers, times) end up in memory — the adapter's and libc's — and
 * the snapshot would depend on the build machine.
 *
 * Layout: magic (8), member count (4), index size (4), then per member: path length (2),
 * path, method (1), data offset (4), stored length (4), length (4); then the data. */
static int load_archive(size_t size) {
    archive_len = size;
    archive = malloc(size ? size : 1);
    size_t got = 0;
    while (archive && got < size) {
        size_t n = fread(archive + got, 1, size - got, stdin);
        if (n == 0) {
            break;
        }
        got += n;
    }
    if (!archive || got != size || size < 16) {
        fprintf(stderr, "pyforge: cannot read the stdlib archive (%zu of %zu bytes)\n", got, size);
        return -1;
    }
    if (memcmp(archive, ARCHIVE_MAGIC, 8) != 0) {
        fprintf(stderr, "pyforge: the input is not a stdlib archive of this pyforge\n");
        return -1;
    }
    archive_count = get_u32(archive + 8);
    archive_data = 16 + (size_t)get_u32(archive + 12);
    size_t pos = 16;
    for (uint32_t i = 0; i < archive_count; i++) {
        if (pos + 2 > archive_data) {
            goto bad;
        }
        uint16_t len = (uint16_t)(archive[pos] | (archive[pos + 1] << 8));
        if (pos + 2 + len + 13 > archive_data) {
            goto bad;
        }
        const unsigned char *p = archive + pos + 2 + len;
        uint64_t end = (uint64_t)archive_data + get_u32(p + 1) + get_u32(p + 5);
        if ((p[0] != 0 && p[0] != 8) || end > archive_len) {
            goto bad;
        }
        pos += 2 + len + 13;
    }
    return 0;
bad:
    fprintf(stderr, "pyforge: the stdlib archive is corrupt\n");
    return -1;
}

/* The i-th member's bytes, decompressed (a new reference, or NULL with an exception). */
static PyObject *member_bytes(uint32_t i) {
    struct member m = member_at(i);
    const unsigned char *data = archive + archive_data + m.offset;
    if (m.method == 0) {
        return PyBytes_FromStringAndSize((const char *)data, m.raw_len);
    }
    PyObject *out = PyBytes_FromStringAndSize(NULL, m.raw_len);
    if (!out) {
        return NULL;
    }
    if (pyforge_inflate((unsigned char *)PyBytes_AS_STRING(out), m.raw_len, data, m.comp_len) != 0) {
        Py_DECREF(out);
        PyErr_Format(PyExc_OSError, "the embedded stdlib member `%.*s` is corrupt", (int)m.path_len, m.path);
        return NULL;
    }
    return out;
}

/* --- The `_pyforge` built-in module -------------------------------------------------------- */

static PyObject *pyforge_names(PyObject *self, PyObject *unused) {
    PyObject *list = PyList_New(archive_count);
    if (!list) {
        return NULL;
    }
    for (uint32_t i = 0; i < archive_count; i++) {
        struct member m = member_at(i);
        PyObject *name = PyUnicode_DecodeUTF8(m.path, m.path_len, "surrogateescape");
        if (!name) {
            Py_DECREF(list);
            return NULL;
        }
        PyList_SET_ITEM(list, i, name);
    }
    return list;
}

static PyObject *pyforge_read(PyObject *self, PyObject *arg) {
    long i = PyLong_AsLong(arg);
    if (i == -1 && PyErr_Occurred()) {
        return NULL;
    }
    if (i < 0 || (unsigned long)i >= archive_count) {
        PyErr_SetString(PyExc_IndexError, "no such archive member");
        return NULL;
    }
    return member_bytes((uint32_t)i);
}

/* The run's environment as `os.environ` keeps it: bytes to bytes. */
static PyObject *pyforge_environ(PyObject *self, PyObject *unused) {
    PyObject *d = PyDict_New();
    if (!d) {
        return NULL;
    }
    for (char **e = environ; e && *e; e++) {
        const char *eq = strchr(*e, '=');
        if (!eq || eq == *e) {
            continue;
        }
        PyObject *k = PyBytes_FromStringAndSize(*e, eq - *e);
        PyObject *v = PyBytes_FromString(eq + 1);
        if (!k || !v || PyDict_SetDefault(d, k, v) == NULL) {
            Py_XDECREF(k);
            Py_XDECREF(v);
            Py_DECREF(d);
            return NULL;
        }
        Py_DECREF(k);
        Py_DECREF(v);
    }
    return d;
}

static PyObject *pyforge_snapshot(PyObject *self, PyObject *unused) {
    return PyBool_FromLong(initialized);
}

static PyMethodDef pyforge_methods[] = {
    {"snapshot", pyforge_snapshot, METH_NOARGS, "Whether this interpreter runs from a pre-initialized snapshot."},
    {"names", pyforge_names, METH_NOARGS, "The paths of the embedded archive's members, in order."},
    {"read", pyforge_read, METH_O, "The bytes of the archive member with this index."},
    {"environ", pyforge_environ, METH_NOARGS, "The process environment, as bytes to bytes."},
    {NULL, NULL, 0, NULL},
};

/* Multi-phase and stateless (the archive is read-only after init), so every interpreter —
 * subinterpreters included, isolated ones too — can import it. */
static PyModuleDef_Slot pyforge_slots[] = {
    {Py_mod_multiple_interpreters, Py_MOD_PER_INTERPRETER_GIL_SUPPORTED},
    {0, NULL},
};

static struct PyModuleDef pyforge_module = {
    PyModuleDef_HEAD_INIT, "_pyforge", "pyforge's runtime: the embedded stdlib archive.", 0, pyforge_methods,
    pyforge_slots,
};

PyMODINIT_FUNC PyInit__pyforge(void) {
    return PyModuleDef_Init(&pyforge_module);
}

/* --- Initialization ------------------------------------------------------------------------ */

/* While the snapshot's init runs, Python allocates through malloc and every freed block is
 * zeroed: the snapshot stores every non-zero byte of memory, and the sources, ASTs and
 * compiler state of the warm imports would otherwise stay behind in freed memory. At the end
 * of init the default allocators (pymalloc) come back; pymalloc hands blocks it did not
 * allocate to the raw allocator (it checks arena membership), so objects made during init are
 * freed correctly at run time. */
extern size_t malloc_usable_size(void *);
static PyMemAllocatorEx saved_allocators[3];

static void *zero_malloc(void *ctx, size_t n) {
    return malloc(n ? n : 1);
}

static void *zero_calloc(void *ctx, size_t nelem, size_t elsize) {
    return calloc(nelem ? nelem : 1, elsize ? elsize : 1);
}

static void zero_free(void *ctx, void *p) {
    if (p) {
        memset(p, 0, malloc_usable_size(p));
        free(p);
    }
}

static void *zero_realloc(void *ctx, void *p, size_t n) {
    if (!p) {
        return zero_malloc(ctx, n);
    }
    size_t old = malloc_usable_size(p);
    if (n && n <= old) {
        return p;
    }
    void *q = malloc(n ? n : 1);
    if (q) {
        memcpy(q, p, old < n ? old : n);
        zero_free(ctx, p);
    }
    return q;
}

static void zeroing_allocators(int on) {
    static const PyMemAllocatorDomain domains[3] = {PYMEM_DOMAIN_RAW, PYMEM_DOMAIN_MEM, PYMEM_DOMAIN_OBJ};
    PyMemAllocatorEx zeroing = {NULL, zero_malloc, zero_calloc, zero_realloc, zero_free};
    for (int i = 0; i < 3; i++) {
        if (on) {
            PyMem_GetAllocator(domains[i], &saved_allocators[i]);
            PyMem_SetAllocator(domains[i], &zeroing);
        } else {
            PyMem_SetAllocator(domains[i], &saved_allocators[i]);
        }
    }
}

/* Runs the importer (an archive member) as module `_pyforge_importer` and installs its path
 * hook; between core and main initialization, so `encodings` comes from the archive too. */
static int install_importer(void) {
    uint32_t i;
    for (i = 0; i < archive_count; i++) {
        struct member m = member_at(i);
        if (m.path_len == strlen(IMPORTER_PATH) && memcmp(m.path, IMPORTER_PATH, m.path_len) == 0) {
            break;
        }
    }
    if (i == archive_count) {
        fprintf(stderr, "pyforge: the stdlib archive has no %s\n", IMPORTER_PATH);
        return -1;
    }
    PyObject *src = member_bytes(i);
    /* Named like CPython's own import machinery (`<frozen importlib._bootstrap>`): `warnings`
     * skips frames whose file name has `importlib` and `_bootstrap` in it, so a warning raised
     * while a module imports (`stacklevel=2` in a deprecated module) points at the importing
     * code, not at this loader. */
    PyObject *code = src ? Py_CompileString(PyBytes_AS_STRING(src), IMPORTER_CODE_NAME, Py_file_input) : NULL;
    Py_XDECREF(src);
    /* Not PyImport_ExecCodeModule: before main initialization there is no importlib external
     * to fix the module up. */
    PyObject *mod = code ? PyImport_AddModule("_pyforge_importer") : NULL; /* borrowed */
    PyObject *dict = mod ? PyModule_GetDict(mod) : NULL;
    PyObject *done = NULL;
    if (dict && PyDict_SetItemString(dict, "__builtins__", PyEval_GetBuiltins()) == 0) {
        done = PyEval_EvalCode(code, dict, dict);
    }
    Py_XDECREF(code);
    PyObject *r = done ? PyObject_CallMethod(mod, "install", NULL) : NULL;
    Py_XDECREF(done);
    if (!r) {
        PyErr_Print();
        return -1;
    }
    Py_DECREF(r);
    return 0;
}

/* Subinterpreters (`concurrent.interpreters`' `_interpreters`, `_testcapi.run_in_subinterp`,
 * …) set up their own import system, without the main interpreter's path hook, and import
 * `encodings` right after: with the stdlib only in the archive, that failed ("Failed to import
 * encodings module", a fatal error). CPython has no hook at that point, so the link wraps
 * `_PyImport_InitExternal` (`-Wl,--wrap`, core/src/link.rs): once CPython's external importers
 * are in place, every interpreter but the main one (which `init_python` serves itself) gets the
 * archive's path hook too. Without an archive (the mounted shape) nothing changes. */
extern PyStatus __real__PyImport_InitExternal(PyThreadState *tstate);

PyStatus __wrap__PyImport_InitExternal(PyThreadState *tstate) {
    PyStatus status = __real__PyImport_InitExternal(tstate);
    if (PyStatus_Exception(status) || archive == NULL ||
        PyThreadState_GetInterpreter(tstate) == PyInterpreterState_Main()) {
        return status;
    }
    return install_importer() == 0 ? status : PyStatus_Error("pyforge: the embedded stdlib's importer failed");
}

/* Initializes Python over the archive. `argv` NULL: the snapshot's init (no arguments, the
 * environment ignored, the fixed hash seed); else a full CPython command line. */
static int init_python(int argc, char **argv) {
    PyConfig config;
    PyConfig_InitPythonConfig(&config);
    config._init_main = 0;
    config.pathconfig_warnings = 0;
    PyStatus status = PyConfig_SetBytesString(&config, &config.home, home);
    /* Where the archive's stdlib is (`sys._stdlib_dir`): getpath cannot find it on disk. */
    char stdlib_dir[sizeof home + 32];
    snprintf(stdlib_dir, sizeof stdlib_dir, "%s/lib/python%d.%d", home, PY_MAJOR_VERSION, PY_MINOR_VERSION);
    if (!PyStatus_Exception(status)) {
        status = PyConfig_SetBytesString(&config, &config.stdlib_dir, stdlib_dir);
    }
    if (!PyStatus_Exception(status)) {
        status = PyConfig_SetBytesString(&config, &config.program_name, "python");
    }
    if (!PyStatus_Exception(status)) {
        if (argv) {
            status = PyConfig_SetBytesArgv(&config, argc, argv);
        } else {
            config.parse_argv = 0;
            config.use_environment = 0;
            config.use_hash_seed = 1;
            config.hash_seed = hash_seed;
        }
    }
    if (!PyStatus_Exception(status)) {
        status = Py_InitializeFromConfig(&config);
    }
    PyConfig_Clear(&config);
    if (PyStatus_Exception(status)) {
        if (PyStatus_IsExit(status)) {
            exit(status.exitcode);
        }
        fprintf(stderr, "pyforge: Python initialization failed: %s\n", status.err_msg ? status.err_msg : "?");
        return -1;
    }
    if (install_importer() != 0) {
        return -1;
    }
    status = _Py_InitializeMain();
    if (PyStatus_Exception(status)) {
        fprintf(stderr, "pyforge: Python initialization failed: %s\n", status.err_msg ? status.err_msg : "?");
        return -1;
    }
    return PyRun_SimpleString("import _pyforge_importer; _pyforge_importer.place_overlay()") == 0 ? 0 : -1;
}

/* The init's dead stack (below this function's frame) holds whatever the init's calls left
 * there — `stat` results with inode numbers and times among it — and the snapshot would keep
 * it: zero it, last, without calling anything. */
extern char __stack_low;

__attribute__((noinline)) static void zero_dead_stack(void) {
    volatile char here[64];
    here[0] = 0;
    volatile uint32_t *p = (volatile uint32_t *)(((uintptr_t)&__stack_low + 3) & ~(uintptr_t)3);
    volatile uint32_t *end = (volatile uint32_t *)(((uintptr_t)here - 1024) & ~(uintptr_t)3);
    while (p < end) {
        *p++ = 0;
    }
}

/* `wizer-initialize`: everything the snapshot keeps. Configured by the init run's environment
 * (set by `pyforge build`): PYFORGE_ARCHIVE_SIZE (the archive comes on stdin), PYFORGE_HOME,
 * PYFORGE_HASH_SEED, PYFORGE_WARM. Called again after the snapshot (wizer keeps the export),
 * it does nothing. */
__attribute__((export_name("wizer-initialize"))) void pyforge_wizer_initialize(void) {
    if (initialized) {
        return;
    }
    const char *size = getenv("PYFORGE_ARCHIVE_SIZE");
    const char *prefix = getenv("PYFORGE_HOME");
    const char *seed = getenv("PYFORGE_HASH_SEED");
    if (!size || !prefix || strlen(prefix) >= sizeof home) {
        fprintf(stderr, "pyforge: wizer-initialize needs PYFORGE_ARCHIVE_SIZE and PYFORGE_HOME\n");
        abort();
    }
    strcpy(home, prefix);
    hash_seed = seed ? strtoul(seed, NULL, 10) : 0;
    app_mode = getenv("PYFORGE_APP") != NULL;
    stub_wasi = getenv("PYFORGE_STUB_WASI") != NULL;
    zeroing_allocators(1);
    if (load_archive(strtoul(size, NULL, 10)) != 0 || init_python(0, NULL) != 0) {
        abort();
    }
    /* Warm modules and the rest of the init are Python (importer.py). */
    if (PyRun_SimpleString("import _pyforge_importer; _pyforge_importer.snapshot_init()") != 0) {
        fprintf(stderr, "pyforge: the snapshot's init failed (see above)\n");
        abort();
    }
    zeroing_allocators(0);
    fflush(NULL);
    __wasilibc_deinitialize_environ();
    __wasilibc_reset_preopens();
    pyforge_reset_adapter_state();
    initialized = 1;
    zero_dead_stack();
}

/* --- The run ------------------------------------------------------------------------------- */

/* The command line, from WASI. */
static int read_argv(int *argc_out, char ***argv_out) {
    size_t argc = 0, size = 0;
    if (__wasi_args_sizes_get(&argc, &size) != 0) {
        return -1;
    }
    char **argv = calloc(argc + 1, sizeof(char *));
    char *buf = malloc(size ? size : 1);
    if (!argv || !buf || __wasi_args_get((uint8_t **)argv, (uint8_t *)buf) != 0) {
        return -1;
    }
    *argc_out = (int)argc;
    *argv_out = argv;
    return 0;
}

/* PYTHON* variables the snapshot's interpreter applies at run time as CPython would at init. */
static int env_is_warm(const char *name, size_t len) {
    static const char *warm[] = {"PYTHONPATH", "PYTHONSAFEPATH", "PYTHONDONTWRITEBYTECODE", "PYTHONNOUSERSITE",
                                 "PYTHONUSERBASE", "PYTHONHOME", "PYTHONSTARTUP", "PYTHON_BASIC_REPL",
                                 "PYTHON_HISTORY", "PYTHON_COLORS", NULL};
    for (const char **w = warm; *w; w++) {
        if (strlen(*w) == len && memcmp(*w, name, len) == 0) {
            return 1;
        }
    }
    return 0;
}

/* Whether the command line can run on the snapshot's interpreter: its options (before the
 * command, module or script) are among -B -s -q, and no PYTHON* variable asks for a different
 * initialization. */
static int warm_compatible(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] != '-' || strcmp(a, "-") == 0) {
            break; /* the script (or stdin): the rest are its arguments */
        }
        if (strcmp(a, "--") == 0) {
            break;
        }
        if (a[1] == '-') {
            return 0; /* --help, --version, ... */
        }
        int command = 0;
        for (const char *c = a + 1; *c; c++) {
            if (*c == 'c' || *c == 'm') {
                command = 1;
                break;
            }
            if (!strchr("Bsq", *c)) {
                return 0;
            }
        }
        if (command) {
            break;
        }
    }
    for (char **e = environ; e && *e; e++) {
        const char *eq = strchr(*e, '=');
        if (strncmp(*e, "PYTHON", 6) == 0 && eq && !env_is_warm(*e, (size_t)(eq - *e))) {
            return 0;
        }
    }
    return 1;
}

/* Runs Python code at the C level; on an exception, prints it (exiting on SystemExit, as
 * CPython's main does) and returns 1. */
static int print_error(void) {
    PyErr_Print();
    return 1;
}

static int run_module(const wchar_t *modname, int set_argv0) {
    PyObject *runpy = PyImport_ImportModule("runpy");
    PyObject *fn = runpy ? PyObject_GetAttrString(runpy, "_run_module_as_main") : NULL;
    Py_XDECREF(runpy);
    PyObject *name = fn ? PyUnicode_FromWideChar(modname, -1) : NULL;
    PyObject *r = name ? PyObject_CallFunction(fn, "OO", name, set_argv0 ? Py_True : Py_False) : NULL;
    Py_XDECREF(fn);
    Py_XDECREF(name);
    if (!r) {
        return print_error();
    }
    Py_DECREF(r);
    return 0;
}

static int run_file(const wchar_t *filename) {
    PyObject *name = PyUnicode_FromWideChar(filename, -1);
    PyObject *bytes = name ? PyUnicode_EncodeFSDefault(name) : NULL;
    Py_XDECREF(name);
    if (!bytes) {
        return print_error();
    }
    FILE *fp = fopen(PyBytes_AS_STRING(bytes), "rb");
    if (!fp) {
        fprintf(stderr, "python: can't open file '%s': [Errno %d] %s\n", PyBytes_AS_STRING(bytes), errno,
                strerror(errno));
        Py_DECREF(bytes);
        return 2;
    }
    PyCompilerFlags cf = _PyCompilerFlags_INIT;
    int r = PyRun_AnyFileExFlags(fp, PyBytes_AS_STRING(bytes), 1, &cf);
    Py_DECREF(bytes);
    return r != 0;
}

/* CPython's main (Modules/main.c, pymain_run_python) for what the snapshot can run: a
 * command, a module, a script file, or stdin that is not a terminal. Returns -1 for anything
 * else (a directory or zip as the script, an interactive session, -i), which Py_RunMain runs. */
static int run_simple(const PyConfig *config) {
    if (config->inspect || config->interactive) {
        return -1;
    }
    if (config->run_filename) {
        PyObject *path = PyUnicode_FromWideChar(config->run_filename, -1);
        PyObject *importer = path ? PyImport_GetImporter(path) : NULL;
        Py_XDECREF(path);
        if (!importer) {
            return print_error();
        }
        int is_path_entry = importer != Py_None;
        Py_DECREF(importer);
        if (is_path_entry) {
            return -1;
        }
    } else if (!config->run_command && !config->run_module && isatty(0)) {
        return -1;
    }
    if (!config->safe_path) {
        PyObject *path0 = NULL;
        int res = _PyPathConfig_ComputeSysPath0(&config->argv, &path0);
        if (res < 0) {
            return print_error();
        }
        if (res > 0) {
            PyObject *sys_path = PySys_GetObject("path");
            int err = sys_path ? PyList_Insert(sys_path, 0, path0) : -1;
            Py_DECREF(path0);
            if (err < 0) {
                return print_error();
            }
        }
    }
    if (config->run_command) {
        PyObject *cmd = PyUnicode_FromWideChar(config->run_command, -1);
        PyObject *utf8 = cmd ? PyUnicode_AsUTF8String(cmd) : NULL;
        Py_XDECREF(cmd);
        if (!utf8) {
            return print_error();
        }
        PyCompilerFlags cf = _PyCompilerFlags_INIT;
        cf.cf_flags |= PyCF_IGNORE_COOKIE;
        int r = PyRun_SimpleStringFlags(PyBytes_AS_STRING(utf8), &cf);
        Py_DECREF(utf8);
        return r != 0;
    }
    if (config->run_module) {
        return run_module(config->run_module, 1);
    }
    if (config->run_filename) {
        return run_file(config->run_filename);
    }
    PyCompilerFlags cf = _PyCompilerFlags_INIT;
    return PyRun_AnyFileExFlags(stdin, "<stdin>", 0, &cf) != 0;
}

/* The end of a run on the snapshot: what Py_FinalizeEx does that a program can see (atexit
 * callbacks, flushed stdio) without tearing the interpreter down, as the process ends next. */
static int finish(int status) {
    if (PyRun_SimpleString("import _pyforge_importer; _pyforge_importer.run_exit()") != 0) {
        status = status ? status : 1;
    }
    fflush(NULL);
    return status;
}

/* `wasi:cli/run` of an application: its `Run.run()`, made before the snapshot. `Err` fails
 * the run quietly (componentize-py's `result` in return position); any other exception is
 * printed with its traceback and fails it too. */
static int run_app(void) {
    PyObject *importer = PyImport_ImportModule("_pyforge_importer");
    PyObject *exports = importer ? PyObject_GetAttrString(importer, "APP_EXPORTS") : NULL;
    Py_XDECREF(importer);
    PyObject *app = exports ? PyDict_GetItemString(exports, "Run") : NULL; /* borrowed */
    PyObject *r = app ? PyObject_CallMethod(app, "run", NULL) : NULL;
    Py_XDECREF(exports);
    if (r) {
        Py_DECREF(r);
        return 0;
    }
    PyObject *raised = PyErr_GetRaisedException();
    PyObject *types = PyImport_ImportModule("componentize_py_types");
    PyObject *err = types ? PyObject_GetAttrString(types, "Err") : NULL;
    Py_XDECREF(types);
    PyErr_Clear();
    int is_err = err && PyErr_GivenExceptionMatches(raised, err);
    Py_XDECREF(err);
    if (is_err) {
        Py_DECREF(raised);
        return 1;
    }
    PyErr_SetRaisedException(raised);
    return print_error();
}

/* Applies the run's command line and environment to the snapshot's interpreter. For an
 * application the command line is the app's (`sys.argv`), not Python's options. */
static int apply_run_config(int argc, char **argv) {
    PyConfig config;
    PyConfig_InitPythonConfig(&config);
    int err = _PyInterpreterState_GetConfigCopy(&config);
    PyStatus status = PyConfig_SetBytesArgv(&config, argc, argv);
    if (!err && !PyStatus_Exception(status)) {
        status = PyConfig_SetWideStringList(&config, &config.orig_argv, 0, NULL);
    }
    if (!err && !PyStatus_Exception(status)) {
        status = PyConfig_SetWideStringList(&config, &config.module_search_paths, 0, NULL);
    }
    if (err || PyStatus_Exception(status)) {
        PyConfig_Clear(&config);
        return print_error();
    }
    config.parse_argv = app_mode ? 0 : 1;
    config.use_environment = 1;
    config.module_search_paths_set = 0;
    err = _PyInterpreterState_SetConfig(&config);
    PyConfig_Clear(&config);
    if (err < 0) {
        return print_error();
    }
    if (PyRun_SimpleString("import _pyforge_importer; _pyforge_importer.run_refresh()") != 0) {
        return 1;
    }
    return 0;
}

/* --- An application's exports (the glue `pyforge componentize` generates calls these) ---- */

static int app_entered;

/* Before the first export call of an instance: the run's argv and environment, as `run`
 * applies them. */
void pyforge_app_enter(void) {
    if (app_entered) {
        return;
    }
    app_entered = 1;
    if (!initialized) {
        fprintf(stderr, "pyforge: the app's interpreter was not pre-initialized\n");
        abort();
    }
    if (stub_wasi) {
        /* No WASI to ask for argv or the environment (or entropy for `random`): the snapshot's
         * state is the run's. */
        return;
    }
    __wasilibc_initialize_environ();
    int argc;
    char **argv;
    static char *none[] = {"app", NULL};
    if (read_argv(&argc, &argv) != 0 || argc == 0) {
        argc = 1;
        argv = none;
    }
    if (apply_run_config(argc, argv) != 0) {
        abort();
    }
}

/* After each export call: what the app printed reaches the host now. */
void pyforge_app_leave(void) {
    static PyObject *flush;
    if (!flush && !(flush = PyUnicode_InternFromString("flush"))) {
        PyErr_Clear();
        return;
    }
    const char *names[] = {"stdout", "stderr"};
    for (int i = 0; i < 2; i++) {
        PyObject *stream = PySys_GetObject(names[i]);
        PyObject *r = stream ? PyObject_CallMethodNoArgs(stream, flush) : NULL;
        Py_XDECREF(r);
        PyErr_Clear();
    }
    fflush(NULL);
}

/* The app's object for export class `cls` (a new reference), made before the snapshot. */
PyObject *pyforge_app_export(const char *cls) {
    PyObject *importer = PyImport_ImportModule("_pyforge_importer");
    PyObject *exports = importer ? PyObject_GetAttrString(importer, "APP_EXPORTS") : NULL;
    Py_XDECREF(importer);
    PyObject *obj = exports ? PyDict_GetItemString(exports, cls) : NULL;
    Py_XINCREF(obj);
    Py_XDECREF(exports);
    if (!obj && !PyErr_Occurred()) {
        PyErr_Format(PyExc_RuntimeError, "the app has no `%s` object", cls);
    }
    return obj;
}

/* `wasi:cli/run#run`: 0 is `ok`, anything else `err` (after exiting with the status when it is
 * not 1). */
__attribute__((export_name("wasi:cli/run@0.2.6#run"))) int pyforge_run(void) {
    int argc;
    char **argv;
    if (read_argv(&argc, &argv) != 0) {
        fprintf(stderr, "pyforge: cannot read the command line\n");
        return 1;
    }
    int status;
    if (!initialized) {
        status = Py_BytesMain(argc, argv);
    } else if (app_mode) {
        __wasilibc_initialize_environ();
        status = apply_run_config(argc, argv);
        if (status == 0) {
            status = finish(run_app());
        }
    } else {
        __wasilibc_initialize_environ();
        if (warm_compatible(argc, argv)) {
            status = apply_run_config(argc, argv);
            if (status == 0) {
                PyConfig config;
                PyConfig_InitPythonConfig(&config);
                if (_PyInterpreterState_GetConfigCopy(&config) < 0) {
                    status = print_error();
                } else {
                    status = run_simple(&config);
                    status = status < 0 ? Py_RunMain() : finish(status);
                }
                PyConfig_Clear(&config);
            }
        } else {
            /* A different initialization: CPython's own, over the archive. */
            Py_FinalizeEx();
            status = init_python(argc, argv) == 0 ? Py_RunMain() : 1;
        }
    }
    fflush(NULL);
    if (status != 0 && status != 1) {
        exit(status);
    }
    return status;
}
