//! pyforge's toolchain as a component.
//!
//! Built for `wasm32-wasip2`, this one binary is two things at once:
//!
//! * a command (`fn main` becomes `wasi:cli/run`), so `wasmtime run pyforge-cli.wasm check …`
//!   and the native `pyforge` host print the same thing, and
//! * a library: the `pyforge:toolchain` world's interfaces are exported through
//!   `wit-bindgen`, so other component hosts (a browser through jco, a build service) call the
//!   pipeline steps on paths or on bytes.
//!
//! The modules follow the pipeline: [`manifest`] and [`project`] read the inputs, [`check`]
//! validates them, [`plan`] decides what a forge is made of, [`gen`] writes C bindings,
//! [`link`] relinks `python.wasm` against the CPython kit, [`compose`] plugs components together.
//! This file is only the hub and the WIT boundary.

mod check;
mod cli;
mod compose;
mod diag;
mod r#gen;
mod link;
mod manifest;
mod plan;
mod project;
mod source;
mod wit;

#[expect(unsafe_code, reason = "the canonical-ABI glue wit-bindgen generates")]
mod bindings {
    wit_bindgen::generate!({
        path: "../wit",
        world: "toolchain",
    });

    use super::Toolchain;
    export!(Toolchain with_types_in self);
}

use bindings::exports::pyforge::toolchain as exports;
use exports::types::{Diagnostic, File, Location};

fn main() {
    std::process::exit(cli::main());
}

/// The exported `pyforge:toolchain` interfaces.
struct Toolchain;

impl From<&diag::Diag> for Diagnostic {
    fn from(d: &diag::Diag) -> Self {
        Diagnostic {
            message: d.message.clone(),
            location: d.location().map(|(file, line, column)| Location { file, line, column }),
            help: d.help.clone(),
            rendered: d.render(),
        }
    }
}

fn diagnostics(diags: &[diag::Diag]) -> Vec<Diagnostic> {
    diags.iter().map(Diagnostic::from).collect()
}

fn report(report: check::Report) -> exports::check::Report {
    exports::check::Report {
        extensions: report
            .extensions
            .iter()
            .map(|e| exports::check::ExtensionSummary {
                manifest: e.manifest.clone(),
                name: e.name.clone(),
                module_name: e.module_name.clone(),
                provides: e.provides.clone(),
                imports: e.imports.clone(),
            })
            .collect(),
        diagnostics: diagnostics(&report.diagnostics),
    }
}

impl exports::check::Guest for Toolchain {
    fn check_paths(paths: Vec<String>) -> exports::check::Report {
        report(check::check(&source::Disk, &paths))
    }

    fn check_files(files: Vec<File>) -> exports::check::Report {
        let mem = source::Memory::new(files.into_iter().map(|f| (f.path, f.contents)));
        report(check::check(&mem, &[]))
    }
}

impl exports::bindgen::Guest for Toolchain {
    fn gen_dir(path: String) -> Result<Vec<String>, Vec<Diagnostic>> {
        r#gen::gen_dir(&path).map_err(|d| diagnostics(&d))
    }

    fn gen_files(wit: Vec<File>, world_name: Option<String>) -> Result<Vec<File>, Vec<Diagnostic>> {
        let mem = source::Memory::new(wit.into_iter().map(|f| (f.path, f.contents)));
        let (resolve, world) = wit::load(&mem, "", world_name.as_deref()).map_err(|d| diagnostics(&[d]))?;
        let files = r#gen::generate(resolve, world).map_err(|d| diagnostics(&[d]))?;
        Ok(files.into_iter().map(|(path, contents)| File { path, contents }).collect())
    }
}

impl exports::compose::Guest for Toolchain {
    fn compose(
        socket: exports::compose::Component,
        plugs: Vec<exports::compose::Component>,
        options: exports::compose::Options,
    ) -> Result<Vec<u8>, Vec<Diagnostic>> {
        let socket = compose::Input { name: socket.name, bytes: socket.bytes };
        let plugs = plugs.into_iter().map(|p| compose::Input { name: p.name, bytes: p.bytes }).collect::<Vec<_>>();
        compose::compose_with(&socket, &plugs, &options.stubs, options.stub_message.as_deref())
            .map_err(|d| diagnostics(&d))
    }

    fn plan(
        socket: exports::compose::Component,
        plugs: Vec<exports::compose::Component>,
        options: exports::compose::Options,
    ) -> Result<String, Vec<Diagnostic>> {
        let socket = compose::Input { name: socket.name, bytes: socket.bytes };
        let plugs = plugs.into_iter().map(|p| compose::Input { name: p.name, bytes: p.bytes }).collect::<Vec<_>>();
        let wiring = compose::plan(&socket, &plugs, &options.stubs).map_err(|d| diagnostics(&d))?;
        serde_json::to_string_pretty(&wiring).map_err(|e| diagnostics(&[diag::Diag::new(None, e.to_string())]))
    }
}
