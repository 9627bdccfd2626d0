//! `plan` and `compose` on mutated real components: the zlib cap (`caps/zlib`, from
//! `scripts/build.sh`) plugged into a real consumer of it (`tests/caps/zlib-consumer`, from
//! `scripts/build-tests.sh`), one of the two changed by the input's edits. The input is a
//! selector byte (bit 0: which component) and then 5-byte edits — a little-endian offset (its
//! top bit: cut the component there) and the byte to write. Both must answer a wiring or an
//! error value, never panic.
#![no_main]

use std::sync::OnceLock;

use pyforge_core::compose::{Input, compose_with, plan};

fn real(env: &str, file: &str) -> Vec<u8> {
    let path = std::env::var_os(env).map(std::path::PathBuf::from).unwrap_or_else(|| {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/wasm32-wasip2/release").join(file)
    });
    std::fs::read(&path)
        .unwrap_or_else(|e| panic!("{} ({e}): run scripts/build.sh and scripts/build-tests.sh", path.display()))
}

fn parts() -> &'static (Vec<u8>, Vec<u8>) {
    static PARTS: OnceLock<(Vec<u8>, Vec<u8>)> = OnceLock::new();
    PARTS.get_or_init(|| {
        (
            real("PYFORGE_ZLIB_CONSUMER_WASM", "zlib-consumer.wasm"),
            real("PYFORGE_ZLIB_CAP_WASM", "pyforge_zlib_cap.wasm"),
        )
    })
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some((&select, edits)) = data.split_first() else { return };
    let (socket, plug) = parts();
    let (mut socket, mut plug) = (socket.clone(), plug.clone());
    let target = if select & 1 == 0 { &mut plug } else { &mut socket };
    for edit in edits.chunks_exact(5) {
        let offset = u32::from_le_bytes([edit[0], edit[1], edit[2], edit[3]]);
        if offset & 0x8000_0000 != 0 {
            target.truncate((offset & 0x7fff_ffff) as usize % (target.len() + 1));
        } else if !target.is_empty() {
            let at = offset as usize % target.len();
            target[at] = edit[4];
        }
    }
    let socket = Input { name: "zlib-consumer.wasm".into(), bytes: socket };
    let plugs = [Input { name: "pyforge_zlib_cap.wasm".into(), bytes: plug }];
    let _ = plan(&socket, &plugs, &[]);
    let _ = compose_with(&socket, &plugs, &[], None);
});
