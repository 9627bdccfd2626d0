//! The embedded tool component: precompiled once into a cache keyed by the tool's bytes and
//! wasmtime's engine settings, then deserialized (about a millisecond) on every later run.

use std::path::PathBuf;

use anyhow::Context as _;
use wasmtime::component::{Component, HasSelf, Linker, ResourceTable};
use wasmtime::{Config, Engine, Store};
use wasmtime_wasi::p2::bindings::sync::Command;
use wasmtime_wasi::{FsPerms, I32Exit, WasiCtx, WasiCtxView, WasiView};

use crate::clang::{Clang, CompilerArgs};

use crate::bindings::{Generated, generated_compose};

/// The tool component's bytes (built for wasm32-wasip2 by `scripts/build.sh`).
pub const TOOL_WASM: &[u8] = include_bytes!(env!("PYFORGE_TOOL_WASM"));
/// The first 16 hex digits of the tool's sha256, computed by `build.rs` (not at every start).
const TOOL_SHA256_PREFIX: &str = env!("PYFORGE_TOOL_SHA256_PREFIX");

/// What a command may do to the current directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    ReadOnly,
    ReadWrite,
}

/// A host directory the tool sees at `guest` (besides the current directory).
#[derive(Debug, Clone)]
pub struct Preopen {
    pub host: PathBuf,
    pub guest: String,
    pub access: Access,
}

fn perms(access: Access) -> FsPerms {
    match access {
        Access::ReadOnly => FsPerms::ReadOnly,
        Access::ReadWrite => FsPerms::ReadWrite,
    }
}

/// Per-instance state: WASI and the compiler.
pub struct State {
    wasi: WasiCtx,
    table: ResourceTable,
    pub clang: Clang,
}

impl WasiView for State {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
}

/// The loaded tool.
pub struct Tool {
    engine: Engine,
    component: Component,
    linker: Linker<State>,
    clang: Clang,
}

impl Tool {
    /// Loads the tool, precompiling it into the cache on first use.
    pub fn load(compiler: &CompilerArgs) -> anyhow::Result<Tool> {
        let engine =
            Engine::new(&Config::new()).map_err(anyhow::Error::from).context("failed to create the wasmtime engine")?;
        let component = load_component(&engine)?;
        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker)?;
        Generated::add_to_linker::<State, HasSelf<Clang>>(&mut linker, |s: &mut State| &mut s.clang)?;
        Ok(Tool { engine, component, linker, clang: Clang::configure(compiler) })
    }

    fn store(&self, wasi: WasiCtx) -> Store<State> {
        Store::new(&self.engine, State { wasi, table: ResourceTable::new(), clang: self.clang.clone() })
    }

    /// Runs the tool's command line (`wasi:cli/run`) with `args`, the current directory
    /// preopened as `.`, and stdio inherited; returns its exit status.
    pub fn run_cli(&self, args: &[String], access: Access) -> anyhow::Result<i32> {
        self.run_cli_with(args, access, &[])
    }

    /// [`Tool::run_cli`] with more directories preopened.
    pub fn run_cli_with(&self, args: &[String], access: Access, extra: &[Preopen]) -> anyhow::Result<i32> {
        let mut wasi = WasiCtx::builder();
        // File I/O on the calling thread, as the wasmtime CLI does (not through a blocking pool).
        wasi.allow_blocking_current_thread(true);
        wasi.inherit_stdio().arg("pyforge").args(args);
        wasi.preopened_dir(".", ".", perms(access))
            .map_err(anyhow::Error::from)
            .context("failed to preopen the current directory")?;
        for p in extra {
            wasi.preopened_dir(&p.host, &p.guest, perms(p.access))
                .map_err(anyhow::Error::from)
                .with_context(|| format!("failed to preopen `{}`", p.host.display()))?;
        }
        let mut store = self.store(wasi.build());
        let instance = self
            .linker
            .instantiate(&mut store, &self.component)
            .map_err(anyhow::Error::from)
            .context("failed to instantiate the tool component")?;
        let command = Command::new(&mut store, &instance)?;
        match command.wasi_cli_run().call_run(&mut store) {
            Ok(Ok(())) => Ok(0),
            Ok(Err(())) => Ok(1),
            Err(e) => match e.downcast_ref::<I32Exit>() {
                Some(exit) => Ok(exit.0),
                None => Err(anyhow::Error::from(e)).context("the tool component trapped"),
            },
        }
    }

    /// Calls the typed `compose` export on bytes; `Err` holds the rendered diagnostics. Notes
    /// go to stderr.
    pub fn compose_bytes(
        &self,
        socket_name: &str,
        socket: &[u8],
        plugs: &[(String, Vec<u8>)],
        stubs: &[String],
        stub_message: Option<&str>,
    ) -> anyhow::Result<Result<Vec<u8>, String>> {
        let mut store = self.store(WasiCtx::builder().inherit_stderr().build());
        let tool = Generated::instantiate(&mut store, &self.component, &self.linker)?;
        let socket = generated_compose::Component { name: socket_name.to_string(), bytes: socket.to_vec() };
        let plugs: Vec<_> =
            plugs.iter().map(|(n, b)| generated_compose::Component { name: n.clone(), bytes: b.clone() }).collect();
        let options =
            generated_compose::Options { stubs: stubs.to_vec(), stub_message: stub_message.map(str::to_string) };
        let result = tool.pyforge_toolchain_compose().call_compose(&mut store, &socket, &plugs, &options)?;
        Ok(result
            .map(|composed| {
                for note in &composed.notes {
                    eprint!("{}", note.rendered);
                }
                composed.bytes
            })
            .map_err(|diags| diags.iter().map(|d| format!("{}\n", d.rendered)).collect()))
    }
}

/// The precompiled tool from the cache, compiling and caching it when missing or unreadable.
fn load_component(engine: &Engine) -> anyhow::Result<Component> {
    crate::precompile::load(engine, crate::precompile::TOOL, TOOL_SHA256_PREFIX, TOOL_WASM, "the tool component")
}
