/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/**
 * @file oa2_err.h
 * @brief The one error value of the core.
 *
 * Core functions return an apr_status_t and, on failure, fill an oa2_err_t.
 * The httpd glue logs it once and renders it as RFC 6749 JSON or an RFC 6750
 * challenge: the same value feeds both, so what the client is told and what
 * the admin reads never drift apart.
 */
#ifndef OA2_ERR_H
#define OA2_ERR_H

#include <apr_pools.h>
#include <apr_errno.h>

/** A failure the core reports to its caller. */
typedef struct oa2_err_t {
    int status;              /* HTTP status to answer with */
    const char *error;       /* OAuth error code (RFC 6749/6750), or NULL */
    const char *description; /* text safe to show the client */
    const char *log_id;      /* "OA2-nnnnn" of the log line for this failure */
    const char *detail;      /* for the admin's log only, never sent */
    apr_status_t cause;      /* the APR status behind the failure (a
                              * file, a mutex, a timeout), for the log
                              * line; APR_SUCCESS when there is none */
} oa2_err_t;

/**
 * Fill @a err and return APR_EGENERAL, so a failing path is one line.
 * @param err the error to fill (may be NULL: then only the status returns)
 * @param status the HTTP status
 * @param error the OAuth error code, or NULL
 * @param log_id the unique OA2-nnnnn id of this failure
 * @param description constant text safe for the client
 */
apr_status_t oa2_err_set(oa2_err_t *err, int status, const char *error,
                         const char *log_id, const char *description);

/**
 * Like oa2_err_set(), with a printf-style description built in @a p.
 */
apr_status_t oa2_err_setf(oa2_err_t *err, int status, const char *error,
                          const char *log_id, apr_pool_t *p, const char *fmt,
                          ...) __attribute__((format(printf, 6, 7)));

/**
 * Attach admin-only detail (a driver message, a file name) to @a err.
 * @return APR_EGENERAL, so it can end a failing path too
 */
apr_status_t oa2_err_detail(oa2_err_t *err, apr_pool_t *p, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/**
 * Record the APR status behind @a err (set by oa2_err_set() first): the
 * glue's log line shows it as httpd shows a status, "(2)No such file or
 * directory: ...".
 * @return APR_EGENERAL, so it can end a failing path too
 */
apr_status_t oa2_err_cause(oa2_err_t *err, apr_status_t cause);

#endif /* OA2_ERR_H */
