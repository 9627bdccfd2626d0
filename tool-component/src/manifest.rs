//! `pyforge-pkg.toml`: parsed as [`RawManifest`] (serde, exactly the reference format's
//! fields), then validated into a [`Manifest`] whose paths are proven to stay inside the
//! extension directory and whose names are well formed.

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
    extension: Spanned<RawExtension>,
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
    pub value: String,
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
    pub module: Located,
    /// The shim in the extension directory (resolved path) and the overlay destination.
    pub shim: Option<(Located, String)>,
    pub dest: Option<Located>,
}

/// A validated manifest.
#[derive(Debug, Clone)]
#[expect(dead_code, reason = "version and description are reported by `plan` (next step of the pipeline)")]
pub struct Manifest {
    /// The manifest file, for pointing into it.
    pub file: SourceFile,
    /// The extension directory (as given, relative to the working directory).
    pub dir: String,
    pub name: Located,
    pub version: Located,
    pub description: Option<String>,
    pub module_name: Located,
    /// The C file, resolved.
    pub c_file: (Located, String),
    /// A CPython module directory (`Modules/_sqlite`) whose C files, shipped in the kit, are
    /// compiled into this extension after `c_file`; `PyInit_<module_name>` is then CPython's.
    pub cpython_sources: Option<Located>,
    /// The WIT directory, resolved.
    pub wit_dir: Option<(Located, String)>,
    /// The generated-bindings directory (relative to `dir`; it may not exist yet).
    pub gen_dir: Located,
    pub gen_import_c: Option<Located>,
    pub gen_import_obj: Option<Located>,
    pub required: Vec<Required>,
    pub provides: Vec<Provide>,
    pub include_forges: Vec<Located>,
    pub exclude_forges: Vec<Located>,
    /// The span of `[capabilities]` or, when absent, the end of the file.
    pub capabilities_span: std::ops::Range<usize>,
}

/// Reads and validates the manifest of extension directory `dir`. Every problem found is
/// returned, not only the first.
pub fn load(src: &dyn Source, dir: &str) -> Result<Manifest, Vec<Diag>> {
    let path = source::join(dir, MANIFEST);
    let bytes = src.read(&path).map_err(|e| vec![Diag::new(Some(&path), format!("failed to read manifest: {e}"))])?;
    let text = String::from_utf8(bytes)
        .map_err(|_| vec![Diag::new(Some(&path), "manifest is not UTF-8").help("save the file as UTF-8")])?;
    let file = SourceFile::new(path, text);
    let raw: RawManifest = toml::from_str(&file.text).map_err(|e| vec![toml_error(&file, &e)])?;
    validate(src, dir, file, raw)
}

/// Turns a `toml`/serde error into a diagnostic with a fix hint.
pub fn toml_error(file: &SourceFile, e: &toml::de::Error) -> Diag {
    let message = e.message().trim().replace('\n', " ");
    let kind = if file.name.ends_with(crate::project::PROJECT) { "project file" } else { "manifest" };
    let (what, help) = if message.starts_with("unknown field") {
        (format!("invalid {kind}"), "remove or rename the field; the expected ones are listed above".to_string())
    } else if message.starts_with("missing field") {
        let field = message.split('`').nth(1).unwrap_or("it");
        (format!("invalid {kind}"), format!("add `{field} = …` to this table"))
    } else if message.starts_with("invalid type") {
        (format!("invalid {kind}"), "use the type the field expects (strings are quoted, lists use [ ])".to_string())
    } else {
        ("malformed TOML".to_string(), "fix the TOML syntax at this position".to_string())
    };
    Diag::at(file, e.span().unwrap_or(0..0), format!("{what}: {message}"), "here").help(help)
}

const SCHEMAS: [&str; 2] = [SCHEMA, REFERENCE_SCHEMA];

fn validate(src: &dyn Source, dir: &str, file: SourceFile, raw: RawManifest) -> Result<Manifest, Vec<Diag>> {
    let mut diags = Vec::new();
    let f = &file;

    if !SCHEMAS.contains(&raw.schema.get_ref().as_str()) {
        diags.push(
            Diag::at(
                f,
                raw.schema.span(),
                format!("unknown schema `{}`", raw.schema.get_ref()),
                "not a schema pyforge reads",
            )
            .help(format!("use `schema = \"{SCHEMA}\"`")),
        );
    }

    let package = raw.package.get_ref();
    if !is_kebab(package.name.get_ref()) {
        diags.push(
            Diag::at(
                f,
                package.name.span(),
                format!("package name `{}` is not kebab-case", package.name.get_ref()),
                "not kebab-case",
            )
            .help("use lowercase letters, digits and `-`, starting with a letter, e.g. `zlib-cap`"),
        );
    }
    if !is_pep440(package.version.get_ref()) {
        diags.push(
            Diag::at(
                f,
                package.version.span(),
                format!("version `{}` is not a PEP 440 version", package.version.get_ref()),
                "not PEP 440",
            )
            .help("use a version like `0.1.0`, `1.2rc1` or `2.0.post1`"),
        );
    }
    if let Some(pattern) = &package.pattern
        && pattern.get_ref() != "A"
    {
        diags.push(
            Diag::at(
                f,
                pattern.span(),
                format!("unknown pattern `{}`", pattern.get_ref()),
                "pyforge builds pattern `A` only",
            )
            .help("use `pattern = \"A\"` (a static C extension plus optional Lib/ shims)"),
        );
    }

    let ext = raw.extension.get_ref();
    let dir_name = dir.trim_end_matches('/').rsplit('/').next().unwrap_or(dir);
    if ext.srcdir.get_ref() != dir_name {
        diags.push(
            Diag::at(
                f,
                ext.srcdir.span(),
                format!("`srcdir` is `{}` but the manifest is in directory `{dir_name}`", ext.srcdir.get_ref()),
                "must equal the directory name",
            )
            .help(format!("set `srcdir = \"{dir_name}\"` or rename the directory")),
        );
    }
    if !is_identifier(ext.module_name.get_ref()) {
        diags.push(
            Diag::at(
                f,
                ext.module_name.span(),
                format!("`module_name` `{}` is not a valid Python identifier", ext.module_name.get_ref()),
                "not an identifier",
            )
            .help("use letters, digits and `_`, not starting with a digit, e.g. `_zlib_cap`"),
        );
    }

    if let Some(cs) = &ext.cpython_sources {
        let name = cs.get_ref().strip_prefix("Modules/").unwrap_or_default();
        if !is_identifier(name) {
            diags.push(
                Diag::at(
                    f,
                    cs.span(),
                    format!("`cpython_sources` `{}` is not a CPython module directory", cs.get_ref()),
                    "expected `Modules/<name>`",
                )
                .help("name a directory of CPython's `Modules/` that the kit carries, e.g. `Modules/_sqlite`"),
            );
        }
    }

    let path_field =
        |field: &Spanned<String>, what: &str, want: Option<Entry>, diags: &mut Vec<Diag>| -> Option<String> {
            match source::resolve_inside(src, dir, field.get_ref()) {
                Ok((resolved, entry)) => {
                    if let Some(want) = want
                        && entry != want
                    {
                        let kind = if want == Entry::Dir { "a directory" } else { "a file" };
                        diags.push(
                            Diag::at(
                                f,
                                field.span(),
                                format!("{what} `{}` is not {kind}", field.get_ref()),
                                format!("expected {kind}"),
                            )
                            .help(format!("point `{what}` at {kind} inside `{dir}`")),
                        );
                        return None;
                    }
                    Some(resolved)
                }
                Err(e) => {
                    diags.push(path_diag(f, field.span(), what, dir, &e));
                    None
                }
            }
        };

    let c_file = path_field(&ext.c_file, "c_file", Some(Entry::File), &mut diags);
    let default_wit = Spanned::new(0..0, "wit".to_string());
    let wit_field = ext.wit_dir.as_ref().unwrap_or(&default_wit);
    // A plain C extension (no `wit_dir` given, no `wit/`, nothing required) has no WIT world.
    let requires_nothing = raw.capabilities.as_ref().is_none_or(|c| c.required.is_empty());
    let plain_c = ext.wit_dir.is_none() && requires_nothing && src.entry(&source::join(dir, "wit")) == Entry::Missing;
    let wit_dir = if plain_c { None } else { path_field(wit_field, "wit_dir", Some(Entry::Dir), &mut diags) };
    let default_gen = Spanned::new(0..0, "gen".to_string());
    let gen_field = ext.gen_dir.as_ref().unwrap_or(&default_gen);
    if let Err(e) = source::check_relative(gen_field.get_ref()) {
        diags.push(path_diag(f, gen_field.span(), "gen_dir", dir, &e));
    }
    for (name, field) in [("gen_import_c", &ext.gen_import_c), ("gen_import_obj", &ext.gen_import_obj)] {
        if let Some(field) = field
            && (field.get_ref().contains('/') || field.get_ref().contains('\\') || field.get_ref() == "..")
        {
            diags.push(
                Diag::at(
                    f,
                    field.span(),
                    format!("`{name}` must be a file name inside `gen_dir`, not a path"),
                    "a path",
                )
                .help("give just the file name, e.g. `zlib_cap_import.c`"),
            );
        }
    }

    let mut required = Vec::new();
    if let Some(caps) = &raw.capabilities {
        for entry in &caps.required {
            let r = entry.get_ref();
            let iface = r.interface.get_ref();
            if !is_interface_name(iface) {
                diags.push(
                    Diag::at(
                        f,
                        r.interface.span(),
                        format!("`{iface}` is not a WIT interface name"),
                        "expected `<namespace>:<package>/<interface>`",
                    )
                    .help("write it like `pyforge:zlib/deflate`, without a version (the version goes in `version`)"),
                );
                continue;
            }
            if semver::Version::parse(r.version.get_ref()).is_err() {
                diags.push(
                    Diag::at(
                        f,
                        r.version.span(),
                        format!("`{}` is not a semver version", r.version.get_ref()),
                        "not semver",
                    )
                    .help("use the version of the WIT package, e.g. `0.1.0`"),
                );
                continue;
            }
            required.push(Required {
                interface: (&r.interface).into(),
                version: (&r.version).into(),
                span: entry.span(),
            });
        }
    }

    let mut provides = Vec::new();
    for entry in &raw.provides {
        let p = entry.get_ref();
        if !p.module.get_ref().split('.').all(is_identifier) {
            diags.push(
                Diag::at(
                    f,
                    p.module.span(),
                    format!("`{}` is not a Python module name", p.module.get_ref()),
                    "not a dotted identifier",
                )
                .help("use a dotted name of identifiers, e.g. `zlib` or `sqlite3.dbapi2`"),
            );
        }
        if let Some(v) = &p.version
            && !is_pep440(v.get_ref())
        {
            diags.push(
                Diag::at(f, v.span(), format!("version `{}` is not a PEP 440 version", v.get_ref()), "not PEP 440")
                    .help("use a version like `0.1.0`"),
            );
        }
        let shim = match (&p.shim, &p.dest) {
            (Some(shim), Some(dest)) => {
                if let Err(e) = source::check_relative(dest.get_ref()) {
                    diags.push(path_diag(f, dest.span(), "dest", "the stdlib overlay", &e));
                } else if !dest.get_ref().starts_with("Lib/") {
                    diags.push(
                        Diag::at(
                            f,
                            dest.span(),
                            format!("`dest` `{}` is outside `Lib/`", dest.get_ref()),
                            "not under `Lib/`",
                        )
                        .help("shims are installed into the stdlib: use a path like `Lib/zlib.py`"),
                    );
                }
                path_field(shim, "shim", None, &mut diags).map(|resolved| ((shim).into(), resolved))
            }
            (None, None) => {
                if p.module.get_ref() != ext.module_name.get_ref() {
                    diags.push(
                        Diag::at(
                            f,
                            entry.span(),
                            format!(
                                "`{}` has no shim, so the C module itself must be it, but the C module is `{}`",
                                p.module.get_ref(),
                                ext.module_name.get_ref()
                            ),
                            "no `shim`/`dest`",
                        )
                        .help(format!("add `shim` and `dest`, or set `module = \"{}\"`", ext.module_name.get_ref())),
                    );
                }
                None
            }
            (Some(s), None) => {
                diags.push(
                    Diag::at(f, s.span(), "`shim` without `dest`", "needs `dest`")
                        .help("add `dest = \"Lib/<module>.py\"` to this entry"),
                );
                None
            }
            (None, Some(d)) => {
                diags.push(
                    Diag::at(f, d.span(), "`dest` without `shim`", "needs `shim`")
                        .help("add `shim = \"<file in the extension dir>\"` to this entry"),
                );
                None
            }
        };
        provides.push(Provide { module: (&p.module).into(), shim, dest: p.dest.as_ref().map(Into::into) });
    }

    let (include_forges, exclude_forges) = match &raw.gating {
        Some(g) => {
            (g.include_forges.iter().map(Into::into).collect(), g.exclude_forges.iter().map(Into::into).collect())
        }
        None => (Vec::new(), Vec::new()),
    };

    let capabilities_span = capabilities_span(&file.text);

    if !diags.is_empty() {
        return Err(diags);
    }
    Ok(Manifest {
        dir: dir.to_string(),
        name: (&package.name).into(),
        version: (&package.version).into(),
        description: package.description.clone(),
        module_name: (&ext.module_name).into(),
        c_file: ((&ext.c_file).into(), c_file.unwrap_or_default()),
        cpython_sources: ext.cpython_sources.as_ref().map(Into::into),
        wit_dir: if plain_c { None } else { Some((wit_field.into(), wit_dir.unwrap_or_default())) },
        gen_dir: gen_field.into(),
        gen_import_c: ext.gen_import_c.as_ref().map(Into::into),
        gen_import_obj: ext.gen_import_obj.as_ref().map(Into::into),
        required,
        provides,
        include_forges,
        exclude_forges,
        capabilities_span,
        file,
    })
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
        PathError::Backslash(_) => ("uses `\\`", "write the path with `/`".to_string()),
        PathError::SymlinkEscapes { .. } => (
            "symlink leaves the extension directory",
            format!("replace the symlink with the file itself, inside `{dir}`"),
        ),
        PathError::SymlinkLoop(_) => ("symlink loop", "remove the symlink loop".to_string()),
    };
    Diag::at(f, span, format!("{what}: {e}"), label).help(help)
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
