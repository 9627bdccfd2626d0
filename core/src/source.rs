//! Where the tool reads its inputs from: the preopened filesystem ([`Disk`]) or files passed
//! by value ([`Memory`], for hosts without a filesystem). Paths are `/`-separated and
//! relative to the tool's working directory (the root of the preopens).

use std::collections::BTreeMap;
use std::io;

/// What is at a path, without following a final symlink.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    /// A regular file.
    File,
    /// A directory.
    Dir,
    /// A symlink and its target, as stored.
    Symlink(String),
    /// Nothing.
    Missing,
}

/// A tree of files.
pub trait Source {
    /// What is at `path` (not following a final symlink).
    fn entry(&self, path: &str) -> Entry;
    /// The bytes of the file at `path`.
    fn read(&self, path: &str) -> io::Result<Vec<u8>>;
    /// The names in directory `dir`, sorted.
    fn list(&self, dir: &str) -> io::Result<Vec<String>>;
}

/// Joins `/`-separated paths; an empty base is the working directory.
pub fn join(base: &str, rel: &str) -> String {
    if base.is_empty() || base == "." {
        rel.to_string()
    } else if rel.is_empty() {
        base.to_string()
    } else {
        format!("{}/{rel}", base.trim_end_matches('/'))
    }
}

/// The filesystem the component was given (its preopens).
#[derive(Debug, Clone, Copy)]
pub struct Disk;

fn disk_path(path: &str) -> &str {
    if path.is_empty() { "." } else { path }
}

impl Source for Disk {
    fn entry(&self, path: &str) -> Entry {
        DiskAt(".".into()).entry(path)
    }

    fn read(&self, path: &str) -> io::Result<Vec<u8>> {
        DiskAt(".".into()).read(path)
    }

    fn list(&self, dir: &str) -> io::Result<Vec<String>> {
        DiskAt(".".into()).list(dir)
    }
}

/// The filesystem below a directory: paths are relative to `root` instead of the working
/// directory (for a project that is not the current directory, e.g. in tests, where changing
/// the process's directory would race with other threads).
#[derive(Debug, Clone)]
pub struct DiskAt(pub std::path::PathBuf);

impl DiskAt {
    fn path(&self, path: &str) -> std::path::PathBuf {
        self.0.join(disk_path(path))
    }
}

impl Source for DiskAt {
    fn entry(&self, path: &str) -> Entry {
        match std::fs::symlink_metadata(self.path(path)) {
            Ok(m) if m.file_type().is_symlink() => Entry::Symlink(
                std::fs::read_link(self.path(path)).map(|t| t.to_string_lossy().into_owned()).unwrap_or_default(),
            ),
            Ok(m) if m.is_dir() => Entry::Dir,
            Ok(_) => Entry::File,
            Err(_) => Entry::Missing,
        }
    }

    fn read(&self, path: &str) -> io::Result<Vec<u8>> {
        std::fs::read(self.path(path))
    }

    fn list(&self, dir: &str) -> io::Result<Vec<String>> {
        let mut names = std::fs::read_dir(self.path(dir))?
            .map(|e| e.map(|e| e.file_name().to_string_lossy().into_owned()))
            .collect::<io::Result<Vec<_>>>()?;
        names.sort();
        Ok(names)
    }
}

/// Files passed by value; directories are implied by the paths.
#[derive(Debug, Default)]
pub struct Memory {
    files: BTreeMap<String, Vec<u8>>,
}

impl Memory {
    /// A tree of `(path, bytes)`.
    pub fn new(files: impl IntoIterator<Item = (String, Vec<u8>)>) -> Self {
        Memory {
            files: files
                .into_iter()
                .map(|(p, c)| (p.trim_start_matches("./").trim_matches('/').to_string(), c))
                .collect(),
        }
    }
}

impl Source for Memory {
    fn entry(&self, path: &str) -> Entry {
        let path = path.trim_matches('/');
        if self.files.contains_key(path) {
            return Entry::File;
        }
        let prefix = if path.is_empty() || path == "." { String::new() } else { format!("{path}/") };
        if self.files.keys().any(|k| k.starts_with(&prefix)) { Entry::Dir } else { Entry::Missing }
    }

    fn read(&self, path: &str) -> io::Result<Vec<u8>> {
        self.files
            .get(path.trim_matches('/'))
            .cloned()
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no such file"))
    }

    fn list(&self, dir: &str) -> io::Result<Vec<String>> {
        let dir = dir.trim_matches('/');
        let prefix = if dir.is_empty() || dir == "." { String::new() } else { format!("{dir}/") };
        let mut names: Vec<String> = self
            .files
            .keys()
            .filter_map(|k| k.strip_prefix(&prefix))
            .map(|rest| rest.split('/').next().unwrap_or(rest).to_string())
            .collect();
        // `a.c` sorts before `a/x` as a key, but the directory `a` sorts before `a.c` as a name.
        names.sort();
        names.dedup();
        if names.is_empty() && self.entry(dir) == Entry::Missing {
            return Err(io::Error::new(io::ErrorKind::NotFound, "no such directory"));
        }
        Ok(names)
    }
}

/// Why a path from a manifest was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PathError {
    /// The path is empty.
    #[error("the path is empty")]
    Empty,
    /// The path is absolute.
    #[error("`{0}` is an absolute path")]
    Absolute(String),
    /// The path has a `..` component.
    #[error("`{0}` climbs out of the extension directory with `..`")]
    ParentDir(String),
    /// The path climbs above the project root with `..`.
    #[error("`{0}` climbs out of the project with `..`")]
    LeavesProject(String),
    /// The path uses `\` separators.
    #[error("`{0}` uses `\\`; manifest paths use `/`")]
    Backslash(String),
    /// A symlink on the way points outside the extension directory.
    #[error("`{path}` goes through symlink `{link}` -> `{target}`, which points outside the extension directory")]
    SymlinkEscapes {
        /// The path as written.
        path: String,
        /// The symlink on the way.
        link: String,
        /// Where it points.
        target: String,
    },
    /// A symlink on the way points outside the project.
    #[error("`{path}` goes through symlink `{link}` -> `{target}`, which points outside the project")]
    SymlinkLeavesProject {
        /// The path as written.
        path: String,
        /// The symlink on the way.
        link: String,
        /// Where it points.
        target: String,
    },
    /// Too many symlinks on the way.
    #[error("`{0}` goes through too many symlinks")]
    SymlinkLoop(String),
    /// Nothing exists at the path.
    #[error("`{0}` does not exist")]
    NotFound(String),
}

/// The form every manifest path must have: not empty, `/`-separated, relative.
fn check_form(rel: &str) -> Result<(), PathError> {
    if rel.is_empty() {
        return Err(PathError::Empty);
    }
    if rel.contains('\\') {
        return Err(PathError::Backslash(rel.to_string()));
    }
    if rel.starts_with('/') || rel.as_bytes().get(1) == Some(&b':') {
        return Err(PathError::Absolute(rel.to_string()));
    }
    Ok(())
}

/// Lexically checks a manifest path: relative, `/`-separated, no `..`.
pub fn check_relative(rel: &str) -> Result<Vec<&str>, PathError> {
    check_form(rel)?;
    let parts: Vec<&str> = rel.split('/').filter(|p| !p.is_empty() && *p != ".").collect();
    if parts.contains(&"..") {
        return Err(PathError::ParentDir(rel.to_string()));
    }
    if parts.is_empty() {
        return Err(PathError::Empty);
    }
    Ok(parts)
}

/// [`check_relative`] for a path of the project file (`pyforge.toml`): relative to the
/// project root, and a `..` leaves the project (not an extension directory).
pub fn check_in_project(rel: &str) -> Result<Vec<&str>, PathError> {
    check_relative(rel).map_err(|e| match e {
        PathError::ParentDir(p) => PathError::LeavesProject(p),
        e => e,
    })
}

/// Resolves `rel` inside the directory `root`, following symlinks only while they stay inside
/// `root`. Returns the resolved path (joined onto `root`) and what is there.
pub fn resolve_inside(src: &dyn Source, root: &str, rel: &str) -> Result<(String, Entry), PathError> {
    let mut todo: Vec<String> = check_relative(rel)?.iter().rev().map(|s| s.to_string()).collect();
    let mut done: Vec<String> = Vec::new();
    let mut links = 0;
    while let Some(part) = todo.pop() {
        if part == ".." {
            if done.pop().is_none() {
                unreachable!("`..` is rejected before and symlink targets are checked");
            }
            continue;
        }
        done.push(part);
        let here = join(root, &done.join("/"));
        match src.entry(&here) {
            Entry::Symlink(target) => {
                links += 1;
                if links > 16 {
                    return Err(PathError::SymlinkLoop(rel.to_string()));
                }
                let link = done.join("/");
                let escapes =
                    || PathError::SymlinkEscapes { path: rel.to_string(), link: link.clone(), target: target.clone() };
                if target.starts_with('/') || target.is_empty() {
                    return Err(escapes());
                }
                done.pop();
                // The target must stay inside `root` at every step.
                let mut depth = done.len() as isize;
                for t in target.split('/').filter(|p| !p.is_empty() && *p != ".") {
                    depth += if t == ".." { -1 } else { 1 };
                    if depth < 0 {
                        return Err(escapes());
                    }
                }
                for t in target.split('/').filter(|p| !p.is_empty() && *p != ".").rev() {
                    todo.push(t.to_string());
                }
            }
            Entry::Missing => return Err(PathError::NotFound(rel.to_string())),
            Entry::File | Entry::Dir => {}
        }
    }
    let path = join(root, &done.join("/"));
    let entry = src.entry(&path);
    Ok((path, entry))
}

/// Resolves `rel`, relative to `dir`, anywhere inside the project (the working directory):
/// `..` may lead to a sibling package, never above the root, and symlinks must stay inside.
pub fn resolve_in_project(src: &dyn Source, dir: &str, rel: &str) -> Result<(String, Entry), PathError> {
    check_form(rel)?;
    let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty() && *p != ".").collect();
    for part in rel.split('/').filter(|p| !p.is_empty() && *p != ".") {
        if part == ".." {
            if parts.pop().is_none() || parts.first() == Some(&"..") {
                return Err(PathError::LeavesProject(rel.to_string()));
            }
        } else {
            parts.push(part);
        }
    }
    if parts.is_empty() || parts.contains(&"..") {
        return Err(PathError::LeavesProject(rel.to_string()));
    }
    resolve_inside(src, "", &parts.join("/")).map_err(|e| match e {
        PathError::SymlinkEscapes { path: _, link, target } => {
            PathError::SymlinkLeavesProject { path: rel.to_string(), link, target }
        }
        other => other,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lexical_checks() {
        assert_eq!(check_relative("a/./b").unwrap(), ["a", "b"]);
        assert!(matches!(check_relative("../a"), Err(PathError::ParentDir(_))));
        assert!(matches!(check_relative("a/../../b"), Err(PathError::ParentDir(_))));
        assert!(matches!(check_relative("/etc/passwd"), Err(PathError::Absolute(_))));
        assert!(matches!(check_relative("C:/x"), Err(PathError::Absolute(_))));
        assert!(matches!(check_relative("a\\b"), Err(PathError::Backslash(_))));
        assert!(matches!(check_relative(""), Err(PathError::Empty)));
        assert!(matches!(check_relative("."), Err(PathError::Empty)));
    }

    #[test]
    fn memory_tree() {
        let m = Memory::new([("ext/a.c".to_string(), vec![1]), ("ext/wit/w.wit".to_string(), vec![2])]);
        assert_eq!(m.entry("ext"), Entry::Dir);
        assert_eq!(m.entry("ext/a.c"), Entry::File);
        assert_eq!(m.entry("ext/b.c"), Entry::Missing);
        assert_eq!(m.list("ext").unwrap(), ["a.c", "wit"]);
        // Names are sorted as names, not as the paths they come from (`a.c` < `a/…` as keys).
        let names =
            Memory::new([("a.c".to_string(), vec![]), ("a/x".to_string(), vec![]), ("a/y".to_string(), vec![])]);
        assert_eq!(names.list("").unwrap(), ["a", "a.c"]);
        assert_eq!(resolve_inside(&m, "ext", "wit").unwrap(), ("ext/wit".to_string(), Entry::Dir));
        assert!(matches!(resolve_inside(&m, "ext", "nope.c"), Err(PathError::NotFound(_))));
    }

    #[test]
    fn project_paths() {
        let m = Memory::new([
            ("cpython-ext/a/pyforge-pkg.toml".to_string(), vec![]),
            ("cpython-ext/shared/bz2.py".to_string(), vec![]),
        ]);
        let r = resolve_in_project(&m, "cpython-ext/a", "../shared/bz2.py").unwrap();
        assert_eq!(r, ("cpython-ext/shared/bz2.py".to_string(), Entry::File));
        assert_eq!(resolve_in_project(&m, "cpython-ext/a", ".").unwrap().1, Entry::Dir);
        assert!(matches!(resolve_in_project(&m, "cpython-ext/a", "../../../x"), Err(PathError::LeavesProject(_))));
        assert!(matches!(resolve_in_project(&m, "cpython-ext/a", "../../.."), Err(PathError::LeavesProject(_))));
        assert!(matches!(resolve_in_project(&m, "cpython-ext/a", "/etc/passwd"), Err(PathError::Absolute(_))));
    }
}
