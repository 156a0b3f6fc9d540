/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/* {base}/register: dynamic client registration (RFC 7591), glue to
 * oa2_registration.c. The endpoint exists only when OAuth2Registration is
 * token (an initial access token is required) or open. */
#include <strings.h>

#include "httpd.h"
#include "http_log.h"
#include "http_protocol.h"

#include <apr_strings.h>

#include "mod_oauth2_private.h"
#include "oa2_bearer.h"
#include "oa2_registration.h"

/* Nonzero for application/json, with or without parameters. */
static int is_json(const char *type)
{
    return type && !strncasecmp(type, "application/json", 16)
        && (!type[16] || type[16] == ';' || type[16] == ' ');
}

int oa2_ap_register_handle(request_rec *r, const oa2_server_conf_t *conf)
{
    const oa2_server_rt_t *rt = oa2_ap_server_rt_of(conf);
    const char *json = NULL, *body;
    oa2_client_t *client = NULL;
    oa2_store_t *st;
    apr_size_t len;
    oa2_err_t err;
    apr_status_t rv;

    if (conf->registration != OA2_REGISTRATION_TOKEN
        && conf->registration != OA2_REGISTRATION_OPEN) {
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                      "OA2-00770: %s: dynamic client registration is off "
                      "(OAuth2Registration)",
                      r->uri);
        return HTTP_NOT_FOUND;
    }
    if (r->method_number != M_POST) {
        oa2_err_set(&err, HTTP_METHOD_NOT_ALLOWED, "invalid_request",
                    "OA2-00771", "the registration endpoint takes POST");
        apr_table_setn(r->err_headers_out, "Allow", "POST, OPTIONS");
        return oa2_ap_io_send_error_json(r, &err);
    }
    if (conf->registration == OA2_REGISTRATION_TOKEN) {
        rv = oa2_registration_check_token(
            conf->registration_token,
            apr_table_get(r->headers_in, "Authorization"), &err, r->pool);
        if (rv != APR_SUCCESS) {
            if (err.status == HTTP_UNAUTHORIZED
                || err.status == HTTP_BAD_REQUEST) {
                /* RFC 7591 §3: the initial access token is an RFC 6750
                 * bearer token, refused as one. */
                apr_table_setn(r->err_headers_out, "WWW-Authenticate",
                               oa2_bearer_challenge(conf->issuer, &err, NULL,
                                                    NULL, r->pool));
            }
            return oa2_ap_io_send_error_json(r, &err);
        }
    }
    if (!is_json(apr_table_get(r->headers_in, "Content-Type"))) {
        oa2_err_set(&err, HTTP_BAD_REQUEST, "invalid_client_metadata",
                    "OA2-00772", "the body must be application/json");
        return oa2_ap_io_send_error_json(r, &err);
    }
    rv = oa2_ap_io_read_body(&body, &len, r, OA2_REGISTRATION_BODY_MAX, &err);
    if (rv == APR_SUCCESS) {
        rv = oa2_ap_dbd_store(&st, r, conf, &err);
    }
    if (rv == APR_SUCCESS) {
        rv = oa2_registration_register(&json, &client, rt->as, st, body, len,
                                       apr_time_sec(r->request_time), &err,
                                       r->pool);
    }
    if (rv != APR_SUCCESS) {
        return oa2_ap_io_send_error_json(r, &err);
    }
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                  "OA2-00773: client %s registered (grant types \"%s\", "
                  "auth method %s, scope \"%s\")",
                  client->client_id, client->grant_types, client->auth_method,
                  client->scope);
    return oa2_ap_io_send_no_store_json(r, HTTP_CREATED, json);
}
