/* libbzip2's stream API, as CPython's `_bz2` module uses it, over the bz2 cap.
 *
 * CPython's own `Modules/_bz2module.c` (compiled from the kit, see `cpython_sources` in
 * pyforge-pkg.toml) calls the `BZ2_bz*` functions declared by `bzlib.h` in this directory;
 * each step below is one call of `pyforge:bz2/bzlib`, where libbzip2 runs. The caller's
 * buffers stay here: a step lends the cap the input (`next_in`/`avail_in`), asks for at most
 * `avail_out` bytes, copies what came back to `next_out`, and advances the pointers and totals
 * by what the library consumed and produced — the `bz_stream` contract, so CPython's loops
 * (and its `BZ_FINISH` sequence checks, which compare `avail_in` across calls) work unchanged.
 * With `BZ_RUN` and when decompressing, a step lends at most `run_chunk` bytes (see there).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bz2_cap_import.h"
#include "bzlib.h"

/* What `bz_stream.state` points at: the cap's stream and which kind it is. */
typedef struct {
    int compress;
    int32_t handle;
} cap_stream;

static void add_total(unsigned int *lo, unsigned int *hi, uint32_t n) {
    uint64_t t = ((uint64_t)*hi << 32 | *lo) + n;
    *lo = (unsigned int)t;
    *hi = (unsigned int)(t >> 32);
}

static int start(bz_stream *strm, int compress, int32_t handle) {
    cap_stream *s = malloc(sizeof *s);
    if (s == NULL) {
        if (compress) {
            pyforge_bz2_bzlib_compressor_drop_own((pyforge_bz2_bzlib_own_compressor_t){handle});
        } else {
            pyforge_bz2_bzlib_decompressor_drop_own((pyforge_bz2_bzlib_own_decompressor_t){handle});
        }
        return BZ_MEM_ERROR;
    }
    s->compress = compress;
    s->handle = handle;
    strm->state = s;
    strm->total_in_lo32 = strm->total_in_hi32 = 0;
    strm->total_out_lo32 = strm->total_out_hi32 = 0;
    return BZ_OK;
}

/* The cap's stream of `strm` if it is of the wanted kind. */
static cap_stream *stream_of(bz_stream *strm, int compress) {
    if (strm == NULL || strm->state == NULL) {
        return NULL;
    }
    cap_stream *s = strm->state;
    return s->compress == compress ? s : NULL;
}

/* How much input a `BZ_RUN` or decompression step lends the cap. The input crosses by copy,
 * and CPython's loops pass all they have with every call, growing the output in blocks (32 KiB,
 * 64 KiB, …): lending it all each time would copy the unconsumed rest again per block.
 * libbzip2 consumes what it is given, so lending a piece the size of the output room (at least
 * 64 KiB) keeps the re-copied rest under that room — the caller sees `avail_in` left over and
 * calls again, as it would after a full output buffer. `BZ_FLUSH` and `BZ_FINISH` lend
 * everything: libbzip2 requires `avail_in` to stay the same across those calls. */
static unsigned int run_chunk(unsigned int avail_in, unsigned int avail_out) {
    unsigned int chunk = avail_out > 65536 ? avail_out : 65536;
    return avail_in < chunk ? avail_in : chunk;
}

/* One library step (`action` is ignored for decompression). */
static int step(bz_stream *strm, int compress, int action) {
    cap_stream *s = stream_of(strm, compress);
    if (s == NULL) {
        return BZ_PARAM_ERROR;
    }
    unsigned int avail_in = strm->next_in ? strm->avail_in : 0;
    if (!compress || action == BZ_RUN) {
        avail_in = run_chunk(avail_in, strm->avail_out);
    }
    bz2_cap_import_list_u8_t input = {(uint8_t *)strm->next_in, avail_in};
    pyforge_bz2_bzlib_step_t r;
    if (compress) {
        pyforge_bz2_bzlib_method_compressor_compress((pyforge_bz2_bzlib_borrow_compressor_t){s->handle}, &input,
                                                     action, strm->avail_out, &r);
    } else {
        pyforge_bz2_bzlib_method_decompressor_decompress((pyforge_bz2_bzlib_borrow_decompressor_t){s->handle},
                                                         &input, strm->avail_out, &r);
    }
    if (r.consumed > input.len || r.output.len > strm->avail_out) {
        /* a cap that broke the contract: never write past the caller's buffer */
        bz2_cap_import_list_u8_free(&r.output);
        return BZ_SEQUENCE_ERROR;
    }
    if (r.output.len > 0) {
        memcpy(strm->next_out, r.output.ptr, r.output.len);
    }
    strm->next_in += r.consumed;
    strm->avail_in -= r.consumed;
    strm->next_out += r.output.len;
    strm->avail_out -= (unsigned int)r.output.len;
    add_total(&strm->total_in_lo32, &strm->total_in_hi32, r.consumed);
    add_total(&strm->total_out_lo32, &strm->total_out_hi32, (uint32_t)r.output.len);
    bz2_cap_import_list_u8_free(&r.output);
    return r.code;
}

int BZ2_bzCompressInit(bz_stream *strm, int blockSize100k, int verbosity, int workFactor) {
    if (strm == NULL) {
        return BZ_PARAM_ERROR;
    }
    pyforge_bz2_bzlib_own_compressor_t handle;
    int32_t err;
    if (!pyforge_bz2_bzlib_static_compressor_create(blockSize100k, verbosity, workFactor, &handle, &err)) {
        return err;
    }
    return start(strm, 1, handle.__handle);
}

int BZ2_bzCompress(bz_stream *strm, int action) {
    return step(strm, 1, action);
}

int BZ2_bzCompressEnd(bz_stream *strm) {
    cap_stream *s = stream_of(strm, 1);
    if (s == NULL) {
        return BZ_PARAM_ERROR;
    }
    pyforge_bz2_bzlib_compressor_drop_own((pyforge_bz2_bzlib_own_compressor_t){s->handle});
    free(s);
    strm->state = NULL;
    return BZ_OK;
}

int BZ2_bzDecompressInit(bz_stream *strm, int verbosity, int small) {
    if (strm == NULL) {
        return BZ_PARAM_ERROR;
    }
    pyforge_bz2_bzlib_own_decompressor_t handle;
    int32_t err;
    if (!pyforge_bz2_bzlib_static_decompressor_create(verbosity, small, &handle, &err)) {
        return err;
    }
    return start(strm, 0, handle.__handle);
}

int BZ2_bzDecompress(bz_stream *strm) {
    return step(strm, 0, 0);
}

int BZ2_bzDecompressEnd(bz_stream *strm) {
    cap_stream *s = stream_of(strm, 0);
    if (s == NULL) {
        return BZ_PARAM_ERROR;
    }
    pyforge_bz2_bzlib_decompressor_drop_own((pyforge_bz2_bzlib_own_decompressor_t){s->handle});
    free(s);
    strm->state = NULL;
    return BZ_OK;
}

const char *BZ2_bzlibVersion(void) {
    static char *version;
    if (version == NULL) {
        bz2_cap_import_string_t v;
        pyforge_bz2_bzlib_version(&v);
        char *s = malloc(v.len + 1);
        if (s == NULL) {
            bz2_cap_import_string_free(&v);
            return "unknown";
        }
        memcpy(s, v.ptr, v.len);
        s[v.len] = '\0';
        bz2_cap_import_string_free(&v);
        version = s;
    }
    return version;
}
