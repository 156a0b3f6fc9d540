/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/* The resource server as an RFC 7662 client: answers turned into tokens
 * (oa2_remote_introspection.c). */
#include <string.h>

#include <apr_strings.h>

#include "oa2_remote_introspection.h"
#include "unit.h"

#define NOW 1700000000
#define ISSUER "https://as.example.com"
#define AUDIENCE "https://rs.example.com"

static const oa2_access_token_policy_t policy = {NULL, ISSUER, AUDIENCE};

/* The verdict on a 200 answer of @a body. */
static apr_status_t verdict(oa2_access_token_t **tok, oa2_err_t *err,
                            const char *body, apr_pool_t *p)
{
    oa2_fetch_result_t res;

    memset(&res, 0, sizeof(res));
    res.status = 200;
    res.body = body;
    res.len = strlen(body);
    return oa2_remote_introspection_verdict(tok, &res, "opaque-token", &policy,
                                            NOW, err, p);
}

static void test_active(apr_pool_t *p)
{
    oa2_access_token_t *tok = NULL;
    oa2_err_t err;

    UNIT_EQ_INT(verdict(&tok, &err,
                        "{\"active\":true,\"sub\":\"alice\",\"client_id\":"
                        "\"app\",\"scope\":\"read write\",\"exp\":1700000600,"
                        "\"iss\":\"" ISSUER "\",\"aud\":[\"x\",\"" AUDIENCE
                        "\"],\"jti\":\"j1\"}",
                        p),
                APR_SUCCESS);
    UNIT_ASSERT(tok->introspected);
    UNIT_EQ_STR(tok->sub, "alice");
    UNIT_EQ_STR(tok->client_id, "app");
    UNIT_EQ_STR(tok->scope, "read write");
    UNIT_EQ_STR(tok->jti, "j1");
    UNIT_EQ_INT(tok->exp, 1700000600);
    UNIT_ASSERT(strstr(tok->payload, "\"sub\":\"alice\"") != NULL);
}

static void test_client_token(apr_pool_t *p)
{
    oa2_access_token_t *tok = NULL;
    oa2_err_t err;

    /* node-oidc-provider's client_credentials answer: no sub, no jti, no
     * exp limit here */
    UNIT_EQ_INT(verdict(&tok, &err,
                        "{\"active\":true,\"client_id\":\"app\","
                        "\"token_type\":\"Bearer\"}",
                        p),
                APR_SUCCESS);
    UNIT_EQ_STR(tok->sub, "app");
    UNIT_EQ_STR(tok->scope, "");
    UNIT_EQ_INT(tok->exp, -1);
    /* a name for the log, never the token */
    UNIT_EQ_INT(strlen(tok->jti), 8);
    UNIT_ASSERT(!strstr(tok->jti, "opaque"));
}

/* RFC 8705 §3.2, RFC 9449 §6.2: a bound token stays bound when its
 * issuer vouches for it (the resource server then demands the
 * certificate or a proof of the key); a cnf that cannot be read refuses
 * it, never makes it a bearer token. */
static void test_confirmation(apr_pool_t *p)
{
    oa2_access_token_t *tok = NULL;
    oa2_err_t err;

    UNIT_EQ_INT(verdict(&tok, &err,
                        "{\"active\":true,\"sub\":\"alice\",\"client_id\":"
                        "\"app\",\"token_type\":\"DPoP\",\"cnf\":{\"jkt\":"
                        "\"0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I\"}}",
                        p),
                APR_SUCCESS);
    UNIT_EQ_STR(tok->cnf.jkt, "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I");
    UNIT_ASSERT(!tok->cnf.x5t);
    UNIT_REFUSED(verdict(&tok, &err,
                         "{\"active\":true,\"sub\":\"alice\",\"cnf\":"
                         "{\"jkt\":7}}",
                         p),
                 err, 401, "invalid_token", "OA2-01400");
    UNIT_EQ_INT(verdict(&tok, &err,
                        "{\"active\":true,\"client_id\":\"app\","
                        "\"cnf\":{\"x5t#S256\":\"bwcK0esc3ACC3DB2Y5_"
                        "lESsXE8o9ltc05O89jdN-dg2\"}}",
                        p),
                APR_SUCCESS);
    UNIT_EQ_STR(tok->cnf.x5t, "bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2");
    UNIT_ASSERT(!tok->cnf.jkt);
    UNIT_EQ_INT(
        verdict(&tok, &err, "{\"active\":true,\"client_id\":\"app\"}", p),
        APR_SUCCESS);
    UNIT_ASSERT(!tok->cnf.x5t && !tok->cnf.jkt);
    UNIT_REFUSED(verdict(&tok, &err,
                         "{\"active\":true,\"client_id\":\"app\","
                         "\"cnf\":{\"x5t#S256\":7}}",
                         p),
                 err, 401, "invalid_token", "OA2-01400");
    UNIT_REFUSED(verdict(&tok, &err,
                         "{\"active\":true,\"client_id\":\"app\","
                         "\"cnf\":{\"x5t\":\"abc\"}}",
                         p),
                 err, 401, "invalid_token", "OA2-01401");
}

static void test_refused(apr_pool_t *p)
{
    static const struct {
        const char *body, *log_id;
    } cases[] = {
        {"{\"active\":false}", "OA2-00950"},
        {"{\"active\":true,\"sub\":\"a\",\"token_type\":\"refresh_token\"}",
         "OA2-00951"},
        {"{\"active\":true,\"sub\":\"a\",\"exp\":1699999900}", "OA2-00952"},
        {"{\"active\":true,\"sub\":\"a\",\"exp\":\"soon\"}", "OA2-00952"},
        {"{\"active\":true,\"sub\":\"a\",\"nbf\":1700000100}", "OA2-00953"},
        {"{\"active\":true,\"sub\":\"a\",\"iss\":\"https://other\"}",
         "OA2-00954"},
        {"{\"active\":true,\"sub\":\"a\",\"aud\":\"https://other\"}",
         "OA2-00955"},
        {"{\"active\":true,\"sub\":\"a\",\"aud\":[]}", "OA2-00955"},
        {"{\"active\":true}", "OA2-00958"},
        {"{\"active\":true,\"sub\":\"a\\nb\"}", "OA2-00958"},
        {"{\"active\":true,\"sub\":\"a\",\"scope\":7}", "OA2-00958"},
    };
    apr_size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        oa2_access_token_t *tok = NULL;
        oa2_err_t err = {0};
        UNIT_EQ_INT(verdict(&tok, &err, cases[i].body, p), APR_EGENERAL);
        UNIT_EQ_INT(err.status, 401);
        UNIT_EQ_STR(err.error, "invalid_token");
        UNIT_EQ_STR(err.log_id, cases[i].log_id);
    }
}

static void test_not_an_answer(apr_pool_t *p)
{
    static const char *const bodies[] = {
        "<html>", "[]", "{\"active\":\"true\"}", "{\"sub\":\"a\"}", "",
    };
    oa2_fetch_result_t res;
    oa2_access_token_t *tok;
    oa2_err_t err;
    apr_size_t i;

    for (i = 0; i < sizeof(bodies) / sizeof(*bodies); i++) {
        UNIT_EQ_INT(verdict(&tok, &err, bodies[i], p), APR_EGENERAL);
        UNIT_EQ_INT(err.status, 503);
        UNIT_EQ_STR(err.log_id, "OA2-00957");
    }
    memset(&res, 0, sizeof(res));
    res.status = 401;
    res.body = "{}";
    res.len = 2;
    UNIT_EQ_INT(oa2_remote_introspection_verdict(&tok, &res, "t", &policy, NOW,
                                                 &err, p),
                APR_EGENERAL);
    UNIT_EQ_INT(err.status, 503);
    UNIT_ASSERT(strstr(err.detail, "secret file") != NULL);
}

static void test_form_and_key(apr_pool_t *p)
{
    oa2_remote_introspection_t a = {"https://as/introspect", "rs", {0}};
    oa2_remote_introspection_t b = {"https://as/introspect", "rs2", {0}};
    oa2_access_token_policy_t other = policy;
    const unsigned char *ka;

    UNIT_EQ_STR(oa2_remote_introspection_form("a+b/c=", p),
                "token=a%2Bb%2Fc%3D&token_type_hint=access_token");
    ka = oa2_remote_introspection_key("tok", &a, &policy, 60, p);
    UNIT_ASSERT(ka != NULL);
    /* the same question, the same key */
    UNIT_ASSERT(!memcmp(ka,
                        oa2_remote_introspection_key("tok", &a, &policy, 60, p),
                        OA2_ACCESS_TOKEN_CACHE_KEY_LEN));
    /* another asker, audience or token: another key */
    UNIT_ASSERT(memcmp(ka,
                       oa2_remote_introspection_key("tok", &b, &policy, 60, p),
                       OA2_ACCESS_TOKEN_CACHE_KEY_LEN));
    other.audience = "https://other.example";
    UNIT_ASSERT(memcmp(ka,
                       oa2_remote_introspection_key("tok", &a, &other, 60, p),
                       OA2_ACCESS_TOKEN_CACHE_KEY_LEN));
    UNIT_ASSERT(memcmp(ka,
                       oa2_remote_introspection_key("tok2", &a, &policy, 60, p),
                       OA2_ACCESS_TOKEN_CACHE_KEY_LEN));
    /* another location's TTL: another key (each keeps its own bound) */
    UNIT_ASSERT(memcmp(ka,
                       oa2_remote_introspection_key("tok", &a, &policy, 1, p),
                       OA2_ACCESS_TOKEN_CACHE_KEY_LEN));
}

void unit_suite_remote_introspection(void)
{
    unit_suite("remote_introspection");
    UNIT_RUN(test_active);
    UNIT_RUN(test_client_token);
    UNIT_RUN(test_confirmation);
    UNIT_RUN(test_refused);
    UNIT_RUN(test_not_an_answer);
    UNIT_RUN(test_form_and_key);
}
