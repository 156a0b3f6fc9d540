/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/* Token introspection (RFC 7662): access tokens by signature and the
 * revocation list, refresh tokens by the store. */
#include <string.h>

#include <apr_strings.h>
#include <jansson.h>

#include "oa2_cleanup.h"
#include "oa2_clientauth.h"
#include "oa2_introspect.h"
#include "oa2_secret.h"

/* 9999-12-31T23:59:59Z: later expiry times are nonsense. */
#define MAX_TIME 253402300799.0

#define INVALID(id, text) oa2_err_set(err, 401, "invalid_token", id, text)

/* A non-empty string claim, or NULL. */
static const char *string_claim(json_t *claims, const char *name)
{
    const char *s = json_string_value(json_object_get(claims, name));
    return s && *s ? s : NULL;
}

apr_status_t oa2_introspect_verify_access(oa2_jwt_t **jwt, const oa2_as_t *as,
                                          const char *token, apr_int64_t now,
                                          int any_time, oa2_err_t *err,
                                          apr_pool_t *p)
{
    oa2_jwt_t *j;
    json_t *exp, *nbf;
    const char *iss;
    apr_status_t rv;

    rv = oa2_jwt_verify(&j, token, strlen(token), as->keys, "at+jwt", err, p);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    iss = string_claim(j->claims, "iss");
    if (!iss || strcmp(iss, as->issuer)) {
        return INVALID("OA2-00700", "the token is from another issuer");
    }
    exp = json_object_get(j->claims, "exp");
    if (!json_is_number(exp) || json_number_value(exp) < 0
        || json_number_value(exp) > MAX_TIME) {
        return INVALID("OA2-00701", "the token has no valid expiry");
    }
    if (!string_claim(j->claims, "jti")
        || !string_claim(j->claims, "client_id")) {
        return INVALID("OA2-00702", "the token lacks a jti or client_id");
    }
    if (!any_time) {
        /* The AS judges by its own clock: no leeway. */
        if ((double)now >= json_number_value(exp)) {
            return INVALID("OA2-00703", "the token has expired");
        }
        nbf = json_object_get(j->claims, "nbf");
        if (nbf
            && (!json_is_number(nbf) || (double)now < json_number_value(nbf))) {
            return INVALID("OA2-00704", "the token is not valid yet");
        }
    }
    *jwt = j;
    return APR_SUCCESS;
}

const char *oa2_introspect_access_json(const oa2_jwt_t *jwt, apr_pool_t *p)
{
    /* cnf: RFC 8705 §3.2, RFC 9449 §6.2, a resource server that
     * introspects checks the binding too. */
    static const char *const copied[] = {"scope", "client_id", "sub", "aud",
                                         "iss",   "exp",       "iat", "jti",
                                         "cnf",   NULL};
    json_t *r = oa2_cleanup_json(json_object(), p);
    const char *const *name;
    int dpop;

    json_object_set_new(r, "active", json_true());
    for (name = copied; *name; name++) {
        json_t *v = json_object_get(jwt->claims, *name);
        if (v) {
            json_object_set(r, *name, v);
        }
    }
    /* RFC 9449 §6.2: a DPoP-bound token is of type DPoP, its cnf (RFC
     * 7800, copied above) names the key. */
    dpop = json_is_string(
        json_object_get(json_object_get(jwt->claims, "cnf"), "jkt"));
    json_object_set_new(r, "token_type", json_string(dpop ? "DPoP" : "Bearer"));
    return oa2_cleanup_malloced(json_dumps(r, JSON_COMPACT), p);
}

const char *oa2_introspect_refresh_json(const oa2_refresh_t *rt, apr_pool_t *p)
{
    json_t *r = oa2_cleanup_json(json_object(), p);

    json_object_set_new(r, "active", json_true());
    if (rt->scope && *rt->scope) {
        json_object_set_new(r, "scope", json_string(rt->scope));
    }
    json_object_set_new(r, "client_id", json_string(rt->client_id));
    json_object_set_new(r, "sub", json_string(rt->user));
    json_object_set_new(r, "exp", json_integer((json_int_t)rt->expires_at));
    json_object_set_new(r, "token_type", json_string("refresh_token"));
    return oa2_cleanup_malloced(json_dumps(r, JSON_COMPACT), p);
}

/* The answer for an active access token; APR_NOTFOUND when @a token is
 * not one, or an error when the revocation list cannot be read. */
static apr_status_t active_access(const char **json, const oa2_as_t *as,
                                  oa2_store_t *st, const char *token,
                                  apr_int64_t now, oa2_err_t *err,
                                  apr_pool_t *p)
{
    oa2_jwt_t *jwt;
    oa2_err_t why;
    int revoked = 0;
    apr_status_t rv;

    if (oa2_introspect_verify_access(&jwt, as, token, now, 0, &why, p)
        != APR_SUCCESS) {
        return APR_NOTFOUND;
    }
    rv = oa2_store_token_is_revoked(
        &revoked, st, json_string_value(json_object_get(jwt->claims, "jti")),
        json_string_value(json_object_get(jwt->claims, "client_id")),
        (apr_int64_t)json_number_value(json_object_get(jwt->claims, "iat")),
        err, p);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    if (revoked) {
        return APR_NOTFOUND;
    }
    *json = oa2_introspect_access_json(jwt, p);
    return APR_SUCCESS;
}

/* The answer for a live refresh token; APR_NOTFOUND when @a token is not
 * one, or an error when the store fails. */
static apr_status_t active_refresh(const char **json, oa2_store_t *st,
                                   const char *token, apr_int64_t now,
                                   oa2_err_t *err, apr_pool_t *p)
{
    oa2_refresh_t *rt;
    apr_status_t rv;

    rv = oa2_store_refresh_get(&rt, st, oa2_secret_hash(token, p), err, p);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    if (rt->state != OA2_REFRESH_LIVE || now >= rt->expires_at) {
        return APR_NOTFOUND;
    }
    *json = oa2_introspect_refresh_json(rt, p);
    return APR_SUCCESS;
}

apr_status_t oa2_introspect_request(const char **json, oa2_client_t **caller,
                                    const oa2_as_t *as, oa2_store_t *st,
                                    const oa2_backchannel_t *in,
                                    apr_int64_t now, oa2_err_t *err,
                                    apr_pool_t *p)
{
    const char *token;
    apr_status_t rv;

    rv = oa2_clientauth_token_request(&token, caller, st, in, 0, err, p);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    rv = active_access(json, as, st, token, now, err, p);
    if (rv == APR_NOTFOUND) {
        rv = active_refresh(json, st, token, now, err, p);
    }
    if (rv == APR_NOTFOUND) {
        *json = OA2_INTROSPECT_INACTIVE;
        return APR_SUCCESS;
    }
    return rv;
}
