/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/*
 * The fetch room's httpd side: libcurl's set-up before the children
 * start, and the options every fetch of a server is made with
 * (OAuth2FetchCAFile; oa2_fetch.h holds the rules themselves).
 */
#include "httpd.h"
#include "http_config.h"
#include "http_log.h"

#include <apr_strings.h>

#include "mod_oauth2_private.h"

const char *oa2_ap_fetch_ca_file(server_rec *s)
{
    const oa2_server_conf_t *c =
        ap_get_module_config(s->module_config, &oauth2_module);

    return c->fetch_ca_file;
}

void oa2_ap_fetch_opts(oa2_fetch_opts_t *opts, server_rec *s,
                       oa2_fetch_reach_t reach)
{
    memset(opts, 0, sizeof(*opts));
    opts->reach = reach;
    opts->ca_file = oa2_ap_fetch_ca_file(s);
}

static int post_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp,
                       server_rec *s)
{
    /* Once per process, before any thread: libcurl's global set-up is not
     * safe to run beside other threads. It is never undone (a reload
     * keeps libcurl as it is). */
    static int done;

    (void)pconf;
    (void)plog;
    (void)ptemp;
    if (!done) {
        if (oa2_fetch_global_init() != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s,
                         "OA2-00939: cannot set up libcurl");
            return HTTP_INTERNAL_SERVER_ERROR;
        }
        done = 1;
    }
    return OK;
}

void oa2_ap_fetch_register_hooks(apr_pool_t *p)
{
    (void)p;
    ap_hook_post_config(post_config, NULL, NULL, APR_HOOK_REALLY_FIRST);
}
