//! The canonical ABI's allocator for the "static" reference interpreters of the benchmarks
//! (`benches/zlib-static`, `benches/compress-static`, each including this file).
//!
//! Rust's standard library for wasm32-wasip2 carries a component type whose lists need the
//! canonical ABI's allocator; CPython's link has none of its own, so the static library provides
//! it (exported with `-Wl,--export=cabi_realloc` by the bench scripts).

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
