//! `pyforge kit`: build the CPython kit, or show where it is.

use crate::clang::{Clang, CompilerArgs};
use crate::kit::{self, KitArgs};

/// Build or locate the CPython kit (libpython, headers, stdlib) that `pyforge build` links
/// against.
///
/// A kit is built once per set of inputs (CPython source, wasm compiler and sysroot, recipe)
/// and kept in `$PYFORGE_CACHE/kits/`; building again with the same inputs does nothing.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Sub,
}

#[derive(Debug, clap::Subcommand)]
enum Sub {
    /// Build the kit for the current inputs (about 6 minutes on 2 cores; once).
    ///
    /// Gets CPython 3.13 source, builds the native build Python and the wasm32-wasip2 cross
    /// build, and stores the kit. Progress goes to stderr; the full log's path is printed.
    Build {
        #[command(flatten)]
        kit: KitArgs,
        /// Build again even when a kit for these inputs exists.
        #[arg(long)]
        rebuild: bool,
    },
    /// Print the directory of the kit for the current inputs (fails when it is not built).
    Path {
        #[command(flatten)]
        kit: KitArgs,
    },
    /// Print the kit's `kit.json` (versions, flags, input hashes).
    Info {
        #[command(flatten)]
        kit: KitArgs,
    },
    /// Check every file of the kit against the checksums recorded when it was built
    /// (`kit.sums`); every build checks the files it links.
    Verify {
        #[command(flatten)]
        kit: KitArgs,
    },
}

pub fn exec(args: Args, compiler: &CompilerArgs) -> anyhow::Result<i32> {
    let clang = Clang::configure(compiler);
    match args.command {
        Sub::Build { kit, rebuild } => {
            let k = kit::build(&kit, &clang, rebuild)?;
            println!("{}", k.dir.display());
        }
        Sub::Path { kit } => println!("{}", kit::existing(&kit, &clang)?.dir.display()),
        Sub::Info { kit } => {
            let k = kit::existing(&kit, &clang)?;
            print!("{}", std::fs::read_to_string(k.dir.join(pyforge_layout::kit::KIT_JSON))?);
        }
        Sub::Verify { kit } => {
            let k = kit::existing(&kit, &clang)?;
            match k.verify(true)? {
                Ok(n) => println!("{}: {n} files match {}", k.dir.display(), kit::SUMS),
                Err(damage) => {
                    eprintln!(
                        "error: the CPython kit `{}` is damaged: {damage}\nhelp: `pyforge kit build --rebuild` builds it again",
                        k.dir.display()
                    );
                    return Ok(1);
                }
            }
        }
    }
    Ok(0)
}
