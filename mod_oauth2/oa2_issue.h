/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/**
 * @file oa2_issue.h
 * @brief What a grant yields: RFC 9068 access tokens, refresh tokens, ID
 * tokens and the RFC 6749 §5.1 token response. The grants themselves
 * (whether a code, refresh token or device code holds) are oa2_grant.c's.
 */
#ifndef OA2_ISSUE_H
#define OA2_ISSUE_H

#include <apr_pools.h>

#include "oa2_access_token.h"
#include "oa2_as.h"
#include "oa2_err.h"
#include "oa2_idtoken.h"
#include "oa2_store.h"

/**
 * Sign an access token (typ at+jwt) with the AS's signing key.
 * @param token receives the JWT
 * @param jti receives its id
 * @param cnf the key or certificate it is bound to, or NULL: a bearer
 *        token
 */
apr_status_t oa2_issue_access_token(const char **token, const char **jti,
                                    const oa2_as_t *as, const char *sub,
                                    const char *client_id, const char *scope,
                                    const char *aud, const oa2_cnf_t *cnf,
                                    apr_int64_t now, oa2_err_t *err,
                                    apr_pool_t *p);

/**
 * Store a new live refresh token of @a grant (its family, client, user,
 * scope, resource, auth_time, claims and DPoP binding), lasting the AS's
 * refresh token lifetime.
 * @param token receives it (stored only as a hash)
 */
apr_status_t oa2_issue_refresh_token(const char **token, const oa2_as_t *as,
                                     oa2_store_t *st,
                                     const oa2_refresh_t *grant,
                                     apr_int64_t now, oa2_err_t *err,
                                     apr_pool_t *p);

/**
 * Sign the ID token @a in describes, issued with @a access (Core
 * §3.1.3.3, §12.2); issuer and lifetime are the AS's.
 */
apr_status_t oa2_issue_id_token(const char **jwt, const oa2_as_t *as,
                                oa2_idtoken_t *in, const char *access,
                                apr_int64_t now, oa2_err_t *err, apr_pool_t *p);

/**
 * The JSON of a successful token response (RFC 6749 §5.1): token_type
 * DPoP for a DPoP-bound token, else Bearer; @a refresh and @a id_token
 * when not NULL.
 */
apr_status_t oa2_issue_response(const char **json, const oa2_as_t *as,
                                const char *access, const oa2_cnf_t *cnf,
                                const char *scope, const char *refresh,
                                const char *id_token, oa2_err_t *err,
                                apr_pool_t *p);

/**
 * The tokens of a grant a user gave, within the caller's transaction,
 * which the caller ends: an access token for the grant's resource, an ID
 * token when the scope has openid (with @a nonce of the authorization
 * request, or NULL), a refresh token when the client may have one, the
 * access token recorded under the grant's family, and the response.
 * @param json receives the response
 * @param jti receives the access token's id
 * @param grant family, client, user, scope, resource, auth_time, claims
 *        and DPoP binding
 */
apr_status_t oa2_issue_to_user(const char **json, const char **jti,
                               const oa2_as_t *as, oa2_store_t *st,
                               const oa2_client_t *client, const oa2_cnf_t *cnf,
                               const oa2_refresh_t *grant, const char *nonce,
                               apr_int64_t now, oa2_err_t *err, apr_pool_t *p);

#endif /* OA2_ISSUE_H */
