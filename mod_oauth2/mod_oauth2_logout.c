/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/*
 * {base}/logout: RP-Initiated Logout 1.0, glue to oa2_logout.c. Ends the
 * user's mod_session session (mod_auth_form's login lives there) and sends
 * the user back to the client's registered post_logout_redirect_uri, or
 * shows logout.html. Without a valid id_token_hint the user confirms
 * first, so that a link on another site cannot sign them out (§2).
 */
#include "httpd.h"
#include "http_log.h"
#include "http_protocol.h"

#include <apr_strings.h>

#include "mod_oauth2_private.h"
#include "oa2_logout.h"
#include "oa2_text.h"

static int show_page(request_rec *r, const oa2_server_conf_t *conf,
                     const oa2_logout_t *lo, int confirm)
{
    const oa2_server_rt_t *rt = oa2_ap_server_rt_of(conf);
    oa2_tmpl_vars_t *vars = oa2_tmpl_vars_make(r->pool);

    if (lo->client) {
        oa2_tmpl_set(vars, "client_name",
                     oa2_text_printable(lo->client->name, r->pool));
    }
    if (confirm) {
        oa2_tmpl_set(vars, "confirm", "1");
        oa2_tmpl_set(vars, "action", r->uri);
        oa2_tmpl_set(vars, "client_id",
                     lo->client ? lo->client->client_id : NULL);
        oa2_tmpl_set(vars, "post_logout_redirect_uri", lo->redirect_uri);
        oa2_tmpl_set(vars, "state", lo->state);
        oa2_tmpl_set(vars, "csrf_token",
                     oa2_logout_csrf_make(
                         rt->as, lo, apr_time_sec(r->request_time), r->pool));
    }
    else {
        oa2_tmpl_set(vars, "signed_out", "1");
    }
    return oa2_ap_io_send_html(r, HTTP_OK,
                               oa2_tmpl_render(rt->logout_tmpl, vars, r->pool));
}

int oa2_ap_logout_handle(request_rec *r, const oa2_server_conf_t *conf)
{
    const oa2_server_rt_t *rt = oa2_ap_server_rt_of(conf);
    apr_int64_t now = apr_time_sec(r->request_time);
    const char *location, *confirm = NULL, *csrf = NULL;
    oa2_form_t *params;
    oa2_logout_t *lo;
    oa2_store_t *st;
    oa2_err_t err;
    int status;

    if (!rt->as->openid) {
        return HTTP_NOT_FOUND;
    }
    if (oa2_ap_io_read_page_params(&params, &status, r, conf) != APR_SUCCESS) {
        return status;
    }
    if (r->method_number == M_POST) {
        oa2_form_single(&confirm, params, "confirm", 0, &err, r->pool);
        oa2_form_single(&csrf, params, "csrf_token", 0, &err, r->pool);
    }
    if (oa2_ap_dbd_store(&st, r, conf, &err) != APR_SUCCESS
        || oa2_logout_parse(&lo, rt->as, st, params, now, &err, r->pool)
            != APR_SUCCESS) {
        return oa2_ap_io_send_error_page(r, conf, &err);
    }
    if (!lo->hinted) {
        if (!confirm) {
            return show_page(r, conf, lo, 1);
        }
        if (oa2_logout_csrf_check(rt->as, lo, csrf, now, &err, r->pool)
            != APR_SUCCESS) {
            return oa2_ap_io_send_error_page(r, conf, &err);
        }
    }
    ap_log_rerror(
        APLOG_MARK, APLOG_INFO, 0, r, "OA2-00916: logout%s%s%s (%s)",
        lo->sub ? " of " : "", lo->sub ? lo->sub : "",
        lo->client
            ? apr_pstrcat(r->pool, " from client ", lo->client->client_id, NULL)
            : "",
        oa2_ap_login_end_session(r) ? "session ended" : "no session here");
    location = oa2_logout_location(lo, r->pool);
    if (location) {
        oa2_ap_io_page_headers(r);
        apr_table_setn(r->headers_out, "Location", location);
        return r->method_number == M_POST ? HTTP_SEE_OTHER
                                          : HTTP_MOVED_TEMPORARILY;
    }
    return show_page(r, conf, lo, 0);
}
