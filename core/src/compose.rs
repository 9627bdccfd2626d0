//! Step 6: compose. Plugs the exports of cap components into a socket component's imports
//! (what `wac plug` does, through `wac-graph`), but strictly: every import that is not
//! `wasi:*` must end up satisfied, or the composition fails naming each one and what comes
//! close. Interfaces nobody provides can be answered by generated [`stub`] components.

mod forge;
pub mod stub;
mod wire;

pub use self::forge::{Composed, compose_forge};

use indexmap::IndexMap;
use wac_graph::EncodeOptions;

use self::wire::{Wired, wire};

use crate::diag::{Diag, plural};

/// Why a composition failed, by kind; each holds the diagnostics to show.
#[derive(Debug, thiserror::Error)]
pub enum ComposeError {
    /// An input is not a component, or an interface to stub is not imported.
    #[error("invalid input ({})", plural(.0.len(), "problem"))]
    Input(Vec<Diag>),
    /// An export does not match the type of the import it would satisfy.
    #[error("exports do not match imports ({})", plural(.0.len(), "problem"))]
    Mismatch(Vec<Diag>),
    /// Imports nothing satisfies, or plugs nothing uses.
    #[error("the composition is incomplete ({})", plural(.0.len(), "problem"))]
    Unsatisfied(Vec<Diag>),
    /// wac-graph could not build or encode the composition, or the result is not valid.
    #[error("the composition could not be encoded ({})", plural(.0.len(), "problem"))]
    Encode(Vec<Diag>),
    /// A forge's composition: component paths, reading inputs, writing outputs.
    #[error("the forge's files could not be read or written ({})", plural(.0.len(), "problem"))]
    Io(Vec<Diag>),
}

impl ComposeError {
    /// The diagnostics to show.
    pub fn diagnostics(&self) -> &[Diag] {
        match self {
            ComposeError::Input(d)
            | ComposeError::Mismatch(d)
            | ComposeError::Unsatisfied(d)
            | ComposeError::Encode(d)
            | ComposeError::Io(d) => d,
        }
    }
}

/// A component passed by value.
#[derive(Debug, Clone)]
pub struct Input {
    /// A name for messages (usually the file path).
    pub name: String,
    /// The component's bytes.
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
/// the same interface on the same semver track — `wac plug`'s own rule
/// ([`wac_types::are_semver_compatible`]), so both compose the same inputs the same way.
pub fn compatible(export: &str, import: &str) -> bool {
    wac_types::are_semver_compatible(export, import)
}

fn is_wasi(name: &str) -> bool {
    name.starts_with("wasi:")
}

/// One import and what satisfies it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Link {
    /// Who imports: the socket's name or a plug's.
    pub consumer: String,
    /// The import's name.
    pub import: String,
    /// The plug (or stub) that provides it.
    pub provider: String,
    /// The export that satisfies it.
    pub export: String,
}

/// An import of one part.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Use {
    /// Who imports.
    pub consumer: String,
    /// The import's name.
    pub import: String,
}

/// How a composition is wired, before (or without) encoding it.
#[derive(Debug, Default, serde::Serialize)]
pub struct Wiring {
    /// The socket's name.
    pub socket: String,
    /// The imports plugged, in the order they were.
    pub links: Vec<Link>,
    /// Imports left to the host: WASI.
    pub wasi: Vec<Use>,
    /// Imports nothing provides.
    pub missing: Vec<Use>,
    /// Plugs that provide nothing to the composition.
    pub unused: Vec<String>,
    /// Notes that do not stop the composition (e.g. mixed WASI patch versions).
    pub notes: Vec<String>,
}

/// The name wac gives a plug read from `path`: `plug:<file stem>`.
fn plug_package_name(path: &str) -> String {
    let file = path.rsplit('/').next().unwrap_or(path);
    let stem = file.rsplit_once('.').map_or(file, |(s, _)| s);
    format!("plug:{stem}")
}

/// The wiring's notes as diagnostics of severity note.
pub fn notes(w: &Wiring) -> Vec<Diag> {
    w.notes.iter().map(|n| Diag::note(n.clone()).code("compose::note")).collect()
}

/// Composes `socket` with `plugs` (and stubs for the interfaces in `stubs`, each answering
/// with `stub_message` where the function can return an error string).
pub fn compose_with(
    socket: &Input,
    plugs: &[Input],
    stubs: &[String],
    stub_message: Option<&str>,
) -> Result<Vec<u8>, ComposeError> {
    compose_full(socket, plugs, stubs, stub_message, &Default::default()).map(|(bytes, _)| bytes)
}

/// Wires the composition without encoding it (what `pyforge plan` shows).
pub fn plan(socket: &Input, plugs: &[Input], stubs: &[String]) -> Result<Wiring, ComposeError> {
    wire(socket, plugs, stubs, None).map(|w| w.wiring)
}

/// A note when the parts import WASI 0.2 at more than one patch version.
fn wasi_patch_notes(wasi: &[Use]) -> Vec<String> {
    let mut by_version: IndexMap<String, Vec<String>> = IndexMap::new();
    for Use { consumer, import } in wasi {
        if let (_, Some(v)) = split_version(import) {
            let entry = by_version.entry(v.to_string()).or_default();
            if !entry.contains(consumer) {
                entry.push(consumer.clone());
            }
        }
    }
    if by_version.len() <= 1 {
        return Vec::new();
    }
    let list: Vec<String> = by_version.iter().map(|(v, who)| format!("{v} ({})", who.join(", "))).collect();
    vec![format!("the parts import WASI at several patch versions: {}; a host must provide each", list.join("; "))]
}

/// The diagnostics for a wiring with missing imports or unused plugs.
fn wiring_problems(w: &Wiring, plugs: &[Input], requirers: &IndexMap<String, Vec<String>>) -> Vec<Diag> {
    let mut diags = Vec::new();
    for Use { consumer, import: name } in &w.missing {
        let (base, version) = split_version(name);
        let near: Vec<String> = plugs
            .iter()
            .flat_map(|p| {
                component_exports(&p.bytes)
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|e| {
                        let (eb, _) = split_version(e);
                        eb == base || eb.split('/').next() == base.split('/').next()
                    })
                    .map(|e| {
                        let (eb, ev) = split_version(&e);
                        let why = match (&ev, &version) {
                            (Some(ev), Some(iv)) if eb == base => {
                                format!(" — version {ev} is not compatible with {iv}")
                            }
                            _ => String::new(),
                        };
                        format!("`{e}` (exported by `{}`){why}", p.name)
                    })
                    .collect::<Vec<_>>()
            })
            .collect();
        let who = requirers
            .get(base)
            .map(|exts| {
                format!(
                    " (required by extension {})",
                    exts.iter().map(|e| format!("`{e}`")).collect::<Vec<_>>().join(", ")
                )
            })
            .unwrap_or_default();
        let what = if *consumer == w.socket {
            format!("import `{name}`{who} is not satisfied by any plug")
        } else {
            format!("plug `{consumer}` imports `{name}`, which no other plug provides")
        };
        let d = Diag::new(Some(consumer), what).code("compose::missing-import");
        diags.push(if near.is_empty() {
            d.help(format!("plug a cap component that exports `{name}`, or stub it with `--stub {base}`"))
        } else {
            d.help(format!("near matches: {}; rebuild the cap for `{name}` or stub it", near.join(", ")))
        });
    }
    for p in &w.unused {
        diags.push(
            Diag::new(Some(p), "plug matches no import of the socket or of the other plugs")
                .help("remove this plug, or check that it exports the interface (and version) the socket imports")
                .code("compose::unused-plug"),
        );
    }
    diags
}

/// Composes and returns the bytes and the wiring.
pub fn compose_full(
    socket: &Input,
    plugs: &[Input],
    stubs: &[String],
    stub_message: Option<&str>,
    requirers: &IndexMap<String, Vec<String>>,
) -> Result<(Vec<u8>, Wiring), ComposeError> {
    let Wired { mut graph, wiring, socket_id, socket_inst } = wire(socket, plugs, stubs, stub_message)?;
    let problems = wiring_problems(&wiring, plugs, requirers);
    if !problems.is_empty() {
        return Err(ComposeError::Unsatisfied(problems));
    }
    let socket_exports: Vec<String> = graph.types()[graph[socket_id].ty()].exports.keys().cloned().collect();
    for name in socket_exports {
        let export = graph.alias_instance_export(socket_inst, &name).map_err(|e| {
            ComposeError::Encode(vec![Diag::new(Some(&socket.name), format!("{e:#}")).code("compose::encode")])
        })?;
        graph.export(export, &name).map_err(|e| {
            ComposeError::Encode(vec![Diag::new(Some(&socket.name), format!("{e:#}")).code("compose::encode")])
        })?;
    }
    // wac-graph's own validation checks every function body of the result — the bodies of the
    // inputs, copied verbatim, which composition cannot change (and which the runtime validates
    // when it compiles them). It was 60% of the time of composing python.wasm. So: encode
    // without it, then validate the structure (types, imports, instances, exports) ourselves.
    let bytes =
        graph.encode(EncodeOptions { define_components: true, validate: false, processor: None }).map_err(|e| {
            ComposeError::Encode(vec![
                Diag::new(None, format!("failed to encode the composition: {e:#}")).code("compose::encode"),
            ])
        })?;
    let left = validate_structure(&bytes).map_err(|e| {
        ComposeError::Encode(vec![
            Diag::new(None, format!("the composition is not a valid component: {e}")).code("compose::invalid-output"),
        ])
    })?;

    // Belt and braces: refuse any non-WASI import left.
    let left: Vec<_> = left.into_iter().filter(|n| !is_wasi(n)).collect();
    if !left.is_empty() {
        return Err(ComposeError::Unsatisfied(vec![
            Diag::new(None, format!("the composition still imports {}", left.join(", ")))
                .help("plug or stub these interfaces")
                .code("compose::missing-import"),
        ]));
    }
    Ok((bytes, wiring))
}

/// Validates everything of a component but its core function bodies; returns its top-level
/// import names.
fn validate_structure(bytes: &[u8]) -> Result<Vec<String>, String> {
    use wasmparser::{Chunk, Parser, Payload, ValidPayload, Validator, WasmFeatures};
    let mut validator = Validator::new_with_features(WasmFeatures::all());
    let mut parser = Parser::new(0);
    let mut stack = Vec::new();
    let mut imports = Vec::new();
    let mut cur = bytes;
    loop {
        let (payload, consumed) = match parser.parse(cur, true).map_err(|e| e.to_string())? {
            Chunk::Parsed { payload, consumed } => (payload, consumed),
            Chunk::NeedMoreData(_) => return Err("unexpected end of the component".into()),
        };
        cur = &cur[consumed..];
        if let (true, Payload::ComponentImportSection(reader)) = (stack.is_empty(), &payload) {
            for import in reader.clone() {
                imports.push(import.map_err(|e| e.to_string())?.name.name.to_string());
            }
        }
        match validator.payload(&payload).map_err(|e| e.to_string())? {
            ValidPayload::Ok | ValidPayload::Func(..) => {}
            ValidPayload::Parser(next) => stack.push(std::mem::replace(&mut parser, next)),
            ValidPayload::End(_) => match stack.pop() {
                Some(parent) => parser = parent,
                None => return Ok(imports),
            },
        }
    }
}

/// The names a component exports.
pub fn component_exports(bytes: &[u8]) -> Result<Vec<String>, String> {
    let mut names = Vec::new();
    let mut depth = 0;
    for payload in wasmparser::Parser::new(0).parse_all(bytes) {
        match payload.map_err(|e| format!("invalid component: {e}"))? {
            wasmparser::Payload::ModuleSection { .. } | wasmparser::Payload::ComponentSection { .. } => depth += 1,
            wasmparser::Payload::End(_) => depth -= 1,
            wasmparser::Payload::ComponentExportSection(reader) if depth == 0 => {
                for export in reader {
                    names.push(export.map_err(|e| format!("invalid component: {e}"))?.name.name.to_string());
                }
            }
            _ => {}
        }
    }
    Ok(names)
}
