/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/*
 * mod_dbd glue: a request's connection as an oa2_store_t, and the purge of
 * expired rows, done after the response is sent (log_transaction), so no
 * request waits for it. Each process asks at most once per interval per
 * virtual host (each may have a database of its own); the database then
 * picks one asker of all processes and nodes sharing it, which purges the
 * rows of every issuer there, a bounded number at a time.
 */
#include "httpd.h"
#include "http_config.h"
#include "http_log.h"
#include "http_protocol.h"
#include "apr_dbd.h"
#include "mod_dbd.h"

#include <apr_atomic.h>
#include <apr_hash.h>
#include <apr_optional.h>
#include <apr_strings.h>

#include "mod_oauth2_private.h"

/* Seconds between purges of expired rows of a database. */
#define PURGE_INTERVAL 300

/* Statements of OA2_SQL_PURGE_BATCH rows per table in one purge, so that
 * no response's thread is held for long: when rows remain, the purge is
 * due again at once and the next response (of any process) goes on. */
#define PURGE_MAX_BATCHES 20

static APR_OPTIONAL_FN_TYPE(ap_dbd_acquire) * dbd_acquire;

/* This process's next time to ask, per server_rec (apr_uint32_t *): made
 * in child_init, only read after it (the slots change by atomics). */
static apr_hash_t *next_purge;

int oa2_ap_dbd_available(void)
{
    /* Asked from check_config, before optional_fn_retrieve has run. */
    if (!dbd_acquire) {
        dbd_acquire = APR_RETRIEVE_OPTIONAL_FN(ap_dbd_acquire);
    }
    return dbd_acquire != NULL;
}

apr_status_t oa2_ap_dbd_store(oa2_store_t **st, request_rec *r,
                              const oa2_server_conf_t *conf, oa2_err_t *err)
{
    const oa2_server_rt_t *rt = oa2_ap_server_rt_of(conf);
    ap_dbd_t *dbd = dbd_acquire ? dbd_acquire(r) : NULL;
    oa2_store_t *out;
    oa2_db_t *db;

    if (!dbd) {
        oa2_metrics_count_db(rt->metrics, -1, 1);
        oa2_err_set(err, HTTP_SERVICE_UNAVAILABLE, "temporarily_unavailable",
                    "OA2-00400",
                    "the authorization server's database is unavailable");
        return oa2_err_detail(err, r->pool,
                              "mod_dbd gave no connection: check DBDriver "
                              "and DBDParams of this virtual host and that "
                              "the database is reachable and writable by "
                              "the httpd user");
    }
    if (!dbd->prepared) {
        dbd->prepared = apr_hash_make(dbd->pool);
    }
    db = apr_pcalloc(r->pool, sizeof(*db));
    db->driver = dbd->driver;
    db->handle = dbd->handle;
    db->prepared = dbd->prepared;
    db->conn_pool = dbd->pool;
    db->metrics = rt->metrics;
    out = apr_pcalloc(r->pool, sizeof(*out));
    out->db = db;
    out->issuer = conf->issuer;
    out->client_cache = conf->client_cache_ttl > 0 && rt->as
        ? oa2_ap_cache_record_hooks(r, conf->client_cache_ttl,
                                    rt->as->record_key)
        : NULL;
    oa2_ap_request_get(r)->store = out;
    *st = out;
    return APR_SUCCESS;
}

static int purge_after_response(request_rec *r)
{
    oa2_request_t *rq = oa2_ap_request_peek(r);
    apr_int64_t now = apr_time_sec(r->request_time);
    volatile apr_uint32_t *slot;
    apr_uint32_t due;
    oa2_err_t err;
    int claimed = 0, deleted = 0, more = 0;

    if (!rq || !rq->store || !next_purge
        || !(slot = apr_hash_get(next_purge, &r->server, sizeof(r->server)))) {
        return DECLINED;
    }
    due = apr_atomic_read32(slot);
    if ((apr_uint32_t)now < due
        || apr_atomic_cas32(slot, (apr_uint32_t)now + PURGE_INTERVAL, due)
            != due) {
        return DECLINED;
    }
    if (oa2_store_purge_claim(&claimed, rq->store, now, PURGE_INTERVAL, &err,
                              r->pool)
            != APR_SUCCESS
        || (claimed
            && oa2_store_purge(&deleted, &more, rq->store, now,
                               PURGE_MAX_BATCHES, &err, r->pool)
                != APR_SUCCESS)
        || (more
            && oa2_store_purge_release(rq->store, now, &err, r->pool)
                != APR_SUCCESS)) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, err.cause, r,
                      "OA2-00401: purging expired rows failed: %s (%s)",
                      err.description, err.detail ? err.detail : "-");
    }
    else if (claimed) {
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                      "OA2-00790: purged %d expired rows of every issuer "
                      "of this database%s",
                      deleted,
                      more ? "; more are left, the next response goes on" : "");
    }
    if (more) {
        /* This process's next response for this host asks again. */
        apr_atomic_set32(slot, (apr_uint32_t)now);
    }
    return DECLINED;
}

static void retrieve_optional_fn(void)
{
    dbd_acquire = APR_RETRIEVE_OPTIONAL_FN(ap_dbd_acquire);
}

static void child_init(apr_pool_t *p, server_rec *s)
{
    server_rec *vh;

    next_purge = apr_hash_make(p);
    for (vh = s; vh; vh = vh->next) {
        server_rec **key = apr_palloc(p, sizeof(*key));
        *key = vh;
        apr_hash_set(next_purge, key, sizeof(*key),
                     apr_pcalloc(p, sizeof(apr_uint32_t)));
    }
    if (oa2_store_init_process(p) != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s,
                     "OA2-00402: cannot create the store's writer mutex");
    }
}

void oa2_ap_dbd_register_hooks(apr_pool_t *p)
{
    (void)p;
    ap_hook_child_init(child_init, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_optional_fn_retrieve(retrieve_optional_fn, NULL, NULL,
                                 APR_HOOK_MIDDLE);
    ap_hook_log_transaction(purge_after_response, NULL, NULL, APR_HOOK_LAST);
}
