/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/*
 * The store's clients (oa2_store.h), and the shared cache their records
 * may be reused from (OAuth2ClientCacheTTL): split from oa2_store_dbd.c,
 * whose statement helpers it uses (oa2_store_dbd.h).
 */
#include <string.h>

#include <apr_strings.h>
#include <apr_time.h>
#include <jansson.h>

#include "oa2_cached_row.h"
#include "oa2_cleanup.h"
#include "oa2_client_meta.h"
#include "oa2_hash.h"
#include "oa2_store_dbd.h"

static oa2_client_t *client_of_row(const char **c, apr_pool_t *p)
{
    oa2_client_t *cl = apr_pcalloc(p, sizeof(*cl));
    json_t *uris;

    cl->client_id = c[0];
    cl->secret_hash = c[1];
    cl->name = c[2];
    cl->redirect_uris = apr_array_make(p, 2, sizeof(const char *));
    uris = json_loads(c[3], 0, NULL);
    if (json_is_array(uris)) {
        size_t i;
        json_t *u;
        json_array_foreach(uris, i, u)
        {
            if (json_is_string(u)) {
                APR_ARRAY_PUSH(cl->redirect_uris, const char *) =
                    apr_pstrdup(p, json_string_value(u));
            }
        }
    }
    json_decref(uris);
    cl->grant_types = c[4];
    cl->scope = c[5];
    cl->auth_method = c[6];
    cl->created_at = oa2_store_dbd_to_int(c[7]);
    oa2_client_meta_decode(cl, c[8], p);
    return cl;
}

/* Columns of a client row, as OA2_SQL_CLIENT_GET reads them. */
#define CLIENT_COLUMNS 9

/* The key of @a client_id's record in the client cache. */
static const unsigned char *
client_cache_key(const oa2_store_t *st, const char *client_id, apr_pool_t *p)
{
    unsigned char *key = apr_palloc(p, OA2_RECORD_CACHE_KEY_LEN);
    /* The label keeps these keys apart from the token cache's, whose first
     * field is a token or "revocation". */
    const char *fields[] = {"client", st->issuer, client_id};

    return oa2_hash_fields(key, fields, sizeof(fields) / sizeof(*fields), p)
        ? key
        : NULL;
}

/* The client's row from the database, never from the cache. */
static apr_status_t client_read(const char ***c, oa2_store_t *st,
                                const char *client_id, oa2_err_t *err,
                                apr_pool_t *p)
{
    const char *args[] = {st->issuer, client_id};

    return oa2_store_dbd_one_row(c, st, OA2_SQL_CLIENT_GET, 2, args,
                                 CLIENT_COLUMNS, err, p);
}

/* A client from the cache when @a cached allows it and the record is
 * fresh enough, else from the database (refreshing the cache). */
static apr_status_t client_get(oa2_client_t **client, oa2_store_t *st,
                               const char *client_id, int cached,
                               oa2_err_t *err, apr_pool_t *p)
{
    const oa2_record_cache_t *cache =
        st->client_cache && st->client_cache->ttl > 0 ? st->client_cache : NULL;
    apr_int64_t now = apr_time_sec(apr_time_now());
    const unsigned char *key =
        cache ? client_cache_key(st, client_id, p) : NULL;
    const char **c, *rec;
    apr_int64_t read_at;
    apr_size_t len;
    apr_status_t rv;

    if (key && cached
        && cache->get(&rec, &len, cache->ctx, key) == APR_SUCCESS) {
        c = apr_palloc(p, CLIENT_COLUMNS * sizeof(*c));
        /* The key covers issuer and id; the seal is the issuer's, and the
         * id is checked again: a record copied to another client's key is
         * worthless. */
        if (oa2_cached_row_decode(c, &read_at, CLIENT_COLUMNS, rec, len,
                                  cache->seal)
            && oa2_cached_row_fresh(read_at, now, cache->ttl)
            && !strcmp(c[0], client_id)) {
            *client = client_of_row(c, p);
            (*client)->from_cache = 1;
            return APR_SUCCESS;
        }
    }
    rv = client_read(&c, st, client_id, err, p);
    if (rv == APR_SUCCESS) {
        *client = client_of_row(c, p);
        /* Only clients that exist: a client registered a moment later
         * must not wait out a cached "unknown". */
        rec = key ? oa2_cached_row_encode(&len, c, CLIENT_COLUMNS, now,
                                          cache->seal, p)
                  : NULL;
        if (rec) {
            cache->put(cache->ctx, key, rec, len, now + cache->ttl);
        }
    }
    else if (rv == APR_NOTFOUND && key) {
        /* Gone from the database: a record of it must not outlive the
         * proof (a reload after a secret did not fit, an id reused). */
        cache->remove(cache->ctx, key);
    }
    return rv;
}

apr_status_t oa2_store_client_get(oa2_client_t **client, oa2_store_t *st,
                                  const char *client_id, oa2_err_t *err,
                                  apr_pool_t *p)
{
    return client_get(client, st, client_id, 1, err, p);
}

apr_status_t oa2_store_client_reload(oa2_client_t **client, oa2_store_t *st,
                                     const char *client_id, oa2_err_t *err,
                                     apr_pool_t *p)
{
    return client_get(client, st, client_id, 0, err, p);
}

/* The redirect_uris column of @a cl: a JSON array. */
static const char *uris_column(const oa2_client_t *cl, apr_pool_t *p)
{
    json_t *uris = oa2_cleanup_json(json_array(), p);
    const char *text;
    int i;

    for (i = 0; cl->redirect_uris && i < cl->redirect_uris->nelts; i++) {
        json_array_append_new(
            uris, json_string(APR_ARRAY_IDX(cl->redirect_uris, i, char *)));
    }
    text = oa2_cleanup_malloced(json_dumps(uris, JSON_COMPACT), p);
    return text ? text : "[]";
}

/* Insert @a cl with statement @a id: the plain INSERT, or the racing one
 * (OA2_SQL_CLIENT_INSERT_DOCUMENT) that adds nothing when the id is
 * taken: APR_EEXIST then. */
static apr_status_t client_insert(oa2_store_t *st, oa2_sql_id_t id,
                                  const oa2_client_t *cl, oa2_err_t *err,
                                  apr_pool_t *p)
{
    const char *args[] = {st->issuer,
                          cl->client_id,
                          cl->secret_hash ? cl->secret_hash : "",
                          cl->name,
                          uris_column(cl, p),
                          cl->grant_types,
                          cl->scope ? cl->scope : "",
                          cl->auth_method,
                          oa2_store_dbd_num(cl->created_at, p),
                          oa2_client_meta_encode(cl, p)};
    int n = 0;
    apr_status_t rv = id == OA2_SQL_CLIENT_INSERT_DOCUMENT
        ? oa2_store_dbd_insert_new(&n, st, id, 10, args, err, p)
        : oa2_store_dbd_run(&n, st, id, 10, args, err, p);

    return rv == APR_SUCCESS && n == 0 ? APR_EEXIST : rv;
}

apr_status_t oa2_store_client_add(oa2_store_t *st, const oa2_client_t *cl,
                                  oa2_err_t *err, apr_pool_t *p)
{
    const char **existing;
    apr_status_t rv;

    rv = client_read(&existing, st, cl->client_id, err, p);
    if (rv == APR_SUCCESS) {
        return APR_EEXIST;
    }
    if (rv != APR_NOTFOUND) {
        return rv;
    }
    return client_insert(st, OA2_SQL_CLIENT_INSERT, cl, err, p);
}

/* Replace the document client @a old, read as row @a c, by @a cl: only
 * over the row as read (its metadata column, with the time of the fetch
 * it records, is the version compared); APR_EEXIST when it changed. */
static apr_status_t client_update_document(oa2_store_t *st,
                                           const oa2_client_t *cl,
                                           const char **c, oa2_err_t *err,
                                           apr_pool_t *p)
{
    const char *args[] = {cl->secret_hash ? cl->secret_hash : "",
                          cl->name,
                          uris_column(cl, p),
                          cl->grant_types,
                          cl->scope ? cl->scope : "",
                          cl->auth_method,
                          oa2_client_meta_encode(cl, p),
                          st->issuer,
                          cl->client_id,
                          c[8]};
    int n = 0;
    apr_status_t rv = oa2_store_dbd_run(&n, st, OA2_SQL_CLIENT_UPDATE_DOCUMENT,
                                        10, args, err, p);

    return rv == APR_SUCCESS && n == 0 ? APR_EEXIST : rv;
}

apr_status_t oa2_store_client_put_document(oa2_store_t *st,
                                           const oa2_client_t *cl,
                                           oa2_err_t *err, apr_pool_t *p)
{
    const oa2_record_cache_t *cache =
        st->client_cache && st->client_cache->ttl > 0 ? st->client_cache : NULL;
    const unsigned char *key;
    const char **c;
    apr_status_t rv = client_read(&c, st, cl->client_id, err, p);

    if (rv == APR_NOTFOUND) {
        rv = client_insert(st, OA2_SQL_CLIENT_INSERT_DOCUMENT, cl, err, p);
    }
    else if (rv == APR_SUCCESS) {
        rv = client_of_row(c, p)->document_fetched_at
            ? client_update_document(st, cl, c, err, p)
            : APR_EEXIST;
    }
    /* Whatever the row is now, ours or another's, a record of it read
     * before must not be what the next read finds. */
    if ((rv == APR_SUCCESS || rv == APR_EEXIST) && cache
        && (key = client_cache_key(st, cl->client_id, p))) {
        cache->remove(cache->ctx, key);
    }
    return rv;
}

apr_status_t oa2_store_client_remove(oa2_store_t *st, const char *client_id,
                                     oa2_err_t *err, apr_pool_t *p)
{
    /* A client's grants and the tokens they produced go with it: a later
     * client of the same id must not inherit its consents, codes or
     * tokens. Its client_credentials tokens are recorded nowhere; they
     * are refused because their client is gone
     * (oa2_store_token_is_revoked). */
    static const oa2_sql_id_t steps[] = {
        OA2_SQL_CODE_DELETE_CLIENT,    OA2_SQL_REFRESH_LOCK_CLIENT,
        OA2_SQL_REFRESH_REVOKE_CLIENT, OA2_SQL_ACCESS_REVOKE_CLIENT,
        OA2_SQL_CONSENT_DELETE_CLIENT, OA2_SQL_CLIENT_DELETE};
    const char *args[] = {st->issuer, client_id};
    int n = 0;

    return oa2_store_dbd_withdraw(&n, 1, st, steps,
                                  (int)(sizeof(steps) / sizeof(*steps)), 2,
                                  args, err, p);
}

apr_status_t oa2_store_client_list(apr_array_header_t **clients,
                                   oa2_store_t *st, oa2_err_t *err,
                                   apr_pool_t *p)
{
    const char *args[] = {st->issuer};
    apr_array_header_t *rows;
    apr_status_t rv = oa2_store_dbd_rows(&rows, st, OA2_SQL_CLIENT_LIST, 1,
                                         args, CLIENT_COLUMNS, err, p);
    int i;

    if (rv != APR_SUCCESS) {
        return rv;
    }
    *clients = apr_array_make(p, rows->nelts, sizeof(oa2_client_t *));
    for (i = 0; i < rows->nelts; i++) {
        APR_ARRAY_PUSH(*clients, oa2_client_t *) =
            client_of_row(APR_ARRAY_IDX(rows, i, const char **), p);
    }
    return APR_SUCCESS;
}

apr_status_t oa2_store_client_set_secret(oa2_store_t *st, const char *client_id,
                                         const char *secret_hash,
                                         oa2_err_t *err, apr_pool_t *p)
{
    const char *args[] = {secret_hash, st->issuer, client_id};
    int n = 0;
    apr_status_t rv =
        oa2_store_dbd_run(&n, st, OA2_SQL_CLIENT_SET_SECRET, 3, args, err, p);

    if (rv == APR_SUCCESS && n == 0) {
        return APR_NOTFOUND;
    }
    return rv;
}
