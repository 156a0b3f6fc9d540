/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/*
 * {base}/authorize: validates the request, shows the consent page (or
 * skips it when remembered), and takes the consent form's decision.
 * The end user is whoever httpd authenticated on this URL (r->user).
 */
#include "httpd.h"
#include "http_log.h"
#include "http_core.h"
#include "http_protocol.h"
#include "ap_expr.h"

#include <apr_strings.h>

#include "mod_oauth2_private.h"
#include "oa2_audit.h"
#include "oa2_authorize.h"
#include "oa2_cimd.h"
#include "oa2_csrf.h"
#include "oa2_idtoken.h"
#include "oa2_par.h"
#include "oa2_scope.h"
#include "oa2_secret.h"
#include "oa2_text.h"

/* Answer with a redirect to the client (302 for GET, 303 after POST):
 * sent as our response, not through httpd's error path, where the
 * custom responses of oa2_ap_authorize_before_login() would replace it. */
static int redirect(request_rec *r, int status, const char *location)
{
    oa2_ap_io_page_headers(r);
    apr_table_setn(r->headers_out, "Location", location);
    r->status = status;
    ap_set_content_length(r, 0);
    return OK;
}

static int refuse(request_rec *r, const oa2_server_conf_t *conf,
                  const oa2_authz_request_t *req, int redirectable,
                  const oa2_err_t *err)
{
    const oa2_server_rt_t *rt = oa2_ap_server_rt_of(conf);

    if (redirectable && err->status < HTTP_INTERNAL_SERVER_ERROR) {
        oa2_ap_io_log_error(r, err);
        return redirect(
            r,
            r->method_number == M_POST ? HTTP_SEE_OTHER
                                       : HTTP_MOVED_TEMPORARILY,
            oa2_authorize_error_location(rt->as, req, err, r->pool));
    }
    return oa2_ap_io_send_error_page(r, conf, err);
}

static int show_consent(request_rec *r, const oa2_server_conf_t *conf,
                        const oa2_authz_request_t *req)
{
    const oa2_server_rt_t *rt = oa2_ap_server_rt_of(conf);
    oa2_tmpl_vars_t *vars = oa2_tmpl_vars_make(r->pool);
    apr_array_header_t *scopes =
        apr_array_make(r->pool, 4, sizeof(const char *));
    int i;

    /* Escaped by oa2_tmpl_render() and isolated by the shipped template
     * (<bdi> in the page, U+2068/U+2069 in the title), so that a user
     * name from whatever httpd authenticated against cannot reorder the
     * text around it. A client name stored before registration and
     * oauth2-admin refused bidirectional formatting and control
     * characters (oa2_text_check()) shows them as '?': isolated, such a
     * name could still reverse itself ("moc.elpmaxe" read as a host),
     * and a template of the admin's own may not isolate at all. */
    oa2_tmpl_set(vars, "client_name",
                 oa2_text_printable(req->client->name, r->pool));
    /* A client that named itself by its document's URL: its name is its
     * own word, the host is what vouches for it (escaped and isolated as
     * the name is; a checked URL is ASCII). */
    if (req->client->document_fetched_at > 0) {
        oa2_tmpl_set(vars, "client_host",
                     oa2_cimd_host(req->client->client_id, r->pool));
    }
    oa2_tmpl_set(vars, "user", r->user);
    oa2_tmpl_set(vars, "action", r->uri);
    oa2_tmpl_set(vars, "client_id", req->client->client_id);
    oa2_tmpl_set(vars, "redirect_uri", req->redirect_uri);
    oa2_tmpl_set(vars, "response_type", "code");
    oa2_tmpl_set(vars, "scope", req->scope);
    oa2_tmpl_set(vars, "state", req->state);
    oa2_tmpl_set(vars, "code_challenge", req->code_challenge);
    oa2_tmpl_set(vars, "code_challenge_method", "S256");
    oa2_tmpl_set(vars, "resource", req->resource);
    oa2_tmpl_set(vars, "prompt", req->prompt);
    oa2_tmpl_set(vars, "nonce", req->nonce);
    oa2_tmpl_set(vars, "dpop_jkt", req->dpop_jkt);
    oa2_tmpl_set(vars, "csrf_token",
                 oa2_csrf_make(rt->as, r->user, req,
                               apr_time_sec(r->request_time), r->pool));
    oa2_scope_union(scopes, req->scope, r->pool);
    for (i = 0; i < scopes->nelts; i++) {
        const oa2_scope_def_t *def =
            oa2_as_scope(rt->as, APR_ARRAY_IDX(scopes, i, const char *));
        oa2_tmpl_vars_t *item = oa2_tmpl_add_item(vars, "scopes");
        oa2_tmpl_set(item, "name", def->name);
        oa2_tmpl_set(item, "description", def->description);
    }
    return oa2_ap_io_send_html(
        r, HTTP_OK, oa2_tmpl_render(rt->consent_tmpl, vars, r->pool));
}

/*
 * The user an OpenID request is approved for: when they signed in
 * (oa2_ap_login_auth_time()), and each OAuth2UserClaim's expression
 * evaluated on this request. A claim whose expression
 * fails is left out, with a line for the admin.
 */
static oa2_authz_user_t *approved_user(request_rec *r,
                                       const oa2_server_conf_t *conf,
                                       const oa2_authz_request_t *req,
                                       apr_int64_t auth_time)
{
    const oa2_server_rt_t *rt = oa2_ap_server_rt_of(conf);
    oa2_authz_user_t *who = apr_pcalloc(r->pool, sizeof(*who));
    apr_table_t *claims;
    int i;

    who->name = r->user;
    who->auth_time = auth_time;
    if (!oa2_authorize_is_openid(rt->as, req) || !conf->user_claims) {
        return who;
    }
    claims = apr_table_make(r->pool, conf->user_claims->nelts);
    for (i = 0; i < conf->user_claims->nelts; i++) {
        const oa2_idtoken_claim_t *c =
            &APR_ARRAY_IDX(conf->user_claims, i, oa2_idtoken_claim_t);
        ap_expr_info_t *expr =
            APR_ARRAY_IDX(conf->user_claim_exprs, i, ap_expr_info_t *);
        const char *why = NULL;
        const char *value;

        if (!oa2_scope_contains(req->scope, c->scope)) {
            continue;
        }
        value = ap_expr_str_exec(r, expr, &why);
        if (why) {
            ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                          "OA2-00897: OAuth2UserClaim %s %s: the expression "
                          "failed, the claim is left out: %s",
                          c->scope, c->name, why);
            continue;
        }
        if (value && *value && !apr_table_get(claims, c->name)) {
            apr_table_setn(claims, c->name, value);
        }
    }
    who->claims = claims;
    return who;
}

/* When the user signed in, for an OpenID request (its auth_time, kept in
 * a cookie); a plain OAuth request has no use for it, and sets none. */
static apr_int64_t sign_in_time(request_rec *r, const oa2_server_conf_t *conf,
                                const oa2_authz_request_t *req)
{
    const oa2_server_rt_t *rt = oa2_ap_server_rt_of(conf);

    return oa2_authorize_is_openid(rt->as, req)
        ? oa2_ap_login_auth_time(r, conf)
        : apr_time_sec(r->request_time);
}

/* The audit line of a code issued (oa2_authorize_approve() committed). */
static void audit_approved(request_rec *r, const char *log_id, const char *what,
                           const oa2_authz_request_t *req)
{
    oa2_ap_audit(r, log_id, what,
                 oa2_audit_fields(r->pool, "grant_type", "authorization_code",
                                  "sub", r->user, "client_id",
                                  req->client->client_id, "scope", req->scope,
                                  NULL));
}

/* The consent form came back: check it is this user's, then obey. */
static int decide(request_rec *r, const oa2_server_conf_t *conf,
                  oa2_store_t *st, const oa2_authz_request_t *req,
                  const oa2_form_t *form)
{
    const oa2_server_rt_t *rt = oa2_ap_server_rt_of(conf);
    apr_int64_t now = apr_time_sec(r->request_time);
    const char *csrf, *decision, *location;
    oa2_err_t err;
    apr_status_t rv;

    if (oa2_form_single(&csrf, form, "csrf_token", 0, &err, r->pool)
            != APR_SUCCESS
        || oa2_csrf_check(rt->as, csrf, r->user, req, now, &err, r->pool)
            != APR_SUCCESS) {
        if (!err.log_id || strncmp(err.log_id, "OA2-0032", 8)) {
            oa2_err_set(&err, HTTP_FORBIDDEN, "access_denied", "OA2-00430",
                        "the consent form carries no single csrf_token");
        }
        return oa2_ap_io_send_error_page(r, conf, &err);
    }
    if (oa2_form_single(&decision, form, "decision", 1, &err, r->pool)
            != APR_SUCCESS
        || (strcmp(decision, "approve") && strcmp(decision, "deny"))) {
        oa2_err_set(&err, HTTP_BAD_REQUEST, "invalid_request", "OA2-00431",
                    "decision must be approve or deny");
        return oa2_ap_io_send_error_page(r, conf, &err);
    }
    rv = oa2_store_nonce_use(st, oa2_secret_hash(csrf, r->pool),
                             now + OA2_CSRF_TTL + 60, &err, r->pool);
    if (rv == APR_EEXIST) {
        oa2_err_set(&err, HTTP_BAD_REQUEST, "invalid_request", "OA2-00432",
                    "this consent form was already submitted");
        return oa2_ap_io_send_error_page(r, conf, &err);
    }
    if (rv != APR_SUCCESS) {
        return oa2_ap_io_send_error_page(r, conf, &err);
    }
    if (!strcmp(decision, "deny")) {
        oa2_err_set(&err, HTTP_BAD_REQUEST, "access_denied", "OA2-00433",
                    "the user denied the request");
        return refuse(r, conf, req, 1, &err);
    }
    rv = oa2_authorize_approve(
        &location, rt->as, st, req,
        approved_user(r, conf, req, sign_in_time(r, conf, req)), now, 1, &err,
        r->pool);
    if (rv != APR_SUCCESS) {
        return oa2_ap_io_send_error_page(r, conf, &err);
    }
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                  "OA2-00434: %s approved client %s for scope \"%s\"", r->user,
                  req->client->client_id, req->scope);
    audit_approved(r, "OA2-01811", "consent given, code issued", req);
    return redirect(r, HTTP_SEE_OTHER, location);
}

/*
 * Before httpd authenticates an authorization request with prompt=none
 * (Core §3.1.2.1: no login prompt is ever shown): should the login method
 * prompt, the request is answered instead with a redirect to the client
 * carrying error=login_required. httpd's own error path does it, through
 * custom responses for the statuses a login prompt takes: 401 (Basic,
 * Digest, a login page as ErrorDocument 401) and 302 (mod_auth_form's
 * AuthFormLoginRequiredLocation). The prompt may be in the query or in the
 * pushed request its request_uri names (read here, not taken). A request
 * that is not a valid one of a known client changes nothing; the handler
 * reports it once logged in. One that must have been pushed and was not
 * is refused whoever signs in: its refusal goes out instead.
 */
void oa2_ap_authorize_before_login(request_rec *r,
                                   const oa2_server_conf_t *conf)
{
    const oa2_server_rt_t *rt = oa2_ap_server_rt_of(conf);
    const char *q = r->args ? r->args : "", *location, *uri_hash;
    const oa2_form_t *params;
    oa2_authz_request_t *req;
    oa2_form_t *query;
    oa2_store_t *st;
    oa2_err_t err;
    int redirectable;

    if (r->method_number != M_GET
        || (!strstr(q, "prompt=") && !strstr(q, "request_uri="))
        || oa2_form_parse(&query, q, strlen(q), &err, r->pool) != APR_SUCCESS
        || oa2_ap_dbd_store(&st, r, conf, &err) != APR_SUCCESS
        || oa2_par_resolve(&params, &uri_hash, st, query,
                           apr_time_sec(r->request_time), &err, r->pool)
            != APR_SUCCESS
        || oa2_authorize_parse(&req, &redirectable, rt->as, st, params, &err,
                               r->pool)
            != APR_SUCCESS
        || !req->prompt || strcmp(req->prompt, "none")) {
        return;
    }
    if (uri_hash || oa2_par_check_required(rt->as, req, &err) == APR_SUCCESS) {
        oa2_err_set(&err, HTTP_BAD_REQUEST, "login_required", "OA2-00921",
                    "the user is not signed in");
    }
    location = oa2_authorize_error_location(rt->as, req, &err, r->pool);
    ap_custom_response(r, HTTP_UNAUTHORIZED, location);
    ap_custom_response(r, HTTP_MOVED_TEMPORARILY, location);
    /* for the log line, should the redirect happen */
    oa2_ap_request_get(r)->login_required =
        strcmp(err.error, "login_required") ? err.log_id : err.error;
}

int oa2_ap_authorize_handle(request_rec *r, const oa2_server_conf_t *conf)
{
    const oa2_server_rt_t *rt = oa2_ap_server_rt_of(conf);
    oa2_authz_request_t *req = NULL;
    const char *location, *uri_hash = NULL;
    const oa2_form_t *params;
    oa2_form_t *query;
    oa2_store_t *st;
    oa2_err_t err;
    apr_int64_t auth_time, now = apr_time_sec(r->request_time);
    int redirectable = 0, needed, status, stale;

    if (oa2_ap_login_require_user(&status, r, conf, "OA2-00435", "OA2-00783")
        != APR_SUCCESS) {
        return status;
    }
    if (oa2_ap_io_read_page_params(&query, &status, r, conf) != APR_SUCCESS) {
        return status;
    }
    if (oa2_ap_dbd_store(&st, r, conf, &err) != APR_SUCCESS) {
        return oa2_ap_io_send_error_page(r, conf, &err);
    }
    /* A GET may name a pushed request by its request_uri (RFC 9126 §4):
     * its parameters replace the query's. Nothing of an unusable one is
     * trusted, its redirect_uri neither: the error page. The consent
     * form's POST carries the parameters themselves, bound by its
     * csrf_token to this user and to what the GET validated. */
    params = query;
    if (r->method_number == M_GET
        && oa2_par_resolve(&params, &uri_hash, st, query, now, &err, r->pool)
            != APR_SUCCESS) {
        return oa2_ap_io_send_error_page(r, conf, &err);
    }
    if (oa2_ap_cimd_prepare(r, conf, st, params, &err) != APR_SUCCESS
        || oa2_authorize_parse(&req, &redirectable, rt->as, st, params, &err,
                               r->pool)
            != APR_SUCCESS) {
        /* Our own form always parses: a POST that does not was forged or
         * tampered with, and nothing it says is followed. */
        return refuse(r, conf, req, redirectable && r->method_number != M_POST,
                      &err);
    }
    if (r->method_number == M_POST) {
        return decide(r, conf, st, req, query);
    }
    if (!uri_hash && oa2_par_check_required(rt->as, req, &err) != APR_SUCCESS) {
        return refuse(r, conf, req, 1, &err);
    }
    auth_time = sign_in_time(r, conf, req);
    stale = oa2_authorize_login_stale(rt->as, req, auth_time, now);
    if (stale && !(req->prompt && !strcmp(req->prompt, "none"))) {
        /* A pushed request stays: the browser returns to this URL. */
        return oa2_ap_login_again(r, conf);
    }
    /* Taken now, once, by whichever request gets here first: what follows
     * answers it (a code, the consent page, an error redirect), and a
     * second use (a reload, another browser) finds it used. */
    if (uri_hash) {
        if (oa2_par_consume(st, uri_hash, req->client->client_id, now, &err,
                            r->pool)
            != APR_SUCCESS) {
            return oa2_ap_io_send_error_page(r, conf, &err);
        }
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                      "OA2-01318: pushed authorization request %.8s of "
                      "client %s taken",
                      uri_hash, req->client->client_id);
    }
    if (stale) {
        oa2_err_set(&err, HTTP_BAD_REQUEST, "login_required", "OA2-00926",
                    "the user's sign-in is older than max_age");
        return refuse(r, conf, req, 1, &err);
    }
    if (oa2_authorize_needs_consent(&needed, st, req, r->user, &err, r->pool)
        != APR_SUCCESS) {
        return oa2_ap_io_send_error_page(r, conf, &err);
    }
    if (!needed) {
        if (oa2_authorize_approve(&location, rt->as, st, req,
                                  approved_user(r, conf, req, auth_time), now,
                                  0, &err, r->pool)
            != APR_SUCCESS) {
            return oa2_ap_io_send_error_page(r, conf, &err);
        }
        audit_approved(r, "OA2-01815", "code issued on remembered consent",
                       req);
        return redirect(r, HTTP_MOVED_TEMPORARILY, location);
    }
    if (req->prompt && !strcmp(req->prompt, "none")) {
        oa2_err_set(&err, HTTP_BAD_REQUEST, "consent_required", "OA2-00436",
                    "the user has not consented to this request");
        return refuse(r, conf, req, 1, &err);
    }
    return show_consent(r, conf, req);
}

struct oa2_authz_user_t *oa2_ap_authorize_user_of(request_rec *r,
                                                  const oa2_server_conf_t *conf,
                                                  const oa2_client_t *client,
                                                  const char *scope)
{
    oa2_authz_request_t *req = apr_pcalloc(r->pool, sizeof(*req));

    req->client = client;
    req->scope = scope;
    req->max_age = -1;
    return approved_user(r, conf, req, sign_in_time(r, conf, req));
}
