//! `pyforge-pkg.toml`: parsed as [`RawManifest`] (serde, exactly the reference format's
//! fields), then validated into a [`Manifest`] whose paths are proven to stay inside the
//! extension directory (shims: inside the project) and whose names are well formed.
//!
//! Two patterns: `A` (the default), a static C extension with optional `Lib/` shims, and
//! `shim-only`, Python overlays only (no `[extension]`, nothing required), like the reference
//! project's shared `_compression` package.

use serde::Deserialize;
use serde_spanned::Spanned;

use crate::diag::{Diag, SourceFile};
use crate::source::{self, Entry, PathError, Source};

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
    capabilities: Option<Spanned<RawCapabilities>>,
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

/// A string from the manifest and where it is.
#[derive(Debug, Clone)]
pub struct Located {
    /// The string.
    pub value: String,
    /// Its byte range in the file.
    pub span: std::ops::Range<usize>,
}

impl From<&Spanned<String>> for Located {
    fn from(s: &Spanned<String>) -> Self {
        Located { value: s.get_ref().clone(), span: s.span() }
    }
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
    /// A CPython module directory (`Modules/_sqlite`) whose C files, shipped in the kit, are
    /// compiled into this extension after `c_file`; `PyInit_<module_name>` is then CPython's.
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
    let raw: RawManifest = toml::from_str(&file.text).map_err(|e| vec![toml_error(&file, &e)])?;
    Validator { src, dir, f: &file, diags: Vec::new() }.validate(raw)
}

/// Turns a `toml`/serde error into a diagnostic with a fix hint.
pub fn toml_error(file: &SourceFile, e: &toml::de::Error) -> Diag {
    let message = e.message().trim().replace('\n', " ");
    let kind = if file.name.ends_with(crate::project::PROJECT) { "project file" } else { "manifest" };
    let prefix = if kind == "manifest" { "manifest" } else { "project" };
    let (what, code, help) = if message.starts_with("unknown field") {
        (
            format!("invalid {kind}"),
            "unknown-field",
            "remove or rename the field; the expected ones are listed above".to_string(),
        )
    } else if message.starts_with("missing field") {
        let field = message.split('`').nth(1).unwrap_or("it");
        (format!("invalid {kind}"), "missing-field", format!("add `{field} = …` to this table"))
    } else if message.starts_with("invalid type") {
        (
            format!("invalid {kind}"),
            "invalid-type",
            "use the type the field expects (strings are quoted, lists use [ ])".to_string(),
        )
    } else {
        ("malformed TOML".to_string(), "toml", "fix the TOML syntax at this position".to_string())
    };
    Diag::at(file, e.span().unwrap_or(0..0), format!("{what}: {message}"), "here")
        .help(help)
        .code(format!("{prefix}::{code}"))
}

const SCHEMAS: [&str; 2] = [SCHEMA, REFERENCE_SCHEMA];

/// Validates one raw manifest, collecting every problem.
struct Validator<'a> {
    src: &'a dyn Source,
    dir: &'a str,
    f: &'a SourceFile,
    diags: Vec<Diag>,
}

impl Validator<'_> {
    /// A problem at the span of a field, with its code, label and fix.
    fn at(&mut self, span: std::ops::Range<usize>, code: &str, message: String, label: &str, help: impl Into<String>) {
        self.diags.push(Diag::at(self.f, span, message, label).help(help).code(format!("manifest::{code}")));
    }

    fn validate(mut self, raw: RawManifest) -> Result<Manifest, Vec<Diag>> {
        if !SCHEMAS.contains(&raw.schema.get_ref().as_str()) {
            let schema = raw.schema.get_ref();
            self.at(
                raw.schema.span(),
                "schema",
                format!("unknown schema `{schema}`"),
                "not a schema pyforge reads",
                format!("use `schema = \"{SCHEMA}\"`"),
            );
        }
        let package = raw.package.get_ref();
        let pattern = self.package(package);
        let extension = self.extension_table(pattern, &raw);
        let required = self.required(pattern, raw.capabilities.as_ref());
        let module_name = extension.as_ref().map(|e| e.module_name.value.clone());
        let provides = raw.provides.iter().map(|p| self.provide(p, module_name.as_deref())).collect();
        let (include_forges, exclude_forges) = match &raw.gating {
            Some(g) => {
                (g.include_forges.iter().map(Into::into).collect(), g.exclude_forges.iter().map(Into::into).collect())
            }
            None => (Vec::new(), Vec::new()),
        };
        if !self.diags.is_empty() {
            return Err(self.diags);
        }
        Ok(Manifest {
            dir: self.dir.to_string(),
            name: (&package.name).into(),
            version: (&package.version).into(),
            description: package.description.clone(),
            pattern,
            extension,
            required,
            provides,
            include_forges,
            exclude_forges,
            capabilities_span: capabilities_span(&self.f.text),
            file: self.f.clone(),
        })
    }

    /// `[package]`: kebab-case name, PEP 440 version, a known pattern.
    fn package(&mut self, package: &RawPackage) -> Pattern {
        if !is_kebab(package.name.get_ref()) {
            self.at(
                package.name.span(),
                "name",
                format!("package name `{}` is not kebab-case", package.name.get_ref()),
                "not kebab-case",
                "use lowercase letters, digits and `-`, starting with a letter, e.g. `zlib-cap`",
            );
        }
        if !is_pep440(package.version.get_ref()) {
            self.at(
                package.version.span(),
                "version",
                format!("version `{}` is not a PEP 440 version", package.version.get_ref()),
                "not PEP 440",
                "use a version like `0.1.0`, `1.2rc1` or `2.0.post1`",
            );
        }
        match package.pattern.as_ref().map(|p| (p.get_ref().as_str(), p.span())) {
            None | Some(("A", _)) => Pattern::A,
            Some(("shim-only", _)) => Pattern::ShimOnly,
            Some((other, span)) => {
                self.at(span, "pattern", format!("unknown pattern `{other}`"), "not `A` or `shim-only`",
                    "use `pattern = \"A\"` (a static C extension plus optional Lib/ shims) or `\"shim-only\"` (Python overlays only)");
                Pattern::A
            }
        }
    }

    /// `[extension]`: required by pattern `A`, refused by `shim-only`.
    fn extension_table(&mut self, pattern: Pattern, raw: &RawManifest) -> Option<Extension> {
        match (&raw.extension, pattern) {
            (Some(ext), Pattern::A) => self.extension(ext.get_ref(), raw.capabilities.as_ref()),
            (Some(ext), Pattern::ShimOnly) => {
                self.at(
                    ext.span(),
                    "shim-only-extension",
                    "a `shim-only` package has no `[extension]`".into(),
                    "C extension in a shim-only package",
                    "remove `[extension]`, or set `pattern = \"A\"`",
                );
                None
            }
            (None, Pattern::A) => {
                let span = raw.package.span();
                self.at(
                    span,
                    "missing-extension",
                    "invalid manifest: missing table `[extension]`".into(),
                    "pattern `A` builds a C extension",
                    "add an `[extension]` table, or set `pattern = \"shim-only\"` for Python overlays only",
                );
                None
            }
            (None, Pattern::ShimOnly) => None,
        }
    }

    fn extension(&mut self, ext: &RawExtension, caps: Option<&Spanned<RawCapabilities>>) -> Option<Extension> {
        let dir = self.dir;
        let dir_name = dir.trim_end_matches('/').rsplit('/').next().unwrap_or(dir);
        if ext.srcdir.get_ref() != dir_name {
            self.at(
                ext.srcdir.span(),
                "srcdir",
                format!("`srcdir` is `{}` but the manifest is in directory `{dir_name}`", ext.srcdir.get_ref()),
                "must equal the directory name",
                format!("set `srcdir = \"{dir_name}\"` or rename the directory"),
            );
        }
        if !is_identifier(ext.module_name.get_ref()) {
            self.at(
                ext.module_name.span(),
                "module-name",
                format!("`module_name` `{}` is not a valid Python identifier", ext.module_name.get_ref()),
                "not an identifier",
                "use letters, digits and `_`, not starting with a digit, e.g. `_zlib_cap`",
            );
        }
        if let Some(cs) = &ext.cpython_sources
            && !is_identifier(cs.get_ref().strip_prefix("Modules/").unwrap_or_default())
        {
            self.at(
                cs.span(),
                "cpython-sources",
                format!("`cpython_sources` `{}` is not a CPython module directory", cs.get_ref()),
                "expected `Modules/<name>`",
                "name a directory of CPython's `Modules/` that the kit carries, e.g. `Modules/_sqlite`",
            );
        }
        let c_file = self.path_field(&ext.c_file, "c_file", Some(Entry::File));
        let default_wit = Spanned::new(0..0, "wit".to_string());
        let wit_field = ext.wit_dir.as_ref().unwrap_or(&default_wit);
        // A plain C extension (no `wit_dir` given, no `wit/`, nothing required) has no WIT world.
        let requires_nothing = caps.is_none_or(|c| c.get_ref().required.is_empty());
        let plain_c =
            ext.wit_dir.is_none() && requires_nothing && self.src.entry(&source::join(dir, "wit")) == Entry::Missing;
        let wit_dir = if plain_c { None } else { self.path_field(wit_field, "wit_dir", Some(Entry::Dir)) };
        let default_gen = Spanned::new(0..0, "gen".to_string());
        let gen_field = ext.gen_dir.as_ref().unwrap_or(&default_gen);
        if let Err(e) = source::check_relative(gen_field.get_ref()) {
            self.diags.push(path_diag(self.f, gen_field.span(), "gen_dir", dir, &e));
        }
        for (name, field) in [("gen_import_c", &ext.gen_import_c), ("gen_import_obj", &ext.gen_import_obj)] {
            if let Some(field) = field
                && (field.get_ref().contains('/') || field.get_ref().contains('\\') || field.get_ref() == "..")
            {
                self.at(
                    field.span(),
                    "gen-file-name",
                    format!("`{name}` must be a file name inside `gen_dir`, not a path"),
                    "a path",
                    "give just the file name, e.g. `zlib_cap_import.c`",
                );
            }
        }
        Some(Extension {
            module_name: (&ext.module_name).into(),
            c_file: ((&ext.c_file).into(), c_file.unwrap_or_default()),
            cpython_sources: ext.cpython_sources.as_ref().map(Into::into),
            wit_dir: if plain_c { None } else { Some((wit_field.into(), wit_dir.unwrap_or_default())) },
            gen_dir: gen_field.into(),
            gen_import_c: ext.gen_import_c.as_ref().map(Into::into),
            gen_import_obj: ext.gen_import_obj.as_ref().map(Into::into),
        })
    }

    /// A path inside the extension directory, resolved; `want` checks what is there.
    fn path_field(&mut self, field: &Spanned<String>, what: &str, want: Option<Entry>) -> Option<String> {
        let resolved = source::resolve_inside(self.src, self.dir, field.get_ref());
        self.checked_path(field, what, want, resolved, self.dir)
    }

    fn checked_path(
        &mut self,
        field: &Spanned<String>,
        what: &str,
        want: Option<Entry>,
        resolved: Result<(String, Entry), PathError>,
        inside: &str,
    ) -> Option<String> {
        match resolved {
            Ok((_, entry)) if want.as_ref().is_some_and(|w| *w != entry) => {
                let kind = if want == Some(Entry::Dir) { "a directory" } else { "a file" };
                self.at(
                    field.span(),
                    "path-kind",
                    format!("{what} `{}` is not {kind}", field.get_ref()),
                    &format!("expected {kind}"),
                    format!("point `{what}` at {kind} inside `{inside}`"),
                );
                None
            }
            Ok((path, _)) => Some(path),
            Err(e) => {
                self.diags.push(path_diag(self.f, field.span(), what, inside, &e));
                None
            }
        }
    }

    /// `[[capabilities.required]]`: interface names and semver versions; none for shim-only.
    fn required(&mut self, pattern: Pattern, caps: Option<&Spanned<RawCapabilities>>) -> Vec<Required> {
        let Some(caps) = caps else { return Vec::new() };
        if pattern == Pattern::ShimOnly && !caps.get_ref().required.is_empty() {
            self.at(
                caps.span(),
                "shim-only-required",
                "a `shim-only` package requires no capabilities".into(),
                "nothing can import them",
                "remove `[[capabilities.required]]`: only a C extension imports WIT interfaces",
            );
            return Vec::new();
        }
        let mut required = Vec::new();
        for entry in &caps.get_ref().required {
            let r = entry.get_ref();
            let iface = r.interface.get_ref();
            if !is_interface_name(iface) {
                self.at(
                    r.interface.span(),
                    "interface",
                    format!("`{iface}` is not a WIT interface name"),
                    "expected `<namespace>:<package>/<interface>`",
                    "write it like `pyforge:zlib/deflate`, without a version (the version goes in `version`)",
                );
                continue;
            }
            if semver::Version::parse(r.version.get_ref()).is_err() {
                self.at(
                    r.version.span(),
                    "required-version",
                    format!("`{}` is not a semver version", r.version.get_ref()),
                    "not semver",
                    "use the version of the WIT package, e.g. `0.1.0`",
                );
                continue;
            }
            required.push(Required {
                interface: (&r.interface).into(),
                version: (&r.version).into(),
                span: entry.span(),
            });
        }
        required
    }

    /// One `[[provides]]`: a module name, a shim and its `Lib/` destination (or the C module
    /// itself), and its offload entries.
    fn provide(&mut self, entry: &Spanned<RawProvide>, module_name: Option<&str>) -> Provide {
        let p = entry.get_ref();
        if !p.module.get_ref().split('.').all(is_identifier) {
            self.at(
                p.module.span(),
                "module",
                format!("`{}` is not a Python module name", p.module.get_ref()),
                "not a dotted identifier",
                "use a dotted name of identifiers, e.g. `zlib` or `sqlite3.dbapi2`",
            );
        }
        if let Some(v) = &p.version
            && !is_pep440(v.get_ref())
        {
            self.at(
                v.span(),
                "version",
                format!("version `{}` is not a PEP 440 version", v.get_ref()),
                "not PEP 440",
                "use a version like `0.1.0`",
            );
        }
        let shim = match (&p.shim, &p.dest) {
            (Some(shim), Some(dest)) => self.shim(shim, dest),
            (None, None) => {
                if Some(p.module.get_ref().as_str()) != module_name {
                    let (message, help) = match module_name {
                        Some(c) => (
                            format!(
                                "`{}` has no shim, so the C module itself must be it, but the C module is `{c}`",
                                p.module.get_ref()
                            ),
                            format!("add `shim` and `dest`, or set `module = \"{c}\"`"),
                        ),
                        None => (
                            format!(
                                "`{}` has no shim, and a shim-only package has no C module to be it",
                                p.module.get_ref()
                            ),
                            "add `shim` and `dest`".to_string(),
                        ),
                    };
                    self.at(entry.span(), "provide-without-shim", message, "no `shim`/`dest`", help);
                }
                None
            }
            (Some(s), None) => {
                self.at(
                    s.span(),
                    "shim-without-dest",
                    "`shim` without `dest`".into(),
                    "needs `dest`",
                    "add `dest = \"Lib/<module>.py\"` to this entry",
                );
                None
            }
            (None, Some(d)) => {
                self.at(
                    d.span(),
                    "dest-without-shim",
                    "`dest` without `shim`".into(),
                    "needs `shim`",
                    "add `shim = \"<file in the extension dir>\"` to this entry",
                );
                None
            }
        };
        let offload = p.offload.iter().map(|o| self.offload(o)).collect();
        Provide { module: (&p.module).into(), shim, dest: p.dest.as_ref().map(Into::into), offload }
    }

    /// A shim may be anywhere inside the project (e.g. a sibling package's
    /// `../_compression/bz2.py`), never outside it; `dest` is under `Lib/`.
    fn shim(&mut self, shim: &Spanned<String>, dest: &Spanned<String>) -> Option<(Located, String)> {
        if let Err(e) = source::check_relative(dest.get_ref()) {
            self.diags.push(path_diag(self.f, dest.span(), "dest", "the stdlib overlay", &e));
        } else if !dest.get_ref().starts_with("Lib/") {
            self.at(
                dest.span(),
                "dest",
                format!("`dest` `{}` is outside `Lib/`", dest.get_ref()),
                "not under `Lib/`",
                "shims are installed into the stdlib: use a path like `Lib/zlib.py`",
            );
        }
        let resolved = source::resolve_in_project(self.src, self.dir, shim.get_ref());
        let path = self.checked_path(shim, "shim", None, resolved, "the project")?;
        Some((shim.into(), path))
    }

    fn offload(&mut self, entry: &Spanned<RawOffload>) -> Offload {
        let o = entry.get_ref();
        if !is_identifier(o.callable.get_ref()) {
            self.at(
                o.callable.span(),
                "offload-callable",
                format!("offload `callable` `{}` is not a Python identifier", o.callable.get_ref()),
                "not an identifier",
                "name a function of the provided module, e.g. `pbkdf2_hmac`",
            );
        }
        if o.codecs.is_empty() {
            self.at(
                entry.span(),
                "offload-codecs",
                "offload entry names no codecs".into(),
                "no `codecs`",
                "list the codecs its arguments travel in, e.g. `codecs = [\"json\"]`",
            );
        }
        for c in &o.codecs {
            if !is_identifier(c.get_ref()) || c.get_ref().chars().any(|ch| ch.is_ascii_uppercase()) {
                self.at(
                    c.span(),
                    "offload-codec",
                    format!("offload codec `{}` is not a codec name", c.get_ref()),
                    "not a lowercase name",
                    "use codec names like `json` or `msgpack`",
                );
            }
        }
        Offload {
            callable: (&o.callable).into(),
            doc: o.doc.clone(),
            codecs: o.codecs.iter().map(|c| c.get_ref().clone()).collect(),
        }
    }
}

fn path_diag(f: &SourceFile, span: std::ops::Range<usize>, what: &str, dir: &str, e: &PathError) -> Diag {
    let (label, help) = match e {
        PathError::NotFound(_) => ("not found", format!("create it, or fix `{what}` (paths are relative to `{dir}`)")),
        PathError::Empty => ("empty", format!("give `{what}` a path relative to `{dir}`")),
        PathError::Absolute(_) => ("absolute path", format!("make `{what}` relative to `{dir}`")),
        PathError::ParentDir(_) => (
            "escapes the extension directory",
            format!("keep `{what}` inside `{dir}`; copy the file in instead of pointing out"),
        ),
        PathError::LeavesProject(_) => (
            "leaves the project",
            format!("keep `{what}` inside the project (a sibling package is fine); copy the file in instead"),
        ),
        PathError::Backslash(_) => ("uses `\\`", "write the path with `/`".to_string()),
        PathError::SymlinkEscapes { .. } => (
            "symlink leaves the extension directory",
            format!("replace the symlink with the file itself, inside `{dir}`"),
        ),
        PathError::SymlinkLoop(_) => ("symlink loop", "remove the symlink loop".to_string()),
    };
    Diag::at(f, span, format!("{what}: {e}"), label).help(help).code("manifest::path")
}

/// Where a missing `[[capabilities.required]]` entry would go.
fn capabilities_span(text: &str) -> std::ops::Range<usize> {
    for needle in ["[[capabilities.required]]", "[capabilities]"] {
        if let Some(i) = text.find(needle) {
            return i..i + needle.len();
        }
    }
    let end = text.trim_end().len();
    end..end
}

/// `zlib-cap`: lowercase, digits and single `-`, starting with a letter.
pub fn is_kebab(s: &str) -> bool {
    !s.is_empty()
        && s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.split('-').all(|w| !w.is_empty() && w.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()))
}

const KEYWORDS: &[&str] = &[
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del",
    "elif", "else", "except", "finally", "for", "from", "global", "if", "import", "in", "is", "lambda", "nonlocal",
    "not", "or", "pass", "raise", "return", "try", "while", "with", "yield",
];

/// A Python identifier (ASCII), not a keyword.
pub fn is_identifier(s: &str) -> bool {
    !s.is_empty()
        && s.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !KEYWORDS.contains(&s)
}

/// `ns:pkg/iface` with kebab-case parts (no version).
pub fn is_interface_name(s: &str) -> bool {
    let Some((ns, rest)) = s.split_once(':') else {
        return false;
    };
    let Some((pkg, iface)) = rest.split_once('/') else {
        return false;
    };
    let part =
        |p: &str| !p.is_empty() && p.split('-').all(|w| !w.is_empty() && w.chars().all(|c| c.is_ascii_alphanumeric()));
    part(ns) && pkg.split(':').all(part) && part(iface)
}

/// A PEP 440 public version: `[N!]N(.N)*[{a|b|rc}N][.postN][.devN]`.
pub fn is_pep440(s: &str) -> bool {
    /// Strips `prefix` followed by at least one digit; `None` when `prefix` is absent,
    /// `Some(None)` when it is there without digits.
    fn numbered<'a>(rest: &'a str, prefix: &str) -> Option<Option<&'a str>> {
        let after = rest.strip_prefix(prefix)?;
        let digits = after.len() - after.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        Some((digits > 0).then(|| &after[digits..]))
    }
    let mut rest = match s.split_once('!') {
        Some((epoch, r)) if !epoch.is_empty() && epoch.chars().all(|c| c.is_ascii_digit()) => r,
        Some(_) => return false,
        None => s,
    };
    let release_len = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit() || c == '.').len();
    let mut release = &rest[..release_len];
    // `1.0.post1`: the dot before `post`/`dev` belongs to the suffix.
    if release.ends_with('.') && release_len < rest.len() {
        release = &release[..release.len() - 1];
    }
    if release.is_empty() || release.split('.').any(str::is_empty) {
        return false;
    }
    rest = &rest[release.len()..];
    // At most one pre-release segment, then at most one post and one dev segment.
    for group in [&["a", "b", "rc"][..], &[".post"], &[".dev"]] {
        for prefix in group {
            match numbered(rest, prefix) {
                Some(Some(r)) => {
                    rest = r;
                    break;
                }
                Some(None) => return false,
                None => {}
            }
        }
    }
    rest.is_empty()
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
