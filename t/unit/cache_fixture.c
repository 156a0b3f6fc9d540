/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/* A record cache in a pool, counted (cache_fixture.h). */
#include <string.h>

#include <apr_strings.h>

#include "cache_fixture.h"

static fixture_cache_entry_t *live(fixture_cache_t *fc,
                                   const unsigned char *key)
{
    fixture_cache_entry_t *e =
        apr_hash_get(fc->entries, key, OA2_RECORD_CACHE_KEY_LEN);

    return e && (!fc->now || e->expiry > fc->now) ? e : NULL;
}

static apr_status_t fixture_get(const char **rec, apr_size_t *len, void *ctx,
                                const unsigned char *key)
{
    fixture_cache_t *fc = ctx;
    fixture_cache_entry_t *e = live(fc, key);

    fc->gets++;
    if (!e) {
        return APR_NOTFOUND;
    }
    fc->hits++;
    *rec = e->rec;
    *len = e->len;
    return APR_SUCCESS;
}

static void store(fixture_cache_t *fc, const unsigned char *key,
                  const char *rec, apr_size_t len, apr_int64_t expiry)
{
    fixture_cache_entry_t *e = apr_palloc(fc->p, sizeof(*e));
    char *copy = apr_palloc(fc->p, len + 1);

    memcpy(copy, rec, len);
    copy[len] = '\0';
    e->rec = copy;
    e->len = len;
    e->expiry = expiry;
    apr_hash_set(fc->entries, apr_pmemdup(fc->p, key, OA2_RECORD_CACHE_KEY_LEN),
                 OA2_RECORD_CACHE_KEY_LEN, e);
}

static void fixture_put(void *ctx, const unsigned char *key, const char *rec,
                        apr_size_t len, apr_int64_t expiry)
{
    fixture_cache_t *fc = ctx;

    fc->puts++;
    fc->last_expiry = expiry;
    store(fc, key, rec, len, expiry);
}

static void fixture_remove(void *ctx, const unsigned char *key)
{
    fixture_cache_t *fc = ctx;

    fc->removes++;
    apr_hash_set(fc->entries, key, OA2_RECORD_CACHE_KEY_LEN, NULL);
}

/* An add is counted as an add, not as a put. */
static int fixture_add(void *ctx, const unsigned char *key, const char *rec,
                       apr_size_t len, apr_int64_t expiry)
{
    fixture_cache_t *fc = ctx;

    fc->adds++;
    if (live(fc, key)) {
        return 0;
    }
    fc->added++;
    fc->last_expiry = expiry;
    store(fc, key, rec, len, expiry);
    return 1;
}

oa2_record_cache_t *fixture_cache(fixture_cache_t **fc_out, apr_pool_t *p)
{
    fixture_cache_t *fc = apr_pcalloc(p, sizeof(*fc));
    oa2_record_cache_t *c = apr_pcalloc(p, sizeof(*c));

    fc->entries = apr_hash_make(p);
    fc->p = p;
    c->get = fixture_get;
    c->put = fixture_put;
    c->remove = fixture_remove;
    c->add = fixture_add;
    c->ctx = fc;
    *fc_out = fc;
    return c;
}
