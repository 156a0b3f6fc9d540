/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/**
 * @file oa2_ratelimit.h
 * @brief OAuth2RateLimit: failed client authentications and failed user
 * codes counted per client, per user and per client IP address, in the
 * shared record cache (the token cache: shmcb across the processes of a
 * node, memcache across nodes). Once a key has failed @a failures times
 * within a window of @a seconds from its first failure, every request for
 * it is refused, before its secret or code is checked, until the window
 * ends.
 *
 * Approximate by design: a failure is a read and a write of one record,
 * not an atomic increment (the socache interface has none), so failures
 * racing on several processes may count once; a cache that evicts a
 * record (shmcb when full) forgets its count. Without a cache nothing is
 * counted.
 */
#ifndef OA2_RATELIMIT_H
#define OA2_RATELIMIT_H

#include <apr_pools.h>

#include "oa2_err.h"
#include "oa2_record_cache.h"

/** Defaults of OAuth2RateLimit: 10 failures per 60 seconds. */
#define OA2_RATELIMIT_FAILURES 10
#define OA2_RATELIMIT_SECONDS 60

/** What is counted: the kinds of key. */
#define OA2_RATELIMIT_CLIENT "client"       /* a client_id's authentications */
#define OA2_RATELIMIT_CLIENT_IP "client-ip" /* an address's authentications */
#define OA2_RATELIMIT_USER "user"           /* a user's user codes */
#define OA2_RATELIMIT_USER_IP "user-ip"     /* an address's user codes */

/** The limiter of one request. */
typedef struct oa2_ratelimit_t {
    const oa2_record_cache_t *cache; /* where counts are kept; NULL: off */
    const char *issuer;              /* counts are per issuer */
    const char *ip;                  /* the client's address */
    int failures;                    /* failures allowed per window; 0: off */
    int seconds;                     /* the window */
    apr_int64_t now;                 /* the request's time, seconds */
    int retry_after;                 /* set by a refusal: seconds until its
                                      * window ends */
} oa2_ratelimit_t;

/**
 * Whether @a key of @a kind may be tried at @a now.
 * @return APR_SUCCESS; 429 temporarily_unavailable (OA2-01780) when it
 *         failed too often: @a rl->retry_after is then set
 */
apr_status_t oa2_ratelimit_check(oa2_ratelimit_t *rl, const char *kind,
                                 const char *key, apr_int64_t now,
                                 oa2_err_t *err, apr_pool_t *p);

/**
 * Count a failure of @a key of @a kind at @a now.
 * @return nonzero when this failure reached the limit (for one log line)
 */
int oa2_ratelimit_fail(const oa2_ratelimit_t *rl, const char *kind,
                       const char *key, apr_int64_t now, apr_pool_t *p);

#endif /* OA2_RATELIMIT_H */
