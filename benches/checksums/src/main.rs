//! crc32 and adler32 implementations timed inside wasm (benches/checksums.sh): the zlib cap's
//! checksum is picked by these numbers. Prints one line per (implementation, input size):
//! `<checksum> <implementation> <bytes> <ns per call>`.
//!
//! Built for wasm32-wasip2 twice by the script: with zlib's C sources behind `libz-sys`, and with
//! `--features zlib-ng` (zlib-ng's compat API); optionally with `+simd128`.
#![allow(unsafe_code, reason = "zlib's C API")]

use std::hint::black_box;
use std::time::Instant;

type Checksum = fn(u32, &[u8]) -> u32;

fn zlib_rs_crc32(v: u32, d: &[u8]) -> u32 {
    // SAFETY: `d` is a live slice of the given length (the bench keeps it under 4 GiB).
    unsafe { libz_rs_sys::crc32(v as libz_rs_sys::uLong, d.as_ptr(), d.len() as u32) as u32 }
}
fn zlib_rs_adler32(v: u32, d: &[u8]) -> u32 {
    // SAFETY: as above.
    unsafe { libz_rs_sys::adler32(v as libz_rs_sys::uLong, d.as_ptr(), d.len() as u32) as u32 }
}
fn libz_crc32(v: u32, d: &[u8]) -> u32 {
    // SAFETY: as above.
    unsafe { libz_sys::crc32(v as libz_sys::uLong, d.as_ptr(), d.len() as u32) as u32 }
}
fn libz_adler32(v: u32, d: &[u8]) -> u32 {
    // SAFETY: as above.
    unsafe { libz_sys::adler32(v as libz_sys::uLong, d.as_ptr(), d.len() as u32) as u32 }
}
fn crc32fast(v: u32, d: &[u8]) -> u32 {
    let mut h = crc32fast::Hasher::new_with_initial(v);
    h.update(d);
    h.finalize()
}
fn adler2(v: u32, d: &[u8]) -> u32 {
    let mut a = adler2::Adler32::from_checksum(v);
    a.write_slice(d);
    a.checksum()
}

/// Nanoseconds per call, the best of five rounds of about 50 ms each.
fn time(f: Checksum, data: &[u8]) -> f64 {
    let calls = (50_000_000 / (data.len() + 100)).max(4);
    let mut best = f64::INFINITY;
    for _ in 0..5 {
        let start = Instant::now();
        let mut v = 0;
        for _ in 0..calls {
            v = f(black_box(v), black_box(data));
        }
        black_box(v);
        best = best.min(start.elapsed().as_nanos() as f64 / calls as f64);
    }
    best
}

fn main() {
    let c_name = if cfg!(feature = "zlib-ng") { "zlib-ng" } else { "zlib-c" };
    let simd = if cfg!(target_feature = "simd128") { "+simd128" } else { "" };
    // Pseudo-random bytes (xorshift), the same on every run.
    let mut x = 0x2545_f491_u32;
    let data: Vec<u8> = (0..1 << 20)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect();
    let crcs: [(&str, Checksum); 3] = [("zlib-rs", zlib_rs_crc32), (c_name, libz_crc32), ("crc32fast", crc32fast)];
    let adlers: [(&str, Checksum); 3] = [("zlib-rs", zlib_rs_adler32), (c_name, libz_adler32), ("adler2", adler2)];
    for (kind, impls) in [("crc32", crcs), ("adler32", adlers)] {
        let expect: Vec<u32> = [64, 1 << 20].iter().map(|&n| impls[0].1(0, &data[..n])).collect();
        for (name, f) in impls {
            for (i, n) in [64usize, 1024, 1 << 20].into_iter().enumerate() {
                if n != 1024 {
                    let got = f(0, &data[..n]);
                    assert_eq!(got, expect[i / 2], "{kind} {name} disagrees on {n} bytes");
                }
                println!("{kind} {name}{simd} {n} {:.1}", time(f, &data[..n]));
            }
        }
    }
}
