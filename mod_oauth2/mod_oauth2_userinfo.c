/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/*
 * {base}/userinfo: the OpenID Connect UserInfo endpoint (Core §5.3), glue
 * to oa2_userinfo.c. GET or POST with a bearer token, in the Authorization
 * header or (POST) the form body (RFC 6750 §2.1, §2.2); CORS like the
 * token endpoint, so that browser-based clients can read it.
 */
#include "httpd.h"
#include "http_log.h"
#include "http_protocol.h"

#include <apr_strings.h>

#include "mod_oauth2_private.h"
#include "oa2_bearer.h"
#include "oa2_userinfo.h"

/* The RFC 6750 answer to a failed request: the challenge (no error
 * attributes when no token was sent, §3.1) and the error as JSON too;
 * of the DPoP scheme when the token came with it (RFC 9449 §7.1). */
static int refuse(request_rec *r, const oa2_err_t *err, int dpop)
{
    const char *scope = err->status == HTTP_FORBIDDEN ? "openid" : NULL;
    const char *realm = oa2_ap_challenge_realm(r);

    if (err->status < HTTP_INTERNAL_SERVER_ERROR) {
        apr_table_setn(
            r->err_headers_out, "WWW-Authenticate",
            dpop ? oa2_bearer_dpop_challenge(realm, err, scope, NULL,
                                             OA2_DPOP_ALGS, r->pool)
                 : oa2_bearer_challenge(realm, err, scope, NULL, r->pool));
        /* for the scripts of browser-based clients */
        apr_table_setn(r->err_headers_out, "Access-Control-Expose-Headers",
                       "WWW-Authenticate, DPoP-Nonce");
    }
    if (!err->error) {
        return oa2_ap_io_send_no_store_json(r, HTTP_UNAUTHORIZED, "{}");
    }
    return oa2_ap_io_send_error_json(r, err);
}

/* The token of the request: the header's, else a POST form's
 * access_token; never both (RFC 6750 §2: one method per request). */
static apr_status_t token_of(const char **token, int *dpop, request_rec *r,
                             oa2_err_t *err)
{
    const char *header = apr_table_get(r->headers_in, "Authorization");
    const char *type = apr_table_get(r->headers_in, "Content-Type");
    const char *in_body = NULL;
    oa2_form_t *form;
    apr_status_t rv = oa2_bearer_credentials(token, dpop, header, err, r->pool);

    if (rv != APR_SUCCESS && rv != APR_ENOENT) {
        return rv;
    }
    if (r->method_number == M_POST && type
        && !strncasecmp(type, "application/x-www-form-urlencoded", 33)) {
        if (oa2_ap_io_read_form(&form, r, err) != APR_SUCCESS
            || oa2_form_single(&in_body, form, "access_token", 0, err, r->pool)
                != APR_SUCCESS) {
            return oa2_err_set(err, HTTP_BAD_REQUEST, "invalid_request",
                               "OA2-00901",
                               "the form body is not a single access_token");
        }
    }
    if (rv == APR_SUCCESS && in_body) {
        return oa2_err_set(err, HTTP_BAD_REQUEST, "invalid_request",
                           "OA2-00902",
                           "the access token is sent in more than one way");
    }
    if (rv == APR_SUCCESS) {
        return APR_SUCCESS;
    }
    if (in_body && *in_body) {
        *token = in_body;
        return APR_SUCCESS;
    }
    /* No token at all: a challenge without an error (RFC 6750 §3.1). */
    memset(err, 0, sizeof(*err));
    err->status = HTTP_UNAUTHORIZED;
    err->log_id = "OA2-00903";
    err->description = "no access token";
    return APR_ENOENT;
}

int oa2_ap_userinfo_handle(request_rec *r, const oa2_server_conf_t *conf)
{
    const oa2_server_rt_t *rt = oa2_ap_server_rt_of(conf);
    const char *json, *token;
    oa2_dpop_check_t check;
    oa2_store_t *st;
    oa2_err_t err;
    apr_status_t rv;
    int dpop = 0;

    if (r->method_number != M_GET && r->method_number != M_POST) {
        r->allowed = (AP_METHOD_BIT << M_GET) | (AP_METHOD_BIT << M_POST)
            | (AP_METHOD_BIT << M_OPTIONS);
        return HTTP_METHOD_NOT_ALLOWED;
    }
    if (!rt->as->openid) {
        return HTTP_NOT_FOUND;
    }
    rv = token_of(&token, &dpop, r, &err);
    if (rv == APR_SUCCESS && dpop) {
        /* the DPoP scheme: a proof of the token's key (RFC 9449 §7) */
        oa2_ap_dpop_resource_check(&check, r, token);
    }
    if (rv != APR_SUCCESS || oa2_ap_dbd_store(&st, r, conf, &err) != APR_SUCCESS
        || oa2_userinfo_answer(&json, rt->as, st, token, dpop ? &check : NULL,
                               apr_time_sec(r->request_time), &err, r->pool)
            != APR_SUCCESS) {
        if (!err.error) {
            ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                          "OA2-00904: userinfo request without an access "
                          "token");
        }
        return refuse(r, &err, dpop);
    }
    return oa2_ap_io_send_no_store_json(r, HTTP_OK, json);
}
