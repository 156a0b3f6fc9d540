/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/**
 * @file oa2_userinfo.h
 * @brief The UserInfo endpoint (OpenID Connect Core 1.0 §5.3): the claims
 * about the user that an access token of an OpenID grant releases.
 */
#ifndef OA2_USERINFO_H
#define OA2_USERINFO_H

#include <apr_pools.h>

#include "oa2_as.h"
#include "oa2_dpop.h"
#include "oa2_err.h"
#include "oa2_store.h"

/**
 * Answer a UserInfo request. The access token must be one this server
 * issued (its keys and issuer) for its own use (aud the default audience
 * or the issuer, not another resource's), carry the openid scope, and be
 * recorded for a user's grant and not revoked.
 * @param json receives the JSON object: sub and the user claims
 * @param token the bearer token (from the Authorization header or the
 *        form body, RFC 6750 §2.1-2.2), or the DPoP-bound one
 * @param dpop with the DPoP scheme (RFC 9449 §7), the proof's check; NULL
 *        for the Bearer scheme (oa2_dpop_check_token())
 * @return APR_SUCCESS; or an RFC 6750 error in @a err: 401 invalid_token,
 *         403 insufficient_scope (scope openid), 503 when the database is
 *         unavailable, 500 for stored claims that cannot be written
 */
apr_status_t oa2_userinfo_answer(const char **json, const oa2_as_t *as,
                                 oa2_store_t *st, const char *token,
                                 oa2_dpop_check_t *dpop, apr_int64_t now,
                                 oa2_err_t *err, apr_pool_t *p);

#endif /* OA2_USERINFO_H */
