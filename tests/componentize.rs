//! `pyforge componentize`: a componentize-py app (unchanged) as a component for a
//! `wasi:cli/run` world, run by the stock wasmtime CLI with nothing mounted.
//!
//! * the app runs with its argv and environment; a module it never imported at build time
//!   imports from the embedded stdlib; `Err` and other exceptions fail the run (the latter
//!   with its traceback);
//! * on a forge with caps (`--forge default`), the app uses zlib and sqlite3 through them;
//! * two builds are byte-identical; the output transpiles with jco and runs in Node;
//! * componentize-py's examples' command lines work (`-d ../../wit` from the example's own
//!   directory; `-p` and `-o` outside too), and the component does not depend on where the
//!   inputs were;
//! * `pyforge bindings` writes the package for an IDE;
//! * a world of custom exports converts every supported type both ways (`--invoke`), and a
//!   wrong result type fails the call with the reason; imports of a cap's interface reach the
//!   cap once composed, bad arguments raising Python exceptions;
//! * bad input — unknown world, missing module, no `Run` class, an exception while importing
//!   the app, a module named like the bindings, an unsupported export — is a clear error and
//!   writes nothing.

use std::path::Path;
use std::process::Command;

use libtest_mimic::{Arguments, Failed, Trial};
use pyforge_tests::{self as t, ensure};

/// A copy of `tests/componentize/cli` in a temporary directory.
fn cli_app() -> anyhow::Result<tempfile::TempDir> {
    let dir = tempfile::tempdir()?;
    t::copy_tree(&t::root().join("tests/componentize/cli"), dir.path())?;
    Ok(dir)
}

fn componentize(dir: &Path, args: &[&str]) -> anyhow::Result<t::Outcome> {
    t::run_native(dir, &[&["componentize"][..], args].concat())
}

fn wasmtime(dir: &Path, args: &[&str]) -> anyhow::Result<t::Outcome> {
    t::run(Command::new(t::wasmtime()).arg("run").args(args).current_dir(dir))
}

/// The hello app, built once per test process.
fn hello() -> Result<&'static Path, Failed> {
    static APP: std::sync::OnceLock<Result<tempfile::TempDir, String>> = std::sync::OnceLock::new();
    APP.get_or_init(|| {
        let build = || -> anyhow::Result<tempfile::TempDir> {
            let dir = cli_app()?;
            let out = componentize(dir.path(), &["-d", "wit", "-w", "hello", "app", "-o", "hello.wasm"])?;
            anyhow::ensure!(out.status == 0, "pyforge componentize failed:\n{}", out.render());
            Ok(dir)
        };
        build().map_err(|e| format!("{e:#}"))
    })
    .as_ref()
    .map(|d| d.path())
    .map_err(|e| Failed::from(e.as_str()))
}

fn app_runs_with_its_argv_and_environment() -> Result<(), Failed> {
    let dir = hello()?;
    let out = wasmtime(dir, &["--env", "GREETING=hi", "hello.wasm", "one", "two"])?;
    ensure(out.status == 0 && out.stdout.trim() == r#"{"argv": ["one", "two"], "env": "hi"}"#, || out.render())
}

/// A file of a directory the host grants (`wasmtime run --dir`).
fn app_reads_granted_files() -> Result<(), Failed> {
    let dir = hello()?;
    std::fs::write(dir.join("data.txt"), "granted\n")?;
    let out = wasmtime(dir, &["--dir", ".", "hello.wasm", "cat", "data.txt"])?;
    ensure(out.status == 0 && out.stdout.lines().nth(1) == Some("granted"), || out.render())
}

fn stdlib_outside_the_snapshot_imports() -> Result<(), Failed> {
    let dir = hello()?;
    let out = wasmtime(dir, &["hello.wasm", "email"])?;
    ensure(out.status == 0 && out.stdout.contains("email ok 78"), || out.render())
}

fn errors_fail_the_run() -> Result<(), Failed> {
    let dir = hello()?;
    let err = wasmtime(dir, &["hello.wasm", "fail"])?;
    ensure(err.status == 1 && !err.stderr.contains("Traceback"), || format!("`raise Err(None)`:\n{}", err.render()))?;
    let boom = wasmtime(dir, &["hello.wasm", "boom"])?;
    ensure(
        boom.status == 1
            && boom.stderr.contains("File \"/app/app.py\", line 22, in run")
            && boom.stderr.contains("ValueError: boom"),
        || format!("an exception:\n{}", boom.render()),
    )
}

/// componentize-py's examples live two levels below the WIT they use and build with `-d
/// ../../wit` from their own directory: the WIT directory, a `-p` directory and the output may
/// be outside the current directory (the toolchain gets read-only access to the inputs named,
/// nothing else). Where they are does not change the component: it is byte-identical to the
/// same app built with everything inside.
fn wit_and_python_paths_outside_the_current_directory() -> Result<(), Failed> {
    let first = hello()?;
    let root = tempfile::tempdir()?;
    let r = root.path();
    t::copy_tree(&t::root().join("tests/componentize/cli/wit"), &r.join("wit"))?;
    let example = r.join("examples/cli");
    std::fs::create_dir_all(&example)?;
    std::fs::copy(t::root().join("tests/componentize/cli/app.py"), example.join("app.py"))?;
    let out = componentize(&example, &["-d", "../../wit", "-w", "hello", "app", "-o", "cli.wasm"])?;
    ensure(out.status == 0 && out.stdout.contains("wrote cli.wasm"), || out.render())?;
    ensure(std::fs::read(first.join("hello.wasm"))? == std::fs::read(example.join("cli.wasm"))?, || {
        "the app built with `-d ../../wit` differs from the same app built with `-d wit`".into()
    })?;
    let run = wasmtime(&example, &["cli.wasm", "x"])?;
    ensure(run.status == 0 && run.stdout.trim() == r#"{"argv": ["x"], "env": null}"#, || run.render())?;
    // A `-p` directory outside (by absolute path, and by `..`), the output outside too.
    let lib = r.join("lib");
    std::fs::create_dir_all(&lib)?;
    std::fs::write(lib.join("helper.py"), "WORD = 'outside'\n")?;
    std::fs::write(
        example.join("uses_helper.py"),
        "import helper\nfrom wit_world import exports\n\n\nclass Run(exports.Run):\n    def run(self):\n        \
         print(helper.WORD, helper.__file__)\n",
    )?;
    let lib_abs = lib.to_str().ok_or("temporary path is not UTF-8")?;
    let out = componentize(
        &example,
        &["-d", "../../wit", "-w", "hello", "-p", ".", "-p", lib_abs, "uses_helper", "-o", "../../out/helper.wasm"],
    )?;
    ensure(out.status == 0, || out.render())?;
    let run = wasmtime(r, &["out/helper.wasm"])?;
    // Where the directory is on the build machine stays out of the component.
    ensure(run.status == 0 && run.stdout.trim() == "outside /app-path/1/helper.py", || run.render())?;
    let out = componentize(
        &example,
        &["-d", "../../wit", "-w", "hello", "-p", ".", "-p", "../../lib", "uses_helper", "-o", "h2.wasm"],
    )?;
    ensure(out.status == 0, || out.render())?;
    ensure(std::fs::read(r.join("out/helper.wasm"))? == std::fs::read(example.join("h2.wasm"))?, || {
        "`-p ../../lib` and `-p /abs/lib` built different components".into()
    })
}

/// Errors speak of the app the user asked for: not of a forge, not of an extension's WIT.
fn errors_speak_of_the_app() -> Result<(), Failed> {
    let dir = cli_app()?;
    let d = dir.path();
    let out = componentize(d, &["-d", "wit", "-w", "nope", "app", "-o", "out.wasm"])?;
    ensure(
        out.status != 0
            && out.stderr.contains("error: app `app` was not built: 1 problem found")
            && out.stderr.contains("`-w wasi:cli/command@0.2.0`")
            && !out.stderr.contains("forge `")
            && !out.stderr.contains("extension"),
        || out.render(),
    )?;
    let out = componentize(d, &["-d", "wit", "-w", "hello", "missing", "-o", "out.wasm"])?;
    ensure(
        out.status != 0 && out.stderr.contains("error: app `missing` was not built") && !out.stderr.contains("forge `"),
        || out.render(),
    )
}

fn builds_are_byte_identical() -> Result<(), Failed> {
    let first = hello()?;
    let again = cli_app()?;
    let out = componentize(again.path(), &["-d", "wit", "-w", "hello", "app", "-o", "hello.wasm"])?;
    ensure(out.status == 0, || out.render())?;
    ensure(std::fs::read(first.join("hello.wasm"))? == std::fs::read(again.path().join("hello.wasm"))?, || {
        "two builds of the same app differ".into()
    })
}

fn app_on_a_forge_uses_its_caps() -> Result<(), Failed> {
    let project = t::default_project("")?;
    let root = project.path();
    t::copy_tree(&t::root().join("tests/componentize/cli/wit"), &root.join("wit"))?;
    std::fs::write(
        root.join("capsapp.py"),
        "import zlib\nfrom wit_world import exports\n\n\nclass Run(exports.Run):\n    def run(self):\n        \
         import sqlite3  # its module calls the cap when imported: not at build time\n        \
         cx = sqlite3.connect(':memory:')\n        (n,) = cx.execute('select 6 * 7').fetchone()\n        \
         print(zlib.decompress(zlib.compress(b'caps' * 100)) == b'caps' * 100, n)\n",
    )?;
    let out = componentize(root, &["-d", "wit", "-w", "hello", "--forge", "default", "capsapp", "-o", "caps.wasm"])?;
    ensure(out.status == 0, || out.render())?;
    let run = wasmtime(root, &["caps.wasm"])?;
    ensure(run.status == 0 && run.stdout.trim() == "True 42", || run.render())?;
    // `import sqlite3` at the top of the app calls the cap while the app is imported at build
    // time: a clear error saying what to do.
    let text = std::fs::read_to_string(root.join("capsapp.py"))?;
    std::fs::write(root.join("capsapp.py"), format!("import sqlite3\n{text}"))?;
    let out = componentize(root, &["-d", "wit", "-w", "hello", "--forge", "default", "capsapp", "-o", "caps2.wasm"])?;
    ensure(
        out.status == 1
            && out.stderr.contains("`pyforge:sqlite/sqlite@0.4.0#version` was called while pre-initializing")
            && !out.stderr.contains("wasm backtrace"),
        || out.render(),
    )
}

fn bad_input_is_a_clear_error() -> Result<(), Failed> {
    let dir = cli_app()?;
    let d = dir.path();
    std::fs::write(d.join("norun.py"), "x = 1\n")?;
    std::fs::write(d.join("broken.py"), "import os\nimport no_such_module_here\n")?;
    t::copy_tree(&t::root().join("tests/componentize/unsupported/wit"), &d.join("unsupported"))?;
    let cases: &[(&[&str], &[&str])] = &[
        (&["-d", "wit", "-w", "nope", "app"], &["cannot pick the world", "nope"]),
        (&["-d", "wit", "-w", "hello", "missing"], &["the app module `missing` is in none of the Python paths"]),
        (&["-d", "wit", "-w", "hello", "norun"], &["has no class `Run`", "norun.py"]),
        (
            &["-d", "wit", "-w", "hello", "broken"],
            &["File \"/app/broken.py\", line 2", "No module named 'no_such_module_here'"],
        ),
        (&["-d", "wit", "-w", "hello", "wit_world"], &["has the name of the generated bindings package"]),
        (&["-d", "unsupported", "app"], &["function `open`: type `future<u32>`: not supported yet"]),
        (&["-d", "no-such-dir", "app"], &["`-d no-such-dir`: there is no"]),
    ];
    for (args, wanted) in cases {
        let out = componentize(d, &[&args[..], &["-o", "out.wasm"]].concat())?;
        ensure(out.status != 0, || format!("{args:?} succeeded:\n{}", out.render()))?;
        for w in *wanted {
            ensure(out.stderr.contains(w), || format!("{args:?}: no `{w}` in\n{}", out.render()))?;
        }
        ensure(!d.join("out.wasm").exists(), || format!("{args:?} wrote out.wasm"))?;
    }
    Ok(())
}

/// The output transpiles with jco (the tool's own, from `scripts/build-tests.sh`) and runs in
/// Node with its WASI shim: environment in, output out.
fn transpiles_with_jco_and_runs_in_node() -> Result<(), Failed> {
    let dir = hello()?;
    let jco = t::root().join("web/node_modules/.bin/jco");
    ensure(jco.exists(), || format!("{} is missing: run scripts/build-tests.sh", jco.display()))?;
    let out = t::run(
        Command::new(&jco).args(["transpile", "hello.wasm", "-o", "js", "--name", "hello", "--quiet"]).current_dir(dir),
    )?;
    ensure(out.status == 0, || out.render())?;
    std::fs::write(dir.join("js/main.mjs"), "import { run } from './hello.js';\nrun.run();\n")?;
    // The transpiled module imports jco's WASI shim: Node finds it through `node_modules`.
    let modules = dir.join("js/node_modules");
    if !modules.exists() {
        std::os::unix::fs::symlink(t::root().join("web/node_modules"), &modules)?;
    }
    let node = t::run(Command::new("node").arg("js/main.mjs").env("GREETING", "from node").current_dir(dir))?;
    ensure(node.status == 0 && node.stdout.contains(r#""env": "from node""#), || node.render())
}

/// `pyforge bindings` writes what `componentize` embeds, importable by a native Python (an IDE).
fn bindings_for_an_ide() -> Result<(), Failed> {
    let dir = cli_app()?;
    let out = t::run_native(dir.path(), &["bindings", "-d", "wit", "-w", "hello", "stubs"])?;
    ensure(out.status == 0 && out.stdout.trim() == "wrote stubs (4 files)", || out.render())?;
    let check = t::run(
        Command::new("python3")
            .args(["-c", "import sys; sys.path.insert(0, 'stubs'); from wit_world import exports; from componentize_py_types import Err; print(exports.Run.run.__isabstractmethod__, issubclass(Err, Exception))"])
            .current_dir(dir.path()),
    )?;
    ensure(check.status == 0 && check.stdout.trim() == "True True", || check.render())?;
    // Two interfaces named `types`: one module each, named with its package.
    let names = tempfile::tempdir()?;
    t::copy_tree(&t::root().join("tests/componentize/names"), names.path())?;
    let out = t::run_native(names.path(), &["bindings", "-d", "wit", "stubs"])?;
    ensure(out.status == 0, || out.render())?;
    let imports = names.path().join("stubs/wit_world/imports");
    for module in ["acme_http_types.py", "acme_files_types.py", "paths.py"] {
        ensure(imports.join(module).is_file(), || format!("no {module} in {}", imports.display()))?;
    }
    Ok(())
}

/// A fixture of `tests/componentize/` copied and built: `(directory, component)`.
fn build_fixture(name: &str, world: &str) -> anyhow::Result<tempfile::TempDir> {
    let dir = tempfile::tempdir()?;
    t::copy_tree(&t::root().join("tests/componentize").join(name), dir.path())?;
    build_app(dir.path(), world, "app", "app.wasm")?;
    Ok(dir)
}

fn build_app(dir: &Path, world: &str, module: &str, out: &str) -> anyhow::Result<()> {
    let done = componentize(dir, &["-d", "wit", "-w", world, module, "-o", out])?;
    anyhow::ensure!(done.status == 0, "pyforge componentize failed:\n{}", done.render());
    Ok(())
}

/// Every WIT value type (records, variants, enums, flags, options — nested too —, results,
/// tuples, lists, strings, chars, every integer and float, more than 16 parameters) crosses
/// twice: a Python app exports `test:types/echo`, another imports it and checks each value
/// comes back equal; `result` raises `Err` in return position; bad arguments are Python
/// exceptions. Resources too: the provider implements `counter` (constructor, methods, a static
/// taking an `own` and a `borrow`, lists of them), the consumer uses it, `with` and finalizers
/// drop handles and the provider's objects go with them. The two are plugged together with wac
/// and run by stock wasmtime.
fn every_value_type_crosses_both_ways() -> Result<(), Failed> {
    let dir = tempfile::tempdir()?;
    let d = dir.path();
    t::copy_tree(&t::root().join("tests/componentize/types"), d)?;
    build_app(d, "provider", "provider", "provider.wasm")?;
    build_app(d, "consumer", "consumer", "consumer.wasm")?;
    // The provider's world-level exports, from WAVE values.
    for (call, want) in [("scale({x: 1, y: -2}, 3)", "{x: 3, y: -6}"), ("favourite()", "green")] {
        let out = wasmtime(d, &["--invoke", call, "provider.wasm"])?;
        ensure(out.status == 0 && out.stdout.trim() == want, || format!("{call}:\n{}", out.render()))?;
    }
    let plug = t::run(
        Command::new(t::wac())
            .args(["plug", "consumer.wasm", "--plug", "provider.wasm", "-o", "both.wasm"])
            .current_dir(d),
    )?;
    ensure(plug.status == 0, || plug.render())?;
    let out = wasmtime(d, &["--invoke", "run-checks()", "both.wasm"])?;
    ensure(out.status == 0 && out.stdout.trim() == "\"27 passed; failed: []\"", || out.render())
}

/// A world of custom exports: every supported type, in and out, through `wasmtime run
/// --invoke`; a wrong result type fails the call with the reason.
fn custom_exports_convert_every_supported_type() -> Result<(), Failed> {
    let dir = build_fixture("custom", "greeter")?;
    let cases: &[(&str, &str)] = &[
        ("greet(\"wörld\")", "\"Hello, wörld!\""),
        ("mix(-2, 0.5, 'x', true)", "119.5"),
        ("reverse([1, 2, 255])", "[255, 2, 1]"),
        ("next(18446744073709551614)", "18446744073709551615"),
        ("shout()", "shouted"),
    ];
    for (call, want) in cases {
        let out = wasmtime(dir.path(), &["--invoke", call, "app.wasm"])?;
        ensure(out.status == 0 && out.stdout.lines().next() == Some(*want), || format!("{call}:\n{}", out.render()))?;
    }
    // 2^64 - 1 + 1 does not fit a u64: an OverflowError, reported, then the trap.
    let out = wasmtime(dir.path(), &["--invoke", "next(18446744073709551615)", "app.wasm"])?;
    ensure(out.status != 0 && out.stderr.contains("OverflowError"), || out.render())?;
    let out = wasmtime(dir.path(), &["--invoke", "wrong()", "app.wasm"])?;
    ensure(
        out.status != 0
            && out.stderr.contains("the app's export `wrong` raised")
            && out.stderr.contains("TypeError: expected string, got int"),
        || out.render(),
    )?;
    let out = wasmtime(dir.path(), &["--invoke", "fallible(true)", "app.wasm"])?;
    ensure(out.status == 0 && out.stdout.trim() == "ok(\"fine\")", || out.render())?;
    // An `Err` whose payload is not the WIT `err` type; an exception that is not an `Err`.
    let out = wasmtime(dir.path(), &["--invoke", "fallible(false)", "app.wasm"])?;
    ensure(
        out.status != 0
            && out.stderr.contains("the app's export `fallible` raised")
            && out.stderr.contains("TypeError: expected u8, got str"),
        || out.render(),
    )?;
    let out = wasmtime(dir.path(), &["--invoke", "boom()", "app.wasm"])?;
    ensure(
        out.status != 0
            && out.stderr.contains("File \"/app/app.py\", line")
            && out.stderr.contains("ValueError: boom")
            && out.stderr.contains("wasm trap"),
        || out.render(),
    )
}

/// A command importing a cap's interface: `wit_world.imports.checksum.crc32` reaches the demo
/// checksum cap once composed; bad arguments are Python exceptions, not traps.
fn imports_reach_a_composed_cap() -> Result<(), Failed> {
    let dir = build_fixture("checker", "checker")?;
    let d = dir.path();
    std::fs::copy(t::demo_cap_wasm(), d.join("cap.wasm"))?;
    let out = t::run_native(d, &["compose", "app.wasm", "--plug", "cap.wasm", "-o", "composed.wasm"])?;
    ensure(out.status == 0, || out.render())?;
    let run = wasmtime(d, &["composed.wasm", "hello", "world"])?;
    ensure(
        run.status == 0
            && run.stdout
                == "222957957\nTypeError: crc32(), argument `data`: expected list<u8>, got str\n\
                    OverflowError: crc32(), argument `value`: 4294967296 is out of range for u32 (at most 4294967295)\n",
        || run.render(),
    )?;
    // Without the cap the composition is refused, naming the import.
    let out = t::run_native(d, &["compose", "app.wasm", "-o", "alone.wasm"])?;
    ensure(out.status != 0 && out.stderr.contains("pyforge:demo/checksum"), || out.render())
}

/// `--stub-wasi`: a world of custom exports becomes a component importing nothing at all; its
/// functions still run (`--invoke`), and touching WASI (a `print`) traps naming the stubbed
/// function, as with componentize-py.
fn stub_wasi_imports_nothing() -> Result<(), Failed> {
    let dir = tempfile::tempdir()?;
    let d = dir.path();
    t::copy_tree(&t::root().join("tests/componentize/custom"), d)?;
    // `-d` names a single WIT file here, as componentize-py allows.
    let out = componentize(d, &["--stub-wasi", "-d", "wit/world.wit", "-w", "greeter", "app", "-o", "app.wasm"])?;
    ensure(out.status == 0, || out.render())?;
    let imports = t::component_imports(&std::fs::read(d.join("app.wasm"))?)?;
    ensure(imports.is_empty(), || format!("imports left: {imports:?}"))?;
    let out = wasmtime(d, &["--invoke", "greet(\"stub\")", "app.wasm"])?;
    ensure(out.status == 0 && out.stdout.trim() == "\"Hello, stub!\"", || out.render())?;
    let out = wasmtime(d, &["--invoke", "shout()", "app.wasm"])?;
    ensure(out.status != 0 && out.stderr.contains("!wasi:cli/"), || out.render())
}

/// An app declared in `pyforge.toml` (`[app.NAME]`, componentize's options) builds with
/// `pyforge build --app NAME` into its `output`; an unknown app or forge is named.
fn project_apps_build() -> Result<(), Failed> {
    let dir = tempfile::tempdir()?;
    let d = dir.path();
    t::copy_tree(&t::root().join("tests/componentize/custom"), d)?;
    std::fs::write(
        d.join("pyforge.toml"),
        "[app.greeter]\nwit = \"wit\"\nworld = \"greeter\"\nmodule = \"app\"\noutput = \"greeter.wasm\"\n",
    )?;
    let out = t::run_native(d, &["build", "--app", "greeter"])?;
    ensure(out.status == 0 && out.stdout.contains("wrote greeter.wasm"), || out.render())?;
    let out = wasmtime(d, &["--invoke", "greet(\"project\")", "greeter.wasm"])?;
    ensure(out.status == 0 && out.stdout.trim() == "\"Hello, project!\"", || out.render())?;
    let out = t::run_native(d, &["build", "--app", "nope"])?;
    ensure(out.status != 0 && out.stderr.contains("no app `nope`") && out.stderr.contains("greeter"), || out.render())?;
    std::fs::write(d.join("pyforge.toml"), "[app.greeter]\nwit = \"wit\"\nmodule = \"app\"\nforge = \"fast\"\n")?;
    let out = t::run_native(d, &["build", "--app", "greeter"])?;
    ensure(out.status != 0 && out.stderr.contains("no forge `fast`") && out.stderr.contains("pyforge.toml:4"), || {
        out.render()
    })?;
    // An app on no forge is checked too: a path leaving the project is named at its line.
    std::fs::write(
        d.join("pyforge.toml"),
        "[app.greeter]\nwit = \"wit\"\nmodule = \"app\"\npython-path = [\"/usr/lib\"]\n",
    )?;
    let out = t::run_native(d, &["build", "--app", "greeter"])?;
    ensure(
        out.status != 0
            && out.stderr.contains("app `greeter`: `python-path`: `/usr/lib` is an absolute path")
            && out.stderr.contains("pyforge.toml:4"),
        || out.render(),
    )
}

/// A `wasi:http/proxy` app under stock `wasmtime serve`: real requests to 127.0.0.1 — a JSON
/// answer after concurrent `asyncio.sleep`s on `poll_loop.PollLoop`, `run_forever` stopped by a
/// timer with a task factory, a 404, and a 1 MiB request
/// body (sent chunked) streamed back unchanged, through `poll_loop`'s `Stream`/`Sink` and
/// through the blocking stream calls.
fn http_app_under_wasmtime_serve() -> Result<(), Failed> {
    use std::io::{Read, Write};
    let dir = build_fixture("http", "server")?;
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    drop(listener);
    let log = dir.path().join("serve.log");
    let server = Command::new(t::wasmtime())
        // The pinned CLI is built without the pooling allocator (scripts/test-tools.sh).
        .args(["serve", "-Scli", "-O", "pooling-allocator=n", "--addr", &addr.to_string(), "app.wasm"])
        .current_dir(dir.path())
        .stdout(std::fs::File::create(&log)?)
        .stderr(std::fs::File::create(dir.path().join("serve.err"))?)
        .spawn()?;
    struct Kill(std::process::Child);
    impl Drop for Kill {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let _guard = Kill(server);
    let connect = || -> anyhow::Result<std::net::TcpStream> {
        let start = std::time::Instant::now();
        loop {
            match std::net::TcpStream::connect(addr) {
                Ok(s) => return Ok(s),
                Err(e) if start.elapsed() > std::time::Duration::from_secs(60) => return Err(e.into()),
                Err(_) => std::thread::sleep(std::time::Duration::from_millis(100)),
            }
        }
    };
    // One request per connection; the response's status and body (chunked or not).
    let request = |head: &str, body: &[u8]| -> anyhow::Result<(u16, Vec<u8>)> {
        let mut s = connect()?;
        s.write_all(head.as_bytes())?;
        if !body.is_empty() {
            for chunk in body.chunks(10_000) {
                write!(s, "{:x}\r\n", chunk.len())?;
                s.write_all(chunk)?;
                s.write_all(b"\r\n")?;
            }
            s.write_all(b"0\r\n\r\n")?;
        }
        let mut raw = Vec::new();
        s.read_to_end(&mut raw)?;
        let split = raw.windows(4).position(|w| w == b"\r\n\r\n").ok_or_else(|| anyhow::anyhow!("no headers"))?;
        let headers = String::from_utf8_lossy(&raw[..split]).to_lowercase();
        let status: u16 = headers.split(' ').nth(1).unwrap_or("0").parse()?;
        let mut rest = &raw[split + 4..];
        if !headers.contains("transfer-encoding: chunked") {
            return Ok((status, rest.to_vec()));
        }
        let mut out = Vec::new();
        loop {
            let eol = rest.windows(2).position(|w| w == b"\r\n").ok_or_else(|| anyhow::anyhow!("bad chunk"))?;
            let n = usize::from_str_radix(std::str::from_utf8(&rest[..eol])?.trim(), 16)?;
            if n == 0 {
                return Ok((status, out));
            }
            out.extend_from_slice(&rest[eol + 2..eol + 2 + n]);
            rest = &rest[eol + 2 + n + 2..];
        }
    };
    let (status, body) =
        request("GET /hello?x=1 HTTP/1.1\r\nhost: test\r\nuser-agent: pyforge-test\r\nconnection: close\r\n\r\n", b"")?;
    let text = String::from_utf8_lossy(&body);
    ensure(status == 200 && text == r#"{"path": "/hello?x=1", "agent": "pyforge-test", "slept": ["a", "b"]}"#, || {
        format!("GET /hello: {status} {text}")
    })?;
    let (status, body) = request("GET /forever HTTP/1.1\r\nhost: test\r\nconnection: close\r\n\r\n", b"")?;
    let text = String::from_utf8_lossy(&body);
    ensure(status == 200 && text == r#"{"seen": ["soon", "task", "timer"], "factory": 1}"#, || {
        format!("GET /forever: {status} {text}")
    })?;
    let (status, _) = request("GET /nope HTTP/1.1\r\nhost: test\r\nconnection: close\r\n\r\n", b"")?;
    ensure(status == 404, || format!("GET /nope: {status}"))?;
    let big: Vec<u8> = (0..1 << 20).map(|i: u32| (i.wrapping_mul(2_654_435_761) >> 24) as u8).collect();
    let (status, echoed) = request(
        "POST /echo HTTP/1.1\r\nhost: test\r\ncontent-type: application/x-test\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n",
        &big,
    )?;
    let said = || std::fs::read_to_string(dir.path().join("serve.err")).unwrap_or_default();
    ensure(status == 200 && echoed == big, || {
        format!("POST /echo: {status}, {} of {} bytes back; wasmtime serve said:\n{}", echoed.len(), big.len(), said())
    })?;
    let (status, echoed) = request(
        "POST /echo-blocking HTTP/1.1\r\nhost: test\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n",
        &big,
    )?;
    ensure(status == 200 && echoed == big, || {
        format!("POST /echo-blocking: {status}, {} of {} bytes back:\n{}", echoed.len(), big.len(), said())
    })
}

fn main() {
    let args = Arguments::from_args();
    let tests = vec![
        Trial::test("app_runs_with_its_argv_and_environment", app_runs_with_its_argv_and_environment),
        Trial::test("stdlib_outside_the_snapshot_imports", stdlib_outside_the_snapshot_imports),
        Trial::test("app_reads_granted_files", app_reads_granted_files),
        Trial::test("errors_fail_the_run", errors_fail_the_run),
        Trial::test("builds_are_byte_identical", builds_are_byte_identical),
        Trial::test(
            "wit_and_python_paths_outside_the_current_directory",
            wit_and_python_paths_outside_the_current_directory,
        ),
        Trial::test("errors_speak_of_the_app", errors_speak_of_the_app),
        Trial::test("app_on_a_forge_uses_its_caps", app_on_a_forge_uses_its_caps),
        Trial::test("bad_input_is_a_clear_error", bad_input_is_a_clear_error),
        Trial::test("transpiles_with_jco_and_runs_in_node", transpiles_with_jco_and_runs_in_node),
        Trial::test("bindings_for_an_ide", bindings_for_an_ide),
        Trial::test("custom_exports_convert_every_supported_type", custom_exports_convert_every_supported_type),
        Trial::test("imports_reach_a_composed_cap", imports_reach_a_composed_cap),
        Trial::test("every_value_type_crosses_both_ways", every_value_type_crosses_both_ways),
        Trial::test("http_app_under_wasmtime_serve", http_app_under_wasmtime_serve),
        Trial::test("stub_wasi_imports_nothing", stub_wasi_imports_nothing),
        Trial::test("project_apps_build", project_apps_build),
    ];
    libtest_mimic::run(&args, tests).exit();
}
