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

#include "mod_oauth2.h"

APLOG_USE_MODULE(oauth2);

/* What a request to this module's URL space asks for. */
typedef enum endpoint_t {
    ENDPOINT_NONE = 0,
    ENDPOINT_JWKS,
    ENDPOINT_METADATA,
    ENDPOINT_AUTHORIZE,
    ENDPOINT_TOKEN,
    ENDPOINT_INTROSPECT,
    ENDPOINT_REVOKE,
    ENDPOINT_REGISTER,
    ENDPOINT_RESOURCE_METADATA,
    ENDPOINT_USERINFO,
    ENDPOINT_LOGOUT,
    ENDPOINT_OPENID_CONFIGURATION,
    ENDPOINT_PAR,
    ENDPOINT_DEVICE_AUTHORIZATION,
    ENDPOINT_DEVICE
} endpoint_t;

/* The endpoints under OAuth2BasePath. */
static const struct {
    const char *name;
    endpoint_t endpoint;
} endpoints[] = {{"jwks", ENDPOINT_JWKS},
                 {"authorize", ENDPOINT_AUTHORIZE},
                 {"token", ENDPOINT_TOKEN},
                 {"introspect", ENDPOINT_INTROSPECT},
                 {"revoke", ENDPOINT_REVOKE},
                 {"register", ENDPOINT_REGISTER},
                 {"userinfo", ENDPOINT_USERINFO},
                 {"logout", ENDPOINT_LOGOUT},
                 {"par", ENDPOINT_PAR},
                 {"device_authorization", ENDPOINT_DEVICE_AUTHORIZATION},
                 {"device", ENDPOINT_DEVICE},
                 {NULL, ENDPOINT_NONE}};

#define AS_WELL_KNOWN "/.well-known/oauth-authorization-server"
#define RS_WELL_KNOWN "/.well-known/oauth-protected-resource"
#define OP_WELL_KNOWN "/.well-known/openid-configuration"

/* The path part of a URL ("" when it has none or only "/"). */
static const char *path_of(const char *url, apr_pool_t *p)
{
    apr_uri_t u;

    if (apr_uri_parse(p, url, &u) != APR_SUCCESS || !u.path
        || !strcmp(u.path, "/")) {
        return "";
    }
    return u.path;
}

/* RFC 9728 §3.1: the well-known path of a protected resource, or -1. */
static int resource_index(request_rec *r, const oa2_server_conf_t *conf)
{
    int i;

    for (i = 0;
         conf->protected_resources && i < conf->protected_resources->nelts;
         i++) {
        const char *uri =
            APR_ARRAY_IDX(conf->protected_resources, i, const char *);
        if (!strcmp(r->uri,
                    apr_pstrcat(r->pool, RS_WELL_KNOWN, path_of(uri, r->pool),
                                NULL))) {
            return i;
        }
    }
    return -1;
}

/* OpenID Discovery 1.0 §4: the well-known path goes after the issuer's
 * path (unlike RFC 8414's, which goes before it). */
static int is_openid_configuration(request_rec *r,
                                   const oa2_server_conf_t *conf)
{
    const char *path = path_of(conf->issuer, r->pool);
    apr_size_t n = strlen(path);

    if (n && path[n - 1] == '/') {
        n--;
    }
    return !strncmp(r->uri, path, n) && !strcmp(r->uri + n, OP_WELL_KNOWN);
}

static endpoint_t endpoint_of(request_rec *r, const oa2_server_conf_t *conf)
{
    const char *base = oa2_config_base_path(conf);
    size_t n = strlen(base);
    int i;

    if (!conf->issuer) {
        return ENDPOINT_NONE;
    }
    if (conf->openid_json && is_openid_configuration(r, conf)) {
        return ENDPOINT_OPENID_CONFIGURATION;
    }
    if (!strncmp(r->uri, "/.well-known/", 13)) {
        /* RFC 8414 §3.1: the issuer's path goes after the well-known. */
        if (!strcmp(r->uri,
                    apr_pstrcat(r->pool, AS_WELL_KNOWN,
                                path_of(conf->issuer, r->pool), NULL))) {
            return ENDPOINT_METADATA;
        }
        if ((i = resource_index(r, conf)) >= 0) {
            apr_table_setn(r->notes, "oauth2-resource", apr_itoa(r->pool, i));
            return ENDPOINT_RESOURCE_METADATA;
        }
        return ENDPOINT_NONE;
    }
    if (n == 1) {
        n = 0; /* OAuth2BasePath / serves /token, /jwks, ... */
    }
    if (strncmp(r->uri, base, n) || r->uri[n] != '/') {
        return ENDPOINT_NONE;
    }
    for (i = 0; endpoints[i].name; i++) {
        if (!strcmp(r->uri + n + 1, endpoints[i].name)) {
            return endpoints[i].endpoint;
        }
    }
    return ENDPOINT_NONE;
}

static int translate_name(request_rec *r)
{
    const oa2_server_conf_t *conf =
        ap_get_module_config(r->server->module_config, &oauth2_module);
    endpoint_t ep;

    if (!r->uri || r->uri[0] != '/') {
        return DECLINED;
    }
    ep = endpoint_of(r, conf);
    if (ep == ENDPOINT_NONE) {
        return DECLINED;
    }
    apr_table_setn(r->notes, "oauth2-endpoint",
                   apr_psprintf(r->pool, "%d", (int)ep));
    r->filename = apr_pstrcat(r->pool, "oauth2:", r->uri, NULL);
    r->handler = "oauth2-endpoint";
    return OK;
}

static endpoint_t routed(request_rec *r)
{
    const char *note = apr_table_get(r->notes, "oauth2-endpoint");
    return note ? (endpoint_t)atoi(note) : ENDPOINT_NONE;
}

static int map_to_storage(request_rec *r)
{
    /* Nothing on disk: skip the <Directory> walk, keep <Location>. */
    return routed(r) != ENDPOINT_NONE ? OK : DECLINED;
}

static int handler(request_rec *r)
{
    const oa2_server_conf_t *conf;
    endpoint_t ep = routed(r);
    const char *resource;

    if (ep == ENDPOINT_NONE) {
        return DECLINED;
    }
    conf = ap_get_module_config(r->server->module_config, &oauth2_module);
    switch (ep) {
    case ENDPOINT_JWKS:
        return oa2_jwks_handle(r, conf);
    case ENDPOINT_METADATA:
        return oa2_metadata_handle(r, conf);
    case ENDPOINT_AUTHORIZE:
        return oa2_authorize_handle(r, conf);
    case ENDPOINT_TOKEN:
        return oa2_token_handle(r, conf);
    case ENDPOINT_INTROSPECT:
        return oa2_introspect_handle(r, conf);
    case ENDPOINT_REVOKE:
        return oa2_revoke_handle(r, conf);
    case ENDPOINT_REGISTER:
        return oa2_register_handle(r, conf);
    case ENDPOINT_USERINFO:
        return oa2_userinfo_handle(r, conf);
    case ENDPOINT_LOGOUT:
        return oa2_logout_handle(r, conf);
    case ENDPOINT_PAR:
        return oa2_par_handle(r, conf);
    case ENDPOINT_DEVICE_AUTHORIZATION:
        return oa2_device_authorization_handle(r, conf);
    case ENDPOINT_DEVICE:
        return oa2_device_page_handle(r, conf);
    case ENDPOINT_OPENID_CONFIGURATION:
        return oa2_io_send_document(r, NULL, conf->openid_json);
    case ENDPOINT_RESOURCE_METADATA:
        resource = APR_ARRAY_IDX(
            conf->protected_resources,
            atoi(apr_table_get(r->notes, "oauth2-resource")), const char *);
        return oa2_resource_metadata_handle(r, conf, resource);
    default:
        return DECLINED;
    }
}

/* Ahead of authentication (check_access runs before check_authn). */
static int before_login(request_rec *r)
{
    if (routed(r) == ENDPOINT_AUTHORIZE && !r->main && !r->prev) {
        oa2_authorize_before_login(
            r, ap_get_module_config(r->server->module_config, &oauth2_module));
    }
    return DECLINED;
}

/* The redirect that before_login prepared goes out: drop the login
 * method's challenge from it, and say so once (the error path runs no
 * handler of ours). The note says which error it carries:
 * login_required, or the log id of the refusal of a request that had to
 * be pushed. */
static void insert_error_filter(request_rec *r)
{
    const char *id = apr_table_get(r->notes, "oauth2-login-required");

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

void oa2_endpoints_register_hooks(apr_pool_t *p)
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
