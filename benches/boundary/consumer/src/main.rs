//! The consumer side of benches/boundary.sh: times each call of `pyforge:bench-boundary/calls`
//! in a loop (best of five rounds) and prints one line per case, `<case> <bytes> <ns per call>`,
//! with the same work done inside this component's own memory for comparison.

mod bindings {
    wit_bindgen::generate!({ path: "../wit", world: "consumer" });
}

use std::hint::black_box;
use std::time::Instant;

use bindings::pyforge::bench_boundary::calls;

/// Nanoseconds per call of `f`, the best of five rounds of `calls` calls.
fn time(calls: usize, mut f: impl FnMut()) -> f64 {
    let mut best = f64::INFINITY;
    for _ in 0..5 {
        let start = Instant::now();
        for _ in 0..calls {
            f();
        }
        best = best.min(start.elapsed().as_nanos() as f64 / calls as f64);
    }
    best
}

fn main() {
    let n: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(200_000);
    let report = |case: &str, bytes: usize, ns: f64| println!("{case} {bytes} {ns:.1}");

    report("local-call", 0, time(n, || black_box(local_nothing)()));
    report("nothing", 0, time(n, calls::nothing));
    let counter = calls::Counter::new();
    report(
        "method",
        0,
        time(n, || {
            black_box(counter.bump());
        }),
    );
    for bytes in [64usize, 4096, 1 << 20] {
        let data = vec![1u8; bytes];
        let rounds = (n * 64 / bytes.max(64)).max(20);
        report(
            "local-copy",
            bytes,
            time(rounds, || {
                black_box(black_box(&data).to_vec());
            }),
        );
        report(
            "take",
            bytes,
            time(rounds, || {
                black_box(calls::take(black_box(&data)));
            }),
        );
        report(
            "give",
            bytes,
            time(rounds, || {
                black_box(calls::give(bytes as u32));
            }),
        );
        let words = vec![1u64; bytes / 8];
        report(
            "take-words",
            bytes,
            time(rounds, || {
                black_box(calls::take_words(black_box(&words)));
            }),
        );
        report(
            "give-words",
            bytes,
            time(rounds, || {
                black_box(calls::give_words((bytes / 8) as u32));
            }),
        );
        report(
            "echo",
            bytes,
            time(rounds, || {
                black_box(calls::echo(black_box(&data)));
            }),
        );
    }
}

#[inline(never)]
fn local_nothing() {}
