//! `pyforge-pkg.toml`: parsed as [`RawManifest`] (serde, exactly the reference format's
//! fields), then validated into a [`Manifest`] whose paths are proven to stay inside the
//! extension directory (shims: inside the project) and whose names are well formed.
//!
//! Two patterns: `A` (the default), a static C extension with optional `Lib/` shims, and
//! `shim-only`, Python overlays only (no `[extension]`, nothing required), like the reference
//! project's shared `_compression` package.

mod names;
mod validate;

use serde::Deserialize;
use serde_spanned::Spanned;

pub use self::names::{is_identifier, is_interface_name, is_kebab, is_module_path, is_pep440};
use crate::diag::{Diag, SourceFile};
pub use crate::located::Located;
use crate::located::{TomlFile, toml_error};
use crate::source::{self, Source};

/// The file name of a manifest.
pub const MANIFEST: &str = "pyforge-pkg.toml";

/// The schema string pyforge writes.
pub const SCHEMA: &str = "pyforge:pkg@0.1.0";
/// The reference project's schema string, accepted so existing cap directories work unchanged.
pub const REFERENCE_SCHEMA: &str = "tegmentum:pylon-pyforge/pkg@0.1.0";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawManifest {
    schema: Spanned<String>,
    package: Spanned<RawPackage>,
    #[serde(default)]
    extension: Option<Spanned<RawExtension>>,
    #[serde(default)]
    capabilities: Option<RawCapabilities>,
    #[serde(default)]
    provides: Vec<Spanned<RawProvide>>,
    #[serde(default)]
    gating: Option<RawGating>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPackage {
    name: Spanned<String>,
    version: Spanned<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    pattern: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExtension {
    srcdir: Spanned<String>,
    module_name: Spanned<String>,
    c_file: Spanned<String>,
    #[serde(default)]
    cpython_sources: Option<Spanned<String>>,
    #[serde(default)]
    wit_dir: Option<Spanned<String>>,
    #[serde(default)]
    gen_dir: Option<Spanned<String>>,
    #[serde(default)]
    gen_import_c: Option<Spanned<String>>,
    #[serde(default)]
    gen_import_obj: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCapabilities {
    #[serde(default)]
    required: Vec<Spanned<RawRequired>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRequired {
    interface: Spanned<String>,
    version: Spanned<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[expect(dead_code, reason = "`purpose` is documentation for people")]
struct RawProvide {
    module: Spanned<String>,
    #[serde(default)]
    shim: Option<Spanned<String>>,
    #[serde(default)]
    dest: Option<Spanned<String>>,
    #[serde(default)]
    purpose: Option<String>,
    #[serde(default)]
    version: Option<Spanned<String>>,
    #[serde(default)]
    offload: Vec<Spanned<RawOffload>>,
}

/// The reference project's `offload` entries: callables of the provided module that its
/// py-offload hook may run in a host worker, with the codecs their arguments travel in.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOffload {
    callable: Spanned<String>,
    #[serde(default)]
    doc: Option<String>,
    #[serde(default)]
    codecs: Vec<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGating {
    #[serde(default)]
    include_forges: Vec<Spanned<String>>,
    #[serde(default)]
    exclude_forges: Vec<Spanned<String>>,
}

/// A required WIT interface.
#[derive(Debug, Clone)]
pub struct Required {
    /// `ns:pkg/iface`.
    pub interface: Located,
    /// The semver of the WIT package.
    pub version: Located,
    /// The whole `[[capabilities.required]]` entry.
    pub span: std::ops::Range<usize>,
}

/// A Python module the extension makes importable.
#[derive(Debug, Clone)]
pub struct Provide {
    /// The dotted module name.
    pub module: Located,
    /// The shim as written and its resolved path (a file or a directory of Python files,
    /// anywhere inside the project).
    pub shim: Option<(Located, String)>,
    /// Where the shim goes, under `Lib/`.
    pub dest: Option<Located>,
    /// Callables the reference project's py-offload hook may run elsewhere; carried and shown
    /// by `plan`, not acted on (pyforge has no offload transport).
    pub offload: Vec<Offload>,
}

/// One `offload` entry of a `[[provides]]`.
#[derive(Debug, Clone)]
pub struct Offload {
    /// The callable's name in the provided module.
    pub callable: Located,
    /// What it does, for people.
    pub doc: Option<String>,
    /// The codecs its arguments and results may travel in (`json`, `msgpack`, …).
    pub codecs: Vec<String>,
}

/// The manifest's pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pattern {
    /// A static C extension plus optional `Lib/` shims.
    A,
    /// Python overlays only: no C, no WIT, nothing required.
    ShimOnly,
}

/// The C extension of a pattern-`A` manifest.
#[derive(Debug, Clone)]
pub struct Extension {
    /// The C module (`PyInit_<module_name>`).
    pub module_name: Located,
    /// The C file, as written and resolved.
    pub c_file: (Located, String),
    /// A CPython module directory (`Modules/_sqlite`) or file (`Modules/_bz2module.c`) whose C
    /// files, shipped in the kit, are compiled into this extension after `c_file`;
    /// `PyInit_<module_name>` is then CPython's.
    pub cpython_sources: Option<Located>,
    /// The WIT directory, as written and resolved (none for a plain C extension).
    pub wit_dir: Option<(Located, String)>,
    /// The generated-bindings directory (relative to the extension dir; it may not exist yet).
    pub gen_dir: Located,
    /// The manifest's name for the generated C file.
    pub gen_import_c: Option<Located>,
    /// The manifest's name for the generated component-type object.
    pub gen_import_obj: Option<Located>,
}

/// A validated manifest.
#[derive(Debug, Clone)]
pub struct Manifest {
    /// The manifest file, for pointing into it.
    pub file: SourceFile,
    /// The extension directory (as given, relative to the working directory).
    pub dir: String,
    /// `[package] name`.
    pub name: Located,
    /// `[package] version`.
    pub version: Located,
    /// `[package] description`.
    pub description: Option<String>,
    /// `[package] pattern`.
    pub pattern: Pattern,
    /// The C extension; `None` for a shim-only package.
    pub extension: Option<Extension>,
    /// `[[capabilities.required]]`.
    pub required: Vec<Required>,
    /// `[[provides]]`.
    pub provides: Vec<Provide>,
    /// `[gating] include_forges`.
    pub include_forges: Vec<Located>,
    /// `[gating] exclude_forges`.
    pub exclude_forges: Vec<Located>,
    /// The span of `[capabilities]` or, when absent, the end of the file.
    pub capabilities_span: std::ops::Range<usize>,
}

impl Manifest {
    /// The C module's name, for a pattern-`A` package.
    pub fn module_name(&self) -> Option<&str> {
        self.extension.as_ref().map(|e| e.module_name.value.as_str())
    }
}

/// Reads and validates the manifest of extension directory `dir`. Every problem found is
/// returned, not only the first.
pub fn load(src: &dyn Source, dir: &str) -> Result<Manifest, Vec<Diag>> {
    let path = source::join(dir, MANIFEST);
    let bytes = src
        .read(&path)
        .map_err(|e| vec![Diag::new(Some(&path), format!("failed to read manifest: {e}")).code("manifest::io")])?;
    let text = String::from_utf8(bytes).map_err(|_| {
        vec![Diag::new(Some(&path), "manifest is not UTF-8").help("save the file as UTF-8").code("manifest::utf8")]
    })?;
    let file = SourceFile::new(path, text);
    let raw: RawManifest = toml::from_str(&file.text).map_err(|e| vec![toml_error(&file, &e, TomlFile::Manifest)])?;
    validate::Validator::new(src, dir, &file).validate(raw)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pep440() {
        for ok in ["0.1.0", "1", "1.2rc1", "2.0.post1", "1.0.dev3", "1!2.0", "1.0a1.post2.dev3"] {
            assert!(is_pep440(ok), "{ok}");
        }
        for bad in ["", "v1", "1..0", "1.0-beta", "1.0.", "abc", "1.0rc", "1.0a1b2", "!1", "1.0.post"] {
            assert!(!is_pep440(bad), "{bad}");
        }
    }

    #[test]
    fn names() {
        assert!(is_kebab("zlib-cap"));
        assert!(!is_kebab("Zlib_cap"));
        assert!(is_identifier("_zlib_cap"));
        assert!(!is_identifier("1abc"));
        assert!(!is_identifier("class"));
        assert!(is_interface_name("pyforge:zlib/deflate"));
        assert!(!is_interface_name("pyforge:zlib/deflate@0.1.0"));
    }
}
