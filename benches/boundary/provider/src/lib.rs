//! The provider side of benches/boundary.sh: each export does the least its signature allows.

#[expect(unsafe_code, reason = "the canonical-ABI glue wit-bindgen generates")]
mod bindings {
    wit_bindgen::generate!({ path: "../wit", world: "provider" });
    use super::Provider;
    export!(Provider);
}

use std::cell::Cell;

use bindings::exports::pyforge::bench_boundary::calls::{Guest, GuestCounter};

struct Provider;

struct Counter(Cell<u32>);

impl GuestCounter for Counter {
    fn new() -> Counter {
        Counter(Cell::new(0))
    }

    fn bump(&self) -> u32 {
        self.0.set(self.0.get() + 1);
        self.0.get()
    }
}

impl Guest for Provider {
    type Counter = Counter;

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

    fn take_words(data: Vec<u64>) -> u32 {
        (data.len() * 8) as u32
    }

    fn give_words(words: u32) -> Vec<u64> {
        vec![7; words as usize]
    }
}
