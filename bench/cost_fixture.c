/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/* The set-up of the in-process cost benches (see cost_fixture.h). */
#include <stdio.h>
#include <stdlib.h>

#include <apr_dbd.h>
#include <apr_strings.h>
#include <apr_time.h>

#include "cost_fixture.h"
#include <string.h>

#include <openssl/bn.h>
#include <openssl/ec.h>

#include "oa2_b64.h"
#include "oa2_keys.h"
#include "oa2_secret.h"

const char *cost_program = "bench";

void cost_die(const char *what, const oa2_err_t *err)
{
    fprintf(stderr, "%s: %s: %s\n", cost_program, what,
            err && err->description ? err->description : "failed");
    exit(1);
}

oa2_store_t *cost_open_store(const char *dir, apr_pool_t *p)
{
    oa2_store_t *st = apr_pcalloc(p, sizeof(*st));
    oa2_db_t *db = apr_pcalloc(p, sizeof(*db));
    const char *error = NULL;
    oa2_err_t err = {0};

    apr_dbd_init(p);
    if (apr_dbd_get_driver(p, "sqlite3", &db->driver) != APR_SUCCESS
        || apr_dbd_open_ex(db->driver, p,
                           apr_pstrcat(p, dir, "/oauth2.db", NULL), &db->handle,
                           &error)
            != APR_SUCCESS) {
        fprintf(stderr, "%s: cannot open SQLite: %s\n", cost_program,
                error ? error : "no sqlite3 driver");
        exit(1);
    }
    db->prepared = apr_hash_make(p);
    db->conn_pool = p;
    st->db = db;
    st->issuer = COST_ISSUER;
    if (oa2_store_setup(db, &err, p) != APR_SUCCESS) {
        cost_die("store set-up", &err);
    }
    return st;
}

void cost_add_client(oa2_store_t *st, const char *id, const char *secret,
                     const char *grants, const char *scope,
                     const char *redirect_uri, apr_pool_t *p)
{
    oa2_client_t *c = apr_pcalloc(p, sizeof(*c));
    oa2_err_t err = {0};

    c->client_id = id;
    c->secret_hash = oa2_secret_hash(secret, p);
    c->name = "bench";
    c->redirect_uris = apr_array_make(p, 1, sizeof(const char *));
    if (redirect_uri) {
        APR_ARRAY_PUSH(c->redirect_uris, const char *) = redirect_uri;
    }
    c->grant_types = grants;
    c->scope = scope;
    c->auth_method = "client_secret_basic";
    c->created_at = apr_time_sec(apr_time_now());
    if (oa2_store_client_add(st, c, &err, p) != APR_SUCCESS) {
        cost_die("client", &err);
    }
}

oa2_as_t *cost_make_as(const char *key_file, apr_pool_t *p)
{
    oa2_as_t *as = apr_pcalloc(p, sizeof(*as));
    apr_array_header_t *scopes = apr_array_make(p, 1, sizeof(oa2_scope_def_t));
    oa2_scope_def_t *d = apr_array_push(scopes);
    oa2_keyset_t *keys = oa2_keys_set_make(p);
    oa2_key_t *key;
    oa2_err_t err = {0};

    if (oa2_keys_load_private_pem(&key, key_file, NULL, &err, p)
        != APR_SUCCESS) {
        cost_die(key_file, &err);
    }
    oa2_keys_set_add(keys, key);
    d->name = "read";
    d->description = "Read";
    as->issuer = COST_ISSUER;
    as->keys = keys;
    as->scopes = scopes;
    as->resources = apr_array_make(p, 1, sizeof(const char *));
    as->default_audience = COST_ISSUER;
    as->access_ttl = 900;
    as->refresh_ttl = 3600;
    as->code_ttl = 60;
    return as;
}

unsigned char *cost_evp_signature(const oa2_key_t *key, const char *token,
                                  size_t *len, apr_pool_t *p)
{
    const char *dot = strrchr(token, '.');
    unsigned char *raw, *der = NULL;
    apr_size_t rawlen;
    ECDSA_SIG *sig;
    int n;

    oa2_b64_decode(&raw, &rawlen, dot + 1, strlen(dot + 1), p);
    if (key->alg != OA2_ALG_ES256) {
        *len = rawlen;
        return raw;
    }
    sig = ECDSA_SIG_new();
    ECDSA_SIG_set0(sig, BN_bin2bn(raw, 32, NULL),
                   BN_bin2bn(raw + 32, 32, NULL));
    n = i2d_ECDSA_SIG(sig, &der);
    ECDSA_SIG_free(sig);
    *len = (size_t)n;
    return der;
}

const oa2_backchannel_t *cost_backchannel(const oa2_form_t *form,
                                          const char *authz, apr_pool_t *p)
{
    oa2_backchannel_t *in = apr_pcalloc(p, sizeof(*in));

    in->form = form;
    in->authorization = authz;
    in->method = "POST";
    in->endpoint = COST_ISSUER "/token";
    return in;
}
