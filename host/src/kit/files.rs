//! Hashing and copying the files of a kit's inputs and outputs.

use std::io::Read as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use sha2::{Digest as _, Sha256};

/// The sha256 of a file, streamed.
pub fn sha256_file(path: &Path) -> anyhow::Result<String> {
    let mut file = std::fs::File::open(path).with_context(|| format!("failed to open `{}`", path.display()))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0; 1 << 16];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(pyforge_layout::hex(&hasher.finalize()))
}

/// A hash over every file of a source tree (names and contents; `.git` and build products
/// left out).
pub(super) fn sha256_tree(dir: &Path) -> anyhow::Result<String> {
    let mut files = Vec::new();
    find_files(
        dir,
        &mut |p| !p.components().any(|c| c.as_os_str() == ".git" || c.as_os_str() == "__pycache__"),
        &mut files,
    )?;
    files.sort();
    let mut hasher = Sha256::new();
    for f in files {
        hasher.update(f.strip_prefix(dir).unwrap_or(&f).to_string_lossy().as_bytes());
        hasher.update([0]);
        hasher.update(sha256_file(&f)?.as_bytes());
    }
    Ok(pyforge_layout::hex(&hasher.finalize()))
}

/// Every regular file under `dir` for which `keep` holds.
pub(super) fn find_files(
    dir: &Path,
    keep: &mut dyn FnMut(&Path) -> bool,
    out: &mut Vec<PathBuf>,
) -> anyhow::Result<()> {
    for entry in std::fs::read_dir(dir).with_context(|| format!("failed to list `{}`", dir.display()))? {
        let path = entry?.path();
        let meta = std::fs::symlink_metadata(&path)?;
        if meta.is_dir() {
            find_files(&path, keep, out)?;
        } else if meta.is_file() && keep(&path) {
            out.push(path);
        }
    }
    Ok(())
}

/// Copies the files of `from` into `to`, keeping those whose path relative to `from` passes.
pub fn copy_tree(from: &Path, to: &Path, keep: &dyn Fn(&Path) -> bool) -> anyhow::Result<()> {
    let mut files = Vec::new();
    find_files(from, &mut |p| keep(p.strip_prefix(from).unwrap_or(p)), &mut files)?;
    for f in files {
        let dest = to.join(f.strip_prefix(from)?);
        if let Some(parent) = dest.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::copy(&f, &dest).with_context(|| format!("failed to copy `{}`", f.display()))?;
    }
    Ok(())
}
