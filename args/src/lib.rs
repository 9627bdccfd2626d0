//! The one definition of pyforge's tool commands (`check`, `gen`, `plan`, `compose`, `cc`).
//!
//! The tool component parses them (natively through the `pyforge` host, or under
//! `wasmtime run pyforge-cli.wasm`); the host flattens the same definitions into its own CLI
//! for `--help` and validation, and forwards their argv unchanged. So a command and its flags
//! mean the same in both places.

#![deny(missing_docs)]

/// The directory under the project root where a forge is built.
pub fn forge_dir(forge: &str) -> String {
    format!("target/pyforge/{forge}")
}

/// The tool commands: every one runs inside the tool component.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum ToolCommand {
    /// Check extension manifests against their files, WIT worlds, each other and the forges.
    ///
    /// Each PATH is an extension directory, its `pyforge-pkg.toml`, or a directory of
    /// extension directories. With no PATH, every `cpython-ext/*/pyforge-pkg.toml` is checked.
    /// Problems are printed like compiler errors (file, line, column, a fix hint); the exit
    /// status is 1 if any.
    Check(CheckArgs),
    /// Regenerate an extension's C bindings (`gen/`) from its WIT world with wit-bindgen-c.
    ///
    /// Writes `<world>.c`, `<world>.h` and `<world>_component_type.o` into the manifest's
    /// `gen_dir`, each atomically. The output is byte-identical for the same WIT; `pyforge check`
    /// fails while the committed files differ from it.
    Gen(GenArgs),
    /// Show what a forge is made of and which component satisfies which import (the plugs' own
    /// imports too), which imports stay WASI, and what is missing — before composing.
    ///
    /// With no SOCKET: the forge's extensions, overlays and offload entries, then the wiring of
    /// its built python.wasm with the caps and stubs `pyforge.toml` names. Exits 1 when
    /// something is missing or a plug is unused.
    Plan(PlanArgs),
    /// Plug cap components into a component's imports (like `wac plug`, but strict).
    ///
    /// Every import of SOCKET that is not `wasi:*` must be satisfied by a plug or a stub, or the
    /// composition fails naming each import left and what comes close. The output is written
    /// atomically and is byte-identical for the same inputs.
    Compose(ComposeArgs),
    /// Run the configured wasm C compiler (the tool's `clang` import) with ARGS.
    ///
    /// The host runs its compiler only with the arguments the pipeline uses (README: "The C
    /// compiler"); `pyforge cc -- --version` checks the setup. Example:
    /// `pyforge cc -- --target=wasm32-wasip2 -c gen/x.c -o x.o`.
    Cc(CcArgs),
    /// Write the Python bindings of a WIT world (the `wit_world` package and
    /// `componentize_py_types`) into OUT_DIR, for an IDE — what `pyforge componentize` embeds.
    ///
    /// componentize-py's `bindings` command, with the same options after the subcommand.
    Bindings(BindingsArgs),
}

impl ToolCommand {
    /// The subcommand names, as typed.
    pub const NAMES: &[&str] = &["check", "gen", "plan", "compose", "cc", "bindings"];
}

/// `pyforge bindings`.
#[derive(Debug, Clone, clap::Args)]
pub struct BindingsArgs {
    /// The WIT directory (with its `deps/`).
    #[arg(short = 'd', long = "wit-path", value_name = "WIT_PATH")]
    pub wit_path: String,
    /// The world [default: the package's only world].
    #[arg(short = 'w', long, value_name = "WORLD")]
    pub world: Option<String>,
    /// The name of the generated package.
    #[arg(long, value_name = "NAME", default_value = "wit_world")]
    pub world_module: String,
    /// Where to write the package.
    #[arg(value_name = "OUT_DIR")]
    pub out_dir: String,
}

/// `pyforge check`.
#[derive(Debug, Clone, clap::Args)]
pub struct CheckArgs {
    /// Extension directories, manifests, or directories of extensions.
    pub paths: Vec<String>,
}

/// `pyforge gen`.
#[derive(Debug, Clone, clap::Args)]
pub struct GenArgs {
    /// The extension directory (or its manifest).
    pub capdir: String,
}

/// `pyforge plan`.
#[derive(Debug, Clone, clap::Args)]
pub struct PlanArgs {
    /// The component whose imports get plugged [default: the forge's python.wasm].
    pub socket: Option<String>,
    /// A component whose exports satisfy imports (repeatable).
    #[arg(long = "plug", short = 'p', value_name = "CAP.wasm")]
    pub plugs: Vec<String>,
    /// An interface to answer with a generated stub (repeatable).
    #[arg(long = "stub", value_name = "INTERFACE")]
    pub stubs: Vec<String>,
    /// The forge whose composition to show (without SOCKET).
    #[arg(long, short = 'f', default_value = "default", conflicts_with = "socket")]
    pub forge: String,
    /// Print JSON (for tools) instead of a tree.
    #[arg(long)]
    pub json: bool,
}

/// `pyforge compose`.
#[derive(Debug, Clone, clap::Args)]
pub struct ComposeArgs {
    /// The component whose imports get plugged (e.g. python.wasm).
    pub socket: String,
    /// A component whose exports satisfy imports of the socket (repeatable).
    #[arg(long = "plug", short = 'p', value_name = "CAP.wasm")]
    pub plugs: Vec<String>,
    /// Answer this interface (`ns:pkg/iface[@version]`) with a generated stub (repeatable).
    #[arg(long = "stub", value_name = "INTERFACE")]
    pub stubs: Vec<String>,
    /// The message stubs return where a function can return an error string.
    #[arg(long, hide = true)]
    pub stub_message: Option<String>,
    /// Where to write the composed component.
    #[arg(long, short = 'o')]
    pub output: String,
}

/// `pyforge cc`.
#[derive(Debug, Clone, clap::Args)]
pub struct CcArgs {
    /// Arguments for clang (put them after `--`).
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub args: Vec<String>,
}

/// componentize-py's options for an application (`pyforge componentize`), shared by the host's
/// command and the tool's.
#[derive(Debug, Clone, clap::Args)]
pub struct AppArgs {
    /// The WIT directory (with its `deps/`), relative to the current directory.
    #[arg(short = 'd', long = "wit-path", value_name = "WIT_PATH")]
    pub wit_path: String,
    /// The world to target [default: the package's only world].
    #[arg(short = 'w', long, value_name = "WORLD")]
    pub world: Option<String>,
    /// A directory holding the app's modules (repeatable) [default: the current directory].
    #[arg(short = 'p', long = "python-path", value_name = "DIR")]
    pub python_path: Vec<String>,
    /// The name of the generated bindings package the app imports.
    #[arg(long, value_name = "NAME", default_value = "wit_world")]
    pub world_module: String,
    /// Answer every WASI import with a trapping stub: the component imports nothing (for worlds
    /// of custom exports; the app must not print, read the clock or the environment).
    #[arg(long)]
    pub stub_wasi: bool,
    /// The app's module (`app` for app.py).
    #[arg(value_name = "APP_MODULE")]
    pub app: String,
}

impl AppArgs {
    /// The same options as a command line (the host passes them on to the tool).
    pub fn to_argv(&self) -> Vec<String> {
        let mut argv = vec!["-d".to_string(), self.wit_path.clone()];
        if let Some(w) = &self.world {
            argv.extend(["-w".to_string(), w.clone()]);
        }
        for p in &self.python_path {
            argv.extend(["-p".to_string(), p.clone()]);
        }
        if self.stub_wasi {
            argv.push("--stub-wasi".to_string());
        }
        argv.extend(["--world-module".to_string(), self.world_module.clone(), self.app.clone()]);
        argv
    }
}

/// Where an application's build goes: `target/pyforge/app-<module>`.
pub fn app_dir(module: &str) -> String {
    format!("target/pyforge/app-{module}")
}

/// Examples shown by `--help`.
pub const EXAMPLES: &str = "Examples:
  pyforge check                          check every cpython-ext/*/pyforge-pkg.toml
  pyforge check cpython-ext/_zlib_cap    check one extension (a directory or its manifest)
  pyforge gen cpython-ext/_zlib_cap      regenerate its C bindings in gen/
  pyforge plan                           what the default forge is made of, and its wiring
  pyforge compose python.wasm --plug zlib.wasm -o python.composed.wasm";

#[cfg(test)]
mod tests {
    /// The tool commands as a CLI of their own.
    #[derive(Debug, clap::Parser)]
    struct Cli {
        #[command(subcommand)]
        command: super::ToolCommand,
    }

    #[test]
    fn verify_cli() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
        let names: Vec<String> = Cli::command().get_subcommands().map(|c| c.get_name().to_string()).collect();
        assert_eq!(names, super::ToolCommand::NAMES);
    }
}
