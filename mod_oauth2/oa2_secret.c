/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/* Random secrets and their stored hashes. */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "oa2_b64.h"
#include "oa2_hash.h"
#include "oa2_secret.h"

apr_status_t oa2_secret_make(const char **secret, int bytes, oa2_err_t *err,
                             apr_pool_t *p)
{
    unsigned char buf[64];

    if (bytes <= 0 || bytes > (int)sizeof(buf) || RAND_bytes(buf, bytes) != 1) {
        return oa2_err_set(err, 500, "server_error", "OA2-00200",
                           "the random number generator failed");
    }
    *secret = oa2_b64_encode(buf, (apr_size_t)bytes, p);
    OPENSSL_cleanse(buf, sizeof(buf));
    return APR_SUCCESS;
}

/*
 * Secrets here carry 256 bits of randomness, so a plain SHA-256 is enough:
 * no dictionary or brute force reaches them, and a slow KDF would only
 * slow the token endpoint.
 */
const char *oa2_secret_hash(const char *secret, apr_pool_t *p)
{
    return oa2_hash_hex(secret, p);
}

int oa2_secret_matches(const char *secret, const char *hash, apr_pool_t *p)
{
    const char *mine = oa2_secret_hash(secret, p);

    return hash && strlen(hash) == strlen(mine) && strlen(mine) == 64
        && CRYPTO_memcmp(mine, hash, 64) == 0;
}
