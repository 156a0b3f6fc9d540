/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/*
 * Client ID metadata documents (oa2_cimd.c): the client_id URL's rules,
 * the documents that become clients and those that do not, and the rows
 * they become (oa2_store_client_put_document(), over real SQL).
 */
#include <string.h>

#include <apr_strings.h>
#include <jansson.h>

#include "cache_fixture.h"
#include "oa2_cimd.h"
#include "oa2_cleanup.h"
#include "oa2_client_meta.h"
#include "oa2_registration.h"
#include "oa2_store_dbd.h"
#include "store_fixture.h"
#include "unit.h"

#define ISS "https://as.example"
#define URL "https://client.example/oauth/client.json"
#define CB "https://client.example/cb"
#define NOW 1800000000

/* The start of a document of URL with one redirect URI, for a test to
 * close with its own members. */
#define DOC_START "{\"client_id\":\"" URL "\",\"redirect_uris\":[\"" CB "\"]"
#define DOC DOC_START "}"
/* An EC P-256 public key (RFC 7515 Appendix A.3) as a JWK. */
#define EC_JWK                                                                 \
    "{\"kty\":\"EC\",\"crv\":\"P-256\",\"kid\":\"a3\",\"x\":"                  \
    "\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\",\"y\":"                   \
    "\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\"}"

/* A 200 response carrying @a body, with Cache-Control max-age @a age. */
static oa2_fetch_result_t response(const char *body, long status, long age)
{
    oa2_fetch_result_t res;

    memset(&res, 0, sizeof(res));
    res.status = status;
    res.body = body;
    res.len = strlen(body);
    res.max_age = age;
    return res;
}

/* Parse document @a body as fetched from URL. */
static apr_status_t parse(oa2_client_t **cl, const char *body, oa2_err_t *err,
                          apr_pool_t *p)
{
    oa2_fetch_result_t res = response(body, 200, -1);

    return oa2_cimd_parse(cl, fixture_as(ISS, p), URL, &res, NOW, err, p);
}

/* Check that document @a body is refused with log id @a id. */
#define DOC_REFUSED(body, id)                                                  \
    do {                                                                       \
        oa2_client_t *cl_ = NULL;                                              \
        oa2_err_t err_ = {0};                                                  \
        UNIT_REFUSED(parse(&cl_, (body), &err_, p), err_, 400,                 \
                     "invalid_client", (id));                                  \
        UNIT_ASSERT(cl_ == NULL);                                              \
        UNIT_DESCRIPTION_FIXED(err_, NULL);                                    \
        UNIT_ASSERT(err_.detail                                                \
                    && !strncmp(err_.detail,                                   \
                                "client ID metadata document " URL,            \
                                strlen("client ID metadata document " URL)));  \
    } while (0)

/* DOC_REFUSED, and the description is exactly @a says: the answer a
 * refusal worded from registration's rules gives. */
#define DOC_REFUSED_SAYS(body, id, says)                                       \
    do {                                                                       \
        oa2_client_t *cl_ = NULL;                                              \
        oa2_err_t err_ = {0};                                                  \
        UNIT_REFUSED(parse(&cl_, (body), &err_, p), err_, 400,                 \
                     "invalid_client", (id));                                  \
        UNIT_ASSERT(cl_ == NULL);                                              \
        UNIT_EQ_STR(err_.description, (says));                                 \
    } while (0)

/* Check that client_id URL @a url is refused under @a reach with @a id. */
#define URL_REFUSED(url, reach, id)                                            \
    do {                                                                       \
        oa2_err_t err_ = {0};                                                  \
        UNIT_REFUSED(oa2_cimd_check_url((url), (reach), &err_, p), err_, 400,  \
                     "invalid_request", (id));                                 \
        UNIT_DESCRIPTION_FIXED(err_, (url));                                   \
        UNIT_ASSERT(                                                           \
            err_.detail                                                        \
            && !strncmp(err_.detail, "client ID metadata document ", 28));     \
    } while (0)

#define PUBLIC OA2_FETCH_REACH_PUBLIC
#define LOOPBACK OA2_FETCH_REACH_PUBLIC_OR_LOOPBACK

/* ---- the client_id URL ---------------------------------------------------- */

static void test_is_url(apr_pool_t *p)
{
    (void)p;
    UNIT_ASSERT(oa2_cimd_is_url(URL));
    UNIT_ASSERT(oa2_cimd_is_url("HTTPS://client.example/x"));
    UNIT_ASSERT(oa2_cimd_is_url("http://127.0.0.1:8080/x"));
    UNIT_ASSERT(!oa2_cimd_is_url("3f2a9c"));
    UNIT_ASSERT(!oa2_cimd_is_url("https:client.example"));
    UNIT_ASSERT(!oa2_cimd_is_url("urn:example:client"));
    UNIT_ASSERT(!oa2_cimd_is_url(""));
    UNIT_ASSERT(!oa2_cimd_is_url(NULL));
}

static void test_reach(apr_pool_t *p)
{
    UNIT_EQ_INT(oa2_cimd_reach("https://as.example", p), PUBLIC);
    UNIT_EQ_INT(oa2_cimd_reach("https://127.0.0.1:8443", p), PUBLIC);
    UNIT_EQ_INT(oa2_cimd_reach("http://127.0.0.1:8080", p), LOOPBACK);
    UNIT_EQ_INT(oa2_cimd_reach("http://localhost/tenant", p), LOOPBACK);
    UNIT_EQ_INT(oa2_cimd_reach("http://[::1]:80", p), LOOPBACK);
    UNIT_EQ_INT(oa2_cimd_reach("http://as.example", p), PUBLIC);
    UNIT_EQ_INT(oa2_cimd_reach(NULL, p), PUBLIC);
}

static void test_url_good(apr_pool_t *p)
{
    static const char *const good[] = {
        URL,
        "https://client.example/",
        "https://client.example:8443/c.json",
        "https://client.example/c.json?version=2",
        "https://client.example/a...b/.../c",
        "https://client.example/~app/%41",
        "https://client.example/@app/c.json?by=u@x",
        "https://93.184.216.34/client.json",
        NULL};
    const char *const *u;

    for (u = good; *u; u++) {
        oa2_err_t err = {0};
        if (oa2_cimd_check_url(*u, PUBLIC, &err, p) != APR_SUCCESS) {
            unit_fail(__FILE__, __LINE__, "%s refused: %s", *u,
                      err.description);
            return;
        }
    }
    /* A loopback http issuer's clients may run beside it. */
    UNIT_EQ_INT(
        oa2_cimd_check_url("http://127.0.0.1:8081/c.json", LOOPBACK, NULL, p),
        APR_SUCCESS);
    UNIT_EQ_INT(
        oa2_cimd_check_url("http://localhost:8081/c.json", LOOPBACK, NULL, p),
        APR_SUCCESS);
    UNIT_EQ_INT(
        oa2_cimd_check_url("https://127.0.0.1:8443/c.json", LOOPBACK, NULL, p),
        APR_SUCCESS);
}

static void test_url_length(apr_pool_t *p)
{
    char url[OA2_CLIENT_ID_MAX + 2];
    apr_size_t prefix = strlen("https://client.example/");

    memcpy(url, "https://client.example/", prefix);
    memset(url + prefix, 'a', OA2_CLIENT_ID_MAX - prefix);
    url[OA2_CLIENT_ID_MAX] = '\0';
    UNIT_EQ_INT(oa2_cimd_check_url(url, PUBLIC, NULL, p), APR_SUCCESS);
    url[OA2_CLIENT_ID_MAX] = 'a';
    url[OA2_CLIENT_ID_MAX + 1] = '\0';
    URL_REFUSED(url, PUBLIC, "OA2-01000");
}

static void test_url_bad(apr_pool_t *p)
{
    URL_REFUSED("https://client.example/a b", PUBLIC, "OA2-01001");
    URL_REFUSED("https://client.example/\x01", PUBLIC, "OA2-01001");
    URL_REFUSED("https://client.example/\xc3\xa9", PUBLIC, "OA2-01001");
    URL_REFUSED("https://client.example/%zz", PUBLIC, "OA2-01001");
    URL_REFUSED("https://client.example/\"", PUBLIC, "OA2-01001");
    URL_REFUSED("https://client.example/a\\b", PUBLIC, "OA2-01001");
    URL_REFUSED("https://client.example/<x>", PUBLIC, "OA2-01001");
    URL_REFUSED("https://client.example/%4", PUBLIC, "OA2-01001");
    URL_REFUSED("HTTPS://client.example/c.json", PUBLIC, "OA2-01002");
    URL_REFUSED("ftp://client.example/c.json", PUBLIC, "OA2-01002");
    URL_REFUSED("https:client.example/c.json", PUBLIC, "OA2-01002");
    URL_REFUSED("http://client.example/c.json", PUBLIC, "OA2-01002");
    URL_REFUSED("http://127.0.0.1:8080/c.json", PUBLIC, "OA2-01002");
    URL_REFUSED("https://client.example/c.json#x", PUBLIC, "OA2-01003");
    URL_REFUSED("https://client.example/c.json#", PUBLIC, "OA2-01003");
    URL_REFUSED("https://u:pw@client.example/c.json", PUBLIC, "OA2-01004");
    URL_REFUSED("https://u@client.example/c.json", PUBLIC, "OA2-01004");
    URL_REFUSED("https://client.example", PUBLIC, "OA2-01005");
    URL_REFUSED("https://client.example?x=1", PUBLIC, "OA2-01005");
    URL_REFUSED("https:///c.json", PUBLIC, "OA2-01006");
    URL_REFUSED("https://:443/c.json", PUBLIC, "OA2-01006");
    URL_REFUSED("https://client.example/a/../c.json", PUBLIC, "OA2-01007");
    URL_REFUSED("https://client.example/./c.json", PUBLIC, "OA2-01007");
    URL_REFUSED("https://client.example/a/..", PUBLIC, "OA2-01007");
    URL_REFUSED("https://client.example/a/.?x", PUBLIC, "OA2-01007");
    URL_REFUSED("https://client.example/a/%2e%2E/c", PUBLIC, "OA2-01007");
    URL_REFUSED("https://client.example/a/.%2e/c", PUBLIC, "OA2-01007");
    URL_REFUSED("https://client.example/%2E/c", PUBLIC, "OA2-01007");
    URL_REFUSED("http://client.example/c.json", LOOPBACK, "OA2-01008");
    URL_REFUSED("http://10.0.0.1/c.json", LOOPBACK, "OA2-01008");
}

/* Address literals and loopback names a reach forbids are refused before
 * any connection; other names are the fetch's to check when resolved. */
static void test_url_addresses(apr_pool_t *p)
{
    static const char *const never[] = {
        "https://10.1.2.3/c.json",
        "https://172.16.0.1/c.json",
        "https://192.168.1.1/c.json",
        "https://100.64.0.1/c.json",
        "https://169.254.169.254/latest/meta-data/",
        "https://[fe80::1]/c.json",
        "https://[fd00::1]/c.json",
        "https://[::ffff:169.254.169.254]/c.json",
        "https://0.0.0.0/c.json",
        "https://224.0.0.1/c.json",
        NULL};
    const char *const *u;

    for (u = never; *u; u++) {
        URL_REFUSED(*u, PUBLIC, "OA2-01009");
        URL_REFUSED(*u, LOOPBACK, "OA2-01009");
    }
    URL_REFUSED("https://127.0.0.1/c.json", PUBLIC, "OA2-01009");
    URL_REFUSED("https://127.0.0.1:8443/c.json", PUBLIC, "OA2-01009");
    URL_REFUSED("https://[::1]/c.json", PUBLIC, "OA2-01009");
    URL_REFUSED("https://localhost/c.json", PUBLIC, "OA2-01009");
    URL_REFUSED("https://LocalHost/c.json", PUBLIC, "OA2-01009");
    UNIT_EQ_INT(oa2_cimd_check_url("https://[::1]/c.json", LOOPBACK, NULL, p),
                APR_SUCCESS);
    UNIT_EQ_INT(
        oa2_cimd_check_url("https://[2001:4860::8888]/c.json", PUBLIC, NULL, p),
        APR_SUCCESS);
}

/* The log's detail names the URL a client sent: as it is when short and
 * printable, else cut to 160 characters, each unprintable one a '?'. */
static void test_url_in_detail(apr_pool_t *p)
{
    oa2_err_t err = {0};
    char *url = apr_palloc(p, 301);

    URL_REFUSED("https://client.example/a/../c.json", PUBLIC, "OA2-01007");
    UNIT_EQ_INT(oa2_cimd_check_url("https://client.example/a/../c.json", PUBLIC,
                                   &err, p),
                APR_EGENERAL);
    UNIT_EQ_STR(err.detail,
                "client ID metadata document "
                "https://client.example/a/../c.json");
    UNIT_EQ_INT(oa2_cimd_check_url("https://client.example/a\x1b[31m\nb",
                                   PUBLIC, &err, p),
                APR_EGENERAL);
    UNIT_EQ_STR(err.log_id, "OA2-01001");
    UNIT_EQ_STR(err.detail,
                "client ID metadata document "
                "https://client.example/a?[31m?b");
    memcpy(url, "https://client.example/", 23);
    memset(url + 23, 'a', 300 - 23);
    url[300] = '\0';
    url[100] = '\r';
    UNIT_EQ_INT(oa2_cimd_check_url(url, PUBLIC, &err, p), APR_EGENERAL);
    UNIT_EQ_STR(err.log_id, "OA2-01000");
    UNIT_EQ_STR(err.description,
                "a client_id URL must be at most 128 characters");
    UNIT_EQ_INT(strlen(err.detail),
                strlen("client ID metadata document ") + 160 + strlen("..."));
    UNIT_ASSERT(!strchr(err.detail, '\r'));
    UNIT_ASSERT(err.detail[strlen("client ID metadata document ") + 100]
                == '?');
    /* without an error to fill, nothing is named */
    UNIT_EQ_INT(oa2_cimd_check_url(url, PUBLIC, NULL, p), APR_EGENERAL);
}

static void test_host(apr_pool_t *p)
{
    UNIT_EQ_STR(oa2_cimd_host(URL, p), "client.example");
    UNIT_EQ_STR(oa2_cimd_host("https://Client.EXAMPLE:8443/c?x=1", p),
                "client.example");
    UNIT_EQ_STR(oa2_cimd_host("http://127.0.0.1:8080/c.json", p), "127.0.0.1");
    UNIT_EQ_STR(oa2_cimd_host("https://[::1]:8443/c.json", p), "::1");
}

/* ---- documents ------------------------------------------------------------ */

static void test_document_full(apr_pool_t *p)
{
    oa2_client_t *cl = NULL;
    oa2_err_t err = {0};

    UNIT_EQ_INT(
        parse(&cl,
              "{\"client_id\":\"" URL "\",\"client_name\":\"Example App\","
              "\"redirect_uris\":[\"" CB "\",\"http://127.0.0.1/cb\",\"" CB
              "\"],\"grant_types\":[\"authorization_code\",\"refresh_token\","
              "\"refresh_token\"],\"response_types\":[\"code\"],"
              "\"token_endpoint_auth_method\":\"none\",\"scope\":\"read "
              "unknown\",\"client_uri\":\"https://client.example/\","
              "\"logo_uri\":\"https://client.example/logo.png\","
              "\"post_logout_redirect_uris\":[\"https://client.example/bye\"],"
              "\"jwks\":{\"keys\":[" EC_JWK "]},\"software_id\":\"x\"}",
              &err, p),
        APR_SUCCESS);
    UNIT_EQ_STR(cl->client_id, URL);
    UNIT_EQ_STR(cl->name, "Example App");
    UNIT_EQ_STR(cl->secret_hash, "");
    UNIT_EQ_STR(cl->auth_method, "none");
    /* public keys are metadata a public client may have too */
    UNIT_HAS_STR(cl->jwks, "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU");
    UNIT_EQ_STR(cl->grant_types, "authorization_code refresh_token");
    /* the user consents to each request's scope; the document's is not a
     * registration with this server */
    UNIT_EQ_STR(cl->scope, "");
    UNIT_EQ_INT(cl->redirect_uris->nelts, 2);
    UNIT_EQ_STR(APR_ARRAY_IDX(cl->redirect_uris, 0, const char *), CB);
    UNIT_EQ_STR(APR_ARRAY_IDX(cl->redirect_uris, 1, const char *),
                "http://127.0.0.1/cb");
    UNIT_ASSERT(oa2_client_meta_logout_uri_registered(
        cl, "https://client.example/bye"));
    UNIT_EQ_INT(cl->created_at, NOW);
    UNIT_EQ_INT(cl->document_fetched_at, NOW);
    UNIT_EQ_INT(cl->document_expires_at, NOW + OA2_CIMD_TTL_DEFAULT);
}

static void test_document_minimal(apr_pool_t *p)
{
    oa2_client_t *cl = NULL;
    oa2_err_t err = {0};

    UNIT_EQ_INT(parse(&cl, DOC, &err, p), APR_SUCCESS);
    UNIT_EQ_STR(cl->name, "client.example");
    UNIT_EQ_STR(cl->grant_types, "authorization_code");
    UNIT_EQ_STR(cl->auth_method, "none");
    UNIT_ASSERT(!cl->post_logout_redirect_uris);
    /* null is absent, as many libraries send unset fields */
    UNIT_EQ_INT(parse(&cl,
                      DOC_START ",\"client_name\":null,\"grant_types\":null,"
                                "\"token_endpoint_auth_method\":null}",
                      &err, p),
                APR_SUCCESS);
    UNIT_EQ_STR(cl->name, "client.example");
    UNIT_EQ_INT(parse(&cl, DOC_START ",\"client_name\":\"\"}", &err, p),
                APR_SUCCESS);
    UNIT_EQ_STR(cl->name, "client.example");
}

/* Cache-Control's max-age, bounded to 1 min - 24 h. */
static void test_document_lifetime(apr_pool_t *p)
{
    static const struct {
        long age, lifetime;
    } cases[] = {{-1, OA2_CIMD_TTL_DEFAULT},
                 {0, 60},
                 {10, 60},
                 {600, 600},
                 {86400, 86400},
                 {999999, 86400}};
    apr_size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        oa2_fetch_result_t res = response(DOC, 200, cases[i].age);
        oa2_client_t *cl = NULL;
        UNIT_EQ_INT(
            oa2_cimd_parse(&cl, fixture_as(ISS, p), URL, &res, NOW, NULL, p),
            APR_SUCCESS);
        UNIT_EQ_INT(cl->document_expires_at - NOW, cases[i].lifetime);
    }
}

static void test_document_not_found(apr_pool_t *p)
{
    static const long statuses[] = {404, 500, 204, 201, 410};
    apr_size_t i;

    for (i = 0; i < sizeof(statuses) / sizeof(*statuses); i++) {
        oa2_fetch_result_t res = response(DOC, statuses[i], 300);
        oa2_client_t *cl = NULL;
        oa2_err_t err = {0};
        UNIT_REFUSED(
            oa2_cimd_parse(&cl, fixture_as(ISS, p), URL, &res, NOW, &err, p),
            err, 400, "invalid_client", "OA2-01010");
        UNIT_EQ_STR(
            err.detail,
            apr_psprintf(p, "client ID metadata document " URL ": answered %ld",
                         statuses[i]));
    }
}

static void test_document_not_json(apr_pool_t *p)
{
    DOC_REFUSED("", "OA2-01011");
    DOC_REFUSED("<html>client</html>", "OA2-01011");
    DOC_REFUSED("[\"" URL "\"]", "OA2-01011");
    DOC_REFUSED("\"" URL "\"", "OA2-01011");
    DOC_REFUSED(DOC_START, "OA2-01011");
    DOC_REFUSED(DOC " trailing", "OA2-01011");
    /* which of two client_ids would count? */
    DOC_REFUSED(DOC_START ",\"client_id\":\"" URL "\"}", "OA2-01011");
}

/* The log's detail names the URL and where the JSON broke, never what
 * the body said. */
static void test_document_detail_has_no_body(apr_pool_t *p)
{
    oa2_client_t *cl = NULL;
    oa2_err_t err = {0};

    UNIT_EQ_INT(parse(&cl, "{\"secret-ish\": nope}", &err, p), APR_EGENERAL);
    UNIT_HAS_STR(err.detail, URL);
    UNIT_ASSERT(!strstr(err.detail, "nope"));
    UNIT_ASSERT(!strstr(err.detail, "secret-ish"));
}

static void test_document_client_id(apr_pool_t *p)
{
    DOC_REFUSED("{\"redirect_uris\":[\"" CB "\"]}", "OA2-01012");
    DOC_REFUSED("{\"client_id\":null,\"redirect_uris\":[\"" CB "\"]}",
                "OA2-01012");
    DOC_REFUSED("{\"client_id\":7,\"redirect_uris\":[\"" CB "\"]}",
                "OA2-01012");
    /* simple string comparison: no normalization of any kind */
    DOC_REFUSED("{\"client_id\":\"https://client.example/other.json\","
                "\"redirect_uris\":[\"" CB "\"]}",
                "OA2-01012");
    DOC_REFUSED("{\"client_id\":\"" URL "/\",\"redirect_uris\":[\"" CB "\"]}",
                "OA2-01012");
    DOC_REFUSED("{\"client_id\":\"https://CLIENT.example/oauth/client.json\","
                "\"redirect_uris\":[\"" CB "\"]}",
                "OA2-01012");
    DOC_REFUSED("{\"client_id\":\"https://client.example:443/oauth/"
                "client.json\",\"redirect_uris\":[\"" CB "\"]}",
                "OA2-01012");
}

static void test_document_credentials(apr_pool_t *p)
{
    oa2_client_t *cl = NULL;
    oa2_err_t err = {0};

    DOC_REFUSED(DOC_START ",\"client_secret\":\"s3cret\"}", "OA2-01013");
    DOC_REFUSED(DOC_START ",\"client_secret\":null}", "OA2-01013");
    DOC_REFUSED(DOC_START ",\"client_secret_expires_at\":0}", "OA2-01013");
    DOC_REFUSED(DOC_START ",\"token_endpoint_auth_method\":"
                          "\"client_secret_basic\"}",
                "OA2-01015");
    DOC_REFUSED(DOC_START ",\"token_endpoint_auth_method\":"
                          "\"client_secret_post\"}",
                "OA2-01015");
    DOC_REFUSED(DOC_START ",\"token_endpoint_auth_method\":"
                          "\"client_secret_jwt\"}",
                "OA2-01015");
    DOC_REFUSED(DOC_START ",\"token_endpoint_auth_method\":"
                          "\"tls_client_auth\"}",
                "OA2-01015");
    DOC_REFUSED(DOC_START ",\"token_endpoint_auth_method\":[\"none\"]}",
                "OA2-01015");
    /* private_key_jwt with the document's own keys: no secret, never
     * public */
    UNIT_EQ_INT(parse(&cl,
                      DOC_START ",\"token_endpoint_auth_method\":"
                                "\"private_key_jwt\",\"jwks_uri\":"
                                "\"https://client.example/jwks\"}",
                      &err, p),
                APR_SUCCESS);
    UNIT_EQ_STR(cl->auth_method, "private_key_jwt");
    UNIT_EQ_STR(cl->secret_hash, "");
    UNIT_EQ_STR(cl->jwks_uri, "https://client.example/jwks");
    UNIT_EQ_INT(parse(&cl,
                      DOC_START
                      ",\"token_endpoint_auth_method\":"
                      "\"private_key_jwt\",\"jwks\":{\"keys\":[" EC_JWK
                      "]},\"token_endpoint_auth_signing_alg\":"
                      "\"ES256\"}",
                      &err, p),
                APR_SUCCESS);
    UNIT_EQ_STR(cl->auth_method, "private_key_jwt");
    UNIT_EQ_STR(cl->auth_signing_alg, "ES256");
    UNIT_ASSERT(cl->jwks && !cl->jwks_uri);
    /* ... but not without them, nor with both, nor an http one here */
    DOC_REFUSED(DOC_START ",\"token_endpoint_auth_method\":"
                          "\"private_key_jwt\"}",
                "OA2-01608");
    DOC_REFUSED(DOC_START ",\"token_endpoint_auth_method\":"
                          "\"private_key_jwt\",\"jwks_uri\":"
                          "\"https://client.example/jwks\",\"jwks\":{\"keys\":"
                          "[" EC_JWK "]}}",
                "OA2-01605");
    DOC_REFUSED(DOC_START ",\"token_endpoint_auth_method\":"
                          "\"private_key_jwt\",\"jwks_uri\":"
                          "\"http://client.example/jwks\"}",
                "OA2-01604");
    DOC_REFUSED(DOC_START ",\"jwks\":{\"keys\":[{\"kty\":\"EC\",\"crv\":"
                          "\"P-256\",\"x\":\"x\",\"y\":\"y\",\"d\":\"d\"}]}}",
                "OA2-01016");
    DOC_REFUSED(DOC_START ",\"jwks\":{\"keys\":[{\"kty\":\"oct\",\"k\":"
                          "\"c2VjcmV0\"}]}}",
                "OA2-01016");
}

/* What registration's readers refuse (their log ids), worded as the
 * document's rules always were; and the document's own rule on top. */
#define GRANTS_ONLY                                                            \
    "the client's metadata document's grant_types must be "                    \
    "authorization_code and refresh_token only"
#define RESPONSE_CODE_ONLY                                                     \
    "the client's metadata document's response_types must be code only"

static void test_document_grants(apr_pool_t *p)
{
    oa2_client_t *cl = NULL;
    oa2_err_t err = {0};

    DOC_REFUSED_SAYS(DOC_START ",\"grant_types\":[]}", "OA2-00743",
                     GRANTS_ONLY);
    DOC_REFUSED_SAYS(DOC_START ",\"grant_types\":\"authorization_code\"}",
                     "OA2-00743", GRANTS_ONLY);
    /* known to registration, not for a client without a secret */
    DOC_REFUSED_SAYS(DOC_START ",\"grant_types\":[\"client_credentials\"]}",
                     "OA2-01018", GRANTS_ONLY);
    DOC_REFUSED_SAYS(DOC_START ",\"grant_types\":[\"authorization_code\","
                               "\"client_credentials\"]}",
                     "OA2-01018", GRANTS_ONLY);
    DOC_REFUSED_SAYS(DOC_START ",\"grant_types\":[\"authorization_code\","
                               "\"implicit\"]}",
                     "OA2-00744", GRANTS_ONLY);
    DOC_REFUSED_SAYS(DOC_START ",\"grant_types\":[\"urn:ietf:params:oauth:"
                               "grant-type:device_code\"]}",
                     "OA2-01018", GRANTS_ONLY);
    DOC_REFUSED_SAYS(DOC_START ",\"grant_types\":[1]}", "OA2-00744",
                     GRANTS_ONLY);
    DOC_REFUSED_SAYS(DOC_START ",\"response_types\":\"code\"}", "OA2-00745",
                     RESPONSE_CODE_ONLY);
    DOC_REFUSED_SAYS(DOC_START ",\"response_types\":[\"token\"]}", "OA2-00746",
                     RESPONSE_CODE_ONLY);
    DOC_REFUSED_SAYS(DOC_START ",\"response_types\":[\"code id_token\"]}",
                     "OA2-00746", RESPONSE_CODE_ONLY);
    /* the grants are told first, as before */
    DOC_REFUSED_SAYS(DOC_START ",\"grant_types\":[\"implicit\"],"
                               "\"response_types\":[\"token\"]}",
                     "OA2-00744", GRANTS_ONLY);
    /* the reader's own words reach the log's detail */
    UNIT_EQ_INT(
        parse(&cl, DOC_START ",\"grant_types\":[\"implicit\"]}", &err, p),
        APR_EGENERAL);
    UNIT_HAS_STR(err.detail, "unsupported grant type");
    /* repeats dropped, the order kept; registration's pairing of code
     * and authorization_code is not a document's rule */
    UNIT_EQ_INT(parse(&cl,
                      DOC_START ",\"grant_types\":[\"refresh_token\","
                                "\"authorization_code\",\"refresh_token\"],"
                                "\"response_types\":[]}",
                      &err, p),
                APR_SUCCESS);
    UNIT_EQ_STR(cl->grant_types, "refresh_token authorization_code");
}

static void test_document_redirect_uris(apr_pool_t *p)
{
    static const char *const bad[] = {"javascript:alert(1)",
                                      "http://client.example/cb",
                                      "https://client.example/#x",
                                      "https://u@client.example/cb",
                                      "data:text/html,x",
                                      "cb",
                                      NULL};
    const char *const *u;

    DOC_REFUSED("{\"client_id\":\"" URL "\"}", "OA2-01021");
    DOC_REFUSED("{\"client_id\":\"" URL "\",\"redirect_uris\":[]}",
                "OA2-01021");
    DOC_REFUSED("{\"client_id\":\"" URL "\",\"redirect_uris\":\"" CB "\"}",
                "OA2-01021");
    DOC_REFUSED("{\"client_id\":\"" URL "\",\"redirect_uris\":[7]}",
                "OA2-01022");
    /* item by item: the first flaw is the one told */
    DOC_REFUSED("{\"client_id\":\"" URL "\",\"redirect_uris\":[\"" CB
                "\",7,\"javascript:x\"]}",
                "OA2-01022");
    DOC_REFUSED_SAYS("{\"client_id\":\"" URL "\",\"redirect_uris\":["
                     "\"javascript:x\",7]}",
                     "OA2-00143",
                     "the client's metadata document is not valid: this "
                     "scheme is not allowed for a redirect URI");
    for (u = bad; *u; u++) {
        oa2_client_t *cl = NULL;
        oa2_err_t err = {0};
        const char *doc = apr_psprintf(
            p,
            "{\"client_id\":\"" URL "\",\"redirect_uris\":[\"" CB "\",\"%s\"]}",
            *u);
        UNIT_EQ_INT(parse(&cl, doc, &err, p), APR_EGENERAL);
        UNIT_EQ_INT(err.status, 400);
        UNIT_EQ_STR(err.error, "invalid_client");
        UNIT_HAS_STR(err.description, "metadata document is not valid");
        UNIT_ASSERT(!strncmp(err.log_id, "OA2-00", 6));
        UNIT_DESCRIPTION_FIXED(err, *u);
    }
}

#define NAME_NOT_TEXT                                                          \
    "the client's metadata document's client_name must be a string"
#define NAME_UNFIT                                                             \
    "the client's metadata document's client_name has control or "             \
    "bidirectional formatting characters"

static void test_document_client_name(apr_pool_t *p)
{
    oa2_client_t *cl = NULL;
    oa2_err_t err = {0};
    char name[OA2_REGISTRATION_NAME_MAX + 2];

    DOC_REFUSED_SAYS(DOC_START ",\"client_name\":7}", "OA2-00751",
                     NAME_NOT_TEXT);
    DOC_REFUSED_SAYS(DOC_START ",\"client_name\":[\"App\"]}", "OA2-00751",
                     NAME_NOT_TEXT);
    /* U+202E RIGHT-TO-LEFT OVERRIDE: "elpmaxe.tneilc" read backwards */
    DOC_REFUSED_SAYS(DOC_START ",\"client_name\":\"App \\u202eelpmaxe\"}",
                     "OA2-00800", NAME_UNFIT);
    DOC_REFUSED_SAYS(DOC_START ",\"client_name\":\"App\\u2066x\\u2069\"}",
                     "OA2-00800", NAME_UNFIT);
    DOC_REFUSED_SAYS(DOC_START ",\"client_name\":\"App\\nLine\"}", "OA2-00752",
                     NAME_UNFIT);
    DOC_REFUSED_SAYS(DOC_START ",\"client_name\":\"App\\u0085\"}", "OA2-00752",
                     NAME_UNFIT);
    memset(name, 'n', OA2_REGISTRATION_NAME_MAX + 1);
    name[OA2_REGISTRATION_NAME_MAX + 1] = '\0';
    DOC_REFUSED_SAYS(
        apr_psprintf(p, DOC_START ",\"client_name\":\"%s\"}", name),
        "OA2-00753",
        "the client's metadata document's client_name is longer than 200 "
        "characters");
    name[OA2_REGISTRATION_NAME_MAX] = '\0';
    UNIT_EQ_INT(
        parse(&cl, apr_psprintf(p, DOC_START ",\"client_name\":\"%s\"}", name),
              &err, p),
        APR_SUCCESS);
    UNIT_EQ_STR(cl->name, name);
    /* any script is a name */
    UNIT_EQ_INT(parse(&cl,
                      DOC_START ",\"client_name\":\"\\u05d0\\u05e4\\u05dc"
                                "\\u05d9\\u05e7\\u05e6\\u05d9\\u05d4\"}",
                      &err, p),
                APR_SUCCESS);
}

/* The OpenID metadata registration takes, under the document's error. */
static void test_document_openid_metadata(apr_pool_t *p)
{
    oa2_client_t *cl = NULL;
    oa2_err_t err = {0};

    UNIT_EQ_INT(parse(&cl,
                      DOC_START ",\"post_logout_redirect_uris\":"
                                "[\"javascript:x\"]}",
                      &err, p),
                APR_EGENERAL);
    UNIT_EQ_STR(err.error, "invalid_client");
    UNIT_EQ_STR(err.log_id, "OA2-00905");
    UNIT_HAS_STR(err.description, "post_logout_redirect_uris");
    UNIT_EQ_INT(parse(&cl, DOC_START ",\"default_max_age\":-1}", &err, p),
                APR_EGENERAL);
    UNIT_EQ_STR(err.log_id, "OA2-00907");
    UNIT_EQ_INT(parse(&cl, DOC_START ",\"default_max_age\":600}", &err, p),
                APR_SUCCESS);
    UNIT_EQ_INT(cl->default_max_age, 600);
}

static void test_stale(apr_pool_t *p)
{
    oa2_client_t cl;

    (void)p;
    memset(&cl, 0, sizeof(cl));
    /* a registered client is never stale: no document lifetime ends, so
     * neither a fetch nor a reload past the client cache is due */
    UNIT_ASSERT(!oa2_cimd_stale(&cl, NOW));
    UNIT_ASSERT(!oa2_cimd_stale(&cl, NOW + 100000));
    cl.document_expires_at = NOW - 1;
    UNIT_ASSERT(!oa2_cimd_stale(&cl, NOW));
    cl.document_fetched_at = NOW - 10;
    cl.document_expires_at = NOW + 50;
    UNIT_ASSERT(!oa2_cimd_stale(&cl, NOW - 10));
    UNIT_ASSERT(!oa2_cimd_stale(&cl, NOW));
    UNIT_ASSERT(!oa2_cimd_stale(&cl, NOW + 49));
    UNIT_ASSERT(oa2_cimd_stale(&cl, NOW + 50));
    UNIT_ASSERT(oa2_cimd_stale(&cl, NOW + 100000));
}

/* ---- the stored form and the rows ----------------------------------------- */

/* The mark is stored, read back, and never sent in a registration
 * response. */
static void test_meta_round_trip(apr_pool_t *p)
{
    oa2_client_t *cl = NULL, back;
    json_t *r = oa2_cleanup_json(json_object(), p);
    const char *text;

    UNIT_EQ_INT(parse(&cl, DOC, NULL, p), APR_SUCCESS);
    text = oa2_client_meta_encode(cl, p);
    UNIT_HAS_STR(text, "client_id_metadata_document");
    memset(&back, 0, sizeof(back));
    oa2_client_meta_decode(&back, text, p);
    UNIT_EQ_INT(back.document_fetched_at, NOW);
    UNIT_EQ_INT(back.document_expires_at, NOW + OA2_CIMD_TTL_DEFAULT);
    oa2_client_meta_decode(&back, "", p);
    UNIT_EQ_INT(back.document_fetched_at, 0);
    oa2_client_meta_respond(r, cl, NULL);
    UNIT_ASSERT(!json_object_get(r, "client_id_metadata_document"));
}

static void test_store_put_document(apr_pool_t *p)
{
    oa2_store_t *st = fixture_store(ISS, p);
    oa2_client_t *cl = NULL, *got = NULL;
    oa2_fetch_result_t res =
        response(DOC_START ",\"client_name\":\"Later\",\"grant_types\":"
                           "[\"authorization_code\",\"refresh_token\"]}",
                 200, 120);

    UNIT_ASSERT(st);
    UNIT_EQ_INT(parse(&cl, DOC, NULL, p), APR_SUCCESS);
    UNIT_EQ_INT(oa2_store_client_put_document(st, cl, NULL, p), APR_SUCCESS);
    UNIT_EQ_INT(oa2_store_client_get(&got, st, URL, NULL, p), APR_SUCCESS);
    UNIT_EQ_STR(got->name, "client.example");
    UNIT_EQ_STR(got->auth_method, "none");
    UNIT_EQ_STR(got->secret_hash, "");
    UNIT_EQ_INT(got->created_at, NOW);
    UNIT_EQ_INT(got->document_fetched_at, NOW);
    /* read again later: replaced, its created_at (and so the tokens
     * issued since) kept */
    UNIT_EQ_INT(
        oa2_cimd_parse(&cl, fixture_as(ISS, p), URL, &res, NOW + 5000, NULL, p),
        APR_SUCCESS);
    UNIT_EQ_INT(oa2_store_client_put_document(st, cl, NULL, p), APR_SUCCESS);
    UNIT_EQ_INT(oa2_store_client_get(&got, st, URL, NULL, p), APR_SUCCESS);
    UNIT_EQ_STR(got->name, "Later");
    UNIT_EQ_STR(got->grant_types, "authorization_code refresh_token");
    UNIT_EQ_INT(got->created_at, NOW);
    UNIT_EQ_INT(got->document_fetched_at, NOW + 5000);
    UNIT_EQ_INT(got->document_expires_at, NOW + 5120);
}

/* A client the admin (or registration) made under a URL is theirs. */
static void test_store_never_replaces_registered(apr_pool_t *p)
{
    oa2_store_t *st = fixture_store(ISS, p);
    oa2_client_t *cl = NULL, *got = NULL;
    oa2_client_t *admin =
        fixture_client(st, URL, "admin-secret", "authorization_code", CB, p);

    UNIT_ASSERT(st && admin);
    UNIT_EQ_INT(parse(&cl, DOC, NULL, p), APR_SUCCESS);
    UNIT_EQ_INT(oa2_store_client_put_document(st, cl, NULL, p), APR_EEXIST);
    UNIT_EQ_INT(oa2_store_client_get(&got, st, URL, NULL, p), APR_SUCCESS);
    UNIT_EQ_STR(got->name, admin->name);
    UNIT_EQ_STR(got->secret_hash, admin->secret_hash);
    UNIT_EQ_STR(got->auth_method, "client_secret_basic");
    UNIT_EQ_INT(got->document_fetched_at, 0);
}

/* With a client cache, what put_document stores (or finds there) is what
 * the next read returns: the record read before leaves the cache. */
static void test_store_put_document_cached(apr_pool_t *p)
{
    static const unsigned char seal[32] = "0123456789abcdef0123456789abcde";
    oa2_store_t *st = fixture_store(ISS, p);
    fixture_cache_t *fc = NULL;
    oa2_record_cache_t *cache = fixture_cache(&fc, p);
    oa2_client_t *cl = NULL, *got = NULL;
    oa2_fetch_result_t res =
        response(DOC_START ",\"client_name\":\"Later\"}", 200, 120);
    const char *admin_url = "https://client.example/admin.json";

    UNIT_ASSERT(st);
    cache->ttl = 60;
    cache->seal = seal;
    st->client_cache = cache;
    UNIT_EQ_INT(parse(&cl, DOC, NULL, p), APR_SUCCESS);
    UNIT_EQ_INT(oa2_store_client_put_document(st, cl, NULL, p), APR_SUCCESS);
    UNIT_EQ_INT(oa2_store_client_get(&got, st, URL, NULL, p), APR_SUCCESS);
    UNIT_EQ_INT(oa2_store_client_get(&got, st, URL, NULL, p), APR_SUCCESS);
    UNIT_ASSERT(got->from_cache);
    UNIT_EQ_STR(got->name, "client.example");
    /* read again later: the next read is the new row, from the database */
    UNIT_EQ_INT(
        oa2_cimd_parse(&cl, fixture_as(ISS, p), URL, &res, NOW + 5000, NULL, p),
        APR_SUCCESS);
    UNIT_EQ_INT(oa2_store_client_put_document(st, cl, NULL, p), APR_SUCCESS);
    UNIT_EQ_INT(oa2_store_client_get(&got, st, URL, NULL, p), APR_SUCCESS);
    UNIT_ASSERT(!got->from_cache);
    UNIT_EQ_STR(got->name, "Later");
    UNIT_EQ_INT(got->document_fetched_at, NOW + 5000);
    /* a document for a client registered otherwise: not stored, and its
     * cached record is left to the database */
    UNIT_EQ_INT(oa2_store_client_get(&got, st, URL, NULL, p), APR_SUCCESS);
    UNIT_ASSERT(got->from_cache);
    UNIT_ASSERT(fixture_client(st, admin_url, "admin-secret",
                               "authorization_code", CB, p)
                != NULL);
    UNIT_EQ_INT(oa2_store_client_get(&got, st, admin_url, NULL, p),
                APR_SUCCESS);
    cl->client_id = admin_url;
    UNIT_EQ_INT(oa2_store_client_put_document(st, cl, NULL, p), APR_EEXIST);
    UNIT_EQ_INT(oa2_store_client_get(&got, st, admin_url, NULL, p),
                APR_SUCCESS);
    UNIT_ASSERT(!got->from_cache);
    UNIT_EQ_STR(got->auth_method, "client_secret_basic");
    UNIT_EQ_INT(got->document_fetched_at, 0);
    /* without a cache nothing is removed, and nothing fails */
    st->client_cache = NULL;
    UNIT_EQ_INT(oa2_store_client_put_document(st, cl, NULL, p), APR_EEXIST);
}

/* Two requests storing the same new client at once: the second INSERT
 * changes nothing and fails nothing; an UPDATE over a row changed since
 * it was read changes nothing either. put_document() answers APR_EEXIST
 * for both: the row there is another's, and is what the next read finds. */
static void test_store_races(apr_pool_t *p)
{
    oa2_store_t *st = fixture_store(ISS, p);
    oa2_client_t *cl = NULL, *got = NULL;
    const char *args[] = {ISS, URL,    "",  "Racer", "[]", "authorization_code",
                          "",  "none", "1", ""};
    const char *update[] = {
        "", "Late", "[]", "authorization_code",   "", "none",
        "", ISS,    URL,  "{\"not\":\"as read\"}"};
    int n = -1;

    UNIT_ASSERT(st);
    UNIT_EQ_INT(parse(&cl, DOC, NULL, p), APR_SUCCESS);
    UNIT_EQ_INT(oa2_store_client_put_document(st, cl, NULL, p), APR_SUCCESS);
    UNIT_EQ_INT(oa2_store_dbd_insert_new(&n, st, OA2_SQL_CLIENT_INSERT_DOCUMENT,
                                         10, args, NULL, p),
                APR_SUCCESS);
    UNIT_EQ_INT(n, 0);
    UNIT_EQ_INT(oa2_store_dbd_run(&n, st, OA2_SQL_CLIENT_UPDATE_DOCUMENT, 10,
                                  update, NULL, p),
                APR_SUCCESS);
    UNIT_EQ_INT(n, 0);
    UNIT_EQ_INT(oa2_store_client_get(&got, st, URL, NULL, p), APR_SUCCESS);
    UNIT_EQ_STR(got->name, "client.example");
}

void unit_suite_cimd(void)
{
    unit_suite("cimd");
    UNIT_RUN(test_is_url);
    UNIT_RUN(test_reach);
    UNIT_RUN(test_url_good);
    UNIT_RUN(test_url_length);
    UNIT_RUN(test_url_bad);
    UNIT_RUN(test_url_addresses);
    UNIT_RUN(test_url_in_detail);
    UNIT_RUN(test_host);
    UNIT_RUN(test_document_full);
    UNIT_RUN(test_document_minimal);
    UNIT_RUN(test_document_lifetime);
    UNIT_RUN(test_document_not_found);
    UNIT_RUN(test_document_not_json);
    UNIT_RUN(test_document_detail_has_no_body);
    UNIT_RUN(test_document_client_id);
    UNIT_RUN(test_document_credentials);
    UNIT_RUN(test_document_grants);
    UNIT_RUN(test_document_redirect_uris);
    UNIT_RUN(test_document_client_name);
    UNIT_RUN(test_document_openid_metadata);
    UNIT_RUN(test_stale);
    UNIT_RUN(test_meta_round_trip);
    UNIT_RUN(test_store_put_document);
    UNIT_RUN(test_store_never_replaces_registered);
    UNIT_RUN(test_store_put_document_cached);
    UNIT_RUN(test_store_races);
}
