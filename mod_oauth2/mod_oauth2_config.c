/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/*
 * Configuration: directives, per-server and per-directory records, merges.
 *
 * Unset fields are NULL; each merge line says which side wins. Keys are
 * loaded here, in the directive handler, so a bad key stops httpd with
 * "Syntax error on line N of FILE" plus our reason.
 */
#include "httpd.h"
#include "http_config.h"
#include "http_core.h"

#include <apr_strings.h>
#include <apr_uri.h>

#include "mod_oauth2_private.h"
#include "oa2_scope.h"
#include "oa2_url.h"

#define DEFAULT_BASE_PATH "/oauth2"

void *oa2_ap_config_create_server(apr_pool_t *p, server_rec *s)
{
    oa2_server_conf_t *c = apr_pcalloc(p, sizeof(*c));
    (void)s;
    c->issuer = NULL;
    c->base_path = NULL;
    c->keys = NULL;
    c->default_audience = NULL;
    c->scopes = NULL;
    c->resources = NULL;
    c->access_ttl = -1;
    c->refresh_ttl = -1;
    c->code_ttl = -1;
    c->registration = -1;
    c->registration_token = NULL;
    c->client_cache_ttl = -1;
    c->template_dir = NULL;
    c->protected_resources = NULL;
    c->openid = -1;
    c->id_token_ttl = -1;
    c->user_claims = NULL;
    c->user_claim_exprs = NULL;
    c->fetch_ca_file = NULL;
    c->cimd = -1;
    c->require_par = -1;
    c->dpop_nonce = -1;
    c->ratelimit_failures = -1;
    c->ratelimit_seconds = -1;
    return c;
}

void *oa2_ap_config_merge_server(apr_pool_t *p, void *basev, void *addv)
{
    oa2_server_conf_t *base = basev, *add = addv;
    oa2_server_conf_t *c = apr_pcalloc(p, sizeof(*c));
    /* A vhost with its own issuer is another tenant: it never inherits
     * the main server's keys or audience. */
    int own_issuer = add->issuer != NULL;

    c->issuer = add->issuer ? add->issuer : base->issuer;
    c->base_path = add->base_path ? add->base_path : base->base_path;
    c->keys = add->keys ? add->keys : (own_issuer ? NULL : base->keys);
    c->default_audience = add->default_audience
        ? add->default_audience
        : (own_issuer ? NULL : base->default_audience);
    c->scopes = add->scopes ? add->scopes : base->scopes;
    c->resources = add->resources ? add->resources : base->resources;
    c->access_ttl = add->access_ttl != -1 ? add->access_ttl : base->access_ttl;
    c->refresh_ttl =
        add->refresh_ttl != -1 ? add->refresh_ttl : base->refresh_ttl;
    c->code_ttl = add->code_ttl != -1 ? add->code_ttl : base->code_ttl;
    c->registration =
        add->registration != -1 ? add->registration : base->registration;
    c->registration_token = add->registration_token ? add->registration_token
                                                    : base->registration_token;
    c->client_cache_ttl = add->client_cache_ttl != -1 ? add->client_cache_ttl
                                                      : base->client_cache_ttl;
    c->template_dir =
        add->template_dir ? add->template_dir : base->template_dir;
    c->protected_resources = add->protected_resources
        ? add->protected_resources
        : base->protected_resources;
    c->openid = add->openid != -1 ? add->openid : base->openid;
    c->id_token_ttl =
        add->id_token_ttl != -1 ? add->id_token_ttl : base->id_token_ttl;
    /* The claims and their expressions go together, from one side. */
    c->user_claims = add->user_claims ? add->user_claims : base->user_claims;
    c->user_claim_exprs =
        add->user_claims ? add->user_claim_exprs : base->user_claim_exprs;
    c->fetch_ca_file =
        add->fetch_ca_file ? add->fetch_ca_file : base->fetch_ca_file;
    c->cimd = add->cimd != -1 ? add->cimd : base->cimd;
    c->require_par =
        add->require_par != -1 ? add->require_par : base->require_par;
    c->dpop_nonce = add->dpop_nonce != -1 ? add->dpop_nonce : base->dpop_nonce;
    /* The two numbers of one OAuth2RateLimit line go together. */
    c->ratelimit_failures = add->ratelimit_failures != -1
        ? add->ratelimit_failures
        : base->ratelimit_failures;
    c->ratelimit_seconds = add->ratelimit_failures != -1
        ? add->ratelimit_seconds
        : base->ratelimit_seconds;
    return c;
}

void *oa2_ap_config_create_dir(apr_pool_t *p, char *dir)
{
    oa2_dir_conf_t *c = apr_pcalloc(p, sizeof(*c));
    (void)dir;
    c->audience = NULL;
    c->verify_issuer = NULL;
    c->jwks_file = NULL;
    c->jwks = NULL;
    c->jwks_remote = NULL;
    c->metadata_remote = NULL;
    c->introspection = NULL;
    c->introspection_cache_ttl = -1;
    c->check_revocation = -1;
    c->revocation_cache_ttl = -1;
    return c;
}

void *oa2_ap_config_merge_dir(apr_pool_t *p, void *basev, void *addv)
{
    oa2_dir_conf_t *base = basev, *add = addv;
    oa2_dir_conf_t *c = apr_pcalloc(p, sizeof(*c));
    /* A section's key source replaces the one it inherits, whatever kind
     * each is: a JWKS file and a URL are never both in force. */
    int own_keys = add->jwks || add->jwks_remote || add->metadata_remote;

    c->audience = add->audience ? add->audience : base->audience;
    c->verify_issuer =
        add->verify_issuer ? add->verify_issuer : base->verify_issuer;
    c->jwks_file = own_keys ? add->jwks_file : base->jwks_file;
    c->jwks = own_keys ? add->jwks : base->jwks;
    c->jwks_remote = own_keys ? add->jwks_remote : base->jwks_remote;
    c->metadata_remote =
        own_keys ? add->metadata_remote : base->metadata_remote;
    c->introspection =
        add->introspection ? add->introspection : base->introspection;
    c->introspection_cache_ttl = add->introspection_cache_ttl != -1
        ? add->introspection_cache_ttl
        : base->introspection_cache_ttl;
    c->check_revocation = add->check_revocation != -1 ? add->check_revocation
                                                      : base->check_revocation;
    c->revocation_cache_ttl = add->revocation_cache_ttl != -1
        ? add->revocation_cache_ttl
        : base->revocation_cache_ttl;
    return c;
}

const char *oa2_ap_config_audience(const oa2_dir_conf_t *d,
                                   const oa2_server_conf_t *s)
{
    if (d->audience) {
        return d->audience;
    }
    return s->default_audience ? s->default_audience : s->issuer;
}

static oa2_server_conf_t *server_conf(cmd_parms *cmd)
{
    return ap_get_module_config(cmd->server->module_config, &oauth2_module);
}

/* The server record of a server-only directive, or the reason it is
 * not allowed where it stands. */
static const char *server_only(oa2_server_conf_t **c, cmd_parms *cmd)
{
    *c = server_conf(cmd);
    return ap_check_cmd_context(cmd, NOT_IN_DIR_CONTEXT);
}

/*
 * The on/off server directives (OAuth2OpenID, OAuth2ClientMetadataDocuments,
 * OAuth2RequirePAR, OAuth2DPoPNonce): cmd->info is the offset of their int field, -1 until
 * set, merged as the others.
 */
static const char *set_server_flag(cmd_parms *cmd, void *dc, int on)
{
    oa2_server_conf_t *c;
    const char *err = server_only(&c, cmd);

    (void)dc;
    if (err) {
        return err;
    }
    *(int *)((char *)c + (apr_size_t)cmd->info) = on;
    return NULL;
}

/*
 * The string-valued server directives share set_server_string(); what
 * differs per directive is in the server_string_t its cmd->info points to:
 * where the value goes, whether a repeat is an error, and the check that
 * validates the argument (and may normalize it) before it is stored.
 */
typedef const char *server_string_check_fn(const char **value, cmd_parms *cmd,
                                           const char *arg);

typedef struct server_string_t {
    apr_size_t offset;             /* of the const char * in the record */
    int once;                      /* a repeat is "is duplicate" */
    server_string_check_fn *check; /* validates arg into *value */
} server_string_t;

static const char *check_issuer(const char **value, cmd_parms *cmd,
                                const char *arg)
{
    oa2_err_t e;

    if (oa2_url_check_issuer(arg, &e, cmd->pool) != APR_SUCCESS) {
        return apr_psprintf(cmd->pool, "OAuth2Issuer %s %s", arg,
                            e.description);
    }
    *value = arg;
    return NULL;
}

/* Stored without trailing slashes ("/" stays "/"). */
static const char *check_base_path(const char **value, cmd_parms *cmd,
                                   const char *arg)
{
    apr_size_t len;

    if (!oa2_url_path_valid(arg)) {
        return "OAuth2BasePath must be a URL path starting with '/' "
               "(no query or fragment)";
    }
    len = strlen(arg);
    while (len > 1 && arg[len - 1] == '/') {
        len--;
    }
    *value = apr_pstrmemdup(cmd->pool, arg, len);
    return NULL;
}

static const char *check_not_empty(const char **value, cmd_parms *cmd,
                                   const char *arg)
{
    if (!*arg) {
        return apr_psprintf(cmd->pool, "%s must not be empty", cmd->cmd->name);
    }
    *value = arg;
    return NULL;
}

static const char *check_registration_token(const char **value, cmd_parms *cmd,
                                            const char *arg)
{
    (void)cmd;
    if (strlen(arg) < 16) {
        return "OAuth2RegistrationToken must be at least 16 characters "
               "(e.g. openssl rand -hex 32)";
    }
    *value = arg;
    return NULL;
}

static const char *check_template_dir(const char **value, cmd_parms *cmd,
                                      const char *arg)
{
    *value = ap_server_root_relative(cmd->pool, arg);
    return *value ? NULL : "OAuth2TemplateDir: invalid path";
}

/* A file that exists, relative to ServerRoot. */
static const char *check_file(const char **value, cmd_parms *cmd,
                              const char *arg)
{
    const char *path = ap_server_root_relative(cmd->pool, arg);
    apr_finfo_t fi;

    if (!path
        || apr_stat(&fi, path, APR_FINFO_TYPE, cmd->temp_pool) != APR_SUCCESS
        || fi.filetype != APR_REG) {
        return apr_psprintf(cmd->pool, "%s %s: no such file", cmd->cmd->name,
                            arg);
    }
    *value = path;
    return NULL;
}

static const server_string_t issuer_slot = {
    APR_OFFSETOF(oa2_server_conf_t, issuer), 1, check_issuer};
static const server_string_t base_path_slot = {
    APR_OFFSETOF(oa2_server_conf_t, base_path), 1, check_base_path};
static const server_string_t default_audience_slot = {
    APR_OFFSETOF(oa2_server_conf_t, default_audience), 1, check_not_empty};
/* A repeated token or template directory replaces the earlier one. */
static const server_string_t registration_token_slot = {
    APR_OFFSETOF(oa2_server_conf_t, registration_token), 0,
    check_registration_token};
static const server_string_t template_dir_slot = {
    APR_OFFSETOF(oa2_server_conf_t, template_dir), 0, check_template_dir};
static const server_string_t fetch_ca_file_slot = {
    APR_OFFSETOF(oa2_server_conf_t, fetch_ca_file), 1, check_file};

static const char *set_server_string(cmd_parms *cmd, void *dc, const char *arg)
{
    const server_string_t *slot = cmd->info;
    oa2_server_conf_t *c;
    const char *err = server_only(&c, cmd);
    const char **field;
    const char *value = NULL;

    (void)dc;
    if (err) {
        return err;
    }
    field = (const char **)((char *)c + slot->offset);
    if (slot->once && *field) {
        return apr_psprintf(cmd->pool, "%s is duplicate in this server",
                            cmd->cmd->name);
    }
    err = slot->check(&value, cmd, arg);
    if (err) {
        return err;
    }
    *field = value;
    return NULL;
}

static const char *add_signing_key(cmd_parms *cmd, void *dc, const char *file,
                                   const char *kid)
{
    oa2_server_conf_t *c;
    const char *err = server_only(&c, cmd);
    const char *path;
    oa2_key_t *key;
    oa2_err_t e;

    (void)dc;
    if (err) {
        return err;
    }
    path = ap_server_root_relative(cmd->pool, file);
    if (!path) {
        return apr_pstrcat(cmd->pool, "OAuth2SigningKey: invalid path ", file,
                           NULL);
    }
    if (kid && !*kid) {
        return "OAuth2SigningKey: the key id must not be empty";
    }
    if (oa2_keys_load_private_pem(&key, path, kid, &e, cmd->pool)
        != APR_SUCCESS) {
        return apr_pstrcat(cmd->pool, "OAuth2SigningKey: ", e.description,
                           NULL);
    }
    if (!c->keys) {
        c->keys = oa2_keys_set_make(cmd->pool);
    }
    if (oa2_keys_find(c->keys, key->kid)) {
        return apr_psprintf(cmd->pool,
                            "OAuth2SigningKey: key id %s is "
                            "duplicate in this server",
                            key->kid);
    }
    oa2_keys_set_add(c->keys, key);
    return NULL;
}

static const char *set_audience(cmd_parms *cmd, void *dc, const char *arg)
{
    oa2_dir_conf_t *d = dc;

    (void)cmd;
    if (!*arg) {
        return "OAuth2Audience must not be empty";
    }
    d->audience = arg;
    return NULL;
}

static const char *set_verify_issuer(cmd_parms *cmd, void *dc, const char *arg)
{
    oa2_dir_conf_t *d = dc;

    (void)cmd;
    if (!*arg) {
        return "OAuth2VerifyIssuer must not be empty";
    }
    d->verify_issuer = arg;
    return NULL;
}

const char *oa2_ap_config_one_key_source(cmd_parms *cmd,
                                         const oa2_dir_conf_t *d)
{
    if (d->jwks || d->jwks_remote || d->metadata_remote) {
        return apr_psprintf(cmd->pool,
                            "%s: this section already has a key source "
                            "(OAuth2VerifyJWKSFile, OAuth2VerifyJWKSURL or "
                            "OAuth2VerifyMetadataURL): keep one",
                            cmd->cmd->name);
    }
    return NULL;
}

static const char *set_verify_jwks_file(cmd_parms *cmd, void *dc,
                                        const char *file)
{
    oa2_dir_conf_t *d = dc;
    const char *path = ap_server_root_relative(cmd->pool, file);
    const char *msg = oa2_ap_config_one_key_source(cmd, d);
    oa2_err_t e;

    if (msg) {
        return msg;
    }
    if (!path) {
        return apr_pstrcat(cmd->pool, "OAuth2VerifyJWKSFile: invalid path ",
                           file, NULL);
    }
    if (oa2_keys_load_jwks_file(&d->jwks, path, &e, cmd->pool) != APR_SUCCESS) {
        return apr_pstrcat(cmd->pool, "OAuth2VerifyJWKSFile: ", e.description,
                           NULL);
    }
    d->jwks_file = path;
    return NULL;
}

static const char *add_scope(cmd_parms *cmd, void *dc, const char *name,
                             const char *description)
{
    oa2_server_conf_t *c;
    const char *err = server_only(&c, cmd);
    oa2_scope_def_t *def;
    int i;

    (void)dc;
    if (err) {
        return err;
    }
    if (!oa2_scope_token_valid(name)) {
        return apr_psprintf(cmd->pool,
                            "OAuth2Scope: '%s' is not a valid "
                            "scope token (printable ASCII, no space, quote "
                            "or backslash)",
                            name);
    }
    if (!c->scopes) {
        c->scopes = apr_array_make(cmd->pool, 4, sizeof(oa2_scope_def_t));
    }
    for (i = 0; i < c->scopes->nelts; i++) {
        if (!strcmp(APR_ARRAY_IDX(c->scopes, i, oa2_scope_def_t).name, name)) {
            return apr_psprintf(cmd->pool, "OAuth2Scope %s is duplicate", name);
        }
    }
    def = apr_array_push(c->scopes);
    def->name = name;
    def->description = description;
    return NULL;
}

static const char *add_resource(cmd_parms *cmd, void *dc, const char *uri)
{
    oa2_server_conf_t *c;
    const char *err = server_only(&c, cmd);
    apr_uri_t parsed;

    (void)dc;
    if (err) {
        return err;
    }
    /* RFC 8707 §2: an absolute URI without a fragment. */
    if (apr_uri_parse(cmd->pool, uri, &parsed) != APR_SUCCESS || !parsed.scheme
        || strchr(uri, '#')) {
        return apr_psprintf(cmd->pool,
                            "OAuth2Resource %s must be an "
                            "absolute URI without a fragment",
                            uri);
    }
    if (!c->resources) {
        c->resources = apr_array_make(cmd->pool, 2, sizeof(const char *));
    }
    APR_ARRAY_PUSH(c->resources, const char *) = uri;
    return NULL;
}

const char *oa2_ap_config_seconds_arg(int *field, cmd_parms *cmd,
                                      const char *arg, long min, long max)
{
    char *end;
    long v = strtol(arg, &end, 10);

    if (!*arg || *end || v < min || v > max) {
        return apr_psprintf(cmd->pool,
                            "%s must be a number of seconds between %ld and "
                            "%ld",
                            cmd->cmd->name, min, max);
    }
    if (*field != -1) {
        return apr_psprintf(cmd->pool, "%s is duplicate", cmd->cmd->name);
    }
    *field = (int)v;
    return NULL;
}

static const char *set_ttl(cmd_parms *cmd, void *dc, const char *arg)
{
    oa2_server_conf_t *c;
    const char *err = server_only(&c, cmd);

    (void)dc;
    return err
        ? err
        : oa2_ap_config_seconds_arg((int *)((char *)c + (apr_size_t)cmd->info),
                                    cmd, arg, 1, 31536000);
}

static const char *set_client_cache_ttl(cmd_parms *cmd, void *dc,
                                        const char *arg)
{
    oa2_server_conf_t *c;
    const char *err = server_only(&c, cmd);

    (void)dc;
    return err ? err
               : oa2_ap_config_seconds_arg(&c->client_cache_ttl, cmd, arg, 0,
                                           OA2_CACHE_TTL_MAX);
}

static const char *set_registration(cmd_parms *cmd, void *dc, const char *arg)
{
    oa2_server_conf_t *c;
    const char *err = server_only(&c, cmd);

    (void)dc;
    if (err) {
        return err;
    }
    if (!strcasecmp(arg, "off")) {
        c->registration = OA2_REGISTRATION_OFF;
    }
    else if (!strcasecmp(arg, "token")) {
        c->registration = OA2_REGISTRATION_TOKEN;
    }
    else if (!strcasecmp(arg, "open")) {
        c->registration = OA2_REGISTRATION_OPEN;
    }
    else {
        return "OAuth2Registration must be off, token or open";
    }
    return NULL;
}

static const char *add_protected_resource(cmd_parms *cmd, void *dc,
                                          const char *uri)
{
    oa2_server_conf_t *c;
    const char *err = server_only(&c, cmd);
    apr_uri_t parsed;

    (void)dc;
    if (err) {
        return err;
    }
    if (apr_uri_parse(cmd->pool, uri, &parsed) != APR_SUCCESS || !parsed.scheme
        || !parsed.hostname || parsed.query || strchr(uri, '#')) {
        return apr_psprintf(cmd->pool,
                            "OAuth2ProtectedResource %s must be "
                            "an absolute URL without query or fragment",
                            uri);
    }
    if (!c->protected_resources) {
        c->protected_resources =
            apr_array_make(cmd->pool, 2, sizeof(const char *));
    }
    APR_ARRAY_PUSH(c->protected_resources, const char *) = uri;
    return NULL;
}

static const char *set_check_revocation(cmd_parms *cmd, void *dc, int on)
{
    oa2_dir_conf_t *d = dc;

    (void)cmd;
    d->check_revocation = on;
    return NULL;
}

static const char *set_revocation_cache_ttl(cmd_parms *cmd, void *dc,
                                            const char *arg)
{
    oa2_dir_conf_t *d = dc;

    return oa2_ap_config_seconds_arg(&d->revocation_cache_ttl, cmd, arg, 0,
                                     OA2_CACHE_TTL_MAX);
}

const command_rec oa2_ap_config_cmds[] = {
    AP_INIT_TAKE1("OAuth2Issuer", set_server_string, (void *)&issuer_slot,
                  RSRC_CONF,
                  "issuer URL of this virtual host's authorization server "
                  "(https, or http on a loopback host)"),
    AP_INIT_TAKE1("OAuth2BasePath", set_server_string, (void *)&base_path_slot,
                  RSRC_CONF,
                  "URL path of the authorization server endpoints "
                  "(default " DEFAULT_BASE_PATH ")"),
    AP_INIT_TAKE12("OAuth2SigningKey", add_signing_key, NULL, RSRC_CONF,
                   "PEM private key file (EC P-256 or RSA >= 2048) and "
                   "optional key id; repeat to publish more keys"),
    AP_INIT_TAKE1("OAuth2DefaultAudience", set_server_string,
                  (void *)&default_audience_slot, RSRC_CONF,
                  "aud of access tokens when no resource is requested "
                  "(default: the issuer)"),
    AP_INIT_TAKE1("OAuth2Audience", set_audience, NULL, OR_AUTHCFG,
                  "the aud this location demands of bearer tokens"),
    AP_INIT_TAKE1("OAuth2VerifyIssuer", set_verify_issuer, NULL, OR_AUTHCFG,
                  "the iss this location demands (with OAuth2VerifyJWKSFile)"),
    /* Not in .htaccess: a key source belongs to the server admin, and
     * parsing it per request would cost every request. */
    AP_INIT_TAKE1("OAuth2VerifyJWKSFile", set_verify_jwks_file, NULL,
                  RSRC_CONF | ACCESS_CONF,
                  "JWKS file whose public keys verify bearer tokens here"),
    AP_INIT_TAKE1("OAuth2VerifyJWKSURL", oa2_ap_remote_set_jwks_url, NULL,
                  RSRC_CONF | ACCESS_CONF,
                  "URL of a JWK set whose keys verify bearer tokens here "
                  "(another issuer's)"),
    AP_INIT_TAKE1("OAuth2VerifyMetadataURL", oa2_ap_remote_set_metadata_url,
                  NULL, RSRC_CONF | ACCESS_CONF,
                  "URL of another issuer's RFC 8414 or OpenID discovery "
                  "document: its issuer is demanded, its jwks_uri verifies"),
    /* Not in .htaccess: it names a secret file of the server admin's. */
    AP_INIT_TAKE3("OAuth2Introspection", oa2_ap_remote_set_introspection, NULL,
                  RSRC_CONF | ACCESS_CONF,
                  "URL CLIENT_ID SECRET_FILE: an RFC 7662 endpoint asked "
                  "about tokens that are not JWTs of a configured key"),
    AP_INIT_TAKE1("OAuth2IntrospectionCacheTTL",
                  oa2_ap_remote_set_introspection_ttl, NULL,
                  RSRC_CONF | ACCESS_CONF,
                  "seconds an active introspection verdict is reused, "
                  "never beyond the token's exp (default 60; 0: ask every "
                  "time)"),
    AP_INIT_TAKE2("OAuth2Scope", add_scope, NULL, RSRC_CONF,
                  "a scope this authorization server knows, and the text "
                  "the consent page shows for it; repeatable"),
    AP_INIT_TAKE1("OAuth2Resource", add_resource, NULL, RSRC_CONF,
                  "a resource indicator (RFC 8707) clients may request; "
                  "repeatable"),
    AP_INIT_TAKE1("OAuth2AccessTokenTTL", set_ttl,
                  (void *)APR_OFFSETOF(oa2_server_conf_t, access_ttl),
                  RSRC_CONF, "access token lifetime in seconds (900)"),
    AP_INIT_TAKE1("OAuth2RefreshTokenTTL", set_ttl,
                  (void *)APR_OFFSETOF(oa2_server_conf_t, refresh_ttl),
                  RSRC_CONF, "refresh token lifetime in seconds (1209600)"),
    AP_INIT_TAKE1("OAuth2CodeTTL", set_ttl,
                  (void *)APR_OFFSETOF(oa2_server_conf_t, code_ttl), RSRC_CONF,
                  "authorization code lifetime in seconds (60)"),
    AP_INIT_TAKE1("OAuth2Registration", set_registration, NULL, RSRC_CONF,
                  "dynamic client registration: off, token or open"),
    /* RSRC_CONF only: a secret never belongs in .htaccess. */
    AP_INIT_TAKE1("OAuth2RegistrationToken", set_server_string,
                  (void *)&registration_token_slot, RSRC_CONF,
                  "initial access token required by OAuth2Registration "
                  "token"),
    AP_INIT_TAKE1("OAuth2TemplateDir", set_server_string,
                  (void *)&template_dir_slot, RSRC_CONF,
                  "directory of consent.html and error.html"),
    AP_INIT_TAKE1("OAuth2ProtectedResource", add_protected_resource, NULL,
                  RSRC_CONF,
                  "a resource served here: publishes its RFC 9728 "
                  "metadata; repeatable"),
    AP_INIT_FLAG("OAuth2OpenID", set_server_flag,
                 (void *)APR_OFFSETOF(oa2_server_conf_t, openid), RSRC_CONF,
                 "also an OpenID Provider: the openid scope, ID tokens, "
                 "userinfo, discovery and logout (default on)"),
    AP_INIT_TAKE1("OAuth2IDTokenTTL", oa2_ap_config_set_id_token_ttl, NULL,
                  RSRC_CONF, "ID token lifetime in seconds (300)"),
    AP_INIT_TAKE3("OAuth2UserClaim", oa2_ap_config_add_user_claim, NULL,
                  RSRC_CONF,
                  "SCOPE CLAIM EXPR: a claim about the user, released when "
                  "SCOPE is granted, its value the ap_expr string EXPR on "
                  "the authorize request; repeatable"),
    AP_INIT_TAKE1("OAuth2ClientCacheTTL", set_client_cache_ttl, NULL, RSRC_CONF,
                  "seconds a client's record is reused from the token cache "
                  "(default 0: read it from the database on every "
                  "request)"),
    AP_INIT_TAKE1("OAuth2TokenCache", oa2_ap_cache_set_spec, NULL, RSRC_CONF,
                  "socache provider[:args] for validated tokens, or none "
                  "(default: shmcb when mod_socache_shmcb is loaded)"),
    AP_INIT_TAKE1("OAuth2FetchCAFile", set_server_string,
                  (void *)&fetch_ca_file_slot, RSRC_CONF,
                  "PEM file of the CAs trusted for fetches from other "
                  "servers (default: the system's)"),
    AP_INIT_FLAG("OAuth2ClientMetadataDocuments", set_server_flag,
                 (void *)APR_OFFSETOF(oa2_server_conf_t, cimd), RSRC_CONF,
                 "accept an https URL as client_id: the client's metadata "
                 "document is fetched from it (default off)"),
    AP_INIT_FLAG("OAuth2RequirePAR", set_server_flag,
                 (void *)APR_OFFSETOF(oa2_server_conf_t, require_par),
                 RSRC_CONF,
                 "accept authorization requests only as pushed "
                 "authorization requests (RFC 9126; default off)"),
    AP_INIT_FLAG("OAuth2DPoPNonce", set_server_flag,
                 (void *)APR_OFFSETOF(oa2_server_conf_t, dpop_nonce), RSRC_CONF,
                 "demand a server nonce in DPoP proofs at the token "
                 "endpoint and the resource server (RFC 9449 section 8, "
                 "9; default off)"),
    AP_INIT_TAKE12("OAuth2RateLimit", oa2_ap_ratelimit_set, NULL, RSRC_CONF,
                   "FAILURES SECONDS: refuse (429) a client, user or address "
                   "that failed client authentication or a user code "
                   "FAILURES times within SECONDS; or off (default 10 60)"),
    AP_INIT_FLAG("OAuth2CheckRevocation", set_check_revocation, NULL,
                 OR_AUTHCFG,
                 "also refuse access tokens revoked at the revocation "
                 "endpoint (needs mod_dbd)"),
    AP_INIT_TAKE1("OAuth2RevocationCacheTTL", set_revocation_cache_ttl, NULL,
                  OR_AUTHCFG,
                  "seconds a not-revoked verdict of OAuth2CheckRevocation "
                  "is remembered in the token cache (default 0: ask the "
                  "database on every request)"),
    {NULL}};

const char *oa2_ap_config_base_path(const oa2_server_conf_t *s)
{
    return s->base_path ? s->base_path : DEFAULT_BASE_PATH;
}

const char *oa2_ap_config_endpoint_url(const oa2_server_conf_t *s,
                                       const char *path, apr_pool_t *p)
{
    const oa2_server_rt_t *rt = oa2_ap_server_rt_of(s);
    const char *base;

    /* Made once at startup (mod_oauth2_check.c); worked out here only
     * before then. */
    if (rt->endpoint_base) {
        return apr_pstrcat(p, rt->endpoint_base, path, NULL);
    }
    base = oa2_ap_config_base_path(s);
    return apr_pstrcat(p, oa2_url_origin(s->issuer, p),
                       strcmp(base, "/") ? base : "", path, NULL);
}
