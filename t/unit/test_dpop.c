/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/* DPoP proofs (RFC 9449): each check, the nonces, the thumbprint, the ath,
 * the binding of token requests and refresh tokens. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <apr_base64.h>
#include <apr_file_io.h>
#include <apr_strings.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "cache_fixture.h"
#include "key_fixture.h"
#include "openid_fixture.h"
#include "oa2_b64.h"
#include "oa2_cleanup.h"
#include "oa2_dpop.h"
#include "oa2_dpop_keys.h"
#include "oa2_grant.h"
#include "oa2_jwt.h"
#include "oa2_secret.h"
#include "store_fixture.h"
#include "unit.h"

#define NOW 1800000000
#define URL "https://as.example/oauth2/token"
/* RFC 9449 §7.1's access token and its ath */
#define RFC_TOKEN "Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU"
#define RFC_ATH "fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo"

static const unsigned char NONCE_KEY[32] = "0123456789abcdef0123456789abcde";
static const unsigned char OTHER_KEY[32] = "fedcba9876543210fedcba987654321";

/* The public JWK of @a key as a proof carries it: kty and its members. */
static const char *jwk_of(const oa2_key_t *key, apr_pool_t *p)
{
    json_t *jwk = oa2_cleanup_json(json_deep_copy(key->jwk), p);

    json_object_del(jwk, "kid");
    json_object_del(jwk, "alg");
    json_object_del(jwk, "use");
    return oa2_cleanup_malloced(json_dumps(jwk, JSON_COMPACT), p);
}

/* The usual header of a proof of @a key. */
static const char *header_of(const oa2_key_t *key, apr_pool_t *p)
{
    return apr_psprintf(p, "{\"typ\":\"dpop+jwt\",\"alg\":\"%s\",\"jwk\":%s}",
                        oa2_keys_alg_name(key->alg), jwk_of(key, p));
}

/* The claims of a proof of POST URL at @a iat with @a jti, and @a more
 * members ("" for none, else starting with a comma). */
static const char *claims_of(apr_int64_t iat, const char *jti, const char *more,
                             apr_pool_t *p)
{
    return apr_psprintf(p,
                        "{\"jti\":\"%s\",\"htm\":\"POST\",\"htu\":\"" URL
                        "\",\"iat\":%" APR_INT64_T_FMT "%s}",
                        jti, iat, more);
}

static const char *sign(const oa2_key_t *key, const char *header,
                        const char *claims, apr_pool_t *p)
{
    const char *token = NULL;
    oa2_err_t err;

    oa2_jwt_sign_header(&token, key, header, claims, strlen(claims), &err, p);
    return token;
}

/* A good proof of @a key for POST URL now. */
static const char *good_proof(const oa2_key_t *key, const char *jti,
                              apr_pool_t *p)
{
    return sign(key, header_of(key, p), claims_of(NOW, jti, "", p), p);
}

/* The check of a proof @a header at the token endpoint. */
static oa2_dpop_check_t check_of(const char *header)
{
    oa2_dpop_check_t c = {0};

    c.header = header;
    c.method = "POST";
    c.url = URL;
    return c;
}

#define VERIFY(check) oa2_dpop_verify(&proof, &(check), NOW, &err, p)

/* @a header refused with @a code and @a id at the token endpoint (400). */
#define REFUSED(header, code, id)                                              \
    do {                                                                       \
        oa2_dpop_check_t c_ = check_of(header);                                \
        oa2_dpop_proof_t *pr_ = NULL;                                          \
        oa2_err_t e_ = {0};                                                    \
        UNIT_REFUSED(oa2_dpop_verify(&pr_, &c_, NOW, &e_, p), e_, 400, (code), \
                     (id));                                                    \
        UNIT_DESCRIPTION_FIXED(e_, NULL);                                      \
    } while (0)

#define BAD_PROOF(header, id) REFUSED(header, "invalid_dpop_proof", id)

static void test_good_proof_es256(apr_pool_t *p)
{
    oa2_key_t *key = fixture_key("ec256.pem", NULL, p);
    oa2_dpop_check_t c = check_of(good_proof(key, "j-1", p));
    oa2_dpop_proof_t *proof = NULL;
    oa2_err_t err = {0};

    UNIT_EQ_INT(VERIFY(c), APR_SUCCESS);
    /* the RFC 7638 thumbprint of the key: the kid it gets by default */
    UNIT_EQ_STR(proof->jkt, key->kid);
    UNIT_EQ_STR(proof->jti, "j-1");
    UNIT_EQ_INT(proof->iat, NOW);
}

static void test_good_proof_rs256(apr_pool_t *p)
{
    oa2_key_t *key = fixture_key("rsa2048.pem", NULL, p);
    oa2_dpop_check_t c = check_of(good_proof(key, "j-1", p));
    oa2_dpop_proof_t *proof = NULL;
    oa2_err_t err = {0};

    UNIT_EQ_INT(VERIFY(c), APR_SUCCESS);
    UNIT_EQ_STR(proof->jkt, key->kid);
}

static void test_missing_and_repeated(apr_pool_t *p)
{
    oa2_key_t *key = fixture_key("ec256.pem", NULL, p);
    const char *one = good_proof(key, "j-1", p);
    oa2_dpop_check_t c = check_of(NULL);
    oa2_dpop_proof_t *proof = NULL;
    oa2_err_t err = {0};

    BAD_PROOF(NULL, "OA2-01410");
    BAD_PROOF("", "OA2-01410");
    /* two DPoP headers, as httpd joins them */
    BAD_PROOF(apr_pstrcat(p, one, ", ", good_proof(key, "j-2", p), NULL),
              "OA2-01411");
    BAD_PROOF(apr_pstrcat(p, one, ",", NULL), "OA2-01411");
    /* a resource server answers 401 */
    c.resource = 1;
    UNIT_REFUSED(VERIFY(c), err, 401, "invalid_dpop_proof", "OA2-01410");
}

static void test_not_a_jws(apr_pool_t *p)
{
    BAD_PROOF("abc", "OA2-01412");
    BAD_PROOF("a.b", "OA2-01412");
    BAD_PROOF("a.b.c.d", "OA2-01412");
    BAD_PROOF("eyJ9.e30.AAAA", "OA2-01412"); /* header not JSON */
    BAD_PROOF(apr_pstrcat(p, oa2_b64_encode((const unsigned char *)"[]", 2, p),
                          ".e30.AAAA", NULL),
              "OA2-01412");
}

/* A proof of @a key with header @a header and the usual claims. */
static const char *with_header(const oa2_key_t *key, const char *header,
                               apr_pool_t *p)
{
    return sign(key, header, claims_of(NOW, "j-1", "", p), p);
}

static void test_typ(apr_pool_t *p)
{
    oa2_key_t *key = fixture_key("ec256.pem", NULL, p);
    const char *jwk = jwk_of(key, p);

    BAD_PROOF(
        with_header(key, apr_psprintf(p, "{\"alg\":\"ES256\",\"jwk\":%s}", jwk),
                    p),
        "OA2-01413");
    BAD_PROOF(with_header(key,
                          apr_psprintf(p,
                                       "{\"typ\":\"JWT\",\"alg\":\"ES256\","
                                       "\"jwk\":%s}",
                                       jwk),
                          p),
              "OA2-01413");
    BAD_PROOF(with_header(key,
                          apr_psprintf(p,
                                       "{\"typ\":\"at+jwt\",\"alg\":\"ES256\","
                                       "\"jwk\":%s}",
                                       jwk),
                          p),
              "OA2-01413");
}

/* A header of @a alg with @a key's jwk, then a made-up signature: the
 * alg is refused before any signature is looked at. */
static const char *alg_proof(const oa2_key_t *key, const char *alg,
                             apr_pool_t *p)
{
    const char *h =
        apr_psprintf(p, "{\"typ\":\"dpop+jwt\",\"alg\":\"%s\",\"jwk\":%s}", alg,
                     jwk_of(key, p));
    const char *c = claims_of(NOW, "j-1", "", p);

    return apr_pstrcat(
        p, oa2_b64_encode((const unsigned char *)h, strlen(h), p), ".",
        oa2_b64_encode((const unsigned char *)c, strlen(c), p), ".AAAA", NULL);
}

static void test_alg(apr_pool_t *p)
{
    oa2_key_t *key = fixture_key("ec256.pem", NULL, p);

    BAD_PROOF(alg_proof(key, "none", p), "OA2-01414");
    BAD_PROOF(alg_proof(key, "HS256", p), "OA2-01414");
    BAD_PROOF(alg_proof(key, "PS256", p), "OA2-01414");
    BAD_PROOF(alg_proof(key, "ES384", p), "OA2-01414");
    BAD_PROOF(alg_proof(key, "es256", p), "OA2-01414");
    /* alg none with no signature at all is no JWS */
    BAD_PROOF(apr_pstrmemdup(p, alg_proof(key, "none", p),
                             strlen(alg_proof(key, "none", p)) - 4),
              "OA2-01412");
    /* an RSA alg over an EC key */
    BAD_PROOF(alg_proof(key, "RS256", p), "OA2-01419");
}

static void test_crit(apr_pool_t *p)
{
    oa2_key_t *key = fixture_key("ec256.pem", NULL, p);

    BAD_PROOF(with_header(key,
                          apr_psprintf(p,
                                       "{\"typ\":\"dpop+jwt\",\"alg\":"
                                       "\"ES256\",\"crit\":[\"x\"],\"x\":1,"
                                       "\"jwk\":%s}",
                                       jwk_of(key, p)),
                          p),
              "OA2-01415");
}

static void test_jwk(apr_pool_t *p)
{
    oa2_key_t *key = fixture_key("ec256.pem", NULL, p);
    const char *jwk = jwk_of(key, p);

    BAD_PROOF(with_header(key, "{\"typ\":\"dpop+jwt\",\"alg\":\"ES256\"}", p),
              "OA2-01416");
    BAD_PROOF(with_header(key,
                          "{\"typ\":\"dpop+jwt\",\"alg\":\"ES256\","
                          "\"jwk\":\"x\"}",
                          p),
              "OA2-01416");
    /* a private member: the key is published, anyone may sign */
    BAD_PROOF(with_header(key,
                          apr_psprintf(p,
                                       "{\"typ\":\"dpop+jwt\",\"alg\":"
                                       "\"ES256\",\"jwk\":%.*s,\"d\":\"AAAA\"}"
                                       "}",
                                       (int)strlen(jwk) - 1, jwk),
                          p),
              "OA2-01417");
    BAD_PROOF(with_header(key,
                          "{\"typ\":\"dpop+jwt\",\"alg\":\"ES256\","
                          "\"jwk\":{\"kty\":\"oct\",\"k\":\"AAAA\"}}",
                          p),
              "OA2-01417");
    /* no key we verify with: a P-384 curve, a broken point, RSA 1024 */
    BAD_PROOF(with_header(key,
                          "{\"typ\":\"dpop+jwt\",\"alg\":\"ES256\","
                          "\"jwk\":{\"kty\":\"EC\",\"crv\":\"P-384\","
                          "\"x\":\"AAAA\",\"y\":\"AAAA\"}}",
                          p),
              "OA2-01418");
    BAD_PROOF(with_header(key,
                          "{\"typ\":\"dpop+jwt\",\"alg\":\"ES256\","
                          "\"jwk\":{\"kty\":\"EC\",\"crv\":\"P-256\","
                          "\"x\":\"AAAA\",\"y\":\"AAAA\"}}",
                          p),
              "OA2-01418");
    /* t/unit/data/rsa1024.pem's public key */
    BAD_PROOF(
        with_header(key,
                    "{\"typ\":\"dpop+jwt\",\"alg\":\"RS256\","
                    "\"jwk\":{\"kty\":\"RSA\",\"e\":\"AQAB\",\"n\":"
                    "\"x5FCGA2uh-lchTQm59r0BpWrEXyhbCp5-yCQfz8Vm0Cs3bDWSW4"
                    "0pSnBca-q75F-vlAxWUJflsW7jlFWVyErEzTFsgn0AZHzBjwIttG"
                    "pke7octKRaEss2NKw3JavuVRPAMfclDWg_pOpJfABcyg_n0_cTE"
                    "TmBMuP9R3t8CxdSh0\"}}",
                    p),
        "OA2-01418");
}

static void test_signature(apr_pool_t *p)
{
    oa2_key_t *key = fixture_key("ec256.pem", NULL, p);
    oa2_key_t *rsa = fixture_key("rsa2048.pem", NULL, p);
    oa2_key_t *other = fixture_key("ec256-b.pem", NULL, p);
    const char *good = good_proof(key, "j-1", p);
    const char *dot = strrchr(good, '.');
    char *tampered = apr_pstrdup(p, good);

    /* the header names one key, another signed */
    UNIT_ASSERT(rsa && other);
    BAD_PROOF(sign(other, header_of(key, p), claims_of(NOW, "j-1", "", p), p),
              "OA2-01421");
    /* a signature byte changed */
    tampered[dot - good + 5] = tampered[dot - good + 5] == 'A' ? 'B' : 'A';
    BAD_PROOF(tampered, "OA2-01421");
    /* the claims of another proof under this signature */
    BAD_PROOF(apr_pstrcat(
                  p, apr_pstrndup(p, good, strchr(good, '.') - good), ".",
                  oa2_b64_encode((const unsigned char *)"{}", 2, p), dot, NULL),
              "OA2-01421");
}

static void test_jti(apr_pool_t *p)
{
    oa2_key_t *key = fixture_key("ec256.pem", NULL, p);
    const char *h = header_of(key, p);
    char *long_jti = apr_palloc(p, OA2_DPOP_JTI_MAX + 2);

    memset(long_jti, 'j', OA2_DPOP_JTI_MAX + 1);
    long_jti[OA2_DPOP_JTI_MAX + 1] = '\0';
    BAD_PROOF(sign(key, h,
                   "{\"htm\":\"POST\",\"htu\":\"" URL "\",\"iat\":1800000000}",
                   p),
              "OA2-01429");
    BAD_PROOF(sign(key, h, claims_of(NOW, "", "", p), p), "OA2-01429");
    BAD_PROOF(sign(key, h, claims_of(NOW, long_jti, "", p), p), "OA2-01429");
    BAD_PROOF(sign(key, h,
                   "{\"jti\":7,\"htm\":\"POST\",\"htu\":\"" URL
                   "\",\"iat\":1800000000}",
                   p),
              "OA2-01429");
    long_jti[OA2_DPOP_JTI_MAX] = '\0';
    {
        oa2_dpop_check_t c = check_of(good_proof(key, long_jti, p));
        oa2_dpop_proof_t *proof;
        oa2_err_t err = {0};
        UNIT_EQ_INT(VERIFY(c), APR_SUCCESS);
    }
}

/* A proof of @a key with htm @a htm and htu @a htu. */
static const char *request_proof(const oa2_key_t *key, const char *htm,
                                 const char *htu, apr_pool_t *p)
{
    return sign(key, header_of(key, p),
                apr_psprintf(p,
                             "{\"jti\":\"j\",\"htm\":\"%s\",\"htu\":\"%s\","
                             "\"iat\":1800000000}",
                             htm, htu),
                p);
}

static void test_htm(apr_pool_t *p)
{
    oa2_key_t *key = fixture_key("ec256.pem", NULL, p);

    BAD_PROOF(request_proof(key, "GET", URL, p), "OA2-01422");
    BAD_PROOF(request_proof(key, "post", URL, p), "OA2-01422");
    BAD_PROOF(sign(key, header_of(key, p),
                   "{\"jti\":\"j\",\"htu\":\"" URL "\",\"iat\":1800000000}", p),
              "OA2-01422");
}

static void test_htu(apr_pool_t *p)
{
    oa2_key_t *key = fixture_key("ec256.pem", NULL, p);
    static const char *const same[] = {URL,
                                       "HTTPS://AS.Example/oauth2/token",
                                       "https://as.example:443/oauth2/token",
                                       "https://as.example/oauth2/token?x=1",
                                       "https://as.example/oauth2/token#f",
                                       "https://as.example/oauth2/./x/../token",
                                       "https://as.example/%6Fauth2/token",
                                       NULL};
    static const char *const other[] = {"https://as.example/oauth2/par",
                                        "https://as.example/OAuth2/token",
                                        "http://as.example/oauth2/token",
                                        "https://as.example:8443/oauth2/token",
                                        "https://evil.example/oauth2/token",
                                        "https://as.example.evil/oauth2/token",
                                        "https://user@as.example/oauth2/token",
                                        "/oauth2/token",
                                        "https://as.example/oauth2/token/",
                                        NULL};
    int i;

    for (i = 0; same[i]; i++) {
        oa2_dpop_check_t c = check_of(request_proof(key, "POST", same[i], p));
        oa2_dpop_proof_t *proof;
        oa2_err_t err = {0};
        if (VERIFY(c) != APR_SUCCESS) {
            unit_fail(__FILE__, __LINE__, "htu %s refused", same[i]);
            return;
        }
    }
    for (i = 0; other[i]; i++) {
        BAD_PROOF(request_proof(key, "POST", other[i], p), "OA2-01423");
    }
    BAD_PROOF(sign(key, header_of(key, p),
                   "{\"jti\":\"j\",\"htm\":\"POST\",\"iat\":1800000000}", p),
              "OA2-01423");
}

static void test_url_normal(apr_pool_t *p)
{
    UNIT_EQ_STR(oa2_dpop_url_normal("HTTP://Example.COM:80", p),
                "http://example.com/");
    UNIT_EQ_STR(oa2_dpop_url_normal("https://example.com:8443/a?b#c", p),
                "https://example.com:8443/a");
    UNIT_EQ_STR(oa2_dpop_url_normal("https://example.com/a/b/../c/./d", p),
                "https://example.com/a/c/d");
    UNIT_EQ_STR(oa2_dpop_url_normal("https://example.com/a/b/..", p),
                "https://example.com/a/");
    UNIT_EQ_STR(oa2_dpop_url_normal("https://example.com/../../x", p),
                "https://example.com/x");
    UNIT_EQ_STR(oa2_dpop_url_normal("https://example.com/%7euser/%2f%3a", p),
                "https://example.com/~user/%2F%3A");
    UNIT_EQ_STR(oa2_dpop_url_normal("http://[::1]:8080/x", p),
                "http://[::1]:8080/x");
    UNIT_ASSERT(!oa2_dpop_url_normal("ftp://example.com/", p));
    UNIT_ASSERT(!oa2_dpop_url_normal("https:///x", p));
    UNIT_ASSERT(!oa2_dpop_url_normal("https://a:b@example.com/", p));
    UNIT_ASSERT(!oa2_dpop_url_normal("https://example.com:99999/", p));
    UNIT_ASSERT(!oa2_dpop_url_normal("https://example.com:-1/", p));
    UNIT_ASSERT(!oa2_dpop_url_normal(NULL, p));
    /* no URI path: a lone '%', a space, a non-ASCII byte */
    UNIT_ASSERT(!oa2_dpop_url_normal("https://example.com/a%zz", p));
    UNIT_ASSERT(!oa2_dpop_url_normal("https://example.com/%a%41", p));
    UNIT_ASSERT(!oa2_dpop_url_normal("https://example.com/a b", p));
    UNIT_ASSERT(!oa2_dpop_url_normal("https://example.com/\xc3\xa9", p));
}

static void test_iat(apr_pool_t *p)
{
    oa2_key_t *key = fixture_key("ec256.pem", NULL, p);
    const char *h = header_of(key, p);
    apr_int64_t ok[] = {NOW - OA2_DPOP_WINDOW, NOW + OA2_DPOP_WINDOW};
    int i;

    BAD_PROOF(sign(key, h, claims_of(NOW - OA2_DPOP_WINDOW - 1, "j", "", p), p),
              "OA2-01425");
    BAD_PROOF(sign(key, h, claims_of(NOW + OA2_DPOP_WINDOW + 1, "j", "", p), p),
              "OA2-01426");
    BAD_PROOF(
        sign(key, h, "{\"jti\":\"j\",\"htm\":\"POST\",\"htu\":\"" URL "\"}", p),
        "OA2-01424");
    BAD_PROOF(sign(key, h,
                   "{\"jti\":\"j\",\"htm\":\"POST\",\"htu\":\"" URL
                   "\",\"iat\":\"1800000000\"}",
                   p),
              "OA2-01424");
    BAD_PROOF(sign(key, h,
                   "{\"jti\":\"j\",\"htm\":\"POST\",\"htu\":\"" URL
                   "\",\"iat\":1e300}",
                   p),
              "OA2-01426");
    for (i = 0; i < 2; i++) {
        oa2_dpop_check_t c =
            check_of(sign(key, h, claims_of(ok[i], "j", "", p), p));
        oa2_dpop_proof_t *proof;
        oa2_err_t err = {0};
        UNIT_EQ_INT(VERIFY(c), APR_SUCCESS);
    }
}

static void test_ath(apr_pool_t *p)
{
    oa2_key_t *key = fixture_key("ec256.pem", NULL, p);
    const char *h = header_of(key, p);
    oa2_dpop_check_t c;
    oa2_dpop_proof_t *proof;
    oa2_err_t err = {0};

    UNIT_EQ_STR(oa2_dpop_ath(RFC_TOKEN, p), RFC_ATH);
    c = check_of(
        sign(key, h, claims_of(NOW, "j", ",\"ath\":\"" RFC_ATH "\"", p), p));
    c.access_token = RFC_TOKEN;
    UNIT_EQ_INT(VERIFY(c), APR_SUCCESS);
    /* another token's hash */
    c.access_token = RFC_TOKEN "x";
    c.resource = 1;
    UNIT_REFUSED(VERIFY(c), err, 401, "invalid_dpop_proof", "OA2-01428");
    /* none */
    c = check_of(sign(key, h, claims_of(NOW, "j", "", p), p));
    c.access_token = RFC_TOKEN;
    UNIT_REFUSED(VERIFY(c), err, 400, "invalid_dpop_proof", "OA2-01427");
}

static void test_jkt_of_the_token(apr_pool_t *p)
{
    oa2_key_t *key = fixture_key("ec256.pem", NULL, p);
    oa2_key_t *other = fixture_key("rsa2048.pem", NULL, p);
    oa2_dpop_check_t c = check_of(good_proof(key, "j", p));
    oa2_dpop_proof_t *proof;
    oa2_err_t err = {0};

    c.jkt = other->kid;
    c.resource = 1;
    UNIT_REFUSED(VERIFY(c), err, 401, "invalid_token", "OA2-01432");
    c.jkt = key->kid;
    UNIT_EQ_INT(VERIFY(c), APR_SUCCESS);
}

/* RFC 7638 §3.1: the thumbprint of the example key, as a proof's key is
 * read (its JWK made again from the key). */
static void test_rfc7638_thumbprint(apr_pool_t *p)
{
    static const char jwk_text[] =
        "{\"kty\":\"RSA\",\"n\":\"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFb"
        "WhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3o"
        "knjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_F"
        "DW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbI"
        "SD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0L"
        "s1jF44-csFCur-kEgU8awapJzKnqDKgw\",\"e\":\"AQAB\",\"alg\":\"RS256\","
        "\"kid\":\"2011-04-29\"}";
    json_t *jwk = oa2_cleanup_json(json_loads(jwk_text, 0, NULL), p);
    oa2_key_t *key;
    oa2_err_t err = {0};

    UNIT_EQ_STR(oa2_keys_thumbprint(jwk, p),
                "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
    UNIT_EQ_INT(oa2_keys_from_jwk(&key, jwk, &err, p), APR_SUCCESS);
    UNIT_EQ_STR(oa2_keys_thumbprint(key->jwk, p),
                "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
}

static void test_nonce_window(apr_pool_t *p)
{
    const apr_int64_t step = OA2_DPOP_NONCE_STEP;
    const apr_int64_t start = (NOW / step) * step;
    const char *n = oa2_dpop_nonce(NONCE_KEY, start, p);
    char *bad;

    UNIT_ASSERT(n && strlen(n) == 32);
    /* the step it was made in, and the next */
    UNIT_ASSERT(oa2_dpop_nonce_valid(NONCE_KEY, n, start, p));
    UNIT_ASSERT(oa2_dpop_nonce_valid(NONCE_KEY, n, start + step - 1, p));
    UNIT_ASSERT(oa2_dpop_nonce_valid(NONCE_KEY, n, start + 2 * step - 1, p));
    UNIT_ASSERT(!oa2_dpop_nonce_valid(NONCE_KEY, n, start + 2 * step, p));
    /* not before it was made */
    UNIT_ASSERT(!oa2_dpop_nonce_valid(NONCE_KEY, n, start - 1, p));
    /* another server's, a changed one, not ours at all */
    UNIT_ASSERT(!oa2_dpop_nonce_valid(OTHER_KEY, n, start, p));
    bad = apr_pstrdup(p, n);
    bad[20] = bad[20] == 'A' ? 'B' : 'A';
    UNIT_ASSERT(!oa2_dpop_nonce_valid(NONCE_KEY, bad, start, p));
    UNIT_ASSERT(!oa2_dpop_nonce_valid(NONCE_KEY, "", start, p));
    UNIT_ASSERT(!oa2_dpop_nonce_valid(NONCE_KEY, "not base64url!", start, p));
    UNIT_ASSERT(!oa2_dpop_nonce_valid(NONCE_KEY, apr_pstrcat(p, n, "AA", NULL),
                                      start, p));
    /* the same for every process holding the key */
    UNIT_EQ_STR(oa2_dpop_nonce(NONCE_KEY, start + 7, p), n);
}

static void test_nonce_demanded(apr_pool_t *p)
{
    oa2_key_t *key = fixture_key("ec256.pem", NULL, p);
    const char *h = header_of(key, p);
    const char *now_nonce = oa2_dpop_nonce(NONCE_KEY, NOW, p);
    const char *old =
        oa2_dpop_nonce(NONCE_KEY, NOW - 2 * OA2_DPOP_NONCE_STEP, p);
    const char *prev = oa2_dpop_nonce(NONCE_KEY, NOW - OA2_DPOP_NONCE_STEP, p);
    oa2_dpop_check_t c;
    oa2_dpop_proof_t *proof;
    oa2_err_t err = {0};

    c = check_of(good_proof(key, "j", p));
    c.nonce_key = NONCE_KEY;
    UNIT_REFUSED(VERIFY(c), err, 400, "use_dpop_nonce", "OA2-01430");
    c.resource = 1;
    UNIT_REFUSED(VERIFY(c), err, 401, "use_dpop_nonce", "OA2-01430");
    c = check_of(sign(
        key, h,
        claims_of(NOW, "j", apr_psprintf(p, ",\"nonce\":\"%s\"", old), p), p));
    c.nonce_key = NONCE_KEY;
    UNIT_REFUSED(VERIFY(c), err, 400, "use_dpop_nonce", "OA2-01431");
    c.nonce_key = OTHER_KEY;
    c.header = sign(
        key, h,
        claims_of(NOW, "j", apr_psprintf(p, ",\"nonce\":\"%s\"", now_nonce), p),
        p);
    UNIT_REFUSED(VERIFY(c), err, 400, "use_dpop_nonce", "OA2-01431");
    c.nonce_key = NONCE_KEY;
    UNIT_EQ_INT(VERIFY(c), APR_SUCCESS);
    c.header = sign(
        key, h,
        claims_of(NOW, "j", apr_psprintf(p, ",\"nonce\":\"%s\"", prev), p), p);
    UNIT_EQ_INT(VERIFY(c), APR_SUCCESS);
}

static void test_replay(apr_pool_t *p)
{
    oa2_key_t *key = fixture_key("ec256.pem", NULL, p);
    fixture_cache_t *fc;
    oa2_record_cache_t *cache = fixture_cache(&fc, p);
    oa2_dpop_check_t c = check_of(good_proof(key, "j-1", p));
    oa2_dpop_proof_t *proof;
    oa2_err_t err = {0};

    c.replay = cache;
    UNIT_EQ_INT(VERIFY(c), APR_SUCCESS);
    UNIT_EQ_INT(fc->added, 1);
    /* kept while the proof would pass the iat check */
    UNIT_EQ_INT(fc->last_expiry, NOW + OA2_DPOP_WINDOW + 1);
    UNIT_REFUSED(VERIFY(c), err, 400, "invalid_dpop_proof", "OA2-01433");
    /* another jti of the same key is another proof */
    c.header = good_proof(key, "j-2", p);
    UNIT_EQ_INT(VERIFY(c), APR_SUCCESS);
    /* a refused proof does not use its jti up */
    c.header = sign(key, header_of(key, p),
                    claims_of(NOW, "j-3", ",\"nonce\":\"x\"", p), p);
    c.nonce_key = NONCE_KEY;
    UNIT_REFUSED(VERIFY(c), err, 400, "use_dpop_nonce", "OA2-01431");
    c.nonce_key = NULL;
    UNIT_EQ_INT(VERIFY(c), APR_SUCCESS);
}

static void test_check_token(apr_pool_t *p)
{
    oa2_key_t *key = fixture_key("ec256.pem", NULL, p);
    oa2_cnf_t bound = {key->kid, NULL}, plain = {NULL, NULL};
    oa2_dpop_check_t c = check_of(good_proof(key, "j", p));
    oa2_err_t err = {0};

    /* Bearer: a bound token is refused, a plain one passes */
    UNIT_REFUSED(oa2_dpop_check_token(&bound, NULL, NOW, &err, p), err, 401,
                 "invalid_token", "OA2-01451");
    UNIT_EQ_INT(oa2_dpop_check_token(&plain, NULL, NOW, &err, p), APR_SUCCESS);
    /* DPoP: a plain token is refused, a bound one needs its key's proof */
    UNIT_REFUSED(oa2_dpop_check_token(&plain, &c, NOW, &err, p), err, 401,
                 "invalid_token", "OA2-01452");
    UNIT_EQ_INT(oa2_dpop_check_token(&bound, &c, NOW, &err, p), APR_SUCCESS);
    c.header = NULL;
    UNIT_REFUSED(oa2_dpop_check_token(&bound, &c, NOW, &err, p), err, 401,
                 "invalid_dpop_proof", "OA2-01410");
}

static void test_refresh_binding(apr_pool_t *p)
{
    oa2_client_t pub = {0}, conf = {0};
    oa2_err_t err = {0};

    pub.auth_method = "none";
    conf.auth_method = "client_secret_basic";
    UNIT_EQ_STR(oa2_dpop_refresh_binding(&pub, "jkt"), "jkt");
    UNIT_EQ_STR(oa2_dpop_refresh_binding(&pub, NULL), "");
    UNIT_EQ_STR(oa2_dpop_refresh_binding(&conf, "jkt"), "");
    UNIT_EQ_INT(oa2_dpop_check_refresh("", NULL, &err), APR_SUCCESS);
    UNIT_EQ_INT(oa2_dpop_check_refresh(NULL, "jkt", &err), APR_SUCCESS);
    UNIT_EQ_INT(oa2_dpop_check_refresh("jkt", "jkt", &err), APR_SUCCESS);
    UNIT_REFUSED(oa2_dpop_check_refresh("jkt", NULL, &err), err, 400,
                 "invalid_dpop_proof", "OA2-01441");
    UNIT_REFUSED(oa2_dpop_check_refresh("jkt", "other", &err), err, 400,
                 "invalid_grant", "OA2-01442");
}

/* RFC 9449 §10: a code bound by dpop_jkt, and the parameter's shape. */
static void test_code_binding(apr_pool_t *p)
{
    /* RFC 7638 §3.1's thumbprint */
    static const char jkt[] = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs";
    oa2_err_t err = {0};

    UNIT_ASSERT(oa2_dpop_jkt_valid(jkt));
    UNIT_ASSERT(!oa2_dpop_jkt_valid(NULL));
    UNIT_ASSERT(!oa2_dpop_jkt_valid(""));
    UNIT_ASSERT(
        !oa2_dpop_jkt_valid("NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9X"));
    UNIT_ASSERT(
        !oa2_dpop_jkt_valid("NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs="));
    UNIT_ASSERT(
        !oa2_dpop_jkt_valid("NzbLsXh8uDCcd+6MNwXF4W/7noWXFZAfHkxZsRGC9Xs"));
    UNIT_EQ_INT(oa2_dpop_check_code("", NULL, &err), APR_SUCCESS);
    UNIT_EQ_INT(oa2_dpop_check_code(NULL, jkt, &err), APR_SUCCESS);
    UNIT_EQ_INT(oa2_dpop_check_code(jkt, jkt, &err), APR_SUCCESS);
    UNIT_REFUSED(oa2_dpop_check_code(jkt, NULL, &err), err, 400,
                 "invalid_dpop_proof", "OA2-01443");
    UNIT_REFUSED(oa2_dpop_check_code(jkt, "other", &err), err, 400,
                 "invalid_grant", "OA2-01444");
}

static const char *json_field(const char *json, const char *name, apr_pool_t *p)
{
    json_t *doc = oa2_cleanup_json(json_loads(json, 0, NULL), p);
    return json_string_value(json_object_get(doc, name));
}

/* client_credentials of client "svc" with the DPoP header @a proof. */
static apr_status_t cc_request(const char **json, const oa2_as_t *as,
                               oa2_store_t *st, const char *proof,
                               oa2_err_t *err, apr_pool_t *p)
{
    const char *body = "grant_type=client_credentials";
    const char *pair = "svc:pw";
    char *b64 = apr_palloc(p, apr_base64_encode_len((int)strlen(pair)));
    oa2_backchannel_t *in;
    oa2_form_t *f = NULL;

    apr_base64_encode(b64, pair, (int)strlen(pair));
    oa2_form_parse(&f, body, strlen(body), NULL, p);
    in = (oa2_backchannel_t *)fixture_bc(f, apr_pstrcat(p, "Basic ", b64, NULL),
                                         p);
    in->dpop = proof;
    return oa2_grant_token(json, as, st, in, NOW, err, p);
}

static void test_token_request_binds(apr_pool_t *p)
{
    oa2_as_t *as = fixture_as("https://as.example", p);
    oa2_store_t *st = fixture_store("https://as.example", p);
    oa2_key_t *key = fixture_key("rsa2048.pem", NULL, p);
    oa2_client_t *svc;
    const char *json = NULL, *at;
    oa2_access_token_policy_t policy;
    oa2_access_token_t *tok;
    oa2_err_t err = {0};

    UNIT_ASSERT(as && st && key);
    svc = fixture_client(st, "svc", "pw", "client_credentials", NULL, p);
    UNIT_ASSERT(svc);
    /* no proof: a bearer token */
    UNIT_EQ_INT(cc_request(&json, as, st, NULL, &err, p), APR_SUCCESS);
    UNIT_EQ_STR(json_field(json, "token_type", p), "Bearer");
    /* a proof: cnf.jkt, token type DPoP */
    UNIT_EQ_INT(cc_request(&json, as, st, good_proof(key, "j", p), &err, p),
                APR_SUCCESS);
    UNIT_EQ_STR(json_field(json, "token_type", p), "DPoP");
    at = json_field(json, "access_token", p);
    policy.keys = as->keys;
    policy.issuer = as->issuer;
    policy.audience = as->issuer;
    UNIT_EQ_INT(oa2_access_token_validate(&tok, at, &policy, NOW, &err, p),
                APR_SUCCESS);
    UNIT_EQ_STR(tok->cnf.jkt, key->kid);
    /* a bad proof: no token */
    UNIT_REFUSED(
        cc_request(&json, as, st, request_proof(key, "GET", URL, p), &err, p),
        err, 400, "invalid_dpop_proof", "OA2-01422");
    /* a nonce demanded */
    as->dpop_nonce = 1;
    memcpy(as->dpop_nonce_key, NONCE_KEY, sizeof(NONCE_KEY));
    UNIT_REFUSED(cc_request(&json, as, st, good_proof(key, "j", p), &err, p),
                 err, 400, "use_dpop_nonce", "OA2-01430");
    as->dpop_nonce = 0;
    /* a client bound by its metadata sends a proof every time */
    svc->dpop_bound_access_tokens = 1;
    {
        oa2_backchannel_t in = {0};
        const char *jkt = "x";
        in.method = "POST";
        in.endpoint = URL;
        UNIT_REFUSED(oa2_dpop_bind(&jkt, as, svc, &in, NOW, &err, p), err, 400,
                     "invalid_dpop_proof", "OA2-01440");
        UNIT_ASSERT(jkt == NULL);
        in.dpop = good_proof(key, "j-9", p);
        UNIT_EQ_INT(oa2_dpop_bind(&jkt, as, svc, &in, NOW, &err, p),
                    APR_SUCCESS);
        UNIT_EQ_STR(jkt, key->kid);
    }
}

/* A token request of the public client "web" with @a form (client_id
 * added) and the DPoP header @a proof. */
static apr_status_t public_request(const char **json, const oa2_as_t *as,
                                   oa2_store_t *st, const char *form,
                                   const char *proof, oa2_err_t *err,
                                   apr_pool_t *p)
{
    const char *body = apr_pstrcat(p, form, "&client_id=web", NULL);
    oa2_backchannel_t *in;
    oa2_form_t *f = NULL;

    oa2_form_parse(&f, body, strlen(body), NULL, p);
    in = (oa2_backchannel_t *)fixture_bc(f, NULL, p);
    in->dpop = proof;
    return oa2_grant_token(json, as, st, in, NOW, err, p);
}

/* RFC 9449 §5: a public client's refresh token is bound to the key of the
 * proof it was issued with, through every rotation; a confidential
 * client's is not. */
static void test_public_refresh_token_bound(apr_pool_t *p)
{
    oa2_as_t *as = fixture_as("https://as.example", p);
    oa2_store_t *st = fixture_store("https://as.example", p);
    oa2_key_t *key = fixture_key("ec256.pem", NULL, p);
    oa2_key_t *other = fixture_key("ec256-b.pem", NULL, p);
    const char *json = NULL, *rt, *rt2;
    oa2_refresh_t *row;
    oa2_err_t err = {0};

    UNIT_ASSERT(as && st && key && other);
    UNIT_ASSERT(fixture_client(
        st, "web", NULL, "authorization_code refresh_token", FIXTURE_CB, p));
    UNIT_ASSERT(fixture_code_stored(st, "code-1", "read", NOW, NOW + 60, p));
    UNIT_EQ_INT(public_request(&json, as, st,
                               "grant_type=authorization_code&code=code-1"
                               "&redirect_uri=" FIXTURE_CB_QUERY
                               "&code_verifier=" FIXTURE_VERIFIER,
                               good_proof(key, "j-1", p), &err, p),
                APR_SUCCESS);
    UNIT_EQ_STR(json_field(json, "token_type", p), "DPoP");
    rt = json_field(json, "refresh_token", p);
    UNIT_ASSERT(rt);
    UNIT_EQ_INT(
        oa2_store_refresh_get(&row, st, oa2_secret_hash(rt, p), &err, p),
        APR_SUCCESS);
    UNIT_EQ_STR(row->dpop_jkt, key->kid);
    /* no proof, another key's: refused, and the token still live */
    UNIT_REFUSED(public_request(&json, as, st,
                                apr_pstrcat(p,
                                            "grant_type=refresh_token"
                                            "&refresh_token=",
                                            rt, NULL),
                                NULL, &err, p),
                 err, 400, "invalid_dpop_proof", "OA2-01441");
    UNIT_REFUSED(public_request(&json, as, st,
                                apr_pstrcat(p,
                                            "grant_type=refresh_token"
                                            "&refresh_token=",
                                            rt, NULL),
                                good_proof(other, "j-2", p), &err, p),
                 err, 400, "invalid_grant", "OA2-01442");
    UNIT_EQ_INT(public_request(&json, as, st,
                               apr_pstrcat(p,
                                           "grant_type=refresh_token"
                                           "&refresh_token=",
                                           rt, NULL),
                               good_proof(key, "j-3", p), &err, p),
                APR_SUCCESS);
    UNIT_EQ_STR(json_field(json, "token_type", p), "DPoP");
    /* the rotated token keeps the binding */
    rt2 = json_field(json, "refresh_token", p);
    UNIT_EQ_INT(
        oa2_store_refresh_get(&row, st, oa2_secret_hash(rt2, p), &err, p),
        APR_SUCCESS);
    UNIT_EQ_STR(row->dpop_jkt, key->kid);
    /* a replay of the rotated token without the key revokes nothing */
    UNIT_REFUSED(public_request(&json, as, st,
                                apr_pstrcat(p,
                                            "grant_type=refresh_token"
                                            "&refresh_token=",
                                            rt, NULL),
                                good_proof(other, "j-4", p), &err, p),
                 err, 400, "invalid_grant", "OA2-01442");
    UNIT_EQ_INT(
        oa2_store_refresh_get(&row, st, oa2_secret_hash(rt2, p), &err, p),
        APR_SUCCESS);
    UNIT_EQ_INT(row->state, OA2_REFRESH_LIVE);
}

/* A confidential client's refresh tokens stay unbound (RFC 9449 §5). */
static void test_confidential_refresh_token_unbound(apr_pool_t *p)
{
    oa2_as_t *as = fixture_as("https://as.example", p);
    oa2_store_t *st = fixture_store("https://as.example", p);
    oa2_key_t *key = fixture_key("ec256.pem", NULL, p);
    const char *rt;
    oa2_refresh_t *row;
    oa2_err_t err = {0};

    UNIT_ASSERT(as && st && key);
    UNIT_ASSERT(fixture_client(
        st, "web", "pw", "authorization_code refresh_token", FIXTURE_CB, p));
    UNIT_ASSERT(fixture_code_stored(st, "code-1", "read", NOW, NOW + 60, p));
    rt = NULL;
    {
        const char *json = NULL;
        const char *pair = "web:pw";
        char *b64 = apr_palloc(p, apr_base64_encode_len((int)strlen(pair)));
        const char *body = "grant_type=authorization_code&code=code-1"
                           "&redirect_uri=" FIXTURE_CB_QUERY
                           "&code_verifier=" FIXTURE_VERIFIER;
        oa2_backchannel_t *in;
        oa2_form_t *f = NULL;

        apr_base64_encode(b64, pair, (int)strlen(pair));
        oa2_form_parse(&f, body, strlen(body), NULL, p);
        in = (oa2_backchannel_t *)fixture_bc(
            f, apr_pstrcat(p, "Basic ", b64, NULL), p);
        in->dpop = good_proof(key, "j-1", p);
        UNIT_EQ_INT(oa2_grant_token(&json, as, st, in, NOW, &err, p),
                    APR_SUCCESS);
        UNIT_EQ_STR(json_field(json, "token_type", p), "DPoP");
        rt = json_field(json, "refresh_token", p);
    }
    UNIT_EQ_INT(
        oa2_store_refresh_get(&row, st, oa2_secret_hash(rt, p), &err, p),
        APR_SUCCESS);
    UNIT_EQ_STR(row->dpop_jkt, "");
}

/* A fresh EC P-256 key that can sign, through a PEM file in @a dir. */
static oa2_key_t *new_key(const char *dir, int n, apr_pool_t *p)
{
    const char *path = apr_psprintf(p, "%s/k%d.pem", dir, n);
    EVP_PKEY *pkey = EVP_EC_gen("P-256");
    FILE *f = fopen(path, "w");
    oa2_key_t *key = NULL;
    oa2_err_t err;
    int ok =
        pkey && f && PEM_write_PrivateKey(f, pkey, NULL, NULL, 0, NULL, NULL);

    if (f) {
        fclose(f);
    }
    EVP_PKEY_free(pkey);
    if (ok) {
        oa2_keys_load_private_pem(&key, path, NULL, &err, p);
    }
    return key;
}

/* The per-process cache of proof keys: a header seen before is found (a
 * proof's signature is still checked), entries are replaced in turn, and
 * one held by a request stays usable after it was replaced. */
static void test_key_cache(apr_pool_t *p)
{
    oa2_key_t *key = fixture_key("ec256.pem", NULL, p), *other;
    const oa2_dpop_key_t *found = NULL, *held = NULL;
    const char *proof1 = good_proof(key, "j-1", p), *dir;
    apr_size_t hlen = (apr_size_t)(strchr(proof1, '.') - proof1);
    apr_pool_t *cache_pool, *req, *holder;
    oa2_dpop_check_t c = check_of(proof1);
    oa2_dpop_proof_t *proof;
    oa2_err_t err = {0};
    char *tampered;
    int i;

    UNIT_ASSERT(key);
    UNIT_EQ_INT(apr_temp_dir_get(&dir, p), APR_SUCCESS);
    dir = apr_psprintf(p, "%s/oa2-dpop-unit-%d", dir, (int)getpid());
    UNIT_EQ_INT(apr_dir_make_recursive(dir, APR_OS_DEFAULT, p), APR_SUCCESS);
    apr_pool_create(&cache_pool, p);
    UNIT_EQ_INT(oa2_dpop_keys_init_process(cache_pool), APR_SUCCESS);
    apr_pool_create(&req, p);
    apr_pool_create(&holder, p);
    UNIT_EQ_INT(oa2_dpop_keys_find(&found, proof1, hlen, req), APR_NOTFOUND);
    /* the first proof imports and keeps its key */
    UNIT_EQ_INT(oa2_dpop_verify(&proof, &c, NOW, &err, req), APR_SUCCESS);
    UNIT_EQ_STR(proof->jkt, key->kid);
    UNIT_EQ_INT(oa2_dpop_keys_find(&held, proof1, hlen, holder), APR_SUCCESS);
    UNIT_EQ_STR(oa2_dpop_keys_jkt(held), key->kid);
    /* the next one is found, and still checked */
    c.header = good_proof(key, "j-2", p);
    UNIT_EQ_INT(oa2_dpop_verify(&proof, &c, NOW, &err, req), APR_SUCCESS);
    UNIT_EQ_STR(proof->jkt, key->kid);
    tampered = apr_pstrdup(p, c.header);
    tampered[strlen(tampered) - 3] =
        tampered[strlen(tampered) - 3] == 'A' ? 'B' : 'A';
    c.header = tampered;
    UNIT_REFUSED(oa2_dpop_verify(&proof, &c, NOW, &err, req), err, 400,
                 "invalid_dpop_proof", "OA2-01421");
    /* a proof of another key whose signature fails is not kept */
    other = new_key(dir, 0, p);
    UNIT_ASSERT(other);
    c.header = sign(key, header_of(other, p), claims_of(NOW, "j", "", p), p);
    UNIT_REFUSED(oa2_dpop_verify(&proof, &c, NOW, &err, req), err, 400,
                 "invalid_dpop_proof", "OA2-01421");
    UNIT_EQ_INT(
        oa2_dpop_keys_find(&found, c.header,
                           (apr_size_t)(strchr(c.header, '.') - c.header), req),
        APR_NOTFOUND);
    apr_pool_clear(req);
    /* as many other keys as there are entries: the first is replaced */
    for (i = 1; i <= OA2_DPOP_KEYS_CACHED; i++) {
        other = new_key(dir, i, p);
        UNIT_ASSERT(other);
        c.header = good_proof(other, "j", p);
        UNIT_EQ_INT(oa2_dpop_verify(&proof, &c, NOW, &err, req), APR_SUCCESS);
        UNIT_EQ_STR(proof->jkt, other->kid);
        apr_pool_clear(req);
    }
    UNIT_EQ_INT(oa2_dpop_keys_find(&found, proof1, hlen, req), APR_NOTFOUND);
    /* the replaced entry is still whole for the request holding it */
    UNIT_EQ_STR(oa2_dpop_keys_jkt(held), key->kid);
    UNIT_ASSERT(oa2_dpop_keys_key(held)->verifier != NULL);
    apr_pool_destroy(holder); /* frees it */
    c.header = good_proof(key, "j-3", p);
    UNIT_EQ_INT(oa2_dpop_verify(&proof, &c, NOW, &err, req), APR_SUCCESS);
    apr_pool_destroy(req);
    apr_pool_destroy(cache_pool); /* ends the cache */
    UNIT_EQ_INT(oa2_dpop_keys_find(&found, proof1, hlen, p), APR_NOTFOUND);
    for (i = 0; i <= OA2_DPOP_KEYS_CACHED; i++) {
        apr_file_remove(apr_psprintf(p, "%s/k%d.pem", dir, i), p);
    }
    apr_dir_remove(dir, p);
}

void unit_suite_dpop(void)
{
    unit_suite("dpop");
    UNIT_RUN(test_good_proof_es256);
    UNIT_RUN(test_good_proof_rs256);
    UNIT_RUN(test_missing_and_repeated);
    UNIT_RUN(test_not_a_jws);
    UNIT_RUN(test_typ);
    UNIT_RUN(test_alg);
    UNIT_RUN(test_crit);
    UNIT_RUN(test_jwk);
    UNIT_RUN(test_signature);
    UNIT_RUN(test_jti);
    UNIT_RUN(test_htm);
    UNIT_RUN(test_htu);
    UNIT_RUN(test_url_normal);
    UNIT_RUN(test_iat);
    UNIT_RUN(test_ath);
    UNIT_RUN(test_jkt_of_the_token);
    UNIT_RUN(test_rfc7638_thumbprint);
    UNIT_RUN(test_nonce_window);
    UNIT_RUN(test_nonce_demanded);
    UNIT_RUN(test_replay);
    UNIT_RUN(test_check_token);
    UNIT_RUN(test_refresh_binding);
    UNIT_RUN(test_code_binding);
    UNIT_RUN(test_token_request_binds);
    UNIT_RUN(test_public_refresh_token_bound);
    UNIT_RUN(test_confidential_refresh_token_unbound);
    UNIT_RUN(test_key_cache);
}
