/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/**
 * @file oa2_introspect.h
 * @brief Token introspection (RFC 7662): is a token one this AS issued,
 * and is it still active?
 *
 * Access tokens are JWTs this AS signed (RFC 9068); they are active until
 * they expire (no leeway here: the AS knows its own clock) or their jti is
 * revoked. Refresh tokens are opaque and live in the store.
 */
#ifndef OA2_INTROSPECT_H
#define OA2_INTROSPECT_H

#include <apr_pools.h>

#include "oa2_as.h"
#include "oa2_clientauth.h"
#include "oa2_err.h"
#include "oa2_form.h"
#include "oa2_jwt.h"
#include "oa2_store.h"

/** The whole answer about a token that is not active (RFC 7662 §2.2). */
#define OA2_INTROSPECT_INACTIVE "{\"active\":false}"

/**
 * Verify that @a token is an access token of @a as: its signature with
 * one of the AS's keys, typ at+jwt, iss the AS's issuer, and the claims
 * exp, jti and client_id present. Unless @a any_time is set, it must also
 * be within its lifetime at @a now (exp, and nbf when present; no leeway).
 * The audience is not checked: the AS answers for every resource.
 * @param jwt receives the verified token
 * @return APR_SUCCESS, or a 401 invalid_token error saying why
 */
apr_status_t oa2_introspect_verify_access(oa2_jwt_t **jwt, const oa2_as_t *as,
                                          const char *token, apr_int64_t now,
                                          int any_time, oa2_err_t *err,
                                          apr_pool_t *p);

/**
 * The RFC 7662 answer for an active access token: active, scope,
 * client_id, sub, aud, iss, exp, iat, jti and token_type "Bearer", taken
 * from its claims.
 */
const char *oa2_introspect_access_json(const oa2_jwt_t *jwt, apr_pool_t *p);

/**
 * The RFC 7662 answer for an active refresh token: active, scope,
 * client_id, sub (the resource owner), exp and token_type
 * "refresh_token".
 */
const char *oa2_introspect_refresh_json(const oa2_refresh_t *rt, apr_pool_t *p);

/**
 * Answer an introspection request (RFC 7662 §2). The caller must be a
 * confidential client; any such client may ask about any token.
 * @param json receives the 200 response body (OA2_INTROSPECT_INACTIVE for
 *        a token that is unknown, invalid, expired or revoked)
 * @param caller receives the authenticated client, or NULL
 * @param in the request: body (token, token_type_hint, credentials),
 *        Authorization header
 * @return APR_SUCCESS; a 401 invalid_client or 400 invalid_request error;
 *         503 when the store fails
 */
apr_status_t oa2_introspect_request(const char **json, oa2_client_t **caller,
                                    const oa2_as_t *as, oa2_store_t *st,
                                    const oa2_backchannel_t *in,
                                    apr_int64_t now, oa2_err_t *err,
                                    apr_pool_t *p);

#endif /* OA2_INTROSPECT_H */
