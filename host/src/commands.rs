//! One module per subcommand, each with `Args` and `exec`.

mod build;
mod cc;
mod check;
mod cli_wasm;
mod compose;
mod gen_;
mod kit;
mod plan;
mod run;

use crate::clang::CompilerArgs;

pub const EXAMPLES: &str = "Examples:
  pyforge kit build                      build the CPython kit once (about 6 min on 2 cores)
  pyforge build                          relink the default forge's python.wasm (seconds)
  pyforge run -c 'import sys; print(sys.version)'
  pyforge run --with-tests -m test test_json
  pyforge check                          check every cpython-ext/*/pyforge-pkg.toml
  pyforge check cpython-ext/_zlib_cap    check one extension (a directory or its manifest)
  pyforge gen cpython-ext/_zlib_cap      regenerate its C bindings in gen/
  pyforge plan                           which cap satisfies which import of the default forge
  pyforge compose python.wasm --plug zlib.wasm -o python.composed.wasm
  pyforge cli-wasm -o pyforge-cli.wasm   the tool for `wasmtime run`, with a clang stub

The tool component sees only the current directory: give paths inside it.";

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    Kit(kit::Args),
    Build(build::Args),
    Run(run::Args),
    Plan(plan::Args),
    Check(check::Args),
    Gen(gen_::Args),
    Compose(compose::Args),
    CliWasm(cli_wasm::Args),
    Cc(cc::Args),
}

/// Runs a command; returns the process exit status.
pub fn exec(command: Command, compiler: &CompilerArgs) -> anyhow::Result<i32> {
    match command {
        Command::Kit(args) => kit::exec(args, compiler),
        Command::Build(args) => build::exec(args, compiler),
        Command::Run(args) => run::exec(args, compiler),
        Command::Plan(args) => plan::exec(args, compiler),
        Command::Check(args) => check::exec(args, compiler),
        Command::Gen(args) => gen_::exec(args, compiler),
        Command::Compose(args) => compose::exec(args, compiler),
        Command::CliWasm(args) => cli_wasm::exec(args, compiler),
        Command::Cc(args) => cc::exec(args, compiler),
    }
}
