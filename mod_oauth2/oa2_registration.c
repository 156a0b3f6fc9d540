/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/* Dynamic client registration (RFC 7591): validation and response. */
#include <string.h>

#include <apr_strings.h>
#include <jansson.h>

#include "oa2_bearer.h"
#include "oa2_cleanup.h"
#include "oa2_client_meta.h"
#include "oa2_mtls.h"
#include "oa2_redirect.h"
#include "oa2_registration.h"
#include "oa2_scope.h"
#include "oa2_secret.h"
#include "oa2_text.h"

/* client_name of a registration without one. */
#define DEFAULT_NAME "client"

/* Bytes of randomness in a client_id (128 bits: unguessable, short). */
#define CLIENT_ID_BYTES 16

#define BAD_META(id, text)                                                     \
    oa2_err_set(err, 400, "invalid_client_metadata", id, text)
#define BAD_REDIRECT(id, text)                                                 \
    oa2_err_set(err, 400, "invalid_redirect_uri", id, text)

static const char *const known_grants[] = {
    "authorization_code", "refresh_token", "client_credentials",
    "urn:ietf:params:oauth:grant-type:device_code", NULL};

static const char *const known_methods[] = {OA2_AUTH_BASIC,
                                            OA2_AUTH_POST,
                                            OA2_AUTH_NONE,
                                            OA2_AUTH_TLS,
                                            OA2_AUTH_SELF_SIGNED_TLS,
                                            OA2_AUTH_PRIVATE_KEY_JWT,
                                            NULL};

apr_status_t oa2_registration_check_token(const char *expected,
                                          const char *authz_header,
                                          oa2_err_t *err, apr_pool_t *p)
{
    const char *token;
    apr_status_t rv;

    if (!expected || !*expected) {
        /* Start-up refuses this; never let it mean "anyone". */
        oa2_err_set(err, 500, "server_error", "OA2-00740",
                    "client registration is not set up");
        return oa2_err_detail(err, p,
                              "OAuth2Registration token needs "
                              "OAuth2RegistrationToken");
    }
    rv = oa2_bearer_from_header(&token, authz_header, err, p);
    if (rv == APR_ENOENT) {
        return oa2_err_set(err, 401, "invalid_token", "OA2-00741",
                           "an initial access token is required");
    }
    if (rv != APR_SUCCESS) {
        return rv;
    }
    if (!oa2_secret_matches(token, oa2_secret_hash(expected, p), p)) {
        return oa2_err_set(err, 401, "invalid_token", "OA2-00742",
                           "the initial access token is not valid");
    }
    return APR_SUCCESS;
}

static int is_one_of(const char *s, const char *const *list)
{
    for (; *list; list++) {
        if (!strcmp(s, *list)) {
            return 1;
        }
    }
    return 0;
}

static int contains(const apr_array_header_t *list, const char *s)
{
    int i;

    for (i = 0; i < list->nelts; i++) {
        if (!strcmp(APR_ARRAY_IDX(list, i, const char *), s)) {
            return 1;
        }
    }
    return 0;
}

apr_status_t oa2_registration_parse_grants(apr_array_header_t **grants,
                                           json_t *v, oa2_err_t *err,
                                           apr_pool_t *p)
{
    apr_array_header_t *list = apr_array_make(p, 3, sizeof(const char *));
    json_t *item;
    size_t i;

    if (!v) {
        APR_ARRAY_PUSH(list, const char *) = "authorization_code";
        *grants = list;
        return APR_SUCCESS;
    }
    if (!json_is_array(v) || !json_array_size(v)) {
        return BAD_META("OA2-00743",
                        "grant_types must be a non-empty array "
                        "of grant type names");
    }
    json_array_foreach(v, i, item)
    {
        const char *g = json_string_value(item);
        if (!g || !is_one_of(g, known_grants)) {
            return BAD_META("OA2-00744",
                            "unsupported grant type: supported "
                            "are authorization_code, "
                            "refresh_token, client_credentials and "
                            "urn:ietf:params:oauth:grant-type:"
                            "device_code");
        }
        if (!contains(list, g)) {
            APR_ARRAY_PUSH(list, const char *) = g;
        }
    }
    *grants = list;
    return APR_SUCCESS;
}

apr_status_t oa2_registration_check_response_types(
    json_t *v, const apr_array_header_t *grants, oa2_err_t *err)
{
    json_t *item;
    size_t i;

    if (!v) {
        return APR_SUCCESS;
    }
    if (!json_is_array(v)) {
        return BAD_META("OA2-00745", "response_types must be an array");
    }
    json_array_foreach(v, i, item)
    {
        const char *t = json_string_value(item);
        if (!t || strcmp(t, "code")) {
            return BAD_META("OA2-00746",
                            "the only supported response type "
                            "is code");
        }
    }
    if (grants
        && contains(grants, "authorization_code") != (json_array_size(v) > 0)) {
        return BAD_META("OA2-00747",
                        "response_types code and the "
                        "authorization_code grant go together");
    }
    return APR_SUCCESS;
}

apr_status_t oa2_registration_add_redirect_uri(apr_array_header_t *uris,
                                               const char *uri, oa2_err_t *err,
                                               apr_pool_t *p)
{
    apr_status_t rv;

    if (APR_SUCCESS != (rv = oa2_redirect_check(uri, err, p))) {
        return rv;
    }
    if (!contains(uris, uri)) {
        APR_ARRAY_PUSH(uris, const char *) = apr_pstrdup(p, uri);
    }
    return APR_SUCCESS;
}

/* redirect_uris: each one registrable; required for redirect flows. */
static apr_status_t parse_redirect_uris(apr_array_header_t **uris, json_t *v,
                                        int required, oa2_err_t *err,
                                        apr_pool_t *p)
{
    apr_array_header_t *list = apr_array_make(p, 2, sizeof(const char *));
    json_t *item;
    size_t i;
    apr_status_t rv;

    if (v && !json_is_array(v)) {
        return BAD_REDIRECT("OA2-00748",
                            "redirect_uris must be an array of "
                            "URIs");
    }
    if (required && (!v || !json_array_size(v))) {
        return BAD_REDIRECT("OA2-00749", "redirect_uris is required");
    }
    json_array_foreach(v, i, item)
    {
        const char *uri = json_string_value(item);
        if (!uri) {
            return BAD_REDIRECT("OA2-00750",
                                "redirect_uris must be an "
                                "array of URIs");
        }
        if (APR_SUCCESS
            != (rv = oa2_registration_add_redirect_uri(list, uri, err, p))) {
            return rv;
        }
    }
    *uris = list;
    return APR_SUCCESS;
}

/* A bidirectional override that makes a name read as another is refused,
 * not stored (the templates isolate it in <bdi> too). */
apr_status_t oa2_registration_parse_name(const char **name, json_t *v,
                                         const char *fallback, oa2_err_t *err,
                                         apr_pool_t *p)
{
    const unsigned char *c;
    const char *s;
    apr_size_t chars = 0;

    if (!v) {
        *name = fallback;
        return APR_SUCCESS;
    }
    if (!(s = json_string_value(v))) {
        return BAD_META("OA2-00751", "client_name must be a string");
    }
    switch (oa2_text_check(s)) {
    case OA2_TEXT_OK:
        break;
    case OA2_TEXT_BIDI:
        return BAD_META("OA2-00800",
                        "client_name contains bidirectional formatting "
                        "characters");
    case OA2_TEXT_NOT_UTF8: /* jansson refuses it first */
        return BAD_META("OA2-00801", "client_name is not UTF-8");
    default:
        return BAD_META("OA2-00752",
                        "client_name contains control "
                        "characters");
    }
    for (c = (const unsigned char *)s; *c; c++) {
        if ((*c & 0xc0) != 0x80) {
            chars++;
        }
    }
    if (chars > OA2_REGISTRATION_NAME_MAX) {
        return BAD_META(
            "OA2-00753",
            "client_name is longer than " OA2_REGISTRATION_NAME_MAX_TEXT
            " characters");
    }
    *name = *s ? apr_pstrdup(p, s) : fallback;
    return APR_SUCCESS;
}

/* scope: known scopes only (no silent dropping); "" for none. */
static apr_status_t parse_scope(const char **scope, const oa2_as_t *as,
                                json_t *v, oa2_err_t *err, apr_pool_t *p)
{
    const char *s;
    oa2_err_t why = {0};

    if (!v) {
        *scope = "";
        return APR_SUCCESS;
    }
    if (!(s = json_string_value(v))) {
        return BAD_META("OA2-00754", "scope must be a string");
    }
    if (oa2_as_check_scope(scope, as, "", s, &why, p) != APR_SUCCESS) {
        /* The scope's name goes to the log only (why.detail). */
        BAD_META("OA2-00755",
                 "scope must be scopes this server knows, separated by "
                 "single spaces");
        return oa2_err_detail(err, p, "%s: %s%s%s", why.log_id, why.description,
                              why.detail ? ": " : "",
                              why.detail ? why.detail : "");
    }
    return APR_SUCCESS;
}

apr_status_t oa2_registration_parse(oa2_client_t **client, const oa2_as_t *as,
                                    const char *body, apr_size_t len,
                                    oa2_err_t *err, apr_pool_t *p)
{
    apr_array_header_t *grants = NULL;
    oa2_client_t *cl;
    json_error_t jerr;
    json_t *doc, *v;
    apr_status_t rv;
    int needs_redirect, device;

    doc = oa2_cleanup_json(json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr),
                           p);
    if (!json_is_object(doc)) {
        oa2_err_set(err, 400, "invalid_client_metadata", "OA2-00756",
                    "the request body must be a JSON object");
        return doc ? APR_EGENERAL
                   : oa2_err_detail(err, p, "not JSON: line %d, column %d",
                                    jerr.line, jerr.column);
    }
    cl = apr_pcalloc(p, sizeof(*cl));
    if ((rv = oa2_registration_parse_grants(
             &grants, oa2_client_meta_field(doc, "grant_types"), err, p))
            != APR_SUCCESS
        || (rv = oa2_registration_check_response_types(
                oa2_client_meta_field(doc, "response_types"), grants, err))
            != APR_SUCCESS) {
        return rv;
    }
    v = oa2_client_meta_field(doc, "token_endpoint_auth_method");
    cl->auth_method = v ? json_string_value(v) : "client_secret_basic";
    if (!cl->auth_method || !is_one_of(cl->auth_method, known_methods)) {
        return BAD_META("OA2-00757",
                        "token_endpoint_auth_method must be "
                        "client_secret_basic, client_secret_post, "
                        "private_key_jwt, tls_client_auth, "
                        "self_signed_tls_client_auth or none");
    }
    cl->auth_method = apr_pstrdup(p, cl->auth_method);
    if (!strcmp(cl->auth_method, "none")
        && contains(grants, "client_credentials")) {
        return BAD_META("OA2-00758",
                        "the client_credentials grant needs a "
                        "client secret (token_endpoint_auth_"
                        "method none cannot use it)");
    }
    /* Only the client_credentials and device grants (and refresh tokens
     * of the latter) work without a redirect. */
    device = contains(grants, "urn:ietf:params:oauth:grant-type:device_code");
    needs_redirect = contains(grants, "authorization_code")
        || !(contains(grants, "client_credentials") || device)
        || (contains(grants, "refresh_token") && !device);
    if ((rv = parse_redirect_uris(&cl->redirect_uris,
                                  oa2_client_meta_field(doc, "redirect_uris"),
                                  needs_redirect, err, p))
            != APR_SUCCESS
        || (rv = oa2_registration_parse_name(
                &cl->name, oa2_client_meta_field(doc, "client_name"),
                DEFAULT_NAME, err, p))
            != APR_SUCCESS
        || (rv = parse_scope(&cl->scope, as,
                             oa2_client_meta_field(doc, "scope"), err, p))
            != APR_SUCCESS
        || (rv = oa2_client_meta_parse(cl, as, doc, err, p)) != APR_SUCCESS
        || (rv = oa2_client_meta_parse_tls(cl, doc, err, p)) != APR_SUCCESS
        || (rv = oa2_mtls_check_client(cl, err)) != APR_SUCCESS) {
        return rv;
    }
    if (!strcmp(cl->auth_method, "private_key_jwt")
        && !oa2_client_meta_has_keys(cl)) {
        /* RFC 7523 §2.2: its assertions are verified with these. */
        return BAD_META("OA2-01607",
                        "token_endpoint_auth_method private_key_jwt needs "
                        "the client's public keys: jwks or jwks_uri");
    }
    cl->grant_types = oa2_scope_join(grants, p);
    *client = cl;
    return APR_SUCCESS;
}

const char *oa2_registration_response(const oa2_client_t *client,
                                      const oa2_as_t *as, const char *secret,
                                      apr_pool_t *p)
{
    json_t *r = oa2_cleanup_json(json_object(), p);
    json_t *uris = json_array(), *grants = json_array();
    char *list = apr_pstrdup(p, client->grant_types), *last, *g;
    int i;

    json_object_set_new(r, "client_id", json_string(client->client_id));
    if (secret) {
        json_object_set_new(r, "client_secret", json_string(secret));
    }
    json_object_set_new(r, "client_id_issued_at",
                        json_integer((json_int_t)client->created_at));
    if (secret) {
        /* 0: the secret never expires (RFC 7591 §3.2.1). */
        json_object_set_new(r, "client_secret_expires_at", json_integer(0));
    }
    json_object_set_new(r, "client_name", json_string(client->name));
    for (i = 0; client->redirect_uris && i < client->redirect_uris->nelts;
         i++) {
        json_array_append_new(
            uris,
            json_string(APR_ARRAY_IDX(client->redirect_uris, i, const char *)));
    }
    if (json_array_size(uris)) {
        json_object_set(r, "redirect_uris", uris);
    }
    json_decref(uris);
    for (g = apr_strtok(list, " ", &last); g;
         g = apr_strtok(NULL, " ", &last)) {
        json_array_append_new(grants, json_string(g));
    }
    json_object_set_new(r, "grant_types", grants);
    if (oa2_scope_contains(client->grant_types, "authorization_code")) {
        json_object_set_new(r, "response_types", json_pack("[s]", "code"));
    }
    json_object_set_new(r, "token_endpoint_auth_method",
                        json_string(client->auth_method));
    if (client->scope && *client->scope) {
        json_object_set_new(r, "scope", json_string(client->scope));
    }
    oa2_client_meta_respond(r, client, as);
    return oa2_cleanup_malloced(json_dumps(r, JSON_COMPACT), p);
}

apr_status_t oa2_registration_register(const char **json, oa2_client_t **client,
                                       const oa2_as_t *as, oa2_store_t *st,
                                       const char *body, apr_size_t len,
                                       apr_int64_t now, oa2_err_t *err,
                                       apr_pool_t *p)
{
    const char *secret = NULL;
    oa2_client_t *cl;
    apr_status_t rv;
    int tries;

    if ((rv = oa2_registration_parse(&cl, as, body, len, err, p))
        != APR_SUCCESS) {
        return rv;
    }
    cl->secret_hash = "";
    /* A secret only for the methods that send one: a client that proves
     * itself with a certificate or a key has none to leak. */
    if (oa2_clientauth_sends_secret(cl->auth_method)) {
        if ((rv = oa2_secret_make(&secret, OA2_SECRET_BYTES, err, p))
            != APR_SUCCESS) {
            return rv;
        }
        cl->secret_hash = oa2_secret_hash(secret, p);
        if (strlen(cl->secret_hash) != 64) {
            /* An empty hash would make a confidential client public. */
            return oa2_err_set(err, 500, "server_error", "OA2-00759",
                               "the client secret cannot be hashed");
        }
    }
    cl->created_at = now;
    /* 128 random bits do not collide; a few tries cost nothing if they do. */
    for (tries = 0; tries < 3; tries++) {
        if ((rv = oa2_secret_make(&cl->client_id, CLIENT_ID_BYTES, err, p))
            != APR_SUCCESS) {
            return rv;
        }
        rv = oa2_store_client_add(st, cl, err, p);
        if (rv != APR_EEXIST) {
            break;
        }
    }
    if (rv == APR_EEXIST) {
        return oa2_err_set(err, 500, "server_error", "OA2-00760",
                           "no unique client_id could be made");
    }
    if (rv != APR_SUCCESS) {
        return rv;
    }
    *json = oa2_registration_response(cl, as, secret, p);
    *client = cl;
    return APR_SUCCESS;
}
