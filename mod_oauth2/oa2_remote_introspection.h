/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/**
 * @file oa2_remote_introspection.h
 * @brief The resource server as an RFC 7662 client: asking another
 * issuer's introspection endpoint about a token that is not a JWT of a
 * configured key (OAuth2Introspection), and turning its answer into a
 * token as the rest of the module knows it.
 *
 * (oa2_introspect.h is the other side: this server's own endpoint.)
 */
#ifndef OA2_REMOTE_INTROSPECTION_H
#define OA2_REMOTE_INTROSPECTION_H

#include <apr_pools.h>

#include "oa2_err.h"
#include "oa2_fetch.h"
#include "oa2_access_token.h"

/** An introspection endpoint and how this server authenticates to it. */
typedef struct oa2_remote_introspection_t {
    const char *url;       /* the endpoint */
    const char *client_id; /* this resource server's client_id there */
    oa2_fetch_opts_t opts; /* how it is asked: its Authorization header
                            * (client_secret_basic, made once from the
                            * secret file) and the fetch settings */
} oa2_remote_introspection_t;

/** The request body asking about @a token (RFC 7662 §2.1). */
const char *oa2_remote_introspection_form(const char *token, apr_pool_t *p);

/**
 * The token an introspection response describes, checked under
 * @a policy at @a now: "active" must be true; exp and nbf (with
 * OA2_ACCESS_TOKEN_LEEWAY), iss when the policy names an issuer, aud when the
 * response has one, and a token_type that is not a refresh token's. sub
 * becomes the user, else client_id (a client's own token).
 * @param res the endpoint's response
 * @param token the token asked about (for a jti when the response has
 *        none)
 * @return APR_SUCCESS; a 401 invalid_token error for a token that is not
 *         active or fails a check, or that the endpoint refuses to
 *         describe (400 unsupported_token_type); a 503
 *         temporarily_unavailable error when the response is not an
 *         answer (status, JSON)
 */
apr_status_t oa2_remote_introspection_verdict(
    oa2_access_token_t **tok, const oa2_fetch_result_t *res, const char *token,
    const oa2_access_token_policy_t *policy, apr_int64_t now, oa2_err_t *err,
    apr_pool_t *p);

/**
 * The token cache key of a verdict on @a token from @a ri under
 * @a policy, kept for at most @a ttl seconds: the endpoint, the client
 * asking, the issuer and audience demanded and the TTL are all in it, so
 * a verdict given for one location never answers for another that asks
 * elsewhere, demands more, or wants fresher verdicts.
 */
const unsigned char *oa2_remote_introspection_key(
    const char *token, const oa2_remote_introspection_t *ri,
    const oa2_access_token_policy_t *policy, int ttl, apr_pool_t *p);

#endif /* OA2_REMOTE_INTROSPECTION_H */
