//! Composing a forge: its built `python.wasm` with the caps and stubs `pyforge.toml` names,
//! kept when nothing changed (the way make decides: names, sizes and times of the inputs and
//! outputs), written atomically to `python.composed.wasm` and the forge's `output` copy.

use std::path::Path;

use indexmap::IndexMap;
use pyforge_layout::{BuildDir, Fingerprint, write_atomic};

use super::{ComposeError, Input, compose_full, notes, split_version};
use crate::diag::Diag;
use crate::plan::ForgePlan;
use crate::project::PROJECT;

/// What [`compose_forge`] did.
#[derive(Debug)]
pub struct Composed {
    /// Where the composition is.
    pub output: String,
    /// Its size in bytes.
    pub size: usize,
    /// False when the inputs were the same as last time and the output was kept.
    pub rebuilt: bool,
    /// Notes from the wiring (e.g. mixed WASI patch versions).
    pub notes: Vec<Diag>,
}

/// Composes a forge's built `socket` with the caps and stubs its project entry names into
/// `out`'s `python.composed.wasm` (and a copy at the forge's `output`, when it names one).
/// `None` when the forge names no caps and no stubs (and any old composed output is removed,
/// so it cannot be run by mistake).
pub fn compose_forge(plan: &ForgePlan, socket: &str, out: &BuildDir) -> Result<Option<Composed>, ComposeError> {
    let output = out.file(BuildDir::COMPOSED);
    let key_path = out.file(BuildDir::COMPOSED_KEY);
    let stub_wasi = plan.app.as_ref().is_some_and(|a| a.stub_wasi);
    if plan.caps.is_empty() && plan.stubs.is_empty() && !stub_wasi {
        let _ = std::fs::remove_file(&output);
        let _ = std::fs::remove_file(&key_path);
        return Ok(None);
    }
    let paths: Vec<&str> = std::iter::once(socket).chain(plan.caps.iter().map(|(_, p)| p.value.as_str())).collect();
    let fingerprint = inputs(plan, &paths);
    let outputs: Vec<&Path> = std::iter::once(output.as_str()).chain(plan.output.as_deref()).map(Path::new).collect();
    // Unchanged inputs and outputs: keep the composition, reading nothing.
    if fingerprint.is_recorded(&key_path, &outputs)
        && let Ok(meta) = std::fs::metadata(&output)
    {
        return Ok(Some(Composed { output, size: meta.len() as usize, rebuilt: false, notes: Vec::new() }));
    }
    let (socket, mut plugs) = read_inputs(plan, &paths)?;
    if stub_wasi {
        let stub = super::stub::stub_wasi(&socket.bytes).map_err(|d| ComposeError::Encode(vec![d]))?;
        plugs.push(Input { name: "the WASI stub (--stub-wasi)".into(), bytes: stub });
    }
    let (bytes, wiring) = compose_full(&socket, &plugs, &plan.stubs, None, &requirers(plan))?;
    let write = |path: &str, bytes: &[u8]| {
        write_atomic(path, bytes).map_err(|e| {
            ComposeError::Io(vec![Diag::new(Some(path), format!("failed to write: {e}")).code("compose::io")])
        })
    };
    write(&output, &bytes)?;
    if let Some(copy) = &plan.output {
        write(copy, &bytes)?;
    }
    fingerprint.record(&key_path, &outputs).map_err(|e| {
        ComposeError::Io(vec![Diag::new(Some(&key_path), format!("failed to write: {e}")).code("compose::io")])
    })?;
    Ok(Some(Composed { output, size: bytes.len(), rebuilt: true, notes: notes(&wiring) }))
}

/// The inputs (paths, sizes and times), the stubs and the `output` name: a changed name of
/// the copy means writing it again.
fn inputs(plan: &ForgePlan, paths: &[&str]) -> Fingerprint {
    let mut f = Fingerprint::new("pyforge-compose-1");
    for path in paths {
        f.file(path);
    }
    f.bytes(plan.stubs.join("\n"));
    f.bytes([u8::from(plan.app.as_ref().is_some_and(|a| a.stub_wasi))]);
    f.bytes(plan.output.as_deref().unwrap_or_default());
    f
}

/// The socket and the cap components, read.
fn read_inputs(plan: &ForgePlan, paths: &[&str]) -> Result<(Input, Vec<Input>), ComposeError> {
    let read = |name: &str| -> Result<Input, Diag> {
        std::fs::read(name)
            .map(|bytes| Input { name: name.to_string(), bytes })
            .map_err(|e| Diag::new(Some(name), format!("failed to read component: {e}")).code("compose::io"))
    };
    let socket = read(paths[0]).map_err(|d| ComposeError::Io(vec![d]))?;
    let mut plugs = Vec::new();
    let mut diags = Vec::new();
    for path in &paths[1..] {
        match read(path) {
            Ok(p) => plugs.push(p),
            Err(d) => diags.push(d.help(format!(
                "build the cap component, or fix its path under `[forge.{}] caps` in `{PROJECT}`",
                plan.forge
            ))),
        }
    }
    if diags.is_empty() { Ok((socket, plugs)) } else { Err(ComposeError::Io(diags)) }
}

/// Which extensions require each interface (for the message when nothing provides it).
fn requirers(plan: &ForgePlan) -> IndexMap<String, Vec<String>> {
    let mut requirers: IndexMap<String, Vec<String>> = IndexMap::new();
    for ext in &plan.extensions {
        for import in &ext.imports {
            requirers.entry(split_version(import).0.to_string()).or_default().push(ext.manifest.name.value.clone());
        }
    }
    requirers
}
