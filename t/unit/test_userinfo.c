/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/*
 * UserInfo (OpenID Connect Core §5.3) on a real SQLite store: tokens
 * minted through the code grant, refused when they lack openid, were
 * revoked or never recorded, are another audience's or another issuer's.
 */
#include <string.h>

#include <apr_strings.h>

#include "oa2_grant.h"
#include "oa2_issue.h"
#include "oa2_access_token.h"
#include "oa2_userinfo.h"
#include "openid_fixture.h"
#include "store_fixture.h"
#include "unit.h"

#define ISS "https://op.example"
#define ISS2 "https://other-op.example"
#define NOW 1800000000

/* What UserInfo says of alice for scope openid profile email. */
#define ALICE_PROFILE_EMAIL                                                    \
    "{\"sub\":\"alice\",\"name\":\"Alice Liddell\",\"updated_at\":1311280970," \
    "\"email\":\"alice@example.org\",\"email_verified\":true}"

/* The token response of a code flow of alice (authenticated 30 s before
 * NOW) with the authorization request's parameters @a extra, or NULL. */
static const char *alice_tokens(const oa2_as_t *as, oa2_store_t *st,
                                const char *extra, apr_pool_t *p)
{
    oa2_authz_user_t alice = {"alice", NOW - 30, fixture_alice_claims(p)};

    return fixture_tokens(as, st, extra, &alice, NOW, NOW, p);
}

/* The access token of alice_tokens(), or NULL. */
static const char *alice_access(const oa2_as_t *as, oa2_store_t *st,
                                const char *extra, apr_pool_t *p)
{
    return fixture_json_string(alice_tokens(as, st, extra, p), "access_token",
                               p);
}

/* What the refresh tests start from: a code flow of alice's at an OpenID
 * Provider, and one refresh of its grant. */
typedef struct {
    oa2_as_t *as;    /* the provider */
    oa2_store_t *st; /* its store: client "web" may refresh */
    const char *a1;  /* the code flow's access token */
    const char *r1;  /* its refresh token, rotated by the refresh */
    const char *a2;  /* the refresh's access token */
} refreshed_t;

/* Fill @a t: the code flow for the authorization request's parameters
 * @a extra, the refresh at @a now with the form parameters @a again;
 * nonzero on success. */
static int alice_refreshed(refreshed_t *t, const char *extra, const char *again,
                           apr_int64_t now, apr_pool_t *p)
{
    const char *tokens, *json = NULL;
    oa2_err_t err;

    if (!fixture_op_web(&t->as, &t->st, ISS, "authorization_code refresh_token",
                        p)) {
        return 0;
    }
    tokens = alice_tokens(t->as, t->st, extra, p);
    t->a1 = fixture_json_string(tokens, "access_token", p);
    t->r1 = fixture_json_string(tokens, "refresh_token", p);
    t->a2 = NULL;
    if (t->a1 && t->r1
        && fixture_refresh(&json, t->as, t->st, t->r1, again, now, &err, p)
            == APR_SUCCESS) {
        t->a2 = fixture_json_string(json, "access_token", p);
    }
    return t->a2 != NULL;
}

/* The jti of access token @a token of @a as, or NULL. */
static const char *jti_of(const oa2_as_t *as, const char *token, apr_pool_t *p)
{
    oa2_access_token_policy_t policy;
    oa2_access_token_t *tok;
    oa2_err_t err;

    policy.keys = as->keys;
    policy.issuer = as->issuer;
    policy.audience = oa2_as_audience(as, NULL);
    return oa2_access_token_validate(&tok, token, &policy, NOW, &err, p)
            == APR_SUCCESS
        ? tok->jti
        : NULL;
}

#define ANSWER(as, st, token, now)                                             \
    oa2_userinfo_answer(&json, (as), (st), (token), NULL, (now), &err, p)

static void test_sub_and_claims(apr_pool_t *p)
{
    oa2_as_t *as;
    oa2_store_t *st;
    const char *access, *json = NULL;
    oa2_err_t err = {0};

    UNIT_ASSERT(fixture_op_web(&as, &st, ISS, "authorization_code", p));
    access = alice_access(as, st, "&scope=openid+profile+email&nonce=n", p);
    UNIT_ASSERT(access);
    UNIT_EQ_INT(ANSWER(as, st, access, NOW), APR_SUCCESS);
    UNIT_EQ_STR(json, ALICE_PROFILE_EMAIL);
    /* All the token's life long. */
    json = NULL;
    UNIT_EQ_INT(ANSWER(as, st, access, NOW + as->access_ttl - 1), APR_SUCCESS);
    UNIT_EQ_STR(json, ALICE_PROFILE_EMAIL);
    /* email is released by employee too; department only by it. */
    access = alice_access(as, st, "&scope=openid+employee", p);
    UNIT_ASSERT(access);
    UNIT_EQ_INT(ANSWER(as, st, access, NOW), APR_SUCCESS);
    UNIT_EQ_STR(json,
                "{\"sub\":\"alice\",\"department\":\"Wonderland\","
                "\"email\":\"alice@example.org\"}");
    /* openid alone releases sub alone. */
    access = alice_access(as, st, "&scope=openid+read", p);
    UNIT_ASSERT(access);
    UNIT_EQ_INT(ANSWER(as, st, access, NOW), APR_SUCCESS);
    UNIT_EQ_STR(json, "{\"sub\":\"alice\"}");
}

static void test_needs_openid(apr_pool_t *p)
{
    oa2_as_t *as;
    oa2_store_t *st;
    const char *access, *json = NULL;
    oa2_err_t err = {0};

    UNIT_ASSERT(fixture_op_web(&as, &st, ISS, "authorization_code", p));
    access = alice_access(as, st, "&scope=profile+email+read", p);
    UNIT_ASSERT(access);
    UNIT_REFUSED(ANSWER(as, st, access, NOW), err, 403, "insufficient_scope",
                 "OA2-00899");
    UNIT_DESCRIPTION_FIXED(err, NULL);
    UNIT_ASSERT(json == NULL);
}

static void test_revoked(apr_pool_t *p)
{
    oa2_as_t *as;
    oa2_store_t *st;
    const char *access, *jti, *json = NULL;
    oa2_err_t err = {0};

    UNIT_ASSERT(fixture_op_web(&as, &st, ISS, "authorization_code", p));
    access = alice_access(as, st, "&scope=openid+profile+email", p);
    jti = access ? jti_of(as, access, p) : NULL;
    UNIT_ASSERT(jti);
    UNIT_EQ_INT(ANSWER(as, st, access, NOW), APR_SUCCESS);
    /* At the revocation endpoint (RFC 7009). */
    UNIT_EQ_INT(oa2_store_jti_revoke(st, jti, NOW + as->access_ttl, &err, p),
                APR_SUCCESS);
    json = NULL;
    UNIT_REFUSED(ANSWER(as, st, access, NOW), err, 401, "invalid_token",
                 "OA2-00900");
    UNIT_DESCRIPTION_FIXED(err, NULL);
    UNIT_ASSERT(json == NULL);
}

static void test_withdrawn(apr_pool_t *p)
{
    oa2_as_t *as;
    oa2_store_t *st;
    const char *a1, *a2, *json = NULL;
    oa2_err_t err = {0};
    int revoked = 0;

    UNIT_ASSERT(fixture_op_web(&as, &st, ISS, "authorization_code", p));
    a1 = alice_access(as, st, "&scope=openid+email", p);
    a2 = alice_access(as, st, "&scope=openid+profile", p);
    UNIT_ASSERT(a1 && a2);
    /* The user withdraws the grant (oauth2-admin grant revoke). */
    UNIT_EQ_INT(oa2_store_grant_revoke(&revoked, st, "alice", "web", &err, p),
                APR_SUCCESS);
    UNIT_EQ_INT(revoked, 1);
    UNIT_REFUSED(ANSWER(as, st, a1, NOW), err, 401, "invalid_token",
                 "OA2-00900");
    UNIT_REFUSED(ANSWER(as, st, a2, NOW), err, 401, "invalid_token",
                 "OA2-00900");
}

static void test_client_removed(apr_pool_t *p)
{
    oa2_as_t *as;
    oa2_store_t *st;
    const char *access, *json = NULL;
    oa2_err_t err = {0};

    UNIT_ASSERT(fixture_op_web(&as, &st, ISS, "authorization_code", p));
    access = alice_access(as, st, "&scope=openid+email", p);
    UNIT_ASSERT(access);
    UNIT_EQ_INT(oa2_store_client_remove(st, "web", &err, p), APR_SUCCESS);
    UNIT_REFUSED(ANSWER(as, st, access, NOW), err, 401, "invalid_token",
                 "OA2-00900");
}

static void test_refresh_reuse_revokes(apr_pool_t *p)
{
    refreshed_t t;
    const char *json = NULL;
    oa2_err_t err = {0};

    UNIT_ASSERT(alice_refreshed(&t, "&scope=openid+email", "", NOW, p));
    UNIT_EQ_INT(ANSWER(t.as, t.st, t.a2, NOW), APR_SUCCESS);
    UNIT_EQ_STR(json,
                "{\"sub\":\"alice\",\"email\":\"alice@example.org\","
                "\"email_verified\":true}");
    /* The rotated token again: the grant may be stolen, all of it ends. */
    UNIT_REFUSED(fixture_refresh(&json, t.as, t.st, t.r1, "", NOW, &err, p),
                 err, 400, "invalid_grant", "OA2-00254");
    UNIT_REFUSED(ANSWER(t.as, t.st, t.a1, NOW), err, 401, "invalid_token",
                 "OA2-00900");
    UNIT_REFUSED(ANSWER(t.as, t.st, t.a2, NOW), err, 401, "invalid_token",
                 "OA2-00900");
}

/* A refresh that narrowed the scope releases what the narrower scope
 * does; the token of the whole scope keeps its own claims. */
static void test_refresh_narrowed(apr_pool_t *p)
{
    refreshed_t t;
    const char *json = NULL;
    oa2_err_t err = {0};

    UNIT_ASSERT(alice_refreshed(&t, "&scope=openid+profile+email",
                                "&scope=openid+profile", NOW + 10, p));
    UNIT_EQ_INT(ANSWER(t.as, t.st, t.a2, NOW + 10), APR_SUCCESS);
    UNIT_EQ_STR(json,
                "{\"sub\":\"alice\",\"name\":\"Alice Liddell\","
                "\"updated_at\":1311280970}");
    UNIT_EQ_INT(ANSWER(t.as, t.st, t.a1, NOW + 10), APR_SUCCESS);
    UNIT_EQ_STR(json, ALICE_PROFILE_EMAIL);
}

/* A client_credentials token is recorded for no user's grant, and cannot
 * carry openid; a token of openid that was never recorded is refused. */
static void test_not_a_users_grant(apr_pool_t *p)
{
    oa2_as_t *as = fixture_op(ISS, p);
    oa2_store_t *st = fixture_store(ISS, p);
    const char *access, *jti, *json = NULL;
    oa2_err_t err = {0};

    UNIT_ASSERT(as && st);
    UNIT_ASSERT(fixture_client(st, "svc", "pw", "client_credentials", NULL, p));
    UNIT_EQ_INT(fixture_client_credentials(&json, as, st, "svc", "&scope=read",
                                           NOW, &err, p),
                APR_SUCCESS);
    access = fixture_json_string(json, "access_token", p);
    UNIT_ASSERT(access);
    json = NULL;
    UNIT_REFUSED(ANSWER(as, st, access, NOW), err, 403, "insufficient_scope",
                 "OA2-00899");
    /* Signed by this server with openid, but recorded nowhere. */
    UNIT_EQ_INT(oa2_issue_access_token(&access, &jti, as, "alice", "web",
                                       "openid email", ISS, NULL, NOW, &err, p),
                APR_SUCCESS);
    UNIT_REFUSED(ANSWER(as, st, access, NOW), err, 401, "invalid_token",
                 "OA2-00900");
    UNIT_ASSERT(json == NULL);
}

static void test_other_audience(apr_pool_t *p)
{
    oa2_as_t *as;
    oa2_store_t *st;
    const char *access, *jti, *json = NULL;
    oa2_err_t err = {0};

    UNIT_ASSERT(fixture_op_web(&as, &st, ISS, "authorization_code", p));
    /* RFC 8707: the token is the API's, not this server's. */
    access = alice_access(as, st,
                          "&scope=openid+email"
                          "&resource=https%3A%2F%2Fapi.example.test%2F",
                          p);
    UNIT_ASSERT(access);
    UNIT_REFUSED(ANSWER(as, st, access, NOW), err, 401, "invalid_token",
                 "OA2-00052");
    /* With an OAuth2DefaultAudience of its own, tokens of that audience
     * and of the issuer are this server's; the API's still are not. */
    as->default_audience = "https://default.example/";
    UNIT_REFUSED(ANSWER(as, st, access, NOW), err, 401, "invalid_token",
                 "OA2-00052");
    access = alice_access(as, st, "&scope=openid+email", p);
    UNIT_ASSERT(access);
    UNIT_EQ_INT(ANSWER(as, st, access, NOW), APR_SUCCESS);
    UNIT_HAS_STR(json, "\"email\":\"alice@example.org\"");
    UNIT_EQ_INT(oa2_issue_access_token(&access, &jti, as, "alice", "web",
                                       "openid email", ISS, NULL, NOW, &err, p),
                APR_SUCCESS);
    UNIT_EQ_INT(oa2_store_access_add(st, jti, "fam", "web", "alice",
                                     "{\"email\":\"a@example.org\"}",
                                     NOW + as->access_ttl, &err, p),
                APR_SUCCESS);
    UNIT_EQ_INT(ANSWER(as, st, access, NOW), APR_SUCCESS);
    UNIT_EQ_STR(json, "{\"sub\":\"alice\",\"email\":\"a@example.org\"}");
}

static void test_other_issuer(apr_pool_t *p)
{
    oa2_as_t *as = fixture_op(ISS, p);
    oa2_as_t *rsa = fixture_as_keyed(ISS2, "data/rsa2048.pem", p);
    oa2_as_t *same_key = fixture_op(ISS2, p);
    oa2_store_t *st = fixture_store(ISS, p);
    oa2_store_t *st2 = fixture_store(ISS2, p);
    oa2_store_t other;
    const char *access, *json = NULL;
    oa2_err_t err = {0};

    UNIT_ASSERT(as && rsa && same_key && st && st2);
    rsa->openid = 1;
    oa2_as_add_openid_scopes(rsa, p);
    UNIT_ASSERT(fixture_web_client(st, "authorization_code", p));
    UNIT_ASSERT(fixture_web_client(st2, "authorization_code", p));
    /* Another server's keys. */
    access = alice_access(rsa, st2, "&scope=openid", p);
    UNIT_ASSERT(access);
    UNIT_EQ_INT(ANSWER(rsa, st2, access, NOW), APR_SUCCESS);
    UNIT_EQ_INT(ANSWER(as, st, access, NOW), APR_EGENERAL);
    UNIT_EQ_INT(err.status, 401);
    UNIT_EQ_STR(err.error, "invalid_token");
    /* Another issuer of the same key (two vhosts, one key file). */
    access = alice_access(same_key, st2, "&scope=openid+email", p);
    UNIT_ASSERT(access);
    UNIT_EQ_INT(ANSWER(same_key, st2, access, NOW), APR_SUCCESS);
    UNIT_REFUSED(ANSWER(as, st, access, NOW), err, 401, "invalid_token",
                 "OA2-00051");
    /* The same database, read as another issuer's: its rows are not
     * that issuer's. */
    access = alice_access(as, st, "&scope=openid+email", p);
    UNIT_ASSERT(access);
    other = *st;
    other.issuer = ISS2;
    UNIT_REFUSED(ANSWER(as, &other, access, NOW), err, 401, "invalid_token",
                 "OA2-00900");
    UNIT_EQ_INT(ANSWER(as, st, access, NOW), APR_SUCCESS);
}

static void test_not_an_access_token(apr_pool_t *p)
{
    oa2_as_t *as;
    oa2_store_t *st;
    const char *tokens, *id_token, *access, *json = NULL;
    oa2_err_t err = {0};

    UNIT_ASSERT(fixture_op_web(&as, &st, ISS, "authorization_code", p));
    tokens = alice_tokens(as, st, "&scope=openid+email", p);
    id_token = fixture_json_string(tokens, "id_token", p);
    access = fixture_json_string(tokens, "access_token", p);
    UNIT_ASSERT(id_token && access);
    /* An ID token is for the client, not a bearer token (typ JWT). */
    UNIT_EQ_INT(ANSWER(as, st, id_token, NOW), APR_EGENERAL);
    UNIT_EQ_INT(err.status, 401);
    UNIT_EQ_STR(err.error, "invalid_token");
    UNIT_REFUSED(ANSWER(as, st, "not-a-jwt", NOW), err, 401, "invalid_token",
                 "OA2-00021");
    /* Expired, beyond the leeway. */
    UNIT_REFUSED(ANSWER(as, st, access,
                        NOW + as->access_ttl + OA2_ACCESS_TOKEN_LEEWAY + 1),
                 err, 401, "invalid_token", "OA2-00054");
    UNIT_ASSERT(json == NULL);
}

#undef ANSWER

void unit_suite_userinfo(void)
{
    unit_suite("userinfo");
    UNIT_RUN(test_sub_and_claims);
    UNIT_RUN(test_needs_openid);
    UNIT_RUN(test_revoked);
    UNIT_RUN(test_withdrawn);
    UNIT_RUN(test_client_removed);
    UNIT_RUN(test_refresh_reuse_revokes);
    UNIT_RUN(test_refresh_narrowed);
    UNIT_RUN(test_not_a_users_grant);
    UNIT_RUN(test_other_audience);
    UNIT_RUN(test_other_issuer);
    UNIT_RUN(test_not_an_access_token);
}
