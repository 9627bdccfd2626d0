//! The bz2 cap: exports `pyforge:bz2/bzlib@0.1.0` (`wit/bz2.wit`) over libbzip2-rs, a complete
//! bzip2 implementation, used through its libbzip2-compatible C API (`libbz2-rs-sys`).
//!
//! Each WIT call is one `BZ2_bz*` call on a `bz_stream` kept in a `Box` (libbzip2 checks that
//! a stream has not moved since its `*Init`): the input is the call's list, the output a `Vec`
//! whose spare capacity the library writes into. Return codes travel unchanged, so errors are
//! the caller's to raise — nothing here traps on bad data.

#[expect(unsafe_code, reason = "the canonical-ABI glue wit-bindgen generates")]
mod bindings {
    wit_bindgen::generate!({
        inline: "package pyforge:bz2-cap; world cap { export pyforge:bz2/bzlib@0.1.0; }",
        path: "wit",
        generate_all,
    });

    use super::Cap;
    export!(Cap);
}

mod stream;

use bindings::exports::pyforge::bz2::bzlib::{self as wit, Step};
use stream::{Compressor, Decompressor};

struct Cap;

impl wit::Guest for Cap {
    type Compressor = Compressor;
    type Decompressor = Decompressor;

    fn version() -> String {
        stream::version()
    }
}

impl wit::GuestCompressor for Compressor {
    fn create(block_size_100k: i32, verbosity: i32, work_factor: i32) -> Result<wit::Compressor, i32> {
        Compressor::new(block_size_100k, verbosity, work_factor).map(wit::Compressor::new)
    }

    fn compress(&self, input: Vec<u8>, action: i32, max_output: u32) -> Step {
        let (code, consumed, output) = self.step(&input, action, max_output);
        Step { code, consumed, output }
    }
}

impl wit::GuestDecompressor for Decompressor {
    fn create(verbosity: i32, small: i32) -> Result<wit::Decompressor, i32> {
        Decompressor::new(verbosity, small).map(wit::Decompressor::new)
    }

    fn decompress(&self, input: Vec<u8>, max_output: u32) -> Step {
        let (code, consumed, output) = self.step(&input, max_output);
        Step { code, consumed, output }
    }
}
