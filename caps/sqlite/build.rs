//! Compiles `src/wasi_locks.c` (see there) with the C compiler libsqlite3-sys uses.
fn main() {
    println!("cargo:rerun-if-changed=src/wasi_locks.c");
    cc::Build::new().file("src/wasi_locks.c").compile("pyforge_wasi_locks");
}
