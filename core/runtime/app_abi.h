/* The canonical ABI between an application's WIT world and Python objects (`pyforge
 * componentize`). The tool generates, per world, a table of the types its functions use
 * (`pf_type`, sizes, alignments, offsets and flat positions computed by wit-parser) and one
 * small C function per import and export; this file holds what they share: lowering a Python
 * object into linear memory or into flat core values, and lifting one back.
 *
 * One recursive walk serves both places a value can be: memory (positions are byte offsets)
 * and flat core values (positions are slot indices, each slot a core value's bits in a
 * uint64_t, zero-extended — so the canonical ABI's joins of variant payloads, e.g. an f32
 * carried in an i64, need no conversion). */
#ifndef PYFORGE_APP_ABI_H
#define PYFORGE_APP_ABI_H

#include "Python.h"
#include <stdint.h>

enum pf_kind {
    PF_BOOL, PF_U8, PF_U16, PF_U32, PF_U64, PF_S8, PF_S16, PF_S32, PF_S64, PF_F32, PF_F64,
    PF_CHAR, PF_STRING, PF_BYTES, PF_LIST, PF_RECORD, PF_TUPLE, PF_VARIANT, PF_ENUM, PF_FLAGS,
    PF_OPTION, PF_RESULT, PF_OWN, PF_BORROW,
};

/* A resource type. Imported: Python objects hold a `handle` and a `finalizer` (a
 * weakref.finalize calling `drop`), as in componentize-py; exported: the app's objects, kept in
 * a table under their rep while the host holds a handle. */
typedef struct pf_resource {
    int exported;
    /* Imported: [resource-drop]. Exported: [resource-new], [resource-rep], [resource-drop]. */
    void (*drop)(int32_t);
    int32_t (*new_)(int32_t);
    int32_t (*rep)(int32_t);
    /* Imported: the `_pyforge_app` function the finalizer calls (`drop_N`). */
    const char *drop_fn;
    const char *wit;
} pf_resource;

typedef struct pf_type {
    uint8_t kind;
    uint32_t size, align;
    /* PF_LIST: the element type. */
    int32_t elem;
    /* Fields (record, tuple), cases (variant, option: 2, result: 2, enum) or flags. */
    uint32_t n;
    /* Record/tuple: field types. Variant/option/result: case payload types (-1: none). */
    const int32_t *types;
    /* Record/tuple: field byte offsets and flat positions. */
    const uint32_t *offsets, *flat_offsets;
    /* Variant/option/result: the payload's byte offset. Variant/enum/flags: tag bytes. */
    uint32_t payload, tag_size;
    /* Own/borrow: the resource (pf_resources). */
    /* Record/enum/flags/own/borrow: the Python class. Variant: the first case's class (cases follow).
     * Option: 1 when a `Some` wraps the value (the payload can itself be None). */
    int32_t cls;
    /* Record: the Python field names. Variant: the case names (for messages). */
    const char *const *names;
    /* How many flat core values the type takes. */
    uint32_t nflat;
    /* The type's WIT spelling, for messages. */
    const char *wit;
} pf_type;

/* What a call allocated and must release when done: memory and Python references that
 * lowered values point into. */
typedef struct pf_arena {
    void **mem;
    PyObject **refs;
    size_t nmem, cmem, nrefs, crefs;
} pf_arena;

/* Where a value is: in memory at `mem` or in the flat values `slots`. */
typedef struct pf_loc {
    int flat;
    uint8_t *mem;
    uint64_t *slots;
} pf_loc;

/* The generated tables (in the world's glue). */
extern const pf_type pf_types[];
extern const pf_resource pf_resources[];
extern const char *const pf_class_names[][2];
extern PyObject *pf_classes[];
extern const int pf_nclasses;

/* Class indices 0, 1, 2 are componentize_py_types' Some, Ok and Err. */
enum { PF_CLS_SOME = 0, PF_CLS_OK = 1, PF_CLS_ERR = 2 };

void *pf_alloc(pf_arena *a, size_t size, size_t align);
void pf_arena_free(pf_arena *a);

/* Lowers `o` (of type `t`) at `pos`; -1 with a Python exception set on a bad value. */
int pf_lower(int32_t t, PyObject *o, pf_loc *l, uint32_t pos, pf_arena *a);
/* Lifts the value of type `t` at `pos` (a new reference; NULL with an exception). With
 * `owned`, the lists and strings it points to were allocated for us (cabi_realloc) and are
 * freed as they are read. */
PyObject *pf_lift(int32_t t, pf_loc *l, uint32_t pos, int owned);

/* An import's arguments: the params tuple type `t` lowered from `args`. */
int pf_lower_args(int32_t t, const char *fname, PyObject *const *args, Py_ssize_t nargs, pf_loc *l,
                  pf_arena *a);
/* An export's arguments into `out` (t's fields count). */
int pf_lift_args(int32_t t, pf_loc *l, int owned, PyObject **out);

/* The exported resource object under `rep` (a new reference). */
PyObject *pf_rep_object(int32_t rep);
/* The host dropped its last handle of the exported resource `rep`. */
void pf_rep_forget(int32_t rep);
/* The class of table index `i` (borrowed). */
PyObject *pf_class(int32_t i);

/* An import's `result` in return position: the `ok` value, or the `Err` raised. Steals `r`. */
PyObject *pf_unwrap_result(PyObject *r);

/* An export's `result` in return position: `Ok(r)`, or the `Err` the app raised (NULL: any
 * other exception, still set). Steals `r`. */
PyObject *pf_wrap_result(PyObject *r);

/* An exception escaping an export: the traceback, then a trap (as componentize-py). */
_Noreturn void pf_export_failed(const char *name);

static inline uint64_t pf_f32_bits(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }
static inline uint64_t pf_f64_bits(double d) { uint64_t u; memcpy(&u, &d, 8); return u; }
static inline float pf_bits_f32(uint64_t b) { uint32_t u = (uint32_t)b; float f; memcpy(&f, &u, 4); return f; }
static inline double pf_bits_f64(uint64_t b) { double d; memcpy(&d, &b, 8); return d; }

#endif
