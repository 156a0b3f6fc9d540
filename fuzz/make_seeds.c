/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/*
 * Write the seeds of the token and JWKS fuzz targets: tokens signed by the
 * core's oa2_jwt_sign() with the unit-test keys (valid at the fixed time
 * fuzz_access_token.c checks them at), broken variants of them, claims objects
 * for fuzz_access_token's '{' mode, and JWK sets derived from the same keys.
 *   make -f apxs.mk fuzz-seeds   (runs: make_seeds t/unit/data fuzz/corpus)
 * ES256 signatures are randomized, so each run writes different tokens.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_strings.h>

#include "oa2_b64.h"
#include "oa2_cleanup.h"
#include "oa2_jwt.h"
#include "oa2_keys.h"

/* As in fuzz_access_token.c. */
#define NOW 1700000000
#define ISSUER "https://as.example.test"
#define AUDIENCE "https://api.example.test/"

static apr_pool_t *pool;
static const char *out_dir;
static oa2_key_t *ec_key, *rsa_key;

static void die(const char *what)
{
    fprintf(stderr, "make_seeds: %s\n", what);
    exit(1);
}

static void put(const char *target, const char *name, const char *text)
{
    const char *path = apr_pstrcat(pool, out_dir, "/", target, "/", name, NULL);
    FILE *f = fopen(path, "wb");

    if (!f || fwrite(text, 1, strlen(text), f) != strlen(text) || fclose(f)) {
        die(path);
    }
}

static oa2_key_t *load(const char *dir, const char *file, const char *kid)
{
    oa2_key_t *key;
    oa2_err_t err = {0};

    if (oa2_keys_load_private_pem(&key, apr_pstrcat(pool, dir, "/", file, NULL),
                                  kid, &err, pool)
        != APR_SUCCESS) {
        die(err.description);
    }
    return key;
}

/* Good claims: valid at NOW for ISSUER and AUDIENCE. */
static json_t *claims(void)
{
    return oa2_cleanup_json(
        json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I}", "iss", ISSUER,
                  "aud", AUDIENCE, "sub", "alice", "client_id", "app", "jti",
                  "j-1", "scope", "read write", "iat", (json_int_t)NOW, "exp",
                  (json_int_t)(NOW + 900)),
        pool);
}

static const char *sign(const oa2_key_t *key, const char *typ, json_t *c)
{
    const char *token;
    oa2_err_t err = {0};

    if (oa2_jwt_sign(&token, key, typ, c, &err, pool) != APR_SUCCESS) {
        die(err.description);
    }
    return token;
}

/* @a token with its header segment replaced by @a header_json. */
static const char *with_header(const char *token, const char *header_json)
{
    return apr_pstrcat(pool,
                       oa2_b64_encode((const unsigned char *)header_json,
                                      strlen(header_json), pool),
                       strchr(token, '.'), NULL);
}

/* @a token with its payload segment replaced by @a payload_json. */
static const char *with_payload(const char *token, const char *payload_json)
{
    const char *dot1 = strchr(token, '.'), *dot2 = strchr(dot1 + 1, '.');

    return apr_pstrcat(pool, apr_pstrmemdup(pool, token, dot1 - token + 1),
                       oa2_b64_encode((const unsigned char *)payload_json,
                                      strlen(payload_json), pool),
                       dot2, NULL);
}

static void token_seeds(void)
{
    const char *ec = sign(ec_key, "at+jwt", claims());
    const char *rsa = sign(rsa_key, "at+jwt", claims());
    const char *dot2 = strrchr(ec, '.');
    json_t *c;
    char *s;

#define VARIANT(name, edit)                                                    \
    do {                                                                       \
        c = claims();                                                          \
        edit;                                                                  \
        put("access_token", name, sign(ec_key, "at+jwt", c));                         \
        s = json_dumps(c, JSON_COMPACT);                                       \
        put("access_token", "claims-" name, s);                                       \
        free(s);                                                               \
    } while (0)

    put("access_token", "valid-es256", ec);
    put("access_token", "valid-rs256", rsa);
    put("access_token", "typ-application",
        sign(ec_key, "application/AT+JWT", claims()));
    put("access_token", "typ-jwt", sign(ec_key, "JWT", claims()));
    put("access_token", "typ-none", sign(rsa_key, NULL, claims()));
    VARIANT("valid", (void)0);
    VARIANT("aud-array",
            json_object_set_new(c, "aud", json_pack("[s,s]", "x", AUDIENCE)));
    VARIANT("aud-other", json_object_set_new(c, "aud", json_string("x")));
    VARIANT("iss-other", json_object_set_new(c, "iss", json_string("x")));
    VARIANT("expired", json_object_set_new(c, "exp", json_integer(NOW - 3600)));
    VARIANT("exp-huge", json_object_set_new(c, "exp", json_real(1e300)));
    VARIANT("exp-string", json_object_set_new(c, "exp", json_string("1")));
    VARIANT("nbf-future",
            json_object_set_new(c, "nbf", json_integer(NOW + 3600)));
    VARIANT("nbf-real", json_object_set_new(c, "nbf", json_real(NOW - 0.5)));
    VARIANT("iat-missing", json_object_del(c, "iat"));
    VARIANT("sub-missing", json_object_del(c, "sub"));
    VARIANT("sub-control", json_object_set_new(c, "sub", json_string("a\tb")));
    VARIANT("jti-empty", json_object_set_new(c, "jti", json_string("")));
    VARIANT("scope-array",
            json_object_set_new(c, "scope", json_pack("[s]", "read")));
    VARIANT("scope-missing", json_object_del(c, "scope"));
    VARIANT(
        "extra-claims",
        json_object_set_new(c, "groups", json_pack("[s,i,b]", "admin", 1, 1));
        json_object_set_new(c, "level", json_integer(1));
        json_object_set_new(c, "admin", json_true()));
#undef VARIANT

    /* Broken on purpose: the checks before the signature. */
    put("access_token", "alg-none",
        with_header(ec, "{\"alg\":\"none\",\"typ\":\"at+jwt\"}"));
    put("access_token", "alg-hs256",
        with_header(rsa,
                    "{\"alg\":\"HS256\",\"typ\":\"at+jwt\","
                    "\"kid\":\"rsa-1\"}"));
    put("access_token", "alg-key-mismatch",
        with_header(rsa,
                    "{\"alg\":\"RS256\",\"typ\":\"at+jwt\","
                    "\"kid\":\"ec-1\"}"));
    put("access_token", "kid-absent",
        with_header(ec, "{\"alg\":\"ES256\",\"typ\":\"at+jwt\"}"));
    put("access_token", "kid-absent-rsa",
        with_header(rsa, "{\"alg\":\"RS256\",\"typ\":\"at+jwt\"}"));
    put("access_token", "kid-number",
        with_header(ec, "{\"alg\":\"ES256\",\"typ\":\"at+jwt\",\"kid\":1}"));
    put("access_token", "kid-unknown",
        with_header(ec,
                    "{\"alg\":\"ES256\",\"typ\":\"at+jwt\","
                    "\"kid\":\"nope\"}"));
    put("access_token", "crit",
        with_header(ec,
                    "{\"alg\":\"ES256\",\"typ\":\"at+jwt\","
                    "\"kid\":\"ec-1\",\"crit\":[\"exp\"]}"));
    put("access_token", "header-duplicate",
        with_header(ec,
                    "{\"alg\":\"ES256\",\"alg\":\"ES256\","
                    "\"typ\":\"at+jwt\",\"kid\":\"ec-1\"}"));
    put("access_token", "header-array", with_header(ec, "[\"ES256\"]"));
    put("access_token", "payload-array", with_payload(ec, "[1]"));
    put("access_token", "payload-changed",
        with_payload(ec, "{\"iss\":\"" ISSUER "\",\"sub\":\"mallory\"}"));
    put("access_token", "sig-truncated", apr_pstrndup(pool, ec, strlen(ec) - 4));
    put("access_token", "sig-rsa-on-es256",
        apr_pstrcat(pool, apr_pstrmemdup(pool, ec, dot2 - ec),
                    strrchr(rsa, '.'), NULL));
    put("access_token", "sig-padded", apr_pstrcat(pool, ec, "==", NULL));
    put("access_token", "sig-empty", apr_pstrmemdup(pool, ec, dot2 - ec + 1));
    put("access_token", "four-segments", apr_pstrcat(pool, ec, ".x", NULL));
    put("access_token", "two-segments", apr_pstrmemdup(pool, ec, dot2 - ec));
    s = apr_pstrdup(pool, ec);
    s[strchr(s, '.') - s + 1] = '!';
    put("access_token", "payload-not-base64url", s);
    put("access_token", "dots", "..");
}

/* A JWKS of one member @a jwk, compact. */
static void put_jwks(const char *name, json_t *jwk)
{
    json_t *doc = oa2_cleanup_json(json_pack("{s:[O]}", "keys", jwk), pool);
    char *s = json_dumps(doc, JSON_COMPACT);

    put("jwks", name, s);
    free(s);
}

static void jwks_seeds(const char *dir)
{
    oa2_keyset_t *set = oa2_keys_set_make(pool);
    json_t *jwk;
    const char *n;
    char *text;
    FILE *f;
    long len;

    oa2_keys_set_add(set, ec_key);
    oa2_keys_set_add(set, rsa_key);
    put("jwks", "both", oa2_keys_jwks_json(set, pool));

#define VARIANT(name, key, edit)                                               \
    do {                                                                       \
        jwk = oa2_cleanup_json(json_deep_copy((key)->jwk), pool);              \
        edit;                                                                  \
        put_jwks(name, jwk);                                                   \
    } while (0)

    VARIANT("ec", ec_key, (void)0);
    VARIANT("ec-no-kid", ec_key, json_object_del(jwk, "kid"));
    VARIANT("ec-bare", ec_key, json_object_del(jwk, "kid");
            json_object_del(jwk, "alg"); json_object_del(jwk, "use"));
    VARIANT("ec-p384", ec_key,
            json_object_set_new(jwk, "crv", json_string("P-384")));
    VARIANT("ec-use-enc", ec_key,
            json_object_set_new(jwk, "use", json_string("enc")));
    VARIANT("ec-alg-rs256", ec_key,
            json_object_set_new(jwk, "alg", json_string("RS256")));
    VARIANT("ec-x-short", ec_key,
            json_object_set_new(jwk, "x", json_string("AAAA")));
    VARIANT("ec-off-curve", ec_key,
            json_object_set_new(jwk, "y", json_object_get(jwk, "x"));
            json_incref(json_object_get(jwk, "x")));
    VARIANT("ec-x-number", ec_key,
            json_object_set_new(jwk, "x", json_integer(1)));
    VARIANT("rsa", rsa_key, (void)0);
    VARIANT("rsa-no-kid", rsa_key, json_object_del(jwk, "kid"));
    n = json_string_value(json_object_get(rsa_key->jwk, "n"));
    VARIANT(
        "rsa-1024", rsa_key,
        json_object_set_new(jwk, "n", json_string(apr_pstrndup(pool, n, 171))));
    VARIANT("rsa-e-long", rsa_key,
            json_object_set_new(jwk, "e", json_string("AQABAQABAQAB")));
    /* Weak exponents, found by fuzz_jwks: regression seeds. */
    VARIANT("rsa-e-zero", rsa_key,
            json_object_set_new(jwk, "e", json_string("AA")));
    VARIANT("rsa-e-one", rsa_key,
            json_object_set_new(jwk, "e", json_string("AQ")));
    VARIANT("rsa-e-even", rsa_key,
            json_object_set_new(jwk, "e", json_string("AQAA")));
    VARIANT("oct", rsa_key, json_object_clear(jwk);
            json_object_set_new(jwk, "kty", json_string("oct"));
            json_object_set_new(jwk, "k", json_string("c2VjcmV0")));
    VARIANT("no-kty", ec_key, json_object_del(jwk, "kty"));
#undef VARIANT
    put("jwks", "empty-keys", "{\"keys\":[]}");
    put("jwks", "keys-object", "{\"keys\":{}}");
    put("jwks", "key-not-object", "{\"keys\":[1,\"x\",null]}");
    put("jwks", "duplicate", "{\"keys\":[],\"keys\":[]}");
    put("jwks", "not-json", "{\"keys\":[");

    /* The unit tests' JWKS: RFC 7515/7517 example keys. */
    f = fopen(apr_pstrcat(pool, dir, "/jwks.json", NULL), "rb");
    if (!f || fseek(f, 0, SEEK_END) || (len = ftell(f)) < 0
        || fseek(f, 0, SEEK_SET)) {
        die("cannot read jwks.json");
    }
    text = apr_pcalloc(pool, (apr_size_t)len + 1);
    if (fread(text, 1, (size_t)len, f) != (size_t)len) {
        die("cannot read jwks.json");
    }
    fclose(f);
    put("jwks", "unit-jwks", text);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: make_seeds DATA_DIR CORPUS_DIR\n");
        return 2;
    }
    if (apr_initialize() != APR_SUCCESS
        || apr_pool_create(&pool, NULL) != APR_SUCCESS) {
        die("cannot initialize APR");
    }
    out_dir = argv[2];
    ec_key = load(argv[1], "ec256.pem", "ec-1");
    rsa_key = load(argv[1], "rsa2048.pem", "rsa-1");
    token_seeds();
    jwks_seeds(argv[1]);
    apr_pool_destroy(pool);
    apr_terminate();
    return 0;
}
