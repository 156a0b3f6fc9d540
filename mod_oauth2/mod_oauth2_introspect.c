/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/* {base}/introspect: token introspection (RFC 7662), glue to
 * oa2_introspect.c. No CORS: only confidential clients (resource servers)
 * introspect, from their back end (SPEC). */
#include "httpd.h"
#include "http_log.h"
#include "http_protocol.h"

#include <apr_strings.h>

#include "mod_oauth2_private.h"
#include "oa2_hash.h"
#include "oa2_introspect.h"

int oa2_ap_introspect_handle(request_rec *r, const oa2_server_conf_t *conf)
{
    const oa2_server_rt_t *rt = oa2_ap_server_rt_of(conf);
    const char *json = NULL;
    oa2_client_t *caller = NULL;
    oa2_backchannel_t in;
    oa2_store_t *st;
    oa2_err_t err;
    apr_status_t rv;

    rv = oa2_ap_io_backchannel_begin(&in, &st, r, conf, "/introspect",
                                     "OA2-00720", &err);
    if (rv == APR_SUCCESS) {
        rv = oa2_introspect_request(&json, &caller, rt->as, st, &in,
                                    apr_time_sec(r->request_time), &err,
                                    r->pool);
    }
    if (rv != APR_SUCCESS) {
        return oa2_ap_io_send_client_error(r, conf, &err);
    }
    ap_log_rerror(
        APLOG_MARK, APLOG_DEBUG, 0, r,
        "OA2-00721: introspection by client %s: token %s is %s",
        caller->client_id,
        oa2_hash_tag(apr_table_get(in.form->params, "token"), r->pool),
        strcmp(json, OA2_INTROSPECT_INACTIVE) ? "active" : "not active");
    return oa2_ap_io_send_no_store_json(r, HTTP_OK, json);
}
