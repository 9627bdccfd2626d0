//! Where pyforge keeps what it builds once: kits, compiled components, CPython sources.

use std::path::PathBuf;

/// The directory caches live in: `$PYFORGE_CACHE`, else `$XDG_CACHE_HOME/pyforge`, else
/// `~/.cache/pyforge`.
pub fn cache_dir() -> PathBuf {
    if let Some(p) = std::env::var_os("PYFORGE_CACHE") {
        return PathBuf::from(p);
    }
    if let Some(p) = std::env::var_os("XDG_CACHE_HOME") {
        return PathBuf::from(p).join("pyforge");
    }
    let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_else(std::env::temp_dir);
    home.join(".cache").join("pyforge")
}
