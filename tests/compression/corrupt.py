# Bad input for bz2 and lzma: each line says what was raised (`tests/compression.rs` compares
# the output; native python3 over the real libbzip2 and liblzma prints the same lines).
import bz2, lzma
data = b"pyforge " * 4096
bz = bz2.compress(data)
xz = lzma.compress(data)
def attempt(label, f):
    try:
        r = f()
        print(label, "->", "ok", len(r))
    except Exception as e:
        print(label, "->", type(e).__name__ + ":", e)
attempt("bz2 garbage", lambda: bz2.decompress(b"garbage, not bzip2 at all"))
attempt("bz2 corrupt", lambda: bz2.decompress(bz[:20] + bytes(40) + bz[60:]))
attempt("bz2 truncated", lambda: bz2.decompress(bz[: len(bz) // 2]))
d = bz2.BZ2Decompressor()
attempt("bz2 stream truncated", lambda: d.decompress(bz[:-4]))
print("bz2 stream eof", d.eof, "needs_input", d.needs_input)
d = bz2.BZ2Decompressor(); d.decompress(bz)
attempt("bz2 after eof", lambda: d.decompress(b"more"))
attempt("xz garbage", lambda: lzma.decompress(b"garbage, not xz at all"))
attempt("xz corrupt", lambda: lzma.decompress(xz[:30] + bytes(20) + xz[50:]))
attempt("xz truncated", lambda: lzma.decompress(xz[: len(xz) // 2]))
attempt("alone garbage", lambda: lzma.decompress(b"\xff" * 40, format=lzma.FORMAT_ALONE))
attempt("memlimit", lambda: lzma.LZMADecompressor(memlimit=1024).decompress(xz))
attempt("bad filter", lambda: lzma.LZMACompressor(format=lzma.FORMAT_RAW, filters=[{"id": lzma.FILTER_LZMA2, "dict_size": 1}]))
attempt("bad check", lambda: lzma.LZMACompressor(check=lzma.CHECK_ID_MAX))
d = lzma.LZMADecompressor()
attempt("xz stream corrupt", lambda: d.decompress(xz[:30] + bytes(20) + xz[50:]))
print("after errors:", bz2.decompress(bz2.compress(data)) == data, lzma.decompress(lzma.compress(data)) == data)
c = lzma.LZMACompressor(); c.compress(data); c.flush()
attempt("flushed compressor", lambda: c.compress(b"x"))
c = bz2.BZ2Compressor(); c.compress(data); c.flush()
attempt("flushed bz2 compressor", lambda: c.compress(b"x"))
