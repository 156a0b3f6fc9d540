/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/*
 * AuthType OAuth2: the check_authn hook that validates the bearer token,
 * in the shape of mod_auth_basic (DECLINED unless the AuthType is ours).
 */
#include "httpd.h"
#include "http_config.h"
#include "http_core.h"
#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"
#include "mod_auth.h"

#include <apr_strings.h>

#include "mod_oauth2_private.h"
#include "oa2_bearer.h"
#include "oa2_cached_row.h"
#include "oa2_hash.h"
#include "oa2_jwt.h"
#include "oa2_access_token.h"

static int is_ours(request_rec *r)
{
    const char *type = ap_auth_type(r);
    return type && !strcasecmp(type, OA2_AUTH_TYPE);
}

/* Fail the request: remember why, log once, and challenge. The log line
 * names the detailed failure id; the token only by its hash tag. */
static int refuse(request_rec *r, const oa2_err_t *err, const char *token)
{
    oa2_ap_request_fail(r, err);
    oa2_metrics_count_bearer(oa2_ap_metrics(r), err);
    if (err->status >= HTTP_INTERNAL_SERVER_ERROR) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, err->cause, r, "%s: %s%s%s",
                      err->log_id, err->description, err->detail ? ": " : "",
                      err->detail ? err->detail : "");
        return err->status;
    }
    if (!err->error) {
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                      "%s: no bearer token in the request", err->log_id);
    }
    else if (err->status == HTTP_BAD_REQUEST) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      "OA2-00102: malformed Authorization header (%s): %s",
                      err->log_id, err->description);
    }
    else {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      "OA2-00101: bearer token rejected (%s): %s "
                      "(token sha256 %s)",
                      err->log_id, err->description,
                      token ? oa2_hash_tag(token, r->pool) : "-");
    }
    ap_note_auth_failure(r);
    return err->status;
}

static void export_identity(request_rec *r, oa2_access_token_t *tok)
{
    apr_table_t *env = r->subprocess_env;

    r->user = apr_pstrdup(r->pool, tok->sub);
    r->ap_auth_type = (char *)OA2_AUTH_TYPE;
    apr_table_setn(env, "OAUTH2_SUB", tok->sub);
    apr_table_setn(env, "OAUTH2_CLIENT_ID", tok->client_id);
    apr_table_setn(env, "OAUTH2_SCOPE", tok->scope);
    apr_table_setn(env, "OAUTH2_CLAIMS",
                   oa2_access_token_claims_json(tok, r->pool));
}

/*
 * The revocation verdict remembered for @a key that this location may
 * use, or -1 when there is none. A record is a row of one column
 * (oa2_cached_row.h), "1" (revoked: for good) or "0": a "not revoked" is
 * used only while younger than this location's own
 * OAuth2RevocationCacheTTL, whichever location (or node, or .htaccess)
 * wrote it with whatever TTL.
 */
static int cached_revocation(request_rec *r, const unsigned char *key,
                             apr_int64_t now, int ttl)
{
    const char *rec, *verdict;
    apr_int64_t read_at;
    apr_size_t len;

    if (!key || oa2_ap_cache_get(&rec, &len, r, key) != APR_SUCCESS
        || !oa2_cached_row_decode(&verdict, &read_at, 1, rec, len, NULL)) {
        return -1;
    }
    if (!strcmp(verdict, "1")) {
        return 1;
    }
    return !strcmp(verdict, "0") && oa2_cached_row_fresh(read_at, now, ttl)
        ? 0
        : -1;
}

void oa2_ap_authn_remember_revocation(request_rec *r, const unsigned char *key,
                                      int revoked, apr_int64_t now, int ttl,
                                      apr_int64_t exp)
{
    const char *verdict = revoked ? "1" : "0", *rec;
    apr_size_t len;

    if (!key) {
        return;
    }
    /* Not sealed: a resource server may hold no private key to seal with
     * (OAuth2VerifyJWKSFile). A shared cache must be trusted (README). */
    rec = oa2_cached_row_encode(&len, &verdict, 1, now, NULL, r->pool);

    oa2_ap_cache_put(r, key, rec, len,
                     revoked ? exp + OA2_ACCESS_TOKEN_LEEWAY : now + ttl);
}

/*
 * OAuth2CheckRevocation: refuse a token whose jti was revoked (at the
 * revocation endpoint, or with its grant or client by oauth2-admin), or
 * whose client is gone. The store is scoped to the issuer the token was
 * verified against: the local AS, or with OAuth2VerifyIssuer an AS whose
 * database this server shares. With OAuth2RevocationCacheTTL the verdict
 * is kept in the token cache (shared by every node when the provider is
 * memcache or redis): "not revoked" with the time it was read, used for
 * at most that many seconds, the bound on how late a revocation made
 * elsewhere takes effect here; "revoked" until the token expires, since a
 * revocation is never undone.
 */
static int check_revoked(request_rec *r, const oa2_dir_conf_t *d,
                         const oa2_server_conf_t *s,
                         const oa2_access_token_policy_t *policy,
                         oa2_access_token_t *tok, const char *token)
{
    apr_int64_t now = apr_time_sec(r->request_time);
    const unsigned char *key = NULL;
    oa2_store_t *st;
    oa2_err_t err;
    int revoked = -1;
    apr_status_t rv;

    if (d->revocation_cache_ttl > 0 && oa2_ap_cache_enabled()) {
        key =
            oa2_access_token_revocation_key(policy->issuer, tok->jti, r->pool);
        revoked = cached_revocation(r, key, now, d->revocation_cache_ttl);
    }
    if (revoked == -1) {
        revoked = 0;
        rv = oa2_ap_dbd_store(&st, r, s, &err);
        if (rv == APR_SUCCESS) {
            st->issuer = policy->issuer;
            rv = oa2_store_token_is_revoked(
                &revoked, st, tok->jti, tok->client_id,
                oa2_access_token_issued_at(tok, r->pool), &err, r->pool);
        }
        if (rv != APR_SUCCESS) {
            /* Fail closed: a token we cannot check is not accepted. */
            ap_log_rerror(APLOG_MARK, APLOG_ERR, err.cause, r,
                          "OA2-00780: OAuth2CheckRevocation for %s: cannot "
                          "read the revocation list, refusing the token: %s "
                          "(%s%s%s)",
                          r->uri, err.description, err.log_id,
                          err.detail ? ": " : "", err.detail ? err.detail : "");
            oa2_ap_request_fail(r, &err);
            oa2_metrics_count_bearer(oa2_ap_metrics(r), &err);
            return HTTP_SERVICE_UNAVAILABLE;
        }
        if (key) {
            oa2_ap_authn_remember_revocation(r, key, revoked, now,
                                             d->revocation_cache_ttl, tok->exp);
        }
    }
    if (revoked) {
        oa2_err_set(&err, HTTP_UNAUTHORIZED, "invalid_token", "OA2-00781",
                    "the token has been revoked");
        return refuse(r, &err, token);
    }
    return OK;
}

/* Validate, through the token cache when there is one. */
static apr_status_t validate(oa2_access_token_t **tok, request_rec *r,
                             const char *token,
                             const oa2_access_token_policy_t *policy,
                             oa2_err_t *err)
{
    apr_int64_t now = apr_time_sec(r->request_time);
    const unsigned char *key = NULL;
    const char *rec;
    apr_size_t len;
    apr_status_t rv;

    if (oa2_ap_cache_enabled()) {
        key = oa2_access_token_cache_key(token, policy, r->pool);
        if (key && oa2_ap_cache_get(&rec, &len, r, key) == APR_SUCCESS) {
            rv = oa2_access_token_from_cache_record(tok, rec, len, now, err,
                                                    r->pool);
            if (rv != APR_EINVAL) {
                oa2_metrics_count_cache(oa2_ap_metrics(r), 1);
                ap_log_rerror(APLOG_MARK, APLOG_TRACE1, 0, r,
                              "OA2-00105: token found in the validated-token "
                              "cache");
                return rv;
            }
            ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                          "OA2-00106: ignoring a damaged token cache entry "
                          "(%s)",
                          err->log_id);
        }
    }
    if (key) {
        oa2_metrics_count_cache(oa2_ap_metrics(r), 0);
    }
    rv = oa2_access_token_validate(tok, token, policy, now, err, r->pool);
    if (rv == APR_SUCCESS && key) {
        rec = oa2_access_token_cache_record(&len, *tok, r->pool);
        oa2_ap_cache_put(r, key, rec, len,
                         (*tok)->exp + OA2_ACCESS_TOKEN_LEEWAY);
    }
    return rv;
}

/*
 * Verify @a token as this location demands: a JWT of its keys (asking
 * for another issuer's keys again when the token names a kid they lack),
 * else, when OAuth2Introspection is set and the token is no JWT of those
 * keys, the introspection endpoint's verdict.
 */
static apr_status_t verify(oa2_access_token_t **tok, request_rec *r,
                           const oa2_dir_conf_t *d, const oa2_server_conf_t *s,
                           const char *token, oa2_access_token_policy_t *policy,
                           oa2_err_t *err)
{
    const oa2_remote_doc_t *doc, *newer;
    oa2_err_t refetch;
    apr_status_t rv;

    rv = oa2_ap_remote_policy(policy, &doc, r, d, s, NULL, err);
    if (rv != APR_SUCCESS) {
        return d->introspection
            ? oa2_ap_remote_introspect(tok, r, d, token, policy, err)
            : rv;
    }
    if (!policy->keys && d->introspection) {
        return oa2_ap_remote_introspect(tok, r, d, token, policy, err);
    }
    if (!policy->keys || !policy->issuer || !policy->audience) {
        return oa2_err_setf(err, HTTP_INTERNAL_SERVER_ERROR, NULL, "OA2-00120",
                            r->pool,
                            "AuthType OAuth2 for %s has no %s: set "
                            "OAuth2Issuer and OAuth2SigningKey in this "
                            "virtual host, or a key source "
                            "(OAuth2VerifyJWKSFile, OAuth2VerifyJWKSURL, "
                            "OAuth2VerifyMetadataURL), OAuth2VerifyIssuer and "
                            "OAuth2Audience for this location",
                            r->uri,
                            !policy->keys         ? "key source"
                                : !policy->issuer ? "issuer"
                                                  : "audience");
    }
    rv = validate(tok, r, token, policy, err);
    if (rv != APR_SUCCESS && doc && oa2_jwt_failed_on_kid(err)) {
        /* The other issuer may have rotated its keys: ask for them again
         * (at most once a minute), and try the newer ones. */
        if (oa2_ap_remote_policy(policy, &newer, r, d, s, doc, &refetch)
                == APR_SUCCESS
            && newer != doc) {
            rv = validate(tok, r, token, policy, err);
        }
    }
    if (rv != APR_SUCCESS && d->introspection
        && (oa2_jwt_failed_on_kid(err) || oa2_jwt_failed_as_jws(err))) {
        return oa2_ap_remote_introspect(tok, r, d, token, policy, err);
    }
    return rv;
}

static int check_authn(request_rec *r)
{
    const oa2_dir_conf_t *d;
    const oa2_server_conf_t *s;
    oa2_access_token_policy_t policy;
    const char *token = NULL;
    oa2_access_token_t *tok;
    oa2_err_t err;
    apr_status_t rv;
    int dpop;

    if (!is_ours(r)) {
        return DECLINED;
    }
    d = ap_get_module_config(r->per_dir_config, &oauth2_module);
    s = ap_get_module_config(r->server->module_config, &oauth2_module);
    /* Bearer, or DPoP (RFC 9449 §7): the challenge names the scheme. */
    rv = oa2_bearer_credentials(&token, &dpop,
                                apr_table_get(r->headers_in, "Authorization"),
                                &err, r->pool);
    oa2_ap_request_get(r)->dpop = dpop;
    if (rv == APR_ENOENT) {
        oa2_err_set(&err, HTTP_UNAUTHORIZED, NULL, "OA2-00103", NULL);
        return refuse(r, &err, NULL);
    }
    if (rv == APR_SUCCESS) {
        rv = verify(&tok, r, d, s, token, &policy, &err);
    }
    /* RFC 8705 §3: a certificate-bound token only with its certificate. */
    if (rv == APR_SUCCESS && tok->cnf.x5t) {
        rv = oa2_ap_tls_check_bound(r, tok, &err);
    }
    if (rv == APR_SUCCESS) {
        /* The proof of a DPoP token; no bound token as Bearer. */
        rv = oa2_ap_dpop_check(r, tok, token, dpop, &err);
    }
    if (rv != APR_SUCCESS) {
        return refuse(r, &err, token);
    }
    /* An introspected token was just judged by its issuer (or within
     * OAuth2IntrospectionCacheTTL): revocation is its issuer's to say. */
    if (d->check_revocation == 1 && !tok->introspected) {
        int status = check_revoked(r, d, s, &policy, tok, token);
        if (status != OK) {
            return status;
        }
    }
    oa2_ap_request_get(r)->token = tok;
    oa2_metrics_count_bearer(oa2_ap_metrics(r), NULL);
    export_identity(r, tok);
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                  "OA2-00104: bearer token accepted: sub=%s client_id=%s "
                  "scope=\"%s\" %s%s",
                  tok->sub, tok->client_id, tok->scope,
                  tok->introspected ? "by introspection" : "kid=",
                  tok->introspected ? "" : tok->kid);
    return OK;
}

void oa2_ap_authn_register_hooks(apr_pool_t *p)
{
    (void)p;
    ap_hook_check_authn(check_authn, NULL, NULL, APR_HOOK_MIDDLE,
                        AP_AUTH_INTERNAL_PER_CONF);
}
