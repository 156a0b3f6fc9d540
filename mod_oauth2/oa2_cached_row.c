/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/* Database rows kept in a shared cache with the time they were read. */
#include <string.h>

#include <apr_strings.h>
#include <openssl/crypto.h>

#include "oa2_cached_row.h"
#include "oa2_hash.h"

/* Digits of a read time: up to year 33658, and never an overflow. */
#define READ_AT_MAX_DIGITS 12

const char *oa2_cached_row_encode(apr_size_t *len, const char *const *cols,
                                  int ncols, apr_int64_t now,
                                  const unsigned char *seal, apr_pool_t *p)
{
    const char *read_at = apr_psprintf(p, "%" APR_INT64_T_FMT, now);
    apr_size_t total = strlen(read_at) + 1, n;
    char *rec, *at;
    int i;

    for (i = 0; i < ncols; i++) {
        total += (cols[i] ? strlen(cols[i]) : 0) + 1;
    }
    at = rec = apr_palloc(p, total + OA2_SHA256_LEN);
    n = strlen(read_at) + 1;
    memcpy(at, read_at, n);
    at += n;
    for (i = 0; i < ncols; i++) {
        n = (cols[i] ? strlen(cols[i]) : 0) + 1;
        memcpy(at, cols[i] ? cols[i] : "", n);
        at += n;
    }
    if (seal) {
        if (!oa2_hash_hmac((unsigned char *)at, seal, rec, total)) {
            return NULL;
        }
        total += OA2_SHA256_LEN;
    }
    *len = total;
    return rec;
}

int oa2_cached_row_decode(const char **cols, apr_int64_t *read_at, int ncols,
                          const char *rec, apr_size_t len,
                          const unsigned char *seal)
{
    unsigned char mac[OA2_SHA256_LEN];
    const char *end, *at, *nul;
    apr_int64_t t = 0;
    int i;

    if (seal) {
        if (len < OA2_SHA256_LEN) {
            return 0;
        }
        len -= OA2_SHA256_LEN;
        if (!oa2_hash_hmac(mac, seal, rec, len)
            || CRYPTO_memcmp(mac, rec + len, sizeof(mac))) {
            return 0;
        }
    }
    end = rec + len;
    /* The time: digits only (no sign, no space), few enough to fit. */
    for (at = rec; at < end && *at >= '0' && *at <= '9'; at++) {
        if (at - rec == READ_AT_MAX_DIGITS) {
            return 0;
        }
        t = t * 10 + (*at - '0');
    }
    if (at == rec || at == end || *at) {
        return 0;
    }
    *read_at = t;
    at++;
    for (i = 0; i < ncols; i++) {
        nul = at < end ? memchr(at, '\0', (apr_size_t)(end - at)) : NULL;
        if (!nul) {
            return 0;
        }
        cols[i] = at;
        at = nul + 1;
    }
    return at == end;
}

int oa2_cached_row_fresh(apr_int64_t read_at, apr_int64_t now, int ttl)
{
    /* Written so that nothing can overflow, whatever read_at holds. */
    return ttl > 0 && read_at <= now && read_at > now - ttl;
}
