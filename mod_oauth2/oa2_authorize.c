/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/* The authorization endpoint: validation, consent decision, codes. */
#include <string.h>

#include <apr_strings.h>

#include "oa2_authorize.h"
#include "oa2_dpop.h"
#include "oa2_idtoken.h"
#include "oa2_pkce.h"
#include "oa2_redirect.h"
#include "oa2_scope.h"
#include "oa2_secret.h"

#define PAGE_ERROR(id, text) oa2_err_set(err, 400, "invalid_request", id, text)

static int registered(const oa2_client_t *client, const char *uri,
                      apr_pool_t *p)
{
    int i;

    for (i = 0; i < client->redirect_uris->nelts; i++) {
        if (oa2_redirect_matches(
                APR_ARRAY_IDX(client->redirect_uris, i, const char *), uri,
                p)) {
            return 1;
        }
    }
    return 0;
}

/* The client a request names: before anything can be redirected. */
static apr_status_t client_of(oa2_client_t **client, oa2_store_t *st,
                              const oa2_form_t *params, oa2_err_t *err,
                              apr_pool_t *p)
{
    const char *client_id;
    apr_status_t rv;

    if (oa2_form_single(&client_id, params, "client_id", 1, err, p)
        != APR_SUCCESS) {
        return PAGE_ERROR("OA2-00300", "client_id is missing or repeated");
    }
    rv = oa2_store_client_get(client, st, client_id, err, p);
    if (rv == APR_NOTFOUND) {
        return PAGE_ERROR("OA2-00301", "the client is unknown");
    }
    return rv;
}

/* The redirect_uri, registered for @a client: before anything can be
 * redirected. */
static apr_status_t redirect_of(oa2_authz_request_t *req,
                                const oa2_client_t *client,
                                const oa2_form_t *params, oa2_err_t *err,
                                apr_pool_t *p)
{
    const char *redirect_uri;

    if (oa2_form_single(&redirect_uri, params, "redirect_uri", 1, err, p)
        != APR_SUCCESS) {
        return PAGE_ERROR("OA2-00302", "redirect_uri is missing or repeated");
    }
    if (!registered(client, redirect_uri, p)) {
        return PAGE_ERROR("OA2-00303",
                          "redirect_uri is not registered for "
                          "this client");
    }
    req->client = client;
    req->redirect_uri = redirect_uri;
    return APR_SUCCESS;
}

static apr_status_t check_prompt(const char *prompt, oa2_err_t *err)
{
    /* "none" excludes any other value (OpenID Connect Core §3.1.2.1). */
    if (oa2_scope_contains(prompt, "none") && strcmp(prompt, "none")) {
        return oa2_err_set(err, 400, "invalid_request", "OA2-00304",
                           "prompt=none cannot be combined");
    }
    return APR_SUCCESS;
}

/* The nonce an ID token will carry exactly (Core §3.1.2.1): kept only
 * for an OpenID request. An empty one is none: the consent form sends
 * its hidden field empty when the request had none. */
static apr_status_t check_nonce(oa2_authz_request_t *req, const oa2_as_t *as,
                                const oa2_form_t *params, oa2_err_t *err,
                                apr_pool_t *p)
{
    const char *nonce;
    apr_status_t rv = oa2_form_single(&nonce, params, "nonce", 0, err, p);

    if (rv != APR_SUCCESS) {
        return rv;
    }
    if (!nonce || !*nonce || !oa2_authorize_is_openid(as, req)) {
        return APR_SUCCESS;
    }
    if (!oa2_idtoken_nonce_valid(nonce)) {
        return oa2_err_set(err, 400, "invalid_request", "OA2-00896",
                           "nonce must be 1 to 512 printable ASCII "
                           "characters");
    }
    req->nonce = nonce;
    return APR_SUCCESS;
}

/* RFC 9449 §10: dpop_jkt binds the code to a DPoP key, whose proof its
 * redemption must carry. An empty one is none: the consent form sends
 * its hidden field empty when the request had none. */
static apr_status_t check_dpop_jkt(oa2_authz_request_t *req,
                                   const oa2_form_t *params, oa2_err_t *err,
                                   apr_pool_t *p)
{
    const char *jkt;
    apr_status_t rv = oa2_form_single(&jkt, params, "dpop_jkt", 0, err, p);

    if (rv != APR_SUCCESS || !jkt || !*jkt) {
        return rv;
    }
    if (!oa2_dpop_jkt_valid(jkt)) {
        return oa2_err_set(err, 400, "invalid_request", "OA2-01445",
                           "dpop_jkt must be a JWK SHA-256 thumbprint (43 "
                           "base64url characters)");
    }
    req->dpop_jkt = jkt;
    return APR_SUCCESS;
}

/* max_age (Core §3.1.2.1): seconds, plain digits. */
static apr_status_t check_max_age(oa2_authz_request_t *req,
                                  const oa2_form_t *params, oa2_err_t *err,
                                  apr_pool_t *p)
{
    const char *v;
    apr_status_t rv = oa2_form_single(&v, params, "max_age", 0, err, p);

    req->max_age = -1;
    if (rv != APR_SUCCESS || !v || !*v) {
        return rv;
    }
    if (strlen(v) > 9 || strspn(v, "0123456789") != strlen(v)) {
        return oa2_err_set(err, 400, "invalid_request", "OA2-00923",
                           "max_age must be a number of seconds");
    }
    req->max_age = apr_atoi64(v);
    return APR_SUCCESS;
}

static apr_status_t validate(oa2_authz_request_t *req, int *redirectable,
                             const oa2_as_t *as, const oa2_client_t *client,
                             const oa2_form_t *params, oa2_err_t *err,
                             apr_pool_t *p);

apr_status_t oa2_authorize_parse(oa2_authz_request_t **out, int *redirectable,
                                 const oa2_as_t *as, oa2_store_t *st,
                                 const oa2_form_t *params, oa2_err_t *err,
                                 apr_pool_t *p)
{
    oa2_authz_request_t *req = apr_pcalloc(p, sizeof(*req));
    oa2_client_t *client;
    apr_status_t rv;

    *out = req;
    *redirectable = 0;
    if ((rv = client_of(&client, st, params, err, p)) != APR_SUCCESS) {
        return rv;
    }
    return validate(req, redirectable, as, client, params, err, p);
}

apr_status_t oa2_authorize_parse_client(oa2_authz_request_t **out,
                                        const oa2_as_t *as,
                                        const oa2_client_t *client,
                                        const oa2_form_t *params,
                                        oa2_err_t *err, apr_pool_t *p)
{
    oa2_authz_request_t *req = apr_pcalloc(p, sizeof(*req));
    int redirectable = 0;

    *out = req;
    return validate(req, &redirectable, as, client, params, err, p);
}

/* Every rule of an authorization request, for its known @a client. */
static apr_status_t validate(oa2_authz_request_t *req, int *redirectable,
                             const oa2_as_t *as, const oa2_client_t *client,
                             const oa2_form_t *params, oa2_err_t *err,
                             apr_pool_t *p)
{
    const char *response_type, *method, *scope, *resource;
    apr_status_t rv;

    *redirectable = 0;
    if ((rv = redirect_of(req, client, params, err, p)) != APR_SUCCESS) {
        return rv;
    }
    if (oa2_form_single(&req->state, params, "state", 0, err, p)
        != APR_SUCCESS) {
        /* Which state would we echo? Refuse without redirecting. */
        return PAGE_ERROR("OA2-00305", "state is repeated");
    }
    *redirectable = 1;
    if (oa2_form_repeated(params)) {
        /* The name is the request's: only the log hears it. */
        oa2_err_set(err, 400, "invalid_request", "OA2-00312",
                    "a parameter is repeated");
        return oa2_err_detail(err, p, "repeated: %s",
                              oa2_form_safe_name(oa2_form_repeated(params)));
    }
    if ((rv = oa2_form_single(&response_type, params, "response_type", 1, err,
                              p))
        != APR_SUCCESS) {
        return rv;
    }
    if (strcmp(response_type, "code")) {
        return oa2_err_set(err, 400, "unsupported_response_type", "OA2-00306",
                           "only response_type=code is "
                           "supported");
    }
    if (!oa2_scope_contains(req->client->grant_types, "authorization_code")) {
        return oa2_err_set(err, 400, "unauthorized_client", "OA2-00307",
                           "this client may not use the authorization code "
                           "flow");
    }
    if ((rv = oa2_form_single(&req->code_challenge, params, "code_challenge", 1,
                              err, p))
            != APR_SUCCESS
        || (rv = oa2_form_single(&method, params, "code_challenge_method", 0,
                                 err, p))
            != APR_SUCCESS) {
        return oa2_err_set(err, 400, "invalid_request", "OA2-00308",
                           "PKCE is required: send code_challenge with "
                           "code_challenge_method=S256");
    }
    if (!method || strcmp(method, "S256")) {
        return oa2_err_set(err, 400, "invalid_request", "OA2-00309",
                           "code_challenge_method must be S256");
    }
    /* S256 is the only method: a challenge that is not 43 base64url
     * characters can never match a verifier (RFC 7636 §4.2). A fixed
     * text: the value is not reflected. */
    if (!oa2_pkce_challenge_valid(req->code_challenge)) {
        return oa2_err_set(err, 400, "invalid_request", "OA2-00310",
                           "code_challenge must be 43 base64url characters "
                           "(S256)");
    }
    if ((rv = oa2_form_single(&scope, params, "scope", 0, err, p))
            != APR_SUCCESS
        || (rv = oa2_as_check_scope(&req->scope, as, req->client->scope, scope,
                                    err, p))
            != APR_SUCCESS) {
        return rv;
    }
    if (oa2_form_single(&resource, params, "resource", 0, err, p)
        != APR_SUCCESS) {
        return oa2_err_set(err, 400, "invalid_target", "OA2-00311",
                           "one resource per request");
    }
    req->resource = resource ? resource : "";
    if (resource
        && (rv = oa2_as_check_resource(as, resource, err, p)) != APR_SUCCESS) {
        return rv;
    }
    if ((rv = oa2_form_single(&req->prompt, params, "prompt", 0, err, p))
            != APR_SUCCESS
        || (req->prompt
            && (rv = check_prompt(req->prompt, err)) != APR_SUCCESS)) {
        return rv;
    }
    if ((rv = check_nonce(req, as, params, err, p)) != APR_SUCCESS
        || (rv = check_dpop_jkt(req, params, err, p)) != APR_SUCCESS) {
        return rv;
    }
    return check_max_age(req, params, err, p);
}

int oa2_authorize_login_stale(const oa2_as_t *as,
                              const oa2_authz_request_t *req,
                              apr_int64_t auth_time, apr_int64_t now)
{
    apr_int64_t max_age = req->max_age;

    if (!oa2_authorize_is_openid(as, req)) {
        return 0;
    }
    if (max_age < 0 && req->client->default_max_age > 0) {
        max_age = req->client->default_max_age;
    }
    if (req->prompt && oa2_scope_contains(req->prompt, "login")
        && now - auth_time > OA2_LOGIN_FRESH) {
        return 1;
    }
    return max_age >= 0 && now - auth_time > max_age;
}

int oa2_authorize_is_openid(const oa2_as_t *as, const oa2_authz_request_t *req)
{
    return oa2_as_is_openid(as, req->scope);
}

int oa2_authorize_user_ok(const char *user)
{
    apr_size_t len = user ? strlen(user) : 0;

    return len > 0 && len <= OA2_USER_MAX && oa2_form_utf8_valid(user, len);
}

apr_status_t oa2_authorize_needs_consent(int *needed, oa2_store_t *st,
                                         const oa2_authz_request_t *req,
                                         const char *user, oa2_err_t *err,
                                         apr_pool_t *p)
{
    apr_array_header_t *wanted = apr_array_make(p, 4, sizeof(const char *));
    const char *granted;
    apr_status_t rv;
    int i;

    *needed = 1;
    if (req->prompt && oa2_scope_contains(req->prompt, "consent")) {
        return APR_SUCCESS;
    }
    rv = oa2_store_consent_get(&granted, st, user, req->client->client_id, err,
                               p);
    if (rv == APR_NOTFOUND) {
        return APR_SUCCESS;
    }
    if (rv != APR_SUCCESS) {
        return rv;
    }
    oa2_scope_union(wanted, req->scope, p);
    for (i = 0; i < wanted->nelts; i++) {
        if (!oa2_scope_contains(granted,
                                APR_ARRAY_IDX(wanted, i, const char *))) {
            return APR_SUCCESS;
        }
    }
    *needed = 0;
    return APR_SUCCESS;
}

apr_status_t oa2_authorize_approve(const char **location, const oa2_as_t *as,
                                   oa2_store_t *st,
                                   const oa2_authz_request_t *req,
                                   const oa2_authz_user_t *who, apr_int64_t now,
                                   int remember, oa2_err_t *err, apr_pool_t *p)
{
    apr_array_header_t *all = apr_array_make(p, 4, sizeof(const char *));
    const char *code, *family, *granted, *user = who->name;
    const char *claims = "";
    oa2_code_t c;
    apr_status_t rv;
    int openid = oa2_authorize_is_openid(as, req);

    if ((rv = oa2_secret_make(&code, OA2_SECRET_BYTES, err, p)) != APR_SUCCESS
        || (rv = oa2_secret_make(&family, 16, err, p)) != APR_SUCCESS
        || (openid
            && (rv = oa2_idtoken_claims_for_scope(
                    &claims, as->user_claims, who->claims, req->scope, err, p))
                != APR_SUCCESS)) {
        return rv;
    }
    c.client_id = req->client->client_id;
    c.user = user;
    c.redirect_uri = req->redirect_uri;
    c.scope = req->scope;
    c.resource = req->resource;
    c.code_challenge = req->code_challenge;
    c.expires_at = now + as->code_ttl;
    c.used = 0;
    c.family = family;
    c.access_jti = "";
    c.nonce = openid && req->nonce ? req->nonce : "";
    c.auth_time = openid ? who->auth_time : 0;
    c.claims = claims;
    c.dpop_jkt = req->dpop_jkt;
    if ((rv = oa2_store_begin(st, err, p)) != APR_SUCCESS) {
        return rv;
    }
    if (remember) {
        rv = oa2_store_consent_get(&granted, st, user, c.client_id, err, p);
        if (rv != APR_SUCCESS && rv != APR_NOTFOUND) {
            oa2_store_end(st, 1, NULL, p);
            return rv;
        }
        oa2_scope_union(all, granted, p);
        oa2_scope_union(all, req->scope, p);
        rv = oa2_store_consent_put(st, user, c.client_id,
                                   oa2_scope_join(all, p), now, err, p);
    }
    if (rv == APR_SUCCESS || rv == APR_NOTFOUND) {
        rv = oa2_store_code_add(st, oa2_secret_hash(code, p), &c, err, p);
    }
    if (rv != APR_SUCCESS
        || (rv = oa2_store_end(st, 0, err, p)) != APR_SUCCESS) {
        oa2_store_end(st, 1, NULL, p);
        return rv;
    }
    *location = oa2_form_append(p, req->redirect_uri, "code", code, "state",
                                req->state, "iss", as->issuer, NULL);
    return APR_SUCCESS;
}

const char *oa2_authorize_error_location(const oa2_as_t *as,
                                         const oa2_authz_request_t *req,
                                         const oa2_err_t *err, apr_pool_t *p)
{
    return oa2_form_append(p, req->redirect_uri, "error", err->error,
                           "error_description", err->description, "state",
                           req->state, "iss", as->issuer, NULL);
}

const char *oa2_authorize_encode(const oa2_authz_request_t *req, apr_pool_t *p)
{
    /* Appended to "?", which then goes: the form's text alone. */
    const char *text = oa2_form_append(
        p, "?", "response_type", "code", "client_id", req->client->client_id,
        "redirect_uri", req->redirect_uri, "scope", req->scope, "state",
        req->state, "code_challenge", req->code_challenge,
        "code_challenge_method", "S256", "resource",
        req->resource && *req->resource ? req->resource : NULL, "prompt",
        req->prompt, "nonce", req->nonce, "dpop_jkt", req->dpop_jkt, "max_age",
        req->max_age >= 0 ? apr_psprintf(p, "%" APR_INT64_T_FMT, req->max_age)
                          : NULL,
        NULL);

    return text + 1;
}
