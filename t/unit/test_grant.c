/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/* Authorization and token flows end to end on the core, over real SQL. */
#include <string.h>

#include <apr_base64.h>
#include <apr_strings.h>
#include <jansson.h>

#include "oa2_authorize.h"
#include "oa2_csrf.h"
#include "oa2_grant.h"
#include "oa2_issue.h"
#include "oa2_secret.h"
#include "oa2_access_token.h"
#include "openid_fixture.h"
#include "store_fixture.h"
#include "unit.h"

#define ISS "https://as.example"
/* The fixture client's, as fixture_code_stored() stores them too. */
#define CB FIXTURE_CB
/* RFC 7636 Appendix B */
#define VERIFIER FIXTURE_VERIFIER
#define CHALLENGE FIXTURE_CHALLENGE
#define NOW 1800000000

/* The user every authorization request here is approved for. */
static const oa2_authz_user_t ALICE = {"alice", NOW, NULL};

static oa2_form_t *form_of(const char *text, apr_pool_t *p)
{
    oa2_form_t *f = NULL;
    oa2_form_parse(&f, text, strlen(text), NULL, p);
    return f;
}

/* The value of @a name in the query of @a location, or NULL. */
static const char *query_param(const char *location, const char *name,
                               apr_pool_t *p)
{
    const char *q = strchr(location, '?');
    oa2_form_t *f = q ? form_of(q + 1, p) : NULL;
    return f ? apr_table_get(f->params, name) : NULL;
}

static const char *json_field(const char *json, const char *name, apr_pool_t *p)
{
    json_t *doc = json_loads(json, 0, NULL);
    const char *v = json_string_value(json_object_get(doc, name));
    const char *out = v ? apr_pstrdup(p, v) : NULL;
    json_decref(doc);
    return out;
}

static const char *basic(const char *id, const char *secret, apr_pool_t *p)
{
    const char *pair = apr_pstrcat(p, id, ":", secret, NULL);
    char *b64 = apr_palloc(p, apr_base64_encode_len((int)strlen(pair)));
    apr_base64_encode(b64, pair, (int)strlen(pair));
    return apr_pstrcat(p, "Basic ", b64, NULL);
}

/* Authorize as alice and return the code the redirect carries. */
static const char *get_code(const oa2_as_t *as, oa2_store_t *st,
                            const char *client_id, apr_pool_t *p)
{
    oa2_authz_request_t *req;
    const char *location;
    int redirectable;
    oa2_form_t *q = form_of(
        apr_pstrcat(p, "response_type=code&client_id=", client_id,
                    "&redirect_uri=https%3A%2F%2Fapp.example%2Fcb"
                    "&scope=read+write&state=xyz&code_challenge=" CHALLENGE
                    "&code_challenge_method=S256",
                    NULL),
        p);

    if (oa2_authorize_parse(&req, &redirectable, as, st, q, NULL, p)
            != APR_SUCCESS
        || oa2_authorize_approve(&location, as, st, req, &ALICE, NOW, 1, NULL,
                                 p)
            != APR_SUCCESS) {
        return NULL;
    }
    if (strcmp(query_param(location, "state", p), "xyz")
        || strcmp(query_param(location, "iss", p), ISS)) {
        return NULL;
    }
    return query_param(location, "code", p);
}

static apr_status_t redeem(const char **json, oa2_err_t *err,
                           const oa2_as_t *as, oa2_store_t *st,
                           const char *code, const char *verifier,
                           apr_pool_t *p)
{
    oa2_form_t *f =
        form_of(apr_pstrcat(p, "grant_type=authorization_code&code=", code,
                            "&redirect_uri=https%3A%2F%2Fapp.example%2Fcb"
                            "&code_verifier=",
                            verifier, NULL),
                p);
    return oa2_grant_token(
        json, as, st, fixture_bc(f, basic("web", "pw", p), p), NOW, err, p);
}

static void test_code_flow_and_token(apr_pool_t *p)
{
    oa2_as_t *as = fixture_as(ISS, p);
    oa2_store_t *st = fixture_store(ISS, p);
    const char *code, *json = NULL;
    oa2_access_token_policy_t policy;
    oa2_access_token_t *tok;
    oa2_err_t err = {0};

    UNIT_ASSERT(as && st);
    UNIT_ASSERT(fixture_client(st, "web", "pw",
                               "authorization_code refresh_token", CB, p));
    code = get_code(as, st, "web", p);
    UNIT_ASSERT(code);
    UNIT_EQ_INT(redeem(&json, &err, as, st, code, VERIFIER, p), APR_SUCCESS);
    UNIT_EQ_STR(json_field(json, "token_type", p), "Bearer");
    UNIT_EQ_STR(json_field(json, "scope", p), "read write");
    UNIT_ASSERT(json_field(json, "refresh_token", p));
    policy.keys = as->keys;
    policy.issuer = ISS;
    policy.audience = ISS;
    UNIT_EQ_INT(oa2_access_token_validate(&tok,
                                          json_field(json, "access_token", p),
                                          &policy, NOW, &err, p),
                APR_SUCCESS);
    UNIT_EQ_STR(tok->sub, "alice");
    UNIT_EQ_STR(tok->client_id, "web");
}

static void test_code_replay_revokes(apr_pool_t *p)
{
    oa2_as_t *as = fixture_as(ISS, p);
    oa2_store_t *st = fixture_store(ISS, p);
    const char *code, *json = NULL, *refresh;
    oa2_err_t err = {0};

    UNIT_ASSERT(as && st);
    UNIT_ASSERT(fixture_client(st, "web", "pw",
                               "authorization_code refresh_token", CB, p));
    code = get_code(as, st, "web", p);
    UNIT_EQ_INT(redeem(&json, &err, as, st, code, VERIFIER, p), APR_SUCCESS);
    refresh = json_field(json, "refresh_token", p);
    UNIT_REFUSED(redeem(&json, &err, as, st, code, VERIFIER, p), err, 400,
                 "invalid_grant", "OA2-00243");
    /* What the code produced is revoked. */
    UNIT_REFUSED(
        oa2_grant_token(&json, as, st,
                        fixture_bc(form_of(apr_pstrcat(p,
                                                       "grant_type=refresh_"
                                                       "token&refresh_token=",
                                                       refresh, NULL),
                                           p),
                                   basic("web", "pw", p), p),
                        NOW, &err, p),
        err, 400, "invalid_grant", "OA2-00253");
}

static void test_wrong_verifier_burns_code(apr_pool_t *p)
{
    oa2_as_t *as = fixture_as(ISS, p);
    oa2_store_t *st = fixture_store(ISS, p);
    const char *code, *json = NULL;
    oa2_err_t err = {0};

    UNIT_ASSERT(as && st);
    UNIT_ASSERT(fixture_client(st, "web", "pw", "authorization_code", CB, p));
    code = get_code(as, st, "web", p);
    UNIT_REFUSED(redeem(&json, &err, as, st, code,
                        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", p),
                 err, 400, "invalid_grant", "OA2-00247");
    /* Single use, whatever happened to the first use. */
    UNIT_REFUSED(redeem(&json, &err, as, st, code, VERIFIER, p), err, 400,
                 "invalid_grant", "OA2-00243");
}

static void test_refresh_rotation_and_reuse(apr_pool_t *p)
{
    oa2_as_t *as = fixture_as(ISS, p);
    oa2_store_t *st = fixture_store(ISS, p);
    const char *code, *json = NULL, *r1, *r2, *access;
    oa2_access_token_policy_t policy;
    oa2_access_token_t *tok;
    oa2_err_t err = {0};
    int revoked = 0;

#define REFRESH(tok, extra)                                                    \
    oa2_grant_token(&json, as, st,                                             \
                    fixture_bc(form_of(apr_pstrcat(p,                          \
                                                   "grant_type=refresh_token"  \
                                                   "&refresh_token=",          \
                                                   tok, extra, NULL),          \
                                       p),                                     \
                               basic("web", "pw", p), p),                      \
                    NOW, &err, p)
    UNIT_ASSERT(as && st);
    UNIT_ASSERT(fixture_client(st, "web", "pw",
                               "authorization_code refresh_token", CB, p));
    code = get_code(as, st, "web", p);
    UNIT_EQ_INT(redeem(&json, &err, as, st, code, VERIFIER, p), APR_SUCCESS);
    r1 = json_field(json, "refresh_token", p);
    UNIT_REFUSED(REFRESH(r1, "&scope=read+admin"), err, 400, "invalid_scope",
                 "OA2-00256");
    UNIT_EQ_INT(REFRESH(r1, "&scope=read"), APR_SUCCESS);
    UNIT_EQ_STR(json_field(json, "scope", p), "read");
    r2 = json_field(json, "refresh_token", p);
    UNIT_ASSERT(strcmp(r1, r2));
    access = json_field(json, "access_token", p);
    UNIT_REFUSED(REFRESH(r1, ""), err, 400, "invalid_grant", "OA2-00254");
    /* The reuse revoked the family: the newest token is dead too, and so
     * is every access token of the grant. */
    UNIT_REFUSED(REFRESH(r2, ""), err, 400, "invalid_grant", "OA2-00253");
    policy.keys = as->keys;
    policy.issuer = ISS;
    policy.audience = ISS;
    UNIT_EQ_INT(oa2_access_token_validate(&tok, access, &policy, NOW, &err, p),
                APR_SUCCESS);
    UNIT_EQ_INT(oa2_store_jti_is_revoked(&revoked, st, tok->jti, &err, p),
                APR_SUCCESS);
    UNIT_EQ_INT(revoked, 1);
#undef REFRESH
}

/* What an ID token needs goes from the code to the refresh token it
 * produces, and from a rotated refresh token to the next (OpenID Connect
 * Core §12.2); the nonce stays with the code. */
static void test_oidc_fields_carried_forward(apr_pool_t *p)
{
    oa2_as_t *as = fixture_as(ISS, p);
    oa2_store_t *st = fixture_store(ISS, p);
    const char *json = NULL, *r1, *r2;
    oa2_refresh_t *rt;
    oa2_err_t err = {0};

    UNIT_ASSERT(as && st);
    UNIT_ASSERT(fixture_client(st, "web", "pw",
                               "authorization_code refresh_token", CB, p));
    UNIT_ASSERT(
        fixture_code_stored(st, "the-code", "read", NOW - 30, NOW + 60, p));
    UNIT_EQ_INT(redeem(&json, &err, as, st, "the-code", VERIFIER, p),
                APR_SUCCESS);
    r1 = json_field(json, "refresh_token", p);
    UNIT_ASSERT(r1);
    UNIT_EQ_INT(oa2_store_refresh_get(&rt, st, oa2_secret_hash(r1, p), NULL, p),
                APR_SUCCESS);
    UNIT_EQ_INT(rt->auth_time, NOW - 30);
    UNIT_EQ_STR(rt->claims, "{\"email\":\"alice@example.org\"}");
    UNIT_EQ_INT(oa2_grant_token(
                    &json, as, st,
                    fixture_bc(form_of(apr_pstrcat(p,
                                                   "grant_type=refresh_token"
                                                   "&refresh_token=",
                                                   r1, NULL),
                                       p),
                               basic("web", "pw", p), p),
                    NOW + 10, &err, p),
                APR_SUCCESS);
    r2 = json_field(json, "refresh_token", p);
    UNIT_ASSERT(r2 && strcmp(r1, r2));
    UNIT_EQ_INT(oa2_store_refresh_get(&rt, st, oa2_secret_hash(r2, p), NULL, p),
                APR_SUCCESS);
    UNIT_EQ_INT(rt->state, OA2_REFRESH_LIVE);
    UNIT_EQ_INT(rt->auth_time, NOW - 30);
    UNIT_EQ_STR(rt->claims, "{\"email\":\"alice@example.org\"}");
}

static void test_client_credentials(apr_pool_t *p)
{
    oa2_as_t *as = fixture_as(ISS, p);
    oa2_store_t *st = fixture_store(ISS, p);
    const char *json = NULL;
    oa2_err_t err = {0};
    oa2_form_t *f = form_of("grant_type=client_credentials&scope=read", p);

    UNIT_ASSERT(as && st);
    UNIT_ASSERT(fixture_client(st, "svc", "pw", "client_credentials", NULL, p));
    UNIT_ASSERT(fixture_client(st, "pub", NULL, "client_credentials", NULL, p));
    UNIT_EQ_INT(oa2_grant_token(&json, as, st,
                                fixture_bc(f, basic("svc", "pw", p), p), NOW,
                                &err, p),
                APR_SUCCESS);
    UNIT_EQ_STR(json_field(json, "scope", p), "read");
    UNIT_REFUSED(oa2_grant_token(&json, as, st,
                                 fixture_bc(f, basic("svc", "bad", p), p), NOW,
                                 &err, p),
                 err, 401, "invalid_client", "OA2-00229");
    UNIT_REFUSED(
        oa2_grant_token(&json, as, st,
                        fixture_bc(form_of("grant_type=client_credentials"
                                           "&client_id=pub",
                                           p),
                                   NULL, p),
                        NOW, &err, p),
        err, 400, "unauthorized_client", "OA2-00260");
    UNIT_REFUSED(
        oa2_grant_token(&json, as, st,
                        fixture_bc(form_of("grant_type=client_credentials"
                                           "&scope=admin",
                                           p),
                                   basic("svc", "pw", p), p),
                        NOW, &err, p),
        err, 400, "invalid_scope", "OA2-00231");
    UNIT_REFUSED(oa2_grant_token(&json, as, st,
                                 fixture_bc(form_of("grant_type=password", p),
                                            basic("svc", "pw", p), p),
                                 NOW, &err, p),
                 err, 400, "unsupported_grant_type", "OA2-00261");
}

static void test_authorize_errors(apr_pool_t *p)
{
    oa2_as_t *as = fixture_as(ISS, p);
    oa2_store_t *st = fixture_store(ISS, p);
    oa2_authz_request_t *req;
    oa2_err_t err = {0};
    int redirectable = -1;

#define PARSE(q)                                                               \
    oa2_authorize_parse(&req, &redirectable, as, st, form_of(q, p), &err, p)
    UNIT_ASSERT(as && st);
    UNIT_ASSERT(fixture_client(st, "web", "pw", "authorization_code", CB, p));
    UNIT_REFUSED(PARSE("client_id=nobody&redirect_uri=" CB), err, 400,
                 "invalid_request", "OA2-00301");
    UNIT_EQ_INT(redirectable, 0);
    UNIT_REFUSED(PARSE("client_id=web&redirect_uri=https://evil.example/cb"),
                 err, 400, "invalid_request", "OA2-00303");
    UNIT_EQ_INT(redirectable, 0);
    UNIT_REFUSED(PARSE("client_id=web&redirect_uri=" CB
                       "&response_type=code&code_challenge=" CHALLENGE
                       "&code_challenge_method=plain&state=s"),
                 err, 400, "invalid_request", "OA2-00309");
    UNIT_EQ_INT(redirectable, 1);
    UNIT_EQ_STR(req->state, "s");
    UNIT_REFUSED(PARSE("client_id=web&redirect_uri=" CB "&response_type=token"),
                 err, 400, "unsupported_response_type", "OA2-00306");
    UNIT_REFUSED(PARSE("client_id=web&redirect_uri=" CB
                       "&response_type=code&code_challenge=" CHALLENGE
                       "&code_challenge_method=S256&scope=read+admin"),
                 err, 400, "invalid_scope", "OA2-00231");
    UNIT_REFUSED(PARSE("client_id=web&redirect_uri=" CB
                       "&response_type=code&code_challenge=" CHALLENGE
                       "&code_challenge_method=S256&resource=https://x/"),
                 err, 400, "invalid_target", "OA2-00233");
    UNIT_REFUSED(PARSE("client_id=web&redirect_uri=" CB
                       "&response_type=code&code_challenge=" CHALLENGE
                       "&code_challenge_method=S256&state=a&state=b"),
                 err, 400, "invalid_request", "OA2-00305");
    UNIT_EQ_INT(redirectable, 0);
#undef PARSE
}

/* Issue 12: no error_description carries text the request chose (a
 * scope, a parameter's name); the log's detail may, when it is a plain
 * token. */
static void test_errors_reflect_no_request_text(apr_pool_t *p)
{
    oa2_as_t *as = fixture_as(ISS, p);
    oa2_store_t *st = fixture_store(ISS, p);
    oa2_authz_request_t *req;
    const char *json, *granted;
    oa2_err_t err = {0};
    int redirectable;

    UNIT_ASSERT(as && st);
    UNIT_ASSERT(fixture_client(st, "svc", "pw", "client_credentials", NULL, p));
    UNIT_ASSERT(fixture_client(st, "web", "pw", "authorization_code", CB, p));
    /* token endpoint: an unknown scope, a repeated parameter */
    UNIT_REFUSED(
        oa2_grant_token(&json, as, st,
                        fixture_bc(form_of("grant_type=client_credentials"
                                           "&scope=%3Cimg%2Fsrc%3Dx%3E",
                                           p),
                                   basic("svc", "pw", p), p),
                        NOW, &err, p),
        err, 400, "invalid_scope", "OA2-00231");
    UNIT_DESCRIPTION_FIXED(err, "<img/src=x>");
    UNIT_HAS_STR(err.detail, "scope <img/src=x>");
    UNIT_REFUSED(
        oa2_grant_token(&json, as, st,
                        fixture_bc(form_of("grant_type=client_credentials"
                                           "&img.src=1&img.src=2",
                                           p),
                                   basic("svc", "pw", p), p),
                        NOW, &err, p),
        err, 400, "invalid_request", "OA2-00262");
    UNIT_DESCRIPTION_FIXED(err, "img.src");
    UNIT_EQ_STR(err.description, "a parameter is repeated");
    UNIT_HAS_STR(err.detail, "img.src");
    /* authorize: the same, before the redirect */
#define PARSE(q)                                                               \
    oa2_authorize_parse(&req, &redirectable, as, st, form_of(q, p), &err, p)
    UNIT_REFUSED(PARSE("client_id=web&redirect_uri=" CB
                       "&response_type=code&code_challenge=" CHALLENGE
                       "&code_challenge_method=S256"
                       "&scope=read+%3Cimg%2Fsrc%3Dx%3E"),
                 err, 400, "invalid_scope", "OA2-00231");
    UNIT_EQ_INT(redirectable, 1);
    UNIT_DESCRIPTION_FIXED(err, "<img/src=x>");
    UNIT_REFUSED(PARSE("client_id=web&redirect_uri=" CB
                       "&response_type=code&img.src=1&img.src=2"),
                 err, 400, "invalid_request", "OA2-00312");
    UNIT_DESCRIPTION_FIXED(err, "img.src");
    UNIT_HAS_STR(err.detail, "img.src");
    /* a name that is not plain reaches not even the log */
    UNIT_REFUSED(PARSE("client_id=web&redirect_uri=" CB
                       "&response_type=code&%3Cb%3E=1&%3Cb%3E=2"),
                 err, 400, "invalid_request", "OA2-00312");
    UNIT_DESCRIPTION_FIXED(err, "<b>");
    UNIT_ASSERT(!strstr(err.detail, "<b>"));
#undef PARSE
    /* a known scope the client may not have, and what is no scope token */
    UNIT_REFUSED(
        oa2_as_check_scope(&granted, as, "read", "read write", &err, p), err,
        400, "invalid_scope", "OA2-00232");
    UNIT_DESCRIPTION_FIXED(err, "write");
    UNIT_HAS_STR(err.detail, "scope write");
    UNIT_REFUSED(oa2_as_check_scope(&granted, as, "", "r\"e\\ad", &err, p), err,
                 400, "invalid_scope", "OA2-00231");
    UNIT_DESCRIPTION_FIXED(err, "r\"e");
    UNIT_EQ_STR(err.detail, "scope (not a scope token)");
}

static void test_consent_memory_and_csrf(apr_pool_t *p)
{
    oa2_as_t *as = fixture_as(ISS, p);
    oa2_store_t *st = fixture_store(ISS, p);
    oa2_authz_request_t *req;
    const char *token, *location;
    oa2_err_t err = {0};
    int redirectable, needed = -1;

    UNIT_ASSERT(as && st);
    UNIT_ASSERT(fixture_client(st, "web", "pw", "authorization_code", CB, p));
    UNIT_EQ_INT(oa2_authorize_parse(&req, &redirectable, as, st,
                                    form_of("client_id=web&redirect_uri=" CB
                                            "&response_type=code"
                                            "&code_challenge=" CHALLENGE
                                            "&code_challenge_method=S256"
                                            "&scope=read",
                                            p),
                                    &err, p),
                APR_SUCCESS);
    UNIT_EQ_INT(oa2_authorize_needs_consent(&needed, st, req, "alice", &err, p),
                APR_SUCCESS);
    UNIT_EQ_INT(needed, 1);
    token = oa2_csrf_make(as, "alice", req, NOW, p);
    /* Pinned: the HMAC of the fixture key over this request, as the
     * EVP_MAC implementation made it; forms shown before an upgrade must
     * still be accepted after it. */
    UNIT_EQ_STR(token,
                "1800000000.vgD_aPAzyuIonpiyKh30rZ6KdXDOkLUMgMUNl1kv0e4");
    UNIT_EQ_INT(oa2_csrf_check(as, token, "alice", req, NOW + 5, &err, p),
                APR_SUCCESS);
    UNIT_REFUSED(oa2_csrf_check(as, token, "mallory", req, NOW, &err, p), err,
                 403, "access_denied", "OA2-00321");
    UNIT_REFUSED(oa2_csrf_check(as, token, "alice", req, NOW + 3600, &err, p),
                 err, 403, "access_denied", "OA2-00322");
    UNIT_REFUSED(oa2_csrf_check(as, NULL, "alice", req, NOW, &err, p), err, 403,
                 "access_denied", "OA2-00320");
    UNIT_EQ_INT(
        oa2_authorize_approve(&location, as, st, req, &ALICE, NOW, 1, &err, p),
        APR_SUCCESS);
    UNIT_EQ_INT(oa2_authorize_needs_consent(&needed, st, req, "alice", &err, p),
                APR_SUCCESS);
    UNIT_EQ_INT(needed, 0);
    req->prompt = "consent";
    UNIT_EQ_INT(oa2_authorize_needs_consent(&needed, st, req, "alice", &err, p),
                APR_SUCCESS);
    UNIT_EQ_INT(needed, 1);
}

/* The user names the database columns and a JSON "sub" can hold. */
static void test_user_names(apr_pool_t *p)
{
    char name[300];

    (void)p;
    memset(name, 'u', sizeof(name));
    name[OA2_USER_MAX] = '\0';
    UNIT_ASSERT(oa2_authorize_user_ok(name));
    name[OA2_USER_MAX] = 'u';
    name[OA2_USER_MAX + 1] = '\0';
    UNIT_ASSERT(!oa2_authorize_user_ok(name));
    UNIT_ASSERT(oa2_authorize_user_ok("alice"));
    UNIT_ASSERT(oa2_authorize_user_ok("Zo\xc3\xab"));
    UNIT_ASSERT(!oa2_authorize_user_ok("caf\xe9"));
    UNIT_ASSERT(!oa2_authorize_user_ok(""));
    UNIT_ASSERT(!oa2_authorize_user_ok(NULL));
}

/* A claim that is not UTF-8 cannot be written into JSON: a clear server
 * error, never a token with the claim missing. */
static void test_mint_refuses_claims_not_utf8(apr_pool_t *p)
{
    oa2_as_t *as = fixture_as(ISS, p);
    const char *token = NULL, *jti = NULL;
    oa2_err_t err = {0};

    UNIT_ASSERT(as);
    UNIT_REFUSED(oa2_issue_access_token(&token, &jti, as, "caf\xe9", "web",
                                        "read", ISS, NULL, NOW, &err, p),
                 err, 500, "server_error", "OA2-00787");
    UNIT_ASSERT(!token);
    UNIT_EQ_INT(oa2_issue_access_token(&token, &jti, as, "Zo\xc3\xab", "web",
                                       "read", ISS, NULL, NOW, &err, p),
                APR_SUCCESS);
    UNIT_ASSERT(token && jti);
}

void unit_suite_grant(void)
{
    unit_suite("grant");
    UNIT_RUN(test_code_flow_and_token);
    UNIT_RUN(test_code_replay_revokes);
    UNIT_RUN(test_wrong_verifier_burns_code);
    UNIT_RUN(test_refresh_rotation_and_reuse);
    UNIT_RUN(test_oidc_fields_carried_forward);
    UNIT_RUN(test_client_credentials);
    UNIT_RUN(test_authorize_errors);
    UNIT_RUN(test_errors_reflect_no_request_text);
    UNIT_RUN(test_consent_memory_and_csrf);
    UNIT_RUN(test_user_names);
    UNIT_RUN(test_mint_refuses_claims_not_utf8);
}
