//! `pyforge gen`: the bindings it writes are what is committed in the template extension,
//! are byte-identical run after run and between the native CLI and `wasmtime run
//! pyforge-cli.wasm`, and compile with the configured clang for wasm32-wasip2 through the
//! tool's `clang` import (`pyforge cc`). Under plain wasmtime that import is the stub, which
//! must answer with an error, not pretend to compile.

use std::path::Path;

use libtest_mimic::{Arguments, Failed, Trial};
use pyforge_tests::{self as t, ensure};

const EXT: &str = "cpython-ext/_demo_cap";
const FILES: [&str; 3] = ["demo_cap_import.c", "demo_cap_import.h", "demo_cap_import_component_type.o"];

fn read_gen(project: &Path) -> anyhow::Result<Vec<Vec<u8>>> {
    FILES.iter().map(|f| Ok(std::fs::read(project.join(EXT).join("gen").join(f))?)).collect()
}

fn deterministic() -> Result<(), Failed> {
    let committed = read_gen(&t::root().join("tests/check/_template"))?;
    let dir = t::project()?;
    let gen_dir = dir.path().join(EXT).join("gen");
    std::fs::remove_dir_all(&gen_dir)?;
    let first = t::run_native(dir.path(), &["gen", EXT])?;
    ensure(first.status == 0, || format!("pyforge gen failed:\n{}", first.render()))?;
    let one = read_gen(dir.path())?;
    let second = t::run_native(dir.path(), &["gen", EXT])?;
    ensure(second.status == 0, || format!("second pyforge gen failed:\n{}", second.render()))?;
    ensure(one == read_gen(dir.path())?, || "a second `pyforge gen` wrote different bytes".into())?;
    ensure(one == committed, || "`pyforge gen` differs from the committed template gen/ (regenerate it)".into())?;

    std::fs::remove_dir_all(&gen_dir)?;
    let wasm = t::run_wasmtime(dir.path(), &["gen", EXT])?;
    ensure(wasm == first, || format!("wasmtime gen printed something else:\n{}", wasm.render()))?;
    ensure(one == read_gen(dir.path())?, || "`wasmtime run pyforge-cli.wasm gen` wrote different bytes".into())?;
    // No temporary files are left behind.
    let mut names: Vec<String> = std::fs::read_dir(&gen_dir)?
        .map(|e| Ok(e?.file_name().to_string_lossy().into_owned()))
        .collect::<std::io::Result<_>>()?;
    names.sort();
    ensure(names == FILES, || format!("gen/ holds unexpected files: {names:?}"))?;
    Ok(())
}

/// `pyforge cc -- --target=wasm32-wasip2 -c SOURCE -o OBJECT EXTRA…` in `dir`.
fn cc(dir: &Path, source: &str, object: &str, extra: &[&str]) -> anyhow::Result<t::Outcome> {
    let mut args = vec!["cc", "--", "--target=wasm32-wasip2", "-c", source, "-o", object];
    args.extend(extra);
    t::run_native(dir, &args)
}

fn compiles_for_wasip2() -> Result<(), Failed> {
    let dir = t::project()?;
    let gen_c = format!("{EXT}/gen/demo_cap_import.c");
    let out = cc(dir.path(), &gen_c, "bindings.o", &["-Wall", "-Werror", "-O2"])?;
    ensure(out.status == 0, || format!("clang failed on the generated bindings:\n{}", out.render()))?;
    let obj = std::fs::read(dir.path().join("bindings.o"))?;
    ensure(obj.starts_with(b"\0asm"), || "clang did not write a wasm object".into())?;

    // The generated header compiles as C too (included alone).
    std::fs::write(
        dir.path().join("use.c"),
        format!("#include \"{EXT}/gen/demo_cap_import.h\"\nint f(void) {{ return 0; }}\n"),
    )?;
    let out = cc(dir.path(), "use.c", "use.o", &["-Wall", "-Werror"])?;
    ensure(out.status == 0, || format!("clang failed on the generated header:\n{}", out.render()))?;

    // A compile error comes back as clang's own message and a non-zero status.
    std::fs::write(dir.path().join("bad.c"), "int f(void) { return nope; }\n")?;
    let out = cc(dir.path(), "bad.c", "bad.o", &[])?;
    ensure(out.status != 0 && out.stderr.contains("use of undeclared identifier 'nope'"), || {
        format!("a bad C file should fail with clang's message:\n{}", out.render())
    })?;
    Ok(())
}

fn stub_clang_under_wasmtime() -> Result<(), Failed> {
    let dir = t::project()?;
    let out = t::run_wasmtime(dir.path(), &["cc", "--", "--version"])?;
    ensure(out.status == 1 && out.stderr.contains("no C compiler in this host"), || {
        format!("the clang stub should answer with an error:\n{}", out.render())
    })?;
    Ok(())
}

fn main() {
    let args = Arguments::from_args();
    let trials = vec![
        Trial::test("gen_is_deterministic_and_committed", deterministic),
        Trial::test("gen_compiles_for_wasm32_wasip2", compiles_for_wasip2),
        Trial::test("clang_stub_under_wasmtime", stub_clang_under_wasmtime),
    ];
    libtest_mimic::run(&args, trials).exit();
}
