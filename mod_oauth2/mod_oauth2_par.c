/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/*
 * {base}/par: the pushed authorization request endpoint (RFC 9126 §2),
 * glue to oa2_par.c; and OAuth2RequirePAR. The authorize endpoint takes
 * the pushed requests (mod_oauth2_authorize.c).
 */
#include "httpd.h"
#include "http_config.h"
#include "http_log.h"
#include "http_protocol.h"

#include <apr_strings.h>

#include "mod_oauth2_private.h"
#include "oa2_par.h"

int oa2_ap_par_handle(request_rec *r, const oa2_server_conf_t *conf)
{
    const oa2_server_rt_t *rt = oa2_ap_server_rt_of(conf);
    const char *json = NULL, *uri_hash = NULL;
    oa2_client_t *client = NULL;
    oa2_backchannel_t in;
    oa2_store_t *st;
    oa2_err_t err;
    apr_status_t rv;

    rv = oa2_ap_io_backchannel_begin(&in, &st, r, conf, "/par", "OA2-01316",
                                     &err);
    if (rv == APR_SUCCESS) {
        rv = oa2_par_push(&json, &client, &uri_hash, rt->as, st, &in,
                          apr_time_sec(r->request_time), &err, r->pool);
    }
    /* RFC 9449 §8, §10.1: a proof here may need this server's nonce */
    oa2_ap_dpop_nonce_header(r);
    if (rv != APR_SUCCESS) {
        return oa2_ap_io_send_client_error(r, conf, &err);
    }
    /* The request_uri stands for the request: only the first digits of
     * its hash are logged. */
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                  "OA2-01317: authorization request pushed by client %s "
                  "(request_uri %.8s)",
                  client->client_id, uri_hash);
    return oa2_ap_io_send_no_store_json(r, HTTP_CREATED, json);
}
