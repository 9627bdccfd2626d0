/* The part of OpenSSL 3's libcrypto API that CPython's Modules/_hashopenssl.c uses — message
 * digests (EVP), HMAC, PBKDF2, scrypt, the error queue — implemented in _hashlib_capmodule.c
 * over the hashlib cap (pyforge:hashlib/hashes). Names, types and return conventions are
 * OpenSSL's (1 success, 0 failure); NIDs and short names are OpenSSL's values. The other
 * openssl/ headers _hashopenssl.c includes all lead here. */
#ifndef PYFORGE_OPENSSL_EVP_H
#define PYFORGE_OPENSSL_EVP_H

#include <stddef.h>
#include <stdint.h>

/* The 3.0 API: EVP_MD_fetch, EVP_MD_do_all_provided, default properties. */
#define OPENSSL_VERSION_NUMBER 0x30000000L
/* The cap is called from one thread at a time (the module serializes per object). */
#define OPENSSL_THREADS 1

#define NID_undef 0
#define NID_md5 4
#define NID_sha1 64
#define NID_sha224 675
#define NID_sha256 672
#define NID_sha384 673
#define NID_sha512 674
#define NID_sha512_224 1094
#define NID_sha512_256 1095
#define NID_sha3_224 1096
#define NID_sha3_256 1097
#define NID_sha3_384 1098
#define NID_sha3_512 1099
#define NID_shake128 1100
#define NID_shake256 1101
#define NID_blake2b512 1056
#define NID_blake2s256 1057

#define SN_md5 "MD5"
#define SN_sha1 "SHA1"
#define SN_sha224 "SHA224"
#define SN_sha256 "SHA256"
#define SN_sha384 "SHA384"
#define SN_sha512 "SHA512"
#define SN_sha512_224 "SHA512-224"
#define SN_sha512_256 "SHA512-256"
#define SN_sha3_224 "SHA3-224"
#define SN_sha3_256 "SHA3-256"
#define SN_sha3_384 "SHA3-384"
#define SN_sha3_512 "SHA3-512"
#define SN_shake128 "SHAKE128"
#define SN_shake256 "SHAKE256"
#define SN_blake2b512 "BLAKE2b512"
#define SN_blake2s256 "BLAKE2s256"

#define EVP_MAX_MD_SIZE 64
#define EVP_MD_FLAG_XOF 0x2

typedef struct evp_md_st EVP_MD;
typedef struct evp_md_ctx_st EVP_MD_CTX;
typedef struct hmac_ctx_st HMAC_CTX;
typedef struct ossl_lib_ctx_st OSSL_LIB_CTX;
typedef struct engine_st ENGINE;

/* Digests: the algorithm by name (OpenSSL's short or long name, any case), its sizes. */
EVP_MD *EVP_MD_fetch(OSSL_LIB_CTX *libctx, const char *algorithm, const char *properties);
int EVP_MD_up_ref(EVP_MD *md);
void EVP_MD_free(EVP_MD *md);
int EVP_MD_nid(const EVP_MD *md);
int EVP_MD_size(const EVP_MD *md);
int EVP_MD_block_size(const EVP_MD *md);
unsigned long EVP_MD_flags(const EVP_MD *md);
void EVP_MD_do_all_provided(OSSL_LIB_CTX *libctx, void (*fn)(EVP_MD *md, void *arg), void *arg);
int EVP_default_properties_is_fips_enabled(OSSL_LIB_CTX *libctx);

/* A running digest. */
EVP_MD_CTX *EVP_MD_CTX_new(void);
void EVP_MD_CTX_free(EVP_MD_CTX *ctx);
int EVP_MD_CTX_copy(EVP_MD_CTX *out, const EVP_MD_CTX *in);
const EVP_MD *EVP_MD_CTX_md(const EVP_MD_CTX *ctx);
int EVP_MD_CTX_size(const EVP_MD_CTX *ctx);
int EVP_MD_CTX_block_size(const EVP_MD_CTX *ctx);
int EVP_DigestInit_ex(EVP_MD_CTX *ctx, const EVP_MD *type, ENGINE *impl);
int EVP_DigestUpdate(EVP_MD_CTX *ctx, const void *d, size_t cnt);
int EVP_DigestFinal(EVP_MD_CTX *ctx, unsigned char *md, unsigned int *s);
int EVP_DigestFinalXOF(EVP_MD_CTX *ctx, unsigned char *md, size_t len);

/* HMAC. */
HMAC_CTX *HMAC_CTX_new(void);
void HMAC_CTX_free(HMAC_CTX *ctx);
int HMAC_CTX_copy(HMAC_CTX *dctx, HMAC_CTX *sctx);
const EVP_MD *HMAC_CTX_get_md(const HMAC_CTX *ctx);
int HMAC_Init_ex(HMAC_CTX *ctx, const void *key, int len, const EVP_MD *md, ENGINE *impl);
int HMAC_Update(HMAC_CTX *ctx, const unsigned char *data, size_t len);
int HMAC_Final(HMAC_CTX *ctx, unsigned char *md, unsigned int *len);
unsigned char *HMAC(const EVP_MD *evp_md, const void *key, int key_len, const unsigned char *data,
                    size_t data_len, unsigned char *md, unsigned int *md_len);

/* Key derivation. */
int PKCS5_PBKDF2_HMAC(const char *pass, int passlen, const unsigned char *salt, int saltlen, int iter,
                      const EVP_MD *digest, int keylen, unsigned char *out);
int EVP_PBE_scrypt(const char *pass, size_t passlen, const unsigned char *salt, size_t saltlen,
                   uint64_t N, uint64_t r, uint64_t p, uint64_t maxmem, unsigned char *key, size_t keylen);

/* Objects: names of a NID. */
const char *OBJ_nid2ln(int n);
const char *OBJ_nid2sn(int n);

/* The error queue: one entry, the cap's message for the last failure. */
unsigned long ERR_peek_last_error(void);
void ERR_clear_error(void);
const char *ERR_lib_error_string(unsigned long e);
const char *ERR_func_error_string(unsigned long e);
const char *ERR_reason_error_string(unsigned long e);

int CRYPTO_memcmp(const void *a, const void *b, size_t len);

#endif
