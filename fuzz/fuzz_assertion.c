/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/*
 * private_key_jwt: a token request's form body with a client assertion,
 * authenticated by oa2_clientauth_authenticate() (oa2_assertion.c), and
 * the JWK Set a client's jwks_uri serves (oa2_client_jwks.c).
 * Input: the form body, a newline (or NUL), the document the jwks_uri
 * answers with.
 *
 * The store is SQLite in memory, opened once, with "pk" (private_key_jwt,
 * jwks: the public key of t/unit/data/ec256.pem, kid "ec1"), "uri"
 * (private_key_jwt, a jwks_uri) and "b" (client_secret_basic). The time
 * is fixed, so that seeds signed with ec256.pem for it stay valid; there
 * is no shared cache, so every assertion of "uri" reads the document.
 * Accepted: only a private_key_jwt client, only by an assertion and
 * nothing else. Refused: 400 or 401 with a fixed description, and a log
 * detail that never carries the assertion.
 */
#include <string.h>
#include <strings.h>

#include <apr_strings.h>

#include "oa2_assertion.h"
#include "oa2_keys.h"
#include "oa2_secret.h"
#include "support.h"

#define ISSUER "https://as.example.test"
#define JWKS_URI "https://keys.client.example/jwks.json"
#define NOW 1800000000

static oa2_store_t *store;
static oa2_assertion_env_t env;

/* What the jwks_uri answers: the input's second part. */
static const char *served;

static apr_status_t serve(oa2_fetch_result_t *res, const char *url,
                          const oa2_fetch_opts_t *opts, oa2_err_t *err,
                          apr_pool_t *p)
{
    FUZZ_CHECK(!strcmp(url, JWKS_URI));
    FUZZ_CHECK(opts->reach == OA2_FETCH_REACH_PUBLIC
               && opts->max_size == OA2_CLIENT_JWKS_FETCH_MAX);
    res->status = 200;
    res->body = served;
    res->len = strlen(served);
    res->max_age = -1;
    return APR_SUCCESS;
}

static void add_client(const char *id, const char *method, const char *jwks,
                       const char *jwks_uri)
{
    apr_pool_t *p = fuzz_global_pool();
    oa2_client_t *c = apr_pcalloc(p, sizeof(*c));
    oa2_err_t err = {0};

    c->client_id = id;
    c->secret_hash =
        strcmp(method, "private_key_jwt") ? oa2_secret_hash("s3cret", p) : "";
    c->name = id;
    c->redirect_uris = apr_array_make(p, 1, sizeof(const char *));
    c->grant_types = "client_credentials";
    c->scope = "";
    c->auth_method = method;
    c->created_at = 1700000000;
    c->jwks = jwks;
    c->jwks_uri = jwks_uri;
    if (oa2_store_client_add(store, c, &err, p) != APR_SUCCESS) {
        fuzz_fail(__FILE__, __LINE__, "cannot add client %s: %s", id,
                  err.description ? err.description : "?");
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    apr_pool_t *p;
    oa2_key_t *key;
    oa2_keyset_t *set;
    oa2_err_t err = {0};

    fuzz_init();
    p = fuzz_global_pool();
    store = fuzz_memory_store(ISSUER);
    if (oa2_keys_load_private_pem(&key, fuzz_data_path("ec256.pem"), "ec1",
                                  &err, p)
        != APR_SUCCESS) {
        fuzz_fail(__FILE__, __LINE__, "cannot load %s",
                  fuzz_data_path("ec256.pem"));
    }
    set = oa2_keys_set_make(p);
    oa2_keys_set_add(set, key);
    add_client("pk", "private_key_jwt", oa2_keys_jwks_json(set, p), NULL);
    add_client("uri", "private_key_jwt", NULL, JWKS_URI);
    add_client("b", "client_secret_basic", NULL, NULL);
    env.token_endpoint = ISSUER "/oauth2/token";
    env.now = NOW;
    env.keys.fetch = serve;
    return 0;
}

static void check_refusal(const oa2_err_t *err, const char *assertion)
{
    int i;

    FUZZ_CHECK(err->status == 400 || err->status == 401);
    FUZZ_CHECK(err->error && err->log_id && err->description);
    FUZZ_CHECK(err->status == 400 || !strcmp(err->error, "invalid_client"));
    for (i = 0; err->description[i]; i++) {
        FUZZ_CHECK(err->description[i] >= 0x20 && err->description[i] <= 0x7e
                   && err->description[i] != '"'
                   && err->description[i] != '\\');
    }
    /* the admin's log: never the assertion itself */
    FUZZ_CHECK(!assertion || strlen(assertion) < 16 || !err->detail
               || !strstr(err->detail, assertion));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    oa2_backchannel_t in;
    oa2_client_t *client = NULL;
    oa2_form_t *form;
    oa2_err_t err = {0};
    const char *assertion, *secret;
    char *body, *doc;
    apr_status_t rv;

    fuzz_split(&body, &doc, data, size, p);
    if (oa2_form_parse(&form, body, strlen(body), &err, p) != APR_SUCCESS) {
        apr_pool_destroy(p);
        return 0;
    }
    served = doc;
    memset(&in, 0, sizeof(in));
    in.form = form;
    in.method = "POST";
    in.endpoint = env.token_endpoint;
    in.assertion = &env;
    oa2_form_single(&assertion, form, "client_assertion", 0, NULL, p);
    rv = oa2_clientauth_authenticate(&client, store, &in, 1, &err, p);
    if (rv == APR_SUCCESS) {
        FUZZ_CHECK(client && client->client_id);
        if (oa2_assertion_present(form)) {
            /* by an assertion: a private_key_jwt client, and only so */
            FUZZ_CHECK(!strcmp(client->auth_method, "private_key_jwt"));
            FUZZ_CHECK(!strcmp(client->client_id, "pk")
                       || !strcmp(client->client_id, "uri"));
            FUZZ_CHECK(
                oa2_form_single(&secret, form, "client_secret", 0, NULL, p)
                    == APR_SUCCESS
                && !secret);
        }
        else {
            /* never a private_key_jwt client without one */
            FUZZ_CHECK(strcmp(client->auth_method, "private_key_jwt"));
        }
    }
    else {
        check_refusal(&err, assertion);
    }
    apr_pool_destroy(p);
    return 0;
}
