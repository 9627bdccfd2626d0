//! `pyforge check` on blessed cases: one directory per case under `tests/check/<case>/`.
//!
//! A case is the project in `tests/check/_template/`, then, in this order:
//! * `copy`: lines `FROM TO` copy a directory of the project to a new place (a second
//!   extension made from the first);
//! * `files/`: copied over the project (symlinks kept);
//! * `delete`: paths removed;
//! * `args`: the arguments of `pyforge check`, one per line (none by default).
//!
//! `expected.txt` holds the exit status, stdout and stderr; `BLESS=1` rewrites it. Every case
//! also runs under `wasmtime run pyforge-cli.wasm` and must print exactly the same.

use std::path::{Path, PathBuf};

use libtest_mimic::{Arguments, Failed, Trial};
use pyforge_tests as t;

fn lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .map(|s| s.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).map(String::from).collect())
        .unwrap_or_default()
}

fn run_case(case: &Path) -> Result<(), Failed> {
    let dir = t::project()?;
    let project = dir.path();
    for line in lines(&case.join("copy")) {
        let (from, to) = line.split_once(' ').ok_or_else(|| format!("`copy` line `{line}` is not `FROM TO`"))?;
        t::copy_tree(&project.join(from), &project.join(to.trim()))?;
    }
    if case.join("files").is_dir() {
        t::copy_tree(&case.join("files"), project)?;
    }
    for rel in lines(&case.join("delete")) {
        let p = project.join(&rel);
        if p.is_dir() { std::fs::remove_dir_all(&p)? } else { std::fs::remove_file(&p)? }
    }
    let args: Vec<String> = std::iter::once("check".to_string()).chain(lines(&case.join("args"))).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();

    let native = t::run_native(project, &args)?;
    t::assert_blessed(&case.join("expected.txt"), &native.render())?;

    let wasm = t::run_wasmtime(project, &args)?;
    t::ensure(wasm == native, || {
        format!(
            "`wasmtime run pyforge-cli.wasm` differs from the native CLI:\n--- native\n{}\n--- wasmtime\n{}",
            native.render(),
            wasm.render()
        )
    })
}

fn main() {
    let args = Arguments::from_args();
    let mut cases: Vec<PathBuf> = std::fs::read_dir(t::root().join("tests/check"))
        .expect("tests/check exists")
        .map(|e| e.expect("readable").path())
        .filter(|p| p.is_dir() && !p.file_name().unwrap().to_string_lossy().starts_with('_'))
        .collect();
    cases.sort();
    // Precompile once before the cases run in parallel.
    t::precompiled_cli().expect("precompile pyforge-cli.wasm");
    let trials = cases
        .into_iter()
        .map(|case| {
            let name = case.file_name().unwrap().to_string_lossy().into_owned();
            Trial::test(name, move || run_case(&case))
        })
        .collect();
    libtest_mimic::run(&args, trials).exit();
}
