//! `pyforge build`: relink `python.wasm` for a forge against the CPython kit, pre-initialize
//! it, compose its caps.

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

/// Builds `forge` against `kit` with the tool — link, pre-initialize (for a self-contained
/// forge), compose; `quiet` prints only problems.
pub fn build_forge(tool: &Tool, kit: &Kit, forge: &str, quiet: bool) -> anyhow::Result<i32> {
    let _lock = output_lock(&pyforge_args::forge_dir(forge), &format!("building forge `{forge}`"))?;
    let step = |step: &str| {
        let mut argv = vec!["build".to_string(), "--forge".into(), forge.into()];
        if quiet {
            argv.push("--quiet".into());
        }
        tool_step(tool, kit, argv, step)
    };
    let status = step("link")?;
    if status != 0 {
        return Ok(status);
    }
    let dir = std::path::PathBuf::from(pyforge_args::forge_dir(forge));
    if !quiet && !dir.join(snapshot::SNAPSHOT).is_file() && dir.join("python.init.json").is_file() {
        eprintln!("pre-initializing {} (Python's init and the warm imports, then a snapshot) ...", dir.display());
    }
    if let Some(s) = snapshot::snapshot(&dir)?
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
    step("compose")
}

pub fn exec(args: Args, compiler: &CompilerArgs) -> anyhow::Result<i32> {
    let kit = kit::ensure(&args.kit, &Clang::configure(compiler))?;
    match &args.app {
        Some(app) => build_app(&Tool::load(compiler)?, &kit, app),
        None => build_forge(&Tool::load(compiler)?, &kit, &args.forge, false),
    }
}

/// Runs one step of a tool build command (`argv`, then `--kit DIR --step STEP`). The tool sees
/// the kit (read-only) at the same absolute path as the host, so the paths it gives the
/// `clang` import mean the same thing on both sides.
pub fn tool_step(tool: &Tool, kit: &Kit, mut argv: Vec<String>, step: &str) -> anyhow::Result<i32> {
    let guest = kit.dir.to_str().ok_or_else(|| anyhow::anyhow!("the kit path `{}` is not UTF-8", kit.dir.display()))?;
    argv.extend(["--kit".into(), guest.into(), "--step".into(), step.into()]);
    let kit_dir = Preopen { host: kit.dir.clone(), guest: guest.to_string(), access: Access::ReadOnly };
    tool.run_cli_with(&argv, Access::ReadWrite, &[kit_dir])
}

/// Builds the project's application `name`: link, pre-initialize, compose and write its output.
fn build_app(tool: &Tool, kit: &Kit, name: &str) -> anyhow::Result<i32> {
    let _lock = output_lock(&pyforge_args::app_dir(name), &format!("building app `{name}`"))?;
    let step = |step: &str| tool_step(tool, kit, vec!["build-app".into(), name.into()], step);
    let status = step("link")?;
    if status != 0 {
        return Ok(status);
    }
    let dir = std::path::PathBuf::from(pyforge_args::app_dir(name));
    if snapshot::snapshot(&dir)?.is_none() {
        anyhow::bail!("app `{name}`: the build is not self-contained");
    }
    step("compose")
}

/// The lock of a build's output directory (`target/pyforge/<name>`), beside it: two builds of
/// the same forge or app in one project take turns (the second says it waits).
pub fn output_lock(dir: &str, what: &str) -> anyhow::Result<crate::lock::Lock> {
    crate::lock::exclusive(std::path::Path::new(&format!("{dir}.lock")), what)
}
