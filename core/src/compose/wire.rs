//! Wiring a composition: the socket and the plugs (and stubs) registered in a wac-graph
//! composition graph, exports plugged into imports the way `wac plug` does, then the plugs' own
//! imports from the other plugs, and what is left (WASI, missing, unused).

use std::collections::HashSet;

use wac_graph::types::{ItemKind, Package, SubtypeChecker};
use wac_graph::{CompositionGraph, NodeId, PackageId};

use super::{ComposeError, Input, Link, Use, Wiring, compatible, is_wasi, plug_package_name, stub, wasi_patch_notes};
use crate::diag::Diag;

/// A wired graph, ready to encode.
pub(super) struct Wired {
    pub(super) graph: CompositionGraph,
    pub(super) wiring: Wiring,
    pub(super) socket_id: PackageId,
    pub(super) socket_inst: NodeId,
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
    satisfied: HashSet<(Consumer, String)>,
    cache: HashSet<(ItemKind, ItemKind)>,
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
    fn plug(&mut self, consumer: Consumer, offer: Offer) -> Result<bool, ComposeError> {
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
        let export = self.graph.alias_instance_export(provider_inst, &export_name).map_err(|e| {
            ComposeError::Encode(vec![
                Diag::new(Some(&self.parts[provider].name), format!("{e:#}")).code("compose::encode"),
            ])
        })?;
        let consumer_inst = self.part(consumer).instance.expect("a consumer is instantiated");
        self.graph.set_instantiation_argument(consumer_inst, &import_name, export).map_err(|e| {
            ComposeError::Encode(vec![
                Diag::new(Some(&self.part(consumer).name), format!("{e:#}")).code("compose::encode"),
            ])
        })?;
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
    fn plug_socket(&mut self) -> Result<(), ComposeError> {
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
    fn plug_parts(&mut self) -> Result<(), ComposeError> {
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
    graph.register_package(pkg).map_err(|e| Diag::new(Some(&input.name), format!("{e:#}")).code("compose::input"))
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
pub(super) fn wire(
    socket: &Input,
    plugs: &[Input],
    stubs: &[String],
    stub_message: Option<&str>,
) -> Result<Wired, ComposeError> {
    let mut inputs = plugs.to_vec();
    for iface in stubs {
        let bytes =
            stub::stub_for_import(&socket.bytes, iface, stub_message).map_err(|d| ComposeError::Input(vec![d]))?;
        inputs.push(Input { name: format!("stub of `{iface}`"), bytes });
    }
    let mut graph = CompositionGraph::new();
    let socket_id = register(&mut graph, "socket", socket).map_err(|d| ComposeError::Input(vec![d]))?;
    let socket_inst = graph.instantiate(socket_id);
    let mut parts = Vec::new();
    for (key, input) in package_keys(&inputs, plugs.len()).iter().zip(&inputs) {
        let package = register(&mut graph, key, input).map_err(|d| ComposeError::Input(vec![d]))?;
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
        return Err(ComposeError::Mismatch(w.diags));
    }
    Ok(Wired { graph: w.graph, wiring: w.wiring, socket_id, socket_inst })
}
