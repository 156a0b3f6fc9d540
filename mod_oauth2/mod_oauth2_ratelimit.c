/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/*
 * OAuth2RateLimit, glue to oa2_ratelimit.c: the directive, the limiter of
 * a request (its address, the shared token cache) and the Retry-After of
 * its refusals.
 *
 *   OAuth2RateLimit FAILURES SECONDS | off     (default 10 60)
 */
#include "httpd.h"
#include "http_config.h"
#include "http_log.h"

#include <apr_strings.h>

#include "mod_oauth2_private.h"
#include "oa2_ratelimit.h"

/* Where a request's limiter is found again when its 429 is written. */
#define LIMITER_KEY "oauth2-ratelimit"

const char *oa2_ap_ratelimit_set(cmd_parms *cmd, void *dc, const char *a1,
                                 const char *a2)
{
    oa2_server_conf_t *c =
        ap_get_module_config(cmd->server->module_config, &oauth2_module);
    const char *err = ap_check_cmd_context(cmd, NOT_IN_DIR_CONTEXT);
    char *end;
    long failures, seconds;

    (void)dc;
    if (err) {
        return err;
    }
    if (c->ratelimit_failures != -1) {
        return "OAuth2RateLimit is duplicate in this server";
    }
    if (!a2 && !strcasecmp(a1, "off")) {
        c->ratelimit_failures = 0;
        c->ratelimit_seconds = 0;
        return NULL;
    }
    if (!a2) {
        return "OAuth2RateLimit takes FAILURES SECONDS (e.g. 10 60), or off";
    }
    failures = strtol(a1, &end, 10);
    if (*end || end == a1 || failures < 1 || failures > 100000) {
        return "OAuth2RateLimit FAILURES must be a number from 1 to 100000";
    }
    seconds = strtol(a2, &end, 10);
    if (*end || end == a2 || seconds < 1 || seconds > 86400) {
        return "OAuth2RateLimit SECONDS must be a number from 1 to 86400";
    }
    c->ratelimit_failures = (int)failures;
    c->ratelimit_seconds = (int)seconds;
    return NULL;
}

struct oa2_ratelimit_t *oa2_ap_ratelimit(request_rec *r,
                                         const oa2_server_conf_t *conf)
{
    oa2_ratelimit_t *rl;
    const oa2_record_cache_t *cache = oa2_ap_cache_shared(r);

    if (conf->ratelimit_failures == 0 || !cache) {
        return NULL;
    }
    rl = apr_pcalloc(r->pool, sizeof(*rl));
    rl->cache = cache;
    rl->issuer = conf->issuer;
    rl->ip = r->useragent_ip;
    rl->failures = conf->ratelimit_failures > 0 ? conf->ratelimit_failures
                                                : OA2_RATELIMIT_FAILURES;
    rl->seconds = conf->ratelimit_failures > 0 ? conf->ratelimit_seconds
                                               : OA2_RATELIMIT_SECONDS;
    rl->now = apr_time_sec(r->request_time);
    apr_pool_userdata_setn(rl, LIMITER_KEY, NULL, r->pool);
    return rl;
}

void oa2_ap_ratelimit_retry_after(request_rec *r)
{
    void *data = NULL;
    const oa2_ratelimit_t *rl;

    apr_pool_userdata_get(&data, LIMITER_KEY, r->pool);
    rl = data;
    if (rl && rl->retry_after > 0) {
        apr_table_setn(r->err_headers_out, "Retry-After",
                       apr_itoa(r->pool, rl->retry_after));
    }
}
