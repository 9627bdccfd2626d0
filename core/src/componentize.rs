//! `componentize`: a Python application as a component for a WIT world, source-compatible with
//! componentize-py 0.25 (`import wit_world`, `class Run(exports.Run)` in the app module).
//!
//! The app is built like a forge (the given forge, or the plain kit interpreter): linked,
//! embedded and pre-initialized — with the app's `-p` directories and the generated
//! `wit_world` package in the archive, the app imported and its export classes instantiated
//! before the snapshot — then composed with the forge's caps.
//!
//! This version supports worlds whose exports are `wasi:cli/run` (a command: the app's
//! `Run.run()` is the program) and whose imports are WASI's. Other exports and imports are
//! refused, each naming what is not supported yet.

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
    let (world_name, exports) = check_world(src, &spec.wit, spec.world.as_deref())?;

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
    for (rel, text) in bindings(&spec.world_module, &world_name, &exports) {
        files.push((format!("{GENERATED_ROOT}/{rel}"), text.into_bytes()));
    }
    Ok(App { module: spec.module.clone(), exports, roots, files })
}

/// Loads the world and checks that this version can build it: `(world name, export classes)`.
fn check_world(src: &dyn Source, dir: &str, world: Option<&str>) -> Result<(String, Vec<String>), Vec<Diag>> {
    let mut diags = Vec::new();
    let (resolve, world) = wit::load(src, dir, world).map_err(|d| vec![d])?;
    let world_name = resolve.worlds[world].name.clone();
    let mut exports = Vec::new();
    for name in wit::exports(&resolve, world) {
        if name.starts_with("wasi:cli/run@0.2") {
            exports.push("Run".to_string());
        } else {
            diags.push(
                Diag::new(Some(dir), format!("world `{world_name}` exports `{name}`: not supported yet"))
                    .help("this version of `pyforge componentize` builds worlds that export `wasi:cli/run` (commands)")
                    .code("componentize::unsupported"),
            );
        }
    }
    match wit::imports(&resolve, world) {
        Ok(imports) => {
            for import in imports.iter().filter(|i| !i.interface.starts_with("wasi:")) {
                diags.push(
                    Diag::new(Some(dir), format!("world `{world_name}` imports `{}`: not supported yet", import.id()))
                        .help("this version of `pyforge componentize` builds worlds whose imports are WASI's")
                        .code("componentize::unsupported"),
                );
            }
        }
        Err(e) => {
            diags.push(Diag::new(Some(dir), format!("world `{world_name}`: {e}")).code("componentize::unsupported"))
        }
    }
    if exports.is_empty() && diags.is_empty() {
        diags.push(
            Diag::new(Some(dir), format!("world `{world_name}` exports nothing"))
                .help("a component for it would do nothing: export `wasi:cli/run` (include `wasi:cli/command`)")
                .code("componentize::unsupported"),
        );
    }
    if diags.is_empty() { Ok((world_name, exports)) } else { Err(diags) }
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
    let (world_name, exports) = check_world(src, dir, world)?;
    Ok(bindings(world_module, &world_name, &exports))
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
pub fn bindings(world_module: &str, world: &str, exports: &[String]) -> Vec<(String, String)> {
    const HEADER: &str = "# Generated by pyforge componentize from the WIT world; not for editing.\n";
    let mut out = vec![
        (
            format!("{world_module}/__init__.py"),
            format!(
                "{HEADER}\"\"\"The bindings of world `{world}`.\"\"\"\nfrom typing import Protocol\n\n\nclass WitWorld(Protocol):\n    pass\n"
            ),
        ),
        (format!("{world_module}/imports/__init__.py"), HEADER.to_string()),
    ];
    let mut ex = format!("{HEADER}from abc import abstractmethod\nfrom typing import Protocol\n");
    if exports.iter().any(|e| e == "Run") {
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
