/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/* Access tokens as a resource server sees them: RFC 9068 validation. */
#include <string.h>

#include <apr_lib.h>
#include <apr_strings.h>

#include "oa2_cleanup.h"
#include "oa2_hash.h"
#include "oa2_json.h"
#include "oa2_access_token.h"

#define INVALID(id, text) oa2_err_set(err, 401, "invalid_token", id, text)

int oa2_access_token_printable(const char *s)
{
    const unsigned char *c;

    for (c = (const unsigned char *)s; *c; c++) {
        if (*c < 0x20 || *c == 0x7f) {
            return 0;
        }
    }
    return 1;
}

/* A non-empty printable string claim, or NULL. */
static const char *printable_claim(json_t *claims, const char *name)
{
    const char *s = json_string_value(json_object_get(claims, name));

    return s && *s && oa2_access_token_printable(s) ? s : NULL;
}

int oa2_access_token_audience_has(json_t *aud, const char *want)
{
    size_t i;
    json_t *v;

    if (json_is_string(aud)) {
        return !strcmp(json_string_value(aud), want);
    }
    json_array_foreach(aud, i, v)
    {
        if (json_is_string(v) && !strcmp(json_string_value(v), want)) {
            return 1;
        }
    }
    return 0;
}

int oa2_access_token_cnf_binds(const oa2_cnf_t *cnf)
{
    return cnf && (cnf->jkt || cnf->x5t);
}

const char *oa2_access_token_cnf_json(const oa2_cnf_t *cnf, apr_pool_t *p)
{
    oa2_json_obj_t o;

    if (!oa2_access_token_cnf_binds(cnf)) {
        return NULL;
    }
    oa2_json_begin(&o, p);
    if (cnf->jkt) {
        oa2_json_add_string(&o, "jkt", cnf->jkt, p);
    }
    if (cnf->x5t) {
        oa2_json_add_string(&o, "x5t#S256", cnf->x5t, p);
    }
    return oa2_json_end(&o, NULL, p);
}

/* A thumbprint member of a cnf object: absent (NULL), or a base64url
 * string no longer than any SHA-256 one (APR_EINVAL otherwise). */
static apr_status_t cnf_member(const char **out, json_t *cnf, const char *name)
{
    json_t *v = json_object_get(cnf, name);
    const char *s, *c;

    *out = NULL;
    if (!v) {
        return APR_SUCCESS;
    }
    s = json_string_value(v);
    if (!s || !*s || strlen(s) > OA2_CNF_THUMBPRINT_MAX) {
        return APR_EINVAL;
    }
    for (c = s; *c; c++) {
        if (!apr_isalnum(*c) && *c != '-' && *c != '_') {
            return APR_EINVAL;
        }
    }
    *out = s;
    return APR_SUCCESS;
}

/* A `cnf` object's jkt (RFC 9449 §6.1) and x5t#S256 (RFC 8705 §3.1) are
 * what this server checks; a cnf it cannot read refuses the token rather
 * than letting it pass as a bearer token. */
apr_status_t oa2_access_token_read_cnf(oa2_cnf_t *out, json_t *claims,
                                       oa2_err_t *err)
{
    json_t *cnf = json_object_get(claims, "cnf");

    out->jkt = out->x5t = NULL;
    if (!cnf) {
        return APR_SUCCESS;
    }
    if (!json_is_object(cnf) || cnf_member(&out->jkt, cnf, "jkt")
        || cnf_member(&out->x5t, cnf, "x5t#S256")) {
        return INVALID("OA2-01400", "the token's cnf claim is malformed");
    }
    if (!oa2_access_token_cnf_binds(out)) {
        return INVALID("OA2-01401",
                       "the token's cnf claim names no key or certificate "
                       "this server can check");
    }
    return APR_SUCCESS;
}

/* The claim checks of RFC 9068 §4 under @a policy. */
static apr_status_t check_claims(oa2_access_token_t **tok, json_t *claims,
                                 const oa2_access_token_policy_t *policy,
                                 apr_int64_t now, oa2_err_t *err, apr_pool_t *p)
{
    oa2_access_token_t *t;
    json_t *exp, *nbf, *iat, *scope;
    const char *iss;

    iss = json_string_value(json_object_get(claims, "iss"));
    if (!iss || strcmp(iss, policy->issuer)) {
        return INVALID("OA2-00051", "the token is from another issuer");
    }
    if (!oa2_access_token_audience_has(json_object_get(claims, "aud"),
                                       policy->audience)) {
        return INVALID("OA2-00052", "the token is for another audience");
    }
    exp = json_object_get(claims, "exp");
    if (!json_is_number(exp)) {
        return INVALID("OA2-00053", "the token has no expiry");
    }
    if (json_number_value(exp) > OA2_ACCESS_TOKEN_MAX_TIME) {
        return INVALID("OA2-00059", "the token's expiry is out of range");
    }
    if ((double)now >= json_number_value(exp) + OA2_ACCESS_TOKEN_LEEWAY) {
        return INVALID("OA2-00054", "the token has expired");
    }
    nbf = json_object_get(claims, "nbf");
    if (nbf
        && (!json_is_number(nbf)
            || (double)now + OA2_ACCESS_TOKEN_LEEWAY
                < json_number_value(nbf))) {
        return INVALID("OA2-00055", "the token is not valid yet");
    }
    iat = json_object_get(claims, "iat");
    if (!json_is_number(iat)
        || (double)now + OA2_ACCESS_TOKEN_LEEWAY < json_number_value(iat)) {
        return INVALID("OA2-00056",
                       "the token's issue time is missing "
                       "or in the future");
    }
    scope = json_object_get(claims, "scope");
    if (scope && !json_is_string(scope)) {
        return INVALID("OA2-00057", "the token's scope is not a string");
    }
    t = apr_pcalloc(p, sizeof(*t));
    t->claims = claims;
    t->sub = printable_claim(claims, "sub");
    t->client_id = printable_claim(claims, "client_id");
    t->jti = printable_claim(claims, "jti");
    if (!t->sub || !t->client_id || !t->jti) {
        return INVALID("OA2-00058",
                       "the token lacks a printable sub, "
                       "client_id or jti");
    }
    t->scope = scope ? json_string_value(scope) : "";
    if (!oa2_access_token_printable(t->scope)) {
        return INVALID("OA2-00048", "the token's scope has control characters");
    }
    t->exp = (apr_int64_t)json_number_value(exp);
    if (oa2_access_token_read_cnf(&t->cnf, claims, err) != APR_SUCCESS) {
        return APR_EGENERAL;
    }
    *tok = t;
    return APR_SUCCESS;
}

apr_status_t oa2_access_token_validate(oa2_access_token_t **tok,
                                       const char *token,
                                       const oa2_access_token_policy_t *policy,
                                       apr_int64_t now, oa2_err_t *err,
                                       apr_pool_t *p)
{
    oa2_jwt_t *jwt;
    apr_status_t rv;

    if (!policy->keys || !policy->issuer || !policy->audience) {
        return oa2_err_set(err, 500, "server_error", "OA2-00050",
                           "no key source, issuer or audience configured");
    }
    rv = oa2_jwt_verify(&jwt, token, strlen(token), policy->keys, "at+jwt", err,
                        p);
    if (rv != APR_SUCCESS
        || (rv = check_claims(tok, jwt->claims, policy, now, err, p))
            != APR_SUCCESS) {
        return rv;
    }
    (*tok)->jwt = jwt;
    (*tok)->payload = jwt->payload;
    (*tok)->payload_len = jwt->payload_len;
    (*tok)->kid = jwt->key->kid;
    return APR_SUCCESS;
}

/* Fields of a cache record before the payload, each NUL-terminated. */
enum {
    REC_EXP,
    REC_KID,
    REC_SUB,
    REC_CLIENT_ID,
    REC_JTI,
    REC_SCOPE,
    REC_JKT, /* cnf.jkt, "" for none */
    REC_X5T, /* cnf.x5t#S256, "" for none */
    REC_N
};

const char *oa2_access_token_cache_record(apr_size_t *len,
                                          const oa2_access_token_t *tok,
                                          apr_pool_t *p)
{
    const char *f[REC_N];
    apr_size_t flen[REC_N], total = tok->payload_len;
    char *rec, *at;
    int i;

    f[REC_EXP] = apr_psprintf(p, "%" APR_INT64_T_FMT, tok->exp);
    f[REC_KID] = tok->kid;
    f[REC_SUB] = tok->sub;
    f[REC_CLIENT_ID] = tok->client_id;
    f[REC_JTI] = tok->jti;
    f[REC_SCOPE] = tok->scope;
    f[REC_JKT] = tok->cnf.jkt ? tok->cnf.jkt : "";
    f[REC_X5T] = tok->cnf.x5t ? tok->cnf.x5t : "";
    for (i = 0; i < REC_N; i++) {
        flen[i] = strlen(f[i]) + 1;
        total += flen[i];
    }
    at = rec = apr_palloc(p, total + 1);
    for (i = 0; i < REC_N; i++) {
        memcpy(at, f[i], flen[i]);
        at += flen[i];
    }
    memcpy(at, tok->payload, tok->payload_len);
    rec[total] = '\0';
    *len = total;
    return rec;
}

apr_status_t oa2_access_token_from_cache_record(oa2_access_token_t **tok,
                                                const char *rec, apr_size_t len,
                                                apr_int64_t now, oa2_err_t *err,
                                                apr_pool_t *p)
{
    const char *f[REC_N], *at = rec, *end = rec + len, *nul = rec;
    oa2_access_token_t *t = apr_pcalloc(p, sizeof(*t));
    char *stop = NULL;
    int i;

    for (i = 0; nul && i < REC_N; i++) {
        nul = memchr(at, '\0', (apr_size_t)(end - at));
        f[i] = at;
        at = nul ? nul + 1 : end;
    }
    if (nul) {
        t->exp = apr_strtoi64(f[REC_EXP], &stop, 10);
    }
    /* An expiry oa2_access_token_validate() could not have accepted is damage
     * (and would overflow the leeway arithmetic below). */
    if (!nul || *stop || stop == f[REC_EXP] || t->exp < 0
        || t->exp > (apr_int64_t)OA2_ACCESS_TOKEN_MAX_TIME || !*f[REC_SUB]
        || !*f[REC_JTI] || memchr(at, '\0', (apr_size_t)(end - at))) {
        INVALID("OA2-00049", "the cached token is damaged");
        return APR_EINVAL;
    }
    /* The only claim check time can change: the record's key covers the
     * issuer, audience, keys and typ, and nbf and iat were fine when it
     * was stored, so they are still. */
    if (now - OA2_ACCESS_TOKEN_LEEWAY >= t->exp) {
        return INVALID("OA2-00047", "the token has expired");
    }
    t->kid = f[REC_KID];
    /* Verified JWTs always name their key; introspection answers none. */
    t->introspected = !*t->kid;
    t->sub = f[REC_SUB];
    t->client_id = f[REC_CLIENT_ID];
    t->jti = f[REC_JTI];
    t->scope = f[REC_SCOPE];
    t->cnf.jkt = *f[REC_JKT] ? f[REC_JKT] : NULL;
    t->cnf.x5t = *f[REC_X5T] ? f[REC_X5T] : NULL;
    t->payload = at;
    t->payload_len = (apr_size_t)(end - at);
    *tok = t;
    return APR_SUCCESS;
}

const unsigned char *oa2_access_token_cache_key(
    const char *token, const oa2_access_token_policy_t *policy, apr_pool_t *p)
{
    unsigned char *key = apr_palloc(p, OA2_ACCESS_TOKEN_CACHE_KEY_LEN);
    const char *fields[] = {token, policy->issuer, policy->audience,
                            policy->keys ? policy->keys->id : NULL, "at+jwt"};

    return oa2_hash_fields(key, fields, sizeof(fields) / sizeof(*fields), p)
        ? key
        : NULL;
}

const unsigned char *oa2_access_token_revocation_key(const char *issuer,
                                                     const char *jti,
                                                     apr_pool_t *p)
{
    unsigned char *key = apr_palloc(p, OA2_ACCESS_TOKEN_CACHE_KEY_LEN);
    /* The label keeps these keys apart from validated-token keys, whose
     * first field is a JWT and so never this string. */
    const char *fields[] = {"revocation", issuer, jti};

    return oa2_hash_fields(key, fields, sizeof(fields) / sizeof(*fields), p)
        ? key
        : NULL;
}

json_t *oa2_access_token_claims(oa2_access_token_t *tok, apr_pool_t *p)
{
    if (!tok->claims) {
        json_t *claims = oa2_cleanup_json(
            json_loadb(tok->payload, tok->payload_len, 0, NULL), p);
        tok->claims = json_is_object(claims) ? claims : NULL;
    }
    return tok->claims;
}

apr_int64_t oa2_access_token_issued_at(oa2_access_token_t *tok, apr_pool_t *p)
{
    json_t *iat = json_object_get(oa2_access_token_claims(tok, p), "iat");

    return json_is_number(iat) ? (apr_int64_t)json_number_value(iat) : -1;
}

static int value_equals(json_t *v, const char *value)
{
    char buf[64];

    switch (json_typeof(v)) {
    case JSON_STRING:
        return !strcmp(json_string_value(v), value);
    case JSON_INTEGER:
        apr_snprintf(buf, sizeof(buf), "%" APR_INT64_T_FMT,
                     (apr_int64_t)json_integer_value(v));
        return !strcmp(buf, value);
    case JSON_TRUE:
        return !strcmp(value, "true");
    case JSON_FALSE:
        return !strcmp(value, "false");
    default:
        return 0;
    }
}

int oa2_access_token_claim_equals(oa2_access_token_t *tok, const char *name,
                                  const char *value, apr_pool_t *p)
{
    json_t *claim = json_object_get(oa2_access_token_claims(tok, p), name);
    json_t *v;
    size_t i;

    if (json_is_array(claim)) {
        json_array_foreach(claim, i, v)
        {
            if (value_equals(v, value)) {
                return 1;
            }
        }
        return 0;
    }
    return claim ? value_equals(claim, value) : 0;
}

const char *oa2_access_token_claims_json(oa2_access_token_t *tok, apr_pool_t *p)
{
    json_t *claims;

    /* The payload as signed, unless it spreads over lines: JSON has no
     * control character outside whitespace, and a newline must not reach
     * a header built from OAUTH2_CLAIMS. */
    if (memchr(tok->payload, '\n', tok->payload_len) == NULL
        && memchr(tok->payload, '\r', tok->payload_len) == NULL
        && memchr(tok->payload, '\t', tok->payload_len) == NULL) {
        return apr_pstrmemdup(p, tok->payload, tok->payload_len);
    }
    claims = oa2_access_token_claims(tok, p);
    return claims ? oa2_cleanup_malloced(json_dumps(claims, JSON_COMPACT), p)
                  : "{}";
}
