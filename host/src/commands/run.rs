//! `pyforge run`: run Python (a forge's build, or a given component) with wasmtime.

use std::path::PathBuf;

use anyhow::bail;

use crate::clang::{Clang, CompilerArgs};
use crate::commands::build::build_forge;
use crate::fresh;
use crate::kit::{self, KitArgs};
use crate::python;
use crate::tool::Tool;

/// Run Python: the forge's build (rebuilt, pre-initialized and composed with the forge's caps
/// first when out of date), or `--wasm`.
///
/// The guest sees the current directory as `/` (read-write) and a temporary `/tmp`. A
/// self-contained forge (the default) carries its stdlib; for the mounted shape
/// (`self-contained = false`) and for `--wasm`, the kit's stdlib is mounted read-only at
/// `/usr/local/lib/python3.13` and the forge's overlays go first on `PYTHONPATH`. The exit
/// status is Python's.
///
/// Everything after the options goes to Python: `pyforge run -c "print(1)"`,
/// `pyforge run script.py`, `pyforge run --with-tests -m test test_json`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The forge to build and run.
    #[arg(long, short = 'f', default_value = "default", conflicts_with = "wasm")]
    forge: String,
    /// Run this component instead of a forge's build (a built or composed python.wasm).
    #[arg(long, value_name = "PATH")]
    wasm: Option<PathBuf>,
    /// Mount a stdlib overlay directory (with `--wasm`; a forge's own `lib/` is used otherwise).
    #[arg(long, value_name = "DIR", requires = "wasm")]
    lib: Option<PathBuf>,
    /// Also mount CPython's `Lib/test`, so `-m test test_x` works.
    #[arg(long)]
    with_tests: bool,
    #[command(flatten)]
    kit: KitArgs,
    /// Arguments for Python.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, value_name = "ARGS")]
    args: Vec<String>,
}

pub fn exec(args: Args, compiler: &CompilerArgs) -> anyhow::Result<i32> {
    let (component, overlay, mount, kit) = match &args.wasm {
        Some(w) => (w.clone(), args.lib.clone(), true, kit::ensure(&args.kit, &Clang::configure(compiler))?),
        None => {
            let dir = PathBuf::from(pyforge_args::forge_dir(&args.forge));
            // The options that choose the kit and the compiler are part of "unchanged".
            let options = format!("{:?} {compiler:?}", args.kit);
            let kit = match fresh::unchanged(&dir, &options) {
                Some(kit) => kit,
                None => {
                    let kit = kit::ensure(&args.kit, &Clang::configure(compiler))?;
                    let status = build_forge(&Tool::load(compiler)?, &kit, &args.forge, true)?;
                    if status != 0 {
                        bail!("forge `{}` did not build (see above)", args.forge);
                    }
                    fresh::remember(&dir, &kit, &options);
                    kit
                }
            };
            // The build composes the forge when it names caps or stubs (and removes a stale
            // composition when it names none).
            let lib = dir.join("lib");
            let composed = dir.join("python.composed.wasm");
            let snapshot = dir.join(crate::snapshot::SNAPSHOT);
            let self_contained = snapshot.is_file();
            let wasm = if composed.is_file() {
                composed
            } else if self_contained {
                snapshot
            } else {
                dir.join("python.wasm")
            };
            (wasm, lib.is_dir().then_some(lib), !self_contained, kit)
        }
    };
    python::run(&python::Run {
        component: &component,
        kit: &kit,
        overlay,
        mount_stdlib: mount,
        with_tests: args.with_tests,
        args: &args.args,
    })
}
