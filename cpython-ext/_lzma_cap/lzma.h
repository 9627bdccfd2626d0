/* liblzma's API as CPython's `_lzma` module uses it, implemented by `_lzma_capmodule.c` over
 * the lzma cap (`pyforge:lzma/lzma`). The names, values and structure layouts are liblzma
 * 5.8's (xz-utils' `lzma.h`); `lzma_stream.internal` holds the cap's stream. */
#ifndef PYFORGE_LZMA_H
#define PYFORGE_LZMA_H

#include <stddef.h>
#include <stdint.h>

typedef unsigned char lzma_bool;
typedef uint64_t lzma_vli;
#define LZMA_VLI_C(n) UINT64_C(n)
#define LZMA_VLI_UNKNOWN UINT64_MAX

typedef enum {
    LZMA_RESERVED_ENUM = 0
} lzma_reserved_enum;

typedef enum {
    LZMA_OK = 0,
    LZMA_STREAM_END = 1,
    LZMA_NO_CHECK = 2,
    LZMA_UNSUPPORTED_CHECK = 3,
    LZMA_GET_CHECK = 4,
    LZMA_MEM_ERROR = 5,
    LZMA_MEMLIMIT_ERROR = 6,
    LZMA_FORMAT_ERROR = 7,
    LZMA_OPTIONS_ERROR = 8,
    LZMA_DATA_ERROR = 9,
    LZMA_BUF_ERROR = 10,
    LZMA_PROG_ERROR = 11,
    LZMA_SEEK_NEEDED = 12
} lzma_ret;

typedef enum {
    LZMA_RUN = 0,
    LZMA_SYNC_FLUSH = 1,
    LZMA_FULL_FLUSH = 2,
    LZMA_FULL_BARRIER = 4,
    LZMA_FINISH = 3
} lzma_action;

typedef enum {
    LZMA_CHECK_NONE = 0,
    LZMA_CHECK_CRC32 = 1,
    LZMA_CHECK_CRC64 = 4,
    LZMA_CHECK_SHA256 = 10
} lzma_check;
#define LZMA_CHECK_ID_MAX 15

#define LZMA_PRESET_DEFAULT UINT32_C(6)
#define LZMA_PRESET_LEVEL_MASK UINT32_C(0x1F)
#define LZMA_PRESET_EXTREME (UINT32_C(1) << 31)

#define LZMA_TELL_NO_CHECK UINT32_C(0x01)
#define LZMA_TELL_UNSUPPORTED_CHECK UINT32_C(0x02)
#define LZMA_TELL_ANY_CHECK UINT32_C(0x04)
#define LZMA_IGNORE_CHECK UINT32_C(0x10)
#define LZMA_CONCATENATED UINT32_C(0x08)

#define LZMA_FILTERS_MAX 4
#define LZMA_FILTER_LZMA1 LZMA_VLI_C(0x4000000000000001)
#define LZMA_FILTER_LZMA2 LZMA_VLI_C(0x21)
#define LZMA_FILTER_DELTA LZMA_VLI_C(0x03)
#define LZMA_FILTER_X86 LZMA_VLI_C(0x04)
#define LZMA_FILTER_POWERPC LZMA_VLI_C(0x05)
#define LZMA_FILTER_IA64 LZMA_VLI_C(0x06)
#define LZMA_FILTER_ARM LZMA_VLI_C(0x07)
#define LZMA_FILTER_ARMTHUMB LZMA_VLI_C(0x08)
#define LZMA_FILTER_SPARC LZMA_VLI_C(0x09)
#define LZMA_FILTER_ARM64 LZMA_VLI_C(0x0A)
#define LZMA_FILTER_RISCV LZMA_VLI_C(0x0B)

typedef struct {
    void *(*alloc)(void *opaque, size_t nmemb, size_t size);
    void (*free)(void *opaque, void *ptr);
    void *opaque;
} lzma_allocator;

typedef struct lzma_internal_s lzma_internal;

typedef struct {
    const uint8_t *next_in;
    size_t avail_in;
    uint64_t total_in;

    uint8_t *next_out;
    size_t avail_out;
    uint64_t total_out;

    /* the caller's allocator: accepted and unused (the library allocates in the cap) */
    const lzma_allocator *allocator;

    lzma_internal *internal;

    void *reserved_ptr1;
    void *reserved_ptr2;
    void *reserved_ptr3;
    void *reserved_ptr4;
    uint64_t seek_pos;
    uint64_t reserved_int2;
    size_t reserved_int3;
    size_t reserved_int4;
    lzma_reserved_enum reserved_enum1;
    lzma_reserved_enum reserved_enum2;
} lzma_stream;

#define LZMA_STREAM_INIT {NULL, 0, 0, NULL, 0, 0, NULL, NULL, NULL, NULL, NULL, NULL, 0, 0, 0, 0, LZMA_RESERVED_ENUM, LZMA_RESERVED_ENUM}

typedef struct {
    lzma_vli id;
    void *options;
} lzma_filter;

typedef enum {
    LZMA_MODE_FAST = 1,
    LZMA_MODE_NORMAL = 2
} lzma_mode;

typedef enum {
    LZMA_MF_HC3 = 0x03,
    LZMA_MF_HC4 = 0x04,
    LZMA_MF_BT2 = 0x12,
    LZMA_MF_BT3 = 0x13,
    LZMA_MF_BT4 = 0x14
} lzma_match_finder;

typedef struct {
    uint32_t dict_size;
    const uint8_t *preset_dict;
    uint32_t preset_dict_size;
    uint32_t lc;
    uint32_t lp;
    uint32_t pb;
    lzma_mode mode;
    uint32_t nice_len;
    lzma_match_finder mf;
    uint32_t depth;
    uint32_t ext_flags;
    uint32_t ext_size_low;
    uint32_t ext_size_high;
    uint32_t reserved_int4;
    uint32_t reserved_int5;
    uint32_t reserved_int6;
    uint32_t reserved_int7;
    uint32_t reserved_int8;
    lzma_reserved_enum reserved_enum1;
    lzma_reserved_enum reserved_enum2;
    lzma_reserved_enum reserved_enum3;
    lzma_reserved_enum reserved_enum4;
    void *reserved_ptr1;
    void *reserved_ptr2;
} lzma_options_lzma;

typedef enum {
    LZMA_DELTA_TYPE_BYTE
} lzma_delta_type;

typedef struct {
    lzma_delta_type type;
    uint32_t dist;
    uint32_t reserved_int1;
    uint32_t reserved_int2;
    uint32_t reserved_int3;
    uint32_t reserved_int4;
    void *reserved_ptr1;
    void *reserved_ptr2;
} lzma_options_delta;

typedef struct {
    uint32_t start_offset;
} lzma_options_bcj;

lzma_ret lzma_code(lzma_stream *strm, lzma_action action);
void lzma_end(lzma_stream *strm);
lzma_check lzma_get_check(const lzma_stream *strm);
lzma_bool lzma_check_is_supported(lzma_check check);

lzma_ret lzma_easy_encoder(lzma_stream *strm, uint32_t preset, lzma_check check);
lzma_ret lzma_stream_encoder(lzma_stream *strm, const lzma_filter *filters, lzma_check check);
lzma_ret lzma_alone_encoder(lzma_stream *strm, const lzma_options_lzma *options);
lzma_ret lzma_raw_encoder(lzma_stream *strm, const lzma_filter *filters);
lzma_ret lzma_auto_decoder(lzma_stream *strm, uint64_t memlimit, uint32_t flags);
lzma_ret lzma_stream_decoder(lzma_stream *strm, uint64_t memlimit, uint32_t flags);
lzma_ret lzma_alone_decoder(lzma_stream *strm, uint64_t memlimit);
lzma_ret lzma_raw_decoder(lzma_stream *strm, const lzma_filter *filters);

lzma_bool lzma_lzma_preset(lzma_options_lzma *options, uint32_t preset);
lzma_ret lzma_properties_size(uint32_t *size, const lzma_filter *filter);
lzma_ret lzma_properties_encode(const lzma_filter *filter, uint8_t *props);
lzma_ret lzma_properties_decode(lzma_filter *filter, const lzma_allocator *allocator, const uint8_t *props,
                                size_t props_size);
const char *lzma_version_string(void);

#endif
