//! The host's own commands, one module each with `Args` and `exec`; the tool commands
//! (`pyforge_args::ToolCommand`) are forwarded to the tool component unchanged.

mod build;
mod cli_wasm;
mod componentize;
mod kit;
mod run;

use pyforge_args::ToolCommand;

use crate::clang::CompilerArgs;
use crate::tool::{Access, Tool};

pub const EXAMPLES: &str = "Examples:
  pyforge kit build                      build the CPython kit once (about 6 min on 2 cores)
  pyforge build                          relink the default forge's python.wasm (seconds)
  pyforge run -c 'import sys; print(sys.version)'
  pyforge run --with-tests -m test test_json
  pyforge componentize -d wit -w hello app -o hello.wasm   a Python app as a component
  pyforge build --app hello              the same for `[app.hello]` of pyforge.toml
  pyforge check                          check every cpython-ext/*/pyforge-pkg.toml
  pyforge check cpython-ext/_zlib_cap    check one extension (a directory or its manifest)
  pyforge gen cpython-ext/_zlib_cap      regenerate its C bindings in gen/
  pyforge plan                           what the default forge is made of, and its wiring
  pyforge compose python.wasm --plug zlib.wasm -o python.composed.wasm
  pyforge cli-wasm -o pyforge-cli.wasm   the tool for `wasmtime run`, with a clang stub

The tool commands see only the current directory: give paths inside it, relative to it.
`componentize` may name its WIT and `-p` directories anywhere (`-d ../../wit`, as
componentize-py's examples do): each is granted to the toolchain read-only, nothing else.";

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    Kit(kit::Args),
    Build(build::Args),
    Run(run::Args),
    Componentize(componentize::Args),
    CliWasm(cli_wasm::Args),
    #[command(flatten)]
    Tool(ToolCommand),
}

/// Runs a command; returns the process exit status. `tool_argv` is the command line from the
/// subcommand on, as typed: tool commands get it unchanged.
pub fn exec(command: Command, compiler: &CompilerArgs, tool_argv: &[String]) -> anyhow::Result<i32> {
    match command {
        Command::Kit(args) => kit::exec(args, compiler),
        Command::Build(args) => build::exec(args, compiler),
        Command::Run(args) => run::exec(args, compiler),
        Command::Componentize(args) => componentize::exec(args, compiler),
        Command::CliWasm(args) => cli_wasm::exec(args, compiler),
        Command::Tool(command) => {
            // Only what writes needs the current directory read-write.
            let access = match command {
                ToolCommand::Gen(_) | ToolCommand::Compose(_) | ToolCommand::Bindings(_) => Access::ReadWrite,
                ToolCommand::Check(_) | ToolCommand::Plan(_) | ToolCommand::Cc(_) => Access::ReadOnly,
            };
            Tool::load(compiler)?.run_cli(tool_argv, access)
        }
    }
}
