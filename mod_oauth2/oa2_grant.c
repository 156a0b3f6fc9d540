/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/* The token endpoint's grants. */
#include <string.h>

#include <apr_strings.h>

#include "oa2_clientauth.h"
#include "oa2_audit.h"
#include "oa2_device.h"
#include "oa2_dpop.h"
#include "oa2_grant.h"
#include "oa2_hash.h"
#include "oa2_idtoken.h"
#include "oa2_issue.h"
#include "oa2_mtls.h"
#include "oa2_pkce.h"
#include "oa2_scope.h"
#include "oa2_secret.h"
#include "oa2_access_token.h"

/* The failures that revoke a grant (oa2_grant_revoked_on_reuse). */
#define CODE_REPLAYED "OA2-00243"
#define REFRESH_REUSED "OA2-00254"

#define INVALID_GRANT(id, text) oa2_err_set(err, 400, "invalid_grant", id, text)

static int client_may(const oa2_client_t *client, const char *grant)
{
    return oa2_scope_contains(client->grant_types, grant);
}

/* The resource of a token request: at most one, known to the AS. */
static apr_status_t requested_resource(const char **resource,
                                       const oa2_as_t *as,
                                       const oa2_form_t *form, oa2_err_t *err,
                                       apr_pool_t *p)
{
    apr_status_t rv = oa2_form_single(resource, form, "resource", 0, err, p);

    if (rv != APR_SUCCESS) {
        return oa2_err_set(err, 400, "invalid_target", "OA2-00240",
                           "one resource per request");
    }
    if (!*resource) {
        *resource = ""; /* none requested */
        return APR_SUCCESS;
    }
    return oa2_as_check_resource(as, *resource, err, p);
}

/* A code presented with the wrong client, verifier or redirect_uri stays
 * used: a code is single use, whatever happened to its first use. */
static apr_status_t burn(oa2_store_t *st, apr_status_t rv, apr_pool_t *p)
{
    oa2_err_t ignored;

    if (oa2_store_end(st, 0, &ignored, p) != APR_SUCCESS) {
        oa2_store_end(st, 1, NULL, p);
    }
    return rv;
}

/* Tries of revoking a replayed grant (revoke_grant). */
#define REVOKE_ATTEMPTS 3

/*
 * Revoke what a replayed code or a reused refresh token produced: the
 * refresh tokens of @a family and, when given, the access token @a jti,
 * in a transaction of its own (the request's own changed nothing). Several
 * requests replaying one grant at once revoke the same rows; a database
 * server may break their lock cycle by failing one of them (PostgreSQL's
 * "deadlock detected"). Revoking twice does no harm, so try again.
 */
static apr_status_t revoke_grant(oa2_store_t *st, const char *family,
                                 const char *jti, apr_int64_t jti_expiry,
                                 oa2_err_t *err, apr_pool_t *p)
{
    apr_status_t rv = APR_EGENERAL;
    int attempt;

    for (attempt = 0; attempt < REVOKE_ATTEMPTS; attempt++) {
        if ((rv = oa2_store_begin(st, err, p)) != APR_SUCCESS) {
            return rv;
        }
        if ((rv = oa2_store_family_revoke(st, family, err, p)) == APR_SUCCESS
            && (!jti || !*jti
                || (rv = oa2_store_jti_revoke(st, jti, jti_expiry, err, p))
                    == APR_SUCCESS)
            && (rv = oa2_store_end(st, 0, err, p)) == APR_SUCCESS) {
            return APR_SUCCESS;
        }
        oa2_store_end(st, 1, NULL, p);
    }
    return rv;
}

/* The audit fields of a grant revoked on reuse, as @a err's detail. */
static apr_status_t revoked_detail(oa2_err_t *err, const char *sub,
                                   const char *client_id, const char *family,
                                   apr_pool_t *p)
{
    return oa2_err_detail(err, p, "%s",
                          oa2_audit_fields(p, "sub", sub, "client_id",
                                           client_id, "family",
                                           oa2_hash_tag(family, p), NULL));
}

const char *oa2_grant_revoked_on_reuse(const oa2_err_t *err)
{
    if (!err->log_id || !err->detail) {
        return NULL;
    }
    return !strcmp(err->log_id, CODE_REPLAYED) ? "code replayed"
        : !strcmp(err->log_id, REFRESH_REUSED) ? "refresh token reused"
                                               : NULL;
}

/* Roll back, and hand on the error that made us. */
static apr_status_t abandon(oa2_store_t *st, apr_status_t rv, apr_pool_t *p)
{
    oa2_store_end(st, 1, NULL, p);
    return rv;
}

static apr_status_t grant_code(const char **json, const oa2_as_t *as,
                               oa2_store_t *st, const oa2_client_t *client,
                               const oa2_cnf_t *cnf, const oa2_form_t *form,
                               apr_int64_t now, oa2_err_t *err, apr_pool_t *p)
{
    const char *code, *redirect_uri, *verifier, *resource, *hash, *jti;
    oa2_refresh_t grant = {0};
    oa2_code_t *c;
    apr_status_t rv;
    int first;

    if ((rv = oa2_form_single(&code, form, "code", 1, err, p)) != APR_SUCCESS
        || (rv =
                oa2_form_single(&redirect_uri, form, "redirect_uri", 1, err, p))
            != APR_SUCCESS
        || (rv = oa2_form_single(&verifier, form, "code_verifier", 1, err, p))
            != APR_SUCCESS
        || (rv = requested_resource(&resource, as, form, err, p))
            != APR_SUCCESS) {
        return rv;
    }
    if (!client_may(client, "authorization_code")) {
        return oa2_err_set(err, 400, "unauthorized_client", "OA2-00241",
                           "this client may not use the authorization_code "
                           "grant");
    }
    hash = oa2_secret_hash(code, p);
    if ((rv = oa2_store_begin(st, err, p)) != APR_SUCCESS) {
        return rv;
    }
    rv = oa2_store_code_consume(&c, &first, st, hash, err, p);
    if (rv == APR_NOTFOUND) {
        return abandon(st, INVALID_GRANT("OA2-00242", "unknown code"), p);
    }
    if (rv != APR_SUCCESS) {
        return abandon(st, rv, p);
    }
    /* Checked before a replay is acted on: someone who merely saw a used
     * code, without the client's credentials, redirect_uri and PKCE
     * verifier, must not be able to revoke the real client's tokens. */
    if (strcmp(c->client_id, client->client_id)) {
        return burn(st,
                    INVALID_GRANT("OA2-00244",
                                  "the code was issued to "
                                  "another client"),
                    p);
    }
    if (strcmp(c->redirect_uri, redirect_uri)) {
        return burn(st,
                    INVALID_GRANT("OA2-00246",
                                  "redirect_uri differs from "
                                  "the authorization request"),
                    p);
    }
    if (!oa2_pkce_verify_s256(verifier, c->code_challenge)) {
        return burn(st,
                    INVALID_GRANT("OA2-00247",
                                  "code_verifier does not "
                                  "match the code_challenge"),
                    p);
    }
    /* RFC 9449 §10: without the key a bound code is of no use to whoever
     * took it. */
    if (APR_SUCCESS != (rv = oa2_dpop_check_code(c->dpop_jkt, cnf->jkt, err))) {
        return burn(st, rv, p);
    }
    if (!first) {
        /* A genuine replay: what the code produced may be in other hands
         * (RFC 6749 §4.1.2, RFC 9700 §4.2.4). */
        if ((rv = oa2_store_end(st, 0, err, p)) != APR_SUCCESS) {
            return abandon(st, rv, p);
        }
        if ((rv = revoke_grant(st, c->family, c->access_jti,
                               now + as->access_ttl, err, p))
            != APR_SUCCESS) {
            return rv;
        }
        INVALID_GRANT(CODE_REPLAYED,
                      "the code was already used; the "
                      "tokens it produced are revoked");
        return revoked_detail(err, c->user, client->client_id, c->family, p);
    }
    if (now >= c->expires_at) {
        return burn(st, INVALID_GRANT("OA2-00245", "the code has expired"), p);
    }
    if (*resource && *c->resource && strcmp(resource, c->resource)) {
        return burn(st,
                    oa2_err_set(err, 400, "invalid_target", "OA2-00248",
                                "the resource differs from the "
                                "authorization request"),
                    p);
    }
    if (!*resource) {
        resource = c->resource;
    }
    grant.family = c->family;
    grant.client_id = client->client_id;
    grant.user = c->user;
    grant.scope = c->scope;
    grant.resource = resource;
    grant.auth_time = c->auth_time;
    grant.claims = c->claims;
    grant.dpop_jkt = oa2_dpop_refresh_binding(client, cnf->jkt);
    if (APR_SUCCESS
            != (rv = oa2_issue_to_user(json, &jti, as, st, client, cnf, &grant,
                                       c->nonce, now, err, p))
        /* what a replay of the code revokes */
        || APR_SUCCESS
            != (rv = oa2_store_code_set_issued(st, hash, jti, err, p))
        || APR_SUCCESS != (rv = oa2_store_end(st, 0, err, p))) {
        return abandon(st, rv, p);
    }
    return APR_SUCCESS;
}

static apr_status_t grant_refresh(const char **json, const oa2_as_t *as,
                                  oa2_store_t *st, const oa2_client_t *client,
                                  const oa2_cnf_t *cnf, const oa2_form_t *form,
                                  apr_int64_t now, oa2_err_t *err,
                                  apr_pool_t *p)
{
    const char *token, *scope, *access, *jti, *refresh = NULL;
    const char *idt_jwt = NULL;
    oa2_idtoken_t idt = {0};
    oa2_refresh_t *rt;
    apr_array_header_t *wanted;
    apr_status_t rv;
    int first, i;

    if ((rv = oa2_form_single(&token, form, "refresh_token", 1, err, p))
            != APR_SUCCESS
        || (rv = oa2_form_single(&scope, form, "scope", 0, err, p))
            != APR_SUCCESS) {
        return rv;
    }
    if (!client_may(client, "refresh_token")) {
        return oa2_err_set(err, 400, "unauthorized_client", "OA2-00250",
                           "this client may not use refresh tokens");
    }
    if ((rv = oa2_store_begin(st, err, p)) != APR_SUCCESS) {
        return rv;
    }
    rv = oa2_store_refresh_rotate(&rt, &first, st, oa2_secret_hash(token, p),
                                  err, p);
    if (rv == APR_NOTFOUND) {
        return abandon(st, INVALID_GRANT("OA2-00251", "unknown refresh token"),
                       p);
    }
    if (rv != APR_SUCCESS) {
        return abandon(st, rv, p);
    }
    if (strcmp(rt->client_id, client->client_id)) {
        return abandon(st,
                       INVALID_GRANT("OA2-00252",
                                     "the refresh token was "
                                     "issued to another client"),
                       p);
    }
    /* Before reuse is acted on: without the key a bound token is of no
     * use, so its replay must not revoke the real client's grant. */
    if ((rv = oa2_dpop_check_refresh(rt->dpop_jkt, cnf->jkt, err))
        != APR_SUCCESS) {
        return abandon(st, rv, p);
    }
    if (!first) {
        if (rt->state != OA2_REFRESH_ROTATED) {
            return abandon(st,
                           INVALID_GRANT("OA2-00253",
                                         "the refresh token is "
                                         "revoked"),
                           p);
        }
        /* Reuse of a rotated token: the family may be stolen. */
        if ((rv = oa2_store_end(st, 0, err, p)) != APR_SUCCESS) {
            return abandon(st, rv, p);
        }
        if ((rv = revoke_grant(st, rt->family, NULL, 0, err, p))
            != APR_SUCCESS) {
            return rv;
        }
        INVALID_GRANT(REFRESH_REUSED,
                      "the refresh token was already "
                      "used; its grant is revoked");
        return revoked_detail(err, rt->user, client->client_id, rt->family, p);
    }
    if (now >= rt->expires_at) {
        return abandon(st,
                       INVALID_GRANT("OA2-00255",
                                     "the refresh token has "
                                     "expired"),
                       p);
    }
    /* Scope may narrow, never widen (RFC 6749 §6). */
    wanted = apr_array_make(p, 4, sizeof(const char *));
    if (scope) {
        oa2_scope_union(wanted, scope, p);
    }
    for (i = 0; i < wanted->nelts; i++) {
        if (!oa2_scope_contains(rt->scope,
                                APR_ARRAY_IDX(wanted, i, const char *))) {
            return abandon(st,
                           oa2_err_set(err, 400, "invalid_scope", "OA2-00256",
                                       "the scope exceeds the original "
                                       "grant"),
                           p);
        }
    }
    scope = scope ? oa2_scope_join(wanted, p) : rt->scope;
    /* Core §12.2: the login's auth_time again, no nonce; only the claims
     * the (perhaps narrowed) scope still releases. The refresh token keeps
     * them all, for a later refresh of the whole scope. */
    idt.sub = rt->user;
    idt.client_id = client->client_id;
    idt.auth_time = rt->auth_time;
    if ((oa2_as_is_openid(as, scope)
         && (rv = oa2_idtoken_claims_narrow(&idt.claims, rt->claims,
                                            as->user_claims, scope, err, p))
             != APR_SUCCESS)
        || (rv = oa2_issue_access_token(
                &access, &jti, as, rt->user, client->client_id, scope,
                oa2_as_audience(as, rt->resource), cnf, now, err, p))
            != APR_SUCCESS
        || (oa2_as_is_openid(as, scope)
            && (rv =
                    oa2_issue_id_token(&idt_jwt, as, &idt, access, now, err, p))
                != APR_SUCCESS)
        || (rv = oa2_store_access_add(
                st, jti, rt->family, client->client_id, rt->user,
                idt.claims ? idt.claims : "",
                now + as->access_ttl + OA2_ACCESS_TOKEN_LEEWAY, err, p))
            != APR_SUCCESS
        /* rt's client is this one (checked above) */
        || (rv = oa2_issue_refresh_token(&refresh, as, st, rt, now, err, p))
            != APR_SUCCESS
        || (rv = oa2_issue_response(json, as, access, cnf, scope, refresh,
                                    idt_jwt, err, p))
            != APR_SUCCESS
        || (rv = oa2_store_end(st, 0, err, p)) != APR_SUCCESS) {
        return abandon(st, rv, p);
    }
    return APR_SUCCESS;
}

static apr_status_t grant_client(const char **json, const oa2_as_t *as,
                                 const oa2_client_t *client,
                                 const oa2_cnf_t *cnf, const oa2_form_t *form,
                                 apr_int64_t now, oa2_err_t *err, apr_pool_t *p)
{
    const char *scope, *resource, *access, *jti;
    apr_status_t rv;

    if (oa2_clientauth_is_public(client)
        || !client_may(client, "client_credentials")) {
        return oa2_err_set(err, 400, "unauthorized_client", "OA2-00260",
                           "this client may not use the client_credentials "
                           "grant");
    }
    if ((rv = oa2_form_single(&scope, form, "scope", 0, err, p)) != APR_SUCCESS
        || (rv = requested_resource(&resource, as, form, err, p))
            != APR_SUCCESS) {
        return rv;
    }
    if (!scope) {
        /* What the client is registered for, but openid: no user here. */
        scope = oa2_scope_without(client->scope, OA2_IDTOKEN_SCOPE, p);
    }
    else if (oa2_as_is_openid(as, scope)) {
        return oa2_err_set(err, 400, "invalid_scope", "OA2-00898",
                           "openid needs a user: use the authorization code "
                           "flow");
    }
    if ((rv = oa2_as_check_scope(&scope, as, client->scope, scope, err, p))
            != APR_SUCCESS
        || (rv = oa2_issue_access_token(
                &access, &jti, as, client->client_id, client->client_id, scope,
                oa2_as_audience(as, resource), cnf, now, err, p))
            != APR_SUCCESS) {
        return rv;
    }
    return oa2_issue_response(json, as, access, cnf, scope, NULL, NULL, err, p);
}

/* RFC 8628 §3.4: a poll with a device_code; once the user approved, its
 * tokens, once (oa2_device.c decides which answer, and takes it). */
static apr_status_t grant_device(const char **json, const oa2_as_t *as,
                                 oa2_store_t *st, const oa2_client_t *client,
                                 const oa2_cnf_t *cnf, const oa2_form_t *form,
                                 apr_int64_t now, oa2_err_t *err, apr_pool_t *p)
{
    const char *device_code, *jti;
    oa2_refresh_t grant = {0};
    oa2_device_t *d;
    apr_status_t rv;

    if (APR_SUCCESS
            != (rv = oa2_form_single(&device_code, form, "device_code", 1, err,
                                     p))
        || APR_SUCCESS
            != (rv = oa2_device_poll(&d, st, client, device_code, now, err, p))
        || APR_SUCCESS != (rv = oa2_secret_make(&grant.family, 16, err, p))) {
        return rv;
    }
    grant.client_id = client->client_id;
    grant.user = d->user;
    grant.scope = d->scope;
    grant.resource = d->resource;
    grant.auth_time = d->auth_time;
    grant.claims = d->claims;
    grant.dpop_jkt = oa2_dpop_refresh_binding(client, cnf->jkt);
    if (APR_SUCCESS != (rv = oa2_store_begin(st, err, p))) {
        return rv;
    }
    /* no nonce: RFC 8628 has no authorization request to carry one */
    if (APR_SUCCESS != (rv = oa2_device_take(st, d, err, p))
        || APR_SUCCESS
            != (rv = oa2_issue_to_user(json, &jti, as, st, client, cnf, &grant,
                                       NULL, now, err, p))
        || APR_SUCCESS != (rv = oa2_store_end(st, 0, err, p))) {
        return abandon(st, rv, p);
    }
    return APR_SUCCESS;
}

/*
 * What the tokens of this request are bound to (@a cnf): the key of its
 * DPoP proof (RFC 9449 §5), the certificate of an mTLS-authenticated
 * client (RFC 8705 §3).
 */
static apr_status_t bind_sender(oa2_cnf_t *cnf, const oa2_as_t *as,
                                const oa2_client_t *client,
                                const oa2_backchannel_t *in, apr_int64_t now,
                                oa2_err_t *err, apr_pool_t *p)
{
    apr_status_t rv;

    cnf->jkt = cnf->x5t = NULL;
    /* DPoP: the key of a valid proof (oa2_dpop.c). */
    if ((rv = oa2_dpop_bind(&cnf->jkt, as, client, in, now, err, p))
        != APR_SUCCESS) {
        return rv;
    }
    /* RFC 8705 §3: the certificate of an mTLS-authenticated client. */
    return oa2_mtls_bind(&cnf->x5t, client, in, err, p);
}

apr_status_t oa2_grant_token(const char **json, const oa2_as_t *as,
                             oa2_store_t *st, const oa2_backchannel_t *in,
                             apr_int64_t now, oa2_err_t *err, apr_pool_t *p)
{
    const oa2_form_t *form = in->form;
    const char *grant_type;
    oa2_client_t *client;
    oa2_cnf_t cnf = {NULL, NULL};
    apr_status_t rv;
    int attempt;

    if (oa2_form_repeated(form)) {
        /* The name is the request's: only the log hears it. */
        oa2_err_set(err, 400, "invalid_request", "OA2-00262",
                    "a parameter is repeated");
        return oa2_err_detail(err, p, "repeated: %s",
                              oa2_form_safe_name(oa2_form_repeated(form)));
    }
    if ((rv = oa2_form_single(&grant_type, form, "grant_type", 1, err, p))
        != APR_SUCCESS) {
        return rv;
    }
    if (strcmp(grant_type, "authorization_code")
        && strcmp(grant_type, "refresh_token")
        && strcmp(grant_type, "client_credentials")
        && strcmp(grant_type, OA2_DEVICE_GRANT)) {
        return oa2_err_set(
            err, 400, "unsupported_grant_type", "OA2-00261",
            "supported grant types: authorization_code, "
            "refresh_token, client_credentials, " OA2_DEVICE_GRANT);
    }
    if ((rv = oa2_clientauth_authenticate(&client, st, in, 1, err, p))
            != APR_SUCCESS
        || (rv = bind_sender(&cnf, as, client, in, now, err, p))
            != APR_SUCCESS) {
        return rv;
    }
    if (!strcmp(grant_type, "client_credentials")) {
        return grant_client(json, as, client, &cnf, form, now, err, p);
    }
    if (!strcmp(grant_type, OA2_DEVICE_GRANT)) {
        return grant_device(json, as, st, client, &cnf, form, now, err, p);
    }
    /* A redemption or rotation racing a withdrawal may be the one MySQL
     * rolls back to end their lock cycle (APR_EAGAIN): run it again, when
     * it sees what the withdrawal left. */
    for (attempt = 0; attempt < OA2_STORE_ATTEMPTS; attempt++) {
        rv = !strcmp(grant_type, "authorization_code")
            ? grant_code(json, as, st, client, &cnf, form, now, err, p)
            : grant_refresh(json, as, st, client, &cnf, form, now, err, p);
        if (rv != APR_EAGAIN) {
            break;
        }
    }
    return rv;
}
