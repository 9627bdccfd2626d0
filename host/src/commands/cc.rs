//! `pyforge cc`: runs the configured C compiler through the tool's `clang` import — the same
//! path `build` uses — to check the compiler setup or compile generated bindings by hand.

use crate::clang::CompilerArgs;
use crate::tool::{Access, Tool};

/// Run the configured wasm C compiler (through the tool's `clang` import) with ARGS.
///
/// The compiler gets the configured sysroot and resource dir before ARGS and runs in the
/// current directory. Example: `pyforge cc -- --target=wasm32-wasip2 -c gen/x.c -o x.o`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Arguments for clang (put them after `--`).
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    args: Vec<String>,
}

pub fn exec(args: Args, compiler: &CompilerArgs) -> anyhow::Result<i32> {
    let mut argv = vec!["cc".to_string(), "--".to_string()];
    argv.extend(args.args);
    Tool::load(compiler)?.run_cli(&argv, Access::ReadOnly)
}
