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
use crate::manifest::{Located, Manifest};
use crate::source::{Entry, Source};

/// The project file name.
pub const PROJECT: &str = "pyforge.toml";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProject {
    #[serde(default)]
    forge: BTreeMap<String, Spanned<RawForge>>,
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
}

/// The project: its forges, and the project file when there is one.
#[derive(Debug, Clone)]
pub struct Project {
    /// `pyforge.toml`, when there is one.
    pub file: Option<SourceFile>,
    /// The forges, sorted by name.
    pub forges: Vec<Forge>,
}

impl Project {
    /// Reads `pyforge.toml` in the working directory, if any.
    pub fn load(src: &dyn Source) -> Result<Project, Diag> {
        if src.entry(PROJECT) != Entry::File {
            return Ok(Project {
                file: None,
                forges: vec![Forge {
                    name: "default".into(),
                    extensions: None,
                    caps: BTreeMap::new(),
                    stubs: Vec::new(),
                    output: None,
                    self_contained: true,
                    warm: None,
                    bytecode: true,
                }],
            });
        }
        let bytes =
            src.read(PROJECT).map_err(|e| Diag::new(Some(PROJECT), format!("failed to read project file: {e}")))?;
        let text = String::from_utf8(bytes).map_err(|_| Diag::new(Some(PROJECT), "project file is not UTF-8"))?;
        let file = SourceFile::new(PROJECT, text);
        let raw: RawProject = toml::from_str(&file.text).map_err(|e| crate::manifest::toml_error(&file, &e))?;
        let forges = raw
            .forge
            .into_iter()
            .map(|(name, f)| {
                let f = f.into_inner();
                Forge {
                    name,
                    extensions: f.extensions.map(|v| v.iter().map(Into::into).collect()),
                    caps: f.caps.iter().map(|(k, v)| (k.clone(), v.into())).collect(),
                    stubs: f.stubs.iter().map(Into::into).collect(),
                    output: f.output.as_ref().map(Into::into),
                    self_contained: f.self_contained.unwrap_or(true),
                    warm: f.warm.map(|v| v.iter().map(Into::into).collect()),
                    bytecode: f.bytecode.unwrap_or(true),
                }
            })
            .collect::<Vec<_>>();
        if !forges.iter().any(|f| f.name == "default") {
            return Err(Diag::at(&file, 0..0, "the project has no `default` forge", "here")
                .help("add a `[forge.default]` table; `pyforge build` and `run` use it when no forge is named"));
        }
        Ok(Project { file: Some(file), forges })
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
