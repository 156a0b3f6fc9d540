/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/* Response helpers shared by the endpoints: JSON bodies and CORS. */
#include <strings.h>

#include "httpd.h"
#include "http_log.h"
#include "http_protocol.h"

#include <apr_strings.h>

#include "mod_oauth2_private.h"
#include "oa2_assertion.h"
#include "oa2_cleanup.h"

void oa2_ap_io_cors(request_rec *r)
{
    apr_table_setn(r->err_headers_out, "Access-Control-Allow-Origin", "*");
    /* A browser-based client reads the nonce it must sign (RFC 9449 §8). */
    apr_table_setn(r->err_headers_out, "Access-Control-Expose-Headers",
                   "DPoP-Nonce");
}

int oa2_ap_io_cors_preflight(request_rec *r)
{
    oa2_ap_io_cors(r);
    apr_table_setn(r->err_headers_out, "Access-Control-Allow-Methods",
                   "GET, POST");
    apr_table_setn(r->err_headers_out, "Access-Control-Allow-Headers",
                   "Authorization, Content-Type, DPoP");
    apr_table_setn(r->err_headers_out, "Access-Control-Max-Age", "86400");
    r->status = HTTP_NO_CONTENT;
    return OK;
}

int oa2_ap_io_send_json(request_rec *r, int status, const char *content_type,
                        const char *json)
{
    r->status = status;
    ap_set_content_type(r, content_type ? content_type : "application/json");
    ap_set_content_length(r, (apr_off_t)strlen(json));
    if (!r->header_only) {
        ap_rputs(json, r);
    }
    return OK;
}

int oa2_ap_io_send_no_store_json(request_rec *r, int status, const char *json)
{
    /* A success's in headers_out, where mod_session (a form login's
     * session on the same path) finds a Cache-Control and adds none of its
     * own; an error's in err_headers_out, which every error path keeps.
     * Pragma for HTTP/1.0 caches (RFC 6749 §5.1). */
    apr_table_t *h = status < 400 ? r->headers_out : r->err_headers_out;

    apr_table_setn(h, "Cache-Control", "no-store");
    apr_table_setn(h, "Pragma", "no-cache");
    return oa2_ap_io_send_json(r, status, NULL, json);
}

void oa2_ap_io_log_error(request_rec *r, const oa2_err_t *err)
{
    int level = err->status >= 500 ? APLOG_ERR : APLOG_INFO;

    oa2_ap_metrics_error(r, err); /* every error answer passes here */

    ap_log_rerror(
        APLOG_MARK, level, err->cause, r, "%s: %s%s%s%s",
        err->log_id ? err->log_id : "OA2-00410",
        err->error ? err->error : "error", err->description ? ": " : "",
        err->description ? err->description : "",
        err->detail ? apr_pstrcat(r->pool, " (", err->detail, ")", NULL) : "");
}

apr_status_t oa2_ap_io_read_body(const char **body, apr_size_t *len,
                                 request_rec *r, apr_size_t max, oa2_err_t *err)
{
    char *buf = apr_palloc(r->pool, max + 1);
    apr_size_t total = 0;
    long n;

    if (ap_setup_client_block(r, REQUEST_CHUNKED_DECHUNK) != OK) {
        return oa2_err_set(err, HTTP_BAD_REQUEST, "invalid_request",
                           "OA2-00411", "the request body cannot be read");
    }
    if (ap_should_client_block(r)) {
        while ((n = ap_get_client_block(r, buf + total, max + 1 - total)) > 0) {
            total += (apr_size_t)n;
            if (total > max) {
                return oa2_err_set(err, HTTP_BAD_REQUEST, "invalid_request",
                                   "OA2-00412",
                                   "the request body is too "
                                   "large");
            }
        }
        if (n < 0) {
            return oa2_err_set(err, HTTP_BAD_REQUEST, "invalid_request",
                               "OA2-00413", "the request body cannot be read");
        }
    }
    buf[total] = '\0';
    *body = buf;
    *len = total;
    return APR_SUCCESS;
}

apr_status_t oa2_ap_io_read_form(oa2_form_t **form, request_rec *r,
                                 oa2_err_t *err)
{
    const char *type = apr_table_get(r->headers_in, "Content-Type");
    const char *body;
    apr_size_t len;
    apr_status_t rv;

    if (!type || strncasecmp(type, "application/x-www-form-urlencoded", 33)
        || (type[33] && type[33] != ';' && type[33] != ' ')) {
        return oa2_err_set(err, HTTP_BAD_REQUEST, "invalid_request",
                           "OA2-00414",
                           "the body must be "
                           "application/x-www-form-urlencoded");
    }
    rv = oa2_ap_io_read_body(&body, &len, r, OA2_FORM_MAX_LEN, err);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    return oa2_form_parse(form, body, len, err, r->pool);
}

int oa2_ap_io_send_error_json(request_rec *r, const oa2_err_t *err)
{
    json_t *doc = oa2_cleanup_json(json_object(), r->pool);
    const char *text;

    oa2_ap_io_log_error(r, err);
    if (err->status == HTTP_TOO_MANY_REQUESTS) {
        oa2_ap_ratelimit_retry_after(r); /* OAuth2RateLimit */
    }
    json_object_set_new(doc, "error",
                        json_string(err->error ? err->error : "server_error"));
    if (err->description) {
        json_object_set_new(doc, "error_description",
                            json_string(err->description));
    }
    text = oa2_cleanup_malloced(json_dumps(doc, JSON_COMPACT), r->pool);
    return oa2_ap_io_send_no_store_json(r, err->status, text ? text : "{}");
}

void oa2_ap_io_page_headers(request_rec *r)
{
    apr_table_t *h = r->err_headers_out;

    apr_table_setn(h, "Cache-Control", "no-store");
    apr_table_setn(h, "Pragma", "no-cache");
    apr_table_setn(h, "Referrer-Policy", "no-referrer");
    apr_table_setn(h, "X-Frame-Options", "DENY");
    apr_table_setn(h, "X-Content-Type-Options", "nosniff");
    /* No form-action: browsers apply it to the redirect that follows the
     * consent form, and that goes to the client, another origin. */
    apr_table_setn(h, "Content-Security-Policy",
                   "default-src 'none'; style-src 'unsafe-inline'; "
                   "img-src data:; "
                   "frame-ancestors 'none'; base-uri 'none'");
}

int oa2_ap_io_send_html(request_rec *r, int status, const char *html)
{
    oa2_ap_io_page_headers(r);
    r->status = status;
    ap_set_content_type(r, "text/html; charset=utf-8");
    ap_set_content_length(r, (apr_off_t)strlen(html));
    if (!r->header_only) {
        ap_rputs(html, r);
    }
    return OK;
}

int oa2_ap_io_send_error_page(request_rec *r, const oa2_server_conf_t *conf,
                              const oa2_err_t *err)
{
    const oa2_server_rt_t *rt = oa2_ap_server_rt_of(conf);
    oa2_tmpl_vars_t *vars = oa2_tmpl_vars_make(r->pool);

    oa2_ap_io_log_error(r, err);
    oa2_tmpl_set(vars, "error", err->error ? err->error : "server_error");
    oa2_tmpl_set(vars, "error_description",
                 err->description ? err->description : "");
    oa2_tmpl_set(vars, "status", apr_itoa(r->pool, err->status));
    return oa2_ap_io_send_html(r, err->status,
                               oa2_tmpl_render(rt->error_tmpl, vars, r->pool));
}

/* What a client assertion (private_key_jwt) is checked with: the token
 * endpoint's URL, an aud every endpoint accepts; the shared cache and the
 * CA file for the keys at a client's jwks_uri. */
static const oa2_assertion_env_t *assertion_env(request_rec *r,
                                                const oa2_server_conf_t *conf)
{
    const oa2_server_rt_t *rt = oa2_ap_server_rt_of(conf);
    oa2_assertion_env_t *env = apr_pcalloc(r->pool, sizeof(*env));

    env->token_endpoint = oa2_ap_config_endpoint_url(conf, "/token", r->pool);
    env->keys.cache = oa2_ap_cache_shared(r);
    env->keys.seal = rt->as ? rt->as->record_key : NULL;
    env->keys.ca_file = conf->fetch_ca_file;
    env->now = apr_time_sec(r->request_time);
    return env;
}

apr_status_t oa2_ap_io_backchannel_begin(oa2_backchannel_t *in,
                                         oa2_store_t **st, request_rec *r,
                                         const oa2_server_conf_t *conf,
                                         const char *endpoint,
                                         const char *log_id_405, oa2_err_t *err)
{
    oa2_form_t *form;
    apr_status_t rv;

    memset(in, 0, sizeof(*in));

    if (r->method_number != M_POST) {
        apr_table_setn(r->err_headers_out, "Allow", "POST, OPTIONS");
        /* Not r->uri: no error text carries what the request sent. */
        return oa2_err_set(err, HTTP_METHOD_NOT_ALLOWED, "invalid_request",
                           log_id_405, "this endpoint takes POST");
    }
    if ((rv = oa2_ap_io_read_form(&form, r, err)) != APR_SUCCESS) {
        return rv;
    }
    in->form = form;
    in->authorization = apr_table_get(r->headers_in, "Authorization");
    in->client_cert = oa2_ap_tls_client_cert(&in->client_cert_verified, r);
    in->method = r->method;
    in->endpoint = oa2_ap_config_endpoint_url(conf, endpoint, r->pool);
    in->dpop = apr_table_get(r->headers_in, "DPoP");
    in->assertion = assertion_env(r, conf);
    in->replay_cache = oa2_ap_cache_shared(r);
    in->ratelimit = oa2_ap_ratelimit(r, conf);
    return oa2_ap_dbd_store(st, r, conf, err);
}

int oa2_ap_io_send_client_error(request_rec *r, const oa2_server_conf_t *conf,
                                const oa2_err_t *err)
{
    if (err->status == HTTP_UNAUTHORIZED) {
        apr_table_setn(
            r->err_headers_out, "WWW-Authenticate",
            apr_psprintf(r->pool, "Basic realm=\"%s\"", conf->issuer));
    }
    return oa2_ap_io_send_error_json(r, err);
}

int oa2_ap_io_send_document(request_rec *r, const char *content_type,
                            const char *json)
{
    if (r->method_number != M_GET) {
        r->allowed = (AP_METHOD_BIT << M_GET) | (AP_METHOD_BIT << M_OPTIONS);
        return HTTP_METHOD_NOT_ALLOWED;
    }
    /* Public and rarely changed: caches may keep it for a while. */
    apr_table_setn(r->headers_out, "Cache-Control", "public, max-age=300");
    return oa2_ap_io_send_json(r, HTTP_OK, content_type, json);
}

apr_status_t oa2_ap_io_read_page_params(oa2_form_t **params, int *status,
                                        request_rec *r,
                                        const oa2_server_conf_t *conf)
{
    const char *q = r->args ? r->args : "";
    apr_status_t rv = APR_EGENERAL;
    oa2_err_t err;

    if (r->method_number == M_POST) {
        rv = oa2_ap_io_read_form(params, r, &err);
    }
    else if (r->method_number == M_GET) {
        rv = oa2_form_parse(params, q, strlen(q), &err, r->pool);
    }
    else {
        r->allowed = (AP_METHOD_BIT << M_GET) | (AP_METHOD_BIT << M_POST);
        *status = HTTP_METHOD_NOT_ALLOWED;
        return APR_EGENERAL;
    }
    if (rv != APR_SUCCESS) {
        *status = oa2_ap_io_send_error_page(r, conf, &err);
    }
    return rv;
}
