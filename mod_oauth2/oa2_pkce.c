/* Proof Key for Code Exchange, S256 only (RFC 7636 §4.1, §4.2, §4.6). */
#include <string.h>

#include <apr_pools.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "oa2_b64.h"
#include "oa2_pkce.h"

#define PKCE_MIN_LEN 43
#define PKCE_MAX_LEN 128
/* BASE64URL of a 32-byte SHA-256 digest, without padding. */
#define S256_CHALLENGE_LEN 43

/* unreserved = ALPHA / DIGIT / "-" / "." / "_" / "~" (RFC 7636 §4.1) */
static int is_unreserved(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
        || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_'
        || c == '~';
}

int oa2_pkce_valid(const char *s)
{
    apr_size_t n;

    if (!s) {
        return 0;
    }
    for (n = 0; s[n]; n++) {
        if (n >= PKCE_MAX_LEN || !is_unreserved(s[n])) {
            return 0;
        }
    }
    return n >= PKCE_MIN_LEN;
}

int oa2_pkce_verify_s256(const char *verifier, const char *challenge)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    apr_pool_t *tmp;
    const char *computed;
    int ok;

    /* Lengths are public; only the bytes are compared in constant time. */
    if (!oa2_pkce_valid(verifier) || !oa2_pkce_valid(challenge)
        || strlen(challenge) != S256_CHALLENGE_LEN) {
        return 0;
    }
    if (!EVP_Digest(verifier, strlen(verifier), md, &md_len, EVP_sha256(), NULL)
        || md_len != 32) {
        return 0;
    }
    /* The API takes no pool: an unmanaged pool of our own keeps this
     * thread-safe and out of every long-lived pool. */
    if (apr_pool_create_unmanaged_ex(&tmp, NULL, NULL) != APR_SUCCESS) {
        return 0;
    }
    computed = oa2_b64_encode(md, md_len, tmp);
    ok = strlen(computed) == S256_CHALLENGE_LEN
        && !CRYPTO_memcmp(computed, challenge, S256_CHALLENGE_LEN);
    apr_pool_destroy(tmp);
    return ok;
}
