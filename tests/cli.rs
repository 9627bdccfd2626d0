//! One CLI: every tool subcommand and its documented flags print byte-identical output and
//! exit with the same status natively (`pyforge …`, which forwards the command line to the
//! embedded tool unchanged) and under stock `wasmtime run pyforge-cli.wasm …`.
//!
//! Each invocation runs in a fresh copy of the example project (`tests/check/_template`) with
//! the components of `tests/compose/transitive-plug` (made from their WIT) beside it, so a
//! command that writes (gen, compose) starts from the same files in both hosts; the files it
//! writes are compared too. (The one difference allowed: a usage error exits with 2 natively
//! and 1 under wasmtime, whose WASI 0.2 `exit` carries only success or failure.) `cc` is left out on purpose: natively it runs the host's compiler,
//! under plain wasmtime the stub answers that there is none (`tests/gen.rs` checks both).

use std::path::Path;

use libtest_mimic::{Arguments, Failed, Trial};
use pyforge_tests::{self as t, ensure};

/// The invocations: every tool subcommand, each documented flag at least once, `--help`, and
/// usage errors.
const CASES: &[&[&str]] = &[
    &["check"],
    &["check", "cpython-ext"],
    &["check", "cpython-ext/_demo_cap"],
    &["check", "cpython-ext/_demo_cap/pyforge-pkg.toml"],
    &["check", "nope"],
    &["check", "/etc"],
    &["check", "--help"],
    &["check", "--bogus"],
    &["gen", "cpython-ext/_demo_cap"],
    &["gen", "cpython-ext/_demo_cap/pyforge-pkg.toml"],
    &["gen", "nope"],
    &["gen", "--help"],
    &["gen"],
    &["plan", "socket.wasm", "--plug", "hash.wasm", "-p", "pack.wasm"],
    &["plan", "socket.wasm", "--plug", "hash.wasm", "--plug", "pack.wasm", "--json"],
    &["plan", "socket.wasm", "--plug", "pack.wasm"],
    &["plan", "socket.wasm", "--plug", "hash.wasm", "--stub", "test:pack/pack"],
    &["plan", "socket.wasm"],
    &["plan"],
    &["plan", "-f", "minimal"],
    &["plan", "--forge", "nope"],
    &["plan", "--json"],
    &["plan", "socket.wasm", "--forge", "default"],
    &["plan", "--help"],
    &["compose", "socket.wasm", "--plug", "hash.wasm", "-p", "pack.wasm", "-o", "out.wasm"],
    &["compose", "socket.wasm", "--plug", "hash.wasm", "--output", "out.wasm"],
    &["compose", "socket.wasm", "--plug", "hash.wasm", "--stub", "test:pack/pack", "-o", "out.wasm"],
    &["compose", "socket.wasm", "-o", "out.wasm"],
    &["compose", "missing.wasm", "-o", "out.wasm"],
    &["compose", "socket.wasm", "--plug", "hash.wasm"],
    &["compose", "--help"],
    &["bindings", "--help"],
    &["bindings", "-d", "cpython-ext/_demo_cap/wit", "out"],
    &["bindings", "-d", "nowhere", "out"],
    &["bindings", "-d", "/etc", "out"],
];

/// A fresh project with the compose fixtures.
fn project() -> anyhow::Result<tempfile::TempDir> {
    let dir = t::project()?;
    let case = t::root().join("tests/compose/transitive-plug");
    std::fs::write(dir.path().join("socket.wasm"), t::component_from_wit(&case.join("socket.wit"))?)?;
    std::fs::write(dir.path().join("hash.wasm"), t::component_from_wit(&case.join("hash.plug.wit"))?)?;
    std::fs::write(dir.path().join("pack.wasm"), t::component_from_wit(&case.join("pack.plug.wit"))?)?;
    Ok(dir)
}

/// Every file under `dir` with its bytes, sorted.
fn snapshot(dir: &Path) -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    let mut files = Vec::new();
    t::walk(dir, &mut |p| files.push(p.to_path_buf()))?;
    let mut out = Vec::new();
    for f in files.into_iter().filter(|f| f.is_file()) {
        out.push((f.strip_prefix(dir)?.display().to_string(), std::fs::read(&f)?));
    }
    out.sort();
    Ok(out)
}

fn same_in_both_hosts(args: &'static [&'static str]) -> Result<(), Failed> {
    let (a, b) = (project()?, project()?);
    let mut native = t::run_native(a.path(), args)?;
    let wasm = t::run_wasmtime(b.path(), args)?;
    // WASI 0.2's `exit` carries success or failure only: clap's usage status 2 is 1 there.
    native.status = native.status.min(1);
    ensure(native == wasm, || {
        format!("`{}` differs:\n--- native\n{}\n--- wasmtime\n{}", args.join(" "), native.render(), wasm.render())
    })?;
    let (files_a, files_b) = (snapshot(a.path())?, snapshot(b.path())?);
    let names = |f: &[(String, Vec<u8>)]| f.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
    ensure(files_a == files_b, || {
        format!(
            "`{}` left different files:\nnative: {:?}\nwasmtime: {:?}",
            args.join(" "),
            names(&files_a),
            names(&files_b)
        )
    })?;
    Ok(())
}

/// `plan` shows what a forge is made of — a shim-only package, file and directory overlays
/// and `offload` entries (carried, not acted on) — the same in both hosts.
fn plan_shows_shim_only_packages_and_offload() -> Result<(), Failed> {
    let dir = project()?;
    for case in ["offload", "shim-only-package"] {
        t::copy_tree(&t::root().join("tests/check").join(case).join("files"), dir.path())?;
    }
    let native = t::run_native(dir.path(), &["plan"])?;
    for line in [
        "  shim-only package shared-shims\n",
        "  overlay Lib/helpers/sub/mod.py <- cpython-ext/_shared/helpers/sub/mod.py\n",
        "  overlay Lib/threading.py <- cpython-ext/_shared/threading.py\n",
        "  offload demo.crc32 (codecs: msgpack, json; carried, not acted on): CRC-32 of bytes.\n",
    ] {
        ensure(native.stdout.contains(line), || format!("`pyforge plan` lacks {line:?}:\n{}", native.render()))?;
    }
    let wasm = t::run_wasmtime(dir.path(), &["plan"])?;
    ensure(native == wasm, || format!("native:\n{}\nwasmtime:\n{}", native.render(), wasm.render()))
}

fn main() {
    let args = Arguments::from_args();
    // Precompile once before the cases run in parallel.
    t::precompiled_cli().expect("precompile pyforge-cli.wasm");
    let mut trials: Vec<Trial> =
        CASES.iter().map(|case| Trial::test(case.join(" "), move || same_in_both_hosts(case))).collect();
    trials.push(Trial::test("plan_shows_shim_only_packages_and_offload", plan_shows_shim_only_packages_and_offload));
    libtest_mimic::run(&args, trials).exit();
}
