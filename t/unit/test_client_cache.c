/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/* Client records reused from a shared cache (OAuth2ClientCacheTTL): the
 * row format of oa2_cached_row.c, and oa2_store_client_get() with a cache
 * that stands in for httpd's socache. */
#include <string.h>

#include <apr_hash.h>
#include <apr_strings.h>
#include <apr_time.h>

#include "oa2_cached_row.h"
#include "oa2_clientauth.h"
#include "oa2_secret.h"
#include "oa2_store.h"
#include "cache_fixture.h"
#include "store_fixture.h"
#include "unit.h"

#define ISS "https://as.example"

static const unsigned char seal[32] = "0123456789abcdef0123456789abcde";

/* A store on a fresh database with a cache of @a ttl seconds. */
static oa2_store_t *cached_store(fixture_cache_t **fc_out, int ttl,
                                 apr_pool_t *p)
{
    oa2_store_t *st = fixture_store(ISS, p);
    fixture_cache_t *fc;
    oa2_record_cache_t *c = fixture_cache(&fc, p);

    c->ttl = ttl;
    c->seal = seal;
    if (st) {
        st->client_cache = c;
    }
    *fc_out = fc;
    return st;
}

/* Replace every cached record by @a rec. */
static void overwrite_all(fixture_cache_t *fc, const char *rec, apr_size_t len)
{
    apr_hash_index_t *hi;

    for (hi = apr_hash_first(fc->p, fc->entries); hi; hi = apr_hash_next(hi)) {
        fixture_cache_entry_t *e = apr_hash_this_val(hi);
        e->rec = rec;
        e->len = len;
    }
}

static void test_row_round_trip(apr_pool_t *p)
{
    const char *cols[] = {"c1", NULL, "", "[\"https://a/cb\"]"}, *out[4];
    apr_int64_t read_at = 0;
    apr_size_t len;
    const char *rec = oa2_cached_row_encode(&len, cols, 4, 1000, NULL, p);

    UNIT_EQ_INT(len, strlen("1000") + 1 + 3 + 1 + 1 + 17);
    UNIT_ASSERT(oa2_cached_row_decode(out, &read_at, 4, rec, len, NULL));
    UNIT_EQ_INT(read_at, 1000);
    UNIT_EQ_STR(out[0], "c1");
    UNIT_EQ_STR(out[1], "");
    UNIT_EQ_STR(out[2], "");
    UNIT_EQ_STR(out[3], "[\"https://a/cb\"]");
}

static void test_row_refused_when_damaged(apr_pool_t *p)
{
    const char *cols[] = {"a", "b"}, *out[3];
    apr_int64_t read_at;
    apr_size_t len;
    const char *rec = oa2_cached_row_encode(&len, cols, 2, 1000, NULL, p);

#define DECODE(r, n, k) oa2_cached_row_decode(out, &read_at, 2, r, n, k)
    UNIT_ASSERT(DECODE(rec, len, NULL));
    UNIT_ASSERT(!oa2_cached_row_decode(out, &read_at, 3, rec, len, NULL));
    UNIT_ASSERT(!oa2_cached_row_decode(out, &read_at, 1, rec, len, NULL));
    UNIT_ASSERT(!DECODE(rec, len - 1, NULL));
    UNIT_ASSERT(!DECODE("garbage", 7, NULL));
    UNIT_ASSERT(!DECODE("x1000\0a\0b", 10, NULL));
    UNIT_ASSERT(!DECODE("", 0, NULL));
    /* times that are not plain digits, or too long to be a time */
    UNIT_ASSERT(!DECODE("-5\0a\0b", 7, NULL));
    UNIT_ASSERT(!DECODE("+5\0a\0b", 7, NULL));
    UNIT_ASSERT(!DECODE(" 5\0a\0b", 7, NULL));
    UNIT_ASSERT(!DECODE("\0a\0b", 5, NULL));
    UNIT_ASSERT(!DECODE("9223372036854775808\0a\0b", 24, NULL));
    UNIT_ASSERT(DECODE("999999999999\0a\0b", 17, NULL));
    UNIT_ASSERT(!DECODE("1000000000000\0a\0b", 18, NULL));
    /* the old "0 CHECKED_AT" revocation verdicts read as damage */
    UNIT_ASSERT(!oa2_cached_row_decode(out, &read_at, 1, "0 1000", 6, NULL));
#undef DECODE
}

static void test_row_seal(apr_pool_t *p)
{
    static const unsigned char other[32] = "another key, of thirty-two byte";
    const char *cols[] = {"svc", "hash"}, *out[2];
    apr_int64_t read_at;
    apr_size_t len, plain_len;
    const char *rec = oa2_cached_row_encode(&len, cols, 2, 1000, seal, p);
    const char *plain =
        oa2_cached_row_encode(&plain_len, cols, 2, 1000, NULL, p);
    char *forged;

    UNIT_EQ_INT(len, plain_len + 32);
    UNIT_ASSERT(oa2_cached_row_decode(out, &read_at, 2, rec, len, seal));
    UNIT_EQ_STR(out[1], "hash");
    /* another issuer's key, no MAC, one byte changed: all refused */
    UNIT_ASSERT(!oa2_cached_row_decode(out, &read_at, 2, rec, len, other));
    UNIT_ASSERT(
        !oa2_cached_row_decode(out, &read_at, 2, plain, plain_len, seal));
    forged = apr_pmemdup(p, rec, len);
    forged[5] ^= 1; /* the first byte of the column "svc" */
    UNIT_ASSERT(!oa2_cached_row_decode(out, &read_at, 2, forged, len, seal));
    UNIT_ASSERT(!oa2_cached_row_decode(out, &read_at, 2, rec, 31, seal));
}

static void test_row_freshness(apr_pool_t *p)
{
    (void)p;
    UNIT_ASSERT(oa2_cached_row_fresh(1000, 1000, 30));
    UNIT_ASSERT(oa2_cached_row_fresh(1000, 1029, 30));
    UNIT_ASSERT(!oa2_cached_row_fresh(1000, 1030, 30));
    UNIT_ASSERT(!oa2_cached_row_fresh(1001, 1000, 30)); /* from the future */
    UNIT_ASSERT(!oa2_cached_row_fresh(1000, 1000, 0));
    UNIT_ASSERT(!oa2_cached_row_fresh(APR_INT64_MIN, 1000, 30));
    UNIT_ASSERT(!oa2_cached_row_fresh(APR_INT64_MAX, 1000, 30));
}

static void test_removed_client_served_within_ttl_only(apr_pool_t *p)
{
    fixture_cache_t *fc;
    oa2_store_t *st = cached_store(&fc, 30, p);
    apr_int64_t now = apr_time_sec(apr_time_now());
    const char *cols[8] = {
        "svc", "h", "n", "[]", "client_credentials", "", "client_secret_basic",
        "1"};
    oa2_client_t *c;
    apr_size_t len;
    const char *old;

    UNIT_ASSERT(st);
    UNIT_ASSERT(fixture_client(st, "svc", "pw", "client_credentials", NULL, p));
    UNIT_EQ_INT(oa2_store_client_get(&c, st, "svc", NULL, p), APR_SUCCESS);
    UNIT_EQ_INT(fc->puts, 1);
    UNIT_ASSERT(fc->last_expiry >= now + 30 && fc->last_expiry <= now + 31);
    UNIT_EQ_INT(oa2_store_client_remove(st, "svc", NULL, p), APR_SUCCESS);
    /* Within the ttl the record answers, without the database. */
    UNIT_EQ_INT(oa2_store_client_get(&c, st, "svc", NULL, p), APR_SUCCESS);
    UNIT_EQ_STR(c->client_id, "svc");
    UNIT_EQ_STR(c->grant_types, "client_credentials");
    UNIT_EQ_INT(fc->hits, 1);
    /* A record read a ttl ago is stale: the database says it is gone. */
    old = oa2_cached_row_encode(&len, cols, 8, now - 30, seal, p);
    overwrite_all(fc, old, len);
    UNIT_EQ_INT(oa2_store_client_get(&c, st, "svc", NULL, p), APR_NOTFOUND);
    /* As is one from the future (another clock), and a damaged one. */
    UNIT_ASSERT(fixture_client(st, "svc", "pw", "client_credentials", NULL, p));
    old = oa2_cached_row_encode(&len, cols, 8, now + 100, seal, p);
    overwrite_all(fc, old, len);
    UNIT_EQ_INT(oa2_store_client_get(&c, st, "svc", NULL, p), APR_SUCCESS);
    UNIT_EQ_STR(c->name, "client svc"); /* the database's, not "n" */
    overwrite_all(fc, "1\0short", 8);
    UNIT_EQ_INT(oa2_store_client_get(&c, st, "svc", NULL, p), APR_SUCCESS);
    UNIT_EQ_STR(c->name, "client svc");
}

static void test_unknown_client_not_cached(apr_pool_t *p)
{
    fixture_cache_t *fc;
    oa2_store_t *st = cached_store(&fc, 30, p);
    oa2_client_t *c;

    UNIT_ASSERT(st);
    UNIT_EQ_INT(oa2_store_client_get(&c, st, "late", NULL, p), APR_NOTFOUND);
    UNIT_EQ_INT(fc->puts, 0);
    UNIT_ASSERT(
        fixture_client(st, "late", "pw", "client_credentials", NULL, p));
    UNIT_EQ_INT(oa2_store_client_get(&c, st, "late", NULL, p), APR_SUCCESS);
}

static void test_add_asks_the_database(apr_pool_t *p)
{
    fixture_cache_t *fc;
    oa2_store_t *st = cached_store(&fc, 30, p);
    oa2_client_t *c;

    UNIT_ASSERT(st);
    UNIT_ASSERT(fixture_client(st, "x", "pw", "client_credentials", NULL, p));
    UNIT_EQ_INT(oa2_store_client_get(&c, st, "x", NULL, p), APR_SUCCESS);
    UNIT_EQ_INT(oa2_store_client_remove(st, "x", NULL, p), APR_SUCCESS);
    /* The cached record of the removed client does not make the id look
     * taken. */
    UNIT_ASSERT(fixture_client(st, "x", "pw2", "client_credentials", NULL, p));
}

static void test_cache_keys_per_issuer(apr_pool_t *p)
{
    fixture_cache_t *fc;
    oa2_store_t *a = cached_store(&fc, 30, p);
    oa2_store_t b;
    oa2_client_t *c;

    UNIT_ASSERT(a);
    UNIT_ASSERT(fixture_client(a, "c1", "s", "client_credentials", NULL, p));
    UNIT_EQ_INT(oa2_store_client_get(&c, a, "c1", NULL, p), APR_SUCCESS);
    b = *a; /* same database and cache, another issuer */
    b.issuer = "https://b.example";
    UNIT_EQ_INT(oa2_store_client_get(&c, &b, "c1", NULL, p), APR_NOTFOUND);
    UNIT_EQ_INT(fc->hits, 0);
}

static void test_ttl_zero_never_caches(apr_pool_t *p)
{
    fixture_cache_t *fc;
    oa2_store_t *st = cached_store(&fc, 0, p);
    oa2_client_t *c;

    UNIT_ASSERT(st);
    UNIT_ASSERT(fixture_client(st, "c1", "s", "client_credentials", NULL, p));
    UNIT_EQ_INT(oa2_store_client_get(&c, st, "c1", NULL, p), APR_SUCCESS);
    UNIT_EQ_INT(fc->gets + fc->puts, 0);
}

/* client_secret_post credentials as the token endpoint would see them
 * (svc is registered for client_secret_post). */
static apr_status_t authenticate(oa2_store_t *st, const char *secret,
                                 apr_pool_t *p)
{
    const char *body =
        apr_pstrcat(p, "client_id=svc&client_secret=", secret, NULL);
    oa2_form_t *form;
    oa2_client_t *cl;
    oa2_err_t err = {0};

    if (oa2_form_parse(&form, body, strlen(body), &err, p) != APR_SUCCESS) {
        return APR_EGENERAL;
    }
    return oa2_clientauth_authenticate(&cl, st, fixture_bc(form, NULL, p), 0,
                                       &err, p);
}

static void test_new_secret_works_at_once(apr_pool_t *p)
{
    fixture_cache_t *fc;
    oa2_store_t *st = cached_store(&fc, 30, p);

    UNIT_ASSERT(st);
    UNIT_ASSERT(fixture_client_method(st, "svc", "old", "client_secret_post",
                                      "client_credentials", NULL, p));
    UNIT_EQ_INT(authenticate(st, "old", p), APR_SUCCESS);
    UNIT_EQ_INT(fc->puts, 1);
    UNIT_EQ_INT(oa2_store_client_set_secret(st, "svc",
                                            oa2_secret_hash("new", p), NULL, p),
                APR_SUCCESS);
    /* The cached record still knows the old secret; a mismatch asks the
     * database, which knows the new one, and refreshes the record. */
    UNIT_EQ_INT(authenticate(st, "new", p), APR_SUCCESS);
    UNIT_EQ_INT(fc->puts, 2);
    UNIT_EQ_INT(authenticate(st, "new", p), APR_SUCCESS);
    UNIT_EQ_INT(fc->puts, 2); /* a hit */
    UNIT_ASSERT(authenticate(st, "old", p) != APR_SUCCESS);
    UNIT_ASSERT(authenticate(st, "wrong", p) != APR_SUCCESS);
}

/* A record someone wrote into the cache without the key, or a real one
 * copied under another client's key, is ignored. */
static void test_forged_or_moved_record_ignored(apr_pool_t *p)
{
    fixture_cache_t *fc;
    oa2_store_t *st = cached_store(&fc, 30, p);
    apr_int64_t now = apr_time_sec(apr_time_now());
    const char *cols[8] = {"svc",
                           "h",
                           "evil",
                           "[]",
                           "client_credentials",
                           "",
                           "client_secret_basic",
                           "1"};
    const char *rec;
    oa2_client_t *c;
    apr_size_t len;

    UNIT_ASSERT(st);
    UNIT_ASSERT(fixture_client(st, "svc", "pw", "client_credentials", NULL, p));
    UNIT_ASSERT(fixture_client(st, "web", "pw", "client_credentials", NULL, p));
    UNIT_EQ_INT(oa2_store_client_get(&c, st, "svc", NULL, p), APR_SUCCESS);
    rec = oa2_cached_row_encode(&len, cols, 8, now, NULL, p);
    overwrite_all(fc, rec, len);
    UNIT_EQ_INT(oa2_store_client_get(&c, st, "svc", NULL, p), APR_SUCCESS);
    UNIT_EQ_STR(c->name, "client svc"); /* the database's */
    /* a genuine sealed record of svc, under web's key */
    rec = oa2_cached_row_encode(&len, cols, 8, now, seal, p);
    UNIT_EQ_INT(oa2_store_client_get(&c, st, "web", NULL, p), APR_SUCCESS);
    overwrite_all(fc, rec, len);
    UNIT_EQ_INT(oa2_store_client_get(&c, st, "web", NULL, p), APR_SUCCESS);
    UNIT_EQ_STR(c->client_id, "web");
    UNIT_EQ_STR(c->name, "client web");
}

static void test_reload_that_finds_nothing_forgets(apr_pool_t *p)
{
    fixture_cache_t *fc;
    oa2_store_t *st = cached_store(&fc, 30, p);
    oa2_client_t *c;

    UNIT_ASSERT(st);
    UNIT_ASSERT(fixture_client_method(st, "svc", "pw", "client_secret_post",
                                      "client_credentials", NULL, p));
    UNIT_EQ_INT(authenticate(st, "pw", p), APR_SUCCESS);
    UNIT_EQ_INT(oa2_store_client_remove(st, "svc", NULL, p), APR_SUCCESS);
    /* A secret the record does not know sends us to the database, which
     * knows no such client: the record goes too. */
    UNIT_ASSERT(authenticate(st, "guess", p) != APR_SUCCESS);
    UNIT_EQ_INT(fc->removes, 1);
    UNIT_EQ_INT(oa2_store_client_get(&c, st, "svc", NULL, p), APR_NOTFOUND);
    UNIT_ASSERT(authenticate(st, "pw", p) != APR_SUCCESS);
}

void unit_suite_client_cache(void)
{
    unit_suite("client_cache");
    UNIT_RUN(test_row_round_trip);
    UNIT_RUN(test_row_refused_when_damaged);
    UNIT_RUN(test_row_freshness);
    UNIT_RUN(test_row_seal);
    UNIT_RUN(test_forged_or_moved_record_ignored);
    UNIT_RUN(test_reload_that_finds_nothing_forgets);
    UNIT_RUN(test_removed_client_served_within_ttl_only);
    UNIT_RUN(test_unknown_client_not_cached);
    UNIT_RUN(test_add_asks_the_database);
    UNIT_RUN(test_cache_keys_per_issuer);
    UNIT_RUN(test_ttl_zero_never_caches);
    UNIT_RUN(test_new_secret_works_at_once);
}
