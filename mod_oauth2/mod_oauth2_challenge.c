/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/*
 * The RFC 6750 challenge: WWW-Authenticate written from the failure that
 * authn or authz left in the request, and the 403 of insufficient_scope.
 *
 * mod_authz_core answers an authz denial of an authenticated user with 401
 * and calls note_auth_failure; RFC 6750 §3.1 wants 403 for a valid token
 * that lacks the scope. The status is turned into 403 when the error
 * response is built (insert_error_filter runs before the status line is
 * written), so admins need no extra directive.
 */
#include "httpd.h"
#include "http_config.h"
#include "http_core.h"
#include "http_protocol.h"
#include "http_request.h"
#include "mod_auth.h"

#include <apr_strings.h>
#include <apr_uri.h>

#include "mod_oauth2_private.h"
#include "oa2_bearer.h"
#include "oa2_dpop.h"
#include "oa2_scope.h"
#include "oa2_well_known.h"

#define FORBIDDEN_BODY                                                         \
    "<!DOCTYPE HTML PUBLIC \"-//IETF//DTD HTML 2.0//EN\">\n"                   \
    "<html><head>\n<title>403 Forbidden</title>\n</head><body>\n"              \
    "<h1>Forbidden</h1>\n<p>The access token does not grant access to "        \
    "this resource.</p>\n</body></html>\n"

/* The realm as plain text, which oa2_bearer_challenge() wants: it escapes
 * the realm itself. mod_authn_core hands AuthName out through
 * ap_escape_quotes() for mod_auth_basic, which writes it between quotes as
 * is: '"' becomes '\"', an existing backslash pair is kept. Dropping the
 * backslash of each pair gives the realm a client reads from Basic's
 * challenge for the same AuthName; a lone trailing backslash, which leaves
 * Basic's quoted-string open, stays a backslash and is escaped there.
 * (AuthName is an expression: one may yield control characters, which
 * quoted-strings cannot carry; they are dropped there too.) */
const char *oa2_ap_challenge_realm(request_rec *r)
{
    const char *name = ap_auth_name(r);
    char *plain, *o;

    if (!name) {
        return r->server->server_hostname;
    }
    plain = o = apr_palloc(r->pool, strlen(name) + 1);
    for (; *name; name++) {
        if (*name == '\\' && name[1]) {
            name++;
        }
        *o++ = *name;
    }
    *o = '\0';
    return plain;
}

/*
 * OAuth2ProtectedResource: the RFC 9728 metadata URL of the resource this
 * location serves (its audience), or NULL. The well-known path goes
 * between the origin and the path of the resource identifier (§3.1), as
 * mod_oauth2_endpoints.c serves it.
 */
static const char *resource_metadata_of(request_rec *r)
{
    const oa2_server_conf_t *s =
        ap_get_module_config(r->server->module_config, &oauth2_module);
    const oa2_dir_conf_t *d =
        ap_get_module_config(r->per_dir_config, &oauth2_module);
    const char *audience, *uri, *url;
    int i;

    if (!s || !d || !s->protected_resources) {
        return NULL;
    }
    audience = oa2_ap_config_audience(d, s);
    for (i = 0; audience && i < s->protected_resources->nelts; i++) {
        uri = APR_ARRAY_IDX(s->protected_resources, i, const char *);
        if (!strcmp(uri, audience)
            && (url = oa2_well_known_url(OA2_WELL_KNOWN_RESOURCE, uri,
                                         r->pool))) {
            return url;
        }
    }
    return NULL;
}

static void set_challenge(request_rec *r, oa2_request_t *rq)
{
    const char *scope = NULL;
    oa2_err_t fallback;
    const oa2_err_t *err = &rq->err;

    if (!rq->failed && rq->token) {
        /* Another Require (say "Require user") refused a valid token. */
        oa2_err_set(&fallback, HTTP_FORBIDDEN, "insufficient_scope",
                    "OA2-00113",
                    "the token does not grant access to this "
                    "resource");
        err = &fallback;
    }
    if (rq->need_scope && rq->need_scope->nelts) {
        scope = oa2_scope_join(rq->need_scope, r->pool);
    }
    if (rq->dpop) {
        /* RFC 9449 §7.1: the scheme the client used. */
        apr_table_setn(r->err_headers_out, "WWW-Authenticate",
                       oa2_bearer_dpop_challenge(oa2_ap_challenge_realm(r), err,
                                                 scope, resource_metadata_of(r),
                                                 OA2_DPOP_ALGS, r->pool));
        return;
    }
    apr_table_setn(r->err_headers_out, "WWW-Authenticate",
                   oa2_bearer_challenge(oa2_ap_challenge_realm(r), err, scope,
                                        resource_metadata_of(r), r->pool));
    if (!err->error) {
        /* No token: either scheme will do (RFC 9449 §7.2). */
        apr_table_addn(r->err_headers_out, "WWW-Authenticate",
                       oa2_bearer_dpop_challenge(oa2_ap_challenge_realm(r),
                                                 NULL, NULL, NULL,
                                                 OA2_DPOP_ALGS, r->pool));
        oa2_ap_dpop_nonce_header(r);
    }
}

static int note_auth_failure(request_rec *r, const char *auth_type)
{
    oa2_request_t *rq;

    if (!auth_type || strcasecmp(auth_type, OA2_AUTH_TYPE)) {
        return DECLINED;
    }
    rq = oa2_ap_request_get(r);
    set_challenge(r, rq);
    return OK;
}

static void insert_error_filter(request_rec *r)
{
    oa2_request_t *rq = oa2_ap_request_peek(r);
    int converted = 0;

    /* Only a request whose token was valid can lack privileges. */
    if (!rq || !rq->token) {
        return;
    }
    if (r->status == HTTP_UNAUTHORIZED) {
        converted = 1;
        r->status = HTTP_FORBIDDEN;
        /* The body is chosen from the original 401; give it the 403's. */
        ap_custom_response(r, HTTP_UNAUTHORIZED, FORBIDDEN_BODY);
    }
    if (r->status == HTTP_FORBIDDEN && (converted || rq->failed)
        && !apr_table_get(r->err_headers_out, "WWW-Authenticate")) {
        /* AuthzSendForbiddenOnFailure skips note_auth_failure. */
        set_challenge(r, rq);
    }
}

void oa2_ap_challenge_register_hooks(apr_pool_t *p)
{
    (void)p;
    ap_hook_note_auth_failure(note_auth_failure, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_insert_error_filter(insert_error_filter, NULL, NULL,
                                APR_HOOK_MIDDLE);
}
