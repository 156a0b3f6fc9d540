/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/*
 * The store's pushed authorization requests (RFC 9126; oa2_store.h):
 * split from oa2_store_dbd.c, whose statement helpers it uses
 * (oa2_store_dbd.h). A request is kept under the hash of its request_uri
 * only, and taken once by a conditional UPDATE whose row count decides.
 */
#include "oa2_store_dbd.h"

apr_status_t oa2_store_pushed_add(oa2_store_t *st, const char *uri_hash,
                                  const oa2_pushed_t *pushed, oa2_err_t *err,
                                  apr_pool_t *p)
{
    const char *args[] = {st->issuer, uri_hash, pushed->client_id,
                          pushed->params,
                          oa2_store_dbd_num(pushed->expires_at, p)};

    return oa2_store_dbd_run(NULL, st, OA2_SQL_PUSHED_INSERT, 5, args, err, p);
}

apr_status_t oa2_store_pushed_get(oa2_pushed_t **pushed, oa2_store_t *st,
                                  const char *uri_hash, oa2_err_t *err,
                                  apr_pool_t *p)
{
    const char *args[] = {st->issuer, uri_hash};
    const char **c;
    oa2_pushed_t *out;
    apr_status_t rv =
        oa2_store_dbd_one_row(&c, st, OA2_SQL_PUSHED_GET, 2, args, 4, err, p);

    if (rv != APR_SUCCESS) {
        return rv;
    }
    out = apr_pcalloc(p, sizeof(*out));
    out->client_id = c[0];
    out->params = c[1];
    out->expires_at = oa2_store_dbd_to_int(c[2]);
    out->used = oa2_store_dbd_to_int(c[3]) != 0;
    *pushed = out;
    return APR_SUCCESS;
}

apr_status_t oa2_store_pushed_consume(int *first, oa2_store_t *st,
                                      const char *uri_hash,
                                      const char *client_id, apr_int64_t now,
                                      oa2_err_t *err, apr_pool_t *p)
{
    const char *args[] = {st->issuer, uri_hash, client_id,
                          oa2_store_dbd_num(now, p)};
    int n = 0;
    apr_status_t rv =
        oa2_store_dbd_run(&n, st, OA2_SQL_PUSHED_CONSUME, 4, args, err, p);

    *first = rv == APR_SUCCESS && n == 1;
    return rv;
}
