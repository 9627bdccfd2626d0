//! The streams, ported from the logic of CPython's `Modules/zlibmodule.c` (3.13) onto zlib's
//! C API: one-shot `compress`/`decompress`, `Compress`, `Decompress` and `_ZlibDecompressor`.

#![expect(unsafe_code, reason = "zlib's C API: raw z_stream pointers and buffers")]

use std::cell::RefCell;
use std::ffi::{CStr, c_int};

use libz_rs_sys as z;
use libz_rs_sys::z_stream;

use crate::bindings::exports::pyforge::zlib::deflate::{Error, ErrorKind, Inflated, Streamed};
use crate::plain;

const DEF_BUF_SIZE: usize = 16 * 1024;
const DEF_MAX_INITIAL_BUF_SIZE: usize = 16 * 1024 * 1024;
const DEF_MEM_LEVEL: c_int = 8;

/// `zlib_error`: CPython's message for zlib's `err` after `what`.
fn zerr(zst: &z_stream, err: c_int, what: &str) -> Error {
    let zmsg = if err == z::Z_VERSION_ERROR {
        Some("library version mismatch".to_string())
    } else if !zst.msg.is_null() {
        // SAFETY: zlib sets `msg` to a static NUL-terminated string or leaves it null.
        Some(unsafe { CStr::from_ptr(zst.msg) }.to_string_lossy().into_owned())
    } else {
        match err {
            z::Z_BUF_ERROR => Some("incomplete or truncated stream".into()),
            z::Z_STREAM_ERROR => Some("inconsistent stream state".into()),
            z::Z_DATA_ERROR => Some("invalid input data".into()),
            _ => None,
        }
    };
    let message = match zmsg {
        Some(m) => format!("Error {err} {what}: {}", m.chars().take(200).collect::<String>()),
        None => format!("Error {err} {what}"),
    };
    Error { kind: ErrorKind::Zlib, code: err, message }
}

fn version_ptr() -> *const std::ffi::c_char {
    z::zlibVersion()
}

/// The zlib version string.
pub fn version() -> String {
    // SAFETY: `zlibVersion` returns a static NUL-terminated string.
    unsafe { CStr::from_ptr(version_ptr()) }.to_string_lossy().into_owned()
}

fn deflate_init(zst: &mut z_stream, level: c_int, method: c_int, wbits: c_int, mem: c_int, strategy: c_int) -> c_int {
    let size = size_of::<z_stream>() as c_int;
    // SAFETY: `zst` is a fresh, boxed stream; the version and size describe this library.
    unsafe { z::deflateInit2_(zst, level, method, wbits, mem, strategy, version_ptr(), size) }
}

fn inflate_init(zst: &mut z_stream, wbits: c_int) -> c_int {
    let size = size_of::<z_stream>() as c_int;
    // SAFETY: as above.
    unsafe { z::inflateInit2_(zst, wbits, version_ptr(), size) }
}

/// A growing output buffer that zlib writes into, with an optional size limit.
struct Out {
    buf: Vec<u8>,
    limit: usize,
    next_block: usize,
}

impl Out {
    fn new(first: usize, limit: usize) -> Out {
        Out { buf: Vec::new(), limit, next_block: first.max(1) }
    }

    fn full(&self) -> bool {
        self.buf.len() >= self.limit
    }

    /// Gives zlib the next block of spare capacity.
    fn grow(&mut self, zst: &mut z_stream) {
        let len = self.buf.len();
        let block = self.next_block.min(self.limit - len).min(u32::MAX as usize);
        self.next_block = (self.next_block * 2).min(256 << 20);
        self.buf.reserve_exact(block);
        // SAFETY: `len + block` is within the capacity just reserved.
        zst.next_out = unsafe { self.buf.as_mut_ptr().add(len) };
        zst.avail_out = block as u32;
    }

    /// Takes what zlib wrote into the spare capacity.
    fn sync(&mut self, zst: &z_stream) {
        if zst.next_out.is_null() {
            return;
        }
        // SAFETY: zlib advanced `next_out` within the block given by `grow`, writing every
        // byte before it.
        unsafe {
            let n = zst.next_out.offset_from(self.buf.as_ptr()) as usize;
            if n >= self.buf.len() && n <= self.buf.capacity() {
                self.buf.set_len(n);
            }
        }
    }

    fn finish(self, zst: &mut z_stream) -> Vec<u8> {
        zst.next_out = std::ptr::null_mut();
        zst.avail_out = 0;
        self.buf
    }
}

/// Sets `avail_in` from the remaining length, like CPython's `arrange_input_buffer`.
fn arrange_input(zst: &mut z_stream, remains: &mut usize) {
    let n = (*remains).min(u32::MAX as usize);
    zst.avail_in = n as u32;
    *remains -= n;
}

fn new_stream() -> Box<z_stream> {
    Box::new(z_stream::default())
}

/// `deflateCopy`/`inflateCopy` of `src` into a fresh stream. zlib-rs refuses to copy a stream
/// whose `next_out` is null, and ours is between calls, so it points at a scratch byte (with
/// no room) for the copy.
fn copy_stream(src: &mut z_stream, copy: impl FnOnce(&mut z_stream, &mut z_stream) -> c_int) -> (Box<z_stream>, c_int) {
    let mut dest = new_stream();
    let mut scratch = 0u8;
    src.next_out = &mut scratch;
    src.avail_out = 0;
    let err = copy(&mut dest, src);
    src.next_out = std::ptr::null_mut();
    dest.next_out = std::ptr::null_mut();
    (dest, err)
}

// ---------------------------------------------------------------- one-shot

/// `zlib.compress`.
pub fn compress(data: &[u8], level: i32, wbits: i32) -> Result<Vec<u8>, Error> {
    let mut zst = new_stream();
    let err = deflate_init(&mut zst, level, z::Z_DEFLATED, wbits, DEF_MEM_LEVEL, z::Z_DEFAULT_STRATEGY);
    match err {
        z::Z_OK => {}
        z::Z_MEM_ERROR => return Err(plain(ErrorKind::Memory, "Out of memory while compressing data")),
        z::Z_STREAM_ERROR => {
            return Err(Error { kind: ErrorKind::Zlib, code: err, message: "Bad compression level".into() });
        }
        _ => {
            let e = zerr(&zst, err, "while compressing data");
            // SAFETY: ends the stream initialised above.
            unsafe { z::deflateEnd(&mut *zst) };
            return Err(e);
        }
    }
    let mut out = Out::new(DEF_BUF_SIZE * 2, usize::MAX);
    zst.next_in = data.as_ptr();
    let mut remains = data.len();
    let mut err;
    loop {
        arrange_input(&mut zst, &mut remains);
        let flush = if remains == 0 { z::Z_FINISH } else { z::Z_NO_FLUSH };
        loop {
            if zst.avail_out == 0 {
                out.grow(&mut zst);
            }
            // SAFETY: input and output pointers describe live buffers of the given sizes.
            err = unsafe { z::deflate(&mut *zst, flush) };
            out.sync(&zst);
            if err == z::Z_STREAM_ERROR {
                let e = zerr(&zst, err, "while compressing data");
                unsafe { z::deflateEnd(&mut *zst) };
                return Err(e);
            }
            if zst.avail_out != 0 {
                break;
            }
        }
        if flush == z::Z_FINISH {
            break;
        }
    }
    let out = out.finish(&mut zst);
    // SAFETY: ends the stream.
    let err = unsafe { z::deflateEnd(&mut *zst) };
    if err != z::Z_OK {
        return Err(zerr(&zst, err, "while finishing compression"));
    }
    Ok(out)
}

/// `zlib.decompress`.
pub fn decompress(data: &[u8], wbits: i32, bufsize: u64) -> Result<Vec<u8>, Error> {
    let bufsize = (bufsize as usize).max(1);
    let mut zst = new_stream();
    zst.next_in = data.as_ptr();
    let err = inflate_init(&mut zst, wbits);
    match err {
        z::Z_OK => {}
        z::Z_MEM_ERROR => return Err(plain(ErrorKind::Memory, "Out of memory while decompressing data")),
        _ => {
            let e = zerr(&zst, err, "while preparing to decompress data");
            unsafe { z::inflateEnd(&mut *zst) };
            return Err(e);
        }
    }
    let mut out = Out::new(bufsize, usize::MAX);
    let mut remains = data.len();
    let mut err;
    loop {
        arrange_input(&mut zst, &mut remains);
        let flush = if remains == 0 { z::Z_FINISH } else { z::Z_NO_FLUSH };
        loop {
            if zst.avail_out == 0 {
                out.grow(&mut zst);
            }
            // SAFETY: live buffers.
            err = unsafe { z::inflate(&mut *zst, flush) };
            out.sync(&zst);
            match err {
                z::Z_OK | z::Z_BUF_ERROR | z::Z_STREAM_END => {}
                z::Z_MEM_ERROR => {
                    unsafe { z::inflateEnd(&mut *zst) };
                    return Err(plain(ErrorKind::Memory, "Out of memory while decompressing data"));
                }
                _ => {
                    let e = zerr(&zst, err, "while decompressing data");
                    unsafe { z::inflateEnd(&mut *zst) };
                    return Err(e);
                }
            }
            if zst.avail_out != 0 {
                break;
            }
        }
        if err == z::Z_STREAM_END || remains == 0 {
            break;
        }
    }
    if err != z::Z_STREAM_END {
        let e = zerr(&zst, err, "while decompressing data");
        unsafe { z::inflateEnd(&mut *zst) };
        return Err(e);
    }
    let out = out.finish(&mut zst);
    let err = unsafe { z::inflateEnd(&mut *zst) };
    if err != z::Z_OK {
        return Err(zerr(&zst, err, "while finishing decompression"));
    }
    Ok(out)
}

/// CRC-32 by `crc32fast` (slicing-by-16), not zlib-rs: measured inside wasm
/// (`benches/checksums.sh`), zlib-rs 0.5's braided CRC costs ~850 ns per call whatever the
/// length (895 ns on 64 bytes against crc32fast's 43) and runs at a third of crc32fast's speed
/// on large inputs. The checksum is the same function (the tests compare with CPython's).
pub fn crc32(data: &[u8], value: u32) -> u32 {
    let mut h = crc32fast::Hasher::new_with_initial(value);
    h.update(data);
    h.finalize()
}

/// Adler-32, in chunks.
pub fn adler32(data: &[u8], value: u32) -> u32 {
    let mut adler = value as z::uLong;
    for chunk in data.chunks(1 << 30) {
        // SAFETY: as above.
        adler = unsafe { z::adler32(adler, chunk.as_ptr(), chunk.len() as u32) };
    }
    adler as u32
}

// ---------------------------------------------------------------- Compress

struct DeflateState {
    zst: Box<z_stream>,
    initialised: bool,
}

impl Drop for DeflateState {
    fn drop(&mut self) {
        if self.initialised {
            // SAFETY: ends a stream this state initialised.
            unsafe { z::deflateEnd(&mut *self.zst) };
        }
    }
}

/// `zlib.Compress`.
pub struct Deflater(RefCell<DeflateState>);

impl Deflater {
    pub fn new(
        level: i32,
        method: i32,
        wbits: i32,
        mem_level: i32,
        strategy: i32,
        zdict: Option<&[u8]>,
    ) -> Result<Deflater, Error> {
        let mut zst = new_stream();
        let err = deflate_init(&mut zst, level, method, wbits, mem_level, strategy);
        match err {
            z::Z_OK => {
                let mut state = DeflateState { zst, initialised: true };
                if let Some(dict) = zdict {
                    // SAFETY: `dict` is live for the call; zlib copies it.
                    let err = unsafe { z::deflateSetDictionary(&mut *state.zst, dict.as_ptr(), dict.len() as u32) };
                    match err {
                        z::Z_OK => {}
                        z::Z_STREAM_ERROR => return Err(plain(ErrorKind::Value, "Invalid dictionary")),
                        _ => return Err(plain(ErrorKind::Value, "deflateSetDictionary()")),
                    }
                }
                Ok(Deflater(RefCell::new(state)))
            }
            z::Z_MEM_ERROR => Err(plain(ErrorKind::Memory, "Can't allocate memory for compression object")),
            z::Z_STREAM_ERROR => Err(plain(ErrorKind::Value, "Invalid initialization option")),
            _ => Err(zerr(&zst, err, "while creating compression object")),
        }
    }

    pub fn compress(&self, data: &[u8]) -> Result<Vec<u8>, Error> {
        let mut st = self.0.borrow_mut();
        if !st.initialised {
            return Err(Error {
                kind: ErrorKind::Zlib,
                code: z::Z_STREAM_ERROR,
                message: "Error -2 while compressing data: inconsistent stream state".into(),
            });
        }
        let zst = &mut *st.zst;
        let mut out = Out::new(DEF_BUF_SIZE * 2, usize::MAX);
        zst.next_in = data.as_ptr();
        let mut remains = data.len();
        zst.avail_out = 0;
        loop {
            arrange_input(zst, &mut remains);
            loop {
                if zst.avail_out == 0 {
                    out.grow(zst);
                }
                // SAFETY: live buffers.
                let err = unsafe { z::deflate(zst, z::Z_NO_FLUSH) };
                out.sync(zst);
                if err == z::Z_STREAM_ERROR {
                    let e = zerr(zst, err, "while compressing data");
                    zst.next_in = std::ptr::null();
                    zst.avail_in = 0;
                    out.finish(zst);
                    return Err(e);
                }
                if zst.avail_out != 0 {
                    break;
                }
            }
            if remains == 0 {
                break;
            }
        }
        zst.next_in = std::ptr::null();
        zst.avail_in = 0;
        Ok(out.finish(zst))
    }

    pub fn flush(&self, mode: i32) -> Result<Vec<u8>, Error> {
        if mode == z::Z_NO_FLUSH {
            return Ok(Vec::new());
        }
        let mut st = self.0.borrow_mut();
        if !st.initialised {
            return Err(Error {
                kind: ErrorKind::Zlib,
                code: z::Z_STREAM_ERROR,
                message: "Error -2 while flushing: inconsistent stream state".into(),
            });
        }
        let zst = &mut *st.zst;
        zst.avail_in = 0;
        zst.avail_out = 0;
        let mut out = Out::new(DEF_BUF_SIZE * 2, usize::MAX);
        let mut err;
        loop {
            if zst.avail_out == 0 {
                out.grow(zst);
            }
            // SAFETY: live buffers.
            err = unsafe { z::deflate(zst, mode) };
            out.sync(zst);
            if err == z::Z_STREAM_ERROR {
                let e = zerr(zst, err, "while flushing");
                out.finish(zst);
                return Err(e);
            }
            if zst.avail_out != 0 {
                break;
            }
        }
        let out = out.finish(zst);
        if err == z::Z_STREAM_END && mode == z::Z_FINISH {
            // SAFETY: ends the stream.
            let err = unsafe { z::deflateEnd(zst) };
            st.initialised = false;
            if err != z::Z_OK {
                return Err(zerr(&st.zst, err, "while finishing compression"));
            }
        } else if err != z::Z_OK && err != z::Z_BUF_ERROR {
            return Err(zerr(zst, err, "while flushing"));
        }
        Ok(out)
    }

    pub fn try_clone(&self) -> Result<Deflater, Error> {
        let mut st = self.0.borrow_mut();
        if !st.initialised {
            return Err(plain(ErrorKind::Value, "Inconsistent stream state"));
        }
        // SAFETY: copies an initialised stream into a fresh one.
        let (zst, err) = copy_stream(&mut st.zst, |dest, src| unsafe { z::deflateCopy(dest, src) });
        match err {
            z::Z_OK => Ok(Deflater(RefCell::new(DeflateState { zst, initialised: true }))),
            z::Z_STREAM_ERROR => Err(plain(ErrorKind::Value, "Inconsistent stream state")),
            z::Z_MEM_ERROR => Err(plain(ErrorKind::Memory, "Can't allocate memory for compression object")),
            _ => Err(zerr(&zst, err, "while copying compression object")),
        }
    }
}

// ---------------------------------------------------------------- Decompress

struct InflateState {
    zst: Box<z_stream>,
    initialised: bool,
    zdict: Option<Vec<u8>>,
    eof: bool,
}

impl Drop for InflateState {
    fn drop(&mut self) {
        if self.initialised {
            // SAFETY: ends a stream this state initialised.
            unsafe { z::inflateEnd(&mut *self.zst) };
        }
    }
}

fn set_inflate_zdict(zst: &mut z_stream, dict: &[u8]) -> Result<(), Error> {
    // SAFETY: `dict` is live for the call; zlib copies it.
    let err = unsafe { z::inflateSetDictionary(zst, dict.as_ptr(), dict.len() as u32) };
    if err != z::Z_OK {
        return Err(zerr(zst, err, "while setting zdict"));
    }
    Ok(())
}

fn new_inflate(wbits: i32, zdict: Option<Vec<u8>>, what: &str) -> Result<InflateState, Error> {
    let mut zst = new_stream();
    let err = inflate_init(&mut zst, wbits);
    match err {
        z::Z_OK => {
            let mut state = InflateState { zst, initialised: true, zdict, eof: false };
            if wbits < 0
                && let Some(dict) = &state.zdict
            {
                set_inflate_zdict(&mut state.zst, dict)?;
            }
            Ok(state)
        }
        z::Z_STREAM_ERROR => Err(plain(ErrorKind::Value, "Invalid initialization option")),
        z::Z_MEM_ERROR => Err(plain(ErrorKind::Memory, &format!("Can't allocate memory for {what} object"))),
        _ => Err(zerr(&zst, err, &format!("while creating {what} object"))),
    }
}

/// `zlib.Decompress`.
pub struct Inflater(RefCell<InflateState>);

/// `save_unconsumed_input`: the leftover input after `zst.next_in` within `data`.
fn leftover(zst: &z_stream, data: &[u8]) -> Vec<u8> {
    if zst.next_in.is_null() || data.is_empty() {
        return Vec::new();
    }
    // SAFETY: `next_in` points into `data` (or just past it).
    let used = unsafe { zst.next_in.offset_from(data.as_ptr()) } as usize;
    data.get(used..).map(<[u8]>::to_vec).unwrap_or_default()
}

/// Which Python method an inflate pass serves; they differ only in the flush mode and in what
/// happens when zlib asks for the dictionary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pass {
    /// `Decompress.decompress`: `Z_SYNC_FLUSH`; a dictionary given at creation is set when asked.
    Decompress,
    /// `Decompress.flush`: `Z_FINISH` once the input is all given; a dictionary request ends it.
    Flush,
    /// `_ZlibDecompressor.decompress`: `Z_SYNC_FLUSH`; a dictionary is set when asked.
    Stream,
}

/// One inflate pass over `input`, in the shape of CPython's loops: input is given at most
/// `u32::MAX` bytes at a time, output grows until `out`'s limit, and the pass stops at the end
/// of the stream, on an error, or when the input is used up. Returns zlib's last code and the
/// input left over. (A stream already ended answers `Z_STREAM_ERROR`, as zlib would.)
fn inflate_pass(st: &mut InflateState, input: &[u8], out: &mut Out, pass: Pass) -> Result<(c_int, Vec<u8>), Error> {
    let zst = &mut *st.zst;
    zst.next_in = input.as_ptr();
    let mut remains = input.len();
    zst.avail_out = 0;
    let mut err = z::Z_OK;
    'outer: loop {
        arrange_input(zst, &mut remains);
        let flush = match pass {
            Pass::Flush if remains == 0 => z::Z_FINISH,
            Pass::Flush => z::Z_NO_FLUSH,
            Pass::Decompress | Pass::Stream => z::Z_SYNC_FLUSH,
        };
        loop {
            if zst.avail_out == 0 {
                if out.full() {
                    break 'outer;
                }
                out.grow(zst);
            }
            err = if st.initialised {
                // SAFETY: `next_in`/`avail_in` describe `input`, `next_out`/`avail_out` the block
                // `out.grow` gave.
                unsafe { z::inflate(zst, flush) }
            } else {
                z::Z_STREAM_ERROR
            };
            out.sync(zst);
            match (err, &st.zdict) {
                (z::Z_OK | z::Z_BUF_ERROR | z::Z_STREAM_END, _) => {}
                (z::Z_NEED_DICT, Some(dict)) if pass != Pass::Flush => {
                    if let Err(e) = set_inflate_zdict(zst, dict) {
                        zst.next_out = std::ptr::null_mut();
                        zst.avail_out = 0;
                        return Err(e);
                    }
                }
                _ => break 'outer,
            }
            if !(zst.avail_out == 0 || err == z::Z_NEED_DICT) {
                break;
            }
        }
        if err == z::Z_STREAM_END || remains == 0 {
            break;
        }
    }
    let rest = leftover(zst, input);
    zst.next_in = std::ptr::null();
    zst.avail_in = 0;
    Ok((err, rest))
}

impl Inflater {
    pub fn new(wbits: i32, zdict: Option<Vec<u8>>) -> Result<Inflater, Error> {
        new_inflate(wbits, zdict, "decompression").map(|s| Inflater(RefCell::new(s)))
    }

    pub fn decompress(&self, data: &[u8], max_length: u64) -> Result<Inflated, Error> {
        let mut st = self.0.borrow_mut();
        let st = &mut *st;
        let limit = if max_length == 0 { usize::MAX } else { max_length as usize };
        let mut out = Out::new((DEF_BUF_SIZE * 2).min(limit), limit);
        let (err, rest) = inflate_pass(st, data, &mut out, Pass::Decompress)?;
        // save_unconsumed_input: after the end, leftovers are unused data; before, the tail.
        let (unused, tail) = if err == z::Z_STREAM_END { (rest, Vec::new()) } else { (Vec::new(), rest) };
        let produced = out.finish(&mut st.zst);
        if err == z::Z_STREAM_END {
            st.eof = true;
        } else if err != z::Z_OK && err != z::Z_BUF_ERROR {
            return Err(zerr(&st.zst, err, "while decompressing data"));
        }
        Ok(Inflated { data: produced, unconsumed_tail: tail, unused_data: unused, eof: st.eof })
    }

    pub fn flush(&self, tail: &[u8], length: u64) -> Result<Inflated, Error> {
        let mut st = self.0.borrow_mut();
        let st = &mut *st;
        let mut out = Out::new((length as usize).max(1), usize::MAX);
        let (err, rest) = inflate_pass(st, tail, &mut out, Pass::Flush)?;
        let (unused, new_tail) = if err == z::Z_STREAM_END { (rest, Vec::new()) } else { (Vec::new(), rest) };
        let produced = out.finish(&mut st.zst);
        if err == z::Z_STREAM_END {
            st.eof = true;
            st.initialised = false;
            // SAFETY: ends the stream.
            let err = unsafe { z::inflateEnd(&mut *st.zst) };
            if err != z::Z_OK {
                return Err(zerr(&st.zst, err, "while finishing decompression"));
            }
        }
        Ok(Inflated { data: produced, unconsumed_tail: new_tail, unused_data: unused, eof: st.eof })
    }

    pub fn try_clone(&self) -> Result<Inflater, Error> {
        let mut st = self.0.borrow_mut();
        if !st.initialised {
            return Err(plain(ErrorKind::Value, "Inconsistent stream state"));
        }
        // SAFETY: copies an initialised stream into a fresh one.
        let (zst, err) = copy_stream(&mut st.zst, |dest, src| unsafe { z::inflateCopy(dest, src) });
        match err {
            z::Z_OK => Ok(Inflater(RefCell::new(InflateState {
                zst,
                initialised: true,
                zdict: st.zdict.clone(),
                eof: st.eof,
            }))),
            z::Z_STREAM_ERROR => Err(plain(ErrorKind::Value, "Inconsistent stream state")),
            z::Z_MEM_ERROR => Err(plain(ErrorKind::Memory, "Can't allocate memory for decompression object")),
            _ => Err(zerr(&st.zst, err, "while copying decompression object")),
        }
    }
}

// ---------------------------------------------------------------- _ZlibDecompressor

struct StreamState {
    inflate: InflateState,
    /// Input not consumed yet (kept between calls).
    pending: Vec<u8>,
    needs_input: bool,
}

/// `zlib._ZlibDecompressor`.
pub struct StreamInflater(RefCell<StreamState>);

impl StreamInflater {
    pub fn new(wbits: i32, zdict: Option<Vec<u8>>) -> Result<StreamInflater, Error> {
        let inflate = new_inflate(wbits, zdict, "decompression")?;
        Ok(StreamInflater(RefCell::new(StreamState { inflate, pending: Vec::new(), needs_input: true })))
    }

    pub fn decompress(&self, data: &[u8], max_length: i64) -> Result<Streamed, Error> {
        let mut st = self.0.borrow_mut();
        let st = &mut *st;
        if st.inflate.eof {
            return Err(plain(ErrorKind::Eof, "End of stream already reached"));
        }
        let input: Vec<u8> = if st.pending.is_empty() {
            data.to_vec()
        } else {
            let mut v = std::mem::take(&mut st.pending);
            v.extend_from_slice(data);
            v
        };
        let (limit, first) = if max_length < 0 || max_length == i64::MAX {
            (usize::MAX, DEF_BUF_SIZE)
        } else {
            let m = max_length as usize;
            (m, m.min(DEF_MAX_INITIAL_BUF_SIZE))
        };
        let inf = &mut st.inflate;
        let mut out = Out::new(first, limit);
        let (err, rest) = inflate_pass(inf, &input, &mut out, Pass::Stream)?;
        let produced = out.finish(&mut inf.zst);
        let mut unused = Vec::new();
        if err == z::Z_STREAM_END {
            inf.eof = true;
            inf.initialised = false;
            // SAFETY: ends the stream.
            let e = unsafe { z::inflateEnd(&mut *inf.zst) };
            if e != z::Z_OK {
                return Err(zerr(&inf.zst, e, "while finishing decompression"));
            }
            st.needs_input = false;
            unused = rest;
        } else if err != z::Z_OK && err != z::Z_BUF_ERROR {
            return Err(zerr(&inf.zst, err, "while decompressing data"));
        } else if rest.is_empty() {
            st.needs_input = true;
        } else {
            st.needs_input = false;
            st.pending = rest;
        }
        Ok(Streamed { data: produced, eof: inf.eof, needs_input: st.needs_input, unused_data: unused })
    }
}
