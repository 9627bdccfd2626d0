//! Pre-initialization: `python.wasm` + `python.stdlib` → `python.snapshot.wasm`, with
//! `wasmtime-wizer` (the release of the pinned wasmtime).
//!
//! The interpreter is instantiated once with a WASI the host controls — no arguments, only
//! the `PYFORGE_*` variables that configure the init, the forge's build directory read-only at
//! `/pyforge-init` (for the archive) and nothing else, fixed clocks and fixed random bytes, so
//! two builds of the same inputs are byte-identical — and its `wizer-initialize` runs: it reads
//! the archive into memory, initializes Python over it, imports the warm modules and resets
//! every copy of this WASI state (`runtime/pyforge_python.c`). Wizer then writes memory and
//! globals into the component's data segments. Imports other than WASI (the caps'
//! interfaces) trap if called during init: the caps are composed after the snapshot (wizer
//! cannot snapshot a composed component).
//!
//! The output is kept while `python.wasm`, the archive and `python.init.json` are unchanged
//! (their sizes and times, recorded with the output's in `.snapshot.key`).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use pyforge_layout::{BuildDir, Fingerprint, InitSpec, write_atomic};
use wasmtime::component::{Component, Instance, Linker, WasmList};
use wasmtime::{Config, Engine, Store};
use wasmtime_wasi::{HostMonotonicClock, HostWallClock, WasiCtx};
use wasmtime_wizer::{ComponentInstanceState, Wizer};

use crate::python::State;

/// Part of the key: a change here makes every snapshot again.
const RECIPE: &str = "pyforge-snapshot-1 wasmtime-wizer-48.0.8";

/// What [`snapshot`] did.
#[derive(Debug)]
pub struct Snapshot {
    pub output: PathBuf,
    pub size: u64,
    pub rebuilt: bool,
    pub seconds: f64,
}

/// The init run's wall clock: always the same instant (2000-01-01).
struct FixedWallClock;

impl HostWallClock for FixedWallClock {
    fn resolution(&self) -> Duration {
        Duration::from_nanos(1)
    }
    fn now(&self) -> Duration {
        Duration::from_secs(946_684_800)
    }
}

/// The init run's monotonic clock: a microsecond further at every reading.
struct CountingClock(std::sync::atomic::AtomicU64);

impl HostMonotonicClock for CountingClock {
    fn resolution(&self) -> u64 {
        1
    }
    fn now(&self) -> u64 {
        self.0.fetch_add(1_000, std::sync::atomic::Ordering::Relaxed)
    }
}

/// Pre-initializes the forge built in `dir`, when it is self-contained (has
/// `python.init.json`); removes a stale snapshot otherwise. `None` for the mounted shape.
pub fn snapshot(dir: &BuildDir) -> anyhow::Result<Option<Snapshot>> {
    let init_path = PathBuf::from(dir.file(BuildDir::INIT));
    let output = PathBuf::from(dir.file(BuildDir::SNAPSHOT));
    let key_path = PathBuf::from(dir.file(BuildDir::SNAPSHOT_KEY));
    if !init_path.is_file() {
        let _ = std::fs::remove_file(&output);
        let _ = std::fs::remove_file(&key_path);
        return Ok(None);
    }
    let spec = InitSpec::from_json(
        &std::fs::read(&init_path).with_context(|| format!("failed to read `{}`", init_path.display()))?,
    )
    .with_context(|| format!("`{}` is not a pyforge init file", init_path.display()))?;
    let input = PathBuf::from(dir.file(BuildDir::PYTHON_WASM));
    let archive = PathBuf::from(dir.file(&spec.archive));
    let mut fingerprint = Fingerprint::new(RECIPE);
    fingerprint.file(&input).file(&archive).file(&init_path);
    if fingerprint.is_recorded(&key_path, &[&output]) {
        let size = std::fs::metadata(&output).map(|m| m.len()).unwrap_or(0);
        return Ok(Some(Snapshot { output, size, rebuilt: false, seconds: 0.0 }));
    }
    let t = Instant::now();
    let wasm = std::fs::read(&input).with_context(|| format!("failed to read `{}`", input.display()))?;
    let archive = std::fs::read(&archive).with_context(|| format!("failed to read `{}`", archive.display()))?;
    let bytes =
        wizen(&wasm, archive, &spec).with_context(|| format!("failed to pre-initialize `{}`", input.display()))?;
    write_atomic(&output, &bytes).with_context(|| format!("failed to write `{}`", output.display()))?;
    fingerprint.record(&key_path, &[&output]).with_context(|| format!("failed to write `{}`", key_path.display()))?;
    Ok(Some(Snapshot { output, size: bytes.len() as u64, rebuilt: true, seconds: t.elapsed().as_secs_f64() }))
}

/// Instruments `wasm`, runs its `wizer-initialize` and returns the snapshot.
fn wizen(wasm: &[u8], archive: Vec<u8>, spec: &InitSpec) -> anyhow::Result<Vec<u8>> {
    let mut wizer = Wizer::new();
    wizer.init_func("wizer-initialize");
    // With the default (drop the init export), wizer 48 leaves the component's alias to the
    // removed core export and the output does not validate (upstream FIXME, wasmtime #13186).
    // pyforge's init does nothing when called again.
    wizer.keep_init_func(true);
    let (cx, instrumented) = wizer.instrument_component(wasm).map_err(anyhow::Error::from)?;

    let mut config = Config::new();
    // One run of the init: compile fast rather than well.
    config.cranelift_opt_level(wasmtime::OptLevel::None);
    config.max_wasm_stack(16 << 20);
    config.async_stack_size(17 << 20);
    let engine = Engine::new(&config).map_err(anyhow::Error::from)?;
    let key = {
        use sha2::{Digest as _, Sha256};
        pyforge_layout::hex(&Sha256::digest(&instrumented)[..10])
    };
    let component = crate::precompile::load(
        &engine,
        crate::precompile::INSTRUMENTED,
        &key,
        &instrumented,
        "the instrumented interpreter",
    )?;
    let mut linker: Linker<State> = Linker::new(&engine);
    wasmtime_wasi::p2::add_to_linker_sync(&mut linker)?;
    trap_caps(&mut linker, &engine, &component)?;

    // Stdio is a pipe, not the host's terminal: what Python records about its streams (their
    // `stat`) must not depend on the machine. Its output is shown when the init fails.
    let stderr = wasmtime_wasi::p2::pipe::MemoryOutputPipe::new(1 << 20);
    let size = archive.len();
    let mut wasi = WasiCtx::builder();
    if let Some(app) = &spec.app {
        wasi.env("PYFORGE_APP", &app.module)
            .env("PYFORGE_APP_EXPORTS", app.exports.join(","))
            .env("PYFORGE_APP_PATH", app.roots.join(":"));
        if app.stub_wasi {
            wasi.env("PYFORGE_STUB_WASI", "1");
        }
    }
    wasi.allow_blocking_current_thread(true)
        .stdin(wasmtime_wasi::p2::pipe::MemoryInputPipe::new(archive))
        .stdout(stderr.clone())
        .stderr(stderr.clone())
        .env("PYFORGE_ARCHIVE_SIZE", size.to_string())
        .env("PYFORGE_HOME", &spec.home)
        .env("PYFORGE_HASH_SEED", spec.hash_seed.to_string())
        .env("PYFORGE_WARM", spec.warm.join(","))
        .secure_random(wasmtime_wasi::Deterministic::new(vec![0x5a, 0x17, 0xc3, 0x88]))
        .insecure_random(wasmtime_wasi::Deterministic::new(vec![0x3c, 0x91, 0x07, 0xe4]))
        .insecure_random_seed(0x0070_7966_6f72_6765)
        .wall_clock(FixedWallClock)
        .monotonic_clock(CountingClock(std::sync::atomic::AtomicU64::new(0)));
    let mut store = Store::new(&engine, State::new(wasi.build()));
    let instance = linker.instantiate(&mut store, &component).map_err(anyhow::Error::from)?;
    let init = instance
        .get_typed_func::<(), ()>(&mut store, "wizer-initialize")
        .map_err(anyhow::Error::from)
        .context("the interpreter exports no `wizer-initialize` (was it linked by this pyforge?)")?;
    if let Err(e) = init.call(&mut store, ()) {
        let said = String::from_utf8_lossy(&stderr.contents()).trim_end().to_string();
        // What Python said is the error; the trap under it (an abort) says nothing more.
        if said.is_empty() {
            // The root cause is the trap's reason (e.g. a cap called during init); the wasm
            // backtrace above it is noise here.
            let e = anyhow::Error::from(e);
            anyhow::bail!("the interpreter's init failed: {}", e.root_cause());
        }
        anyhow::bail!("the interpreter's init failed:\n{said}");
    }
    let mut state = Instantiated { store: &mut store, instance };
    block_on(wizer.snapshot_component(&cx, &mut state)).map_err(anyhow::Error::from)
}

/// The caps' interfaces (every import but WASI's): composed after the snapshot, so calling one
/// during init traps, naming it.
///
/// Not `Linker::define_unknown_imports_as_traps`: in wasmtime 48 it looks names up exactly, so
/// it also replaces WASI 0.2.6 imports that `add_to_linker_sync` satisfies by semver with traps.
fn trap_caps(linker: &mut Linker<State>, engine: &Engine, component: &Component) -> anyhow::Result<()> {
    use wasmtime::component::ResourceType;
    use wasmtime::component::types::ComponentItem;
    // Resources already imported: an interface `use`-ing one (`wasi:http/types`' `io-error`)
    // re-exports it, and that needs no definition of its own.
    let mut seen: Vec<ResourceType> = Vec::new();
    for (name, item) in component.component_type().imports(engine) {
        if let ComponentItem::ComponentFunc(_) = item.ty {
            // A world-level function import of an app (`pyforge componentize`).
            let what = name.to_string();
            linker.root().func_new(name, move |_, _, _, _| {
                Err(wasmtime::format_err!(
                    "`{what}` was called while pre-initializing: the host provides it only at run time — call it from the app's functions, not when the app is imported"
                ))
            })?;
            continue;
        }
        let ComponentItem::ComponentInstance(instance) = item.ty else { continue };
        let resources: Vec<(String, ResourceType)> = instance
            .exports(engine)
            .filter_map(|(export, item)| match item.ty {
                ComponentItem::Resource(r) => Some((export.to_string(), r)),
                _ => None,
            })
            .collect();
        let fresh: Vec<String> =
            resources.iter().filter(|(_, r)| !seen.contains(r)).map(|(export, _)| export.clone()).collect();
        seen.extend(resources.into_iter().map(|(_, r)| r));
        // What the WASI linker gives the interpreter; any other WASI (an app's `wasi:http`) is the
        // run-time host's.
        const PROVIDED: [&str; 6] =
            ["wasi:cli/", "wasi:clocks/", "wasi:filesystem/", "wasi:io/", "wasi:random/", "wasi:sockets/"];
        if PROVIDED.iter().any(|p| name.starts_with(p)) {
            continue;
        }
        let host_only = name.starts_with("wasi:");
        let mut li = linker.instance(name)?;
        for (export, item) in instance.exports(engine) {
            match item.ty {
                ComponentItem::ComponentFunc(_) => {
                    let what = format!("{name}#{export}");
                    li.func_new(export, move |_, _, _, _| {
                        if host_only {
                            return Err(wasmtime::format_err!(
                                "`{what}` was called while pre-initializing: the host provides it only at run time — call it from the app's functions, not when the app is imported"
                            ));
                        }
                        Err(wasmtime::format_err!(
                            "`{what}` was called while pre-initializing, by a warm module or the app being imported: caps are composed after the snapshot, so nothing can call one before it — import the module that uses the cap (e.g. `sqlite3`) inside the function that needs it, or leave it out of `warm`"
                        ))
                    })?;
                }
                ComponentItem::Resource(_) if fresh.iter().any(|f| f == export) => {
                    li.resource(export, ResourceType::host::<u32>(), |_, _| Ok(()))?
                }
                _ => {}
            }
        }
    }
    Ok(())
}

/// The instance wizer reads memories and globals from (through the accessors its
/// instrumentation exported).
struct Instantiated<'a> {
    store: &'a mut Store<State>,
    instance: Instance,
}

impl Instantiated<'_> {
    fn call<R: wasmtime::component::Lift + 'static, T>(
        &mut self,
        instance: &str,
        func: &str,
        use_ret: impl FnOnce(&mut Store<State>, R) -> T,
    ) -> T {
        let (_, exported) =
            self.instance.get_export(&mut *self.store, None, instance).expect("wizer's accessor instance");
        let (_, f) =
            self.instance.get_export(&mut *self.store, Some(&exported), func).expect("wizer's accessor function");
        let f = self.instance.get_typed_func::<(), (R,)>(&mut *self.store, f).expect("wizer's accessor type");
        let (ret,) = f.call(&mut *self.store, ()).expect("wizer's accessor call");
        use_ret(&mut *self.store, ret)
    }
}

impl ComponentInstanceState for Instantiated<'_> {
    async fn call_func_ret_list_u8(&mut self, instance: &str, func: &str, contents: impl FnOnce(&[u8]) + Send) {
        self.call(instance, func, |store, list: WasmList<u8>| contents(list.as_le_slice(&*store)))
    }

    async fn call_func_ret_s32(&mut self, instance: &str, func: &str) -> i32 {
        self.call(instance, func, |_, r| r)
    }

    async fn call_func_ret_s64(&mut self, instance: &str, func: &str) -> i64 {
        self.call(instance, func, |_, r| r)
    }

    async fn call_func_ret_f32(&mut self, instance: &str, func: &str) -> u32 {
        self.call(instance, func, |_, r: f32| r.to_bits())
    }

    async fn call_func_ret_f64(&mut self, instance: &str, func: &str) -> u64 {
        self.call(instance, func, |_, r: f64| r.to_bits())
    }
}

/// Runs a future that never waits (wizer's snapshot over synchronous calls).
fn block_on<F: Future>(fut: F) -> F::Output {
    let mut fut = std::pin::pin!(fut);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    loop {
        if let std::task::Poll::Ready(out) = fut.as_mut().poll(&mut cx) {
            return out;
        }
    }
}
