//! `pyforge componentize`: a Python application as a component for a WIT world, with
//! componentize-py's options.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use pyforge_args::{ComponentizeStep, StepCommand};
use pyforge_layout::BuildDir;

use crate::clang::{Clang, CompilerArgs};
use crate::kit::{self, KitArgs};
use crate::tool::{Access, Preopen, Tool};

/// Build a Python application as a component for a WIT world (componentize-py's job, with its
/// options and its `wit_world` API): the app, its `-p` directories and the whole stdlib inside,
/// pre-initialized with the app imported and its export classes made.
///
/// Any world of functions, interfaces and resources with every WIT value type, both ways:
/// `wasi:cli/run` (`class Run(exports.Run)` in the app module), world-level functions (`class
/// WitWorld(wit_world.WitWorld)`), exported interfaces (`class FooBar(exports.FooBar)`),
/// `wasi:http/proxy` (run it with `wasmtime serve`; `import poll_loop` for asyncio), imports as
/// `wit_world.f` and `wit_world.imports.<interface>`. Async functions, futures and streams are
/// refused. Intermediate files go to `target/pyforge/app-<APP_MODULE>/`. The WIT directory and
/// the `-p` directories may be anywhere (`-d ../../wit`, as componentize-py's examples have
/// it): the toolchain gets read-only access to each one named outside the current directory,
/// and nothing else. `[app.NAME]` in `pyforge.toml` + `pyforge build --app NAME` does the same
/// from the project file.
///
///   pyforge componentize -d wit -w hello app -o hello.wasm
///   wasmtime run hello.wasm
///   pyforge componentize -d ../../wit -w wasi:cli/command@0.2.0 app -o cli.wasm
///   pyforge componentize --stub-wasi -d sandbox.wit guest -o sandbox.wasm
///   wasmtime run --invoke 'eval("2 + 2")' sandbox.wasm
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    app: pyforge_args::AppArgs,
    /// Where to write the component.
    #[arg(short = 'o', long, value_name = "OUT.wasm")]
    output: PathBuf,
    /// Build on this forge of `pyforge.toml` (its extensions and caps: `import zlib`, `import
    /// sqlite3`) [default: the kit's interpreter alone].
    #[arg(long, short = 'f')]
    forge: Option<String>,
    #[command(flatten)]
    kit: KitArgs,
}

pub fn exec(args: Args, compiler: &CompilerArgs) -> anyhow::Result<i32> {
    let mut app = args.app.clone();
    let mut granted = Vec::new();
    app.wit_path = grant("-d", &app.wit_path, &mut granted)?;
    for p in &mut app.python_path {
        *p = grant("-p", p, &mut granted)?;
    }
    let kit = kit::ensure(&args.kit, &Clang::configure(compiler))?;
    let tool = Tool::load(compiler)?;
    let name = app.app.clone();
    let command = StepCommand::Componentize(ComponentizeStep {
        app,
        forge: args.forge.clone(),
        options: super::build::options(&kit),
    });
    let status = super::build::build(&tool, &kit, command, &granted, false)?;
    if status != 0 {
        return Ok(status);
    }
    let built = BuildDir::app(&name).shippable();
    let bytes = std::fs::read(&built).with_context(|| format!("failed to read `{built}`"))?;
    pyforge_layout::write_atomic(&args.output, &bytes)
        .with_context(|| format!("failed to write `{}`", args.output.display()))?;
    println!("wrote {} ({} bytes)", args.output.display(), bytes.len());
    Ok(0)
}

/// The form of `path` (given with `flag`) the tool can read: a relative path without `..` stays
/// as given (symlinks inside are the tool's to follow, as before); a path outside the current
/// directory becomes its absolute, resolved path, with its directory (a WIT file's parent)
/// added read-only to `granted` at that same path.
fn grant(flag: &str, path: &str, granted: &mut Vec<Preopen>) -> anyhow::Result<String> {
    let cwd = std::env::current_dir().and_then(|d| d.canonicalize()).context("failed to find the current directory")?;
    let Ok(full) = Path::new(path).canonicalize() else {
        anyhow::bail!("`{flag} {path}`: there is no `{}`", cwd.join(path).display());
    };
    if !path.starts_with('/') && !path.split('/').any(|p| p == "..") {
        return Ok(path.to_string());
    }
    if let Ok(inside) = full.strip_prefix(&cwd) {
        let rel = inside.to_str().with_context(|| format!("`{flag} {path}`: the path is not UTF-8"))?;
        return Ok(if rel.is_empty() { ".".to_string() } else { rel.to_string() });
    }
    let dir = if full.is_dir() { full.clone() } else { full.parent().map(Path::to_path_buf).unwrap_or_default() };
    let (Some(guest), Some(full)) = (dir.to_str(), full.to_str()) else {
        anyhow::bail!("`{flag} {path}`: the path `{}` is not UTF-8, which WASI cannot carry", full.display());
    };
    if !granted.iter().any(|p| p.host == dir) {
        granted.push(Preopen { host: dir.clone(), guest: guest.to_string(), access: Access::ReadOnly });
    }
    Ok(full.to_string())
}
