//! A second consumer of the bz2 and lzma caps, not CPython: a command component importing
//! `pyforge:bz2/bzlib@0.1.0` and `pyforge:lzma/lzma@0.1.0` from the caps' own WIT. Composed
//! with the same cap bytes as the Python forge, it drives each library's stream API the way a
//! C caller of libbzip2/liblzma would (feeding input, draining output in small pieces), and
//! shows that corrupt input is a library error code, not a trap.

mod bindings {
    wit_bindgen::generate!({
        inline: "package pyforge:compress-consumer;
            world consumer { import pyforge:bz2/bzlib@0.1.0; import pyforge:lzma/lzma@0.1.0; }",
        path: ["../../../caps/bz2/wit", "../../../caps/lzma/wit"],
        generate_all,
    });
}

use bindings::pyforge::bz2::bzlib as bz2;
use bindings::pyforge::lzma::lzma;

const BZ_RUN: i32 = 0;
const BZ_FINISH: i32 = 2;
const BZ_STREAM_END: i32 = 4;
const LZMA_RUN: u32 = 0;
const LZMA_FINISH: u32 = 3;
const LZMA_STREAM_END: u32 = 1;
const LZMA_CHECK_CRC64: u32 = 4;
const LZMA_CONCATENATED: u32 = 0x08;

/// Runs `step(input, max_output)` until `done`, feeding what was not consumed and taking output
/// in `piece`-byte steps: (output, last code).
fn drive<C: PartialEq + Copy>(
    mut input: &[u8],
    piece: u32,
    end: C,
    mut step: impl FnMut(&[u8], u32) -> (C, u32, Vec<u8>),
) -> (Vec<u8>, C) {
    let mut out = Vec::new();
    loop {
        let (code, consumed, output) = step(input, piece);
        input = &input[consumed as usize..];
        let stalled = consumed == 0 && output.is_empty();
        out.extend(output);
        if code == end || stalled {
            return (out, code);
        }
    }
}

fn main() {
    let data: Vec<u8> = b"the same caps serve every consumer. ".repeat(500);

    // bzip2: compress with BZ_RUN then BZ_FINISH, decompress in 1000-byte output steps.
    let c = bz2::Compressor::create(9, 0, 0).expect("BZ2_bzCompressInit");
    let first = c.compress(&data, BZ_RUN, 1 << 16);
    assert_eq!(first.consumed as usize, data.len());
    let (mut packed, code) = drive(&[], 1 << 16, BZ_STREAM_END, |i, n| {
        let s = c.compress(i, BZ_FINISH, n);
        (s.code, s.consumed, s.output)
    });
    packed.splice(0..0, first.output);
    let d = bz2::Decompressor::create(0, 0).expect("BZ2_bzDecompressInit");
    let (unpacked, end) = drive(&packed, 1000, BZ_STREAM_END, |i, n| {
        let s = d.decompress(i, n);
        (s.code, s.consumed, s.output)
    });
    println!(
        "bz2: {} -> {} bytes (finish code {code}), back {} bytes (code {end}), equal: {}",
        data.len(),
        packed.len(),
        unpacked.len(),
        unpacked == data
    );
    let bad = bz2::Decompressor::create(0, 0).expect("BZ2_bzDecompressInit");
    println!("bz2 corrupt input: code {}", bad.decompress(b"BZh9 not really bzip2 data", 4096).code);

    // lzma: an .xz stream with a preset, decoded by the auto decoder in 1000-byte steps.
    let e = lzma::Stream::easy_encoder(6, LZMA_CHECK_CRC64).expect("lzma_easy_encoder");
    let (xz, code) = drive(&data, 1 << 16, LZMA_STREAM_END, |i, n| {
        let s = e.code(i, LZMA_FINISH, n);
        (s.code, s.consumed, s.output)
    });
    let dec = lzma::Stream::auto_decoder(u64::MAX, LZMA_CONCATENATED).expect("lzma_auto_decoder");
    let (back, _) = drive(&xz, 1000, LZMA_STREAM_END, |i, n| {
        let s = dec.code(i, LZMA_RUN, n);
        (s.code, s.consumed, s.output)
    });
    let (_, end) = drive(&[], 1000, LZMA_STREAM_END, |i, n| {
        let s = dec.code(i, LZMA_FINISH, n);
        (s.code, s.consumed, s.output)
    });
    println!(
        "lzma: {} -> {} bytes xz (code {code}), back {} bytes (code {end}, check {}), equal: {}",
        data.len(),
        xz.len(),
        back.len(),
        dec.get_check(),
        back == data
    );
    let preset = lzma::lzma_preset(6).expect("lzma_lzma_preset");
    println!("lzma preset 6: dict {} lc {} lp {} pb {}", preset.dict_size, preset.lc, preset.lp, preset.pb);
    let bad = lzma::Stream::stream_decoder(u64::MAX, 0).expect("lzma_stream_decoder");
    println!("lzma corrupt input: code {}", bad.code(b"not an xz stream at all", LZMA_RUN, 4096).code);
    println!("sha256 check supported: {}", lzma::check_is_supported(10));
    println!("versions: bz2 {}, lzma {}", bz2::version(), lzma::version());
}
