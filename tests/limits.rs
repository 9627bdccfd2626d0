//! Limits for untrusted Python: `pyforge run --max-memory/--timeout` and the example plugin
//! host's. A runaway allocation is a `MemoryError` Python can handle (in Python's memory or a
//! cap's); a failure it cannot recover from, and a run past its time, end with a message naming
//! the limit and their own exit status — never a host crash or a hung test.

use std::process::Command;

use libtest_mimic::{Arguments, Failed, Trial};
use pyforge_tests::{self as t, ensure};

/// Python allocating without end gets `MemoryError` below the limit, catches it and goes on.
fn runaway_allocation_is_memory_error() -> Result<(), Failed> {
    let code = "l = []\ntry:\n    while True: l.append(bytearray(10**6))\nexcept MemoryError:\n    n = len(l); del l\n    print('MemoryError', n < 200, 'then', sum(range(10)))";
    let out = t::default_python(&["--max-memory", "200M", "-c", code])?;
    ensure(out.status == 0 && out.stdout == "MemoryError True then 45\n", || out.render())
}

/// A cap that cannot get memory reports it as Python's exception (liblzma's and SQLite's
/// allocation failures), and the interpreter goes on.
fn caps_out_of_memory_raise() -> Result<(), Failed> {
    let code = r#"
import lzma, sqlite3
try:
    lzma.compress(b"x" * 1000, preset=9 | lzma.PRESET_EXTREME)
except MemoryError:
    print("lzma: MemoryError")
cx = sqlite3.connect(":memory:")
try:
    cx.execute("create table t(b)")
    for i in range(400):
        cx.execute("insert into t values (zeroblob(1000000))")
except MemoryError:
    print("sqlite: MemoryError")
print("still running")
"#;
    let out = t::default_python(&["--max-memory", "300M", "-c", code])?;
    ensure(out.status == 0 && out.stdout == "lzma: MemoryError\nsqlite: MemoryError\nstill running\n", || out.render())
}

/// The zlib cap aborts when it cannot allocate (Rust's allocation-failure handler): the run
/// ends with the memory-limit message and status 125, not a trap report.
fn unrecoverable_is_a_clean_exit() -> Result<(), Failed> {
    let code = "import zlib\nd = b'x' * (50 * 2**20)\nprint('ready', flush=True)\nzlib.compressobj().compress(d)";
    let out = t::default_python(&["--max-memory", "120M", "-c", code])?;
    ensure(
        out.status == 125
            && out.stdout == "ready\n"
            && out.stderr.starts_with("pyforge: memory limit reached: an allocation was refused at ")
            && out.stderr.contains("(`--max-memory 120 MiB`)")
            && !out.stderr.contains("backtrace"),
        || out.render(),
    )
}

/// Too small to start at all: said so, before anything runs.
fn too_small_to_start() -> Result<(), Failed> {
    let out = t::default_python(&["--max-memory", "8M", "-c", "print(1)"])?;
    ensure(
        out.status == 1
            && out.stdout.is_empty()
            && out.stderr.contains("needs more memory than `--max-memory` allows just to start (8 MiB)"),
        || out.render(),
    )
}

/// An endless loop in Python, and a long computation inside a cap, are stopped.
fn time_limit_stops_python_and_caps() -> Result<(), Failed> {
    for code in [
        "print('looping', flush=True)\nwhile True: pass",
        "import hashlib\nprint('hashing', flush=True)\nhashlib.pbkdf2_hmac('sha256', b'p', b's', 2**31 - 1)",
    ] {
        let out = t::default_python(&["--timeout", "2s", "-c", code])?;
        ensure(
            out.status == 124
                && (out.stdout == "looping\n" || out.stdout == "hashing\n")
                && out.stderr.ends_with("pyforge: time limit reached: stopped Python after 2 s (`--timeout`)\n"),
            || out.render(),
        )?;
    }
    let quick = t::default_python(&["--timeout", "60s", "--max-memory", "1G", "-c", "print('quick')"])?;
    ensure(quick.status == 0 && quick.stdout == "quick\n", || quick.render())
}

fn bad_values_are_usage_errors() -> Result<(), Failed> {
    for (flag, value, want) in [
        ("--max-memory", "lots", "`lots` is not a size: write e.g. 256M, 2G or 1048576"),
        ("--max-memory", "0", "the size must be above 0"),
        ("--timeout", "soon", "`soon` is not a duration: write e.g. 30s, 500ms or 2m"),
    ] {
        let out = t::default_python(&[flag, value, "-c", "pass"])?;
        ensure(out.status == 2 && out.stderr.contains(want), || out.render())?;
    }
    Ok(())
}

/// The plugin host bounds the tool: composing the default forge with too little memory or time
/// fails with the limit named and writes nothing; with enough of both it composes.
fn plugin_host_limits() -> Result<(), Failed> {
    let forge = t::default_forge()?;
    let mut caps: Vec<String> = t::DEFAULT_CAPS.iter().map(|c| c.to_string()).collect();
    caps.insert(0, "target/pyforge/default/python.snapshot.wasm".into());
    let tool = t::root().join("target/wasm32-wasip2/release/pyforge-tool.wasm");
    let run = |limits: &[&str], out: &str| {
        t::run(
            Command::new(t::plugin_host())
                .args(limits)
                .arg(&tool)
                .arg("cpython-ext")
                .args(&caps)
                .args(["-o", out])
                .current_dir(&forge.root),
        )
    };
    for (limits, want) in [
        (
            &["--max-memory", "50000000"][..],
            "error: memory limit reached: the tool needed a linear memory larger than 50000000 bytes (`--max-memory`)",
        ),
        (&["--timeout", "0.2"][..], "error: time limit reached: the tool ran for more than 0.2 s (`--timeout`)"),
    ] {
        let out = run(limits, "limited.wasm")?;
        ensure(out.status == 1 && out.stderr.contains(want), || out.render())?;
        ensure(!forge.root.join("limited.wasm").exists(), || "a limited run wrote its output".into())?;
    }
    let out = run(&["--max-memory", "2000000000", "--timeout", "300"], "ample.wasm")?;
    ensure(out.status == 0 && out.stdout.contains("compose: wrote ample.wasm"), || out.render())
}

fn main() {
    let args = Arguments::from_args();
    let trials = vec![
        Trial::test("runaway_allocation_is_memory_error", runaway_allocation_is_memory_error),
        Trial::test("caps_out_of_memory_raise", caps_out_of_memory_raise),
        Trial::test("unrecoverable_is_a_clean_exit", unrecoverable_is_a_clean_exit),
        Trial::test("too_small_to_start", too_small_to_start),
        Trial::test("time_limit_stops_python_and_caps", time_limit_stops_python_and_caps),
        Trial::test("bad_values_are_usage_errors", bad_values_are_usage_errors),
        Trial::test("plugin_host_limits", plugin_host_limits),
    ];
    libtest_mimic::run(&args, trials).exit();
}
