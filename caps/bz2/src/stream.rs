//! `bz_stream`s behind a `RefCell` (WIT resources are used through `&self`), one library call
//! per step.
#![expect(unsafe_code, reason = "libbzip2's C API")]

use std::cell::RefCell;
use std::ffi::{CStr, c_char, c_int};

use libbz2_rs_sys::{
    BZ_OK, BZ2_bzCompress, BZ2_bzCompressEnd, BZ2_bzCompressInit, BZ2_bzDecompress, BZ2_bzDecompressEnd,
    BZ2_bzDecompressInit, BZ2_bzlibVersion, bz_stream,
};

/// A zeroed `bz_stream` (no custom allocator) at a fixed address.
fn new_stream() -> Box<bz_stream> {
    // SAFETY: `bz_stream` is a C struct of integers, pointers and nullable function pointers,
    // for which all-zero is its documented initial state (`bzalloc`/`bzfree`/`opaque` NULL).
    Box::new(unsafe { std::mem::zeroed() })
}

/// Runs one library step `f` over `input` with room for `max_output` bytes: (code, consumed,
/// output). The stream's buffer pointers are cleared afterwards, so none outlives the call.
fn step(
    strm: &mut bz_stream,
    input: &[u8],
    max_output: u32,
    f: impl FnOnce(*mut bz_stream) -> c_int,
) -> (i32, u32, Vec<u8>) {
    let mut out = Vec::<u8>::with_capacity(max_output as usize);
    let avail_in = u32::try_from(input.len()).unwrap_or(u32::MAX);
    strm.next_in = input.as_ptr().cast::<c_char>().cast_mut();
    strm.avail_in = avail_in;
    strm.next_out = out.as_mut_ptr().cast::<c_char>();
    strm.avail_out = max_output;
    let code = f(strm);
    let consumed = avail_in - strm.avail_in;
    let produced = max_output - strm.avail_out;
    // SAFETY: the library wrote `produced` bytes at the start of `out`'s spare capacity.
    unsafe { out.set_len(produced as usize) };
    strm.next_in = std::ptr::null_mut();
    strm.next_out = std::ptr::null_mut();
    strm.avail_in = 0;
    strm.avail_out = 0;
    (code, consumed, out)
}

/// A compression stream (`BZ2_bzCompressInit` … `BZ2_bzCompressEnd`).
pub struct Compressor(RefCell<Box<bz_stream>>);

impl Compressor {
    pub fn new(block_size_100k: i32, verbosity: i32, work_factor: i32) -> Result<Self, i32> {
        let mut strm = new_stream();
        // SAFETY: a zeroed stream at a stable address.
        let code = unsafe { BZ2_bzCompressInit(&mut *strm, block_size_100k, verbosity, work_factor) };
        if code == BZ_OK { Ok(Self(RefCell::new(strm))) } else { Err(code) }
    }

    pub fn step(&self, input: &[u8], action: i32, max_output: u32) -> (i32, u32, Vec<u8>) {
        let mut strm = self.0.borrow_mut();
        // SAFETY: an initialized stream whose buffers `step` points at live memory.
        step(&mut strm, input, max_output, |s| unsafe { BZ2_bzCompress(s, action) })
    }
}

impl Drop for Compressor {
    fn drop(&mut self) {
        // SAFETY: initialized by `new`, ended once.
        unsafe { BZ2_bzCompressEnd(&mut **self.0.get_mut()) };
    }
}

/// A decompression stream (`BZ2_bzDecompressInit` … `BZ2_bzDecompressEnd`).
pub struct Decompressor(RefCell<Box<bz_stream>>);

impl Decompressor {
    pub fn new(verbosity: i32, small: i32) -> Result<Self, i32> {
        let mut strm = new_stream();
        // SAFETY: a zeroed stream at a stable address.
        let code = unsafe { BZ2_bzDecompressInit(&mut *strm, verbosity, small) };
        if code == BZ_OK { Ok(Self(RefCell::new(strm))) } else { Err(code) }
    }

    pub fn step(&self, input: &[u8], max_output: u32) -> (i32, u32, Vec<u8>) {
        let mut strm = self.0.borrow_mut();
        // SAFETY: an initialized stream whose buffers `step` points at live memory.
        step(&mut strm, input, max_output, |s| unsafe { BZ2_bzDecompress(s) })
    }
}

impl Drop for Decompressor {
    fn drop(&mut self) {
        // SAFETY: initialized by `new`, ended once.
        unsafe { BZ2_bzDecompressEnd(&mut **self.0.get_mut()) };
    }
}

/// The library's version string.
pub fn version() -> String {
    // SAFETY: a static NUL-terminated string.
    unsafe { CStr::from_ptr(BZ2_bzlibVersion()) }.to_string_lossy().into_owned()
}
