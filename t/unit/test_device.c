/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/* The device authorization grant (RFC 8628) on the core, over real SQL,
 * with the clock the tests set: the request, the user code's form, the
 * user's answer, the polls (pending, slow_down, denied, expired, another
 * client's), single use, and the tokens through the token endpoint. */
#include <string.h>

#include <apr_base64.h>
#include <apr_strings.h>
#include <jansson.h>

#include "oa2_cleanup.h"
#include "oa2_device.h"
#include "oa2_grant.h"
#include "store_fixture.h"
#include "unit.h"

#define ISS "https://as.example"
#define NOW 1800000000
#define VERIFY ISS "/oauth2/device"

static oa2_form_t *form_of(const char *text, apr_pool_t *p)
{
    oa2_form_t *f = NULL;
    oa2_form_parse(&f, text, strlen(text), NULL, p);
    return f;
}

static oa2_store_t *store_with_clients(apr_pool_t *p)
{
    oa2_store_t *st = fixture_store(ISS, p);

    if (!st
        || !fixture_client(st, "dev", NULL, OA2_DEVICE_GRANT " refresh_token",
                           NULL, p)
        || !fixture_client(st, "dev2", NULL, OA2_DEVICE_GRANT, NULL, p)
        || !fixture_client(st, "web", NULL, "authorization_code",
                           "https://app.example/cb", p)) {
        return NULL;
    }
    return st;
}

/* A device authorization request of public client @a id: its JSON. */
static json_t *start(oa2_store_t *st, oa2_as_t *as, const char *id,
                     const char *body, oa2_err_t *err, apr_status_t *rv,
                     apr_pool_t *p)
{
    const char *json = NULL, *hash = NULL;
    oa2_client_t *cl = NULL;
    json_t *doc;

    *rv = oa2_device_start(
        &json, &cl, &hash, as, st,
        fixture_bc(form_of(apr_pstrcat(p, "client_id=", id, body, NULL), p),
                   NULL, p),
        VERIFY, NOW, err, p);
    if (*rv != APR_SUCCESS) {
        return NULL;
    }
    doc = oa2_cleanup_json(json_loads(json, 0, NULL), p);
    return doc;
}

static const char *field(json_t *doc, const char *name)
{
    return json_string_value(json_object_get(doc, name));
}

static void test_user_code_forms(apr_pool_t *p)
{
    UNIT_EQ_STR(oa2_device_user_code_normalize("BCDF-GHJK", p), "BCDFGHJK");
    UNIT_EQ_STR(oa2_device_user_code_normalize("bcdf ghjk", p), "BCDFGHJK");
    UNIT_EQ_STR(oa2_device_user_code_normalize("bcdfghjk", p), "BCDFGHJK");
    UNIT_ASSERT(!oa2_device_user_code_normalize("BCDF-GHJ", p));
    UNIT_ASSERT(!oa2_device_user_code_normalize("BCDF-GHJKL", p));
    /* vowels and digits are not in the alphabet */
    UNIT_ASSERT(!oa2_device_user_code_normalize("ABCD-GHJK", p));
    UNIT_ASSERT(!oa2_device_user_code_normalize("BCD0-GHJK", p));
    UNIT_ASSERT(!oa2_device_user_code_normalize("", p));
    UNIT_ASSERT(!oa2_device_user_code_normalize(NULL, p));
    UNIT_ASSERT(!oa2_device_user_code_normalize(
        "BCDFGHJKBCDFGHJKBCDFGHJKBCDFGHJKBCDF", p));
    UNIT_EQ_STR(oa2_device_user_code_display("BCDFGHJK", p), "BCDF-GHJK");
}

static void test_start(apr_pool_t *p)
{
    oa2_store_t *st = store_with_clients(p);
    oa2_as_t *as = fixture_as(ISS, p);
    apr_status_t rv;
    oa2_err_t err;
    json_t *doc;
    const char *uc;
    int i;

    UNIT_ASSERT(st && as);
    doc = start(st, as, "dev", "&scope=read", &err, &rv, p);
    UNIT_EQ_INT(rv, APR_SUCCESS);
    UNIT_ASSERT(doc);
    if (!doc) {
        return;
    }
    uc = field(doc, "user_code");
    UNIT_EQ_INT(strlen(uc), 9);
    UNIT_EQ_INT(uc[4], '-');
    for (i = 0; i < 9; i++) {
        UNIT_ASSERT(i == 4 || strchr(OA2_DEVICE_ALPHABET, uc[i]));
    }
    UNIT_EQ_INT(strlen(field(doc, "device_code")), 43);
    UNIT_EQ_STR(field(doc, "verification_uri"), VERIFY);
    UNIT_EQ_STR(field(doc, "verification_uri_complete"),
                apr_pstrcat(p, VERIFY, "?user_code=", uc, NULL));
    UNIT_EQ_INT(json_integer_value(json_object_get(doc, "expires_in")), 600);
    UNIT_EQ_INT(json_integer_value(json_object_get(doc, "interval")), 5);

    start(st, as, "web", "&scope=read", &err, &rv, p);
    UNIT_REFUSED(rv, err, 400, "unauthorized_client", "OA2-01701");
    start(st, as, "dev", "&scope=nope", &err, &rv, p);
    UNIT_REFUSED(rv, err, 400, "invalid_scope", "OA2-00231");
    start(st, as, "dev", "&scope=read&scope=read", &err, &rv, p);
    UNIT_REFUSED(rv, err, 400, "invalid_request", "OA2-01702");
    start(st, as, "nobody", "&scope=read", &err, &rv, p);
    UNIT_EQ_INT(err.status, 401);
}

/* Poll as @a id with @a device_code at @a now; the token endpoint's
 * answer through oa2_grant_token(). */
static apr_status_t poll_at(const char **json, oa2_store_t *st, oa2_as_t *as,
                            const char *id, const char *device_code,
                            apr_int64_t now, oa2_err_t *err, apr_pool_t *p)
{
    return oa2_grant_token(
        json, as, st,
        fixture_bc(form_of(apr_pstrcat(p, "grant_type=", OA2_DEVICE_GRANT,
                                       "&client_id=", id,
                                       "&device_code=", device_code, NULL),
                           p),
                   NULL, p),
        now, err, p);
}

static void test_flow(apr_pool_t *p)
{
    oa2_store_t *st = store_with_clients(p);
    oa2_as_t *as = fixture_as(ISS, p);
    const char *json = NULL, *dc;
    oa2_device_t *dev = NULL;
    apr_status_t rv;
    oa2_err_t err;
    json_t *doc;

    UNIT_ASSERT(st && as);
    doc = start(st, as, "dev", "&scope=read", &err, &rv, p);
    UNIT_ASSERT(doc);
    if (!doc) {
        return;
    }
    dc = field(doc, "device_code");
    rv = poll_at(&json, st, as, "dev", dc, NOW, &err, p);
    UNIT_REFUSED(rv, err, 400, "authorization_pending", "OA2-01717");
    /* 2 s later: too fast, the interval grows to 10 s; 7 s after that,
     * too fast again: 15 s */
    rv = poll_at(&json, st, as, "dev", dc, NOW + 2, &err, p);
    UNIT_REFUSED(rv, err, 400, "slow_down", "OA2-01715");
    rv = poll_at(&json, st, as, "dev", dc, NOW + 9, &err, p);
    UNIT_REFUSED(rv, err, 400, "slow_down", "OA2-01715");
    rv = poll_at(&json, st, as, "dev", dc, NOW + 24, &err, p);
    UNIT_REFUSED(rv, err, 400, "authorization_pending", "OA2-01717");
    /* another client's poll */
    rv = poll_at(&json, st, as, "dev2", dc, NOW + 60, &err, p);
    UNIT_REFUSED(rv, err, 400, "invalid_grant", "OA2-01712");
    rv = poll_at(&json, st, as, "dev", "nope", NOW + 60, &err, p);
    UNIT_REFUSED(rv, err, 400, "invalid_grant", "OA2-01711");

    /* the user: typed in lower case, without the dash */
    rv = oa2_device_find(&dev, st, "zzzz-zzzz", NOW + 30, &err, p);
    UNIT_REFUSED(rv, err, 400, "invalid_request", "OA2-01721");
    UNIT_ASSERT(oa2_device_is_guess(&err));
    rv = oa2_device_find(&dev, st, "AEIO-UAEI", NOW + 30, &err, p);
    UNIT_REFUSED(rv, err, 400, "invalid_request", "OA2-01720");
    UNIT_ASSERT(oa2_device_is_guess(&err));
    rv = oa2_device_find(
        &dev, st,
        apr_pstrcat(p, apr_pstrndup(p, field(doc, "user_code"), 4),
                    field(doc, "user_code") + 5, NULL),
        NOW + 30, &err, p);
    UNIT_EQ_INT(rv, APR_SUCCESS);
    if (rv != APR_SUCCESS) {
        return;
    }
    UNIT_EQ_STR(dev->client_id, "dev");
    UNIT_EQ_STR(dev->scope, "read");
    UNIT_EQ_INT(dev->interval, 15);
    UNIT_EQ_INT(oa2_device_decide(st, dev, 1, "alice", NOW + 30, "{}", NOW + 30,
                                  &err, p),
                APR_SUCCESS);
    /* answered once */
    rv = oa2_device_decide(st, dev, 0, "alice", 0, NULL, NOW + 31, &err, p);
    UNIT_REFUSED(rv, err, 400, "invalid_request", "OA2-01724");
    rv = oa2_device_find(&dev, st, field(doc, "user_code"), NOW + 31, &err, p);
    UNIT_REFUSED(rv, err, 400, "invalid_request", "OA2-01723");
    UNIT_ASSERT(!oa2_device_is_guess(&err));

    rv = poll_at(&json, st, as, "dev", dc, NOW + 40, &err, p);
    UNIT_EQ_INT(rv, APR_SUCCESS);
    UNIT_HAS_STR(json, "\"access_token\"");
    UNIT_HAS_STR(json, "\"refresh_token\"");
    UNIT_HAS_STR(json, "\"scope\":\"read\"");
    rv = poll_at(&json, st, as, "dev", dc, NOW + 50, &err, p);
    UNIT_REFUSED(rv, err, 400, "invalid_grant", "OA2-01713");
}

static void test_denied_and_expired(apr_pool_t *p)
{
    oa2_store_t *st = store_with_clients(p);
    oa2_as_t *as = fixture_as(ISS, p);
    const char *json = NULL;
    oa2_device_t *dev = NULL;
    apr_status_t rv;
    oa2_err_t err;
    json_t *a, *b;

    UNIT_ASSERT(st && as);
    a = start(st, as, "dev2", "&scope=read", &err, &rv, p);
    b = start(st, as, "dev2", "&scope=read", &err, &rv, p);
    UNIT_ASSERT(a && b);
    if (!a || !b) {
        return;
    }
    UNIT_ASSERT(strcmp(field(a, "user_code"), field(b, "user_code")));
    UNIT_EQ_INT(oa2_device_find(&dev, st, field(a, "user_code"), NOW, &err, p),
                APR_SUCCESS);
    UNIT_EQ_INT(oa2_device_decide(st, dev, 0, "bob", 0, NULL, NOW, &err, p),
                APR_SUCCESS);
    rv = poll_at(&json, st, as, "dev2", field(a, "device_code"), NOW + 5, &err,
                 p);
    UNIT_REFUSED(rv, err, 400, "access_denied", "OA2-01716");

    rv = oa2_device_find(&dev, st, field(b, "user_code"), NOW + 600, &err, p);
    UNIT_REFUSED(rv, err, 400, "invalid_request", "OA2-01722");
    rv = poll_at(&json, st, as, "dev2", field(b, "device_code"), NOW + 600,
                 &err, p);
    UNIT_REFUSED(rv, err, 400, "expired_token", "OA2-01714");
    /* no refresh_token grant: none issued, even when approved */
}

void unit_suite_device(void)
{
    unit_suite("device");
    UNIT_RUN(test_user_code_forms);
    UNIT_RUN(test_start);
    UNIT_RUN(test_flow);
    UNIT_RUN(test_denied_and_expired);
}
