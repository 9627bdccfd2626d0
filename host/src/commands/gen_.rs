//! `pyforge gen`: runs the tool's `gen` with the current directory preopened read-write.

use crate::clang::CompilerArgs;
use crate::tool::{Access, Tool, guest_path};

/// Regenerate an extension's C bindings (`gen/`) from its WIT world with wit-bindgen-c.
///
/// Writes `<world>.c`, `<world>.h` and `<world>_component_type.o` into the manifest's
/// `gen_dir`, each atomically. The output is byte-identical for the same WIT; `pyforge check`
/// fails while the committed files differ from it.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The extension directory (or its manifest).
    capdir: String,
}

pub fn exec(args: Args, compiler: &CompilerArgs) -> anyhow::Result<i32> {
    let capdir = guest_path(&args.capdir)?;
    Tool::load(compiler)?.run_cli(&["gen".to_string(), capdir], Access::ReadWrite)
}
