/* A raw DEFLATE (RFC 1951) decoder for the embedded stdlib: pyforge's interpreter has no zlib
 * of its own (zlib is a cap, and the stdlib must import before any cap is wired), and the
 * archive needs only one-shot decoding of whole members into a buffer of known size.
 *
 * Written for pyforge after RFC 1951; small and careful rather than fast: a member is a few
 * KiB to a few hundred KiB and is decoded once per import. */
#ifndef PYFORGE_INFLATE_H
#define PYFORGE_INFLATE_H

#include <stddef.h>

/* Decodes the raw DEFLATE stream `src[0..srclen)` into `dst[0..dstlen)`. Returns 0 when the
 * stream ends exactly filling `dst`, -1 for a malformed stream, -2 when it does not fit or
 * ends short. */
int pyforge_inflate(unsigned char *dst, size_t dstlen, const unsigned char *src, size_t srclen);

#endif
