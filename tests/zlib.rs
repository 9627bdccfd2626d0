//! The zlib cap end to end: the repo's default forge (`pyforge.toml`: `_zlib_cap` plugged with
//! `caps/zlib`, and the sqlite cap) is built once in a copy of the project, then
//!
//! * CPython's own `test_zlib`, `test_gzip`, `test_zipfile` and `test_tarfile` run inside the
//!   composed interpreter; every failure fails the test, and every skip must have a reason from
//!   the list below (each about WASI, never about zlib — nor about bz2 or lzma, whose caps are in
//!   the forge too);
//! * corrupt and truncated input raise `zlib.error` with zlib's message, and the objects keep
//!   working afterwards;
//! * a second, non-CPython consumer (`tests/caps/zlib-consumer`) is composed with the same cap
//!   bytes and runs under stock wasmtime;
//! * the cap's WIT and the extension's copy are the same file.

use std::process::Command;

use libtest_mimic::{Arguments, Failed, Trial};
use pyforge_tests::{self as t, ensure};

/// Skip reasons CPython's tests give here, and why each is not about the zlib cap.
const ALLOWED_SKIPS: &[(&str, &str)] = &[
    ("requires 64bit platform", "wasm32 is a 32-bit platform"),
    ("not enough memory", "bigmem tests need more than a 4 GiB wasm32 memory"),
    ("gettotalrefcount", "reference-leak checks need a debug build of CPython"),
    ("requires subprocess support", "WASI has no processes"),
    ("sys.executable required", "WASI has no processes"),
    ("symlink", "WASI preopens: CPython skips symlink tests on WASI"),
    ("requires write access to the installed location", "the stdlib is mounted read-only"),
    ("requires working os.chmod()", "WASI has no chmod"),
    ("requires os.link to be missing", "the test needs os.link absent"),
    ("missing os.chown", "WASI has no chown"),
    ("Missing umask implementation", "WASI has no umask"),
    ("Missing getuid or getgid implementation", "WASI has no users"),
    ("Unable to import big_o", "a third-party test helper that is not installed"),
    ("Requires warn_default_encoding", "needs `-X warn_default_encoding`"),
    ("Requires \\\\ as path separator", "Windows-only"),
];

fn forge() -> Result<&'static t::DefaultForge, Failed> {
    t::default_forge()
}

fn python(args: &[&str]) -> Result<t::Outcome, Failed> {
    t::default_python(args)
}

/// Garbage and truncated streams raise `zlib.error` with zlib's message, and the same objects
/// (and the module) keep working afterwards.
fn corrupt_input_raises_and_recovers() -> Result<(), Failed> {
    let code = r#"
import zlib, gzip
data = b"pyforge " * 4096
packed = zlib.compress(data)
for bad, label in [(b"garbage, not zlib", "garbage"), (packed[:len(packed) // 2], "truncated"),
                   (packed[:10] + bytes(20) + packed[30:], "corrupt")]:
    try:
        zlib.decompress(bad)
        print(label, "no error")
    except zlib.error as e:
        print(label, "->", e)
d = zlib.decompressobj()
try:
    d.decompress(b"\x78\x9c" + b"\xff" * 64)
except zlib.error as e:
    print("stream ->", e)
c = zlib.compressobj()
out = c.compress(data) + c.flush()
print("after errors:", zlib.decompress(out) == data, zlib.decompressobj().decompress(out) == data)
try:
    gzip.decompress(b"\x1f\x8b\x08\x00" + b"\x00" * 12)
except (EOFError, zlib.error, gzip.BadGzipFile) as e:
    print("gzip ->", type(e).__name__, e)
try:
    c.compress(b"more")
except zlib.error as e:
    print("finished compressor ->", e)
"#;
    let out = python(&["-c", code])?;
    let want = "garbage -> Error -3 while decompressing data: incorrect header check\n\
        truncated -> Error -5 while decompressing data: incomplete or truncated stream\n\
        corrupt -> Error -3 while decompressing data: invalid code lengths set\n\
        stream -> Error -3 while decompressing data: invalid block type\n\
        after errors: True True\n\
        gzip -> error Error -3 while decompressing data: invalid stored block lengths\n\
        finished compressor -> Error -2 while compressing data: inconsistent stream state\n";
    ensure(out.status == 0 && out.stdout == want, || out.render())?;
    Ok(())
}

/// `import zlib` is the facade over the cap, and gzip/zipfile/tarfile use it.
fn stdlib_users_round_trip() -> Result<(), Failed> {
    let code = r#"
import zlib, gzip, zipfile, tarfile, io
data = bytes(range(256)) * 1000
print(zlib.__file__, zlib.ZLIB_RUNTIME_VERSION.startswith("1."))
print(gzip.decompress(gzip.compress(data)) == data)
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("a.bin", data)
with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as z:
    print(z.getinfo("a.bin").compress_type == zipfile.ZIP_DEFLATED, z.read("a.bin") == data)
tbuf = io.BytesIO()
with tarfile.open(fileobj=tbuf, mode="w:gz") as t:
    info = tarfile.TarInfo("a.bin"); info.size = len(data); t.addfile(info, io.BytesIO(data))
with tarfile.open(fileobj=io.BytesIO(tbuf.getvalue()), mode="r:gz") as t:
    print(t.extractfile("a.bin").read() == data)
"#;
    let out = python(&["-c", code])?;
    ensure(out.status == 0 && out.stdout == "/usr/local/lib/pyforge/zlib.py True\nTrue\nTrue True\nTrue\n", || {
        out.render()
    })?;
    Ok(())
}

/// The same cap bytes serve a Rust command component importing the same interface.
fn second_consumer_uses_the_same_cap() -> Result<(), Failed> {
    let dir = tempfile::tempdir()?;
    std::fs::copy(t::zlib_cap_wasm(), dir.path().join("zlib-cap.wasm"))?;
    std::fs::copy(t::zlib_consumer_wasm(), dir.path().join("consumer.wasm"))?;
    let out =
        t::run_native(dir.path(), &["compose", "consumer.wasm", "--plug", "zlib-cap.wasm", "-o", "composed.wasm"])?;
    ensure(out.status == 0, || out.render())?;
    let run = t::run(Command::new(t::wasmtime()).args(["run", "composed.wasm"]).current_dir(dir.path()))?;
    let want = "one-shot: 7200 -> 77 -> 7200 bytes, equal: true\n\
        gzip stream: 125 bytes, eof: true, equal: true\n\
        crc32: 0x0d4a1185, adler32: 0x1a0b045d\n\
        corrupt input: ErrorKind::Zlib error -3: Error -3 while decompressing data: incorrect header check\n";
    ensure(run.status == 0 && run.stdout.starts_with(want), || run.render())?;
    Ok(())
}

/// On the real inputs (python.wasm and the default forge's caps), the forge's composition is byte-identical
/// to `wac plug` of the same files.
fn real_composition_matches_wac_plug() -> Result<(), Failed> {
    let f = forge()?;
    // The default forge is self-contained: its caps are composed onto the snapshot.
    let mut args = vec!["plug", "target/pyforge/default/python.snapshot.wasm"];
    // wac plugs in argument order; a forge composes its caps in the order of their interface
    // names (pyforge:bz2, pyforge:lzma, pyforge:sqlite, pyforge:zlib), which sorting these
    // paths gives too.
    let mut caps = t::DEFAULT_CAPS.to_vec();
    caps.sort();
    for cap in caps {
        args.extend(["--plug", cap]);
    }
    args.extend(["-o", "target/wac.wasm"]);
    let out = t::run(Command::new(t::wac()).args(&args).current_dir(&f.root))?;
    ensure(out.status == 0, || out.render())?;
    let ours = std::fs::read(f.root.join("target/pyforge/default/python.composed.wasm"))?;
    let theirs = std::fs::read(f.root.join("target/wac.wasm"))?;
    ensure(ours == theirs, || format!("pyforge: {} bytes, wac plug: {} bytes, not identical", ours.len(), theirs.len()))
}

/// A forge may stub the cap instead: the interface has resources and record errors, so the stub
/// traps — `import zlib` still works, and a call traps in a function named after the interface
/// (the process fails; it does not hang or print garbage).
fn stubbed_cap_imports_then_traps_by_name() -> Result<(), Failed> {
    let f = forge()?;
    let mut args = vec!["compose", "target/pyforge/default/python.wasm", "--stub", "pyforge:zlib/deflate"];
    // every other cap of the forge is plugged
    args.extend(t::DEFAULT_CAPS[1..].iter().flat_map(|cap| ["--plug", cap]));
    args.extend(["-o", "target/stubbed.wasm"]);
    let out = t::run_native(&f.root, &args)?;
    ensure(out.status == 0, || out.render())?;
    let run = |code: &str| {
        t::run_native(
            &f.root,
            &["run", "--wasm", "target/stubbed.wasm", "--lib", "target/pyforge/default/lib", "-c", code],
        )
    };
    let imported = run("import sys, zlib; sys.stdout.write('imported\\n')")?;
    ensure(imported.status == 0 && imported.stdout == "imported\n", || imported.render())?;
    let called = run("import zlib; zlib.crc32(b'x')")?;
    ensure(called.status == 1 && called.stderr.contains("pyforge:zlib/deflate@0.1.0.crc32"), || called.render())?;
    Ok(())
}

fn wit_copies_agree() -> Result<(), Failed> {
    let root = t::root();
    let cap = std::fs::read(root.join("caps/zlib/wit/zlib.wit"))?;
    let ext = std::fs::read(root.join("cpython-ext/_zlib_cap/wit/deps/zlib/zlib.wit"))?;
    ensure(cap == ext, || "caps/zlib/wit/zlib.wit and cpython-ext/_zlib_cap/wit/deps/zlib/zlib.wit differ".into())
}

fn main() {
    let args = Arguments::from_args();
    let mut trials = vec![
        Trial::test("wit_copies_agree", wit_copies_agree),
        Trial::test("corrupt_input_raises_and_recovers", corrupt_input_raises_and_recovers),
        Trial::test("stdlib_users_round_trip", stdlib_users_round_trip),
        Trial::test("second_consumer_uses_the_same_cap", second_consumer_uses_the_same_cap),
        Trial::test("real_composition_matches_wac_plug", real_composition_matches_wac_plug),
        Trial::test("stubbed_cap_imports_then_traps_by_name", stubbed_cap_imports_then_traps_by_name),
    ];
    for name in ["test_zlib", "test_gzip", "test_zipfile", "test_tarfile"] {
        trials.push(Trial::test(format!("cpython_{name}"), move || t::regrtest::suite(name, ALLOWED_SKIPS)));
    }
    libtest_mimic::run(&args, trials).exit();
}
