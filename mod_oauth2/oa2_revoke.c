/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/* Token revocation (RFC 7009). */
#include <string.h>

#include <jansson.h>

#include "oa2_clientauth.h"
#include "oa2_introspect.h"
#include "oa2_revoke.h"
#include "oa2_secret.h"
#include "oa2_access_token.h"

const char *oa2_revoke_result_name(oa2_revoke_result_t result)
{
    switch (result) {
    case OA2_REVOKE_ACCESS:
        return "access token revoked";
    case OA2_REVOKE_REFRESH:
        return "refresh token family revoked";
    case OA2_REVOKE_FOREIGN:
        return "token of another client, left alone";
    default:
        return "not a token of this server, nothing to do";
    }
}

/* Revoke an access token of @a client; APR_NOTFOUND when @a token is not
 * an access token of this AS, expired or not. */
static apr_status_t revoke_access(oa2_revocation_t *done,
                                  const oa2_client_t *client,
                                  const oa2_as_t *as, oa2_store_t *st,
                                  const char *token, apr_int64_t now,
                                  oa2_err_t *err, apr_pool_t *p)
{
    oa2_jwt_t *jwt;
    oa2_err_t why;
    json_t *claims;

    if (oa2_introspect_verify_access(&jwt, as, token, now, 1, &why, p)
        != APR_SUCCESS) {
        return APR_NOTFOUND;
    }
    claims = jwt->claims;
    if (strcmp(json_string_value(json_object_get(claims, "client_id")),
               client->client_id)) {
        done->result = OA2_REVOKE_FOREIGN;
        return APR_SUCCESS;
    }
    /* Resource servers accept a token up to OA2_ACCESS_TOKEN_LEEWAY after its
     * exp: keep the record until then, or a purge would revive it. */
    done->result = OA2_REVOKE_ACCESS;
    done->jti = json_string_value(json_object_get(claims, "jti"));
    done->exp = (apr_int64_t)json_number_value(json_object_get(claims, "exp"));
    done->sub = json_string_value(json_object_get(claims, "sub"));
    done->scope = json_string_value(json_object_get(claims, "scope"));
    return oa2_store_jti_revoke(st, done->jti,
                                done->exp + OA2_ACCESS_TOKEN_LEEWAY, err, p);
}

/* Revoke a refresh token of @a client with its family; APR_NOTFOUND when
 * the store does not know @a token. */
static apr_status_t revoke_refresh(oa2_revocation_t *done,
                                   const oa2_client_t *client, oa2_store_t *st,
                                   const char *token, oa2_err_t *err,
                                   apr_pool_t *p)
{
    oa2_refresh_t *rt;
    apr_status_t rv;

    rv = oa2_store_refresh_get(&rt, st, oa2_secret_hash(token, p), err, p);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    if (strcmp(rt->client_id, client->client_id)) {
        done->result = OA2_REVOKE_FOREIGN;
        return APR_SUCCESS;
    }
    done->result = OA2_REVOKE_REFRESH;
    done->sub = rt->user;
    done->family = rt->family;
    done->scope = rt->scope;
    return oa2_store_family_revoke(st, rt->family, err, p);
}

apr_status_t oa2_revoke_request(oa2_revocation_t *done, oa2_client_t **caller,
                                const oa2_as_t *as, oa2_store_t *st,
                                const oa2_backchannel_t *in, apr_int64_t now,
                                oa2_err_t *err, apr_pool_t *p)
{
    const char *token;
    apr_status_t rv;

    memset(done, 0, sizeof(*done)); /* OA2_REVOKE_NOTHING */
    rv = oa2_clientauth_token_request(&token, caller, st, in, 1, err, p);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    rv = revoke_access(done, *caller, as, st, token, now, err, p);
    if (rv == APR_NOTFOUND) {
        rv = revoke_refresh(done, *caller, st, token, err, p);
    }
    if (rv == APR_NOTFOUND) {
        done->result = OA2_REVOKE_NOTHING;
        return APR_SUCCESS;
    }
    return rv;
}
