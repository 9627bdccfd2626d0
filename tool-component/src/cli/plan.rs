//! `pyforge plan`: what a forge is made of, and how its composition is wired.

use pyforge_args::PlanArgs;
use pyforge_core::compose::{self, Link, Wiring};
use pyforge_core::diag::plural;
use pyforge_core::plan::ForgePlan;
use pyforge_core::source::Disk;
use pyforge_core::{Diag, plan};

use super::{print_diags, read_components};

pub fn exec(args: PlanArgs) -> i32 {
    let PlanArgs { socket, mut plugs, mut stubs, forge, json } = args;
    let socket = match socket {
        Some(s) => s,
        None => {
            let plan = match plan::plan(&Disk, &forge) {
                Ok(p) => p,
                Err(d) => {
                    print_diags(&d);
                    return 1;
                }
            };
            if !json {
                print!("{}", render_forge(&plan));
            }
            let socket = pyforge_layout::BuildDir::forge(&forge).file(pyforge_layout::BuildDir::PYTHON_WASM);
            if !std::path::Path::new(&socket).is_file() {
                print_diags(&[Diag::new(Some(&socket), format!("forge `{forge}` is not built yet"))
                    .help(format!("run `pyforge build --forge {forge}` first"))
                    .code("plan::not-built")]);
                return 1;
            }
            let mut forge_plugs: Vec<String> = plan.caps.iter().map(|(_, p)| p.value.clone()).collect();
            forge_plugs.append(&mut plugs);
            plugs = forge_plugs;
            let mut forge_stubs = plan.stubs;
            forge_stubs.append(&mut stubs);
            stubs = forge_stubs;
            socket
        }
    };
    let inputs = match read_components(std::iter::once(&socket).chain(&plugs)) {
        Ok(i) => i,
        Err(d) => {
            print_diags(&[d]);
            return 1;
        }
    };
    match compose::plan(&inputs[0], &inputs[1..], &stubs) {
        Ok(w) => {
            if json {
                println!("{}", serde_json::to_string_pretty(&w).unwrap_or_default());
            } else {
                print!("{}", render_wiring(&w));
            }
            i32::from(!w.missing.is_empty() || !w.unused.is_empty())
        }
        Err(e) => {
            print_diags(e.diagnostics());
            1
        }
    }
}

/// The forge's parts: extensions, shim-only packages, overlays, offload entries.
fn render_forge(plan: &ForgePlan) -> String {
    let mut out = format!("forge `{}`\n", plan.forge);
    for e in &plan.extensions {
        let imports = if e.imports.is_empty() { String::new() } else { format!(" imports {}", e.imports.join(", ")) };
        out.push_str(&format!("  extension {} ({}){imports}\n", e.module, e.manifest.name.value));
    }
    for p in &plan.shim_packages {
        out.push_str(&format!("  shim-only package {p}\n"));
    }
    for (from, to) in &plan.overlays {
        out.push_str(&format!("  overlay Lib/{to} <- {from}\n"));
    }
    for (module, o) in &plan.offload {
        out.push_str(&format!(
            "  offload {module}.{} (codecs: {}; carried, not acted on){}\n",
            o.callable.value,
            o.codecs.join(", "),
            o.doc.as_ref().map(|d| format!(": {d}")).unwrap_or_default()
        ));
    }
    out
}

/// The wiring as a tree: each import of the socket and what provides it, the providers' own
/// imports below them, then WASI, missing and unused parts.
fn render_wiring(w: &Wiring) -> String {
    let mut out = format!("{}\n", w.socket);
    node(w, &w.socket, "", &mut Vec::new(), &mut out);
    for u in &w.unused {
        out.push_str(&format!("unused plug: {u} (provides nothing this composition imports)\n"));
    }
    for n in &w.notes {
        out.push_str(&format!("note: {n}\n"));
    }
    out.push_str(&format!(
        "{} satisfied by plugs, {} WASI, {} missing\n",
        plural(w.links.len(), "import"),
        w.wasi.len(),
        w.missing.len()
    ));
    out
}

/// One consumer's rows, and its providers' below them.
fn node(w: &Wiring, consumer: &str, prefix: &str, seen: &mut Vec<String>, out: &mut String) {
    let links: Vec<&Link> = w.links.iter().filter(|l| l.consumer == consumer).collect();
    let wasi: Vec<&str> = w.wasi.iter().filter(|u| u.consumer == consumer).map(|u| u.import.as_str()).collect();
    let missing: Vec<&str> = w.missing.iter().filter(|u| u.consumer == consumer).map(|u| u.import.as_str()).collect();
    let mut rows: Vec<(String, Option<String>)> = Vec::new();
    for l in &links {
        let via = if l.export == l.import { String::new() } else { format!(" (exports `{}`)", l.export) };
        rows.push((format!("{} ← {}{via}", l.import, l.provider), Some(l.provider.clone())));
    }
    for m in &missing {
        rows.push((format!("{m} ← MISSING"), None));
    }
    if !wasi.is_empty() {
        let shown: Vec<&str> = wasi.iter().take(4).copied().collect();
        let more = if wasi.len() > 4 { format!(", … {} more", wasi.len() - 4) } else { String::new() };
        rows.push((format!("WASI, left to the host: {}{more}", shown.join(", ")), None));
    }
    for (i, (text, child)) in rows.iter().enumerate() {
        let last = i + 1 == rows.len();
        out.push_str(&format!("{prefix}{}{text}\n", if last { "└─ " } else { "├─ " }));
        if let Some(child) = child
            && !seen.contains(child)
        {
            seen.push(child.clone());
            let next = format!("{prefix}{}", if last { "   " } else { "│  " });
            node(w, child, &next, seen, out);
        }
    }
}
