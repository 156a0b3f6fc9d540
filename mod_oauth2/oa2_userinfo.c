/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/* The UserInfo endpoint's answer (see oa2_userinfo.h). */
#include <string.h>

#include "oa2_idtoken.h"
#include "oa2_scope.h"
#include "oa2_access_token.h"
#include "oa2_userinfo.h"

/* A token this server issued for its own use: the audience a code grant
 * gives without a resource indicator, or the issuer itself. A token
 * bound to another resource (RFC 8707) is that resource's alone. */
static apr_status_t validate(oa2_access_token_t **tok, const oa2_as_t *as,
                             const char *token, apr_int64_t now, oa2_err_t *err,
                             apr_pool_t *p)
{
    oa2_access_token_policy_t policy;
    apr_status_t rv;

    policy.keys = as->keys;
    policy.issuer = as->issuer;
    policy.audience = oa2_as_audience(as, NULL);
    rv = oa2_access_token_validate(tok, token, &policy, now, err, p);
    if (rv != APR_SUCCESS && strcmp(policy.audience, as->issuer)) {
        oa2_err_t first = *err;

        policy.audience = as->issuer;
        rv = oa2_access_token_validate(tok, token, &policy, now, err, p);
        if (rv != APR_SUCCESS) {
            *err = first; /* the reason for the usual audience */
        }
    }
    return rv;
}

apr_status_t oa2_userinfo_answer(const char **json, const oa2_as_t *as,
                                 oa2_store_t *st, const char *token,
                                 oa2_dpop_check_t *dpop, apr_int64_t now,
                                 oa2_err_t *err, apr_pool_t *p)
{
    const char *claims;
    oa2_access_token_t *tok;
    int revoked = 0;
    apr_status_t rv = validate(&tok, as, token, now, err, p);

    if (rv == APR_SUCCESS) {
        rv = oa2_dpop_check_token(&tok->cnf, dpop, now, err, p);
    }
    if (rv != APR_SUCCESS) {
        return rv;
    }
    if (!oa2_scope_contains(tok->scope, OA2_IDTOKEN_SCOPE)) {
        return oa2_err_set(err, 403, "insufficient_scope", "OA2-00899",
                           "the access token was not granted the openid "
                           "scope");
    }
    rv = oa2_store_access_userinfo(&claims, &revoked, st, tok->jti, err, p);
    if (rv == APR_NOTFOUND || (rv == APR_SUCCESS && revoked)) {
        return oa2_err_set(err, 401, "invalid_token", "OA2-00900",
                           "the access token is revoked or was not issued "
                           "to a user's grant");
    }
    if (rv != APR_SUCCESS) {
        return rv;
    }
    return oa2_idtoken_userinfo(json, tok->sub, claims, err, p);
}
