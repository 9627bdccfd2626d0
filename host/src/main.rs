//! `pyforge`, the native CLI.
//!
//! The toolchain itself is a component (`tool-component/`, embedded here); this host runs it
//! with wasmtime, preopening only what a command needs and answering its one import (`clang`)
//! with the configured compiler. Steps that cannot be sandboxed live here too.

mod clang;
mod commands;
mod kit;
mod precompile;
mod process;
mod python;
mod tool;

use clap::Parser;

/// pyforge: build CPython into WebAssembly components whose native modules come from
/// swappable capability components ("caps").
#[derive(Debug, Parser)]
#[command(name = "pyforge", version = version(), disable_help_subcommand = true, after_help = commands::EXAMPLES)]
pub struct Cli {
    #[command(flatten)]
    global: clang::CompilerArgs,
    #[command(subcommand)]
    command: commands::Command,
}

fn version() -> &'static str {
    concat!(env!("CARGO_PKG_VERSION"), " (wasmtime 48.0.8, tool component embedded)")
}

fn main() {
    let cli = Cli::parse();
    match commands::exec(cli.command, &cli.global) {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            eprintln!("error: {e}");
            for cause in e.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            std::process::exit(1);
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn verify_cli() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}
