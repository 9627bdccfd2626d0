//! The zlib cap: exports `pyforge:zlib/deflate@0.1.0` (`wit/zlib.wit`) over zlib-rs, a
//! complete zlib implementation, used through its zlib-compatible C API (`libz-rs-sys`), so
//! the stream logic below reads like — and behaves like — CPython's `Modules/zlibmodule.c`.
//!
//! Every stream lives in a `Box<z_stream>` (zlib checks that a stream has not moved since
//! `*Init`), output grows in a `Vec` whose spare capacity zlib writes into, and every zlib
//! failure becomes a typed WIT error with CPython's message — never a trap.

#[expect(unsafe_code, reason = "the canonical-ABI glue wit-bindgen generates")]
mod bindings {
    wit_bindgen::generate!({
        inline: "package pyforge:zlib-cap; world cap { export pyforge:zlib/deflate@0.1.0; }",
        path: "wit",
        generate_all,
    });

    use super::Cap;
    export!(Cap);
}

mod stream;

use bindings::exports::pyforge::zlib::deflate::{self as wit, Error, ErrorKind, Inflated, Streamed};
use stream::{Deflater, Inflater, StreamInflater};

struct Cap;

impl wit::Guest for Cap {
    type Compressor = Deflater;
    type Decompressor = Inflater;
    type StreamDecompressor = StreamInflater;

    fn compress(data: Vec<u8>, level: i32, wbits: i32) -> Result<Vec<u8>, Error> {
        stream::compress(&data, level, wbits)
    }

    fn decompress(data: Vec<u8>, wbits: i32, bufsize: u64) -> Result<Vec<u8>, Error> {
        stream::decompress(&data, wbits, bufsize)
    }

    fn crc32(data: Vec<u8>, value: u32) -> u32 {
        stream::crc32(&data, value)
    }

    fn adler32(data: Vec<u8>, value: u32) -> u32 {
        stream::adler32(&data, value)
    }

    fn version() -> String {
        stream::version()
    }
}

impl wit::GuestCompressor for Deflater {
    fn create(
        level: i32,
        method: i32,
        wbits: i32,
        mem_level: i32,
        strategy: i32,
        zdict: Option<Vec<u8>>,
    ) -> Result<wit::Compressor, Error> {
        Deflater::new(level, method, wbits, mem_level, strategy, zdict.as_deref()).map(wit::Compressor::new)
    }

    fn compress(&self, data: Vec<u8>) -> Result<Vec<u8>, Error> {
        self.compress(&data)
    }

    fn flush(&self, mode: i32) -> Result<Vec<u8>, Error> {
        self.flush(mode)
    }

    fn copy(&self) -> Result<wit::Compressor, Error> {
        self.try_clone().map(wit::Compressor::new)
    }
}

impl wit::GuestDecompressor for Inflater {
    fn create(wbits: i32, zdict: Option<Vec<u8>>) -> Result<wit::Decompressor, Error> {
        Inflater::new(wbits, zdict).map(wit::Decompressor::new)
    }

    fn decompress(&self, data: Vec<u8>, max_length: u64) -> Result<Inflated, Error> {
        self.decompress(&data, max_length)
    }

    fn flush(&self, tail: Vec<u8>, length: u64) -> Result<Inflated, Error> {
        self.flush(&tail, length)
    }

    fn copy(&self) -> Result<wit::Decompressor, Error> {
        self.try_clone().map(wit::Decompressor::new)
    }
}

impl wit::GuestStreamDecompressor for StreamInflater {
    fn create(wbits: i32, zdict: Option<Vec<u8>>) -> Result<wit::StreamDecompressor, Error> {
        StreamInflater::new(wbits, zdict).map(wit::StreamDecompressor::new)
    }

    fn decompress(&self, data: Vec<u8>, max_length: i64) -> Result<Streamed, Error> {
        self.decompress(&data, max_length)
    }
}

/// Errors that are not zlib's own.
fn plain(kind: ErrorKind, message: &str) -> Error {
    Error { kind, code: 0, message: message.to_string() }
}
