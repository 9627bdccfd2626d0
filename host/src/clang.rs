//! The `pyforge:toolchain/clang` import: the one thing the tool component may ask of the
//! host. It runs the configured wasm-targeting clang — and nothing else — in the current
//! directory (the directory the tool sees as `.`).
//!
//! The compiler is found, first match wins:
//! 1. `--cc PATH` (with `--sysroot`/`--resource-dir` when needed),
//! 2. `PYFORGE_CC` (with `PYFORGE_SYSROOT`, `PYFORGE_RESOURCE_DIR`),
//! 3. `WASI_SDK_PATH`: `$WASI_SDK_PATH/bin/clang` and its `share/wasi-sysroot`,
//! 4. the Debian setup made by `scripts/setup.sh`: `clang-19` with the private wasi-libc
//!    sysroot and resource dir under the pyforge cache.

use std::path::PathBuf;
use std::process::Command;

use crate::tool::gen_clang::{Completed, Host};

/// Compiler flags shared by every subcommand.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct CompilerArgs {
    /// The clang to run for the `clang` import [default: see README "C compiler"].
    #[arg(long, global = true, value_name = "PATH", env = "PYFORGE_CC")]
    cc: Option<PathBuf>,
    /// The wasi-libc sysroot to pass to clang.
    #[arg(long, global = true, value_name = "DIR", env = "PYFORGE_SYSROOT")]
    sysroot: Option<PathBuf>,
    /// A clang resource dir holding compiler-rt for wasm32-wasip*.
    #[arg(long, global = true, value_name = "DIR", env = "PYFORGE_RESOURCE_DIR")]
    resource_dir: Option<PathBuf>,
}

/// A configured compiler (or why there is none).
#[derive(Debug, Clone)]
pub struct Clang {
    found: Result<Found, String>,
}

#[derive(Debug, Clone)]
struct Found {
    program: PathBuf,
    /// Arguments put before the tool's (sysroot, resource dir).
    prefix: Vec<String>,
    /// Directories put first on the child's PATH (for `wasm-component-ld`).
    path: Vec<PathBuf>,
}

impl Clang {
    /// Finds the compiler as described in the module docs; never fails here (a missing
    /// compiler is reported when the tool asks for it).
    pub fn configure(args: &CompilerArgs) -> Clang {
        let cache = crate::tool::cache_dir();
        let path = vec![cache.join("bin")];
        let with = |program: PathBuf, sysroot: Option<PathBuf>, res: Option<PathBuf>| {
            let mut prefix = Vec::new();
            if let Some(s) = sysroot {
                prefix.push(format!("--sysroot={}", s.display()));
            }
            if let Some(r) = res {
                prefix.push(format!("-resource-dir={}", r.display()));
            }
            Clang { found: Ok(Found { program, prefix, path: path.clone() }) }
        };
        if let Some(cc) = &args.cc {
            return with(cc.clone(), args.sysroot.clone(), args.resource_dir.clone());
        }
        if let Some(sdk) = std::env::var_os("WASI_SDK_PATH").map(PathBuf::from) {
            let sysroot = args.sysroot.clone().unwrap_or_else(|| sdk.join("share/wasi-sysroot"));
            return with(sdk.join("bin/clang"), Some(sysroot), args.resource_dir.clone());
        }
        let sysroot = args.sysroot.clone().unwrap_or_else(|| cache.join("wasi-sysroot"));
        let res = args.resource_dir.clone().unwrap_or_else(|| cache.join("clang-19-resource"));
        if sysroot.join("lib/wasm32-wasip2/libc.a").is_file() && res.is_dir() {
            return with(PathBuf::from("clang-19"), Some(sysroot), Some(res));
        }
        Clang {
            found: Err(format!(
                "no C compiler for wasm32-wasip2 is configured: run `scripts/setup.sh`, set WASI_SDK_PATH, or pass `--cc` (with `--sysroot`); looked for a wasi-libc sysroot at `{}`",
                sysroot.display()
            )),
        }
    }
}

impl Clang {
    /// The compiler, the arguments put before the tool's, and the directories put first on
    /// its PATH — or why there is no compiler.
    pub fn parts(&self) -> Result<(PathBuf, Vec<String>, Vec<PathBuf>), String> {
        let f = self.found.as_ref().map_err(Clone::clone)?;
        Ok((f.program.clone(), f.prefix.clone(), f.path.clone()))
    }
}

impl Host for Clang {
    fn run(&mut self, args: Vec<String>) -> Result<Completed, String> {
        let found = self.found.as_ref().map_err(Clone::clone)?;
        check_outputs(&args)?;
        let mut cmd = Command::new(&found.program);
        cmd.args(&found.prefix).args(&args);
        let old = std::env::var_os("PATH").unwrap_or_default();
        let paths = found.path.iter().cloned().chain(std::env::split_paths(&old));
        if let Ok(joined) = std::env::join_paths(paths) {
            cmd.env("PATH", joined);
        }
        let out = cmd.output().map_err(|e| {
            let hint =
                if e.kind() == std::io::ErrorKind::NotFound { " (run `scripts/setup.sh`, or pass `--cc`)" } else { "" };
            format!("failed to run `{}`: {e}{hint}", found.program.display())
        })?;
        Ok(Completed { status: out.status.code().unwrap_or(-1), stdout: out.stdout, stderr: out.stderr })
    }
}

/// The tool may read what it can see, but the compiler it drives may only write inside the
/// current directory (the tool's own read-write view): every `-o` must be a relative path
/// without `..`.
fn check_outputs(args: &[String]) -> Result<(), String> {
    let mut iter = args.iter();
    while let Some(a) = iter.next() {
        let out = if a == "-o" {
            iter.next().map(String::as_str)
        } else {
            a.strip_prefix("-o").filter(|_| !a.starts_with("-obj"))
        };
        if let Some(out) = out {
            let p = std::path::Path::new(out);
            if p.is_absolute() || p.components().any(|c| c == std::path::Component::ParentDir) {
                return Err(format!(
                    "refused: the compiler may only write inside the current directory, not `{out}` (give `-o` a relative path without `..`)"
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::check_outputs;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn outputs_stay_inside_the_current_directory() {
        assert!(check_outputs(&args(&["-c", "x.c", "-o", "target/x.o"])).is_ok());
        assert!(check_outputs(&args(&["-c", "x.c", "-o", "/etc/x.o"])).is_err());
        assert!(check_outputs(&args(&["-c", "x.c", "-o", "../x.o"])).is_err());
        assert!(check_outputs(&args(&["-c", "x.c", "-o/tmp/x.o"])).is_err());
        assert!(check_outputs(&args(&["-c", "x.c", "-O2"])).is_ok());
    }
}
