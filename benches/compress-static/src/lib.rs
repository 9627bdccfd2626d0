//! libbzip2-rs's libbzip2 C API (`BZ2_bz*`) and liblzma (`lzma_*`, the C library `liblzma-sys`
//! compiles) as one static library, so `benches/compress.sh` can link CPython's own
//! `Modules/_bz2module.c` and `Modules/_lzmamodule.c` into a wasm interpreter against the same
//! implementations the bz2 and lzma caps wrap: the difference between the two is then the
//! component boundary alone.

pub use libbz2_rs_sys::*;
pub use liblzma_sys::*;

#[path = "../../cabi_realloc.rs"]
mod cabi_realloc;
