/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/* The keys of DPoP proofs and their per-process cache (oa2_dpop_keys.h). */
#include <string.h>

#include <apr_thread_mutex.h>

#include "oa2_dpop_keys.h"
#include "oa2_hash.h"

struct oa2_dpop_key_t {
    unsigned char id[OA2_SHA256_LEN]; /* SHA-256 of the header segment */
    const oa2_key_t *key;             /* the key */
    const char *jkt;                  /* its thumbprint */
    apr_pool_t *pool; /* its own pool (with a cache), else NULL */
    int refs;         /* requests holding it (under the lock) */
    int cached;       /* in the table (under the lock) */
};

/* The cache: set up by oa2_dpop_keys_init_process(), else NULL. */
static apr_thread_mutex_t *lock;
static oa2_dpop_key_t *table[OA2_DPOP_KEYS_CACHED];
static unsigned int next_slot;

/* Free @a k when nothing holds it any more; under the lock. */
static void drop_if_unused(oa2_dpop_key_t *k)
{
    if (!k->cached && !k->refs) {
        apr_pool_destroy(k->pool);
    }
}

static apr_status_t release(void *data)
{
    oa2_dpop_key_t *k = data;

    apr_thread_mutex_lock(lock);
    k->refs--;
    drop_if_unused(k);
    apr_thread_mutex_unlock(lock);
    return APR_SUCCESS;
}

/* Hold @a k for the life of @a p; under the lock. */
static void hold(oa2_dpop_key_t *k, apr_pool_t *p)
{
    k->refs++;
    apr_pool_cleanup_register(p, k, release, apr_pool_cleanup_null);
}

static apr_status_t end_cache(void *data)
{
    int i;

    (void)data;
    /* The process is ending: no request holds a key any more. */
    for (i = 0; i < OA2_DPOP_KEYS_CACHED; i++) {
        if (table[i]) {
            apr_pool_destroy(table[i]->pool);
            table[i] = NULL;
        }
    }
    lock = NULL;
    next_slot = 0;
    return APR_SUCCESS;
}

apr_status_t oa2_dpop_keys_init_process(apr_pool_t *p)
{
    apr_status_t rv =
        apr_thread_mutex_create(&lock, APR_THREAD_MUTEX_DEFAULT, p);

    if (rv != APR_SUCCESS) {
        lock = NULL;
        return rv;
    }
    /* Registered after the mutex's own cleanup: runs before it. */
    apr_pool_cleanup_register(p, NULL, end_cache, apr_pool_cleanup_null);
    return APR_SUCCESS;
}

apr_status_t oa2_dpop_keys_find(const oa2_dpop_key_t **key, const char *header,
                                apr_size_t len, apr_pool_t *p)
{
    unsigned char id[OA2_SHA256_LEN];
    apr_status_t rv = APR_NOTFOUND;
    int i;

    if (!lock || !oa2_hash_sha256(id, header, len)) {
        return APR_NOTFOUND;
    }
    apr_thread_mutex_lock(lock);
    for (i = 0; i < OA2_DPOP_KEYS_CACHED; i++) {
        if (table[i] && !memcmp(table[i]->id, id, sizeof(id))) {
            hold(table[i], p);
            *key = table[i];
            rv = APR_SUCCESS;
            break;
        }
    }
    apr_thread_mutex_unlock(lock);
    return rv;
}

apr_status_t oa2_dpop_keys_import(oa2_dpop_key_t **key, json_t *jwk,
                                  apr_pool_t *p)
{
    apr_pool_t *kp = p;
    oa2_dpop_key_t *k;
    oa2_key_t *imported;
    oa2_err_t why;

    /* Its own pool when it may be kept: the cache outlives the request. */
    if (lock && apr_pool_create_unmanaged(&kp) != APR_SUCCESS) {
        kp = p;
    }
    k = apr_pcalloc(kp, sizeof(*k));
    if (oa2_keys_from_jwk(&imported, jwk, &why, kp) != APR_SUCCESS
        /* over the key as read (its JWK made from the key itself): one
         * key, one thumbprint, however its members were spelled */
        || !(k->jkt = oa2_keys_thumbprint(imported->jwk, kp))) {
        if (kp != p) {
            apr_pool_destroy(kp);
        }
        return APR_EGENERAL;
    }
    k->key = imported;
    if (kp != p) {
        k->pool = kp;
        apr_thread_mutex_lock(lock);
        hold(k, p);
        apr_thread_mutex_unlock(lock);
    }
    *key = k;
    return APR_SUCCESS;
}

void oa2_dpop_keys_keep(oa2_dpop_key_t *key, const char *header, apr_size_t len)
{
    oa2_dpop_key_t *old;
    int i;

    if (!lock || !key->pool || !oa2_hash_sha256(key->id, header, len)) {
        return;
    }
    apr_thread_mutex_lock(lock);
    for (i = 0; i < OA2_DPOP_KEYS_CACHED; i++) {
        if (table[i] && !memcmp(table[i]->id, key->id, sizeof(key->id))) {
            /* another request kept the same header a moment ago */
            apr_thread_mutex_unlock(lock);
            return;
        }
    }
    /* Replaced in turn: a client's key is used again soon or not at all,
     * and no one can pin an entry. */
    i = (int)(next_slot++ % OA2_DPOP_KEYS_CACHED);
    old = table[i];
    table[i] = key;
    key->cached = 1;
    if (old) {
        old->cached = 0;
        drop_if_unused(old);
    }
    apr_thread_mutex_unlock(lock);
}

const oa2_key_t *oa2_dpop_keys_key(const oa2_dpop_key_t *key)
{
    return key->key;
}

const char *oa2_dpop_keys_jkt(const oa2_dpop_key_t *key)
{
    return key->jkt;
}
