//! `pyforge cli-wasm`: writes `pyforge-cli.wasm`, the embedded tool composed (by the tool
//! itself, through its `compose` export) with a generated stub for the `clang` import, so
//! stock component hosts (`wasmtime run`) can run every command that needs no C compiler.

use std::path::PathBuf;

use anyhow::Context as _;

use crate::clang::CompilerArgs;
use crate::tool::Tool;

/// The interface the stub answers.
const CLANG: &str = "pyforge:toolchain/clang@0.1.0";
/// What the stub answers.
pub const NO_COMPILER: &str = "no C compiler in this host: this is pyforge-cli.wasm under a plain component host; use the native `pyforge` CLI for steps that compile C";

/// Write pyforge-cli.wasm: this tool with a `clang` stub, for `wasmtime run`.
///
/// `wasmtime run --dir . pyforge-cli.wasm check cpython-ext` then prints exactly what
/// `pyforge check cpython-ext` prints.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Where to write it.
    #[arg(long, short = 'o', default_value = "target/pyforge-cli.wasm")]
    output: PathBuf,
}

pub fn exec(args: Args, compiler: &CompilerArgs) -> anyhow::Result<i32> {
    let tool = Tool::load(compiler)?;
    let bytes =
        tool.compose_bytes("pyforge-tool.wasm", crate::tool::TOOL_WASM, &[], &[CLANG.to_string()], Some(NO_COMPILER))?;
    let bytes = match bytes {
        Ok(b) => b,
        Err(rendered) => {
            eprint!("{rendered}");
            return Ok(1);
        }
    };
    pyforge_layout::write_atomic(&args.output, &bytes)
        .with_context(|| format!("failed to write `{}`", args.output.display()))?;
    println!("wrote {} ({} bytes)", args.output.display(), bytes.len());
    Ok(0)
}
