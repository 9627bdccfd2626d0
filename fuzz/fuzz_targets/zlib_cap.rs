//! The zlib cap's streams, inside wasm: a compressor with random parameters fed random chunks,
//! flushes and copies, whose output must decompress (random `max_length`, the unconsumed tail
//! carried, `flush` at the end) to exactly the input; the same stream corrupted, through the
//! decompressor, the stream decompressor and one-shot `decompress`; the checksums against a
//! bitwise reference.
#![no_main]

use libfuzzer_sys::arbitrary::{self, Arbitrary};
use pyforge_fuzz::caps::{self, Stop, check, zlib_world::Cap as World};

#[derive(Arbitrary, Debug)]
struct Input {
    level: u8,
    wbits: u8,
    mem_level: u8,
    strategy: u8,
    zdict: Option<Vec<u8>>,
    steps: Vec<Step>,
    /// `max_length` of each decompress call, in turn (0 = unlimited).
    max_lengths: Vec<u16>,
    /// The corruption: at this offset of the compressed stream, these bytes.
    cut: u16,
    garbage: Vec<u8>,
}

#[derive(Arbitrary, Debug)]
enum Step {
    Data(Vec<u8>),
    Repeat(u8, u16),
    Flush(u8),
    Copy,
}

// zlib's wbits in every form CPython accepts (and some it does not).
const WBITS: [i32; 12] = [15, 9, 8, 12, -15, -9, -8, 31, 25, 24, 47, 0];

libfuzzer_sys::fuzz_target!(
    // Compiled before the first input (see sqlite_cap.rs).
    init: {
        caps::zlib();
    },
    |input: Input| {
        let _ = run(&input);
    }
);

fn run(input: &Input) -> Result<(), Stop> {
    let cap = caps::zlib();
    let mut store = cap.store();
    let world = World::instantiate(&mut store, cap.component(), cap.linker()).expect("the zlib cap instantiates");
    let z = world.pyforge_zlib_deflate();

    // The checksums: chained equals whole, and both equal the reference.
    let data: Vec<u8> = input.garbage.clone();
    let (head, tail) = data.split_at(usize::from(input.cut).min(data.len()));
    let whole = check(&mut store, "crc32", |s| z.call_crc32(s, &data, 7))?;
    let first = check(&mut store, "crc32", |s| z.call_crc32(s, head, 7))?;
    assert_eq!(check(&mut store, "crc32", |s| z.call_crc32(s, tail, first))?, whole, "crc32 chained");
    assert_eq!(whole, crc32_reference(&data, 7), "crc32 against the reference");
    let whole = check(&mut store, "adler32", |s| z.call_adler32(s, &data, 1))?;
    assert_eq!(whole, adler32_reference(&data, 1), "adler32 against the reference");

    // A compressed stream of the steps' data.
    let level = i32::from(input.level % 12) - 1; // -1..=10 (10 is invalid)
    let wbits = WBITS[usize::from(input.wbits) % WBITS.len()];
    let mem_level = i32::from(input.mem_level % 11); // 0 and 10 are invalid
    let strategy = i32::from(input.strategy % 6); // 5 is invalid
    let zdict = input.zdict.as_deref().filter(|d| !d.is_empty());
    let comp = z.compressor();
    let Ok(mut c) =
        check(&mut store, "compressor.create", |s| comp.call_create(s, level, 8, wbits, mem_level, strategy, zdict))?
    else {
        return Ok(());
    };
    let mut plain = Vec::new();
    let mut packed = Vec::new();
    for step in &input.steps {
        match step {
            Step::Data(d) => {
                packed.extend(check(&mut store, "compress", |s| comp.call_compress(s, c, d))?.expect("compress"));
                plain.extend_from_slice(d);
            }
            Step::Repeat(byte, count) => {
                let d = vec![*byte; usize::from(*count)];
                packed.extend(check(&mut store, "compress", |s| comp.call_compress(s, c, &d))?.expect("compress"));
                plain.extend(d);
            }
            Step::Flush(mode) => {
                // NO_FLUSH, PARTIAL, SYNC, FULL, BLOCK (FINISH comes last).
                let mode = [0, 1, 2, 3, 5][usize::from(*mode) % 5];
                packed.extend(check(&mut store, "flush", |s| comp.call_flush(s, c, mode))?.expect("flush"));
            }
            Step::Copy => {
                let copy = check(&mut store, "compressor.copy", |s| comp.call_copy(s, c))?.expect("copy");
                c.resource_drop(&mut store).expect("drop the original");
                c = copy;
            }
        }
    }
    packed.extend(check(&mut store, "flush", |s| comp.call_flush(s, c, 4))?.expect("flush(Z_FINISH)"));

    // Decompressed with the widest window of its format, in random `max_length` slices.
    let dwbits = match wbits {
        8..=15 => 15,
        -15..=-8 => -15,
        _ => 31,
    };
    let dec = z.decompressor();
    let d = check(&mut store, "decompressor.create", |s| dec.call_create(s, dwbits, zdict))?.expect("decompressor");
    let mut out = Vec::new();
    let mut pending = packed.clone();
    let mut lengths = input.max_lengths.iter().cycle();
    let mut eof = false;
    for _ in 0..10_000 {
        if pending.is_empty() || eof {
            break;
        }
        let max = u64::from(*lengths.next().unwrap_or(&0));
        let r = check(&mut store, "decompress", |s| dec.call_decompress(s, d, &pending, max))?.expect("decompress");
        assert!(max == 0 || r.data.len() as u64 <= max, "decompress returned more than max_length");
        out.extend(r.data);
        eof = r.eof;
        pending = r.unconsumed_tail;
        if max == 0 {
            assert!(pending.is_empty(), "unconsumed tail with no max_length");
        }
    }
    let r = check(&mut store, "decompressor.flush", |s| dec.call_flush(s, d, &pending, 16384))?.expect("flush");
    out.extend(r.data);
    assert!(out == plain, "round trip: {} bytes in, {} out", plain.len(), out.len());

    // The stream corrupted: any verdict but a trap.
    let mut bad = packed;
    let at = usize::from(input.cut).min(bad.len());
    bad.splice(at..(at + input.garbage.len()).min(bad.len()), input.garbage.iter().copied());
    let max = u64::from(input.max_lengths.first().copied().unwrap_or(0));
    let d = check(&mut store, "decompressor.create", |s| dec.call_create(s, dwbits, zdict))?.expect("decompressor");
    if let Ok(r) = check(&mut store, "decompress", |s| dec.call_decompress(s, d, &bad, max))? {
        let copy = check(&mut store, "decompressor.copy", |s| dec.call_copy(s, d))?;
        let _ = check(&mut store, "decompressor.flush", |s| dec.call_flush(s, d, &r.unconsumed_tail, max))?;
        if let Ok(copy) = copy {
            let _ = check(&mut store, "decompress", |s| dec.call_decompress(s, copy, &input.garbage, 0))?;
        }
    }
    let stream = z.stream_decompressor();
    let s = check(&mut store, "stream.create", |s| stream.call_create(s, dwbits, zdict))?.expect("stream decompressor");
    let max = if max == 0 { -1 } else { max as i64 };
    for piece in bad.chunks(bad.len().max(1).div_ceil(3)) {
        match check(&mut store, "stream.decompress", |st| stream.call_decompress(st, s, piece, max))? {
            Ok(r) => assert!(max < 0 || r.data.len() as i64 <= max, "stream decompress returned more than max_length"),
            Err(_) => break,
        }
    }
    let _ = check(&mut store, "decompress", |s| z.call_decompress(s, &bad, wbits, u64::from(input.cut)))?;
    let _ = check(&mut store, "compress", |s| z.call_compress(s, &input.garbage, level, wbits))?;
    Ok(())
}

fn crc32_reference(data: &[u8], value: u32) -> u32 {
    let mut crc = !value;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

fn adler32_reference(data: &[u8], value: u32) -> u32 {
    let (mut a, mut b) = (value & 0xffff, value >> 16);
    for &x in data {
        a = (a + u32::from(x)) % 65521;
        b = (b + a) % 65521;
    }
    (b << 16) | a
}
