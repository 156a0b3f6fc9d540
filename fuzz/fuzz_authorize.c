/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/*
 * The authorization request: oa2_authorize_parse() of a query as the
 * browser sends it (the front channel, where anyone writes the input).
 * Input: the query (or consent form body), form-encoded.
 *
 * What must hold, beside no crash, leak or undefined behaviour:
 * - a request taken is whole: a registered client and redirect URI, an
 *   S256 challenge, a scope, and a dpop_jkt (if any) of a thumbprint's
 *   shape;
 * - it survives oa2_authorize_encode() and a second parse unchanged, as a
 *   pushed request is stored and read back (RFC 9126);
 * - its consent form's CSRF token checks for the same user and request,
 *   and not for another user;
 * - a refusal says which error, with a log id, and one that may be
 *   redirected names the client and a redirect URI registered for it
 *   (never an unverified one).
 *
 * The store is SQLite in memory, as the unit tests use it, with a
 * confidential client, a public one with a loopback redirect URI (any
 * port), and one without the code grant.
 */
#include <string.h>

#include <apr_strings.h>

#include "oa2_authorize.h"
#include "oa2_csrf.h"
#include "oa2_dpop.h"
#include "oa2_pkce.h"
#include "oa2_redirect.h"
#include "store_fixture.h"
#include "support.h"

#define ISSUER "https://as.example.test"
#define NOW 1800000000

static oa2_store_t *store;
static oa2_as_t *as;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    apr_pool_t *p;

    fuzz_init();
    p = fuzz_global_pool();
    store = fuzz_memory_store(ISSUER);
    as = fixture_as_keyed(ISSUER, fuzz_data_path("ec256.pem"), p);
    if (!as) {
        fuzz_fail(__FILE__, __LINE__, "cannot load %s",
                  fuzz_data_path("ec256.pem"));
    }
    as->openid = 1;
    oa2_as_add_openid_scopes(as, p);
    if (!fixture_client(store, "c1", "s1", "authorization_code refresh_token",
                        "https://app.example/cb", p)
        || !fixture_client(store, "pub", NULL, "authorization_code",
                           "http://127.0.0.1/cb", p)
        || !fixture_client(store, "svc", "s2", "client_credentials",
                           "https://svc.example/cb", p)) {
        fuzz_fail(__FILE__, __LINE__, "cannot add the clients");
    }
    return 0;
}

/* Equal strings, NULL equal only to NULL. */
static int same(const char *a, const char *b)
{
    return a == b || (a && b && !strcmp(a, b));
}

/* @a uri matches a redirect URI registered for @a client. */
static int registered(const oa2_client_t *client, const char *uri,
                      apr_pool_t *p)
{
    int i;

    for (i = 0; client->redirect_uris && i < client->redirect_uris->nelts;
         i++) {
        if (oa2_redirect_matches(
                APR_ARRAY_IDX(client->redirect_uris, i, const char *), uri,
                p)) {
            return 1;
        }
    }
    return 0;
}

static void check_taken(const oa2_authz_request_t *req, apr_pool_t *p)
{
    oa2_authz_request_t *back = NULL;
    oa2_form_t *form = NULL;
    oa2_err_t err = {0};
    const char *text, *csrf;
    int redirectable = 0;

    FUZZ_CHECK(req->client && req->client->client_id);
    FUZZ_CHECK(req->redirect_uri
               && registered(req->client, req->redirect_uri, p));
    FUZZ_CHECK(oa2_pkce_challenge_valid(req->code_challenge));
    FUZZ_CHECK(req->scope && req->resource);
    FUZZ_CHECK(!req->dpop_jkt || oa2_dpop_jkt_valid(req->dpop_jkt));

    /* stored and read back, as a pushed request is */
    text = oa2_authorize_encode(req, p);
    FUZZ_CHECK(text);
    FUZZ_CHECK(oa2_form_parse(&form, text, strlen(text), NULL, p)
               == APR_SUCCESS);
    FUZZ_CHECK(
        oa2_authorize_parse(&back, &redirectable, as, store, form, &err, p)
        == APR_SUCCESS);
    FUZZ_CHECK(!strcmp(back->client->client_id, req->client->client_id));
    FUZZ_CHECK(same(back->redirect_uri, req->redirect_uri));
    FUZZ_CHECK(same(back->scope, req->scope));
    FUZZ_CHECK(same(back->state, req->state));
    FUZZ_CHECK(same(back->code_challenge, req->code_challenge));
    FUZZ_CHECK(same(back->resource, req->resource));
    FUZZ_CHECK(same(back->prompt, req->prompt));
    FUZZ_CHECK(same(back->nonce, req->nonce));
    FUZZ_CHECK(same(back->dpop_jkt, req->dpop_jkt));
    FUZZ_CHECK(back->max_age == req->max_age);

    /* the consent form's token binds user and request */
    csrf = oa2_csrf_make(as, "alice", req, NOW, p);
    FUZZ_CHECK(csrf);
    FUZZ_CHECK(oa2_csrf_check(as, csrf, "alice", back, NOW, &err, p)
               == APR_SUCCESS);
    FUZZ_CHECK(oa2_csrf_check(as, csrf, "mallory", back, NOW, &err, p)
               != APR_SUCCESS);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    oa2_authz_request_t *req = NULL;
    oa2_form_t *form = NULL;
    oa2_err_t err = {0};
    char *query = fuzz_cstring(data, size, p);
    int redirectable = 0;

    if (oa2_form_parse(&form, query, strlen(query), NULL, p) != APR_SUCCESS) {
        apr_pool_destroy(p);
        return 0;
    }
    if (oa2_authorize_parse(&req, &redirectable, as, store, form, &err, p)
        == APR_SUCCESS) {
        check_taken(req, p);
    }
    else {
        FUZZ_CHECK(err.error && err.log_id && err.status >= 400);
        if (redirectable) {
            /* the error goes to the client: only to a URI it registered */
            FUZZ_CHECK(req && req->client && req->redirect_uri);
            FUZZ_CHECK(registered(req->client, req->redirect_uri, p));
            FUZZ_CHECK(oa2_authorize_error_location(as, req, &err, p));
        }
    }
    apr_pool_destroy(p);
    return 0;
}
