/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/* OAuth2RateLimit: see oa2_ratelimit.h. */
#include <stdio.h>
#include <string.h>

#include <apr_strings.h>

#include "oa2_hash.h"
#include "oa2_ratelimit.h"

/* A count: failures, and when the window began (its first failure). */
typedef struct window_t {
    int count;
    apr_int64_t start;
} window_t;

static int is_on(const oa2_ratelimit_t *rl, const char *key)
{
    return rl && rl->cache && rl->failures > 0 && rl->seconds > 0 && key
        && *key;
}

/* The cache key: a label no other record of the cache has, the issuer,
 * the kind and the key, each ended by a NUL (oa2_hash_fields). */
static int key_of(unsigned char md[OA2_SHA256_LEN], const oa2_ratelimit_t *rl,
                  const char *kind, const char *key, apr_pool_t *p)
{
    const char *fields[] = {"oauth2-ratelimit", rl->issuer, kind, key};

    return oa2_hash_fields(md, fields, 4, p);
}

/* The window under @a md that is open at @a now; count 0 when none is. */
static window_t read_window(const oa2_ratelimit_t *rl, const unsigned char *md,
                            apr_int64_t now)
{
    window_t w = {0, now};
    const char *rec;
    apr_size_t len;
    long long start = 0;
    int count = 0;

    if (rl->cache->get(&rec, &len, rl->cache->ctx, md) == APR_SUCCESS
        && sscanf(rec, "%d %lld", &count, &start) == 2 && count > 0
        && start <= now && now < start + rl->seconds) {
        w.count = count;
        w.start = start;
    }
    return w;
}

apr_status_t oa2_ratelimit_check(oa2_ratelimit_t *rl, const char *kind,
                                 const char *key, apr_int64_t now,
                                 oa2_err_t *err, apr_pool_t *p)
{
    unsigned char md[OA2_SHA256_LEN];
    window_t w;

    if (!is_on(rl, key) || !key_of(md, rl, kind, key, p)) {
        return APR_SUCCESS;
    }
    w = read_window(rl, md, now);
    if (w.count < rl->failures) {
        return APR_SUCCESS;
    }
    rl->retry_after = (int)(w.start + rl->seconds - now);
    if (rl->retry_after < 1) {
        rl->retry_after = 1;
    }
    oa2_err_set(err, 429, "temporarily_unavailable", "OA2-01780",
                "too many failed attempts: try again later");
    /* kind and the window only: the key may be what an attacker sent */
    return oa2_err_detail(err, p,
                          "%s limit of %d failures in %d s reached; "
                          "retry after %d s",
                          kind, rl->failures, rl->seconds, rl->retry_after);
}

int oa2_ratelimit_fail(const oa2_ratelimit_t *rl, const char *kind,
                       const char *key, apr_int64_t now, apr_pool_t *p)
{
    unsigned char md[OA2_SHA256_LEN];
    const char *rec;
    window_t w;

    if (!is_on(rl, key) || !key_of(md, rl, kind, key, p)) {
        return 0;
    }
    w = read_window(rl, md, now);
    w.count++;
    rec = apr_psprintf(p, "%d %" APR_INT64_T_FMT, w.count, w.start);
    rl->cache->put(rl->cache->ctx, md, rec, strlen(rec), w.start + rl->seconds);
    return w.count == rl->failures;
}
