//! Stub components: for an interface no cap provides, a small generated component that
//! exports it. A function whose result is `result<_, string>` returns `err(message)`; any
//! other function traps (`unreachable`), its core function named after the interface and
//! function so the trap's backtrace says which.

use std::fmt::Write as _;

use wit_component::{ComponentEncoder, StringEncoding};
use wit_parser::abi::{AbiVariant, WasmType};
use wit_parser::{Int, InterfaceId, Resolve, SizeAlign, Type, TypeDefKind, WorldItem, WorldKey};

use super::compatible;
use crate::diag::Diag;

/// Where the error-message string and the return area live in the stub's memory.
const RETAREA: usize = 16;
const MESSAGE: usize = 64;

/// Builds a stub exporting the interface `iface` as `socket` imports it (`ns:pkg/iface`, with
/// or without version).
pub fn stub_for_import(socket: &[u8], iface: &str, message: Option<&str>) -> Result<Vec<u8>, Diag> {
    let (mut resolve, world) = socket_world(socket)?;
    let found = resolve.worlds[world].imports.iter().find_map(|(key, item)| match (key, item) {
        (WorldKey::Interface(id), WorldItem::Interface { .. }) => {
            let name = resolve.id_of(*id)?;
            (name == iface || compatible(&name, iface) || name.rsplit_once('@').map(|(n, _)| n) == Some(iface))
                .then(|| (key.clone(), item.clone(), *id, name))
        }
        _ => None,
    });
    let Some((key, item, id, full_name)) = found else {
        return Err(Diag::new(None, format!("cannot stub `{iface}`: the socket does not import it"))
            .code("compose::stub-unknown")
            .help("name an interface the socket imports (see `pyforge plan`)"));
    };
    let message = message
        .map(str::to_string)
        .unwrap_or_else(|| format!("`{full_name}` is not available: this composition stubs it"));

    let mut stub_world = resolve.worlds[world].clone();
    stub_world.name = "pyforge-stub".to_string();
    stub_world.imports.shift_remove(&key);
    // An import `use`-ing the stubbed interface's types (`wasi:cli/stdout` uses
    // `wasi:io/streams`) cannot stay: the stub exports that interface, and an import cannot
    // depend on an export. The stub needs none of them.
    loop {
        let dependent = stub_world.imports.iter().find_map(|(k, item)| match item {
            WorldItem::Interface { id: other, .. } if uses(&resolve, *other, id) => Some(k.clone()),
            _ => None,
        });
        match dependent {
            Some(k) => {
                stub_world.imports.shift_remove(&k);
            }
            None => break,
        }
    }
    stub_world.exports.clear();
    stub_world.exports.insert(key, item);
    let stub_world = resolve.worlds.alloc(stub_world);

    let wat = stub_wat(&resolve, id, &full_name, &message);
    encode(&resolve, stub_world, &wat, &format!("the stub for `{full_name}`"))
}

/// The socket's WIT: its resolve and world.
fn socket_world(socket: &[u8]) -> Result<(Resolve, wit_parser::WorldId), Diag> {
    let decoded = wit_component::decode(socket)
        .map_err(|e| Diag::new(None, format!("cannot read the socket's WIT: {e:#}")).code("compose::stub-decode"))?;
    match decoded {
        wit_component::DecodedWasm::Component(r, w) => Ok((r, w)),
        wit_component::DecodedWasm::WitPackage(..) => {
            Err(Diag::new(None, "the socket is a WIT package, not a component").code("compose::stub-decode"))
        }
    }
}

/// The stub component: the module `wat` with `world`'s metadata, encoded.
fn encode(resolve: &Resolve, world: wit_parser::WorldId, wat: &str, what: &str) -> Result<Vec<u8>, Diag> {
    let mut module = wat::parse_str(wat).map_err(|e| {
        Diag::new(None, format!("internal error: stub module does not assemble: {e}")).code("compose::internal")
    })?;
    wit_component::embed_component_metadata(&mut module, resolve, world, StringEncoding::UTF8)
        .map_err(|e| Diag::new(None, format!("cannot embed stub metadata: {e:#}")).code("compose::internal"))?;
    ComponentEncoder::default()
        .validate(true)
        .module(&module)
        .and_then(|e| e.encode())
        .map_err(|e| Diag::new(None, format!("cannot build {what}: {e:#}")).code("compose::internal"))
}

/// Whether interface `iface` uses a type of `target`, directly or through another interface.
fn uses(resolve: &Resolve, iface: InterfaceId, target: InterfaceId) -> bool {
    let mut seen = vec![iface];
    let mut stack = vec![iface];
    while let Some(i) = stack.pop() {
        for t in resolve.interfaces[i].types.values() {
            if let TypeDefKind::Type(Type::Id(dep)) = resolve.types[*t].kind
                && let wit_parser::TypeOwner::Interface(owner) = resolve.types[dep].owner
                && owner != i
            {
                if owner == target {
                    return true;
                }
                if !seen.contains(&owner) {
                    seen.push(owner);
                    stack.push(owner);
                }
            }
        }
    }
    false
}

fn wasm_type(t: &WasmType) -> &'static str {
    match t {
        WasmType::I32 | WasmType::Pointer | WasmType::Length => "i32",
        WasmType::I64 | WasmType::PointerOrI64 => "i64",
        WasmType::F32 => "f32",
        WasmType::F64 => "f64",
    }
}

/// Whether `ty` is `result<_, string>`, giving the payload offset of the error.
fn error_string_result(resolve: &Resolve, sizes: &SizeAlign, ty: Option<&Type>) -> Option<usize> {
    let Some(Type::Id(id)) = ty else { return None };
    match &resolve.types[*id].kind {
        TypeDefKind::Result(r) if r.err == Some(Type::String) => {
            Some(sizes.payload_offset(Int::U8, [r.ok.as_ref(), r.err.as_ref()]).size_wasm32())
        }
        TypeDefKind::Type(t) => error_string_result(resolve, sizes, Some(t)),
        _ => None,
    }
}

/// One component answering every WASI interface `socket` imports, each function trapping
/// (`--stub-wasi`: a component that imports nothing, as componentize-py's option makes).
pub fn stub_wasi(socket: &[u8]) -> Result<Vec<u8>, Diag> {
    let (mut resolve, world) = socket_world(socket)?;
    let mut stub_world = resolve.worlds[world].clone();
    stub_world.name = "pyforge-stub-wasi".to_string();
    stub_world.exports.clear();
    let mut ifaces = Vec::new();
    for (key, item) in &resolve.worlds[world].imports {
        if let (WorldKey::Interface(id), WorldItem::Interface { .. }) = (key, item)
            && let Some(name) = resolve.id_of(*id)
            && name.starts_with("wasi:")
        {
            stub_world.exports.insert(key.clone(), item.clone());
            ifaces.push((*id, name));
        }
    }
    // What the stub exports it does not import; any non-WASI import stays the socket's.
    let exported: Vec<WorldKey> = stub_world.exports.keys().cloned().collect();
    stub_world.imports.retain(|k, _| !exported.contains(k));
    let stub_world = resolve.worlds.alloc(stub_world);
    let mut wat = wat_head("");
    for (id, name) in &ifaces {
        stub_funcs(&resolve, *id, name, None, &mut wat);
    }
    wat.push_str(REALLOC);
    wat.push_str(")\n");
    encode(&resolve, stub_world, &wat, "the WASI stub")
}

/// A stub module's memory, its message and its heap.
fn wat_head(message: &str) -> String {
    let mut wat = String::from("(module\n  (memory (export \"memory\") 1)\n");
    let escaped: String = message.bytes().map(|b| format!("\\{b:02x}")).collect();
    let _ = writeln!(wat, "  (data (i32.const {MESSAGE}) \"{escaped}\")");
    let heap = (MESSAGE + message.len() + 15) & !15;
    let _ = writeln!(wat, "  (global $heap (mut i32) (i32.const {heap}))");
    wat
}

fn stub_wat(resolve: &Resolve, iface: InterfaceId, full_name: &str, message: &str) -> String {
    let mut wat = wat_head(message);
    stub_funcs(resolve, iface, full_name, Some(message), &mut wat);
    wat.push_str(REALLOC);
    wat.push_str(")\n");
    wat
}

/// The interface's functions: trapping, or (with a message) answering `err(message)` where the
/// result is `result<_, string>`.
fn stub_funcs(resolve: &Resolve, iface: InterfaceId, full_name: &str, message: Option<&str>, wat: &mut String) {
    let mut sizes = SizeAlign::default();
    sizes.fill(resolve);
    for (name, func) in &resolve.interfaces[iface].functions {
        let sig = resolve.wasm_signature(AbiVariant::GuestExport, func);
        let params: String = sig.params.iter().map(|t| format!(" {}", wasm_type(t))).collect();
        let results: String = sig.results.iter().map(|t| format!(" {}", wasm_type(t))).collect();
        // The function's name in traps and backtraces; WAT ids allow no brackets, which
        // resource functions have (`[method]compressor.compress`).
        let id: String = format!("{full_name}.{name}")
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() || "!#$%&'*+-./:<=>?@\\^_`|~".contains(c) { c } else { '_' })
            .collect();
        let _ = writeln!(wat, "  (func ${id} (export \"{full_name}#{name}\") (param{params}) (result{results})",);
        match error_string_result(resolve, &sizes, func.result.as_ref()).zip(message) {
            Some((offset, message)) if sig.retptr && sig.results.len() == 1 => {
                let _ = writeln!(
                    wat,
                    "    (i32.store8 (i32.const {RETAREA}) (i32.const 1))\n    (i32.store (i32.const {}) (i32.const {MESSAGE}))\n    (i32.store (i32.const {}) (i32.const {}))\n    (i32.const {RETAREA}))",
                    RETAREA + offset,
                    RETAREA + offset + 4,
                    message.len()
                );
            }
            _ => wat.push_str("    unreachable)\n"),
        }
    }
}

/// A bump allocator: the stub only ever receives arguments it ignores.
const REALLOC: &str = r#"  (func (export "cabi_realloc") (param $old i32) (param $old_size i32) (param $align i32) (param $new_size i32) (result i32)
    (local $ret i32)
    (local.set $ret
      (i32.and (i32.add (global.get $heap) (i32.sub (local.get $align) (i32.const 1)))
               (i32.sub (i32.const 0) (local.get $align))))
    (global.set $heap (i32.add (local.get $ret) (local.get $new_size)))
    (if (i32.gt_u (global.get $heap) (i32.mul (memory.size) (i32.const 65536)))
      (then
        (if (i32.eq
              (memory.grow (i32.shr_u (i32.add (i32.sub (global.get $heap) (i32.mul (memory.size) (i32.const 65536))) (i32.const 65535)) (i32.const 16)))
              (i32.const -1))
          (then unreachable))))
    (if (local.get $old_size)
      (then (memory.copy (local.get $ret) (local.get $old) (local.get $old_size))))
    (local.get $ret))
"#;
