/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/* Access tokens as a resource server sees them (RFC 9068 §4). */
#include <string.h>

#include <apr_strings.h>

#include "oa2_cleanup.h"
#include "oa2_access_token.h"
#include "unit.h"

#define NOW 1700000000
#define ISSUER "https://as.example.com"
#define AUDIENCE "https://rs.example.com"

/* What each test needs: a signing key, the policy, good claims. */
typedef struct env_t {
    oa2_key_t *key;                   /* data/ec256.pem */
    oa2_access_token_policy_t policy; /* trusts key, ISSUER, AUDIENCE */
    json_t *claims;                   /* valid at NOW; a test changes them */
} env_t;

/* Fill @a env; zero on failure. */
static int setup(env_t *env, apr_pool_t *p)
{
    oa2_err_t err;
    oa2_keyset_t *set = oa2_keys_set_make(p);

    memset(env, 0, sizeof(*env));
    if (oa2_keys_load_private_pem(&env->key, "data/ec256.pem", NULL, &err, p)
        != APR_SUCCESS) {
        return 0;
    }
    oa2_keys_set_add(set, env->key);
    env->policy.keys = set;
    env->policy.issuer = ISSUER;
    env->policy.audience = AUDIENCE;
    env->claims = oa2_cleanup_json(
        json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:I}", "iss",
                  ISSUER, "aud", AUDIENCE, "sub", "alice", "client_id", "app-1",
                  "jti", "j-1", "scope", "read write", "iat", (json_int_t)NOW,
                  "nbf", (json_int_t)NOW, "exp", (json_int_t)(NOW + 300)),
        p);
    return env->claims != NULL;
}

/* The claims of @a env signed as an access token with typ @a typ. */
static const char *mint(const env_t *env, const char *typ, apr_pool_t *p)
{
    const char *token = NULL;
    oa2_err_t err;

    if (oa2_jwt_sign(&token, env->key, typ, env->claims, &err, p)
        != APR_SUCCESS) {
        return NULL;
    }
    return token;
}

/* Mint the claims of env and validate them at time @a now. */
#define VALIDATE(tok, now, err)                                                \
    oa2_access_token_validate(&(tok), mint(&env, "at+jwt", p), &env.policy,    \
                              (now), &(err), p)

#define SET_CLAIM(name, value) json_object_set_new(env.claims, name, value)

/* Check that the claims of env validate at @a now. */
#define ACCEPTED(now)                                                          \
    do {                                                                       \
        oa2_access_token_t *tok_ = NULL;                                       \
        oa2_err_t err_ = {0};                                                  \
        UNIT_EQ_INT(VALIDATE(tok_, (now), err_), APR_SUCCESS);                 \
        UNIT_ASSERT(tok_ != NULL);                                             \
    } while (0)

/* Check that the claims of env are refused at @a now with log id @a id. */
#define REFUSED(now, id)                                                       \
    do {                                                                       \
        oa2_access_token_t *tok_ = NULL;                                       \
        oa2_err_t err_ = {0};                                                  \
        UNIT_REFUSED(VALIDATE(tok_, (now), err_), err_, 401, "invalid_token",  \
                     (id));                                                    \
        UNIT_ASSERT(tok_ == NULL);                                             \
    } while (0)

static void test_valid_token(apr_pool_t *p)
{
    env_t env;
    oa2_access_token_t *tok = NULL;
    oa2_err_t err = {0};

    UNIT_ASSERT(setup(&env, p));
    UNIT_EQ_INT(VALIDATE(tok, NOW, err), APR_SUCCESS);
    UNIT_EQ_STR(tok->sub, "alice");
    UNIT_EQ_STR(tok->client_id, "app-1");
    UNIT_EQ_STR(tok->jti, "j-1");
    UNIT_EQ_STR(tok->scope, "read write");
    UNIT_EQ_INT(tok->exp, NOW + 300);
    UNIT_ASSERT(tok->jwt && tok->jwt->key == env.key);
}

static void test_policy_incomplete(apr_pool_t *p)
{
    env_t env;
    oa2_access_token_t *tok = NULL;
    oa2_err_t err = {0};
    oa2_access_token_policy_t policy;

    UNIT_ASSERT(setup(&env, p));
    policy = env.policy;
    policy.audience = NULL;
    UNIT_REFUSED(oa2_access_token_validate(&tok, mint(&env, "at+jwt", p),
                                           &policy, NOW, &err, p),
                 err, 500, "server_error", "OA2-00050");
    policy = env.policy;
    policy.issuer = NULL;
    UNIT_REFUSED(oa2_access_token_validate(&tok, mint(&env, "at+jwt", p),
                                           &policy, NOW, &err, p),
                 err, 500, "server_error", "OA2-00050");
    policy = env.policy;
    policy.keys = NULL;
    UNIT_REFUSED(oa2_access_token_validate(&tok, mint(&env, "at+jwt", p),
                                           &policy, NOW, &err, p),
                 err, 500, "server_error", "OA2-00050");
}

static void test_wants_at_jwt(apr_pool_t *p)
{
    env_t env;
    oa2_access_token_t *tok = NULL;
    oa2_err_t err = {0};

    UNIT_ASSERT(setup(&env, p));
    /* an ID token or another JWT is not an access token (RFC 9068 §4) */
    UNIT_REFUSED(oa2_access_token_validate(&tok, mint(&env, "JWT", p),
                                           &env.policy, NOW, &err, p),
                 err, 401, "invalid_token", "OA2-00026");
    UNIT_REFUSED(oa2_access_token_validate(&tok, mint(&env, NULL, p),
                                           &env.policy, NOW, &err, p),
                 err, 401, "invalid_token", "OA2-00026");
    UNIT_EQ_INT(oa2_access_token_validate(&tok,
                                          mint(&env, "application/at+jwt", p),
                                          &env.policy, NOW, &err, p),
                APR_SUCCESS);
}

static void test_refuses_bad_signature(apr_pool_t *p)
{
    env_t env;
    oa2_access_token_t *tok = NULL;
    oa2_err_t err = {0};
    char *token;

    UNIT_ASSERT(setup(&env, p));
    token = apr_pstrdup(p, mint(&env, "at+jwt", p));
    token[strlen(token) - 10] = token[strlen(token) - 10] == 'A' ? 'B' : 'A';
    UNIT_REFUSED(
        oa2_access_token_validate(&tok, token, &env.policy, NOW, &err, p), err,
        401, "invalid_token", "OA2-00031");
}

static void test_issuer(apr_pool_t *p)
{
    env_t env;

    UNIT_ASSERT(setup(&env, p));
    SET_CLAIM("iss", json_string("https://evil.example.com"));
    REFUSED(NOW, "OA2-00051");
    /* exact comparison: no normalization of a trailing slash or case */
    SET_CLAIM("iss", json_string(ISSUER "/"));
    REFUSED(NOW, "OA2-00051");
    SET_CLAIM("iss", json_string("https://AS.example.com"));
    REFUSED(NOW, "OA2-00051");
    SET_CLAIM("iss", json_pack("[s]", ISSUER));
    REFUSED(NOW, "OA2-00051");
    json_object_del(env.claims, "iss");
    REFUSED(NOW, "OA2-00051");
}

static void test_audience_string(apr_pool_t *p)
{
    env_t env;

    UNIT_ASSERT(setup(&env, p));
    ACCEPTED(NOW);
    SET_CLAIM("aud", json_string("https://other.example.com"));
    REFUSED(NOW, "OA2-00052");
    SET_CLAIM("aud", json_string(AUDIENCE "/x"));
    REFUSED(NOW, "OA2-00052");
    SET_CLAIM("aud", json_string(""));
    REFUSED(NOW, "OA2-00052");
}

static void test_audience_array(apr_pool_t *p)
{
    env_t env;

    UNIT_ASSERT(setup(&env, p));
    SET_CLAIM("aud",
              json_pack("[s, s]", "https://other.example.com", AUDIENCE));
    ACCEPTED(NOW);
    SET_CLAIM("aud", json_pack("[s]", AUDIENCE));
    ACCEPTED(NOW);
    SET_CLAIM(
        "aud",
        json_pack("[s, s]", "https://a.example.com", "https://b.example.com"));
    REFUSED(NOW, "OA2-00052");
    SET_CLAIM("aud", json_pack("[]"));
    REFUSED(NOW, "OA2-00052");
    SET_CLAIM("aud", json_pack("[i, [s]]", 1, AUDIENCE));
    REFUSED(NOW, "OA2-00052");
}

static void test_audience_missing(apr_pool_t *p)
{
    env_t env;

    UNIT_ASSERT(setup(&env, p));
    json_object_del(env.claims, "aud");
    REFUSED(NOW, "OA2-00052");
    SET_CLAIM("aud", json_integer(1));
    REFUSED(NOW, "OA2-00052");
    SET_CLAIM("aud", json_pack("{s:s}", "aud", AUDIENCE));
    REFUSED(NOW, "OA2-00052");
}

static void test_expiry_leeway(apr_pool_t *p)
{
    env_t env;
    const apr_int64_t exp = NOW + 300;

    UNIT_ASSERT(setup(&env, p));
    ACCEPTED(exp - 1);
    ACCEPTED(exp);
    ACCEPTED(exp + 30);
    ACCEPTED(exp + OA2_ACCESS_TOKEN_LEEWAY - 1);
    /* the leeway is 60 s; at exp + 60 the token is gone */
    REFUSED(exp + OA2_ACCESS_TOKEN_LEEWAY, "OA2-00054");
    REFUSED(exp + OA2_ACCESS_TOKEN_LEEWAY + 1, "OA2-00054");
    REFUSED(exp + 86400, "OA2-00054");
}

static void test_expiry_required(apr_pool_t *p)
{
    env_t env;

    UNIT_ASSERT(setup(&env, p));
    json_object_del(env.claims, "exp");
    REFUSED(NOW, "OA2-00053");
    SET_CLAIM("exp", json_string("1700000300"));
    REFUSED(NOW, "OA2-00053");
    SET_CLAIM("exp", json_null());
    REFUSED(NOW, "OA2-00053");
    /* a NumericDate may have a fraction */
    SET_CLAIM("exp", json_real(NOW + 300.5));
    ACCEPTED(NOW);
}

static void test_expiry_beyond_int64(apr_pool_t *p)
{
    env_t env;
    oa2_access_token_t *tok = NULL;
    oa2_err_t err = {0};
    apr_status_t rv;

    UNIT_ASSERT(setup(&env, p));
    /* a NumericDate past 2^63 s: converting it to apr_int64_t is undefined
     * behaviour (x86-64 yields INT64_MIN, an expiry in the past); refuse
     * it or clamp it, but never let tok->exp fall before now */
    SET_CLAIM("exp", json_real(1e300));
    rv = VALIDATE(tok, NOW, err);
    UNIT_ASSERT(rv != APR_SUCCESS || tok->exp >= NOW);
}

static void test_not_before(apr_pool_t *p)
{
    env_t env;

    UNIT_ASSERT(setup(&env, p));
    SET_CLAIM("nbf", json_integer(NOW + OA2_ACCESS_TOKEN_LEEWAY));
    ACCEPTED(NOW);
    SET_CLAIM("nbf", json_integer(NOW + OA2_ACCESS_TOKEN_LEEWAY + 1));
    REFUSED(NOW, "OA2-00055");
    SET_CLAIM("nbf", json_integer(NOW + 3600));
    REFUSED(NOW, "OA2-00055");
    SET_CLAIM("nbf", json_string("now"));
    REFUSED(NOW, "OA2-00055");
    /* nbf is optional */
    json_object_del(env.claims, "nbf");
    ACCEPTED(NOW);
}

static void test_issued_at(apr_pool_t *p)
{
    env_t env;

    UNIT_ASSERT(setup(&env, p));
    SET_CLAIM("iat", json_integer(NOW - 3600));
    ACCEPTED(NOW);
    SET_CLAIM("iat", json_integer(NOW + OA2_ACCESS_TOKEN_LEEWAY));
    ACCEPTED(NOW);
    SET_CLAIM("iat", json_integer(NOW + OA2_ACCESS_TOKEN_LEEWAY + 1));
    REFUSED(NOW, "OA2-00056");
    SET_CLAIM("iat", json_string("yesterday"));
    REFUSED(NOW, "OA2-00056");
    /* RFC 9068 §2.2: iat is required */
    json_object_del(env.claims, "iat");
    REFUSED(NOW, "OA2-00056");
}

static void test_required_identities(apr_pool_t *p)
{
    static const char *const names[] = {"sub", "client_id", "jti"};
    apr_size_t i;

    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        env_t env;

        UNIT_ASSERT(setup(&env, p));
        json_object_del(env.claims, names[i]);
        REFUSED(NOW, "OA2-00058");
        SET_CLAIM(names[i], json_string(""));
        REFUSED(NOW, "OA2-00058");
        SET_CLAIM(names[i], json_integer(7));
        REFUSED(NOW, "OA2-00058");
        SET_CLAIM(names[i], json_pack("[s]", "alice"));
        REFUSED(NOW, "OA2-00058");
    }
}

static void test_refuses_control_characters(apr_pool_t *p)
{
    env_t env;

    UNIT_ASSERT(setup(&env, p));
    /* r->user, the environment and the log never see these */
    SET_CLAIM("sub", json_string("alice\nadmin"));
    REFUSED(NOW, "OA2-00058");
    SET_CLAIM("sub", json_string("alice\r"));
    REFUSED(NOW, "OA2-00058");
    SET_CLAIM("sub", json_string("\x1b[31malice"));
    REFUSED(NOW, "OA2-00058");
    SET_CLAIM("sub", json_string("alice\x7f"));
    REFUSED(NOW, "OA2-00058");
    SET_CLAIM("sub", json_string("alice"));
    SET_CLAIM("client_id", json_string("app\t1"));
    REFUSED(NOW, "OA2-00058");
    SET_CLAIM("client_id", json_string("app-1"));
    SET_CLAIM("jti", json_string("j\n1"));
    REFUSED(NOW, "OA2-00058");
    SET_CLAIM("jti", json_string("j-1"));
    SET_CLAIM("scope", json_string("read\nwrite"));
    REFUSED(NOW, "OA2-00048");
    SET_CLAIM("scope", json_string("read write"));
    /* UTF-8 beyond ASCII is printable */
    SET_CLAIM("sub", json_string("J\xc3\xbcrgen"));
    ACCEPTED(NOW);
}

static void test_scope(apr_pool_t *p)
{
    env_t env;
    oa2_access_token_t *tok = NULL;
    oa2_err_t err = {0};

    UNIT_ASSERT(setup(&env, p));
    SET_CLAIM("scope", json_pack("[s, s]", "read", "write"));
    REFUSED(NOW, "OA2-00057");
    SET_CLAIM("scope", json_integer(1));
    REFUSED(NOW, "OA2-00057");
    SET_CLAIM("scope", json_null());
    REFUSED(NOW, "OA2-00057");
    json_object_del(env.claims, "scope");
    UNIT_EQ_INT(VALIDATE(tok, NOW, err), APR_SUCCESS);
    UNIT_EQ_STR(tok->scope, "");
}

static void test_claim_equals(apr_pool_t *p)
{
    env_t env;
    oa2_access_token_t *tok = NULL;
    oa2_err_t err = {0};

    UNIT_ASSERT(setup(&env, p));
    SET_CLAIM("dept", json_string("sales"));
    SET_CLAIM("level", json_integer(42));
    SET_CLAIM("neg", json_integer(-7));
    SET_CLAIM("admin", json_true());
    SET_CLAIM("guest", json_false());
    SET_CLAIM("groups", json_pack("[s, i, b]", "staff", 3, 1));
    SET_CLAIM("ratio", json_real(0.5));
    SET_CLAIM("nothing", json_null());
    SET_CLAIM("obj", json_pack("{s:s}", "dept", "sales"));
    UNIT_EQ_INT(VALIDATE(tok, NOW, err), APR_SUCCESS);

    UNIT_ASSERT(oa2_access_token_claim_equals(tok, "dept", "sales", p));
    UNIT_ASSERT(!oa2_access_token_claim_equals(tok, "dept", "Sales", p));
    UNIT_ASSERT(!oa2_access_token_claim_equals(tok, "dept", "sale", p));
    UNIT_ASSERT(oa2_access_token_claim_equals(tok, "sub", "alice", p));

    UNIT_ASSERT(oa2_access_token_claim_equals(tok, "level", "42", p));
    UNIT_ASSERT(!oa2_access_token_claim_equals(tok, "level", "042", p));
    UNIT_ASSERT(!oa2_access_token_claim_equals(tok, "level", "42.0", p));
    UNIT_ASSERT(!oa2_access_token_claim_equals(tok, "level", "4", p));
    UNIT_ASSERT(oa2_access_token_claim_equals(tok, "neg", "-7", p));

    UNIT_ASSERT(oa2_access_token_claim_equals(tok, "admin", "true", p));
    UNIT_ASSERT(!oa2_access_token_claim_equals(tok, "admin", "false", p));
    UNIT_ASSERT(!oa2_access_token_claim_equals(tok, "admin", "1", p));
    UNIT_ASSERT(oa2_access_token_claim_equals(tok, "guest", "false", p));
    UNIT_ASSERT(!oa2_access_token_claim_equals(tok, "guest", "true", p));
    UNIT_ASSERT(!oa2_access_token_claim_equals(tok, "guest", "", p));

    UNIT_ASSERT(oa2_access_token_claim_equals(tok, "groups", "staff", p));
    UNIT_ASSERT(oa2_access_token_claim_equals(tok, "groups", "3", p));
    UNIT_ASSERT(oa2_access_token_claim_equals(tok, "groups", "true", p));
    UNIT_ASSERT(!oa2_access_token_claim_equals(tok, "groups", "admins", p));
    UNIT_ASSERT(!oa2_access_token_claim_equals(tok, "groups", "staff 3", p));

    UNIT_ASSERT(!oa2_access_token_claim_equals(tok, "missing", "x", p));
    UNIT_ASSERT(!oa2_access_token_claim_equals(tok, "nothing", "null", p));
    UNIT_ASSERT(!oa2_access_token_claim_equals(tok, "nothing", "", p));
    UNIT_ASSERT(!oa2_access_token_claim_equals(tok, "obj", "sales", p));
    UNIT_ASSERT(!oa2_access_token_claim_equals(tok, "ratio", "0.5", p));
}

static void test_claims_json(apr_pool_t *p)
{
    env_t env;
    oa2_access_token_t *tok = NULL;
    oa2_err_t err = {0};
    json_t *back;

    UNIT_ASSERT(setup(&env, p));
    UNIT_EQ_INT(VALIDATE(tok, NOW, err), APR_SUCCESS);
    back = oa2_cleanup_json(
        json_loads(oa2_access_token_claims_json(tok, p), 0, NULL), p);
    UNIT_ASSERT(back);
    UNIT_ASSERT(json_equal(back, env.claims));
    UNIT_ASSERT(!strchr(oa2_access_token_claims_json(tok, p), '\n'));
}

/* A record of a validated token gives back the same token; only expiry
 * is checked again. */
static void test_cache_record_round_trip(apr_pool_t *p)
{
    env_t env;
    oa2_access_token_t *tok = NULL, *back = NULL;
    oa2_err_t err = {0};
    const char *rec;
    apr_size_t len;

    UNIT_ASSERT(setup(&env, p));
    SET_CLAIM("dept", json_string("sales"));
    UNIT_EQ_INT(VALIDATE(tok, NOW, err), APR_SUCCESS);
    rec = oa2_access_token_cache_record(&len, tok, p);
    UNIT_ASSERT(rec && rec[len] == '\0');
    UNIT_EQ_INT(
        oa2_access_token_from_cache_record(&back, rec, len, NOW, &err, p),
        APR_SUCCESS);
    UNIT_EQ_STR(back->sub, "alice");
    UNIT_EQ_STR(back->client_id, "app-1");
    UNIT_EQ_STR(back->jti, "j-1");
    UNIT_EQ_STR(back->scope, "read write");
    UNIT_EQ_STR(back->kid, tok->kid);
    UNIT_EQ_INT(back->exp, NOW + 300);
    UNIT_ASSERT(back->jwt == NULL && back->claims == NULL);
    UNIT_ASSERT(oa2_access_token_claim_equals(back, "dept", "sales", p));
    UNIT_ASSERT(json_equal(oa2_access_token_claims(back, p), tok->claims));
    UNIT_EQ_STR(oa2_access_token_claims_json(back, p),
                oa2_access_token_claims_json(tok, p));
    /* expiry, with the same leeway as a full check */
    UNIT_EQ_INT(
        oa2_access_token_from_cache_record(
            &back, rec, len, NOW + 300 + OA2_ACCESS_TOKEN_LEEWAY - 1, &err, p),
        APR_SUCCESS);
    UNIT_REFUSED(
        oa2_access_token_from_cache_record(
            &back, rec, len, NOW + 300 + OA2_ACCESS_TOKEN_LEEWAY, &err, p),
        err, 401, "invalid_token", "OA2-00047");
}

static void test_cache_keys(apr_pool_t *p)
{
    env_t env;
    oa2_access_token_policy_t other;
    const unsigned char *key, *rev;
    const char *token;

    UNIT_ASSERT(setup(&env, p));
    token = mint(&env, "at+jwt", p);
    key = oa2_access_token_cache_key(token, &env.policy, p);
    UNIT_ASSERT(key);
    UNIT_ASSERT(!memcmp(key, oa2_access_token_cache_key(token, &env.policy, p),
                        OA2_ACCESS_TOKEN_CACHE_KEY_LEN));
    /* Every part of the policy is part of the key. */
    other = env.policy;
    other.audience = "https://other.example/api";
    UNIT_ASSERT(memcmp(key, oa2_access_token_cache_key(token, &other, p),
                       OA2_ACCESS_TOKEN_CACHE_KEY_LEN));
    other = env.policy;
    other.issuer = "https://other.example";
    UNIT_ASSERT(memcmp(key, oa2_access_token_cache_key(token, &other, p),
                       OA2_ACCESS_TOKEN_CACHE_KEY_LEN));
    /* Revocation verdicts: per issuer and jti, never a token's key. */
    rev = oa2_access_token_revocation_key(ISSUER, "j-1", p);
    UNIT_ASSERT(rev);
    UNIT_ASSERT(!memcmp(rev, oa2_access_token_revocation_key(ISSUER, "j-1", p),
                        OA2_ACCESS_TOKEN_CACHE_KEY_LEN));
    UNIT_ASSERT(memcmp(rev, oa2_access_token_revocation_key(ISSUER, "j-2", p),
                       OA2_ACCESS_TOKEN_CACHE_KEY_LEN));
    UNIT_ASSERT(memcmp(
        rev, oa2_access_token_revocation_key("https://other.example", "j-1", p),
        OA2_ACCESS_TOKEN_CACHE_KEY_LEN));
    UNIT_ASSERT(memcmp(rev, key, OA2_ACCESS_TOKEN_CACHE_KEY_LEN));
}

/* A sender-bound token's cnf (RFC 7800): its thumbprints read, kept in
 * a cache record, and a cnf this server cannot read refused. */
static void test_cnf(apr_pool_t *p)
{
    static const char jkt[] = "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I";
    static const char x5t[] = "bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2";
    env_t env;
    oa2_access_token_t *tok = NULL, *back = NULL;
    oa2_err_t err = {0};
    const char *rec;
    apr_size_t len;

    UNIT_ASSERT(setup(&env, p));
    UNIT_EQ_INT(VALIDATE(tok, NOW, err), APR_SUCCESS);
    UNIT_ASSERT(!oa2_access_token_cnf_binds(&tok->cnf));
    UNIT_ASSERT(oa2_access_token_cnf_json(&tok->cnf, p) == NULL);
    SET_CLAIM("cnf", json_pack("{s:s,s:s}", "jkt", jkt, "x5t#S256", x5t));
    UNIT_EQ_INT(VALIDATE(tok, NOW, err), APR_SUCCESS);
    UNIT_EQ_STR(tok->cnf.jkt, jkt);
    UNIT_EQ_STR(tok->cnf.x5t, x5t);
    UNIT_EQ_STR(
        oa2_access_token_cnf_json(&tok->cnf, p),
        apr_psprintf(p, "{\"jkt\":\"%s\",\"x5t#S256\":\"%s\"}", jkt, x5t));
    rec = oa2_access_token_cache_record(&len, tok, p);
    UNIT_EQ_INT(
        oa2_access_token_from_cache_record(&back, rec, len, NOW, &err, p),
        APR_SUCCESS);
    UNIT_EQ_STR(back->cnf.jkt, jkt);
    UNIT_EQ_STR(back->cnf.x5t, x5t);
    SET_CLAIM("cnf", json_pack("{s:s}", "x5t#S256", x5t));
    UNIT_EQ_INT(VALIDATE(tok, NOW, err), APR_SUCCESS);
    UNIT_ASSERT(tok->cnf.jkt == NULL);
    rec = oa2_access_token_cache_record(&len, tok, p);
    UNIT_EQ_INT(
        oa2_access_token_from_cache_record(&back, rec, len, NOW, &err, p),
        APR_SUCCESS);
    UNIT_ASSERT(back->cnf.jkt == NULL);
    UNIT_EQ_STR(back->cnf.x5t, x5t);
    /* what cannot be read is no bearer token either */
    SET_CLAIM("cnf", json_string(jkt));
    UNIT_REFUSED(VALIDATE(tok, NOW, err), err, 401, "invalid_token",
                 "OA2-01400");
    SET_CLAIM("cnf", json_pack("{s:i}", "jkt", 1));
    UNIT_REFUSED(VALIDATE(tok, NOW, err), err, 401, "invalid_token",
                 "OA2-01400");
    SET_CLAIM("cnf", json_pack("{s:s}", "jkt", "a b"));
    UNIT_REFUSED(VALIDATE(tok, NOW, err), err, 401, "invalid_token",
                 "OA2-01400");
    SET_CLAIM("cnf", json_pack("{s:s}", "jkt", ""));
    UNIT_REFUSED(VALIDATE(tok, NOW, err), err, 401, "invalid_token",
                 "OA2-01400");
    SET_CLAIM("cnf", json_pack("{s:s}", "jkt", apr_pstrcat(p, jkt, jkt, NULL)));
    UNIT_REFUSED(VALIDATE(tok, NOW, err), err, 401, "invalid_token",
                 "OA2-01400");
    SET_CLAIM("cnf", json_pack("{s:s}", "jwk", "{}"));
    UNIT_REFUSED(VALIDATE(tok, NOW, err), err, 401, "invalid_token",
                 "OA2-01401");
}

static void test_cache_record_damaged(apr_pool_t *p)
{
#define REC(text)                                                              \
    {                                                                          \
        text, sizeof(text) - 1                                                 \
    }
    static const struct {
        const char *rec;
        apr_size_t len;
    } bad[] = {
        REC(""),
        REC("2000000000\0kid\0alice\0app\0j\0read"),
        /* a record of the format before cnf (two fields fewer) */
        REC("2000000000\0kid\0alice\0app\0j\0read\0{}"),
        REC("x\0kid\0alice\0app\0j\0read\0\0\0{}"),
        REC("\0kid\0alice\0app\0j\0read\0\0\0{}"),
        REC("2000000000\0kid\0\0app\0j\0read\0\0\0{}"),
        REC("2000000000\0kid\0alice\0app\0\0read\0\0\0{}"),
        REC("2000000000\0kid\0alice\0app\0j\0read\0\0\0{}\0"),
        /* beyond what a token may claim; found by fuzz_access_token */
        REC("17170000000000000001\0kid\0alice\0app\0j\0read\0\0\0{}"),
        REC("253402300800\0kid\0alice\0app\0j\0read\0\0\0{}"),
        REC("-1\0kid\0alice\0app\0j\0read\0\0\0{}"),
    };
    static const char good[] = "2000000000\0kid\0alice\0app\0j\0read\0\0\0{}";
    oa2_access_token_t *tok = NULL;
    oa2_err_t err = {0};
    apr_size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
        const char *rec = apr_pstrmemdup(p, bad[i].rec, bad[i].len);
        /* not a verdict: the caller checks the token in full */
        UNIT_EQ_INT(oa2_access_token_from_cache_record(&tok, rec, bad[i].len,
                                                       NOW, &err, p),
                    APR_EINVAL);
        UNIT_EQ_STR(err.log_id, "OA2-00049");
    }
    /* the same, whole, is fine; and without a client_id, which an
     * introspection answer need not name (RFC 7662 section 2.2) */
    UNIT_EQ_INT(oa2_access_token_from_cache_record(
                    &tok,
                    apr_pstrmemdup(
                        p, "2000000000\0\0alice\0\0j\0read\0\0\0{}",
                        sizeof("2000000000\0\0alice\0\0j\0read\0\0\0{}") - 1),
                    sizeof("2000000000\0\0alice\0\0j\0read\0\0\0{}") - 1, NOW,
                    &err, p),
                APR_SUCCESS);
    UNIT_EQ_INT(oa2_access_token_from_cache_record(
                    &tok, apr_pstrmemdup(p, good, sizeof(good) - 1),
                    sizeof(good) - 1, NOW, &err, p),
                APR_SUCCESS);
    UNIT_EQ_STR(tok->jti, "j");
#undef REC
}

/* OAUTH2_CLAIMS stays on one line whatever the issuer's layout. */
static void test_claims_json_one_line(apr_pool_t *p)
{
    oa2_access_token_t tok = {0};
    const char *json;

    tok.payload = "{\"sub\":\"alice\", \"n\": 1}";
    tok.payload_len = strlen(tok.payload);
    UNIT_EQ_STR(oa2_access_token_claims_json(&tok, p), tok.payload);
    tok.payload = "{\n  \"sub\": \"alice\",\r\n\t\"n\": 1\n}\n";
    tok.payload_len = strlen(tok.payload);
    json = oa2_access_token_claims_json(&tok, p);
    UNIT_EQ_STR(json, "{\"sub\":\"alice\",\"n\":1}");
}

void unit_suite_access_token(void)
{
    unit_suite("access_token");
    UNIT_RUN(test_valid_token);
    UNIT_RUN(test_policy_incomplete);
    UNIT_RUN(test_wants_at_jwt);
    UNIT_RUN(test_refuses_bad_signature);
    UNIT_RUN(test_issuer);
    UNIT_RUN(test_audience_string);
    UNIT_RUN(test_audience_array);
    UNIT_RUN(test_audience_missing);
    UNIT_RUN(test_expiry_leeway);
    UNIT_RUN(test_expiry_required);
    UNIT_RUN(test_expiry_beyond_int64);
    UNIT_RUN(test_not_before);
    UNIT_RUN(test_issued_at);
    UNIT_RUN(test_required_identities);
    UNIT_RUN(test_refuses_control_characters);
    UNIT_RUN(test_scope);
    UNIT_RUN(test_claim_equals);
    UNIT_RUN(test_claims_json);
    UNIT_RUN(test_cache_record_round_trip);
    UNIT_RUN(test_cache_keys);
    UNIT_RUN(test_cnf);
    UNIT_RUN(test_cache_record_damaged);
    UNIT_RUN(test_claims_json_one_line);
}
