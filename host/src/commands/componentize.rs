//! `pyforge componentize`: a Python application as a component for a WIT world, with
//! componentize-py's options.

use std::path::PathBuf;

use anyhow::Context as _;

use crate::clang::{Clang, CompilerArgs};
use crate::kit::{self, KitArgs};
use crate::snapshot;
use crate::tool::Tool;

/// Build a Python application as a component for a WIT world (componentize-py's job, with its
/// options and its `wit_world` API): the app, its `-p` directories and the whole stdlib inside,
/// pre-initialized with the app imported and its export classes made.
///
/// Any world of functions, interfaces and resources with every WIT value type, both ways:
/// `wasi:cli/run` (`class Run(exports.Run)` in the app module), world-level functions (`class
/// WitWorld(wit_world.WitWorld)`), exported interfaces (`class FooBar(exports.FooBar)`),
/// `wasi:http/proxy` (run it with `wasmtime serve`; `import poll_loop` for asyncio), imports as
/// `wit_world.f` and `wit_world.imports.<interface>`. Async functions, futures and streams are
/// refused. Intermediate files go to `target/pyforge/app-<APP_MODULE>/`; paths are relative to
/// the current directory. `[app.NAME]` in `pyforge.toml` + `pyforge build --app NAME` does the
/// same from the project file.
///
///   pyforge componentize -d wit -w hello app -o hello.wasm
///   wasmtime run hello.wasm
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
    let kit = kit::ensure(&args.kit, &Clang::configure(compiler))?;
    let tool = Tool::load(compiler)?;
    let app_dir = pyforge_args::app_dir(&args.app.app);
    let _lock = super::build::output_lock(&app_dir, &format!("building app `{}`", args.app.app))?;
    let step = |step: &str| {
        let mut argv = vec!["componentize".to_string()];
        argv.extend(args.app.to_argv());
        if let Some(f) = &args.forge {
            argv.extend(["--forge".into(), f.clone()]);
        }
        super::build::tool_step(&tool, &kit, argv, step)
    };
    let status = step("link")?;
    if status != 0 {
        return Ok(status);
    }
    let dir = PathBuf::from(app_dir);
    let snap = snapshot::snapshot(&dir)?.context("the app's build is not self-contained")?;
    let status = step("compose")?;
    if status != 0 {
        return Ok(status);
    }
    let composed = dir.join("python.composed.wasm");
    let built = if composed.is_file() { composed } else { snap.output };
    let bytes = std::fs::read(&built).with_context(|| format!("failed to read `{}`", built.display()))?;
    crate::tool::write_atomic(&args.output, &bytes)
        .with_context(|| format!("failed to write `{}`", args.output.display()))?;
    println!("wrote {} ({} bytes)", args.output.display(), bytes.len());
    Ok(0)
}
