//! The command line of the tool component (`wasi:cli/run`). The native `pyforge` host forwards
//! the tool commands' argv here unchanged, so both print exactly the same thing.

mod plan;

use std::io::Write as _;

use clap::{Parser, Subcommand};
use pyforge_args::{
    BuildAppStep, BuildStep, CcArgs, CheckArgs, ComponentizeStep, ComposeArgs, GenArgs, StepCommand, ToolCommand,
};
use pyforge_core::build::Step;
use pyforge_core::compose::{self, Input};
use pyforge_core::diag::plural;
use pyforge_core::link::Compiler as _;
use pyforge_core::source::{self, Disk};
use pyforge_core::{Diag, Severity, check, r#gen};
use pyforge_layout::{BuildDir, write_atomic};

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
    #[command(flatten)]
    Step(StepCommand),
}

fn step(s: pyforge_args::Step) -> Step {
    match s {
        pyforge_args::Step::Link => Step::Link,
        pyforge_args::Step::Compose => Step::Compose,
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
        Command::Step(StepCommand::Build(args)) => build(args),
        Command::Step(StepCommand::Componentize(args)) => componentize(args),
        Command::Step(StepCommand::BuildApp(args)) => build_app(args),
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

/// An application's input (`-d`, `-p`) may be anywhere the tool was given: the current
/// directory, or a directory granted at its absolute path (`pyforge componentize` grants the
/// ones the user names; under `wasmtime run`, `--dir DIR::DIR` does). What the tool cannot see
/// is said in words, with how to grant it.
fn reachable(flag: &str, path: &str) -> Result<(), Diag> {
    const HELP: &str = "run it through `pyforge componentize`, which gives the toolchain read-only access to the \
        directories you name; under `wasmtime run`, pass the absolute path and grant it with `--dir DIR::DIR`";
    let absolute = path.starts_with('/');
    if !absolute && path.split('/').any(|p| p == "..") {
        return Err(Diag::new(
            Some(path),
            format!("`{flag} {path}` leads out of the current directory, the only one the toolchain was given"),
        )
        .help(HELP)
        .code("cli::not-granted"));
    }
    if absolute && std::fs::metadata(path).is_err() {
        return Err(Diag::new(Some(path), format!("`{flag} {path}` is not in a directory the toolchain was given"))
            .help(HELP)
            .code("cli::not-granted"));
    }
    Ok(())
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
        write_atomic(o, &bytes).map_err(|e| Diag::new(Some(o), format!("failed to write: {e}")).code("compose::io"))
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

fn build(args: BuildStep) -> i32 {
    let BuildStep { forge, quiet, options } = args;
    let (kit, step) = (options.kit, step(options.step));
    // The second step repeats what the first said: only problems and the composition.
    let quiet_link = quiet || step == Step::Compose;
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
    let out = BuildDir::forge(&forge);
    let mut planned = |plan: &pyforge_core::plan::ForgePlan| {
        let modules: Vec<&str> = plan.extensions.iter().map(|e| e.module.as_str()).collect();
        let list = if modules.is_empty() { "none".to_string() } else { modules.join(", ") };
        say_link(format!("forge `{forge}`: {} ({list})", plural(modules.len(), "extension")));
        for e in plan.extensions.iter().filter(|e| !e.imports.is_empty()) {
            say_link(format!("  {} imports {}", e.module, e.imports.join(", ")));
        }
    };
    let built = pyforge_core::build::build(&Disk, &crate::ToolchainCompiler, &forge, &kit, &out, step, &mut planned);
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

fn componentize(args: ComponentizeStep) -> i32 {
    let ComponentizeStep { app, forge, options } = args;
    let paths = std::iter::once(("-d", &app.wit_path)).chain(app.python_path.iter().map(|p| ("-p", p)));
    let unreachable: Vec<Diag> = paths.filter_map(|(flag, p)| reachable(flag, p).err()).collect();
    if !unreachable.is_empty() {
        print_diags(&unreachable);
        eprintln!("error: app `{}` was not built", app.app);
        return 1;
    }
    let spec = pyforge_core::componentize::AppSpec {
        wit: app.wit_path.clone(),
        world: app.world.clone(),
        module: app.app.clone(),
        python_path: app.python_path.clone(),
        world_module: app.world_module.clone(),
        stub_wasi: app.stub_wasi,
    };
    i32::from(build_an_app(&app.app, &spec, forge.as_deref(), &options.kit, step(options.step)).is_none())
}

/// Builds an application (`componentize`, or a project's `build-app`) into its build
/// directory, printing its notes or its problems; `None` when it failed.
fn build_an_app(
    name: &str,
    spec: &pyforge_core::componentize::AppSpec,
    forge: Option<&str>,
    kit: &str,
    step: Step,
) -> Option<pyforge_core::build::Built> {
    let out = BuildDir::app(name);
    match pyforge_core::build::build_app(&Disk, &crate::ToolchainCompiler, name, spec, forge, kit, &out, step) {
        Ok(b) => {
            if let Some(c) = &b.composed {
                print_diags(&c.notes);
            }
            Some(b)
        }
        Err(e) => {
            print_diags(e.diagnostics());
            eprintln!("error: {e}");
            None
        }
    }
}

fn build_app(args: BuildAppStep) -> i32 {
    let (spec, forge, output) = match pyforge_core::componentize::project_app(&Disk, &args.name) {
        Ok(x) => x,
        Err(diags) => {
            print_diags(&diags);
            return 1;
        }
    };
    let step = step(args.options.step);
    if build_an_app(&args.name, &spec, forge.as_deref(), &args.options.kit, step).is_none() {
        return 1;
    }
    if step == Step::Link {
        return 0;
    }
    let from = BuildDir::app(&args.name).shippable();
    let written = std::fs::read(&from).and_then(|bytes| write_atomic(&output, &bytes).map(|()| bytes.len()));
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
        if let Err(e) = write_atomic(&path, text.as_bytes()) {
            print_diags(&[Diag::new(Some(&path), format!("failed to write: {e}")).code("cli::io")]);
            return 1;
        }
    }
    println!("wrote {} ({})", args.out_dir, plural(files.len(), "file"));
    0
}
