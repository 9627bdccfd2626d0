//! One module per subcommand, each with `Args` and `exec`.

mod cc;
mod check;
mod cli_wasm;
mod compose;
mod gen_;

use crate::clang::CompilerArgs;

pub const EXAMPLES: &str = "Examples:
  pyforge check                          check every cpython-ext/*/pyforge-pkg.toml
  pyforge check cpython-ext/_zlib_cap    check one extension (a directory or its manifest)
  pyforge gen cpython-ext/_zlib_cap      regenerate its C bindings in gen/
  pyforge compose python.wasm --plug zlib.wasm -o python.composed.wasm
  pyforge cli-wasm -o pyforge-cli.wasm   the tool for `wasmtime run`, with a clang stub

The tool component sees only the current directory: give paths inside it.";

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    Check(check::Args),
    Gen(gen_::Args),
    Compose(compose::Args),
    CliWasm(cli_wasm::Args),
    Cc(cc::Args),
}

/// Runs a command; returns the process exit status.
pub fn exec(command: Command, compiler: &CompilerArgs) -> anyhow::Result<i32> {
    match command {
        Command::Check(args) => check::exec(args, compiler),
        Command::Gen(args) => gen_::exec(args, compiler),
        Command::Compose(args) => compose::exec(args, compiler),
        Command::CliWasm(args) => cli_wasm::exec(args, compiler),
        Command::Cc(args) => cc::exec(args, compiler),
    }
}
