/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/*
 * Client authentication at the token endpoint: the Basic credentials of
 * oa2_clientauth_authenticate() and the client_id/client_secret of the form;
 * and oa2_clientauth_token_request(), which adds the token parameter.
 * Input: the Authorization header value, a newline (or NUL), the form body.
 *
 * Well-formed credentials go on to a store lookup, so this target needs a
 * store: SQLite in memory, opened once, as the unit tests use it (no
 * database server). It holds a confidential client of each secret method, a
 * public one, and one whose id and secret need the form-encoding of
 * RFC 6749 §2.3.1.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <apr_strings.h>

#include "oa2_clientauth.h"
#include "oa2_secret.h"
#include "support.h"

#define ISSUER "https://as.example.test"

static oa2_store_t *store;

static void add_client(const char *id, const char *secret, const char *method)
{
    apr_pool_t *p = fuzz_global_pool();
    oa2_client_t *c = apr_pcalloc(p, sizeof(*c));
    oa2_err_t err = {0};

    c->client_id = id;
    c->secret_hash = secret ? oa2_secret_hash(secret, p) : "";
    c->name = id;
    c->redirect_uris = apr_array_make(p, 1, sizeof(const char *));
    c->grant_types = "authorization_code";
    c->scope = "";
    c->auth_method = method;
    c->created_at = 1700000000;
    if (oa2_store_client_add(store, c, &err, p) != APR_SUCCESS) {
        fuzz_fail(__FILE__, __LINE__, "cannot add client %s: %s", id,
                  err.description ? err.description : "?");
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fuzz_init();
    store = fuzz_memory_store(ISSUER);
    add_client("app", "s3cret", OA2_AUTH_BASIC);
    add_client("post", "s3cret", OA2_AUTH_POST);
    add_client("pub", NULL, OA2_AUTH_NONE);
    add_client("a b+c&d%e:f", "p@ss:w%rd&x=y", OA2_AUTH_BASIC);
    return 0;
}

/* The request of @a form and @a header alone. */
static const oa2_backchannel_t *backchannel(const oa2_form_t *form,
                                            const char *header, apr_pool_t *p)
{
    oa2_backchannel_t *in = apr_pcalloc(p, sizeof(*in));

    in->form = form;
    in->authorization = header;
    return in;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    oa2_client_t *client = NULL;
    oa2_form_t *form;
    oa2_err_t err = {0}, terr = {0};
    const char *token = NULL, *secret = NULL;
    char *header, *body;
    apr_status_t rv, trv;

    fuzz_split(&header, &body, data, size, p);
    if (oa2_form_parse(&form, body, strlen(body), &err, p) != APR_SUCCESS) {
        apr_pool_destroy(p);
        return 0;
    }
    rv = oa2_clientauth_authenticate(
        &client, store, backchannel(form, *header ? header : NULL, p), 1, &err,
        p);
    if (rv == APR_SUCCESS) {
        FUZZ_CHECK(client && client->client_id);
        /* Only by the registered method: a Basic header for a basic
         * client, a body secret for a post one, neither for a public. */
        if (*header && !strncasecmp(header, "Basic ", 6)) {
            FUZZ_CHECK(!strcmp(client->auth_method, OA2_AUTH_BASIC));
        }
        else if (oa2_form_single(&secret, form, "client_secret", 0, NULL, p)
                     == APR_SUCCESS
                 && secret) {
            /* (the form's own lookup: apr_table_get ignores case) */
            FUZZ_CHECK(!strcmp(client->auth_method, OA2_AUTH_POST));
        }
        else {
            FUZZ_CHECK(!strcmp(client->auth_method, OA2_AUTH_NONE));
        }
        if (oa2_clientauth_is_public(client)) {
            /* ... and never where public clients are not allowed. */
            oa2_err_t again = {0};
            FUZZ_CHECK(oa2_clientauth_authenticate(
                           &client, store,
                           backchannel(form, *header ? header : NULL, p), 0,
                           &again, p)
                           != APR_SUCCESS
                       && again.status == 401);
        }
    }
    else {
        FUZZ_CHECK(err.status == 400 || err.status == 401);
        FUZZ_CHECK(err.error && err.log_id);
    }
    /* The front of introspection and revocation: the same, then token. */
    trv = oa2_clientauth_token_request(
        &token, &client, store, backchannel(form, *header ? header : NULL, p),
        1, &terr, p);
    FUZZ_CHECK(trv != APR_SUCCESS || (rv == APR_SUCCESS && token && *token));
    FUZZ_CHECK(rv == APR_SUCCESS || trv != APR_SUCCESS);
    apr_pool_destroy(p);
    return 0;
}
