//! A second consumer of the zlib cap, not CPython: a command component importing
//! `pyforge:zlib/deflate@0.1.0` from the same WIT. Composed with the same cap bytes as the
//! Python forge, it round-trips data one-shot and streaming, checks CRC-32/Adler-32 against
//! known values, and shows that corrupt input is a typed error, not a trap.

mod bindings {
    wit_bindgen::generate!({
        inline: "package pyforge:zlib-consumer; world consumer { import pyforge:zlib/deflate@0.1.0; }",
        path: "../../../caps/zlib/wit",
        generate_all,
    });
}

use bindings::pyforge::zlib::deflate as zlib;

fn main() {
    let data: Vec<u8> = b"the same cap serves every consumer. ".repeat(200);

    let packed = zlib::compress(&data, 9, 15).expect("compress");
    let unpacked = zlib::decompress(&packed, 15, 16384).expect("decompress");
    println!("one-shot: {} -> {} -> {} bytes, equal: {}", data.len(), packed.len(), unpacked.len(), unpacked == data);

    // gzip container, streaming, in pieces.
    let c = zlib::Compressor::create(6, 8, 31, 8, 0, None).expect("compressor");
    let mut gz = Vec::new();
    for piece in data.chunks(1000) {
        gz.extend(c.compress(piece).expect("compress piece"));
    }
    gz.extend(c.flush(4).expect("finish"));
    let d = zlib::Decompressor::create(47, None).expect("decompressor");
    let out = d.decompress(&gz, 0).expect("inflate");
    println!("gzip stream: {} bytes, eof: {}, equal: {}", gz.len(), out.eof, out.data == data);

    println!("crc32: {:#010x}, adler32: {:#010x}", zlib::crc32(b"hello world", 0), zlib::adler32(b"hello world", 1));

    match zlib::decompress(b"definitely not zlib data", 15, 16384) {
        Ok(_) => println!("corrupt input: decompressed?!"),
        Err(e) => println!("corrupt input: {:?} error {}: {}", e.kind, e.code, e.message),
    }
    println!("zlib version: {}", zlib::version());
}
