/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/*
 * An authorization server's settings: the scopes an OpenID Provider knows
 * (openid, and the standard scopes its user claims need, with the
 * consent page's text), and which scopes a client may ask for.
 */
#include <string.h>

#include <apr_strings.h>

#include "oa2_as.h"
#include "oa2_idtoken.h"
#include "openid_fixture.h"
#include "store_fixture.h"
#include "unit.h"

#define ISS "https://as.example"

/* How many scope definitions of @a as are named @a name. */
static int defined(const oa2_as_t *as, const char *name)
{
    int i, n = 0;

    for (i = 0; i < as->scopes->nelts; i++) {
        n += !strcmp(APR_ARRAY_IDX(as->scopes, i, oa2_scope_def_t).name, name);
    }
    return n;
}

/* The consent text of scope @a name of @a as, or NULL. */
static const char *text_of(const oa2_as_t *as, const char *name)
{
    const oa2_scope_def_t *d = oa2_as_scope(as, name);

    return d ? d->description : NULL;
}

static void test_openid_scope_added(apr_pool_t *p)
{
    oa2_as_t *as = fixture_as(ISS, p);
    const apr_array_header_t *before;

    UNIT_ASSERT(as);
    before = as->scopes;
    as->openid = 1;
    oa2_as_add_openid_scopes(as, p);
    UNIT_EQ_STR(text_of(as, "openid"), oa2_idtoken_scope_description("openid"));
    UNIT_EQ_INT(defined(as, "openid"), 1);
    /* The admin's scopes stay, in their order, first. */
    UNIT_EQ_INT(as->scopes->nelts, 3);
    UNIT_EQ_STR(APR_ARRAY_IDX(as->scopes, 0, oa2_scope_def_t).name, "read");
    UNIT_EQ_STR(APR_ARRAY_IDX(as->scopes, 1, oa2_scope_def_t).name, "write");
    UNIT_EQ_STR(text_of(as, "read"), "Read your data");
    /* No claim configured: no standard scope is known. */
    UNIT_ASSERT(!oa2_as_scope(as, "profile"));
    UNIT_ASSERT(!oa2_as_scope(as, "email"));
    UNIT_ASSERT(!oa2_as_scope(as, "address"));
    UNIT_ASSERT(!oa2_as_scope(as, "phone"));
    /* A copy: the array it was given (perhaps the parent server's) is
     * as it was. */
    UNIT_ASSERT(as->scopes != before);
    UNIT_EQ_INT(before->nelts, 2);
}

static void test_standard_scopes_of_claims(apr_pool_t *p)
{
    static const char *const pairs[][2] = {
        {"profile", "name"},         {"email", "email"},
        {"profile", "nickname"},     {"employee", "department"},
        {"email", "email_verified"},
    };
    oa2_as_t *as = fixture_as(ISS, p);

    UNIT_ASSERT(as);
    as->user_claims =
        fixture_claims(pairs, sizeof(pairs) / sizeof(pairs[0]), p);
    UNIT_ASSERT(as->user_claims);
    oa2_as_add_openid_scopes(as, p);
    UNIT_EQ_STR(text_of(as, "openid"), oa2_idtoken_scope_description("openid"));
    UNIT_EQ_STR(text_of(as, "profile"),
                oa2_idtoken_scope_description("profile"));
    UNIT_EQ_STR(text_of(as, "email"), "See your email address");
    /* Once each, however many claims they carry. */
    UNIT_EQ_INT(defined(as, "profile"), 1);
    UNIT_EQ_INT(defined(as, "email"), 1);
    /* Only the scopes a claim is configured for. */
    UNIT_ASSERT(!oa2_as_scope(as, "address"));
    UNIT_ASSERT(!oa2_as_scope(as, "phone"));
    /* A scope of the admin's own has no built-in text: OAuth2Scope must
     * define it. */
    UNIT_ASSERT(!oa2_as_scope(as, "employee"));
    UNIT_EQ_INT(as->scopes->nelts, 5);
}

static void test_admin_text_wins(apr_pool_t *p)
{
    static const char *const pairs[][2] = {{"email", "email"},
                                           {"phone", "phone_number"}};
    oa2_as_t *as = fixture_as(ISS, p);
    const apr_array_header_t *scopes;

    UNIT_ASSERT(as);
    fixture_scope_add(as, "openid", "Log in to Example Corp", p);
    fixture_scope_add(as, "email", "Your work address", p);
    scopes = as->scopes;
    as->user_claims = fixture_claims(pairs, 2, p);
    UNIT_ASSERT(as->user_claims);
    oa2_as_add_openid_scopes(as, p);
    UNIT_EQ_STR(text_of(as, "openid"), "Log in to Example Corp");
    UNIT_EQ_STR(text_of(as, "email"), "Your work address");
    UNIT_EQ_INT(defined(as, "openid"), 1);
    UNIT_EQ_INT(defined(as, "email"), 1);
    UNIT_EQ_STR(text_of(as, "phone"), oa2_idtoken_scope_description("phone"));
    UNIT_EQ_INT(as->scopes->nelts, 5);
    UNIT_EQ_INT(scopes->nelts, 4);
}

static void test_no_scopes_before(apr_pool_t *p)
{
    static const char *const pairs[][2] = {{"address", "address"}};
    oa2_as_t *as = fixture_as(ISS, p);

    UNIT_ASSERT(as);
    as->scopes = NULL;
    as->user_claims = fixture_claims(pairs, 1, p);
    UNIT_ASSERT(as->user_claims);
    oa2_as_add_openid_scopes(as, p);
    UNIT_ASSERT(as->scopes);
    UNIT_EQ_INT(as->scopes->nelts, 2);
    UNIT_EQ_STR(APR_ARRAY_IDX(as->scopes, 0, oa2_scope_def_t).name, "openid");
    UNIT_EQ_STR(text_of(as, "address"),
                oa2_idtoken_scope_description("address"));
}

static void test_any_client_may_ask_openid(apr_pool_t *p)
{
    oa2_as_t *as = fixture_as(ISS, p);
    const char *granted = NULL;
    oa2_err_t err;

    UNIT_ASSERT(as);
    as->openid = 1;
    oa2_as_add_openid_scopes(as, p);
    /* A client limited to read still may ask for openid. */
    UNIT_EQ_INT(
        oa2_as_check_scope(&granted, as, "read", "openid read", &err, p),
        APR_SUCCESS);
    UNIT_EQ_STR(granted, "openid read");
    UNIT_EQ_INT(oa2_as_check_scope(&granted, as, "read", "openid", &err, p),
                APR_SUCCESS);
    UNIT_EQ_STR(granted, "openid");
    UNIT_EQ_INT(oa2_as_check_scope(&granted, as, "", "openid write", &err, p),
                APR_SUCCESS);
    UNIT_EQ_STR(granted, "openid write");
    /* Only openid: its list binds it for every other scope. */
    UNIT_REFUSED(
        oa2_as_check_scope(&granted, as, "read", "openid write", &err, p), err,
        400, "invalid_scope", "OA2-00232");
    UNIT_HAS_STR(err.detail, "scope write");
}

static void test_openid_off(apr_pool_t *p)
{
    oa2_as_t *as = fixture_as(ISS, p);
    const char *granted = NULL;
    oa2_err_t err;

    UNIT_ASSERT(as);
    as->openid = 0;
    /* OAuth2OpenID off: openid is an unknown scope like any other. */
    UNIT_REFUSED(oa2_as_check_scope(&granted, as, "", "openid read", &err, p),
                 err, 400, "invalid_scope", "OA2-00231");
    UNIT_HAS_STR(err.detail, "scope openid");
    /* And when the admin defines it as an ordinary scope, a client's list
     * binds it as any other. */
    fixture_scope_add(as, "openid", "Legacy", p);
    UNIT_REFUSED(
        oa2_as_check_scope(&granted, as, "read", "openid read", &err, p), err,
        400, "invalid_scope", "OA2-00232");
    UNIT_HAS_STR(err.detail, "scope openid");
    UNIT_EQ_INT(oa2_as_check_scope(&granted, as, "", "openid read", &err, p),
                APR_SUCCESS);
    UNIT_EQ_STR(granted, "openid read");
}

void unit_suite_as(void)
{
    unit_suite("as");
    UNIT_RUN(test_openid_scope_added);
    UNIT_RUN(test_standard_scopes_of_claims);
    UNIT_RUN(test_admin_text_wins);
    UNIT_RUN(test_no_scopes_before);
    UNIT_RUN(test_any_client_may_ask_openid);
    UNIT_RUN(test_openid_off);
}
