/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/**
 * @file oa2_logout.h
 * @brief RP-Initiated Logout 1.0 at {base}/logout: the request's checks
 * (id_token_hint, client_id, post_logout_redirect_uri, state), where the
 * user goes afterwards, and the confirmation form asked for when no valid
 * hint proves that the request comes from the user's client.
 */
#ifndef OA2_LOGOUT_H
#define OA2_LOGOUT_H

#include <apr_pools.h>

#include "oa2_as.h"
#include "oa2_err.h"
#include "oa2_form.h"
#include "oa2_store.h"

/** A checked logout request. */
typedef struct oa2_logout_t {
    const oa2_client_t *client; /* by client_id or the hint's aud; NULL */
    const char *sub;            /* the hint's sub, or NULL */
    const char *redirect_uri;   /* a registered post_logout_redirect_uri,
                                 * or NULL: stay on the logout page */
    const char *state;          /* returned with the redirect, or NULL */
    int hinted;                 /* a valid id_token_hint was sent */
} oa2_logout_t;

/**
 * Check a logout request (a GET's query or a POST's body). An
 * id_token_hint must be an ID token this server signed for its issuer,
 * issued within the refresh token lifetime (an expired one is accepted,
 * as §2 recommends, up to then); client_id, when also given, must be its
 * audience; post_logout_redirect_uri must be registered exactly for the
 * client so identified.
 * @return APR_SUCCESS, or 400 invalid_request for the error page: a
 *         logout request in error is never redirected (§2)
 */
apr_status_t oa2_logout_parse(oa2_logout_t **out, const oa2_as_t *as,
                              oa2_store_t *st, const oa2_form_t *params,
                              apr_int64_t now, oa2_err_t *err, apr_pool_t *p);

/** Where to send the user after the logout: the URI with state, or NULL. */
const char *oa2_logout_location(const oa2_logout_t *lo, apr_pool_t *p);

/** The confirmation form's token for @a lo, issued at @a now. */
const char *oa2_logout_csrf_make(const oa2_as_t *as, const oa2_logout_t *lo,
                                 apr_int64_t now, apr_pool_t *p);

/** Check a confirmation form's token; 403 access_denied when not ours. */
apr_status_t oa2_logout_csrf_check(const oa2_as_t *as, const oa2_logout_t *lo,
                                   const char *token, apr_int64_t now,
                                   oa2_err_t *err, apr_pool_t *p);

#endif /* OA2_LOGOUT_H */
