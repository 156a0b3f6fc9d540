/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/* Keys: PEM fixtures in data/, JWKs, JWKS documents, RFC 7638 thumbprints. */
#include <stdarg.h>
#include <string.h>

#include <apr_strings.h>

#include "oa2_b64.h"
#include "oa2_cleanup.h"
#include "oa2_keys.h"
#include "key_fixture.h"
#include "unit.h"

/* RFC 7638 §3.1: the example key and its thumbprint. */
#define RFC7638_N                                                              \
    "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7"   \
    "aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBX"    \
    "Arwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9"    \
    "c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM"    \
    "4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"
#define RFC7638_THUMBPRINT "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"

/* The public parts of data/rsa1024.pem and data/ec384.pem. */
#define RSA1024_N                                                              \
    "x5FCGA2uh-lchTQm59r0BpWrEXyhbCp5-yCQfz8Vm0Cs3bDWSW40pSnBca-q75F-vlAxW"    \
    "UJflsW7jlFWVyErEzTFsgn0AZHzBjwIttGpke7octKRaEss2NKw3JavuVRPAMfclDWg_p"    \
    "OpJfABcyg_n0_cTETmBMuP9R3t8CxdSh0"
#define P384_X                                                                 \
    "KzDjV1CmN4Tx0LGUWIJUNA8u-vyry3-O7hdvYHF4dlKnbM5xT6fipx3lN8cpyyrl"
#define P384_Y                                                                 \
    "HbLbnN54Sk5TGNFsoEbml6yMGw0-64s-C5Jw2k0mFpwosJn2h30IuZegnSfJ2-Y8"

/* JSON text parsed into an object owned by @a p, or NULL. */
static json_t *json_of(const char *text, apr_pool_t *p)
{
    return oa2_cleanup_json(json_loads(text, JSON_DECODE_ANY, NULL), p);
}

/* The public JWK of a fixture key, as a copy the test may change. */
static json_t *fixture_jwk(const char *file, apr_pool_t *p)
{
    oa2_key_t *key = fixture_key(file, NULL, p);

    return key ? oa2_cleanup_json(json_deep_copy(key->jwk), p) : NULL;
}

/* A JWKS document of the NULL-terminated JWKs given. */
static const char *jwks_of(apr_pool_t *p, ...)
{
    json_t *doc = oa2_cleanup_json(json_object(), p);
    json_t *keys = json_array(), *jwk;
    va_list ap;

    json_object_set_new(doc, "keys", keys);
    va_start(ap, p);
    for (jwk = va_arg(ap, json_t *); jwk; jwk = va_arg(ap, json_t *)) {
        json_array_append(keys, jwk);
    }
    va_end(ap);
    return oa2_cleanup_malloced(json_dumps(doc, JSON_COMPACT), p);
}

/* Nonzero when @a kid looks like an RFC 7638 SHA-256 thumbprint. */
static int is_thumbprint(const char *kid)
{
    int i;

    if (!kid || strlen(kid) != 43) {
        return 0;
    }
    for (i = 0; i < 43; i++) {
        if (!oa2_b64_is_url_char(kid[i])) {
            return 0;
        }
    }
    return 1;
}

/* Nonzero when @a jwk carries any private RSA or EC member. */
static int has_private_member(json_t *jwk)
{
    static const char *const members[] = {"d",  "p",  "q",   "dp",
                                          "dq", "qi", "oth", "k"};
    apr_size_t i;

    for (i = 0; i < sizeof(members) / sizeof(members[0]); i++) {
        if (json_object_get(jwk, members[i])) {
            return 1;
        }
    }
    return 0;
}

#define MEMBER(jwk, name) json_string_value(json_object_get((jwk), (name)))

/* Check that fixture @a file is refused with log id @a id. */
#define PEM_REFUSED(file, id)                                                  \
    do {                                                                       \
        oa2_key_t *key_ = NULL;                                                \
        oa2_err_t err_ = {0};                                                  \
        const char *path_ = "data/" file;                                      \
        UNIT_REFUSED(oa2_keys_load_private_pem(&key_, path_, NULL, &err_, p),  \
                     err_, 500, NULL, (id));                                   \
        UNIT_HAS_STR(err_.description, path_);                                 \
        UNIT_ASSERT(key_ == NULL);                                             \
    } while (0)

static void test_alg_names(apr_pool_t *p)
{
    UNIT_EQ_STR(oa2_keys_alg_name(OA2_ALG_ES256), "ES256");
    UNIT_EQ_STR(oa2_keys_alg_name(OA2_ALG_RS256), "RS256");
    UNIT_EQ_STR(oa2_keys_alg_name(OA2_ALG_UNSUPPORTED), NULL);
    UNIT_EQ_INT(oa2_keys_alg_from_name("ES256"), OA2_ALG_ES256);
    UNIT_EQ_INT(oa2_keys_alg_from_name("RS256"), OA2_ALG_RS256);
    UNIT_EQ_INT(oa2_keys_alg_from_name("es256"), OA2_ALG_UNSUPPORTED);
    UNIT_EQ_INT(oa2_keys_alg_from_name("none"), OA2_ALG_UNSUPPORTED);
    UNIT_EQ_INT(oa2_keys_alg_from_name("HS256"), OA2_ALG_UNSUPPORTED);
    UNIT_EQ_INT(oa2_keys_alg_from_name("PS256"), OA2_ALG_UNSUPPORTED);
    UNIT_EQ_INT(oa2_keys_alg_from_name(""), OA2_ALG_UNSUPPORTED);
    UNIT_EQ_INT(oa2_keys_alg_from_name(NULL), OA2_ALG_UNSUPPORTED);
}

static void test_load_ec_p256(apr_pool_t *p)
{
    oa2_key_t *key = NULL;
    oa2_err_t err = {0};

    UNIT_EQ_INT(
        oa2_keys_load_private_pem(&key, "data/ec256.pem", NULL, &err, p),
        APR_SUCCESS);
    UNIT_ASSERT(key && key->pkey && key->has_private);
    UNIT_EQ_INT(key->alg, OA2_ALG_ES256);
    UNIT_ASSERT(is_thumbprint(key->kid));
    UNIT_EQ_STR(oa2_keys_thumbprint(key->jwk, p), key->kid);
    UNIT_EQ_STR(MEMBER(key->jwk, "kty"), "EC");
    UNIT_EQ_STR(MEMBER(key->jwk, "crv"), "P-256");
    UNIT_EQ_STR(MEMBER(key->jwk, "kid"), key->kid);
    UNIT_EQ_STR(MEMBER(key->jwk, "alg"), "ES256");
    UNIT_EQ_STR(MEMBER(key->jwk, "use"), "sig");
    /* 32-byte coordinates, padded: 43 base64url characters each */
    UNIT_EQ_INT(strlen(MEMBER(key->jwk, "x")), 43);
    UNIT_EQ_INT(strlen(MEMBER(key->jwk, "y")), 43);
    UNIT_ASSERT(!has_private_member(key->jwk));
}

static void test_load_rsa_2048(apr_pool_t *p)
{
    oa2_key_t *key = NULL;
    oa2_err_t err = {0};

    UNIT_EQ_INT(
        oa2_keys_load_private_pem(&key, "data/rsa2048.pem", NULL, &err, p),
        APR_SUCCESS);
    UNIT_ASSERT(key && key->pkey && key->has_private);
    UNIT_EQ_INT(key->alg, OA2_ALG_RS256);
    UNIT_ASSERT(is_thumbprint(key->kid));
    UNIT_EQ_STR(oa2_keys_thumbprint(key->jwk, p), key->kid);
    UNIT_EQ_STR(MEMBER(key->jwk, "kty"), "RSA");
    UNIT_EQ_STR(MEMBER(key->jwk, "e"), "AQAB");
    UNIT_EQ_INT(strlen(MEMBER(key->jwk, "n")), 342); /* 256 bytes */
    UNIT_EQ_STR(MEMBER(key->jwk, "alg"), "RS256");
    UNIT_EQ_STR(MEMBER(key->jwk, "use"), "sig");
    UNIT_ASSERT(!has_private_member(key->jwk));
}

static void test_load_keeps_given_kid(apr_pool_t *p)
{
    oa2_key_t *key = NULL;
    oa2_err_t err = {0};

    UNIT_EQ_INT(
        oa2_keys_load_private_pem(&key, "data/ec256.pem", "2024-a", &err, p),
        APR_SUCCESS);
    UNIT_EQ_STR(key->kid, "2024-a");
    UNIT_EQ_STR(MEMBER(key->jwk, "kid"), "2024-a");
}

static void test_load_refuses_kid_not_utf8(apr_pool_t *p)
{
    oa2_key_t *key = NULL;
    oa2_err_t err = {0};
    apr_status_t rv;

    /* "Küche" as a Latin-1 configuration file spells it: not UTF-8, so
     * jansson cannot hold it, and a key left with kid NULL makes
     * oa2_keys_find() call strcmp(NULL, kid) for the next token that
     * names a kid (in httpd: a crash of the child, per request) */
    rv = oa2_keys_load_private_pem(&key, "data/ec256.pem", "K\374che", &err, p);
    UNIT_ASSERT(rv != APR_SUCCESS || key->kid != NULL);
}

static void test_load_kid_is_stable(apr_pool_t *p)
{
    oa2_key_t *a = NULL, *b = NULL;
    oa2_err_t err = {0};

    UNIT_EQ_INT(
        oa2_keys_load_private_pem(&a, "data/rsa2048.pem", NULL, &err, p),
        APR_SUCCESS);
    UNIT_EQ_INT(
        oa2_keys_load_private_pem(&b, "data/rsa2048.pem", NULL, &err, p),
        APR_SUCCESS);
    UNIT_EQ_STR(a->kid, b->kid);
}

static void test_load_refuses_missing_file(apr_pool_t *p)
{
    PEM_REFUSED("no-such-key.pem", "OA2-00001");
}

static void test_load_refuses_encrypted(apr_pool_t *p)
{
    PEM_REFUSED("ec256-encrypted.pem", "OA2-00002");
}

static void test_load_refuses_public(apr_pool_t *p)
{
    PEM_REFUSED("ec256-public.pem", "OA2-00003");
}

static void test_load_refuses_garbage(apr_pool_t *p)
{
    PEM_REFUSED("garbage.pem", "OA2-00004");
}

static void test_load_refuses_ec_p384(apr_pool_t *p)
{
    PEM_REFUSED("ec384.pem", "OA2-00005");
}

static void test_load_refuses_rsa_1024(apr_pool_t *p)
{
    PEM_REFUSED("rsa1024.pem", "OA2-00005");
}

static void test_thumbprint_rfc7638(apr_pool_t *p)
{
    json_t *jwk = json_of("{\"kty\":\"RSA\",\"n\":\"" RFC7638_N "\","
                          "\"e\":\"AQAB\",\"alg\":\"RS256\","
                          "\"kid\":\"2011-04-29\"}",
                          p);

    UNIT_ASSERT(jwk);
    UNIT_EQ_STR(oa2_keys_thumbprint(jwk, p), RFC7638_THUMBPRINT);
    /* only the required members count */
    json_object_del(jwk, "alg");
    json_object_del(jwk, "kid");
    UNIT_EQ_STR(oa2_keys_thumbprint(jwk, p), RFC7638_THUMBPRINT);
}

static void test_thumbprint_unknown(apr_pool_t *p)
{
    UNIT_EQ_STR(
        oa2_keys_thumbprint(json_of("{\"kty\":\"oct\",\"k\":\"AA\"}", p), p),
        NULL);
    UNIT_EQ_STR(oa2_keys_thumbprint(json_of("{\"kty\":\"EC\",\"crv\":"
                                            "\"P-256\",\"x\":\"AA\"}",
                                            p),
                                    p),
                NULL);
    UNIT_EQ_STR(
        oa2_keys_thumbprint(json_of("{\"n\":\"AA\",\"e\":\"AQAB\"}", p), p),
        NULL);
}

static void test_from_jwk_rfc7638_key(apr_pool_t *p)
{
    json_t *jwk = json_of("{\"kty\":\"RSA\",\"n\":\"" RFC7638_N "\","
                          "\"e\":\"AQAB\",\"alg\":\"RS256\","
                          "\"kid\":\"2011-04-29\"}",
                          p);
    oa2_key_t *key = NULL;
    oa2_err_t err = {0};

    UNIT_EQ_INT(oa2_keys_from_jwk(&key, jwk, &err, p), APR_SUCCESS);
    UNIT_EQ_INT(key->alg, OA2_ALG_RS256);
    UNIT_EQ_STR(key->kid, "2011-04-29");
    UNIT_ASSERT(!key->has_private);
    UNIT_EQ_STR(MEMBER(key->jwk, "n"), RFC7638_N);
    /* without a kid the thumbprint names the key */
    json_object_del(jwk, "kid");
    UNIT_EQ_INT(oa2_keys_from_jwk(&key, jwk, &err, p), APR_SUCCESS);
    UNIT_EQ_STR(key->kid, RFC7638_THUMBPRINT);
}

static void test_from_jwk_fixture_ec(apr_pool_t *p)
{
    json_t *jwk = fixture_jwk("ec256.pem", p);
    oa2_key_t *key = NULL;
    oa2_err_t err = {0};

    UNIT_ASSERT(jwk);
    UNIT_EQ_INT(oa2_keys_from_jwk(&key, jwk, &err, p), APR_SUCCESS);
    UNIT_EQ_INT(key->alg, OA2_ALG_ES256);
    UNIT_EQ_STR(key->kid, MEMBER(jwk, "kid"));
    UNIT_EQ_STR(MEMBER(key->jwk, "x"), MEMBER(jwk, "x"));
    UNIT_EQ_STR(MEMBER(key->jwk, "y"), MEMBER(jwk, "y"));
}

/* Check that @a jwk is well-formed but not one we verify with. */
#define JWK_SKIPPED(jwk)                                                       \
    do {                                                                       \
        oa2_key_t *key_ = NULL;                                                \
        oa2_err_t err_ = {0};                                                  \
        json_t *jwk_ = (jwk);                                                  \
        UNIT_ASSERT(jwk_);                                                     \
        UNIT_EQ_INT(oa2_keys_from_jwk(&key_, jwk_, &err_, p), APR_ENOTIMPL);   \
    } while (0)

/* Check that @a jwk is refused as broken with log id @a id. */
#define JWK_BROKEN(jwk, id)                                                    \
    do {                                                                       \
        oa2_key_t *key_ = NULL;                                                \
        oa2_err_t err_ = {0};                                                  \
        json_t *jwk_ = (jwk);                                                  \
        UNIT_ASSERT(jwk_);                                                     \
        UNIT_REFUSED(oa2_keys_from_jwk(&key_, jwk_, &err_, p), err_, 500,      \
                     NULL, (id));                                              \
    } while (0)

static void test_from_jwk_skips_other_keys(apr_pool_t *p)
{
    json_t *enc = fixture_jwk("ec256.pem", p);
    json_t *rs_on_ec = fixture_jwk("ec256.pem", p);
    json_t *es_on_rsa = fixture_jwk("rsa2048.pem", p);

    UNIT_ASSERT(enc && rs_on_ec && es_on_rsa);
    json_object_set_new(enc, "use", json_string("enc"));
    json_object_set_new(rs_on_ec, "alg", json_string("RS256"));
    json_object_set_new(es_on_rsa, "alg", json_string("ES256"));
    JWK_SKIPPED(
        json_of("{\"kty\":\"oct\",\"k\":\"GawgguFyGrWKav7AX4VKUg\"}", p));
    JWK_SKIPPED(json_of("{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":"
                        "\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\"}",
                        p));
    JWK_SKIPPED(json_of("{\"kty\":\"EC\",\"crv\":\"P-384\",\"x\":\"" P384_X
                        "\",\"y\":\"" P384_Y "\"}",
                        p));
    JWK_SKIPPED(json_of("{\"kty\":\"RSA\",\"n\":\"" RSA1024_N "\","
                        "\"e\":\"AQAB\"}",
                        p));
    JWK_SKIPPED(enc);
    JWK_SKIPPED(rs_on_ec);
    JWK_SKIPPED(es_on_rsa);
}

static void test_from_jwk_refuses_non_keys(apr_pool_t *p)
{
    JWK_BROKEN(json_of("[]", p), "OA2-00007");
    JWK_BROKEN(json_of("{\"crv\":\"P-256\"}", p), "OA2-00007");
    JWK_BROKEN(json_of("{\"kty\":1}", p), "OA2-00007");
}

static void test_from_jwk_refuses_broken_ec(apr_pool_t *p)
{
    json_t *base = fixture_jwk("ec256.pem", p);
    unsigned char *x, wide[33];
    apr_size_t xlen = 0;
    json_t *jwk;

    UNIT_ASSERT(base);
    UNIT_EQ_INT(oa2_b64_decode(&x, &xlen, MEMBER(base, "x"), 43, p),
                APR_SUCCESS);
    UNIT_EQ_INT(xlen, 32);
    /* a coordinate of 31 bytes, and one of 33 with a leading zero: the
     * same number, yet not the fixed width RFC 7518 §6.2.1.2 demands */
    jwk = oa2_cleanup_json(json_deep_copy(base), p);
    json_object_set_new(jwk, "x", json_string(oa2_b64_encode(x + 1, 31, p)));
    JWK_BROKEN(jwk, "OA2-00008");
    wide[0] = 0;
    memcpy(wide + 1, x, 32);
    jwk = oa2_cleanup_json(json_deep_copy(base), p);
    json_object_set_new(jwk, "x", json_string(oa2_b64_encode(wide, 33, p)));
    JWK_BROKEN(jwk, "OA2-00008");
    jwk = oa2_cleanup_json(json_deep_copy(base), p);
    json_object_set_new(
        jwk, "x", json_string(apr_pstrcat(p, MEMBER(base, "x"), "=", NULL)));
    JWK_BROKEN(jwk, "OA2-00008");
    jwk = oa2_cleanup_json(json_deep_copy(base), p);
    json_object_set_new(jwk, "y", json_string("not base64url!"));
    JWK_BROKEN(jwk, "OA2-00008");
    jwk = oa2_cleanup_json(json_deep_copy(base), p);
    json_object_del(jwk, "y");
    JWK_BROKEN(jwk, "OA2-00008");
    jwk = oa2_cleanup_json(json_deep_copy(base), p);
    json_object_set_new(jwk, "x", json_integer(1));
    JWK_BROKEN(jwk, "OA2-00008");
}

static void test_from_jwk_refuses_point_off_curve(apr_pool_t *p)
{
    json_t *jwk = fixture_jwk("ec256.pem", p);
    char *y;

    UNIT_ASSERT(jwk);
    /* change one bit of y, away from the trailing bits: (x, y') is not a
     * point of P-256, and an invalid-curve key must never verify */
    y = apr_pstrdup(p, MEMBER(jwk, "y"));
    y[10] = y[10] == 'A' ? 'B' : 'A';
    json_object_set_new(jwk, "y", json_string(y));
    JWK_BROKEN(jwk, "OA2-00008");
}

static void test_from_jwk_refuses_broken_rsa(apr_pool_t *p)
{
    JWK_BROKEN(json_of("{\"kty\":\"RSA\",\"e\":\"AQAB\",\"kid\":\"k9\"}", p),
               "OA2-00008");
    JWK_BROKEN(json_of("{\"kty\":\"RSA\",\"n\":\"" RFC7638_N "\"}", p),
               "OA2-00008");
    JWK_BROKEN(json_of("{\"kty\":\"RSA\",\"n\":\"" RFC7638_N "\","
                       "\"e\":\"AQABAQABAQAB\"}",
                       p),
               "OA2-00008");
    JWK_BROKEN(json_of("{\"kty\":\"RSA\",\"n\":\"" RFC7638_N "=\","
                       "\"e\":\"AQAB\"}",
                       p),
               "OA2-00008");
}

/* Found by fuzz/fuzz_jwks.c: an RSA public exponent below 3 or even is no
 * RSA key (RFC 8017 §3.1). With e = 1 a signature is its own padded
 * digest, so anyone could make tokens that such a key "verifies". */
static void test_from_jwk_refuses_weak_rsa_exponent(apr_pool_t *p)
{
    static const char *const exponents[] = {"AA", "AQ", "Ag", "AAE", "BA"};
    const char *text;
    apr_size_t i;

    for (i = 0; i < sizeof(exponents) / sizeof(exponents[0]); i++) {
        text = apr_pstrcat(p, "{\"kty\":\"RSA\",\"n\":\"" RFC7638_N "\",",
                           "\"e\":\"", exponents[i], "\"}", NULL);
        JWK_BROKEN(json_of(text, p), "OA2-00008");
    }
}

static void test_from_jwk_names_the_broken_key(apr_pool_t *p)
{
    oa2_key_t *key = NULL;
    oa2_err_t err = {0};

    UNIT_EQ_INT(oa2_keys_from_jwk(&key,
                                  json_of("{\"kty\":\"RSA\","
                                          "\"kid\":\"k9\"}",
                                          p),
                                  &err, p),
                APR_EGENERAL);
    UNIT_HAS_STR(err.description, "k9");
}

static void test_parse_jwks_skips_unusable(apr_pool_t *p)
{
    json_t *good = fixture_jwk("ec256.pem", p);
    json_t *enc = fixture_jwk("rsa2048.pem", p);
    const char *text;
    oa2_keyset_t *set = NULL;
    oa2_err_t err = {0};

    UNIT_ASSERT(good && enc);
    json_object_set_new(enc, "use", json_string("enc"));
    text = jwks_of(
        p, json_of("{\"kty\":\"oct\",\"k\":\"GawgguFyGrWKav7AX4VKUg\"}", p),
        json_of("{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":"
                "\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\"}",
                p),
        enc,
        json_of("{\"kty\":\"EC\",\"crv\":\"P-384\",\"x\":\"" P384_X
                "\",\"y\":\"" P384_Y "\"}",
                p),
        json_of("{\"kty\":\"RSA\",\"n\":\"" RSA1024_N "\",\"e\":\"AQAB\"}", p),
        good, NULL);
    UNIT_EQ_INT(oa2_keys_parse_jwks(&set, text, strlen(text), &err, p),
                APR_SUCCESS);
    UNIT_EQ_INT(set->keys->nelts, 1);
    UNIT_ASSERT(oa2_keys_find(set, MEMBER(good, "kid")) != NULL);
    UNIT_ASSERT(oa2_keys_find(set, MEMBER(enc, "kid")) == NULL);
    UNIT_ASSERT(oa2_keys_signer(set) == NULL);
}

static void test_parse_jwks_none_usable(apr_pool_t *p)
{
    const char *text = jwks_of(
        p, json_of("{\"kty\":\"oct\",\"k\":\"GawgguFyGrWKav7AX4VKUg\"}", p),
        json_of("{\"kty\":\"RSA\",\"n\":\"" RSA1024_N "\",\"e\":\"AQAB\"}", p),
        NULL);
    oa2_keyset_t *set = NULL;
    oa2_err_t err = {0};

    UNIT_REFUSED(oa2_keys_parse_jwks(&set, text, strlen(text), &err, p), err,
                 500, NULL, "OA2-00012");
    UNIT_REFUSED(oa2_keys_parse_jwks(&set, "{\"keys\":[]}", 11, &err, p), err,
                 500, NULL, "OA2-00012");
    UNIT_ASSERT(set == NULL);
}

static void test_parse_jwks_malformed(apr_pool_t *p)
{
    static const char *const texts[] = {
        "",
        "{",
        "{\"keys\":[}",
        "not json",
        "{\"keys\":[]} trailing",
        "{\"keys\":[],\"keys\":[]}",
    };
    oa2_keyset_t *set = NULL;
    oa2_err_t err = {0};
    apr_size_t i;

    for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        UNIT_REFUSED(
            oa2_keys_parse_jwks(&set, texts[i], strlen(texts[i]), &err, p), err,
            500, NULL, "OA2-00010");
    }
    UNIT_REFUSED(oa2_keys_parse_jwks(&set, "{\"keys\":{}}", 11, &err, p), err,
                 500, NULL, "OA2-00011");
    UNIT_REFUSED(oa2_keys_parse_jwks(&set, "[]", 2, &err, p), err, 500, NULL,
                 "OA2-00011");
    UNIT_ASSERT(set == NULL);
}

static void test_parse_jwks_refuses_broken_key(apr_pool_t *p)
{
    json_t *good = fixture_jwk("ec256.pem", p);
    json_t *broken = fixture_jwk("ec256.pem", p);
    const char *text;
    oa2_keyset_t *set = NULL;
    oa2_err_t err = {0};

    UNIT_ASSERT(good && broken);
    json_object_set_new(broken, "x", json_string("AAAA"));
    text = jwks_of(p, good, broken, NULL);
    /* a broken key is an admin's mistake to see, not a key to skip */
    UNIT_REFUSED(oa2_keys_parse_jwks(&set, text, strlen(text), &err, p), err,
                 500, NULL, "OA2-00008");
    text = jwks_of(p, good, json_of("\"a string\"", p), NULL);
    UNIT_REFUSED(oa2_keys_parse_jwks(&set, text, strlen(text), &err, p), err,
                 500, NULL, "OA2-00007");
}

static void test_parse_jwks_length_bounded(apr_pool_t *p)
{
    const char *text = "{\"keys\":[]}{\"keys\":[]}";
    oa2_keyset_t *set = NULL;
    oa2_err_t err = {0};

    /* only the first len bytes are read */
    UNIT_REFUSED(oa2_keys_parse_jwks(&set, text, 11, &err, p), err, 500, NULL,
                 "OA2-00012");
}

static void test_jwks_json_round_trip(apr_pool_t *p)
{
    oa2_key_t *ec = NULL, *rsa = NULL;
    oa2_keyset_t *set = oa2_keys_set_make(p), *back = NULL;
    oa2_err_t err = {0};
    const char *text;
    json_t *doc, *jwk;
    size_t i;

    UNIT_EQ_INT(oa2_keys_load_private_pem(&ec, "data/ec256.pem", NULL, &err, p),
                APR_SUCCESS);
    UNIT_EQ_INT(
        oa2_keys_load_private_pem(&rsa, "data/rsa2048.pem", "r1", &err, p),
        APR_SUCCESS);
    oa2_keys_set_add(set, ec);
    oa2_keys_set_add(set, rsa);
    text = oa2_keys_jwks_json(set, p);
    UNIT_ASSERT(text);
    UNIT_ASSERT(!strstr(text, "\"d\""));
    doc = json_of(text, p);
    UNIT_EQ_INT(json_array_size(json_object_get(doc, "keys")), 2);
    json_array_foreach(json_object_get(doc, "keys"), i, jwk)
    {
        UNIT_ASSERT(!has_private_member(jwk));
        UNIT_EQ_STR(MEMBER(jwk, "use"), "sig");
    }
    UNIT_EQ_INT(oa2_keys_parse_jwks(&back, text, strlen(text), &err, p),
                APR_SUCCESS);
    UNIT_EQ_INT(back->keys->nelts, 2);
    UNIT_EQ_INT(oa2_keys_find(back, ec->kid)->alg, OA2_ALG_ES256);
    UNIT_EQ_INT(oa2_keys_find(back, "r1")->alg, OA2_ALG_RS256);
    UNIT_ASSERT(!oa2_keys_find(back, "r1")->has_private);
    UNIT_ASSERT(EVP_PKEY_eq(oa2_keys_find(back, "r1")->pkey, rsa->pkey) == 1);
    UNIT_ASSERT(EVP_PKEY_eq(oa2_keys_find(back, ec->kid)->pkey, ec->pkey) == 1);
    /* and the text is stable through a second round */
    UNIT_EQ_STR(oa2_keys_jwks_json(back, p), text);
}

static void test_set_find_and_signer(apr_pool_t *p)
{
    oa2_keyset_t *set = oa2_keys_set_make(p);
    oa2_key_t *verifier = NULL, *signer = NULL;
    oa2_err_t err = {0};

    UNIT_ASSERT(oa2_keys_find(set, "a") == NULL);
    UNIT_ASSERT(oa2_keys_signer(set) == NULL);
    UNIT_ASSERT(oa2_keys_find(NULL, "a") == NULL);
    UNIT_ASSERT(oa2_keys_signer(NULL) == NULL);
    UNIT_EQ_INT(
        oa2_keys_from_jwk(&verifier, fixture_jwk("ec256.pem", p), &err, p),
        APR_SUCCESS);
    UNIT_EQ_INT(
        oa2_keys_load_private_pem(&signer, "data/rsa2048.pem", "s", &err, p),
        APR_SUCCESS);
    oa2_keys_set_add(set, verifier);
    oa2_keys_set_add(set, signer);
    UNIT_ASSERT(oa2_keys_find(set, verifier->kid) == verifier);
    UNIT_ASSERT(oa2_keys_find(set, "s") == signer);
    UNIT_ASSERT(oa2_keys_find(set, "S") == NULL);
    UNIT_ASSERT(oa2_keys_find(set, NULL) == NULL);
    /* the first key that can sign, not the first key */
    UNIT_ASSERT(oa2_keys_signer(set) == signer);
}

/* The algorithms of @a set, space-separated ("" when none). */
static const char *algs_of(const oa2_keyset_t *set, apr_pool_t *p)
{
    apr_array_header_t *a = oa2_keys_set_algs(set, p);

    return apr_array_pstrcat(p, a, ' ');
}

static void test_set_algs(apr_pool_t *p)
{
    oa2_keyset_t *ec = oa2_keys_set_make(p), *rsa = oa2_keys_set_make(p);
    oa2_keyset_t *both = oa2_keys_set_make(p), *twice = oa2_keys_set_make(p);
    oa2_key_t *ec1 = NULL, *ec2 = NULL, *rsa1 = NULL;
    oa2_err_t err = {0};

    UNIT_EQ_STR(algs_of(NULL, p), "");
    UNIT_EQ_STR(algs_of(ec, p), "");
    UNIT_EQ_INT(
        oa2_keys_load_private_pem(&ec1, "data/ec256.pem", "e1", &err, p),
        APR_SUCCESS);
    UNIT_EQ_INT(
        oa2_keys_load_private_pem(&ec2, "data/ec256.pem", "e2", &err, p),
        APR_SUCCESS);
    UNIT_EQ_INT(
        oa2_keys_load_private_pem(&rsa1, "data/rsa2048.pem", "r1", &err, p),
        APR_SUCCESS);
    /* one key type: only its algorithm (an EC-only AS has no RS256) */
    oa2_keys_set_add(ec, ec1);
    UNIT_EQ_STR(algs_of(ec, p), "ES256");
    oa2_keys_set_add(rsa, rsa1);
    UNIT_EQ_STR(algs_of(rsa, p), "RS256");
    /* both, in the order of the keys, each once */
    oa2_keys_set_add(both, rsa1);
    oa2_keys_set_add(both, ec1);
    oa2_keys_set_add(both, ec2);
    oa2_keys_set_add(both, rsa1);
    UNIT_EQ_STR(algs_of(both, p), "RS256 ES256");
    /* two keys of one type (rotation): one algorithm */
    oa2_keys_set_add(twice, ec1);
    oa2_keys_set_add(twice, ec2);
    UNIT_EQ_STR(algs_of(twice, p), "ES256");
}

static void test_load_jwks_file(apr_pool_t *p)
{
    oa2_keyset_t *set = NULL;
    oa2_err_t err = {0};

    UNIT_EQ_INT(oa2_keys_load_jwks_file(&set, "data/jwks.json", &err, p),
                APR_SUCCESS);
    UNIT_EQ_INT(set->keys->nelts, 2);
    UNIT_EQ_INT(oa2_keys_find(set, "rfc7515-a3")->alg, OA2_ALG_ES256);
    UNIT_EQ_INT(oa2_keys_find(set, "2011-04-29")->alg, OA2_ALG_RS256);
    UNIT_ASSERT(oa2_keys_find(set, "secret") == NULL);
}

static void test_load_jwks_file_refused(apr_pool_t *p)
{
    oa2_keyset_t *set = NULL;
    oa2_err_t err = {0};

    UNIT_REFUSED(oa2_keys_load_jwks_file(&set, "data/no-such.json", &err, p),
                 err, 500, NULL, "OA2-00013");
    UNIT_HAS_STR(err.description, "data/no-such.json");
    UNIT_ASSERT(APR_STATUS_IS_ENOENT(err.cause));
    UNIT_REFUSED(oa2_keys_load_jwks_file(&set, "data/garbage.pem", &err, p),
                 err, 500, NULL, "OA2-00010");
    UNIT_EQ_INT(err.cause, APR_SUCCESS);
    UNIT_HAS_STR(err.description, "JWKS file data/garbage.pem: ");
    UNIT_ASSERT(set == NULL);
}

void unit_suite_keys(void)
{
    unit_suite("keys");
    UNIT_RUN(test_alg_names);
    UNIT_RUN(test_load_ec_p256);
    UNIT_RUN(test_load_rsa_2048);
    UNIT_RUN(test_load_keeps_given_kid);
    UNIT_RUN(test_load_refuses_kid_not_utf8);
    UNIT_RUN(test_load_kid_is_stable);
    UNIT_RUN(test_load_refuses_missing_file);
    UNIT_RUN(test_load_refuses_encrypted);
    UNIT_RUN(test_load_refuses_public);
    UNIT_RUN(test_load_refuses_garbage);
    UNIT_RUN(test_load_refuses_ec_p384);
    UNIT_RUN(test_load_refuses_rsa_1024);
    UNIT_RUN(test_thumbprint_rfc7638);
    UNIT_RUN(test_thumbprint_unknown);
    UNIT_RUN(test_from_jwk_rfc7638_key);
    UNIT_RUN(test_from_jwk_fixture_ec);
    UNIT_RUN(test_from_jwk_skips_other_keys);
    UNIT_RUN(test_from_jwk_refuses_non_keys);
    UNIT_RUN(test_from_jwk_refuses_broken_ec);
    UNIT_RUN(test_from_jwk_refuses_point_off_curve);
    UNIT_RUN(test_from_jwk_refuses_broken_rsa);
    UNIT_RUN(test_from_jwk_refuses_weak_rsa_exponent);
    UNIT_RUN(test_from_jwk_names_the_broken_key);
    UNIT_RUN(test_parse_jwks_skips_unusable);
    UNIT_RUN(test_parse_jwks_none_usable);
    UNIT_RUN(test_parse_jwks_malformed);
    UNIT_RUN(test_parse_jwks_refuses_broken_key);
    UNIT_RUN(test_parse_jwks_length_bounded);
    UNIT_RUN(test_jwks_json_round_trip);
    UNIT_RUN(test_set_find_and_signer);
    UNIT_RUN(test_set_algs);
    UNIT_RUN(test_load_jwks_file);
    UNIT_RUN(test_load_jwks_file_refused);
}
