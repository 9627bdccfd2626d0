/* Raw DEFLATE decoding (RFC 1951): see inflate.h. */
#include "inflate.h"

#define MAXBITS 15
#define MAXLCODES 286
#define MAXDCODES 30
#define FIXLCODES 288

struct state {
    unsigned char *out;
    size_t outlen, outcnt;
    const unsigned char *in;
    size_t inlen, incnt;
    unsigned long bitbuf;
    int bitcnt;
    int err; /* 0 ok, -1 malformed, -2 output overrun or input underrun */
};

/* A canonical Huffman code: the number of codes of each length and the symbols in code
 * order. */
struct huffman {
    short count[MAXBITS + 1];
    short *symbol;
};

static int bits(struct state *s, int need) {
    unsigned long val = s->bitbuf;
    while (s->bitcnt < need) {
        if (s->incnt == s->inlen) {
            s->err = -2;
            return 0;
        }
        val |= (unsigned long)s->in[s->incnt++] << s->bitcnt;
        s->bitcnt += 8;
    }
    s->bitbuf = val >> need;
    s->bitcnt -= need;
    return (int)(val & ((1UL << need) - 1));
}

static int stored(struct state *s) {
    s->bitbuf = 0;
    s->bitcnt = 0;
    if (s->incnt + 4 > s->inlen) {
        return -2;
    }
    unsigned len = s->in[s->incnt] | (s->in[s->incnt + 1] << 8);
    unsigned nlen = s->in[s->incnt + 2] | (s->in[s->incnt + 3] << 8);
    s->incnt += 4;
    if (len != (~nlen & 0xffff)) {
        return -1;
    }
    if (s->incnt + len > s->inlen || s->outcnt + len > s->outlen) {
        return -2;
    }
    for (unsigned i = 0; i < len; i++) {
        s->out[s->outcnt++] = s->in[s->incnt++];
    }
    return 0;
}

static int decode(struct state *s, const struct huffman *h) {
    int code = 0, first = 0, index = 0;
    for (int len = 1; len <= MAXBITS; len++) {
        code |= bits(s, 1);
        if (s->err) {
            return s->err;
        }
        int count = h->count[len];
        if (code - count < first) {
            return h->symbol[index + (code - first)];
        }
        index += count;
        first += count;
        first <<= 1;
        code <<= 1;
    }
    return -1;
}

/* Builds `h` from code lengths; returns 0 for a complete code, > 0 for an incomplete one,
 * < 0 for an over-subscribed one. */
static int construct(struct huffman *h, const short *length, int n) {
    short offs[MAXBITS + 1];
    for (int len = 0; len <= MAXBITS; len++) {
        h->count[len] = 0;
    }
    for (int symbol = 0; symbol < n; symbol++) {
        h->count[length[symbol]]++;
    }
    if (h->count[0] == n) {
        return 0;
    }
    int left = 1;
    for (int len = 1; len <= MAXBITS; len++) {
        left <<= 1;
        left -= h->count[len];
        if (left < 0) {
            return left;
        }
    }
    offs[1] = 0;
    for (int len = 1; len < MAXBITS; len++) {
        offs[len + 1] = offs[len] + h->count[len];
    }
    for (int symbol = 0; symbol < n; symbol++) {
        if (length[symbol] != 0) {
            h->symbol[offs[length[symbol]]++] = (short)symbol;
        }
    }
    return left;
}

static const short lbase[29] = {3,  4,  5,  6,  7,  8,  9,  10, 11,  13,  15,  17,  19,  23, 27,
                                31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258};
static const short lext[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
static const short dbase[30] = {1,   2,   3,   4,   5,   7,    9,    13,   17,   25,   33,   49,   65,    97,    129,
                                193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577};
static const short dext[30] = {0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13};

static int codes(struct state *s, const struct huffman *lencode, const struct huffman *distcode) {
    int symbol;
    do {
        symbol = decode(s, lencode);
        if (symbol < 0) {
            return symbol;
        }
        if (symbol < 256) {
            if (s->outcnt == s->outlen) {
                return -2;
            }
            s->out[s->outcnt++] = (unsigned char)symbol;
        } else if (symbol > 256) {
            symbol -= 257;
            if (symbol >= 29) {
                return -1;
            }
            size_t len = (size_t)lbase[symbol] + (size_t)bits(s, lext[symbol]);
            symbol = decode(s, distcode);
            if (symbol < 0) {
                return symbol;
            }
            if (symbol >= 30) {
                return -1;
            }
            size_t dist = (size_t)dbase[symbol] + (size_t)bits(s, dext[symbol]);
            if (s->err) {
                return s->err;
            }
            if (dist > s->outcnt) {
                return -1;
            }
            if (s->outcnt + len > s->outlen) {
                return -2;
            }
            while (len--) {
                s->out[s->outcnt] = s->out[s->outcnt - dist];
                s->outcnt++;
            }
        }
    } while (symbol != 256);
    return 0;
}

static int fixed(struct state *s) {
    static int built = 0;
    static short lencnt_symbol[FIXLCODES], distsym[MAXDCODES];
    static struct huffman lencode = {{0}, lencnt_symbol}, distcode = {{0}, distsym};
    if (!built) {
        short lengths[FIXLCODES];
        int symbol = 0;
        for (; symbol < 144; symbol++) lengths[symbol] = 8;
        for (; symbol < 256; symbol++) lengths[symbol] = 9;
        for (; symbol < 280; symbol++) lengths[symbol] = 7;
        for (; symbol < FIXLCODES; symbol++) lengths[symbol] = 8;
        construct(&lencode, lengths, FIXLCODES);
        for (symbol = 0; symbol < MAXDCODES; symbol++) lengths[symbol] = 5;
        construct(&distcode, lengths, MAXDCODES);
        built = 1;
    }
    return codes(s, &lencode, &distcode);
}

static int dynamic(struct state *s) {
    static const short order[19] = {16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15};
    short lengths[MAXLCODES + MAXDCODES];
    short lensym[MAXLCODES], distsym[MAXDCODES];
    struct huffman lencode = {{0}, lensym}, distcode = {{0}, distsym};

    int nlen = bits(s, 5) + 257;
    int ndist = bits(s, 5) + 1;
    int ncode = bits(s, 4) + 4;
    if (s->err) {
        return s->err;
    }
    if (nlen > MAXLCODES || ndist > MAXDCODES) {
        return -1;
    }
    int index;
    for (index = 0; index < ncode; index++) lengths[order[index]] = (short)bits(s, 3);
    for (; index < 19; index++) lengths[order[index]] = 0;
    if (s->err) {
        return s->err;
    }
    if (construct(&lencode, lengths, 19) != 0) {
        return -1;
    }
    index = 0;
    while (index < nlen + ndist) {
        int symbol = decode(s, &lencode);
        if (symbol < 0) {
            return symbol;
        }
        if (symbol < 16) {
            lengths[index++] = (short)symbol;
            continue;
        }
        short len = 0;
        int repeat;
        if (symbol == 16) {
            if (index == 0) {
                return -1;
            }
            len = lengths[index - 1];
            repeat = 3 + bits(s, 2);
        } else if (symbol == 17) {
            repeat = 3 + bits(s, 3);
        } else {
            repeat = 11 + bits(s, 7);
        }
        if (s->err) {
            return s->err;
        }
        if (index + repeat > nlen + ndist) {
            return -1;
        }
        while (repeat--) lengths[index++] = len;
    }
    if (lengths[256] == 0) {
        return -1;
    }
    int err = construct(&lencode, lengths, nlen);
    if (err < 0 || (err > 0 && nlen - lencode.count[0] != 1)) {
        return -1;
    }
    err = construct(&distcode, lengths + nlen, ndist);
    if (err < 0 || (err > 0 && ndist - distcode.count[0] != 1)) {
        return -1;
    }
    return codes(s, &lencode, &distcode);
}

int pyforge_inflate(unsigned char *dst, size_t dstlen, const unsigned char *src, size_t srclen) {
    struct state s = {dst, dstlen, 0, src, srclen, 0, 0, 0, 0};
    int last, err;
    do {
        last = bits(&s, 1);
        int type = bits(&s, 2);
        if (s.err) {
            return s.err;
        }
        switch (type) {
        case 0: err = stored(&s); break;
        case 1: err = fixed(&s); break;
        case 2: err = dynamic(&s); break;
        default: err = -1;
        }
        if (err == 0 && s.err) {
            err = s.err;
        }
        if (err != 0) {
            return err;
        }
    } while (!last);
    return s.outcnt == dstlen ? 0 : -2;
}
