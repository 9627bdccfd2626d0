//! `pyforge`, the native CLI.
//!
//! The toolchain itself is a component (`tool-component/`, embedded here); this host runs it
//! with wasmtime, preopening only what a command needs and answering its one import (`clang`)
//! with the configured compiler. Steps that cannot be sandboxed live here too.

mod bindings;
mod cache;
mod clang;
mod commands;
mod fresh;
mod kit;
mod lock;
mod precompile;
mod process;
mod python;
mod snapshot;
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

/// The command line from the subcommand on: what follows the host's own options (which come
/// before the subcommand, each with its value: `--cc PATH` or `--cc=PATH`). The options are
/// read from the CLI definition, so a new one needs no change here.
fn from_subcommand(argv: &[String]) -> &[String] {
    use clap::CommandFactory;
    let options: Vec<String> =
        Cli::command().get_arguments().filter_map(|a| a.get_long()).map(|l| format!("--{l}")).collect();
    let mut i = 1;
    while let Some(a) = argv.get(i) {
        let (name, glued) = a.split_once('=').map_or((a.as_str(), false), |(n, _)| (n, true));
        if !options.iter().any(|o| o == name) {
            break;
        }
        i += if glued { 1 } else { 2 };
    }
    &argv[i.min(argv.len())..]
}

fn main() {
    let argv: Vec<String> = std::env::args().collect();
    let cli = Cli::parse_from(&argv);
    match commands::exec(cli.command, &cli.global, from_subcommand(&argv)) {
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

    #[test]
    fn tool_argv_starts_at_the_subcommand() {
        let argv = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let a = argv(&["pyforge", "--cc", "clang", "--sysroot=/s", "plan", "-f", "x"]);
        assert_eq!(super::from_subcommand(&a), argv(&["plan", "-f", "x"]));
        let a = argv(&["pyforge", "check"]);
        assert_eq!(super::from_subcommand(&a), argv(&["check"]));
    }
}
