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
) -> Result<Vec<u8>, Vec<Diag>> {
    compose_full(socket, plugs, stubs, stub_message, &Default::default()).map(|(bytes, _)| bytes)
}

/// Wires the composition without encoding it (what `pyforge plan` shows).
pub fn plan(socket: &Input, plugs: &[Input], stubs: &[String]) -> Result<Wiring, Vec<Diag>> {
    wire(socket, plugs, stubs, None).map(|w| w.wiring)
}

/// A wired graph, ready to encode.
struct Wired {
    graph: CompositionGraph,
    wiring: Wiring,
    socket_id: PackageId,
    socket_inst: NodeId,
}

/// A registered component in the graph.
struct Part {
    name: String,
    package: PackageId,
    instance: Option<NodeId>,
}

/// Who imports: the socket, or the plug (or stub) at an index of `Wirer::parts`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Consumer {
    Socket,
    Part(usize),
}

/// The graph being wired and what is known about it.
struct Wirer {
    graph: CompositionGraph,
    socket: Part,
    parts: Vec<Part>,
    wiring: Wiring,
    satisfied: std::collections::HashSet<(Consumer, String)>,
    cache: std::collections::HashSet<(ItemKind, ItemKind)>,
    diags: Vec<Diag>,
}

/// An export chosen to satisfy an import.
struct Offer {
    provider: usize,
    export_name: String,
    export_ty: ItemKind,
    import_name: String,
    import_ty: ItemKind,
}

impl Wirer {
    fn part(&self, c: Consumer) -> &Part {
        match c {
            Consumer::Socket => &self.socket,
            Consumer::Part(i) => &self.parts[i],
        }
    }

    /// Plugs `offer` into `consumer` when the types match; a mismatch is a diagnostic. Returns
    /// whether it was plugged.
    fn plug(&mut self, consumer: Consumer, offer: Offer) -> Result<bool, Vec<Diag>> {
        let Offer { provider, export_name, export_ty, import_name, import_ty } = offer;
        let mut checker = SubtypeChecker::new(&mut self.cache);
        if let Err(e) = checker.is_subtype(export_ty, self.graph.types(), import_ty, self.graph.types()) {
            let who = if consumer == Consumer::Socket {
                "the socket".to_string()
            } else {
                format!("`{}`", self.part(consumer).name)
            };
            self.diags.push(
                Diag::new(
                    Some(&self.parts[provider].name),
                    format!("export `{export_name}` does not match {who}'s import `{import_name}`: {e:#}"),
                )
                .help("rebuild the cap against the same WIT the extension imports")
                .code("compose::type-mismatch"),
            );
            // Not offered again: the mismatch is the answer for this import.
            self.satisfied.insert((consumer, import_name));
            return Ok(false);
        }
        let package = self.parts[provider].package;
        let graph = &mut self.graph;
        let provider_inst = *self.parts[provider].instance.get_or_insert_with(|| graph.instantiate(package));
        let export = self
            .graph
            .alias_instance_export(provider_inst, &export_name)
            .map_err(|e| vec![Diag::new(Some(&self.parts[provider].name), format!("{e:#}"))])?;
        let consumer_inst = self.part(consumer).instance.expect("a consumer is instantiated");
        self.graph
            .set_instantiation_argument(consumer_inst, &import_name, export)
            .map_err(|e| vec![Diag::new(Some(&self.part(consumer).name), format!("{e:#}"))])?;
        self.satisfied.insert((consumer, import_name.clone()));
        self.wiring.links.push(Link {
            consumer: self.part(consumer).name.clone(),
            import: import_name,
            provider: self.parts[provider].name.clone(),
            export: export_name,
        });
        Ok(true)
    }

    fn imports(&self, package: PackageId) -> Vec<(String, ItemKind)> {
        self.graph.types()[self.graph[package].ty()].imports.iter().map(|(k, v)| (k.clone(), *v)).collect()
    }

    fn exports(&self, package: PackageId) -> Vec<(String, ItemKind)> {
        self.graph.types()[self.graph[package].ty()].exports.iter().map(|(k, v)| (k.clone(), *v)).collect()
    }

    /// The plugs' exports into the socket's imports, plug by plug (the order `wac plug` uses):
    /// an exact name first, then a semver-compatible one.
    fn plug_socket(&mut self) -> Result<(), Vec<Diag>> {
        let socket_imports = self.imports(self.socket.package);
        for i in 0..self.parts.len() {
            for (export_name, export_ty) in self.exports(self.parts[i].package) {
                let found = socket_imports
                    .iter()
                    .find(|(n, _)| *n == export_name)
                    .or_else(|| socket_imports.iter().find(|(n, _)| compatible(&export_name, n)));
                let Some((import_name, import_ty)) = found.cloned() else { continue };
                if self.satisfied.contains(&(Consumer::Socket, import_name.clone())) {
                    continue;
                }
                self.plug(Consumer::Socket, Offer { provider: i, export_name, export_ty, import_name, import_ty })?;
            }
        }
        Ok(())
    }

    /// Transitive plugs: the non-WASI imports of instantiated plugs, from the other plugs,
    /// until nothing changes.
    fn plug_parts(&mut self) -> Result<(), Vec<Diag>> {
        let mut changed = true;
        while changed {
            changed = false;
            for ci in 0..self.parts.len() {
                if self.parts[ci].instance.is_none() {
                    continue;
                }
                for (import_name, import_ty) in self.imports(self.parts[ci].package) {
                    if is_wasi(&import_name) || self.satisfied.contains(&(Consumer::Part(ci), import_name.clone())) {
                        continue;
                    }
                    let offer = (0..self.parts.len()).filter(|&pi| pi != ci).find_map(|pi| {
                        let exports = self.exports(self.parts[pi].package);
                        let found = exports
                            .iter()
                            .find(|(e, _)| *e == import_name)
                            .or_else(|| exports.iter().find(|(e, _)| compatible(e, &import_name)))
                            .cloned()?;
                        Some(Offer {
                            provider: pi,
                            export_name: found.0,
                            export_ty: found.1,
                            import_name: import_name.clone(),
                            import_ty,
                        })
                    });
                    if let Some(offer) = offer {
                        changed |= self.plug(Consumer::Part(ci), offer)?;
                    }
                }
            }
        }
        Ok(())
    }

    /// What is left: WASI for the host; anything else is missing.
    fn leftovers(&mut self) {
        let mut consumers = vec![Consumer::Socket];
        consumers.extend((0..self.parts.len()).filter(|&i| self.parts[i].instance.is_some()).map(Consumer::Part));
        for c in consumers {
            let name = self.part(c).name.clone();
            for (import, _) in self.imports(self.part(c).package) {
                if is_wasi(&import) {
                    self.wiring.wasi.push(Use { consumer: name.clone(), import });
                } else if !self.satisfied.contains(&(c, import.clone())) {
                    self.wiring.missing.push(Use { consumer: name.clone(), import });
                }
            }
        }
        self.wiring.unused = self.parts.iter().filter(|p| p.instance.is_none()).map(|p| p.name.clone()).collect();
        self.wiring.notes = wasi_patch_notes(&self.wiring.wasi);
    }
}

/// Registers `input` in `graph` under `key`.
fn register(graph: &mut CompositionGraph, key: &str, input: &Input) -> Result<PackageId, Diag> {
    let pkg = Package::from_bytes(key, None, input.bytes.clone(), graph.types_mut()).map_err(|e| {
        Diag::new(Some(&input.name), format!("not a valid component: {e:#}"))
            .help("pass a WebAssembly component (not a core module)")
            .code("compose::invalid-component")
    })?;
    graph.register_package(pkg).map_err(|e| Diag::new(Some(&input.name), format!("{e:#}")))
}

/// The package names `wac plug` gives plugs (`plug:<file stem>`, an index when a stem repeats)
/// and stubs.
fn package_keys(inputs: &[Input], plugs: usize) -> Vec<String> {
    let stems: Vec<String> = inputs
        .iter()
        .enumerate()
        .map(|(i, p)| if i < plugs { plug_package_name(&p.name) } else { format!("stub{}", i - plugs) })
        .collect();
    stems
        .iter()
        .enumerate()
        .map(|(i, stem)| {
            if stems.iter().filter(|s| *s == stem).count() > 1 {
                format!("{stem}{}", stems[..i].iter().filter(|s| *s == stem).count())
            } else {
                stem.clone()
            }
        })
        .collect()
}

/// Registers and wires everything, in the order `wac plug` uses for what it can do (so the
/// bytes agree with it there): the socket is registered and instantiated first; the plugs are
/// registered in turn and, if they export something the socket imports, instantiated and
/// plugged in; then the plugs' own imports are satisfied from the other plugs.
fn wire(socket: &Input, plugs: &[Input], stubs: &[String], stub_message: Option<&str>) -> Result<Wired, Vec<Diag>> {
    let mut inputs = plugs.to_vec();
    for iface in stubs {
        let bytes = stub::stub_for_import(&socket.bytes, iface, stub_message).map_err(|d| vec![d])?;
        inputs.push(Input { name: format!("stub of `{iface}`"), bytes });
    }
    let mut graph = CompositionGraph::new();
    let socket_id = register(&mut graph, "socket", socket).map_err(|d| vec![d])?;
    let socket_inst = graph.instantiate(socket_id);
    let mut parts = Vec::new();
    for (key, input) in package_keys(&inputs, plugs.len()).iter().zip(&inputs) {
        let package = register(&mut graph, key, input).map_err(|d| vec![d])?;
        parts.push(Part { name: input.name.clone(), package, instance: None });
    }
    let mut w = Wirer {
        graph,
        socket: Part { name: socket.name.clone(), package: socket_id, instance: Some(socket_inst) },
        parts,
        wiring: Wiring { socket: socket.name.clone(), ..Default::default() },
        satisfied: Default::default(),
        cache: Default::default(),
        diags: Vec::new(),
    };
    w.plug_socket()?;
    w.plug_parts()?;
    w.leftovers();
    if !w.diags.is_empty() {
        return Err(w.diags);
    }
    Ok(Wired { graph: w.graph, wiring: w.wiring, socket_id, socket_inst })
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
        let d = Diag::new(Some(consumer), what);
        let d = d.code("compose::missing-import");
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
) -> Result<(Vec<u8>, Wiring), Vec<Diag>> {
    let Wired { mut graph, wiring, socket_id, socket_inst } = wire(socket, plugs, stubs, stub_message)?;
    let problems = wiring_problems(&wiring, plugs, requirers);
    if !problems.is_empty() {
        return Err(problems);
    }
    let socket_exports: Vec<String> = graph.types()[graph[socket_id].ty()].exports.keys().cloned().collect();
    for name in socket_exports {
        let export = graph
            .alias_instance_export(socket_inst, &name)
            .map_err(|e| vec![Diag::new(Some(&socket.name), format!("{e:#}"))])?;
        graph.export(export, &name).map_err(|e| vec![Diag::new(Some(&socket.name), format!("{e:#}"))])?;
    }
    // wac-graph's own validation checks every function body of the result — the bodies of the
    // inputs, copied verbatim, which composition cannot change (and which the runtime validates
    // when it compiles them). It was 60% of the time of composing python.wasm. So: encode
    // without it, then validate the structure (types, imports, instances, exports) ourselves.
    let bytes = graph
        .encode(EncodeOptions { define_components: true, validate: false, processor: None })
        .map_err(|e| vec![Diag::new(None, format!("failed to encode the composition: {e:#}"))])?;
    let left = validate_structure(&bytes)
        .map_err(|e| vec![Diag::new(None, format!("the composition is not a valid component: {e}"))])?;

    // Belt and braces: refuse any non-WASI import left.
    let left: Vec<_> = left.into_iter().filter(|n| !is_wasi(n)).collect();
    if !left.is_empty() {
        return Err(vec![
            Diag::new(None, format!("the composition still imports {}", left.join(", ")))
                .help("plug or stub these interfaces"),
        ]);
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
    let mut diags = Vec::new();
    for (iface, path) in &plan.caps {
        if let Err(e) = crate::source::check_relative(&path.value) {
            diags.push(
                Diag::new(Some(project), format!("cap for `{iface}` in forge `{}`: {e}", plan.forge))
                    .help("give the cap component's path relative to the project root"),
            );
        }
    }
    if let Some(copy) = &plan.output
        && let Err(e) = crate::source::check_relative(copy)
    {
        diags.push(
            Diag::new(Some(project), format!("`output` of forge `{}`: {e}", plan.forge))
                .help("give `output` a path relative to the project root, inside it"),
        );
    }
    if !diags.is_empty() {
        return Err(diags);
    }
    let paths: Vec<&str> = std::iter::once(socket).chain(plan.caps.iter().map(|(_, p)| p.value.as_str())).collect();
    // Unchanged inputs (names, sizes, times) and stubs: keep the composition, reading nothing.
    let mut h = Sha256::new();
    for path in &paths {
        h.update(path.as_bytes());
        h.update(crate::source::stamp(path).unwrap_or_default().as_bytes());
    }
    h.update(plan.stubs.join("\n").as_bytes());
    // The forge's `output` copy is an output too: a changed name, or a copy changed or deleted
    // since, means writing it again.
    h.update(plan.output.as_deref().unwrap_or_default().as_bytes());
    let key: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
    let outputs_stamp = || -> Option<String> {
        let mut stamps = vec![crate::source::stamp(&output)?];
        if let Some(copy) = &plan.output {
            stamps.push(crate::source::stamp(copy)?);
        }
        Some(stamps.join("\n"))
    };
    if let Ok(recorded) = std::fs::read_to_string(&key_path)
        && let Some((recorded_key, recorded_stamps)) = recorded.split_once('\n')
        && recorded_key == key
        && outputs_stamp().is_some_and(|s| s == recorded_stamps)
        && let Ok(meta) = std::fs::metadata(&output)
    {
        return Ok(Some(Composed { output, size: meta.len() as usize, rebuilt: false, notes: Vec::new() }));
    }
    let socket = read(socket).map_err(|d| vec![d])?;
    let mut plugs = Vec::new();
    for path in &paths[1..] {
        match read(path) {
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
    let mut requirers: IndexMap<String, Vec<String>> = IndexMap::new();
    for ext in &plan.extensions {
        for import in &ext.imports {
            requirers.entry(split_version(import).0.to_string()).or_default().push(ext.manifest.name.value.clone());
        }
    }
    let (bytes, wiring) = compose_full(&socket, &plugs, &plan.stubs, None, &requirers)?;
    crate::source::write_atomic(std::path::Path::new(&output), &bytes)
        .map_err(|e| vec![Diag::new(Some(&output), format!("failed to write: {e}"))])?;
    if let Some(copy) = &plan.output {
        crate::source::write_atomic(std::path::Path::new(copy), &bytes)
            .map_err(|e| vec![Diag::new(Some(copy), format!("failed to write: {e}"))])?;
    }
    let record = format!("{key}\n{}", outputs_stamp().unwrap_or_default());
    crate::source::write_atomic(std::path::Path::new(&key_path), record.as_bytes())
        .map_err(|e| vec![Diag::new(Some(&key_path), format!("failed to write: {e}"))])?;
    Ok(Some(Composed { output, size: bytes.len(), rebuilt: true, notes: notes(&wiring) }))
}
