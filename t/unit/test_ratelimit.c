/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/* OAuth2RateLimit on the core: the window, Retry-After, the keys kept
 * apart, off, and client authentication refused before its secret is
 * checked. */
#include <string.h>

#include <apr_base64.h>
#include <apr_strings.h>

#include "cache_fixture.h"
#include "oa2_clientauth.h"
#include "oa2_ratelimit.h"
#include "store_fixture.h"
#include "unit.h"

#define NOW 1800000000

static oa2_ratelimit_t *limiter(fixture_cache_t **fc, int failures, int seconds,
                                apr_pool_t *p)
{
    oa2_ratelimit_t *rl = apr_pcalloc(p, sizeof(*rl));

    rl->cache = fixture_cache(fc, p);
    rl->issuer = "https://as.example";
    rl->ip = "192.0.2.1";
    rl->failures = failures;
    rl->seconds = seconds;
    rl->now = NOW;
    return rl;
}

static void test_window(apr_pool_t *p)
{
    fixture_cache_t *fc;
    oa2_ratelimit_t *rl = limiter(&fc, 3, 60, p);
    oa2_err_t err;
    apr_status_t rv;

    fc->now = NOW;
    UNIT_EQ_INT(oa2_ratelimit_fail(rl, "user", "bob", NOW, p), 0);
    UNIT_EQ_INT(oa2_ratelimit_fail(rl, "user", "bob", NOW + 10, p), 0);
    UNIT_EQ_INT(oa2_ratelimit_check(rl, "user", "bob", NOW + 10, &err, p),
                APR_SUCCESS);
    UNIT_EQ_INT(oa2_ratelimit_fail(rl, "user", "bob", NOW + 20, p), 1);
    rv = oa2_ratelimit_check(rl, "user", "bob", NOW + 20, &err, p);
    UNIT_REFUSED(rv, err, 429, "temporarily_unavailable", "OA2-01780");
    /* the window began at the first failure */
    UNIT_EQ_INT(rl->retry_after, 40);
    /* kept apart: another user, kind, issuer */
    UNIT_EQ_INT(oa2_ratelimit_check(rl, "user", "alice", NOW + 20, &err, p),
                APR_SUCCESS);
    UNIT_EQ_INT(oa2_ratelimit_check(rl, "client", "bob", NOW + 20, &err, p),
                APR_SUCCESS);
    rl->issuer = "https://other.example";
    UNIT_EQ_INT(oa2_ratelimit_check(rl, "user", "bob", NOW + 20, &err, p),
                APR_SUCCESS);
    rl->issuer = "https://as.example";
    /* the cache entry expires with the window */
    UNIT_EQ_INT(fc->last_expiry, NOW + 60);
    UNIT_EQ_INT(oa2_ratelimit_check(rl, "user", "bob", NOW + 60, &err, p),
                APR_SUCCESS);
    /* a new window */
    UNIT_EQ_INT(oa2_ratelimit_fail(rl, "user", "bob", NOW + 61, p), 0);
}

static void test_off(apr_pool_t *p)
{
    fixture_cache_t *fc;
    oa2_ratelimit_t *rl = limiter(&fc, 0, 60, p);
    oa2_err_t err;
    int i;

    for (i = 0; i < 5; i++) {
        oa2_ratelimit_fail(rl, "user", "bob", NOW, p);
    }
    UNIT_EQ_INT(oa2_ratelimit_check(rl, "user", "bob", NOW, &err, p),
                APR_SUCCESS);
    UNIT_EQ_INT(fc->puts, 0);
    /* no cache, no limiter */
    UNIT_EQ_INT(oa2_ratelimit_check(NULL, "user", "bob", NOW, &err, p),
                APR_SUCCESS);
    rl->failures = 1;
    rl->cache = NULL;
    oa2_ratelimit_fail(rl, "user", "bob", NOW, p);
    UNIT_EQ_INT(oa2_ratelimit_check(rl, "user", "bob", NOW, &err, p),
                APR_SUCCESS);
}

static const char *basic(const char *id, const char *secret, apr_pool_t *p)
{
    const char *pair = apr_pstrcat(p, id, ":", secret, NULL);
    char *b64 = apr_palloc(p, apr_base64_encode_len((int)strlen(pair)));
    apr_base64_encode(b64, pair, (int)strlen(pair));
    return apr_pstrcat(p, "Basic ", b64, NULL);
}

static void test_client_auth(apr_pool_t *p)
{
    oa2_store_t *st = fixture_store("https://as.example", p);
    fixture_cache_t *fc;
    oa2_client_t *cl = NULL;
    oa2_backchannel_t in;
    oa2_form_t *form = NULL;
    oa2_err_t err;
    apr_status_t rv;
    int i;

    UNIT_ASSERT(
        st && fixture_client(st, "c1", "s1", "client_credentials", NULL, p));
    oa2_form_parse(&form, "grant_type=client_credentials", 29, NULL, p);
    in = *fixture_bc(form, basic("c1", "wrong", p), p);
    in.ratelimit = limiter(&fc, 2, 60, p);
    for (i = 0; i < 2; i++) {
        rv = oa2_clientauth_authenticate(&cl, st, &in, 1, &err, p);
        UNIT_EQ_INT(err.status, 401);
    }
    /* the right secret is not even looked at now */
    in.authorization = basic("c1", "s1", p);
    rv = oa2_clientauth_authenticate(&cl, st, &in, 1, &err, p);
    UNIT_REFUSED(rv, err, 429, "temporarily_unavailable", "OA2-01780");
    UNIT_EQ_INT(in.ratelimit->retry_after, 60);
    /* from another address: the client_id is limited too */
    in.ratelimit->ip = "192.0.2.2";
    rv = oa2_clientauth_authenticate(&cl, st, &in, 1, &err, p);
    UNIT_REFUSED(rv, err, 429, "temporarily_unavailable", "OA2-01780");
    /* after the window */
    in.ratelimit->now = NOW + 61;
    UNIT_EQ_INT(oa2_clientauth_authenticate(&cl, st, &in, 1, &err, p),
                APR_SUCCESS);
}

void unit_suite_ratelimit(void)
{
    unit_suite("ratelimit");
    UNIT_RUN(test_window);
    UNIT_RUN(test_off);
    UNIT_RUN(test_client_auth);
}
