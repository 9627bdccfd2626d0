//! A fixture cap: exports `pyforge:demo/checksum@0.1.0` — the interface the template
//! extension `_demo_cap` imports — computing CRC-32 (IEEE, the one `binascii.crc32` and zlib
//! compute), so the tests can compose a real `python.wasm` with it and check the call arrives.

#[expect(unsafe_code, reason = "the canonical-ABI glue wit-bindgen generates")]
mod bindings {
    wit_bindgen::generate!({
        inline: "package pyforge:demo-checksum-cap; world cap { export pyforge:demo/checksum@0.1.0; }",
        path: "../../check/_template/cpython-ext/_demo_cap/wit/deps/demo",
        generate_all,
    });

    use super::Cap;
    export!(Cap);
}

use bindings::exports::pyforge::demo::checksum::Guest;

struct Cap;

/// The reflected CRC-32 table for polynomial 0xEDB88320.
const TABLE: [u32; 256] = {
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 { 0xEDB8_8320 ^ (c >> 1) } else { c >> 1 };
            k += 1;
        }
        table[i] = c;
        i += 1;
    }
    table
};

impl Guest for Cap {
    fn crc32(data: Vec<u8>, value: u32) -> u32 {
        let mut c = !value;
        for b in data {
            c = TABLE[((c ^ u32::from(b)) & 0xff) as usize] ^ (c >> 8);
        }
        !c
    }
}
