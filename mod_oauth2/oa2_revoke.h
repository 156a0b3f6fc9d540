/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/**
 * @file oa2_revoke.h
 * @brief Token revocation (RFC 7009): a client withdraws a refresh token
 * (with every token rotated from the same grant) or an access token (its
 * jti is recorded until the token would have expired anyway).
 */
#ifndef OA2_REVOKE_H
#define OA2_REVOKE_H

#include <apr_pools.h>

#include "oa2_as.h"
#include "oa2_clientauth.h"
#include "oa2_err.h"
#include "oa2_form.h"
#include "oa2_store.h"

/** What a revocation request did; the client is told none of it. */
typedef enum oa2_revoke_result_t {
    OA2_REVOKE_NOTHING = 0, /* not a token of this AS: nothing to do */
    OA2_REVOKE_ACCESS,      /* an access token's jti is now revoked */
    OA2_REVOKE_REFRESH,     /* a refresh token's family is now revoked */
    OA2_REVOKE_FOREIGN      /* a token of another client: left alone */
} oa2_revoke_result_t;

/** What a revocation request did, and to which access token. */
typedef struct oa2_revocation_t {
    oa2_revoke_result_t result; /* what was done */
    const char *jti;            /* OA2_REVOKE_ACCESS: the token's jti */
    apr_int64_t exp;            /* OA2_REVOKE_ACCESS: the token's exp */
    const char *sub;            /* ACCESS, REFRESH: whose token it was */
    const char *family;         /* OA2_REVOKE_REFRESH: the revoked family */
    const char *scope;          /* ACCESS, REFRESH: the token's scope */
} oa2_revocation_t;

/**
 * Answer a revocation request (RFC 7009 §2). Public clients identify
 * themselves by client_id. Unknown, invalid and expired tokens, and tokens
 * of another client, succeed without a change (§2.2), so the answer
 * reveals nothing about a token.
 * @param done receives what was done (and to which access token)
 * @param caller receives the authenticated client, or NULL
 * @param in the request: body (token, token_type_hint, credentials),
 *        Authorization header
 * @return APR_SUCCESS; a 401 invalid_client or 400 invalid_request error;
 *         503 when the store fails
 */
apr_status_t oa2_revoke_request(oa2_revocation_t *done, oa2_client_t **caller,
                                const oa2_as_t *as, oa2_store_t *st,
                                const oa2_backchannel_t *in, apr_int64_t now,
                                oa2_err_t *err, apr_pool_t *p);

/** A word for @a result, for the log. */
const char *oa2_revoke_result_name(oa2_revoke_result_t result);

#endif /* OA2_REVOKE_H */
