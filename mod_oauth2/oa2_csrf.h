/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/**
 * @file oa2_csrf.h
 * @brief The CSRF tokens of the module's forms, valid for a few minutes:
 * the consent form's, bound to the user and to every parameter of the
 * authorization request; and others bound to the fields their form
 * carries (the logout confirmation).
 */
#ifndef OA2_CSRF_H
#define OA2_CSRF_H

#include <apr_pools.h>

#include "oa2_as.h"
#include "oa2_authorize.h"
#include "oa2_err.h"

/** Seconds a consent form stays valid. */
#define OA2_CSRF_TTL 600

/** The token for @a user approving @a req, issued at @a now. */
const char *oa2_csrf_make(const oa2_as_t *as, const char *user,
                          const oa2_authz_request_t *req, apr_int64_t now,
                          apr_pool_t *p);

/**
 * Check a posted token.
 * @return APR_SUCCESS, or 403 access_denied (never redirected: the request
 *         it claims to approve is not trusted) for a missing, forged,
 *         expired or other user's token
 */
apr_status_t oa2_csrf_check(const oa2_as_t *as, const char *token,
                            const char *user, const oa2_authz_request_t *req,
                            apr_int64_t now, oa2_err_t *err, apr_pool_t *p);

/**
 * A token binding the @a n @a fields (the first a label naming the form,
 * so that no other form's token fits), issued at @a now; "" when it cannot
 * be made.
 */
const char *oa2_csrf_make_for(const oa2_as_t *as, const char *const *fields,
                              apr_size_t n, apr_int64_t now, apr_pool_t *p);

/**
 * Nonzero when @a token binds the @a fields, whenever it was issued;
 * @a issued_at receives when (a sign-in time kept in a cookie, which has
 * no lifetime of the form's).
 */
int oa2_csrf_verify_for(apr_int64_t *issued_at, const oa2_as_t *as,
                        const char *token, const char *const *fields,
                        apr_size_t n, apr_pool_t *p);

/**
 * Check a posted token against the fields it must bind.
 * @return APR_SUCCESS, or 403 access_denied (missing, forged, expired)
 */
apr_status_t oa2_csrf_check_for(const oa2_as_t *as, const char *token,
                                const char *const *fields, apr_size_t n,
                                apr_int64_t now, oa2_err_t *err, apr_pool_t *p);

#endif /* OA2_CSRF_H */
