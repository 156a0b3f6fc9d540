/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/*
 * The user's sign-in as the authorization endpoint sees it: when it
 * happened (auth_time, Core §2), making the user sign in again (prompt=
 * login, max_age), and ending it (logout).
 *
 * httpd authenticates every request and tells no module when the user
 * typed a password. So the endpoint keeps its own record: a cookie with
 * the time it first saw this user authenticated in this browser, signed
 * with a key of the issuer. A browser without it (a new one, or one that
 * just signed in again) signed in now. Signing in again means, for a
 * login kept in a mod_session session (mod_auth_form), ending that
 * session and coming back to the same URL through the login form; for a
 * login the browser repeats on each request (Basic, Digest), a 401 that
 * makes it ask the user again.
 */
#include "httpd.h"
#include "http_log.h"
#include "http_protocol.h"
#include "util_cookies.h"

#include <apr_optional.h>
#include <apr_strings.h>

#include "mod_oauth2_private.h"
#include "mod_session.h"
#include "oa2_authorize.h"
#include "oa2_csrf.h"

#define AUTH_TIME_COOKIE "oauth2_auth_time"

/* A year: the cookie outlives no browser session anyway (no Max-Age). */
#define AUTH_TIME_MAX_AGE 31536000

/* The cookie's attributes: only the AS's paths, never to scripts, not on
 * cross-site subrequests; Secure for an https issuer. */
static const char *cookie_attrs(request_rec *r, const oa2_server_conf_t *conf)
{
    const char *base = oa2_ap_config_base_path(conf);

    return apr_pstrcat(r->pool, "Path=", strcmp(base, "/") ? base : "/",
                       ";HttpOnly;SameSite=Lax",
                       strncmp(conf->issuer, "https:", 6) ? "" : ";Secure",
                       NULL);
}

/* The session of this request when mod_session keeps one here, else
 * NULL. */
static session_rec *session_of(request_rec *r)
{
    APR_OPTIONAL_FN_TYPE(ap_session_load) *load =
        APR_RETRIEVE_OPTIONAL_FN(ap_session_load);
    session_rec *z = NULL;

    if (!load || load(r, &z) != APR_SUCCESS) {
        return NULL;
    }
    return z;
}

apr_int64_t oa2_ap_login_auth_time(request_rec *r,
                                   const oa2_server_conf_t *conf)
{
    const oa2_server_rt_t *rt = oa2_ap_server_rt_of(conf);
    apr_int64_t now = apr_time_sec(r->request_time), at;
    const char *fields[] = {"auth_time", r->user};
    const char *cookie = NULL;

    if (ap_cookie_read(r, AUTH_TIME_COOKIE, &cookie, 0) == APR_SUCCESS && cookie
        && oa2_csrf_verify_for(&at, rt->as, cookie, fields, 2, r->pool)
        && at <= now + 60 && now - at <= AUTH_TIME_MAX_AGE) {
        return at < now ? at : now;
    }
    ap_cookie_write(
        r, AUTH_TIME_COOKIE, oa2_csrf_make_for(rt->as, fields, 2, now, r->pool),
        cookie_attrs(r, conf), 0, r->headers_out, r->err_headers_out, NULL);
    return now;
}

int oa2_ap_login_end_session(request_rec *r)
{
    session_rec *z = session_of(r);

    if (!z || apr_is_empty_table(z->entries)) {
        return 0;
    }
    /* mod_auth_form's user and password go with everything else; the
     * emptied session is saved, and mod_session_cookie expires its
     * cookie. */
    apr_table_clear(z->entries);
    z->dirty = 1;
    return 1;
}

int oa2_ap_login_again(request_rec *r, const oa2_server_conf_t *conf)
{
    ap_cookie_remove(r, AUTH_TIME_COOKIE, cookie_attrs(r, conf), r->headers_out,
                     r->err_headers_out, NULL);
    if (oa2_ap_login_end_session(r)) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      "OA2-00924: %s must sign in again: session ended, "
                      "back to the login",
                      r->user);
        oa2_ap_io_page_headers(r);
        /* relative: right behind a proxy too (RFC 9110 §10.2.2) */
        apr_table_setn(r->headers_out, "Location", r->unparsed_uri);
        r->status = HTTP_MOVED_TEMPORARILY;
        ap_set_content_length(r, 0);
        return OK;
    }
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                  "OA2-00925: %s must sign in again: asking the browser "
                  "for credentials",
                  r->user);
    ap_note_auth_failure(r);
    return HTTP_UNAUTHORIZED;
}

apr_status_t oa2_ap_login_require_user(int *status, request_rec *r,
                                       const oa2_server_conf_t *conf,
                                       const char *no_user_id,
                                       const char *bad_user_id)
{
    oa2_err_t err;

    if (!r->user) {
        oa2_err_set(&err, HTTP_INTERNAL_SERVER_ERROR, "server_error",
                    no_user_id, "the authorization server is misconfigured");
        oa2_err_detail(&err, r->pool,
                       "%s was reached without an authenticated user: "
                       "protect it with an httpd authentication, e.g. "
                       "<Location %s> AuthType Basic, AuthName, "
                       "AuthUserFile, Require valid-user </Location>",
                       r->uri, r->uri);
        *status = oa2_ap_io_send_error_page(r, conf, &err);
        return APR_EGENERAL;
    }
    if (!oa2_authorize_user_ok(r->user)) {
        oa2_err_set(&err, HTTP_INTERNAL_SERVER_ERROR, "server_error",
                    bad_user_id,
                    "the authorization server cannot serve this user");
        oa2_err_detail(&err, r->pool,
                       "the user name httpd authenticated is empty, longer "
                       "than %d bytes or not UTF-8: it cannot be the "
                       "subject of a grant",
                       OA2_USER_MAX);
        *status = oa2_ap_io_send_error_page(r, conf, &err);
        return APR_EGENERAL;
    }
    return APR_SUCCESS;
}
