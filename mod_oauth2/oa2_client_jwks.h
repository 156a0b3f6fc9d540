/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/**
 * @file oa2_client_jwks.h
 * @brief A client's public keys, for private_key_jwt (RFC 7523 §2.2): the
 * JWK Set it registered (jwks), or the one it publishes at its jwks_uri.
 *
 * A jwks_uri is a URL a client named, so it is fetched as a client ID
 * metadata document is: with the reach of client-named URLs
 * (oa2_cimd_reach(): public addresses only, loopback too for an http
 * loopback issuer), https, no redirect, bounded in size and time
 * (oa2_fetch()). What it served is kept in the cache the processes and
 * nodes share (oa2_record_cache_t), sealed with the issuer's record key,
 * for its Cache-Control lifetime bounded to [OA2_CLIENT_JWKS_TTL_MIN,
 * OA2_CLIENT_JWKS_TTL_MAX]; an assertion whose key the set lacks makes it
 * fetched again, at most once per OA2_CLIENT_JWKS_KID_INTERVAL per client.
 * Without a shared cache every assertion fetches.
 */
#ifndef OA2_CLIENT_JWKS_H
#define OA2_CLIENT_JWKS_H

#include <apr_pools.h>

#include "oa2_err.h"
#include "oa2_fetch.h"
#include "oa2_keys.h"
#include "oa2_record_cache.h"
#include "oa2_store.h"

/** Largest JWK Set read from a jwks_uri, in bytes. */
#define OA2_CLIENT_JWKS_FETCH_MAX 16384

/** Bounds of the reuse of a fetched JWK Set, in seconds, and its reuse
 * when served without a Cache-Control max-age (those of client ID
 * metadata documents). */
#define OA2_CLIENT_JWKS_TTL_MIN 60
#define OA2_CLIENT_JWKS_TTL_MAX 86400
#define OA2_CLIENT_JWKS_TTL_DEFAULT 3600

/** Least time between two fetches for a key the set lacks, per client. */
#define OA2_CLIENT_JWKS_KID_INTERVAL 60

/** How a jwks_uri is fetched (oa2_fetch(); the unit tests put another). */
typedef apr_status_t (*oa2_client_jwks_fetch_fn)(oa2_fetch_result_t *res,
                                                 const char *url,
                                                 const oa2_fetch_opts_t *opts,
                                                 oa2_err_t *err, apr_pool_t *p);

/** Where a server keeps and how it fetches its clients' JWK Sets. */
typedef struct oa2_client_jwks_env_t {
    const oa2_record_cache_t *cache; /* the shared cache, or NULL */
    const unsigned char *seal;       /* HMAC key of its records (32 bytes,
                                      * oa2_as_t.record_key), or NULL */
    const char *ca_file;             /* OAuth2FetchCAFile, or NULL */
    oa2_client_jwks_fetch_fn fetch;  /* NULL: oa2_fetch() */
} oa2_client_jwks_env_t;

/** A client's keys, as one assertion check sees them. */
typedef struct oa2_client_keys_t {
    const oa2_keyset_t *set;  /* the keys */
    const char *uri;          /* the jwks_uri they came from, or NULL */
    apr_int64_t fetched_at;   /* when they were fetched (by any process) */
    apr_int64_t expires_at;   /* until when they are used */
    apr_int64_t kid_fetch_at; /* the last fetch for a missing key, or 0 */
    int fetched_now;          /* nonzero when this request fetched them */
} oa2_client_keys_t;

/**
 * The keys of @a cl: its jwks, or the JWK Set at its jwks_uri (from the
 * shared cache while fresh, else fetched and put there). A fetched set
 * must be what registration accepts as jwks (oa2_client_meta_jwks()).
 * @param issuer the issuer whose client it is (the cache key, the reach)
 * @param now the time, seconds since the epoch
 * @return APR_SUCCESS; 401 invalid_client when the client has no keys,
 *         its jwks is no longer usable, or its jwks_uri cannot be fetched
 *         or serves no usable JWK Set (err->detail names the URL and why)
 */
apr_status_t oa2_client_jwks_get(oa2_client_keys_t **keys,
                                 const oa2_client_t *cl, const char *issuer,
                                 const oa2_client_jwks_env_t *env,
                                 apr_int64_t now, oa2_err_t *err,
                                 apr_pool_t *p);

/**
 * Fetch @a cl's jwks_uri again because an assertion's key was not among
 * @a keys (oa2_client_jwks_get()'s), when that may be done: the keys came
 * from a jwks_uri, were not fetched by this request, and no fetch for a
 * missing key was made in the last OA2_CLIENT_JWKS_KID_INTERVAL seconds.
 * @param fresh receives the new keys
 * A failed fetch counts too: the keys of @a keys stay in the cache, with
 * the time of this attempt.
 * @return APR_SUCCESS with new keys; APR_NOTFOUND (err untouched) when
 *         no fetch may be made; the errors of oa2_client_jwks_get()
 */
apr_status_t oa2_client_jwks_refresh(oa2_client_keys_t **fresh,
                                     const oa2_client_keys_t *keys,
                                     const oa2_client_t *cl, const char *issuer,
                                     const oa2_client_jwks_env_t *env,
                                     apr_int64_t now, oa2_err_t *err,
                                     apr_pool_t *p);

#endif /* OA2_CLIENT_JWKS_H */
