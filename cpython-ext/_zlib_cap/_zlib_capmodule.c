// `_zlib_cap`: the thin C side of Python's `zlib` over the zlib cap (pyforge:zlib/deflate).
//
// Each function converts Python arguments to the canonical-ABI types of the generated
// bindings (gen/), calls the import, and turns the result into Python objects or the
// exception the cap names. Stream state lives in the cap; `Handle` owns one cap resource and
// drops it when collected. The Python API (classes, defaults, attributes) is in `zlib.py`.
//
// Memory rules of the bindings: lists passed to an import are borrowed (point them at the
// Py_buffer, never free them); lists, strings and records returned are owned and freed here.
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "gen/zlib_cap_import.h"

typedef pyforge_zlib_deflate_error_t zerror_t;
typedef zlib_cap_import_list_u8_t bytes_t;

static PyObject *ZlibError;  // zlib.error

// ------------------------------------------------------------------ helpers

static bytes_t
borrow(Py_buffer *b)
{
    bytes_t l = {(uint8_t *)b->buf, (size_t)b->len};
    return l;
}

// Raises the exception `e` names, frees `e`, returns NULL.
static PyObject *
raise(zerror_t *e)
{
    PyObject *type = ZlibError;
    switch (e->kind) {
    case PYFORGE_ZLIB_DEFLATE_ERROR_KIND_VALUE: type = PyExc_ValueError; break;
    case PYFORGE_ZLIB_DEFLATE_ERROR_KIND_MEMORY: type = PyExc_MemoryError; break;
    case PYFORGE_ZLIB_DEFLATE_ERROR_KIND_EOF: type = PyExc_EOFError; break;
    default: break;
    }
    PyObject *msg = PyUnicode_DecodeUTF8((const char *)e->message.ptr, (Py_ssize_t)e->message.len, "replace");
    if (msg != NULL) {
        PyErr_SetObject(type, msg);
        Py_DECREF(msg);
    }
    pyforge_zlib_deflate_error_free(e);
    return NULL;
}

// Moves an owned list into a new bytes object.
static PyObject *
take_bytes(bytes_t *l)
{
    PyObject *r = PyBytes_FromStringAndSize((const char *)l->ptr, (Py_ssize_t)l->len);
    zlib_cap_import_list_u8_free(l);
    return r;
}

// An optional bytes-like argument (None or a buffer), borrowed for one import call: parse it
// with "O&" and `opt_bytes`, pass `opt_list(&o)`, then `opt_release(&o)`.
typedef struct {
    Py_buffer buf;
    bytes_t list;
    int present;
} opt_bytes_t;

static int
opt_bytes(PyObject *obj, void *out)
{
    opt_bytes_t *o = out;
    o->present = 0;
    if (obj == Py_None) {
        return 1;
    }
    if (PyObject_GetBuffer(obj, &o->buf, PyBUF_SIMPLE) < 0) {
        return 0;
    }
    o->list = borrow(&o->buf);
    o->present = 1;
    return 1;
}

static bytes_t *
opt_list(opt_bytes_t *o)
{
    return o->present ? &o->list : NULL;
}

static void
opt_release(opt_bytes_t *o)
{
    if (o->present) {
        PyBuffer_Release(&o->buf);
    }
}

// ------------------------------------------------------------------ Handle

enum kind { COMPRESSOR, DECOMPRESSOR, STREAM_DECOMPRESSOR };

typedef struct {
    PyObject_HEAD
    int kind;
    int32_t handle;
    int live;
} Handle;

static void
Handle_dealloc(Handle *self)
{
    if (self->live) {
        switch (self->kind) {
        case COMPRESSOR: {
            pyforge_zlib_deflate_own_compressor_t h = {self->handle};
            pyforge_zlib_deflate_compressor_drop_own(h);
            break;
        }
        case DECOMPRESSOR: {
            pyforge_zlib_deflate_own_decompressor_t h = {self->handle};
            pyforge_zlib_deflate_decompressor_drop_own(h);
            break;
        }
        default: {
            pyforge_zlib_deflate_own_stream_decompressor_t h = {self->handle};
            pyforge_zlib_deflate_stream_decompressor_drop_own(h);
            break;
        }
        }
    }
    PyTypeObject *tp = Py_TYPE(self);
    tp->tp_free((PyObject *)self);
}

static PyTypeObject HandleType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "_zlib_cap.Handle",
    .tp_basicsize = sizeof(Handle),
    .tp_dealloc = (destructor)Handle_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "An owned handle to a stream in the zlib cap.",
};

static PyObject *
new_handle(int kind, int32_t handle)
{
    Handle *h = PyObject_New(Handle, &HandleType);
    if (h == NULL) {
        return NULL;
    }
    h->kind = kind;
    h->handle = handle;
    h->live = 1;
    return (PyObject *)h;
}

static int
get_handle(PyObject *obj, int kind, int32_t *out)
{
    if (!PyObject_TypeCheck(obj, &HandleType) || ((Handle *)obj)->kind != kind) {
        PyErr_SetString(PyExc_TypeError, "expected a _zlib_cap handle of the right kind");
        return 0;
    }
    *out = ((Handle *)obj)->handle;
    return 1;
}

// "O&" converters: a handle of one kind, checked before any buffer argument is acquired.
static int
compressor_arg(PyObject *obj, void *out)
{
    return get_handle(obj, COMPRESSOR, out);
}

static int
decompressor_arg(PyObject *obj, void *out)
{
    return get_handle(obj, DECOMPRESSOR, out);
}

static int
stream_decompressor_arg(PyObject *obj, void *out)
{
    return get_handle(obj, STREAM_DECOMPRESSOR, out);
}

// ------------------------------------------------------------------ one-shot and checksums

static PyObject *
zc_compress(PyObject *m, PyObject *args)
{
    Py_buffer data;
    int level, wbits;
    if (!PyArg_ParseTuple(args, "y*ii", &data, &level, &wbits)) {
        return NULL;
    }
    bytes_t in = borrow(&data), out;
    zerror_t err;
    bool ok = pyforge_zlib_deflate_compress(&in, level, wbits, &out, &err);
    PyBuffer_Release(&data);
    return ok ? take_bytes(&out) : raise(&err);
}

static PyObject *
zc_decompress(PyObject *m, PyObject *args)
{
    Py_buffer data;
    int wbits;
    Py_ssize_t bufsize;
    if (!PyArg_ParseTuple(args, "y*in", &data, &wbits, &bufsize)) {
        return NULL;
    }
    bytes_t in = borrow(&data), out;
    zerror_t err;
    bool ok = pyforge_zlib_deflate_decompress(&in, wbits, (uint64_t)bufsize, &out, &err);
    PyBuffer_Release(&data);
    return ok ? take_bytes(&out) : raise(&err);
}

// Checksums go in 1 MiB pieces so the cap's memory stays small for large inputs.
#define CHUNK ((Py_ssize_t)1 << 20)

// crc32/adler32(data, value=<initial>, /), METH_FASTCALL with the argument handling of CPython's
// Argument Clinic code for them (a contiguous buffer; `value` an int taken modulo 2**32): these
// are called per chunk in loops (gzip, zipfile), so no argument tuple is built.
static PyObject *
checksum(PyObject *const *args, Py_ssize_t nargs, const char *name, uint32_t value,
         uint32_t (*f)(bytes_t *, uint32_t))
{
    if (nargs < 1 || nargs > 2) {
        PyErr_Format(PyExc_TypeError, "%s expected %s argument%s, got %zd", name,
                     nargs < 1 ? "at least 1" : "at most 2", nargs < 1 ? "" : "s", nargs);
        return NULL;
    }
    Py_buffer data;
    if (PyObject_GetBuffer(args[0], &data, PyBUF_SIMPLE) != 0) {
        return NULL;
    }
    if (nargs == 2) {
        unsigned long v = PyLong_AsUnsignedLongMask(args[1]);
        if (v == (unsigned long)-1 && PyErr_Occurred()) {
            PyBuffer_Release(&data);
            return NULL;
        }
        value = (uint32_t)v;
    }
    for (Py_ssize_t off = 0; off < data.len; off += CHUNK) {
        Py_ssize_t n = data.len - off < CHUNK ? data.len - off : CHUNK;
        bytes_t piece = {(uint8_t *)data.buf + off, (size_t)n};
        value = f(&piece, value);
    }
    PyBuffer_Release(&data);
    return PyLong_FromUnsignedLong(value);
}

static PyObject *
zc_crc32(PyObject *m, PyObject *const *args, Py_ssize_t nargs)
{
    return checksum(args, nargs, "crc32", 0, pyforge_zlib_deflate_crc32);
}

static PyObject *
zc_adler32(PyObject *m, PyObject *const *args, Py_ssize_t nargs)
{
    return checksum(args, nargs, "adler32", 1, pyforge_zlib_deflate_adler32);
}

static PyObject *
zc_version(PyObject *m, PyObject *noargs)
{
    zlib_cap_import_string_t s;
    pyforge_zlib_deflate_version(&s);
    PyObject *r = PyUnicode_DecodeUTF8((const char *)s.ptr, (Py_ssize_t)s.len, "replace");
    zlib_cap_import_string_free(&s);
    return r;
}

// ------------------------------------------------------------------ Compress

static PyObject *
zc_compressobj(PyObject *m, PyObject *args)
{
    int level, method, wbits, memlevel, strategy;
    opt_bytes_t dict;
    if (!PyArg_ParseTuple(args, "iiiiiO&", &level, &method, &wbits, &memlevel, &strategy, opt_bytes, &dict)) {
        return NULL;
    }
    pyforge_zlib_deflate_own_compressor_t h;
    zerror_t err;
    bool ok = pyforge_zlib_deflate_static_compressor_create(level, method, wbits, memlevel, strategy,
                                                             opt_list(&dict), &h, &err);
    opt_release(&dict);
    return ok ? new_handle(COMPRESSOR, h.__handle) : raise(&err);
}

static PyObject *
zc_c_compress(PyObject *m, PyObject *args)
{
    pyforge_zlib_deflate_borrow_compressor_t b;
    Py_buffer data;
    if (!PyArg_ParseTuple(args, "O&y*", compressor_arg, &b.__handle, &data)) {
        return NULL;
    }
    bytes_t in = borrow(&data), out;
    zerror_t err;
    bool ok = pyforge_zlib_deflate_method_compressor_compress(b, &in, &out, &err);
    PyBuffer_Release(&data);
    return ok ? take_bytes(&out) : raise(&err);
}

static PyObject *
zc_c_flush(PyObject *m, PyObject *args)
{
    pyforge_zlib_deflate_borrow_compressor_t b;
    int mode;
    if (!PyArg_ParseTuple(args, "O&i", compressor_arg, &b.__handle, &mode)) {
        return NULL;
    }
    bytes_t out;
    zerror_t err;
    return pyforge_zlib_deflate_method_compressor_flush(b, mode, &out, &err) ? take_bytes(&out) : raise(&err);
}

static PyObject *
zc_c_copy(PyObject *m, PyObject *obj)
{
    pyforge_zlib_deflate_borrow_compressor_t b;
    if (!compressor_arg(obj, &b.__handle)) {
        return NULL;
    }
    pyforge_zlib_deflate_own_compressor_t h;
    zerror_t err;
    return pyforge_zlib_deflate_method_compressor_copy(b, &h, &err) ? new_handle(COMPRESSOR, h.__handle)
                                                                     : raise(&err);
}

// ------------------------------------------------------------------ Decompress

static PyObject *
zc_decompressobj(PyObject *m, PyObject *args)
{
    int wbits;
    opt_bytes_t dict;
    if (!PyArg_ParseTuple(args, "iO&", &wbits, opt_bytes, &dict)) {
        return NULL;
    }
    pyforge_zlib_deflate_own_decompressor_t h;
    zerror_t err;
    bool ok = pyforge_zlib_deflate_static_decompressor_create(wbits, opt_list(&dict), &h, &err);
    opt_release(&dict);
    return ok ? new_handle(DECOMPRESSOR, h.__handle) : raise(&err);
}

// (data, unconsumed_tail, unused_data, eof), taking ownership of `r`.
static PyObject *
inflated_tuple(pyforge_zlib_deflate_inflated_t *r)
{
    PyObject *t = Py_BuildValue("(y#y#y#O)", (const char *)r->data.ptr, (Py_ssize_t)r->data.len,
                                (const char *)r->unconsumed_tail.ptr, (Py_ssize_t)r->unconsumed_tail.len,
                                (const char *)r->unused_data.ptr, (Py_ssize_t)r->unused_data.len,
                                r->eof ? Py_True : Py_False);
    pyforge_zlib_deflate_inflated_free(r);
    return t;
}

// d_decompress(handle, data, max_length) and d_flush(handle, tail, length): the same shape.
static PyObject *
inflate_call(PyObject *args, bool (*f)(pyforge_zlib_deflate_borrow_decompressor_t, bytes_t *, uint64_t,
                                       pyforge_zlib_deflate_inflated_t *, zerror_t *))
{
    pyforge_zlib_deflate_borrow_decompressor_t b;
    Py_buffer data;
    Py_ssize_t n;
    if (!PyArg_ParseTuple(args, "O&y*n", decompressor_arg, &b.__handle, &data, &n)) {
        return NULL;
    }
    bytes_t in = borrow(&data);
    pyforge_zlib_deflate_inflated_t r;
    zerror_t err;
    bool ok = f(b, &in, (uint64_t)n, &r, &err);
    PyBuffer_Release(&data);
    return ok ? inflated_tuple(&r) : raise(&err);
}

static PyObject *
zc_d_decompress(PyObject *m, PyObject *args)
{
    return inflate_call(args, pyforge_zlib_deflate_method_decompressor_decompress);
}

static PyObject *
zc_d_flush(PyObject *m, PyObject *args)
{
    return inflate_call(args, pyforge_zlib_deflate_method_decompressor_flush);
}

static PyObject *
zc_d_copy(PyObject *m, PyObject *obj)
{
    pyforge_zlib_deflate_borrow_decompressor_t b;
    if (!decompressor_arg(obj, &b.__handle)) {
        return NULL;
    }
    pyforge_zlib_deflate_own_decompressor_t h;
    zerror_t err;
    return pyforge_zlib_deflate_method_decompressor_copy(b, &h, &err) ? new_handle(DECOMPRESSOR, h.__handle)
                                                                       : raise(&err);
}

// ------------------------------------------------------------------ _ZlibDecompressor

static PyObject *
zc_zd_new(PyObject *m, PyObject *args)
{
    int wbits;
    opt_bytes_t dict;
    if (!PyArg_ParseTuple(args, "iO&", &wbits, opt_bytes, &dict)) {
        return NULL;
    }
    pyforge_zlib_deflate_own_stream_decompressor_t h;
    zerror_t err;
    bool ok = pyforge_zlib_deflate_static_stream_decompressor_create(wbits, opt_list(&dict), &h, &err);
    opt_release(&dict);
    return ok ? new_handle(STREAM_DECOMPRESSOR, h.__handle) : raise(&err);
}

static PyObject *
zc_zd_decompress(PyObject *m, PyObject *args)
{
    pyforge_zlib_deflate_borrow_stream_decompressor_t b;
    Py_buffer data;
    Py_ssize_t max_length;
    if (!PyArg_ParseTuple(args, "O&y*n", stream_decompressor_arg, &b.__handle, &data, &max_length)) {
        return NULL;
    }
    bytes_t in = borrow(&data);
    pyforge_zlib_deflate_streamed_t r;
    zerror_t err;
    bool ok = pyforge_zlib_deflate_method_stream_decompressor_decompress(b, &in, (int64_t)max_length, &r, &err);
    PyBuffer_Release(&data);
    if (!ok) {
        return raise(&err);
    }
    PyObject *t = Py_BuildValue("(y#OOy#)", (const char *)r.data.ptr, (Py_ssize_t)r.data.len,
                                r.eof ? Py_True : Py_False, r.needs_input ? Py_True : Py_False,
                                (const char *)r.unused_data.ptr, (Py_ssize_t)r.unused_data.len);
    pyforge_zlib_deflate_streamed_free(&r);
    return t;
}

// ------------------------------------------------------------------ module

static PyMethodDef methods[] = {
    {"compress", zc_compress, METH_VARARGS, "compress(data, level, wbits) -> bytes"},
    {"decompress", zc_decompress, METH_VARARGS, "decompress(data, wbits, bufsize) -> bytes"},
    {"crc32", (PyCFunction)(void (*)(void))zc_crc32, METH_FASTCALL, "crc32($module, data, value=0, /)\n--\n\nCompute a CRC-32 checksum of data."},
    {"adler32", (PyCFunction)(void (*)(void))zc_adler32, METH_FASTCALL, "adler32($module, data, value=1, /)\n--\n\nCompute an Adler-32 checksum of data."},
    {"version", zc_version, METH_NOARGS, "version() -> str: the cap's zlib version"},
    {"compressobj", zc_compressobj, METH_VARARGS, "compressobj(level, method, wbits, memLevel, strategy, zdict) -> Handle"},
    {"c_compress", zc_c_compress, METH_VARARGS, "c_compress(handle, data) -> bytes"},
    {"c_flush", zc_c_flush, METH_VARARGS, "c_flush(handle, mode) -> bytes"},
    {"c_copy", zc_c_copy, METH_O, "c_copy(handle) -> Handle"},
    {"decompressobj", zc_decompressobj, METH_VARARGS, "decompressobj(wbits, zdict) -> Handle"},
    {"d_decompress", zc_d_decompress, METH_VARARGS, "d_decompress(handle, data, max_length) -> (data, tail, unused, eof)"},
    {"d_flush", zc_d_flush, METH_VARARGS, "d_flush(handle, tail, length) -> (data, tail, unused, eof)"},
    {"d_copy", zc_d_copy, METH_O, "d_copy(handle) -> Handle"},
    {"zd_new", zc_zd_new, METH_VARARGS, "zd_new(wbits, zdict) -> Handle"},
    {"zd_decompress", zc_zd_decompress, METH_VARARGS, "zd_decompress(handle, data, max_length) -> (data, eof, needs_input, unused)"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_zlib_cap", "The C side of zlib over the zlib cap (pyforge:zlib/deflate).", -1, methods,
};

PyMODINIT_FUNC
PyInit__zlib_cap(void)
{
    if (PyType_Ready(&HandleType) < 0) {
        return NULL;
    }
    PyObject *m = PyModule_Create(&module);
    if (m == NULL) {
        return NULL;
    }
    ZlibError = PyErr_NewException("zlib.error", NULL, NULL);
    if (ZlibError == NULL || PyModule_AddObjectRef(m, "error", ZlibError) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
