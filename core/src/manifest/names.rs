//! Name rules of the manifest: kebab-case packages, Python identifiers and module names, WIT
//! interface names, PEP 440 versions.

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

/// A dotted Python module path as `import` takes it (`json`, `email.policy`; Unicode letters
/// allowed, as in Python): what `warm` and an app's `module` name.
pub fn is_module_path(s: &str) -> bool {
    !s.is_empty()
        && s.split('.').all(|part| {
            part.chars().next().is_some_and(|c| c.is_alphabetic() || c == '_')
                && part.chars().all(|c| c.is_alphanumeric() || c == '_')
        })
}

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
