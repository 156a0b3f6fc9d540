/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/*
 * What other issuers send the resource server: the input's first line is
 * a metadata URL (or a fixed one when it is not a plain one), the rest a
 * document. It is read as that URL's metadata by oa2_remote_parse(), as a
 * JWK set, and as an introspection answer by
 * oa2_remote_introspection_verdict(). Accepted metadata names an issuer
 * of the URL's origin and an https (or loopback http) jwks_uri; an
 * accepted JWK set holds a usable key and compact text that reads back
 * the same; an accepted introspection answer is active and gives a
 * printable user. Refusals are 503s (not an answer) or 401s (no pass).
 */
#include <string.h>

#include <apr_strings.h>

#include "oa2_remote.h"
#include "oa2_remote_introspection.h"
#include "oa2_well_known.h"
#include "support.h"

#define NOW 1800000000
#define FIXED_URL "https://idp.example/.well-known/openid-configuration"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_init();
    return 0;
}

static void metadata(const char *url, const char *body, apr_pool_t *p)
{
    const char *issuer = oa2_well_known_issuer(url, p);
    oa2_remote_doc_t *doc = NULL;
    oa2_err_t err = {0};

    if (oa2_remote_parse(&doc, OA2_REMOTE_METADATA, url, body, strlen(body),
                         &err, p)
        != APR_SUCCESS) {
        FUZZ_CHECK(err.status == 503 && err.log_id && err.description);
        return;
    }
    FUZZ_CHECK(doc->metadata && doc->metadata->issuer && doc->metadata->jwks_uri
               && doc->text);
    if (issuer) {
        /* the issuer its URL implies, or that with a terminating '/' */
        FUZZ_CHECK(!strncmp(doc->metadata->issuer, issuer, strlen(issuer)));
    }
    FUZZ_CHECK(oa2_fetch_check_url(doc->metadata->jwks_uri,
                                   OA2_FETCH_REACH_ADMIN, &err, p)
               == APR_SUCCESS);
}

static void jwks(const char *body, apr_pool_t *p)
{
    oa2_remote_doc_t *doc = NULL, *again = NULL;
    oa2_err_t err = {0};

    if (oa2_remote_parse(&doc, OA2_REMOTE_JWKS, FIXED_URL, body, strlen(body),
                         &err, p)
        != APR_SUCCESS) {
        FUZZ_CHECK(err.status == 503 && err.log_id);
        return;
    }
    FUZZ_CHECK(doc->keys && doc->keys->keys->nelts > 0 && doc->text);
    /* what the shared cache holds reads back as the same set */
    FUZZ_CHECK(oa2_remote_parse(&again, OA2_REMOTE_JWKS, FIXED_URL, doc->text,
                                strlen(doc->text), &err, p)
               == APR_SUCCESS);
    FUZZ_CHECK(!strcmp(again->keys->id, doc->keys->id));
}

static void introspection(const char *body, apr_pool_t *p)
{
    static const oa2_access_token_policy_t policy = {NULL, "https://idp.example",
                                              "https://api.example"};
    oa2_fetch_result_t res;
    oa2_access_token_t *tok = NULL;
    oa2_err_t err = {0};

    memset(&res, 0, sizeof(res));
    res.status = 200;
    res.body = body;
    res.len = strlen(body);
    if (oa2_remote_introspection_verdict(&tok, &res, "opaque", &policy, NOW,
                                         &err, p)
        != APR_SUCCESS) {
        FUZZ_CHECK((err.status == 503 || err.status == 401) && err.log_id);
        return;
    }
    FUZZ_CHECK(tok->introspected && tok->sub && *tok->sub
               && oa2_access_token_printable(tok->sub));
    FUZZ_CHECK(tok->client_id && tok->scope && tok->jti && *tok->jti);
    FUZZ_CHECK(tok->exp < 0 || tok->exp + OA2_ACCESS_TOKEN_LEEWAY > NOW);
    FUZZ_CHECK(tok->payload && tok->payload_len == strlen(tok->payload));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    oa2_err_t err;
    char *url, *body;

    fuzz_split(&url, &body, data, size, p);
    if (oa2_fetch_check_url(url, OA2_FETCH_REACH_ADMIN, &err, p)
        != APR_SUCCESS) {
        url = FIXED_URL;
    }
    metadata(url, body, p);
    jwks(body, p);
    introspection(body, p);
    apr_pool_destroy(p);
    return 0;
}
