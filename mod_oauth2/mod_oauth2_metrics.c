/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/*
 * SetHandler oauth2-metrics: the counters of this virtual host in the
 * Prometheus text format (oa2_metrics.c), and the shared memory they live
 * in.
 *
 * One anonymous shared memory block, made in post_config before the
 * children are forked, holds one oa2_metrics_t per server_rec; each
 * server's runtime record points at its own slot. Every child adds to the
 * same counters (relaxed atomic adds), so a scrape of any child shows the
 * sums of all of them, and a virtual host's handler reads only its own
 * slot. A restart makes the block anew: the counters start from zero,
 * which Prometheus takes as a counter reset.
 */
#include "httpd.h"
#include "http_config.h"
#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"

#include <apr_shm.h>
#include <apr_strings.h>

#include "mod_oauth2_private.h"

#define METRICS_HANDLER "oauth2-metrics"

/* Prometheus text exposition format 0.0.4. */
#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

oa2_metrics_t *oa2_ap_metrics(request_rec *r)
{
    return oa2_ap_server_rt(r->server)->metrics;
}

void oa2_ap_metrics_error(request_rec *r, const oa2_err_t *err)
{
    oa2_metrics_t *m = oa2_ap_metrics(r);
    const char *slash;

    if (m) {
        /* The endpoints are the last segment of their path; anything else
         * (a metadata document) counts as "other". */
        slash = r->uri ? strrchr(r->uri, '/') : NULL;
        oa2_metrics_count_error(m, slash ? slash + 1 : NULL, err);
    }
}

static int post_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp,
                       server_rec *s)
{
    apr_shm_t *shm;
    apr_size_t n = 0;
    apr_status_t rv;
    oa2_metrics_t *slots;
    server_rec *v;

    (void)plog;
    (void)ptemp;
    for (v = s; v; v = v->next) {
        n++;
    }
    /* Anonymous: inherited by the children, gone with pconf on restart. */
    rv = apr_shm_create(&shm, n * sizeof(oa2_metrics_t), NULL, pconf);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_ERR, rv, s,
                     "OA2-01800: cannot make the shared memory of the "
                     "oauth2-metrics counters (%" APR_SIZE_T_FMT
                     " bytes): the counters are off",
                     n * sizeof(oa2_metrics_t));
        return OK; /* no metrics is no reason to stay down */
    }
    slots = apr_shm_baseaddr_get(shm);
    memset(slots, 0, n * sizeof(oa2_metrics_t));
    for (v = s; v; v = v->next) {
        oa2_ap_server_rt_make(
            ap_get_module_config(v->module_config, &oauth2_module), pconf)
            ->metrics = slots++;
    }
    return OK;
}

static int handler(request_rec *r)
{
    oa2_metrics_t *m;
    const char *text;

    if (!r->handler || strcmp(r->handler, METRICS_HANDLER)) {
        return DECLINED;
    }
    if (r->method_number != M_GET) { /* HEAD is a GET without the body */
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      "OA2-01801: oauth2-metrics answers GET and HEAD, not "
                      "%s",
                      r->method);
        ap_allow_methods(r, REPLACE_ALLOW, "GET", NULL);
        return HTTP_METHOD_NOT_ALLOWED;
    }
    m = oa2_ap_metrics(r);
    if (!m) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      "OA2-01802: oauth2-metrics for %s: the counters are "
                      "off (see the error log of the start-up)",
                      r->uri);
        return HTTP_SERVICE_UNAVAILABLE;
    }
    text = oa2_metrics_render(m, r->pool);
    ap_set_content_type(r, METRICS_CONTENT_TYPE);
    apr_table_setn(r->headers_out, "Cache-Control", "no-store");
    ap_set_content_length(r, (apr_off_t)strlen(text));
    if (!r->header_only) {
        ap_rputs(text, r);
    }
    return OK;
}

void oa2_ap_metrics_register_hooks(apr_pool_t *p)
{
    (void)p;
    ap_hook_post_config(post_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_handler(handler, NULL, NULL, APR_HOOK_MIDDLE);
}
