//! Shared helpers for pyforge's end-to-end tests: where the built artefacts are, how to lay
//! out a case, how to run the CLIs, and blessed expectations (`BLESS=1` rewrites them).
//!
//! The artefacts are built by `scripts/build.sh` (which `scripts/test.sh` runs first): the
//! native `pyforge`, the tool component and `pyforge-cli.wasm`, plus the wasmtime CLI
//! installed by `scripts/setup.sh`.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context as _, bail};

pub mod regrtest;

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ is inside the workspace").to_path_buf()
}

fn artefact(env: &str, default: PathBuf, how: &str) -> PathBuf {
    let path = std::env::var_os(env).map(PathBuf::from).unwrap_or(default);
    assert!(path.exists(), "missing test artefact `{}`: {how} (or set {env})", path.display());
    path
}

/// The pyforge cache (`$PYFORGE_CACHE` or `~/.cache/pyforge`).
pub fn cache() -> PathBuf {
    std::env::var_os("PYFORGE_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var_os("HOME").expect("HOME is set")).join(".cache/pyforge"))
}

/// The native CLI.
pub fn pyforge() -> PathBuf {
    artefact("PYFORGE_BIN", root().join("target/debug/pyforge"), "run scripts/build.sh")
}

/// The example plugin host (`examples/plugin-host`).
pub fn plugin_host() -> PathBuf {
    artefact("PYFORGE_PLUGIN_HOST", root().join("target/debug/pyforge-plugin-host"), "run scripts/build-tests.sh")
}

/// `pyforge-cli.wasm`.
pub fn pyforge_cli_wasm() -> PathBuf {
    artefact("PYFORGE_CLI_WASM", root().join("target/pyforge-cli.wasm"), "run scripts/build.sh")
}

/// The fixture cap component (`tests/caps/demo-checksum`, built by `scripts/build-tests.sh`).
pub fn demo_cap_wasm() -> PathBuf {
    artefact(
        "PYFORGE_DEMO_CAP_WASM",
        root().join("target/wasm32-wasip2/release/demo_checksum_cap.wasm"),
        "run scripts/build-tests.sh",
    )
}

/// The zlib cap component (`caps/zlib`, built by `scripts/build.sh`).
pub fn zlib_cap_wasm() -> PathBuf {
    artefact(
        "PYFORGE_ZLIB_CAP_WASM",
        root().join("target/wasm32-wasip2/release/pyforge_zlib_cap.wasm"),
        "run scripts/build.sh",
    )
}

/// The sqlite cap component (`caps/sqlite`, built by `scripts/build.sh`).
pub fn sqlite_cap_wasm() -> PathBuf {
    artefact(
        "PYFORGE_SQLITE_CAP_WASM",
        root().join("target/wasm32-wasip2/release/pyforge_sqlite_cap.wasm"),
        "run scripts/build.sh",
    )
}

/// The bz2 cap component (`caps/bz2`, built by `scripts/build.sh`).
pub fn bz2_cap_wasm() -> PathBuf {
    artefact(
        "PYFORGE_BZ2_CAP_WASM",
        root().join("target/wasm32-wasip2/release/pyforge_bz2_cap.wasm"),
        "run scripts/build.sh",
    )
}

/// The lzma cap component (`caps/lzma`, built by `scripts/build.sh`).
pub fn lzma_cap_wasm() -> PathBuf {
    artefact(
        "PYFORGE_LZMA_CAP_WASM",
        root().join("target/wasm32-wasip2/release/pyforge_lzma_cap.wasm"),
        "run scripts/build.sh",
    )
}

/// The hashlib cap component (`caps/hashlib`, built by `scripts/build.sh`).
pub fn hashlib_cap_wasm() -> PathBuf {
    artefact(
        "PYFORGE_HASHLIB_CAP_WASM",
        root().join("target/wasm32-wasip2/release/pyforge_hashlib_cap.wasm"),
        "run scripts/build.sh",
    )
}

/// The caps of the repository's default forge, as `pyforge.toml` names them.
pub const DEFAULT_CAPS: &[&str] = &[
    "target/wasm32-wasip2/release/pyforge_zlib_cap.wasm",
    "target/wasm32-wasip2/release/pyforge_sqlite_cap.wasm",
    "target/wasm32-wasip2/release/pyforge_bz2_cap.wasm",
    "target/wasm32-wasip2/release/pyforge_lzma_cap.wasm",
    "target/wasm32-wasip2/release/pyforge_hashlib_cap.wasm",
];

/// The repository's project (`pyforge.toml`, `cpython-ext/`, the built caps) copied into a
/// temporary directory and its default forge built there, once per test process.
#[derive(Debug)]
pub struct DefaultForge {
    _dir: tempfile::TempDir,
    pub root: PathBuf,
}

pub fn default_forge() -> Result<&'static DefaultForge, libtest_mimic::Failed> {
    static FORGE: std::sync::OnceLock<Result<DefaultForge, String>> = std::sync::OnceLock::new();
    FORGE
        .get_or_init(|| {
            let build = || -> anyhow::Result<DefaultForge> {
                let dir = default_project("")?;
                let root = dir.path().to_path_buf();
                let out = run_native(&root, &["build"])?;
                if out.status != 0 || !out.stdout.contains("composed target/pyforge/default/python.composed.wasm") {
                    bail!("pyforge build failed:\n{}", out.render());
                }
                Ok(DefaultForge { _dir: dir, root })
            };
            build().map_err(|e| format!("{e:#}"))
        })
        .as_ref()
        .map_err(|e| libtest_mimic::Failed::from(e.as_str()))
}

/// A copy of the repository's project (`pyforge.toml` with `extra` appended, `cpython-ext/`,
/// the built caps) in a temporary directory, not built.
pub fn default_project(extra: &str) -> anyhow::Result<tempfile::TempDir> {
    let dir = tempfile::tempdir()?;
    let root = dir.path();
    let repo = self::root();
    copy_tree(&repo.join("cpython-ext"), &root.join("cpython-ext"))?;
    let toml = std::fs::read_to_string(repo.join("pyforge.toml"))?;
    std::fs::write(root.join("pyforge.toml"), format!("{toml}{extra}"))?;
    std::fs::create_dir_all(root.join("target/wasm32-wasip2/release"))?;
    for (cap, built) in DEFAULT_CAPS.iter().zip([
        zlib_cap_wasm(),
        sqlite_cap_wasm(),
        bz2_cap_wasm(),
        lzma_cap_wasm(),
        hashlib_cap_wasm(),
    ]) {
        std::fs::copy(built, root.join(cap))?;
    }
    Ok(dir)
}

/// Runs the default forge's composed Python with `args` (no rebuild: a test process shares
/// one build).
pub fn default_python(args: &[&str]) -> Result<Outcome, libtest_mimic::Failed> {
    let f = default_forge()?;
    let mut argv = vec!["run", "--wasm", "target/pyforge/default/python.composed.wasm"];
    argv.extend(["--lib", "target/pyforge/default/lib"]);
    argv.extend(args);
    Ok(run_native(&f.root, &argv)?)
}

/// The second sqlite consumer (`tests/caps/sqlite-consumer`, built by `scripts/build-tests.sh`).
pub fn sqlite_consumer_wasm() -> PathBuf {
    artefact(
        "PYFORGE_SQLITE_CONSUMER_WASM",
        root().join("target/wasm32-wasip2/release/sqlite-consumer.wasm"),
        "run scripts/build-tests.sh",
    )
}

/// The second consumer of the bz2 and lzma caps (`tests/caps/compress-consumer`, built by
/// `scripts/build-tests.sh`).
pub fn compress_consumer_wasm() -> PathBuf {
    artefact(
        "PYFORGE_COMPRESS_CONSUMER_WASM",
        root().join("target/wasm32-wasip2/release/compress-consumer.wasm"),
        "run scripts/build-tests.sh",
    )
}

/// The second zlib consumer (`tests/caps/zlib-consumer`, built by `scripts/build-tests.sh`).
pub fn zlib_consumer_wasm() -> PathBuf {
    artefact(
        "PYFORGE_ZLIB_CONSUMER_WASM",
        root().join("target/wasm32-wasip2/release/zlib-consumer.wasm"),
        "run scripts/build-tests.sh",
    )
}

/// The pinned wasmtime CLI.
pub fn wasmtime() -> PathBuf {
    artefact("PYFORGE_WASMTIME", cache().join("bin/wasmtime"), "run scripts/test-tools.sh")
}

/// The pinned wac CLI (the reference composer).
pub fn wac() -> PathBuf {
    artefact("PYFORGE_WAC", cache().join("bin/wac"), "run scripts/test-tools.sh")
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
        format!("exit: {}\n--- stdout\n{}--- stderr\n{}", self.status, self.stdout, self.stderr)
    }
}

/// Runs `cmd` and captures what it did.
pub fn run(cmd: &mut Command) -> anyhow::Result<Outcome> {
    let out = cmd.output().with_context(|| format!("failed to start {cmd:?}"))?;
    Ok(Outcome {
        status: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    })
}

/// Runs the native `pyforge` in `dir`. The first call of a process first runs it once in an
/// empty directory, so the one-time "compiling the tool component" note never lands in the
/// output a test looks at.
pub fn run_native(dir: &Path, args: &[&str]) -> anyhow::Result<Outcome> {
    static WARM: std::sync::Once = std::sync::Once::new();
    WARM.call_once(|| {
        if let Ok(empty) = tempfile::tempdir() {
            let _ = Command::new(pyforge()).args(["check", "."]).current_dir(empty.path()).output();
        }
    });
    run(Command::new(pyforge()).args(args).current_dir(dir))
}

/// `pyforge-cli.wasm` precompiled by the wasmtime CLI, once per test process, at
/// `target/tests/pyforge-cli.cwasm` (written through a temporary file and a rename, so test
/// processes running side by side never see half a file).
pub fn precompiled_cli() -> anyhow::Result<PathBuf> {
    static CWASM: std::sync::OnceLock<Result<PathBuf, String>> = std::sync::OnceLock::new();
    CWASM
        .get_or_init(|| {
            let dir = root().join("target/tests");
            std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
            let out = dir.join("pyforge-cli.cwasm");
            let tmp = dir.join(format!("pyforge-cli.{}.tmp", std::process::id()));
            let o = run(Command::new(wasmtime()).arg("compile").arg(pyforge_cli_wasm()).arg("-o").arg(&tmp))
                .map_err(|e| e.to_string())?;
            if o.status != 0 {
                return Err(format!("wasmtime compile failed: {}", o.stderr));
            }
            std::fs::rename(&tmp, &out).map_err(|e| e.to_string())?;
            Ok(out)
        })
        .clone()
        .map_err(anyhow::Error::msg)
}

/// A fresh copy of the example project (`tests/check/_template/`).
pub fn project() -> anyhow::Result<tempfile::TempDir> {
    let dir = tempfile::tempdir()?;
    copy_tree(&root().join("tests/check/_template"), dir.path())?;
    Ok(dir)
}

/// Fails the test with `msg` unless `cond`.
pub fn ensure(cond: bool, msg: impl FnOnce() -> String) -> Result<(), libtest_mimic::Failed> {
    if cond { Ok(()) } else { Err(msg().into()) }
}

/// Runs `wasmtime run --dir . pyforge-cli.wasm ARGS` in `dir` (precompiled once).
pub fn run_wasmtime(dir: &Path, args: &[&str]) -> anyhow::Result<Outcome> {
    let cwasm = precompiled_cli()?;
    run(Command::new(wasmtime())
        .args(["run", "--allow-precompiled", "--dir", "."])
        .arg(&cwasm)
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
    let want = std::fs::read_to_string(expected)
        .with_context(|| format!("no blessed `{}`; run with BLESS=1 to create it", expected.display()))?;
    if want != actual {
        let diff = similar::TextDiff::from_lines(want.as_str(), actual)
            .unified_diff()
            .header("expected", "actual")
            .to_string();
        bail!("output differs from `{}` (BLESS=1 to accept):\n{diff}", expected.display());
    }
    Ok(())
}

/// The names of a component's top-level imports, decoded with wasmparser.
pub fn component_imports(bytes: &[u8]) -> anyhow::Result<Vec<String>> {
    let mut names = Vec::new();
    let mut depth = 0usize;
    for payload in wasmparser::Parser::new(0).parse_all(bytes) {
        match payload? {
            wasmparser::Payload::ModuleSection { .. } | wasmparser::Payload::ComponentSection { .. } => depth += 1,
            wasmparser::Payload::End(_) => depth = depth.saturating_sub(1),
            wasmparser::Payload::ComponentImportSection(reader) if depth == 0 => {
                for import in reader {
                    names.push(import?.name.name.to_string());
                }
            }
            _ => {}
        }
    }
    Ok(names)
}

/// Calls `f` with every path under `dir`, recursively.
pub fn walk(dir: &Path, f: &mut dyn FnMut(&Path)) -> anyhow::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        f(&path);
        if path.is_dir() {
            walk(&path, f)?;
        }
    }
    Ok(())
}

/// A component made from WIT alone (a dummy core module with the world's metadata).
pub fn component_from_wit(path: &Path) -> anyhow::Result<Vec<u8>> {
    let mut resolve = wit_parser::Resolve::default();
    let pkg = resolve.push_file(path)?;
    let world = resolve.select_world(&[pkg], None)?;
    let mut module = wit_component::dummy_module(
        &resolve,
        world,
        wit_parser::ManglingAndAbi::Legacy(wit_parser::LiftLowerAbi::Sync),
    );
    wit_component::embed_component_metadata(&mut module, &resolve, world, wit_component::StringEncoding::UTF8)?;
    wit_component::ComponentEncoder::default().module(&module)?.validate(true).encode()
}
