//! `pyforge build` and `pyforge run` against the real CPython kit (built by `scripts/build.sh`
//! with `pyforge kit build`): a plain C fixture is linked into python.wasm and called from
//! Python, an extension with a WIT import makes the component import that interface, the
//! stdlib works, rebuilds are incremental and locked, and a broken C file fails cleanly.

use std::path::Path;

use libtest_mimic::{Arguments, Failed, Trial};
use pyforge_tests::{self as t, ensure};

/// A fresh copy of the build test project with both extensions.
fn project() -> anyhow::Result<tempfile::TempDir> {
    let dir = tempfile::tempdir()?;
    t::copy_tree(&t::root().join("tests/build/_project"), dir.path())?;
    t::copy_tree(&t::root().join("tests/build/_fixture"), &dir.path().join("cpython-ext/_fixture"))?;
    t::copy_tree(
        &t::root().join("tests/check/_template/cpython-ext/_demo_cap"),
        &dir.path().join("cpython-ext/_demo_cap"),
    )?;
    std::fs::create_dir_all(dir.path().join("caps"))?;
    std::fs::copy(t::demo_cap_wasm(), dir.path().join("caps/demo-checksum.wasm"))?;
    Ok(dir)
}

fn pyforge(dir: &Path, args: &[&str]) -> anyhow::Result<t::Outcome> {
    t::run_native(dir, args)
}

fn fixture_is_linked_and_called() -> Result<(), Failed> {
    let dir = project()?;
    let out = pyforge(dir.path(), &["build"])?;
    ensure(out.status == 0 && out.stdout.contains("built target/pyforge/default/python.wasm"), || out.render())?;
    let code = "import _fixture, sys\n\
        print(_fixture.add(2, 40), _fixture.greet('wasm'))\n\
        print('_fixture' in sys.builtin_module_names)\n\
        print(sorted(m for m in sys.builtin_module_names if m.startswith('_test')))\n\
        try:\n    _fixture.greet(1)\nexcept TypeError as e:\n    print('TypeError:', e)";
    let out = pyforge(dir.path(), &["run", "-c", code])?;
    ensure(
        out.status == 0 && out.stdout == "42 hello, wasm (from C)\nTrue\n[]\nTypeError: greet() expects a str\n",
        || out.render(),
    )?;
    Ok(())
}

fn stdlib_imports_work() -> Result<(), Failed> {
    let dir = project()?;
    // (asyncio imports, but its event loop needs socketpair(), which WASI 0.2 does not have.)
    let code = "import json, re, decimal, asyncio\n\
        print(json.dumps({'a': [1, 2]}), re.sub('b+', 'x', 'abbbc'), decimal.Decimal('1.1') + decimal.Decimal('2.2'))\n\
        print(asyncio.iscoroutinefunction(asyncio.sleep), 'ok')";
    let out = pyforge(dir.path(), &["run", "-c", code])?;
    ensure(out.status == 0 && out.stdout == "{\"a\": [1, 2]} axc 3.3\nTrue ok\n", || out.render())?;
    Ok(())
}

/// Exit status, files in the current directory and argv reach Python and back. (WASI 0.2's
/// `exit` carries success or failure only, so `sys.exit(7)` ends with status 1.)
fn run_passes_status_and_files() -> Result<(), Failed> {
    let dir = project()?;
    std::fs::write(dir.path().join("input.txt"), "from the host\n")?;
    let code = "import sys, tempfile\n\
        print(open('input.txt').read().strip(), sys.argv[1:])\n\
        open('output.txt', 'w').write('from python')\n\
        tempfile.TemporaryFile().close()\n\
        sys.exit(7)";
    let out = pyforge(dir.path(), &["run", "-c", code, "one", "--two"])?;
    ensure(out.status == 1 && out.stdout == "from the host ['one', '--two']\n", || out.render())?;
    ensure(std::fs::read_to_string(dir.path().join("output.txt"))? == "from python", || "no output.txt".into())?;
    let out = pyforge(dir.path(), &["run", "-c", "raise SystemExit(0)"])?;
    ensure(out.status == 0, || out.render())?;
    let out = pyforge(dir.path(), &["run", "-c", "1/0"])?;
    ensure(out.status == 1 && out.stderr.contains("ZeroDivisionError"), || out.render())?;
    Ok(())
}

/// A component importing a WIT interface: the relinked python.wasm imports exactly that
/// interface besides WASI (read by decoding the component); run uncomposed, it is an error that
/// says to compose it; the forge that names the fixture cap is composed by `build` and a Python
/// call reaches the cap (its CRC-32 equals `binascii.crc32`).
fn cap_import_reaches_the_component() -> Result<(), Failed> {
    let dir = project()?;
    let out = pyforge(dir.path(), &["build", "--forge", "no-cap"])?;
    ensure(out.status == 0 && !out.stdout.contains("composed"), || out.render())?;
    let wasm = std::fs::read(dir.path().join("target/pyforge/no-cap/python.wasm"))?;
    let imports = t::component_imports(&wasm)?;
    let non_wasi: Vec<&String> = imports.iter().filter(|i| !i.starts_with("wasi:")).collect();
    ensure(non_wasi == ["pyforge:demo/checksum@0.1.0"], || format!("imports: {imports:?}"))?;
    let out = pyforge(dir.path(), &["run", "--forge", "no-cap", "-c", "pass"])?;
    ensure(out.status == 1 && out.stderr.contains("composed with its caps first"), || out.render())?;

    let out = pyforge(dir.path(), &["build", "--forge", "with-cap"])?;
    ensure(
        out.status == 0
            && out.stdout.contains("composed target/pyforge/with-cap/python.composed.wasm")
            && out.stdout.contains("caps: caps/demo-checksum.wasm"),
        || out.render(),
    )?;
    let composed = std::fs::read(dir.path().join("target/pyforge/with-cap/python.composed.wasm"))?;
    let imports = t::component_imports(&composed)?;
    ensure(imports.iter().all(|i| i.starts_with("wasi:")), || format!("composed imports: {imports:?}"))?;
    let code = "import demo, binascii\n\
        print(demo.crc32(b'hello world') == binascii.crc32(b'hello world'), demo.crc32(b'world', demo.crc32(b'hello ')))";
    let out = pyforge(dir.path(), &["run", "--forge", "with-cap", "-c", code])?;
    ensure(out.status == 0 && out.stdout == "True 222957957\n", || out.render())?;
    Ok(())
}

/// The forge's `output` copy is an output of the build like the composition: deleted, changed
/// or renamed, the next build writes it again.
fn output_copy_is_kept_up_to_date() -> Result<(), Failed> {
    let dir = project()?;
    let copy = dir.path().join("dist/python.wasm");
    let composed = dir.path().join("target/pyforge/with-copy/python.composed.wasm");
    let out = pyforge(dir.path(), &["build", "--forge", "with-copy"])?;
    ensure(out.status == 0 && copy.is_file(), || out.render())?;
    ensure(std::fs::read(&copy)? == std::fs::read(&composed)?, || "the copy differs from the composition".into())?;

    std::fs::remove_file(&copy)?;
    let out = pyforge(dir.path(), &["build", "--forge", "with-copy"])?;
    ensure(out.status == 0 && copy.is_file(), || format!("a deleted copy was not written again\n{}", out.render()))?;

    std::fs::write(&copy, b"changed")?;
    let out = pyforge(dir.path(), &["build", "--forge", "with-copy"])?;
    ensure(out.status == 0 && std::fs::read(&copy)? == std::fs::read(&composed)?, || {
        format!("a changed copy was not written again\n{}", out.render())
    })?;

    let toml = dir.path().join("pyforge.toml");
    let text = std::fs::read_to_string(&toml)?;
    std::fs::write(&toml, text.replace("output = \"dist/python.wasm\"", "output = \"dist/renamed.wasm\""))?;
    let out = pyforge(dir.path(), &["build", "--forge", "with-copy"])?;
    ensure(out.status == 0 && dir.path().join("dist/renamed.wasm").is_file(), || {
        format!("a renamed output was not written\n{}", out.render())
    })?;
    Ok(())
}

/// The second build is a no-op (lock file); changing one extension recompiles only it;
/// `python.lock` lists each input with its hash; the same inputs give the same bytes.
fn rebuild_is_incremental_locked_and_deterministic() -> Result<(), Failed> {
    let dir = project()?;
    let out = pyforge(dir.path(), &["build"])?;
    ensure(out.status == 0, || out.render())?;
    let first = std::fs::read(dir.path().join("target/pyforge/default/python.wasm"))?;
    let out = pyforge(dir.path(), &["build"])?;
    ensure(out.status == 0 && out.stdout.contains("is up to date"), || out.render())?;

    let lock = std::fs::read_to_string(dir.path().join("target/pyforge/default/python.lock"))?;
    ensure(lock.contains("path = \"cpython-ext/_fixture/_fixturemodule.c\""), || lock.clone())?;
    ensure(lock.contains("modules = [\"_fixture\"]") && lock.contains("output_sha256 = \""), || lock.clone())?;

    let c = dir.path().join("cpython-ext/_fixture/_fixturemodule.c");
    let text = std::fs::read_to_string(&c)?;
    std::fs::write(&c, text.replace("(from C)", "(changed)"))?;
    let out = pyforge(dir.path(), &["build"])?;
    ensure(out.status == 0 && out.stdout.contains("compiled cpython-ext/_fixture/_fixturemodule.c"), || out.render())?;
    let out = pyforge(dir.path(), &["run", "-c", "import _fixture; print(_fixture.greet('x'))"])?;
    ensure(out.stdout == "hello, x (changed)\n", || out.render())?;

    // Back to the original source, from scratch: the same bytes as the first build.
    std::fs::write(&c, text)?;
    std::fs::remove_dir_all(dir.path().join("target"))?;
    let out = pyforge(dir.path(), &["build"])?;
    ensure(out.status == 0, || out.render())?;
    let again = std::fs::read(dir.path().join("target/pyforge/default/python.wasm"))?;
    ensure(first == again, || "two builds from the same inputs differ".into())?;
    Ok(())
}

/// A C file that does not compile: clang's message and the command line, exit 1, the
/// previous output untouched and no temporary files left.
fn broken_c_fails_cleanly() -> Result<(), Failed> {
    let dir = project()?;
    let out = pyforge(dir.path(), &["build"])?;
    ensure(out.status == 0, || out.render())?;
    let built = dir.path().join("target/pyforge/default/python.wasm");
    let before = std::fs::read(&built)?;
    let c = dir.path().join("cpython-ext/_fixture/_fixturemodule.c");
    let text = std::fs::read_to_string(&c)?;
    std::fs::write(&c, text.replace("return PyLong_FromLongLong(a + b);", "return PyLong_FromLongLong(a + c);"))?;
    let out = pyforge(dir.path(), &["build"])?;
    ensure(out.status == 1, || out.render())?;
    ensure(
        out.stderr.contains("compiling `cpython-ext/_fixture/_fixturemodule.c` (extension `fixture`) failed"),
        || out.render(),
    )?;
    ensure(out.stderr.contains("use of undeclared identifier 'c'"), || out.render())?;
    ensure(out.stderr.contains("command: clang --target=wasm32-wasip2"), || out.render())?;
    ensure(std::fs::read(&built)? == before, || "the failed build changed python.wasm".into())?;
    let mut leftovers = Vec::new();
    t::walk(&dir.path().join("target"), &mut |p| {
        if p.extension().is_some_and(|e| e == "tmp") {
            leftovers.push(p.to_path_buf());
        }
    })?;
    ensure(leftovers.is_empty(), || format!("temporary files left: {leftovers:?}"))?;

    // Without `PyInit__fixture`, `check` stops the build before anything is compiled.
    std::fs::write(&c, text.replace("PyInit__fixture(void)\n{", "PyInit_other(void)\n{"))?;
    let out = pyforge(dir.path(), &["build"])?;
    ensure(out.status == 1 && out.stderr.contains("does not define `PyInit__fixture`"), || out.render())?;
    Ok(())
}

/// CPython's own test runner against the kit's `Lib/test`.
fn cpython_test_json_passes() -> Result<(), Failed> {
    let dir = project()?;
    let out = pyforge(dir.path(), &["run", "--with-tests", "-m", "test", "test_json"])?;
    ensure(out.status == 0 && out.stdout.contains("Result: SUCCESS"), || out.render())?;
    Ok(())
}

fn main() {
    let args = Arguments::from_args();
    let trials = vec![
        Trial::test("fixture_is_linked_and_called", fixture_is_linked_and_called),
        Trial::test("stdlib_imports_work", stdlib_imports_work),
        Trial::test("run_passes_status_and_files", run_passes_status_and_files),
        Trial::test("cap_import_reaches_the_component", cap_import_reaches_the_component),
        Trial::test("output_copy_is_kept_up_to_date", output_copy_is_kept_up_to_date),
        Trial::test("rebuild_is_incremental_locked_and_deterministic", rebuild_is_incremental_locked_and_deterministic),
        Trial::test("broken_c_fails_cleanly", broken_c_fails_cleanly),
        Trial::test("cpython_test_json_passes", cpython_test_json_passes),
    ];
    libtest_mimic::run(&args, trials).exit();
}
