//! The lzma cap: exports `pyforge:lzma/lzma@0.1.0` (`wit/lzma.wit`) over liblzma, xz-utils' C
//! library (the sources `liblzma-sys` bundles, compiled for wasm32-wasip2 with the same clang
//! as the CPython kit).
//!
//! Each WIT call is one liblzma call on an `lzma_stream` kept in a `Box`: the input is the
//! call's list, the output a `Vec` whose spare capacity the library writes into. Filter chains
//! are built from the WIT records into `lzma_filter` arrays that live for the call. Return
//! codes travel unchanged, so errors are the caller's to raise — nothing here traps on bad data.

#[expect(unsafe_code, reason = "the canonical-ABI glue wit-bindgen generates")]
mod bindings {
    wit_bindgen::generate!({
        inline: "package pyforge:lzma-cap; world cap { export pyforge:lzma/lzma@0.1.0; }",
        path: "wit",
        generate_all,
    });

    use super::Cap;
    export!(Cap);
}

mod filters;
mod stream;

use bindings::exports::pyforge::lzma::lzma::{self as wit, Filter, LzmaOptions, Step};
use stream::Coder;

struct Cap;

impl wit::Guest for Cap {
    type Stream = Coder;

    fn check_is_supported(check: u32) -> bool {
        stream::check_is_supported(check)
    }

    fn lzma_preset(preset: u32) -> Option<LzmaOptions> {
        filters::preset(preset)
    }

    fn properties_encode(filter: Filter) -> Result<Vec<u8>, u32> {
        filters::properties_encode(&filter)
    }

    fn properties_decode(id: u64, props: Vec<u8>) -> Result<Filter, u32> {
        filters::properties_decode(id, &props)
    }

    fn version() -> String {
        stream::version()
    }
}

impl wit::GuestStream for Coder {
    fn easy_encoder(preset: u32, check: u32) -> Result<wit::Stream, u32> {
        Coder::easy_encoder(preset, check).map(wit::Stream::new)
    }

    fn stream_encoder(filters: Vec<Filter>, check: u32) -> Result<wit::Stream, u32> {
        Coder::stream_encoder(&filters, check).map(wit::Stream::new)
    }

    fn alone_encoder(options: LzmaOptions) -> Result<wit::Stream, u32> {
        Coder::alone_encoder(&options).map(wit::Stream::new)
    }

    fn raw_encoder(filters: Vec<Filter>) -> Result<wit::Stream, u32> {
        Coder::raw_encoder(&filters).map(wit::Stream::new)
    }

    fn auto_decoder(memlimit: u64, flags: u32) -> Result<wit::Stream, u32> {
        Coder::auto_decoder(memlimit, flags).map(wit::Stream::new)
    }

    fn stream_decoder(memlimit: u64, flags: u32) -> Result<wit::Stream, u32> {
        Coder::stream_decoder(memlimit, flags).map(wit::Stream::new)
    }

    fn alone_decoder(memlimit: u64) -> Result<wit::Stream, u32> {
        Coder::alone_decoder(memlimit).map(wit::Stream::new)
    }

    fn raw_decoder(filters: Vec<Filter>) -> Result<wit::Stream, u32> {
        Coder::raw_decoder(&filters).map(wit::Stream::new)
    }

    fn code(&self, input: Vec<u8>, action: u32, max_output: u32) -> Step {
        let (code, consumed, output) = self.step(&input, action, max_output);
        Step { code, consumed, output }
    }

    fn get_check(&self) -> u32 {
        self.check()
    }
}
