/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/**
 * @file cache_fixture.h
 * @brief A record cache in a pool that does what httpd's socache does
 * (expiry included), with its calls counted: the shared cache of the
 * client cache and remote document tests.
 */
#ifndef CACHE_FIXTURE_H
#define CACHE_FIXTURE_H

#include <apr_hash.h>
#include <apr_pools.h>

#include "oa2_record_cache.h"

/** The cache's state, for a test to read and to set the time. */
typedef struct fixture_cache_t {
    apr_hash_t *entries; /* key -> fixture_cache_entry_t */
    apr_pool_t *p;       /* where entries live */
    apr_int64_t now;     /* entries expire against it; 0: never */
    int gets, hits, puts, removes, adds, added; /* calls, and their luck */
    apr_int64_t last_expiry; /* the expiry of the last put or add */
} fixture_cache_t;

/** One record. */
typedef struct fixture_cache_entry_t {
    const char *rec;    /* a copy, NUL-terminated */
    apr_size_t len;     /* its length */
    apr_int64_t expiry; /* seconds since the epoch */
} fixture_cache_entry_t;

/**
 * A cache with get, put, remove and add, its state in @a fc; ttl and
 * seal are left for the caller to set.
 */
oa2_record_cache_t *fixture_cache(fixture_cache_t **fc, apr_pool_t *p);

#endif /* CACHE_FIXTURE_H */
