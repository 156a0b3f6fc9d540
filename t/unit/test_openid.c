/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/*
 * The OpenID Provider's flows on the core, over real SQL: the nonce at
 * authorize and in the consent form's MAC, ID tokens at the code grant
 * and on refresh (Core §3.1.3.3, §12.2), openid refused to
 * client_credentials. ID tokens are checked as a relying party does:
 * with the keys of the server's JWKS.
 */
#include <string.h>

#include <apr_strings.h>
#include <jansson.h>

#include "oa2_authorize.h"
#include "oa2_csrf.h"
#include "oa2_idtoken.h"
#include "oa2_jwt.h"
#include "oa2_secret.h"
#include "oa2_access_token.h"
#include "openid_fixture.h"
#include "store_fixture.h"
#include "unit.h"

#define ISS "https://op.example"
#define NOW 1800000000
/* alice logged in two minutes before the token request */
#define AUTH_TIME (NOW - 120)

/* A nonce of the characters a nonce may have, and as a query value. */
#define NONCE "n-0S6_WzA2Mj x+/=~"
#define NONCE_QUERY "n-0S6_WzA2Mj%20x%2B%2F%3D~"

/* The request parameters every authorization request here shares. */
#define REQUEST                                                                \
    "client_id=web&redirect_uri=" FIXTURE_CB_QUERY                             \
    "&response_type=code&code_challenge=" FIXTURE_CHALLENGE                    \
    "&code_challenge_method=S256&state=s"

/* The ID token of the token response @a json of @a as, verified with the
 * public keys of its JWKS document (which must hold no private key), or
 * NULL. */
static oa2_jwt_t *verified(const oa2_as_t *as, const char *json, apr_pool_t *p)
{
    const char *token = fixture_json_string(json, "id_token", p);
    const char *jwks = oa2_keys_jwks_json(as->keys, p);
    oa2_keyset_t *pub = NULL;
    oa2_jwt_t *jwt = NULL;
    oa2_err_t err;

    if (!token || !jwks
        || oa2_keys_parse_jwks(&pub, jwks, strlen(jwks), &err, p) != APR_SUCCESS
        || oa2_keys_signer(pub)
        || oa2_jwt_verify(&jwt, token, strlen(token), pub, "JWT", &err, p)
            != APR_SUCCESS) {
        return NULL;
    }
    return jwt;
}

/* The at_hash Core §3.1.3.6 wants for @a access (ES256: SHA-256). */
static const char *at_hash_of(const char *access, apr_pool_t *p)
{
    const char *h = NULL;

    return oa2_idtoken_at_hash(&h, access, "ES256", p) == APR_SUCCESS ? h
                                                                      : NULL;
}

#define CLAIM(jwt, name) json_object_get((jwt)->claims, (name))
#define CLAIM_STR(jwt, name) json_string_value(CLAIM(jwt, name))
#define CLAIM_INT(jwt, name) json_integer_value(CLAIM(jwt, name))

/* The code alice gets for the request parameters @a extra, authorized
 * five seconds before NOW. */
static const char *alice_code(const oa2_as_t *as, oa2_store_t *st,
                              const char *extra, apr_pool_t *p)
{
    oa2_authz_user_t alice = {"alice", AUTH_TIME, fixture_alice_claims(p)};

    return fixture_code(as, st, extra, &alice, NOW - 5, p);
}

/* The token response of alice_code(), redeemed at NOW, or NULL. */
static const char *alice_tokens(const oa2_as_t *as, oa2_store_t *st,
                                const char *extra, apr_pool_t *p)
{
    oa2_authz_user_t alice = {"alice", AUTH_TIME, fixture_alice_claims(p)};

    return fixture_tokens(as, st, extra, &alice, NOW - 5, NOW, p);
}

/* Refresh at @a now, with the form parameters @a extra, the refresh token
 * of the token response *@a json, which becomes the refresh's response. */
static apr_status_t refresh_again(const char **json, const oa2_as_t *as,
                                  oa2_store_t *st, const char *extra,
                                  apr_int64_t now, oa2_err_t *err,
                                  apr_pool_t *p)
{
    const char *refresh = fixture_json_string(*json, "refresh_token", p);

    if (!refresh) {
        return APR_EGENERAL;
    }
    return fixture_refresh(json, as, st, refresh, extra, now, err, p);
}

static void test_code_grant_id_token(apr_pool_t *p)
{
    oa2_as_t *as;
    oa2_store_t *st;
    const char *code, *json = NULL, *access;
    oa2_access_token_policy_t policy = {0};
    oa2_access_token_t *tok;
    oa2_jwt_t *idt;
    oa2_err_t err = {0};

    UNIT_ASSERT(fixture_op_web(&as, &st, ISS, "authorization_code", p));
    code = alice_code(as, st,
                      "&scope=openid+profile+email+read&nonce=" NONCE_QUERY, p);
    UNIT_ASSERT(code);
    /* What the token request says is never taken: nonce, claims. */
    UNIT_EQ_INT(fixture_redeem(&json, as, st,
                               apr_pstrcat(p, code,
                                           "&nonce=other&name=Mallory"
                                           "&auth_time=1",
                                           NULL),
                               NOW, &err, p),
                APR_SUCCESS);
    UNIT_EQ_STR(fixture_json_string(json, "scope", p),
                "openid profile email read");
    UNIT_EQ_STR(fixture_json_string(json, "token_type", p), "Bearer");
    access = fixture_json_string(json, "access_token", p);
    idt = verified(as, json, p);
    UNIT_ASSERT(access && idt);
    UNIT_EQ_STR(json_string_value(json_object_get(idt->header, "alg")),
                "ES256");
    UNIT_EQ_STR(json_string_value(json_object_get(idt->header, "typ")), "JWT");
    UNIT_EQ_STR(json_string_value(json_object_get(idt->header, "kid")),
                oa2_keys_signer(as->keys)->kid);
    UNIT_EQ_STR(CLAIM_STR(idt, "iss"), ISS);
    UNIT_EQ_STR(CLAIM_STR(idt, "sub"), "alice");
    UNIT_EQ_STR(CLAIM_STR(idt, "aud"), "web");
    UNIT_EQ_STR(CLAIM_STR(idt, "azp"), "web");
    UNIT_EQ_INT(CLAIM_INT(idt, "iat"), NOW);
    UNIT_EQ_INT(CLAIM_INT(idt, "exp"), NOW + 300);
    UNIT_ASSERT(json_is_integer(CLAIM(idt, "auth_time")));
    UNIT_EQ_INT(CLAIM_INT(idt, "auth_time"), AUTH_TIME);
    UNIT_EQ_STR(CLAIM_STR(idt, "nonce"), NONCE);
    UNIT_EQ_STR(CLAIM_STR(idt, "at_hash"), at_hash_of(access, p));
    /* The user claims of profile and email, as captured at authorize. */
    UNIT_EQ_STR(CLAIM_STR(idt, "name"), "Alice Liddell");
    UNIT_EQ_INT(CLAIM_INT(idt, "updated_at"), 1311280970);
    UNIT_EQ_STR(CLAIM_STR(idt, "email"), "alice@example.org");
    UNIT_ASSERT(json_is_true(CLAIM(idt, "email_verified")));
    UNIT_ASSERT(!CLAIM(idt, "department")); /* employee not granted */
    UNIT_EQ_INT(json_object_size(idt->claims), 13);
    /* sub is the access token's. */
    policy.keys = as->keys;
    policy.issuer = ISS;
    policy.audience = ISS;
    UNIT_EQ_INT(oa2_access_token_validate(&tok, access, &policy, NOW, &err, p),
                APR_SUCCESS);
    UNIT_EQ_STR(tok->sub, CLAIM_STR(idt, "sub"));
    UNIT_EQ_STR(tok->scope, "openid profile email read");
}

static void test_code_grant_without_nonce(apr_pool_t *p)
{
    oa2_as_t *as;
    oa2_store_t *st;
    const char *json;
    oa2_jwt_t *idt;

    UNIT_ASSERT(fixture_op_web(&as, &st, ISS, "authorization_code", p));
    /* An empty nonce is none; openid alone releases no user claim. */
    json = alice_tokens(as, st, "&scope=openid&nonce=", p);
    UNIT_ASSERT(json);
    idt = verified(as, json, p);
    UNIT_ASSERT(idt);
    UNIT_ASSERT(!CLAIM(idt, "nonce"));
    UNIT_EQ_INT(CLAIM_INT(idt, "auth_time"), AUTH_TIME);
    UNIT_EQ_STR(CLAIM_STR(idt, "at_hash"),
                at_hash_of(fixture_json_string(json, "access_token", p), p));
    /* iss sub aud exp iat auth_time azp at_hash */
    UNIT_EQ_INT(json_object_size(idt->claims), 8);
}

static void test_code_grant_without_openid(apr_pool_t *p)
{
    oa2_as_t *as;
    oa2_store_t *st;
    const char *json;

    UNIT_ASSERT(fixture_op_web(&as, &st, ISS, "authorization_code", p));
    json = alice_tokens(as, st, "&scope=profile+email&nonce=abc", p);
    UNIT_ASSERT(json);
    UNIT_ASSERT(fixture_json_string(json, "access_token", p));
    UNIT_ASSERT(!fixture_json_string(json, "id_token", p));
}

static void test_refresh_id_token(apr_pool_t *p)
{
    oa2_as_t *as;
    oa2_store_t *st;
    const char *json, *access;
    oa2_jwt_t *idt;
    oa2_err_t err = {0};
    int i;

    UNIT_ASSERT(
        fixture_op_web(&as, &st, ISS, "authorization_code refresh_token", p));
    json = alice_tokens(as, st, "&scope=openid+profile+email&nonce=abc", p);
    UNIT_ASSERT(json);
    /* Core §12.2, twice: each rotation carries the grant forward. */
    for (i = 1; i <= 2; i++) {
        UNIT_EQ_INT(refresh_again(&json, as, st, "", NOW + 100 * i, &err, p),
                    APR_SUCCESS);
        access = fixture_json_string(json, "access_token", p);
        idt = verified(as, json, p);
        UNIT_ASSERT(access && idt);
        UNIT_EQ_STR(CLAIM_STR(idt, "iss"), ISS);
        UNIT_EQ_STR(CLAIM_STR(idt, "sub"), "alice");
        UNIT_EQ_STR(CLAIM_STR(idt, "aud"), "web");
        UNIT_EQ_STR(CLAIM_STR(idt, "azp"), "web");
        UNIT_EQ_INT(CLAIM_INT(idt, "iat"), NOW + 100 * i);
        UNIT_EQ_INT(CLAIM_INT(idt, "exp"), NOW + 100 * i + 300);
        /* The login's time, not the refresh's; no nonce. */
        UNIT_EQ_INT(CLAIM_INT(idt, "auth_time"), AUTH_TIME);
        UNIT_ASSERT(!CLAIM(idt, "nonce"));
        UNIT_EQ_STR(CLAIM_STR(idt, "at_hash"), at_hash_of(access, p));
        UNIT_EQ_STR(CLAIM_STR(idt, "name"), "Alice Liddell");
        UNIT_EQ_STR(CLAIM_STR(idt, "email"), "alice@example.org");
        UNIT_EQ_INT(json_object_size(idt->claims), 12);
    }
}

static void test_refresh_narrowed_drops_claims(apr_pool_t *p)
{
    oa2_as_t *as;
    oa2_store_t *st;
    const char *json;
    oa2_jwt_t *idt;
    oa2_err_t err = {0};

    UNIT_ASSERT(
        fixture_op_web(&as, &st, ISS, "authorization_code refresh_token", p));
    json = alice_tokens(as, st, "&scope=openid+profile+email+employee", p);
    UNIT_ASSERT(json);
    UNIT_EQ_INT(refresh_again(&json, as, st, "&scope=openid+profile", NOW + 10,
                              &err, p),
                APR_SUCCESS);
    UNIT_EQ_STR(fixture_json_string(json, "scope", p), "openid profile");
    idt = verified(as, json, p);
    UNIT_ASSERT(idt);
    UNIT_EQ_STR(CLAIM_STR(idt, "name"), "Alice Liddell");
    UNIT_ASSERT(!CLAIM(idt, "email"));
    UNIT_ASSERT(!CLAIM(idt, "email_verified"));
    UNIT_ASSERT(!CLAIM(idt, "department"));
    /* email is employee's too: granted with it alone, it stays. */
    UNIT_EQ_INT(refresh_again(&json, as, st, "&scope=employee+openid", NOW + 20,
                              &err, p),
                APR_SUCCESS);
    idt = verified(as, json, p);
    UNIT_ASSERT(idt);
    UNIT_EQ_STR(CLAIM_STR(idt, "email"), "alice@example.org");
    UNIT_EQ_STR(CLAIM_STR(idt, "department"), "Wonderland");
    UNIT_ASSERT(!CLAIM(idt, "email_verified"));
    UNIT_ASSERT(!CLAIM(idt, "name"));
    /* The refresh token keeps the whole grant: all of it again. */
    UNIT_EQ_INT(refresh_again(&json, as, st, "", NOW + 30, &err, p),
                APR_SUCCESS);
    UNIT_EQ_STR(fixture_json_string(json, "scope", p),
                "openid profile email employee");
    idt = verified(as, json, p);
    UNIT_ASSERT(idt);
    UNIT_ASSERT(json_is_true(CLAIM(idt, "email_verified")));
    UNIT_EQ_STR(CLAIM_STR(idt, "name"), "Alice Liddell");
    UNIT_EQ_STR(CLAIM_STR(idt, "department"), "Wonderland");
    /* Without openid, no ID token at all. */
    UNIT_EQ_INT(
        refresh_again(&json, as, st, "&scope=profile+email", NOW + 40, &err, p),
        APR_SUCCESS);
    UNIT_ASSERT(fixture_json_string(json, "access_token", p));
    UNIT_ASSERT(!fixture_json_string(json, "id_token", p));
}

/* Register the confidential client_credentials client @a id (secret
 * "pw") allowed @a scope; nonzero on success. */
static int service_client(oa2_store_t *st, const char *id, const char *scope,
                          apr_pool_t *p)
{
    oa2_client_t c = {0};

    c.client_id = id;
    c.secret_hash = oa2_secret_hash("pw", p);
    c.name = id;
    c.redirect_uris = apr_array_make(p, 1, sizeof(const char *));
    c.grant_types = "client_credentials";
    c.scope = scope;
    c.auth_method = "client_secret_basic";
    c.created_at = 1700000000;
    return oa2_store_client_add(st, &c, NULL, p) == APR_SUCCESS;
}

static void test_client_credentials_no_openid(apr_pool_t *p)
{
    oa2_as_t *as = fixture_op(ISS, p);
    oa2_store_t *st = fixture_store(ISS, p);
    const char *json = NULL;
    oa2_err_t err = {0};

#define CLIENT(id, form)                                                       \
    fixture_client_credentials(&json, as, st, (id), (form), NOW, &err, p)
    UNIT_ASSERT(as && st);
    UNIT_ASSERT(service_client(st, "svc", "openid read", p));
    UNIT_ASSERT(service_client(st, "bare", "openid", p));
    /* Asked for: refused, whatever else is asked. */
    UNIT_REFUSED(CLIENT("svc", "&scope=openid"), err, 400, "invalid_scope",
                 "OA2-00898");
    UNIT_DESCRIPTION_FIXED(err, NULL);
    UNIT_REFUSED(CLIENT("svc", "&scope=read+openid"), err, 400, "invalid_scope",
                 "OA2-00898");
    UNIT_ASSERT(json == NULL);
    /* Not asked for: the client's registered scope without openid. */
    UNIT_EQ_INT(CLIENT("svc", ""), APR_SUCCESS);
    UNIT_EQ_STR(fixture_json_string(json, "scope", p), "read");
    UNIT_ASSERT(!fixture_json_string(json, "id_token", p));
    UNIT_EQ_INT(CLIENT("bare", ""), APR_SUCCESS);
    UNIT_ASSERT(!fixture_json_string(json, "scope", p));
    UNIT_ASSERT(!fixture_json_string(json, "id_token", p));
    /* OAuth2OpenID off: openid is merely an unknown scope. */
    as = fixture_as(ISS, p);
    UNIT_ASSERT(as);
    json = NULL;
    UNIT_REFUSED(CLIENT("svc", "&scope=openid"), err, 400, "invalid_scope",
                 "OA2-00231");
    UNIT_EQ_INT(CLIENT("svc", ""), APR_SUCCESS);
    UNIT_EQ_STR(fixture_json_string(json, "scope", p), "read");
#undef CLIENT
}

/* OAuth2OpenID off, with openid still among the scopes (an OAuth2Scope
 * openid of the admin's own, say): a scope like any, no ID token. */
static void test_openid_off_no_id_token(apr_pool_t *p)
{
    oa2_as_t *as;
    oa2_store_t *st;
    const char *json;
    oa2_err_t err = {0};

    UNIT_ASSERT(
        fixture_op_web(&as, &st, ISS, "authorization_code refresh_token", p));
    as->openid = 0;
    UNIT_ASSERT(oa2_as_scope(as, "openid"));
    json = alice_tokens(as, st, "&scope=openid+email&nonce=abc", p);
    UNIT_ASSERT(json);
    UNIT_EQ_STR(fixture_json_string(json, "scope", p), "openid email");
    UNIT_ASSERT(!fixture_json_string(json, "id_token", p));
    UNIT_EQ_INT(refresh_again(&json, as, st, "", NOW, &err, p), APR_SUCCESS);
    UNIT_ASSERT(!fixture_json_string(json, "id_token", p));
    /* A code of an OpenID request made while it was on. */
    UNIT_ASSERT(fixture_code_stored(st, "the-code", "openid email", AUTH_TIME,
                                    NOW + 60, p));
    UNIT_EQ_INT(fixture_redeem(&json, as, st, "the-code", NOW, &err, p),
                APR_SUCCESS);
    UNIT_ASSERT(fixture_json_string(json, "access_token", p));
    UNIT_ASSERT(!fixture_json_string(json, "id_token", p));
    UNIT_EQ_INT(refresh_again(&json, as, st, "", NOW, &err, p), APR_SUCCESS);
    UNIT_ASSERT(!fixture_json_string(json, "id_token", p));
}

#define PARSE(q)                                                               \
    oa2_authorize_parse(&req, &redirectable, as, st, fixture_form((q), p),     \
                        &err, p)

static void test_authorize_nonce_kept(apr_pool_t *p)
{
    oa2_as_t *as;
    oa2_store_t *st;
    char *longest = apr_palloc(p, OA2_IDTOKEN_NONCE_MAX + 1);
    oa2_authz_request_t *req = NULL;
    oa2_err_t err = {0};
    int redirectable;

    UNIT_ASSERT(fixture_op_web(&as, &st, ISS, "authorization_code", p));
    UNIT_EQ_INT(PARSE(REQUEST "&scope=openid&nonce=" NONCE_QUERY), APR_SUCCESS);
    UNIT_EQ_STR(req->nonce, NONCE);
    memset(longest, 'n', OA2_IDTOKEN_NONCE_MAX);
    longest[OA2_IDTOKEN_NONCE_MAX] = '\0';
    UNIT_EQ_INT(PARSE(apr_pstrcat(
                    p, REQUEST "&scope=openid+email&nonce=", longest, NULL)),
                APR_SUCCESS);
    UNIT_EQ_STR(req->nonce, longest);
    /* Empty or absent: none. */
    UNIT_EQ_INT(PARSE(REQUEST "&scope=openid&nonce="), APR_SUCCESS);
    UNIT_ASSERT(req->nonce == NULL);
    UNIT_EQ_INT(PARSE(REQUEST "&scope=openid"), APR_SUCCESS);
    UNIT_ASSERT(req->nonce == NULL);
    /* Not an OpenID request: not kept, not even looked at. */
    UNIT_EQ_INT(PARSE(REQUEST "&scope=read&nonce=abc"), APR_SUCCESS);
    UNIT_ASSERT(req->nonce == NULL);
    UNIT_EQ_INT(PARSE(REQUEST "&scope=read&nonce=a%0Ab"), APR_SUCCESS);
    UNIT_ASSERT(req->nonce == NULL);
    as->openid = 0;
    UNIT_EQ_INT(PARSE(REQUEST "&scope=openid&nonce=abc"), APR_SUCCESS);
    UNIT_ASSERT(req->nonce == NULL);
}

static void test_authorize_nonce_refused(apr_pool_t *p)
{
    static const char *const bad[] = {"a%0Ab", "a%09b", "%7F", "caf%C3%A9",
                                      "a%0D%0AX-Injected:%201"};
    oa2_as_t *as;
    oa2_store_t *st;
    char *too_long = apr_palloc(p, OA2_IDTOKEN_NONCE_MAX + 2);
    oa2_authz_request_t *req = NULL;
    oa2_err_t err = {0};
    int redirectable = 0;
    apr_size_t i;

    UNIT_ASSERT(fixture_op_web(&as, &st, ISS, "authorization_code", p));
    memset(too_long, 'n', OA2_IDTOKEN_NONCE_MAX + 1);
    too_long[OA2_IDTOKEN_NONCE_MAX + 1] = '\0';
    UNIT_REFUSED(
        PARSE(apr_pstrcat(p, REQUEST "&scope=openid&nonce=", too_long, NULL)),
        err, 400, "invalid_request", "OA2-00896");
    /* Told to the client at its redirect_uri, with its state. */
    UNIT_EQ_INT(redirectable, 1);
    UNIT_EQ_STR(req->state, "s");
    UNIT_ASSERT(req->nonce == NULL);
    UNIT_DESCRIPTION_FIXED(err, too_long);
    UNIT_EQ_STR(fixture_query_param(
                    oa2_authorize_error_location(as, req, &err, p), "error", p),
                "invalid_request");
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        redirectable = 0;
        UNIT_REFUSED(PARSE(apr_pstrcat(p, REQUEST "&scope=openid+profile",
                                       "&nonce=", bad[i], NULL)),
                     err, 400, "invalid_request", "OA2-00896");
        UNIT_EQ_INT(redirectable, 1);
        UNIT_ASSERT(req->nonce == NULL);
    }
}

#undef PARSE

static void test_csrf_binds_nonce(apr_pool_t *p)
{
    oa2_as_t *as;
    oa2_store_t *st;
    oa2_authz_request_t *none, *a, *b;
    const char *t_none, *t_a;
    oa2_err_t err = {0};
    int redirectable;

#define PARSE(req, q)                                                          \
    oa2_authorize_parse(&(req), &redirectable, as, st, fixture_form((q), p),   \
                        &err, p)
    UNIT_ASSERT(fixture_op_web(&as, &st, ISS, "authorization_code", p));
    UNIT_EQ_INT(PARSE(none, REQUEST "&scope=openid"), APR_SUCCESS);
    UNIT_EQ_INT(PARSE(a, REQUEST "&scope=openid&nonce=nonce-a"), APR_SUCCESS);
    UNIT_EQ_INT(PARSE(b, REQUEST "&scope=openid&nonce=nonce-b"), APR_SUCCESS);
#undef PARSE
    t_none = oa2_csrf_make(as, "alice", none, NOW, p);
    t_a = oa2_csrf_make(as, "alice", a, NOW, p);
    UNIT_ASSERT(*t_none && *t_a);
    UNIT_ASSERT(strcmp(t_none, t_a));
    UNIT_ASSERT(strcmp(t_a, oa2_csrf_make(as, "alice", b, NOW, p)));
    UNIT_EQ_INT(oa2_csrf_check(as, t_a, "alice", a, NOW, &err, p), APR_SUCCESS);
    UNIT_EQ_INT(oa2_csrf_check(as, t_none, "alice", none, NOW, &err, p),
                APR_SUCCESS);
    /* A form of one nonce does not approve a request of another, nor one
     * without, nor the other way round. */
    UNIT_REFUSED(oa2_csrf_check(as, t_a, "alice", b, NOW, &err, p), err, 403,
                 "access_denied", "OA2-00321");
    UNIT_REFUSED(oa2_csrf_check(as, t_a, "alice", none, NOW, &err, p), err, 403,
                 "access_denied", "OA2-00321");
    UNIT_REFUSED(oa2_csrf_check(as, t_none, "alice", a, NOW, &err, p), err, 403,
                 "access_denied", "OA2-00321");
}

/* The consent form's token test_grant.c pins: issuer https://as.example,
 * the fixture key, alice, client web, scope read, no state, issued at NOW.
 * An OpenID Provider keeps it for requests without a nonce, so forms shown
 * before the upgrade still work. */
#define PINNED_CSRF "1800000000.vgD_aPAzyuIonpiyKh30rZ6KdXDOkLUMgMUNl1kv0e4"

static void test_csrf_vector_without_nonce(apr_pool_t *p)
{
    oa2_as_t *as = fixture_as("https://as.example", p);
    oa2_store_t *st = fixture_store("https://as.example", p);
    const char *query = "client_id=web&redirect_uri=" FIXTURE_CB_QUERY
                        "&response_type=code&code_challenge=" FIXTURE_CHALLENGE
                        "&code_challenge_method=S256&scope=read&nonce=abc";
    oa2_authz_request_t *req;
    oa2_err_t err = {0};
    int redirectable;

    UNIT_ASSERT(as && st);
    as->openid = 1;
    oa2_as_add_openid_scopes(as, p);
    UNIT_ASSERT(fixture_web_client(st, "authorization_code", p));
    /* The nonce of a request that is not an OpenID one is not kept. */
    UNIT_EQ_INT(oa2_authorize_parse(&req, &redirectable, as, st,
                                    fixture_form(query, p), &err, p),
                APR_SUCCESS);
    UNIT_ASSERT(req->nonce == NULL);
    UNIT_EQ_STR(oa2_csrf_make(as, "alice", req, NOW, p), PINNED_CSRF);
    UNIT_EQ_INT(oa2_csrf_check(as, PINNED_CSRF, "alice", req, NOW, &err, p),
                APR_SUCCESS);
    /* With one, the same request is another form. */
    req->nonce = "abc";
    UNIT_ASSERT(strcmp(oa2_csrf_make(as, "alice", req, NOW, p), PINNED_CSRF));
    UNIT_REFUSED(oa2_csrf_check(as, PINNED_CSRF, "alice", req, NOW, &err, p),
                 err, 403, "access_denied", "OA2-00321");
}

void unit_suite_openid(void)
{
    unit_suite("openid");
    UNIT_RUN(test_code_grant_id_token);
    UNIT_RUN(test_code_grant_without_nonce);
    UNIT_RUN(test_code_grant_without_openid);
    UNIT_RUN(test_refresh_id_token);
    UNIT_RUN(test_refresh_narrowed_drops_claims);
    UNIT_RUN(test_client_credentials_no_openid);
    UNIT_RUN(test_openid_off_no_id_token);
    UNIT_RUN(test_authorize_nonce_kept);
    UNIT_RUN(test_authorize_nonce_refused);
    UNIT_RUN(test_csrf_binds_nonce);
    UNIT_RUN(test_csrf_vector_without_nonce);
}
