//! `pyforge build`: relink `python.wasm` for a forge against the CPython kit, pre-initialize
//! it, compose its caps.

use pyforge_args::{BuildAppStep, BuildStep, Step, StepCommand, StepOptions};
use pyforge_layout::BuildDir;

use crate::clang::{Clang, CompilerArgs};
use crate::kit::{self, Kit, KitArgs};
use crate::snapshot;
use crate::tool::{Access, Preopen, Tool};

/// Build a forge: check and plan the extensions, compile them, relink against the CPython kit,
/// pre-initialize and compose the caps (seconds; the kit is built first if there is none).
///
/// Outputs, in `target/pyforge/<forge>/`: `python.wasm` (a wasm32-wasip2 component importing
/// WASI and the caps' interfaces), `python.lock` (every input with its hash), `lib/` (the
/// stdlib overlays the extensions provide); for a self-contained forge (the default)
/// `python.stdlib` (the embedded stdlib) and `python.snapshot.wasm` (pre-initialized); and
/// `python.composed.wasm` (with the caps: the one to run or ship). Each step is skipped when
/// its inputs did not change.
///
/// With `--app NAME`: the application `[app.NAME]` of `pyforge.toml` (`pyforge componentize`'s
/// options in the project file), written to its `output` (default `NAME.wasm`).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The forge to build (from `pyforge.toml`).
    #[arg(long, short = 'f', default_value = "default")]
    pub forge: String,
    /// Build this application of `pyforge.toml` (`[app.NAME]`) instead of a forge.
    #[arg(long, value_name = "NAME", conflicts_with = "forge")]
    pub app: Option<String>,
    #[command(flatten)]
    pub kit: KitArgs,
}

pub fn exec(args: Args, compiler: &CompilerArgs) -> anyhow::Result<i32> {
    let kit = kit::ensure(&args.kit, &Clang::configure(compiler))?;
    let tool = Tool::load(compiler)?;
    match &args.app {
        Some(app) => {
            let command = StepCommand::BuildApp(BuildAppStep { name: app.clone(), options: options(&kit) });
            build(&tool, &kit, command, &[], false)
        }
        None => build_forge(&tool, &kit, &args.forge, false),
    }
}

/// Builds `forge` against `kit`; `quiet` prints only problems.
pub fn build_forge(tool: &Tool, kit: &Kit, forge: &str, quiet: bool) -> anyhow::Result<i32> {
    let command = StepCommand::Build(BuildStep { forge: forge.to_string(), quiet, options: options(kit) });
    build(tool, kit, command, &[], quiet)
}

/// The step options for `kit` (the step itself is set by [`build`]).
pub fn options(kit: &Kit) -> StepOptions {
    StepOptions { kit: kit.dir.display().to_string(), step: Step::Link }
}

/// Runs a build the tool and the host share, for a forge and an app alike: the tool's link
/// step, the host's pre-initialization (for a self-contained build), the tool's compose step.
/// The build directory is locked meanwhile (two builds of one forge or app take turns).
/// `extra` are directories the tool sees besides the current one and the kit.
pub fn build(tool: &Tool, kit: &Kit, mut command: StepCommand, extra: &[Preopen], quiet: bool) -> anyhow::Result<i32> {
    let (dir, what) = match &command {
        StepCommand::Build(b) => (BuildDir::forge(&b.forge), format!("building forge `{}`", b.forge)),
        StepCommand::Componentize(c) => (BuildDir::app(&c.app.app), format!("building app `{}`", c.app.app)),
        StepCommand::BuildApp(a) => (BuildDir::app(&a.name), format!("building app `{}`", a.name)),
    };
    let _lock = crate::lock::exclusive(std::path::Path::new(&dir.lock_file()), &what)?;
    command.options_mut().step = Step::Link;
    let status = tool_step(tool, kit, &command, extra)?;
    if status != 0 {
        return Ok(status);
    }
    let pending = !std::path::Path::new(&dir.file(BuildDir::SNAPSHOT)).is_file();
    if !quiet && pending && std::path::Path::new(&dir.file(BuildDir::INIT)).is_file() {
        eprintln!("pre-initializing {} (Python's init and the warm imports, then a snapshot) ...", dir.root());
    }
    let snap = snapshot::snapshot(&dir)?;
    if let Some(s) = &snap
        && !quiet
    {
        println!(
            "{} {} ({} bytes){}",
            if s.rebuilt { "pre-initialized" } else { "kept" },
            s.output.display(),
            s.size,
            if s.rebuilt { format!(" in {:.1} s", s.seconds) } else { " (up to date)".into() }
        );
    }
    if snap.is_none() && !matches!(command, StepCommand::Build(_)) {
        anyhow::bail!("{what}: the build is not self-contained");
    }
    command.options_mut().step = Step::Compose;
    tool_step(tool, kit, &command, extra)
}

/// Runs one step of a tool build command. The tool sees the kit (read-only) at the same
/// absolute path as the host, so the paths it gives the `clang` import mean the same thing on
/// both sides; `extra` directories likewise.
fn tool_step(tool: &Tool, kit: &Kit, command: &StepCommand, extra: &[Preopen]) -> anyhow::Result<i32> {
    let guest = kit.dir.to_str().ok_or_else(|| anyhow::anyhow!("the kit path `{}` is not UTF-8", kit.dir.display()))?;
    let mut preopens = vec![Preopen { host: kit.dir.clone(), guest: guest.to_string(), access: Access::ReadOnly }];
    preopens.extend(extra.iter().cloned());
    tool.run_cli_with(&command.to_argv(), Access::ReadWrite, &preopens)
}
