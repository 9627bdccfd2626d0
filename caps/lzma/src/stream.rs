//! `lzma_stream`s behind a `RefCell` (WIT resources are used through `&self`), one library call
//! per step.
#![expect(unsafe_code, reason = "liblzma's C API")]

use std::cell::RefCell;
use std::ffi::CStr;

use liblzma_sys::{
    LZMA_OK, lzma_alone_decoder, lzma_alone_encoder, lzma_auto_decoder, lzma_check_is_supported, lzma_code,
    lzma_easy_encoder, lzma_end, lzma_get_check, lzma_raw_decoder, lzma_raw_encoder, lzma_stream, lzma_stream_decoder,
    lzma_stream_encoder, lzma_version_string,
};

use crate::bindings::exports::pyforge::lzma::lzma::{Filter, LzmaOptions};
use crate::filters::{Chain, lzma_options};

/// An encoder or decoder (`lzma_*_encoder`/`lzma_*_decoder` … `lzma_end`).
pub struct Coder(RefCell<Box<lzma_stream>>);

impl Coder {
    /// A zeroed stream (`LZMA_STREAM_INIT`) at a fixed address, initialized by `init`.
    fn init(init: impl FnOnce(*mut lzma_stream) -> u32) -> Result<Coder, u32> {
        // SAFETY: `lzma_stream` is integers and nullable pointers; all-zero is
        // `LZMA_STREAM_INIT`.
        let mut strm: Box<lzma_stream> = Box::new(unsafe { std::mem::zeroed() });
        let ret = init(&mut *strm);
        if ret == LZMA_OK {
            Ok(Coder(RefCell::new(strm)))
        } else {
            // SAFETY: `lzma_end` frees what a failed initializer may have left.
            unsafe { lzma_end(&mut *strm) };
            Err(ret)
        }
    }

    pub fn easy_encoder(preset: u32, check: u32) -> Result<Coder, u32> {
        // SAFETY: a zeroed stream.
        Coder::init(|s| unsafe { lzma_easy_encoder(s, preset, check) })
    }

    pub fn stream_encoder(filters: &[Filter], check: u32) -> Result<Coder, u32> {
        let chain = Chain::new(filters)?;
        // SAFETY: a zeroed stream; the chain lives for the call (liblzma copies the options).
        Coder::init(|s| unsafe { lzma_stream_encoder(s, chain.as_ptr(), check) })
    }

    pub fn alone_encoder(options: &LzmaOptions) -> Result<Coder, u32> {
        let options = lzma_options(options);
        // SAFETY: a zeroed stream; liblzma copies the options.
        Coder::init(|s| unsafe { lzma_alone_encoder(s, &*options) })
    }

    pub fn raw_encoder(filters: &[Filter]) -> Result<Coder, u32> {
        let chain = Chain::new(filters)?;
        // SAFETY: a zeroed stream; the chain lives for the call.
        Coder::init(|s| unsafe { lzma_raw_encoder(s, chain.as_ptr()) })
    }

    pub fn auto_decoder(memlimit: u64, flags: u32) -> Result<Coder, u32> {
        // SAFETY: a zeroed stream.
        Coder::init(|s| unsafe { lzma_auto_decoder(s, memlimit, flags) })
    }

    pub fn stream_decoder(memlimit: u64, flags: u32) -> Result<Coder, u32> {
        // SAFETY: a zeroed stream.
        Coder::init(|s| unsafe { lzma_stream_decoder(s, memlimit, flags) })
    }

    pub fn alone_decoder(memlimit: u64) -> Result<Coder, u32> {
        // SAFETY: a zeroed stream.
        Coder::init(|s| unsafe { lzma_alone_decoder(s, memlimit) })
    }

    pub fn raw_decoder(filters: &[Filter]) -> Result<Coder, u32> {
        let chain = Chain::new(filters)?;
        // SAFETY: a zeroed stream; the chain lives for the call.
        Coder::init(|s| unsafe { lzma_raw_decoder(s, chain.as_ptr()) })
    }

    /// One `lzma_code(action)` over `input` with room for `max_output` bytes: (code, consumed,
    /// output). The stream's buffer pointers are cleared afterwards, so none outlives the call.
    pub fn step(&self, input: &[u8], action: u32, max_output: u32) -> (u32, u32, Vec<u8>) {
        let mut strm = self.0.borrow_mut();
        let mut out = Vec::<u8>::with_capacity(max_output as usize);
        strm.next_in = input.as_ptr();
        strm.avail_in = input.len();
        strm.next_out = out.as_mut_ptr();
        strm.avail_out = max_output as usize;
        // SAFETY: an initialized stream whose buffers point at live memory of those lengths.
        let code = unsafe { lzma_code(&mut **strm, action) };
        let consumed = input.len() - strm.avail_in;
        let produced = max_output as usize - strm.avail_out;
        // SAFETY: liblzma wrote `produced` bytes at the start of `out`'s spare capacity.
        unsafe { out.set_len(produced) };
        strm.next_in = std::ptr::null();
        strm.next_out = std::ptr::null_mut();
        strm.avail_in = 0;
        strm.avail_out = 0;
        (code, u32::try_from(consumed).unwrap_or(u32::MAX), out)
    }

    /// `lzma_get_check`.
    pub fn check(&self) -> u32 {
        // SAFETY: an initialized stream.
        unsafe { lzma_get_check(&**self.0.borrow()) }
    }
}

impl Drop for Coder {
    fn drop(&mut self) {
        // SAFETY: initialized by `init`, ended once.
        unsafe { lzma_end(&mut **self.0.get_mut()) };
    }
}

/// `lzma_check_is_supported`.
pub fn check_is_supported(check: u32) -> bool {
    // SAFETY: a pure function of an integer.
    unsafe { lzma_check_is_supported(check) != 0 }
}

/// The library's version string.
pub fn version() -> String {
    // SAFETY: a static NUL-terminated string.
    unsafe { CStr::from_ptr(lzma_version_string()) }.to_string_lossy().into_owned()
}
