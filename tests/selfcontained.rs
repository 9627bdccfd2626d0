//! The self-contained, pre-initialized interpreter (the default forge shape), run by the stock
//! wasmtime CLI with nothing mounted:
//!
//! * the issue's import list works with no `--dir`, and a script in a `--dir` runs;
//! * every public stdlib module that imports with the kit mounted (the same forge built with
//!   `self-contained = false`, run by `pyforge run`) imports with nothing mounted;
//! * each run has its own argv, environment, randomness and clock, not the snapshot's;
//! * command-line options that need a different initialization behave as CPython's;
//! * tracebacks show stdlib source lines, `importlib.resources` reads stdlib data;
//! * two builds of the same forge in different directories are byte-identical;
//! * a cap called while pre-initializing is a build error naming the interface;
//! * `pyforge run` notices a changed input without asking the tool.

use std::path::{Path, PathBuf};
use std::process::Command;

use libtest_mimic::{Arguments, Failed, Trial};
use pyforge_tests::{self as t, ensure};

/// The default forge and, in the same project, the mounted shape of it.
struct Project {
    _dir: tempfile::TempDir,
    root: PathBuf,
}

const MOUNTED: &str = r#"
[forge.mounted]
description = "the default forge in the old shape: the stdlib mounted, no snapshot"
self-contained = false
caps = { "pyforge:zlib/deflate" = "target/wasm32-wasip2/release/pyforge_zlib_cap.wasm", "pyforge:sqlite/sqlite" = "target/wasm32-wasip2/release/pyforge_sqlite_cap.wasm", "pyforge:bz2/bzlib" = "target/wasm32-wasip2/release/pyforge_bz2_cap.wasm", "pyforge:lzma/lzma" = "target/wasm32-wasip2/release/pyforge_lzma_cap.wasm", "pyforge:hashlib/hashes" = "target/wasm32-wasip2/release/pyforge_hashlib_cap.wasm" }
"#;

fn project() -> Result<&'static Project, Failed> {
    static P: std::sync::OnceLock<Result<Project, String>> = std::sync::OnceLock::new();
    P.get_or_init(|| {
        let build = || -> anyhow::Result<Project> {
            let dir = t::default_project(MOUNTED)?;
            let root = dir.path().to_path_buf();
            for forge in ["default", "mounted"] {
                let out = t::run_native(&root, &["build", "-f", forge])?;
                anyhow::ensure!(out.status == 0, "pyforge build -f {forge} failed:\n{}", out.render());
            }
            Ok(Project { _dir: dir, root })
        };
        build().map_err(|e| format!("{e:#}"))
    })
    .as_ref()
    .map_err(|e| Failed::from(e.as_str()))
}

fn composed(p: &Project, forge: &str) -> PathBuf {
    p.root.join(format!("target/pyforge/{forge}/python.composed.wasm"))
}

/// `wasmtime run` of the default forge's composed component with `wasmtime_args` (before the
/// component) and `args` (Python's): nothing mounted unless the arguments say.
fn bare(wasmtime_args: &[&str], args: &[&str]) -> Result<t::Outcome, Failed> {
    let p = project()?;
    let mut cmd = Command::new(t::wasmtime());
    cmd.arg("run").args(wasmtime_args).arg(composed(p, "default")).args(args).current_dir(&p.root);
    Ok(t::run(&mut cmd)?)
}

fn ok(out: &t::Outcome) -> Result<(), Failed> {
    ensure(out.status == 0, || format!("Python failed:\n{}", out.render()))
}

fn acceptance_imports_with_nothing_mounted() -> Result<(), Failed> {
    let out = bare(
        &[],
        &[
            "-c",
            "import json, email.message, email.policy, decimal, zlib, sqlite3, asyncio, _pyforge\n\
             print('ok', zlib.crc32(b'pyforge'), sqlite3.sqlite_version, json.__file__, _pyforge.snapshot())",
        ],
    )?;
    ok(&out)?;
    ensure(
        out.stdout.starts_with("ok 1745871469 3.")
            && out.stdout.trim_end().ends_with("/usr/local/lib/python3.13/json/__init__.py True"),
        || out.render(),
    )
}

/// The README's advice for the wasmtime CLI: without its concurrency support and WASIp3, the
/// forge still runs, caps included (every cap is called).
fn runs_without_wasmtime_concurrency_support() -> Result<(), Failed> {
    let out = bare(
        &["-W", "concurrency-support=n", "-S", "p3=n"],
        &[
            "-c",
            "import zlib, sqlite3, bz2, lzma, hashlib\n\
             cx = sqlite3.connect(':memory:')\n\
             cx.execute('create table t(v)')\n\
             cx.executemany('insert into t values (?)', [(zlib.crc32(b'x' * i),) for i in range(300)])\n\
             n, = cx.execute('select count(*) from t').fetchone()\n\
             data = b'pyforge' * 100\n\
             same = all(m.decompress(m.compress(data)) == data for m in (zlib, bz2, lzma))\n\
             print('ok', n, same, hashlib.pbkdf2_hmac('sha256', b'p', b's', 2).hex()[:8])",
        ],
    )?;
    ok(&out)?;
    let expected = format!("ok 300 True {}", &host_pbkdf2()[..8]);
    ensure(out.stdout.trim_end() == expected, || format!("expected `{expected}`\n{}", out.render()))
}

/// `pbkdf2_hmac('sha256', b'p', b's', 2)` by the host's python3 (OpenSSL).
fn host_pbkdf2() -> String {
    let out = Command::new("python3")
        .args(["-c", "import hashlib; print(hashlib.pbkdf2_hmac('sha256', b'p', b's', 2).hex())"])
        .output()
        .expect("python3 runs");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn script_in_a_dir_runs() -> Result<(), Failed> {
    let app = tempfile::tempdir()?;
    std::fs::write(
        app.path().join("main.py"),
        "import os, sys\nimport helper\nprint(sys.argv, os.environ.get('GREETING'), sys.path[0], helper.VALUE)\n",
    )?;
    std::fs::write(app.path().join("helper.py"), "VALUE = 42\n")?;
    let dir = format!("{}::/app", app.path().display());
    let out = bare(&["--dir", &dir, "--env", "GREETING=hi"], &["/app/main.py", "one", "two"])?;
    ok(&out)?;
    ensure(out.stdout.trim() == "['/app/main.py', 'one', 'two'] hi /app 42", || out.render())
}

/// Imports every public module of `sys.stdlib_module_names`, each on its own; prints those that
/// imported.
const IMPORT_ALL: &str = r#"
import contextlib, importlib, io, sys
for name in sorted(sys.stdlib_module_names):
    if name.startswith("_"):
        continue
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            importlib.import_module(name)
    except BaseException:
        continue
    print(name)
"#;

fn no_stdlib_module_lost() -> Result<(), Failed> {
    let p = project()?;
    let mounted = t::run_native(&p.root, &["run", "-f", "mounted", "-c", IMPORT_ALL])?;
    ok(&mounted)?;
    let embedded = bare(&[], &["-c", IMPORT_ALL])?;
    ok(&embedded)?;
    let set = |o: &t::Outcome| o.stdout.lines().map(str::to_string).collect::<std::collections::BTreeSet<_>>();
    let (m, e) = (set(&mounted), set(&embedded));
    ensure(m.len() > 150, || {
        format!("only {} modules imported with the stdlib mounted:\n{}", m.len(), mounted.render())
    })?;
    let lost: Vec<&String> = m.difference(&e).collect();
    ensure(lost.is_empty(), || format!("imported when mounted, not when embedded: {lost:?}"))?;
    eprintln!("{} public stdlib modules import with nothing mounted ({} with the kit mounted)", e.len(), m.len());
    Ok(())
}

fn each_run_is_fresh() -> Result<(), Failed> {
    let code = "import os, random, sys, time, uuid\n\
                print(random.random(), uuid.uuid4(), os.urandom(8).hex(), sys.argv[1:], os.environ.get('RUN'), time.time() > 1.7e9)";
    let a = bare(&["--env", "RUN=a"], &["-c", code, "x"])?;
    let b = bare(&["--env", "RUN=b"], &["-c", code, "y"])?;
    ok(&a)?;
    ok(&b)?;
    let fields = |o: &t::Outcome| o.stdout.split_whitespace().map(str::to_string).collect::<Vec<_>>();
    let (fa, fb) = (fields(&a), fields(&b));
    ensure(fa.len() == 6 && fb.len() == 6, || format!("{}\n{}", a.render(), b.render()))?;
    for (i, what) in ["random.random()", "uuid4()", "os.urandom()"].iter().enumerate() {
        ensure(fa[i] != fb[i], || format!("{what} was the same in two runs: {}", fa[i]))?;
    }
    ensure(fa[3..] == ["['x']", "a", "True"] && fb[3..] == ["['y']", "b", "True"], || {
        format!("argv, environment or clock not the run's:\n{}\n{}", a.render(), b.render())
    })
}

fn options_behave_like_cpython() -> Result<(), Failed> {
    let cases: &[(&[&str], &[&str], &str)] = &[
        (&[], &["-S", "-c", "import sys; print('site' in sys.modules, sys.flags.no_site)"], "False 1"),
        (&[], &["-I", "-c", "import sys; print(sys.flags.isolated, sys.flags.ignore_environment)"], "1 1"),
        (&[], &["-O", "-c", "import sys\nassert False\nprint(sys.flags.optimize)"], "1"),
        (&[], &["-X", "utf8=0", "-c", "import sys; print(sys._xoptions, sys.flags.utf8_mode)"], "{'utf8': '0'} 0"),
        (&[], &["-W", "error", "-c", "import sys; print(sys.warnoptions)"], "['error']"),
        (&[], &["-B", "-c", "import sys; print(sys.dont_write_bytecode)"], "True"),
        (&["--env", "PYTHONHASHSEED=0"], &["-c", "import sys; print(sys.flags.hash_randomization)"], "0"),
        (&["--env", "PYTHONPATH=/nowhere"], &["-c", "import sys; print(sys.path[1])"], "/nowhere"),
        (&[], &["-E", "-c", "import sys; print(sys.flags.ignore_environment)"], "1"),
    ];
    for (env, args, want) in cases {
        let out = bare(env, args)?;
        ok(&out)?;
        ensure(out.stdout.trim() == *want, || format!("{env:?} {args:?}: want {want:?}\n{}", out.render()))?;
    }
    let out = bare(&[], &["-c", "import sys; sys.exit('bye')"])?;
    ensure(out.status == 1 && out.stderr.trim() == "bye", || out.render())?;
    let out = bare(&[], &["-c", "raise SystemExit(0)"])?;
    ensure(out.status == 0, || out.render())
}

fn stdlib_sources_and_resources() -> Result<(), Failed> {
    let out = bare(
        &[],
        &[
            "-c",
            "import importlib.resources, json\n\
             print(importlib.resources.files('email').joinpath('architecture.rst').read_text().splitlines()[0])\n\
             json.loads('{bad')",
        ],
    )?;
    ensure(out.status == 1, || out.render())?;
    ensure(out.stdout.trim() == ":mod:`email` Package Architecture", || out.render())?;
    ensure(
        out.stderr.contains("File \"/usr/local/lib/python3.13/json/decoder.py\"")
            && out.stderr.contains("obj, end = self.scan_once(s, idx)"),
        || format!("no stdlib source line in the traceback:\n{}", out.render()),
    )
}

fn builds_are_byte_identical() -> Result<(), Failed> {
    let p = project()?;
    let again = t::default_project("")?;
    let out = t::run_native(again.path(), &["build"])?;
    ok(&out)?;
    for file in ["python.wasm", "python.stdlib", "python.snapshot.wasm", "python.composed.wasm"] {
        let rel = Path::new("target/pyforge/default").join(file);
        let (a, b) = (std::fs::read(p.root.join(&rel))?, std::fs::read(again.path().join(&rel))?);
        ensure(a == b, || format!("{} differs between two builds of the same forge", rel.display()))?;
    }
    Ok(())
}

fn mounted_shape_still_runs() -> Result<(), Failed> {
    let p = project()?;
    let dir = p.root.join("target/pyforge/mounted");
    ensure(!dir.join("python.snapshot.wasm").exists() && !dir.join("python.stdlib").exists(), || {
        "the mounted forge has a snapshot or an archive".into()
    })?;
    let out = t::run_native(
        &p.root,
        &["run", "-f", "mounted", "-c", "import _pyforge, json, zlib; print(_pyforge.snapshot(), json.__file__)"],
    )?;
    ok(&out)?;
    ensure(out.stdout.trim() == "False /usr/local/lib/python3.13/json/__init__.py", || out.render())?;
    // With nothing mounted it cannot start, and says why.
    let bare = t::run(Command::new(t::wasmtime()).arg("run").arg(composed(p, "mounted")).args(["-c", "pass"]))?;
    ensure(bare.status != 0 && bare.stderr.contains("encodings"), || bare.render())
}

fn a_cap_called_during_init_is_named() -> Result<(), Failed> {
    let dir = t::default_project("")?;
    let toml = std::fs::read_to_string(dir.path().join("pyforge.toml"))?;
    let toml = toml.replacen("[forge.default]", "[forge.default]\nwarm = [\"json\", \"zlib_probe\"]", 1);
    std::fs::write(dir.path().join("pyforge.toml"), toml)?;
    // A warm module that calls the zlib cap while it is imported.
    let probe = dir.path().join("cpython-ext/_zlib_cap/zlib_probe.py");
    std::fs::write(&probe, "import zlib\nCRC = zlib.crc32(b'x')\n")?;
    let manifest = dir.path().join("cpython-ext/_zlib_cap/pyforge-pkg.toml");
    let m = std::fs::read_to_string(&manifest)?;
    std::fs::write(
        &manifest,
        format!("{m}\n[[provides]]\nmodule = \"zlib_probe\"\nshim = \"zlib_probe.py\"\ndest = \"Lib/zlib_probe.py\"\n"),
    )?;
    let out = t::run_native(dir.path(), &["build"])?;
    ensure(out.status != 0, || format!("the build succeeded:\n{}", out.render()))?;
    ensure(out.stderr.contains("pyforge:zlib/deflate") && out.stderr.contains("pre-initializ"), || out.render())
}

/// `pyforge run` skips the build when nothing changed (a record of sizes and times), and sees
/// a change to any input: an edited overlay, a new file in an extension's directory.
fn pyforge_run_sees_changes() -> Result<(), Failed> {
    let dir = t::default_project("")?;
    let code = "import zlib; print(getattr(zlib, 'MARKER', 'none'))";
    let out = t::run_native(dir.path(), &["run", "-c", code])?;
    ensure(out.status == 0 && out.stdout.trim() == "none", || out.render())?;
    let shim = dir.path().join("cpython-ext/_zlib_cap/zlib.py");
    let text = std::fs::read_to_string(&shim)?;
    std::fs::write(&shim, format!("{text}\nMARKER = 'edited'\n"))?;
    let out = t::run_native(dir.path(), &["run", "-c", code])?;
    ensure(out.status == 0 && out.stdout.trim() == "edited", || format!("the edit was not seen:\n{}", out.render()))?;
    // The record is rewritten after the rebuild: the next run is the fast one, same answer.
    let out = t::run_native(dir.path(), &["run", "-c", code])?;
    ensure(out.status == 0 && out.stdout.trim() == "edited", || out.render())
}

/// A path WASI cannot carry (bytes that are not UTF-8, a surrogate escape, an overlong
/// sequence) is an `OSError` (EILSEQ) in Python, not a trap of the instance
/// (core/runtime/wasi_paths.c); valid names still work.
fn non_utf8_paths_are_oserrors() -> Result<(), Failed> {
    let script = r#"
import errno, os
print(os.path.exists(b"\xff"))
for what, call in [
    ("open", lambda: open(b"\xff\xfe.txt", "w")),
    ("stat", lambda: os.stat("bad\udcff")),
    ("mkdir", lambda: os.mkdir(b"\xc0\x80")),
    ("rename", lambda: os.rename("a", b"\xed\xa0\x80")),
    ("unlink", lambda: os.unlink(b"\xf5x")),
]:
    try:
        call()
        print(what, "no error")
    except OSError as e:
        print(what, e.errno == errno.EILSEQ)
with open("caf\u00e9.txt", "w") as f:
    f.write("ok")
print(open("caf\u00e9.txt").read(), os.path.exists("caf\u00e9.txt"))
os.unlink("caf\u00e9.txt")
"#;
    let out = t::default_python(&["-c", script])?;
    ensure(
        out.status == 0 && out.stdout == "False\nopen True\nstat True\nmkdir True\nrename True\nunlink True\nok True\n",
        || out.render(),
    )
}

fn main() {
    let args = Arguments::from_args();
    let tests = vec![
        Trial::test("acceptance_imports_with_nothing_mounted", acceptance_imports_with_nothing_mounted),
        Trial::test("runs_without_wasmtime_concurrency_support", runs_without_wasmtime_concurrency_support),
        Trial::test("script_in_a_dir_runs", script_in_a_dir_runs),
        Trial::test("no_stdlib_module_lost", no_stdlib_module_lost),
        Trial::test("each_run_is_fresh", each_run_is_fresh),
        Trial::test("options_behave_like_cpython", options_behave_like_cpython),
        Trial::test("stdlib_sources_and_resources", stdlib_sources_and_resources),
        Trial::test("builds_are_byte_identical", builds_are_byte_identical),
        Trial::test("mounted_shape_still_runs", mounted_shape_still_runs),
        Trial::test("a_cap_called_during_init_is_named", a_cap_called_during_init_is_named),
        Trial::test("pyforge_run_sees_changes", pyforge_run_sees_changes),
        Trial::test("non_utf8_paths_are_oserrors", non_utf8_paths_are_oserrors),
    ];
    libtest_mimic::run(&args, tests).exit();
}
