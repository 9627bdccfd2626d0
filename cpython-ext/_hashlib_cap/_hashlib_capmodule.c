/* OpenSSL's digest, HMAC and KDF API, as CPython's `_hashlib` module uses it, over the hashlib cap.
 *
 * CPython's own `Modules/_hashopenssl.c` (compiled from the kit, see `cpython_sources` in
 * pyforge-pkg.toml) calls the functions `openssl/evp.h` in this directory declares; here each
 * is one or no call of `pyforge:hashlib/hashes`, where RustCrypto's implementations run.
 *
 * * An `EVP_MD` is an entry of `algorithms` below: OpenSSL's NID and names, the cap's name for
 *   it (Python's) and its sizes. Fetching one asks nothing of the cap.
 * * A digest context reaches the cap on its first use, not in `EVP_DigestInit_ex`: `import
 *   hashlib` probes every constructor (and `import hmac` makes none), so neither calls the cap,
 *   and both may run while a component is pre-initialized, before the caps are composed.
 * * Copies share the cap resource until one is written (see `shared`): the cap's `digest`
 *   leaves the state going on, so `EVP_DigestFinal` and `HMAC_Final` on a copy need no copy.
 * * A failure the cap reports is queued as the one entry of OpenSSL's error queue, so
 *   `_hashopenssl.c` raises its exception with the cap's message.
 */
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hashlib_cap_import.h"
#include "openssl/evp.h"

typedef hashlib_cap_import_string_t cap_string;
typedef hashlib_cap_import_list_u8_t cap_bytes;

struct evp_md_st {
    int nid;
    const char *sn; /* OpenSSL's short name */
    const char *ln; /* OpenSSL's long name */
    const char *cap_name; /* Python's, which the cap takes */
    int size;
    int block_size;
    unsigned long flags;
};

static EVP_MD algorithms[] = {
    {NID_md5, SN_md5, "md5", "md5", 16, 64, 0},
    {NID_sha1, SN_sha1, "sha1", "sha1", 20, 64, 0},
    {NID_sha224, SN_sha224, "sha224", "sha224", 28, 64, 0},
    {NID_sha256, SN_sha256, "sha256", "sha256", 32, 64, 0},
    {NID_sha384, SN_sha384, "sha384", "sha384", 48, 128, 0},
    {NID_sha512, SN_sha512, "sha512", "sha512", 64, 128, 0},
    {NID_sha512_224, SN_sha512_224, "sha512-224", "sha512_224", 28, 128, 0},
    {NID_sha512_256, SN_sha512_256, "sha512-256", "sha512_256", 32, 128, 0},
    {NID_sha3_224, SN_sha3_224, "sha3-224", "sha3_224", 28, 144, 0},
    {NID_sha3_256, SN_sha3_256, "sha3-256", "sha3_256", 32, 136, 0},
    {NID_sha3_384, SN_sha3_384, "sha3-384", "sha3_384", 48, 104, 0},
    {NID_sha3_512, SN_sha3_512, "sha3-512", "sha3_512", 64, 72, 0},
    {NID_shake128, SN_shake128, "shake128", "shake_128", 16, 168, EVP_MD_FLAG_XOF},
    {NID_shake256, SN_shake256, "shake256", "shake_256", 32, 136, EVP_MD_FLAG_XOF},
    {NID_blake2b512, SN_blake2b512, "blake2b512", "blake2b", 64, 128, 0},
    {NID_blake2s256, SN_blake2s256, "blake2s256", "blake2s", 32, 64, 0},
};
#define N_ALGORITHMS (sizeof algorithms / sizeof algorithms[0])

/* ---- the error queue ---------------------------------------------------------------------- */

/* The queued error's code (0: none), and the code and message of the last error queued: a code
 * stays readable after `ERR_clear_error`, which `_hashopenssl.c` calls before it formats the
 * message. Codes count up, so a stale code never reads a newer message. */
static unsigned long err_code;
static unsigned long err_last;
static char err_reason[256];

/* Queues `message` (`len` bytes, not NUL-terminated) as the last error. */
static void set_error(const char *message, size_t len) {
    if (len >= sizeof err_reason) {
        len = sizeof err_reason - 1;
    }
    memcpy(err_reason, message, len);
    err_reason[len] = '\0';
    err_last = err_last == ULONG_MAX ? 1 : err_last + 1;
    err_code = err_last;
}

/* Queues the cap's error string and frees it; returns 0, OpenSSL's failure. */
static int cap_error(cap_string *err) {
    set_error((const char *)err->ptr, err->len);
    hashlib_cap_import_string_free(err);
    return 0;
}

static int fail(const char *message) {
    set_error(message, strlen(message));
    return 0;
}

unsigned long ERR_peek_last_error(void) { return err_code; }

void ERR_clear_error(void) { err_code = 0; }

const char *ERR_lib_error_string(unsigned long e) { return NULL; }

const char *ERR_func_error_string(unsigned long e) { return NULL; }

const char *ERR_reason_error_string(unsigned long e) { return e != 0 && e == err_last ? err_reason : NULL; }

/* ---- algorithms --------------------------------------------------------------------------- */

EVP_MD *EVP_MD_fetch(OSSL_LIB_CTX *libctx, const char *algorithm, const char *properties) {
    for (size_t i = 0; i < N_ALGORITHMS; i++) {
        if (strcasecmp(algorithm, algorithms[i].sn) == 0 || strcasecmp(algorithm, algorithms[i].ln) == 0) {
            return &algorithms[i];
        }
    }
    return NULL;
}

/* The entries are static: nothing to count. */
int EVP_MD_up_ref(EVP_MD *md) { return 1; }

void EVP_MD_free(EVP_MD *md) {}

int EVP_MD_nid(const EVP_MD *md) { return md->nid; }

int EVP_MD_size(const EVP_MD *md) { return md->size; }

int EVP_MD_block_size(const EVP_MD *md) { return md->block_size; }

unsigned long EVP_MD_flags(const EVP_MD *md) { return md->flags; }

void EVP_MD_do_all_provided(OSSL_LIB_CTX *libctx, void (*fn)(EVP_MD *md, void *arg), void *arg) {
    for (size_t i = 0; i < N_ALGORITHMS; i++) {
        fn(&algorithms[i], arg);
    }
}

/* No FIPS provider here. */
int EVP_default_properties_is_fips_enabled(OSSL_LIB_CTX *libctx) { return 0; }

const char *OBJ_nid2ln(int n) {
    for (size_t i = 0; i < N_ALGORITHMS; i++) {
        if (algorithms[i].nid == n) {
            return algorithms[i].ln;
        }
    }
    return NULL;
}

const char *OBJ_nid2sn(int n) {
    for (size_t i = 0; i < N_ALGORITHMS; i++) {
        if (algorithms[i].nid == n) {
            return algorithms[i].sn;
        }
    }
    return NULL;
}

/* The cap's bytes into `out` (which has room for `room`), then freed; the length copied. */
static size_t take_bytes(cap_bytes *bytes, unsigned char *out, size_t room) {
    size_t n = bytes->len < room ? bytes->len : room;
    if (n != 0) {
        memcpy(out, bytes->ptr, n);
    }
    hashlib_cap_import_list_u8_free(bytes);
    return n;
}

static cap_string name_of(const EVP_MD *md) {
    return (cap_string){(uint8_t *)md->cap_name, strlen(md->cap_name)};
}

static cap_bytes lend(const void *data, size_t len) { return (cap_bytes){(uint8_t *)data, len}; }

/* ---- contexts: cap resources shared until written (copy on write) ------------------------- */

/* A cap resource (a `hash` or an `hmac` handle) and how many contexts share it. `_hashopenssl.c`
 * copies a context for every `digest()` and `hexdigest()` — copy, final, free — and the cap's
 * `digest` leaves the state alone, so a copy takes the handle with no cap call, and only a
 * context about to be updated while shared gets its own (the cap's `copy`). */
typedef struct {
    int32_t handle;
    unsigned refs;
} shared;

static shared *shared_new(int32_t handle) {
    shared *s = malloc(sizeof *s);
    if (s != NULL) {
        s->handle = handle;
        s->refs = 1;
    }
    return s;
}

/* Lets go of `*s`; the last holder drops the handle with `drop`. */
static void shared_release(shared **s, void (*drop)(int32_t)) {
    if (*s != NULL && --(*s)->refs == 0) {
        drop((*s)->handle);
        free(*s);
    }
    *s = NULL;
}

/* Makes `*s` this holder's alone before a write: a shared resource is copied by `copy`.
 * 0 (an error queued) when memory runs out. */
static int shared_own(shared **s, int32_t (*copy)(int32_t), void (*drop)(int32_t)) {
    if ((*s)->refs == 1) {
        return 1;
    }
    int32_t handle = copy((*s)->handle);
    shared *mine = shared_new(handle);
    if (mine == NULL) {
        drop(handle);
        return fail("out of memory");
    }
    (*s)->refs--;
    *s = mine;
    return 1;
}

static void hash_drop(int32_t h) { pyforge_hashlib_hashes_hash_drop_own((pyforge_hashlib_hashes_own_hash_t){h}); }

static int32_t hash_copy(int32_t h) {
    return pyforge_hashlib_hashes_method_hash_copy((pyforge_hashlib_hashes_borrow_hash_t){h}).__handle;
}

static void hmac_drop(int32_t h) { pyforge_hashlib_hashes_hmac_drop_own((pyforge_hashlib_hashes_own_hmac_t){h}); }

static int32_t hmac_copy(int32_t h) {
    return pyforge_hashlib_hashes_method_hmac_copy((pyforge_hashlib_hashes_borrow_hmac_t){h}).__handle;
}

/* ---- digests ------------------------------------------------------------------------------ */

struct evp_md_ctx_st {
    const EVP_MD *md;
    shared *hash; /* NULL until first used */
};

EVP_MD_CTX *EVP_MD_CTX_new(void) { return calloc(1, sizeof(EVP_MD_CTX)); }

void EVP_MD_CTX_free(EVP_MD_CTX *ctx) {
    if (ctx != NULL) {
        shared_release(&ctx->hash, hash_drop);
        free(ctx);
    }
}

/* The context's cap resource, created on first use; 0 (an error queued) when the cap refuses. */
static int hash_ready(EVP_MD_CTX *ctx) {
    if (ctx->md == NULL) {
        return fail("digest context not initialized");
    }
    if (ctx->hash == NULL) {
        cap_string name = name_of(ctx->md), err;
        pyforge_hashlib_hashes_own_hash_t h;
        if (!pyforge_hashlib_hashes_static_hash_create(&name, &h, &err)) {
            return cap_error(&err);
        }
        if ((ctx->hash = shared_new(h.__handle)) == NULL) {
            hash_drop(h.__handle);
            return fail("out of memory");
        }
    }
    return 1;
}

static pyforge_hashlib_hashes_borrow_hash_t hash_of(const EVP_MD_CTX *ctx) {
    return (pyforge_hashlib_hashes_borrow_hash_t){ctx->hash->handle};
}

int EVP_DigestInit_ex(EVP_MD_CTX *ctx, const EVP_MD *type, ENGINE *impl) {
    if (type == NULL) {
        return fail("no digest given");
    }
    shared_release(&ctx->hash, hash_drop);
    ctx->md = type;
    return 1;
}

int EVP_DigestUpdate(EVP_MD_CTX *ctx, const void *d, size_t cnt) {
    if (!hash_ready(ctx) || !shared_own(&ctx->hash, hash_copy, hash_drop)) {
        return 0;
    }
    cap_bytes data = lend(d, cnt);
    pyforge_hashlib_hashes_method_hash_update(hash_of(ctx), &data);
    return 1;
}

int EVP_MD_CTX_copy(EVP_MD_CTX *out, const EVP_MD_CTX *in) {
    if (out == in) {
        return 1;
    }
    shared_release(&out->hash, hash_drop);
    out->md = in->md;
    out->hash = in->hash;
    if (out->hash != NULL) {
        out->hash->refs++;
    }
    return 1;
}

const EVP_MD *EVP_MD_CTX_md(const EVP_MD_CTX *ctx) { return ctx->md; }

int EVP_MD_CTX_size(const EVP_MD_CTX *ctx) { return ctx->md == NULL ? -1 : ctx->md->size; }

int EVP_MD_CTX_block_size(const EVP_MD_CTX *ctx) { return ctx->md == NULL ? -1 : ctx->md->block_size; }

int EVP_DigestFinal(EVP_MD_CTX *ctx, unsigned char *md, unsigned int *s) {
    if (!hash_ready(ctx)) {
        return 0;
    }
    cap_bytes digest;
    cap_string err;
    if (!pyforge_hashlib_hashes_method_hash_digest(hash_of(ctx), &digest, &err)) {
        return cap_error(&err);
    }
    size_t n = take_bytes(&digest, md, EVP_MAX_MD_SIZE);
    if (s != NULL) {
        *s = (unsigned int)n;
    }
    return 1;
}

int EVP_DigestFinalXOF(EVP_MD_CTX *ctx, unsigned char *md, size_t len) {
    if (len > UINT32_MAX) {
        return fail("XOF output length too large");
    }
    if (!hash_ready(ctx)) {
        return 0;
    }
    cap_bytes digest;
    cap_string err;
    if (!pyforge_hashlib_hashes_method_hash_digest_xof(hash_of(ctx), (uint32_t)len, &digest, &err)) {
        return cap_error(&err);
    }
    return take_bytes(&digest, md, len) == len ? 1 : fail("the cap returned a short XOF output");
}

/* ---- HMAC --------------------------------------------------------------------------------- */

struct hmac_ctx_st {
    const EVP_MD *md;
    shared *mac; /* NULL until initialized */
};

HMAC_CTX *HMAC_CTX_new(void) { return calloc(1, sizeof(HMAC_CTX)); }

void HMAC_CTX_free(HMAC_CTX *ctx) {
    if (ctx != NULL) {
        shared_release(&ctx->mac, hmac_drop);
        free(ctx);
    }
}

static pyforge_hashlib_hashes_borrow_hmac_t hmac_of(const HMAC_CTX *ctx) {
    return (pyforge_hashlib_hashes_borrow_hmac_t){ctx->mac->handle};
}

/* The key is needed when the resource is made, so HMAC (unlike a digest) starts at once. */
int HMAC_Init_ex(HMAC_CTX *ctx, const void *key, int len, const EVP_MD *md, ENGINE *impl) {
    if (md == NULL || key == NULL || len < 0) {
        return fail("HMAC_Init_ex: a digest and a key are needed");
    }
    shared_release(&ctx->mac, hmac_drop);
    cap_string name = name_of(md), err;
    cap_bytes k = lend(key, (size_t)len);
    pyforge_hashlib_hashes_own_hmac_t h;
    if (!pyforge_hashlib_hashes_static_hmac_create(&name, &k, &h, &err)) {
        return cap_error(&err);
    }
    if ((ctx->mac = shared_new(h.__handle)) == NULL) {
        hmac_drop(h.__handle);
        return fail("out of memory");
    }
    ctx->md = md;
    return 1;
}

int HMAC_Update(HMAC_CTX *ctx, const unsigned char *data, size_t len) {
    if (ctx->mac == NULL) {
        return fail("HMAC context not initialized");
    }
    if (!shared_own(&ctx->mac, hmac_copy, hmac_drop)) {
        return 0;
    }
    cap_bytes d = lend(data, len);
    pyforge_hashlib_hashes_method_hmac_update(hmac_of(ctx), &d);
    return 1;
}

int HMAC_CTX_copy(HMAC_CTX *dctx, HMAC_CTX *sctx) {
    if (dctx == sctx) {
        return 1;
    }
    shared_release(&dctx->mac, hmac_drop);
    dctx->md = sctx->md;
    dctx->mac = sctx->mac;
    if (dctx->mac != NULL) {
        dctx->mac->refs++;
    }
    return 1;
}

const EVP_MD *HMAC_CTX_get_md(const HMAC_CTX *ctx) { return ctx->md; }

int HMAC_Final(HMAC_CTX *ctx, unsigned char *md, unsigned int *len) {
    if (ctx->mac == NULL) {
        return fail("HMAC context not initialized");
    }
    cap_bytes mac;
    pyforge_hashlib_hashes_method_hmac_digest(hmac_of(ctx), &mac);
    size_t n = take_bytes(&mac, md, EVP_MAX_MD_SIZE);
    if (len != NULL) {
        *len = (unsigned int)n;
    }
    return 1;
}

unsigned char *HMAC(const EVP_MD *evp_md, const void *key, int key_len, const unsigned char *data,
                    size_t data_len, unsigned char *md, unsigned int *md_len) {
    static unsigned char own[EVP_MAX_MD_SIZE];
    if (evp_md == NULL || key_len < 0) {
        fail("HMAC: a digest is needed");
        return NULL;
    }
    if (md == NULL) {
        md = own;
    }
    cap_string name = name_of(evp_md), err;
    cap_bytes k = lend(key, (size_t)key_len), msg = lend(data, data_len), mac;
    if (!pyforge_hashlib_hashes_hmac_digest(&name, &k, &msg, &mac, &err)) {
        cap_error(&err);
        return NULL;
    }
    size_t n = take_bytes(&mac, md, EVP_MAX_MD_SIZE);
    if (md_len != NULL) {
        *md_len = (unsigned int)n;
    }
    return md;
}

/* ---- key derivation ----------------------------------------------------------------------- */

int PKCS5_PBKDF2_HMAC(const char *pass, int passlen, const unsigned char *salt, int saltlen, int iter,
                      const EVP_MD *digest, int keylen, unsigned char *out) {
    if (digest == NULL || passlen < 0 || saltlen < 0 || iter < 0 || keylen < 0) {
        return fail("PKCS5_PBKDF2_HMAC: invalid argument");
    }
    cap_string name = name_of(digest), err;
    cap_bytes p = lend(pass, (size_t)passlen), s = lend(salt, (size_t)saltlen), key;
    if (!pyforge_hashlib_hashes_pbkdf2_hmac(&name, &p, &s, (uint32_t)iter, (uint32_t)keylen, &key, &err)) {
        return cap_error(&err);
    }
    return take_bytes(&key, out, (size_t)keylen) == (size_t)keylen ? 1 : fail("the cap returned a short key");
}

/* Like OpenSSL's: with no `key`, only checks the parameters. */
int EVP_PBE_scrypt(const char *pass, size_t passlen, const unsigned char *salt, size_t saltlen,
                   uint64_t N, uint64_t r, uint64_t p, uint64_t maxmem, unsigned char *key, size_t keylen) {
    cap_string err;
    if (key == NULL) {
        return pyforge_hashlib_hashes_scrypt_check(N, r, p, maxmem, &err) ? 1 : cap_error(&err);
    }
    if (keylen > UINT32_MAX) {
        return fail("scrypt: key length too large");
    }
    cap_bytes pw = lend(pass, passlen), s = lend(salt, saltlen), out;
    if (!pyforge_hashlib_hashes_scrypt(&pw, &s, N, r, p, maxmem, (uint32_t)keylen, &out, &err)) {
        return cap_error(&err);
    }
    return take_bytes(&out, key, keylen) == keylen ? 1 : fail("the cap returned a short key");
}

/* ---- constant time ------------------------------------------------------------------------ */

/* Compares without an early exit, so the time does not tell where the first difference is. */
int CRYPTO_memcmp(const void *a, const void *b, size_t len) {
    const volatile unsigned char *x = a, *y = b;
    unsigned char d = 0;
    for (size_t i = 0; i < len; i++) {
        d |= x[i] ^ y[i];
    }
    return d != 0;
}
