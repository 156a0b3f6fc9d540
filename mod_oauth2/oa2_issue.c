/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/* What the token endpoint's grants issue: RFC 9068 access tokens, refresh
 * tokens, ID tokens and the RFC 6749 §5.1 response. oa2_grant.c decides
 * whether a grant holds; this room makes what it yields. */
#include <string.h>

#include <apr_strings.h>

#include "oa2_access_token.h"
#include "oa2_idtoken.h"
#include "oa2_issue.h"
#include "oa2_json.h"
#include "oa2_jwt.h"
#include "oa2_scope.h"
#include "oa2_secret.h"

apr_status_t oa2_issue_access_token(const char **token, const char **jti,
                                    const oa2_as_t *as, const char *sub,
                                    const char *client_id, const char *scope,
                                    const char *aud, const oa2_cnf_t *cnf,
                                    apr_int64_t now, oa2_err_t *err,
                                    apr_pool_t *p)
{
    oa2_json_obj_t claims;
    const char *text;
    apr_size_t len;
    apr_status_t rv = oa2_secret_make(jti, 16, err, p);

    if (rv != APR_SUCCESS) {
        return rv;
    }
    oa2_json_begin(&claims, p);
    oa2_json_add_string(&claims, "iss", as->issuer, p);
    oa2_json_add_string(&claims, "sub", sub, p);
    oa2_json_add_string(&claims, "aud", aud, p);
    oa2_json_add_int(&claims, "exp", now + as->access_ttl, p);
    oa2_json_add_int(&claims, "iat", now, p);
    oa2_json_add_string(&claims, "jti", *jti, p);
    oa2_json_add_string(&claims, "client_id", client_id, p);
    if (scope && *scope) {
        oa2_json_add_string(&claims, "scope", scope, p);
    }
    if (oa2_access_token_cnf_binds(cnf)) {
        oa2_json_add_object(&claims, "cnf", oa2_access_token_cnf_json(cnf, p),
                            p);
    }
    text = oa2_json_end(&claims, &len, p);
    if (!text) {
        /* sub is httpd's r->user: any bytes an authn provider accepted. */
        return oa2_err_set(err, 500, "server_error", "OA2-00787",
                           "cannot write the access token: the user name "
                           "or another claim is not valid UTF-8");
    }
    return oa2_jwt_sign_text(token, oa2_keys_signer(as->keys), "at+jwt", text,
                             len, err, p);
}

/* Written before the grant's transaction commits, so that nothing is
 * stored that the client would not receive. */
apr_status_t oa2_issue_response(const char **json, const oa2_as_t *as,
                                const char *access, const oa2_cnf_t *cnf,
                                const char *scope, const char *refresh,
                                const char *id_token, oa2_err_t *err,
                                apr_pool_t *p)
{
    oa2_json_obj_t r;

    oa2_json_begin(&r, p);
    oa2_json_add_string(&r, "access_token", access, p);
    /* RFC 9449 §5: a DPoP-bound token is of type DPoP; one bound to a
     * certificate is still used as a Bearer token (RFC 8705 §3). */
    oa2_json_add_string(&r, "token_type", cnf && cnf->jkt ? "DPoP" : "Bearer",
                        p);
    oa2_json_add_int(&r, "expires_in", as->access_ttl, p);
    if (scope && *scope) {
        oa2_json_add_string(&r, "scope", scope, p);
    }
    if (refresh) {
        oa2_json_add_string(&r, "refresh_token", refresh, p);
    }
    if (id_token) {
        oa2_json_add_string(&r, "id_token", id_token, p);
    }
    *json = oa2_json_end(&r, NULL, p);
    return *json ? APR_SUCCESS
                 : oa2_err_set(err, 500, "server_error", "OA2-00786",
                               "cannot serialize the token response");
}

apr_status_t oa2_issue_id_token(const char **jwt, const oa2_as_t *as,
                                oa2_idtoken_t *in, const char *access,
                                apr_int64_t now, oa2_err_t *err, apr_pool_t *p)
{
    in->issuer = as->issuer;
    in->ttl = as->id_token_ttl;
    in->access_token = access;
    return oa2_idtoken_mint(jwt, as->keys, in, now, err, p);
}

/* The grant's auth_time and claims go with it: an ID token issued on its
 * refresh repeats them (OpenID Connect Core §12.2). */
apr_status_t oa2_issue_refresh_token(const char **token, const oa2_as_t *as,
                                     oa2_store_t *st,
                                     const oa2_refresh_t *grant,
                                     apr_int64_t now, oa2_err_t *err,
                                     apr_pool_t *p)
{
    oa2_refresh_t rt = *grant;
    apr_status_t rv = oa2_secret_make(token, OA2_SECRET_BYTES, err, p);

    if (rv != APR_SUCCESS) {
        return rv;
    }
    rt.expires_at = now + as->refresh_ttl;
    rt.state = OA2_REFRESH_LIVE;
    return oa2_store_refresh_add(st, oa2_secret_hash(*token, p), &rt, now, err,
                                 p);
}

/* The code and device grants end here: what a user's grant yields is the
 * same whichever way the user gave it. */
apr_status_t oa2_issue_to_user(const char **json, const char **jti,
                               const oa2_as_t *as, oa2_store_t *st,
                               const oa2_client_t *client, const oa2_cnf_t *cnf,
                               const oa2_refresh_t *grant, const char *nonce,
                               apr_int64_t now, oa2_err_t *err, apr_pool_t *p)
{
    const char *access, *refresh = NULL, *idt_jwt = NULL;
    int openid = oa2_as_is_openid(as, grant->scope);
    oa2_idtoken_t idt = {0};
    apr_status_t rv;

    idt.sub = grant->user;
    idt.client_id = client->client_id;
    idt.auth_time = grant->auth_time;
    idt.nonce = nonce;
    idt.claims = grant->claims;
    if (APR_SUCCESS
            != (rv = oa2_issue_access_token(
                    &access, jti, as, grant->user, client->client_id,
                    grant->scope, oa2_as_audience(as, grant->resource), cnf,
                    now, err, p))
        || (openid
            && APR_SUCCESS
                != (rv = oa2_issue_id_token(&idt_jwt, as, &idt, access, now,
                                            err, p)))
        || (oa2_scope_contains(client->grant_types, "refresh_token")
            && APR_SUCCESS
                != (rv = oa2_issue_refresh_token(&refresh, as, st, grant, now,
                                                 err, p)))
        || APR_SUCCESS
            != (rv = oa2_store_access_add(
                    st, *jti, grant->family, client->client_id, grant->user,
                    openid ? grant->claims : "",
                    now + as->access_ttl + OA2_ACCESS_TOKEN_LEEWAY, err, p))) {
        return rv;
    }
    return oa2_issue_response(json, as, access, cnf, grant->scope, refresh,
                              idt_jwt, err, p);
}
