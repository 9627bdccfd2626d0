//! The bz2 and lzma caps end to end, in the repo's default forge (built once in a copy of the
//! project):
//!
//! * CPython's own `test_bz2`, `test_lzma` and `test_shutil` run inside the composed
//!   interpreter; every failure fails the test, and every skip must have a reason from the list
//!   below (none about bz2 or lzma); `tests/zlib.rs` runs `test_zipfile` and `test_tarfile`
//!   with no bz2/lzma skip allowed;
//! * corrupt and truncated input raise the exception CPython raises over the real libraries,
//!   with their messages, and the objects and modules keep working afterwards;
//! * tarfile, zipfile and shutil archives in both formats round-trip;
//! * a second, non-CPython consumer (`tests/caps/compress-consumer`) is composed with the same
//!   cap bytes and runs under stock wasmtime;
//! * each cap's WIT and the extension's copy are the same file.

use std::process::Command;

use libtest_mimic::{Arguments, Failed, Trial};
use pyforge_tests::{self as t, ensure};

/// Skip reasons CPython's tests give here, and why each is not about the bz2 or lzma cap.
const ALLOWED_SKIPS: &[(&str, &str)] = &[
    ("gettotalrefcount", "reference-leak checks need a debug build of CPython"),
    ("requires threading support", "WASI CPython has no threads"),
    ("requires subprocess support", "WASI has no processes"),
    ("Requires functional symlink implementation", "WASI preopens: CPython skips symlink tests on WASI"),
    ("os.sendfile() not supported", "WASI has no sendfile"),
    ("macOS only", "another platform"),
    ("only relevant on Windows", "another platform"),
    ("Windows only", "another platform"),
    ("requires os.path.altsep", "Windows paths"),
    ("requires working os.chmod()", "WASI has no chmod"),
    ("requires os.lchmod", "WASI has no lchmod"),
    ("requires os.chflags", "BSD file flags"),
    ("requires os.mkfifo()", "WASI has no FIFOs"),
    ("no non-broken extended attribute support", "WASI has no extended attributes"),
    ("Requires grp and pwd support", "WASI has no users or groups"),
    ("requires safe rmtree", "rmtree's fd-based variant needs dir_fd functions WASI CPython lacks"),
    ("dir_fd is not supported", "WASI CPython has no dir_fd"),
    ("requires CAP_DAC_OVERRIDE", "a root-only permission check"),
    ("not on tty", "the test runs with stdout not a terminal"),
    ("disk_usage not available on this platform", "WASI has no statvfs"),
    ("WASI has no /dev/null", "CPython's own WASI exclusion"),
    ("command to run", "`Need the zip/unzip/tar command`: no external programs under WASI"),
];

/// Garbage, corrupt and truncated streams raise what CPython raises over the real libbzip2 and
/// liblzma (compared with native python3 by hand: the same lines), and everything keeps working.
fn corrupt_input_raises_and_recovers() -> Result<(), Failed> {
    let code = std::fs::read_to_string(t::root().join("tests/compression/corrupt.py"))?;
    let out = t::default_python(&["-c", &code])?;
    let want = "bz2 garbage -> OSError: Invalid data stream\n\
        bz2 corrupt -> OSError: Invalid data stream\n\
        bz2 truncated -> ValueError: Compressed data ended before the end-of-stream marker was reached\n\
        bz2 stream truncated -> ok 32768\n\
        bz2 stream eof False needs_input True\n\
        bz2 after eof -> EOFError: End of stream already reached\n\
        xz garbage -> LZMAError: Input format not supported by decoder\n\
        xz corrupt -> LZMAError: Corrupt input data\n\
        xz truncated -> LZMAError: Compressed data ended before the end-of-stream marker was reached\n\
        alone garbage -> LZMAError: Input format not supported by decoder\n\
        memlimit -> LZMAError: Memory usage limit exceeded\n\
        bad filter -> LZMAError: Invalid or unsupported options\n\
        bad check -> LZMAError: Unsupported integrity check\n\
        xz stream corrupt -> LZMAError: Corrupt input data\n\
        after errors: True True\n\
        flushed compressor -> ValueError: Compressor has been flushed\n\
        flushed bz2 compressor -> ValueError: Compressor has been flushed\n";
    ensure(out.status == 0 && out.stdout == want, || out.render())
}

/// Every lzma container format and a filter chain, and the stdlib's archive users of both
/// modules (tarfile `w:bz2`/`w:xz`, zipfile `ZIP_BZIP2`/`ZIP_LZMA`, shutil `bztar`/`xztar`).
fn formats_and_archives_round_trip() -> Result<(), Failed> {
    let code = r#"
import bz2, lzma, io, tarfile, zipfile, shutil, os
data = bytes(range(256)) * 400 + b"pyforge " * 5000
print(bz2.__file__, lzma.__file__, bz2.decompress(bz2.compress(data, 1)) == data)
for name in ("FORMAT_XZ", "FORMAT_ALONE"):
    f = getattr(lzma, name)
    print(name, lzma.decompress(lzma.compress(data, format=f), format=lzma.FORMAT_AUTO) == data)
chain = [{"id": lzma.FILTER_DELTA, "dist": 2}, {"id": lzma.FILTER_X86, "start_offset": 16},
         {"id": lzma.FILTER_LZMA2, "preset": 6 | lzma.PRESET_EXTREME, "lc": 2}]
raw = lzma.compress(data, format=lzma.FORMAT_RAW, filters=chain)
print("FORMAT_RAW", lzma.decompress(raw, format=lzma.FORMAT_RAW, filters=chain) == data)
for check in ("CHECK_NONE", "CHECK_CRC32", "CHECK_CRC64", "CHECK_SHA256"):
    d = lzma.LZMADecompressor()
    out = d.decompress(lzma.compress(data, check=getattr(lzma, check)))
    print(check, out == data, d.check == getattr(lzma, check))
print(lzma._decode_filter_properties(lzma.FILTER_LZMA2, lzma._encode_filter_properties({"id": lzma.FILTER_LZMA2, "preset": 3})))
for mode in ("bz2", "xz"):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:" + mode) as t:
        info = tarfile.TarInfo("a.bin"); info.size = len(data); t.addfile(info, io.BytesIO(data))
    with tarfile.open(fileobj=io.BytesIO(buf.getvalue()), mode="r:*") as t:
        print("tar", mode, t.extractfile("a.bin").read() == data)
for kind in ("ZIP_BZIP2", "ZIP_LZMA"):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", getattr(zipfile, kind)) as z:
        z.writestr("a.bin", data)
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as z:
        print("zip", kind, z.read("a.bin") == data, z.testzip() is None)
os.makedirs("/tmp/src/sub")
with open("/tmp/src/sub/a.bin", "wb") as f:
    f.write(data)
for fmt in ("bztar", "xztar"):
    archive = shutil.make_archive("/tmp/out-" + fmt, fmt, "/tmp/src")
    shutil.unpack_archive(archive, "/tmp/back-" + fmt)
    with open("/tmp/back-" + fmt + "/sub/a.bin", "rb") as f:
        print("shutil", fmt, os.path.basename(archive), f.read() == data)
"#;
    let out = t::default_python(&["-c", code])?;
    let want = "/usr/local/lib/python3.13/bz2.py /usr/local/lib/python3.13/lzma.py True\n\
        FORMAT_XZ True\nFORMAT_ALONE True\nFORMAT_RAW True\n\
        CHECK_NONE True True\nCHECK_CRC32 True True\nCHECK_CRC64 True True\nCHECK_SHA256 True True\n\
        {'id': 33, 'dict_size': 4194304}\n\
        tar bz2 True\ntar xz True\n\
        zip ZIP_BZIP2 True True\nzip ZIP_LZMA True True\n\
        shutil bztar out-bztar.tar.bz2 True\nshutil xztar out-xztar.tar.xz True\n";
    ensure(out.status == 0 && out.stdout == want, || out.render())
}

/// The same cap bytes serve a Rust command component importing both interfaces.
fn second_consumer_uses_the_same_caps() -> Result<(), Failed> {
    let dir = tempfile::tempdir()?;
    std::fs::copy(t::bz2_cap_wasm(), dir.path().join("bz2-cap.wasm"))?;
    std::fs::copy(t::lzma_cap_wasm(), dir.path().join("lzma-cap.wasm"))?;
    std::fs::copy(t::compress_consumer_wasm(), dir.path().join("consumer.wasm"))?;
    let out = t::run_native(
        dir.path(),
        &["compose", "consumer.wasm", "--plug", "bz2-cap.wasm", "--plug", "lzma-cap.wasm", "-o", "composed.wasm"],
    )?;
    ensure(out.status == 0, || out.render())?;
    let run = t::run(Command::new(t::wasmtime()).args(["run", "composed.wasm"]).current_dir(dir.path()))?;
    let want = "bz2: 18000 -> 121 bytes (finish code 4), back 18000 bytes (code 4), equal: true\n\
        bz2 corrupt input: code -4\n\
        lzma: 18000 -> 156 bytes xz (code 1), back 18000 bytes (code 1, check 4), equal: true\n\
        lzma preset 6: dict 8388608 lc 3 lp 0 pb 2\n\
        lzma corrupt input: code 7\n\
        sha256 check supported: true\n\
        versions: bz2 1.1.0-libbz2-rs-sys-0.2.6, lzma 5.8.4\n";
    ensure(run.status == 0 && run.stdout == want, || run.render())
}

fn wit_copies_agree() -> Result<(), Failed> {
    let root = t::root();
    for (cap, ext) in [
        ("caps/bz2/wit/bz2.wit", "cpython-ext/_bz2_cap/wit/deps/bz2/bz2.wit"),
        ("caps/lzma/wit/lzma.wit", "cpython-ext/_lzma_cap/wit/deps/lzma/lzma.wit"),
    ] {
        let same = std::fs::read(root.join(cap))? == std::fs::read(root.join(ext))?;
        ensure(same, || format!("{cap} and {ext} differ"))?;
    }
    Ok(())
}

fn main() {
    let args = Arguments::from_args();
    let mut trials = vec![
        Trial::test("wit_copies_agree", wit_copies_agree),
        Trial::test("corrupt_input_raises_and_recovers", corrupt_input_raises_and_recovers),
        Trial::test("formats_and_archives_round_trip", formats_and_archives_round_trip),
        Trial::test("second_consumer_uses_the_same_caps", second_consumer_uses_the_same_caps),
    ];
    for name in ["test_bz2", "test_lzma", "test_shutil"] {
        trials.push(Trial::test(format!("cpython_{name}"), move || t::regrtest::suite(name, ALLOWED_SKIPS)));
    }
    libtest_mimic::run(&args, trials).exit();
}
