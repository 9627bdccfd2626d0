//! `pyforge compose`: runs the tool's strict composer.

use crate::clang::CompilerArgs;
use crate::tool::{Access, Tool, guest_path};

/// Plug cap components into a component's imports (like `wac plug`, but strict).
///
/// Every import of SOCKET that is not `wasi:*` must be satisfied by a plug or a stub, or the
/// composition fails naming each import left and what comes close. The output is written
/// atomically and is byte-identical for the same inputs.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The component whose imports get plugged (e.g. python.wasm).
    socket: String,
    /// A component whose exports satisfy imports of the socket (repeatable).
    #[arg(long = "plug", short = 'p', value_name = "CAP.wasm")]
    plugs: Vec<String>,
    /// Answer this interface (`ns:pkg/iface[@version]`) with a generated stub (repeatable).
    #[arg(long = "stub", value_name = "INTERFACE")]
    stubs: Vec<String>,
    /// Where to write the composed component.
    #[arg(long, short = 'o')]
    output: String,
}

pub fn exec(args: Args, compiler: &CompilerArgs) -> anyhow::Result<i32> {
    let mut argv = vec!["compose".to_string(), guest_path(&args.socket)?];
    for p in args.plugs {
        argv.extend(["--plug".to_string(), guest_path(&p)?]);
    }
    for s in args.stubs {
        argv.extend(["--stub".to_string(), s]);
    }
    argv.extend(["-o".to_string(), guest_path(&args.output)?]);
    Tool::load(compiler)?.run_cli(&argv, Access::ReadWrite)
}
