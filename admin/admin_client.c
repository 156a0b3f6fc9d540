/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/*
 * oauth2-admin client ...: register, list, show, remove clients and rotate
 * their secrets. Secrets are made by the core (256 bits), stored only as
 * their hash, printed once and then wiped from memory.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include <apr_strings.h>
#include <apr_tables.h>
#include <apr_time.h>
#include <openssl/crypto.h>

#include "oa2_cimd.h"
#include "oa2_cleanup.h"
#include "oa2_client_meta.h"
#include "oa2_clientauth.h"
#include "oa2_mtls.h"
#include "oa2_registration.h"
#include "oa2_scope.h"
#include "oa2_secret.h"
#include "oa2_text.h"
#include "oauth2_admin.h"

/* Bytes of randomness in a generated client_id (128 bits). */
#define CLIENT_ID_BYTES 16
/* Longest name: the width of its column (oa2_sql.c). */
#define CLIENT_NAME_MAX 255

/* The grant types a client may have, in the order they are stored. */
enum {
    GRANT_CODE,
    GRANT_REFRESH,
    GRANT_CLIENT_CREDENTIALS,
    GRANT_DEVICE,
    GRANT_COUNT
};
static const char *const grant_types[GRANT_COUNT + 1] = {
    "authorization_code", "refresh_token", "client_credentials",
    "urn:ietf:params:oauth:grant-type:device_code", NULL};

/* What "client add" was asked to do. */
typedef struct add_args_t {
    const char *name;                  /* NAME */
    apr_array_header_t *redirect_uris; /* --redirect-uri, of const char * */
    apr_array_header_t *logout_uris;   /* --post-logout-redirect-uri */
    const char *scope;                 /* --scope, or NULL */
    int grants[GRANT_COUNT];           /* --grant, by GRANT_... */
    int any_grant;                     /* nonzero when --grant was given */
    int is_public;                     /* --public */
    int require_par;                   /* --require-par */
    int dpop_bound;                    /* --dpop-bound */
    const char *auth_method;           /* --auth-method, or NULL */
    const char *client_id;             /* --client-id, or NULL */
    const char *metadata;              /* --metadata JSON or @FILE */
    const char *jwks_file;             /* --jwks-file, or NULL */
    const char *jwks_uri;              /* --jwks-uri, or NULL */
} add_args_t;

/* Print a new secret, then wipe it: it exists nowhere else. */
static void print_secret(const char *secret)
{
    printf("client_secret: %s\n", secret);
    fflush(stdout);
    OPENSSL_cleanse((void *)secret, strlen(secret));
}

static int grant_index(const char *type)
{
    int i;

    for (i = 0; grant_types[i]; i++) {
        if (!strcmp(grant_types[i], type)) {
            return i;
        }
    }
    return -1;
}

/* Store a value option; @return nonzero (after reporting) on a repeat. */
static int set_once(const char **slot, const char *opt, const char *value)
{
    if (*slot) {
        oa2_admin_usage("client add: %s is given twice", opt);
        return 1;
    }
    *slot = value;
    return 0;
}

/* Parse the words after "client add"; @return an exit status. */
static int add_parse(add_args_t *in, int argc, const char *const *argv,
                     apr_pool_t *p)
{
    int i, g, options = 1;

    in->redirect_uris = apr_array_make(p, 2, sizeof(const char *));
    in->logout_uris = apr_array_make(p, 1, sizeof(const char *));
    for (i = 0; i < argc; i++) {
        const char *opt = argv[i], *value = NULL, *eq;
        if (!options || opt[0] != '-' || !opt[1]) {
            if (in->name) {
                return oa2_admin_usage("client add takes one NAME; quote a "
                                       "name with spaces");
            }
            in->name = opt;
            continue;
        }
        if (!strcmp(opt, "--")) {
            options = 0;
            continue;
        }
        if (!strcmp(opt, "--public")) {
            in->is_public = 1;
            continue;
        }
        if (!strcmp(opt, "--require-par")) {
            in->require_par = 1;
            continue;
        }
        if (!strcmp(opt, "--dpop-bound")) {
            in->dpop_bound = 1;
            continue;
        }
        /* Every other option takes a value: "--opt VALUE" or "--opt=VALUE". */
        if ((eq = strchr(opt, '='))) {
            value = eq + 1;
            opt = apr_pstrmemdup(p, opt, eq - opt);
        }
        else if (i + 1 < argc) {
            value = argv[++i];
        }
        if (strcmp(opt, "--redirect-uri") && strcmp(opt, "--scope")
            && strcmp(opt, "--grant") && strcmp(opt, "--auth-method")
            && strcmp(opt, "--client-id") && strcmp(opt, "--metadata")
            && strcmp(opt, "--post-logout-redirect-uri")
            && strcmp(opt, "--jwks-file") && strcmp(opt, "--jwks-uri")) {
            return oa2_admin_usage("client add: unknown option %s",
                                   oa2_admin_printable(opt, p));
        }
        if (!value) {
            return oa2_admin_usage("client add: %s needs a value", opt);
        }
        if (!strcmp(opt, "--redirect-uri")) {
            APR_ARRAY_PUSH(in->redirect_uris, const char *) = value;
        }
        else if (!strcmp(opt, "--post-logout-redirect-uri")) {
            APR_ARRAY_PUSH(in->logout_uris, const char *) = value;
        }
        else if (!strcmp(opt, "--grant")) {
            if ((g = grant_index(value)) < 0) {
                return oa2_admin_usage("client add: unknown grant type %s "
                                       "(authorization_code, refresh_token, "
                                       "client_credentials or "
                                       "urn:ietf:params:oauth:grant-type:"
                                       "device_code)",
                                       oa2_admin_printable(value, p));
            }
            in->grants[g] = 1;
            in->any_grant = 1;
        }
        else if (!strcmp(opt, "--scope")) {
            if (set_once(&in->scope, opt, value)) {
                return OA2_ADMIN_USAGE;
            }
        }
        else if (!strcmp(opt, "--auth-method")) {
            if (set_once(&in->auth_method, opt, value)) {
                return OA2_ADMIN_USAGE;
            }
        }
        else if (!strcmp(opt, "--metadata")) {
            if (set_once(&in->metadata, opt, value)) {
                return OA2_ADMIN_USAGE;
            }
        }
        else if (!strcmp(opt, "--jwks-file")) {
            if (set_once(&in->jwks_file, opt, value)) {
                return OA2_ADMIN_USAGE;
            }
        }
        else if (!strcmp(opt, "--jwks-uri")) {
            if (set_once(&in->jwks_uri, opt, value)) {
                return OA2_ADMIN_USAGE;
            }
        }
        else if (set_once(&in->client_id, opt, value)) {
            return OA2_ADMIN_USAGE;
        }
    }
    if (!in->name) {
        return oa2_admin_usage("client add needs a NAME");
    }
    if (!in->any_grant) {
        in->grants[GRANT_CODE] = in->grants[GRANT_REFRESH] = 1;
    }
    if (in->auth_method && strcmp(in->auth_method, "client_secret_basic")
        && strcmp(in->auth_method, "client_secret_post")
        && !oa2_mtls_is_method(in->auth_method)
        && strcmp(in->auth_method, "private_key_jwt")) {
        return oa2_admin_usage("client add: --auth-method is "
                               "client_secret_basic, client_secret_post, "
                               "tls_client_auth, "
                               "self_signed_tls_client_auth or "
                               "private_key_jwt");
    }
    if (in->jwks_file && in->jwks_uri) {
        return oa2_admin_usage("client add: --jwks-file or --jwks-uri, not "
                               "both");
    }
    if (in->auth_method && !strcmp(in->auth_method, "private_key_jwt")
        && !in->jwks_file && !in->jwks_uri) {
        return oa2_admin_usage("client add: private_key_jwt needs the "
                               "client's public keys: --jwks-file FILE or "
                               "--jwks-uri URL");
    }
    if (in->is_public && in->auth_method) {
        return oa2_admin_usage("client add: a --public client has no secret "
                               "and no --auth-method");
    }
    if (in->is_public && in->grants[GRANT_CLIENT_CREDENTIALS]) {
        return oa2_admin_usage("client add: client_credentials needs a "
                               "secret: not with --public");
    }
    if (in->grants[GRANT_REFRESH] && !in->grants[GRANT_CODE]
        && !in->grants[GRANT_DEVICE]) {
        return oa2_admin_usage("client add: refresh_token comes only with "
                               "authorization_code or the device grant");
    }
    if (in->grants[GRANT_CODE] && in->redirect_uris->nelts == 0) {
        return oa2_admin_usage("client add: authorization_code needs at "
                               "least one --redirect-uri");
    }
    return OA2_ADMIN_OK;
}

/* Check that @a id may be given with --client-id: a plain id, or the URL
 * of a client ID metadata document (oa2_cimd.h), which pre-registers that
 * client: the module never fetches for an id registered so. A URL refused
 * is told in the core's words. @return an exit status. */
static int client_id_check(const char *id, const char *issuer, apr_pool_t *p)
{
    oa2_err_t err = {0};

    if (oa2_cimd_is_url(id)) {
        if (oa2_cimd_check_url(id, oa2_cimd_reach(issuer, p), &err, p)
            != APR_SUCCESS) {
            return oa2_admin_fail("--client-id: %s: %s", err.description,
                                  err.detail);
        }
        return OA2_ADMIN_OK;
    }
    if (!*id || strlen(id) > OA2_CLIENT_ID_MAX
        || strspn(id,
                  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                  "0123456789-._~")
            != strlen(id)) {
        return oa2_admin_fail("--client-id must be 1 to %d characters of "
                              "A-Z a-z 0-9 - . _ ~, or a client ID metadata "
                              "document URL (https://host/path, at most %d "
                              "characters)",
                              OA2_CLIENT_ID_MAX, OA2_CLIENT_ID_MAX);
    }
    return OA2_ADMIN_OK;
}

/* The members --metadata may set: the mutual TLS ones (RFC 8705). */
static const char *const metadata_members[] = {
    "tls_client_auth_subject_dn",
    "tls_client_auth_san_dns",
    "tls_client_auth_san_uri",
    "tls_client_auth_san_ip",
    "tls_client_auth_san_email",
    "tls_client_certificate_bound_access_tokens",
    "jwks",
    NULL};

/* --metadata: a JSON object, given as is or as @FILE, of
 * metadata_members, read as a registration would; @return an exit
 * status. */
static int add_metadata(oa2_client_t *cl, const char *arg, apr_pool_t *p)
{
    const char *const *m;
    const char *name;
    oa2_err_t err = {0};
    json_error_t jerr;
    json_t *doc, *v;

    doc = oa2_cleanup_json(
        arg[0] == '@' ? json_load_file(arg + 1, JSON_REJECT_DUPLICATES, &jerr)
                      : json_loads(arg, JSON_REJECT_DUPLICATES, &jerr),
        p);
    if (!json_is_object(doc)) {
        return oa2_admin_fail("--metadata must be a JSON object%s%s",
                              doc ? "" : ": ", doc ? "" : jerr.text);
    }
    json_object_foreach(doc, name, v)
    {
        for (m = metadata_members; *m && strcmp(*m, name); m++) {
        }
        if (!*m) {
            return oa2_admin_fail("--metadata: %s is not one of "
                                  "tls_client_auth_subject_dn, "
                                  "tls_client_auth_san_dns, _san_uri, "
                                  "_san_ip, _san_email, "
                                  "tls_client_certificate_bound_access_"
                                  "tokens, jwks",
                                  oa2_admin_printable(name, p));
        }
    }
    if (oa2_client_meta_parse_tls(cl, doc, &err, p) != APR_SUCCESS
        || ((v = oa2_client_meta_field(doc, "jwks"))
            && oa2_client_meta_jwks(&cl->jwks, v, &err, p) != APR_SUCCESS)) {
        return oa2_admin_fail_err(&err);
    }
    return OA2_ADMIN_OK;
}

/* The public keys of "client add" (--jwks-file, --jwks-uri) into @a cl,
 * checked as registration checks jwks and jwks_uri; @return an exit
 * status. */
static int add_keys(oa2_client_t *cl, const add_args_t *in, const char *issuer,
                    apr_pool_t *p)
{
    json_t *doc = oa2_cleanup_json(json_object(), p), *jwks;
    json_error_t jerr;
    oa2_err_t err = {0};

    if (in->jwks_file) {
        jwks = oa2_cleanup_json(
            json_load_file(in->jwks_file, JSON_REJECT_DUPLICATES, &jerr), p);
        if (!jwks) {
            return oa2_admin_fail("--jwks-file %s: not a JSON file (line %d: "
                                  "%s)",
                                  oa2_admin_printable(in->jwks_file, p),
                                  jerr.line, jerr.text);
        }
        json_object_set(doc, "jwks", jwks);
    }
    if (in->jwks_uri) {
        json_object_set_new(doc, "jwks_uri", json_string(in->jwks_uri));
    }
    if (oa2_client_meta_parse_keys(cl, issuer, doc, &err, p) != APR_SUCCESS) {
        return oa2_admin_fail("%s%s%s", err.description, err.detail ? ": " : "",
                              err.detail ? err.detail : "");
    }
    return OA2_ADMIN_OK;
}

/* Check the values of "client add" for the clients of @a issuer and build
 * the client; @return an exit status. */
static int add_build(oa2_client_t *cl, const add_args_t *in, const char *issuer,
                     apr_pool_t *p)
{
    apr_array_header_t *scopes = apr_array_make(p, 4, sizeof(const char *));
    const char *grants = NULL;
    oa2_err_t err = {0};
    int i, status;

    if (!*in->name || strlen(in->name) > CLIENT_NAME_MAX) {
        return oa2_admin_fail("the client name must be 1 to %d bytes",
                              CLIENT_NAME_MAX);
    }
    /* The rule dynamic registration applies: the consent page shows the
     * name where the user decides whom to trust. */
    switch (oa2_text_check(in->name)) {
    case OA2_TEXT_OK:
        break;
    case OA2_TEXT_NOT_UTF8:
        return oa2_admin_fail("the client name must be UTF-8 text");
    case OA2_TEXT_BIDI:
        return oa2_admin_fail("the client name must not contain "
                              "bidirectional formatting characters "
                              "(U+061C, U+200E, U+200F, U+202A to U+202E, "
                              "U+2066 to U+2069)");
    default:
        return oa2_admin_fail("the client name must not contain control "
                              "characters (U+0000 to U+001F, U+007F to "
                              "U+009F, U+2028, U+2029)");
    }
    if (in->client_id
        && client_id_check(in->client_id, issuer, p) != OA2_ADMIN_OK) {
        return OA2_ADMIN_FAIL;
    }
    cl->redirect_uris =
        apr_array_make(p, in->redirect_uris->nelts, sizeof(const char *));
    for (i = 0; i < in->redirect_uris->nelts; i++) {
        const char *uri = APR_ARRAY_IDX(in->redirect_uris, i, const char *);
        if (oa2_registration_add_redirect_uri(cl->redirect_uris, uri, &err, p)
            != APR_SUCCESS) {
            return oa2_admin_fail("invalid redirect URI %s: %s",
                                  oa2_admin_printable(uri, p), err.description);
        }
    }
    for (i = 0; i < in->logout_uris->nelts; i++) {
        const char *uri = APR_ARRAY_IDX(in->logout_uris, i, const char *);
        if (oa2_client_meta_add_logout_uri(cl, uri, &err, p) != APR_SUCCESS) {
            return oa2_admin_fail("invalid post-logout redirect URI %s: %s",
                                  oa2_admin_printable(uri, p), err.detail);
        }
    }
    /* Scope: RFC 6749 scope-tokens, stored once each, single spaces. */
    oa2_scope_union(scopes, in->scope ? in->scope : "", p);
    for (i = 0; i < scopes->nelts; i++) {
        const char *s = APR_ARRAY_IDX(scopes, i, const char *);
        if (!oa2_scope_token_valid(s)) {
            return oa2_admin_fail("invalid scope %s: a scope is printable "
                                  "ASCII without spaces, '\"' or '\\'",
                                  oa2_admin_printable(s, p));
        }
    }
    for (i = 0; grant_types[i]; i++) {
        if (in->grants[i]) {
            grants = grants ? apr_pstrcat(p, grants, " ", grant_types[i], NULL)
                            : grant_types[i];
        }
    }
    if ((status = add_keys(cl, in, issuer, p)) != OA2_ADMIN_OK) {
        return status;
    }
    cl->name = in->name;
    cl->scope = oa2_scope_join(scopes, p);
    cl->grant_types = grants;
    cl->auth_method = in->auth_method ? in->auth_method : "client_secret_basic";
    if (in->is_public) {
        cl->auth_method = "none";
    }
    cl->secret_hash = "";
    cl->created_at = apr_time_sec(apr_time_now());
    cl->require_par = in->require_par;
    cl->dpop_bound_access_tokens = in->dpop_bound;
    if (in->metadata && (i = add_metadata(cl, in->metadata, p))) {
        return i;
    }
    if (oa2_mtls_check_client(cl, &err) != APR_SUCCESS) {
        return oa2_admin_fail_err(&err);
    }
    return OA2_ADMIN_OK;
}

static int client_add(oa2_admin_t *a, int argc, const char *const *argv)
{
    oa2_client_t *cl = apr_pcalloc(a->pool, sizeof(*cl));
    const char *secret = NULL;
    oa2_err_t err = {0};
    add_args_t in;
    apr_status_t rv;
    int status;

    memset(&in, 0, sizeof(in));
    if ((status = add_parse(&in, argc, argv, a->pool)) != OA2_ADMIN_OK
        || (status = add_build(cl, &in, a->issuer, a->pool)) != OA2_ADMIN_OK) {
        return status;
    }
    if ((status = oa2_admin_open(a)) != OA2_ADMIN_OK) {
        return status;
    }
    cl->client_id = in.client_id;
    /* A generated id never starts with '-', to read well on command lines. */
    while (!cl->client_id || cl->client_id[0] == '-') {
        if (oa2_secret_make(&cl->client_id, CLIENT_ID_BYTES, &err, a->pool)
            != APR_SUCCESS) {
            return oa2_admin_fail_err(&err);
        }
    }
    /* A secret only for the methods that send one: a client that proves
     * itself with a certificate or a key has none to leak. */
    if (!in.is_public && oa2_clientauth_sends_secret(cl->auth_method)) {
        if (oa2_secret_make(&secret, OA2_SECRET_BYTES, &err, a->pool)
            != APR_SUCCESS) {
            return oa2_admin_fail_err(&err);
        }
        cl->secret_hash = oa2_secret_hash(secret, a->pool);
    }
    rv = oa2_store_begin(&a->store, &err, a->pool);
    if (rv == APR_SUCCESS) {
        rv = oa2_store_client_add(&a->store, cl, &err, a->pool);
        rv = oa2_admin_end(a, rv, &err);
    }
    if (rv != APR_SUCCESS) {
        if (secret) {
            OPENSSL_cleanse((void *)secret, strlen(secret));
        }
        if (rv == APR_EEXIST) {
            return oa2_admin_fail("client %s exists",
                                  oa2_admin_printable(cl->client_id, a->pool));
        }
        return oa2_admin_fail_err(&err);
    }
    printf("client_id: %s\n", cl->client_id);
    if (secret) {
        print_secret(secret);
    }
    return OA2_ADMIN_OK;
}

static int client_list(oa2_admin_t *a)
{
    apr_array_header_t *clients;
    oa2_err_t err = {0};
    int status, i;

    if ((status = oa2_admin_open(a)) != OA2_ADMIN_OK) {
        return status;
    }
    if (oa2_store_client_list(&clients, &a->store, &err, a->pool)
        != APR_SUCCESS) {
        return oa2_admin_fail_err(&err);
    }
    for (i = 0; i < clients->nelts; i++) {
        const oa2_client_t *cl = APR_ARRAY_IDX(clients, i, oa2_client_t *);
        printf("%s\t%s\t%s\t%s\n", oa2_admin_printable(cl->client_id, a->pool),
               oa2_admin_printable(cl->name, a->pool),
               oa2_admin_printable(cl->auth_method, a->pool),
               oa2_admin_printable(cl->grant_types, a->pool));
    }
    return OA2_ADMIN_OK;
}

/* Read client @a id; @return an exit status, after reporting. */
static int client_get(oa2_client_t **cl, oa2_admin_t *a, const char *id)
{
    oa2_err_t err = {0};
    apr_status_t rv = oa2_store_client_get(cl, &a->store, id, &err, a->pool);

    if (rv == APR_NOTFOUND) {
        return oa2_admin_fail("no client %s", oa2_admin_printable(id, a->pool));
    }
    return rv == APR_SUCCESS ? OA2_ADMIN_OK : oa2_admin_fail_err(&err);
}

/* The mutual TLS metadata of @a cl, those it has. */
static void show_tls(const oa2_client_t *cl, apr_pool_t *p)
{
    const char *const names[] = {
        "tls_client_auth_subject_dn", "tls_client_auth_san_dns",
        "tls_client_auth_san_uri", "tls_client_auth_san_ip",
        "tls_client_auth_san_email"};
    const char *const values[] = {cl->tls_subject_dn, cl->tls_san_dns,
                                  cl->tls_san_uri, cl->tls_san_ip,
                                  cl->tls_san_email};
    int i;

    for (i = 0; i < 5; i++) {
        if (values[i]) {
            printf("%s: %s\n", names[i], oa2_admin_printable(values[i], p));
        }
    }
    if (cl->tls_bound_tokens) {
        printf("tls_client_certificate_bound_access_tokens: true\n");
    }
}

static int client_show(oa2_admin_t *a, const char *id)
{
    apr_pool_t *p = a->pool;
    oa2_client_t *cl;
    int status, i;

    if ((status = oa2_admin_open(a)) != OA2_ADMIN_OK
        || (status = client_get(&cl, a, id)) != OA2_ADMIN_OK) {
        return status;
    }
    /* Never the secret hash: it is of no use to the admin, and a hash of
     * a secret is a secret. */
    printf("client_id: %s\n", oa2_admin_printable(cl->client_id, p));
    printf("name: %s\n", oa2_admin_printable(cl->name, p));
    printf("auth_method: %s\n", oa2_admin_printable(cl->auth_method, p));
    printf("grant_types: %s\n", oa2_admin_printable(cl->grant_types, p));
    printf("scope: %s\n", oa2_admin_printable(cl->scope, p));
    printf("created_at: %s\n", oa2_admin_iso8601(cl->created_at, p));
    printf("require_pushed_authorization_requests: %s\n",
           cl->require_par ? "true" : "false");
    show_tls(cl, p);
    if (cl->jwks_uri) {
        printf("jwks_uri: %s\n", oa2_admin_printable(cl->jwks_uri, p));
    }
    if (cl->jwks) {
        printf("jwks: %s\n", oa2_admin_printable(cl->jwks, p));
    }
    if (cl->auth_signing_alg) {
        printf("token_endpoint_auth_signing_alg: %s\n", cl->auth_signing_alg);
    }
    printf("dpop_bound_access_tokens: %s\n",
           cl->dpop_bound_access_tokens ? "true" : "false");
    if (cl->document_fetched_at > 0) {
        /* read from its client ID metadata document */
        printf("document_fetched_at: %s\n",
               oa2_admin_iso8601(cl->document_fetched_at, p));
        printf("document_expires_at: %s\n",
               oa2_admin_iso8601(cl->document_expires_at, p));
    }
    for (i = 0; i < cl->redirect_uris->nelts; i++) {
        printf("redirect_uri: %s\n",
               oa2_admin_printable(
                   APR_ARRAY_IDX(cl->redirect_uris, i, const char *), p));
    }
    for (i = 0; cl->post_logout_redirect_uris
         && i < cl->post_logout_redirect_uris->nelts;
         i++) {
        printf("post_logout_redirect_uri: %s\n",
               oa2_admin_printable(APR_ARRAY_IDX(cl->post_logout_redirect_uris,
                                                 i, const char *),
                                   p));
    }
    return OA2_ADMIN_OK;
}

static int client_remove(oa2_admin_t *a, const char *id)
{
    oa2_err_t err = {0};
    apr_status_t rv;
    int status;

    if ((status = oa2_admin_open(a)) != OA2_ADMIN_OK) {
        return status;
    }
    rv = oa2_store_client_remove(&a->store, id, &err, a->pool);
    if (rv == APR_NOTFOUND) {
        return oa2_admin_fail("no client %s", oa2_admin_printable(id, a->pool));
    }
    return rv == APR_SUCCESS ? OA2_ADMIN_OK : oa2_admin_fail_err(&err);
}

static int client_rotate(oa2_admin_t *a, const char *id)
{
    const char *secret = NULL;
    oa2_err_t err = {0};
    oa2_client_t *cl;
    apr_status_t rv;
    int status;

    if ((status = oa2_admin_open(a)) != OA2_ADMIN_OK) {
        return status;
    }
    if (oa2_store_begin(&a->store, &err, a->pool) != APR_SUCCESS) {
        return oa2_admin_fail_err(&err);
    }
    if ((status = client_get(&cl, a, id)) != OA2_ADMIN_OK) {
        oa2_admin_end(a, APR_EGENERAL, &err);
        return status;
    }
    if (!strcmp(cl->auth_method, "none")) {
        oa2_admin_end(a, APR_EGENERAL, &err);
        return oa2_admin_fail("client %s is public: it has no secret",
                              oa2_admin_printable(id, a->pool));
    }
    if (!oa2_clientauth_sends_secret(cl->auth_method)) {
        oa2_admin_end(a, APR_EGENERAL, &err);
        return oa2_admin_fail("client %s authenticates with %s: it has no "
                              "secret",
                              oa2_admin_printable(id, a->pool),
                              cl->auth_method);
    }
    rv = oa2_secret_make(&secret, OA2_SECRET_BYTES, &err, a->pool);
    if (rv == APR_SUCCESS) {
        rv = oa2_store_client_set_secret(
            &a->store, id, oa2_secret_hash(secret, a->pool), &err, a->pool);
    }
    if ((rv = oa2_admin_end(a, rv, &err)) != APR_SUCCESS) {
        if (secret) {
            OPENSSL_cleanse((void *)secret, strlen(secret));
        }
        return oa2_admin_fail_err(&err);
    }
    print_secret(secret);
    return OA2_ADMIN_OK;
}

int oa2_admin_client(oa2_admin_t *a, int argc, const char *const *argv)
{
    const char *sub = argc > 0 ? argv[0] : "";

    if (!strcmp(sub, "add")) {
        return client_add(a, argc - 1, argv + 1);
    }
    if (!strcmp(sub, "list")) {
        if (argc != 1) {
            return oa2_admin_usage("client list takes no arguments");
        }
        return client_list(a);
    }
    if (strcmp(sub, "show") && strcmp(sub, "remove")
        && strcmp(sub, "rotate-secret")) {
        return oa2_admin_usage("client needs add, list, show, remove or "
                               "rotate-secret");
    }
    if (argc != 2) {
        return oa2_admin_usage("client %s needs one client ID", sub);
    }
    if (!strcmp(sub, "show")) {
        return client_show(a, argv[1]);
    }
    if (!strcmp(sub, "remove")) {
        return client_remove(a, argv[1]);
    }
    return client_rotate(a, argv[1]);
}
