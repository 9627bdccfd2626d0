//! The compiled-code cache shared by the embedded tool and `pyforge run`: a component is
//! compiled once with Cranelift, serialized into `$PYFORGE_CACHE/precompiled/`, and later
//! deserialized (about a millisecond). Entries are keyed by the component's hash and wasmtime's
//! engine settings; old entries of the same kind are pruned so rebuilt Pythons do not pile up.
//!
//! Compiled code runs as native code, so a damaged entry must never be loaded: each entry's
//! name ends with the XXH3-128 checksum of its contents, checked on every load (a few
//! milliseconds for 30 MB). An entry that does not match — truncated, corrupted on disk — is
//! reported, removed and compiled again.

use std::hash::{Hash as _, Hasher as _};
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use wasmtime::Engine;
use wasmtime::component::Component;

/// What is cached, and how many entries of it to keep.
#[derive(Debug, Clone, Copy)]
pub struct Kind {
    /// The file-name prefix (`pyforge-tool`, `component`).
    pub prefix: &'static str,
    pub keep: usize,
}

pub const TOOL: Kind = Kind { prefix: "pyforge-tool", keep: 2 };
pub const COMPONENT: Kind = Kind { prefix: "component", keep: 8 };
/// A `python.wasm` instrumented for pre-initialization: the same for every app and forge
/// built on the same interpreter, so compiling it once serves them all.
pub const INSTRUMENTED: Kind = Kind { prefix: "instrumented", keep: 4 };

fn dir() -> PathBuf {
    crate::cache::cache_dir().join("precompiled")
}

/// The compiled `bytes` (whose hash is `content_key`), from the cache when compiled before.
/// `what` names it in the one-time "compiling" note.
pub fn load(engine: &Engine, kind: Kind, content_key: &str, bytes: &[u8], what: &str) -> anyhow::Result<Component> {
    load_with(engine, kind, content_key, what, || Ok(bytes.to_vec()))
}

/// [`load`], reading the bytes only when they must be compiled.
pub fn load_with(
    engine: &Engine,
    kind: Kind,
    content_key: &str,
    what: &str,
    bytes: impl FnOnce() -> anyhow::Result<Vec<u8>>,
) -> anyhow::Result<Component> {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    engine.precompile_compatibility_hash().hash(&mut hasher);
    let stem = format!("{}-{content_key}-{:016x}-", kind.prefix, hasher.finish());
    if let Some(component) = cached(engine, &stem) {
        return Ok(component);
    }
    eprintln!("pyforge: compiling {what} once (cached in {})", dir().display());
    let bytes = bytes()?;
    let component = Component::from_binary(engine, &bytes)
        .map_err(anyhow::Error::from)
        .with_context(|| format!("{what} is not a valid component"))?;
    match component.serialize() {
        Ok(out) => {
            let path = dir().join(format!("{stem}{}.cwasm", checksum(&out)));
            match pyforge_layout::write_atomic(&path, &out) {
                Ok(()) => prune(kind, &path),
                Err(e) => eprintln!("pyforge: warning: could not cache compiled code at `{}`: {e}", path.display()),
            }
        }
        Err(e) => eprintln!("pyforge: warning: could not serialize compiled code: {e}"),
    }
    Ok(component)
}

/// The entry named `<stem><checksum>.cwasm`, loaded if its contents match the checksum; a
/// damaged one is removed (and said so), and `None` makes the caller compile again.
fn cached(engine: &Engine, stem: &str) -> Option<Component> {
    let name = std::fs::read_dir(dir())
        .ok()?
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .find(|n| n.starts_with(stem) && n.ends_with(".cwasm"))?;
    let path = dir().join(&name);
    let bytes = std::fs::read(&path).ok()?;
    if name[stem.len()..name.len() - ".cwasm".len()] != checksum(&bytes) {
        eprintln!(
            "pyforge: the cached compiled code `{}` is damaged (its contents do not match the checksum in its name): removing it",
            path.display()
        );
        let _ = std::fs::remove_file(&path);
        return None;
    }
    // SAFETY: the bytes are those `Component::serialize` wrote with this same engine
    // configuration (its hash is in the name), checked against their checksum just now;
    // wasmtime also checks the version and settings header before using them.
    #[expect(unsafe_code, reason = "deserializing our own precompiled cache entry")]
    let loaded = unsafe { Component::deserialize(engine, &bytes) };
    loaded.ok()
}

/// The checksum an entry's name ends with: XXH3-128 of its contents, in hex.
fn checksum(bytes: &[u8]) -> String {
    format!("{:032x}", xxhash_rust::xxh3::xxh3_128(bytes))
}

/// Keeps the `kind.keep` most recently written entries of `kind` (always including `current`).
fn prune(kind: Kind, current: &Path) {
    let Ok(entries) = std::fs::read_dir(dir()) else { return };
    let mut found: Vec<(std::time::SystemTime, PathBuf)> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let name = p.file_name().unwrap_or_default().to_string_lossy();
            name.starts_with(&format!("{}-", kind.prefix)) && name.ends_with(".cwasm") && p != current
        })
        .filter_map(|p| Some((std::fs::metadata(&p).ok()?.modified().ok()?, p)))
        .collect();
    found.sort_by_key(|f| std::cmp::Reverse(f.0));
    for (_, old) in found.into_iter().skip(kind.keep.saturating_sub(1)) {
        let _ = std::fs::remove_file(old);
    }
}
