/*
 * mod_dbd glue: a request's connection as an oa2_store_t, and the purge of
 * expired rows, done after the response is sent (log_transaction) at most
 * once per interval per process, so no request waits for it.
 */
#include "httpd.h"
#include "http_config.h"
#include "http_log.h"
#include "http_protocol.h"
#include "apr_dbd.h"
#include "mod_dbd.h"

#include <apr_atomic.h>
#include <apr_optional.h>
#include <apr_strings.h>

#include "mod_oauth2.h"

APLOG_USE_MODULE(oauth2);

/* Seconds between purges of expired rows, per child process. */
#define PURGE_INTERVAL 300

static APR_OPTIONAL_FN_TYPE(ap_dbd_acquire) * dbd_acquire;
static volatile apr_uint32_t next_purge;

int oa2_dbd_available(void)
{
    /* Asked from check_config, before optional_fn_retrieve has run. */
    if (!dbd_acquire) {
        dbd_acquire = APR_RETRIEVE_OPTIONAL_FN(ap_dbd_acquire);
    }
    return dbd_acquire != NULL;
}

apr_status_t oa2_dbd_store(oa2_store_t **st, request_rec *r,
                           const oa2_server_conf_t *conf, oa2_err_t *err)
{
    ap_dbd_t *dbd = dbd_acquire ? dbd_acquire(r) : NULL;
    oa2_store_t *out;
    oa2_db_t *db;

    if (!dbd) {
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
    out = apr_pcalloc(r->pool, sizeof(*out));
    out->db = db;
    out->issuer = conf->issuer;
    out->client_cache = conf->client_cache_ttl > 0 && conf->as
        ? oa2_cache_record_hooks(r, conf->client_cache_ttl,
                                 conf->as->record_key)
        : NULL;
    oa2_authn_request(r)->store = out;
    *st = out;
    return APR_SUCCESS;
}

static int purge_after_response(request_rec *r)
{
    oa2_request_t *rq = ap_get_module_config(r->request_config, &oauth2_module);
    apr_uint32_t now = (apr_uint32_t)apr_time_sec(r->request_time);
    apr_uint32_t due = apr_atomic_read32(&next_purge);
    oa2_err_t err;

    if (!rq || !rq->store || now < due
        || apr_atomic_cas32(&next_purge, now + PURGE_INTERVAL, due) != due) {
        return DECLINED;
    }
    if (oa2_store_purge(rq->store, (apr_int64_t)now, &err, r->pool)
        != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                      "OA2-00401: purging expired rows failed: %s (%s)",
                      err.description, err.detail ? err.detail : "-");
    }
    return DECLINED;
}

static void retrieve_optional_fn(void)
{
    dbd_acquire = APR_RETRIEVE_OPTIONAL_FN(ap_dbd_acquire);
}

static void child_init(apr_pool_t *p, server_rec *s)
{
    if (oa2_store_init_process(p) != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s,
                     "OA2-00402: cannot create the store's writer mutex");
    }
}

void oa2_dbd_register_hooks(apr_pool_t *p)
{
    (void)p;
    ap_hook_child_init(child_init, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_optional_fn_retrieve(retrieve_optional_fn, NULL, NULL,
                                 APR_HOOK_MIDDLE);
    ap_hook_log_transaction(purge_after_response, NULL, NULL, APR_HOOK_LAST);
}
