//! CPython's own test modules that exercise what pyforge changes in the interpreter, in the
//! repository's `test` forge (the default forge — caps composed, stdlib embedded,
//! pre-initialized — plus CPython's `_test*` modules), each in its own process: each must pass
//! (regrtest's `Result: SUCCESS`), as it does in stock WASI CPython or better.
//!
//! The whole suite (every module, both interpreters, side by side) is `scripts/cpython-suite.sh`;
//! its last results are in the README. This is the part CI runs:
//!
//! * paths WASI cannot carry (`core/runtime/wasi_paths.c`) — the modules that trapped stock
//!   WASI CPython with non-UTF-8 file names;
//! * the embedded stdlib and its importer — imports, resources, warnings' frames, `linecache`
//!   and `inspect` reading stdlib sources, `sys._stdlib_dir`, subinterpreters;
//! * startup and the snapshot — `site`, `sys`, the command line.

use libtest_mimic::{Arguments, Failed, Trial};
use pyforge_tests::{self as t, ensure};

/// Module, and what of pyforge it exercises.
const MODULES: &[(&str, &str)] = &[
    ("test_genericpath", "non-UTF-8 paths are OSError, not a trap (stock traps)"),
    ("test_posixpath", "non-UTF-8 paths (stock traps)"),
    ("test_ntpath", "non-UTF-8 paths (stock traps)"),
    ("test_os", "non-UTF-8 paths (stock traps), the environment and files"),
    ("test_warnings", "non-UTF-8 paths (stock traps); warnings' stack levels"),
    ("test_re", "a deprecated module's warning points at its importer, not the embedded loader"),
    ("test_zoneinfo", "warning locations through the embedded loader"),
    ("test_linecache", "stdlib sources read by path"),
    ("test_inspect", "inspect.getsource on stdlib objects"),
    ("test_sys", "sys._stdlib_dir, flags, startup"),
    ("test_ensurepip", "a resource the archive leaves out (pip's wheel)"),
    ("test_datetime", "subinterpreters import from the embedded stdlib"),
    ("test_ast", "subinterpreters"),
    ("test_atexit", "subinterpreters"),
    ("test_int", "subinterpreters"),
    ("test_multibytecodec", "subinterpreters"),
    ("test_class", "_testinternalcapi (the test forge's _test* modules)"),
    ("test_compile", "_testinternalcapi"),
    ("test_site", "startup: site"),
    ("test_cmd_line_script", "the command line"),
    ("test_zipimport", "imports"),
    ("test_importlib", "imports (known failures shared with stock, see KNOWN_FAILING)"),
];

/// Modules that fail in stock WASI CPython as well, with why; they run, and must fail only in
/// the tests named here.
const KNOWN_FAILING: &[(&str, &str, &[&str])] = &[(
    "test_importlib",
    "an egg-info distribution's file list: fails the same way in stock WASI CPython",
    &["test_files_egg_info "],
)];

struct Forge {
    _dir: tempfile::TempDir,
    root: std::path::PathBuf,
}

fn forge() -> Result<&'static Forge, Failed> {
    static F: std::sync::OnceLock<Result<Forge, String>> = std::sync::OnceLock::new();
    F.get_or_init(|| {
        let build = || -> anyhow::Result<Forge> {
            let dir = t::default_project("")?;
            let root = dir.path().to_path_buf();
            let out = t::run_native(&root, &["build", "-f", "test"])?;
            anyhow::ensure!(out.status == 0, "pyforge build -f test failed:\n{}", out.render());
            Ok(Forge { _dir: dir, root })
        };
        build().map_err(|e| format!("{e:#}"))
    })
    .as_ref()
    .map_err(|e| Failed::from(e.as_str()))
}

fn module(name: &'static str) -> Result<(), Failed> {
    let f = forge()?;
    let out = t::run_native(&f.root, &["run", "-f", "test", "--with-tests", "-m", "test", "-W", name])?;
    let totals = out.stdout.lines().find(|l| l.starts_with("Total tests:")).unwrap_or("(no totals)");
    println!("\n{name}: {totals}");
    if let Some((_, why, tests)) = KNOWN_FAILING.iter().find(|(m, _, _)| *m == name) {
        // unittest writes its report on stderr
        let failing: Vec<&str> = out
            .stderr
            .lines()
            .chain(out.stdout.lines())
            .filter_map(|l| l.strip_prefix("FAIL: ").or_else(|| l.strip_prefix("ERROR: ")))
            .collect();
        let unexpected: Vec<&&str> = failing.iter().filter(|f| !tests.iter().any(|t| f.starts_with(t))).collect();
        return ensure(unexpected.is_empty() && !failing.is_empty() && out.stdout.contains("Result: "), || {
            format!("{name} ({why}): unexpected failures {unexpected:?}\n{}", out.render())
        });
    }
    // a module skipped as a whole also ends in SUCCESS: some of its tests must have run
    let ran =
        totals.strip_prefix("Total tests: run=").and_then(|r| r.split([' ', ',']).next()).is_some_and(|n| n != "0");
    ensure(out.status == 0 && out.stdout.contains("Result: SUCCESS") && ran, || out.render())
}

fn main() {
    let args = Arguments::from_args();
    let trials = MODULES.iter().map(|(name, _)| Trial::test(*name, move || module(name))).collect();
    libtest_mimic::run(&args, trials).exit();
}
