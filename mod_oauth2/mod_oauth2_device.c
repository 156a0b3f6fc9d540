/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/*
 * The device authorization grant (RFC 8628), glue to oa2_device.c:
 * {base}/device_authorization, where a device asks (back-channel, as
 * {base}/par), and {base}/device, where its user, signed in by the
 * admin's httpd authentication as at {base}/authorize, types the
 * user_code and approves or denies (device.html). The token endpoint
 * answers the device's polls (oa2_grant.c).
 */
#include "httpd.h"
#include "http_config.h"
#include "http_log.h"
#include "http_protocol.h"

#include <apr_strings.h>

#include "mod_oauth2_private.h"
#include "oa2_authorize.h"
#include "oa2_csrf.h"
#include "oa2_device.h"
#include "oa2_idtoken.h"
#include "oa2_ratelimit.h"
#include "oa2_scope.h"
#include "oa2_text.h"

int oa2_ap_device_authorization_handle(request_rec *r,
                                       const oa2_server_conf_t *conf)
{
    const char *json = NULL, *device_hash = NULL;
    oa2_client_t *client = NULL;
    oa2_backchannel_t in;
    oa2_store_t *st;
    oa2_err_t err;
    apr_status_t rv;

    rv = oa2_ap_io_backchannel_begin(&in, &st, r, conf, "/device_authorization",
                                     "OA2-01740", &err);
    if (rv == APR_SUCCESS) {
        rv = oa2_device_start(
            &json, &client, &device_hash, oa2_ap_server_rt_of(conf)->as, st,
            &in, oa2_ap_config_endpoint_url(conf, "/device", r->pool),
            apr_time_sec(r->request_time), &err, r->pool);
    }
    if (rv != APR_SUCCESS) {
        return oa2_ap_io_send_client_error(r, conf, &err);
    }
    /* The codes stand for the request: only digits of a hash are logged. */
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                  "OA2-01741: device authorization requested by client %s "
                  "(device_code %.8s)",
                  client->client_id, device_hash);
    return oa2_ap_io_send_no_store_json(r, HTTP_OK, json);
}

/* What device.html shows: the user-code form (@a vars has "enter"), the
 * consent form ("consent") or the end ("done"). */
static int show(request_rec *r, const oa2_server_conf_t *conf,
                oa2_tmpl_vars_t *vars, int status)
{
    oa2_tmpl_set(vars, "user", r->user);
    oa2_tmpl_set(vars, "action", r->uri);
    return oa2_ap_io_send_html(
        r, status,
        oa2_tmpl_render(oa2_ap_server_rt_of(conf)->device_tmpl, vars, r->pool));
}

/* The user-code form, prefilled with @a typed, with @a error told. */
static int show_enter(request_rec *r, const oa2_server_conf_t *conf,
                      const char *typed, const oa2_err_t *error)
{
    oa2_tmpl_vars_t *vars = oa2_tmpl_vars_make(r->pool);

    oa2_tmpl_set(vars, "enter", "1");
    oa2_tmpl_set(vars, "user_code", typed);
    if (error) {
        oa2_ap_io_log_error(r, error);
        oa2_tmpl_set(vars, "error_description", error->description);
    }
    return show(r, conf, vars, error ? error->status : HTTP_OK);
}

/* What a device form's csrf_token binds: this form, the user and the
 * request. */
static void csrf_fields(const char *fields[3], request_rec *r,
                        const oa2_device_t *dev)
{
    fields[0] = "device";
    fields[1] = r->user;
    fields[2] = dev->device_hash;
}

static int show_consent(request_rec *r, const oa2_server_conf_t *conf,
                        const oa2_device_t *dev, const oa2_client_t *client,
                        const char *code)
{
    oa2_tmpl_vars_t *vars = oa2_tmpl_vars_make(r->pool);
    apr_array_header_t *scopes =
        apr_array_make(r->pool, 4, sizeof(const char *));
    const char *fields[3];
    int i;

    csrf_fields(fields, r, dev);
    oa2_tmpl_set(vars, "consent", "1");
    /* As on the consent page (mod_oauth2_authorize.c): isolated by the
     * template, control and bidi characters shown as '?'. */
    oa2_tmpl_set(vars, "client_name",
                 oa2_text_printable(client->name, r->pool));
    oa2_tmpl_set(vars, "user_code",
                 oa2_device_user_code_display(code, r->pool));
    oa2_tmpl_set(vars, "resource", dev->resource);
    oa2_tmpl_set(vars, "csrf_token",
                 oa2_csrf_make_for(oa2_ap_server_rt_of(conf)->as, fields, 3,
                                   apr_time_sec(r->request_time), r->pool));
    oa2_scope_union(scopes, dev->scope, r->pool);
    for (i = 0; i < scopes->nelts; i++) {
        const oa2_scope_def_t *def =
            oa2_as_scope(oa2_ap_server_rt_of(conf)->as,
                         APR_ARRAY_IDX(scopes, i, const char *));
        oa2_tmpl_vars_t *item = oa2_tmpl_add_item(vars, "scopes");
        oa2_tmpl_set(item, "name", def ? def->name : "");
        oa2_tmpl_set(item, "description", def ? def->description : "");
    }
    return show(r, conf, vars, HTTP_OK);
}

/* The consent form came back: check it is this user's, then record. */
static int decide(request_rec *r, const oa2_server_conf_t *conf,
                  oa2_store_t *st, const oa2_device_t *dev,
                  const oa2_client_t *client, const oa2_form_t *form)
{
    apr_int64_t now = apr_time_sec(r->request_time);
    const char *csrf = NULL, *decision = NULL, *claims = "", *fields[3];
    struct oa2_authz_user_t *who = NULL;
    oa2_tmpl_vars_t *vars;
    oa2_err_t err;
    int approve;

    csrf_fields(fields, r, dev);
    if (oa2_form_single(&csrf, form, "csrf_token", 0, &err, r->pool)
            != APR_SUCCESS
        || oa2_csrf_check_for(oa2_ap_server_rt_of(conf)->as, csrf, fields, 3,
                              now, &err, r->pool)
            != APR_SUCCESS) {
        oa2_err_set(&err, HTTP_FORBIDDEN, "access_denied", "OA2-01732",
                    "the form carries no valid csrf_token: start again");
        return oa2_ap_io_send_error_page(r, conf, &err);
    }
    if (oa2_form_single(&decision, form, "decision", 1, &err, r->pool)
            != APR_SUCCESS
        || (strcmp(decision, "approve") && strcmp(decision, "deny"))) {
        oa2_err_set(&err, HTTP_BAD_REQUEST, "invalid_request", "OA2-01733",
                    "decision must be approve or deny");
        return oa2_ap_io_send_error_page(r, conf, &err);
    }
    approve = !strcmp(decision, "approve");
    if (approve) {
        who = oa2_ap_authorize_user_of(r, conf, client, dev->scope);
        if (oa2_as_is_openid(oa2_ap_server_rt_of(conf)->as, dev->scope)
            && oa2_idtoken_claims_for_scope(
                   &claims, oa2_ap_server_rt_of(conf)->as->user_claims,
                   who->claims, dev->scope, &err, r->pool)
                != APR_SUCCESS) {
            return oa2_ap_io_send_error_page(r, conf, &err);
        }
    }
    if (oa2_device_decide(st, dev, approve, r->user, who ? who->auth_time : 0,
                          claims, now, &err, r->pool)
        != APR_SUCCESS) {
        return oa2_ap_io_send_error_page(r, conf, &err);
    }
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                  "OA2-01734: %s %s device authorization %.8s of client %s "
                  "for scope \"%s\"",
                  r->user, approve ? "approved" : "denied", dev->device_hash,
                  client->client_id, dev->scope);
    vars = oa2_tmpl_vars_make(r->pool);
    oa2_tmpl_set(vars, "done", "1");
    oa2_tmpl_set(vars, approve ? "approved" : "denied", "1");
    oa2_tmpl_set(vars, "client_name",
                 oa2_text_printable(client->name, r->pool));
    return show(r, conf, vars, HTTP_OK);
}

/* A refusal of OAuth2RateLimit, as a page with Retry-After. */
static int limited(request_rec *r, const oa2_server_conf_t *conf,
                   const oa2_err_t *err)
{
    oa2_ap_ratelimit_retry_after(r);
    return oa2_ap_io_send_error_page(r, conf, err);
}

int oa2_ap_device_page_handle(request_rec *r, const oa2_server_conf_t *conf)
{
    apr_int64_t now = apr_time_sec(r->request_time);
    const char *typed = NULL;
    oa2_ratelimit_t *rl;
    oa2_client_t *client;
    oa2_device_t *dev;
    oa2_form_t *params;
    oa2_store_t *st;
    oa2_err_t err;
    apr_status_t rv;
    int status;

    if (oa2_ap_login_require_user(&status, r, conf, "OA2-01730", "OA2-01731")
        != APR_SUCCESS) {
        return status;
    }
    if (oa2_ap_io_read_page_params(&params, &status, r, conf) != APR_SUCCESS) {
        return status;
    }
    if (oa2_form_single(&typed, params, "user_code", 0, &err, r->pool)
            != APR_SUCCESS
        || !typed || !*typed) {
        return show_enter(r, conf, NULL, NULL);
    }
    /* Refused before the code is looked up (OAuth2RateLimit). */
    rl = oa2_ap_ratelimit(r, conf);
    if (rl
        && (oa2_ratelimit_check(rl, OA2_RATELIMIT_USER_IP, rl->ip, now, &err,
                                r->pool)
                != APR_SUCCESS
            || oa2_ratelimit_check(rl, OA2_RATELIMIT_USER, r->user, now, &err,
                                   r->pool)
                != APR_SUCCESS)) {
        return limited(r, conf, &err);
    }
    if (oa2_ap_dbd_store(&st, r, conf, &err) != APR_SUCCESS) {
        return oa2_ap_io_send_error_page(r, conf, &err);
    }
    rv = oa2_device_find(&dev, st, typed, now, &err, r->pool);
    if (rv != APR_SUCCESS && err.status == HTTP_BAD_REQUEST) {
        /* A failed guess counts (OAuth2RateLimit). */
        if (oa2_device_is_guess(&err)) {
            oa2_ratelimit_fail(rl, OA2_RATELIMIT_USER_IP, rl ? rl->ip : NULL,
                               now, r->pool);
            oa2_ratelimit_fail(rl, OA2_RATELIMIT_USER, r->user, now, r->pool);
        }
        return show_enter(r, conf, typed, &err);
    }
    if (rv != APR_SUCCESS) {
        return oa2_ap_io_send_error_page(r, conf, &err);
    }
    rv = oa2_store_client_get(&client, st, dev->client_id, &err, r->pool);
    if (rv == APR_NOTFOUND) {
        oa2_err_set(&err, HTTP_BAD_REQUEST, "invalid_request", "OA2-01735",
                    "the application of this code is no longer registered");
    }
    if (rv != APR_SUCCESS) {
        return oa2_ap_io_send_error_page(r, conf, &err);
    }
    if (r->method_number == M_POST) {
        return decide(r, conf, st, dev, client, params);
    }
    return show_consent(r, conf, dev, client,
                        oa2_device_user_code_normalize(typed, r->pool));
}
