/* Access tokens as a resource server sees them: RFC 9068 validation. */
#include <string.h>

#include <apr_strings.h>
#include <openssl/evp.h>

#include "oa2_cleanup.h"
#include "oa2_token.h"

/* 9999-12-31T23:59:59Z: later times are nonsense, and would overflow the
 * conversion to an integer. */
#define OA2_TOKEN_MAX_TIME 253402300799.0

#define INVALID(id, text) oa2_err_set(err, 401, "invalid_token", id, text)

/* A printable string claim, or NULL (control characters never reach
 * r->user, the environment or a log line). */
static const char *printable_claim(json_t *claims, const char *name)
{
    const char *s = json_string_value(json_object_get(claims, name));
    const unsigned char *c;

    if (!s || !*s) {
        return NULL;
    }
    for (c = (const unsigned char *)s; *c; c++) {
        if (*c < 0x20 || *c == 0x7f) {
            return NULL;
        }
    }
    return s;
}

static int audience_matches(json_t *aud, const char *want)
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

/* The claim checks of RFC 9068 §4 under @a policy. */
static apr_status_t check_claims(oa2_token_t **tok, json_t *claims,
                                 const oa2_token_policy_t *policy,
                                 apr_int64_t now, oa2_err_t *err, apr_pool_t *p)
{
    oa2_token_t *t;
    json_t *exp, *nbf, *iat, *scope;
    const char *iss;

    iss = json_string_value(json_object_get(claims, "iss"));
    if (!iss || strcmp(iss, policy->issuer)) {
        return INVALID("OA2-00051", "the token is from another issuer");
    }
    if (!audience_matches(json_object_get(claims, "aud"), policy->audience)) {
        return INVALID("OA2-00052", "the token is for another audience");
    }
    exp = json_object_get(claims, "exp");
    if (!json_is_number(exp)) {
        return INVALID("OA2-00053", "the token has no expiry");
    }
    if (json_number_value(exp) > OA2_TOKEN_MAX_TIME) {
        return INVALID("OA2-00059", "the token's expiry is out of range");
    }
    if ((double)now >= json_number_value(exp) + OA2_TOKEN_LEEWAY) {
        return INVALID("OA2-00054", "the token has expired");
    }
    nbf = json_object_get(claims, "nbf");
    if (nbf
        && (!json_is_number(nbf)
            || (double)now + OA2_TOKEN_LEEWAY < json_number_value(nbf))) {
        return INVALID("OA2-00055", "the token is not valid yet");
    }
    iat = json_object_get(claims, "iat");
    if (!json_is_number(iat)
        || (double)now + OA2_TOKEN_LEEWAY < json_number_value(iat)) {
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
    t->exp = (apr_int64_t)json_number_value(exp);
    *tok = t;
    return APR_SUCCESS;
}

apr_status_t oa2_token_validate(oa2_token_t **tok, const char *token,
                                const oa2_token_policy_t *policy,
                                apr_int64_t now, oa2_err_t *err, apr_pool_t *p)
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

apr_status_t oa2_token_from_payload(oa2_token_t **tok, const char *payload,
                                    apr_size_t len, const char *kid,
                                    const oa2_token_policy_t *policy,
                                    apr_int64_t now, oa2_err_t *err,
                                    apr_pool_t *p)
{
    json_t *claims = oa2_cleanup_json(
        json_loadb(payload, len, JSON_REJECT_DUPLICATES, NULL), p);
    apr_status_t rv;

    if (!json_is_object(claims)) {
        return INVALID("OA2-00049", "the cached token payload is damaged");
    }
    rv = check_claims(tok, claims, policy, now, err, p);
    if (rv == APR_SUCCESS) {
        (*tok)->payload = payload;
        (*tok)->payload_len = len;
        (*tok)->kid = kid;
    }
    return rv;
}

const unsigned char *oa2_token_cache_key(const char *token,
                                         const oa2_token_policy_t *policy,
                                         apr_pool_t *p)
{
    unsigned char *key = apr_palloc(p, EVP_MAX_MD_SIZE);
    const char *parts[5];
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned int len = 0;
    apr_size_t i;
    int ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);

    parts[0] = token;
    parts[1] = policy->issuer;
    parts[2] = policy->audience;
    parts[3] = policy->keys ? policy->keys->id : NULL;
    parts[4] = "at+jwt";
    for (i = 0; ok && i < sizeof(parts) / sizeof(*parts); i++) {
        /* NUL-separated: no field can run into the next. */
        const char *s = parts[i] ? parts[i] : "";
        ok = EVP_DigestUpdate(ctx, s, strlen(s) + 1);
    }
    ok = ok && EVP_DigestFinal_ex(ctx, key, &len);
    EVP_MD_CTX_free(ctx);
    return ok && len == OA2_TOKEN_CACHE_KEY_LEN ? key : NULL;
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

int oa2_token_claim_equals(const oa2_token_t *tok, const char *name,
                           const char *value)
{
    json_t *claim = json_object_get(tok->claims, name);
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

const char *oa2_token_claims_json(const oa2_token_t *tok, apr_pool_t *p)
{
    return oa2_cleanup_malloced(json_dumps(tok->claims, JSON_COMPACT), p);
}
