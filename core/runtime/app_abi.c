/* The canonical ABI between an application's WIT world and Python objects: see app_abi.h.
 * The Python side follows componentize-py 0.25: records are dataclasses, variants one class
 * per case (`value` holds the payload), enums `Enum`s (values 0, 1, …), flags `Flag`s, options
 * `None` or the value (`Some` when nested), results `Ok`/`Err`, tuples tuples, `list<u8>`
 * bytes, `char` a 1-character str. */
#include "app_abi.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* --- Allocation ---------------------------------------------------------------------- */

/* The canonical ABI's allocator, for what the host hands us (the caps' bindings define the
 * same one, weakly). */
__attribute__((__weak__, __export_name__("cabi_realloc"))) void *cabi_realloc(void *ptr, size_t old_size,
                                                                              size_t align, size_t new_size) {
    (void)old_size;
    (void)align;
    if (new_size == 0) {
        return (void *)align;
    }
    void *ret = realloc(ptr, new_size);
    if (!ret) {
        abort();
    }
    return ret;
}

static int grow(void ***items, size_t *n, size_t *cap, size_t size) {
    if (*n < *cap) {
        return 0;
    }
    size_t c = *cap ? *cap * 2 : 8;
    void *p = realloc(*items, c * size);
    if (!p) {
        PyErr_NoMemory();
        return -1;
    }
    *items = p;
    *cap = c;
    return 0;
}

void *pf_alloc(pf_arena *a, size_t size, size_t align) {
    (void)align; /* malloc's alignment (16) covers every WIT type's (at most 8) */
    if (grow(&a->mem, &a->nmem, &a->cmem, sizeof(void *)) < 0) {
        return NULL;
    }
    void *p = malloc(size ? size : 1);
    if (!p) {
        PyErr_NoMemory();
        return NULL;
    }
    memset(p, 0, size);
    a->mem[a->nmem++] = p;
    return p;
}

static int keep(pf_arena *a, PyObject *o) {
    if (grow((void ***)&a->refs, &a->nrefs, &a->crefs, sizeof(PyObject *)) < 0) {
        return -1;
    }
    Py_INCREF(o);
    a->refs[a->nrefs++] = o;
    return 0;
}

void pf_arena_free(pf_arena *a) {
    for (size_t i = 0; i < a->nmem; i++) {
        free(a->mem[i]);
    }
    for (size_t i = 0; i < a->nrefs; i++) {
        Py_DECREF(a->refs[i]);
    }
    free(a->mem);
    free(a->refs);
    memset(a, 0, sizeof *a);
}

static PyObject *cls(int32_t i);

/* --- Classes -------------------------------------------------------------------------- */

PyObject *pf_class(int32_t i) { return cls(i); }

static PyObject *cls(int32_t i) {
    if (!pf_classes[i]) {
        PyObject *m = PyImport_ImportModule(pf_class_names[i][0]);
        if (!m) {
            return NULL;
        }
        pf_classes[i] = PyObject_GetAttrString(m, pf_class_names[i][1]);
        Py_DECREF(m);
    }
    return pf_classes[i];
}

static int type_error(const pf_type *t, PyObject *o) {
    PyErr_Format(PyExc_TypeError, "expected %s, got %.200s", t->wit, Py_TYPE(o)->tp_name);
    return -1;
}

/* Whether `o` is an instance of class `i` (-1: an error). */
static int is(PyObject *o, int32_t i) {
    PyObject *c = cls(i);
    return c ? PyObject_IsInstance(o, c) : -1;
}

/* --- Primitive reads and writes ------------------------------------------------------- */

static uint64_t rd(pf_loc *l, uint32_t pos, uint32_t bytes) {
    if (l->flat) {
        return l->slots[pos];
    }
    const uint8_t *p = l->mem + pos;
    switch (bytes) {
    case 1:
        return *p;
    case 2: {
        uint16_t v;
        memcpy(&v, p, 2);
        return v;
    }
    case 4: {
        uint32_t v;
        memcpy(&v, p, 4);
        return v;
    }
    default: {
        uint64_t v;
        memcpy(&v, p, 8);
        return v;
    }
    }
}

/* `v` holds the value's bits, zero-extended past `bytes`. */
static void wr(pf_loc *l, uint32_t pos, uint32_t bytes, uint64_t v) {
    if (l->flat) {
        l->slots[pos] = bytes < 8 ? (v & 0xffffffffu) : v;
        return;
    }
    uint8_t *p = l->mem + pos;
    switch (bytes) {
    case 1:
        *p = (uint8_t)v;
        break;
    case 2: {
        uint16_t x = (uint16_t)v;
        memcpy(p, &x, 2);
        break;
    }
    case 4: {
        uint32_t x = (uint32_t)v;
        memcpy(p, &x, 4);
        break;
    }
    default:
        memcpy(p, &v, 8);
    }
}

/* Where a field or payload is: its byte offset in memory, its slot when flat. */
static uint32_t at(pf_loc *l, uint32_t pos, uint32_t offset, uint32_t slot) {
    return pos + (l->flat ? slot : offset);
}

/* --- Resources ------------------------------------------------------------------------ */

/* rep → the app's object, for exported resources the host holds handles of. */
static PyObject *reps;
static int32_t next_rep = 1;

PyObject *pf_rep_object(int32_t rep) {
    PyObject *key = PyLong_FromLong(rep);
    PyObject *o = key && reps ? PyDict_GetItemWithError(reps, key) : NULL;
    Py_XDECREF(key);
    if (!o) {
        if (!PyErr_Occurred()) {
            PyErr_Format(PyExc_RuntimeError, "pyforge: no resource object for rep %d", rep);
        }
        return NULL;
    }
    Py_INCREF(o);
    return o;
}

void pf_rep_forget(int32_t rep) {
    PyObject *key = PyLong_FromLong(rep);
    if (key && reps && PyDict_DelItem(reps, key) < 0) {
        PyErr_Clear();
    }
    Py_XDECREF(key);
}

static int lower_handle(const pf_type *t, PyObject *o, pf_loc *l, uint32_t pos) {
    const pf_resource *r = &pf_resources[t->elem];
    int ok = is(o, t->cls);
    if (ok <= 0) {
        return ok < 0 ? -1 : type_error(t, o);
    }
    if (r->exported) {
        if (t->kind == PF_BORROW) {
            PyErr_Format(PyExc_TypeError, "lending the app's own %s to the host is not supported", r->wit);
            return -1;
        }
        if (!reps && !(reps = PyDict_New())) {
            return -1;
        }
        int32_t rep = next_rep++;
        PyObject *key = PyLong_FromLong(rep);
        if (!key || PyDict_SetItem(reps, key, o) < 0) {
            Py_XDECREF(key);
            return -1;
        }
        Py_DECREF(key);
        wr(l, pos, 4, (uint32_t)r->new_(rep));
        return 0;
    }
    PyObject *h = PyObject_GetAttrString(o, "handle");
    if (!h) {
        return -1;
    }
    if (h == Py_None) {
        Py_DECREF(h);
        PyErr_Format(PyExc_ValueError, "this %s was dropped or moved", r->wit);
        return -1;
    }
    long handle = PyLong_AsLong(h);
    Py_DECREF(h);
    if (handle == -1 && PyErr_Occurred()) {
        return -1;
    }
    if (t->kind == PF_OWN) {
        /* Ownership moves to the callee: the object lets go of the handle. */
        PyObject *fin = PyObject_GetAttrString(o, "finalizer");
        PyObject *d = fin ? PyObject_CallMethod(fin, "detach", NULL) : NULL;
        Py_XDECREF(fin);
        Py_XDECREF(d);
        if (!d || PyObject_SetAttrString(o, "handle", Py_None) < 0) {
            return -1;
        }
    }
    wr(l, pos, 4, (uint32_t)handle);
    return 0;
}

static PyObject *lift_handle(const pf_type *t, uint32_t h) {
    const pf_resource *r = &pf_resources[t->elem];
    if (r->exported) {
        if (t->kind == PF_BORROW) {
            return pf_rep_object((int32_t)h); /* a borrow of our own resource is its rep */
        }
        int32_t rep = r->rep((int32_t)h);
        PyObject *o = pf_rep_object(rep);
        r->drop((int32_t)h); /* the handle came to us: the object is ours again */
        return o;
    }
    PyObject *c = cls(t->cls);
    PyObject *o = c ? PyObject_CallMethod(c, "__new__", "O", c) : NULL;
    PyObject *handle = o ? PyLong_FromUnsignedLong(h) : NULL;
    if (!handle || PyObject_SetAttrString(o, "handle", handle) < 0) {
        Py_XDECREF(handle);
        Py_XDECREF(o);
        return NULL;
    }
    PyObject *fin = NULL;
    if (t->kind == PF_OWN) {
        /* Looked up once: this runs for every handle an import returns. */
        static PyObject *app, *finalize;
        if (!app) {
            app = PyImport_ImportModule("_pyforge_app");
        }
        if (app && !finalize) {
            PyObject *weakref = PyImport_ImportModule("weakref");
            finalize = weakref ? PyObject_GetAttrString(weakref, "finalize") : NULL;
            Py_XDECREF(weakref);
        }
        PyObject *drop = app && finalize ? PyObject_GetAttrString(app, r->drop_fn) : NULL;
        fin = drop ? PyObject_CallFunctionObjArgs(finalize, o, drop, handle, NULL) : NULL;
        Py_XDECREF(drop);
    } else {
        fin = Py_NewRef(Py_None); /* borrowed for the call: never dropped by us */
    }
    Py_DECREF(handle);
    if (!fin || PyObject_SetAttrString(o, "finalizer", fin) < 0) {
        Py_XDECREF(fin);
        Py_DECREF(o);
        return NULL;
    }
    Py_DECREF(fin);
    return o;
}

/* --- Lowering ------------------------------------------------------------------------- */

static int to_unsigned(const pf_type *t, PyObject *o, unsigned long long max, uint64_t *out) {
    if (!PyLong_Check(o)) {
        return type_error(t, o);
    }
    unsigned long long x = PyLong_AsUnsignedLongLong(o);
    if (x == (unsigned long long)-1 && PyErr_Occurred()) {
        if (PyErr_ExceptionMatches(PyExc_OverflowError) || PyErr_ExceptionMatches(PyExc_ValueError)) {
            PyErr_Clear();
            PyErr_Format(PyExc_OverflowError, "%R is out of range for %s", o, t->wit);
        }
        return -1;
    }
    if (x > max) {
        PyErr_Format(PyExc_OverflowError, "%llu is out of range for %s (at most %llu)", x, t->wit, max);
        return -1;
    }
    *out = x;
    return 0;
}

static int to_signed(const pf_type *t, PyObject *o, long long min, long long max, uint64_t *out) {
    if (!PyLong_Check(o)) {
        return type_error(t, o);
    }
    long long x = PyLong_AsLongLong(o);
    if (x == -1 && PyErr_Occurred()) {
        if (PyErr_ExceptionMatches(PyExc_OverflowError)) {
            PyErr_Clear();
            PyErr_Format(PyExc_OverflowError, "%R is out of range for %s", o, t->wit);
        }
        return -1;
    }
    if (x < min || x > max) {
        PyErr_Format(PyExc_OverflowError, "%lld is out of range for %s (%lld to %lld)", x, t->wit, min, max);
        return -1;
    }
    *out = (uint64_t)x;
    return 0;
}

static int lower_list(const pf_type *t, PyObject *o, pf_loc *l, uint32_t pos, pf_arena *a) {
    if (PyUnicode_Check(o) || PyBytes_Check(o)) {
        return type_error(t, o); /* a str or bytes is a sequence, but not of these elements */
    }
    PyObject *seq = PySequence_Fast(o, "");
    if (!seq) {
        PyErr_Clear();
        return type_error(t, o);
    }
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    const pf_type *e = &pf_types[t->elem];
    uint8_t *buf = pf_alloc(a, (size_t)n * e->size, e->align);
    if (!buf) {
        Py_DECREF(seq);
        return -1;
    }
    pf_loc m = {0, buf, NULL};
    for (Py_ssize_t i = 0; i < n; i++) {
        if (pf_lower(t->elem, PySequence_Fast_GET_ITEM(seq, i), &m, (uint32_t)i * e->size, a) < 0) {
            Py_DECREF(seq);
            return -1;
        }
    }
    Py_DECREF(seq);
    wr(l, pos, 4, (uint32_t)(uintptr_t)buf);
    wr(l, at(l, pos, 4, 1), 4, (uint64_t)n);
    return 0;
}

/* A variant-like value: the tag, then the payload `p` (borrowed; NULL: none) of case `c`. */
static int lower_case(const pf_type *t, uint32_t c, PyObject *p, pf_loc *l, uint32_t pos, pf_arena *a) {
    wr(l, pos, l->flat ? 4 : t->tag_size, c);
    int32_t pt = t->types[c];
    if (pt < 0) {
        return 0;
    }
    if (!p) {
        PyErr_Format(PyExc_TypeError, "%s: case `%s` carries a value", t->wit, t->names[c]);
        return -1;
    }
    return pf_lower(pt, p, l, at(l, pos, t->payload, 1), a);
}

int pf_lower(int32_t ti, PyObject *o, pf_loc *l, uint32_t pos, pf_arena *a) {
    const pf_type *t = &pf_types[ti];
    uint64_t v = 0;
    switch (t->kind) {
    case PF_BOOL:
        if (!PyBool_Check(o)) {
            return type_error(t, o);
        }
        wr(l, pos, 1, o == Py_True);
        return 0;
    case PF_U8:
    case PF_U16:
    case PF_U32:
    case PF_U64:
        if (to_unsigned(t, o, t->size == 8 ? ULLONG_MAX : (1ULL << (8 * t->size)) - 1, &v) < 0) {
            return -1;
        }
        wr(l, pos, t->size, v);
        return 0;
    case PF_S8:
    case PF_S16:
    case PF_S32:
    case PF_S64: {
        long long max = t->size == 8 ? LLONG_MAX : (long long)((1ULL << (8 * t->size - 1)) - 1);
        if (to_signed(t, o, -max - 1, max, &v) < 0) {
            return -1;
        }
        wr(l, pos, t->size, v); /* flat: the i32's bits, sign-extended from the value */
        return 0;
    }
    case PF_F32:
    case PF_F64: {
        if (!PyFloat_Check(o) && !PyLong_Check(o)) {
            return type_error(t, o);
        }
        double d = PyFloat_AsDouble(o);
        if (d == -1.0 && PyErr_Occurred()) {
            return -1;
        }
        wr(l, pos, t->size, t->kind == PF_F32 ? pf_f32_bits((float)d) : pf_f64_bits(d));
        return 0;
    }
    case PF_CHAR: {
        if (!PyUnicode_Check(o) || PyUnicode_GetLength(o) != 1) {
            PyErr_Format(PyExc_TypeError, "expected a 1-character str for char, got %.200s", Py_TYPE(o)->tp_name);
            return -1;
        }
        Py_UCS4 c = PyUnicode_ReadChar(o, 0);
        if (c >= 0xD800 && c <= 0xDFFF) {
            PyErr_SetString(PyExc_ValueError, "a surrogate is not a char");
            return -1;
        }
        wr(l, pos, 4, c);
        return 0;
    }
    case PF_STRING: {
        if (!PyUnicode_Check(o)) {
            return type_error(t, o);
        }
        Py_ssize_t n;
        const char *s = PyUnicode_AsUTF8AndSize(o, &n);
        if (!s || keep(a, o) < 0) {
            return -1; /* e.g. a lone surrogate: UnicodeEncodeError */
        }
        /* The str's own UTF-8 buffer, kept alive by the arena until the call is over. */
        wr(l, pos, 4, (uint32_t)(uintptr_t)s);
        wr(l, at(l, pos, 4, 1), 4, (uint64_t)n);
        return 0;
    }
    case PF_BYTES: {
        const char *p;
        Py_ssize_t n;
        if (PyBytes_Check(o)) {
            if (keep(a, o) < 0) {
                return -1;
            }
            p = PyBytes_AS_STRING(o);
            n = PyBytes_GET_SIZE(o);
        } else {
            Py_buffer view;
            if (PyUnicode_Check(o) || PyObject_GetBuffer(o, &view, PyBUF_SIMPLE) < 0) {
                PyErr_Clear();
                return type_error(t, o);
            }
            char *copy = pf_alloc(a, (size_t)view.len, 1);
            if (copy) {
                memcpy(copy, view.buf, (size_t)view.len);
            }
            n = view.len;
            PyBuffer_Release(&view);
            if (!copy) {
                return -1;
            }
            p = copy;
        }
        wr(l, pos, 4, (uint32_t)(uintptr_t)p);
        wr(l, at(l, pos, 4, 1), 4, (uint64_t)n);
        return 0;
    }
    case PF_LIST:
        return lower_list(t, o, l, pos, a);
    case PF_RECORD: {
        int ok = is(o, t->cls);
        if (ok <= 0) {
            return ok < 0 ? -1 : type_error(t, o);
        }
        for (uint32_t i = 0; i < t->n; i++) {
            PyObject *f = PyObject_GetAttrString(o, t->names[i]);
            int r = f ? pf_lower(t->types[i], f, l, at(l, pos, t->offsets[i], t->flat_offsets[i]), a) : -1;
            Py_XDECREF(f);
            if (r < 0) {
                return -1;
            }
        }
        return 0;
    }
    case PF_TUPLE: {
        if (!PyTuple_Check(o) || (uint32_t)PyTuple_GET_SIZE(o) != t->n) {
            return type_error(t, o);
        }
        for (uint32_t i = 0; i < t->n; i++) {
            if (pf_lower(t->types[i], PyTuple_GET_ITEM(o, i), l, at(l, pos, t->offsets[i], t->flat_offsets[i]), a) <
                0) {
                return -1;
            }
        }
        return 0;
    }
    case PF_VARIANT:
        for (uint32_t c = 0; c < t->n; c++) {
            int ok = is(o, t->cls + (int32_t)c);
            if (ok < 0) {
                return -1;
            }
            if (ok) {
                PyObject *p = t->types[c] >= 0 ? PyObject_GetAttrString(o, "value") : NULL;
                if (t->types[c] >= 0 && !p) {
                    return -1;
                }
                int r = lower_case(t, c, p, l, pos, a);
                Py_XDECREF(p);
                return r;
            }
        }
        return type_error(t, o);
    case PF_ENUM:
    case PF_FLAGS: {
        int ok = is(o, t->cls);
        if (ok <= 0) {
            return ok < 0 ? -1 : type_error(t, o);
        }
        PyObject *value = PyObject_GetAttrString(o, "value");
        if (!value) {
            return -1;
        }
        unsigned long long x = PyLong_AsUnsignedLongLong(value);
        Py_DECREF(value);
        if (x == (unsigned long long)-1 && PyErr_Occurred()) {
            return -1;
        }
        if (t->kind == PF_ENUM || t->nflat <= 1) {
            wr(l, pos, l->flat ? 4 : t->tag_size, x);
        } else { /* more than 32 flags: u32 words */
            for (uint32_t i = 0; i < t->nflat; i++) {
                wr(l, at(l, pos, 4 * i, i), 4, (x >> (32 * i)) & 0xffffffffu);
            }
        }
        return 0;
    }
    case PF_OPTION: {
        if (o == Py_None) {
            return lower_case(t, 0, NULL, l, pos, a);
        }
        if (!t->cls) {
            return lower_case(t, 1, o, l, pos, a);
        }
        int ok = is(o, PF_CLS_SOME);
        if (ok <= 0) {
            return ok < 0 ? -1 : type_error(t, o);
        }
        PyObject *p = PyObject_GetAttrString(o, "value");
        int r = p ? lower_case(t, 1, p, l, pos, a) : -1;
        Py_XDECREF(p);
        return r;
    }
    case PF_OWN:
    case PF_BORROW:
        return lower_handle(t, o, l, pos);
    case PF_RESULT: {
        uint32_t c;
        int ok = is(o, PF_CLS_OK);
        if (ok < 0) {
            return -1;
        }
        if (ok) {
            c = 0;
        } else {
            ok = is(o, PF_CLS_ERR);
            if (ok <= 0) {
                return ok < 0 ? -1 : type_error(t, o);
            }
            c = 1;
        }
        PyObject *p = PyObject_GetAttrString(o, "value");
        if (!p) {
            return -1;
        }
        int r = lower_case(t, c, t->types[c] >= 0 ? p : NULL, l, pos, a);
        Py_DECREF(p);
        return r;
    }
    }
    PyErr_SetString(PyExc_SystemError, "pyforge: unknown type");
    return -1;
}

int pf_lower_args(int32_t ti, const char *fname, PyObject *const *args, Py_ssize_t nargs, pf_loc *l,
                  pf_arena *a) {
    const pf_type *t = &pf_types[ti];
    if ((uint32_t)nargs != t->n) {
        PyErr_Format(PyExc_TypeError, "%s() takes %u argument%s (%zd given)", fname, t->n, t->n == 1 ? "" : "s",
                     nargs);
        return -1;
    }
    for (uint32_t i = 0; i < t->n; i++) {
        if (pf_lower(t->types[i], args[i], l, at(l, 0, t->offsets[i], t->flat_offsets[i]), a) < 0) {
            PyObject *raised = PyErr_GetRaisedException();
            if (PyErr_GivenExceptionMatches(raised, PyExc_TypeError) ||
                PyErr_GivenExceptionMatches(raised, PyExc_OverflowError)) {
                PyErr_Format((PyObject *)Py_TYPE(raised), "%s(), argument `%s`: %S", fname, t->names[i], raised);
                Py_DECREF(raised);
            } else {
                PyErr_SetRaisedException(raised);
            }
            return -1;
        }
    }
    return 0;
}

/* --- Lifting -------------------------------------------------------------------------- */

static PyObject *lift_list(const pf_type *t, pf_loc *l, uint32_t pos, int owned) {
    uint8_t *buf = (uint8_t *)(uintptr_t)(uint32_t)rd(l, pos, 4);
    uint32_t n = (uint32_t)rd(l, at(l, pos, 4, 1), 4);
    PyObject *r;
    if (t->kind == PF_STRING) {
        r = PyUnicode_DecodeUTF8((const char *)buf, n, "strict");
    } else if (t->kind == PF_BYTES) {
        r = PyBytes_FromStringAndSize((const char *)buf, n);
    } else {
        const pf_type *e = &pf_types[t->elem];
        pf_loc m = {0, buf, NULL};
        r = PyList_New(n);
        for (uint32_t i = 0; r && i < n; i++) {
            PyObject *x = pf_lift(t->elem, &m, i * e->size, owned);
            if (!x) {
                Py_CLEAR(r);
                /* the rest still needs freeing: lift it and drop it */
                for (uint32_t j = i + 1; owned && j < n; j++) {
                    PyObject *save = PyErr_GetRaisedException();
                    Py_XDECREF(pf_lift(t->elem, &m, j * e->size, owned));
                    PyErr_SetRaisedException(save);
                }
                break;
            }
            PyList_SET_ITEM(r, i, x);
        }
    }
    size_t esize = t->kind == PF_LIST ? pf_types[t->elem].size : 1;
    if (owned && n && esize) {
        free(buf);
    }
    return r;
}

static PyObject *call_cls(int32_t c, PyObject *const *args, size_t n) {
    PyObject *k = cls(c);
    return k ? PyObject_Vectorcall(k, args, n, NULL) : NULL;
}

static PyObject *lift_case(const pf_type *t, pf_loc *l, uint32_t pos, int owned, uint32_t *case_out) {
    uint32_t c = (uint32_t)rd(l, pos, l->flat ? 4 : t->tag_size);
    if (c >= t->n) {
        PyErr_Format(PyExc_ValueError, "%s: invalid case %u", t->wit, c);
        return NULL;
    }
    *case_out = c;
    if (t->types[c] < 0) {
        Py_RETURN_NONE;
    }
    return pf_lift(t->types[c], l, at(l, pos, t->payload, 1), owned);
}

PyObject *pf_lift(int32_t ti, pf_loc *l, uint32_t pos, int owned) {
    const pf_type *t = &pf_types[ti];
    uint64_t v;
    switch (t->kind) {
    case PF_BOOL:
        return PyBool_FromLong(rd(l, pos, 1) & (l->flat ? 0xffffffffu : 0xff));
    case PF_U8:
    case PF_U16:
    case PF_U32:
    case PF_U64:
        v = rd(l, pos, t->size);
        if (t->size < 8) {
            v &= (1ULL << (8 * t->size)) - 1;
        }
        return PyLong_FromUnsignedLongLong(v);
    case PF_S8:
        return PyLong_FromLong((int8_t)rd(l, pos, 1));
    case PF_S16:
        return PyLong_FromLong((int16_t)rd(l, pos, 2));
    case PF_S32:
        return PyLong_FromLong((int32_t)rd(l, pos, 4));
    case PF_S64:
        return PyLong_FromLongLong((int64_t)rd(l, pos, 8));
    case PF_F32:
        return PyFloat_FromDouble(pf_bits_f32(rd(l, pos, 4)));
    case PF_F64:
        return PyFloat_FromDouble(pf_bits_f64(rd(l, pos, 8)));
    case PF_CHAR:
        v = rd(l, pos, 4) & 0xffffffffu;
        if (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) {
            PyErr_Format(PyExc_ValueError, "%llu is not a char", (unsigned long long)v);
            return NULL;
        }
        return PyUnicode_FromOrdinal((int)v);
    case PF_STRING:
    case PF_BYTES:
    case PF_LIST:
        return lift_list(t, l, pos, owned);
    case PF_RECORD:
    case PF_TUPLE: {
        PyObject *fields[64];
        PyObject **f = t->n <= 64 ? fields : PyMem_Malloc(t->n * sizeof(PyObject *));
        if (!f) {
            return PyErr_NoMemory();
        }
        uint32_t i;
        int failed = 0;
        for (i = 0; i < t->n; i++) {
            f[i] = pf_lift(t->types[i], l, at(l, pos, t->offsets[i], t->flat_offsets[i]), owned);
            failed |= !f[i];
        }
        PyObject *r = NULL;
        if (!failed) {
            if (t->kind == PF_TUPLE) {
                r = PyTuple_New(t->n);
                for (i = 0; r && i < t->n; i++) {
                    Py_INCREF(f[i]);
                    PyTuple_SET_ITEM(r, i, f[i]);
                }
            } else {
                r = call_cls(t->cls, f, t->n);
            }
        }
        for (i = 0; i < t->n; i++) {
            Py_XDECREF(f[i]);
        }
        if (f != fields) {
            PyMem_Free(f);
        }
        return r;
    }
    case PF_VARIANT:
    case PF_OPTION:
    case PF_RESULT: {
        uint32_t c;
        PyObject *p = lift_case(t, l, pos, owned, &c);
        if (!p) {
            return NULL;
        }
        PyObject *r;
        if (t->kind == PF_VARIANT) {
            r = t->types[c] >= 0 ? call_cls(t->cls + (int32_t)c, &p, 1) : call_cls(t->cls + (int32_t)c, NULL, 0);
        } else if (t->kind == PF_OPTION) {
            if (c == 0 || !t->cls) {
                return p;
            }
            r = call_cls(PF_CLS_SOME, &p, 1);
        } else {
            r = call_cls(c == 0 ? PF_CLS_OK : PF_CLS_ERR, &p, 1);
        }
        Py_DECREF(p);
        return r;
    }
    case PF_OWN:
    case PF_BORROW:
        return lift_handle(t, (uint32_t)rd(l, pos, 4));
    case PF_ENUM:
    case PF_FLAGS: {
        if (t->kind == PF_ENUM || t->nflat <= 1) {
            v = rd(l, pos, l->flat ? 4 : t->tag_size);
            if (!l->flat && t->tag_size < 8) {
                v &= (1ULL << (8 * t->tag_size)) - 1;
            }
        } else {
            v = 0;
            for (uint32_t i = 0; i < t->nflat; i++) {
                v |= (rd(l, at(l, pos, 4 * i, i), 4) & 0xffffffffu) << (32 * i);
            }
        }
        if (t->kind == PF_ENUM && v >= t->n) {
            PyErr_Format(PyExc_ValueError, "%s: invalid case %llu", t->wit, (unsigned long long)v);
            return NULL;
        }
        PyObject *x = PyLong_FromUnsignedLongLong(v);
        PyObject *r = x ? call_cls(t->cls, &x, 1) : NULL;
        Py_XDECREF(x);
        return r;
    }
    }
    PyErr_SetString(PyExc_SystemError, "pyforge: unknown type");
    return NULL;
}

int pf_lift_args(int32_t ti, pf_loc *l, int owned, PyObject **out) {
    const pf_type *t = &pf_types[ti];
    int failed = 0;
    for (uint32_t i = 0; i < t->n; i++) {
        out[i] = pf_lift(t->types[i], l, at(l, 0, t->offsets[i], t->flat_offsets[i]), owned);
        failed |= !out[i];
    }
    if (failed) {
        for (uint32_t i = 0; i < t->n; i++) {
            Py_CLEAR(out[i]);
        }
        return -1;
    }
    return 0;
}

PyObject *pf_unwrap_result(PyObject *r) {
    if (!r) {
        return NULL;
    }
    int err = is(r, PF_CLS_ERR);
    if (err < 0) {
        Py_DECREF(r);
        return NULL;
    }
    if (err) {
        PyErr_SetObject((PyObject *)Py_TYPE(r), r);
        Py_DECREF(r);
        return NULL;
    }
    PyObject *v = PyObject_GetAttrString(r, "value");
    Py_DECREF(r);
    return v;
}

_Noreturn void pf_export_failed(const char *name) {
    fprintf(stderr, "pyforge: the app's export `%s` raised:\n", name);
    PyErr_Print();
    fflush(stderr);
    abort();
}

PyObject *pf_wrap_result(PyObject *r) {
    if (r) {
        PyObject *ok = cls(PF_CLS_OK);
        PyObject *w = ok ? PyObject_Vectorcall(ok, &r, 1, NULL) : NULL;
        Py_DECREF(r);
        return w;
    }
    PyObject *raised = PyErr_GetRaisedException();
    int err = is(raised, PF_CLS_ERR);
    if (err > 0) {
        return raised;
    }
    if (err < 0) {
        Py_DECREF(raised);
        return NULL;
    }
    PyErr_SetRaisedException(raised);
    return NULL;
}
