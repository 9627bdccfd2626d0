//! The strict composer as far as the foundation uses it: `pyforge-cli.wasm` is the tool
//! composed with a generated `clang` stub; composing it is deterministic; leaving the import
//! unsatisfied is an error that names it and writes nothing; a stubbed composition runs under
//! stock wasmtime and the stub answers.

use std::path::Path;
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

/// The tool sees only the current directory: an absolute path (inside it or not) is refused
/// with an explanation, the same natively and under stock wasmtime (the host forwards the
/// command line unchanged).
fn paths_outside_cwd_are_refused() -> Result<(), Failed> {
    let dir = t::project()?;
    let abs = dir.path().join("cpython-ext/_demo_cap");
    for arg in ["/", abs.to_str().unwrap()] {
        let out = t::run_native(dir.path(), &["check", arg])?;
        ensure(
            out.status == 1
                && out.stderr.contains("is an absolute path")
                && out.stderr.contains("the tool sees only the current directory"),
            || out.render(),
        )?;
        let wasm = t::run_wasmtime(dir.path(), &["check", arg])?;
        ensure(wasm == out, || format!("native:\n{}\nwasmtime:\n{}", out.render(), wasm.render()))?;
    }
    Ok(())
}

/// One `tests/compose/<case>/`: `socket.wit` and `<name>.plug.wit` files become components;
/// `pyforge compose socket.wasm --plug <name>.wasm… [args] -o out.wasm` and `pyforge plan …`
/// must print `expected.txt`; the same composition under `wasmtime run pyforge-cli.wasm` and in
/// Node (jco, `web/compose.mjs`) prints the same diagnostics; one that succeeds is
/// byte-identical twice and in every host, and imports nothing but WASI.
fn compose_case(case: &Path) -> Result<(), Failed> {
    let dir = tempfile::tempdir()?;
    let mut plugs = Vec::new();
    let mut names: Vec<_> = std::fs::read_dir(case)?.map(|e| e.map(|e| e.file_name())).collect::<Result<_, _>>()?;
    names.sort();
    for name in names {
        let name = name.to_string_lossy().into_owned();
        if let Some(stem) = name.strip_suffix(".wit") {
            let wasm = format!("{}.wasm", stem.trim_end_matches(".plug"));
            std::fs::write(dir.path().join(&wasm), t::component_from_wit(&case.join(&name))?)?;
            if stem.ends_with(".plug") {
                plugs.push(wasm);
            }
        }
    }
    let extra = std::fs::read_to_string(case.join("args")).unwrap_or_default();
    let mut args = vec!["socket.wasm".to_string()];
    for p in &plugs {
        args.extend(["--plug".to_string(), p.clone()]);
    }
    args.extend(extra.split_whitespace().map(str::to_string));
    let mut compose: Vec<&str> = vec!["compose"];
    compose.extend(args.iter().map(String::as_str));
    compose.extend(["-o", "out.wasm"]);
    let native = t::run_native(dir.path(), &compose)?;
    let first = std::fs::read(dir.path().join("out.wasm")).ok();
    let mut plan: Vec<&str> = vec!["plan"];
    plan.extend(args.iter().map(String::as_str));
    let planned = t::run_native(dir.path(), &plan)?;
    let text = format!(
        "== pyforge {}\n{}== pyforge {}\n{}",
        compose.join(" "),
        native.render(),
        plan.join(" "),
        planned.render()
    );
    t::assert_blessed(&case.join("expected.txt"), &text)?;

    // The same under stock wasmtime (pyforge-cli.wasm), to a second output file.
    let mut again = compose.clone();
    *again.last_mut().expect("-o value") = "out2.wasm";
    let wt = t::run_wasmtime(dir.path(), &again)?;
    ensure(wt.status == native.status, || format!("wasmtime: {}\nnative: {}", wt.render(), native.render()))?;
    ensure(wt.stderr == native.stderr, || format!("wasmtime: {}\nnative: {}", wt.render(), native.render()))?;
    // And in Node, through the jco-transpiled tool (web/compose.mjs).
    let mut node_args: Vec<String> =
        vec![t::root().join("web/compose.mjs").display().to_string(), "socket.wasm".into()];
    node_args.extend(plugs.iter().cloned());
    node_args.extend(extra.split_whitespace().map(str::to_string));
    node_args.extend(["-o".to_string(), "out3.wasm".to_string()]);
    let node = t::run(Command::new("node").args(&node_args).current_dir(dir.path()))?;
    ensure(node.status == native.status && node.stderr == native.stderr, || {
        format!("node: {}\nnative: {}", node.render(), native.render())
    })?;
    match first {
        Some(first) => {
            let second = std::fs::read(dir.path().join("out2.wasm"))?;
            ensure(first == second, || "the native and the wasmtime compositions differ".into())?;
            let third = std::fs::read(dir.path().join("out3.wasm"))?;
            ensure(first == third, || "the native and the Node (jco) compositions differ".into())?;
            let out = t::run_native(dir.path(), &compose)?;
            ensure(out.status == 0 && std::fs::read(dir.path().join("out.wasm"))? == first, || {
                "composing twice gave different bytes".into()
            })?;
            let imports = t::component_imports(&first)?;
            ensure(imports.iter().all(|i| i.starts_with("wasi:")), || format!("left imports: {imports:?}"))?;
        }
        None => ensure(!dir.path().join("out2.wasm").exists(), || "a failed composition wrote out2.wasm".into())?,
    }
    Ok(())
}

/// Where `wac plug` applies (every plug satisfies the socket directly, by exact name; no
/// stubs), `pyforge compose` writes the same bytes as wac-cli 0.12.
fn wac_parity() -> Result<(), Failed> {
    for case in ["single-plug", "mixed-wasi-patch"] {
        let dir = tempfile::tempdir()?;
        let case_dir = t::root().join("tests/compose").join(case);
        std::fs::write(dir.path().join("socket.wasm"), t::component_from_wit(&case_dir.join("socket.wit"))?)?;
        std::fs::write(dir.path().join("hash.wasm"), t::component_from_wit(&case_dir.join("hash.plug.wit"))?)?;
        let wac = t::run(
            Command::new(t::wac())
                .args(["plug", "socket.wasm", "--plug", "hash.wasm", "-o", "wac.wasm"])
                .current_dir(dir.path()),
        )?;
        ensure(wac.status == 0, || wac.render())?;
        let ours = t::run_native(dir.path(), &["compose", "socket.wasm", "--plug", "hash.wasm", "-o", "ours.wasm"])?;
        ensure(ours.status == 0, || ours.render())?;
        ensure(std::fs::read(dir.path().join("wac.wasm"))? == std::fs::read(dir.path().join("ours.wasm"))?, || {
            format!("{case}: pyforge compose and wac plug wrote different bytes")
        })?;
    }
    Ok(())
}

/// The example plugin host (`examples/plugin-host`) uses the tool as a library — typed exports on
/// bytes, no files, no compiler — and gets the same check, plan and composition as the CLI.
fn plugin_host_matches_cli() -> Result<(), Failed> {
    let dir = t::project()?;
    let case_dir = t::root().join("tests/compose/single-plug");
    std::fs::write(dir.path().join("socket.wasm"), t::component_from_wit(&case_dir.join("socket.wit"))?)?;
    std::fs::write(dir.path().join("hash.wasm"), t::component_from_wit(&case_dir.join("hash.plug.wit"))?)?;
    let host = t::run(
        Command::new(t::plugin_host())
            .arg(t::root().join("target/wasm32-wasip2/release/pyforge-tool.wasm"))
            .args([".", "socket.wasm", "hash.wasm", "-o", "host.wasm"])
            .current_dir(dir.path()),
    )?;
    ensure(host.status == 0, || host.render())?;
    ensure(
        host.stdout.starts_with(
            "check: ok: cpython-ext/_demo_cap/pyforge-pkg.toml (demo-cap) imports pyforge:demo/checksum@0.1.0\n",
        ),
        || host.render(),
    )?;
    let cli = t::run_native(dir.path(), &["compose", "socket.wasm", "--plug", "hash.wasm", "-o", "cli.wasm"])?;
    ensure(cli.status == 0, || cli.render())?;
    ensure(std::fs::read(dir.path().join("host.wasm"))? == std::fs::read(dir.path().join("cli.wasm"))?, || {
        "the plugin host and the CLI composed different bytes".into()
    })?;
    let plan = t::run_native(dir.path(), &["plan", "socket.wasm", "--plug", "hash.wasm", "--json"])?;
    let host_plan = host.stdout.split_once("plan: ").map(|(_, r)| r).unwrap_or("");
    let host_plan = host_plan.split_once("\ncompose: ").map(|(p, _)| p).unwrap_or("");
    ensure(plan.status == 0 && plan.stdout.trim_end() == host_plan.trim_end(), || {
        format!("CLI plan:\n{}\nhost plan:\n{host_plan}", plan.stdout)
    })?;
    Ok(())
}

fn main() {
    let args = Arguments::from_args();
    let mut cases: Vec<_> = std::fs::read_dir(t::root().join("tests/compose"))
        .expect("tests/compose exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    let mut trials: Vec<Trial> = cases
        .into_iter()
        .map(|case| {
            let name = case.file_name().unwrap_or_default().to_string_lossy().into_owned();
            Trial::test(format!("case::{name}"), move || compose_case(&case))
        })
        .collect();
    trials.extend(vec![
        Trial::test("wac_parity", wac_parity),
        Trial::test("plugin_host_matches_cli", plugin_host_matches_cli),
        Trial::test("cli_wasm_is_deterministic", cli_wasm_is_deterministic),
        Trial::test("unsatisfied_import_is_an_error", unsatisfied_import_is_an_error),
        Trial::test("paths_outside_cwd_are_refused", paths_outside_cwd_are_refused),
    ]);
    libtest_mimic::run(&args, trials).exit();
}
