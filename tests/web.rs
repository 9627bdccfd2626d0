//! pyforge beyond the native CLI: the page in `web/` composes in Debian's Chromium (headless,
//! driven by playwright-core) the repository's default forge from its own artefacts, and the
//! downloaded bytes equal `pyforge compose` of the same files — as do those of stock wasmtime
//! running pyforge-cli.wasm, of Node (jco) and of the example plugin host; without the caps the page
//! shows the CLI's error text, byte for byte; and the composed Python itself (jco-transpiled,
//! self-contained: no files given to it) runs a zlib/gzip/sqlite3/bz2/lzma/hashlib snippet in the page.

use std::process::Command;

use libtest_mimic::{Arguments, Failed, Trial};
use pyforge_tests::{self as t, ensure};

const SOCKET: &str = "target/pyforge/default/python.snapshot.wasm";
const CAPS: &[&str] = t::DEFAULT_CAPS;

fn browser_composes_like_the_cli() -> Result<(), Failed> {
    let root = t::root();
    // The page fetches the repository's default forge: build it (a no-op when up to date).
    let out = t::run_native(&root, &["build"])?;
    ensure(out.status == 0, || out.render())?;
    let dir = root.join("target/web-test");
    std::fs::create_dir_all(&dir)?;
    for f in [
        "browser.wasm",
        "errors.txt",
        "plan.txt",
        "result.json",
        "cli.wasm",
        "python.txt",
        "wasmtime.wasm",
        "node.wasm",
        "plugin-host.wasm",
    ] {
        let _ = std::fs::remove_file(dir.join(f));
    }
    // …and the page runs the composed Python: transpiled by jco, self-contained (no stdlib
    // handed to it: the page gives it no files at all).
    let prepared = t::run(Command::new("node").arg("web/prepare-python.mjs").current_dir(&root))?;
    ensure(prepared.status == 0, || prepared.render())?;
    ensure(!root.join("web/dist/python313.zip").exists(), || "the page still ships a stdlib zip".into())?;
    let browser = t::run(Command::new("node").arg("web/test/browser.mjs").arg(&dir).current_dir(&root))?;
    ensure(browser.status == 0, || browser.render())?;
    println!("\n{}", browser.stdout.trim());

    let plug_args: Vec<&str> = CAPS.iter().flat_map(|c| ["--plug", c]).collect();
    let cli =
        t::run_native(&root, &[&["compose", SOCKET][..], &plug_args, &["-o", "target/web-test/cli.wasm"]].concat())?;
    ensure(cli.status == 0, || cli.render())?;
    ensure(std::fs::read(dir.join("browser.wasm"))? == std::fs::read(dir.join("cli.wasm"))?, || {
        "the page's composition differs from `pyforge compose`".into()
    })?;
    // Same bytes from every host: native CLI, stock wasmtime running pyforge-cli.wasm, Node
    // (jco), Chromium (jco, above) and the example plugin host.
    let cli_bytes = std::fs::read(dir.join("cli.wasm"))?;
    let wt = t::run(
        Command::new(t::wasmtime())
            .args(["run", "--dir", "."])
            .arg(t::pyforge_cli_wasm())
            .args(["compose", SOCKET])
            .args(&plug_args)
            .args(["-o", "target/web-test/wasmtime.wasm"])
            .current_dir(&root),
    )?;
    ensure(wt.status == 0, || wt.render())?;
    let node = t::run(
        Command::new("node")
            .args(["web/compose.mjs", SOCKET])
            .args(CAPS)
            .args(["-o", "target/web-test/node.wasm"])
            .current_dir(&root),
    )?;
    ensure(node.status == 0, || node.render())?;
    let host = t::run(
        Command::new(t::plugin_host())
            .arg("target/wasm32-wasip2/release/pyforge-tool.wasm")
            .args(["tests/check/_template", SOCKET])
            .args(CAPS)
            .args(["-o", "target/web-test/plugin-host.wasm"])
            .current_dir(&root),
    )?;
    ensure(host.status == 0, || host.render())?;
    for other in ["wasmtime.wasm", "node.wasm", "plugin-host.wasm", "browser.wasm"] {
        ensure(std::fs::read(dir.join(other))? == cli_bytes, || {
            format!("{other} differs from the native CLI's output")
        })?;
    }

    let plan = std::fs::read_to_string(dir.join("plan.txt"))?;
    ensure(plan.contains(&format!("pyforge:zlib/deflate@0.1.0 ← {}", CAPS[0])), || plan.clone())?;
    ensure(plan.contains(&format!("pyforge:sqlite/sqlite@0.4.0 ← {}", CAPS[1])), || plan.clone())?;
    ensure(plan.contains(&format!("pyforge:bz2/bzlib@0.1.0 ← {}", CAPS[2])), || plan.clone())?;
    ensure(plan.contains(&format!("pyforge:lzma/lzma@0.1.0 ← {}", CAPS[3])), || plan.clone())?;
    ensure(plan.contains(&format!("pyforge:hashlib/hashes@0.1.0 ← {}", CAPS[4])), || plan.clone())?;

    let missing = t::run_native(&root, &["compose", SOCKET, "-o", "target/web-test/missing.wasm"])?;
    ensure(missing.status == 1, || missing.render())?;
    let shown = std::fs::read_to_string(dir.join("errors.txt"))?;
    ensure(shown == missing.stderr, || format!("page:\n{shown}\nCLI:\n{}", missing.stderr))?;

    // The page's default snippet, run by the composed Python in Chromium.
    let python = std::fs::read_to_string(dir.join("python.txt"))?;
    ensure(
        python.starts_with("exit status 0\nwasi 3.13.")
            && python.ends_with(" 23000 -> 187 True\ngzip ok: True\nsqlite 3.50.2 (42,)\nbz2 lzma ok: True True\npbkdf2: 632c2812e46d4604\n"),
        || python.clone(),
    )?;
    Ok(())
}

fn main() {
    let args = Arguments::from_args();
    libtest_mimic::run(&args, vec![Trial::test("browser_composes_like_the_cli", browser_composes_like_the_cli)]).exit();
}
