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
use crate::plan::App;
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
    /// `--stub-wasi`: every WASI import answered by a trapping stub.
    pub stub_wasi: bool,
}

/// The C glue's own source file name (the rest are wit-bindgen-c's).
pub const GLUE_C: &str = "pyforge_app.c";

/// What [`check_world`] found.
struct WorldInfo {
    name: String,
    /// Export classes: `Run`, `WitWorld`, one per exported interface.
    exports: Vec<String>,
    /// The functions' glue (`None`: a command world with no functions of its own).
    glue: Option<glue::Glue>,
    /// The glue's C files.
    c_files: Vec<(String, Vec<u8>)>,
}

/// Where the generated package goes in the archive (after the app's own directories).
const GENERATED_ROOT: &str = "/.pyforge/bindings";

/// One name of a module (no dots): what `--world-module` names.
fn is_module_name(name: &str) -> bool {
    !name.contains('.') && crate::manifest::is_module_path(name)
}

/// Checks the world and the app, and gathers the app's files and the generated bindings.
pub fn plan_app(src: &dyn Source, spec: &AppSpec) -> Result<App, Vec<Diag>> {
    let mut diags = Vec::new();
    if !crate::manifest::is_module_path(&spec.module) {
        diags.push(
            Diag::new(None, format!("`{}` is not a Python module name", spec.module))
                .help("name the app's module as you would import it: `app` for app.py")
                .code("componentize::app"),
        );
    }
    if !is_module_name(&spec.world_module) {
        diags.push(
            Diag::new(None, format!("`--world-module {}` is not a Python module name", spec.world_module))
                .code("componentize::world-module"),
        );
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
    let info = check_world(src, &spec.wit, spec.world.as_deref(), &spec.world_module)?;

    let mut files = Vec::new();
    let mut roots = Vec::new();
    let paths = if spec.python_path.is_empty() { vec![".".to_string()] } else { spec.python_path.clone() };
    for (i, dir) in paths.iter().enumerate() {
        // The archive mirrors the directory: `-p .` is `/app`, `-p src` is `/app/src`, so a
        // traceback's `/app/src/x.py` is the project's `src/x.py`. A directory outside the
        // project (an absolute path the host granted) is `/app-path/<its position>`: where it
        // is on the build machine stays out of the component.
        let root = if dir.starts_with('/') {
            format!("/app-path/{i}")
        } else {
            if let Err(e) =
                source::check_relative(dir).map(|_| ()).or_else(|e| if dir == "." { Ok(()) } else { Err(e) })
            {
                diags.push(
                    Diag::new(Some(dir), format!("`-p {dir}`: {e}"))
                        .help("give a directory inside the current one, or its absolute path")
                        .code("componentize::path"),
                );
                continue;
            }
            let rel = dir.trim_start_matches("./").trim_end_matches('/');
            if rel.is_empty() || rel == "." { "/app".to_string() } else { format!("/app/{rel}") }
        };
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
    Ok(App {
        module: spec.module.clone(),
        exports: info.exports,
        roots,
        files,
        glue: info.c_files,
        stub_wasi: spec.stub_wasi,
    })
}

/// Loads the world and checks that this version can build it; generates the glue.
fn check_world(src: &dyn Source, dir: &str, world: Option<&str>, world_module: &str) -> Result<WorldInfo, Vec<Diag>> {
    let mut diags = Vec::new();
    let (resolve, world) = wit::load(src, dir, world).map_err(|d| {
        if d.code != wit::WORLD_CODE {
            return vec![d];
        }
        vec![d.help(match world {
            Some(_) => format!(
                "name a world of the WIT package in `{dir}` or of one in its `deps/` (`-w wasi:cli/command@0.2.0` \
                 names a world of a dependency)"
            ),
            None => "the package has no world or several: name the app's world with `-w WORLD`".to_string(),
        })]
    })?;
    let world_name = resolve.worlds[world].name.clone();
    let unsupported = |what: String| {
        Diag::new(Some(dir), format!("world `{world_name}` {what}: not supported yet"))
            .help(
                "this version of `pyforge componentize` builds worlds that export `wasi:cli/run`, functions, \
                 interfaces and resources, and import functions, interfaces and resources, of every WIT value \
                 type; async functions, futures and streams, and exports of WASI interfaces other than \
                 `wasi:cli/run` are not supported yet",
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
            _ => {}
        }
    }
    let glue = match glue::build(&resolve, world, world_module) {
        Ok(g) => Some(g),
        Err(problems) => {
            diags.extend(problems.into_iter().map(|p| unsupported(format!("function {p}"))));
            None
        }
    };
    if let Some(g) = &glue {
        exports.extend(g.classes.iter().cloned());
    }
    if exports.is_empty() && diags.is_empty() {
        diags.push(
            Diag::new(Some(dir), format!("world `{world_name}` exports nothing"))
                .help("a component for it would do nothing: export functions, interfaces or `wasi:cli/run`")
                .code("componentize::unsupported"),
        );
    }
    if !diags.is_empty() {
        return Err(diags);
    }
    let mut c_files = Vec::new();
    if let Some(g) = glue.as_ref().filter(|g| !g.exports.is_empty() || !g.imports.is_empty()) {
        // `wasi:cli/run` is pyforge's runtime's own export (it calls the app's `Run`): the
        // world's component type leaves it out. wit-bindgen-c gives the component type; the
        // functions are pyforge's own glue.
        let mut resolve = resolve.clone();
        let keep: Vec<bool> = resolve.worlds[world]
            .exports
            .keys()
            .map(|k| !resolve.name_world_key(k).starts_with("wasi:cli/run@"))
            .collect();
        let mut keep = keep.into_iter();
        resolve.worlds[world].exports.retain(|_, _| keep.next().unwrap_or(true));
        let generated = crate::r#gen::generate(resolve, world).map_err(|e| e.diagnostics())?;
        c_files.extend(generated.into_iter().filter(|(n, _)| n.ends_with("_component_type.o")));
        c_files.push((GLUE_C.to_string(), g.c_source().into_bytes()));
        c_files.push((glue::ABI_C.0.to_string(), glue::ABI_C.1.as_bytes().to_vec()));
        c_files.push((glue::ABI_H.0.to_string(), glue::ABI_H.1.as_bytes().to_vec()));
    }
    Ok(WorldInfo { name: world_name, exports, glue, c_files })
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
        return Err(vec![
            Diag::new(None, format!("`--world-module {world_module}` is not a Python module name"))
                .code("componentize::world-module"),
        ]);
    }
    let info = check_world(src, dir, world, world_module)?;
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
    let mut names =
        src.list(&here).map_err(|e| Diag::new(Some(&here), format!("failed to list: {e}")).code("componentize::io"))?;
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
                let bytes = src
                    .read(&path)
                    .map_err(|e| Diag::new(Some(&path), format!("failed to read: {e}")).code("componentize::io"))?;
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
    const PRELUDE: &str = "from __future__ import annotations\n\nfrom abc import abstractmethod\n\
        from dataclasses import dataclass\nfrom enum import Enum, Flag, auto\n\
        from typing import Any, List, Optional, Protocol, Self, Tuple, Union\n\nimport weakref\n\
        from componentize_py_types import Err, Ok, Result, Some\n";
    let empty = glue::Glue::empty();
    let g = info.glue.as_ref().unwrap_or(&empty);
    let sig = |f: &glue::Func, self_: bool| {
        let mut params: Vec<String> = if self_ { vec!["self".to_string()] } else { Vec::new() };
        // A method's own first parameter is `self`.
        let skip = usize::from(f.kind == glue::Kind::Method);
        params.extend(f.params.iter().skip(skip).map(|(n, a)| format!("{n}: {a}")));
        let returns = if f.kind == glue::Kind::Constructor { "None" } else { &f.returns };
        format!("def {}({}) -> {returns}:", f.py_name, params.join(", "))
    };
    let doc = |what: String, f: &glue::Func, indent: &str| match &f.raises {
        Some(e) => format!(
            "{indent}\"\"\"\n{indent}{what}\n\n{indent}Raises: `componentize_py_types.Err({e})`\n{indent}\"\"\"\n"
        ),
        None => format!("{indent}\"\"\"{what}\"\"\"\n"),
    };
    // Module (relative: "", "imports.foo", "exports", "exports.foo") → functions text.
    let mut funcs: std::collections::BTreeMap<String, String> = std::collections::BTreeMap::new();
    // (module, resource class) → its methods.
    let mut methods: std::collections::BTreeMap<(String, String), String> = std::collections::BTreeMap::new();
    for (i, f) in g.imports.iter().enumerate() {
        let mut args: Vec<&str> = f.params.iter().map(|(n, _)| n.as_str()).collect();
        let what =
            doc(format!("The host's `{}`.", f.wit_name), f, if f.resource.is_some() { "        " } else { "    " });
        match (&f.resource, f.kind) {
            (None, _) => funcs.entry(f.owner.clone().unwrap_or_default()).or_default().push_str(&format!(
                "\n\n{}\n{what}    return _app.import_{i}({})\n",
                sig(f, false),
                args.join(", ")
            )),
            (Some((class, _)), kind) => {
                let body = match kind {
                    // The handle the host made becomes this object's (componentize-py's way).
                    glue::Kind::Constructor => format!(
                        "        tmp = _app.import_{i}({})\n        (_, func, args, _) = tmp.finalizer.detach()\n        \
                         self.handle = tmp.handle\n        self.finalizer = weakref.finalize(self, func, *args)\n",
                        args.join(", ")
                    ),
                    glue::Kind::Method => {
                        args[0] = "self";
                        format!("        return _app.import_{i}({})\n", args.join(", "))
                    }
                    _ => format!("        return _app.import_{i}({})\n", args.join(", ")),
                };
                let text = methods.entry((f.module.clone(), class.clone())).or_default();
                let head = if kind == glue::Kind::Static { "@staticmethod\n    " } else { "" };
                text.push_str(&format!("\n    {head}{}\n{what}{body}", sig(f, kind != glue::Kind::Static)));
            }
        }
    }
    for f in g.exports.iter() {
        if let Some((class, _)) = &f.resource {
            methods.entry((f.module.clone(), class.clone())).or_default().push_str(&format!(
                "\n    {}@abstractmethod\n    {}\n{}        raise NotImplementedError\n",
                if f.kind == glue::Kind::Static { "@staticmethod\n    " } else { "" },
                sig(f, f.kind != glue::Kind::Static),
                doc(format!("The export `{}`.", f.wit_name), f, "        ")
            ));
        }
    }
    let protocol = |class: &str, owner: &str, what: &str| {
        let mut s = format!("\n\nclass {class}(Protocol):\n    \"\"\"{what}\"\"\"\n");
        for f in g.exports.iter().filter(|f| f.owner.as_deref() == Some(owner) && f.resource.is_none()) {
            // Abstract: the app's class implements it (as in componentize-py).
            s.push_str(&format!(
                "\n    @abstractmethod\n    {}\n{}        raise NotImplementedError\n",
                sig(f, true),
                doc(format!("The export `{}`.", f.wit_name), f, "        ")
            ));
        }
        s
    };
    let mut modules = g.modules.clone();
    modules.entry(String::new()).or_default();
    modules.entry("imports".into()).or_default();
    modules.entry("exports".into()).or_default();
    let mut out = Vec::new();
    for (name, m) in &modules {
        let mut text =
            format!("{HEADER}\"\"\"{}\"\"\"\n{PRELUDE}", if m.doc.is_empty() { "Generated bindings." } else { &m.doc });
        for line in &m.imports {
            text.push_str(&format!("{line}\n"));
        }
        let fs = funcs.get(name.as_str());
        if fs.is_some() || methods.keys().any(|(m, _)| m == name) {
            text.push_str(&format!("\nimport {} as _app\n", glue::MODULE));
        }
        text.push_str(&m.types);
        if name.is_empty() {
            text.push_str(&protocol("WitWorld", "WitWorld", &format!("The exports of world `{}`.", info.name)));
        }
        if name == "exports" {
            if info.exports.iter().any(|e| e == "Run") {
                text.push_str(
                    "\n\nclass Run(Protocol):\n\n    @abstractmethod\n    def run(self) -> None:\n        \"\"\"\n        Run the program.\n\n        Raises: `componentize_py_types.Err(None)`\n        \"\"\"\n        raise NotImplementedError\n",
                );
            }
            for (class, iface) in &g.export_ifaces {
                text.push_str(&protocol(class, class, &format!("The exported interface `{iface}`.")));
            }
        }
        if let Some(fs) = fs {
            text.push_str(fs);
        }
        // Each resource class's methods, where its definition left room; an imported one is
        // released by its finalizer or `with`.
        while let Some(at) = text.find("@@pyforge-methods ") {
            let end = at + text[at..].find("@@\n").map_or(text.len() - at, |e| e + 3);
            let class = text[at + "@@pyforge-methods ".len()..end - 3].to_string();
            let mut body = methods.remove(&(name.clone(), class)).unwrap_or_default();
            if !name.starts_with("exports") {
                body.push_str(RESOURCE_RELEASE);
            } else if body.is_empty() {
                body.push_str("    pass\n");
            }
            text.replace_range(at..end, body.trim_start_matches('\n'));
        }
        let path = if name.is_empty() { "__init__".to_string() } else { name.replace('.', "/") };
        let path = if name == "imports" || name == "exports" { format!("{path}/__init__") } else { path };
        out.push((format!("{world_module}/{path}.py"), text));
    }
    out.push(("componentize_py_types.py".to_string(), TYPES.to_string()));
    // componentize-py bundles an asyncio loop over `wasi:io/poll` as `poll_loop`; pyforge has its
    // own with the same API, for worlds that can use it.
    if g.modules.contains_key("imports.poll") {
        let http_types = if g.modules.contains_key("imports.wasi_http_types") { "wasi_http_types" } else { "types" };
        out.push((
            "poll_loop.py".to_string(),
            POLL_LOOP.replace("@WORLD@", world_module).replace("@HTTP_TYPES@", http_types),
        ));
    }
    out
}

/// `poll_loop`: see core/runtime/poll_loop.py.
const POLL_LOOP: &str = include_str!("../runtime/poll_loop.py");

/// What every imported resource class ends with (componentize-py's `with` protocol).
const RESOURCE_RELEASE: &str = r#"
    def __enter__(self) -> Self:
        """Returns self."""
        return self

    def __exit__(self, *exc_info: Any) -> None:
        """Release this resource."""
        info = self.finalizer.detach()
        self.handle = None
        if info is not None:
            info[1](*info[2])
"#;

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

/// A project's application (`[app.NAME]` in `pyforge.toml`): its options, the forge it is built
/// on and where the component goes.
pub fn project_app(src: &dyn Source, name: &str) -> Result<(AppSpec, Option<String>, String), Vec<Diag>> {
    let project = crate::project::Project::load(src).map_err(|d| vec![d])?;
    let Some(app) = project.apps.iter().find(|a| a.name == name) else {
        let names: Vec<&str> = project.apps.iter().map(|a| a.name.as_str()).collect();
        return Err(vec![
            Diag::new(Some(crate::project::PROJECT), format!("the project has no app `{name}`"))
                .help(if names.is_empty() {
                    "declare it in an `[app.NAME]` table (wit, world, module, python-path, forge)".to_string()
                } else {
                    format!("its apps: {}", names.join(", "))
                })
                .code("project::app"),
        ]);
    };
    // An app on no forge is not planned (which checks the project first): check the project
    // file here, as `pyforge check` does.
    let mut diags = Vec::new();
    crate::check::check_project_file(&project, &mut diags);
    if !diags.is_empty() {
        return Err(diags);
    }
    let spec = AppSpec {
        wit: app.wit.value.clone(),
        world: app.world.clone(),
        module: app.module.value.clone(),
        python_path: app.python_path.iter().map(|p| p.value.clone()).collect(),
        world_module: app.world_module.clone(),
        stub_wasi: app.stub_wasi,
    };
    Ok((spec, app.forge.as_ref().map(|f| f.value.clone()), app.output.value.clone()))
}
