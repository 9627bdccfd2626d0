//! The provider side of benches/boundary.sh: each export does the least its signature allows.

#[expect(unsafe_code, reason = "the canonical-ABI glue wit-bindgen generates")]
mod bindings {
    wit_bindgen::generate!({ path: "../wit", world: "provider" });
    use super::Provider;
    export!(Provider);
}

use bindings::exports::pyforge::bench_boundary::calls::Guest;

struct Provider;

impl Guest for Provider {
    fn nothing() {}

    fn take(data: Vec<u8>) -> u32 {
        data.len() as u32
    }

    fn echo(data: Vec<u8>) -> Vec<u8> {
        data
    }

    fn give(len: u32) -> Vec<u8> {
        vec![7; len as usize]
    }
}
