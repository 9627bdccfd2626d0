//! The strict composer as far as the foundation uses it: `pyforge-cli.wasm` is the tool
//! composed with a generated `clang` stub; composing it is deterministic; leaving the import
//! unsatisfied is an error that names it and writes nothing; a stubbed composition runs under
//! stock wasmtime and the stub answers.

use std::process::Command;

use libtest_mimic::{Arguments, Failed, Trial};
use pyforge_tests::{self as t, ensure};

fn cli_wasm_is_deterministic() -> Result<(), Failed> {
    let dir = tempfile::tempdir()?;
    for name in ["a.wasm", "b.wasm"] {
        let out = t::run_native(dir.path(), &["cli-wasm", "-o", name])?;
        ensure(out.status == 0, || out.render())?;
    }
    let a = std::fs::read(dir.path().join("a.wasm"))?;
    ensure(a == std::fs::read(dir.path().join("b.wasm"))?, || "two compositions differ".into())?;
    ensure(a == std::fs::read(t::pyforge_cli_wasm())?, || {
        "target/pyforge-cli.wasm differs from a fresh composition".into()
    })?;
    Ok(())
}

fn unsatisfied_import_is_an_error() -> Result<(), Failed> {
    let dir = tempfile::tempdir()?;
    // The plain tool component imports `clang`; composing it with nothing must fail.
    std::fs::copy(t::root().join("target/wasm32-wasip2/release/pyforge-tool.wasm"), dir.path().join("tool.wasm"))?;
    let out = t::run_native(dir.path(), &["compose", "tool.wasm", "-o", "out.wasm"])?;
    ensure(out.status == 1, || out.render())?;
    ensure(out.stderr.contains("import `pyforge:toolchain/clang@0.1.0` is not satisfied by any plug"), || {
        out.render()
    })?;
    ensure(!dir.path().join("out.wasm").exists(), || "a failed composition left an output file".into())?;

    // With a stub it composes; stock wasmtime instantiates the result (it would refuse any
    // import beyond WASI) and the stub answers with its default message.
    let out =
        t::run_native(dir.path(), &["compose", "tool.wasm", "--stub", "pyforge:toolchain/clang", "-o", "out.wasm"])?;
    ensure(out.status == 0, || out.render())?;
    let run = t::run(Command::new(t::wasmtime()).args(["run", "out.wasm", "cc", "--", "-v"]).current_dir(dir.path()))?;
    ensure(
        run.status == 1
            && run.stderr.contains("`pyforge:toolchain/clang@0.1.0` is not available: this composition stubs it"),
        || run.render(),
    )?;

    // Not a component: a clear error naming the file.
    std::fs::write(dir.path().join("junk.wasm"), b"not wasm")?;
    let out = t::run_native(dir.path(), &["compose", "tool.wasm", "--plug", "junk.wasm", "-o", "out2.wasm"])?;
    ensure(
        out.status == 1 && out.stderr.contains("junk.wasm") && out.stderr.contains("not a valid component"),
        || out.render(),
    )?;
    Ok(())
}

/// The tool sees only the current directory: a path outside it is refused by the host with
/// an explanation, and an absolute path inside it works.
fn paths_outside_cwd_are_refused() -> Result<(), Failed> {
    let dir = t::project()?;
    let out = t::run_native(dir.path(), &["check", "/"])?;
    ensure(out.status == 1 && out.stderr.contains("is outside the current directory"), || out.render())?;
    let abs = dir.path().join("cpython-ext/_demo_cap");
    let out = t::run_native(dir.path(), &["check", abs.to_str().unwrap()])?;
    ensure(out.status == 0 && out.stdout.contains("ok: cpython-ext/_demo_cap/pyforge-pkg.toml"), || out.render())?;
    Ok(())
}

fn main() {
    let args = Arguments::from_args();
    let trials = vec![
        Trial::test("cli_wasm_is_deterministic", cli_wasm_is_deterministic),
        Trial::test("unsatisfied_import_is_an_error", unsatisfied_import_is_an_error),
        Trial::test("paths_outside_cwd_are_refused", paths_outside_cwd_are_refused),
    ];
    libtest_mimic::run(&args, trials).exit();
}
