/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/*
 * Client ID metadata documents: the input's first line is a client_id
 * URL, checked by oa2_cimd_check_url() for an https issuer and for a
 * loopback http one; the rest is a document as fetched from that URL
 * (or from a fixed one when the line is not a valid URL), read by
 * oa2_cimd_parse() against the unit tests' AS. An accepted URL must be
 * short, ASCII and have a host; an accepted document must make a client
 * without a secret (public, or private_key_jwt with its keys) of that very
 * URL whose redirect URIs are registrable, whose name
 * is fit for the consent page and whose lifetime is within its bounds;
 * a refusal's description stays within RFC 6749 §5.2's characters, and
 * its detail names the document, cut and printable, whatever was sent.
 */
#include <string.h>

#include <apr_strings.h>

#include "oa2_cimd.h"
#include "oa2_client_meta.h"
#include "oa2_redirect.h"
#include "oa2_text.h"
#include "store_fixture.h"
#include "support.h"

#define NOW 1800000000
#define FIXED_URL "https://client.example/oauth/client.json"

static oa2_as_t *as;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fuzz_init();
    as = fixture_as_keyed("https://as.example.test",
                          fuzz_data_path("ec256.pem"), fuzz_global_pool());
    if (!as) {
        fuzz_fail(__FILE__, __LINE__, "no AS fixture: cannot load %s",
                  fuzz_data_path("ec256.pem"));
    }
    return 0;
}

static void check_description(const oa2_err_t *err)
{
    int i;

    FUZZ_CHECK(err->status == 400 && err->log_id && err->description);
    for (i = 0; err->description[i]; i++) {
        FUZZ_CHECK(err->description[i] >= 0x20 && err->description[i] <= 0x7e
                   && err->description[i] != '"'
                   && err->description[i] != '\\');
    }
}

/* The log's detail of a refusal: "client ID metadata document " and at
 * most 160 characters of the URL (then "..."), no control characters. */
static void check_detail(const oa2_err_t *err)
{
    static const char prefix[] = "client ID metadata document ";

    FUZZ_CHECK(err->detail
               && !strncmp(err->detail, prefix, sizeof(prefix) - 1));
    FUZZ_CHECK(oa2_text_check(err->detail) == OA2_TEXT_OK);
}

/* Check @a url under @a reach; nonzero when accepted. */
static int url_ok(const char *url, oa2_fetch_reach_t reach, apr_pool_t *p)
{
    oa2_err_t err = {0};
    const char *c;

    if (oa2_cimd_check_url(url, reach, &err, p) != APR_SUCCESS) {
        check_description(&err);
        check_detail(&err);
        FUZZ_CHECK(!strcmp(err.error, "invalid_request"));
        return 0;
    }
    FUZZ_CHECK(strlen(url) <= OA2_CLIENT_ID_MAX);
    FUZZ_CHECK(!strncmp(url, "https://", 8) || !strncmp(url, "http://", 7));
    FUZZ_CHECK(!strchr(url, '#') && *oa2_cimd_host(url, p));
    for (c = url; *c; c++) {
        FUZZ_CHECK(*c > 0x20 && *c < 0x7f);
    }
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    oa2_fetch_result_t res;
    oa2_client_t *cl = NULL;
    oa2_err_t err = {0};
    char *url, *body;
    int https_ok, loopback_ok, i;

    fuzz_split(&url, &body, data, size, p);
    https_ok = url_ok(url, OA2_FETCH_REACH_PUBLIC, p);
    loopback_ok = url_ok(url, OA2_FETCH_REACH_PUBLIC_OR_LOOPBACK, p);
    /* what an https issuer fetches, a loopback issuer fetches too */
    FUZZ_CHECK(!https_ok || loopback_ok);
    memset(&res, 0, sizeof(res));
    res.status = 200;
    res.body = body;
    res.len = strlen(body);
    res.max_age = (long)(size % 200000) - 1;
    if (!loopback_ok) {
        url = FIXED_URL;
    }
    if (oa2_cimd_parse(&cl, as, url, &res, NOW, &err, p) != APR_SUCCESS) {
        check_description(&err);
        check_detail(&err);
        FUZZ_CHECK(!strcmp(err.error, "invalid_client"));
        apr_pool_destroy(p);
        return 0;
    }
    FUZZ_CHECK(!strcmp(cl->client_id, url));
    FUZZ_CHECK(!*cl->secret_hash);
    FUZZ_CHECK(!strcmp(cl->auth_method, "none")
               || (!strcmp(cl->auth_method, "private_key_jwt")
                   && oa2_client_meta_has_keys(cl)));
    FUZZ_CHECK(!(cl->jwks && cl->jwks_uri));
    FUZZ_CHECK(!cl->jwks || strlen(cl->jwks) <= OA2_CLIENT_JWKS_MAX_BYTES);
    FUZZ_CHECK(cl->name && *cl->name
               && oa2_text_check(cl->name) == OA2_TEXT_OK);
    FUZZ_CHECK(!strcmp(cl->grant_types, "authorization_code")
               || !strcmp(cl->grant_types, "refresh_token")
               || !strcmp(cl->grant_types, "authorization_code refresh_token")
               || !strcmp(cl->grant_types, "refresh_token authorization_code"));
    FUZZ_CHECK(cl->redirect_uris && cl->redirect_uris->nelts > 0);
    for (i = 0; i < cl->redirect_uris->nelts; i++) {
        FUZZ_CHECK(
            oa2_redirect_check(
                APR_ARRAY_IDX(cl->redirect_uris, i, const char *), NULL, p)
            == APR_SUCCESS);
    }
    FUZZ_CHECK(cl->document_fetched_at == NOW);
    FUZZ_CHECK(cl->document_expires_at >= NOW + OA2_CIMD_TTL_MIN
               && cl->document_expires_at <= NOW + OA2_CIMD_TTL_MAX);
    apr_pool_destroy(p);
    return 0;
}
