/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/*
 * JWS compact serialization: round trips, the RFC 7515 Appendix A vectors,
 * and every way a token must be refused. Forged tokens are signed here with
 * OpenSSL directly, so a refusal is for the reason the test names and not
 * for a bad signature.
 */
#include <stdio.h>
#include <string.h>

#include <apr_strings.h>
#include <openssl/ec.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

#include "oa2_b64.h"
#include "oa2_cleanup.h"
#include "oa2_jwt.h"
#include "key_fixture.h"
#include "unit.h"

/* RFC 7515 Appendix A: the payload both A.2 and A.3 sign. */
#define A_PAYLOAD                                                              \
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxl"     \
    "LmNvbS9pc19yb290Ijp0cnVlfQ"

/* RFC 7515 A.2: RS256, its public key and the complete JWS. */
#define A2_N                                                                   \
    "ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw"     \
    "-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b3269"     \
    "0r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS"     \
    "-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aG"     \
    "hyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXp"     \
    "oQ"
#define A2_JWS                                                                 \
    "eyJhbGciOiJSUzI1NiJ9." A_PAYLOAD "."                                      \
    "cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuH"     \
    "Im4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdi"     \
    "uB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K0GarZRmB_eSN"     \
    "9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2"     \
    "w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77"     \
    "Rw"

/* RFC 7515 A.3: ES256, its public key and the complete JWS. */
#define A3_X "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU"
#define A3_Y "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"
#define A3_JWS                                                                 \
    "eyJhbGciOiJFUzI1NiJ9." A_PAYLOAD "."                                      \
    "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQ"     \
    "xfKTUJqPP3-Kg6NU1Q"

/* A verification key of a JWK given as JSON text, or NULL. */
static oa2_key_t *jwk_key(const char *text, apr_pool_t *p)
{
    json_t *jwk = oa2_cleanup_json(json_loads(text, 0, NULL), p);
    oa2_key_t *key;
    oa2_err_t err;

    if (!jwk || oa2_keys_from_jwk(&key, jwk, &err, p) != APR_SUCCESS) {
        return NULL;
    }
    return key;
}

/* A key set of one or two keys (@a second may be NULL). */
static oa2_keyset_t *set_of(oa2_key_t *first, oa2_key_t *second, apr_pool_t *p)
{
    oa2_keyset_t *set = oa2_keys_set_make(p);

    oa2_keys_set_add(set, first);
    if (second) {
        oa2_keys_set_add(set, second);
    }
    return set;
}

/* The signature of @a input with @a key: raw r||s for ES256 as JWS wants
 * it, or the DER form when @a der (which a JWS verifier must refuse). */
static const char *signature_of(const oa2_key_t *key, const char *input,
                                int der, apr_pool_t *p)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned char *sig = NULL, raw[64];
    size_t siglen = 0;
    const unsigned char *in;
    ECDSA_SIG *ecsig;
    int ok;

    ok = ctx
        && EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, key->pkey) == 1
        && EVP_DigestSign(ctx, NULL, &siglen, (const unsigned char *)input,
                          strlen(input))
            == 1;
    if (ok) {
        sig = apr_palloc(p, siglen);
        ok = EVP_DigestSign(ctx, sig, &siglen, (const unsigned char *)input,
                            strlen(input))
            == 1;
    }
    EVP_MD_CTX_free(ctx);
    if (!ok) {
        return NULL;
    }
    if (key->alg != OA2_ALG_ES256 || der) {
        return oa2_b64_encode(sig, siglen, p);
    }
    in = sig;
    ecsig = d2i_ECDSA_SIG(NULL, &in, (long)siglen);
    ok = ecsig && BN_bn2binpad(ECDSA_SIG_get0_r(ecsig), raw, 32) == 32
        && BN_bn2binpad(ECDSA_SIG_get0_s(ecsig), raw + 32, 32) == 32;
    ECDSA_SIG_free(ecsig);
    return ok ? oa2_b64_encode(raw, sizeof(raw), p) : NULL;
}

/* base64url(header) "." base64url(payload) of two JSON texts. */
static const char *signing_input(const char *header, const char *payload,
                                 apr_pool_t *p)
{
    return apr_pstrcat(
        p, oa2_b64_encode((const unsigned char *)header, strlen(header), p),
        ".", oa2_b64_encode((const unsigned char *)payload, strlen(payload), p),
        NULL);
}

/* A compact JWS of any header and payload text, signed by @a key. */
static const char *forge(const oa2_key_t *key, const char *header,
                         const char *payload, apr_pool_t *p)
{
    const char *input = signing_input(header, payload, p);
    const char *sig = key ? signature_of(key, input, 0, p) : NULL;

    return sig ? apr_pstrcat(p, input, ".", sig, NULL) : NULL;
}

/* A compact JWS with an HMAC SHA-256 signature keyed by @a secret. */
static const char *forge_hs256(const void *secret, apr_size_t secretlen,
                               const char *header, const char *payload,
                               apr_pool_t *p)
{
    const char *input = signing_input(header, payload, p);
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int maclen = 0;

    if (!HMAC(EVP_sha256(), secret, (int)secretlen,
              (const unsigned char *)input, strlen(input), mac, &maclen)) {
        return NULL;
    }
    return apr_pstrcat(p, input, ".", oa2_b64_encode(mac, maclen, p), NULL);
}

/* The bytes of a small file, NUL-terminated, or NULL. */
static const char *file_text(const char *path, apr_size_t *len, apr_pool_t *p)
{
    char *buf = apr_palloc(p, 8192);
    FILE *f = fopen(path, "rb");

    if (!f) {
        return NULL;
    }
    *len = fread(buf, 1, 8191, f);
    fclose(f);
    buf[*len] = '\0';
    return buf;
}

/* The PEM of the public part of @a key. */
static const char *public_pem(const oa2_key_t *key, apr_size_t *len,
                              apr_pool_t *p)
{
    BIO *bio = oa2_cleanup_bio(BIO_new(BIO_s_mem()), p);
    char *data;
    long n;

    if (!bio || !PEM_write_bio_PUBKEY(bio, key->pkey)) {
        return NULL;
    }
    n = BIO_get_mem_data(bio, &data);
    *len = (apr_size_t)n;
    return apr_pstrmemdup(p, data, *len);
}

/* Claims signed with @a key and typ @a typ by the core signer, or NULL. */
static const char *signed_token(const oa2_key_t *key, const char *typ,
                                const char *claims, apr_pool_t *p)
{
    json_t *json = oa2_cleanup_json(json_loads(claims, 0, NULL), p);
    const char *token = NULL;
    oa2_err_t err;

    if (!key || !json
        || oa2_jwt_sign(&token, key, typ, json, &err, p) != APR_SUCCESS) {
        return NULL;
    }
    return token;
}

#define CLAIMS "{\"sub\":\"alice\",\"admin\":false}"

/* Check that @a token verifies against @a set for typ @a typ. */
#define TOKEN_OK(token, set, typ)                                              \
    do {                                                                       \
        const char *tok_ = (token);                                            \
        oa2_jwt_t *jwt_ = NULL;                                                \
        oa2_err_t err_ = {0};                                                  \
        UNIT_ASSERT(tok_);                                                     \
        UNIT_EQ_INT(                                                           \
            oa2_jwt_verify(&jwt_, tok_, strlen(tok_), (set), (typ), &err_, p), \
            APR_SUCCESS);                                                      \
        UNIT_ASSERT(jwt_ != NULL);                                             \
        UNIT_ASSERT(json_is_object(jwt_->claims));                             \
    } while (0)

/* Check that @a token is refused as invalid_token with log id @a id. */
#define TOKEN_REFUSED(token, set, typ, id)                                     \
    do {                                                                       \
        const char *tok_ = (token);                                            \
        oa2_jwt_t *jwt_ = NULL;                                                \
        oa2_err_t err_ = {0};                                                  \
        UNIT_ASSERT(tok_);                                                     \
        UNIT_REFUSED(                                                          \
            oa2_jwt_verify(&jwt_, tok_, strlen(tok_), (set), (typ), &err_, p), \
            err_, 401, "invalid_token", (id));                                 \
        UNIT_ASSERT(jwt_ == NULL);                                             \
    } while (0)

/* Sign, verify and read back; the header names the key and the typ. */
static void round_trip(const char *file, const char *alg, apr_pool_t *p)
{
    oa2_key_t *key = fixture_key(file, NULL, p);
    const char *token;
    oa2_jwt_t *jwt = NULL;
    oa2_err_t err = {0};

    UNIT_ASSERT(key);
    token = signed_token(key, "at+jwt", CLAIMS, p);
    UNIT_ASSERT(token);
    UNIT_EQ_INT(oa2_jwt_verify(&jwt, token, strlen(token), set_of(key, NULL, p),
                               "at+jwt", &err, p),
                APR_SUCCESS);
    UNIT_ASSERT(jwt->key == key);
    UNIT_EQ_STR(json_string_value(json_object_get(jwt->header, "alg")), alg);
    UNIT_EQ_STR(json_string_value(json_object_get(jwt->header, "kid")),
                key->kid);
    UNIT_EQ_STR(json_string_value(json_object_get(jwt->header, "typ")),
                "at+jwt");
    UNIT_EQ_STR(json_string_value(json_object_get(jwt->claims, "sub")),
                "alice");
    UNIT_ASSERT(json_is_false(json_object_get(jwt->claims, "admin")));
    UNIT_EQ_INT(jwt->payload_len, strlen(CLAIMS));
    UNIT_ASSERT(!memcmp(jwt->payload, CLAIMS, jwt->payload_len));
}

static void test_round_trip_es256(apr_pool_t *p)
{
    round_trip("ec256.pem", "ES256", p);
}

static void test_round_trip_rs256(apr_pool_t *p)
{
    round_trip("rsa2048.pem", "RS256", p);
}

static void test_sign_without_typ(apr_pool_t *p)
{
    oa2_key_t *key = fixture_key("ec256.pem", NULL, p);
    const char *token = signed_token(key, NULL, CLAIMS, p);
    oa2_jwt_t *jwt = NULL;
    oa2_err_t err = {0};

    UNIT_ASSERT(token);
    UNIT_EQ_INT(oa2_jwt_verify(&jwt, token, strlen(token), set_of(key, NULL, p),
                               NULL, &err, p),
                APR_SUCCESS);
    UNIT_ASSERT(json_object_get(jwt->header, "typ") == NULL);
}

static void test_sign_needs_private_key(apr_pool_t *p)
{
    oa2_key_t *key = jwk_key("{\"kty\":\"EC\",\"crv\":\"P-256\","
                             "\"x\":\"" A3_X "\",\"y\":\"" A3_Y "\"}",
                             p);
    json_t *claims = oa2_cleanup_json(json_object(), p);
    const char *token = NULL;
    oa2_err_t err = {0};

    UNIT_ASSERT(key);
    UNIT_REFUSED(oa2_jwt_sign(&token, key, NULL, claims, &err, p), err, 500,
                 "server_error", "OA2-00033");
    UNIT_REFUSED(oa2_jwt_sign(&token, NULL, NULL, claims, &err, p), err, 500,
                 "server_error", "OA2-00033");
    UNIT_ASSERT(token == NULL);
}

static void test_rfc7515_a3_es256(apr_pool_t *p)
{
    oa2_key_t *key = jwk_key("{\"kty\":\"EC\",\"crv\":\"P-256\","
                             "\"x\":\"" A3_X "\",\"y\":\"" A3_Y "\"}",
                             p);
    oa2_keyset_t *set;
    oa2_jwt_t *jwt = NULL;
    oa2_err_t err = {0};
    char *bad;

    UNIT_ASSERT(key);
    set = set_of(key, NULL, p);
    UNIT_EQ_INT(
        oa2_jwt_verify(&jwt, A3_JWS, strlen(A3_JWS), set, NULL, &err, p),
        APR_SUCCESS);
    UNIT_ASSERT(jwt->key == key);
    UNIT_EQ_STR(json_string_value(json_object_get(jwt->claims, "iss")), "joe");
    UNIT_EQ_INT(json_integer_value(json_object_get(jwt->claims, "exp")),
                1300819380);
    UNIT_ASSERT(json_is_true(
        json_object_get(jwt->claims, "http://example.com/is_root")));
    /* the payload is kept as signed, CR LF included */
    UNIT_ASSERT(memchr(jwt->payload, '\r', jwt->payload_len) != NULL);
    /* one character of r changed */
    bad = apr_pstrdup(p, A3_JWS);
    bad[strlen(bad) - 60] = bad[strlen(bad) - 60] == 'A' ? 'B' : 'A';
    TOKEN_REFUSED(bad, set, NULL, "OA2-00031");
    /* RFC 7515 A.3 is a JWT, not an access token */
    TOKEN_REFUSED(A3_JWS, set, "at+jwt", "OA2-00026");
}

static void test_rfc7515_a2_rs256(apr_pool_t *p)
{
    oa2_key_t *key = jwk_key("{\"kty\":\"RSA\",\"n\":\"" A2_N "\","
                             "\"e\":\"AQAB\"}",
                             p);
    oa2_keyset_t *set;
    oa2_jwt_t *jwt = NULL;
    oa2_err_t err = {0};
    char *bad;

    UNIT_ASSERT(key);
    set = set_of(key, NULL, p);
    UNIT_EQ_INT(
        oa2_jwt_verify(&jwt, A2_JWS, strlen(A2_JWS), set, NULL, &err, p),
        APR_SUCCESS);
    UNIT_ASSERT(jwt->key == key);
    UNIT_EQ_STR(json_string_value(json_object_get(jwt->claims, "iss")), "joe");
    bad = apr_pstrdup(p, A2_JWS);
    bad[strlen(bad) - 100] = bad[strlen(bad) - 100] == 'A' ? 'B' : 'A';
    TOKEN_REFUSED(bad, set, NULL, "OA2-00031");
    /* the A.3 signature does not verify with the A.2 key */
    TOKEN_REFUSED(A3_JWS, set, NULL, "OA2-00031");
}

static void test_refuses_alg_none(apr_pool_t *p)
{
    oa2_key_t *key = fixture_key("ec256.pem", NULL, p);
    oa2_keyset_t *set;
    const char *input;

    UNIT_ASSERT(key);
    set = set_of(key, NULL, p);
    input = signing_input("{\"alg\":\"none\"}", CLAIMS, p);
    /* an unsecured JWS has an empty signature ... */
    TOKEN_REFUSED(apr_pstrcat(p, input, ".", NULL), set, NULL, "OA2-00021");
    /* ... and one with a signature is still unsecured */
    TOKEN_REFUSED(apr_pstrcat(p, input, ".AAAA", NULL), set, NULL, "OA2-00024");
    input = signing_input(
        apr_pstrcat(p, "{\"alg\":\"none\",\"kid\":\"", key->kid, "\"}", NULL),
        CLAIMS, p);
    TOKEN_REFUSED(apr_pstrcat(p, input, ".AAAA", NULL), set, NULL, "OA2-00024");
    input = signing_input("{\"alg\":\"None\"}", CLAIMS, p);
    TOKEN_REFUSED(apr_pstrcat(p, input, ".AAAA", NULL), set, NULL, "OA2-00024");
    input = signing_input("{\"typ\":\"at+jwt\"}", CLAIMS, p);
    TOKEN_REFUSED(apr_pstrcat(p, input, ".AAAA", NULL), set, NULL, "OA2-00024");
}

static void test_refuses_hs256_keyed_with_public_pem(apr_pool_t *p)
{
    oa2_key_t *ec = fixture_key("ec256.pem", NULL, p);
    oa2_key_t *rsa = fixture_key("rsa2048.pem", NULL, p);
    oa2_keyset_t *set;
    const char *pem;
    apr_size_t len = 0;

    UNIT_ASSERT(ec && rsa);
    set = set_of(ec, rsa, p);
    /* the published public key file, as a confused verifier would use it */
    pem = file_text("data/ec256-public.pem", &len, p);
    UNIT_ASSERT(pem && len > 0);
    TOKEN_REFUSED(forge_hs256(pem, len,
                              apr_pstrcat(p,
                                          "{\"alg\":\"HS256\","
                                          "\"kid\":\"",
                                          ec->kid, "\"}", NULL),
                              CLAIMS, p),
                  set, NULL, "OA2-00024");
    TOKEN_REFUSED(forge_hs256(pem, len, "{\"alg\":\"HS256\"}", CLAIMS, p), set,
                  NULL, "OA2-00024");
    /* the RSA public key PEM, the classic confusion */
    pem = public_pem(rsa, &len, p);
    UNIT_ASSERT(pem && len > 0);
    TOKEN_REFUSED(forge_hs256(pem, len,
                              apr_pstrcat(p,
                                          "{\"alg\":\"HS256\","
                                          "\"kid\":\"",
                                          rsa->kid, "\"}", NULL),
                              CLAIMS, p),
                  set, NULL, "OA2-00024");
    TOKEN_REFUSED(forge_hs256(pem, len, "{\"alg\":\"HS256\"}", CLAIMS, p), set,
                  NULL, "OA2-00024");
}

static void test_refuses_alg_key_mismatch(apr_pool_t *p)
{
    oa2_key_t *ec = fixture_key("ec256.pem", NULL, p);
    oa2_key_t *rsa = fixture_key("rsa2048.pem", NULL, p);
    const char *header;

    UNIT_ASSERT(ec && rsa);
    /* RS256, validly signed by an RSA key, naming the EC key */
    header =
        apr_pstrcat(p, "{\"alg\":\"RS256\",\"kid\":\"", ec->kid, "\"}", NULL);
    TOKEN_REFUSED(forge(rsa, header, CLAIMS, p), set_of(ec, rsa, p), NULL,
                  "OA2-00030");
    /* and the other way round */
    header =
        apr_pstrcat(p, "{\"alg\":\"ES256\",\"kid\":\"", rsa->kid, "\"}", NULL);
    TOKEN_REFUSED(forge(ec, header, CLAIMS, p), set_of(ec, rsa, p), NULL,
                  "OA2-00030");
    /* without a kid only keys of the token's alg are tried */
    TOKEN_REFUSED(forge(rsa, "{\"alg\":\"RS256\"}", CLAIMS, p),
                  set_of(ec, NULL, p), NULL, "OA2-00031");
}

static void test_refuses_unknown_kid(apr_pool_t *p)
{
    oa2_key_t *ec = fixture_key("ec256.pem", NULL, p);
    oa2_key_t *other = fixture_key("ec256.pem", "other", p);

    UNIT_ASSERT(ec && other);
    TOKEN_REFUSED(signed_token(other, NULL, CLAIMS, p), set_of(ec, NULL, p),
                  NULL, "OA2-00029");
    TOKEN_REFUSED(forge(ec, "{\"alg\":\"ES256\",\"kid\":\"\"}", CLAIMS, p),
                  set_of(ec, NULL, p), NULL, "OA2-00029");
    TOKEN_REFUSED(forge(ec, "{\"alg\":\"ES256\",\"kid\":\"x\"}", CLAIMS, p),
                  NULL, NULL, "OA2-00029");
}

static void test_refuses_kid_not_string(apr_pool_t *p)
{
    oa2_key_t *ec = fixture_key("ec256.pem", NULL, p);

    UNIT_ASSERT(ec);
    TOKEN_REFUSED(forge(ec, "{\"alg\":\"ES256\",\"kid\":1}", CLAIMS, p),
                  set_of(ec, NULL, p), NULL, "OA2-00027");
    TOKEN_REFUSED(forge(ec, "{\"alg\":\"ES256\",\"kid\":null}", CLAIMS, p),
                  set_of(ec, NULL, p), NULL, "OA2-00027");
}

static void test_no_kid_tries_each_key(apr_pool_t *p)
{
    oa2_key_t *a = fixture_key("ec256.pem", NULL, p);
    oa2_key_t *b = fixture_key("rsa2048.pem", NULL, p);
    const char *token;
    oa2_jwt_t *jwt = NULL;
    oa2_err_t err = {0};

    UNIT_ASSERT(a && b);
    token = forge(a, "{\"alg\":\"ES256\"}", CLAIMS, p);
    UNIT_ASSERT(token);
    UNIT_EQ_INT(oa2_jwt_verify(&jwt, token, strlen(token), set_of(b, a, p),
                               NULL, &err, p),
                APR_SUCCESS);
    UNIT_ASSERT(jwt->key == a);
    TOKEN_REFUSED(token, set_of(b, NULL, p), NULL, "OA2-00031");
    TOKEN_REFUSED(token, NULL, NULL, "OA2-00031");
}

static void test_refuses_tampered_payload(apr_pool_t *p)
{
    oa2_key_t *ec = fixture_key("ec256.pem", NULL, p);
    const char *token = signed_token(ec, NULL, CLAIMS, p);
    const char *evil = "{\"sub\":\"alice\",\"admin\":true}";
    const char *dot1, *dot2;

    UNIT_ASSERT(token);
    dot1 = strchr(token, '.');
    dot2 = strchr(dot1 + 1, '.');
    TOKEN_REFUSED(apr_pstrcat(p, apr_pstrndup(p, token, dot1 + 1 - token),
                              oa2_b64_encode((const unsigned char *)evil,
                                             strlen(evil), p),
                              dot2, NULL),
                  set_of(ec, NULL, p), NULL, "OA2-00031");
}

static void test_refuses_tampered_header(apr_pool_t *p)
{
    oa2_key_t *ec = fixture_key("ec256.pem", NULL, p);
    const char *token = signed_token(ec, "at+jwt", CLAIMS, p);
    const char *header = apr_pstrcat(p, "{\"alg\":\"ES256\",\"kid\":\"",
                                     ec ? ec->kid : "", "\"}", NULL);

    UNIT_ASSERT(token);
    /* typ dropped from the header, signature kept */
    TOKEN_REFUSED(apr_pstrcat(p,
                              oa2_b64_encode((const unsigned char *)header,
                                             strlen(header), p),
                              strchr(token, '.'), NULL),
                  set_of(ec, NULL, p), NULL, "OA2-00031");
}

static void test_refuses_truncated(apr_pool_t *p)
{
    oa2_key_t *ec = fixture_key("ec256.pem", NULL, p);
    oa2_keyset_t *set = set_of(ec, NULL, p);
    const char *token = signed_token(ec, NULL, CLAIMS, p);
    const char *dot2;
    unsigned char *sig;
    apr_size_t len, siglen = 0;

    UNIT_ASSERT(token);
    len = strlen(token);
    dot2 = strrchr(token, '.');
    /* 86 characters of signature: one less is not base64url */
    TOKEN_REFUSED(apr_pstrndup(p, token, len - 1), set, NULL, "OA2-00028");
    /* a signature cut short by whole bytes decodes, and is too short */
    UNIT_EQ_INT(oa2_b64_decode(&sig, &siglen, dot2 + 1, strlen(dot2 + 1), p),
                APR_SUCCESS);
    TOKEN_REFUSED(apr_pstrcat(p, apr_pstrndup(p, token, dot2 + 1 - token),
                              oa2_b64_encode(sig, siglen - 3, p), NULL),
                  set, NULL, "OA2-00031");
    TOKEN_REFUSED(apr_pstrndup(p, token, dot2 - token), set, NULL, "OA2-00021");
    TOKEN_REFUSED(apr_pstrndup(p, token, len / 2), set, NULL, "OA2-00021");
}

static void test_refuses_missing_dots(apr_pool_t *p)
{
    oa2_key_t *ec = fixture_key("ec256.pem", NULL, p);
    oa2_keyset_t *set = set_of(ec, NULL, p);

    UNIT_ASSERT(ec);
    TOKEN_REFUSED("", set, NULL, "OA2-00021");
    TOKEN_REFUSED("eyJhbGciOiJFUzI1NiJ9", set, NULL, "OA2-00021");
    TOKEN_REFUSED("eyJhbGciOiJFUzI1NiJ9." A_PAYLOAD, set, NULL, "OA2-00021");
    TOKEN_REFUSED(".", set, NULL, "OA2-00021");
    TOKEN_REFUSED("..", set, NULL, "OA2-00021");
}

static void test_refuses_four_segments(apr_pool_t *p)
{
    oa2_key_t *ec = fixture_key("ec256.pem", NULL, p);
    oa2_keyset_t *set = set_of(ec, NULL, p);
    const char *token = signed_token(ec, NULL, CLAIMS, p);

    UNIT_ASSERT(token);
    TOKEN_REFUSED(apr_pstrcat(p, token, ".AAAA", NULL), set, NULL, "OA2-00021");
    TOKEN_REFUSED(apr_pstrcat(p, token, ".", NULL), set, NULL, "OA2-00021");
    /* a JWE compact serialization has five */
    TOKEN_REFUSED(apr_pstrcat(p, token, ".AAAA.AAAA", NULL), set, NULL,
                  "OA2-00021");
}

static void test_refuses_empty_segments(apr_pool_t *p)
{
    oa2_key_t *ec = fixture_key("ec256.pem", NULL, p);
    oa2_keyset_t *set = set_of(ec, NULL, p);
    const char *token = signed_token(ec, NULL, CLAIMS, p);
    const char *dot1, *dot2;

    UNIT_ASSERT(token);
    dot1 = strchr(token, '.');
    dot2 = strchr(dot1 + 1, '.');
    /* empty signature */
    TOKEN_REFUSED(apr_pstrndup(p, token, dot2 + 1 - token), set, NULL,
                  "OA2-00021");
    /* empty header */
    TOKEN_REFUSED(dot1, set, NULL, "OA2-00021");
    /* empty payload */
    TOKEN_REFUSED(
        apr_pstrcat(p, apr_pstrndup(p, token, dot1 + 1 - token), dot2, NULL),
        set, NULL, "OA2-00021");
}

static void test_length_limit(apr_pool_t *p)
{
    oa2_key_t *ec = fixture_key("ec256.pem", NULL, p);
    oa2_keyset_t *set = set_of(ec, NULL, p);
    char *filler = apr_palloc(p, OA2_JWT_MAX_LEN + 2);
    const char *token = NULL;
    apr_size_t n, len;

    UNIT_ASSERT(ec);
    memset(filler, 'A', OA2_JWT_MAX_LEN + 1);
    filler[OA2_JWT_MAX_LEN + 1] = '\0';
    TOKEN_REFUSED(filler, set, NULL, "OA2-00020");
    /* a validly signed token of exactly the limit verifies: the token
     * grows by 4 characters per 3 filler bytes, so walk up to it */
    for (n = (OA2_JWT_MAX_LEN - 200) * 3 / 4; n < OA2_JWT_MAX_LEN; n++) {
        token = signed_token(
            ec, NULL, apr_psprintf(p, "{\"pad\":\"%.*s\"}", (int)n, filler), p);
        UNIT_ASSERT(token);
        len = strlen(token);
        if (len >= OA2_JWT_MAX_LEN) {
            break;
        }
    }
    UNIT_EQ_INT(strlen(token), OA2_JWT_MAX_LEN);
    TOKEN_OK(token, set, NULL);
    TOKEN_REFUSED(apr_pstrcat(p, token, "A", NULL), set, NULL, "OA2-00020");
    token =
        signed_token(ec, NULL, apr_psprintf(p, "{\"pad\":\"%s\"}", filler), p);
    TOKEN_REFUSED(token, set, NULL, "OA2-00020");
}

static void test_refuses_long_header(apr_pool_t *p)
{
    oa2_key_t *ec = fixture_key("ec256.pem", NULL, p);
    char pad[2100];

    UNIT_ASSERT(ec);
    memset(pad, 'x', sizeof(pad) - 1);
    pad[sizeof(pad) - 1] = '\0';
    TOKEN_REFUSED(
        forge(ec,
              apr_pstrcat(p, "{\"alg\":\"ES256\",\"x\":\"", pad, "\"}", NULL),
              CLAIMS, p),
        set_of(ec, NULL, p), NULL, "OA2-00022");
}

static void test_refuses_bad_header(apr_pool_t *p)
{
    oa2_key_t *ec = fixture_key("ec256.pem", NULL, p);
    oa2_keyset_t *set = set_of(ec, NULL, p);

    UNIT_ASSERT(ec);
    TOKEN_REFUSED(forge(ec, "[\"ES256\"]", CLAIMS, p), set, NULL, "OA2-00023");
    TOKEN_REFUSED(forge(ec, "{\"alg\":\"ES256\"", CLAIMS, p), set, NULL,
                  "OA2-00023");
    /* two algs: which one a parser picks must never matter */
    TOKEN_REFUSED(forge(ec, "{\"alg\":\"HS256\",\"alg\":\"ES256\"}", CLAIMS, p),
                  set, NULL, "OA2-00023");
    TOKEN_REFUSED("e30=.e30.AAAA", set, NULL, "OA2-00023");
    TOKEN_REFUSED("!!!!.e30.AAAA", set, NULL, "OA2-00023");
}

static void test_refuses_bad_payload(apr_pool_t *p)
{
    oa2_key_t *ec = fixture_key("ec256.pem", NULL, p);
    oa2_keyset_t *set = set_of(ec, NULL, p);

    UNIT_ASSERT(ec);
    TOKEN_REFUSED(forge(ec, "{\"alg\":\"ES256\"}", "[1]", p), set, NULL,
                  "OA2-00032");
    TOKEN_REFUSED(forge(ec, "{\"alg\":\"ES256\"}", "{\"a\":", p), set, NULL,
                  "OA2-00032");
    TOKEN_REFUSED(forge(ec, "{\"alg\":\"ES256\"}",
                        "{\"sub\":\"a\","
                        "\"sub\":\"b\"}",
                        p),
                  set, NULL, "OA2-00032");
}

static void test_refuses_crit(apr_pool_t *p)
{
    oa2_key_t *ec = fixture_key("ec256.pem", NULL, p);
    oa2_keyset_t *set = set_of(ec, NULL, p);

    UNIT_ASSERT(ec);
    TOKEN_OK(forge(ec, "{\"alg\":\"ES256\"}", CLAIMS, p), set, NULL);
    TOKEN_REFUSED(forge(ec,
                        "{\"alg\":\"ES256\",\"crit\":[\"exp\"],"
                        "\"exp\":1}",
                        CLAIMS, p),
                  set, NULL, "OA2-00025");
    TOKEN_REFUSED(forge(ec, "{\"alg\":\"ES256\",\"crit\":[]}", CLAIMS, p), set,
                  NULL, "OA2-00025");
}

static void test_typ(apr_pool_t *p)
{
    oa2_key_t *ec = fixture_key("ec256.pem", NULL, p);
    oa2_keyset_t *set = set_of(ec, NULL, p);

    UNIT_ASSERT(ec);
    TOKEN_OK(signed_token(ec, "at+jwt", CLAIMS, p), set, "at+jwt");
    TOKEN_OK(signed_token(ec, "application/at+jwt", CLAIMS, p), set, "at+jwt");
    TOKEN_OK(signed_token(ec, "AT+JWT", CLAIMS, p), set, "at+jwt");
    TOKEN_OK(signed_token(ec, "Application/At+Jwt", CLAIMS, p), set, "at+jwt");
    /* any typ passes when none is demanded */
    TOKEN_OK(signed_token(ec, "JWT", CLAIMS, p), set, NULL);
    TOKEN_REFUSED(signed_token(ec, "JWT", CLAIMS, p), set, "at+jwt",
                  "OA2-00026");
    TOKEN_REFUSED(signed_token(ec, "application/jwt", CLAIMS, p), set, "at+jwt",
                  "OA2-00026");
    TOKEN_REFUSED(signed_token(ec, "at+jwt2", CLAIMS, p), set, "at+jwt",
                  "OA2-00026");
    TOKEN_REFUSED(signed_token(ec, "application/application/at+jwt", CLAIMS, p),
                  set, "at+jwt", "OA2-00026");
    TOKEN_REFUSED(signed_token(ec, NULL, CLAIMS, p), set, "at+jwt",
                  "OA2-00026");
    TOKEN_REFUSED(forge(ec, "{\"alg\":\"ES256\",\"typ\":1}", CLAIMS, p), set,
                  "at+jwt", "OA2-00026");
}

static void test_refuses_es256_signature_length(apr_pool_t *p)
{
    oa2_key_t *ec = fixture_key("ec256.pem", NULL, p);
    oa2_keyset_t *set = set_of(ec, NULL, p);
    const char *input = signing_input("{\"alg\":\"ES256\"}", CLAIMS, p);
    const char *raw, *der;
    unsigned char *bytes, longer[65];
    apr_size_t len = 0;

    UNIT_ASSERT(ec);
    raw = signature_of(ec, input, 0, p);
    der = signature_of(ec, input, 1, p);
    UNIT_ASSERT(raw && der);
    TOKEN_OK(apr_pstrcat(p, input, ".", raw, NULL), set, NULL);
    /* the DER form EVP makes is a valid ECDSA signature, but not JWS */
    TOKEN_REFUSED(apr_pstrcat(p, input, ".", der, NULL), set, NULL,
                  "OA2-00031");
    UNIT_EQ_INT(oa2_b64_decode(&bytes, &len, raw, strlen(raw), p), APR_SUCCESS);
    UNIT_EQ_INT(len, 64);
    TOKEN_REFUSED(
        apr_pstrcat(p, input, ".", oa2_b64_encode(bytes, 63, p), NULL), set,
        NULL, "OA2-00031");
    memcpy(longer, bytes, 64);
    longer[64] = 0;
    TOKEN_REFUSED(
        apr_pstrcat(p, input, ".", oa2_b64_encode(longer, 65, p), NULL), set,
        NULL, "OA2-00031");
    /* r = s = 0 is the right length and never a signature */
    memset(longer, 0, sizeof(longer));
    TOKEN_REFUSED(
        apr_pstrcat(p, input, ".", oa2_b64_encode(longer, 64, p), NULL), set,
        NULL, "OA2-00031");
}

static void test_refuses_signature_not_base64url(apr_pool_t *p)
{
    oa2_key_t *ec = fixture_key("ec256.pem", NULL, p);
    oa2_keyset_t *set = set_of(ec, NULL, p);
    const char *token = signed_token(ec, NULL, CLAIMS, p);
    char *bad;

    UNIT_ASSERT(token);
    bad = apr_pstrdup(p, token);
    bad[strlen(bad) - 5] = '+';
    TOKEN_REFUSED(bad, set, NULL, "OA2-00028");
    TOKEN_REFUSED(apr_pstrcat(p, token, "==", NULL), set, NULL, "OA2-00028");
}

/* The signer's DER to r||s: an r or s shorter than 32 bytes (1 in 256
 * signatures each) must be padded back to full width, or the token fails
 * to verify. */
static void test_es256_signer_pads_short_integers(apr_pool_t *p)
{
    oa2_key_t *ec = fixture_key("ec256.pem", NULL, p);
    oa2_keyset_t *set = set_of(ec, NULL, p);
    int seen = 0, i;

    UNIT_ASSERT(ec);
    for (i = 0; i < 20000 && seen != 0x3; i++) {
        const char *token =
            signed_token(ec, "at+jwt", apr_psprintf(p, "{\"n\":%d}", i), p);
        const char *sig = token ? strrchr(token, '.') + 1 : "";
        unsigned char *raw;
        apr_size_t len;
        int edges;

        UNIT_ASSERT(token);
        UNIT_EQ_INT(oa2_b64_decode(&raw, &len, sig, strlen(sig), p),
                    APR_SUCCESS);
        UNIT_EQ_INT(len, 64);
        edges = (raw[0] == 0) | (raw[32] == 0) << 1;
        if (edges & ~seen) {
            seen |= edges;
            TOKEN_OK(token, set, "at+jwt");
        }
    }
    UNIT_EQ_INT(seen, 0x3);
}

/*
 * The raw r||s of ES256 is turned into DER by hand: a leading zero byte
 * (dropped) and a high bit (a zero byte added) in r or in s must survive
 * it. Signatures are made until each case has turned up (about 1 in 256
 * for a zero byte).
 */
static void test_es256_signature_integer_edges(apr_pool_t *p)
{
    oa2_key_t *ec = fixture_key("ec256.pem", NULL, p);
    oa2_keyset_t *set = set_of(ec, NULL, p);
    int seen = 0, i;

    UNIT_ASSERT(ec);
    for (i = 0; i < 20000 && seen != 0xf; i++) {
        const char *input = signing_input("{\"alg\":\"ES256\"}",
                                          apr_psprintf(p, "{\"n\":%d}", i), p);
        const char *sig = signature_of(ec, input, 0, p);
        unsigned char *raw;
        apr_size_t len;
        int edges;

        UNIT_ASSERT(sig);
        UNIT_EQ_INT(oa2_b64_decode(&raw, &len, sig, strlen(sig), p),
                    APR_SUCCESS);
        edges = (raw[0] == 0) | (raw[32] == 0) << 1 | (raw[0] >= 0x80) << 2
            | (raw[32] >= 0x80) << 3;
        if (edges & ~seen) {
            seen |= edges;
            TOKEN_OK(apr_pstrcat(p, input, ".", sig, NULL), set, NULL);
        }
    }
    UNIT_EQ_INT(seen, 0xf);
}

void unit_suite_jwt(void)
{
    unit_suite("jwt");
    UNIT_RUN(test_round_trip_es256);
    UNIT_RUN(test_round_trip_rs256);
    UNIT_RUN(test_sign_without_typ);
    UNIT_RUN(test_sign_needs_private_key);
    UNIT_RUN(test_rfc7515_a3_es256);
    UNIT_RUN(test_rfc7515_a2_rs256);
    UNIT_RUN(test_refuses_alg_none);
    UNIT_RUN(test_refuses_hs256_keyed_with_public_pem);
    UNIT_RUN(test_refuses_alg_key_mismatch);
    UNIT_RUN(test_refuses_unknown_kid);
    UNIT_RUN(test_refuses_kid_not_string);
    UNIT_RUN(test_no_kid_tries_each_key);
    UNIT_RUN(test_refuses_tampered_payload);
    UNIT_RUN(test_refuses_tampered_header);
    UNIT_RUN(test_refuses_truncated);
    UNIT_RUN(test_refuses_missing_dots);
    UNIT_RUN(test_refuses_four_segments);
    UNIT_RUN(test_refuses_empty_segments);
    UNIT_RUN(test_length_limit);
    UNIT_RUN(test_refuses_long_header);
    UNIT_RUN(test_refuses_bad_header);
    UNIT_RUN(test_refuses_bad_payload);
    UNIT_RUN(test_refuses_crit);
    UNIT_RUN(test_typ);
    UNIT_RUN(test_es256_signature_integer_edges);
    UNIT_RUN(test_es256_signer_pads_short_integers);
    UNIT_RUN(test_refuses_es256_signature_length);
    UNIT_RUN(test_refuses_signature_not_base64url);
}
