//! What the TOML files pyforge reads (`pyforge-pkg.toml`, `pyforge.toml`) share: strings that
//! remember where they are, and serde errors turned into diagnostics.

use serde_spanned::Spanned;

use crate::diag::{Diag, SourceFile};

/// A string from a TOML file and where it is.
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

/// Which kind of file a TOML error is in (it names the diagnostic's code and words).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TomlFile {
    /// An extension's `pyforge-pkg.toml`.
    Manifest,
    /// The project's `pyforge.toml`.
    Project,
}

/// Turns a `toml`/serde error into a diagnostic with a fix hint.
pub fn toml_error(file: &SourceFile, e: &toml::de::Error, of: TomlFile) -> Diag {
    let message = e.message().trim().replace('\n', " ");
    let (kind, prefix) = match of {
        TomlFile::Manifest => ("manifest", "manifest"),
        TomlFile::Project => ("project file", "project"),
    };
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
