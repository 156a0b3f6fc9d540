/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/*
 * The store's device authorization requests (RFC 8628;
 * oa2_store_device.h): split from oa2_store_dbd.c, whose statement helpers
 * it uses (oa2_store_dbd.h).
 */
#include "oa2_store_dbd.h"
#include "oa2_store_device.h"

/* The columns of DEVICE_COLS (oa2_sql.c), in order. */
#define DEVICE_NCOLS 11

apr_status_t oa2_store_device_add(int *added, oa2_store_t *st,
                                  const char *user_code_hash,
                                  const oa2_device_t *dev, oa2_err_t *err,
                                  apr_pool_t *p)
{
    const char *args[] = {st->issuer,
                          dev->device_hash,
                          user_code_hash,
                          dev->client_id,
                          dev->scope,
                          dev->resource,
                          oa2_store_dbd_num(dev->expires_at, p),
                          oa2_store_dbd_num(dev->interval, p)};

    return oa2_store_dbd_insert_new(added, st, OA2_SQL_DEVICE_INSERT, 8, args,
                                    err, p);
}

static apr_status_t read_one(oa2_device_t **dev, oa2_store_t *st,
                             oa2_sql_id_t id, const char *hash, oa2_err_t *err,
                             apr_pool_t *p)
{
    const char *args[] = {st->issuer, hash};
    const char **c;
    oa2_device_t *out;
    apr_status_t rv =
        oa2_store_dbd_one_row(&c, st, id, 2, args, DEVICE_NCOLS, err, p);

    if (rv != APR_SUCCESS) {
        return rv;
    }
    out = apr_pcalloc(p, sizeof(*out));
    out->device_hash = c[0];
    out->client_id = c[1];
    out->scope = c[2];
    out->resource = c[3];
    out->expires_at = oa2_store_dbd_to_int(c[4]);
    out->state = (int)oa2_store_dbd_to_int(c[5]);
    out->interval = (int)oa2_store_dbd_to_int(c[6]);
    out->last_poll = oa2_store_dbd_to_int(c[7]);
    out->user = c[8];
    out->auth_time = oa2_store_dbd_to_int(c[9]);
    out->claims = c[10];
    *dev = out;
    return APR_SUCCESS;
}

apr_status_t oa2_store_device_get(oa2_device_t **dev, oa2_store_t *st,
                                  const char *device_hash, oa2_err_t *err,
                                  apr_pool_t *p)
{
    return read_one(dev, st, OA2_SQL_DEVICE_GET, device_hash, err, p);
}

apr_status_t oa2_store_device_find(oa2_device_t **dev, oa2_store_t *st,
                                   const char *user_code_hash, oa2_err_t *err,
                                   apr_pool_t *p)
{
    return read_one(dev, st, OA2_SQL_DEVICE_FIND, user_code_hash, err, p);
}

apr_status_t oa2_store_device_decide(int *first, oa2_store_t *st,
                                     const char *device_hash, int state,
                                     const char *user, apr_int64_t auth_time,
                                     const char *claims, apr_int64_t now,
                                     oa2_err_t *err, apr_pool_t *p)
{
    const char *args[] = {oa2_store_dbd_num(state, p),
                          user,
                          oa2_store_dbd_num(auth_time, p),
                          claims ? claims : "",
                          st->issuer,
                          device_hash,
                          oa2_store_dbd_num(now, p)};
    int n = 0;
    apr_status_t rv =
        oa2_store_dbd_run(&n, st, OA2_SQL_DEVICE_DECIDE, 7, args, err, p);

    *first = rv == APR_SUCCESS && n == 1;
    return rv;
}

apr_status_t oa2_store_device_poll(int *first, oa2_store_t *st,
                                   const char *device_hash,
                                   apr_int64_t last_poll, apr_int64_t now,
                                   oa2_err_t *err, apr_pool_t *p)
{
    const char *args[] = {oa2_store_dbd_num(now, p), st->issuer, device_hash,
                          oa2_store_dbd_num(last_poll, p)};
    int n = 0;
    apr_status_t rv =
        oa2_store_dbd_run(&n, st, OA2_SQL_DEVICE_POLL, 4, args, err, p);

    *first = rv == APR_SUCCESS && n == 1;
    return rv;
}

apr_status_t oa2_store_device_slow_down(oa2_store_t *st,
                                        const char *device_hash,
                                        apr_int64_t now, oa2_err_t *err,
                                        apr_pool_t *p)
{
    const char *args[] = {oa2_store_dbd_num(now, p), st->issuer, device_hash};

    return oa2_store_dbd_run(NULL, st, OA2_SQL_DEVICE_SLOW_DOWN, 3, args, err,
                             p);
}

apr_status_t oa2_store_device_take(int *first, oa2_store_t *st,
                                   const char *device_hash,
                                   const char *client_id, oa2_err_t *err,
                                   apr_pool_t *p)
{
    const char *args[] = {st->issuer, device_hash, client_id};
    int n = 0;
    apr_status_t rv =
        oa2_store_dbd_run(&n, st, OA2_SQL_DEVICE_TAKE, 3, args, err, p);

    *first = rv == APR_SUCCESS && n == 1;
    return rv;
}
