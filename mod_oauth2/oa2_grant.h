/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/**
 * @file oa2_grant.h
 * @brief The token endpoint: authorization_code (PKCE S256), refresh_token
 * (rotation, reuse detection), client_credentials, the device code; what
 * they yield is made in oa2_issue.c.
 */
#ifndef OA2_GRANT_H
#define OA2_GRANT_H

#include <apr_pools.h>

#include "oa2_as.h"
#include "oa2_clientauth.h"
#include "oa2_err.h"
#include "oa2_form.h"
#include "oa2_store.h"
#include "oa2_access_token.h"

/**
 * Answer a token request (RFC 6749 §4.1.3, §4.4, §6).
 * @param json receives the 200 response body
 * @param in the request: body, headers, client certificate
 * @return APR_SUCCESS, or an RFC 6749 §5.2 error in @a err
 */
apr_status_t oa2_grant_token(const char **json, const oa2_as_t *as,
                             oa2_store_t *st, const oa2_backchannel_t *in,
                             apr_int64_t now, oa2_err_t *err, apr_pool_t *p);

/**
 * Why the token request that failed with @a err revoked a grant ("code
 * replayed", "refresh token reused"), or NULL when it revoked none; @a
 * err's detail then names the grant's sub, client_id and the hash tag of
 * its family.
 */
const char *oa2_grant_revoked_on_reuse(const oa2_err_t *err);

#endif /* OA2_GRANT_H */
