//! The hashlib cap end to end, in the repo's default forge (built once in a copy of the
//! project):
//!
//! * CPython's own `test_hashlib` (with the `cpu` resource: 4 GiB through `update`) and
//!   `test_hmac` run inside the composed interpreter; every failure fails the test, and every
//!   skip must have a reason from the list below;
//! * published vectors (RFC 6070 and RFC 7914 PBKDF2, RFC 7914 scrypt, RFC 4231 HMAC) and the
//!   exceptions unknown digests and bad parameters raise — the same lines native python3 prints
//!   over OpenSSL (checked by hand), bar the first, which says `_hashlib` is built in here;
//! * `import hashlib, hmac, secrets` before a snapshot calls no cap (it may be a warm module);
//! * the cap's WIT and the extension's copy are the same file.

use libtest_mimic::{Arguments, Failed, Trial};
use pyforge_tests::{self as t, ensure};

/// Skip reasons CPython's tests give here, and why each is not about the hashlib cap.
const ALLOWED_SKIPS: &[(&str, &str)] = &[
    ("Use of the 'urlfetch' resource not enabled", "the NIST/BLAKE2 vector files are downloaded: no network in tests"),
    ("test cannot run on 32-bit systems", "the test needs a 4 GiB bytes object; wasm32 has 4 GiB in all"),
    ("requires threading support", "WASI CPython has no threads"),
    ("need _sha256", "CPython 3.13's test looks for `_sha256`, renamed `_sha2` in 3.12: native CPython skips it too"),
];

fn vectors_and_errors() -> Result<(), Failed> {
    let code = std::fs::read_to_string(t::root().join("tests/hashlib/vectors.py"))?;
    let out = t::default_python(&["-c", &code])?;
    let want = "_hashlib built-in\n\
        RFC 6070 c=1 True\nRFC 6070 c=2 True\nRFC 6070 c=4096 True\nRFC 6070 c=4096 True\nRFC 6070 c=4096 True\n\
        RFC 7914 pbkdf2 True\n\
        RFC 7914 scrypt n=16 True\nRFC 7914 scrypt n=1024 True\nRFC 7914 scrypt n=16384 True\n\
        RFC 4231 True True HMAC\n\
        hmac sha3 via constructor hmac-sha3_256 32 136 True\n\
        HASH sha512 True True\n\
        shake 46b9dd2b0ba88d13 HASHXOF 0\n\
        sha512_224 4634270f707b6a54daae7530460842e20e37ed265ceee9a43e8924aa\n\
        new('SHA256') ba7816bf8f01cfea sha3_256\n\
        compare_digest True False\n\
        new(spam) -> ValueError (ValueError)\n\
        _hashlib.new(spam) -> UnsupportedDigestmodError (ValueError)\n\
        hmac_new(spam) -> UnsupportedDigestmodError (ValueError)\n\
        hmac_digest(spam) -> UnsupportedDigestmodError (ValueError)\n\
        hmac.new(spam) -> ValueError (ValueError)\n\
        pbkdf2(spam) -> UnsupportedDigestmodError (ValueError)\n\
        pbkdf2(c=0) -> ValueError (ValueError)\n\
        pbkdf2(dklen=0) -> ValueError (ValueError)\n\
        scrypt(n=3) -> ValueError (ValueError)\n\
        scrypt(memory) -> ValueError (ValueError)\n\
        scrypt(maxmem=-1) -> ValueError (ValueError)\n\
        sha256(str) -> TypeError \n\
        after errors d41d8cd98f00b204e9800998ecf8427e 48b0d2a8a3272611\n";
    ensure(out.status == 0 && out.stdout == want, || out.render())
}

/// The messages come from the cap (scrypt's limits are OpenSSL's) and name what was wrong.
fn messages_name_the_problem() -> Result<(), Failed> {
    let code = r#"
import hashlib
for f in (lambda: hashlib.scrypt(b"p", salt=b"s", n=2**20, r=8, p=1),
          lambda: hashlib.scrypt(b"p", salt=b"s", n=2**16, r=1, p=1),
          lambda: hashlib.pbkdf2_hmac("shake_128", b"p", b"s", 1),
          lambda: hashlib.pbkdf2_hmac("spam", b"p", b"s", 1)):
    try:
        f()
    except ValueError as e:
        print(e)
"#;
    let out = t::default_python(&["-c", code])?;
    let want = "memory limit exceeded: n=1048576, r=8, p=1 need 1073744896 bytes, maxmem is 33554432\n\
        n must be below 2^(16·r) = 2^16 (n=65536, r=1)\n\
        PBKDF2 needs an HMAC, which is not defined for the extendable-output shake_128\n\
        unsupported hash type spam\n";
    ensure(out.status == 0 && out.stdout == want, || out.render())
}

/// A forge that imports hashlib, hmac and secrets before its snapshot builds (no cap is called
/// while pre-initializing: contexts reach the cap on first use) and hashes after it.
fn importable_before_the_snapshot() -> Result<(), Failed> {
    let forge = t::default_forge()?;
    let toml = std::fs::read_to_string(forge.root.join("pyforge.toml"))?;
    let caps = toml
        .lines()
        .skip_while(|l| *l != "[forge.default]")
        .find(|l| l.starts_with("caps = "))
        .ok_or("no caps line in the default forge")?;
    let extra = format!("\n[forge.warmhash]\nwarm = [\"hashlib\", \"hmac\", \"secrets\"]\n{caps}\n");
    let dir = t::default_project(&extra)?;
    let build = t::run_native(dir.path(), &["build", "-f", "warmhash"])?;
    ensure(build.status == 0, || build.render())?;
    let code = "import sys, hashlib; print(sorted(m for m in ('hashlib', 'hmac', 'secrets', '_hashlib') if m in sys.modules)); \
        print(hashlib.pbkdf2_hmac('sha256', b'password', b'salt', 1000).hex()[:16])";
    let out = t::run_native(
        dir.path(),
        &[
            "run",
            "--wasm",
            "target/pyforge/warmhash/python.composed.wasm",
            "--lib",
            "target/pyforge/warmhash/lib",
            "-c",
            code,
        ],
    )?;
    ensure(out.status == 0 && out.stdout == "['_hashlib', 'hashlib', 'hmac', 'secrets']\n632c2812e46d4604\n", || {
        out.render()
    })
}

fn wit_copies_agree() -> Result<(), Failed> {
    let root = t::root();
    let (cap, ext) = ("caps/hashlib/wit/hashlib.wit", "cpython-ext/_hashlib_cap/wit/deps/hashlib/hashlib.wit");
    let same = std::fs::read(root.join(cap))? == std::fs::read(root.join(ext))?;
    ensure(same, || format!("{cap} and {ext} differ"))
}

fn main() {
    let args = Arguments::from_args();
    let trials = vec![
        Trial::test("wit_copies_agree", wit_copies_agree),
        Trial::test("vectors_and_errors", vectors_and_errors),
        Trial::test("messages_name_the_problem", messages_name_the_problem),
        Trial::test("importable_before_the_snapshot", importable_before_the_snapshot),
        Trial::test("cpython_test_hashlib", || t::regrtest::suite_with("test_hashlib", &["-u", "cpu"], ALLOWED_SKIPS)),
        Trial::test("cpython_test_hmac", || t::regrtest::suite("test_hmac", ALLOWED_SKIPS)),
    ];
    libtest_mimic::run(&args, trials).exit();
}
