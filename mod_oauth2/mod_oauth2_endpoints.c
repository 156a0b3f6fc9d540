/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/*
 * Routing of the authorization server endpoints under OAuth2BasePath.
 *
 * The path is claimed in translate_name, ahead of mod_proxy, mod_rewrite
 * and mod_alias, so the endpoints are served even when the vhost proxies
 * everything else ("ProxyPass /"). The choice is kept in the request record
 * rather than r->handler, which a SetHandler in a <Location> would replace.
 */
#include "httpd.h"
#include "http_config.h"
#include "http_core.h"
#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"
#include "mod_auth.h"

#include <apr_strings.h>
#include <apr_uri.h>

#include "mod_oauth2_private.h"
#include "oa2_well_known.h"

/* The endpoints under OAuth2BasePath. */
static const struct {
    const char *name;
    oa2_ap_endpoint_t endpoint;
} endpoints[] = {{"jwks", OA2_ENDPOINT_JWKS},
                 {"authorize", OA2_ENDPOINT_AUTHORIZE},
                 {"token", OA2_ENDPOINT_TOKEN},
                 {"introspect", OA2_ENDPOINT_INTROSPECT},
                 {"revoke", OA2_ENDPOINT_REVOKE},
                 {"register", OA2_ENDPOINT_REGISTER},
                 {"userinfo", OA2_ENDPOINT_USERINFO},
                 {"logout", OA2_ENDPOINT_LOGOUT},
                 {"par", OA2_ENDPOINT_PAR},
                 {"device_authorization", OA2_ENDPOINT_DEVICE_AUTHORIZATION},
                 {"device", OA2_ENDPOINT_DEVICE},
                 {NULL, OA2_ENDPOINT_NONE}};

/* RFC 9728 §3.1: the well-known path of a protected resource, or -1. */
static int resource_index(request_rec *r, const oa2_server_conf_t *conf)
{
    int i;

    for (i = 0;
         conf->protected_resources && i < conf->protected_resources->nelts;
         i++) {
        const char *uri =
            APR_ARRAY_IDX(conf->protected_resources, i, const char *);
        if (!strcmp(
                r->uri,
                oa2_well_known_path(OA2_WELL_KNOWN_RESOURCE, uri, r->pool))) {
            return i;
        }
    }
    return -1;
}

static oa2_ap_endpoint_t endpoint_of(request_rec *r,
                                     const oa2_server_conf_t *conf)
{
    const oa2_server_rt_t *rt = oa2_ap_server_rt_of(conf);
    const char *base = oa2_ap_config_base_path(conf);
    size_t n = strlen(base);
    int i;

    if (!conf->issuer) {
        return OA2_ENDPOINT_NONE;
    }
    /* OpenID Discovery 1.0 §4: after the issuer's path. */
    if (rt->openid_json
        && !strcmp(r->uri,
                   oa2_well_known_path(OA2_WELL_KNOWN_OPENID, conf->issuer,
                                       r->pool))) {
        return OA2_ENDPOINT_OPENID_CONFIGURATION;
    }
    if (!strncmp(r->uri, "/.well-known/", 13)) {
        /* RFC 8414 §3.1: the issuer's path goes after the well-known. */
        if (!strcmp(r->uri,
                    oa2_well_known_path(OA2_WELL_KNOWN_AS, conf->issuer,
                                        r->pool))) {
            return OA2_ENDPOINT_METADATA;
        }
        if ((i = resource_index(r, conf)) >= 0) {
            oa2_ap_request_get(r)->resource = i;
            return OA2_ENDPOINT_RESOURCE_METADATA;
        }
        return OA2_ENDPOINT_NONE;
    }
    if (n == 1) {
        n = 0; /* OAuth2BasePath / serves /token, /jwks, ... */
    }
    if (strncmp(r->uri, base, n) || r->uri[n] != '/') {
        return OA2_ENDPOINT_NONE;
    }
    for (i = 0; endpoints[i].name; i++) {
        if (!strcmp(r->uri + n + 1, endpoints[i].name)) {
            return endpoints[i].endpoint;
        }
    }
    return OA2_ENDPOINT_NONE;
}

static int translate_name(request_rec *r)
{
    const oa2_server_conf_t *conf =
        ap_get_module_config(r->server->module_config, &oauth2_module);
    oa2_ap_endpoint_t ep;

    if (!r->uri || r->uri[0] != '/') {
        return DECLINED;
    }
    ep = endpoint_of(r, conf);
    if (ep == OA2_ENDPOINT_NONE) {
        return DECLINED;
    }
    oa2_ap_request_get(r)->endpoint = ep;
    r->filename = apr_pstrcat(r->pool, "oauth2:", r->uri, NULL);
    r->handler = "oauth2-endpoint";
    return OK;
}

static int map_to_storage(request_rec *r)
{
    /* Nothing on disk: skip the <Directory> walk, keep <Location>. */
    return oa2_ap_request_endpoint(r) != OA2_ENDPOINT_NONE ? OK : DECLINED;
}

/* SPEC: the endpoints a browser-based public client calls from its own
 * origin answer CORS for any origin, error responses and preflights
 * included. Not authorize, introspection, logout or the device page:
 * pages of the user's browser, or a resource server's back channel. An
 * endpoint that is off (registration) answers 404 to every method. */
static int answers_cors(oa2_ap_endpoint_t ep, const oa2_server_conf_t *conf)
{
    switch (ep) {
    case OA2_ENDPOINT_REGISTER:
        return conf->registration == OA2_REGISTRATION_TOKEN
            || conf->registration == OA2_REGISTRATION_OPEN;
    case OA2_ENDPOINT_JWKS:
    case OA2_ENDPOINT_METADATA:
    case OA2_ENDPOINT_OPENID_CONFIGURATION:
    case OA2_ENDPOINT_RESOURCE_METADATA:
    case OA2_ENDPOINT_TOKEN:
    case OA2_ENDPOINT_REVOKE:
    case OA2_ENDPOINT_USERINFO:
    case OA2_ENDPOINT_PAR:
    case OA2_ENDPOINT_DEVICE_AUTHORIZATION:
        return 1;
    default:
        return 0;
    }
}

static int handler(request_rec *r)
{
    const oa2_server_conf_t *conf;
    oa2_ap_endpoint_t ep = oa2_ap_request_endpoint(r);
    const char *resource;

    if (ep == OA2_ENDPOINT_NONE) {
        return DECLINED;
    }
    conf = ap_get_module_config(r->server->module_config, &oauth2_module);
    if (answers_cors(ep, conf)) {
        if (r->method_number == M_OPTIONS) {
            return oa2_ap_io_cors_preflight(r);
        }
        oa2_ap_io_cors(r);
    }
    switch (ep) {
    case OA2_ENDPOINT_JWKS:
        return oa2_ap_jwks_handle(r, conf);
    case OA2_ENDPOINT_METADATA:
        return oa2_ap_metadata_handle(r, conf);
    case OA2_ENDPOINT_AUTHORIZE:
        return oa2_ap_authorize_handle(r, conf);
    case OA2_ENDPOINT_TOKEN:
        return oa2_ap_token_handle(r, conf);
    case OA2_ENDPOINT_INTROSPECT:
        return oa2_ap_introspect_handle(r, conf);
    case OA2_ENDPOINT_REVOKE:
        return oa2_ap_revoke_handle(r, conf);
    case OA2_ENDPOINT_REGISTER:
        return oa2_ap_register_handle(r, conf);
    case OA2_ENDPOINT_USERINFO:
        return oa2_ap_userinfo_handle(r, conf);
    case OA2_ENDPOINT_LOGOUT:
        return oa2_ap_logout_handle(r, conf);
    case OA2_ENDPOINT_PAR:
        return oa2_ap_par_handle(r, conf);
    case OA2_ENDPOINT_DEVICE_AUTHORIZATION:
        return oa2_ap_device_authorization_handle(r, conf);
    case OA2_ENDPOINT_DEVICE:
        return oa2_ap_device_page_handle(r, conf);
    case OA2_ENDPOINT_OPENID_CONFIGURATION:
        return oa2_ap_io_send_document(r, NULL,
                                       oa2_ap_server_rt_of(conf)->openid_json);
    case OA2_ENDPOINT_RESOURCE_METADATA:
        resource =
            APR_ARRAY_IDX(conf->protected_resources,
                          oa2_ap_request_peek(r)->resource, const char *);
        return oa2_ap_resource_metadata_handle(r, conf, resource);
    default:
        return DECLINED;
    }
}

/* Ahead of authentication (check_access runs before check_authn). */
static int before_login(request_rec *r)
{
    if (oa2_ap_request_endpoint(r) == OA2_ENDPOINT_AUTHORIZE && !r->main
        && !r->prev) {
        oa2_ap_authorize_before_login(
            r, ap_get_module_config(r->server->module_config, &oauth2_module));
    }
    return DECLINED;
}

/* The redirect that before_login prepared goes out: drop the login
 * method's challenge from it, and say so once (the error path runs no
 * handler of ours). The request record says which error it carries:
 * login_required, or the log id of the refusal of a request that had to
 * be pushed. */
static void insert_error_filter(request_rec *r)
{
    const oa2_request_t *rq = oa2_ap_request_peek(r);
    const char *id = rq ? rq->login_required : NULL;

    if (id && r->status == HTTP_MOVED_TEMPORARILY) {
        apr_table_unset(r->err_headers_out, "WWW-Authenticate");
        if (!strcmp(id, "login_required")) {
            ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                          "OA2-00922: login_required: prompt=none without a "
                          "signed-in user");
        }
        else {
            ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                          "OA2-01319: invalid_request: prompt=none without a "
                          "signed-in user, and a request that had to be "
                          "pushed (%s)",
                          id);
        }
    }
}

void oa2_ap_endpoints_register_hooks(apr_pool_t *p)
{
    static const char *const before[] = {"mod_proxy.c", "mod_rewrite.c",
                                         "mod_alias.c", NULL};
    (void)p;
    ap_hook_translate_name(translate_name, NULL, before, APR_HOOK_FIRST);
    ap_hook_map_to_storage(map_to_storage, NULL, NULL, APR_HOOK_FIRST);
    ap_hook_handler(handler, NULL, NULL, APR_HOOK_REALLY_FIRST);
    ap_hook_check_access(before_login, NULL, NULL, APR_HOOK_FIRST,
                         AP_AUTH_INTERNAL_PER_CONF);
    ap_hook_insert_error_filter(insert_error_filter, NULL, NULL,
                                APR_HOOK_MIDDLE);
}
