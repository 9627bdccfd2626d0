//! The caps' fuzz harness: a cap component (as `scripts/build.sh` builds it) instantiated in
//! wasmtime, a fresh instance per input, driven through its WIT exports — the code under test is
//! the vendor library and the cap's glue compiled to wasm, where they run for Python.
//!
//! Every call must answer a value or an error: a trap is a finding (the harness panics, so
//! libFuzzer keeps the input). Two ends are the harness's own limits, not findings: running out
//! of fuel (a query that would run too long) and a trap after the store refused memory growth
//! (the input asked for more than [`MAX_MEMORY`]); both end the input quietly.

use std::path::PathBuf;
use std::sync::OnceLock;

use wasmtime::component::{Component, Linker, ResourceTable};
use wasmtime::{Config, Engine, ResourceLimiter, Store, Trap};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

/// Linear memory an input may take, all of the instance's memories together.
pub const MAX_MEMORY: usize = 512 << 20;

/// Instructions (wasmtime fuel units) an input may run.
pub const FUEL: u64 = 2_000_000_000;

/// A built cap component: `$env` or `target/wasm32-wasip2/release/<file>`.
fn cap_path(env: &str, file: &str) -> PathBuf {
    std::env::var_os(env)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/wasm32-wasip2/release").join(file))
}

/// The store's data: WASI (the caps import it, for their allocator's randomness and clocks) and
/// the memory accounting.
#[expect(missing_debug_implementations, reason = "WasiCtx is not Debug")]
pub struct State {
    wasi: WasiCtx,
    table: ResourceTable,
    used: usize,
    /// The store refused a `memory.grow`: a trap after it is the input exhausting the limit.
    pub refused: bool,
}

impl WasiView for State {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
}

impl ResourceLimiter for State {
    fn memory_growing(&mut self, current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        let grow = desired.saturating_sub(current);
        if self.used.saturating_add(grow) > MAX_MEMORY {
            self.refused = true;
            return Ok(false);
        }
        self.used += grow;
        Ok(true)
    }

    fn table_growing(&mut self, _current: usize, _desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        Ok(true)
    }
}

/// A cap compiled once per process.
#[expect(missing_debug_implementations, reason = "wasmtime's Linker is not Debug")]
pub struct Cap {
    engine: Engine,
    component: Component,
    linker: Linker<State>,
}

impl Cap {
    /// Compiles the cap component named by `env` (default: the release build's `file`). Panics
    /// when it is missing: the fuzz targets need `scripts/build.sh` to have run.
    pub fn load(env: &str, file: &str) -> Cap {
        let path = cap_path(env, file);
        let mut config = Config::new();
        config.consume_fuel(true);
        let engine = Engine::new(&config).expect("a wasmtime engine");
        let bytes = std::fs::read(&path)
            .unwrap_or_else(|e| panic!("the cap component {} ({e}): run scripts/build.sh first", path.display()));
        let component =
            Component::new(&engine, &bytes).unwrap_or_else(|e| panic!("compiling {}: {e:?}", path.display()));
        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker).expect("WASI in the linker");
        Cap { engine, component, linker }
    }

    /// A fresh store with the input's fuel and memory limit.
    pub fn store(&self) -> Store<State> {
        let state = State { wasi: WasiCtx::builder().build(), table: ResourceTable::new(), used: 0, refused: false };
        let mut store = Store::new(&self.engine, state);
        store.limiter(|s| s);
        store.set_fuel(FUEL).expect("fuel is enabled");
        store
    }

    pub fn component(&self) -> &Component {
        &self.component
    }

    pub fn linker(&self) -> &Linker<State> {
        &self.linker
    }
}

/// Ends an input: `Err(Stop)` from [`check`] when the harness's own limits ended it.
#[derive(Debug)]
pub struct Stop;

/// Makes a call; its outcome: the value, or [`Stop`] when the instance ran out of fuel or
/// trapped after memory growth was refused. Any other trap panics with the call's name (a
/// finding).
pub fn check<T>(
    store: &mut Store<State>,
    what: &str,
    call: impl FnOnce(&mut Store<State>) -> wasmtime::Result<T>,
) -> Result<T, Stop> {
    match call(store) {
        Ok(value) => Ok(value),
        Err(e) => {
            if e.downcast_ref::<Trap>() == Some(&Trap::OutOfFuel) || store.data().refused {
                return Err(Stop);
            }
            panic!("`{what}` trapped in the cap: {e:?}");
        }
    }
}

/// The zlib cap (`caps/zlib`), compiled once.
pub fn zlib() -> &'static Cap {
    static CAP: OnceLock<Cap> = OnceLock::new();
    CAP.get_or_init(|| Cap::load("PYFORGE_ZLIB_CAP_WASM", "pyforge_zlib_cap.wasm"))
}

/// The sqlite cap (`caps/sqlite`), compiled once.
pub fn sqlite() -> &'static Cap {
    static CAP: OnceLock<Cap> = OnceLock::new();
    CAP.get_or_init(|| Cap::load("PYFORGE_SQLITE_CAP_WASM", "pyforge_sqlite_cap.wasm"))
}

/// Host bindings of the zlib cap's world.
pub mod zlib_world {
    wasmtime::component::bindgen!({
        inline: "package pyforge:zlib-cap; world cap { export pyforge:zlib/deflate@0.1.0; }",
        path: "../caps/zlib/wit",
    });
}

/// Host bindings of the sqlite cap's world.
pub mod sqlite_world {
    wasmtime::component::bindgen!({
        inline: "package pyforge:sqlite-cap; world cap { export pyforge:sqlite/sqlite@0.4.0; }",
        path: "../caps/sqlite/wit",
    });
}
