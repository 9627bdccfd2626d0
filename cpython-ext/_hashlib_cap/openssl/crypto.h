/* OpenSSL's <openssl/crypto.h>: declared with the rest of the API _hashopenssl.c uses. */
#include "evp.h"
