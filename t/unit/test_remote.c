/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/* Documents of other issuers (oa2_remote.h): the issuer a metadata URL
 * implies, parsing JWK sets and metadata, and when oa2_remote_get()
 * fetches, with a fetch function and a shared cache that stand in for
 * libcurl and httpd's socache. The reference counts are checked under
 * the asan and valgrind targets: a document freed too early is a
 * use-after-free there, one never freed a leak. */
#include <string.h>

#include <apr_hash.h>
#include <apr_strings.h>

#include "cache_fixture.h"
#include "oa2_cached_row.h"
#include "oa2_remote.h"
#include "oa2_well_known.h"
#include "unit.h"

#define T0 1700000000
#define JWKS_URL "https://idp.example/jwks"
#define MD_URL "https://idp.example/.well-known/oauth-authorization-server"

/* RFC 7515 A.3's EC key and RFC 7517 A.1's RSA key, public parts. */
#define EC_JWK                                                                 \
    "{\"kty\":\"EC\",\"crv\":\"P-256\",\"use\":\"sig\",\"kid\":\"ec-1\","      \
    "\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\","                   \
    "\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\"}"
#define RSA_JWK                                                                \
    "{\"kty\":\"RSA\",\"alg\":\"RS256\",\"kid\":\"rsa-1\",\"e\":\"AQAB\","     \
    "\"n\":\"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86z" \
    "wu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n"  \
    "9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnY"  \
    "b9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM"  \
    "4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw\"}"
/* A set, the same set rotated to another key, and the same set again with
 * members the parsed form leaves out (whitespace, x5c, an unusable key). */
#define JWKS_A "{\"keys\":[" EC_JWK "]}"
#define JWKS_B "{\"keys\":[" RSA_JWK "]}"
#define JWKS_A_AGAIN                                                           \
    "{ \"keys\" : [ "                                                          \
    "{\"kty\":\"oct\",\"k\":\"c2VjcmV0\",\"kid\":\"s\"}, " EC_JWK " ] }"

/* ---- a fetch and a shared cache of our own -------------------------------*/

/* What the fake fetch answers, and what it was asked. */
static struct {
    int calls;            /* fetches made */
    int fail;             /* answer with a transport error */
    long status;          /* else this status */
    const char *body;     /* and this body */
    long max_age;         /* and this Cache-Control max-age (-1: none) */
    const char *last_url; /* the URL of the last fetch */
} fake;

static void fake_reset(const char *body)
{
    memset(&fake, 0, sizeof(fake));
    fake.status = 200;
    fake.body = body;
    fake.max_age = -1;
}

static apr_status_t fake_fetch(oa2_fetch_result_t *res, const char *url,
                               const oa2_fetch_opts_t *opts, oa2_err_t *err,
                               apr_pool_t *p)
{
    (void)opts;
    memset(res, 0, sizeof(*res));
    fake.calls++;
    fake.last_url = apr_pstrdup(p, url);
    if (fake.fail) {
        oa2_err_set(err, 503, "temporarily_unavailable", "OA2-00936",
                    "the server cannot be reached");
        return oa2_err_detail(err, p, "%s: Connection refused", url);
    }
    res->status = fake.status;
    res->body = fake.body;
    res->len = strlen(fake.body);
    res->max_age = fake.max_age;
    return APR_SUCCESS;
}

/* A source of @a kind at @a url that fetches with fake_fetch. */
static oa2_remote_t *source(oa2_remote_kind_t kind, const char *url,
                            apr_pool_t *pconf)
{
    oa2_remote_t *rm = NULL;
    oa2_err_t err;

    if (oa2_remote_create(&rm, kind, url, &err, pconf) != APR_SUCCESS) {
        return NULL;
    }
    rm->fetch = fake_fetch;
    return rm;
}

/* oa2_remote_get() at @a now for a request pool @a rp. */
#define GET(doc, rm, lacks, shared, now, err, rp)                              \
    oa2_remote_get(&(doc), (rm), (lacks), (shared), (now), &(err), (rp))

/* Counted when a document's pool is destroyed: static, since the current
 * document goes with the configuration pool, after its test returned. */
static int freed_old, freed_cur;

static apr_status_t note_freed(void *data)
{
    (*(int *)data)++;
    return APR_SUCCESS;
}

static int nkeys(const oa2_remote_doc_t *doc)
{
    return doc && doc->keys ? doc->keys->keys->nelts : -1;
}

/* ---- the issuer a metadata URL implies -----------------------------------*/

static void test_issuer_of(apr_pool_t *p)
{
#define ISSUER_OF(url, want)                                                   \
    UNIT_EQ_STR(oa2_well_known_issuer((url), p), (want))
    /* RFC 8414 §3.1: inserted between the host and the path */
    ISSUER_OF("https://as.example/.well-known/oauth-authorization-server",
              "https://as.example");
    ISSUER_OF("https://as.example:8443/.well-known/oauth-authorization-server",
              "https://as.example:8443");
    ISSUER_OF("https://as.example/.well-known/oauth-authorization-server/t1",
              "https://as.example/t1");
    ISSUER_OF("https://as.example/.well-known/oauth-authorization-server/a/b",
              "https://as.example/a/b");
    ISSUER_OF("http://127.0.0.1:8080/.well-known/oauth-authorization-server",
              "http://127.0.0.1:8080");
    /* OpenID Discovery §4: appended to the issuer */
    ISSUER_OF("https://as.example/.well-known/openid-configuration",
              "https://as.example");
    ISSUER_OF("https://as.example/t1/.well-known/openid-configuration",
              "https://as.example/t1");
    ISSUER_OF("https://as.example/a/b/.well-known/openid-configuration",
              "https://as.example/a/b");
    /* and inserted, as RFC 8414 §5 allows for it */
    ISSUER_OF("https://as.example/.well-known/openid-configuration/t1",
              "https://as.example/t1");
    /* other shapes imply nothing */
    ISSUER_OF("https://as.example/metadata.json", NULL);
    ISSUER_OF("https://as.example", NULL);
    ISSUER_OF("https://as.example/", NULL);
    ISSUER_OF("https://as.example/t1/.well-known/oauth-authorization-server",
              NULL);
    ISSUER_OF("https://as.example/.well-known/oauth-authorization-serverX",
              NULL);
    ISSUER_OF("https://as.example/.well-known/openid-configurationX", NULL);
    ISSUER_OF("https://as.example/x.well-known/openid-configurationX", NULL);
    ISSUER_OF("https://as.example/.well-known/openid-configuration?x=1", NULL);
    ISSUER_OF("https://as.example/.well-known/oauth-authorization-server?a",
              NULL);
    ISSUER_OF("as.example/.well-known/openid-configuration", NULL);
    ISSUER_OF("", NULL);
#undef ISSUER_OF
}

/* ---- parsing -------------------------------------------------------------*/

#define PARSE(doc, kind, url, text, err)                                       \
    oa2_remote_parse(&(doc), (kind), (url), (text), strlen(text), &(err), p)

/* Check that @a text is refused as @a kind with log id @a id. */
#define PARSE_REFUSED(kind, url, text, id)                                     \
    do {                                                                       \
        oa2_remote_doc_t *doc_ = NULL;                                         \
        oa2_err_t err_ = {0};                                                  \
        UNIT_ASSERT(PARSE(doc_, (kind), (url), (text), err_) != APR_SUCCESS);  \
        UNIT_EQ_INT(err_.status, 503);                                         \
        UNIT_EQ_STR(err_.error, "temporarily_unavailable");                    \
        UNIT_EQ_STR(err_.log_id, (id));                                        \
        UNIT_ASSERT(doc_ == NULL);                                             \
    } while (0)

static void test_parse_jwks(apr_pool_t *p)
{
    oa2_remote_doc_t *doc = NULL, *again = NULL;
    oa2_err_t err = {0};

    UNIT_EQ_INT(PARSE(doc, OA2_REMOTE_JWKS, JWKS_URL,
                      "{\"keys\":[" EC_JWK "," RSA_JWK "]}", err),
                APR_SUCCESS);
    UNIT_EQ_INT(nkeys(doc), 2);
    UNIT_ASSERT(oa2_keys_find(doc->keys, "ec-1") != NULL);
    UNIT_ASSERT(oa2_keys_find(doc->keys, "rsa-1") != NULL);
    UNIT_ASSERT(doc->metadata == NULL);
    UNIT_ASSERT(doc->pool == p);
    /* the shared form: the usable keys only, public members only */
    UNIT_ASSERT(doc->text != NULL);
    UNIT_ASSERT(strstr(doc->text, "\"ec-1\"") != NULL);
    UNIT_EQ_INT(PARSE(again, OA2_REMOTE_JWKS, JWKS_URL, JWKS_A_AGAIN, err),
                APR_SUCCESS);
    UNIT_EQ_INT(nkeys(again), 1);
    UNIT_ASSERT(strstr(again->text, "oct") == NULL);
    UNIT_ASSERT(strchr(again->text, ' ') == NULL);
}

static void test_parse_jwks_refused(apr_pool_t *p)
{
    PARSE_REFUSED(OA2_REMOTE_JWKS, JWKS_URL, "not json", "OA2-00010");
    PARSE_REFUSED(OA2_REMOTE_JWKS, JWKS_URL, "", "OA2-00010");
    PARSE_REFUSED(OA2_REMOTE_JWKS, JWKS_URL, "{\"keys\":[", "OA2-00010");
    PARSE_REFUSED(OA2_REMOTE_JWKS, JWKS_URL, "[]", "OA2-00011");
    PARSE_REFUSED(OA2_REMOTE_JWKS, JWKS_URL, "{\"keys\":{}}", "OA2-00011");
    /* no usable key: none, a secret, another curve, for encryption */
    PARSE_REFUSED(OA2_REMOTE_JWKS, JWKS_URL, "{\"keys\":[]}", "OA2-00012");
    PARSE_REFUSED(OA2_REMOTE_JWKS, JWKS_URL,
                  "{\"keys\":[{\"kty\":\"oct\",\"k\":\"c2VjcmV0\"}]}",
                  "OA2-00012");
    PARSE_REFUSED(OA2_REMOTE_JWKS, JWKS_URL,
                  "{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-384\",\"x\":\"AA\","
                  "\"y\":\"AA\"}]}",
                  "OA2-00012");
    PARSE_REFUSED(
        OA2_REMOTE_JWKS, JWKS_URL,
        "{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\",\"use\":\"enc\","
        "\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\","
        "\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\"}]}",
        "OA2-00012");
    /* a key that is not on its curve */
    PARSE_REFUSED(OA2_REMOTE_JWKS, JWKS_URL,
                  "{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\","
                  "\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\","
                  "\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a1\"}]}",
                  "OA2-00008");
}

static void test_parse_metadata(apr_pool_t *p)
{
    oa2_remote_doc_t *doc = NULL;
    oa2_err_t err = {0};

    /* the issuer the well-known URL implies, or the one demanded */
    UNIT_EQ_INT(PARSE(doc, OA2_REMOTE_METADATA, MD_URL,
                      "{\"issuer\":\"https://idp.example\",\"jwks_uri\":"
                      "\"https://keys.idp.example/jwks\",\"introspection_"
                      "endpoint\":\"https://idp.example/introspect\","
                      "\"authorization_endpoint\":\"https://idp.example/a\"}",
                      err),
                APR_SUCCESS);
    UNIT_ASSERT(doc->metadata != NULL);
    UNIT_ASSERT(doc->keys == NULL);
    UNIT_EQ_STR(doc->metadata->issuer, "https://idp.example");
    UNIT_EQ_STR(doc->metadata->jwks_uri, "https://keys.idp.example/jwks");
    /* only what is used is kept */
    UNIT_ASSERT(strstr(doc->text, "authorization_endpoint") == NULL);
    UNIT_HAS_STR(doc->text, "\"jwks_uri\"");
    /* an http jwks_uri on loopback is the admin's own machine: allowed */
    UNIT_EQ_INT(PARSE(doc, OA2_REMOTE_METADATA,
                      "http://127.0.0.1:8080/.well-known/openid-configuration",
                      "{\"issuer\":\"http://127.0.0.1:8080\",\"jwks_uri\":"
                      "\"http://127.0.0.1:8080/jwks\"}",
                      err),
                APR_SUCCESS);
    /* nor is an introspection endpoint: the resource server has no use
     * for it (OAuth2Introspection names its own) */
    UNIT_ASSERT(strstr(doc->text, "introspection") == NULL);
}

static void test_parse_metadata_issuer_differs(apr_pool_t *p)
{
    oa2_remote_doc_t *doc = NULL;
    oa2_err_t err = {0};

    UNIT_ASSERT(PARSE(doc, OA2_REMOTE_METADATA, MD_URL,
                      "{\"issuer\":\"https://evil.example\",\"jwks_uri\":"
                      "\"https://evil.example/jwks\"}",
                      err)
                != APR_SUCCESS);
    UNIT_EQ_INT(err.status, 503);
    UNIT_EQ_STR(err.log_id, "OA2-00941");
    /* the admin's log names both */
    UNIT_HAS_STR(err.detail, "https://evil.example");
    UNIT_HAS_STR(err.detail, "https://idp.example");
    /* a path, a port, a case: all another issuer */
    PARSE_REFUSED(OA2_REMOTE_METADATA, MD_URL,
                  "{\"issuer\":\"https://idp.example/t1\",\"jwks_uri\":"
                  "\"https://idp.example/jwks\"}",
                  "OA2-00941");
    PARSE_REFUSED(OA2_REMOTE_METADATA, MD_URL,
                  "{\"issuer\":\"https://idp.example//\",\"jwks_uri\":"
                  "\"https://idp.example/jwks\"}",
                  "OA2-00941");
    /* but the terminating '/' the well-known URL drops (Discovery 4.1,
     * Auth0's form) is the same issuer */
    UNIT_EQ_INT(PARSE(doc, OA2_REMOTE_METADATA, MD_URL,
                      "{\"issuer\":\"https://idp.example/\",\"jwks_uri\":"
                      "\"https://idp.example/jwks\"}",
                      err),
                APR_SUCCESS);
    UNIT_EQ_STR(doc->metadata->issuer, "https://idp.example/");
    PARSE_REFUSED(OA2_REMOTE_METADATA, MD_URL,
                  "{\"issuer\":\"https://idp.example:443\",\"jwks_uri\":"
                  "\"https://idp.example/jwks\"}",
                  "OA2-00941");
    PARSE_REFUSED(OA2_REMOTE_METADATA, MD_URL,
                  "{\"issuer\":\"https://IDP.example\",\"jwks_uri\":"
                  "\"https://idp.example/jwks\"}",
                  "OA2-00941");
    PARSE_REFUSED(OA2_REMOTE_METADATA, MD_URL,
                  "{\"issuer\":\"http://idp.example\",\"jwks_uri\":"
                  "\"https://idp.example/jwks\"}",
                  "OA2-00941");
    /* no issuer, or not a string; not an object at all */
    PARSE_REFUSED(OA2_REMOTE_METADATA, MD_URL,
                  "{\"jwks_uri\":\"https://idp.example/jwks\"}", "OA2-00940");
    PARSE_REFUSED(OA2_REMOTE_METADATA, MD_URL,
                  "{\"issuer\":7,\"jwks_uri\":\"https://idp.example/jwks\"}",
                  "OA2-00940");
    PARSE_REFUSED(OA2_REMOTE_METADATA, MD_URL, "[]", "OA2-00942");
    PARSE_REFUSED(OA2_REMOTE_METADATA, MD_URL, "{", "OA2-00942");
}

static void test_parse_metadata_jwks_uri(apr_pool_t *p)
{
    oa2_remote_doc_t *doc = NULL;
    oa2_err_t err = {0};

#define MD_WITH(uri) "{\"issuer\":\"https://idp.example\",\"jwks_uri\":" uri "}"
    PARSE_REFUSED(OA2_REMOTE_METADATA, MD_URL,
                  "{\"issuer\":\"https://idp.example\"}", "OA2-00943");
    PARSE_REFUSED(OA2_REMOTE_METADATA, MD_URL, MD_WITH("null"), "OA2-00943");
    PARSE_REFUSED(OA2_REMOTE_METADATA, MD_URL, MD_WITH("\"\""), "OA2-00943");
    /* http to a host that is not loopback */
    UNIT_ASSERT(PARSE(doc, OA2_REMOTE_METADATA, MD_URL,
                      MD_WITH("\"http://idp.example/jwks\""), err)
                != APR_SUCCESS);
    UNIT_EQ_STR(err.log_id, "OA2-00943");
    UNIT_HAS_STR(err.detail, "http://idp.example/jwks");
    PARSE_REFUSED(OA2_REMOTE_METADATA, MD_URL,
                  MD_WITH("\"http://169.254.169.254/latest/meta-data/\""),
                  "OA2-00943");
    PARSE_REFUSED(OA2_REMOTE_METADATA, MD_URL,
                  MD_WITH("\"https://u:p@idp.example/jwks\""), "OA2-00943");
    PARSE_REFUSED(OA2_REMOTE_METADATA, MD_URL,
                  MD_WITH("\"file:///etc/passwd\""), "OA2-00943");
    PARSE_REFUSED(OA2_REMOTE_METADATA, MD_URL, MD_WITH("\"/jwks\""),
                  "OA2-00943");
#undef MD_WITH
}

static void test_parse_metadata_same_origin(apr_pool_t *p)
{
    /* A URL of no well-known shape implies no issuer: one of its origin. */
    const char *url = "https://idp.example/meta/doc.json";
    oa2_remote_doc_t *doc = NULL;
    oa2_err_t err = {0};

    UNIT_ASSERT(oa2_well_known_issuer(url, p) == NULL);
    UNIT_EQ_INT(PARSE(doc, OA2_REMOTE_METADATA, url,
                      "{\"issuer\":\"https://idp.example\",\"jwks_uri\":"
                      "\"https://idp.example/jwks\"}",
                      err),
                APR_SUCCESS);
    UNIT_EQ_INT(PARSE(doc, OA2_REMOTE_METADATA, url,
                      "{\"issuer\":\"https://idp.example/tenant\",\"jwks_uri\":"
                      "\"https://idp.example/jwks\"}",
                      err),
                APR_SUCCESS);
    UNIT_EQ_STR(doc->metadata->issuer, "https://idp.example/tenant");
#define OTHER_ORIGIN(iss)                                                      \
    PARSE_REFUSED(OA2_REMOTE_METADATA, url,                                    \
                  "{\"issuer\":\"" iss "\",\"jwks_uri\":"                      \
                  "\"https://idp.example/jwks\"}",                             \
                  "OA2-00941")
    OTHER_ORIGIN("https://idp.example.evil.example");
    OTHER_ORIGIN("https://idp.examplex/");
    OTHER_ORIGIN("https://other.example");
    OTHER_ORIGIN("http://idp.example");
    OTHER_ORIGIN("https://idp.example:8443");
    OTHER_ORIGIN("https://idp.example?x");
    OTHER_ORIGIN("https://idp.example@evil.example");
#undef OTHER_ORIGIN
    /* of the same origin but no issuer identifier (RFC 8414 §2) */
    PARSE_REFUSED(OA2_REMOTE_METADATA, url,
                  "{\"issuer\":\"https://idp.example/t?x=1\",\"jwks_uri\":"
                  "\"https://idp.example/jwks\"}",
                  "OA2-00061");
}

/* ---- oa2_remote_get(): when it fetches -----------------------------------*/

static void test_get_first_fetch(apr_pool_t *p)
{
    oa2_remote_t *rm = source(OA2_REMOTE_JWKS, JWKS_URL, p);
    const oa2_remote_doc_t *doc = NULL;
    oa2_err_t err;

    UNIT_ASSERT(rm);
    fake_reset(JWKS_A);
    UNIT_EQ_INT(GET(doc, rm, NULL, NULL, T0, err, p), APR_SUCCESS);
    UNIT_EQ_INT(fake.calls, 1);
    UNIT_EQ_STR(fake.last_url, JWKS_URL);
    UNIT_ASSERT(err.log_id == NULL);
    UNIT_EQ_INT(nkeys(doc), 1);
    UNIT_EQ_INT(doc->fetched_at, T0);
    UNIT_EQ_INT(doc->expires_at, T0 + OA2_REMOTE_DEFAULT_LIFETIME);
    UNIT_ASSERT(rm->doc == doc);
}

static void test_get_lifetime_from_max_age(apr_pool_t *p)
{
    static const long ages[][2] = {{600, 600},
                                   {10, OA2_REMOTE_MIN_LIFETIME},
                                   {0, OA2_REMOTE_MIN_LIFETIME},
                                   {10000000, OA2_REMOTE_MAX_LIFETIME}};
    apr_size_t i;

    for (i = 0; i < sizeof(ages) / sizeof(ages[0]); i++) {
        oa2_remote_t *rm = source(OA2_REMOTE_JWKS, JWKS_URL, p);
        const oa2_remote_doc_t *doc = NULL;
        oa2_err_t err;

        UNIT_ASSERT(rm);
        fake_reset(JWKS_A);
        fake.max_age = ages[i][0];
        UNIT_EQ_INT(GET(doc, rm, NULL, NULL, T0, err, p), APR_SUCCESS);
        UNIT_EQ_INT(doc->expires_at, T0 + ages[i][1]);
    }
}

static void test_get_fresh_without_fetch(apr_pool_t *p)
{
    oa2_remote_t *rm = source(OA2_REMOTE_JWKS, JWKS_URL, p);
    const oa2_remote_doc_t *first = NULL, *doc = NULL;
    oa2_err_t err;

    UNIT_ASSERT(rm);
    fake_reset(JWKS_A);
    UNIT_EQ_INT(GET(first, rm, NULL, NULL, T0, err, p), APR_SUCCESS);
    UNIT_EQ_INT(GET(doc, rm, NULL, NULL, T0 + 1, err, p), APR_SUCCESS);
    UNIT_EQ_INT(GET(doc, rm, NULL, NULL, T0 + 3599, err, p), APR_SUCCESS);
    UNIT_EQ_INT(fake.calls, 1);
    UNIT_ASSERT(doc == first);
    UNIT_ASSERT(err.log_id == NULL);
}

static void test_get_stale_refetched(apr_pool_t *p)
{
    oa2_remote_t *rm = source(OA2_REMOTE_JWKS, JWKS_URL, p);
    const oa2_remote_doc_t *first = NULL, *doc = NULL;
    oa2_err_t err;

    UNIT_ASSERT(rm);
    fake_reset(JWKS_A);
    fake.max_age = 600;
    UNIT_EQ_INT(GET(first, rm, NULL, NULL, T0, err, p), APR_SUCCESS);
    fake.body = JWKS_B;
    UNIT_EQ_INT(GET(doc, rm, NULL, NULL, T0 + 600, err, p), APR_SUCCESS);
    UNIT_EQ_INT(fake.calls, 2);
    UNIT_ASSERT(doc != first);
    UNIT_ASSERT(oa2_keys_find(doc->keys, "rsa-1") != NULL);
    UNIT_ASSERT(oa2_keys_find(doc->keys, "ec-1") == NULL);
    UNIT_EQ_INT(doc->fetched_at, T0 + 600);
    UNIT_EQ_INT(doc->expires_at, T0 + 1200);
    UNIT_ASSERT(rm->doc == doc);
    UNIT_ASSERT(rm->doc != first);
    /* the old one, held by this pool, is still whole */
    UNIT_ASSERT(oa2_keys_find(first->keys, "ec-1") != NULL);
}

static void test_get_unchanged_keeps_document(apr_pool_t *p)
{
    oa2_remote_t *rm = source(OA2_REMOTE_JWKS, JWKS_URL, p);
    const oa2_remote_doc_t *first = NULL, *doc = NULL;
    const char *set_id;
    oa2_err_t err;

    UNIT_ASSERT(rm);
    fake_reset(JWKS_A);
    UNIT_EQ_INT(GET(first, rm, NULL, NULL, T0, err, p), APR_SUCCESS);
    set_id = first->keys->id;
    /* the same keys, written differently, with a key that is left out */
    fake.body = JWKS_A_AGAIN;
    fake.max_age = 900;
    UNIT_EQ_INT(GET(doc, rm, NULL, NULL, T0 + 3600, err, p), APR_SUCCESS);
    UNIT_EQ_INT(fake.calls, 2);
    UNIT_ASSERT(doc == first);
    UNIT_ASSERT(doc->keys->id == set_id);
    UNIT_EQ_INT(doc->fetched_at, T0 + 3600);
    UNIT_EQ_INT(doc->expires_at, T0 + 3600 + 900);
    /* and fresh again */
    UNIT_EQ_INT(GET(doc, rm, NULL, NULL, T0 + 3601, err, p), APR_SUCCESS);
    UNIT_EQ_INT(fake.calls, 2);
}

static void test_get_stale_while_another_fetches(apr_pool_t *p)
{
    oa2_remote_t *rm = source(OA2_REMOTE_JWKS, JWKS_URL, p);
    const oa2_remote_doc_t *first = NULL, *doc = NULL;
    oa2_err_t err;

    UNIT_ASSERT(rm);
    fake_reset(JWKS_A);
    UNIT_EQ_INT(GET(first, rm, NULL, NULL, T0, err, p), APR_SUCCESS);
    /* another thread is fetching: the stale set serves, nobody waits */
    UNIT_EQ_INT(apr_thread_mutex_lock(rm->fetching), APR_SUCCESS);
    UNIT_EQ_INT(GET(doc, rm, NULL, NULL, T0 + 3600, err, p), APR_SUCCESS);
    apr_thread_mutex_unlock(rm->fetching);
    UNIT_EQ_INT(fake.calls, 1);
    UNIT_ASSERT(doc == first);
    UNIT_ASSERT(err.log_id == NULL);
    /* when it is not, this one fetches */
    UNIT_EQ_INT(GET(doc, rm, NULL, NULL, T0 + 3600, err, p), APR_SUCCESS);
    UNIT_EQ_INT(fake.calls, 2);
}

static void test_get_failure_keeps_last_good(apr_pool_t *p)
{
    oa2_remote_t *rm = source(OA2_REMOTE_JWKS, JWKS_URL, p);
    const oa2_remote_doc_t *good = NULL, *doc = NULL;
    apr_int64_t stale = T0 + OA2_REMOTE_DEFAULT_LIFETIME;
    oa2_err_t err;

    UNIT_ASSERT(rm);
    fake_reset(JWKS_A);
    UNIT_EQ_INT(GET(good, rm, NULL, NULL, T0, err, p), APR_SUCCESS);
    /* the server is gone: the caller gets the old keys and a warning */
    fake.fail = 1;
    UNIT_EQ_INT(GET(doc, rm, NULL, NULL, stale, err, p), APR_SUCCESS);
    UNIT_EQ_INT(fake.calls, 2);
    UNIT_ASSERT(doc == good);
    UNIT_EQ_INT(err.status, 503);
    UNIT_EQ_STR(err.log_id, "OA2-00936");
    UNIT_HAS_STR(err.detail, "Connection refused");
    /* the warning says it once: description, then the detail */
    UNIT_ASSERT(strstr(err.detail, err.description) == NULL);
    /* not asked again before OA2_REMOTE_RETRY; no warning meanwhile */
    UNIT_EQ_INT(GET(doc, rm, NULL, NULL, stale + OA2_REMOTE_RETRY - 1, err, p),
                APR_SUCCESS);
    UNIT_EQ_INT(fake.calls, 2);
    UNIT_ASSERT(doc == good);
    UNIT_ASSERT(err.log_id == NULL);
    /* then asked again: a bad answer is a failure too */
    fake.fail = 0;
    fake.status = 500;
    UNIT_EQ_INT(GET(doc, rm, NULL, NULL, stale + OA2_REMOTE_RETRY, err, p),
                APR_SUCCESS);
    UNIT_EQ_INT(fake.calls, 3);
    UNIT_ASSERT(doc == good);
    UNIT_EQ_STR(err.log_id, "OA2-00946");
    UNIT_HAS_STR(err.detail, "500");
    /* and a document that is no JWK set */
    fake.status = 200;
    fake.body = "{\"keys\":[]}";
    UNIT_EQ_INT(GET(doc, rm, NULL, NULL, stale + 2 * OA2_REMOTE_RETRY, err, p),
                APR_SUCCESS);
    UNIT_EQ_INT(fake.calls, 4);
    UNIT_ASSERT(doc == good);
    UNIT_EQ_STR(err.log_id, "OA2-00012");
    UNIT_EQ_INT(err.status, 503);
    /* until the server is back */
    fake.body = JWKS_B;
    UNIT_EQ_INT(GET(doc, rm, NULL, NULL, stale + 3 * OA2_REMOTE_RETRY, err, p),
                APR_SUCCESS);
    UNIT_EQ_INT(fake.calls, 5);
    UNIT_ASSERT(err.log_id == NULL);
    UNIT_ASSERT(oa2_keys_find(doc->keys, "rsa-1") != NULL);
    /* and the good one is good for its lifetime again */
    UNIT_EQ_INT(
        GET(doc, rm, NULL, NULL, stale + 3 * OA2_REMOTE_RETRY + 1, err, p),
        APR_SUCCESS);
    UNIT_EQ_INT(fake.calls, 5);
}

static void test_get_none_ever(apr_pool_t *p)
{
    oa2_remote_t *rm = source(OA2_REMOTE_JWKS, JWKS_URL, p);
    const oa2_remote_doc_t *doc = NULL;
    oa2_err_t err;

    UNIT_ASSERT(rm);
    fake_reset(JWKS_A);
    fake.fail = 1;
    UNIT_ASSERT(GET(doc, rm, NULL, NULL, T0, err, p) != APR_SUCCESS);
    UNIT_EQ_INT(fake.calls, 1);
    UNIT_EQ_INT(err.status, 503);
    UNIT_EQ_STR(err.error, "temporarily_unavailable");
    UNIT_EQ_STR(err.log_id, "OA2-00936");
    UNIT_HAS_STR(err.detail, JWKS_URL);
    UNIT_ASSERT(strstr(err.detail, err.description) == NULL);
    /* within OA2_REMOTE_RETRY: no fetch, the same 503 and why */
    UNIT_ASSERT(GET(doc, rm, NULL, NULL, T0 + OA2_REMOTE_RETRY - 1, err, p)
                != APR_SUCCESS);
    UNIT_EQ_INT(fake.calls, 1);
    UNIT_EQ_INT(err.status, 503);
    UNIT_EQ_STR(err.log_id, "OA2-00948");
    UNIT_HAS_STR(err.detail, "cannot be reached");
    /* a status that is not 200 */
    fake.fail = 0;
    fake.status = 404;
    UNIT_ASSERT(GET(doc, rm, NULL, NULL, T0 + OA2_REMOTE_RETRY, err, p)
                != APR_SUCCESS);
    UNIT_EQ_INT(fake.calls, 2);
    UNIT_EQ_STR(err.log_id, "OA2-00946");
    /* nothing was kept of the failures: the first good answer serves */
    fake.status = 200;
    UNIT_EQ_INT(GET(doc, rm, NULL, NULL, T0 + 2 * OA2_REMOTE_RETRY, err, p),
                APR_SUCCESS);
    UNIT_EQ_INT(fake.calls, 3);
    UNIT_EQ_INT(nkeys(doc), 1);
    UNIT_ASSERT(err.log_id == NULL);
}

static void test_get_unknown_kid(apr_pool_t *p)
{
    oa2_remote_t *rm = source(OA2_REMOTE_JWKS, JWKS_URL, p);
    const oa2_remote_doc_t *first = NULL, *doc = NULL, *rotated = NULL;
    oa2_err_t err;

    UNIT_ASSERT(rm);
    fake_reset(JWKS_A);
    UNIT_EQ_INT(GET(first, rm, NULL, NULL, T0, err, p), APR_SUCCESS);
    /* a token names a kid the fresh set lacks: fetched again at once */
    UNIT_EQ_INT(GET(doc, rm, first, NULL, T0 + 10, err, p), APR_SUCCESS);
    UNIT_EQ_INT(fake.calls, 2);
    UNIT_ASSERT(doc == first); /* unchanged */
    /* another such token within the interval: no fetch */
    UNIT_EQ_INT(GET(doc, rm, first, NULL, T0 + 11, err, p), APR_SUCCESS);
    UNIT_EQ_INT(GET(doc, rm, first, NULL, T0 + 10 + OA2_REMOTE_KID_INTERVAL - 1,
                    err, p),
                APR_SUCCESS);
    UNIT_EQ_INT(fake.calls, 2);
    UNIT_ASSERT(doc == first);
    UNIT_ASSERT(err.log_id == NULL);
    /* after it: fetched, and the issuer has rotated */
    fake.body = JWKS_B;
    UNIT_EQ_INT(GET(rotated, rm, first, NULL, T0 + 10 + OA2_REMOTE_KID_INTERVAL,
                    err, p),
                APR_SUCCESS);
    UNIT_EQ_INT(fake.calls, 3);
    UNIT_ASSERT(rotated != first);
    UNIT_ASSERT(oa2_keys_find(rotated->keys, "rsa-1") != NULL);
    /* a request that still had the old set gets the new one, no fetch */
    UNIT_EQ_INT(GET(doc, rm, first, NULL, T0 + 100, err, p), APR_SUCCESS);
    UNIT_ASSERT(doc == rotated);
    UNIT_EQ_INT(fake.calls, 3);
}

static void test_get_unknown_kid_failure(apr_pool_t *p)
{
    oa2_remote_t *rm = source(OA2_REMOTE_JWKS, JWKS_URL, p);
    const oa2_remote_doc_t *first = NULL, *doc = NULL;
    oa2_err_t err;

    UNIT_ASSERT(rm);
    fake_reset(JWKS_A);
    UNIT_EQ_INT(GET(first, rm, NULL, NULL, T0, err, p), APR_SUCCESS);
    fake.fail = 1;
    UNIT_EQ_INT(GET(doc, rm, first, NULL, T0 + 10, err, p), APR_SUCCESS);
    UNIT_EQ_INT(fake.calls, 2);
    UNIT_ASSERT(doc == first);
    UNIT_EQ_STR(err.log_id, "OA2-00936");
    /* the set is still fresh: served, no fetch, no warning */
    UNIT_EQ_INT(GET(doc, rm, NULL, NULL, T0 + 20, err, p), APR_SUCCESS);
    UNIT_EQ_INT(fake.calls, 2);
    UNIT_ASSERT(err.log_id == NULL);
}

/* Two processes on one shared cache: a fetch by one serves the other. */
static void test_shared_first_and_newer(apr_pool_t *p)
{
    oa2_remote_t *a = source(OA2_REMOTE_JWKS, JWKS_URL, p);
    oa2_remote_t *b = source(OA2_REMOTE_JWKS, JWKS_URL, p);
    const oa2_remote_doc_t *da = NULL, *db = NULL, *db2 = NULL;
    apr_int64_t stale = T0 + OA2_REMOTE_DEFAULT_LIFETIME;
    fixture_cache_t *fc;
    oa2_record_cache_t *shared = fixture_cache(&fc, p);
    oa2_err_t err;

    UNIT_ASSERT(a && b);
    fake_reset(JWKS_A);
    fc->now = T0;
    UNIT_EQ_INT(GET(da, a, NULL, shared, T0, err, p), APR_SUCCESS);
    UNIT_EQ_INT(fake.calls, 1);
    UNIT_EQ_INT(fc->puts, 1);
    /* b starts from what a fetched: no fetch of its own */
    UNIT_EQ_INT(GET(db, b, NULL, shared, T0 + 1, err, p), APR_SUCCESS);
    UNIT_EQ_INT(fake.calls, 1);
    UNIT_ASSERT(db != da);
    UNIT_EQ_STR(db->text, da->text);
    UNIT_EQ_INT(db->fetched_at, T0);
    UNIT_EQ_INT(db->expires_at, da->expires_at);
    UNIT_ASSERT(db->keys->id && !strcmp(db->keys->id, da->keys->id));
    /* a fetches the rotated set when it is due */
    fake.body = JWKS_B;
    fc->now = stale;
    UNIT_EQ_INT(GET(da, a, NULL, shared, stale, err, p), APR_SUCCESS);
    UNIT_EQ_INT(fake.calls, 2);
    /* b's copy is due a moment later: it takes a's newer one */
    UNIT_EQ_INT(GET(db2, b, NULL, shared, stale + 1, err, p), APR_SUCCESS);
    UNIT_EQ_INT(fake.calls, 2);
    UNIT_ASSERT(db2 != db);
    UNIT_ASSERT(oa2_keys_find(db2->keys, "rsa-1") != NULL);
    UNIT_EQ_INT(db2->fetched_at, stale);
    /* the old copy b's request held is still whole */
    UNIT_ASSERT(oa2_keys_find(db->keys, "ec-1") != NULL);
}

static void test_shared_newer_for_unknown_kid(apr_pool_t *p)
{
    oa2_remote_t *a = source(OA2_REMOTE_JWKS, JWKS_URL, p);
    oa2_remote_t *b = source(OA2_REMOTE_JWKS, JWKS_URL, p);
    const oa2_remote_doc_t *da = NULL, *db = NULL, *doc = NULL;
    fixture_cache_t *fc;
    oa2_record_cache_t *shared = fixture_cache(&fc, p);
    oa2_err_t err;

    UNIT_ASSERT(a && b);
    fake_reset(JWKS_A);
    fc->now = T0;
    UNIT_EQ_INT(GET(da, a, NULL, shared, T0, err, p), APR_SUCCESS);
    UNIT_EQ_INT(GET(db, b, NULL, shared, T0, err, p), APR_SUCCESS);
    UNIT_EQ_INT(fake.calls, 1);
    /* a learns of a new key */
    fake.body = JWKS_B;
    fc->now = T0 + 10;
    UNIT_EQ_INT(GET(doc, a, da, shared, T0 + 10, err, p), APR_SUCCESS);
    UNIT_EQ_INT(fake.calls, 2);
    UNIT_EQ_INT(fc->added, 1);
    /* b, with a token of that key, takes a's set instead of fetching */
    UNIT_EQ_INT(GET(doc, b, db, shared, T0 + 11, err, p), APR_SUCCESS);
    UNIT_EQ_INT(fake.calls, 2);
    UNIT_ASSERT(doc != db);
    UNIT_ASSERT(oa2_keys_find(doc->keys, "rsa-1") != NULL);
}

static void test_shared_kid_fetch_once_for_all(apr_pool_t *p)
{
    oa2_remote_t *a = source(OA2_REMOTE_JWKS, JWKS_URL, p);
    oa2_remote_t *b = source(OA2_REMOTE_JWKS, JWKS_URL, p);
    const oa2_remote_doc_t *da = NULL, *db = NULL, *doc = NULL;
    fixture_cache_t *fc;
    oa2_record_cache_t *shared = fixture_cache(&fc, p);
    oa2_err_t err;

    UNIT_ASSERT(a && b);
    fake_reset(JWKS_A);
    fc->now = T0;
    UNIT_EQ_INT(GET(da, a, NULL, shared, T0, err, p), APR_SUCCESS);
    /* a token of a kid nobody has: a asks, and finds nothing new */
    fc->now = T0 + 10;
    UNIT_EQ_INT(GET(doc, a, da, shared, T0 + 10, err, p), APR_SUCCESS);
    UNIT_EQ_INT(fake.calls, 2);
    UNIT_ASSERT(doc == da);
    /* b starts from that fetch, then sees the same token: not again */
    UNIT_EQ_INT(GET(db, b, NULL, shared, T0 + 11, err, p), APR_SUCCESS);
    UNIT_EQ_INT(db->fetched_at, T0 + 10);
    UNIT_EQ_INT(GET(doc, b, db, shared, T0 + 12, err, p), APR_SUCCESS);
    UNIT_EQ_INT(fake.calls, 2);
    UNIT_ASSERT(doc == db);
    UNIT_EQ_INT(fc->adds, 2);
    UNIT_EQ_INT(fc->added, 1);
    /* once the interval is over (here and there), anyone may */
    fc->now = T0 + 12 + OA2_REMOTE_KID_INTERVAL;
    UNIT_EQ_INT(GET(doc, b, db, shared, fc->now, err, p), APR_SUCCESS);
    UNIT_EQ_INT(fake.calls, 3);
    UNIT_EQ_INT(fc->added, 2);
}

static void test_shared_damaged_record_ignored(apr_pool_t *p)
{
    oa2_remote_t *a = source(OA2_REMOTE_JWKS, JWKS_URL, p);
    oa2_remote_t *b = source(OA2_REMOTE_JWKS, JWKS_URL, p);
    const oa2_remote_doc_t *da = NULL, *db = NULL;
    fixture_cache_t *fc;
    oa2_record_cache_t *shared = fixture_cache(&fc, p);
    apr_hash_index_t *hi;
    oa2_err_t err;

    UNIT_ASSERT(a && b);
    fake_reset(JWKS_A);
    fc->now = T0;
    UNIT_EQ_INT(GET(da, a, NULL, shared, T0, err, p), APR_SUCCESS);
    /* whatever is under the key now: not a row, or a row of no keys */
    for (hi = apr_hash_first(p, fc->entries); hi; hi = apr_hash_next(hi)) {
        fixture_cache_entry_t *e = apr_hash_this_val(hi);
        const char *cols[2] = {"1800000000", "{\"keys\":[]}"};
        e->rec = oa2_cached_row_encode(&e->len, cols, 2, T0 + 5, NULL, p);
    }
    UNIT_EQ_INT(GET(db, b, NULL, shared, T0 + 1, err, p), APR_SUCCESS);
    UNIT_EQ_INT(fake.calls, 2);
    UNIT_EQ_INT(nkeys(db), 1);
    for (hi = apr_hash_first(p, fc->entries); hi; hi = apr_hash_next(hi)) {
        fixture_cache_entry_t *e = apr_hash_this_val(hi);
        e->rec = "garbage";
        e->len = 7;
    }
    UNIT_EQ_INT(GET(db, b, NULL, shared, T0 + 1 + 3600, err, p), APR_SUCCESS);
    UNIT_EQ_INT(fake.calls, 3);
}

static void test_get_metadata(apr_pool_t *p)
{
    oa2_remote_t *rm = source(OA2_REMOTE_METADATA, MD_URL, p);
    const oa2_remote_doc_t *doc = NULL;
    oa2_err_t err;

    UNIT_ASSERT(rm);
    /* the issuer its URL implies is demanded */
    fake_reset("{\"issuer\":\"https://evil.example\",\"jwks_uri\":"
               "\"https://evil.example/jwks\"}");
    UNIT_ASSERT(GET(doc, rm, NULL, NULL, T0, err, p) != APR_SUCCESS);
    UNIT_EQ_INT(err.status, 503);
    UNIT_EQ_STR(err.log_id, "OA2-00941");
    UNIT_HAS_STR(err.detail, "https://evil.example");
    UNIT_HAS_STR(err.detail, "https://idp.example");
    fake.body = "{\"issuer\":\"https://idp.example\",\"jwks_uri\":"
                "\"https://idp.example/jwks\"}";
    UNIT_EQ_INT(GET(doc, rm, NULL, NULL, T0 + OA2_REMOTE_RETRY, err, p),
                APR_SUCCESS);
    UNIT_EQ_STR(doc->metadata->issuer, "https://idp.example");
    UNIT_EQ_STR(doc->metadata->jwks_uri, "https://idp.example/jwks");
}

/* ---- references ----------------------------------------------------------*/

static void test_refs_held_document_survives(apr_pool_t *p)
{
    oa2_remote_t *rm = source(OA2_REMOTE_JWKS, JWKS_URL, p);
    const oa2_remote_doc_t *old = NULL, *doc = NULL, *cur = NULL;
    apr_pool_t *r1, *r2, *r3;
    oa2_err_t err;

    UNIT_ASSERT(rm);
    freed_old = freed_cur = 0;
    apr_pool_create(&r1, p);
    apr_pool_create(&r2, p);
    apr_pool_create(&r3, p);
    fake_reset(JWKS_A);
    /* two requests hold the first set */
    UNIT_EQ_INT(GET(old, rm, NULL, NULL, T0, err, r1), APR_SUCCESS);
    UNIT_EQ_INT(GET(doc, rm, NULL, NULL, T0 + 1, err, r2), APR_SUCCESS);
    UNIT_ASSERT(doc == old);
    UNIT_EQ_INT(old->refs, 3); /* current, r1, r2 */
    apr_pool_cleanup_register(old->pool, &freed_old, note_freed,
                              apr_pool_cleanup_null);
    /* a third request finds it stale and replaces it */
    fake.body = JWKS_B;
    UNIT_EQ_INT(GET(cur, rm, NULL, NULL, T0 + 3600, err, r3), APR_SUCCESS);
    UNIT_ASSERT(cur != old);
    UNIT_EQ_INT(old->refs, 2);
    UNIT_EQ_INT(cur->refs, 2); /* current, r3 */
    apr_pool_cleanup_register(cur->pool, &freed_cur, note_freed,
                              apr_pool_cleanup_null);
    UNIT_EQ_INT(freed_old, 0);
    /* the requests that hold the old set can still verify with it */
    UNIT_ASSERT(oa2_keys_find(old->keys, "ec-1") != NULL);
    UNIT_HAS_STR(old->text, "ec-1");
    apr_pool_destroy(r1);
    UNIT_EQ_INT(freed_old, 0);
    UNIT_EQ_INT(old->refs, 1);
    UNIT_ASSERT(oa2_keys_find(old->keys, "ec-1") != NULL);
    /* the last one lets it go */
    apr_pool_clear(r2);
    UNIT_EQ_INT(freed_old, 1);
    /* the current one stays while current */
    apr_pool_destroy(r3);
    UNIT_EQ_INT(freed_cur, 0);
    UNIT_EQ_INT(cur->refs, 1);
    UNIT_EQ_INT(GET(doc, rm, NULL, NULL, T0 + 3601, err, r2), APR_SUCCESS);
    UNIT_ASSERT(doc == cur);
    apr_pool_destroy(r2);
    UNIT_EQ_INT(freed_cur, 0);
    /* and goes with the configuration (p, after this test) */
}

static void test_refs_unheld_replaced_is_freed(apr_pool_t *p)
{
    oa2_remote_t *rm = source(OA2_REMOTE_JWKS, JWKS_URL, p);
    const oa2_remote_doc_t *old = NULL, *doc = NULL;
    apr_pool_t *r1, *r2;
    oa2_err_t err;

    UNIT_ASSERT(rm);
    freed_old = 0;
    apr_pool_create(&r1, p);
    apr_pool_create(&r2, p);
    fake_reset(JWKS_A);
    UNIT_EQ_INT(GET(old, rm, NULL, NULL, T0, err, r1), APR_SUCCESS);
    apr_pool_cleanup_register(old->pool, &freed_old, note_freed,
                              apr_pool_cleanup_null);
    apr_pool_destroy(r1);
    UNIT_EQ_INT(freed_old, 0); /* still current */
    fake.body = JWKS_B;
    UNIT_EQ_INT(GET(doc, rm, NULL, NULL, T0 + 3600, err, r2), APR_SUCCESS);
    UNIT_EQ_INT(freed_old, 1); /* nobody held it */
    UNIT_ASSERT(oa2_keys_find(doc->keys, "rsa-1") != NULL);
    apr_pool_destroy(r2);
}

static void test_refs_new_url_drops_keys(apr_pool_t *p)
{
    /* The JWKS source of a metadata document: its URL is learnt late. */
    oa2_remote_t *rm = source(OA2_REMOTE_JWKS, "", p);
    const oa2_remote_doc_t *old = NULL, *doc = NULL;
    apr_pool_t *r1;
    oa2_err_t err;

    UNIT_ASSERT(rm);
    freed_old = 0;
    apr_pool_create(&r1, p);
    fake_reset(JWKS_A);
    oa2_remote_set_url(rm, "https://idp.example/jwks/1");
    UNIT_EQ_INT(GET(old, rm, NULL, NULL, T0, err, r1), APR_SUCCESS);
    UNIT_EQ_STR(fake.last_url, "https://idp.example/jwks/1");
    apr_pool_cleanup_register(old->pool, &freed_old, note_freed,
                              apr_pool_cleanup_null);
    /* the same URL again changes nothing */
    oa2_remote_set_url(rm, "https://idp.example/jwks/1");
    UNIT_ASSERT(rm->doc == old);
    /* another one drops the keys of the first, held ones survive */
    oa2_remote_set_url(rm, "https://idp.example/jwks/2");
    UNIT_ASSERT(rm->doc != old);
    UNIT_EQ_INT(freed_old, 0);
    UNIT_ASSERT(oa2_keys_find(old->keys, "ec-1") != NULL);
    fake.body = JWKS_B;
    UNIT_EQ_INT(GET(doc, rm, NULL, NULL, T0 + 1, err, p), APR_SUCCESS);
    UNIT_EQ_INT(fake.calls, 2);
    UNIT_EQ_STR(fake.last_url, "https://idp.example/jwks/2");
    UNIT_ASSERT(oa2_keys_find(doc->keys, "rsa-1") != NULL);
    apr_pool_destroy(r1);
    UNIT_EQ_INT(freed_old, 1);
}

void unit_suite_remote(void)
{
    unit_suite("remote");
    UNIT_RUN(test_issuer_of);
    UNIT_RUN(test_parse_jwks);
    UNIT_RUN(test_parse_jwks_refused);
    UNIT_RUN(test_parse_metadata);
    UNIT_RUN(test_parse_metadata_issuer_differs);
    UNIT_RUN(test_parse_metadata_jwks_uri);
    UNIT_RUN(test_parse_metadata_same_origin);
    UNIT_RUN(test_get_first_fetch);
    UNIT_RUN(test_get_lifetime_from_max_age);
    UNIT_RUN(test_get_fresh_without_fetch);
    UNIT_RUN(test_get_stale_refetched);
    UNIT_RUN(test_get_unchanged_keeps_document);
    UNIT_RUN(test_get_stale_while_another_fetches);
    UNIT_RUN(test_get_failure_keeps_last_good);
    UNIT_RUN(test_get_none_ever);
    UNIT_RUN(test_get_unknown_kid);
    UNIT_RUN(test_get_unknown_kid_failure);
    UNIT_RUN(test_shared_first_and_newer);
    UNIT_RUN(test_shared_newer_for_unknown_kid);
    UNIT_RUN(test_shared_kid_fetch_once_for_all);
    UNIT_RUN(test_shared_damaged_record_ignored);
    UNIT_RUN(test_get_metadata);
    UNIT_RUN(test_refs_held_document_survives);
    UNIT_RUN(test_refs_unheld_replaced_is_freed);
    UNIT_RUN(test_refs_new_url_drops_keys);
}
