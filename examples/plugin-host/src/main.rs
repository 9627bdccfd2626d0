//! An example of pyforge as a *library* inside another component host — a build service or
//! an editor plugin would look like this. It loads the toolchain component (`pyforge-tool.wasm`),
//! gives it no files at all (no preopens) and no C compiler, and calls its typed exports on
//! bytes: `check-files` on a project read by the host, then `plan` and `compose` on
//! components. Everything crosses the `pyforge:toolchain` WIT world; nothing else.
//!
//! ```text
//! pyforge-plugin-host [--max-memory BYTES] [--timeout SECS] TOOL.wasm PROJECT_DIR SOCKET.wasm [PLUG.wasm…] -o OUT.wasm
//! ```
//!
//! The inputs may come from anyone, so the tool runs bounded: `--max-memory` caps each of its
//! linear memories (a refused `memory.grow` is an allocation failure inside the tool, which
//! ends the call), `--timeout` its wall time (epoch interruption): either ends the run with a
//! message saying which limit, and status 1, never by taking the host down.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{Context as _, bail};
use wasmtime::component::{Component, HasSelf, Linker, ResourceTable};
use wasmtime::{Config, Engine, ResourceLimiter, Store, Trap};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

mod gen_ {
    wasmtime::component::bindgen!({
        path: "../../wit",
        world: "toolchain",
    });
}
use gen_::Toolchain;
use gen_::exports::pyforge::toolchain::compose::{Component as Part, Options};
use gen_::exports::pyforge::toolchain::types::File;
use gen_::pyforge::toolchain::clang::{Completed, Host as ClangHost};

/// This host's state: WASI without any preopened directory, and the memory limit.
struct State {
    wasi: WasiCtx,
    table: ResourceTable,
    memory: MemoryLimit,
}

/// Refuses growing any linear memory past `max` bytes, and records having refused.
struct MemoryLimit {
    max: Option<usize>,
    refused: Arc<AtomicBool>,
}

impl ResourceLimiter for MemoryLimit {
    fn memory_growing(&mut self, _current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        let allowed = self.max.is_none_or(|max| desired <= max);
        if !allowed {
            self.refused.store(true, Ordering::Relaxed);
        }
        Ok(allowed)
    }

    fn table_growing(&mut self, _current: usize, _desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        Ok(true)
    }
}

impl WasiView for State {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
}

/// The one import the toolchain has: this host has no compiler, and says so.
impl ClangHost for State {
    fn run(&mut self, _args: Vec<String>) -> Result<Completed, String> {
        Err("the plugin host has no C compiler".to_string())
    }
}

/// Every file under `dir`, as `(path relative to dir, bytes)`, sorted.
fn files(dir: &Path, base: &Path, out: &mut Vec<File>) -> anyhow::Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)?.map(|e| e.map(|e| e.path())).collect::<Result<_, _>>()?;
    entries.sort();
    for path in entries {
        if path.is_dir() {
            files(&path, base, out)?;
        } else {
            let rel = path.strip_prefix(base)?.to_string_lossy().replace('\\', "/");
            out.push(File { path: rel, contents: std::fs::read(&path)? });
        }
    }
    Ok(())
}

fn part(path: &str) -> anyhow::Result<Part> {
    Ok(Part { name: path.to_string(), bytes: std::fs::read(path).with_context(|| format!("failed to read `{path}`"))? })
}

const USAGE: &str = "usage: pyforge-plugin-host [--max-memory BYTES] [--timeout SECS] TOOL.wasm PROJECT_DIR SOCKET.wasm [PLUG.wasm…] -o OUT.wasm";

fn main() -> std::process::ExitCode {
    match host() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn host() -> anyhow::Result<()> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let (mut max_memory, mut timeout) = (None, None);
    while args.first().is_some_and(|a| a.starts_with("--")) {
        let flag = args.remove(0);
        let value = if args.is_empty() { bail!("`{flag}` needs a value\n{USAGE}") } else { args.remove(0) };
        match flag.as_str() {
            "--max-memory" => {
                max_memory = Some(value.parse::<usize>().with_context(|| format!("`--max-memory {value}`: bytes"))?)
            }
            "--timeout" => {
                timeout = Some(value.parse::<f64>().with_context(|| format!("`--timeout {value}`: seconds"))?)
            }
            _ => bail!("unknown option `{flag}`\n{USAGE}"),
        }
    }
    let refused = Arc::new(AtomicBool::new(false));
    match run(&args, MemoryLimit { max: max_memory, refused: refused.clone() }, timeout) {
        Err(e) if e.downcast_ref::<Trap>() == Some(&Trap::Interrupt) => {
            bail!("time limit reached: the tool ran for more than {} s (`--timeout`)", timeout.unwrap_or_default())
        }
        Err(e) if refused.load(Ordering::Relaxed) => bail!(
            "memory limit reached: the tool needed a linear memory larger than {} bytes (`--max-memory`): {}",
            max_memory.unwrap_or_default(),
            e.root_cause()
        ),
        other => other,
    }
}

fn run(args: &[String], memory: MemoryLimit, timeout: Option<f64>) -> anyhow::Result<()> {
    let Some(o) = args.iter().position(|a| a == "-o") else {
        bail!(USAGE);
    };
    let (inputs, output) = (&args[..o], args.get(o + 1).context("`-o` needs a path")?);
    let [tool, project, socket, plugs @ ..] = inputs else {
        bail!(USAGE);
    };

    let mut config = Config::new();
    config.epoch_interruption(timeout.is_some());
    let engine = Engine::new(&config)?;
    let component =
        Component::from_file(&engine, tool).map_err(anyhow::Error::from).context("failed to load the tool")?;
    let mut linker: Linker<State> = Linker::new(&engine);
    wasmtime_wasi::p2::add_to_linker_sync(&mut linker)?;
    Toolchain::add_to_linker::<State, HasSelf<State>>(&mut linker, |s| s)?;
    let state = State { wasi: WasiCtx::builder().inherit_stderr().build(), table: ResourceTable::new(), memory };
    let mut store = Store::new(&engine, state);
    store.limiter(|s| &mut s.memory);
    if let Some(secs) = timeout {
        let secs = std::time::Duration::try_from_secs_f64(secs).context("`--timeout`: a positive number of seconds")?;
        store.set_epoch_deadline(1);
        store.epoch_deadline_trap();
        let engine = engine.clone();
        std::thread::spawn(move || {
            std::thread::sleep(secs);
            engine.increment_epoch();
        });
    }
    let tool = Toolchain::instantiate(&mut store, &component, &linker)?;

    // check, on files passed by value
    let mut project_files = Vec::new();
    files(Path::new(project), Path::new(project), &mut project_files)?;
    let report = tool.pyforge_toolchain_check().call_check_files(&mut store, &project_files)?;
    for e in &report.extensions {
        println!("check: ok: {} ({}) imports {}", e.manifest, e.name, e.imports.join(", "));
    }
    for d in &report.diagnostics {
        print!("{}", d.rendered);
    }

    // plan and compose, on bytes
    let socket = part(socket)?;
    let plugs: Vec<Part> = plugs.iter().map(|p| part(p)).collect::<anyhow::Result<_>>()?;
    let options = Options { stubs: Vec::new(), stub_message: None };
    let compose = tool.pyforge_toolchain_compose();
    match compose.call_plan(&mut store, &socket, &plugs, &options)? {
        Ok(wiring) => println!("plan: {}", wiring.json),
        Err(diags) => diags.iter().for_each(|d| print!("{}", d.rendered)),
    }
    match compose.call_compose(&mut store, &socket, &plugs, &options)? {
        Ok(composed) => {
            composed.notes.iter().for_each(|d| print!("{}", d.rendered));
            let bytes = composed.bytes;
            std::fs::write(output, &bytes).with_context(|| format!("failed to write `{output}`"))?;
            println!("compose: wrote {output} ({} bytes)", bytes.len());
            Ok(())
        }
        Err(diags) => {
            diags.iter().for_each(|d| print!("{}", d.rendered));
            bail!("composition failed")
        }
    }
}
