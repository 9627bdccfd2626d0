//! The command line of the tool component (`wasi:cli/run`). The native `pyforge` host forwards
//! the tool commands' argv here unchanged, so both print exactly the same thing.

mod plan;

use std::io::Write as _;

use clap::{Parser, Subcommand};
use pyforge_args::{CcArgs, CheckArgs, ComposeArgs, GenArgs, ToolCommand};
use pyforge_core::compose::{self, Input};
use pyforge_core::diag::plural;
use pyforge_core::link::Compiler as _;
use pyforge_core::source::{self, Disk};
use pyforge_core::{Diag, Severity, check, r#gen};

/// pyforge: build CPython into WebAssembly components whose native modules come from
/// swappable capability components.
#[derive(Debug, Parser)]
#[command(name = "pyforge", bin_name = "pyforge", version, disable_help_subcommand = true, after_help = pyforge_args::EXAMPLES)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    #[command(flatten)]
    Tool(ToolCommand),
    /// Build a forge against a CPython kit: check, plan, compile its extensions and relink
    /// `python.wasm` (with the host's `clang`), then compose it with its caps. `pyforge build`
    /// runs this after making sure the kit exists.
    #[command(hide = true)]
    Build(BuildArgs),
    /// Build a Python application as a component (`pyforge componentize` runs this after
    /// making sure the kit exists, pre-initializing between the two steps).
    #[command(hide = true)]
    Componentize(ComponentizeArgs),
    /// Build an application of `pyforge.toml` (`[app.NAME]`): `pyforge build --app NAME`.
    #[command(hide = true)]
    BuildApp(BuildAppArgs),
}

/// The tool's `build-app`.
#[derive(Debug, clap::Args)]
struct BuildAppArgs {
    /// The app's name in `pyforge.toml`.
    name: String,
    /// The CPython kit directory.
    #[arg(long, value_name = "DIR")]
    kit: String,
    /// How far to go (see `build --step`); `compose` also writes the app's `output`.
    #[arg(long, value_enum, default_value = "compose")]
    step: StepArg,
}

/// The tool's `componentize`.
#[derive(Debug, clap::Args)]
struct ComponentizeArgs {
    #[command(flatten)]
    app: pyforge_args::AppArgs,
    /// The CPython kit directory.
    #[arg(long, value_name = "DIR")]
    kit: String,
    /// Build on this forge of `pyforge.toml` (its extensions and caps) [default: the kit's
    /// interpreter alone].
    #[arg(long)]
    forge: Option<String>,
    /// How far to go (see `build --step`).
    #[arg(long, value_enum, default_value = "compose")]
    step: StepArg,
}

/// The tool's `build`: what the host's `pyforge build` runs once it has the kit.
#[derive(Debug, clap::Args)]
struct BuildArgs {
    /// The CPython kit directory (made by `pyforge kit build`).
    #[arg(long, value_name = "DIR")]
    kit: String,
    /// The forge to build.
    #[arg(long, short = 'f', default_value = "default")]
    forge: String,
    /// Print only problems (for `pyforge run`).
    #[arg(long)]
    quiet: bool,
    /// How far to go: `link` (python.wasm and the embedded stdlib; the host pre-initializes
    /// next) or `compose` (link when out of date, then compose the caps).
    #[arg(long, value_enum, default_value = "compose")]
    step: StepArg,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum StepArg {
    Link,
    Compose,
}

impl From<StepArg> for pyforge_core::build::Step {
    fn from(s: StepArg) -> Self {
        match s {
            StepArg::Link => pyforge_core::build::Step::Link,
            StepArg::Compose => pyforge_core::build::Step::Compose,
        }
    }
}

/// Prints diagnostics to stderr, as compilers do (a blank line after each problem).
pub fn print_diags(diags: &[Diag]) {
    let mut err = std::io::stderr().lock();
    for d in diags {
        let gap = if d.severity == Severity::Note { "" } else { "\n" };
        let _ = write!(err, "{}{gap}", d.render());
    }
}

/// Runs the CLI; returns the exit status.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { 2 } else { 0 };
        }
    };
    match cli.command {
        Command::Tool(ToolCommand::Check(args)) => check(args),
        Command::Tool(ToolCommand::Gen(args)) => gen_bindings(args),
        Command::Tool(ToolCommand::Plan(args)) => plan::exec(args),
        Command::Tool(ToolCommand::Compose(args)) => compose(args),
        Command::Tool(ToolCommand::Cc(args)) => cc(args),
        Command::Tool(ToolCommand::Bindings(args)) => python_bindings(args),
        Command::Build(args) => build(args),
        Command::Componentize(args) => componentize(args),
        Command::BuildApp(args) => build_app(args),
    }
}

/// The tool sees only its preopened current directory: an absolute path cannot mean a file it
/// sees, so it is refused with the reason (the same natively and under `wasmtime run`).
fn relative(path: &str) -> Result<&str, Diag> {
    if path.starts_with('/') {
        return Err(Diag::new(Some(path), format!("`{path}` is an absolute path"))
            .help("the tool sees only the current directory: give a path relative to it")
            .code("cli::absolute-path"));
    }
    Ok(path)
}

fn check(args: CheckArgs) -> i32 {
    if let Err(d) = args.paths.iter().try_for_each(|p| relative(p).map(|_| ())) {
        print_diags(&[d]);
        return 1;
    }
    let report = check::check(&Disk, &args.paths);
    let mut out = std::io::stdout().lock();
    for e in &report.extensions {
        let list = |v: &[String]| if v.is_empty() { "nothing".to_string() } else { v.join(", ") };
        let kind = if e.module_name.is_none() { ", shim-only" } else { "" };
        let _ = writeln!(
            out,
            "ok: {} ({}{kind}): provides {}; imports {}",
            e.manifest,
            e.name,
            list(&e.provides),
            list(&e.imports)
        );
    }
    drop(out);
    print_diags(&report.diagnostics);
    let n = report.diagnostics.len();
    if n == 0 {
        println!("checked {}: no problems", plural(report.extensions.len(), "extension"));
        0
    } else {
        eprintln!("error: check found {}", plural(n, "problem"));
        1
    }
}

fn gen_bindings(args: GenArgs) -> i32 {
    let written =
        relative(&args.capdir).map_err(|d| vec![d]).and_then(|dir| r#gen::gen_dir(dir).map_err(|e| e.diagnostics()));
    match written {
        Ok(files) => {
            for f in files {
                println!("wrote {f}");
            }
            0
        }
        Err(d) => {
            print_diags(&d);
            1
        }
    }
}

/// Reads components from paths.
pub fn read_components<'a>(paths: impl Iterator<Item = &'a String>) -> Result<Vec<Input>, Diag> {
    paths
        .map(|p| {
            let bytes = std::fs::read(relative(p)?)
                .map_err(|e| Diag::new(Some(p), format!("failed to read component: {e}")).code("compose::io"))?;
            Ok(Input { name: p.clone(), bytes })
        })
        .collect()
}

fn compose(args: ComposeArgs) -> i32 {
    let inputs = match read_components(std::iter::once(&args.socket).chain(&args.plugs)) {
        Ok(i) => i,
        Err(d) => {
            print_diags(&[d]);
            return 1;
        }
    };
    let composed =
        compose::compose_full(&inputs[0], &inputs[1..], &args.stubs, args.stub_message.as_deref(), &Default::default());
    let (bytes, wiring) = match composed {
        Ok(c) => c,
        Err(e) => {
            let d = e.diagnostics();
            print_diags(d);
            eprintln!("error: composition failed with {}", plural(d.len(), "problem"));
            return 1;
        }
    };
    let written = relative(&args.output).and_then(|o| {
        source::write_atomic(std::path::Path::new(o), &bytes)
            .map_err(|e| Diag::new(Some(o), format!("failed to write: {e}")).code("compose::io"))
    });
    if let Err(d) = written {
        print_diags(&[d]);
        return 1;
    }
    print_diags(&compose::notes(&wiring));
    println!("wrote {} ({} bytes)", args.output, bytes.len());
    0
}

fn cc(args: CcArgs) -> i32 {
    match crate::ToolchainCompiler.run(&args.args) {
        Ok(done) => {
            let _ = std::io::stdout().write_all(&done.stdout);
            let _ = std::io::stderr().write_all(&done.stderr);
            if done.status != 0 {
                eprintln!("error: clang exited with status {}", done.status);
            }
            done.status.clamp(0, 255)
        }
        Err(e) => {
            eprintln!("error: {e}");
            1
        }
    }
}

fn build(args: BuildArgs) -> i32 {
    let BuildArgs { kit, forge, quiet, step } = args;
    let step: pyforge_core::build::Step = step.into();
    // The second step repeats what the first said: only problems and the composition.
    let quiet_link = quiet || step == pyforge_core::build::Step::Compose;
    let say = |line: String| {
        if !quiet {
            println!("{line}");
        }
    };
    let say_link = |line: String| {
        if !quiet_link {
            println!("{line}");
        }
    };
    let out_dir = pyforge_args::forge_dir(&forge);
    let mut planned = |plan: &pyforge_core::plan::ForgePlan| {
        let modules: Vec<&str> = plan.extensions.iter().map(|e| e.module.as_str()).collect();
        let list = if modules.is_empty() { "none".to_string() } else { modules.join(", ") };
        say_link(format!("forge `{forge}`: {} ({list})", plural(modules.len(), "extension")));
        for e in plan.extensions.iter().filter(|e| !e.imports.is_empty()) {
            say_link(format!("  {} imports {}", e.module, e.imports.join(", ")));
        }
    };
    let built =
        pyforge_core::build::build(&Disk, &crate::ToolchainCompiler, &forge, &kit, &out_dir, step, &mut planned);
    let built = match built {
        Ok(b) => b,
        Err(e) => {
            print_diags(e.diagnostics());
            eprintln!("error: {e}");
            return 1;
        }
    };
    for line in &built.linked.log {
        say_link(format!("  {line}"));
    }
    let l = &built.linked;
    say_link(if l.rebuilt {
        format!("built {} ({} bytes)", l.output, l.size)
    } else {
        format!("{} is up to date", l.output)
    });
    if let Some(c) = &built.composed {
        print_diags(&c.notes);
        let caps: Vec<&str> = built.plan.caps.iter().map(|(_, p)| p.value.as_str()).collect();
        let none_or = |v: Vec<&str>| if v.is_empty() { "none".to_string() } else { v.join(", ") };
        let stubs = built.plan.stubs.iter().map(String::as_str).collect();
        let (before, after) = if c.rebuilt { ("composed ", "") } else { ("", " is up to date") };
        say(format!(
            "{before}{}{after} ({} bytes; caps: {}; stubs: {})",
            c.output,
            c.size,
            none_or(caps),
            none_or(stubs)
        ));
    }
    0
}

fn componentize(args: ComponentizeArgs) -> i32 {
    let ComponentizeArgs { app, kit, forge, step } = args;
    let spec = pyforge_core::componentize::AppSpec {
        wit: app.wit_path.clone(),
        world: app.world.clone(),
        module: app.app.clone(),
        python_path: app.python_path.clone(),
        world_module: app.world_module.clone(),
        stub_wasi: app.stub_wasi,
    };
    i32::from(build_an_app(&app.app, &spec, forge.as_deref(), &kit, step.into()).is_none())
}

/// Builds an application (`componentize`, or a project's `build-app`) into `app_dir(name)`,
/// printing its notes or its problems; `None` when it failed.
fn build_an_app(
    name: &str,
    spec: &pyforge_core::componentize::AppSpec,
    forge: Option<&str>,
    kit: &str,
    step: pyforge_core::build::Step,
) -> Option<pyforge_core::build::Built> {
    for path in std::iter::once(&spec.wit).chain(&spec.python_path) {
        if let Err(d) = relative(path) {
            print_diags(&[d]);
            return None;
        }
    }
    let out_dir = pyforge_args::app_dir(name);
    match pyforge_core::componentize::build_app(&Disk, &crate::ToolchainCompiler, spec, forge, kit, &out_dir, step) {
        Ok(b) => {
            if let Some(c) = &b.composed {
                print_diags(&c.notes);
            }
            Some(b)
        }
        Err(e) => {
            print_diags(e.diagnostics());
            eprintln!("error: app `{name}` was not built: {e}");
            None
        }
    }
}

fn build_app(args: BuildAppArgs) -> i32 {
    let (spec, forge, output) = match pyforge_core::componentize::project_app(&Disk, &args.name) {
        Ok(x) => x,
        Err(diags) => {
            print_diags(&diags);
            return 1;
        }
    };
    let step = args.step.into();
    let Some(built) = build_an_app(&args.name, &spec, forge.as_deref(), &args.kit, step) else {
        return 1;
    };
    if step == pyforge_core::build::Step::Link {
        return 0;
    }
    let out_dir = pyforge_args::app_dir(&args.name);
    // The component to ship: the composition (caps, stubs), else the snapshot.
    let from = built
        .composed
        .as_ref()
        .map(|c| c.output.clone())
        .unwrap_or_else(|| format!("{out_dir}/{}", pyforge_core::build::SNAPSHOT));
    let written = std::fs::read(&from)
        .and_then(|bytes| source::write_atomic(std::path::Path::new(&output), &bytes).map(|()| bytes.len()));
    match written {
        Ok(n) => {
            println!("wrote {output} ({n} bytes)");
            0
        }
        Err(e) => {
            eprintln!("error: app `{}`: failed to write `{output}` from `{from}`: {e}", args.name);
            1
        }
    }
}

/// `pyforge bindings`: the world's Python package, written file by file (atomically).
fn python_bindings(args: pyforge_args::BindingsArgs) -> i32 {
    for path in [&args.wit_path, &args.out_dir] {
        if let Err(d) = relative(path) {
            print_diags(&[d]);
            return 1;
        }
    }
    let files = match pyforge_core::componentize::world_bindings(
        &Disk,
        &args.wit_path,
        args.world.as_deref(),
        &args.world_module,
    ) {
        Ok(f) => f,
        Err(diags) => {
            print_diags(&diags);
            return 1;
        }
    };
    for (rel, text) in &files {
        let path = source::join(&args.out_dir, rel);
        if let Err(e) = source::write_atomic(std::path::Path::new(&path), text.as_bytes()) {
            print_diags(&[Diag::new(Some(&path), format!("failed to write: {e}"))]);
            return 1;
        }
    }
    println!("wrote {} ({})", args.out_dir, plural(files.len(), "file"));
    0
}
