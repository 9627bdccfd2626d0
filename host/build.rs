//! Embeds the tool component. It is built separately for `wasm32-wasip2`
//! (`scripts/build.sh`; no cargo-in-build.rs): this script only finds it.

use std::path::PathBuf;

use sha2::{Digest as _, Sha256};

fn main() {
    println!("cargo:rerun-if-env-changed=PYFORGE_TOOL_WASM");
    let path = match std::env::var_os("PYFORGE_TOOL_WASM") {
        Some(p) => PathBuf::from(p),
        None => {
            // OUT_DIR is <target>/<profile>/build/<pkg>/out; the tool lives in
            // <target>/wasm32-wasip2/release/.
            let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
            let target = out.ancestors().nth(4).expect("OUT_DIR is inside the target directory").to_path_buf();
            target.join("wasm32-wasip2/release/pyforge-tool.wasm")
        }
    };
    println!("cargo:rerun-if-changed={}", path.display());
    if !path.is_file() {
        panic!(
            "the pyforge tool component is not built: {} is missing.\n\
             Build it first with `scripts/build.sh` (or `cargo build -p pyforge-tool --target wasm32-wasip2 --release`),\n\
             or point PYFORGE_TOOL_WASM at a built pyforge-tool.wasm.",
            path.display()
        );
    }
    println!("cargo:rustc-env=PYFORGE_TOOL_WASM={}", path.display());
    // The cache key of the compiled tool, so the CLI does not hash 4.7 MB at every start.
    let bytes = std::fs::read(&path).expect("the tool component is readable");
    let hex: String = Sha256::digest(&bytes).iter().take(8).map(|b| format!("{b:02x}")).collect();
    println!("cargo:rustc-env=PYFORGE_TOOL_SHA256_PREFIX={hex}");
}
