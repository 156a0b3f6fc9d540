/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/* private_key_jwt: client assertions (RFC 7523 §2.2, §3; oa2_assertion.c),
 * the keys they are verified with (jwks, jwks_uri: oa2_client_jwks.c) and
 * the client metadata that registers those (oa2_client_meta_jwks). */
#include <stdarg.h>
#include <string.h>

#include <apr_base64.h>
#include <apr_strings.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "cache_fixture.h"
#include "key_fixture.h"
#include "oa2_assertion.h"
#include "oa2_b64.h"
#include "oa2_cleanup.h"
#include "oa2_client_meta.h"
#include "store_fixture.h"
#include "unit.h"

#define ISS "https://as.example.test"
#define TOKEN_EP ISS "/oauth2/token"
#define INTROSPECT_EP ISS "/oauth2/introspect"
#define JWKS_URI "https://keys.client.example/jwks.json"
#define NOW 1800000000
#define TYPE "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
#define TYPE_ENC                                                               \
    "urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer"

/* ---- signing what a client would send ------------------------------------ */

/* A compact JWS of @a header and @a claims (JSON texts) signed with
 * @a pkey as @a alg says: "ES256", "RS256", "HS256" (keyed "secret"),
 * "none" (no signature). */
static const char *jws(const char *header, const char *claims, EVP_PKEY *pkey,
                       const char *alg, apr_pool_t *p)
{
    const char *input = apr_pstrcat(
        p, oa2_b64_encode((const unsigned char *)header, strlen(header), p),
        ".", oa2_b64_encode((const unsigned char *)claims, strlen(claims), p),
        NULL);
    unsigned char sig[1024], raw[64];
    size_t siglen = sizeof(sig);
    unsigned int hlen = 0;
    EVP_MD_CTX *md;
    int ok;

    if (!strcmp(alg, "none")) {
        return apr_pstrcat(p, input, ".", NULL);
    }
    if (!strcmp(alg, "HS256")) {
        HMAC(EVP_sha256(), "secret", 6, (const unsigned char *)input,
             strlen(input), sig, &hlen);
        return apr_pstrcat(p, input, ".", oa2_b64_encode(sig, hlen, p), NULL);
    }
    md = EVP_MD_CTX_new();
    ok = md && EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, pkey) == 1
        && EVP_DigestSign(md, sig, &siglen, (const unsigned char *)input,
                          strlen(input))
            == 1;
    EVP_MD_CTX_free(md);
    if (!ok) {
        return NULL;
    }
    if (!strcmp(alg, "ES256")) {
        const unsigned char *d = sig;
        ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &d, (long)siglen);
        const BIGNUM *r, *s;

        if (!es) {
            return NULL;
        }
        ECDSA_SIG_get0(es, &r, &s);
        BN_bn2binpad(r, raw, 32);
        BN_bn2binpad(s, raw + 32, 32);
        ECDSA_SIG_free(es);
        return apr_pstrcat(p, input, ".", oa2_b64_encode(raw, 64, p), NULL);
    }
    return apr_pstrcat(p, input, ".", oa2_b64_encode(sig, siglen, p), NULL);
}

/* The test's keys: ec1 (data/ec256.pem), rsa1 (data/rsa2048.pem), and
 * ec2, ec3, a P-256 key each made here. */
typedef struct keys_t {
    oa2_key_t *ec1, *rsa1;
    EVP_PKEY *ec2, *ec3;
} keys_t;

static EVP_PKEY *new_p256(apr_pool_t *p)
{
    return oa2_cleanup_pkey(EVP_EC_gen("P-256"), p);
}

/* The public JWK of @a pkey (a P-256 key) with kid @a kid (NULL: none). */
static json_t *public_jwk(EVP_PKEY *pkey, const char *kid, apr_pool_t *p)
{
    unsigned char pub[65];
    size_t len = 0;
    json_t *jwk;

    if (!EVP_PKEY_get_octet_string_param(pkey, "encoded-pub-key", pub,
                                         sizeof(pub), &len)
        || len != 65) {
        return NULL;
    }
    jwk =
        oa2_cleanup_json(json_pack("{s:s,s:s,s:s,s:s}", "kty", "EC", "crv",
                                   "P-256", "x", oa2_b64_encode(pub + 1, 32, p),
                                   "y", oa2_b64_encode(pub + 33, 32, p)),
                         p);
    if (kid) {
        json_object_set_new(jwk, "kid", json_string(kid));
    }
    return jwk;
}

/* A JWK Set (compact text) of the JWKs given, NULL-terminated. */
static const char *jwk_set(apr_pool_t *p, ...)
{
    json_t *keys = json_array(), *jwk;
    json_t *set = oa2_cleanup_json(json_pack("{s:o}", "keys", keys), p);
    va_list ap;

    va_start(ap, p);
    while ((jwk = va_arg(ap, json_t *))) {
        json_array_append(keys, jwk);
    }
    va_end(ap);
    return oa2_cleanup_malloced(json_dumps(set, JSON_COMPACT), p);
}

/* ---- the server side ----------------------------------------------------- */

/* What the stub of oa2_fetch() serves at JWKS_URI, and how often. */
static struct {
    const char *body;
    long status;
    long max_age;
    int fail;
    int calls;
} served;

static apr_status_t stub_fetch(oa2_fetch_result_t *res, const char *url,
                               const oa2_fetch_opts_t *opts, oa2_err_t *err,
                               apr_pool_t *p)
{
    served.calls++;
    if (served.fail) {
        oa2_err_set(err, 503, "temporarily_unavailable", "OA2-00934",
                    "the fetch timed out");
        return oa2_err_detail(err, p, "%s: timeout", url);
    }
    if (strcmp(url, JWKS_URI) || opts->max_size != OA2_CLIENT_JWKS_FETCH_MAX
        || opts->reach != OA2_FETCH_REACH_PUBLIC) {
        return oa2_err_set(err, 503, "temporarily_unavailable", "OA2-00932",
                           "not this URL, or not so");
    }
    res->status = served.status;
    res->body = apr_pstrdup(p, served.body);
    res->len = strlen(res->body);
    res->max_age = served.max_age;
    return APR_SUCCESS;
}

typedef struct fixture_t {
    oa2_store_t *st;
    keys_t k;
    oa2_assertion_env_t env;
    fixture_cache_t *fc;
    unsigned char seal[32];
} fixture_t;

static oa2_client_t *add_client(oa2_store_t *st, const char *id,
                                const char *jwks, const char *jwks_uri,
                                const char *alg, apr_pool_t *p)
{
    oa2_client_t *c = apr_pcalloc(p, sizeof(*c));

    c->client_id = id;
    c->secret_hash = "";
    c->name = id;
    c->redirect_uris = apr_array_make(p, 1, sizeof(const char *));
    c->grant_types = "client_credentials";
    c->scope = "";
    c->auth_method = "private_key_jwt";
    c->created_at = 1700000000;
    c->jwks = jwks;
    c->jwks_uri = jwks_uri;
    c->auth_signing_alg = alg;
    return oa2_store_client_add(st, c, NULL, p) == APR_SUCCESS ? c : NULL;
}

/* A store with the clients "pk" (jwks: ec1, rsa1), "nokid" (ec1 without a
 * kid), "rs" (rsa1 and ec1, token_endpoint_auth_signing_alg RS256),
 * "uri" (jwks_uri), and "b" (client_secret_basic); NULL on failure. */
static fixture_t *setup(apr_pool_t *p)
{
    fixture_t *f = apr_pcalloc(p, sizeof(*f));
    json_t *ec1_nokid;

    memset(&served, 0, sizeof(served));
    served.status = 200;
    served.max_age = -1;
    f->st = fixture_store(ISS, p);
    f->k.ec1 = fixture_key("ec256.pem", "ec1", p);
    f->k.rsa1 = fixture_key("rsa2048.pem", "rsa1", p);
    f->k.ec2 = new_p256(p);
    f->k.ec3 = new_p256(p);
    if (!f->st || !f->k.ec1 || !f->k.rsa1 || !f->k.ec2 || !f->k.ec3) {
        return NULL;
    }
    ec1_nokid = json_deep_copy(f->k.ec1->jwk);
    oa2_cleanup_json(ec1_nokid, p);
    json_object_del(ec1_nokid, "kid");
    memset(f->seal, 7, sizeof(f->seal));
    f->env.token_endpoint = TOKEN_EP;
    f->env.now = NOW;
    f->env.keys.cache = fixture_cache(&f->fc, p);
    f->env.keys.seal = f->seal;
    f->env.keys.fetch = stub_fetch;
    served.body = jwk_set(p, f->k.ec1->jwk, NULL);
    if (!add_client(f->st, "pk",
                    jwk_set(p, f->k.ec1->jwk, f->k.rsa1->jwk, NULL), NULL, NULL,
                    p)
        || !add_client(f->st, "nokid", jwk_set(p, ec1_nokid, NULL), NULL, NULL,
                       p)
        || !add_client(f->st, "rs",
                       jwk_set(p, f->k.rsa1->jwk, f->k.ec1->jwk, NULL), NULL,
                       "RS256", p)
        || !add_client(f->st, "uri", NULL, JWKS_URI, NULL, p)
        || !fixture_client_method(f->st, "b", "b-secret", "client_secret_basic",
                                  "client_credentials", NULL, p)) {
        return NULL;
    }
    return f;
}

/* Claims of client @a id for audience @a aud (JSON), expiring @a exp
 * seconds from NOW, with jti @a jti and @a more members (",..." or ""). */
static const char *claims(const char *id, const char *aud, long exp,
                          const char *jti, const char *more, apr_pool_t *p)
{
    return apr_psprintf(p,
                        "{\"iss\":\"%s\",\"sub\":\"%s\",\"aud\":%s,"
                        "\"exp\":%ld,\"iat\":%ld,\"jti\":\"%s\"%s}",
                        id, id, aud, (long)NOW + exp, (long)NOW, jti, more);
}

#define AUD_ISS "\"" ISS "\""
#define HDR_EC1 "{\"alg\":\"ES256\",\"kid\":\"ec1\"}"
#define HDR_RSA1 "{\"alg\":\"RS256\",\"kid\":\"rsa1\"}"

/* The ES256 assertion of ec1 for client @a id with @a jti. */
static const char *good(const fixture_t *f, const char *id, const char *jti,
                        apr_pool_t *p)
{
    return jws(HDR_EC1, claims(id, AUD_ISS, 60, jti, "", p), f->k.ec1->pkey,
               "ES256", p);
}

/* Authenticate with the form @a body and Authorization @a header at the
 * endpoint @a endpoint (NULL: the token endpoint). */
static apr_status_t auth_at(oa2_client_t **cl, oa2_err_t *err, fixture_t *f,
                            const char *body, const char *header,
                            const char *endpoint, apr_pool_t *p)
{
    oa2_backchannel_t *in = apr_pcalloc(p, sizeof(*in));
    oa2_form_t *form = NULL;

    *cl = NULL;
    memset(err, 0, sizeof(*err));
    oa2_form_parse(&form, body, strlen(body), NULL, p);
    in->form = form;
    in->authorization = header;
    in->method = "POST";
    in->endpoint = endpoint ? endpoint : TOKEN_EP;
    in->assertion = &f->env;
    return oa2_clientauth_authenticate(cl, f->st, in, 1, err, p);
}

/* Authenticate with the assertion @a jwt (and @a more form fields). */
static apr_status_t auth(oa2_client_t **cl, oa2_err_t *err, fixture_t *f,
                         const char *jwt, const char *more, apr_pool_t *p)
{
    return auth_at(cl, err, f,
                   apr_pstrcat(p,
                               "grant_type=client_credentials&"
                               "client_assertion_type=" TYPE_ENC
                               "&client_assertion=",
                               jwt ? jwt : "", more, NULL),
                   NULL, NULL, p);
}

#define ACCEPTED(f, jwt, id)                                                   \
    do {                                                                       \
        oa2_client_t *cl_;                                                     \
        oa2_err_t err_;                                                        \
        UNIT_EQ_INT(auth(&cl_, &err_, (f), (jwt), "", p), APR_SUCCESS);        \
        UNIT_EQ_STR(cl_->client_id, (id));                                     \
    } while (0)

#define REFUSED(f, jwt, more, st, code, id)                                    \
    do {                                                                       \
        oa2_client_t *cl_;                                                     \
        oa2_err_t err_;                                                        \
        UNIT_REFUSED(auth(&cl_, &err_, (f), (jwt), (more), p), err_, (st),     \
                     (code), (id));                                            \
        UNIT_ASSERT(cl_ == NULL);                                              \
        UNIT_DESCRIPTION_FIXED(err_, NULL);                                    \
    } while (0)

#define INVALID(f, jwt, id) REFUSED(f, jwt, "", 401, "invalid_client", id)

/* ---- the tests ----------------------------------------------------------- */

static void test_accepted(apr_pool_t *p)
{
    fixture_t *f = setup(p);

    UNIT_ASSERT(f);
    ACCEPTED(f, good(f, "pk", "j1", p), "pk");
    /* RS256, the token endpoint as aud, an aud array, typ JWT */
    ACCEPTED(f,
             jws(HDR_RSA1,
                 claims("pk", "\"" TOKEN_EP "\"", 300, "j2", ",\"nbf\":0", p),
                 f->k.rsa1->pkey, "RS256", p),
             "pk");
    ACCEPTED(f,
             jws("{\"alg\":\"ES256\",\"kid\":\"ec1\",\"typ\":\"JWT\"}",
                 claims("pk", "[\"https://other.example\",\"" ISS "\"]", 30,
                        "j3", "", p),
                 f->k.ec1->pkey, "ES256", p),
             "pk");
    ACCEPTED(f,
             jws("{\"alg\":\"ES256\",\"kid\":\"ec1\",\"typ\":"
                 "\"client-authentication+jwt\"}",
                 claims("pk", AUD_ISS, 30, "j4", "", p), f->k.ec1->pkey,
                 "ES256", p),
             "pk");
    /* a client_id beside it, the same */
    {
        oa2_client_t *cl;
        oa2_err_t err;
        UNIT_EQ_INT(
            auth(&cl, &err, f, good(f, "pk", "j5", p), "&client_id=pk", p),
            APR_SUCCESS);
    }
    /* within the leeway: expired 30 s ago, 6 minutes ahead */
    ACCEPTED(f,
             jws(HDR_EC1,
                 apr_psprintf(p,
                              "{\"iss\":\"pk\",\"sub\":\"pk\",\"aud\":\"" ISS
                              "\",\"exp\":%ld,\"iat\":%ld,\"jti\":\"j6\"}",
                              (long)NOW - 30, (long)NOW - 90),
                 f->k.ec1->pkey, "ES256", p),
             "pk");
    ACCEPTED(f,
             jws(HDR_EC1, claims("pk", AUD_ISS, 360, "j7", "", p),
                 f->k.ec1->pkey, "ES256", p),
             "pk");
}

static void test_replay(apr_pool_t *p)
{
    fixture_t *f = setup(p);
    const char *jwt;
    oa2_client_t *cl;
    oa2_err_t err;
    int deleted = 0, more = 0;

    UNIT_ASSERT(f);
    jwt = good(f, "pk", "once-only-jti", p);
    ACCEPTED(f, jwt, "pk");
    UNIT_REFUSED(auth(&cl, &err, f, jwt, "", p), err, 401, "invalid_client",
                 "OA2-01624");
    /* the log may correlate, never read the jti */
    UNIT_ASSERT(err.detail && !strstr(err.detail, "once-only-jti"));
    UNIT_ASSERT(!strstr(err.detail, jwt));
    /* a new jti is a new assertion; the same jti of another client too */
    ACCEPTED(f, good(f, "pk", "once-only-jti-2", p), "pk");
    ACCEPTED(f,
             jws("{\"alg\":\"ES256\"}",
                 claims("nokid", AUD_ISS, 60, "once-only-jti", "", p),
                 f->k.ec1->pkey, "ES256", p),
             "nokid");
    /* kept until exp and the leeway, then purged */
    UNIT_EQ_INT(
        oa2_store_purge(&deleted, &more, f->st, NOW + 60 + 59, 20, &err, p),
        APR_SUCCESS);
    UNIT_EQ_INT(deleted, 0);
    UNIT_EQ_INT(
        oa2_store_purge(&deleted, &more, f->st, NOW + 60 + 61, 20, &err, p),
        APR_SUCCESS);
    UNIT_EQ_INT(deleted, 3);
}

static void test_audience(apr_pool_t *p)
{
    fixture_t *f = setup(p);
    oa2_client_t *cl;
    oa2_err_t err;
    const char *intro;

    UNIT_ASSERT(f);
    INVALID(
        f,
        jws(HDR_EC1,
            claims("pk", "\"https://other-issuer.example\"", 60, "a1", "", p),
            f->k.ec1->pkey, "ES256", p),
        "OA2-01617");
    INVALID(f,
            jws(HDR_EC1, claims("pk", "[]", 60, "a2", "", p), f->k.ec1->pkey,
                "ES256", p),
            "OA2-01617");
    INVALID(f,
            jws(HDR_EC1, claims("pk", "42", 60, "a3", "", p), f->k.ec1->pkey,
                "ES256", p),
            "OA2-01617");
    INVALID(f,
            jws(HDR_EC1,
                "{\"iss\":\"pk\",\"sub\":\"pk\",\"exp\":1800000060,"
                "\"jti\":\"a4\"}",
                f->k.ec1->pkey, "ES256", p),
            "OA2-01617");
    /* a prefix or another case is another string */
    INVALID(f,
            jws(HDR_EC1, claims("pk", "\"" ISS "/\"", 60, "a5", "", p),
                f->k.ec1->pkey, "ES256", p),
            "OA2-01617");
    /* the introspection endpoint's URL: there, not at the token endpoint */
    intro = jws(HDR_EC1, claims("pk", "\"" INTROSPECT_EP "\"", 60, "a6", "", p),
                f->k.ec1->pkey, "ES256", p);
    INVALID(f, intro, "OA2-01617");
    UNIT_EQ_INT(auth_at(&cl, &err, f,
                        apr_pstrcat(p,
                                    "token=x&client_assertion_type=" TYPE_ENC
                                    "&client_assertion=",
                                    intro, NULL),
                        NULL, INTROSPECT_EP, p),
                APR_SUCCESS);
    /* and the token endpoint's and the issuer there too */
    UNIT_EQ_INT(auth_at(&cl, &err, f,
                        apr_pstrcat(p,
                                    "token=x&client_assertion_type=" TYPE_ENC
                                    "&client_assertion=",
                                    good(f, "pk", "a7", p), NULL),
                        NULL, INTROSPECT_EP, p),
                APR_SUCCESS);
}

static void test_times(apr_pool_t *p)
{
    fixture_t *f = setup(p);
    EVP_PKEY *k;

    UNIT_ASSERT(f);
    k = f->k.ec1->pkey;
    INVALID(f,
            jws(HDR_EC1,
                "{\"iss\":\"pk\",\"sub\":\"pk\",\"aud\":\"" ISS "\","
                "\"jti\":\"t1\"}",
                k, "ES256", p),
            "OA2-01618");
    INVALID(f,
            jws(HDR_EC1,
                "{\"iss\":\"pk\",\"sub\":\"pk\",\"aud\":\"" ISS "\","
                "\"exp\":\"1800000060\",\"jti\":\"t2\"}",
                k, "ES256", p),
            "OA2-01618");
    INVALID(
        f, jws(HDR_EC1, claims("pk", AUD_ISS, -61, "t3", "", p), k, "ES256", p),
        "OA2-01619");
    INVALID(
        f, jws(HDR_EC1, claims("pk", AUD_ISS, 361, "t4", "", p), k, "ES256", p),
        "OA2-01620");
    INVALID(f,
            jws(HDR_EC1, claims("pk", AUD_ISS, 86400 * 365, "t5", "", p), k,
                "ES256", p),
            "OA2-01620");
    INVALID(f,
            jws(HDR_EC1,
                claims("pk", AUD_ISS, 60, "t6",
                       apr_psprintf(p, ",\"nbf\":%ld", (long)NOW + 61), p),
                k, "ES256", p),
            "OA2-01621");
    INVALID(f,
            jws(HDR_EC1, claims("pk", AUD_ISS, 60, "t7", ",\"nbf\":\"0\"", p),
                k, "ES256", p),
            "OA2-01621");
    INVALID(f,
            jws(HDR_EC1,
                apr_psprintf(p,
                             "{\"iss\":\"pk\",\"sub\":\"pk\",\"aud\":\"" ISS
                             "\",\"exp\":%ld,\"iat\":%ld,\"jti\":\"t8\"}",
                             (long)NOW + 120, (long)NOW + 100),
                k, "ES256", p),
            "OA2-01622");
    INVALID(f,
            jws(HDR_EC1,
                apr_psprintf(p,
                             "{\"iss\":\"pk\",\"sub\":\"pk\",\"aud\":\"" ISS
                             "\",\"exp\":%ld,\"iat\":%ld,\"jti\":\"t9\"}",
                             (long)NOW + 20, (long)NOW + 30),
                k, "ES256", p),
            "OA2-01622");
    INVALID(f,
            jws(HDR_EC1,
                "{\"iss\":\"pk\",\"sub\":\"pk\",\"aud\":\"" ISS "\","
                "\"exp\":1e300,\"jti\":\"t10\"}",
                k, "ES256", p),
            "OA2-01618");
    /* a repeated member: not JSON this server reads */
    INVALID(f,
            jws(HDR_EC1, claims("pk", AUD_ISS, 60, "t11", ",\"exp\":1", p), k,
                "ES256", p),
            "OA2-01613");
}

static void test_jti(apr_pool_t *p)
{
    fixture_t *f = setup(p);
    EVP_PKEY *k;
    char *long_jti;

    UNIT_ASSERT(f);
    k = f->k.ec1->pkey;
    long_jti = apr_palloc(p, 258);
    memset(long_jti, 'j', 257);
    long_jti[257] = '\0';
    INVALID(f,
            jws(HDR_EC1,
                apr_psprintf(p,
                             "{\"iss\":\"pk\",\"sub\":\"pk\",\"aud\":\"" ISS
                             "\",\"exp\":%ld}",
                             (long)NOW + 60),
                k, "ES256", p),
            "OA2-01623");
    INVALID(f,
            jws(HDR_EC1, claims("pk", AUD_ISS, 60, "", "", p), k, "ES256", p),
            "OA2-01623");
    INVALID(
        f,
        jws(HDR_EC1, claims("pk", AUD_ISS, 60, long_jti, "", p), k, "ES256", p),
        "OA2-01623");
    INVALID(f,
            jws(HDR_EC1,
                apr_psprintf(p,
                             "{\"iss\":\"pk\",\"sub\":\"pk\",\"aud\":\"" ISS
                             "\",\"exp\":%ld,\"jti\":7}",
                             (long)NOW + 60),
                k, "ES256", p),
            "OA2-01623");
    long_jti[256] = '\0';
    ACCEPTED(
        f,
        jws(HDR_EC1, claims("pk", AUD_ISS, 60, long_jti, "", p), k, "ES256", p),
        "pk");
}

static void test_iss_sub(apr_pool_t *p)
{
    fixture_t *f = setup(p);
    EVP_PKEY *k;

    UNIT_ASSERT(f);
    k = f->k.ec1->pkey;
    INVALID(f,
            jws(HDR_EC1,
                "{\"iss\":\"nokid\",\"sub\":\"pk\",\"aud\":\"" ISS
                "\",\"exp\":1800000060,\"jti\":\"s1\"}",
                k, "ES256", p),
            "OA2-01616");
    INVALID(f,
            jws(HDR_EC1,
                "{\"iss\":\"pk\",\"aud\":\"" ISS
                "\",\"exp\":1800000060,\"jti\":\"s2\"}",
                k, "ES256", p),
            "OA2-01616");
    INVALID(f,
            jws(HDR_EC1,
                "{\"iss\":\"\",\"sub\":\"\",\"aud\":\"" ISS
                "\",\"exp\":1800000060,\"jti\":\"s3\"}",
                k, "ES256", p),
            "OA2-01616");
    REFUSED(f, good(f, "pk", "s4", p), "&client_id=nokid", 401,
            "invalid_client", "OA2-01614");
    INVALID(f, good(f, "nobody", "s5", p), "OA2-01615");
    /* a client of another method: the registered method and no other */
    INVALID(f, good(f, "b", "s6", p), "OA2-00820");
}

static void test_algorithms(apr_pool_t *p)
{
    fixture_t *f = setup(p);
    const char *c;

    UNIT_ASSERT(f);
    c = claims("pk", AUD_ISS, 60, "g1", "", p);
    INVALID(f, jws("{\"alg\":\"none\"}", c, NULL, "none", p), "OA2-01627");
    INVALID(f, jws("{\"alg\":\"none\",\"kid\":\"ec1\"}", c, NULL, "none", p),
            "OA2-01627");
    INVALID(f, jws("{\"alg\":\"HS256\",\"kid\":\"ec1\"}", c, NULL, "HS256", p),
            "OA2-01627");
    INVALID(f, jws("{\"kid\":\"ec1\"}", c, f->k.ec1->pkey, "ES256", p),
            "OA2-01627");
    INVALID(f,
            jws("{\"alg\":\"PS256\",\"kid\":\"rsa1\"}", c, f->k.rsa1->pkey,
                "RS256", p),
            "OA2-01627");
    /* RS256 in the header, an ES256 key's kid */
    INVALID(f,
            jws("{\"alg\":\"RS256\",\"kid\":\"ec1\"}", c, f->k.rsa1->pkey,
                "RS256", p),
            "OA2-01625");
    /* registered for RS256: ES256 is refused, RS256 taken */
    INVALID(f, good(f, "rs", "g2", p), "OA2-01628");
    ACCEPTED(f,
             jws(HDR_RSA1, claims("rs", AUD_ISS, 60, "g3", "", p),
                 f->k.rsa1->pkey, "RS256", p),
             "rs");
    /* typ of another kind of JWT */
    INVALID(f,
            jws("{\"alg\":\"ES256\",\"kid\":\"ec1\",\"typ\":\"at+jwt\"}", c,
                f->k.ec1->pkey, "ES256", p),
            "OA2-01626");
    INVALID(f,
            jws("{\"alg\":\"ES256\",\"kid\":\"ec1\",\"typ\":1}", c,
                f->k.ec1->pkey, "ES256", p),
            "OA2-01626");
}

static void test_keys(apr_pool_t *p)
{
    fixture_t *f = setup(p);

    UNIT_ASSERT(f);
    /* another key under ec1's kid */
    INVALID(f,
            jws(HDR_EC1, claims("pk", AUD_ISS, 60, "k1", "", p), f->k.ec2,
                "ES256", p),
            "OA2-01625");
    INVALID(f,
            jws("{\"alg\":\"ES256\",\"kid\":\"ec2\"}",
                claims("pk", AUD_ISS, 60, "k2", "", p), f->k.ec2, "ES256", p),
            "OA2-01634");
    /* no kid: each key of the alg is tried */
    ACCEPTED(f,
             jws("{\"alg\":\"ES256\"}",
                 claims("nokid", AUD_ISS, 60, "k3", "", p), f->k.ec1->pkey,
                 "ES256", p),
             "nokid");
    ACCEPTED(f,
             jws("{\"alg\":\"RS256\"}", claims("pk", AUD_ISS, 60, "k4", "", p),
                 f->k.rsa1->pkey, "RS256", p),
             "pk");
    INVALID(f,
            jws("{\"alg\":\"ES256\"}",
                claims("nokid", AUD_ISS, 60, "k5", "", p), f->k.ec2, "ES256",
                p),
            "OA2-01625");
    /* a signature changed by a bit */
    {
        char *jwt = apr_pstrdup(p, good(f, "pk", "k6", p));
        char *last = jwt + strlen(jwt) - 2;
        *last = *last == 'A' ? 'B' : 'A';
        INVALID(f, jwt, "OA2-01625");
    }
    /* an assertion refused on its key used nothing up */
    ACCEPTED(f, good(f, "pk", "k1", p), "pk");
}

static void test_form(apr_pool_t *p)
{
    fixture_t *f = setup(p);
    oa2_client_t *cl;
    oa2_err_t err;
    const char *jwt;

    UNIT_ASSERT(f);
    jwt = good(f, "pk", "f1", p);
    REFUSED(f, jwt, "&client_secret=x", 400, "invalid_request", "OA2-01610");
    UNIT_REFUSED(auth_at(&cl, &err, f,
                         apr_pstrcat(p,
                                     "client_assertion_type=" TYPE_ENC
                                     "&client_assertion=",
                                     jwt, NULL),
                         "Basic cGs6eA==", NULL, p),
                 err, 400, "invalid_request", "OA2-01610");
    UNIT_REFUSED(auth_at(&cl, &err, f,
                         apr_pstrcat(p,
                                     "client_assertion_type=urn%3Aother"
                                     "&client_assertion=",
                                     jwt, NULL),
                         NULL, NULL, p),
                 err, 400, "invalid_request", "OA2-01611");
    UNIT_REFUSED(auth_at(&cl, &err, f,
                         apr_pstrcat(p, "client_assertion=", jwt, NULL), NULL,
                         NULL, p),
                 err, 400, "invalid_request", err.log_id);
    UNIT_HAS_STR(err.description, "client_assertion_type");
    UNIT_REFUSED(
        auth_at(&cl, &err, f, "client_assertion_type=" TYPE_ENC, NULL, NULL, p),
        err, 400, "invalid_request", err.log_id);
    UNIT_EQ_INT(auth(&cl, &err, f, jwt,
                     apr_pstrcat(p, "&client_assertion=", jwt, NULL), p),
                APR_EGENERAL);
    UNIT_EQ_INT(err.status, 400);
    UNIT_HAS_STR(err.description, "repeated");
    INVALID(f, "abc", "OA2-01613");
    INVALID(f, "a.b.c", "OA2-01613");
    INVALID(f, "e30.e30", "OA2-01613"); /* {}.{}: no signature part */
    {
        char *big = apr_palloc(p, 9000);
        memset(big, 'A', 8999);
        big[8999] = '\0';
        big[10] = '.';
        big[20] = '.';
        INVALID(f, big, "OA2-01613");
    }
    /* nothing refused above was recorded: it still works */
    ACCEPTED(f, jwt, "pk");
}

static void test_jwks_uri(apr_pool_t *p)
{
    fixture_t *f = setup(p);
    json_t *ec2 = NULL, *ec3 = NULL;

    UNIT_ASSERT(f);
    ec2 = public_jwk(f->k.ec2, "ec2", p);
    ec3 = public_jwk(f->k.ec3, "ec3", p);
    UNIT_ASSERT(ec2 && ec3);
    ACCEPTED(f, good(f, "uri", "u1", p), "uri");
    UNIT_EQ_INT(served.calls, 1);
    /* from the cache while fresh (an hour without max-age) */
    f->env.now = NOW + 3599;
    ACCEPTED(f,
             jws(HDR_EC1, claims("uri", AUD_ISS, 3599 + 60, "u2", "", p),
                 f->k.ec1->pkey, "ES256", p),
             "uri");
    UNIT_EQ_INT(served.calls, 1);
    f->env.now = NOW;
    /* rotation at the URI: a new kid makes it fetched again, once */
    served.body = jwk_set(p, f->k.ec1->jwk, ec2, NULL);
    ACCEPTED(f,
             jws("{\"alg\":\"ES256\",\"kid\":\"ec2\"}",
                 claims("uri", AUD_ISS, 60, "u3", "", p), f->k.ec2, "ES256", p),
             "uri");
    UNIT_EQ_INT(served.calls, 2);
    /* another unknown kid within a minute: not fetched again */
    served.body = jwk_set(p, ec2, ec3, NULL);
    INVALID(f,
            jws("{\"alg\":\"ES256\",\"kid\":\"ec3\"}",
                claims("uri", AUD_ISS, 60, "u4", "", p), f->k.ec3, "ES256", p),
            "OA2-01634");
    UNIT_EQ_INT(served.calls, 2);
    /* nor without a kid */
    INVALID(f,
            jws("{\"alg\":\"ES256\"}", claims("uri", AUD_ISS, 60, "u5", "", p),
                f->k.ec3, "ES256", p),
            "OA2-01625");
    UNIT_EQ_INT(served.calls, 2);
    /* a minute later it is, and ec1 is gone */
    f->env.now = NOW + 61;
    ACCEPTED(f,
             jws("{\"alg\":\"ES256\",\"kid\":\"ec3\"}",
                 claims("uri", AUD_ISS, 61 + 60, "u6", "", p), f->k.ec3,
                 "ES256", p),
             "uri");
    UNIT_EQ_INT(served.calls, 3);
    INVALID(f,
            jws(HDR_EC1, claims("uri", AUD_ISS, 61 + 60, "u7", "", p),
                f->k.ec1->pkey, "ES256", p),
            "OA2-01634");
    UNIT_EQ_INT(served.calls, 3);
}

static void test_jwks_uri_failures(apr_pool_t *p)
{
    fixture_t *f = setup(p);
    oa2_client_t *cl;
    oa2_err_t err;

    UNIT_ASSERT(f);
    served.fail = 1;
    UNIT_REFUSED(auth(&cl, &err, f, good(f, "uri", "e1", p), "", p), err, 401,
                 "invalid_client", "OA2-01630");
    UNIT_HAS_STR(err.detail, JWKS_URI);
    UNIT_HAS_STR(err.detail, "OA2-00934");
    /* not cached: the next one fetches again, and is fine */
    served.fail = 0;
    ACCEPTED(f, good(f, "uri", "e1", p), "uri");
    UNIT_EQ_INT(served.calls, 2);
    /* a fresh start for each of these: no cache */
    f->env.keys.cache = NULL;
    served.status = 404;
    UNIT_REFUSED(auth(&cl, &err, f, good(f, "uri", "e2", p), "", p), err, 401,
                 "invalid_client", "OA2-01631");
    UNIT_HAS_STR(err.detail, "404");
    served.status = 200;
    served.body = "<html>";
    INVALID(f, good(f, "uri", "e3", p), "OA2-01632");
    served.body = "{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":"
                  "\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\",\"y\":"
                  "\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\",\"d\":"
                  "\"jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI\"}]}";
    INVALID(f, good(f, "uri", "e4", p), "OA2-01632");
    served.body = "{\"keys\":[]}";
    INVALID(f, good(f, "uri", "e5", p), "OA2-01632");
    /* without a cache every assertion fetches */
    served.body = jwk_set(p, f->k.ec1->jwk, NULL);
    served.calls = 0;
    ACCEPTED(f, good(f, "uri", "e6", p), "uri");
    ACCEPTED(f, good(f, "uri", "e7", p), "uri");
    UNIT_EQ_INT(served.calls, 2);
}

/* A record put into the shared cache by someone without the seal is not
 * taken for the client's keys. */
static void test_jwks_uri_cache_sealed(apr_pool_t *p)
{
    fixture_t *f = setup(p);
    apr_hash_index_t *hi;

    UNIT_ASSERT(f);
    ACCEPTED(f, good(f, "uri", "c1", p), "uri");
    UNIT_EQ_INT(served.calls, 1);
    for (hi = apr_hash_first(p, f->fc->entries); hi; hi = apr_hash_next(hi)) {
        fixture_cache_entry_t *e = apr_hash_this_val(hi);
        char *rec = apr_pmemdup(p, e->rec, e->len + 1);
        rec[e->len - 1] ^= 1; /* the MAC's last byte */
        e->rec = rec;
    }
    ACCEPTED(f, good(f, "uri", "c2", p), "uri");
    UNIT_EQ_INT(served.calls, 2);
}

/* ---- client metadata ----------------------------------------------------- */

static apr_status_t parse_keys(oa2_client_t *cl, const char *issuer,
                               const char *doc, oa2_err_t *err, apr_pool_t *p)
{
    json_t *d = oa2_cleanup_json(json_loads(doc, 0, NULL), p);

    memset(cl, 0, sizeof(*cl));
    memset(err, 0, sizeof(*err));
    return oa2_client_meta_parse_keys(cl, issuer, d, err, p);
}

#define META_REFUSED(issuer, doc, id)                                          \
    do {                                                                       \
        oa2_client_t cl_;                                                      \
        oa2_err_t err_;                                                        \
        UNIT_REFUSED(parse_keys(&cl_, (issuer), (doc), &err_, p), err_, 400,   \
                     "invalid_client_metadata", (id));                         \
        UNIT_DESCRIPTION_FIXED(err_, NULL);                                    \
    } while (0)

#define PUB_EC                                                                 \
    "{\"kty\":\"EC\",\"crv\":\"P-256\",\"kid\":\"a3\",\"x\":"                  \
    "\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\",\"y\":"                   \
    "\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\""

static void test_metadata_jwks(apr_pool_t *p)
{
    oa2_client_t cl, back;
    oa2_err_t err;
    const char *enc;
    char *many, *big;
    int i;

    UNIT_EQ_INT(
        parse_keys(&cl, ISS, "{\"jwks\":{\"keys\":[" PUB_EC "}]}}", &err, p),
        APR_SUCCESS);
    UNIT_HAS_STR(cl.jwks, "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU");
    /* stored and read back as it was */
    cl.auth_method = "private_key_jwt";
    cl.auth_signing_alg = "ES256";
    enc = oa2_client_meta_encode(&cl, p);
    memset(&back, 0, sizeof(back));
    oa2_client_meta_decode(&back, enc, p);
    UNIT_EQ_STR(back.jwks, cl.jwks);
    UNIT_EQ_STR(back.auth_signing_alg, "ES256");
    UNIT_ASSERT(!back.jwks_uri && oa2_client_meta_has_keys(&back));
    /* other key types may be there, unused */
    UNIT_EQ_INT(parse_keys(&cl, ISS,
                           "{\"jwks\":{\"keys\":[{\"kty\":\"OKP\",\"crv\":"
                           "\"Ed25519\",\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPap"
                           "iMlrwIaaPcHURo\"}," PUB_EC "}]}}",
                           &err, p),
                APR_SUCCESS);
    META_REFUSED(ISS, "{\"jwks\":{\"keys\":[" PUB_EC ",\"d\":\"x\"}]}}",
                 "OA2-01601");
    META_REFUSED(ISS,
                 "{\"jwks\":{\"keys\":[{\"kty\":\"oct\",\"k\":\"c2VjcmV0\"}]}}",
                 "OA2-01601");
    META_REFUSED(ISS,
                 "{\"jwks\":{\"keys\":[{\"kty\":\"RSA\",\"n\":\"x\",\"e\":"
                 "\"AQAB\",\"p\":\"x\"}]}}",
                 "OA2-01601");
    META_REFUSED(ISS, "{\"jwks\":{\"keys\":[]}}", "OA2-01600");
    META_REFUSED(ISS, "{\"jwks\":[" PUB_EC "}]}", "OA2-01600");
    META_REFUSED(ISS, "{\"jwks\":\"" JWKS_URI "\"}", "OA2-01600");
    META_REFUSED(ISS, "{\"jwks\":{\"keys\":[\"x\"]}}", "OA2-01609");
    many = apr_pstrdup(p, "{\"jwks\":{\"keys\":[");
    for (i = 0; i < 11; i++) {
        many = apr_pstrcat(p, many, i ? "," : "", PUB_EC "}", NULL);
    }
    META_REFUSED(ISS, apr_pstrcat(p, many, "]}}", NULL), "OA2-01600");
    big = apr_palloc(p, 9001);
    memset(big, 'x', 9000);
    big[9000] = '\0';
    META_REFUSED(ISS,
                 apr_pstrcat(p, "{\"jwks\":{\"keys\":[" PUB_EC ",\"note\":\"",
                             big, "\"}]}}", NULL),
                 "OA2-01602");
    META_REFUSED(ISS,
                 "{\"jwks\":{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\","
                 "\"x\":\"x\",\"y\":\"y\"}]}}",
                 "OA2-01603");
    META_REFUSED(ISS,
                 "{\"jwks\":{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-384\","
                 "\"x\":\"x\",\"y\":\"y\"}]}}",
                 "OA2-01603");
}

static void test_metadata_jwks_uri(apr_pool_t *p)
{
    oa2_client_t cl;
    oa2_err_t err;

    UNIT_EQ_INT(
        parse_keys(&cl, ISS, "{\"jwks_uri\":\"" JWKS_URI "\"}", &err, p),
        APR_SUCCESS);
    UNIT_EQ_STR(cl.jwks_uri, JWKS_URI);
    UNIT_ASSERT(oa2_client_meta_has_keys(&cl));
    /* http only on loopback, and only for a loopback http issuer */
    UNIT_EQ_INT(parse_keys(&cl, "http://127.0.0.1:8080",
                           "{\"jwks_uri\":\"http://127.0.0.1:9/jwks\"}", &err,
                           p),
                APR_SUCCESS);
    META_REFUSED(ISS, "{\"jwks_uri\":\"http://127.0.0.1:9/jwks\"}",
                 "OA2-01604");
    META_REFUSED("http://127.0.0.1:8080",
                 "{\"jwks_uri\":\"http://client.example/jwks\"}", "OA2-01604");
    META_REFUSED(ISS, "{\"jwks_uri\":\"https://u:p@client.example/jwks\"}",
                 "OA2-01604");
    META_REFUSED(ISS, "{\"jwks_uri\":\"https://client.example/jwks#k\"}",
                 "OA2-01604");
    META_REFUSED(ISS, "{\"jwks_uri\":\"/jwks\"}", "OA2-01604");
    META_REFUSED(ISS, "{\"jwks_uri\":\"\"}", "OA2-01604");
    META_REFUSED(ISS, "{\"jwks_uri\":[\"" JWKS_URI "\"]}", "OA2-01604");
    {
        char *u = apr_palloc(p, 600);
        memset(u, 'a', 599);
        u[599] = '\0';
        META_REFUSED(ISS,
                     apr_pstrcat(p, "{\"jwks_uri\":\"https://client.example/",
                                 u, "\"}", NULL),
                     "OA2-01604");
    }
    /* RFC 7591 §2: never both */
    META_REFUSED(ISS,
                 "{\"jwks_uri\":\"" JWKS_URI "\",\"jwks\":{\"keys\":[" PUB_EC
                 "}]}}",
                 "OA2-01605");
    /* the signing alg: ES256 or RS256 */
    UNIT_EQ_INT(parse_keys(&cl, ISS,
                           "{\"token_endpoint_auth_signing_alg\":\"RS256\"}",
                           &err, p),
                APR_SUCCESS);
    UNIT_EQ_STR(cl.auth_signing_alg, "RS256");
    META_REFUSED(ISS, "{\"token_endpoint_auth_signing_alg\":\"HS256\"}",
                 "OA2-01606");
    META_REFUSED(ISS, "{\"token_endpoint_auth_signing_alg\":\"none\"}",
                 "OA2-01606");
    META_REFUSED(ISS, "{\"token_endpoint_auth_signing_alg\":[\"ES256\"]}",
                 "OA2-01606");
}

/* A private_key_jwt client is not public: also where public clients are
 * not allowed (introspection). */
static void test_not_public(apr_pool_t *p)
{
    fixture_t *f = setup(p);
    oa2_backchannel_t *in;
    oa2_form_t *form = NULL;
    oa2_client_t *cl = NULL;
    oa2_err_t err = {0};
    const char *body;

    UNIT_ASSERT(f);
    body = apr_pstrcat(
        p, "token=x&client_assertion_type=" TYPE_ENC "&client_assertion=",
        good(f, "pk", "n1", p), NULL);
    oa2_form_parse(&form, body, strlen(body), NULL, p);
    in = apr_pcalloc(p, sizeof(*in));
    in->form = form;
    in->endpoint = INTROSPECT_EP;
    in->assertion = &f->env;
    UNIT_EQ_INT(oa2_clientauth_authenticate(&cl, f->st, in, 0, &err, p),
                APR_SUCCESS);
    UNIT_ASSERT(!oa2_clientauth_is_public(cl));
}

void unit_suite_assertion(void)
{
    unit_suite("assertion");
    UNIT_RUN(test_accepted);
    UNIT_RUN(test_replay);
    UNIT_RUN(test_audience);
    UNIT_RUN(test_times);
    UNIT_RUN(test_jti);
    UNIT_RUN(test_iss_sub);
    UNIT_RUN(test_algorithms);
    UNIT_RUN(test_keys);
    UNIT_RUN(test_form);
    UNIT_RUN(test_jwks_uri);
    UNIT_RUN(test_jwks_uri_failures);
    UNIT_RUN(test_jwks_uri_cache_sealed);
    UNIT_RUN(test_metadata_jwks);
    UNIT_RUN(test_metadata_jwks_uri);
    UNIT_RUN(test_not_public);
}
