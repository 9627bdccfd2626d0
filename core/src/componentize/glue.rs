//! The C glue between a world's canonical ABI (wit-bindgen-c's bindings) and the app's Python:
//! the world's exported functions call the app's `WitWorld` methods, and its imported
//! functions become functions of the built-in module `_pyforge_app`, which the generated
//! `wit_world` package calls.
//!
//! This version converts the scalar types, `char`, `string` and `list<u8>` (`bytes`), as
//! componentize-py does; a function using any other type is refused, naming it.

use std::fmt::Write as _;

use wit_parser::{Function, Resolve, Type, TypeDefKind, WorldId, WorldItem, WorldKey};

/// The glue's C module (in the inittab).
pub const MODULE: &str = "_pyforge_app";

/// A function the glue handles.
#[derive(Debug, Clone)]
pub struct Func {
    /// Its WIT name (`greet`).
    pub wit_name: String,
    /// Its Python name (`greet`).
    pub py_name: String,
    /// Its C name in wit-bindgen-c's header (`exports_my_app_greet`, `test_app_checksum_crc32`).
    pub c_name: String,
    /// `(python name, type)` per parameter.
    pub params: Vec<(String, Kind)>,
    /// The result.
    pub result: Option<Kind>,
    /// For an import: the Python module it goes in (`None`: the world's own package).
    pub module: Option<String>,
}

/// The WIT types this version converts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    /// `bool`
    Bool,
    /// Unsigned integers: bits.
    U(u8),
    /// Signed integers: bits.
    S(u8),
    /// `f32`
    F32,
    /// `f64`
    F64,
    /// `char`
    Char,
    /// `string`
    String,
    /// `list<u8>`
    Bytes,
}

impl Kind {
    fn c_type(self, w: &str) -> String {
        match self {
            Kind::Bool => "bool".into(),
            Kind::U(b) => format!("uint{b}_t"),
            Kind::S(b) => format!("int{b}_t"),
            Kind::F32 => "float".into(),
            Kind::F64 => "double".into(),
            Kind::Char => "uint32_t".into(),
            Kind::String => format!("{w}_string_t"),
            Kind::Bytes => format!("{w}_list_u8_t"),
        }
    }

    fn by_pointer(self) -> bool {
        matches!(self, Kind::String | Kind::Bytes)
    }

    /// The Python annotation.
    pub fn py_type(self) -> &'static str {
        match self {
            Kind::Bool => "bool",
            Kind::U(_) | Kind::S(_) => "int",
            Kind::F32 | Kind::F64 => "float",
            Kind::Char | Kind::String => "str",
            Kind::Bytes => "bytes",
        }
    }

    /// A C expression making a new Python object from the C value `v` (a pointer for
    /// strings and lists).
    fn to_py(self, v: &str) -> String {
        match self {
            Kind::Bool => format!("PyBool_FromLong({v})"),
            Kind::U(64) => format!("PyLong_FromUnsignedLongLong({v})"),
            Kind::U(_) => format!("PyLong_FromUnsignedLong({v})"),
            Kind::S(64) => format!("PyLong_FromLongLong({v})"),
            Kind::S(_) => format!("PyLong_FromLong({v})"),
            Kind::F32 | Kind::F64 => format!("PyFloat_FromDouble({v})"),
            Kind::Char => format!("PyUnicode_FromOrdinal((int)({v}))"),
            Kind::String => {
                format!("PyUnicode_DecodeUTF8((const char *)({v})->ptr, (Py_ssize_t)({v})->len, \"strict\")")
            }
            Kind::Bytes => format!("PyBytes_FromStringAndSize((const char *)({v})->ptr, (Py_ssize_t)({v})->len)"),
        }
    }

    /// C statements converting the Python object `o` into the C lvalue `v`; `fail` on error
    /// (with a Python exception set). Strings and bytes borrow `o`'s buffer (`view` names a
    /// `Py_buffer` for bytes) unless `owned`, when they are copied with malloc.
    fn py_to_c(self, o: &str, v: &str, view: &str, owned: bool, fail: &str) -> String {
        match self {
            Kind::Bool => format!(
                "if (!PyBool_Check({o})) {{ pyforge_type_error({o}, \"bool\"); {fail} }}\n    {v} = ({o} == Py_True);"
            ),
            Kind::U(b) => format!(
                "{{ unsigned long long x; if (pyforge_to_u({o}, {max}, &x) < 0) {{ {fail} }} {v} = (uint{b}_t)x; }}",
                max = if b == 64 { "ULLONG_MAX".to_string() } else { format!("{}ULL", (1u128 << b) - 1) }
            ),
            Kind::S(b) => format!(
                "{{ long long x; if (pyforge_to_s({o}, {min}, {max}, &x) < 0) {{ {fail} }} {v} = (int{b}_t)x; }}",
                min = if b == 64 { "LLONG_MIN".to_string() } else { format!("-{}LL", 1u128 << (b - 1)) },
                max = if b == 64 { "LLONG_MAX".to_string() } else { format!("{}LL", (1u128 << (b - 1)) - 1) },
            ),
            Kind::F32 | Kind::F64 => {
                format!("{v} = PyFloat_AsDouble({o});\n    if ({v} == -1.0 && PyErr_Occurred()) {{ {fail} }}")
            }
            Kind::Char => format!("if (pyforge_to_char({o}, &{v}) < 0) {{ {fail} }}"),
            Kind::String => format!(
                "{{ Py_ssize_t n; const char *s = PyUnicode_Check({o}) ? PyUnicode_AsUTF8AndSize({o}, &n) : NULL;\n      \
                 if (!s) {{ if (!PyErr_Occurred()) pyforge_type_error({o}, \"str\"); {fail} }}\n      \
                 {v}.len = (size_t)n; {v}.ptr = {copy}; }}",
                copy = if owned { "(uint8_t *)pyforge_copy(s, (size_t)n)" } else { "(uint8_t *)s" }
            ),
            Kind::Bytes => format!(
                "if (PyObject_GetBuffer({o}, &{view}, PyBUF_SIMPLE) < 0) {{ {fail} }}\n    \
                 {v}.len = (size_t){view}.len; {v}.ptr = {copy};",
                copy = if owned {
                    format!("(uint8_t *)pyforge_copy({view}.buf, (size_t){view}.len); PyBuffer_Release(&{view})")
                } else {
                    format!("(uint8_t *){view}.buf")
                }
            ),
        }
    }
}

fn kind(resolve: &Resolve, ty: &Type) -> Option<Kind> {
    Some(match ty {
        Type::Bool => Kind::Bool,
        Type::U8 => Kind::U(8),
        Type::U16 => Kind::U(16),
        Type::U32 => Kind::U(32),
        Type::U64 => Kind::U(64),
        Type::S8 => Kind::S(8),
        Type::S16 => Kind::S(16),
        Type::S32 => Kind::S(32),
        Type::S64 => Kind::S(64),
        Type::F32 => Kind::F32,
        Type::F64 => Kind::F64,
        Type::Char => Kind::Char,
        Type::String => Kind::String,
        Type::Id(id) => match &resolve.types[*id].kind {
            TypeDefKind::List(Type::U8) => Kind::Bytes,
            TypeDefKind::Type(t) => return kind(resolve, t),
            _ => return None,
        },
        _ => return None,
    })
}

fn snake(name: &str) -> String {
    name.replace(['-', '.'], "_")
}

/// The world's functions: `(exports, imports)`; `Err` names each item this version cannot
/// convert. `wasi:*` imports are the interpreter's, not the app's.
pub fn functions(resolve: &Resolve, world: WorldId) -> Result<(Vec<Func>, Vec<Func>), Vec<String>> {
    let w = snake(&resolve.worlds[world].name);
    let mut problems = Vec::new();
    let mut convert = |f: &Function, c_name: String, module: Option<String>| -> Option<Func> {
        let mut params = Vec::new();
        for p in &f.params {
            match kind(resolve, &p.ty) {
                Some(k) => params.push((snake(&p.name), k)),
                None => {
                    problems.push(format!("`{}`: parameter `{}` has a type not supported yet", f.name, p.name));
                    return None;
                }
            }
        }
        let result = match &f.result {
            None => None,
            Some(t) => match kind(resolve, t) {
                Some(k) => Some(k),
                None => {
                    problems.push(format!("`{}`: its result has a type not supported yet", f.name));
                    return None;
                }
            },
        };
        Some(Func { wit_name: f.name.clone(), py_name: snake(&f.name), c_name, params, result, module })
    };
    let mut exports = Vec::new();
    for (key, item) in &resolve.worlds[world].exports {
        if let (WorldKey::Name(name), WorldItem::Function(f)) = (key, item) {
            exports.extend(convert(f, format!("exports_{w}_{}", snake(name)), None));
        }
    }
    let mut imports = Vec::new();
    for (key, item) in &resolve.worlds[world].imports {
        match (key, item) {
            (WorldKey::Name(name), WorldItem::Function(f)) => {
                imports.extend(convert(f, format!("{w}_{}", snake(name)), None));
            }
            (WorldKey::Interface(id), WorldItem::Interface { .. }) => {
                let iface = &resolve.interfaces[*id];
                let (Some(pkg), Some(iname)) = (iface.package, &iface.name) else { continue };
                let pkg = &resolve.packages[pkg].name;
                if pkg.namespace == "wasi" {
                    continue;
                }
                let prefix = format!("{}_{}_{}", snake(&pkg.namespace), snake(&pkg.name), snake(iname));
                for (fname, f) in &iface.functions {
                    imports.extend(convert(f, format!("{prefix}_{}", snake(fname)), Some(snake(iname))));
                }
            }
            _ => {}
        }
    }
    if problems.is_empty() { Ok((exports, imports)) } else { Err(problems) }
}

const HELPERS: &str = r#"
static void pyforge_type_error(PyObject *o, const char *want) {
    PyErr_Format(PyExc_TypeError, "expected %s, got %.200s", want, Py_TYPE(o)->tp_name);
}

static int pyforge_to_u(PyObject *o, unsigned long long max, unsigned long long *out) {
    if (!PyLong_Check(o)) { pyforge_type_error(o, "int"); return -1; }
    unsigned long long x = PyLong_AsUnsignedLongLong(o);
    if (x == (unsigned long long)-1 && PyErr_Occurred()) return -1;
    if (x > max) { PyErr_Format(PyExc_OverflowError, "%llu is out of range (at most %llu)", x, max); return -1; }
    *out = x;
    return 0;
}

static int pyforge_to_s(PyObject *o, long long min, long long max, long long *out) {
    if (!PyLong_Check(o)) { pyforge_type_error(o, "int"); return -1; }
    long long x = PyLong_AsLongLong(o);
    if (x == -1 && PyErr_Occurred()) return -1;
    if (x < min || x > max) { PyErr_Format(PyExc_OverflowError, "%lld is out of range (%lld to %lld)", x, min, max); return -1; }
    *out = x;
    return 0;
}

static int pyforge_to_char(PyObject *o, uint32_t *out) {
    if (!PyUnicode_Check(o) || PyUnicode_GetLength(o) != 1) { pyforge_type_error(o, "a 1-character str"); return -1; }
    Py_UCS4 c = PyUnicode_ReadChar(o, 0);
    if (c >= 0xD800 && c <= 0xDFFF) { PyErr_SetString(PyExc_ValueError, "a surrogate is not a char"); return -1; }
    *out = (uint32_t)c;
    return 0;
}

/* A malloc'd copy for a result (freed by the export's post-return; nothing for empty). */
static void *pyforge_copy(const void *p, size_t n) {
    if (!n) return NULL;
    void *q = malloc(n);
    if (q) memcpy(q, p, n);
    return q;
}

/* An exception escaping an export: the traceback, then a trap (componentize-py does the same). */
static void pyforge_export_failed(const char *name) {
    fprintf(stderr, "pyforge: the app's export `%s` raised:\n", name);
    PyErr_Print();
    fflush(stderr);
    abort();
}
"#;

/// The glue's C source for `world` (named `w` in C) and its functions.
pub fn c_source(w: &str, header: &str, exports: &[Func], imports: &[Func]) -> String {
    let mut c = String::new();
    let _ = writeln!(c, "/* Generated by pyforge componentize: the app's functions over the canonical ABI. */");
    let _ = writeln!(
        c,
        "#include \"Python.h\"\n#include <limits.h>\n#include <stdlib.h>\n#include <string.h>\n#include \"{header}\""
    );
    c.push_str("\nextern void pyforge_app_enter(void);\nextern void pyforge_app_leave(void);\nextern PyObject *pyforge_app_export(const char *cls);\n");
    c.push_str(HELPERS);
    for f in exports {
        export_fn(&mut c, w, f);
    }
    for (i, f) in imports.iter().enumerate() {
        import_fn(&mut c, w, i, f);
    }
    let _ = writeln!(c, "\nstatic PyMethodDef methods[] = {{");
    for (i, f) in imports.iter().enumerate() {
        let _ = writeln!(
            c,
            "    {{\"import_{i}\", (PyCFunction)(void (*)(void))import_{i}, METH_FASTCALL, \"`{}`\"}},",
            f.wit_name
        );
    }
    let _ = writeln!(c, "    {{NULL, NULL, 0, NULL}},\n}};");
    let _ = writeln!(
        c,
        "\nstatic struct PyModuleDef module = {{PyModuleDef_HEAD_INIT, \"{MODULE}\", \"The world's imports.\", -1, methods}};\n\
         PyMODINIT_FUNC PyInit_{MODULE}(void) {{ return PyModule_Create(&module); }}"
    );
    c
}

fn export_fn(c: &mut String, w: &str, f: &Func) {
    // C names of our own (`p0`…, `pf_*`): a WIT parameter may be called anything.
    let mut params: Vec<String> = f
        .params
        .iter()
        .enumerate()
        .map(
            |(i, (_, k))| {
                if k.by_pointer() { format!("{} *p{i}", k.c_type(w)) } else { format!("{} p{i}", k.c_type(w)) }
            },
        )
        .collect();
    let ret_by_pointer = f.result.is_some_and(Kind::by_pointer);
    if let (true, Some(k)) = (ret_by_pointer, f.result) {
        params.push(format!("{} *pf_ret", k.c_type(w)));
    }
    let ret_type = match f.result {
        Some(k) if !k.by_pointer() => k.c_type(w),
        _ => "void".into(),
    };
    let params_s = if params.is_empty() { "void".to_string() } else { params.join(", ") };
    let _ = writeln!(c, "\n{ret_type} {}({params_s}) {{", f.c_name);
    let _ = writeln!(c, "    pyforge_app_enter();");
    let n = f.params.len();
    let _ = writeln!(c, "    PyObject *pf_args[{}];", n + 1);
    let _ = writeln!(c, "    pf_args[0] = pyforge_app_export(\"WitWorld\");");
    let _ = writeln!(c, "    if (!pf_args[0]) pyforge_export_failed(\"{}\");", f.wit_name);
    for (i, (_, k)) in f.params.iter().enumerate() {
        let v = format!("p{i}");
        let _ = writeln!(c, "    pf_args[{}] = {};", i + 1, k.to_py(&v));
        match k {
            Kind::String => {
                let _ = writeln!(c, "    {w}_string_free({v});");
            }
            Kind::Bytes => {
                let _ = writeln!(c, "    {w}_list_u8_free({v});");
            }
            _ => {}
        }
        let _ = writeln!(c, "    if (!pf_args[{}]) pyforge_export_failed(\"{}\");", i + 1, f.wit_name);
    }
    let _ = writeln!(c, "    PyObject *pf_name = PyUnicode_FromString(\"{}\");", f.py_name);
    let _ = writeln!(
        c,
        "    PyObject *pf_r = pf_name ? PyObject_VectorcallMethod(pf_name, pf_args, {}, NULL) : NULL;",
        n + 1
    );
    let _ = writeln!(c, "    Py_XDECREF(pf_name);\n    for (int i = 0; i < {}; i++) Py_DECREF(pf_args[i]);", n + 1);
    let _ = writeln!(c, "    if (!pf_r) pyforge_export_failed(\"{}\");", f.wit_name);
    let fail = format!("Py_DECREF(pf_r); pyforge_export_failed(\"{}\");", f.wit_name);
    match f.result {
        None => {
            let _ = writeln!(
                c,
                "    if (pf_r != Py_None) {{ PyErr_Format(PyExc_TypeError, \"`{}` returns nothing, the app returned %.200s\", Py_TYPE(pf_r)->tp_name); {fail} }}",
                f.wit_name
            );
            let _ = writeln!(c, "    Py_DECREF(pf_r);\n    pyforge_app_leave();\n}}");
        }
        Some(k) if k.by_pointer() => {
            let _ = writeln!(
                c,
                "    Py_buffer pf_view;\n    (void)pf_view;\n    {}",
                k.py_to_c("pf_r", "(*pf_ret)", "pf_view", true, &fail)
            );
            let _ = writeln!(c, "    Py_DECREF(pf_r);\n    pyforge_app_leave();\n}}");
        }
        Some(k) => {
            let _ =
                writeln!(c, "    {} pf_out;\n    {}", k.c_type(w), k.py_to_c("pf_r", "pf_out", "pf_view", true, &fail));
            let _ = writeln!(c, "    Py_DECREF(pf_r);\n    pyforge_app_leave();\n    return pf_out;\n}}");
        }
    }
}

fn import_fn(c: &mut String, w: &str, i: usize, f: &Func) {
    let n = f.params.len();
    let _ = writeln!(c, "\nstatic PyObject *import_{i}(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {{");
    let _ = writeln!(
        c,
        "    if (nargs != {n}) {{ PyErr_Format(PyExc_TypeError, \"{}() takes {n} argument{} (%zd given)\", nargs); return NULL; }}",
        f.py_name,
        if n == 1 { "" } else { "s" }
    );
    let mut call_args = Vec::new();
    let mut release = Vec::new();
    for (j, (_, k)) in f.params.iter().enumerate() {
        let name = format!("a{j}");
        let name = &name;
        let _ = writeln!(c, "    {} {name};\n    Py_buffer view_{j};\n    (void)view_{j};", k.c_type(w));
        let undo: String = release.iter().map(|r: &String| format!("{r} ")).collect();
        let _ = writeln!(
            c,
            "    {}",
            k.py_to_c(&format!("args[{j}]"), name, &format!("view_{j}"), false, &format!("{undo}return NULL;"))
        );
        if *k == Kind::Bytes {
            release.push(format!("PyBuffer_Release(&view_{j});"));
        }
        call_args.push(if k.by_pointer() { format!("&{name}") } else { name.to_string() });
    }
    let release_all: String = release.join(" ");
    match f.result {
        None => {
            let _ =
                writeln!(c, "    {}({});\n    {release_all}\n    Py_RETURN_NONE;\n}}", f.c_name, call_args.join(", "));
        }
        Some(k) if k.by_pointer() => {
            call_args.push("&ret".into());
            let _ =
                writeln!(c, "    {} ret;\n    {}({});\n    {release_all}", k.c_type(w), f.c_name, call_args.join(", "));
            let free =
                if k == Kind::String { format!("{w}_string_free(&ret);") } else { format!("{w}_list_u8_free(&ret);") };
            let _ = writeln!(c, "    PyObject *r = {};\n    {free}\n    return r;\n}}", k.to_py("(&ret)"));
        }
        Some(k) => {
            let _ = writeln!(c, "    {} ret = {}({});\n    {release_all}", k.c_type(w), f.c_name, call_args.join(", "));
            let _ = writeln!(c, "    return {};\n}}", k.to_py("ret"));
        }
    }
}
