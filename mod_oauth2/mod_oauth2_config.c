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

#include "mod_oauth2.h"
#include "oa2_url.h"

#define DEFAULT_BASE_PATH "/oauth2"

void *oa2_config_create_server(apr_pool_t *p, server_rec *s)
{
    oa2_server_conf_t *c = apr_pcalloc(p, sizeof(*c));
    (void)s;
    c->issuer = NULL;
    c->base_path = NULL;
    c->keys = NULL;
    c->default_audience = NULL;
    c->jwks_json = NULL;
    return c;
}

void *oa2_config_merge_server(apr_pool_t *p, void *basev, void *addv)
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
    c->jwks_json = NULL; /* rendered per server in post_config */
    return c;
}

void *oa2_config_create_dir(apr_pool_t *p, char *dir)
{
    oa2_dir_conf_t *c = apr_pcalloc(p, sizeof(*c));
    (void)dir;
    c->audience = NULL;
    c->verify_issuer = NULL;
    c->jwks_file = NULL;
    c->jwks = NULL;
    return c;
}

void *oa2_config_merge_dir(apr_pool_t *p, void *basev, void *addv)
{
    oa2_dir_conf_t *base = basev, *add = addv;
    oa2_dir_conf_t *c = apr_pcalloc(p, sizeof(*c));

    c->audience = add->audience ? add->audience : base->audience;
    c->verify_issuer =
        add->verify_issuer ? add->verify_issuer : base->verify_issuer;
    c->jwks_file = add->jwks_file ? add->jwks_file : base->jwks_file;
    c->jwks = add->jwks ? add->jwks : base->jwks;
    return c;
}

const char *oa2_config_audience(const oa2_dir_conf_t *d,
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

static const char *set_issuer(cmd_parms *cmd, void *dc, const char *arg)
{
    oa2_server_conf_t *c = server_conf(cmd);
    const char *err = ap_check_cmd_context(cmd, NOT_IN_DIR_CONTEXT);
    oa2_err_t e;

    (void)dc;
    if (err) {
        return err;
    }
    if (c->issuer) {
        return "OAuth2Issuer is duplicate in this server";
    }
    if (oa2_url_check_issuer(arg, &e, cmd->pool) != APR_SUCCESS) {
        return apr_psprintf(cmd->pool, "OAuth2Issuer %s %s", arg,
                            e.description);
    }
    c->issuer = arg;
    return NULL;
}

static const char *set_base_path(cmd_parms *cmd, void *dc, const char *arg)
{
    oa2_server_conf_t *c = server_conf(cmd);
    const char *err = ap_check_cmd_context(cmd, NOT_IN_DIR_CONTEXT);
    apr_size_t len;

    (void)dc;
    if (err) {
        return err;
    }
    if (c->base_path) {
        return "OAuth2BasePath is duplicate in this server";
    }
    if (!oa2_url_path_valid(arg)) {
        return "OAuth2BasePath must be a URL path starting with '/' "
               "(no query or fragment)";
    }
    len = strlen(arg);
    while (len > 1 && arg[len - 1] == '/') {
        len--;
    }
    c->base_path = apr_pstrmemdup(cmd->pool, arg, len);
    return NULL;
}

static const char *add_signing_key(cmd_parms *cmd, void *dc, const char *file,
                                   const char *kid)
{
    oa2_server_conf_t *c = server_conf(cmd);
    const char *err = ap_check_cmd_context(cmd, NOT_IN_DIR_CONTEXT);
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

static const char *set_default_audience(cmd_parms *cmd, void *dc,
                                        const char *arg)
{
    oa2_server_conf_t *c = server_conf(cmd);
    const char *err = ap_check_cmd_context(cmd, NOT_IN_DIR_CONTEXT);

    (void)dc;
    if (err) {
        return err;
    }
    if (c->default_audience) {
        return "OAuth2DefaultAudience is duplicate in this server";
    }
    if (!*arg) {
        return "OAuth2DefaultAudience must not be empty";
    }
    c->default_audience = arg;
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

static const char *set_verify_jwks_file(cmd_parms *cmd, void *dc,
                                        const char *file)
{
    oa2_dir_conf_t *d = dc;
    const char *path = ap_server_root_relative(cmd->pool, file);
    oa2_err_t e;

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

const command_rec oa2_config_cmds[] = {
    AP_INIT_TAKE1("OAuth2Issuer", set_issuer, NULL, RSRC_CONF,
                  "issuer URL of this virtual host's authorization server "
                  "(https, or http on a loopback host)"),
    AP_INIT_TAKE1("OAuth2BasePath", set_base_path, NULL, RSRC_CONF,
                  "URL path of the authorization server endpoints "
                  "(default " DEFAULT_BASE_PATH ")"),
    AP_INIT_TAKE12("OAuth2SigningKey", add_signing_key, NULL, RSRC_CONF,
                   "PEM private key file (EC P-256 or RSA >= 2048) and "
                   "optional key id; repeat to publish more keys"),
    AP_INIT_TAKE1("OAuth2DefaultAudience", set_default_audience, NULL,
                  RSRC_CONF,
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
    {NULL}};

const char *oa2_config_base_path(const oa2_server_conf_t *s)
{
    return s->base_path ? s->base_path : DEFAULT_BASE_PATH;
}
