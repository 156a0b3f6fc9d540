/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/* Proof Key for Code Exchange, S256 only (RFC 7636 §4.1, §4.2, §4.6). */
#include <string.h>

#include <apr.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "oa2_pkce.h"

#define PKCE_MIN_LEN 43
#define PKCE_MAX_LEN 128
/* BASE64URL of a 32-byte SHA-256 digest, without padding. */
#define S256_CHALLENGE_LEN 43
/* Standard base64 of the same digest, with its one '=' of padding. */
#define S256_B64_LEN 44

/* unreserved = ALPHA / DIGIT / "-" / "." / "_" / "~" (RFC 7636 §4.1) */
static int is_unreserved(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
        || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_'
        || c == '~';
}

/* The length of @a s when it is at most @a max characters, each of which
 * @a allowed; 0 otherwise. */
static apr_size_t length_within(const char *s, int (*allowed)(char),
                                apr_size_t max)
{
    apr_size_t n;

    if (!s) {
        return 0;
    }
    for (n = 0; s[n]; n++) {
        if (n >= max || !allowed(s[n])) {
            return 0;
        }
    }
    return n;
}

int oa2_pkce_valid(const char *s)
{
    return length_within(s, is_unreserved, PKCE_MAX_LEN) >= PKCE_MIN_LEN;
}

/* The base64url alphabet (RFC 4648 §5), no padding. */
static int is_base64url(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
        || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

int oa2_pkce_challenge_valid(const char *s)
{
    return length_within(s, is_base64url, S256_CHALLENGE_LEN)
        == S256_CHALLENGE_LEN;
}

int oa2_pkce_verify_s256(const char *verifier, const char *challenge)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    /* EVP_EncodeBlock: standard base64 of 32 bytes, 44 characters (the
     * last one '=') and a NUL. */
    unsigned char computed[S256_B64_LEN + 1];
    int i;

    /* Lengths are public; only the bytes are compared in constant time. */
    if (!oa2_pkce_valid(verifier) || !oa2_pkce_challenge_valid(challenge)) {
        return 0;
    }
    if (!EVP_Digest(verifier, strlen(verifier), md, &md_len, EVP_sha256(), NULL)
        || md_len != 32) {
        return 0;
    }
    /* No pool here (oa2_b64_encode wants one): encode into the stack
     * buffer and turn it into base64url without padding as RFC 7636
     * Appendix A does: "+/" become "-_", the '=' is left out of the
     * compare. The branches see only the digest, which is the public
     * challenge when the verifier is right. */
    if (EVP_EncodeBlock(computed, md, (int)md_len) != S256_B64_LEN) {
        return 0;
    }
    for (i = 0; i < S256_CHALLENGE_LEN; i++) {
        if (computed[i] == '+') {
            computed[i] = '-';
        }
        else if (computed[i] == '/') {
            computed[i] = '_';
        }
    }
    return !CRYPTO_memcmp(computed, challenge, S256_CHALLENGE_LEN);
}
