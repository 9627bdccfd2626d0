//! The `pyforge:toolchain` world as wasmtime sees it, generated from the one `wit/` at the
//! root (the tool component's `generate!` reads the same directory).

mod gen_ {
    wasmtime::component::bindgen!({
        path: "../wit",
        world: "toolchain",
    });
}

pub use gen_::Toolchain as Generated;
pub use gen_::exports::pyforge::toolchain::compose as generated_compose;
pub use gen_::pyforge::toolchain::clang as generated_clang;
