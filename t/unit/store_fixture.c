/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/* A real SQLite database in memory for store and grant tests, and the AS
 * they run against (also linked into the fuzz targets). */
#include <stdlib.h>

#include <apr_dbd.h>
#include <apr_strings.h>

#include "oa2_secret.h"
#include "store_fixture.h"

static apr_pool_t *dbd_pool;

static apr_status_t close_db(void *data)
{
    oa2_db_t *db = data;
    apr_dbd_close(db->driver, db->handle);
    return APR_SUCCESS;
}

oa2_store_t *fixture_store(const char *issuer, apr_pool_t *p)
{
    oa2_store_t *st = apr_pcalloc(p, sizeof(*st));
    oa2_db_t *db = apr_pcalloc(p, sizeof(*db));
    const char *error = NULL;

    /* apr_dbd keeps its driver table in the first pool it is given. */
    if (!dbd_pool) {
        apr_pool_create(&dbd_pool, NULL);
        apr_dbd_init(dbd_pool);
    }
    if (apr_dbd_get_driver(dbd_pool, "sqlite3", &db->driver) != APR_SUCCESS
        || apr_dbd_open_ex(db->driver, p, ":memory:", &db->handle, &error)
            != APR_SUCCESS) {
        return NULL;
    }
    apr_pool_cleanup_register(p, db, close_db, apr_pool_cleanup_null);
    db->prepared = apr_hash_make(p);
    db->conn_pool = p;
    st->db = db;
    st->issuer = issuer;
    return st;
}

oa2_as_t *fixture_as(const char *issuer, apr_pool_t *p)
{
    return fixture_as_keyed(issuer, "data/ec256.pem", p);
}

oa2_as_t *fixture_as_keyed(const char *issuer, const char *key_file,
                           apr_pool_t *p)
{
    oa2_as_t *as = apr_pcalloc(p, sizeof(*as));
    apr_array_header_t *resources = apr_array_make(p, 1, sizeof(const char *));
    oa2_keyset_t *keys = oa2_keys_set_make(p);
    oa2_key_t *key;

    if (oa2_keys_load_private_pem(&key, key_file, NULL, NULL, p)
        != APR_SUCCESS) {
        return NULL;
    }
    oa2_keys_set_add(keys, key);
    as->scopes = apr_array_make(p, 2, sizeof(oa2_scope_def_t));
    fixture_scope_add(as, "read", "Read your data", p);
    fixture_scope_add(as, "write", "Change your data", p);
    APR_ARRAY_PUSH(resources, const char *) = "https://api.example.test/";
    as->issuer = issuer;
    as->keys = keys;
    as->resources = resources;
    as->default_audience = issuer;
    as->access_ttl = 900;
    as->refresh_ttl = 3600;
    as->code_ttl = 60;
    oa2_as_derive_keys(as, p);
    return as;
}

void fixture_scope_add(oa2_as_t *as, const char *name, const char *description,
                       apr_pool_t *p)
{
    apr_array_header_t *scopes = apr_array_copy(p, as->scopes);
    oa2_scope_def_t *d = apr_array_push(scopes);

    d->name = name;
    d->description = description;
    as->scopes = scopes;
}

oa2_client_t *fixture_client(oa2_store_t *st, const char *id,
                             const char *secret, const char *grants,
                             const char *redirect_uri, apr_pool_t *p)
{
    return fixture_client_method(st, id, secret,
                                 secret ? "client_secret_basic" : "none",
                                 grants, redirect_uri, p);
}

oa2_client_t *fixture_client_method(oa2_store_t *st, const char *id,
                                    const char *secret, const char *method,
                                    const char *grants,
                                    const char *redirect_uri, apr_pool_t *p)
{
    oa2_client_t *c = apr_pcalloc(p, sizeof(*c));

    c->client_id = id;
    c->secret_hash = secret ? oa2_secret_hash(secret, p) : "";
    c->name = apr_pstrcat(p, "client ", id, NULL);
    c->redirect_uris = apr_array_make(p, 1, sizeof(const char *));
    if (redirect_uri) {
        APR_ARRAY_PUSH(c->redirect_uris, const char *) = redirect_uri;
    }
    c->grant_types = grants;
    c->scope = "";
    c->auth_method = method;
    c->created_at = 1700000000;
    return oa2_store_client_add(st, c, NULL, p) == APR_SUCCESS ? c : NULL;
}

const oa2_backchannel_t *fixture_bc(const oa2_form_t *form,
                                    const char *authorization, apr_pool_t *p)
{
    oa2_backchannel_t *in = apr_pcalloc(p, sizeof(*in));

    in->form = form;
    in->authorization = authorization;
    in->method = "POST";
    in->endpoint = "https://as.example/oauth2/token";
    return in;
}
