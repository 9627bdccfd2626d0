//! `pyforge check`: runs the tool's `check` with the current directory preopened read-only.

use crate::clang::CompilerArgs;
use crate::tool::{Access, Tool, guest_path};

/// Check extension manifests against their files, WIT worlds, each other and the forges.
///
/// Each PATH is an extension directory, its `pyforge-pkg.toml`, or a directory of extension
/// directories. With no PATH, every `cpython-ext/*/pyforge-pkg.toml` is checked. Problems are
/// printed like compiler errors (file, line, column, a fix hint); the exit status is 1 if any.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Extension directories, manifests, or directories of extensions.
    paths: Vec<String>,
}

pub fn exec(args: Args, compiler: &CompilerArgs) -> anyhow::Result<i32> {
    let mut argv = vec!["check".to_string()];
    for p in &args.paths {
        argv.push(guest_path(p)?);
    }
    Tool::load(compiler)?.run_cli(&argv, Access::ReadOnly)
}
