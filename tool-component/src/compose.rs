//! Step 6: compose. Plugs the exports of cap components into a socket component's imports
//! (what `wac plug` does, through `wac-graph`), but strictly: every import that is not
//! `wasi:*` must end up satisfied, or the composition fails naming each one and what comes
//! close. Interfaces nobody provides can be answered by generated [`stub`] components.

pub mod stub;

use indexmap::IndexMap;
use wac_graph::types::{ItemKind, Package, SubtypeChecker};
use wac_graph::{CompositionGraph, EncodeOptions, NodeId, PackageId};

use crate::diag::Diag;

/// A component passed by value.
#[derive(Debug, Clone)]
pub struct Input {
    /// A name for messages (usually the file path).
    pub name: String,
    pub bytes: Vec<u8>,
}

/// `ns:pkg/iface` and the version of `ns:pkg/iface@version`.
fn split_version(name: &str) -> (&str, Option<semver::Version>) {
    match name.rsplit_once('@') {
        Some((base, v)) => (base, semver::Version::parse(v).ok()),
        None => (name, None),
    }
}

/// Whether an export named `export` can satisfy an import named `import`: the same name, or
/// the same interface at a semver-compatible version.
pub fn compatible(export: &str, import: &str) -> bool {
    if export == import {
        return true;
    }
    let ((e, ev), (i, iv)) = (split_version(export), split_version(import));
    match (ev, iv) {
        (Some(ev), Some(iv)) if e == i => {
            if ev.major != 0 || iv.major != 0 {
                ev.major == iv.major && ev >= iv
            } else if ev.minor != 0 || iv.minor != 0 {
                ev.minor == iv.minor && ev >= iv
            } else {
                ev.patch == iv.patch
            }
        }
        _ => false,
    }
}

fn is_wasi(name: &str) -> bool {
    name.starts_with("wasi:")
}

/// Composes `socket` with `plugs` (and stubs for the interfaces in `stubs`, each answering
/// with `stub_message` where the function can return an error string).
pub fn compose_with(
    socket: &Input,
    plugs: &[Input],
    stubs: &[String],
    stub_message: Option<&str>,
) -> Result<Vec<u8>, Vec<Diag>> {
    let mut plugs = plugs.to_vec();
    for iface in stubs {
        let bytes = stub::stub_for_import(&socket.bytes, iface, stub_message).map_err(|d| vec![d])?;
        plugs.push(Input { name: format!("stub of `{iface}`"), bytes });
    }

    let mut graph = CompositionGraph::new();
    let register = |graph: &mut CompositionGraph, key: &str, input: &Input| -> Result<PackageId, Diag> {
        let pkg = Package::from_bytes(key, None, input.bytes.clone(), graph.types_mut()).map_err(|e| {
            Diag::new(Some(&input.name), format!("not a valid component: {e:#}"))
                .help("pass a WebAssembly component (not a core module)")
        })?;
        graph.register_package(pkg).map_err(|e| Diag::new(Some(&input.name), format!("{e:#}")))
    };
    let socket_id = register(&mut graph, "socket", socket).map_err(|d| vec![d])?;
    let mut plug_ids = Vec::new();
    for (i, p) in plugs.iter().enumerate() {
        plug_ids.push(register(&mut graph, &format!("plug{i}"), p).map_err(|d| vec![d])?);
    }

    let socket_inst = graph.instantiate(socket_id);
    let socket_imports: IndexMap<String, ItemKind> = graph.types()[graph[socket_id].ty()].imports.clone();
    let mut satisfied: IndexMap<String, usize> = IndexMap::new();
    let mut plug_insts: Vec<Option<NodeId>> = vec![None; plugs.len()];
    let mut used_plug = vec![false; plugs.len()];
    let mut diags = Vec::new();

    for (pi, &pid) in plug_ids.iter().enumerate() {
        let exports: Vec<(String, ItemKind)> =
            graph.types()[graph[pid].ty()].exports.iter().map(|(k, v)| (k.clone(), *v)).collect();
        for (export_name, export_ty) in exports {
            let Some((import_name, import_ty)) = socket_imports
                .get_key_value(&export_name)
                .or_else(|| socket_imports.iter().find(|(i, _)| compatible(&export_name, i)))
                .map(|(k, v)| (k.clone(), *v))
            else {
                continue;
            };
            if satisfied.contains_key(&import_name) {
                continue;
            }
            let mut cache = Default::default();
            let mut checker = SubtypeChecker::new(&mut cache);
            if let Err(e) = checker.is_subtype(export_ty, graph.types(), import_ty, graph.types()) {
                diags.push(
                    Diag::new(
                        Some(&plugs[pi].name),
                        format!("export `{export_name}` does not match the socket's import `{import_name}`: {e:#}"),
                    )
                    .help("rebuild the cap against the same WIT the extension imports"),
                );
                continue;
            }
            let inst = *plug_insts[pi].get_or_insert_with(|| graph.instantiate(pid));
            let export = graph
                .alias_instance_export(inst, &export_name)
                .map_err(|e| vec![Diag::new(Some(&plugs[pi].name), format!("{e:#}"))])?;
            graph
                .set_instantiation_argument(socket_inst, &import_name, export)
                .map_err(|e| vec![Diag::new(Some(&socket.name), format!("{e:#}"))])?;
            satisfied.insert(import_name, pi);
            used_plug[pi] = true;
        }
    }

    // Strictness: every non-WASI import of the socket is satisfied.
    for name in socket_imports.keys().filter(|n| !is_wasi(n) && !satisfied.contains_key(*n)) {
        let near: Vec<String> = plug_ids
            .iter()
            .zip(&plugs)
            .flat_map(|(&pid, p)| {
                graph.types()[graph[pid].ty()]
                    .exports
                    .keys()
                    .filter(|e| {
                        split_version(e).0 == split_version(name).0
                            || split_version(e).0.split('/').next() == split_version(name).0.split('/').next()
                    })
                    .map(|e| format!("`{e}` (exported by `{}`)", p.name))
                    .collect::<Vec<_>>()
            })
            .collect();
        let mut d = Diag::new(Some(&socket.name), format!("import `{name}` is not satisfied by any plug"));
        d = if near.is_empty() {
            d.help(format!("plug a cap component that exports `{name}`, or stub it with `--stub {name}`"))
        } else {
            d.help(format!("near matches: {}; rebuild the cap for `{name}` or stub it", near.join(", ")))
        };
        diags.push(d);
    }
    for (p, used) in plugs.iter().zip(&used_plug) {
        if !used {
            diags.push(
                Diag::new(Some(&p.name), "plug matches no import of the socket")
                    .help("remove this plug, or check that it exports the interface (and version) the socket imports"),
            );
        }
    }
    // Plugs' own non-WASI imports would silently become imports of the result.
    for (pi, &pid) in plug_ids.iter().enumerate() {
        if !used_plug[pi] {
            continue;
        }
        for name in graph.types()[graph[pid].ty()].imports.keys().filter(|n| !is_wasi(n)) {
            diags.push(
                Diag::new(
                    Some(&plugs[pi].name),
                    format!("plug imports `{name}`, which this composition does not provide"),
                )
                .help("plug a component that exports it, or stub it"),
            );
        }
    }
    if !diags.is_empty() {
        return Err(diags);
    }

    let socket_exports: Vec<String> = graph.types()[graph[socket_id].ty()].exports.keys().cloned().collect();
    for name in socket_exports {
        let export = graph
            .alias_instance_export(socket_inst, &name)
            .map_err(|e| vec![Diag::new(Some(&socket.name), format!("{e:#}"))])?;
        graph.export(export, &name).map_err(|e| vec![Diag::new(Some(&socket.name), format!("{e:#}"))])?;
    }
    let bytes = graph
        .encode(EncodeOptions { define_components: true, validate: true, processor: None })
        .map_err(|e| vec![Diag::new(None, format!("failed to encode the composition: {e:#}"))])?;

    // Belt and braces: read the result back and refuse any non-WASI import left.
    let left = component_imports(&bytes).map_err(|e| vec![Diag::new(None, e)])?;
    let left: Vec<_> = left.into_iter().filter(|n| !is_wasi(n)).collect();
    if !left.is_empty() {
        return Err(vec![
            Diag::new(None, format!("the composition still imports {}", left.join(", ")))
                .help("plug or stub these interfaces"),
        ]);
    }
    Ok(bytes)
}

/// The names a component imports.
pub fn component_imports(bytes: &[u8]) -> Result<Vec<String>, String> {
    let mut names = Vec::new();
    let mut depth = 0;
    for payload in wasmparser::Parser::new(0).parse_all(bytes) {
        match payload.map_err(|e| format!("invalid component: {e}"))? {
            wasmparser::Payload::ModuleSection { .. } | wasmparser::Payload::ComponentSection { .. } => depth += 1,
            wasmparser::Payload::End(_) => depth -= 1,
            wasmparser::Payload::ComponentImportSection(reader) if depth == 0 => {
                for import in reader {
                    names.push(import.map_err(|e| format!("invalid component: {e}"))?.name.name.to_string());
                }
            }
            _ => {}
        }
    }
    Ok(names)
}

/// What [`compose_forge`] did.
#[derive(Debug)]
pub struct Composed {
    pub output: String,
    pub size: usize,
    /// False when the inputs were the same as last time and the output was kept.
    pub rebuilt: bool,
}

/// Composes a forge's built `socket` with the caps and stubs its project entry names into
/// `out_dir/python.composed.wasm` (and a copy at the forge's `output`, when it names one).
/// `None` when the forge names no caps and no stubs (and any old composed output is removed,
/// so it cannot be run by mistake).
pub fn compose_forge(
    plan: &crate::plan::ForgePlan,
    socket: &str,
    out_dir: &str,
) -> Result<Option<Composed>, Vec<Diag>> {
    use sha2::{Digest as _, Sha256};
    let output = format!("{out_dir}/python.composed.wasm");
    let key_path = format!("{out_dir}/.composed.key");
    if plan.caps.is_empty() && plan.stubs.is_empty() {
        let _ = std::fs::remove_file(&output);
        let _ = std::fs::remove_file(&key_path);
        return Ok(None);
    }
    let project = crate::project::PROJECT;
    let read = |name: &str| -> Result<Input, Diag> {
        std::fs::read(name)
            .map(|bytes| Input { name: name.to_string(), bytes })
            .map_err(|e| Diag::new(Some(name), format!("failed to read component: {e}")))
    };
    let socket = read(socket).map_err(|d| vec![d])?;
    let mut plugs = Vec::new();
    let mut diags = Vec::new();
    for (iface, path) in &plan.caps {
        if let Err(e) = crate::source::check_relative(&path.value) {
            diags.push(
                Diag::new(Some(project), format!("cap for `{iface}` in forge `{}`: {e}", plan.forge))
                    .help("give the cap component's path relative to the project root"),
            );
            continue;
        }
        match read(&path.value) {
            Ok(p) => plugs.push(p),
            Err(d) => diags.push(d.help(format!(
                "build the cap component, or fix its path under `[forge.{}] caps` in `{project}`",
                plan.forge
            ))),
        }
    }
    if !diags.is_empty() {
        return Err(diags);
    }
    let mut h = Sha256::new();
    for input in std::iter::once(&socket).chain(&plugs) {
        h.update(input.name.as_bytes());
        h.update(Sha256::digest(&input.bytes));
    }
    h.update(plan.stubs.join("\n").as_bytes());
    let key: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
    if std::fs::read_to_string(&key_path).is_ok_and(|k| k == key)
        && let Ok(meta) = std::fs::metadata(&output)
    {
        return Ok(Some(Composed { output, size: meta.len() as usize, rebuilt: false }));
    }
    let bytes = compose_with(&socket, &plugs, &plan.stubs, None)?;
    crate::source::write_atomic(std::path::Path::new(&output), &bytes)
        .map_err(|e| vec![Diag::new(Some(&output), format!("failed to write: {e}"))])?;
    if let Some(copy) = &plan.output {
        crate::source::write_atomic(std::path::Path::new(copy), &bytes)
            .map_err(|e| vec![Diag::new(Some(copy), format!("failed to write: {e}"))])?;
    }
    crate::source::write_atomic(std::path::Path::new(&key_path), key.as_bytes())
        .map_err(|e| vec![Diag::new(Some(&key_path), format!("failed to write: {e}"))])?;
    Ok(Some(Composed { output, size: bytes.len(), rebuilt: true }))
}
