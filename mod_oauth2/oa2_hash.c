/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/* SHA-256, and log tags of secrets: a short SHA-256 prefix, never the
 * secret itself. */
#include <string.h>

#include <apr_strings.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "oa2_hash.h"

/* Fetched on first use and kept for the life of the process (one object,
 * never freed: it is in use until exit). */
static EVP_MD *sha256_md;

static const EVP_MD *sha256(void)
{
    EVP_MD *md = __atomic_load_n(&sha256_md, __ATOMIC_ACQUIRE);
    EVP_MD *none = NULL;

    if (!md) {
        md = EVP_MD_fetch(NULL, "SHA256", NULL);
        /* Another thread may have won the race: keep its object. */
        if (md
            && !__atomic_compare_exchange_n(
                &sha256_md, &none, md, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
            EVP_MD_free(md);
            md = none;
        }
    }
    return md;
}

int oa2_hash_sha256(unsigned char md[OA2_SHA256_LEN], const void *data,
                    apr_size_t len)
{
    const EVP_MD *alg = sha256();
    unsigned int n = 0;

    return alg && EVP_Digest(data, len, md, &n, alg, NULL) == 1
        && n == OA2_SHA256_LEN;
}

int oa2_hash_fields(unsigned char md[OA2_SHA256_LEN], const char *const *fields,
                    apr_size_t n, apr_pool_t *p)
{
    apr_size_t i, total = 0, len;
    char *buf, *at;
    int ok;

    for (i = 0; i < n; i++) {
        total += (fields[i] ? strlen(fields[i]) : 0) + 1;
    }
    at = buf = apr_palloc(p, total);
    for (i = 0; i < n; i++) {
        len = fields[i] ? strlen(fields[i]) : 0;
        memcpy(at, fields[i] ? fields[i] : "", len);
        at[len] = '\0';
        at += len + 1;
    }
    ok = oa2_hash_sha256(md, buf, total);
    /* The fields may hold a bearer token. */
    OPENSSL_cleanse(buf, total);
    return ok;
}

#define SHA256_BLOCK 64

int oa2_hash_hmac(unsigned char md[OA2_SHA256_LEN],
                  const unsigned char key[OA2_SHA256_LEN], const void *data,
                  apr_size_t len)
{
    const EVP_MD *alg = sha256();
    unsigned char pad[SHA256_BLOCK], inner[OA2_SHA256_LEN];
    EVP_MD_CTX *ctx = alg ? EVP_MD_CTX_new() : NULL;
    unsigned int n = 0, m = 0;
    int i, ok;

    /* A key shorter than the block is padded with zeros (RFC 2104 §2). */
    memset(pad, 0x36, sizeof(pad));
    for (i = 0; i < OA2_SHA256_LEN; i++) {
        pad[i] ^= key[i];
    }
    ok = ctx && EVP_DigestInit_ex(ctx, alg, NULL)
        && EVP_DigestUpdate(ctx, pad, sizeof(pad))
        && EVP_DigestUpdate(ctx, data, len)
        && EVP_DigestFinal_ex(ctx, inner, &n);
    for (i = 0; i < SHA256_BLOCK; i++) {
        pad[i] ^= 0x36 ^ 0x5c;
    }
    ok = ok && EVP_DigestInit_ex(ctx, alg, NULL)
        && EVP_DigestUpdate(ctx, pad, sizeof(pad))
        && EVP_DigestUpdate(ctx, inner, sizeof(inner))
        && EVP_DigestFinal_ex(ctx, md, &m);
    EVP_MD_CTX_free(ctx);
    OPENSSL_cleanse(pad, sizeof(pad));
    OPENSSL_cleanse(inner, sizeof(inner));
    return ok && n == OA2_SHA256_LEN && m == OA2_SHA256_LEN;
}

const char *oa2_hash_tag(const char *secret, apr_pool_t *p)
{
    unsigned char md[OA2_SHA256_LEN];

    if (!oa2_hash_sha256(md, secret, strlen(secret))) {
        return "????????";
    }
    return apr_psprintf(p, "%02x%02x%02x%02x", md[0], md[1], md[2], md[3]);
}

const char *oa2_hash_hex(const char *text, apr_pool_t *p)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char md[OA2_SHA256_LEN];
    apr_size_t i;
    char *out;

    if (!oa2_hash_sha256(md, text, strlen(text))) {
        return "";
    }
    out = apr_palloc(p, 2 * OA2_SHA256_LEN + 1);
    for (i = 0; i < OA2_SHA256_LEN; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 0x0f];
    }
    out[2 * OA2_SHA256_LEN] = '\0';
    return out;
}
