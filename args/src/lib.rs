//! The one definition of pyforge's tool commands (`check`, `gen`, `plan`, `compose`, `cc`).
//!
//! The tool component parses them (natively through the `pyforge` host, or under
//! `wasmtime run pyforge-cli.wasm`); the host flattens the same definitions into its own CLI
//! for `--help` and validation, and forwards their argv unchanged. So a command and its flags
//! mean the same in both places.

#![deny(missing_docs)]

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
#[derive(Debug, Clone, PartialEq, Eq, clap::Args)]
pub struct AppArgs {
    /// The WIT directory (with its `deps/`) or a `.wit` file; anywhere (`../../wit`): the
    /// toolchain gets read-only access to it.
    #[arg(short = 'd', long = "wit-path", value_name = "WIT_PATH")]
    pub wit_path: String,
    /// The world to target [default: the package's only world].
    #[arg(short = 'w', long, value_name = "WORLD")]
    pub world: Option<String>,
    /// A directory holding the app's modules (repeatable; anywhere, read-only) [default: the
    /// current directory].
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
    /// The options as a command line, every value glued to its option (`--wit-path=DIR`), so
    /// a value starting with `-` stays a value; the app's module is left to the caller, which
    /// puts it after `--`.
    fn options_argv(&self) -> Vec<String> {
        let mut argv = vec![format!("--wit-path={}", self.wit_path)];
        if let Some(w) = &self.world {
            argv.push(format!("--world={w}"));
        }
        for p in &self.python_path {
            argv.push(format!("--python-path={p}"));
        }
        if self.stub_wasi {
            argv.push("--stub-wasi".to_string());
        }
        argv.push(format!("--world-module={}", self.world_module));
        argv
    }
}

/// The build steps the host asks the tool for: hidden commands of the tool's CLI, one typed
/// definition on both sides (the host makes the argv with [`StepCommand::to_argv`], the tool
/// parses it with clap; a test checks the round trip).
///
/// A build is two steps with the host's pre-initialization between them: `--step link`
/// (python.wasm and the embedded stdlib), then `--step compose` (the caps).
#[derive(Debug, Clone, PartialEq, Eq, clap::Subcommand)]
pub enum StepCommand {
    /// Build a forge against a CPython kit: check, plan, compile its extensions and relink
    /// `python.wasm` (with the host's `clang`), then compose it with its caps. `pyforge build`
    /// runs this after making sure the kit exists.
    #[command(hide = true)]
    Build(BuildStep),
    /// Build a Python application as a component (`pyforge componentize` runs this after
    /// making sure the kit exists, pre-initializing between the two steps).
    #[command(hide = true)]
    Componentize(ComponentizeStep),
    /// Build an application of `pyforge.toml` (`[app.NAME]`): `pyforge build --app NAME`.
    #[command(hide = true)]
    BuildApp(BuildAppStep),
}

/// What every step command takes: the kit and how far to go.
#[derive(Debug, Clone, PartialEq, Eq, clap::Args)]
pub struct StepOptions {
    /// The CPython kit directory (made by `pyforge kit build`).
    #[arg(long, value_name = "DIR")]
    pub kit: String,
    /// How far to go: `link` (python.wasm and the embedded stdlib; the host pre-initializes
    /// next) or `compose` (link when out of date, then compose the caps).
    #[arg(long, value_enum, default_value = "compose")]
    pub step: Step,
}

/// How far a build step goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Step {
    /// Plan and link.
    Link,
    /// Link when out of date, then compose.
    Compose,
}

/// The tool's `build`.
#[derive(Debug, Clone, PartialEq, Eq, clap::Args)]
pub struct BuildStep {
    /// The forge to build.
    #[arg(long, short = 'f', default_value = "default")]
    pub forge: String,
    /// Print only problems (for `pyforge run`).
    #[arg(long)]
    pub quiet: bool,
    /// The kit and the step.
    #[command(flatten)]
    pub options: StepOptions,
}

/// The tool's `componentize`.
#[derive(Debug, Clone, PartialEq, Eq, clap::Args)]
pub struct ComponentizeStep {
    /// componentize-py's options.
    #[command(flatten)]
    pub app: AppArgs,
    /// Build on this forge of `pyforge.toml` (its extensions and caps) [default: the kit's
    /// interpreter alone].
    #[arg(long)]
    pub forge: Option<String>,
    /// The kit and the step.
    #[command(flatten)]
    pub options: StepOptions,
}

/// The tool's `build-app`.
#[derive(Debug, Clone, PartialEq, Eq, clap::Args)]
pub struct BuildAppStep {
    /// The app's name in `pyforge.toml`.
    pub name: String,
    /// The kit and the step.
    #[command(flatten)]
    pub options: StepOptions,
}

impl StepCommand {
    /// The step's options.
    pub fn options_mut(&mut self) -> &mut StepOptions {
        match self {
            StepCommand::Build(b) => &mut b.options,
            StepCommand::Componentize(c) => &mut c.options,
            StepCommand::BuildApp(a) => &mut a.options,
        }
    }

    /// The command line the tool parses back into `self`: options with their values glued
    /// (`--kit=DIR`), positionals last after `--`.
    pub fn to_argv(&self) -> Vec<String> {
        let (mut argv, options, positional) = match self {
            StepCommand::Build(b) => {
                let mut argv = vec!["build".to_string(), format!("--forge={}", b.forge)];
                if b.quiet {
                    argv.push("--quiet".into());
                }
                (argv, &b.options, None)
            }
            StepCommand::Componentize(c) => {
                let mut argv = vec!["componentize".to_string()];
                if let Some(f) = &c.forge {
                    argv.push(format!("--forge={f}"));
                }
                argv.extend(c.app.options_argv());
                (argv, &c.options, Some(&c.app.app))
            }
            StepCommand::BuildApp(a) => (vec!["build-app".to_string()], &a.options, Some(&a.name)),
        };
        let step = match options.step {
            Step::Link => "link",
            Step::Compose => "compose",
        };
        argv.extend([format!("--kit={}", options.kit), format!("--step={step}")]);
        if let Some(p) = positional {
            argv.extend(["--".to_string(), p.clone()]);
        }
        argv
    }
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

    /// The hidden step commands as a CLI of their own.
    #[derive(Debug, clap::Parser)]
    struct Steps {
        #[command(subcommand)]
        command: super::StepCommand,
    }

    #[test]
    fn step_commands_round_trip() {
        use super::*;
        use clap::Parser as _;
        let options = |step| StepOptions { kit: "/cache/kits/cpython 3.13".into(), step };
        let app = AppArgs {
            wit_path: "../../wit".into(),
            world: Some("wasi:cli/command@0.2.0".into()),
            python_path: vec!["src".into(), "-odd".into()],
            world_module: "wit_world".into(),
            stub_wasi: true,
            app: "-app".into(),
        };
        let commands = [
            StepCommand::Build(BuildStep { forge: "default".into(), quiet: true, options: options(Step::Link) }),
            StepCommand::Build(BuildStep { forge: "test".into(), quiet: false, options: options(Step::Compose) }),
            StepCommand::Componentize(ComponentizeStep {
                app: app.clone(),
                forge: Some("default".into()),
                options: options(Step::Link),
            }),
            StepCommand::Componentize(ComponentizeStep {
                app: AppArgs { world: None, python_path: vec![], stub_wasi: false, ..app },
                forge: None,
                options: options(Step::Compose),
            }),
            StepCommand::BuildApp(BuildAppStep { name: "hello".into(), options: options(Step::Compose) }),
            StepCommand::BuildApp(BuildAppStep { name: "-app".into(), options: options(Step::Link) }),
        ];
        for command in commands {
            let argv = command.to_argv();
            let parsed = Steps::try_parse_from(std::iter::once("pyforge".to_string()).chain(argv.clone()))
                .unwrap_or_else(|e| panic!("{argv:?}: {e}"));
            assert_eq!(parsed.command, command, "{argv:?}");
        }
    }

    #[test]
    fn verify_cli() {
        use clap::CommandFactory;
        Steps::command().debug_assert();
        Cli::command().debug_assert();
        let names: Vec<String> = Cli::command().get_subcommands().map(|c| c.get_name().to_string()).collect();
        assert_eq!(names, super::ToolCommand::NAMES);
    }
}
