//! libbzip2-rs's libbzip2 C API (`BZ2_bz*`) and liblzma (`lzma_*`, the C library `liblzma-sys`
//! compiles) as one static library, so `benches/compress.sh` can link CPython's own
//! `Modules/_bz2module.c` and `Modules/_lzmamodule.c` into a wasm interpreter against the same
//! implementations the bz2 and lzma caps wrap: the difference between the two is then the
//! component boundary alone.

pub use libbz2_rs_sys::*;
pub use liblzma_sys::*;

/// Rust's standard library for wasm32-wasip2 carries a component type whose lists need the
/// canonical ABI's allocator; CPython's link has none of its own, so this library provides it
/// (exported with `-Wl,--export=cabi_realloc` by `benches/compress.sh`).
///
/// # Safety
/// Called by the component runtime with the canonical ABI's `realloc` contract.
#[expect(unsafe_code, reason = "the canonical ABI's allocator entry point")]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cabi_realloc(old: *mut u8, old_len: usize, align: usize, new_len: usize) -> *mut u8 {
    use std::alloc::{Layout, alloc, realloc};
    if new_len == 0 {
        return align as *mut u8;
    }
    // SAFETY: the runtime passes a valid power-of-two alignment and the previous size.
    unsafe {
        let layout = Layout::from_size_align_unchecked(new_len, align);
        let p = if old_len == 0 {
            alloc(layout)
        } else {
            realloc(old, Layout::from_size_align_unchecked(old_len, align), new_len)
        };
        if p.is_null() {
            std::process::abort();
        }
        p
    }
}
