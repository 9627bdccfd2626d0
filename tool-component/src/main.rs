//! pyforge's toolchain as a component.
//!
//! Built for `wasm32-wasip2`, this one binary is two things at once:
//!
//! * a command (`fn main` becomes `wasi:cli/run`), so `wasmtime run pyforge-cli.wasm check …`
//!   and the native `pyforge` host print the same thing ([`cli`]), and
//! * a library: the `pyforge:toolchain` world's interfaces are exported through
//!   `wit-bindgen`, so other component hosts (a browser through jco, a build service) call the
//!   pipeline steps on paths or on bytes.
//!
//! The pipeline itself is the `pyforge-core` library; this file is only the WIT boundary.

mod cli;

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
use exports::types::{Diagnostic, File, Location, Severity};
use pyforge_core::link::{Compiler, Completed};
use pyforge_core::{Diag, check, compose, r#gen, source, wit};

fn main() {
    std::process::exit(cli::main());
}

/// The `clang` import as the library's [`Compiler`].
struct ToolchainCompiler;

impl Compiler for ToolchainCompiler {
    fn run(&self, args: &[String]) -> Result<Completed, String> {
        let done = bindings::pyforge::toolchain::clang::run(args)?;
        Ok(Completed { status: done.status, stdout: done.stdout, stderr: done.stderr })
    }
}

/// The exported `pyforge:toolchain` interfaces.
struct Toolchain;

impl From<&Diag> for Diagnostic {
    fn from(d: &Diag) -> Self {
        Diagnostic {
            code: d.code.clone(),
            severity: match d.severity {
                pyforge_core::Severity::Error => Severity::Error,
                pyforge_core::Severity::Warning => Severity::Warning,
                pyforge_core::Severity::Note => Severity::Note,
            },
            message: d.message.clone(),
            location: d.location().map(|(file, line, column)| Location { file, line, column }),
            help: d.help.clone(),
            rendered: d.render(),
        }
    }
}

fn diagnostics(diags: &[Diag]) -> Vec<Diagnostic> {
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
        r#gen::gen_dir(&path).map_err(|e| diagnostics(&e.diagnostics()))
    }

    fn gen_files(wit: Vec<File>, world_name: Option<String>) -> Result<Vec<File>, Vec<Diagnostic>> {
        let mem = source::Memory::new(wit.into_iter().map(|f| (f.path, f.contents)));
        let (resolve, world) = wit::load(&mem, "", world_name.as_deref()).map_err(|d| diagnostics(&[d]))?;
        let files = r#gen::generate(resolve, world).map_err(|e| diagnostics(&e.diagnostics()))?;
        Ok(files.into_iter().map(|(path, contents)| File { path, contents }).collect())
    }
}

fn inputs(socket: exports::compose::Component, plugs: Vec<exports::compose::Component>) -> Vec<compose::Input> {
    std::iter::once(socket).chain(plugs).map(|c| compose::Input { name: c.name, bytes: c.bytes }).collect()
}

impl exports::compose::Guest for Toolchain {
    fn compose(
        socket: exports::compose::Component,
        plugs: Vec<exports::compose::Component>,
        options: exports::compose::Options,
    ) -> Result<exports::compose::Composition, Vec<Diagnostic>> {
        let inputs = inputs(socket, plugs);
        let message = options.stub_message.as_deref();
        let (bytes, wiring) =
            compose::compose_full(&inputs[0], &inputs[1..], &options.stubs, message, &Default::default())
                .map_err(|e| diagnostics(e.diagnostics()))?;
        Ok(exports::compose::Composition { bytes, notes: diagnostics(&compose::notes(&wiring)) })
    }

    fn plan(
        socket: exports::compose::Component,
        plugs: Vec<exports::compose::Component>,
        options: exports::compose::Options,
    ) -> Result<exports::compose::Wiring, Vec<Diagnostic>> {
        let inputs = inputs(socket, plugs);
        let wiring =
            compose::plan(&inputs[0], &inputs[1..], &options.stubs).map_err(|e| diagnostics(e.diagnostics()))?;
        let json = serde_json::to_string_pretty(&wiring)
            .map_err(|e| diagnostics(&[Diag::new(None, e.to_string()).code("plan::json")]))?;
        Ok(exports::compose::Wiring { json, notes: diagnostics(&compose::notes(&wiring)) })
    }
}
