//! Writing outputs and telling whether they are up to date: one [`write_atomic`], one [`hex`],
//! one file [`stamp`] and one [`Fingerprint`], for the host and the tool alike.

use std::io::{self, Write as _};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use sha2::{Digest as _, Sha256};

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// The sha256 of `bytes`, in hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Writes `bytes` to `path` through a temporary file beside it and a rename, so a reader never
/// sees a half-written file and a crash leaves the old file whole. The parent directory is
/// created when missing; the file gets the usual permissions of a new file (0644 under the
/// usual umask), whoever wrote it. The temporary name is unique per process and call, so two
/// processes writing the same cache entry do not write into each other's file.
pub fn write_atomic(path: impl AsRef<Path>, bytes: &[u8]) -> io::Result<()> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let path = path.as_ref();
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    let tmp = path.with_file_name(format!(
        ".{name}.{}-{nanos}-{}.tmp",
        process_id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let written = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        std::fs::rename(&tmp, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

/// The process id where there is one (WASI has none: the tool component is one process per
/// instance, and the counter and time keep its names apart).
fn process_id() -> u32 {
    #[cfg(target_os = "wasi")]
    return 0;
    #[cfg(not(target_os = "wasi"))]
    return std::process::id();
}

/// A file's size and modification time, as text (`"<size> <nanoseconds>"`): a cheap "has it
/// changed?" for large build outputs, the way make decides, where hashing them at every run
/// would be the cost. `None` when the file cannot be read.
pub fn stamp(path: impl AsRef<Path>) -> Option<String> {
    let meta = std::fs::metadata(path).ok()?;
    let modified = meta.modified().ok()?.duration_since(std::time::UNIX_EPOCH).ok()?;
    Some(format!("{} {}", meta.len(), modified.as_nanos()))
}

/// What a build step was made from, hashed, and how its outputs were left — the one freshness
/// check of the pipeline (compose, pre-initialization, the embedded stdlib).
///
/// Inputs are fed in (bytes, or files by path, size and time); the key is their hash. The
/// record file holds the key and the stamps of the outputs as written. A step is up to date
/// when the inputs give the recorded key (compared first) and every output still has its
/// recorded stamp (compared second): a changed input or an output touched since both mean
/// "make it again".
#[derive(Debug, Clone)]
pub struct Fingerprint {
    hasher: Sha256,
    /// The files fed in, listed in the record (`pyforge run` watches them).
    files: Vec<String>,
}

impl Fingerprint {
    /// A fingerprint of a step whose recipe is `recipe` (a change of recipe changes every key).
    pub fn new(recipe: &str) -> Fingerprint {
        let mut f = Fingerprint { hasher: Sha256::new(), files: Vec::new() };
        f.bytes(recipe);
        f
    }

    /// Adds bytes (length-prefixed, so `("ab", "c")` and `("a", "bc")` differ).
    pub fn bytes(&mut self, bytes: impl AsRef<[u8]>) -> &mut Fingerprint {
        let bytes = bytes.as_ref();
        self.hasher.update((bytes.len() as u64).to_le_bytes());
        self.hasher.update(bytes);
        self
    }

    /// Adds a file by its path, size and modification time (a missing file counts as such).
    pub fn file(&mut self, path: impl AsRef<Path>) -> &mut Fingerprint {
        let path = path.as_ref();
        self.files.push(path.display().to_string());
        self.bytes(path.as_os_str().as_encoded_bytes());
        self.bytes(stamp(path).unwrap_or_default())
    }

    /// The inputs' key, in hex.
    pub fn key(&self) -> String {
        hex(&self.hasher.clone().finalize())
    }

    /// The record for `outputs` as they are now; `None` when one of them is missing.
    fn record_text(&self, outputs: &[&Path]) -> Option<String> {
        let mut text = format!("inputs {}\n", self.key());
        for file in &self.files {
            text.push_str(&format!("input {file}\n"));
        }
        for out in outputs {
            text.push_str(&format!("output {} {}\n", stamp(out)?, out.display()));
        }
        Some(text)
    }

    /// True when `record` was written by [`Fingerprint::record`] for the same inputs and every
    /// output is as it was written then.
    pub fn is_recorded(&self, record: impl AsRef<Path>, outputs: &[&Path]) -> bool {
        let Ok(text) = std::fs::read_to_string(record) else { return false };
        let Some((inputs, _)) = text.split_once('\n') else { return false };
        inputs == format!("inputs {}", self.key()) && self.record_text(outputs).is_some_and(|now| now == text)
    }

    /// The input files a record lists (empty when it cannot be read).
    pub fn recorded_inputs(record: impl AsRef<Path>) -> Vec<String> {
        let text = std::fs::read_to_string(record).unwrap_or_default();
        text.lines().filter_map(|l| l.strip_prefix("input ")).map(str::to_string).collect()
    }

    /// Records these inputs and the outputs as they are now (after writing them).
    pub fn record(&self, record: impl AsRef<Path>, outputs: &[&Path]) -> io::Result<()> {
        let text = self
            .record_text(outputs)
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "an output to record is missing"))?;
        write_atomic(record, text.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_is_lower_case_pairs() {
        assert_eq!(hex(&[0, 0xab, 0x10]), "00ab10");
        assert_eq!(sha256_hex(b"").len(), 64);
    }

    #[test]
    fn write_atomic_replaces_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/out.bin");
        write_atomic(&path, b"one").unwrap();
        write_atomic(&path, b"two").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        let names: Vec<_> =
            std::fs::read_dir(path.parent().unwrap()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, ["out.bin"]);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode & 0o044, 0o044, "readable by group and others like any new file, not 0600: {mode:o}");
        }
    }

    #[test]
    fn fingerprint_compares_inputs_then_outputs() {
        let dir = tempfile::tempdir().unwrap();
        let (input, output, record) = (dir.path().join("in"), dir.path().join("out"), dir.path().join(".key"));
        std::fs::write(&input, "a").unwrap();
        std::fs::write(&output, "made from a").unwrap();
        let fp = |recipe: &str| {
            let mut f = Fingerprint::new(recipe);
            f.file(&input);
            f
        };
        assert!(!fp("r").is_recorded(&record, &[&output]), "nothing recorded yet");
        fp("r").record(&record, &[&output]).unwrap();
        assert!(fp("r").is_recorded(&record, &[&output]));
        assert_eq!(Fingerprint::recorded_inputs(&record), [input.display().to_string()]);
        assert!(!fp("r2").is_recorded(&record, &[&output]), "another recipe");
        std::fs::write(&output, "touched by hand").unwrap();
        assert!(!fp("r").is_recorded(&record, &[&output]), "the output changed since");
        fp("r").record(&record, &[&output]).unwrap();
        std::fs::write(&input, "bb").unwrap();
        assert!(!fp("r").is_recorded(&record, &[&output]), "the input changed");
        std::fs::remove_file(&output).unwrap();
        assert!(fp("r").record(&record, &[&output]).is_err(), "a missing output is not recorded");
    }

    #[test]
    fn fingerprint_bytes_are_length_prefixed() {
        let key = |parts: &[&str]| {
            let mut f = Fingerprint::new("r");
            for p in parts {
                f.bytes(p);
            }
            f.key()
        };
        assert_ne!(key(&["ab", "c"]), key(&["a", "bc"]));
    }
}
