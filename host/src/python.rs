//! Running a built (or composed) Python component for the user, with the embedded wasmtime.
//!
//! The guest sees:
//! * the current directory as its root (`/`, like `wasmtime run --dir .`), read-write;
//! * the kit's stdlib, read-only, at `/usr/local/lib/python3.13` (CPython's configured prefix,
//!   so no `PYTHONHOME` is needed);
//! * the forge's `Lib/` overlays, read-only, at `/usr/local/lib/pyforge`, first on
//!   `PYTHONPATH` so they win over the stdlib;
//! * with `--with-tests`, CPython's `Lib/test` at `/usr/local/lib/pyforge-tests/test`, the
//!   parent directory on `PYTHONPATH` (a preopen nested inside the stdlib's would not show up in
//!   the directory listing Python's import system caches), and for a self-contained Python the
//!   kit's stdlib files too (imports still come from its archive; the tests read files by path);
//! * a fresh temporary directory at `/tmp` (`TMPDIR`), removed afterwards;
//! * `PYTHONHOME=/usr/local`.
//!
//! Compiled code is cached in `$PYFORGE_CACHE/precompiled/`, keyed by the component's hash
//! and the engine's settings, so the second run of the same component starts fast.
//!
//! [`Limits`] bound what an untrusted program may take: the linear memory of all the
//! component's instances together (Python's and every cap's), and the wall time (wasmtime's
//! epoch interruption, compiled in only when a time limit is set).

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use sha2::{Digest as _, Sha256};
use wasmtime::component::{Component, Linker, ResourceTable};
use wasmtime::{Config, Engine, ResourceLimiter, Store, Trap};
use wasmtime_wasi::p2::bindings::sync::Command;
use wasmtime_wasi::{FsPerms, I32Exit, WasiCtx, WasiCtxView, WasiView};

use crate::kit::Kit;

/// Where the forge's stdlib overlays are mounted in the guest.
pub const OVERLAY_GUEST: &str = "/usr/local/lib/pyforge";
/// Where `--with-tests` mounts the directory holding CPython's `test` package.
pub const TESTS_GUEST: &str = "/usr/local/lib/pyforge-tests";

/// What to run.
#[derive(Debug)]
pub struct Run<'a> {
    pub component: &'a Path,
    pub kit: &'a Kit,
    /// The forge's `lib/` overlay directory, when there is one.
    pub overlay: Option<PathBuf>,
    /// Mount the kit's stdlib and the overlays (the component does not carry them).
    pub mount_stdlib: bool,
    pub with_tests: bool,
    /// Arguments after `python`.
    pub args: &'a [String],
    pub limits: Limits,
}

/// Exit status when the time limit ends a run (`timeout(1)`'s).
pub const TIME_LIMIT_STATUS: i32 = 124;
/// Exit status when the memory limit ended a run with a trap (Python could not turn the refused
/// allocation into a `MemoryError`, or a cap ran out).
pub const MEMORY_LIMIT_STATUS: i32 = 125;

/// What a run may take from its host; `None` is no limit.
#[derive(Debug, Clone, Copy, Default)]
pub struct Limits {
    /// Bytes of linear memory, all instances together (memories only grow, so this bounds the
    /// sum of their sizes).
    pub max_memory: Option<u64>,
    /// Wall time.
    pub timeout: Option<std::time::Duration>,
}

/// The store's memory accounting: refuses a `memory.grow` that would take the total past the
/// limit (the guest sees -1, so `malloc` returns NULL and Python raises `MemoryError`).
#[derive(Debug, Default)]
pub struct MemoryLimit {
    limit: Option<u64>,
    used: u64,
    /// A growth was refused (so a trap after it is the limit's doing).
    refused: bool,
}

impl ResourceLimiter for MemoryLimit {
    fn memory_growing(&mut self, current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        let grow = desired.saturating_sub(current) as u64;
        match self.limit {
            Some(limit) if self.used.saturating_add(grow) > limit => {
                self.refused = true;
                Ok(false)
            }
            _ => {
                self.used += grow;
                Ok(true)
            }
        }
    }

    fn table_growing(&mut self, _current: usize, _desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        Ok(true)
    }
}

/// A store's data for a Python component: WASI and its resources (also the snapshot's).
pub struct State {
    pub wasi: WasiCtx,
    pub table: ResourceTable,
    pub memory: MemoryLimit,
}

impl State {
    /// WASI as built, its resource table, and no memory limit.
    pub fn new(wasi: WasiCtx) -> State {
        State { wasi, table: ResourceTable::new(), memory: MemoryLimit::default() }
    }
}

impl WasiView for State {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
}

/// Runs the component's `wasi:cli/run`; returns its exit status.
pub fn run(r: &Run) -> anyhow::Result<i32> {
    let mut config = Config::new();
    // CPython's recursion tests need more than the default 512 KiB of native stack (CPython's
    // own WASI runner uses 16 MiB); wasmtime wants the async stack to be at least as large.
    config.max_wasm_stack(16 << 20);
    config.async_stack_size(17 << 20);
    // Epoch checks cost a little in every loop, so they are compiled in only when needed (the
    // compiled-code cache keys on the setting).
    config.epoch_interruption(r.limits.timeout.is_some());
    let engine = Engine::new(&config).map_err(anyhow::Error::from).context("failed to create the wasmtime engine")?;
    let component = load(&engine, r.component)?;
    let mut linker: Linker<State> = Linker::new(&engine);
    wasmtime_wasi::p2::add_to_linker_sync(&mut linker)?;

    let info = &r.kit.info;
    let stdlib_guest = format!("{}/lib/python{}", info.prefix, info.python_short);
    let tmp =
        tempfile::Builder::new().prefix("pyforge-run-").tempdir().context("failed to create a temporary directory")?;
    let mut wasi = WasiCtx::builder();
    // File I/O on the calling thread, as the wasmtime CLI does (not through a blocking pool).
    wasi.allow_blocking_current_thread(true);
    wasi.inherit_stdio().arg("python").args(r.args);
    let mut preopen = |host: &Path, guest: &str, perms: FsPerms| -> anyhow::Result<()> {
        wasi.preopened_dir(host, guest, perms)
            .map_err(anyhow::Error::from)
            .with_context(|| format!("failed to preopen `{}`", host.display()))?;
        Ok(())
    };
    preopen(Path::new("."), ".", FsPerms::ReadWrite)?;
    let mut python_path = Vec::new();
    if r.mount_stdlib {
        preopen(&r.kit.path(&info.stdlib), &stdlib_guest, FsPerms::ReadOnly)?;
        if let Some(overlay) = &r.overlay {
            preopen(overlay, OVERLAY_GUEST, FsPerms::ReadOnly)?;
            python_path.push(OVERLAY_GUEST);
        }
    }
    if r.with_tests {
        let tests = r.kit.path(&info.tests);
        preopen(tests.parent().unwrap_or(&tests), TESTS_GUEST, FsPerms::ReadOnly)?;
        python_path.push(TESTS_GUEST);
        if !r.mount_stdlib {
            // A self-contained Python imports its stdlib from its archive, and keeps doing so
            // (the archive's path hook serves the stdlib directory first). But CPython's tests
            // also read stdlib files by path, as any installed CPython has them (`linecache`
            // and `inspect.getsource` on stdlib objects, `sys._stdlib_dir`, `os.__file__`):
            // the same files, read-only, where the archive says they are.
            preopen(&r.kit.path(&info.stdlib), &stdlib_guest, FsPerms::ReadOnly)?;
        }
    }
    preopen(tmp.path(), "/tmp", FsPerms::ReadWrite)?;
    if !python_path.is_empty() {
        wasi.env("PYTHONPATH", python_path.join(":"));
    }
    wasi.env("TMPDIR", "/tmp");
    if r.mount_stdlib {
        // The kit has no `lib-dynload` (every module is built in), so tell getpath where home
        // is instead of letting it warn that it could not find the exec prefix.
        wasi.env("PYTHONHOME", &info.prefix);
    }

    let mut state = State::new(wasi.build());
    state.memory.limit = r.limits.max_memory;
    let mut store = Store::new(&engine, state);
    store.limiter(|s| &mut s.memory);
    if let Some(timeout) = r.limits.timeout {
        store.set_epoch_deadline(1);
        store.epoch_deadline_trap();
        let engine = engine.clone();
        std::thread::spawn(move || {
            std::thread::sleep(timeout);
            engine.increment_epoch();
        });
    }
    let instance = linker.instantiate(&mut store, &component).map_err(anyhow::Error::from).with_context(|| {
        if store.data().memory.refused {
            return format!(
                "`{}` needs more memory than `--max-memory` allows just to start ({})",
                r.component.display(),
                human_bytes(r.limits.max_memory.unwrap_or(0))
            );
        }
        format!(
            "failed to instantiate `{}` (a Python with cap imports must be composed with its caps first: `pyforge compose`)",
            r.component.display()
        )
    })?;
    let command = Command::new(&mut store, &instance)?;
    let result = command.wasi_cli_run().call_run(&mut store);
    match result {
        Ok(Ok(())) => Ok(0),
        Ok(Err(())) => Ok(1),
        Err(e) => {
            if let Some(exit) = e.downcast_ref::<I32Exit>() {
                return Ok(exit.0);
            }
            if e.downcast_ref::<Trap>() == Some(&Trap::Interrupt) {
                let secs = r.limits.timeout.unwrap_or_default().as_secs_f64();
                eprintln!("pyforge: time limit reached: stopped Python after {secs} s (`--timeout`)");
                return Ok(TIME_LIMIT_STATUS);
            }
            if store.data().memory.refused {
                eprintln!(
                    "pyforge: memory limit reached: an allocation was refused at {} of linear memory \
                     (`--max-memory {}`) and the program could not go on ({})",
                    human_bytes(store.data().memory.used),
                    human_bytes(r.limits.max_memory.unwrap_or(0)),
                    e.root_cause()
                );
                return Ok(MEMORY_LIMIT_STATUS);
            }
            Err(anyhow::Error::from(e)).with_context(|| format!("`{}` trapped", r.component.display()))
        }
    }
}

/// `256 MiB`-style.
fn human_bytes(n: u64) -> String {
    match n {
        n if n >= 1 << 30 && n % (1 << 30) == 0 => format!("{} GiB", n >> 30),
        n if n >= 1 << 20 && n % (1 << 20) == 0 => format!("{} MiB", n >> 20),
        n if n >= 1 << 20 => format!("{:.1} MiB", n as f64 / f64::from(1 << 20)),
        n => format!("{n} bytes"),
    }
}

/// The compiled component, from the cache when it was compiled before. The cache key is the
/// file's path, size and modification time (reading and hashing a 17 MB component would cost
/// more than starting it); a component rewritten in place gets a new time, so a new key.
fn load(engine: &Engine, path: &Path) -> anyhow::Result<Component> {
    let meta = std::fs::metadata(path).with_context(|| format!("failed to read `{}`", path.display()))?;
    let modified = meta.modified().ok().and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok()).unwrap_or_default();
    let canonical = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    let mut h = Sha256::new();
    h.update(canonical.as_os_str().as_encoded_bytes());
    h.update(format!(" {} {}", meta.len(), modified.as_nanos()).as_bytes());
    let key = pyforge_layout::hex(&h.finalize()[..10]);
    crate::precompile::load_with(engine, crate::precompile::COMPONENT, &key, &format!("`{}`", path.display()), || {
        std::fs::read(path).with_context(|| format!("failed to read `{}`", path.display()))
    })
}
