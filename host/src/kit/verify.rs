//! A kit's integrity: `kit.sums` records a checksum of every file when the kit is assembled;
//! the link inputs are checked before every use (cheaply, by their stamps, once they passed),
//! every file by `pyforge kit verify`.

use std::path::Path;

use anyhow::Context as _;
use pyforge_layout::kit::KIT_JSON;

use super::Kit;

impl Kit {
    /// The files every build reads: the archives, `python.o`, the inittab template and the
    /// stdlib zip.
    fn link_inputs(&self) -> Vec<&str> {
        let i = &self.info;
        let mut files: Vec<&str> = i.archives.iter().map(String::as_str).collect();
        files.extend([i.python_o.as_str(), i.config_c.as_str(), i.stdlib_zip.as_str()]);
        files
    }

    /// Checks files against [`SUMS`]: the link inputs, or (`all`) every file of the kit. A kit
    /// from before checksums were recorded gets its `kit.sums` now.
    pub fn verify(&self, all: bool) -> anyhow::Result<Result<usize, Damage>> {
        let sums_path = self.dir.join(SUMS);
        if !sums_path.is_file() {
            eprintln!("pyforge: recording checksums of the kit's files in `{}` (once)", sums_path.display());
            write_sums(&self.dir)?;
        }
        let text =
            std::fs::read_to_string(&sums_path).with_context(|| format!("failed to read `{}`", sums_path.display()))?;
        let mut sums = std::collections::BTreeMap::new();
        for line in text.lines() {
            match line.split_once("  ") {
                Some((sum, file)) => sums.insert(file, sum),
                None => return Ok(Err(Damage { file: SUMS.to_string(), problem: "has a malformed line".to_string() })),
            };
        }
        let files: Vec<&str> = if all { sums.keys().copied().collect() } else { self.link_inputs() };
        // The link inputs are read on every command that takes a kit (`pyforge run` among
        // them): when their sizes and times are what they were at the last check that passed,
        // their contents are not read again.
        let stamp = if all { None } else { Some(self.stamps(&files)) };
        let stamp_path = self.dir.join(VERIFIED);
        if let Some(stamp) = &stamp
            && std::fs::read_to_string(&stamp_path).is_ok_and(|text| text == *stamp)
        {
            return Ok(Ok(files.len()));
        }
        for file in &files {
            let Some(expected) = sums.get(file) else {
                return Ok(Err(Damage { file: file.to_string(), problem: format!("is not listed in {SUMS}") }));
            };
            let problem = match std::fs::read(self.dir.join(file)) {
                Ok(bytes) if checksum(&bytes) == *expected => continue,
                Ok(_) => "does not match the checksum recorded when the kit was built".to_string(),
                Err(e) => format!("cannot be read ({e})"),
            };
            return Ok(Err(Damage { file: file.to_string(), problem }));
        }
        if let Some(stamp) = stamp {
            let _ = write_in(&self.dir, VERIFIED, stamp.as_bytes()); // only a shortcut: may fail
        }
        Ok(Ok(files.len()))
    }

    /// Size and modification time of each of `files`, one line each.
    fn stamps(&self, files: &[&str]) -> String {
        files
            .iter()
            .map(|file| format!("{file} {}\n", pyforge_layout::stamp(self.dir.join(file)).as_deref().unwrap_or("-")))
            .collect()
    }
}

/// `.kit.verified`: the [`Kit::stamps`] of the link inputs at their last passed check.
const VERIFIED: &str = ".kit.verified";

/// Writes `dir/name` atomically.
fn write_in(dir: &Path, name: &str, bytes: &[u8]) -> anyhow::Result<()> {
    let path = dir.join(name);
    pyforge_layout::write_atomic(&path, bytes).with_context(|| format!("failed to write `{}`", path.display()))
}

/// A kit's file that is not what the kit's build wrote.
#[derive(Debug)]
pub struct Damage {
    pub file: String,
    pub problem: String,
}

impl std::fmt::Display for Damage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "`{}` {}", self.file, self.problem)
    }
}

/// `kit.sums`: one line per file of the kit, `<XXH3-128 hex>  <path relative to the kit>`,
/// sorted; written when the kit is assembled, checked before use.
pub const SUMS: &str = "kit.sums";

fn checksum(bytes: &[u8]) -> String {
    format!("{:032x}", xxhash_rust::xxh3::xxh3_128(bytes))
}

/// Writes `dir/kit.sums` (atomically) for every other file under `dir`.
pub(super) fn write_sums(dir: &Path) -> anyhow::Result<()> {
    fn walk(root: &Path, rel: &Path, out: &mut Vec<(String, String)>) -> anyhow::Result<()> {
        let here = root.join(rel);
        for entry in std::fs::read_dir(&here).with_context(|| format!("failed to read `{}`", here.display()))? {
            let entry = entry?;
            let rel = rel.join(entry.file_name());
            if entry.file_type()?.is_dir() {
                walk(root, &rel, out)?;
            } else {
                let name = rel.to_string_lossy().replace('\\', "/");
                if name != SUMS
                    && name != KIT_JSON
                    && name != VERIFIED
                    && !name.starts_with(".tmp")
                    && !name.ends_with(".tmp")
                {
                    let bytes = std::fs::read(root.join(&rel))?;
                    out.push((name, checksum(&bytes)));
                }
            }
        }
        Ok(())
    }
    let mut sums = Vec::new();
    walk(dir, Path::new(""), &mut sums)?;
    sums.sort();
    let text: String = sums.iter().map(|(file, sum)| format!("{sum}  {file}\n")).collect();
    write_in(dir, SUMS, text.as_bytes())
}
