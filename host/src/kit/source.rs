//! Where the CPython source comes from: Debian's `python3.13` source package (through the
//! private apt configuration) or a tarball or directory the user gives, and its version.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, anyhow, bail};

use crate::process::Cmd;

/// The Debian `python3.13` source tarball, downloaded once into the cache with the private
/// apt configuration `scripts/setup.sh` writes.
pub(super) fn debian_source() -> anyhow::Result<PathBuf> {
    let cache = crate::cache::cache_dir();
    let dir = cache.join("sources");
    let existing = |dir: &Path| -> Option<PathBuf> {
        let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
            .ok()?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                let n = p.file_name().unwrap_or_default().to_string_lossy();
                n.starts_with("python3.13_") && n.ends_with(".orig.tar.xz")
            })
            .collect();
        found.sort();
        found.pop()
    };
    if let Some(p) = existing(&dir) {
        return Ok(p);
    }
    let apt = cache.join("apt-trixie");
    if !apt.join("sources.list").is_file() {
        bail!(
            "no CPython source: the private apt configuration `{}` is missing; run `scripts/setup.sh` (it writes it), or pass `--cpython-src` with a CPython 3.13 tarball or directory",
            apt.join("sources.list").display()
        );
    }
    std::fs::create_dir_all(&dir)?;
    let tmp = tempfile::tempdir_in(&dir)?;
    eprintln!("pyforge: downloading the Debian python3.13 source package into {}", dir.display());
    let user = Cmd::new("id").arg("-un").output().unwrap_or_else(|_| "root".into());
    Cmd::new("apt-get")
        .arg("-q")
        .arg(format!("-oDir::Etc::sourcelist={}", apt.join("sources.list").display()))
        .arg("-oDir::Etc::sourceparts=/dev/null")
        .arg(format!("-oDir::State::Lists={}", apt.join("lists").display()))
        .arg(format!("-oDir::Cache={}", apt.join("cache").display()))
        .arg(format!("-oDir::State::status={}", apt.join("status").display()))
        .arg("-oDebug::NoLocking=1")
        .arg(format!("-oAPT::Sandbox::User={user}"))
        .args(["source", "--download-only", "python3.13"])
        .cwd(tmp.path())
        .hint("pyforge fetches CPython's source with apt-get (Debian); elsewhere pass `--cpython-src`")
        .output()
        .context("failed to download the python3.13 source package (run `scripts/setup.sh` to refresh the private apt lists, or pass `--cpython-src`)")?;
    let orig = existing(tmp.path()).ok_or_else(|| anyhow!("apt-get source left no python3.13_*.orig.tar.xz"))?;
    let dest = dir.join(orig.file_name().unwrap_or_default());
    std::fs::rename(&orig, &dest)?;
    Ok(dest)
}

/// `Python-3.13.5.tar.xz` or `python3.13_3.13.5.orig.tar.xz` → `3.13.5`.
pub(super) fn tarball_version(name: &str) -> Option<String> {
    let rest = name.strip_prefix("Python-").or_else(|| name.split_once('_').map(|(_, r)| r))?;
    let v: String = rest.chars().take_while(|c| c.is_ascii_digit() || *c == '.').collect();
    let v = v.trim_end_matches('.').to_string();
    (v.split('.').count() == 3).then_some(v)
}

/// The version in a source tree's `Include/patchlevel.h`.
pub(super) fn dir_version(dir: &Path) -> anyhow::Result<String> {
    let path = dir.join("Include/patchlevel.h");
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("`{}` is not a CPython source tree (no Include/patchlevel.h)", dir.display()))?;
    text.lines()
        .find_map(|l| {
            l.strip_prefix("#define PY_VERSION")?.trim().strip_prefix('"')?.split('"').next().map(String::from)
        })
        .map(|v| v.chars().take_while(|c| c.is_ascii_digit() || *c == '.').collect::<String>())
        .ok_or_else(|| anyhow!("no PY_VERSION in `{}`", path.display()))
}
