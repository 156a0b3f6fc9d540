/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/*
 * DPoP (RFC 9449) in httpd: OAuth2DPoPNonce, the server nonces of the
 * responses, the start-up checks, and the resource server's check of a
 * token presented with the DPoP scheme (glue to oa2_dpop.c). The token
 * endpoint's binding is the core's (oa2_grant.c, bind_sender).
 *
 *   OAuth2DPoPNonce on|off     (server; default off)
 *
 * The htu a resource server compares is the URL the client addressed,
 * as httpd saw it: the scheme (https when mod_ssl serves the connection,
 * or the scheme of ServerName), the host and port of the Host header
 * (UseCanonicalName Off) or of ServerName (On), and the path of the
 * request line without its query. Behind a proxy that rewrites any of
 * them, ServerName with the public scheme, host and port and
 * UseCanonicalName On make the two agree (README, "DPoP").
 */
#include "httpd.h"
#include "http_config.h"
#include "http_core.h"
#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"

#include <apr_strings.h>
#include <apr_uri.h>

#include "mod_oauth2_private.h"
#include "oa2_dpop.h"
#include "oa2_dpop_keys.h"

/* The note of the request a client sent that holds the DPoP proof
 * accepted for it: its subrequests and internal redirects check the same
 * proof again, but do not count its jti as a replay. */
#define ACCEPTED_NOTE "oauth2-dpop-accepted"

/* The authorization server of @a r's virtual host, or NULL. */
static const oa2_as_t *as_of(request_rec *r)
{
    return oa2_ap_server_rt(r->server)->as;
}

void oa2_ap_dpop_nonce_header(request_rec *r)
{
    const oa2_as_t *as = as_of(r);
    const char *nonce;

    if (!as || !as->dpop_nonce) {
        return;
    }
    nonce = oa2_dpop_nonce(as->dpop_nonce_key, apr_time_sec(r->request_time),
                           r->pool);
    if (nonce) {
        /* err_headers_out: on the success and the error alike. */
        apr_table_setn(r->err_headers_out, "DPoP-Nonce", nonce);
    }
}

/* The request the client sent, of a subrequest or internal redirect. */
static request_rec *request_sent(request_rec *r)
{
    while (r->main || r->prev) {
        r = r->main ? r->main : r->prev;
    }
    return r;
}

/* The URL the client addressed with @a r (the htu of its proofs): the
 * scheme, host and port httpd answers for, and the path of the request
 * line as sent (oa2_dpop_url_normal() compares both sides normalized). */
static const char *request_url(request_rec *r)
{
    const char *path = NULL;
    apr_uri_t u;

    if (r->unparsed_uri
        && apr_uri_parse(r->pool, r->unparsed_uri, &u) == APR_SUCCESS) {
        path = u.path;
    }
    if (!path || *path != '/') {
        path = r->uri;
    }
    return apr_psprintf(r->pool, "%s://%s:%u%s", ap_http_scheme(r),
                        ap_get_server_name_for_url(r), ap_get_server_port(r),
                        path);
}

void oa2_ap_dpop_resource_check(oa2_dpop_check_t *check, request_rec *r,
                                const char *token)
{
    request_rec *sent = request_sent(r);
    const oa2_as_t *as = as_of(r);
    const char *accepted = apr_table_get(sent->notes, ACCEPTED_NOTE);

    memset(check, 0, sizeof(*check));
    check->header = apr_table_get(r->headers_in, "DPoP");
    check->method = sent->method;
    check->url = request_url(sent);
    check->access_token = token;
    check->nonce_key = as && as->dpop_nonce ? as->dpop_nonce_key : NULL;
    /* A subrequest or internal redirect of a request whose proof was
     * accepted: the same proof again, not a replay. */
    check->replay =
        accepted && check->header && !strcmp(accepted, check->header)
        ? NULL
        : oa2_ap_cache_shared(r);
    check->resource = 1;
    oa2_ap_dpop_nonce_header(r);
}

apr_status_t oa2_ap_dpop_check(request_rec *r, const oa2_access_token_t *tok,
                               const char *token, int dpop, oa2_err_t *err)
{
    request_rec *sent = request_sent(r);
    oa2_dpop_check_t check;
    apr_status_t rv;

    if (!dpop) {
        return oa2_dpop_check_token(&tok->cnf, NULL, 0, err, r->pool);
    }
    oa2_ap_dpop_resource_check(&check, r, token);
    rv = oa2_dpop_check_token(&tok->cnf, &check, apr_time_sec(r->request_time),
                              err, r->pool);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    if (!apr_table_get(sent->notes, ACCEPTED_NOTE)) {
        apr_table_setn(sent->notes, ACCEPTED_NOTE, check.header);
    }
    ap_log_rerror(APLOG_MARK, APLOG_TRACE1, 0, r,
                  "OA2-01453: DPoP proof accepted (jkt %s)", tok->cnf.jkt);
    return APR_SUCCESS;
}

/* OAuth2DPoPNonce on where there is no authorization server: its nonces
 * are made with a key derived from the signing key. */
static int check_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp,
                        server_rec *main_s)
{
    server_rec *s;
    int failed = 0;

    (void)pconf;
    (void)plog;
    (void)ptemp;
    for (s = main_s; s; s = s->next) {
        const oa2_server_conf_t *c =
            ap_get_module_config(s->module_config, &oauth2_module);
        if (c->dpop_nonce == 1 && !(c->issuer && c->keys)) {
            ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s,
                         "OA2-01460: OAuth2DPoPNonce on in %s needs "
                         "OAuth2Issuer and OAuth2SigningKey there: its "
                         "nonces are made with a key derived from the "
                         "signing key (turn it off for a resource server "
                         "alone)",
                         s->is_virtual ? s->server_hostname
                                       : "the main server");
            failed = 1;
        }
    }
    return failed ? HTTP_INTERNAL_SERVER_ERROR : OK;
}

/* Without a token cache a proof's jti cannot be remembered, so a proof
 * is accepted again within its iat window (RFC 9449 §11.1). Said once
 * at start: a warning where OAuth2DPoPNonce shows DPoP is in use, a
 * notice wherever an authorization server accepts DPoP proofs. */
static int post_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp,
                       server_rec *main_s)
{
    server_rec *s;

    (void)pconf;
    (void)plog;
    (void)ptemp;
    if (oa2_ap_cache_enabled()) {
        return OK;
    }
    for (s = main_s; s; s = s->next) {
        const oa2_server_conf_t *c =
            ap_get_module_config(s->module_config, &oauth2_module);
        const oa2_as_t *as = oa2_ap_server_rt(s)->as;
        if (as && as->dpop_nonce) {
            ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s,
                         "OA2-01461: OAuth2DPoPNonce is on for %s but there "
                         "is no token cache: a DPoP proof can be replayed "
                         "within %d seconds of its iat; LoadModule "
                         "socache_shmcb_module, or set OAuth2TokenCache",
                         c->issuer, OA2_DPOP_WINDOW);
            return OK;
        }
    }
    for (s = main_s; s; s = s->next) {
        const oa2_server_conf_t *c =
            ap_get_module_config(s->module_config, &oauth2_module);
        if (oa2_ap_server_rt(s)->as) {
            ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, s,
                         "OA2-01462: no token cache: DPoP proofs (at %s and "
                         "any AuthType OAuth2 location) are not checked "
                         "for replay; LoadModule socache_shmcb_module, or "
                         "set OAuth2TokenCache",
                         c->issuer);
            return OK;
        }
    }
    return OK;
}

/* Each child keeps the keys of recent proofs (oa2_dpop_keys.h). */
static void child_init(apr_pool_t *p, server_rec *s)
{
    apr_status_t rv = oa2_dpop_keys_init_process(p);

    if (rv != APR_SUCCESS) {
        /* Only slower: every proof's key is imported. */
        ap_log_error(APLOG_MARK, APLOG_ERR, rv, s,
                     "OA2-01463: cannot create the lock of the DPoP key "
                     "cache; proofs' keys are not cached");
    }
}

void oa2_ap_dpop_register_hooks(apr_pool_t *p)
{
    (void)p;
    ap_hook_child_init(child_init, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_check_config(check_config, NULL, NULL, APR_HOOK_MIDDLE);
    /* After the cache's post_config, which starts it. */
    ap_hook_post_config(post_config, NULL, NULL, APR_HOOK_LAST);
}
