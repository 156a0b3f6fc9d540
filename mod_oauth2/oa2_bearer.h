/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/**
 * @file oa2_bearer.h
 * @brief The Authorization header of RFC 6750 §2.1 (and RFC 9449 §7.1).
 */
#ifndef OA2_BEARER_H
#define OA2_BEARER_H

#include <apr_pools.h>

#include "oa2_err.h"

/**
 * Take the bearer token out of an Authorization header value.
 * @param token receives the token (points into a copy in @a p)
 * @param header the header value, or NULL when absent
 * @return APR_SUCCESS with a token; APR_ENOENT when the request carries no
 *         bearer credentials (no header, or another scheme): RFC 6750 §3.1
 *         then wants a challenge without error; APR_EGENERAL with a 400
 *         invalid_request in @a err for a malformed header, also for two
 *         Authorization headers (which httpd joins with a comma)
 */
apr_status_t oa2_bearer_from_header(const char **token, const char *header,
                                    oa2_err_t *err, apr_pool_t *p);

/**
 * Take the access token out of an Authorization header value of the
 * Bearer or the DPoP scheme (RFC 9449 §7.1: the same b64token).
 * @param dpop receives nonzero when the scheme is DPoP (also when the
 *        credentials are malformed: the challenge names the scheme)
 * @return what oa2_bearer_from_header() returns, for either scheme
 */
apr_status_t oa2_bearer_credentials(const char **token, int *dpop,
                                    const char *header, oa2_err_t *err,
                                    apr_pool_t *p);

/**
 * The WWW-Authenticate value of RFC 6750 §3. Every value is written as a
 * quoted-string here, so each argument is plain text.
 * @param realm the realm as plain text: it is quoted and escaped here, so
 *        a value escaped already (such as what ap_auth_name() returns)
 *        must be unescaped first, or its backslashes are doubled
 * @param err the failure, or NULL/without error code for a bare challenge
 *        (RFC 6750 §3.1: no error attributes when no token was sent)
 * @param scope for insufficient_scope, the scopes that would do, or NULL
 * @param resource_metadata the RFC 9728 metadata URL, or NULL
 */
const char *oa2_bearer_challenge(const char *realm, const oa2_err_t *err,
                                 const char *scope,
                                 const char *resource_metadata, apr_pool_t *p);

/**
 * The WWW-Authenticate value of RFC 9449 §7.1: oa2_bearer_challenge()'s
 * attributes under the DPoP scheme, and the algorithms proofs may be
 * signed with.
 * @param algs the JWS algorithm names, space-separated
 */
const char *oa2_bearer_dpop_challenge(const char *realm, const oa2_err_t *err,
                                      const char *scope,
                                      const char *resource_metadata,
                                      const char *algs, apr_pool_t *p);

#endif /* OA2_BEARER_H */
