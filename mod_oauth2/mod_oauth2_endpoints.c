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

#include <apr_strings.h>

#include "mod_oauth2.h"

APLOG_USE_MODULE(oauth2);

/* What a request to this module's URL space asks for. */
typedef enum endpoint_t { ENDPOINT_NONE = 0, ENDPOINT_JWKS } endpoint_t;

static endpoint_t endpoint_of(request_rec *r, const oa2_server_conf_t *conf)
{
    const char *base = oa2_config_base_path(conf);
    size_t n = strlen(base);

    if (n == 1) {
        n = 0; /* OAuth2BasePath / serves /jwks */
    }

    if (!conf->issuer || strncmp(r->uri, base, n) || r->uri[n] != '/') {
        return ENDPOINT_NONE;
    }
    if (!strcmp(r->uri + n + 1, "jwks")) {
        return ENDPOINT_JWKS;
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

    switch (routed(r)) {
    case ENDPOINT_JWKS:
        conf = ap_get_module_config(r->server->module_config, &oauth2_module);
        return oa2_jwks_handle(r, conf);
    default:
        return DECLINED;
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
}
