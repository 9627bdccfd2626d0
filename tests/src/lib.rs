//! Shared helpers for pyforge's end-to-end tests: where the built artefacts are, how to lay
//! out a case, how to run the CLIs, and blessed expectations (`BLESS=1` rewrites them).
//!
//! The artefacts are built by `scripts/build.sh` (which `scripts/test.sh` runs first): the
//! native `pyforge`, the tool component and `pyforge-cli.wasm`, plus the wasmtime CLI
//! installed by `scripts/setup.sh`.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context as _, bail};

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ is inside the workspace")
        .to_path_buf()
}

fn artefact(env: &str, default: PathBuf, how: &str) -> PathBuf {
    let path = std::env::var_os(env).map(PathBuf::from).unwrap_or(default);
    assert!(
        path.exists(),
        "missing test artefact `{}`: {how} (or set {env})",
        path.display()
    );
    path
}

/// The pyforge cache (`$PYFORGE_CACHE` or `~/.cache/pyforge`).
pub fn cache() -> PathBuf {
    std::env::var_os("PYFORGE_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").expect("HOME is set")).join(".cache/pyforge")
        })
}

/// The native CLI.
pub fn pyforge() -> PathBuf {
    artefact(
        "PYFORGE_BIN",
        root().join("target/debug/pyforge"),
        "run scripts/build.sh",
    )
}

/// `pyforge-cli.wasm`.
pub fn pyforge_cli_wasm() -> PathBuf {
    artefact(
        "PYFORGE_CLI_WASM",
        root().join("target/pyforge-cli.wasm"),
        "run scripts/build.sh",
    )
}

/// The pinned wasmtime CLI.
pub fn wasmtime() -> PathBuf {
    artefact(
        "PYFORGE_WASMTIME",
        cache().join("bin/wasmtime"),
        "run scripts/setup.sh",
    )
}

/// What a process did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub status: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Outcome {
    /// The blessed text form.
    pub fn render(&self) -> String {
        format!(
            "exit: {}\n--- stdout\n{}--- stderr\n{}",
            self.status, self.stdout, self.stderr
        )
    }
}

/// Runs `cmd` and captures what it did.
pub fn run(cmd: &mut Command) -> anyhow::Result<Outcome> {
    let out = cmd
        .output()
        .with_context(|| format!("failed to start {cmd:?}"))?;
    Ok(Outcome {
        status: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    })
}

/// Runs the native `pyforge` in `dir`.
pub fn run_native(dir: &Path, args: &[&str]) -> anyhow::Result<Outcome> {
    run(Command::new(pyforge()).args(args).current_dir(dir))
}

/// Precompiles `pyforge-cli.wasm` for the wasmtime CLI once per test process.
pub fn precompiled_cli(scratch: &Path) -> anyhow::Result<PathBuf> {
    let out = scratch.join("pyforge-cli.cwasm");
    if !out.exists() {
        let o = run(Command::new(wasmtime())
            .arg("compile")
            .arg(pyforge_cli_wasm())
            .arg("-o")
            .arg(&out))?;
        if o.status != 0 {
            bail!("wasmtime compile failed: {}", o.stderr);
        }
    }
    Ok(out)
}

/// Runs `wasmtime run --dir . pyforge-cli.wasm ARGS` in `dir` (precompiled `cwasm`).
pub fn run_wasmtime(dir: &Path, cwasm: &Path, args: &[&str]) -> anyhow::Result<Outcome> {
    run(Command::new(wasmtime())
        .args(["run", "--allow-precompiled", "--dir", "."])
        .arg(cwasm)
        .args(args)
        .current_dir(dir))
}

/// Copies `from` into `to` recursively, recreating symlinks as symlinks.
pub fn copy_tree(from: &Path, to: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let (src, dst) = (entry.path(), to.join(entry.file_name()));
        let ty = entry.file_type()?;
        if ty.is_symlink() {
            let target = std::fs::read_link(&src)?;
            let _ = std::fs::remove_file(&dst);
            std::os::unix::fs::symlink(target, &dst)?;
        } else if ty.is_dir() {
            copy_tree(&src, &dst)?;
        } else {
            std::fs::copy(&src, &dst)?;
        }
    }
    Ok(())
}

/// Compares `actual` with the blessed file `expected` (or rewrites it when `BLESS=1`).
pub fn assert_blessed(expected: &Path, actual: &str) -> anyhow::Result<()> {
    if std::env::var_os("BLESS").is_some() {
        std::fs::write(expected, actual)?;
        return Ok(());
    }
    let want = std::fs::read_to_string(expected).with_context(|| {
        format!(
            "no blessed `{}`; run with BLESS=1 to create it",
            expected.display()
        )
    })?;
    if want != actual {
        let diff = similar::TextDiff::from_lines(want.as_str(), actual)
            .unified_diff()
            .header("expected", "actual")
            .to_string();
        bail!(
            "output differs from `{}` (BLESS=1 to accept):\n{diff}",
            expected.display()
        );
    }
    Ok(())
}
