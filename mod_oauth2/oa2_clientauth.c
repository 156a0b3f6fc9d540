/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/* Client authentication (RFC 6749 §2.3.1) for the AS's back-channel
 * endpoints. */
#include <string.h>
#include <strings.h>

#include <apr_base64.h>
#include <apr_strings.h>
#include <openssl/crypto.h>

#include "oa2_assertion.h"
#include "oa2_clientauth.h"
#include "oa2_mtls.h"
#include "oa2_secret.h"

#define INVALID_CLIENT(id, text)                                               \
    oa2_err_set(err, 401, "invalid_client", id, text)

int oa2_clientauth_is_public(const oa2_client_t *client)
{
    /* The registered method decides: a confidential client whose hash is
     * missing fails to authenticate instead of turning public. */
    return !strcmp(client->auth_method, "none");
}

int oa2_clientauth_sends_secret(const char *method)
{
    return !strcmp(method, OA2_AUTH_BASIC) || !strcmp(method, OA2_AUTH_POST);
}

/* RFC 6749 §2.3.1: Basic credentials are form-urlencoded first. A raw
 * '&' is data there, not a separator of pairs: it becomes %26, in one
 * pass (the credentials are attacker-sized). */
static apr_status_t form_decoded(const char **out, const char *in,
                                 oa2_err_t *err, apr_pool_t *p)
{
    apr_size_t n = 0, len = strlen(in);
    const char *c;
    char *pair, *o;
    oa2_form_t *f;

    for (c = in; *c; c++) {
        n += *c == '&';
    }
    pair = o = apr_palloc(p, 2 + len + 2 * n + 1);
    *o++ = 'v';
    *o++ = '=';
    for (c = in; *c; c++) {
        if (*c == '&') {
            memcpy(o, "%26", 3);
            o += 3;
        }
        else {
            *o++ = *c;
        }
    }
    *o = '\0';
    if (oa2_form_parse(&f, pair, (apr_size_t)(o - pair), err, p)
        != APR_SUCCESS) {
        return APR_EGENERAL;
    }
    *out = apr_table_get(f->params, "v");
    return *out ? APR_SUCCESS : APR_EGENERAL;
}

static apr_status_t basic_credentials(const char **id, const char **secret,
                                      const char *header, oa2_err_t *err,
                                      apr_pool_t *p)
{
    const char *b64 = header + 5;
    char *decoded, *colon;
    int len;

    while (*b64 == ' ') {
        b64++;
    }
    if (!*b64 || strlen(b64) > 4096) {
        return oa2_err_set(err, 400, "invalid_request", "OA2-00220",
                           "malformed Basic credentials");
    }
    decoded = apr_palloc(p, apr_base64_decode_len(b64) + 1);
    len = apr_base64_decode(decoded, b64);
    decoded[len < 0 ? 0 : len] = '\0';
    colon = strchr(decoded, ':');
    if (len <= 0 || !colon || (int)strlen(decoded) != len) {
        OPENSSL_cleanse(decoded, len > 0 ? (size_t)len : 0);
        return oa2_err_set(err, 400, "invalid_request", "OA2-00221",
                           "malformed Basic credentials");
    }
    *colon = '\0';
    if (form_decoded(id, decoded, err, p) != APR_SUCCESS
        || form_decoded(secret, colon + 1, err, p) != APR_SUCCESS) {
        return oa2_err_set(err, 400, "invalid_request", "OA2-00222",
                           "malformed Basic credentials");
    }
    OPENSSL_cleanse(decoded, (size_t)len);
    return APR_SUCCESS;
}

/* The RFC 7591 name of the method a request used: a Basic header, a
 * client_secret in the body, or only a client_id. */
static const char *method_used(int basic, const char *secret)
{
    if (basic) {
        return OA2_AUTH_BASIC;
    }
    return secret ? OA2_AUTH_POST : OA2_AUTH_NONE;
}

/* Nonzero when the request used @a cl's registered method (RFC 7591 §2,
 * OAuth 2.1 §2.4: the AS holds a client to the method it registered,
 * so a secret meant for a header is never accepted from a body, and a
 * public client presents no secret at all) and, for a confidential
 * client, the right secret. */
static int credentials_fit(const oa2_client_t *cl, const char *used,
                           const char *secret, apr_pool_t *p)
{
    if (oa2_mtls_is_method(cl->auth_method)) {
        /* RFC 8705 §2: client_id alone in the body; the certificate is
         * checked once the client is known (oa2_mtls_authenticate()). */
        return !strcmp(used, OA2_AUTH_NONE);
    }
    if (strcmp(cl->auth_method, used)) {
        return 0;
    }
    if (!strcmp(used, OA2_AUTH_NONE)) {
        return 1;
    }
    return oa2_secret_matches(secret, cl->secret_hash, p);
}

/* A client's method is metadata, not a secret: the log names it (and the
 * client), the response only says what to fix. */
static apr_status_t other_method(const oa2_client_t *cl, const char *used,
                                 oa2_err_t *err, apr_pool_t *p)
{
    INVALID_CLIENT("OA2-00820",
                   "the client must authenticate with its registered "
                   "token_endpoint_auth_method");
    return oa2_err_detail(err, p, "client %s is registered for %s, used %s",
                          cl->client_id, cl->auth_method, used);
}

/* private_key_jwt: the client the assertion names, registered for this
 * method, and the assertion verified with its keys (oa2_assertion.h). */
static apr_status_t by_assertion(oa2_client_t **client, oa2_store_t *st,
                                 const oa2_backchannel_t *in, oa2_err_t *err,
                                 apr_pool_t *p)
{
    oa2_assertion_t *a;
    oa2_client_t *cl;
    apr_status_t rv;
    int again = 0;

    if (APR_SUCCESS != (rv = oa2_assertion_read(&a, in, err, p)))
        return rv;
    rv = oa2_store_client_get(&cl, st, a->client_id, err, p);
    for (;;) {
        if (rv == APR_NOTFOUND) {
            return INVALID_CLIENT("OA2-01615", "unknown client");
        }
        if (rv != APR_SUCCESS) {
            return rv;
        }
        if (strcmp(cl->auth_method, OA2_AUTH_PRIVATE_KEY_JWT)) {
            return other_method(cl, OA2_AUTH_PRIVATE_KEY_JWT, err, p);
        }
        rv = oa2_assertion_verify(a, cl, st, in, err, p);
        if (rv == APR_SUCCESS || again++ || !cl->from_cache
            || !oa2_assertion_failed_on_key(err)) {
            break;
        }
        /* The cached record may predate the client's new keys. */
        rv = oa2_store_client_reload(&cl, st, a->client_id, err, p);
    }
    if (rv == APR_SUCCESS) {
        *client = cl;
    }
    return rv;
}

static apr_status_t authenticate(oa2_client_t **client, oa2_store_t *st,
                                 const oa2_backchannel_t *in, int allow_public,
                                 oa2_err_t *err, apr_pool_t *p)
{
    const oa2_form_t *form = in->form;
    const char *authz_header = in->authorization;
    const char *form_id, *form_secret, *id = NULL, *secret = NULL, *used;
    oa2_client_t *cl;
    apr_status_t rv;
    int fit, basic = 0;

    if (oa2_assertion_present(form)) {
        return by_assertion(client, st, in, err, p);
    }
    if ((rv = oa2_form_single(&form_id, form, "client_id", 0, err, p))
            != APR_SUCCESS
        || (rv =
                oa2_form_single(&form_secret, form, "client_secret", 0, err, p))
            != APR_SUCCESS) {
        return rv;
    }
    if (authz_header && !strncasecmp(authz_header, "Basic ", 6)) {
        if (form_secret) {
            return oa2_err_set(err, 400, "invalid_request", "OA2-00223",
                               "use one client authentication method, not "
                               "two");
        }
        rv = basic_credentials(&id, &secret, authz_header, err, p);
        if (rv != APR_SUCCESS) {
            return rv;
        }
        basic = 1;
        if (form_id && strcmp(form_id, id)) {
            return oa2_err_set(err, 400, "invalid_request", "OA2-00224",
                               "client_id differs from the Basic "
                               "credentials");
        }
    }
    else {
        id = form_id;
        secret = form_secret;
    }
    if (!id || !*id) {
        return INVALID_CLIENT("OA2-00225",
                              "client authentication is "
                              "required");
    }
    used = method_used(basic, secret);
    rv = oa2_store_client_get(&cl, st, id, err, p);
    fit = rv == APR_SUCCESS && credentials_fit(cl, used, secret, p);
    if (rv == APR_SUCCESS && !fit && cl->from_cache) {
        /* The cached record may predate a new secret: with the cache on,
         * the new one works at once; only the old one lingers (up to
         * OAuth2ClientCacheTTL). */
        rv = oa2_store_client_reload(&cl, st, id, err, p);
        fit = rv == APR_SUCCESS && credentials_fit(cl, used, secret, p);
    }
    if (rv == APR_NOTFOUND) {
        return INVALID_CLIENT("OA2-00226", "unknown client");
    }
    if (rv != APR_SUCCESS) {
        return rv;
    }
    if (oa2_mtls_is_method(cl->auth_method) && !strcmp(used, OA2_AUTH_NONE)) {
        used = cl->auth_method;
    }
    if (strcmp(cl->auth_method, used)) {
        return other_method(cl, used, err, p);
    }
    if (oa2_clientauth_is_public(cl)) {
        if (!allow_public) {
            return INVALID_CLIENT("OA2-00228",
                                  "public clients cannot use "
                                  "this endpoint");
        }
    }
    else if (!fit) {
        return INVALID_CLIENT("OA2-00229", "client authentication failed");
    }
    else if (oa2_mtls_is_method(cl->auth_method)
             && (rv = oa2_mtls_authenticate(cl, in, err, p)) != APR_SUCCESS) {
        return rv;
    }
    *client = cl;
    return APR_SUCCESS;
}

/* The client_id a request claims before it authenticates, for the rate
 * limiter: the body's, else the Basic header's; NULL when neither says. */
static const char *claimed_id(const oa2_backchannel_t *in, apr_pool_t *p)
{
    const char *id = apr_table_get(in->form->params, "client_id"), *secret;
    oa2_err_t ignored;

    if (!id && in->authorization && !strncasecmp(in->authorization, "Basic ", 6)
        && basic_credentials(&id, &secret, in->authorization, &ignored, p)
            != APR_SUCCESS) {
        id = NULL;
    }
    return id;
}

apr_status_t oa2_clientauth_authenticate(oa2_client_t **client, oa2_store_t *st,
                                         const oa2_backchannel_t *in,
                                         int allow_public, oa2_err_t *err,
                                         apr_pool_t *p)
{
    oa2_ratelimit_t *rl = in->ratelimit;
    apr_int64_t now = rl ? rl->now : 0;
    const char *id = rl ? claimed_id(in, p) : NULL;
    apr_status_t rv;

    /* Refused before the secret, key or certificate is looked at. */
    if (rl
        && (APR_SUCCESS
                != (rv = oa2_ratelimit_check(rl, OA2_RATELIMIT_CLIENT_IP,
                                             rl->ip, now, err, p))
            || APR_SUCCESS
                != (rv = oa2_ratelimit_check(rl, OA2_RATELIMIT_CLIENT, id, now,
                                             err, p))))
        return rv;
    rv = authenticate(client, st, in, allow_public, err, p);
    if (rl && rv != APR_SUCCESS && err->status == 401) {
        oa2_ratelimit_fail(rl, OA2_RATELIMIT_CLIENT_IP, rl->ip, now, p);
        oa2_ratelimit_fail(rl, OA2_RATELIMIT_CLIENT, id, now, p);
    }
    return rv;
}

apr_status_t
oa2_clientauth_token_request(const char **token, oa2_client_t **client,
                             oa2_store_t *st, const oa2_backchannel_t *in,
                             int allow_public, oa2_err_t *err, apr_pool_t *p)
{
    const char *hint;
    apr_status_t rv;

    *client = NULL;
    if ((rv = oa2_clientauth_authenticate(client, st, in, allow_public, err, p))
            != APR_SUCCESS
        || (rv = oa2_form_single(token, in->form, "token", 1, err, p))
            != APR_SUCCESS) {
        return rv;
    }
    return oa2_form_single(&hint, in->form, "token_type_hint", 0, err, p);
}
