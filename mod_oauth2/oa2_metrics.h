/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/**
 * @file oa2_metrics.h
 * @brief The counters of one virtual host (SetHandler oauth2-metrics) and
 * their Prometheus text exposition (format 0.0.4).
 *
 * A virtual host's counters are one oa2_metrics_t, a flat block of 64-bit
 * counters that the glue places in shared memory (one per server_rec), so
 * that every httpd child adds to the same numbers. The label sets are
 * small and fixed (tables here): a value outside them counts as "other",
 * so nothing a client sends can grow the exposition. Increments are one
 * relaxed atomic add: no lock, no allocation.
 */
#ifndef OA2_METRICS_H
#define OA2_METRICS_H

#include <apr_pools.h>
#include <apr_time.h>

#include "oa2_err.h"

/** Grant types of oauth2_tokens_issued_total. */
typedef enum oa2_metrics_grant_t {
    OA2_METRICS_GRANT_CODE = 0,
    OA2_METRICS_GRANT_REFRESH,
    OA2_METRICS_GRANT_CLIENT,
    OA2_METRICS_GRANT_DEVICE,
    OA2_METRICS_GRANT_OTHER,
    OA2_METRICS_GRANTS
} oa2_metrics_grant_t;

/** Endpoints of oauth2_errors_total (the last path segment). */
#define OA2_METRICS_ENDPOINTS 12

/** OAuth error codes of oauth2_errors_total ("other" last). */
#define OA2_METRICS_ERRORS 30

/** Results of oauth2_bearer_checks_total. */
typedef enum oa2_metrics_bearer_t {
    OA2_METRICS_BEARER_OK = 0,
    OA2_METRICS_BEARER_MISSING,     /* no token in the request */
    OA2_METRICS_BEARER_MALFORMED,   /* invalid_request: a bad header */
    OA2_METRICS_BEARER_INVALID,     /* invalid_token, other reasons */
    OA2_METRICS_BEARER_EXPIRED,     /* invalid_token: past its exp */
    OA2_METRICS_BEARER_REVOKED,     /* invalid_token: revoked */
    OA2_METRICS_BEARER_DPOP,        /* invalid_dpop_proof, use_dpop_nonce */
    OA2_METRICS_BEARER_SCOPE,       /* insufficient_scope */
    OA2_METRICS_BEARER_UNAVAILABLE, /* 5xx: keys, database, config */
    OA2_METRICS_BEARER_RESULTS
} oa2_metrics_bearer_t;

/** Upper bounds (le) of the database latency buckets, +Inf aside. */
#define OA2_METRICS_DB_BUCKETS 12

/** The counters of one virtual host. Zeroed is empty. */
typedef struct oa2_metrics_t {
    apr_uint64_t issued[OA2_METRICS_GRANTS]; /* tokens issued, by grant */
    apr_uint64_t errors[OA2_METRICS_ENDPOINTS][OA2_METRICS_ERRORS]; /* by
                                              * endpoint and error code */
    apr_uint64_t bearer[OA2_METRICS_BEARER_RESULTS]; /* AuthType OAuth2 */
    apr_uint64_t cache_hits;                         /* validated-token cache */
    apr_uint64_t cache_misses;                       /* validated-token cache */
    apr_uint64_t db_errors;                          /* failed statements, lost
                                               * connections */
    apr_uint64_t db_buckets[OA2_METRICS_DB_BUCKETS + 1]; /* statements per
                                              * latency bucket (not
                                              * cumulative), +Inf last */
    apr_uint64_t db_sum_us; /* their time, microseconds */
} oa2_metrics_t;

/** Add @a n to @a counter: one relaxed atomic add. */
static inline void oa2_metrics_add(apr_uint64_t *counter, apr_uint64_t n)
{
    __atomic_fetch_add(counter, n, __ATOMIC_RELAXED);
}

/** The index of @a grant_type (a token request's), OTHER when unknown. */
oa2_metrics_grant_t oa2_metrics_grant(const char *grant_type);

/** The label value of endpoint @a i, or NULL past the end. */
const char *oa2_metrics_endpoint_name(int i);

/** The index of endpoint @a name ("token"), the "other" one when unknown. */
int oa2_metrics_endpoint(const char *name);

/** The label value of error code @a i, or NULL past the end. */
const char *oa2_metrics_error_name(int i);

/** The index of OAuth error code @a error (NULL: "server_error"), the
 * "other" one when unknown. */
int oa2_metrics_error(const char *error);

/** The result class of a bearer check that failed with @a err (NULL:
 * the token was accepted). */
oa2_metrics_bearer_t oa2_metrics_bearer_result(const oa2_err_t *err);

/** Count a token issued by the grant @a grant_type; @a m may be NULL. */
void oa2_metrics_count_issued(oa2_metrics_t *m, const char *grant_type);

/** Count an error answer of @a endpoint; @a m may be NULL. */
void oa2_metrics_count_error(oa2_metrics_t *m, const char *endpoint,
                             const oa2_err_t *err);

/** Count a bearer check that ended with @a err (NULL: accepted). */
void oa2_metrics_count_bearer(oa2_metrics_t *m, const oa2_err_t *err);

/** Count a lookup in the validated-token cache. */
void oa2_metrics_count_cache(oa2_metrics_t *m, int hit);

/**
 * Count a database statement that took @a took; @a failed: it failed.
 * A @a took below 0 counts a failure that ran no statement (no
 * connection).
 */
void oa2_metrics_count_db(oa2_metrics_t *m, apr_interval_time_t took,
                          int failed);

/** A consistent-enough copy of @a m (each counter read atomically). */
void oa2_metrics_snapshot(oa2_metrics_t *out, const oa2_metrics_t *m);

/** @a v as a label value: backslash, double quote and newline escaped. */
const char *oa2_metrics_label_escape(const char *v, apr_pool_t *p);

/**
 * The Prometheus text exposition (format 0.0.4) of @a m: HELP and TYPE
 * of each metric, samples in a fixed order; error pairs only once they
 * happened, every other label value always.
 */
const char *oa2_metrics_render(const oa2_metrics_t *m, apr_pool_t *p);

#endif /* OA2_METRICS_H */
