//! `pyforge check` on blessed cases: one directory per case under `tests/check/<case>/`.
//!
//! A case is the project in `tests/check/_template/` with the case's `files/` copied over it
//! (symlinks kept), the paths listed in `delete` removed, and `pyforge check ARGS` run in it
//! (`args` holds ARGS, one per line; none by default). `expected.txt` holds the exit status,
//! stdout and stderr; `BLESS=1` rewrites it. Every case also runs under
//! `wasmtime run pyforge-cli.wasm` and must print exactly the same.

use std::path::{Path, PathBuf};

use libtest_mimic::{Arguments, Failed, Trial};
use pyforge_tests as t;

fn lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .map(|s| {
            s.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .map(String::from)
                .collect()
        })
        .unwrap_or_default()
}

fn run_case(case: &Path, scratch: &Path) -> Result<(), Failed> {
    let cwasm = t::precompiled_cli(scratch)?;
    let dir = tempfile::tempdir()?;
    let project = dir.path();
    t::copy_tree(&case.parent().unwrap().join("_template"), project)?;
    if case.join("files").is_dir() {
        t::copy_tree(&case.join("files"), project)?;
    }
    for rel in lines(&case.join("delete")) {
        let p = project.join(&rel);
        if p.is_dir() {
            std::fs::remove_dir_all(&p)?
        } else {
            std::fs::remove_file(&p)?
        }
    }
    let args: Vec<String> = std::iter::once("check".to_string())
        .chain(lines(&case.join("args")))
        .collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();

    let native = t::run_native(project, &args)?;
    t::assert_blessed(&case.join("expected.txt"), &native.render())?;

    let wasm = t::run_wasmtime(project, &cwasm, &args)?;
    if wasm != native {
        return Err(format!("`wasmtime run pyforge-cli.wasm` differs from the native CLI:\n--- native\n{}\n--- wasmtime\n{}", native.render(), wasm.render()).into());
    }
    Ok(())
}

fn main() {
    let args = Arguments::from_args();
    let cases_dir = t::root().join("tests/check");
    let scratch: PathBuf = tempfile::tempdir().expect("temp dir").keep();
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&cases_dir)
        .expect("tests/check exists")
        .map(|e| e.expect("readable").path())
        .filter(|p| p.is_dir() && !p.file_name().unwrap().to_string_lossy().starts_with('_'))
        .collect();
    cases.sort();
    // Warm both precompile caches once, before the cases run in parallel (the native CLI
    // says so on stderr the first time it compiles the tool).
    t::precompiled_cli(&scratch).expect("precompile pyforge-cli.wasm");
    t::run_native(&scratch, &["check", "."]).expect("run the native pyforge");
    let trials = cases
        .into_iter()
        .map(|case| {
            let name = case.file_name().unwrap().to_string_lossy().into_owned();
            let scratch = scratch.clone();
            Trial::test(name, move || run_case(&case, &scratch))
        })
        .collect();
    let conclusion = libtest_mimic::run(&args, trials);
    let _ = std::fs::remove_dir_all(&scratch);
    conclusion.exit();
}
