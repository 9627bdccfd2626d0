//! `pyforge.toml`: the project file naming the forges (build variants).
//!
//! ```toml
//! [forge.default]
//! description = "…"
//! extensions = ["zlib-cap"]          # optional; default: every extension its gating allows
//! caps = { "pyforge:zlib/deflate" = "caps/zlib" }
//! stubs = []                          # interfaces answered by generated stubs
//! output = "python.composed.wasm"
//! self-contained = true              # default: stdlib embedded, pre-initialized (snapshot)
//! warm = ["json", "decimal"]         # modules imported before the snapshot (default: a set
//!                                     # of common ones, `embed::DEFAULT_WARM`)
//! bytecode = true                     # embed the kit's .pyc next to the sources (default):
//!                                     # faster first imports, a larger component
//! test-modules = false               # also CPython's `_test*` modules (`_testcapi`, …), for
//!                                     # running CPython's own test suite; off by default
//! ```
//!
//! An application (`pyforge componentize`'s options, for `pyforge build --app NAME`):
//!
//! ```toml
//! [app.hello]
//! wit = "wit"                        # the WIT directory
//! world = "hello"                    # optional: the package's only world
//! module = "app"                     # the app's module
//! python-path = ["src"]              # optional, default ["."]
//! forge = "default"                  # optional: its caps; default the kit's interpreter alone
//! world-module = "wit_world"         # optional
//! stub-wasi = false                  # optional
//! output = "hello.wasm"              # optional, default `<name>.wasm`
//! ```
//!
//! `self-contained = false` builds the old shape: a `python.wasm` that needs the kit's stdlib
//! mounted (as `pyforge run` does) and starts cold.
//!
//! Without a project file there is one forge, `default`, taking every extension.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_spanned::Spanned;

use crate::diag::{Diag, SourceFile};
use crate::located::{Located, TomlFile, toml_error};
use crate::manifest::Manifest;
use crate::source::{Entry, Source};

/// The project file name.
pub const PROJECT: &str = "pyforge.toml";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProject {
    #[serde(default)]
    forge: BTreeMap<String, Spanned<RawForge>>,
    #[serde(default)]
    app: BTreeMap<String, Spanned<RawApp>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawApp {
    wit: Spanned<String>,
    #[serde(default)]
    world: Option<String>,
    module: Spanned<String>,
    #[serde(default)]
    python_path: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    forge: Option<Spanned<String>>,
    #[serde(default)]
    world_module: Option<String>,
    #[serde(default)]
    stub_wasi: Option<bool>,
    #[serde(default)]
    output: Option<Spanned<String>>,
}

/// An application (`[app.<name>]`).
#[derive(Debug, Clone)]
pub struct App {
    /// Its name.
    pub name: String,
    /// The WIT directory.
    pub wit: Located,
    /// The world, when named.
    pub world: Option<String>,
    /// The app's module.
    pub module: Located,
    /// Where its modules are.
    pub python_path: Vec<Located>,
    /// The forge it is built on, if any.
    pub forge: Option<Located>,
    /// The bindings package's name.
    pub world_module: String,
    /// Stub every WASI import.
    pub stub_wasi: bool,
    /// Where the component goes.
    pub output: Located,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawForge {
    #[serde(default)]
    #[expect(dead_code, reason = "documentation for people; read by `plan` later")]
    description: Option<String>,
    #[serde(default)]
    extensions: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    caps: BTreeMap<String, Spanned<String>>,
    #[serde(default)]
    stubs: Vec<Spanned<String>>,
    #[serde(default)]
    output: Option<Spanned<String>>,
    #[serde(default, rename = "self-contained")]
    self_contained: Option<bool>,
    #[serde(default)]
    warm: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    bytecode: Option<bool>,
    #[serde(default, rename = "test-modules")]
    test_modules: Option<bool>,
}

/// One forge.
#[derive(Debug, Clone)]
pub struct Forge {
    /// The forge's name (`[forge.<name>]`).
    pub name: String,
    /// Extension package names it takes, when listed explicitly.
    pub extensions: Option<Vec<Located>>,
    /// Interface → cap component (path or crate dir).
    pub caps: BTreeMap<String, Located>,
    /// Interfaces answered by generated stubs.
    pub stubs: Vec<Located>,
    /// Where a copy of the composition goes.
    pub output: Option<Located>,
    /// Embed the stdlib and pre-initialize (the default), or build the mounted shape.
    pub self_contained: bool,
    /// Modules to import before the snapshot, when the forge names them.
    pub warm: Option<Vec<Located>>,
    /// Embed the kit's bytecode with the sources (the default).
    pub bytecode: bool,
    /// Keep CPython's `_test*` modules in the inittab (for CPython's test suite).
    pub test_modules: bool,
}

impl Default for Forge {
    /// The forge a project without `pyforge.toml` has: `default`, every extension its gating
    /// allows, self-contained, the default warm modules, bytecode, no test modules. A
    /// `[forge.NAME]` table starts from these too.
    fn default() -> Forge {
        Forge {
            name: "default".into(),
            extensions: None,
            caps: BTreeMap::new(),
            stubs: Vec::new(),
            output: None,
            self_contained: true,
            warm: None,
            bytecode: true,
            test_modules: false,
        }
    }
}

/// The project: its forges, and the project file when there is one.
#[derive(Debug, Clone)]
pub struct Project {
    /// `pyforge.toml`, when there is one.
    pub file: Option<SourceFile>,
    /// The forges, sorted by name.
    pub forges: Vec<Forge>,
    /// The applications, sorted by name.
    pub apps: Vec<App>,
}

impl Project {
    /// Reads `pyforge.toml` in the working directory, if any.
    pub fn load(src: &dyn Source) -> Result<Project, Diag> {
        if src.entry(PROJECT) != Entry::File {
            return Ok(Project { file: None, forges: vec![Forge::default()], apps: Vec::new() });
        }
        let bytes = src
            .read(PROJECT)
            .map_err(|e| Diag::new(Some(PROJECT), format!("failed to read project file: {e}")).code("project::io"))?;
        let text = String::from_utf8(bytes)
            .map_err(|_| Diag::new(Some(PROJECT), "project file is not UTF-8").code("project::utf8"))?;
        let file = SourceFile::new(PROJECT, text);
        let raw: RawProject = toml::from_str(&file.text).map_err(|e| toml_error(&file, &e, TomlFile::Project))?;
        let implicit = raw.forge.is_empty();
        let mut forges = raw
            .forge
            .into_iter()
            .map(|(name, f)| {
                let f = f.into_inner();
                let d = Forge::default();
                Forge {
                    name,
                    extensions: f.extensions.map(|v| v.iter().map(Into::into).collect()),
                    caps: f.caps.iter().map(|(k, v)| (k.clone(), v.into())).collect(),
                    stubs: f.stubs.iter().map(Into::into).collect(),
                    output: f.output.as_ref().map(Into::into),
                    self_contained: f.self_contained.unwrap_or(d.self_contained),
                    warm: f.warm.map(|v| v.iter().map(Into::into).collect()),
                    bytecode: f.bytecode.unwrap_or(d.bytecode),
                    test_modules: f.test_modules.unwrap_or(d.test_modules),
                }
            })
            .collect::<Vec<_>>();
        if implicit {
            // A project of apps only: the one forge is the implicit `default`.
            forges = vec![Forge::default()];
        }
        if !forges.iter().any(|f| f.name == "default") {
            return Err(Diag::at(&file, 0..0, "the project has no `default` forge", "here")
                .code("project::no-default-forge")
                .help("add a `[forge.default]` table; `pyforge build` and `run` use it when no forge is named"));
        }
        let apps: Vec<App> = raw
            .app
            .into_iter()
            .map(|(name, a)| {
                let span = a.span();
                let a = a.into_inner();
                let output = a
                    .output
                    .as_ref()
                    .map(Located::from)
                    .unwrap_or_else(|| Located { value: format!("{name}.wasm"), span });
                App {
                    wit: (&a.wit).into(),
                    world: a.world,
                    module: (&a.module).into(),
                    python_path: a.python_path.map(|v| v.iter().map(Into::into).collect()).unwrap_or_default(),
                    forge: a.forge.as_ref().map(Into::into),
                    world_module: a.world_module.unwrap_or_else(|| "wit_world".into()),
                    stub_wasi: a.stub_wasi.unwrap_or(false),
                    output,
                    name,
                }
            })
            .collect();
        for app in &apps {
            if let Some(f) = &app.forge
                && !forges.iter().any(|x| x.name == f.value)
            {
                let names: Vec<&str> = forges.iter().map(|f| f.name.as_str()).collect();
                return Err(Diag::at(
                    &file,
                    f.span.clone(),
                    format!("app `{}`: no forge `{}`", app.name, f.value),
                    "here",
                )
                .code("project::app-forge")
                .help(format!("name one of the project's forges: {}", names.join(", "))));
            }
        }
        Ok(Project { file: Some(file), forges, apps })
    }

    /// Whether `ext` goes into `forge`: listed (or no list), gating allows it.
    pub fn takes(forge: &Forge, ext: &Manifest) -> bool {
        if let Some(list) = &forge.extensions
            && !list.iter().any(|l| l.value == ext.name.value)
        {
            return false;
        }
        if ext.exclude_forges.iter().any(|x| x.value == forge.name) {
            return false;
        }
        ext.include_forges.is_empty() || ext.include_forges.iter().any(|x| x.value == forge.name)
    }

    /// The forges' names.
    pub fn forge_names(&self) -> Vec<&str> {
        self.forges.iter().map(|f| f.name.as_str()).collect()
    }
}
