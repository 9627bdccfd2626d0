/* liblzma's API, as CPython's `_lzma` module uses it, over the lzma cap.
 *
 * CPython's own `Modules/_lzmamodule.c` (compiled from the kit, see `cpython_sources` in
 * pyforge-pkg.toml) calls the `lzma_*` functions declared by `lzma.h` in this directory; each
 * one below is one call of `pyforge:lzma/lzma`, where liblzma runs. The caller's buffers stay
 * here: `lzma_code` lends the cap the input (`next_in`/`avail_in`), asks for at most
 * `avail_out` bytes, copies what came back to `next_out`, and advances the pointers and totals
 * by what liblzma consumed and produced — the `lzma_stream` contract, so CPython's loops (and
 * liblzma's own check that `LZMA_FINISH` calls keep `avail_in`) work unchanged. With
 * `LZMA_RUN`, a step lends at most `run_chunk` bytes (see there). Filter chains
 * cross as records; options liblzma would allocate (`lzma_properties_decode`) are allocated
 * here with `malloc`, as CPython frees them with `free`.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lzma.h"
#include "lzma_cap_import.h"

typedef pyforge_lzma_lzma_filter_t cap_filter;
typedef pyforge_lzma_lzma_lzma_options_t cap_lzma_options;

/* `lzma_stream.internal` points at this: the cap's stream. */
struct lzma_internal_s {
    int32_t handle;
};

static int is_bcj(lzma_vli id) {
    return id == LZMA_FILTER_X86 || id == LZMA_FILTER_POWERPC || id == LZMA_FILTER_IA64 || id == LZMA_FILTER_ARM ||
           id == LZMA_FILTER_ARMTHUMB || id == LZMA_FILTER_SPARC || id == LZMA_FILTER_ARM64 ||
           id == LZMA_FILTER_RISCV;
}

static cap_lzma_options to_cap_lzma(const lzma_options_lzma *o) {
    return (cap_lzma_options){o->dict_size, o->lc, o->lp, o->pb, (uint32_t)o->mode, o->nice_len, (uint32_t)o->mf,
                              o->depth};
}

static void from_cap_lzma(const cap_lzma_options *c, lzma_options_lzma *o) {
    memset(o, 0, sizeof *o);
    o->dict_size = c->dict_size;
    o->lc = c->lc;
    o->lp = c->lp;
    o->pb = c->pb;
    o->mode = (lzma_mode)c->mode;
    o->nice_len = c->nice_len;
    o->mf = (lzma_match_finder)c->mf;
    o->depth = c->depth;
}

/* One filter as the cap's record; options are read by the structure its id takes. */
static cap_filter to_cap_filter(const lzma_filter *f) {
    cap_filter c = {.id = f->id, .options = {.tag = PYFORGE_LZMA_LZMA_FILTER_OPTIONS_NONE}};
    if (f->options == NULL) {
        return c;
    }
    if (f->id == LZMA_FILTER_LZMA1 || f->id == LZMA_FILTER_LZMA2) {
        c.options.tag = PYFORGE_LZMA_LZMA_FILTER_OPTIONS_LZMA;
        c.options.val.lzma = to_cap_lzma(f->options);
    } else if (f->id == LZMA_FILTER_DELTA) {
        const lzma_options_delta *d = f->options;
        c.options.tag = PYFORGE_LZMA_LZMA_FILTER_OPTIONS_DELTA;
        c.options.val.delta = (pyforge_lzma_lzma_delta_options_t){(uint32_t)d->type, d->dist};
    } else if (is_bcj(f->id)) {
        c.options.tag = PYFORGE_LZMA_LZMA_FILTER_OPTIONS_BCJ;
        c.options.val.bcj = ((const lzma_options_bcj *)f->options)->start_offset;
    }
    return c;
}

/* A chain (ended by `LZMA_VLI_UNKNOWN`, at most `LZMA_FILTERS_MAX` long) as the cap's list;
 * a longer chain gets one more entry, which the cap refuses as liblzma does. */
static pyforge_lzma_lzma_list_filter_t to_cap_chain(const lzma_filter *filters, cap_filter *buf) {
    size_t n = 0;
    while (filters != NULL && filters[n].id != LZMA_VLI_UNKNOWN && n <= LZMA_FILTERS_MAX) {
        buf[n] = to_cap_filter(&filters[n]);
        n++;
    }
    return (pyforge_lzma_lzma_list_filter_t){buf, n};
}

/* Makes the cap's new stream (`ok`, `handle`, `err` from a constructor) `strm`'s. */
static lzma_ret start(lzma_stream *strm, int ok, pyforge_lzma_lzma_own_stream_t handle, uint32_t err) {
    if (!ok) {
        return (lzma_ret)err;
    }
    lzma_end(strm); /* liblzma lets a stream be initialized again */
    struct lzma_internal_s *s = malloc(sizeof *s);
    if (s == NULL) {
        pyforge_lzma_lzma_stream_drop_own(handle);
        return LZMA_MEM_ERROR;
    }
    s->handle = handle.__handle;
    strm->internal = s;
    strm->total_in = strm->total_out = 0;
    return LZMA_OK;
}

/* The end of every initializer below: `CALL`, one of the cap's constructors, fills `h` (the
 * new stream) or `err` (liblzma's code), and `start` makes the stream `strm`'s. */
#define INIT_STREAM(strm, CALL)                                                                   \
    do {                                                                                          \
        pyforge_lzma_lzma_own_stream_t h;                                                         \
        uint32_t err;                                                                             \
        int ok = (CALL);                                                                          \
        return start((strm), ok, h, err);                                                         \
    } while (0)

lzma_ret lzma_easy_encoder(lzma_stream *strm, uint32_t preset, lzma_check check) {
    if (strm == NULL) {
        return LZMA_PROG_ERROR;
    }
    INIT_STREAM(strm, pyforge_lzma_lzma_static_stream_easy_encoder(preset, (uint32_t)check, &h, &err));
}

lzma_ret lzma_stream_encoder(lzma_stream *strm, const lzma_filter *filters, lzma_check check) {
    if (strm == NULL || filters == NULL) {
        return LZMA_PROG_ERROR;
    }
    cap_filter buf[LZMA_FILTERS_MAX + 1];
    pyforge_lzma_lzma_list_filter_t chain = to_cap_chain(filters, buf);
    INIT_STREAM(strm, pyforge_lzma_lzma_static_stream_stream_encoder(&chain, (uint32_t)check, &h, &err));
}

lzma_ret lzma_alone_encoder(lzma_stream *strm, const lzma_options_lzma *options) {
    if (strm == NULL || options == NULL) {
        return LZMA_PROG_ERROR;
    }
    cap_lzma_options o = to_cap_lzma(options);
    INIT_STREAM(strm, pyforge_lzma_lzma_static_stream_alone_encoder(&o, &h, &err));
}

lzma_ret lzma_raw_encoder(lzma_stream *strm, const lzma_filter *filters) {
    if (strm == NULL || filters == NULL) {
        return LZMA_PROG_ERROR;
    }
    cap_filter buf[LZMA_FILTERS_MAX + 1];
    pyforge_lzma_lzma_list_filter_t chain = to_cap_chain(filters, buf);
    INIT_STREAM(strm, pyforge_lzma_lzma_static_stream_raw_encoder(&chain, &h, &err));
}

lzma_ret lzma_auto_decoder(lzma_stream *strm, uint64_t memlimit, uint32_t flags) {
    if (strm == NULL) {
        return LZMA_PROG_ERROR;
    }
    INIT_STREAM(strm, pyforge_lzma_lzma_static_stream_auto_decoder(memlimit, flags, &h, &err));
}

lzma_ret lzma_stream_decoder(lzma_stream *strm, uint64_t memlimit, uint32_t flags) {
    if (strm == NULL) {
        return LZMA_PROG_ERROR;
    }
    INIT_STREAM(strm, pyforge_lzma_lzma_static_stream_stream_decoder(memlimit, flags, &h, &err));
}

lzma_ret lzma_alone_decoder(lzma_stream *strm, uint64_t memlimit) {
    if (strm == NULL) {
        return LZMA_PROG_ERROR;
    }
    INIT_STREAM(strm, pyforge_lzma_lzma_static_stream_alone_decoder(memlimit, &h, &err));
}

lzma_ret lzma_raw_decoder(lzma_stream *strm, const lzma_filter *filters) {
    if (strm == NULL || filters == NULL) {
        return LZMA_PROG_ERROR;
    }
    cap_filter buf[LZMA_FILTERS_MAX + 1];
    pyforge_lzma_lzma_list_filter_t chain = to_cap_chain(filters, buf);
    INIT_STREAM(strm, pyforge_lzma_lzma_static_stream_raw_decoder(&chain, &h, &err));
}

/* How much input a `LZMA_RUN` step lends the cap. The input crosses by copy, and CPython's
 * loops pass all they have with every call, growing the output in blocks (32 KiB, 64 KiB, …):
 * lending it all each time would copy the unconsumed rest again per block (8 times for 16 MiB).
 * liblzma consumes what it is given, so lending a piece the size of the output room (at least
 * 64 KiB) keeps the re-copied rest under that room — the caller sees `avail_in` left over and
 * calls again, as it would after a full output buffer. The other actions lend everything:
 * liblzma requires `avail_in` to stay the same across the calls that finish or flush. */
static size_t run_chunk(size_t avail_in, size_t avail_out) {
    size_t chunk = avail_out > 65536 ? avail_out : 65536;
    return avail_in < chunk ? avail_in : chunk;
}

lzma_ret lzma_code(lzma_stream *strm, lzma_action action) {
    if (strm == NULL || strm->internal == NULL || (strm->next_in == NULL && strm->avail_in != 0) ||
        (strm->next_out == NULL && strm->avail_out != 0)) {
        return LZMA_PROG_ERROR;
    }
    size_t avail_out = strm->avail_out > UINT32_MAX ? UINT32_MAX : strm->avail_out;
    size_t lend = action == LZMA_RUN ? run_chunk(strm->avail_in, avail_out) : strm->avail_in;
    lzma_cap_import_list_u8_t input = {(uint8_t *)strm->next_in, lend};
    pyforge_lzma_lzma_step_t r;
    pyforge_lzma_lzma_method_stream_code((pyforge_lzma_lzma_borrow_stream_t){strm->internal->handle}, &input,
                                         (uint32_t)action, (uint32_t)avail_out, &r);
    if (r.consumed > input.len || r.output.len > avail_out) {
        /* a cap that broke the contract: never write past the caller's buffer */
        lzma_cap_import_list_u8_free(&r.output);
        return LZMA_PROG_ERROR;
    }
    if (r.output.len > 0) {
        memcpy(strm->next_out, r.output.ptr, r.output.len);
    }
    if (r.consumed > 0) {
        strm->next_in += r.consumed;
        strm->avail_in -= r.consumed;
    }
    strm->next_out += r.output.len;
    strm->avail_out -= r.output.len;
    strm->total_in += r.consumed;
    strm->total_out += r.output.len;
    lzma_cap_import_list_u8_free(&r.output);
    return (lzma_ret)r.code;
}

void lzma_end(lzma_stream *strm) {
    if (strm == NULL || strm->internal == NULL) {
        return;
    }
    pyforge_lzma_lzma_stream_drop_own((pyforge_lzma_lzma_own_stream_t){strm->internal->handle});
    free(strm->internal);
    strm->internal = NULL;
}

lzma_check lzma_get_check(const lzma_stream *strm) {
    if (strm == NULL || strm->internal == NULL) {
        return LZMA_CHECK_NONE;
    }
    return (lzma_check)pyforge_lzma_lzma_method_stream_get_check(
        (pyforge_lzma_lzma_borrow_stream_t){strm->internal->handle});
}

lzma_bool lzma_check_is_supported(lzma_check check) {
    return pyforge_lzma_lzma_check_is_supported((uint32_t)check);
}

lzma_bool lzma_lzma_preset(lzma_options_lzma *options, uint32_t preset) {
    cap_lzma_options o;
    if (!pyforge_lzma_lzma_lzma_preset(preset, &o)) {
        return 1; /* liblzma: true means the preset is not supported */
    }
    /* like liblzma, only the preset's fields are set (a preset dictionary stays) */
    options->dict_size = o.dict_size;
    options->lc = o.lc;
    options->lp = o.lp;
    options->pb = o.pb;
    options->mode = (lzma_mode)o.mode;
    options->nice_len = o.nice_len;
    options->mf = (lzma_match_finder)o.mf;
    options->depth = o.depth;
    return 0;
}

/* `lzma_properties_size` and `lzma_properties_encode` share one cap call: the size is the
 * length of the encoding. */
static lzma_ret encode_properties(const lzma_filter *filter, lzma_cap_import_list_u8_t *out) {
    if (filter == NULL) {
        return LZMA_PROG_ERROR;
    }
    cap_filter f = to_cap_filter(filter);
    uint32_t err;
    if (!pyforge_lzma_lzma_properties_encode(&f, out, &err)) {
        return (lzma_ret)err;
    }
    return LZMA_OK;
}

lzma_ret lzma_properties_size(uint32_t *size, const lzma_filter *filter) {
    lzma_cap_import_list_u8_t out;
    lzma_ret ret = encode_properties(filter, &out);
    if (ret == LZMA_OK) {
        *size = (uint32_t)out.len;
        lzma_cap_import_list_u8_free(&out);
    }
    return ret;
}

lzma_ret lzma_properties_encode(const lzma_filter *filter, uint8_t *props) {
    lzma_cap_import_list_u8_t out;
    lzma_ret ret = encode_properties(filter, &out);
    if (ret == LZMA_OK) {
        if (out.len > 0) {
            memcpy(props, out.ptr, out.len);
        }
        lzma_cap_import_list_u8_free(&out);
    }
    return ret;
}

lzma_ret lzma_properties_decode(lzma_filter *filter, const lzma_allocator *allocator, const uint8_t *props,
                                size_t props_size) {
    (void)allocator; /* CPython frees the options with free(): they come from malloc */
    if (filter == NULL) {
        return LZMA_PROG_ERROR;
    }
    filter->options = NULL;
    lzma_cap_import_list_u8_t in = {(uint8_t *)props, props_size};
    cap_filter f;
    uint32_t err;
    if (!pyforge_lzma_lzma_properties_decode(filter->id, &in, &f, &err)) {
        return (lzma_ret)err;
    }
    switch (f.options.tag) {
    case PYFORGE_LZMA_LZMA_FILTER_OPTIONS_LZMA: {
        lzma_options_lzma *o = malloc(sizeof *o);
        if (o == NULL) {
            return LZMA_MEM_ERROR;
        }
        from_cap_lzma(&f.options.val.lzma, o);
        filter->options = o;
        break;
    }
    case PYFORGE_LZMA_LZMA_FILTER_OPTIONS_DELTA: {
        lzma_options_delta *o = calloc(1, sizeof *o);
        if (o == NULL) {
            return LZMA_MEM_ERROR;
        }
        o->type = (lzma_delta_type)f.options.val.delta.kind;
        o->dist = f.options.val.delta.dist;
        filter->options = o;
        break;
    }
    case PYFORGE_LZMA_LZMA_FILTER_OPTIONS_BCJ: {
        lzma_options_bcj *o = malloc(sizeof *o);
        if (o == NULL) {
            return LZMA_MEM_ERROR;
        }
        o->start_offset = f.options.val.bcj;
        filter->options = o;
        break;
    }
    default:
        break;
    }
    return LZMA_OK;
}

const char *lzma_version_string(void) {
    static char *version;
    if (version == NULL) {
        lzma_cap_import_string_t v;
        pyforge_lzma_lzma_version(&v);
        char *s = malloc(v.len + 1);
        if (s == NULL) {
            lzma_cap_import_string_free(&v);
            return "unknown";
        }
        memcpy(s, v.ptr, v.len);
        s[v.len] = '\0';
        lzma_cap_import_string_free(&v);
        version = s;
    }
    return version;
}
