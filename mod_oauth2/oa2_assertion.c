/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/*
 * private_key_jwt client authentication (see oa2_assertion.h): the
 * client assertion of a back-channel request, read, then verified.
 */
#include <string.h>
#include <strings.h>

#include <apr_strings.h>
#include <apr_time.h>

#include "oa2_assertion.h"
#include "oa2_b64.h"
#include "oa2_cleanup.h"
#include "oa2_hash.h"
#include "oa2_jwt.h"
#include "oa2_secret.h"

#define INVALID_CLIENT(id, text)                                               \
    oa2_err_set(err, 401, "invalid_client", id, text)

/* The failures oa2_assertion_failed_on_key() tells apart. */
static const char BAD_SIGNATURE[] = "OA2-01625";
static const char UNKNOWN_KID[] = "OA2-01634";

int oa2_assertion_present(const oa2_form_t *form)
{
    const apr_array_header_t *arr = apr_table_elts(form->params);
    const apr_table_entry_t *elts = (const apr_table_entry_t *)arr->elts;
    int i;

    /* As oa2_form_single() reads them: names by case, and an empty
     * value is no value (RFC 6749 §3.1). */
    for (i = 0; i < arr->nelts; i++) {
        if (elts[i].key && elts[i].val && *elts[i].val
            && (!strcmp(elts[i].key, "client_assertion")
                || !strcmp(elts[i].key, "client_assertion_type"))) {
            return 1;
        }
    }
    return 0;
}

int oa2_assertion_failed_on_key(const oa2_err_t *err)
{
    return err->log_id == BAD_SIGNATURE || err->log_id == UNKNOWN_KID;
}

/* The JSON object of the base64url segment of @a len bytes at @a seg;
 * NULL when it is not one. Not verified: only to find the client and its
 * key, and checked again by oa2_jwt_verify() over the same bytes. */
static json_t *segment(const char *seg, apr_size_t len, apr_pool_t *p)
{
    unsigned char *raw;
    apr_size_t rawlen;
    json_t *obj;

    if (!len || oa2_b64_decode(&raw, &rawlen, seg, len, p) != APR_SUCCESS) {
        return NULL;
    }
    obj = oa2_cleanup_json(
        json_loadb((const char *)raw, rawlen, JSON_REJECT_DUPLICATES, NULL), p);
    return json_is_object(obj) ? obj : NULL;
}

apr_status_t oa2_assertion_read(oa2_assertion_t **a,
                                const oa2_backchannel_t *in, oa2_err_t *err,
                                apr_pool_t *p)
{
    const char *type, *jwt, *form_id, *secret, *dot1, *dot2, *iss, *sub;
    oa2_assertion_t *out;
    apr_status_t rv;
    apr_size_t len;

    if (APR_SUCCESS
        != (rv =
                oa2_form_single(&secret, in->form, "client_secret", 0, err, p)))
        return rv;
    if (secret
        || (in->authorization
            && !strncasecmp(in->authorization, "Basic ", 6))) {
        return oa2_err_set(err, 400, "invalid_request", "OA2-01610",
                           "use one client authentication method, not two: "
                           "a client assertion, or a client secret");
    }
    if (APR_SUCCESS
            != (rv = oa2_form_single(&type, in->form, "client_assertion_type",
                                     1, err, p))
        || APR_SUCCESS
            != (rv = oa2_form_single(&jwt, in->form, "client_assertion", 1, err,
                                     p))
        || APR_SUCCESS
            != (rv = oa2_form_single(&form_id, in->form, "client_id", 0, err,
                                     p)))
        return rv;
    if (strcmp(type, OA2_ASSERTION_TYPE)) {
        return oa2_err_set(err, 400, "invalid_request", "OA2-01611",
                           "client_assertion_type must be "
                           "urn:ietf:params:oauth:client-assertion-type:"
                           "jwt-bearer");
    }
    out = apr_pcalloc(p, sizeof(*out));
    out->jwt = jwt;
    len = strlen(jwt);
    dot1 = memchr(jwt, '.', len);
    dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
    if (len > OA2_JWT_MAX_LEN || !dot2
        || !(out->header = segment(jwt, (apr_size_t)(dot1 - jwt), p))
        || !(out->claims =
                 segment(dot1 + 1, (apr_size_t)(dot2 - dot1 - 1), p))) {
        return INVALID_CLIENT("OA2-01613",
                              "the client assertion is not a signed JWT of at "
                              "most 8192 bytes whose header and claims are "
                              "JSON objects");
    }
    iss = json_string_value(json_object_get(out->claims, "iss"));
    sub = json_string_value(json_object_get(out->claims, "sub"));
    if (!iss || !sub || !*sub || strcmp(iss, sub)) {
        /* RFC 7523 §3 items 1 and 2: both are the client_id. */
        return INVALID_CLIENT("OA2-01616",
                              "the client assertion's iss and sub must both "
                              "be the client_id");
    }
    if (form_id && strcmp(form_id, sub)) {
        return INVALID_CLIENT("OA2-01614",
                              "client_id differs from the client assertion's "
                              "sub");
    }
    out->client_id = sub;
    *a = out;
    return APR_SUCCESS;
}

/* A NumericDate claim of @a claims into @a t: absent (0 returned with
 * @a t untouched when not @a required), or a number of seconds within
 * any date that matters (RFC 7519 §2; fractions are cut). Nonzero when
 * the claim is usable. */
static int numeric_date(apr_int64_t *t, int *present, json_t *claims,
                        const char *name)
{
    json_t *v = json_object_get(claims, name);
    double d;

    *present = v != NULL;
    if (!v) {
        return 1;
    }
    if (!json_is_number(v)) {
        return 0;
    }
    d = json_number_value(v);
    if (!(d > -1e12 && d < 1e12)) {
        return 0;
    }
    *t = (apr_int64_t)d;
    return 1;
}

/* Nonzero when @a aud is one of the accepted audiences. */
static int aud_ours(const char *aud, const char *issuer, const char *endpoint,
                    const char *token_endpoint)
{
    /* RFC 7523 §3 item 3: simple string comparison (RFC 3986 §6.2.1). */
    return aud
        && ((issuer && !strcmp(aud, issuer))
            || (token_endpoint && !strcmp(aud, token_endpoint))
            || (endpoint && !strcmp(aud, endpoint)));
}

/* The claims of RFC 7523 §3 besides iss and sub (oa2_assertion_read()):
 * aud, exp, nbf, iat and jti. */
static apr_status_t check_claims(const char **jti, apr_int64_t *exp,
                                 json_t *claims, const char *issuer,
                                 const char *endpoint,
                                 const char *token_endpoint, apr_int64_t now,
                                 oa2_err_t *err, apr_pool_t *p)
{
    json_t *aud = json_object_get(claims, "aud"), *item;
    apr_int64_t nbf = 0, iat = 0;
    int present, ours = 0;
    size_t i;

    if (json_is_string(aud)) {
        ours =
            aud_ours(json_string_value(aud), issuer, endpoint, token_endpoint);
    }
    json_array_foreach(aud, i, item)
    {
        ours = ours
            || aud_ours(json_string_value(item), issuer, endpoint,
                        token_endpoint);
    }
    if (!ours) {
        INVALID_CLIENT("OA2-01617",
                       "the client assertion's aud must name this server: "
                       "its issuer identifier or token endpoint");
        return oa2_err_detail(err, p, "accepted here: %s%s%s%s%s", issuer,
                              token_endpoint ? ", " : "",
                              token_endpoint ? token_endpoint : "",
                              endpoint ? ", " : "", endpoint ? endpoint : "");
    }
    if (!numeric_date(exp, &present, claims, "exp") || !present) {
        return INVALID_CLIENT("OA2-01618",
                              "the client assertion must have an exp "
                              "(a NumericDate)");
    }
    if (now > *exp + OA2_ASSERTION_LEEWAY) {
        INVALID_CLIENT("OA2-01619", "the client assertion has expired");
        return oa2_err_detail(
            err, p, "exp %" APR_INT64_T_FMT ", %" APR_INT64_T_FMT " s ago",
            *exp, now - *exp);
    }
    if (*exp > now + OA2_ASSERTION_LIFETIME_MAX + OA2_ASSERTION_LEEWAY) {
        INVALID_CLIENT("OA2-01620",
                       "the client assertion's exp must be at most 5 "
                       "minutes ahead");
        return oa2_err_detail(
            err, p, "exp %" APR_INT64_T_FMT ", %" APR_INT64_T_FMT " s ahead",
            *exp, *exp - now);
    }
    if (!numeric_date(&nbf, &present, claims, "nbf")
        || (present && nbf > now + OA2_ASSERTION_LEEWAY)) {
        return INVALID_CLIENT("OA2-01621",
                              "the client assertion's nbf is not a "
                              "NumericDate, or lies in the future");
    }
    if (!numeric_date(&iat, &present, claims, "iat")
        || (present && (iat > now + OA2_ASSERTION_LEEWAY || iat > *exp))) {
        return INVALID_CLIENT("OA2-01622",
                              "the client assertion's iat is not a "
                              "NumericDate, or lies in the future or after "
                              "its exp");
    }
    *jti = json_string_value(json_object_get(claims, "jti"));
    if (!*jti || !**jti || strlen(*jti) > OA2_ASSERTION_JTI_MAX) {
        return INVALID_CLIENT("OA2-01623",
                              "the client assertion must have a jti of 1 to "
                              "256 characters");
    }
    return APR_SUCCESS;
}

/* The header: alg one of ours (so that no key is fetched for alg none or
 * HS256), the client's registered one if any; typ absent or a JWT's. */
static apr_status_t check_header(json_t *header, const oa2_client_t *cl,
                                 oa2_err_t *err, apr_pool_t *p)
{
    const char *alg = json_string_value(json_object_get(header, "alg"));
    json_t *typ = json_object_get(header, "typ");
    const char *t = json_string_value(typ);

    if (oa2_keys_alg_from_name(alg) == OA2_ALG_UNSUPPORTED) {
        INVALID_CLIENT("OA2-01627",
                       "the client assertion must be signed with ES256 or "
                       "RS256");
        return oa2_err_detail(err, p, "client %s, alg %s", cl->client_id,
                              alg ? oa2_form_safe_name(alg) : "missing");
    }
    if (cl->auth_signing_alg && strcmp(alg, cl->auth_signing_alg)) {
        INVALID_CLIENT("OA2-01628",
                       "the client assertion must be signed with the "
                       "client's token_endpoint_auth_signing_alg");
        return oa2_err_detail(err, p, "client %s is registered for %s, used %s",
                              cl->client_id, cl->auth_signing_alg, alg);
    }
    if (t && !strncasecmp(t, "application/", 12)) {
        t += 12;
    }
    /* RFC 7519 §5.1 "JWT"; also the explicit type draft-ietf-oauth-
     * rfc7523bis gives client assertions. Any other (at+jwt, dpop+jwt,
     * ...) is a token made for something else. */
    if (typ
        && (!t
            || (strcasecmp(t, "JWT")
                && strcasecmp(t, "client-authentication+jwt")))) {
        return INVALID_CLIENT("OA2-01626",
                              "the client assertion's typ must be JWT, or "
                              "absent");
    }
    return APR_SUCCESS;
}

/* Check the signature of @a a with @a keys; the errors name the client. */
static apr_status_t check_signature(const oa2_assertion_t *a,
                                    const oa2_client_t *cl,
                                    const oa2_keyset_t *keys, oa2_err_t *err,
                                    apr_pool_t *p)
{
    oa2_err_t why = {0};
    oa2_jwt_t *jwt;

    if (oa2_jwt_verify(&jwt, a->jwt, strlen(a->jwt), keys, NULL, &why, p)
        == APR_SUCCESS) {
        return APR_SUCCESS;
    }
    if (oa2_jwt_failed_on_kid(&why)) {
        INVALID_CLIENT(UNKNOWN_KID,
                       "the client assertion's kid is not one of the "
                       "client's keys");
    }
    else {
        INVALID_CLIENT(BAD_SIGNATURE,
                       "the client assertion's signature does not verify "
                       "with the client's keys");
    }
    return oa2_err_detail(err, p, "client %s: %s %s", cl->client_id,
                          why.log_id ? why.log_id : "",
                          why.description ? why.description : "");
}

apr_status_t oa2_assertion_verify(const oa2_assertion_t *a,
                                  const oa2_client_t *cl, oa2_store_t *st,
                                  const oa2_backchannel_t *in, oa2_err_t *err,
                                  apr_pool_t *p)
{
    static const oa2_assertion_env_t none;
    const oa2_assertion_env_t *env = in->assertion ? in->assertion : &none;
    apr_int64_t now = env->now ? env->now : apr_time_sec(apr_time_now());
    oa2_client_keys_t *keys, *fresh;
    const char *jti = NULL;
    apr_int64_t exp = 0;
    apr_status_t rv;

    if (APR_SUCCESS
            != (rv = check_claims(&jti, &exp, a->claims, st->issuer,
                                  in->endpoint, env->token_endpoint, now, err,
                                  p))
        || APR_SUCCESS != (rv = check_header(a->header, cl, err, p))
        || APR_SUCCESS
            != (rv = oa2_client_jwks_get(&keys, cl, st->issuer, &env->keys, now,
                                         err, p)))
        return rv;
    rv = check_signature(a, cl, keys->set, err, p);
    if (rv != APR_SUCCESS && oa2_assertion_failed_on_key(err)
        && (err->log_id == UNKNOWN_KID || !json_object_get(a->header, "kid"))) {
        /* A key the client added to its jwks_uri since it was read: fetch
         * again, when allowed (oa2_client_jwks_refresh()). A wrong
         * signature by a key of the set, named by its kid, is not that. */
        oa2_err_t first = *err;
        apr_status_t frv = oa2_client_jwks_refresh(&fresh, keys, cl, st->issuer,
                                                   &env->keys, now, err, p);
        if (frv == APR_NOTFOUND) {
            *err = first;
        }
        else if (frv != APR_SUCCESS) {
            return frv;
        }
        else {
            rv = check_signature(a, cl, fresh->set, err, p);
        }
    }
    if (rv != APR_SUCCESS) {
        return rv;
    }
    /* Last, once everything else holds: a refused assertion uses nothing
     * up. Kept while it could be accepted (exp and the leeway). */
    rv = oa2_store_assertion_use(st, cl->client_id, oa2_secret_hash(jti, p),
                                 exp + OA2_ASSERTION_LEEWAY, err, p);
    if (rv == APR_EEXIST) {
        INVALID_CLIENT("OA2-01624", "the client assertion was already used");
        return oa2_err_detail(err, p, "client %s, jti %s", cl->client_id,
                              oa2_hash_tag(jti, p));
    }
    return rv;
}
