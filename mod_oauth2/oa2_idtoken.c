/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/* OpenID Connect ID tokens and user claims (see oa2_idtoken.h). */
#include <errno.h>
#include <string.h>

#include <apr_strings.h>
#include <jansson.h>

#include "oa2_b64.h"
#include "oa2_cleanup.h"
#include "oa2_hash.h"
#include "oa2_idtoken.h"
#include "oa2_jwt.h"
#include "oa2_scope.h"

/* Core §5.4: the claims each standard scope requests, and what the
 * consent page says of it unless OAuth2Scope says otherwise. */
static const struct {
    const char *scope;
    const char *claims;      /* space-separated */
    const char *description; /* the consent page's text */
} standard[] = {
    {"profile",
     "name family_name given_name middle_name nickname preferred_username "
     "profile picture website gender birthdate zoneinfo locale updated_at",
     "See your profile: your name and other basic details"},
    {"email", "email email_verified", "See your email address"},
    {"address", "address", "See your postal address"},
    {"phone", "phone_number phone_number_verified", "See your phone number"},
};

/* Set by the protocol (RFC 7519 §4.1, Core §2, RFC 7800, Front-Channel
 * Logout's sid): a user claim of that name could forge or confuse them. */
static const char *const reserved[] = {
    "iss", "sub", "aud",     "exp",    "iat", "auth_time", "nonce", "acr",
    "amr", "azp", "at_hash", "c_hash", "jti", "nbf",       "cnf",   "sid"};

/* Config-time refusals: the directive handler shows the description. */
#define CONFIG_ERR(id, ...) oa2_err_setf(err, 500, NULL, id, p, __VA_ARGS__)

/* Request-time faults of the server's own data. */
#define SERVER_ERR(id, text) oa2_err_set(err, 500, "server_error", id, text)

apr_status_t oa2_idtoken_at_hash(const char **out, const char *access_token,
                                 const char *alg, apr_pool_t *p)
{
    unsigned char md[OA2_SHA256_LEN];

    /* Both algorithms we sign with hash with SHA-256 (RFC 7518 §3.1). */
    if (oa2_keys_alg_from_name(alg) == OA2_ALG_UNSUPPORTED
        || !oa2_hash_sha256(md, access_token, strlen(access_token))) {
        return APR_ENOTIMPL;
    }
    *out = oa2_b64_encode(md, OA2_SHA256_LEN / 2, p);
    return APR_SUCCESS;
}

const char *oa2_idtoken_standard_claims(const char *scope)
{
    apr_size_t i;

    for (i = 0; i < sizeof(standard) / sizeof(standard[0]); i++) {
        if (!strcmp(scope, standard[i].scope)) {
            return standard[i].claims;
        }
    }
    return NULL;
}

const char *oa2_idtoken_scope_description(const char *scope)
{
    apr_size_t i;

    if (!strcmp(scope, OA2_IDTOKEN_SCOPE)) {
        return "Sign you in with your account here";
    }
    for (i = 0; i < sizeof(standard) / sizeof(standard[0]); i++) {
        if (!strcmp(scope, standard[i].scope)) {
            return standard[i].description;
        }
    }
    return NULL;
}

int oa2_idtoken_claim_reserved(const char *name)
{
    apr_size_t i;

    for (i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++) {
        if (!strcmp(name, reserved[i])) {
            return 1;
        }
    }
    return 0;
}

apr_status_t oa2_idtoken_claim_make(oa2_idtoken_claim_t **claim,
                                    const char *scope, const char *name,
                                    oa2_err_t *err, apr_pool_t *p)
{
    const char *own, *home = "a scope of your own";
    oa2_idtoken_claim_t *c;
    apr_size_t i;

    if (!scope || !oa2_scope_token_valid(scope)) {
        return CONFIG_ERR("OA2-00870",
                          "the scope of a user claim must be one scope token "
                          "(printable ASCII, no space, quote or backslash)");
    }
    if (!name || !oa2_scope_token_valid(name)
        || strlen(name) > OA2_IDTOKEN_CLAIM_NAME_MAX) {
        return CONFIG_ERR("OA2-00871",
                          "a user claim name is 1 to %d characters of "
                          "printable ASCII without space, quote or backslash",
                          OA2_IDTOKEN_CLAIM_NAME_MAX);
    }
    if (oa2_idtoken_claim_reserved(name)) {
        return CONFIG_ERR("OA2-00872",
                          "the claim %s is set by the provider itself and "
                          "cannot be a user claim; choose another name",
                          name);
    }
    own = oa2_idtoken_standard_claims(scope);
    if (own && !oa2_scope_contains(own, name)) {
        for (i = 0; i < sizeof(standard) / sizeof(standard[0]); i++) {
            if (oa2_scope_contains(standard[i].claims, name)) {
                home = apr_pstrcat(p, "the scope ", standard[i].scope, NULL);
            }
        }
        return CONFIG_ERR("OA2-00873",
                          "the standard scope %s releases only the claims "
                          "%s (OpenID Connect Core 5.4): put %s under %s",
                          scope, own, name, home);
    }
    c = apr_pcalloc(p, sizeof(*c));
    c->scope = apr_pstrdup(p, scope);
    c->name = apr_pstrdup(p, name);
    if (!strcmp(name, "email_verified")
        || !strcmp(name, "phone_number_verified")) {
        c->kind = OA2_IDTOKEN_BOOLEAN;
    }
    else if (!strcmp(name, "updated_at")) {
        c->kind = OA2_IDTOKEN_NUMBER;
    }
    else if (!strcmp(name, "address")) {
        c->kind = OA2_IDTOKEN_ADDRESS;
    }
    *claim = c;
    return APR_SUCCESS;
}

/* @a value as the JSON value of a claim of @a kind; NULL when it is to be
 * omitted. Sets *bad when a string is not valid UTF-8. */
static json_t *claim_value(oa2_idtoken_kind_t kind, const char *value, int *bad)
{
    json_t *v = NULL, *s;
    apr_int64_t n;
    char *end;

    *bad = 0;
    switch (kind) {
    case OA2_IDTOKEN_BOOLEAN:
        if (!strcmp(value, "true") || !strcmp(value, "false")) {
            v = json_boolean(*value == 't');
        }
        break;
    case OA2_IDTOKEN_NUMBER:
        /* Plain digits only: no sign, space or hex that strtoll takes. */
        if (strspn(value, "0123456789") == strlen(value)) {
            errno = 0;
            n = apr_strtoi64(value, &end, 10);
            v = errno ? NULL : json_integer((json_int_t)n); /* ERANGE */
        }
        break;
    case OA2_IDTOKEN_ADDRESS:
        /* §5.1.1: one captured string is the full mailing address. */
        s = json_string(value);
        *bad = !s;
        v = json_object();
        if (json_object_set_new(v, "formatted", s)) { /* frees s */
            json_decref(v);
            v = NULL;
        }
        break;
    default:
        v = json_string(value);
        *bad = !v;
        break;
    }
    return v;
}

apr_status_t oa2_idtoken_claims_for_scope(const char **json,
                                          const apr_array_header_t *defs,
                                          const apr_table_t *values,
                                          const char *scope, oa2_err_t *err,
                                          apr_pool_t *p)
{
    json_t *obj = oa2_cleanup_json(json_object(), p), *v;
    const oa2_idtoken_claim_t *c;
    const char *value;
    int i, bad = 0;

    if (!obj) {
        return SERVER_ERR("OA2-00874", "cannot write the user claims");
    }
    for (i = 0; defs && values && i < defs->nelts; i++) {
        c = &APR_ARRAY_IDX(defs, i, oa2_idtoken_claim_t);
        value = apr_table_get(values, c->name);
        if (!value || !*value || json_object_get(obj, c->name) || !scope
            || !oa2_scope_contains(scope, c->scope)) {
            continue;
        }
        v = claim_value(c->kind, value, &bad);
        if (bad) {
            SERVER_ERR(
                "OA2-00875",
                "cannot write the user claims: a value is not valid UTF-8");
            return oa2_err_detail(err, p, "user claim %s", c->name);
        }
        if (v && json_object_set_new(obj, c->name, v)) {
            return SERVER_ERR("OA2-00876", "cannot write the user claims");
        }
    }
    *json = oa2_cleanup_malloced(json_dumps(obj, JSON_COMPACT), p);
    return *json ? APR_SUCCESS
                 : SERVER_ERR("OA2-00877", "cannot write the user claims");
}

/* Nonzero when a claim named @a name is released by @a scope: some
 * configured claim of that name belongs to a granted scope. */
static int released(const apr_array_header_t *defs, const char *name,
                    const char *scope)
{
    const oa2_idtoken_claim_t *c;
    int i;

    for (i = 0; defs && i < defs->nelts; i++) {
        c = &APR_ARRAY_IDX(defs, i, oa2_idtoken_claim_t);
        if (!strcmp(c->name, name) && oa2_scope_contains(scope, c->scope)) {
            return 1;
        }
    }
    return 0;
}

apr_status_t oa2_idtoken_claims_narrow(const char **json, const char *stored,
                                       const apr_array_header_t *defs,
                                       const char *scope, oa2_err_t *err,
                                       apr_pool_t *p)
{
    json_t *obj, *v;
    const char *name;
    void *tmp;

    if (!stored || !*stored) {
        *json = "{}";
        return APR_SUCCESS;
    }
    obj = oa2_cleanup_json(json_loads(stored, JSON_REJECT_DUPLICATES, NULL), p);
    if (!json_is_object(obj)) {
        return SERVER_ERR("OA2-00890",
                          "the stored user claims are not a JSON object");
    }
    json_object_foreach_safe(obj, tmp, name, v)
    {
        if (!released(defs, name, scope ? scope : "")) {
            json_object_del(obj, name);
        }
    }
    *json = oa2_cleanup_malloced(json_dumps(obj, JSON_COMPACT), p);
    return *json ? APR_SUCCESS
                 : SERVER_ERR("OA2-00891", "cannot write the user claims");
}

int oa2_idtoken_nonce_valid(const char *nonce)
{
    apr_size_t i;

    for (i = 0; nonce && nonce[i]; i++) {
        if ((unsigned char)nonce[i] < 0x20 || (unsigned char)nonce[i] > 0x7e
            || i >= OA2_IDTOKEN_NONCE_MAX) {
            return 0;
        }
    }
    return nonce && i > 0;
}

/* Add the user claims of the JSON object text @a text to @a claims. */
static apr_status_t merge_user_claims(json_t *claims, const char *text,
                                      oa2_err_t *err, apr_pool_t *p)
{
    json_t *user, *v;
    const char *name;

    user = oa2_cleanup_json(json_loads(text, JSON_REJECT_DUPLICATES, NULL), p);
    if (!json_is_object(user)) {
        return SERVER_ERR("OA2-00878",
                          "the stored user claims are not a JSON object");
    }
    json_object_foreach(user, name, v)
    {
        if (oa2_idtoken_claim_reserved(name) || json_object_get(claims, name)) {
            SERVER_ERR(
                "OA2-00879",
                "the stored user claims carry a claim the provider sets");
            return oa2_err_detail(err, p, "user claim %s", name);
        }
        if (json_object_set(claims, name, v)) {
            return SERVER_ERR("OA2-00880", "cannot write the ID token");
        }
    }
    return APR_SUCCESS;
}

apr_status_t oa2_idtoken_userinfo(const char **json, const char *sub,
                                  const char *claims, oa2_err_t *err,
                                  apr_pool_t *p)
{
    json_t *doc = oa2_cleanup_json(json_object(), p);
    apr_status_t rv;

    if (!doc || json_object_set_new(doc, "sub", json_string(sub))) {
        return SERVER_ERR("OA2-00892",
                          "cannot write the user info: the user name is not "
                          "valid UTF-8");
    }
    if (claims && *claims
        && (rv = merge_user_claims(doc, claims, err, p)) != APR_SUCCESS) {
        return rv;
    }
    *json = oa2_cleanup_malloced(json_dumps(doc, JSON_COMPACT), p);
    return *json ? APR_SUCCESS
                 : SERVER_ERR("OA2-00893", "cannot write the user info");
}

apr_status_t oa2_idtoken_mint(const char **jwt, const oa2_keyset_t *keys,
                              const oa2_idtoken_t *in, apr_int64_t now,
                              oa2_err_t *err, apr_pool_t *p)
{
    const oa2_key_t *key = keys ? oa2_keys_signer(keys) : NULL;
    json_t *claims = oa2_cleanup_json(json_object(), p);
    const char *at_hash;
    int bad;

    if (!key) {
        return SERVER_ERR("OA2-00881", "no key to sign the ID token");
    }
    if (!claims || !in->issuer || !*in->issuer || !in->sub || !*in->sub
        || !in->client_id || !*in->client_id) {
        return SERVER_ERR("OA2-00882",
                          "cannot write the ID token: the issuer, subject or "
                          "client is missing");
    }
    if (in->nonce && *in->nonce && !oa2_idtoken_nonce_valid(in->nonce)) {
        return SERVER_ERR("OA2-00883",
                          "cannot write the ID token: the nonce is not valid");
    }
    /* json_string() is NULL for non-UTF-8 (a user name from an authn
     * provider may be any bytes): json_object_set_new() then fails. One
     * statement each, so the claims keep this order in the token. */
    bad = json_object_set_new(claims, "iss", json_string(in->issuer));
    bad |= json_object_set_new(claims, "sub", json_string(in->sub));
    bad |= json_object_set_new(claims, "aud", json_string(in->client_id));
    bad |= json_object_set_new(claims, "exp", json_integer(now + in->ttl));
    bad |= json_object_set_new(claims, "iat", json_integer(now));
    if (in->auth_time) {
        bad |= json_object_set_new(claims, "auth_time",
                                   json_integer(in->auth_time));
    }
    if (in->nonce && *in->nonce) {
        bad |= json_object_set_new(claims, "nonce", json_string(in->nonce));
    }
    bad |= json_object_set_new(claims, "azp", json_string(in->client_id));
    if (in->access_token) {
        if (oa2_idtoken_at_hash(&at_hash, in->access_token,
                                oa2_keys_alg_name(key->alg), p)
            != APR_SUCCESS) {
            return SERVER_ERR("OA2-00884",
                              "cannot hash the access token for the ID token");
        }
        bad |= json_object_set_new(claims, "at_hash", json_string(at_hash));
    }
    if (bad) {
        return SERVER_ERR("OA2-00885",
                          "cannot write the ID token: the user name or another "
                          "claim is not valid UTF-8");
    }
    if (in->claims && *in->claims) {
        apr_status_t rv = merge_user_claims(claims, in->claims, err, p);

        if (rv != APR_SUCCESS) {
            return rv;
        }
    }
    return oa2_jwt_sign(jwt, key, "JWT", claims, err, p);
}
