//! `plan` and `compose` on components generated from the input, a structure-aware generator:
//! the input is WIT text — a socket world, and after a line `---` a plug world (the template
//! pair when a part is missing) — each made into a component, then wired and composed. Both
//! must answer a wiring or an error value for any pair of components.
#![no_main]

use pyforge_core::compose::{Input, compose_with, plan};

const SOCKET: &str = "package test:socket;\npackage acme:hash@1.0.0 { interface digest { sum: func(data: list<u8>) -> u32; } }\nworld socket { import acme:hash/digest@1.0.0; export run: func() -> u32; }\n";
const PLUG: &str = "package test:plug;\npackage acme:hash@1.0.0 { interface digest { sum: func(data: list<u8>) -> u32; } }\nworld plug { export acme:hash/digest@1.0.0; }\n";

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (socket, plug) = text.split_once("\n---\n").unwrap_or((text, PLUG));
    let socket = if socket.trim().is_empty() { SOCKET } else { socket };
    let (Some(socket), Some(plug)) = (pyforge_fuzz::component_from_wit(socket), pyforge_fuzz::component_from_wit(plug))
    else {
        return;
    };
    let socket = Input { name: "socket.wasm".into(), bytes: socket };
    let plugs = [Input { name: "plug.wasm".into(), bytes: plug }];
    let _ = plan(&socket, &plugs, &[]);
    let _ = compose_with(&socket, &plugs, &[], None);
});
