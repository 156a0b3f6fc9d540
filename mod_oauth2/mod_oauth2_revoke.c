/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/* {base}/revoke: token revocation (RFC 7009), glue to oa2_revoke.c. CORS
 * as at the token endpoint, so browser-based public clients can log out. */
#include "httpd.h"
#include "http_log.h"
#include "http_protocol.h"

#include <apr_strings.h>

#include "mod_oauth2_private.h"
#include "oa2_audit.h"
#include "oa2_hash.h"
#include "oa2_revoke.h"

int oa2_ap_revoke_handle(request_rec *r, const oa2_server_conf_t *conf)
{
    const oa2_server_rt_t *rt = oa2_ap_server_rt_of(conf);
    oa2_revocation_t done = {OA2_REVOKE_NOTHING, NULL, 0, NULL, NULL, NULL};
    oa2_client_t *caller = NULL;
    oa2_backchannel_t in;
    oa2_store_t *st;
    oa2_err_t err;
    apr_status_t rv;

    rv = oa2_ap_io_backchannel_begin(&in, &st, r, conf, "/revoke", "OA2-00730",
                                     &err);
    if (rv == APR_SUCCESS) {
        rv = oa2_revoke_request(&done, &caller, rt->as, st, &in,
                                apr_time_sec(r->request_time), &err, r->pool);
    }
    if (rv != APR_SUCCESS) {
        return oa2_ap_io_send_client_error(r, conf, &err);
    }
    ap_log_rerror(
        APLOG_MARK, APLOG_DEBUG, 0, r,
        "OA2-00731: revocation by client %s, token %s: %s", caller->client_id,
        oa2_hash_tag(apr_table_get(in.form->params, "token"), r->pool),
        oa2_revoke_result_name(done.result));
    /* Committed (oa2_revoke_request's statements are their own). */
    if (done.result == OA2_REVOKE_ACCESS || done.result == OA2_REVOKE_REFRESH) {
        oa2_ap_audit(r, "OA2-01812",
                     done.result == OA2_REVOKE_ACCESS
                         ? "access token revoked"
                         : "refresh token family revoked",
                     oa2_audit_fields(
                         r->pool, "sub", done.sub, "client_id",
                         caller->client_id, "scope", done.scope,
                         done.result == OA2_REVOKE_ACCESS ? "jti" : "family",
                         done.result == OA2_REVOKE_ACCESS
                             ? done.jti
                             : oa2_hash_tag(done.family, r->pool),
                         NULL));
    }
    /* A "not revoked" this node's OAuth2CheckRevocation cached for the
     * token is stale now: replace it (other nodes of a shared cache see
     * it too; with shmcb they trust theirs for OAuth2RevocationCacheTTL). */
    if (done.result == OA2_REVOKE_ACCESS && oa2_ap_cache_enabled()) {
        oa2_ap_authn_remember_revocation(
            r, oa2_access_token_revocation_key(conf->issuer, done.jti, r->pool),
            1, apr_time_sec(r->request_time), 0, done.exp);
    }
    /* RFC 7009 §2.2: 200, whatever the token was; the body is ignored. */
    apr_table_setn(r->headers_out, "Cache-Control", "no-store");
    apr_table_setn(r->headers_out, "Pragma", "no-cache");
    r->status = HTTP_OK;
    ap_set_content_length(r, 0);
    return OK;
}
