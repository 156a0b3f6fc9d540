/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/* {base}/token: the token endpoint (RFC 6749 §3.2), glue to oa2_grant.c. */
#include "httpd.h"
#include "http_log.h"
#include "http_protocol.h"

#include <apr_strings.h>

#include "mod_oauth2_private.h"
#include "oa2_grant.h"

int oa2_ap_token_handle(request_rec *r, const oa2_server_conf_t *conf)
{
    const oa2_server_rt_t *rt = oa2_ap_server_rt_of(conf);
    const char *json = NULL, *grant_type, *reason;
    oa2_backchannel_t in;
    oa2_store_t *st;
    oa2_err_t err;
    apr_status_t rv;

    rv = oa2_ap_io_backchannel_begin(&in, &st, r, conf, "/token", "OA2-00420",
                                     &err);
    if (rv == APR_SUCCESS) {
        rv = oa2_grant_token(&json, rt->as, st, &in,
                             apr_time_sec(r->request_time), &err, r->pool);
    }
    /* RFC 9449 §8: a fresh nonce with use_dpop_nonce and every answer. */
    oa2_ap_dpop_nonce_header(r);
    if (rv != APR_SUCCESS) {
        reason = oa2_grant_revoked_on_reuse(&err);
        if (reason) {
            oa2_ap_audit(r, "OA2-01813", "grant revoked on reuse",
                         apr_pstrcat(r->pool, "reason=\"", reason, "\" ",
                                     err.detail, NULL));
        }
        return oa2_ap_io_send_client_error(r, conf, &err);
    }
    /* Committed: whichever grant made it (every grant answers here). */
    grant_type = apr_table_get(in.form->params, "grant_type");
    oa2_metrics_count_issued(oa2_ap_metrics(r), grant_type);
    oa2_ap_audit_token(r, grant_type, json);
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                  "OA2-00421: token issued (grant_type %s, client %s)",
                  grant_type,
                  apr_table_get(in.form->params, "client_id")
                      ? apr_table_get(in.form->params, "client_id")
                      : "from its credentials");
    return oa2_ap_io_send_no_store_json(r, HTTP_OK, json);
}
