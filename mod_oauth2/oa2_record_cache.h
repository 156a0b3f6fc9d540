/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/**
 * @file oa2_record_cache.h
 * @brief The cache of records the processes (and perhaps nodes) of a
 * server share, as the core sees it: httpd's socache in the module, none
 * in the admin CLI.
 */
#ifndef OA2_RECORD_CACHE_H
#define OA2_RECORD_CACHE_H

#include <apr_pools.h>

/** Bytes of a key of oa2_record_cache_t (a SHA-256). */
#define OA2_RECORD_CACHE_KEY_LEN 32

/**
 * A cache of records shared by the processes (and perhaps nodes) of a
 * server, supplied by the caller: httpd's socache in the module, none in
 * the admin CLI. The store keeps client records there for @a ttl seconds
 * (OAuth2ClientCacheTTL); the resource server keeps the keys and metadata
 * of other issuers there (oa2_remote.h), where ttl and seal are unused.
 */
typedef struct oa2_record_cache_t {
    /** The record under @a key (a NUL follows it), or APR_NOTFOUND. */
    apr_status_t (*get)(const char **rec, apr_size_t *len, void *ctx,
                        const unsigned char *key);
    /** Keep @a rec under @a key until @a expiry (seconds since the epoch). */
    void (*put)(void *ctx, const unsigned char *key, const char *rec,
                apr_size_t len, apr_int64_t expiry);
    /** Forget what is under @a key. */
    void (*remove)(void *ctx, const unsigned char *key);
    /** Keep @a rec under @a key until @a expiry unless a record is there;
     * nonzero when this call put it (atomic where the cache allows). */
    int (*add)(void *ctx, const unsigned char *key, const char *rec,
               apr_size_t len, apr_int64_t expiry);
    void *ctx; /* passed to each function: the request, in the module */
    int ttl;   /* seconds a record read from the database may be reused */
    const unsigned char *seal; /* HMAC key of the records (32 bytes) */
} oa2_record_cache_t;

#endif /* OA2_RECORD_CACHE_H */
