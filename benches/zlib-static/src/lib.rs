//! zlib-rs's zlib C API (`deflate`, `inflate`, `crc32`, … under their C names) as a static
//! library, so `benches/zlib.sh` can link CPython's own `Modules/zlibmodule.c` into a wasm
//! interpreter against the same zlib implementation the zlib cap wraps: the difference between
//! the two is then the component boundary alone.

pub use libz_rs_sys::*;

#[path = "../../cabi_realloc.rs"]
mod cabi_realloc;
