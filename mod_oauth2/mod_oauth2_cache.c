/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/*
 * The validated-token cache: a token that passed every check under a
 * location's policy is remembered in httpd's shared object cache (socache:
 * shmcb by default, or memcache/redis providers), keyed by a hash of the
 * token and of everything the verdict depends on (oa2_access_token_cache_key):
 * issuer, audience, keys, typ. A repeat skips the signature and the JSON;
 * expiry, the one check time can change, is made again on every hit.
 * Entries expire with the token.
 *
 *   OAuth2TokenCache shmcb[:/path(size)] | none     (main server only)
 *
 * Without the directive the cache is on when mod_socache_shmcb is loaded.
 *
 * The authorization server keeps client records there too, under keys of
 * their own, when OAuth2ClientCacheTTL allows it (oa2_store_client_get()).
 */
#include "httpd.h"
#include "http_config.h"
#include "http_log.h"
#include "ap_provider.h"
#include "ap_socache.h"

#include <apr_strings.h>

#include "mod_oauth2_private.h"
#include "oa2_lock.h"

/* Largest cached record (a JWT is at most 8 KiB, its payload less). */
#define VALUE_MAX 8192
/* shmcb's default size when none is given: a few thousand tokens. */
#define DEFAULT_SHMCB "shmcb:oauth2-tokens(1048576)"

static const char *cache_spec; /* the directive's value, NULL: auto */
static const ap_socache_provider_t *provider;
static ap_socache_instance_t *instance;
/* Guards a provider that is not safe across processes (shmcb): our own
 * lock, not apr_global_mutex (see oa2_lock.h for why). */
static oa2_lock_t *lock;

const char *oa2_ap_cache_set_spec(cmd_parms *cmd, void *dc, const char *arg)
{
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);

    (void)dc;
    if (err) {
        return err;
    }
    cache_spec = arg;
    return NULL;
}

int oa2_ap_cache_enabled(void)
{
    return instance != NULL;
}

static apr_status_t forget_instance(void *data)
{
    server_rec *s = data;

    if (instance && provider) {
        provider->destroy(instance, s);
    }
    instance = NULL;
    provider = NULL;
    lock = NULL;
    return APR_SUCCESS;
}

static int pre_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp)
{
    (void)plog;
    (void)ptemp;
    cache_spec = NULL;
    return OK;
}

static int start_cache(apr_pool_t *pconf, apr_pool_t *ptemp, server_rec *s)
{
    struct ap_socache_hints hints = {32, 600, 30};
    const char *spec = cache_spec, *name, *args, *err;
    apr_status_t rv;

    if (spec && !strcasecmp(spec, "none")) {
        return OK;
    }
    if (!spec) {
        /* Auto: only when the admin loaded the shmcb provider. */
        if (!ap_lookup_provider(AP_SOCACHE_PROVIDER_GROUP, "shmcb",
                                AP_SOCACHE_PROVIDER_VERSION)) {
            return OK;
        }
        spec = DEFAULT_SHMCB;
    }
    name = apr_pstrdup(ptemp, spec);
    args = strchr(name, ':');
    if (args) {
        *(char *)args++ = '\0';
    }
    provider = ap_lookup_provider(AP_SOCACHE_PROVIDER_GROUP, name,
                                  AP_SOCACHE_PROVIDER_VERSION);
    if (!provider) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s,
                     "OA2-00510: OAuth2TokenCache %s: no such socache "
                     "provider; LoadModule socache_%s_module, or say "
                     "OAuth2TokenCache none",
                     spec, name);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    err = provider->create(&instance, args, ptemp, pconf);
    if (err) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s,
                     "OA2-00511: OAuth2TokenCache %s: %s", spec, err);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    if (provider->flags & AP_SOCACHE_FLAG_NOTMPSAFE) {
        rv = oa2_lock_create(&lock, pconf);
        if (rv != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_EMERG, rv, s,
                         "OA2-00514: OAuth2TokenCache %s: cannot create its "
                         "lock in shared memory",
                         spec);
            return HTTP_INTERNAL_SERVER_ERROR;
        }
    }
    rv = provider->init(instance, "mod_oauth2-tokens", &hints, s, pconf);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, rv, s,
                     "OA2-00512: OAuth2TokenCache %s cannot start", spec);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    apr_pool_cleanup_register(pconf, s, forget_instance, apr_pool_cleanup_null);
    return OK;
}

static int post_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp,
                       server_rec *s)
{
    int rv = start_cache(pconf, ptemp, s);
    server_rec *v;

    (void)plog;
    for (v = s; rv == OK && !instance && v; v = v->next) {
        oa2_server_conf_t *c =
            ap_get_module_config(v->module_config, &oauth2_module);
        if (c->issuer && c->client_cache_ttl > 0) {
            /* Once: vhosts inherit the directive from the main server. */
            ap_log_error(APLOG_MARK, APLOG_WARNING, 0, v,
                         "OA2-00788: OAuth2ClientCacheTTL (for %s and any "
                         "other issuer) has no effect without a token "
                         "cache: LoadModule socache_shmcb_module, or set "
                         "OAuth2TokenCache",
                         c->issuer);
            break;
        }
    }
    return rv;
}

/* Take the provider's lock, if it needs one; nonzero when taken. */
static int cache_lock(request_rec *r)
{
    int recovered = 0;
    apr_status_t rv;

    if (!lock) {
        return 1;
    }
    rv = oa2_lock_acquire(&recovered, lock);
    if (recovered) {
        /* An entry may be half-written; one that does not parse is
         * ignored and the token checked in full, so carry on. */
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                      "OA2-00515: a process died holding the token cache "
                      "lock; recovered it");
    }
    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r,
                      "OA2-00513: cannot take the token cache lock; "
                      "checking the token without the cache");
        return 0;
    }
    return 1;
}

static void cache_unlock(void)
{
    if (lock) {
        oa2_lock_release(lock);
    }
}

apr_status_t oa2_ap_cache_get(const char **rec, apr_size_t *len, request_rec *r,
                              const unsigned char *key)
{
    /* On the stack: a hit copies out only the bytes it holds. */
    unsigned char buf[VALUE_MAX];
    unsigned int n = VALUE_MAX;
    apr_status_t rv;

    if (!instance || !cache_lock(r)) {
        return APR_NOTFOUND;
    }
    rv = provider->retrieve(instance, r->server, key,
                            OA2_ACCESS_TOKEN_CACHE_KEY_LEN, buf, &n, r->pool);
    cache_unlock();
    if (rv != APR_SUCCESS) {
        return APR_NOTFOUND;
    }
    *rec = apr_pstrmemdup(r->pool, (const char *)buf, n);
    *len = n;
    return APR_SUCCESS;
}

void oa2_ap_cache_put(request_rec *r, const unsigned char *key, const char *rec,
                      apr_size_t len, apr_int64_t expiry)
{
    if (!instance || len > VALUE_MAX || !cache_lock(r)) {
        return;
    }
    /* Gone when the token is: a hit after that could only be refused. */
    provider->store(instance, r->server, key, OA2_ACCESS_TOKEN_CACHE_KEY_LEN,
                    apr_time_from_sec(expiry), (unsigned char *)rec,
                    (unsigned int)len, r->pool);
    cache_unlock();
}

static apr_status_t record_get(const char **rec, apr_size_t *len, void *ctx,
                               const unsigned char *key)
{
    return oa2_ap_cache_get(rec, len, ctx, key);
}

static void record_put(void *ctx, const unsigned char *key, const char *rec,
                       apr_size_t len, apr_int64_t expiry)
{
    oa2_ap_cache_put(ctx, key, rec, len, expiry);
}

static void record_remove(void *ctx, const unsigned char *key)
{
    request_rec *r = ctx;

    if (instance && cache_lock(r)) {
        provider->remove(instance, r->server, key,
                         OA2_ACCESS_TOKEN_CACHE_KEY_LEN, r->pool);
        cache_unlock();
    }
}

/* Under one hold of the lock where the provider needs one (shmcb), so
 * that of two processes adding at once one wins; best effort elsewhere
 * (memcache, redis: their providers have no add). */
static int record_add(void *ctx, const unsigned char *key, const char *rec,
                      apr_size_t len, apr_int64_t expiry)
{
    request_rec *r = ctx;
    unsigned char buf[VALUE_MAX];
    unsigned int n = sizeof(buf);
    apr_status_t rv;

    if (!instance || len > VALUE_MAX || !cache_lock(r)) {
        return 1; /* no cache: nobody else to race with */
    }
    rv = provider->retrieve(instance, r->server, key,
                            OA2_ACCESS_TOKEN_CACHE_KEY_LEN, buf, &n, r->pool);
    if (rv != APR_SUCCESS) {
        provider->store(instance, r->server, key,
                        OA2_ACCESS_TOKEN_CACHE_KEY_LEN,
                        apr_time_from_sec(expiry), (unsigned char *)rec,
                        (unsigned int)len, r->pool);
    }
    cache_unlock();
    return rv != APR_SUCCESS;
}

static oa2_record_cache_t *record_hooks(request_rec *r)
{
    oa2_record_cache_t *c = apr_pcalloc(r->pool, sizeof(*c));

    c->get = record_get;
    c->put = record_put;
    c->remove = record_remove;
    c->add = record_add;
    c->ctx = r;
    return c;
}

const oa2_record_cache_t *oa2_ap_cache_record_hooks(request_rec *r, int ttl,
                                                    const unsigned char *seal)
{
    oa2_record_cache_t *c;

    if (!instance || ttl <= 0 || !seal) {
        return NULL;
    }
    c = record_hooks(r);
    c->ttl = ttl;
    c->seal = seal;
    return c;
}

const oa2_record_cache_t *oa2_ap_cache_shared(request_rec *r)
{
    return instance ? record_hooks(r) : NULL;
}

void oa2_ap_cache_register_hooks(apr_pool_t *p)
{
    (void)p;
    ap_hook_pre_config(pre_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_config(post_config, NULL, NULL, APR_HOOK_MIDDLE);
}
