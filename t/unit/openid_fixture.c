/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/* An OpenID Provider on the store fixture (see openid_fixture.h). */
#include <string.h>

#include <apr_base64.h>
#include <apr_strings.h>
#include <jansson.h>

#include "oa2_grant.h"
#include "oa2_idtoken.h"
#include "oa2_secret.h"
#include "openid_fixture.h"
#include "store_fixture.h"

oa2_as_t *fixture_op(const char *issuer, apr_pool_t *p)
{
    static const char *const pairs[][2] = {
        {"profile", "name"},        {"profile", "updated_at"},
        {"email", "email"},         {"email", "email_verified"},
        {"employee", "department"}, {"employee", "email"},
    };
    oa2_as_t *as = fixture_as(issuer, p);

    if (!as) {
        return NULL;
    }
    as->user_claims =
        fixture_claims(pairs, sizeof(pairs) / sizeof(pairs[0]), p);
    if (!as->user_claims) {
        return NULL;
    }
    fixture_scope_add(as, "employee", "See your department", p);
    as->openid = 1;
    as->id_token_ttl = 300;
    oa2_as_add_openid_scopes(as, p);
    return as;
}

apr_array_header_t *fixture_claims(const char *const (*pairs)[2], apr_size_t n,
                                   apr_pool_t *p)
{
    apr_array_header_t *claims =
        apr_array_make(p, (int)n, sizeof(oa2_idtoken_claim_t));
    oa2_idtoken_claim_t *c;
    oa2_err_t err;
    apr_size_t i;

    for (i = 0; i < n; i++) {
        if (oa2_idtoken_claim_make(&c, pairs[i][0], pairs[i][1], &err, p)
            != APR_SUCCESS) {
            return NULL;
        }
        APR_ARRAY_PUSH(claims, oa2_idtoken_claim_t) = *c;
    }
    return claims;
}

int fixture_op_web(oa2_as_t **as, oa2_store_t **st, const char *issuer,
                   const char *grants, apr_pool_t *p)
{
    *as = fixture_op(issuer, p);
    *st = fixture_store(issuer, p);
    return *as && *st && fixture_web_client(*st, grants, p);
}

apr_table_t *fixture_alice_claims(apr_pool_t *p)
{
    apr_table_t *t = apr_table_make(p, 6);

    apr_table_set(t, "name", "Alice Liddell");
    apr_table_set(t, "updated_at", "1311280970");
    apr_table_set(t, "email", "alice@example.org");
    apr_table_set(t, "email_verified", "true");
    apr_table_set(t, "department", "Wonderland");
    return t;
}

int fixture_web_client(oa2_store_t *st, const char *grants, apr_pool_t *p)
{
    return fixture_client(st, "web", "pw", grants, FIXTURE_CB, p) != NULL;
}

oa2_form_t *fixture_form(const char *text, apr_pool_t *p)
{
    oa2_form_t *f = NULL;

    return oa2_form_parse(&f, text, strlen(text), NULL, p) == APR_SUCCESS
        ? f
        : NULL;
}

const char *fixture_query_param(const char *location, const char *name,
                                apr_pool_t *p)
{
    const char *q = location ? strchr(location, '?') : NULL;
    oa2_form_t *f = q ? fixture_form(q + 1, p) : NULL;

    return f ? apr_table_get(f->params, name) : NULL;
}

const char *fixture_json_string(const char *json, const char *name,
                                apr_pool_t *p)
{
    json_t *doc = json ? json_loads(json, 0, NULL) : NULL;
    const char *v = json_string_value(json_object_get(doc, name));
    const char *out = v ? apr_pstrdup(p, v) : NULL;

    json_decref(doc);
    return out;
}

const char *fixture_basic(const char *id, const char *secret, apr_pool_t *p)
{
    const char *pair = apr_pstrcat(p, id, ":", secret, NULL);
    char *b64 = apr_palloc(p, apr_base64_encode_len((int)strlen(pair)));

    apr_base64_encode(b64, pair, (int)strlen(pair));
    return apr_pstrcat(p, "Basic ", b64, NULL);
}

const char *fixture_code(const oa2_as_t *as, oa2_store_t *st, const char *extra,
                         const oa2_authz_user_t *who, apr_int64_t now,
                         apr_pool_t *p)
{
    oa2_authz_request_t *req;
    const char *location;
    int redirectable;
    oa2_form_t *q = fixture_form(
        apr_pstrcat(
            p,
            "response_type=code&client_id=web&redirect_uri=" FIXTURE_CB_QUERY
            "&state=xyz&code_challenge=" FIXTURE_CHALLENGE
            "&code_challenge_method=S256",
            extra, NULL),
        p);

    if (!q
        || oa2_authorize_parse(&req, &redirectable, as, st, q, NULL, p)
            != APR_SUCCESS
        || oa2_authorize_approve(&location, as, st, req, who, now, 1, NULL, p)
            != APR_SUCCESS) {
        return NULL;
    }
    return fixture_query_param(location, "code", p);
}

apr_status_t fixture_redeem(const char **json, const oa2_as_t *as,
                            oa2_store_t *st, const char *code, apr_int64_t now,
                            oa2_err_t *err, apr_pool_t *p)
{
    oa2_form_t *f =
        fixture_form(apr_pstrcat(p, "grant_type=authorization_code&code=", code,
                                 "&redirect_uri=" FIXTURE_CB_QUERY
                                 "&code_verifier=" FIXTURE_VERIFIER,
                                 NULL),
                     p);

    return oa2_grant_token(json, as, st,
                           fixture_bc(f, fixture_basic("web", "pw", p), p), now,
                           err, p);
}

const char *fixture_tokens(const oa2_as_t *as, oa2_store_t *st,
                           const char *extra, const oa2_authz_user_t *who,
                           apr_int64_t authorized, apr_int64_t now,
                           apr_pool_t *p)
{
    const char *code = fixture_code(as, st, extra, who, authorized, p);
    const char *json = NULL;
    oa2_err_t err;

    if (!code
        || fixture_redeem(&json, as, st, code, now, &err, p) != APR_SUCCESS) {
        return NULL;
    }
    return json;
}

int fixture_code_stored(oa2_store_t *st, const char *code, const char *scope,
                        apr_int64_t auth_time, apr_int64_t expires_at,
                        apr_pool_t *p)
{
    oa2_code_t c = {0};

    c.client_id = "web";
    c.user = "alice";
    c.redirect_uri = FIXTURE_CB;
    c.scope = scope;
    c.resource = "";
    c.code_challenge = FIXTURE_CHALLENGE;
    c.expires_at = expires_at;
    c.family = "fam";
    c.access_jti = "";
    c.nonce = "n-0S6";
    c.auth_time = auth_time;
    c.claims = "{\"email\":\"alice@example.org\"}";
    return oa2_store_code_add(st, oa2_secret_hash(code, p), &c, NULL, p)
        == APR_SUCCESS;
}

apr_status_t fixture_refresh(const char **json, const oa2_as_t *as,
                             oa2_store_t *st, const char *refresh,
                             const char *extra, apr_int64_t now, oa2_err_t *err,
                             apr_pool_t *p)
{
    oa2_form_t *f = fixture_form(apr_pstrcat(p,
                                             "grant_type=refresh_token"
                                             "&refresh_token=",
                                             refresh, extra, NULL),
                                 p);

    return oa2_grant_token(json, as, st,
                           fixture_bc(f, fixture_basic("web", "pw", p), p), now,
                           err, p);
}

apr_status_t fixture_client_credentials(const char **json, const oa2_as_t *as,
                                        oa2_store_t *st, const char *id,
                                        const char *extra, apr_int64_t now,
                                        oa2_err_t *err, apr_pool_t *p)
{
    oa2_form_t *f = fixture_form(
        apr_pstrcat(p, "grant_type=client_credentials", extra, NULL), p);

    return oa2_grant_token(json, as, st,
                           fixture_bc(f, fixture_basic(id, "pw", p), p), now,
                           err, p);
}
