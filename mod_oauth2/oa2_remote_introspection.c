/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/* The resource server as an RFC 7662 client (oa2_remote_introspection.h). */
#include <string.h>
#include <strings.h>

#include <apr_strings.h>

#include "oa2_cleanup.h"
#include "oa2_form.h"
#include "oa2_hash.h"
#include "oa2_remote_introspection.h"

#define INVALID(id, text) oa2_err_set(err, 401, "invalid_token", id, text)

const char *oa2_remote_introspection_form(const char *token, apr_pool_t *p)
{
    return apr_pstrcat(p, "token=", oa2_form_escape(token, p),
                       "&token_type_hint=access_token", NULL);
}

/* A string member, NULL when absent; @a bad is set when present but not a
 * printable string. */
static const char *member(json_t *obj, const char *name, int *bad)
{
    json_t *v = json_object_get(obj, name);
    const char *s = json_string_value(v);

    if (v && (!s || !oa2_access_token_printable(s))) {
        *bad = 1;
    }
    return s;
}

/* Whether @a res is an error response (RFC 6749 §5.2) saying
 * unsupported_token_type. */
static int refuses_token_type(const oa2_fetch_result_t *res, apr_pool_t *p)
{
    json_t *obj = oa2_cleanup_json(json_loadb(res->body, res->len, 0, NULL), p);
    const char *error = json_string_value(json_object_get(obj, "error"));

    return error && !strcmp(error, "unsupported_token_type");
}

/* The checks of an active answer, in the order of RFC 7662 §2.2. */
static apr_status_t check_answer(json_t *obj,
                                 const oa2_access_token_policy_t *policy,
                                 apr_int64_t now, oa2_err_t *err)
{
    json_t *exp = json_object_get(obj, "exp"),
           *nbf = json_object_get(obj, "nbf");
    json_t *aud = json_object_get(obj, "aud"),
           *iss = json_object_get(obj, "iss");
    const char *type = json_string_value(json_object_get(obj, "token_type"));

    if (!json_is_true(json_object_get(obj, "active"))) {
        return INVALID("OA2-00950", "the token is not active");
    }
    if (type
        && (!strcasecmp(type, "refresh_token")
            || !strcasecmp(type,
                           "urn:ietf:params:oauth:token-type:"
                           "refresh_token"))) {
        return INVALID("OA2-00951", "the token is not an access token");
    }
    if (exp
        && (!json_is_number(exp)
            || (double)now
                >= json_number_value(exp) + OA2_ACCESS_TOKEN_LEEWAY)) {
        return INVALID("OA2-00952", "the token has expired");
    }
    if (exp && json_number_value(exp) > OA2_ACCESS_TOKEN_MAX_TIME) {
        return INVALID("OA2-01101", "the token's expiry is out of range");
    }
    if (nbf
        && (!json_is_number(nbf)
            || (double)now + OA2_ACCESS_TOKEN_LEEWAY
                < json_number_value(nbf))) {
        return INVALID("OA2-00953", "the token is not valid yet");
    }
    /* Present but no string (a number, an array, null) is no match. */
    if (policy->issuer && iss
        && (!json_is_string(iss)
            || strcmp(json_string_value(iss), policy->issuer))) {
        return INVALID("OA2-00954", "the token is from another issuer");
    }
    if (policy->audience && aud
        && !oa2_access_token_audience_has(aud, policy->audience)) {
        return INVALID("OA2-00955", "the token is for another audience");
    }
    return APR_SUCCESS;
}

apr_status_t oa2_remote_introspection_verdict(
    oa2_access_token_t **tok, const oa2_fetch_result_t *res, const char *token,
    const oa2_access_token_policy_t *policy, apr_int64_t now, oa2_err_t *err,
    apr_pool_t *p)
{
    json_t *obj, *exp, *active;
    oa2_access_token_t *t;
    apr_status_t rv;
    int bad = 0;

    if (res->status == 400 && refuses_token_type(res, p)) {
        /* RFC 7662 §2.2 wants active:false for a token the endpoint will
         * not describe; some (node-oidc-provider for its JWTs) answer
         * RFC 7009's unsupported_token_type instead. The same verdict: not
         * a token this server may accept, and no outage to retry. */
        return INVALID("OA2-01100",
                       "the issuer does not introspect this kind of token");
    }
    if (res->status != 200) {
        oa2_err_set(err, 503, "temporarily_unavailable", "OA2-00956",
                    "the introspection endpoint refused the request");
        return oa2_err_detail(err, p, "it answered %ld%s", res->status,
                              res->status == 401
                                  ? " (check OAuth2Introspection's client "
                                    "id and secret file)"
                                  : "");
    }
    obj = oa2_cleanup_json(json_loadb(res->body, res->len, 0, NULL), p);
    active = json_object_get(obj, "active");
    if (!json_is_boolean(active)) {
        oa2_err_set(err, 503, "temporarily_unavailable", "OA2-00957",
                    "the introspection endpoint's answer is not an RFC 7662 "
                    "response");
        /* What is wrong with it, never what it says (it is not ours). */
        return oa2_err_detail(
            err, p, "%s",
            !obj                       ? "it is not JSON"
                : !json_is_object(obj) ? "it is not a JSON object"
                : active               ? "its \"active\" is not true or false"
                                       : "it has no \"active\"");
    }
    if ((rv = check_answer(obj, policy, now, err)) != APR_SUCCESS) {
        return rv;
    }
    t = apr_pcalloc(p, sizeof(*t));
    t->introspected = 1;
    t->claims = obj;
    t->sub = member(obj, "sub", &bad);
    t->client_id = member(obj, "client_id", &bad);
    t->scope = member(obj, "scope", &bad);
    t->jti = member(obj, "jti", &bad);
    if (!t->sub || !*t->sub) {
        t->sub = t->client_id;
    }
    if (bad || !t->sub || !*t->sub) {
        return INVALID("OA2-00958",
                       "the introspection response names no printable sub "
                       "or client_id");
    }
    t->client_id = t->client_id ? t->client_id : "";
    t->scope = t->scope ? t->scope : "";
    /* A name for the cache record and the log, never the token itself. */
    t->jti = t->jti ? t->jti : oa2_hash_tag(token, p);
    t->kid = "";
    exp = json_object_get(obj, "exp");
    t->exp = exp ? (apr_int64_t)json_number_value(exp) : -1;
    t->payload = oa2_cleanup_malloced(json_dumps(obj, JSON_COMPACT), p);
    t->payload_len = strlen(t->payload);
    /* A bound token stays bound when its issuer vouches for it (RFC 8705
     * §3.2, RFC 9449 §6.2): no bearer token here either. */
    if ((rv = oa2_access_token_read_cnf(&t->cnf, obj, err)) != APR_SUCCESS) {
        return rv;
    }
    *tok = t;
    return APR_SUCCESS;
}

const unsigned char *oa2_remote_introspection_key(
    const char *token, const oa2_remote_introspection_t *ri,
    const oa2_access_token_policy_t *policy, int ttl, apr_pool_t *p)
{
    unsigned char *key = apr_palloc(p, OA2_ACCESS_TOKEN_CACHE_KEY_LEN);
    /* The label keeps these keys apart from validated-token keys, whose
     * first field is a token and so never this string. The TTL is in the
     * key because a record says when it expires, not when it was asked:
     * a location with OAuth2IntrospectionCacheTTL 1 must not reuse what
     * one with 60 kept (a revocation would reach it a minute late). */
    const char *fields[] = {"introspection", token,          ri->url,
                            ri->client_id,   policy->issuer, policy->audience,
                            apr_itoa(p, ttl)};

    return oa2_hash_fields(key, fields, sizeof(fields) / sizeof(*fields), p)
        ? key
        : NULL;
}
