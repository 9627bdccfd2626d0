//! The glue between a world's canonical ABI and the app's Python, generated from the world.
//!
//! * C (`pyforge_app.c`): a table of the types the world's functions use — sizes,
//!   alignments, offsets and flat positions as wit-parser computes them — and one small
//!   function per import (a `_pyforge_app` function the generated Python calls) and per export
//!   (calling the app's object), over the shared walk in `core/runtime/app_abi.c`.
//! * Python: the `wit_world` package with componentize-py 0.25's names — a module per
//!   interface with its types (dataclasses, `Enum`, `Flag`, one class per variant case) and
//!   import functions, and the export protocols (`WitWorld`, one class per exported interface).
//!
//! Resources, futures, streams and fixed-length lists are refused, naming the function.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;

use wit_parser::abi::{AbiVariant, WasmSignature, WasmType};
use wit_parser::{
    Function, FunctionKind, Handle, Int, LiftLowerAbi, ManglingAndAbi, Resolve, ResourceIntrinsic, SizeAlign, Type,
    TypeDefKind, TypeId, TypeOwner, WasmExport, WasmExportKind, WasmImport, WorldId, WorldItem, WorldKey,
};

/// The glue's C module (in the inittab).
pub const MODULE: &str = crate::embed::APP_GLUE_MODULE;

/// The shared C walk and its header (written next to the generated glue).
pub const ABI_C: (&str, &str) = ("pyforge_app_abi.c", include_str!("../../runtime/app_abi.c"));
pub const ABI_H: (&str, &str) = ("app_abi.h", include_str!("../../runtime/app_abi.h"));

/// A function the glue handles.
#[derive(Debug, Clone)]
pub struct Func {
    /// Its WIT name (`greet`).
    pub wit_name: String,
    /// Its Python name (`greet`).
    pub py_name: String,
    /// `(python name, annotation)` per parameter.
    pub params: Vec<(String, String)>,
    /// The return annotation (`None` for none; the `ok` type for a `result`).
    pub returns: String,
    /// For a `result` in return position: the `err` type's annotation (raised as `Err`).
    pub raises: Option<String>,
    /// Import: the Python module it goes in (`None`: the world's package). Export: the class
    /// it is a method of (`WitWorld`, `FooBar`).
    pub owner: Option<String>,
    /// The type-table index of its parameters (a tuple).
    params_ty: i32,
    /// The type-table index of its result.
    result_ty: Option<i32>,
    /// The core function's module and name (import) or export name.
    core: (String, String),
    sig: WasmSignature,
    /// What it is: a function, or a resource's constructor, method or static function.
    pub kind: Kind,
    /// The Python module it is written in (for a resource's function, its class's).
    pub module: String,
    /// For a resource's function: its class (`File`) and, exported, the app's class's index.
    pub resource: Option<(String, i32)>,
    params_size: (usize, usize),
    result_size: (usize, usize),
}

/// What a function is to Python.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    Free,
    Constructor,
    Method,
    Static,
}

/// A resource type of the world.
#[derive(Debug, Clone)]
struct Res {
    exported: bool,
    key: WorldKey,
    id: TypeId,
}

/// One entry of the C type table.
#[derive(Debug, Clone, Default)]
struct Entry {
    kind: &'static str,
    size: usize,
    align: usize,
    elem: i32,
    n: usize,
    types: Vec<i32>,
    offsets: Vec<usize>,
    flat_offsets: Vec<usize>,
    payload: usize,
    tag_size: usize,
    cls: i32,
    names: Vec<String>,
    nflat: usize,
    wit: String,
}

/// An interface's or the world's named types, in WIT order.
type NamedTypes = Vec<(String, TypeId)>;

/// The Python side of a named type: `(module, class)`.
type Location = (String, String);

/// The world, ready for C and Python.
pub struct Glue {
    /// Functions the app exports and imports.
    pub exports: Vec<Func>,
    pub imports: Vec<Func>,
    /// Export classes, in order: `WitWorld` (if the world exports functions), then one per
    /// exported interface.
    pub classes: Vec<String>,
    /// Generated Python modules: dotted name (relative to the package) → text of its types.
    pub modules: BTreeMap<String, PyModule>,
    /// Exported interfaces: `(class, WIT name)`.
    pub export_ifaces: Vec<(String, String)>,
    entries: Vec<Entry>,
    class_names: Vec<Location>,
    resources: Vec<ResC>,
}

/// A resource's core names.
#[derive(Debug, Clone)]
struct ResC {
    exported: bool,
    wit: String,
    /// `(module, name)` of [resource-drop], and for an exported one [resource-new] and [resource-rep].
    drop: (String, String),
    new_rep: Option<((String, String), (String, String))>,
    /// An exported one's destructor export.
    dtor: Option<String>,
}

fn resource_c(resolve: &Resolve, r: &Res) -> ResC {
    let mangling = ManglingAndAbi::Legacy(LiftLowerAbi::Sync);
    let name = |intrinsic| {
        resolve.wasm_import_name(
            mangling,
            WasmImport::ResourceIntrinsic { interface: Some(&r.key), resource: r.id, intrinsic },
        )
    };
    let wit = resolve.types[r.id].name.clone().unwrap_or_default();
    if r.exported {
        ResC {
            exported: true,
            wit,
            drop: name(ResourceIntrinsic::ExportedDrop),
            new_rep: Some((name(ResourceIntrinsic::ExportedNew), name(ResourceIntrinsic::ExportedRep))),
            dtor: Some(
                resolve.wasm_export_name(mangling, WasmExport::ResourceDtor { interface: &r.key, resource: r.id }),
            ),
        }
    } else {
        ResC { exported: false, wit, drop: name(ResourceIntrinsic::ImportedDrop), new_rep: None, dtor: None }
    }
}

/// A generated module's parts.
#[derive(Debug, Default, Clone)]
pub struct PyModule {
    /// `from X import Y` lines it needs.
    pub imports: BTreeSet<String>,
    /// Its type definitions, in WIT order.
    pub types: String,
    /// Its docstring.
    pub doc: String,
}

/// `foo-bar` → `foo_bar`; a Python keyword gets a trailing `_`.
pub fn snake(name: &str) -> String {
    escape(name.replace(['-', '.'], "_").to_lowercase())
}

/// `foo-bar` → `FooBar`, `HTTP` → `Http`.
pub fn camel(name: &str) -> String {
    escape(
        name.split(['-', '_', '.'])
            .map(|w| {
                let mut c = w.chars();
                // WIT words are all lower- or all upper-case: `HTTP` is `Http`, as heck makes it.
                c.next()
                    .map(|f| f.to_uppercase().chain(c.flat_map(char::to_lowercase)).collect::<String>())
                    .unwrap_or_default()
            })
            .collect(),
    )
}

/// `foo-bar` → `FOO_BAR`.
fn shouty(name: &str) -> String {
    escape(name.replace(['-', '.'], "_").to_uppercase())
}

fn escape(s: String) -> String {
    const KEYWORDS: &[&str] = &[
        "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del",
        "elif", "else", "except", "finally", "for", "from", "global", "if", "import", "in", "is", "lambda", "nonlocal",
        "not", "or", "pass", "raise", "return", "try", "while", "with", "yield",
    ];
    if KEYWORDS.contains(&s.as_str()) { format!("{s}_") } else { s }
}

fn c_str(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

struct Builder<'a> {
    resolve: &'a Resolve,
    sizes: SizeAlign,
    world_module: String,
    entries: Vec<Entry>,
    memo: HashMap<Type, i32>,
    class_names: Vec<Location>,
    locations: HashMap<TypeId, Location>,
    modules: BTreeMap<String, PyModule>,
    world: WorldId,
    resources: Vec<Res>,
    res_memo: HashMap<TypeId, (i32, i32)>,
}

impl<'a> Builder<'a> {
    fn size(&self, t: &Type) -> (usize, usize) {
        (self.sizes.size(t).size_wasm32(), self.sizes.align(t).align_wasm32())
    }

    fn class(&mut self, (module, class): Location) -> i32 {
        let module = self.dotted(&module);
        self.class_names.push((module, class));
        (self.class_names.len() - 1) as i32
    }

    fn push(&mut self, e: Entry) -> i32 {
        self.entries.push(e);
        (self.entries.len() - 1) as i32
    }

    /// The table index of `t` (registering it and what it uses), or the reason it cannot be
    /// converted.
    fn ty(&mut self, t: &Type) -> Result<i32, String> {
        if let Some(i) = self.memo.get(t) {
            return Ok(*i);
        }
        let (size, align) = self.size(t);
        let prim = |kind: &'static str, wit: &str| Entry {
            kind,
            size,
            align,
            nflat: 1,
            wit: wit.to_string(),
            ..Entry::default()
        };
        let e = match t {
            Type::Bool => prim("PF_BOOL", "bool"),
            Type::U8 => prim("PF_U8", "u8"),
            Type::U16 => prim("PF_U16", "u16"),
            Type::U32 => prim("PF_U32", "u32"),
            Type::U64 => prim("PF_U64", "u64"),
            Type::S8 => prim("PF_S8", "s8"),
            Type::S16 => prim("PF_S16", "s16"),
            Type::S32 => prim("PF_S32", "s32"),
            Type::S64 => prim("PF_S64", "s64"),
            Type::F32 => prim("PF_F32", "f32"),
            Type::F64 => prim("PF_F64", "f64"),
            Type::Char => prim("PF_CHAR", "char"),
            Type::String => Entry { nflat: 2, ..prim("PF_STRING", "string") },
            Type::ErrorContext => return Err("`error-context`".into()),
            Type::Id(id) => return self.typedef(*id),
        };
        let i = self.push(e);
        self.memo.insert(*t, i);
        Ok(i)
    }

    fn fields(&mut self, tys: &[Type], e: &mut Entry) -> Result<(), String> {
        let mut flat = 0;
        for (off, t) in self.sizes.field_offsets(tys.iter()) {
            let i = self.ty(t)?;
            e.types.push(i);
            e.offsets.push(off.size_wasm32());
            e.flat_offsets.push(flat);
            flat += self.entries[i as usize].nflat;
        }
        e.nflat = flat;
        Ok(())
    }

    fn cases(&mut self, cases: &[Option<Type>], e: &mut Entry) -> Result<(), String> {
        let mut max = 0;
        for c in cases {
            match c {
                Some(t) => {
                    let i = self.ty(t)?;
                    max = max.max(self.entries[i as usize].nflat);
                    e.types.push(i);
                }
                None => e.types.push(-1),
            }
        }
        e.n = cases.len();
        e.nflat = 1 + max;
        let tag = match cases.len() {
            0..=0x100 => Int::U8,
            0x101..=0x10000 => Int::U16,
            _ => Int::U32,
        };
        e.tag_size = match tag {
            Int::U8 => 1,
            Int::U16 => 2,
            _ => 4,
        };
        e.payload = self.sizes.payload_offset(tag, cases.iter().map(|c| c.as_ref())).size_wasm32();
        Ok(())
    }

    fn typedef(&mut self, id: TypeId) -> Result<i32, String> {
        let resolve = self.resolve;
        let def = &resolve.types[id];
        if let TypeDefKind::Type(t) = &def.kind {
            let i = self.ty(t)?;
            self.memo.insert(Type::Id(id), i);
            return Ok(i);
        }
        let (size, align) = self.size(&Type::Id(id));
        let mut e = Entry { size, align, wit: self.wit_name(&Type::Id(id)), ..Entry::default() };
        match &def.kind {
            TypeDefKind::Record(r) => {
                e.kind = "PF_RECORD";
                let tys: Vec<Type> = r.fields.iter().map(|f| f.ty).collect();
                self.fields(&tys, &mut e)?;
                e.n = r.fields.len();
                e.names = r.fields.iter().map(|f| snake(&f.name)).collect();
                e.cls = self.located_class(id)?;
            }
            TypeDefKind::Tuple(t) => {
                e.kind = "PF_TUPLE";
                self.fields(&t.types, &mut e)?;
                e.n = t.types.len();
            }
            TypeDefKind::List(Type::U8) => {
                e.kind = "PF_BYTES";
                e.nflat = 2;
            }
            TypeDefKind::List(t) => {
                e.kind = "PF_LIST";
                e.elem = self.ty(t)?;
                e.nflat = 2;
            }
            TypeDefKind::Variant(v) => {
                e.kind = "PF_VARIANT";
                let cases: Vec<Option<Type>> = v.cases.iter().map(|c| c.ty).collect();
                self.cases(&cases, &mut e)?;
                e.names = v.cases.iter().map(|c| c.name.clone()).collect();
                let (module, class) = self.location(id)?;
                let first = self.class_names.len() as i32;
                for c in &v.cases {
                    self.class((module.clone(), format!("{class}_{}", camel(&c.name))));
                }
                e.cls = first;
            }
            TypeDefKind::Enum(en) => {
                e.kind = "PF_ENUM";
                e.n = en.cases.len();
                e.nflat = 1;
                e.tag_size = size;
                e.cls = self.located_class(id)?;
            }
            TypeDefKind::Flags(f) => {
                if f.flags.len() > 64 {
                    return Err(format!("`{}` (more than 64 flags)", e.wit));
                }
                e.kind = "PF_FLAGS";
                e.n = f.flags.len();
                e.nflat = f.flags.len().div_ceil(32);
                e.tag_size = if f.flags.len() > 32 { 4 } else { size };
                e.cls = self.located_class(id)?;
            }
            TypeDefKind::Option(t) => {
                e.kind = "PF_OPTION";
                self.cases(&[None, Some(*t)], &mut e)?;
                e.names = vec!["none".into(), "some".into()];
                e.cls = i32::from(self.is_option(t));
            }
            TypeDefKind::Result(r) => {
                e.kind = "PF_RESULT";
                self.cases(&[r.ok, r.err], &mut e)?;
                e.names = vec!["ok".into(), "err".into()];
            }
            TypeDefKind::Handle(h @ (Handle::Own(r) | Handle::Borrow(r))) => {
                let (ri, cls) = self.resource(*r)?;
                e.kind = if matches!(h, Handle::Own(_)) { "PF_OWN" } else { "PF_BORROW" };
                e.elem = ri;
                e.cls = cls;
                e.nflat = 1;
            }
            _ => return Err(format!("`{}`", e.wit)),
        }
        let i = self.push(e);
        self.memo.insert(Type::Id(id), i);
        Ok(i)
    }

    fn unalias(&self, mut id: TypeId) -> TypeId {
        while let TypeDefKind::Type(Type::Id(next)) = &self.resolve.types[id].kind {
            id = *next;
        }
        id
    }

    /// The resource `id`'s table index and Python class index (for an exported one, the app's
    /// class in the top-level module named after its interface, as in componentize-py).
    fn resource(&mut self, id: TypeId) -> Result<(i32, i32), String> {
        let id = self.unalias(id);
        if let Some(r) = self.res_memo.get(&id) {
            return Ok(*r);
        }
        let def = &self.resolve.types[id];
        let name = def.name.clone().unwrap_or_default();
        let TypeOwner::Interface(iface) = def.owner else {
            return Err(format!("resource `{name}` outside an interface"));
        };
        let w = &self.resolve.worlds[self.world];
        let find = |items: &indexmap::IndexMap<WorldKey, WorldItem>| {
            items.iter().find_map(|(k, item)| match item {
                WorldItem::Interface { id, .. } if *id == iface => Some(k.clone()),
                _ => None,
            })
        };
        let (exported, key) = match (find(&w.exports), find(&w.imports)) {
            (Some(k), _) => (true, k),
            (None, Some(k)) => (false, k),
            (None, None) => return Err(format!("resource `{name}` of an interface outside the world")),
        };
        let cls = if exported {
            self.class_names.push((iface_module(self.resolve, self.world, &key), camel(&name)));
            (self.class_names.len() - 1) as i32
        } else {
            self.located_class(id)?
        };
        self.resources.push(Res { exported, key, id });
        let r = ((self.resources.len() - 1) as i32, cls);
        self.res_memo.insert(id, r);
        Ok(r)
    }

    fn is_option(&self, t: &Type) -> bool {
        match t {
            Type::Id(id) => match &self.resolve.types[*id].kind {
                TypeDefKind::Option(_) => true,
                TypeDefKind::Type(t) => self.is_option(t),
                _ => false,
            },
            _ => false,
        }
    }

    fn located_class(&mut self, id: TypeId) -> Result<i32, String> {
        let loc = self.location(id)?;
        Ok(self.class(loc))
    }

    /// Where the class of the named type `id` lives: `(module, class)`.
    fn location(&self, id: TypeId) -> Result<Location, String> {
        self.locations
            .get(&id)
            .cloned()
            .ok_or_else(|| format!("`{}` (a type outside the world)", self.wit_name(&Type::Id(id))))
    }

    /// The WIT spelling of a type, for messages.
    fn wit_name(&self, t: &Type) -> String {
        match t {
            Type::Bool => "bool".into(),
            Type::U8 => "u8".into(),
            Type::U16 => "u16".into(),
            Type::U32 => "u32".into(),
            Type::U64 => "u64".into(),
            Type::S8 => "s8".into(),
            Type::S16 => "s16".into(),
            Type::S32 => "s32".into(),
            Type::S64 => "s64".into(),
            Type::F32 => "f32".into(),
            Type::F64 => "f64".into(),
            Type::Char => "char".into(),
            Type::String => "string".into(),
            Type::ErrorContext => "error-context".into(),
            Type::Id(id) => {
                let def = &self.resolve.types[*id];
                if let Some(n) = &def.name {
                    return n.clone();
                }
                let opt = |t: &Option<Type>| t.as_ref().map_or("_".to_string(), |t| self.wit_name(t));
                match &def.kind {
                    TypeDefKind::List(t) => format!("list<{}>", self.wit_name(t)),
                    TypeDefKind::Option(t) => format!("option<{}>", self.wit_name(t)),
                    TypeDefKind::Result(r) => format!("result<{}, {}>", opt(&r.ok), opt(&r.err)),
                    TypeDefKind::Tuple(t) => {
                        format!("tuple<{}>", t.types.iter().map(|t| self.wit_name(t)).collect::<Vec<_>>().join(", "))
                    }
                    TypeDefKind::Type(t) => self.wit_name(t),
                    TypeDefKind::Future(t) => format!("future<{}>", opt(t)),
                    TypeDefKind::Stream(t) => format!("stream<{}>", opt(t)),
                    TypeDefKind::Handle(Handle::Own(r)) => format!("own<{}>", self.wit_name(&Type::Id(*r))),
                    TypeDefKind::Handle(Handle::Borrow(r)) => format!("borrow<{}>", self.wit_name(&Type::Id(*r))),
                    _ => "a type".into(),
                }
            }
        }
    }

    /// The Python annotation of `t`, as seen from module `from` (importing what it needs).
    fn annotation(&mut self, t: &Type, from: &str) -> String {
        match t {
            Type::Bool => "bool".into(),
            Type::U8 | Type::U16 | Type::U32 | Type::U64 | Type::S8 | Type::S16 | Type::S32 | Type::S64 => "int".into(),
            Type::F32 | Type::F64 => "float".into(),
            Type::Char | Type::String => "str".into(),
            Type::ErrorContext => "Any".into(),
            Type::Id(id) => {
                if let Some((module, class)) = self.locations.get(id).cloned() {
                    if module != from {
                        let line = format!("from {} import {class}", self.dotted(&module));
                        self.modules.entry(from.to_string()).or_default().imports.insert(line);
                    }
                    return class;
                }
                let kind = self.resolve.types[*id].kind.clone();
                let opt =
                    |b: &mut Self, t: &Option<Type>| t.as_ref().map_or("None".to_string(), |t| b.annotation(t, from));
                match &kind {
                    TypeDefKind::List(Type::U8) => "bytes".into(),
                    TypeDefKind::List(t) => format!("List[{}]", self.annotation(t, from)),
                    TypeDefKind::Option(t) if self.is_option(t) => {
                        format!("Optional[Some[{}]]", self.annotation(t, from))
                    }
                    TypeDefKind::Option(t) => format!("Optional[{}]", self.annotation(t, from)),
                    TypeDefKind::Result(r) => format!("Result[{}, {}]", opt(self, &r.ok), opt(self, &r.err)),
                    TypeDefKind::Tuple(t) => {
                        let items: Vec<String> = t.types.iter().map(|t| self.annotation(t, from)).collect();
                        format!("Tuple[{}]", items.join(", "))
                    }
                    TypeDefKind::Type(t) => self.annotation(t, from),
                    TypeDefKind::Handle(Handle::Own(r) | Handle::Borrow(r)) => {
                        let r = self.unalias(*r);
                        self.annotation(&Type::Id(r), from)
                    }
                    _ => "Any".into(),
                }
            }
        }
    }

    /// A module's absolute name: `""` is the package, `imports.foo` is under it.
    fn dotted(&self, module: &str) -> String {
        if module.is_empty() { self.world_module.clone() } else { format!("{}.{module}", self.world_module) }
    }

    /// Declares the named types of an interface or the world in `module`.
    fn declare(&mut self, module: &str, types: &[(String, TypeId)]) {
        for (name, id) in types {
            match &self.resolve.types[*id].kind {
                TypeDefKind::Record(_)
                | TypeDefKind::Variant(_)
                | TypeDefKind::Enum(_)
                | TypeDefKind::Flags(_)
                | TypeDefKind::Resource => {
                    self.locations.entry(*id).or_insert_with(|| (module.to_string(), camel(name)));
                }
                _ => {}
            }
        }
    }

    /// Writes the Python definitions of `types` into `module`.
    fn define(&mut self, module: &str, types: &[(String, TypeId)]) {
        for (name, id) in types {
            let def = self.resolve.types[*id].clone();
            let class = camel(name);
            let doc = def.docs.contents.as_deref().map(docstring).unwrap_or_default();
            let text = match &def.kind {
                TypeDefKind::Record(r) if self.locations.get(id).is_some_and(|l| l.0 == module) => {
                    let fields: Vec<String> = r
                        .fields
                        .iter()
                        .map(|f| format!("    {}: {}", snake(&f.name), self.annotation(&f.ty, module)))
                        .collect();
                    let body = if fields.is_empty() { "    pass".to_string() } else { fields.join("\n") };
                    format!("\n\n@dataclass\nclass {class}:\n{doc}{body}\n")
                }
                TypeDefKind::Variant(v) if self.locations.get(id).is_some_and(|l| l.0 == module) => {
                    let mut s = String::new();
                    let mut names = Vec::new();
                    for c in &v.cases {
                        let case = format!("{class}_{}", camel(&c.name));
                        let body = match &c.ty {
                            Some(t) => format!("    value: {}", self.annotation(t, module)),
                            None => "    pass".into(),
                        };
                        let _ = write!(s, "\n\n@dataclass\nclass {case}:\n{body}\n");
                        names.push(case);
                    }
                    let _ = write!(s, "\n\n{class} = Union[{}]\n", names.join(", "));
                    s
                }
                TypeDefKind::Enum(en) if self.locations.get(id).is_some_and(|l| l.0 == module) => {
                    let cases: Vec<String> =
                        en.cases.iter().enumerate().map(|(i, c)| format!("    {} = {i}", shouty(&c.name))).collect();
                    format!("\n\nclass {class}(Enum):\n{doc}{}\n", cases.join("\n"))
                }
                TypeDefKind::Flags(f) if self.locations.get(id).is_some_and(|l| l.0 == module) => {
                    let flags: Vec<String> =
                        f.flags.iter().map(|c| format!("    {} = auto()", shouty(&c.name))).collect();
                    let body = if flags.is_empty() { "    pass".to_string() } else { flags.join("\n") };
                    format!("\n\nclass {class}(Flag):\n{doc}{body}\n")
                }
                TypeDefKind::Resource if self.locations.get(id).is_some_and(|l| l.0 == module) => {
                    // The methods go where the marker is (componentize.rs fills them in).
                    let base = if module.starts_with("exports") { "(Protocol)" } else { "" };
                    format!("\n\nclass {class}{base}:\n{doc}{}\n", method_marker(&class))
                }
                TypeDefKind::List(_) | TypeDefKind::Option(_) | TypeDefKind::Result(_) | TypeDefKind::Tuple(_) => {
                    format!("\n\n{class} = {}\n", self.annotation(&Type::Id(*id), module))
                }
                TypeDefKind::Type(t) => {
                    // A `use` or an alias: the target's name.
                    let target = self.annotation(t, module);
                    if target == class { String::new() } else { format!("\n\n{class} = {target}\n") }
                }
                _ => String::new(),
            };
            self.modules.entry(module.to_string()).or_default().types.push_str(&text);
        }
    }

    /// A function's glue description, or the reason it cannot be converted.
    fn func(
        &mut self,
        f: &Function,
        variant: AbiVariant,
        interface: Option<&WorldKey>,
        module: &str,
        owner: Option<String>,
    ) -> Result<Func, String> {
        let (kind, res) = match &f.kind {
            FunctionKind::Freestanding => (Kind::Free, None),
            FunctionKind::Constructor(r) => (Kind::Constructor, Some(*r)),
            FunctionKind::Method(r) => (Kind::Method, Some(*r)),
            FunctionKind::Static(r) => (Kind::Static, Some(*r)),
            _ => return Err(format!("`{}`: async functions", f.name)),
        };
        let resource = match res {
            Some(r) => {
                let (_, cls) = self.resource(r).map_err(|e| format!("`{}`: {e}", f.name))?;
                Some((camel(self.resolve.types[self.unalias(r)].name.as_deref().unwrap_or_default()), cls))
            }
            None => None,
        };
        let what = |e: String| format!("`{}`: type {e}", f.name);
        let mut params_entry = Entry { kind: "PF_TUPLE", wit: "the parameters".into(), ..Entry::default() };
        let tys: Vec<Type> = f.params.iter().map(|p| p.ty).collect();
        self.fields(&tys, &mut params_entry).map_err(what)?;
        params_entry.n = tys.len();
        params_entry.names = f.params.iter().map(|p| snake(&p.name)).collect();
        let info = self.sizes.params(tys.iter());
        params_entry.size = info.size.size_wasm32();
        params_entry.align = info.align.align_wasm32();
        let params_size = (params_entry.size, params_entry.align);
        let params_ty = self.push(params_entry);
        let result_ty = match &f.result {
            Some(t) => Some(self.ty(t).map_err(what)?),
            None => None,
        };
        let result_size = f.result.as_ref().map_or((0, 1), |t| self.size(t));
        let params = f.params.iter().map(|p| (snake(&p.name), self.annotation(&p.ty, module))).collect();
        let (returns, raises) = match &f.result {
            None => ("None".to_string(), None),
            Some(t) => match self.result_of(t) {
                Some((ok, err)) => {
                    let ok = ok.map_or("None".to_string(), |t| self.annotation(&t, module));
                    let err = err.map_or("None".to_string(), |t| self.annotation(&t, module));
                    (ok, Some(err))
                }
                None => (self.annotation(t, module), None),
            },
        };
        let mangling = ManglingAndAbi::Legacy(LiftLowerAbi::Sync);
        let core = if variant == AbiVariant::GuestImport {
            self.resolve.wasm_import_name(mangling, WasmImport::Func { interface, func: f })
        } else {
            let name = self
                .resolve
                .wasm_export_name(mangling, WasmExport::Func { interface, func: f, kind: WasmExportKind::Normal });
            let post = self
                .resolve
                .wasm_export_name(mangling, WasmExport::Func { interface, func: f, kind: WasmExportKind::PostReturn });
            (name, post)
        };
        Ok(Func {
            wit_name: f.name.clone(),
            py_name: if kind == Kind::Constructor { "__init__".into() } else { snake(f.item_name()) },
            kind,
            module: module.to_string(),
            resource,
            params,
            returns,
            raises,
            owner,
            params_ty,
            result_ty,
            core,
            sig: self.resolve.wasm_signature(variant, f),
            params_size,
            result_size,
        })
    }

    /// `Some((ok, err))` when `t` is a `result`.
    fn result_of(&self, t: &Type) -> Option<(Option<Type>, Option<Type>)> {
        match t {
            Type::Id(id) => match &self.resolve.types[*id].kind {
                TypeDefKind::Result(r) => Some((r.ok, r.err)),
                TypeDefKind::Type(t) => self.result_of(t),
                _ => None,
            },
            _ => None,
        }
    }
}

/// Where a resource class's methods go in its module's text.
pub fn method_marker(class: &str) -> String {
    format!("@@pyforge-methods {class}@@")
}

fn docstring(text: &str) -> String {
    let text = text.trim().replace("\"\"\"", "\\\"\\\"\\\"");
    let body: Vec<String> =
        text.lines().map(|l| if l.trim().is_empty() { String::new() } else { format!("    {l}") }).collect();
    format!("    \"\"\"\n{}\n    \"\"\"\n", body.join("\n"))
}

/// Whether an export is pyforge's runtime's own (`wasi:cli/run`, which calls the app's `Run`).
fn is_runtime(resolve: &Resolve, key: &WorldKey) -> bool {
    resolve.name_world_key(key).starts_with("wasi:cli/run@")
}

/// The interface's Python module name: `foo_bar`, or — when interfaces of two packages in the
/// world share the name (`wasi:http/types`, `wasi:filesystem/types`) — `wasi_http_types`, as
/// componentize-py names them.
fn iface_module(resolve: &Resolve, world: WorldId, key: &WorldKey) -> String {
    let id = match key {
        WorldKey::Name(n) => return snake(n),
        WorldKey::Interface(id) => *id,
    };
    let iface = &resolve.interfaces[id];
    let name = iface.name.as_deref().unwrap_or("interface");
    let package = |i: &wit_parser::Interface| {
        i.package.map(|p| (&resolve.packages[p].name.namespace, &resolve.packages[p].name.name))
    };
    let w = &resolve.worlds[world];
    let shared = w.imports.iter().chain(&w.exports).any(|(_, item)| match item {
        WorldItem::Interface { id: other, .. } => {
            let o = &resolve.interfaces[*other];
            o.name.as_deref() == Some(name) && package(o) != package(iface)
        }
        _ => false,
    });
    match (shared, package(iface)) {
        (true, Some((ns, pkg))) => snake(&format!("{ns}-{pkg}-{name}")),
        _ => snake(name),
    }
}

/// Builds the glue of `world`; `Err` names each function or item this version cannot convert.
pub fn build(resolve: &Resolve, world: WorldId, world_module: &str) -> Result<Glue, Vec<String>> {
    let mut sizes = SizeAlign::default();
    sizes.fill(resolve);
    let mut b = Builder {
        resolve,
        sizes,
        world_module: world_module.to_string(),
        entries: Vec::new(),
        memo: HashMap::new(),
        class_names: ["Some", "Ok", "Err"]
            .iter()
            .map(|c| ("componentize_py_types".to_string(), c.to_string()))
            .collect(),
        locations: HashMap::new(),
        modules: BTreeMap::new(),
        world,
        resources: Vec::new(),
        res_memo: HashMap::new(),
    };
    let w = &resolve.worlds[world];
    b.modules.entry(String::new()).or_default().doc = format!("The bindings of world `{}`.", w.name);
    // Where each named type's class lives: its interface's module, or the package.
    let mut world_types = Vec::new();
    let mut ifaces: Vec<(bool, WorldKey, String, NamedTypes)> = Vec::new();
    for (exported, items) in [(false, &w.imports), (true, &w.exports)] {
        for (key, item) in items {
            match item {
                WorldItem::Interface { id, .. } if !(exported && is_runtime(resolve, key)) => {
                    let dir = if exported { "exports" } else { "imports" };
                    let module = format!("{dir}.{}", iface_module(resolve, world, key));
                    let types: Vec<(String, TypeId)> =
                        resolve.interfaces[*id].types.iter().map(|(n, t)| (n.clone(), *t)).collect();
                    b.declare(&module, &types);
                    ifaces.push((exported, key.clone(), module, types));
                }
                WorldItem::Type { id, .. } => {
                    if let WorldKey::Name(n) = key {
                        world_types.push((n.clone(), *id));
                    }
                }
                _ => {}
            }
        }
    }
    b.declare("", &world_types);
    b.define("", &world_types);
    for (exported, key, module, types) in &ifaces {
        let m = b.modules.entry(module.clone()).or_default();
        m.doc = format!(
            "The {} interface `{}`.",
            if *exported { "exported" } else { "imported" },
            resolve.name_world_key(key)
        );
        b.define(module, types);
    }
    let mut exports = Vec::new();
    let mut imports = Vec::new();
    let mut classes = Vec::new();
    let mut export_ifaces = Vec::new();
    let mut problems = Vec::new();
    for (key, item) in &w.imports {
        match item {
            WorldItem::Function(f) => match b.func(f, AbiVariant::GuestImport, None, "", None) {
                Ok(f) => imports.push(f),
                Err(p) => problems.push(p),
            },
            WorldItem::Interface { id, .. } => {
                let module = format!("imports.{}", iface_module(resolve, world, key));
                for f in resolve.interfaces[*id].functions.values() {
                    match b.func(f, AbiVariant::GuestImport, Some(key), &module, Some(module.clone())) {
                        Ok(f) => imports.push(f),
                        Err(p) => problems.push(p),
                    }
                }
            }
            _ => {}
        }
    }
    let mut world_funcs = false;
    for (key, item) in &w.exports {
        match item {
            WorldItem::Function(f) => {
                world_funcs = true;
                match b.func(f, AbiVariant::GuestExport, None, "", Some("WitWorld".into())) {
                    Ok(f) => exports.push(f),
                    Err(p) => problems.push(p),
                }
            }
            WorldItem::Interface { id, .. } if !is_runtime(resolve, key) => {
                let class = camel(&iface_module(resolve, world, key));
                let module = format!("exports.{}", iface_module(resolve, world, key));
                for f in resolve.interfaces[*id].functions.values() {
                    let at = if matches!(f.kind, FunctionKind::Freestanding) { "exports" } else { &module };
                    match b.func(f, AbiVariant::GuestExport, Some(key), at, Some(class.clone())) {
                        Ok(f) => exports.push(f),
                        Err(p) => problems.push(p),
                    }
                }
                export_ifaces.push((class, resolve.name_world_key(key)));
            }
            _ => {}
        }
    }
    if world_funcs {
        classes.push("WitWorld".to_string());
    }
    classes.extend(export_ifaces.iter().map(|(c, _)| c.clone()));
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(Glue {
        exports,
        imports,
        classes,
        modules: b.modules,
        export_ifaces,
        entries: b.entries,
        class_names: b.class_names,
        resources: b.resources.iter().map(|r| resource_c(resolve, r)).collect(),
    })
}

fn core_c(t: WasmType) -> &'static str {
    match t {
        WasmType::I32 | WasmType::Pointer | WasmType::Length => "int32_t",
        WasmType::I64 | WasmType::PointerOrI64 => "int64_t",
        WasmType::F32 => "float",
        WasmType::F64 => "double",
    }
}

/// A core value from its slot bits.
fn from_bits(t: WasmType, v: &str) -> String {
    match t {
        WasmType::I32 | WasmType::Pointer | WasmType::Length => format!("(int32_t)(uint32_t){v}"),
        WasmType::I64 | WasmType::PointerOrI64 => format!("(int64_t){v}"),
        WasmType::F32 => format!("pf_bits_f32({v})"),
        WasmType::F64 => format!("pf_bits_f64({v})"),
    }
}

/// A core value's slot bits.
fn to_bits(t: WasmType, v: &str) -> String {
    match t {
        WasmType::I32 | WasmType::Pointer | WasmType::Length => format!("(uint64_t)(uint32_t){v}"),
        WasmType::I64 | WasmType::PointerOrI64 => format!("(uint64_t){v}"),
        WasmType::F32 => format!("pf_f32_bits({v})"),
        WasmType::F64 => format!("pf_f64_bits({v})"),
    }
}

impl Glue {
    /// The glue of a world with nothing to convert.
    pub fn empty() -> Glue {
        Glue {
            exports: Vec::new(),
            imports: Vec::new(),
            classes: Vec::new(),
            modules: BTreeMap::new(),
            export_ifaces: Vec::new(),
            entries: Vec::new(),
            class_names: Vec::new(),
            resources: Vec::new(),
        }
    }

    /// The glue's C source.
    pub fn c_source(&self) -> String {
        let mut c = String::new();
        c.push_str("/* Generated by pyforge componentize from the WIT world; not for editing. */\n");
        c.push_str("#include \"app_abi.h\"\n#include <stdlib.h>\n\n");
        c.push_str(
            "extern void pyforge_app_enter(void);\nextern void pyforge_app_leave(void);\n\
             extern PyObject *pyforge_app_export(const char *cls);\n\n",
        );
        // The type table.
        let arr = |c: &mut String, name: String, ty: &str, items: Vec<String>| -> String {
            if items.is_empty() {
                return "NULL".into();
            }
            let _ = writeln!(c, "static const {ty} {name}[] = {{{}}};", items.join(", "));
            name
        };
        let mut rows = Vec::new();
        for (i, e) in self.entries.iter().enumerate() {
            let types = arr(&mut c, format!("t{i}_types"), "int32_t", e.types.iter().map(|x| x.to_string()).collect());
            let offsets =
                arr(&mut c, format!("t{i}_offsets"), "uint32_t", e.offsets.iter().map(|x| x.to_string()).collect());
            let flat =
                arr(&mut c, format!("t{i}_flat"), "uint32_t", e.flat_offsets.iter().map(|x| x.to_string()).collect());
            let names = arr(&mut c, format!("t{i}_names"), "char *const", e.names.iter().map(|n| c_str(n)).collect());
            rows.push(format!(
                "    {{{}, {}, {}, {}, {}, {types}, {offsets}, {flat}, {}, {}, {}, {names}, {}, {}}},",
                e.kind,
                e.size,
                e.align,
                e.elem,
                e.n,
                e.payload,
                e.tag_size,
                e.cls,
                e.nflat,
                c_str(&e.wit)
            ));
        }
        let _ = writeln!(c, "\nconst pf_type pf_types[] = {{\n{}\n}};", rows.join("\n"));
        let names: Vec<String> =
            self.class_names.iter().map(|(m, n)| format!("    {{{}, {}}},", c_str(m), c_str(n))).collect();
        let _ = writeln!(c, "const char *const pf_class_names[][2] = {{\n{}\n}};", names.join("\n"));
        let _ = writeln!(
            c,
            "PyObject *pf_classes[{}];\nconst int pf_nclasses = {};",
            self.class_names.len(),
            self.class_names.len()
        );
        let mut rows = Vec::new();
        let mut drops = Vec::new();
        for (i, r) in self.resources.iter().enumerate() {
            let import = |c: &mut String, (m, n): &(String, String), f: String, ret: &str| {
                let _ = writeln!(
                    c,
                    "__attribute__((import_module({}), import_name({}))) extern {ret} {f}(int32_t);",
                    c_str(m),
                    c_str(n)
                );
                f
            };
            let drop = import(&mut c, &r.drop, format!("res{i}_drop"), "void");
            let (new_, rep) = match &r.new_rep {
                Some((new_, rep)) => (
                    import(&mut c, new_, format!("res{i}_new"), "int32_t"),
                    import(&mut c, rep, format!("res{i}_rep"), "int32_t"),
                ),
                None => ("NULL".to_string(), "NULL".to_string()),
            };
            if let Some(dtor) = &r.dtor {
                let _ = writeln!(
                    c,
                    "__attribute__((export_name({}))) void res{i}_dtor(int32_t rep) {{ pyforge_app_enter(); pf_rep_forget(rep); }}",
                    c_str(dtor)
                );
            } else {
                let _ = writeln!(
                    c,
                    "static PyObject *drop_{i}(PyObject *self, PyObject *h) {{\n    (void)self;\n    long v = PyLong_AsLong(h);\n    \
                     if (v == -1 && PyErr_Occurred()) return NULL;\n    {drop}((int32_t)v);\n    Py_RETURN_NONE;\n}}"
                );
                drops.push(i);
            }
            rows.push(format!(
                "    {{{}, {drop}, {new_}, {rep}, \"drop_{i}\", {}}},",
                i32::from(r.exported),
                c_str(&r.wit)
            ));
        }
        rows.push("    {0, NULL, NULL, NULL, NULL, NULL},".into());
        let _ = writeln!(c, "const pf_resource pf_resources[] = {{\n{}\n}};", rows.join("\n"));
        c.push_str("\nstatic pf_arena export_arena;\n");
        for (i, f) in self.exports.iter().enumerate() {
            export_fn(&mut c, i, f);
        }
        for (i, f) in self.imports.iter().enumerate() {
            import_fn(&mut c, i, f);
        }
        let _ = writeln!(c, "\nstatic PyMethodDef methods[] = {{");
        for (i, f) in self.imports.iter().enumerate() {
            let _ = writeln!(
                c,
                "    {{\"import_{i}\", (PyCFunction)(void (*)(void))import_{i}, METH_FASTCALL, {}}},",
                c_str(&format!("`{}`", f.wit_name))
            );
        }
        for i in drops {
            let _ = writeln!(c, "    {{\"drop_{i}\", drop_{i}, METH_O, \"Drops a handle.\"}},");
        }
        let _ = writeln!(c, "    {{NULL, NULL, 0, NULL}},\n}};");
        let _ = writeln!(
            c,
            "\nstatic struct PyModuleDef module = {{PyModuleDef_HEAD_INIT, \"{MODULE}\", \"The world's imports.\", -1, methods}};\n\
             PyMODINIT_FUNC PyInit_{MODULE}(void) {{ return PyModule_Create(&module); }}"
        );
        c
    }
}

fn export_fn(c: &mut String, i: usize, f: &Func) {
    let sig = &f.sig;
    let params: Vec<String> = sig.params.iter().enumerate().map(|(k, t)| format!("{} p{k}", core_c(*t))).collect();
    let ret = sig.results.first().map_or("void", |t| core_c(*t));
    let name = c_str(&f.wit_name);
    let owner = c_str(f.owner.as_deref().unwrap_or("WitWorld"));
    let _ = writeln!(
        c,
        "\n__attribute__((export_name({}))) {ret} export_{i}({}) {{",
        c_str(&f.core.0),
        if params.is_empty() { "void".into() } else { params.join(", ") }
    );
    let _ = writeln!(c, "    pyforge_app_enter();");
    let n = f.params.len();
    let _ = writeln!(c, "    PyObject *args[{}] = {{0}};", n + 1);
    match (f.kind, &f.resource) {
        (Kind::Free, _) | (_, None) => {
            // The app's object, made before the snapshot, looked up once.
            let _ = writeln!(
                c,
                "    static PyObject *target;\n    if (!target) target = pyforge_app_export({owner});\n    args[0] = Py_XNewRef(target);"
            );
        }
        (Kind::Method, _) => {
            let _ = writeln!(c, "    args[0] = Py_NewRef(Py_None);");
        }
        (_, Some((_, cls))) => {
            let _ = writeln!(c, "    args[0] = pf_class({cls});\n    Py_XINCREF(args[0]);");
        }
    }
    let _ = writeln!(c, "    if (!args[0]) pf_export_failed({name});");
    if sig.indirect_params {
        let _ = writeln!(c, "    pf_loc l = {{0, (uint8_t *)(uintptr_t)p0, NULL}};");
    } else {
        let slots: Vec<String> = sig.params.iter().enumerate().map(|(k, t)| to_bits(*t, &format!("p{k}"))).collect();
        let _ = writeln!(
            c,
            "    uint64_t s[{}] = {{{}}};\n    pf_loc l = {{1, NULL, s}};",
            slots.len().max(1),
            if slots.is_empty() { "0".into() } else { slots.join(", ") }
        );
    }
    let _ = writeln!(c, "    if (pf_lift_args({}, &l, 1, args + 1) < 0) pf_export_failed({name});", f.params_ty);
    if sig.indirect_params {
        let _ = writeln!(c, "    free((void *)(uintptr_t)p0);");
    }
    let _ = writeln!(
        c,
        "    static PyObject *meth;\n    if (!meth) meth = PyUnicode_InternFromString({});",
        c_str(&f.py_name)
    );
    match f.kind {
        // The app's resource class, called.
        Kind::Constructor => {
            let _ = writeln!(c, "    PyObject *r = PyObject_Vectorcall(args[0], args + 1, {n}, NULL);");
        }
        // `self` is the first parameter.
        Kind::Method => {
            let _ =
                writeln!(c, "    PyObject *r = meth ? PyObject_VectorcallMethod(meth, args + 1, {n}, NULL) : NULL;");
        }
        Kind::Free | Kind::Static => {
            let _ =
                writeln!(c, "    PyObject *r = meth ? PyObject_VectorcallMethod(meth, args, {}, NULL) : NULL;", n + 1);
        }
    }
    let _ = writeln!(c, "    for (int k = 0; k < {}; k++) Py_DECREF(args[k]);", n + 1);
    if f.raises.is_some() {
        let _ = writeln!(c, "    r = pf_wrap_result(r);");
    }
    let _ = writeln!(c, "    if (!r) pf_export_failed({name});");
    match f.result_ty {
        None => {
            let _ = writeln!(
                c,
                "    if (r != Py_None) {{ PyErr_Format(PyExc_TypeError, \"`%s` returns nothing, the app returned %.200s\", {name}, Py_TYPE(r)->tp_name); pf_export_failed({name}); }}\n    Py_DECREF(r);\n    pyforge_app_leave();\n}}"
            );
        }
        Some(t) if sig.retptr => {
            let _ = writeln!(
                c,
                "    uint8_t *mem = pf_alloc(&export_arena, {}, {});\n    pf_loc rl = {{0, mem, NULL}};\n    \
                 if (!mem || pf_lower({t}, r, &rl, 0, &export_arena) < 0) pf_export_failed({name});\n    \
                 Py_DECREF(r);\n    pyforge_app_leave();\n    return (int32_t)(uintptr_t)mem;\n}}",
                f.result_size.0, f.result_size.1
            );
        }
        Some(t) => {
            let rt = sig.results[0];
            let _ = writeln!(
                c,
                "    uint64_t rs[1] = {{0}};\n    pf_loc rl = {{1, NULL, rs}};\n    \
                 if (pf_lower({t}, r, &rl, 0, &export_arena) < 0) pf_export_failed({name});\n    \
                 Py_DECREF(r);\n    pyforge_app_leave();\n    return {};\n}}",
                from_bits(rt, "rs[0]")
            );
        }
    }
    // Post-return: what the result pointed into (strings, lists) is released.
    let post_params = sig.results.first().map_or("void".to_string(), |t| format!("{} r", core_c(*t)));
    let _ = writeln!(
        c,
        "__attribute__((export_name({}))) void post_{i}({post_params}) {{ {}pf_arena_free(&export_arena); }}",
        c_str(&f.core.1),
        if sig.results.is_empty() { "" } else { "(void)r; " }
    );
}

fn import_fn(c: &mut String, i: usize, f: &Func) {
    let sig = &f.sig;
    let core_params: Vec<&str> = sig.params.iter().map(|t| core_c(*t)).collect();
    let ret = sig.results.first().map_or("void", |t| core_c(*t));
    let _ = writeln!(
        c,
        "\n__attribute__((import_module({}), import_name({}))) extern {ret} core_import_{i}({});",
        c_str(&f.core.0),
        c_str(&f.core.1),
        if core_params.is_empty() { "void".into() } else { core_params.join(", ") }
    );
    let _ = writeln!(c, "static PyObject *import_{i}(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {{");
    let _ = writeln!(c, "    (void)self;\n    pf_arena a = {{0}};");
    let mut call = Vec::new();
    if sig.indirect_params {
        let _ = writeln!(
            c,
            "    uint8_t *mem = pf_alloc(&a, {}, {});\n    if (!mem) {{ pf_arena_free(&a); return NULL; }}\n    pf_loc l = {{0, mem, NULL}};",
            f.params_size.0, f.params_size.1
        );
        call.push("(int32_t)(uintptr_t)mem".to_string());
    } else {
        let n = sig.params.len() - usize::from(sig.retptr);
        let _ = writeln!(c, "    uint64_t s[{}] = {{0}};\n    pf_loc l = {{1, NULL, s}};", n.max(1));
        call.extend(sig.params[..n].iter().enumerate().map(|(k, t)| from_bits(*t, &format!("s[{k}]"))));
    }
    let _ = writeln!(
        c,
        "    if (pf_lower_args({}, {}, args, nargs, &l, &a) < 0) {{ pf_arena_free(&a); return NULL; }}",
        f.params_ty,
        c_str(&f.py_name)
    );
    if sig.retptr {
        let _ = writeln!(c, "    uint64_t ret[{}] = {{0}};", f.result_size.0.div_ceil(8).max(1));
        call.push("(int32_t)(uintptr_t)ret".to_string());
    }
    let call = format!("core_import_{i}({})", call.join(", "));
    match f.result_ty {
        None => {
            let _ = writeln!(c, "    {call};\n    pf_arena_free(&a);\n    Py_RETURN_NONE;\n}}");
            return;
        }
        Some(t) if sig.retptr => {
            let _ = writeln!(
                c,
                "    {call};\n    pf_arena_free(&a);\n    pf_loc rl = {{0, (uint8_t *)ret, NULL}};\n    PyObject *r = pf_lift({t}, &rl, 0, 1);"
            );
        }
        Some(t) => {
            let _ = writeln!(
                c,
                "    uint64_t rs[1] = {{{}}};\n    pf_arena_free(&a);\n    pf_loc rl = {{1, NULL, rs}};\n    PyObject *r = pf_lift({t}, &rl, 0, 1);",
                to_bits(sig.results[0], &call)
            );
        }
    }
    if f.raises.is_some() {
        let _ = writeln!(c, "    return pf_unwrap_result(r);\n}}");
    } else {
        let _ = writeln!(c, "    return r;\n}}");
    }
}
