//! `pyforge plan`: how a composition would be wired, before composing.

use crate::clang::CompilerArgs;
use crate::tool::{Access, Tool, guest_path};

/// Show which component satisfies which import (the plugs' own imports too), which imports
/// stay WASI, and what is missing — before composing.
///
/// With no SOCKET: the forge's built python.wasm and the caps and stubs `pyforge.toml` names
/// for it. Exits 1 when something is missing or a plug is unused.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The component whose imports get plugged [default: the forge's python.wasm].
    socket: Option<String>,
    /// A component whose exports satisfy imports (repeatable).
    #[arg(long = "plug", short = 'p', value_name = "CAP.wasm")]
    plugs: Vec<String>,
    /// An interface to answer with a generated stub (repeatable).
    #[arg(long = "stub", value_name = "INTERFACE")]
    stubs: Vec<String>,
    /// The forge whose composition to show (without SOCKET).
    #[arg(long, short = 'f', default_value = "default", conflicts_with = "socket")]
    forge: String,
    /// Print JSON (for tools) instead of a tree.
    #[arg(long)]
    json: bool,
}

pub fn exec(args: Args, compiler: &CompilerArgs) -> anyhow::Result<i32> {
    let mut argv = vec!["plan".to_string()];
    match &args.socket {
        Some(s) => argv.push(guest_path(s)?),
        None => argv.extend(["--forge".to_string(), args.forge.clone()]),
    }
    for p in &args.plugs {
        argv.extend(["--plug".to_string(), guest_path(p)?]);
    }
    for s in &args.stubs {
        argv.extend(["--stub".to_string(), s.clone()]);
    }
    if args.json {
        argv.push("--json".into());
    }
    Tool::load(compiler)?.run_cli(&argv, Access::ReadOnly)
}
