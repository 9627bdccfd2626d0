//! The self-contained interpreter's parts: pyforge's runtime sources (compiled into every
//! `python.wasm` in place of CPython's `Programs/python.c`) and the embedded-stdlib archive
//! (the kit's stdlib and the forge's overlays, read into memory when the interpreter is
//! pre-initialized).
//!
//! The archive is a flat, deterministic file: members sorted by path, each stored raw-deflated
//! (or stored, when that is no smaller), under the paths the files have in the guest when the
//! stdlib is mounted (`/usr/local/lib/python3.13/json/__init__.py`; overlays under
//! `/usr/local/lib/pyforge/`), plus the runtime's importer at `/.pyforge/importer.py`. The
//! layout is described in `runtime/pyforge_python.c`, which reads it.

use pyforge_layout::write_atomic;
use sha2::{Digest as _, Sha256};

use crate::diag::Diag;
use crate::source::{Disk, Entry, Source};

/// pyforge's runtime: `(file name, contents)`, compiled or read by the link step.
pub const RUNTIME: &[(&str, &str)] = &[
    ("pyforge_python.c", include_str!("../runtime/pyforge_python.c")),
    ("inflate.c", include_str!("../runtime/inflate.c")),
    ("inflate.h", include_str!("../runtime/inflate.h")),
    ("wasi_paths.c", include_str!("../runtime/wasi_paths.c")),
    ("python.wit", include_str!("../runtime/python.wit")),
];

/// The runtime's import hook, a member of every archive.
pub const IMPORTER: &str = include_str!("../runtime/importer.py");

/// Where the importer is in the archive.
pub const IMPORTER_PATH: &str = "/.pyforge/importer.py";

/// The C module the runtime adds to the inittab.
pub const RUNTIME_MODULE: &str = "_pyforge";

/// The C module an application's generated glue adds to the inittab (`pyforge componentize`:
/// the world's imports, called by the generated `wit_world` package).
pub const APP_GLUE_MODULE: &str = "_pyforge_app";

/// The modules a forge imports before its snapshot unless it names its own (`warm = [...]`).
/// Every warm module makes the component larger (json with what it imports, `re` and `enum`
/// among them: 0.8 MB) and its first import free; the rest of the stdlib imports from the
/// embedded bytecode in about a millisecond a module. Python's own startup modules (`site`,
/// `os`, `encodings`, …) are always in the snapshot.
pub const DEFAULT_WARM: &[&str] = &["json"];

/// Stdlib files left out of the archive, with the reason (also in the README).
const LEFT_OUT: &[(&str, &str)] =
    &[("ensurepip/_bundled/", "pip's wheel (1.8 MB): installing pip needs subprocesses a component has not")];

const MAGIC: &[u8; 8] = b"PYFA\x01\x00\x00\x00";

pub use pyforge_layout::{InitApp, InitSpec};

/// The str hash seed of a forge's snapshot: fixed per forge, so builds are reproducible.
pub fn hash_seed(forge: &str) -> u32 {
    let h = Sha256::digest(format!("pyforge hash seed\0{forge}").as_bytes());
    u32::from_le_bytes([h[0], h[1], h[2], h[3]])
}

/// What [`archive`] made.
#[derive(Debug)]
pub struct Archive {
    /// The archive's bytes.
    pub bytes: Vec<u8>,
    /// How many members it has.
    pub members: usize,
    /// Their total size before compression.
    pub raw_size: usize,
}

/// The hash of the runtime sources (part of every build's inputs).
pub fn runtime_hash() -> String {
    let mut h = Sha256::new();
    for (name, text) in RUNTIME.iter().chain(std::iter::once(&("importer.py", IMPORTER))) {
        h.update(name.as_bytes());
        h.update([0]);
        h.update(text.as_bytes());
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Every file under `dir`, as paths relative to it, sorted, minus [`LEFT_OUT`]; the kit's
/// bytecode (`__pycache__/<name>.cpython-3XX.pyc`, level 0) only with `bytecode`.
fn stdlib_files(dir: &str, rel: &str, bytecode: bool, out: &mut Vec<String>) -> Result<(), Diag> {
    let here = if rel.is_empty() { dir.to_string() } else { format!("{dir}/{rel}") };
    let mut names = Disk
        .list(&here)
        .map_err(|e| Diag::new(Some(&here), format!("failed to list the stdlib: {e}")).code("embed::io"))?;
    names.sort();
    for name in names {
        let path = if rel.is_empty() { name } else { format!("{rel}/{name}") };
        let entry = Disk.entry(&format!("{dir}/{path}"));
        if entry == Entry::Dir {
            let last = path.rsplit('/').next().unwrap_or(&path);
            let left_out = LEFT_OUT.iter().any(|(p, _)| {
                let p = p.trim_end_matches('/');
                p == path || (!p.contains('/') && p == last)
            });
            if !left_out && (bytecode || last != "__pycache__") {
                stdlib_files(dir, &path, bytecode, out)?;
            }
        } else {
            let pyc = path.ends_with(".pyc");
            let level_0 = !path.ends_with(".opt-1.pyc") && !path.ends_with(".opt-2.pyc");
            if !pyc || (bytecode && level_0) {
                out.push(path);
            }
        }
    }
    Ok(())
}

/// The archive of the stdlib at `stdlib_dir` (seen by the guest at `guest_stdlib`), the
/// forge's `overlays` (`(file in the project, path under the overlay root)`, seen at
/// `guest_overlay`) and the importer; with `bytecode`, the kit's `.pyc` files too. An
/// application's files are added with [`with_members`].
pub fn archive(
    stdlib_dir: &str,
    guest_stdlib: &str,
    overlays: &[(String, String)],
    guest_overlay: &str,
    bytecode: bool,
) -> Result<Archive, Diag> {
    let mut members: Vec<(String, Vec<u8>)> = Vec::new();
    let mut files = Vec::new();
    stdlib_files(stdlib_dir, "", bytecode, &mut files)?;
    let read = |path: &str| {
        Disk.read(path).map_err(|e| Diag::new(Some(path), format!("failed to read: {e}")).code("embed::io"))
    };
    for rel in files {
        members.push((format!("{guest_stdlib}/{rel}"), read(&format!("{stdlib_dir}/{rel}"))?));
    }
    for (from, dest) in overlays {
        members.push((format!("{guest_overlay}/{dest}"), read(from)?));
    }
    members.push((IMPORTER_PATH.to_string(), IMPORTER.as_bytes().to_vec()));
    Ok(encode(&members))
}

/// One member, compressed (or stored).
struct Packed {
    path: String,
    method: u8,
    stored: Vec<u8>,
    raw_len: usize,
}

fn pack(path: &str, bytes: &[u8]) -> Packed {
    let packed = miniz_oxide::deflate::compress_to_vec(bytes, 10);
    let (method, stored) = if packed.len() < bytes.len() { (8, packed) } else { (0, bytes.to_vec()) };
    Packed { path: path.to_string(), method, stored, raw_len: bytes.len() }
}

/// Lays out `members` as an archive (sorted by path; the first of equal paths wins).
fn encode(members: &[(String, Vec<u8>)]) -> Archive {
    layout(members.iter().map(|(path, bytes)| pack(path, bytes)).collect())
}

fn layout(mut members: Vec<Packed>) -> Archive {
    members.sort_by(|a, b| a.path.cmp(&b.path));
    members.dedup_by(|a, b| a.path == b.path);
    let mut index = Vec::new();
    let mut data = Vec::new();
    let mut raw_size = 0;
    for m in &members {
        raw_size += m.raw_len;
        index.extend((m.path.len() as u16).to_le_bytes());
        index.extend(m.path.as_bytes());
        index.push(m.method);
        index.extend((data.len() as u32).to_le_bytes());
        index.extend((m.stored.len() as u32).to_le_bytes());
        index.extend((m.raw_len as u32).to_le_bytes());
        data.extend_from_slice(&m.stored);
    }
    let mut bytes = Vec::with_capacity(16 + index.len() + data.len());
    bytes.extend(MAGIC);
    bytes.extend((members.len() as u32).to_le_bytes());
    bytes.extend((index.len() as u32).to_le_bytes());
    bytes.extend(index);
    bytes.extend(data);
    Archive { bytes, members: members.len(), raw_size }
}

/// `base` (an archive) with `extra` members added, without compressing `base`'s again: an
/// application's files over a stdlib archive made once.
pub fn with_members(base: &[u8], extra: &[(String, Vec<u8>)]) -> Result<Archive, String> {
    let mut members = packed(base)?;
    members.extend(extra.iter().map(|(path, bytes)| pack(path, bytes)));
    Ok(layout(members))
}

/// An archive's members as stored.
fn packed(bytes: &[u8]) -> Result<Vec<Packed>, String> {
    let u32_at = |p: usize| -> Result<usize, String> {
        bytes
            .get(p..p + 4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
            .ok_or_else(|| "truncated".to_string())
    };
    if bytes.get(..8) != Some(MAGIC) {
        return Err("not a pyforge stdlib archive".into());
    }
    let count = u32_at(8)?;
    let data = 16 + u32_at(12)?;
    let mut pos = 16;
    let mut out = Vec::with_capacity(count);
    for _ in 0..count {
        let len = bytes.get(pos..pos + 2).map(|b| u16::from_le_bytes([b[0], b[1]])).ok_or("truncated")? as usize;
        let path = std::str::from_utf8(bytes.get(pos + 2..pos + 2 + len).ok_or("truncated")?)
            .map_err(|e| e.to_string())?
            .to_string();
        let p = pos + 2 + len;
        let method = *bytes.get(p).ok_or("truncated")?;
        let (offset, stored, raw_len) = (u32_at(p + 1)?, u32_at(p + 5)?, u32_at(p + 9)?);
        let stored = bytes.get(data + offset..data + offset + stored).ok_or("member data out of range")?.to_vec();
        if method != 0 && method != 8 {
            return Err(format!("{path}: unknown method {method}"));
        }
        out.push(Packed { path, method, stored, raw_len });
        pos = p + 13;
    }
    Ok(out)
}

/// Reads an archive back: `(path, bytes)` per member, for tests and `pyforge` tooling.
pub fn members(bytes: &[u8]) -> Result<Vec<(String, Vec<u8>)>, String> {
    packed(bytes)?
        .into_iter()
        .map(|m| {
            let content = match m.method {
                8 => miniz_oxide::inflate::decompress_to_vec(&m.stored).map_err(|e| format!("{}: {e:?}", m.path))?,
                _ => m.stored,
            };
            if content.len() != m.raw_len {
                return Err(format!("{}: {} bytes, the index says {}", m.path, content.len(), m.raw_len));
            }
            Ok((m.path, content))
        })
        .collect()
}

/// Writes `archive` to `path` atomically.
pub fn write(path: &str, archive: &Archive) -> Result<(), Diag> {
    write_atomic(path, &archive.bytes)
        .map_err(|e| Diag::new(Some(path), format!("failed to write the stdlib archive: {e}")).code("embed::io"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn archive_round_trips_and_stores_what_does_not_shrink() {
        let text = b"import os\n".repeat(200);
        let members = vec![
            ("/a/b.py".to_string(), text.clone()),
            ("/a/empty".to_string(), Vec::new()),
            ("/a/noise".to_string(), (0..=255u8).collect()),
        ];
        let a = encode(&members);
        assert_eq!(a.members, 3);
        assert!(a.bytes.len() < text.len(), "the repetitive member is deflated");
        let mut sorted = members.clone();
        sorted.sort();
        assert_eq!(self::members(&a.bytes).unwrap(), sorted);
        let more = with_members(&a.bytes, &[("/a/c.py".to_string(), b"x = 1\n".to_vec())]).unwrap();
        assert_eq!(self::members(&more.bytes).unwrap().len(), 4);
        let mut corrupt = a.bytes.clone();
        corrupt[0] = b'X';
        assert!(self::members(&corrupt).is_err());
        assert!(self::members(&a.bytes[..20]).is_err());
    }

    #[test]
    fn same_inputs_same_bytes() {
        let members = vec![("/x.py".to_string(), b"print(1)\n".repeat(50))];
        assert_eq!(encode(&members).bytes, encode(&members).bytes);
    }
}
