/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/*
 * The runtime records: what check_config builds from each virtual host's
 * directives (the AS in core terms, documents, parsed templates), kept
 * apart from the configuration records, which hold only directive
 * values. Made in the configuration pool before the children start, and
 * only read afterwards.
 */
#include <apr_hash.h>

#include "mod_oauth2_private.h"

/* oa2_server_rt_t * by the address of its oa2_server_conf_t (each
 * server_rec has a merged record of its own); NULL until the first
 * check_config, and again once its pool is cleared. */
static apr_hash_t *runtimes;

/* What a host without a record reads: nothing built. */
static const oa2_server_rt_t empty = {NULL};

static apr_status_t forget(void *data)
{
    (void)data;
    runtimes = NULL;
    return APR_SUCCESS;
}

oa2_server_rt_t *oa2_ap_server_rt_make(const oa2_server_conf_t *conf,
                                       apr_pool_t *pconf)
{
    oa2_server_rt_t *rt =
        runtimes ? apr_hash_get(runtimes, &conf, sizeof(conf)) : NULL;
    const oa2_server_conf_t **key;

    if (rt) { /* made already, by another start-up hook of this pass */
        return rt;
    }
    rt = apr_pcalloc(pconf, sizeof(*rt));
    key = apr_palloc(pconf, sizeof(*key));
    if (!runtimes) {
        runtimes = apr_hash_make(pconf);
        apr_pool_cleanup_register(pconf, NULL, forget, apr_pool_cleanup_null);
    }
    rt->cimd_reach = OA2_FETCH_REACH_PUBLIC;
    *key = conf;
    apr_hash_set(runtimes, key, sizeof(*key), rt);
    return rt;
}

const oa2_server_rt_t *oa2_ap_server_rt_of(const oa2_server_conf_t *conf)
{
    const oa2_server_rt_t *rt =
        runtimes ? apr_hash_get(runtimes, &conf, sizeof(conf)) : NULL;
    return rt ? rt : &empty;
}

const oa2_server_rt_t *oa2_ap_server_rt(const server_rec *s)
{
    return oa2_ap_server_rt_of(
        ap_get_module_config(s->module_config, &oauth2_module));
}
