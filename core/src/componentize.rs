//! `componentize`: a Python application as a component for a WIT world, source-compatible with
//! componentize-py 0.25 (`import wit_world`, `class Run(exports.Run)` in the app module).
//!
//! The app is built like a forge (the given forge, or the plain kit interpreter): linked,
//! embedded and pre-initialized — with the app's `-p` directories and the generated
//! `wit_world` package in the archive, the app imported and its export classes instantiated
//! before the snapshot — then composed with the forge's caps.
//!
//! This version supports worlds that export `wasi:cli/run` (a command: the app's `Run.run()`
//! is the program) and/or functions (the app's `WitWorld` methods), and import functions, of
//! the types [`glue`] converts. Anything else is refused, naming what is not supported yet.

mod glue;

use crate::diag::Diag;
use crate::plan::ForgePlan;
use crate::source::{self, Entry, Source};
use crate::wit;

/// What the user asked for (componentize-py's options).
#[derive(Debug, Clone)]
pub struct AppSpec {
    /// `-d`: the WIT directory.
    pub wit: String,
    /// `-w`: the world (or the package's only one).
    pub world: Option<String>,
    /// The app's module (`app` for `app.py`).
    pub module: String,
    /// `-p`: where the app's modules are (default: the current directory).
    pub python_path: Vec<String>,
    /// `--world-module`: the generated package's name (default `wit_world`).
    pub world_module: String,
}

/// The app as the link and pre-initialization steps need it.
#[derive(Debug, Clone)]
pub struct App {
    /// The app's module.
    pub module: String,
    /// The export classes to instantiate (`Run`).
    pub exports: Vec<String>,
    /// Where the archive puts each `-p` directory (`/app`, `/app/src`, …), in order: first on
    /// `sys.path`.
    pub roots: Vec<String>,
    /// Archive members: the app's files and the generated package.
    pub files: Vec<(String, Vec<u8>)>,
    /// The C glue for the world's functions, `(file name, bytes)`: wit-bindgen-c's bindings and
    /// the conversions (`pyforge_app.c`). Empty for a command world.
    pub glue: Vec<(String, Vec<u8>)>,
}

/// The C glue's own source file name (the rest are wit-bindgen-c's).
pub const GLUE_C: &str = "pyforge_app.c";

/// The C module the glue adds to the inittab.
pub const GLUE_MODULE: &str = glue::MODULE;

/// What [`check_world`] found.
struct WorldInfo {
    name: String,
    /// Export classes: `Run`, `WitWorld`.
    exports: Vec<String>,
    funcs_out: Vec<glue::Func>,
    funcs_in: Vec<glue::Func>,
    glue: Vec<(String, Vec<u8>)>,
}

/// Where the generated package goes in the archive (after the app's own directories).
const GENERATED_ROOT: &str = "/.pyforge/bindings";

fn is_module_name(name: &str) -> bool {
    name.chars().next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_alphanumeric() || c == '_')
}

/// Checks the world and the app, and gathers the app's files and the generated bindings.
pub fn plan_app(src: &dyn Source, spec: &AppSpec) -> Result<App, Vec<Diag>> {
    let mut diags = Vec::new();
    if !spec.module.split('.').all(is_module_name) {
        diags.push(
            Diag::new(None, format!("`{}` is not a Python module name", spec.module))
                .help("name the app's module as you would import it: `app` for app.py")
                .code("componentize::app"),
        );
    }
    if !is_module_name(&spec.world_module) {
        diags.push(Diag::new(None, format!("`--world-module {}` is not a Python module name", spec.world_module)));
    }
    if spec.module.split('.').next() == Some(spec.world_module.as_str()) {
        diags.push(
            Diag::new(None, format!("the app module `{}` has the name of the generated bindings package", spec.module))
                .help(format!(
                    "rename the app module, or the bindings with `--world-module` (the app imports `{}`)",
                    spec.world_module
                ))
                .code("componentize::app"),
        );
    }
    if !diags.is_empty() {
        return Err(diags);
    }
    let info = check_world(src, &spec.wit, spec.world.as_deref())?;

    let mut files = Vec::new();
    let mut roots = Vec::new();
    let paths = if spec.python_path.is_empty() { vec![".".to_string()] } else { spec.python_path.clone() };
    for dir in &paths {
        if let Err(e) = source::check_relative(dir).map(|_| ()).or_else(|e| if dir == "." { Ok(()) } else { Err(e) }) {
            diags
                .push(Diag::new(Some(dir), format!("`-p {dir}`: {e}")).help("give directories inside the current one"));
            continue;
        }
        // The archive mirrors the directory: `-p .` is `/app`, `-p src` is `/app/src`, so a
        // traceback's `/app/src/x.py` is the project's `src/x.py`.
        let rel = dir.trim_start_matches("./").trim_end_matches('/');
        let root = if rel.is_empty() || rel == "." { "/app".to_string() } else { format!("/app/{rel}") };
        if let Err(d) = python_files(src, dir, "", &root, &mut files) {
            diags.push(d);
        }
        roots.push(root);
    }
    let found = paths.iter().any(|dir| {
        let base = source::join(dir, &spec.module.replace('.', "/"));
        src.entry(&format!("{base}.py")) == Entry::File || src.entry(&format!("{base}/__init__.py")) == Entry::File
    });
    if !found && diags.is_empty() {
        diags.push(
            Diag::new(
                None,
                format!("the app module `{}` is in none of the Python paths ({})", spec.module, paths.join(", ")),
            )
            .help(format!("add `{}.py` to one of them, or name its directory with `-p`", spec.module.replace('.', "/")))
            .code("componentize::app"),
        );
    }
    if !diags.is_empty() {
        return Err(diags);
    }
    roots.push(GENERATED_ROOT.to_string());
    for (rel, text) in bindings(&spec.world_module, &info) {
        files.push((format!("{GENERATED_ROOT}/{rel}"), text.into_bytes()));
    }
    Ok(App { module: spec.module.clone(), exports: info.exports, roots, files, glue: info.glue })
}

/// Loads the world and checks that this version can build it; generates the C glue.
fn check_world(src: &dyn Source, dir: &str, world: Option<&str>) -> Result<WorldInfo, Vec<Diag>> {
    let mut diags = Vec::new();
    let (resolve, world) = wit::load(src, dir, world).map_err(|d| vec![d])?;
    let world_name = resolve.worlds[world].name.clone();
    let unsupported = |what: String| {
        Diag::new(Some(dir), format!("world `{world_name}` {what}: not supported yet"))
            .help(
                "this version of `pyforge componentize` builds worlds that export `wasi:cli/run` and functions, \
                 and import functions, of scalar, `char`, `string` and `list<u8>` types",
            )
            .code("componentize::unsupported")
    };
    let mut exports = Vec::new();
    for (key, item) in &resolve.worlds[world].exports {
        let name = resolve.name_world_key(key);
        match item {
            wit_parser::WorldItem::Interface { .. } if name.starts_with("wasi:cli/run@0.2") => {
                exports.push("Run".to_string())
            }
            wit_parser::WorldItem::Function(_) => {}
            _ => diags.push(unsupported(format!("exports `{name}`"))),
        }
    }
    for (key, item) in &resolve.worlds[world].imports {
        let name = resolve.name_world_key(key);
        if let wit_parser::WorldItem::Interface { id, .. } = item
            && !name.starts_with("wasi:")
            && resolve.interfaces[*id]
                .types
                .values()
                .any(|t| matches!(resolve.types[*t].kind, wit_parser::TypeDefKind::Resource))
        {
            diags.push(unsupported(format!("imports `{name}` (it has resources)")));
        }
    }
    let (funcs_out, funcs_in) = match glue::functions(&resolve, world) {
        Ok(f) => f,
        Err(problems) => {
            diags.extend(problems.into_iter().map(|p| unsupported(format!("function {p}"))));
            (Vec::new(), Vec::new())
        }
    };
    if !funcs_out.is_empty() {
        exports.push("WitWorld".to_string());
    }
    if exports.is_empty() && diags.is_empty() {
        diags.push(
            Diag::new(Some(dir), format!("world `{world_name}` exports nothing"))
                .help("a component for it would do nothing: export functions or `wasi:cli/run`")
                .code("componentize::unsupported"),
        );
    }
    if !diags.is_empty() {
        return Err(diags);
    }
    let mut glue_files = Vec::new();
    if !funcs_out.is_empty() || !funcs_in.is_empty() {
        let c_world = world_name.replace('-', "_");
        // `wasi:cli/run` is pyforge's runtime's own export (it calls the app's `Run`): the
        // bindings leave it out.
        let mut resolve = resolve;
        let keep: Vec<bool> = resolve.worlds[world]
            .exports
            .keys()
            .map(|k| !resolve.name_world_key(k).starts_with("wasi:cli/run@"))
            .collect();
        let mut keep = keep.into_iter();
        resolve.worlds[world].exports.retain(|_, _| keep.next().unwrap_or(true));
        let generated = crate::r#gen::generate(resolve, world).map_err(|e| e.diagnostics())?;
        glue_files = generated;
        let header = format!("{c_world}.h");
        glue_files.push((GLUE_C.to_string(), glue::c_source(&c_world, &header, &funcs_out, &funcs_in).into_bytes()));
    }
    Ok(WorldInfo { name: world_name, exports, funcs_out, funcs_in, glue: glue_files })
}

/// The Python bindings of `world` in the WIT directory `dir`, named `world_module`:
/// `(path relative to the output directory, text)`. What `pyforge bindings` writes.
pub fn world_bindings(
    src: &dyn Source,
    dir: &str,
    world: Option<&str>,
    world_module: &str,
) -> Result<Vec<(String, String)>, Vec<Diag>> {
    if !is_module_name(world_module) {
        return Err(vec![Diag::new(None, format!("`--world-module {world_module}` is not a Python module name"))]);
    }
    let info = check_world(src, dir, world)?;
    Ok(bindings(world_module, &info))
}

/// The Python files under `dir` (skipping build outputs, caches and hidden directories).
fn python_files(
    src: &dyn Source,
    dir: &str,
    rel: &str,
    root: &str,
    out: &mut Vec<(String, Vec<u8>)>,
) -> Result<(), Diag> {
    let here = if rel.is_empty() { dir.to_string() } else { source::join(dir, rel) };
    let mut names = src.list(&here).map_err(|e| Diag::new(Some(&here), format!("failed to list: {e}")))?;
    names.sort();
    for name in names {
        let path = source::join(&here, &name);
        let sub = if rel.is_empty() { name.clone() } else { format!("{rel}/{name}") };
        match src.entry(&path) {
            Entry::Dir
                if !(name.starts_with('.') || name == "target" || name == "__pycache__" || name == "node_modules") =>
            {
                python_files(src, dir, &sub, root, out)?;
            }
            Entry::File if name.ends_with(".py") => {
                let bytes = src.read(&path).map_err(|e| Diag::new(Some(&path), format!("failed to read: {e}")))?;
                out.push((format!("{root}/{sub}"), bytes));
            }
            _ => {}
        }
    }
    Ok(())
}

/// The generated Python: the bindings package and `componentize_py_types`, with
/// componentize-py 0.25's names.
fn bindings(world_module: &str, info: &WorldInfo) -> Vec<(String, String)> {
    const HEADER: &str = "# Generated by pyforge componentize from the WIT world; not for editing.\n";
    let world = &info.name;
    let sig = |f: &glue::Func, self_: bool| {
        let mut params: Vec<String> = if self_ { vec!["self".to_string()] } else { Vec::new() };
        params.extend(f.params.iter().map(|(n, k)| format!("{n}: {}", k.py_type())));
        let ret = f.result.map_or("None", glue::Kind::py_type);
        format!("def {}({}) -> {ret}:", f.py_name, params.join(", "))
    };
    let import_fn = |i: usize, f: &glue::Func| {
        let args: Vec<&str> = f.params.iter().map(|(n, _)| n.as_str()).collect();
        format!(
            "\n\n{}\n    \"\"\"The host's `{}`.\"\"\"\n    return _app.import_{i}({})\n",
            sig(f, false),
            f.wit_name,
            args.join(", ")
        )
    };
    let mut init = format!(
        "{HEADER}\"\"\"The bindings of world `{world}`.\"\"\"\nfrom abc import abstractmethod\nfrom typing import Protocol\n"
    );
    if !info.funcs_in.is_empty() {
        init.push_str(&format!("\nimport {} as _app\n", glue::MODULE));
    }
    init.push_str("\n\nclass WitWorld(Protocol):\n");
    if info.funcs_out.is_empty() {
        init.push_str("    pass\n");
    }
    for f in &info.funcs_out {
        init.push_str(&format!(
            "\n    @abstractmethod\n    {}\n        \"\"\"The world's export `{}`.\"\"\"\n        raise NotImplementedError\n",
            sig(f, true),
            f.wit_name
        ));
    }
    let mut modules: std::collections::BTreeMap<String, String> = std::collections::BTreeMap::new();
    for (i, f) in info.funcs_in.iter().enumerate() {
        match &f.module {
            None => init.push_str(&import_fn(i, f)),
            Some(m) => modules
                .entry(m.clone())
                .or_insert_with(|| {
                    format!("{HEADER}\"\"\"The imported interface `{m}`.\"\"\"\nimport {} as _app\n", glue::MODULE)
                })
                .push_str(&import_fn(i, f)),
        }
    }
    let mut out = vec![
        (format!("{world_module}/__init__.py"), init),
        (format!("{world_module}/imports/__init__.py"), HEADER.to_string()),
    ];
    for (m, text) in modules {
        out.push((format!("{world_module}/imports/{m}.py"), text));
    }
    let mut ex = format!("{HEADER}from abc import abstractmethod\nfrom typing import Protocol\n");
    if info.exports.iter().any(|e| e == "Run") {
        ex.push_str(
            "\n\nclass Run(Protocol):\n\n    @abstractmethod\n    def run(self) -> None:\n        \"\"\"\n        Run the program.\n\n        Raises: `componentize_py_types.Err(None)`\n        \"\"\"\n        raise NotImplementedError\n",
        );
    }
    out.push((format!("{world_module}/exports/__init__.py"), ex));
    out.push(("componentize_py_types.py".to_string(), TYPES.to_string()));
    out
}

const TYPES: &str = r#"# Generated by pyforge componentize; componentize-py 0.25's helper types, same names.
from dataclasses import dataclass
from typing import Generic, TypeVar, Union

S = TypeVar("S")
T = TypeVar("T")
E = TypeVar("E")


@dataclass(frozen=True)
class Some(Generic[S]):
    value: S


@dataclass(frozen=True)
class Ok(Generic[T]):
    value: T


@dataclass(frozen=True)
class Err(Generic[E], Exception):
    value: E


Result = Union[Ok[T], Err[E]]
"#;

/// Builds `spec` on `forge` (or on the kit's interpreter alone) into `out_dir`, up to `step`,
/// as [`crate::build::build`] builds a forge. The component to ship is the composition (with
/// caps) or the snapshot (without).
pub fn build_app(
    src: &dyn Source,
    cc: &dyn crate::link::Compiler,
    spec: &AppSpec,
    forge: Option<&str>,
    kit_dir: &str,
    out_dir: &str,
    step: crate::build::Step,
) -> Result<crate::build::Built, crate::build::BuildError> {
    let name = forge.unwrap_or("app");
    let plan_error = |diags| crate::build::BuildError::Plan { forge: name.to_string(), diags };
    let mut plan = match forge {
        Some(f) => crate::plan::plan(src, f).map_err(plan_error)?,
        None => bare_plan(name),
    };
    plan.self_contained = true;
    // The forge's `output` copy is the forge's, not the app's.
    plan.output = None;
    plan.app = Some(plan_app(src, spec).map_err(plan_error)?);
    crate::build::build_planned(plan, cc, kit_dir, out_dir, step)
}

/// A plan for the app alone: the kit's interpreter with no extensions and no caps.
pub fn bare_plan(name: &str) -> ForgePlan {
    ForgePlan {
        forge: name.to_string(),
        extensions: Vec::new(),
        overlays: Vec::new(),
        caps: Vec::new(),
        stubs: Vec::new(),
        output: None,
        shim_packages: Vec::new(),
        offload: Vec::new(),
        self_contained: true,
        warm: crate::embed::DEFAULT_WARM.iter().map(|m| m.to_string()).collect(),
        bytecode: true,
        app: None,
    }
}
