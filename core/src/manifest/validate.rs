//! Validating a [`RawManifest`] into a [`Manifest`]: every problem is collected, each a
//! diagnostic at the field's span with a code (`manifest::<kind>`) and a fix.

use serde_spanned::Spanned;

use super::names::{is_identifier, is_interface_name, is_kebab, is_pep440};
use super::{
    Extension, Located, Manifest, Offload, Pattern, Provide, REFERENCE_SCHEMA, RawCapabilities, RawExtension,
    RawManifest, RawOffload, RawPackage, RawProvide, Required, SCHEMA,
};
use crate::diag::{Diag, SourceFile};
use crate::source::{self, Entry, PathError, Source};

const SCHEMAS: [&str; 2] = [SCHEMA, REFERENCE_SCHEMA];

/// Validates one raw manifest, collecting every problem.
pub(super) struct Validator<'a> {
    src: &'a dyn Source,
    dir: &'a str,
    f: &'a SourceFile,
    diags: Vec<Diag>,
}

impl<'a> Validator<'a> {
    pub(super) fn new(src: &'a dyn Source, dir: &'a str, f: &'a SourceFile) -> Self {
        Validator { src, dir, f, diags: Vec::new() }
    }

    /// A problem at the span of a field, with its code, label and fix.
    fn at(&mut self, span: std::ops::Range<usize>, code: &str, message: String, label: &str, help: impl Into<String>) {
        self.diags.push(Diag::at(self.f, span, message, label).help(help).code(format!("manifest::{code}")));
    }

    pub(super) fn validate(mut self, raw: RawManifest) -> Result<Manifest, Vec<Diag>> {
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

    fn extension(&mut self, ext: &RawExtension, caps: Option<&RawCapabilities>) -> Option<Extension> {
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
        if let Some(cs) = &ext.cpython_sources {
            let name = cs.get_ref().strip_prefix("Modules/").unwrap_or_default();
            if !is_identifier(name.strip_suffix(".c").unwrap_or(name)) {
                self.at(
                    cs.span(),
                    "cpython-sources",
                    format!("`cpython_sources` `{}` is not a CPython module directory or file", cs.get_ref()),
                    "expected `Modules/<name>` or `Modules/<name>.c`",
                    "name a directory or C file of CPython's `Modules/` that the kit carries, e.g. `Modules/_sqlite` or `Modules/_bz2module.c`",
                );
            }
        }
        let c_file = self.path_field(&ext.c_file, "c_file", Some(Entry::File));
        let default_wit = Spanned::new(0..0, "wit".to_string());
        let wit_field = ext.wit_dir.as_ref().unwrap_or(&default_wit);
        // A plain C extension (no `wit_dir` given, no `wit/`, nothing required) has no WIT world.
        let requires_nothing = caps.is_none_or(|c| c.required.is_empty());
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
    fn required(&mut self, pattern: Pattern, caps: Option<&RawCapabilities>) -> Vec<Required> {
        let Some(caps) = caps else { return Vec::new() };
        if pattern == Pattern::ShimOnly && !caps.required.is_empty() {
            self.at(
                capabilities_span(&self.f.text),
                "shim-only-required",
                "a `shim-only` package requires no capabilities".into(),
                "nothing can import them",
                "remove `[[capabilities.required]]`: only a C extension imports WIT interfaces",
            );
            return Vec::new();
        }
        let mut required = Vec::new();
        for entry in &caps.required {
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
        let path = self.checked_path(shim, "shim", None, resolved, self.dir)?;
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
        PathError::SymlinkLeavesProject { .. } => {
            ("symlink leaves the project", "replace the symlink with the file itself, inside the project".to_string())
        }
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
