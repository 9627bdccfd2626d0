//! Faults a build meets on real machines, each on its own copy of the repository's project:
//!
//! * two builds of one forge at once take turns (a file lock; the second says it waits) and
//!   both end well, with the bytes of an undisturbed build;
//! * a build killed (SIGKILL) at points spread over link, embed, snapshot and compose: the next
//!   build recovers and its output is byte-identical to an undisturbed build's — no partial
//!   artefact is ever taken for a finished one;
//! * a full disk (a file-size limit, `ulimit -f`) while an output is written: a clear error
//!   naming the file, the previous output intact, no temporary file left;
//! * a damaged entry of the compiled-code cache (truncated, or corrupted in place): detected
//!   by its checksum, said, removed and compiled again — never loaded;
//! * a damaged kit file: a build refuses a kit whose link inputs do not match the checksums
//!   recorded when it was built (`kit.sums`), and `pyforge kit verify` finds any damaged file.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use libtest_mimic::{Arguments, Failed, Trial};
use pyforge_tests::{self as t, ensure};

const COMPOSED: &str = "target/pyforge/default/python.composed.wasm";

/// The composed bytes of an undisturbed build of the default forge (built once per process).
fn reference() -> Result<Vec<u8>, Failed> {
    let forge = t::default_forge()?;
    Ok(std::fs::read(forge.root.join(COMPOSED))?)
}

fn build(root: &Path) -> Result<t::Outcome, Failed> {
    Ok(t::run_native(root, &["build"])?)
}

fn concurrent_builds_take_turns() -> Result<(), Failed> {
    let want = reference()?;
    let dir = t::default_project("")?;
    let root = dir.path();
    // Hold the forge's lock as another build would, and start a build: it must say it waits.
    std::fs::create_dir_all(root.join("target/pyforge"))?;
    let held = std::fs::File::create(root.join("target/pyforge/default.lock"))?;
    held.lock()?;
    let log = root.join("waiting.log");
    let mut waiting = Command::new(t::pyforge())
        .arg("build")
        .current_dir(root)
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log)?)
        .spawn()?;
    let start = Instant::now();
    let said = loop {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        if text.contains("pyforge: waiting for another pyforge process building forge `default`") {
            break true;
        }
        if start.elapsed() > Duration::from_secs(120) || waiting.try_wait()?.is_some() {
            break false;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    ensure(said, || {
        format!("the second build did not say it waits:\n{}", std::fs::read_to_string(&log).unwrap_or_default())
    })?;
    ensure(waiting.try_wait()?.is_none(), || "the build did not wait for the lock".into())?;
    drop(held);
    let status = waiting.wait()?;
    ensure(status.success(), || std::fs::read_to_string(&log).unwrap_or_default())?;
    ensure(std::fs::read(root.join(COMPOSED))? == want, || {
        "the waiting build's output differs from an undisturbed build's".into()
    })?;

    // Two real builds at once (after an edit, so both have work to do): both end well.
    let c = root.join("cpython-ext/_zlib_cap/_zlib_capmodule.c");
    let mut text = std::fs::read_to_string(&c)?;
    text.push_str("/* edited by tests/faults.rs */\n");
    std::fs::write(&c, text)?;
    let spawn = || {
        Command::new(t::pyforge()).arg("build").current_dir(root).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn()
    };
    let (a, b) = (spawn()?, spawn()?);
    let (a, b) = (a.wait_with_output()?, b.wait_with_output()?);
    ensure(a.status.success() && b.status.success(), || {
        format!("{}\n{}", String::from_utf8_lossy(&a.stderr), String::from_utf8_lossy(&b.stderr))
    })?;
    let again = build(root)?;
    ensure(again.status == 0 && again.stdout.contains("up to date"), || again.render())
}

fn killed_builds_recover() -> Result<(), Failed> {
    let want = reference()?;
    let dir = t::default_project("")?;
    let root = dir.path();
    // Kill points (ms after the start) spread over a cold build: compiling, linking,
    // embedding the stdlib, pre-initializing, composing. Each killed run leaves what it left,
    // and the next one starts from there.
    for ms in [300u64, 1500, 3500, 5500, 7500, 9500, 12000, 15000] {
        let mut child = Command::new(t::pyforge())
            .arg("build")
            .current_dir(root)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        std::thread::sleep(Duration::from_millis(ms));
        let _ = child.kill(); // SIGKILL; it may have finished already
        child.wait()?;
        if root.join(COMPOSED).is_file() {
            // finished before the kill: start the next attempt from scratch again
            std::fs::remove_dir_all(root.join("target/pyforge"))?;
        }
    }
    let out = build(root)?;
    ensure(out.status == 0, || out.render())?;
    ensure(std::fs::read(root.join(COMPOSED))? == want, || {
        "the build after the kills differs from an undisturbed build".into()
    })?;
    let run = t::run_native(root, &["run", "-c", "import zlib, sqlite3; print(zlib.crc32(b'pyforge'))"])?;
    ensure(run.status == 0 && run.stdout == "1745871469\n", || run.render())
}

fn disk_full_keeps_the_previous_output() -> Result<(), Failed> {
    let dir = t::default_project("")?;
    let root = dir.path();
    let first = build(root)?;
    ensure(first.status == 0, || first.render())?;
    let before = std::fs::read(root.join(COMPOSED))?;
    let snapshot = std::fs::metadata(root.join("target/pyforge/default/python.snapshot.wasm"))?.len();
    // An edit makes the next build write every output again; the limit lets the link and the
    // stdlib through and stops the snapshot (the largest file before the composed one).
    let c = root.join("cpython-ext/_zlib_cap/_zlib_capmodule.c");
    let mut text = std::fs::read_to_string(&c)?;
    text.push_str("/* edited by tests/faults.rs */\n");
    std::fs::write(&c, text)?;
    let blocks = (snapshot - (256 << 10)) / 1024;
    let script = format!("trap '' XFSZ; ulimit -f {blocks}; exec \"$0\" build");
    let out = t::run(Command::new("sh").arg("-c").arg(script).arg(t::pyforge()).current_dir(root))?;
    ensure(
        out.status == 1
            && out.stderr.contains("error: failed to write `target/pyforge/default/python.snapshot.wasm`")
            && out.stderr.contains("File too large"),
        || out.render(),
    )?;
    ensure(std::fs::read(root.join(COMPOSED))? == before, || "the previous composed output changed".into())?;
    let leftovers: Vec<String> = std::fs::read_dir(root.join("target/pyforge/default"))?
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.starts_with(".tmp") || n.ends_with(".tmp"))
        .collect();
    ensure(leftovers.is_empty(), || format!("temporary files left: {leftovers:?}"))?;
    let after = build(root)?;
    ensure(after.status == 0 && after.stdout.contains("pre-initialized ") && after.stdout.contains("composed "), || {
        after.render()
    })
}

fn damaged_compiled_code_is_recompiled() -> Result<(), Failed> {
    let forge = t::default_forge()?;
    let cache = tempfile::tempdir()?;
    let kit = t::run_native(&forge.root, &["kit", "path"])?;
    ensure(kit.status == 0, || kit.render())?;
    let run = || {
        t::run(
            Command::new(t::pyforge())
                .args(["run", "--wasm", COMPOSED, "--lib", "target/pyforge/default/lib", "-c", "print(6 * 7)"])
                .env("PYFORGE_CACHE", cache.path())
                .env("PYFORGE_KIT", kit.stdout.trim())
                .current_dir(&forge.root),
        )
    };
    let entry = || -> Result<std::path::PathBuf, Failed> {
        let found: Vec<_> =
            std::fs::read_dir(cache.path().join("precompiled"))?.filter_map(|e| Some(e.ok()?.path())).collect();
        ensure(found.len() == 1, || format!("expected one cache entry, found {found:?}"))?;
        Ok(found[0].clone())
    };
    let first = run()?;
    ensure(first.status == 0 && first.stdout == "42\n" && first.stderr.contains("compiling"), || first.render())?;
    let path = entry()?;
    let bytes = std::fs::read(&path)?;
    for (what, damaged) in [
        ("truncated", bytes[..bytes.len() / 2].to_vec()),
        ("corrupted", {
            let mut b = bytes.clone();
            let mid = b.len() / 2;
            for x in &mut b[mid..mid + 64] {
                *x ^= 0x5a;
            }
            b
        }),
    ] {
        std::fs::write(&path, &damaged)?;
        let out = run()?;
        ensure(
            out.status == 0
                && out.stdout == "42\n"
                && out.stderr.contains("is damaged (its contents do not match the checksum in its name): removing it")
                && out.stderr.contains("compiling"),
            || format!("{what}: {}", out.render()),
        )?;
        ensure(std::fs::read(entry()?)? == bytes, || format!("{what}: the entry was not written again"))?;
    }
    let quiet = run()?;
    ensure(quiet.status == 0 && quiet.stdout == "42\n" && quiet.stderr.is_empty(), || quiet.render())
}

fn damaged_kit_is_refused() -> Result<(), Failed> {
    let forge = t::default_forge()?;
    let kit = t::run_native(&forge.root, &["kit", "path"])?;
    ensure(kit.status == 0, || kit.render())?;
    let copy = tempfile::tempdir()?;
    let dir = copy.path().join("kit");
    let cp = Command::new("cp").arg("-a").arg(kit.stdout.trim()).arg(&dir).status()?;
    ensure(cp.success(), || "cp -a of the kit failed".to_string())?;
    let with_kit =
        |args: &[&str]| t::run(Command::new(t::pyforge()).args(args).arg("--kit").arg(&dir).current_dir(&forge.root));
    let good = with_kit(&["kit", "verify"])?;
    ensure(good.status == 0 && good.stdout.contains("files match kit.sums"), || good.render())?;

    // A stdlib source file: only a full check reads it.
    let os_py = dir.join("stdlib/lib/python3.13/os.py");
    let mut text = std::fs::read(&os_py)?;
    text.extend_from_slice(b"\n# changed\n");
    std::fs::write(&os_py, &text)?;
    let out = with_kit(&["kit", "verify"])?;
    ensure(
        out.status == 1
            && out.stderr.contains(
                "is damaged: `stdlib/lib/python3.13/os.py` does not match the checksum recorded when the kit was built",
            ),
        || out.render(),
    )?;

    // An archive a build links: the build refuses the kit before linking.
    let archive = dir.join("lib/libpython3.13.a");
    let mut bytes = std::fs::read(&archive)?;
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x01;
    std::fs::write(&archive, &bytes)?;
    let project = t::default_project("")?;
    let out = t::run(Command::new(t::pyforge()).arg("build").arg("--kit").arg(&dir).current_dir(project.path()))?;
    ensure(
        out.status != 0
            && out.stderr.contains(
                "is damaged: `lib/libpython3.13.a` does not match the checksum recorded when the kit was built",
            )
            && out.stderr.contains("pyforge kit build"),
        || out.render(),
    )?;
    ensure(!project.path().join(COMPOSED).exists(), || "a build went on with a damaged kit".to_string())
}

fn main() {
    let args = Arguments::from_args();
    let trials = vec![
        Trial::test("concurrent_builds_take_turns", concurrent_builds_take_turns),
        Trial::test("killed_builds_recover", killed_builds_recover),
        Trial::test("disk_full_keeps_the_previous_output", disk_full_keeps_the_previous_output),
        Trial::test("damaged_compiled_code_is_recompiled", damaged_compiled_code_is_recompiled),
        Trial::test("damaged_kit_is_refused", damaged_kit_is_refused),
    ];
    libtest_mimic::run(&args, trials).exit();
}
