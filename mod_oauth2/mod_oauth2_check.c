/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/*
 * Start-up checks (check_config, so "apachectl -t" runs them too): every
 * virtual host's authorization server is complete, and every section that
 * says "AuthType OAuth2" can verify tokens. A gap stops httpd with a line
 * naming the file, line and directive that fix it.
 */
#include "httpd.h"
#include "http_config.h"
#include "http_core.h"
#include "http_log.h"
#include "util_cfgtree.h"

#include <apr_strings.h>
#include <string.h>

#include "mod_oauth2_private.h"
#include "oa2_cimd.h"
#include "oa2_idtoken.h"

/* A section's argument without the closing '>' and quotes. */
static const char *section_arg(const ap_directive_t *sec, apr_pool_t *p)
{
    char *a = apr_pstrdup(p, sec->args ? sec->args : "");
    size_t n = strlen(a);

    if (n && a[n - 1] == '>') {
        a[--n] = '\0';
    }
    if (n >= 2 && (a[0] == '"' || a[0] == '\'') && a[n - 1] == a[0]) {
        a[n - 1] = '\0';
        a++;
    }
    return a;
}

static int has_child(const ap_directive_t *first, const char *name)
{
    const ap_directive_t *c;

    for (c = first; c; c = c->next) {
        if (!strcasecmp(c->directive, name)) {
            return 1;
        }
    }
    return 0;
}

/* Nonzero when a section of path @a outer applies to @a inner as httpd
 * merges them: <Location /api> covers /api and /api/v1, not /api7. */
static int covers(const char *outer, const char *inner)
{
    apr_size_t n = strlen(outer);

    return !strncmp(inner, outer, n)
        && (!inner[n] || inner[n] == '/' || (n && outer[n - 1] == '/'));
}

/*
 * Nonzero when directive @a name applies to section @a sec: set in it, in
 * an enclosing scope, or in an earlier-merged section of the same kind
 * whose path is a prefix of this one (<Location /api> for /api/v1).
 */
static int visible_in(const ap_directive_t *sec, const char *name,
                      apr_pool_t *p)
{
    const ap_directive_t *scope, *c;
    const char *path = sec ? section_arg(sec, p) : NULL;

    if (sec && has_child(sec->first_child, name)) {
        return 1;
    }
    for (scope = sec ? sec->parent : NULL;; scope = scope->parent) {
        const ap_directive_t *first = scope ? scope->first_child : ap_conftree;
        if (has_child(first, name)) {
            return 1;
        }
        for (c = first; sec && c; c = c->next) {
            if (c != sec && !strcasecmp(c->directive, sec->directive)
                && covers(section_arg(c, p), path)
                && has_child(c->first_child, name)) {
                return 1;
            }
        }
        if (!scope) {
            return 0;
        }
    }
}

/* The server_rec a node belongs to: its <VirtualHost>, else the main. */
static server_rec *server_of(const ap_directive_t *node, server_rec *main_s)
{
    const ap_directive_t *vh;
    server_rec *s;

    for (vh = node; vh; vh = vh->parent) {
        if (!strcasecmp(vh->directive, "<VirtualHost")) {
            break;
        }
    }
    if (!vh) {
        return main_s;
    }
    for (s = main_s->next; s; s = s->next) {
        if (s->defn_name && !strcmp(s->defn_name, vh->filename)
            && s->defn_line_number == (unsigned)vh->line_num) {
            return s;
        }
    }
    return main_s;
}

static int check_protected(const ap_directive_t *node, server_rec *main_s,
                           apr_pool_t *p)
{
    int failed = 0;

    for (; node; node = node->next) {
        if (node->first_child) {
            failed |= check_protected(node->first_child, main_s, p);
        }
        if (!strcasecmp(node->directive, "AuthType") && node->args
            && !strcasecmp(section_arg(node, p), OA2_AUTH_TYPE)) {
            server_rec *s = server_of(node, main_s);
            const oa2_server_conf_t *sc =
                ap_get_module_config(s->module_config, &oauth2_module);
            const ap_directive_t *sec = node->parent;
            const char *where = sec
                ? apr_pstrcat(p, sec->directive, " ", section_arg(sec, p), ">",
                              NULL)
                : "server config";
            const char *missing = NULL;
            int local = sc->issuer && sc->keys;
            int metadata = visible_in(sec, "OAuth2VerifyMetadataURL", p);
            int keys = local || metadata
                || visible_in(sec, "OAuth2VerifyJWKSFile", p)
                || visible_in(sec, "OAuth2VerifyJWKSURL", p);
            /* An introspection endpoint judges a token by itself: iss and
             * aud are checked when demanded and answered, not required. */
            int introspection = visible_in(sec, "OAuth2Introspection", p);

            if (!keys && !introspection) {
                missing = "no key source: set OAuth2Issuer and "
                          "OAuth2SigningKey in this virtual host, or "
                          "OAuth2VerifyJWKSFile, OAuth2VerifyJWKSURL, "
                          "OAuth2VerifyMetadataURL or OAuth2Introspection";
            }
            else if (keys && !sc->issuer && !metadata
                     && !visible_in(sec, "OAuth2VerifyIssuer", p)) {
                missing = "no issuer to demand: set OAuth2VerifyIssuer";
            }
            else if (keys && !sc->issuer && !sc->default_audience
                     && !visible_in(sec, "OAuth2Audience", p)) {
                missing = "no audience to demand: set OAuth2Audience";
            }
            if (missing) {
                ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s,
                             "OA2-00130: AuthType OAuth2 in %s (%s:%d) has "
                             "%s",
                             where, node->filename, node->line_num, missing);
                failed = 1;
            }
        }
    }
    return failed;
}

#ifndef OA2_TEMPLATE_DIR
#define OA2_TEMPLATE_DIR "/usr/share/apache2/mod_oauth2/templates"
#endif
/* The checkout's templates/, searched after the installed directory so a
 * module loaded from the build tree starts without OAuth2TemplateDir
 * (apxs.mk sets it; a distribution build leaves it out). */
#ifndef OA2_SOURCE_TEMPLATE_DIR
#define OA2_SOURCE_TEMPLATE_DIR NULL
#endif

/* The template directory of a server without OAuth2TemplateDir, found
 * once per configuration (pconf): NULL when none was (and logged). */
static const char *default_template_dir(server_rec *s, apr_pool_t *pconf)
{
    static const char *const key = "oa2_default_template_dir";
    const char *const dirs[] = {OA2_TEMPLATE_DIR, OA2_SOURCE_TEMPLATE_DIR};
    const char *dir = NULL;
    void *found = NULL;
    oa2_err_t err;

    apr_pool_userdata_get(&found, key, pconf);
    if (found) {
        return *(const char *)found ? found : NULL;
    }
    if (oa2_tmpl_find_dir(&dir, dirs, 2, &err, pconf) != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s, "%s: %s", err.log_id,
                     err.description);
    }
    else if (strcmp(dir, OA2_TEMPLATE_DIR)) {
        ap_log_error(APLOG_MARK, APLOG_INFO, 0, s,
                     "OA2-01851: templates from the build tree, %s: none "
                     "installed in %s",
                     dir, OA2_TEMPLATE_DIR);
    }
    apr_pool_userdata_setn(dir ? dir : "", key, NULL, pconf);
    return dir;
}

static apr_status_t load_template(oa2_tmpl_t **tmpl, const char *dir,
                                  const char *file, server_rec *s,
                                  apr_pool_t *pconf)
{
    const char *path = apr_pstrcat(pconf, dir, "/", file, NULL);
    oa2_err_t err;

    if (oa2_tmpl_load(tmpl, path, &err, pconf) != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, err.cause, s,
                     "OA2-00500: template %s: %s (set OAuth2TemplateDir to "
                     "the directory holding consent.html and error.html)",
                     path, err.description);
        return APR_EGENERAL;
    }
    return APR_SUCCESS;
}

/* Where a page added after the first release (logout.html, device.html)
 * is read: OAuth2TemplateDir, unless a directory made for an older
 * release lacks @a file; then the installed one (or the build tree's). */
static const char *template_dir_for(const char *dir, const char *file,
                                    server_rec *s, apr_pool_t *p)
{
    apr_finfo_t fi;
    const char *found;

    if (apr_stat(&fi, apr_pstrcat(p, dir, "/", file, NULL), APR_FINFO_TYPE, p)
        != APR_SUCCESS) {
        found = default_template_dir(s, p);
        return found ? found : dir;
    }
    return dir;
}

/* Every OAuth2UserClaim can be released: its scope is known, and the
 * provider is on. */
static apr_status_t check_user_claims(const oa2_as_t *as, server_rec *s,
                                      const char *name)
{
    int i;

    for (i = 0; as->user_claims && i < as->user_claims->nelts; i++) {
        const oa2_idtoken_claim_t *c =
            &APR_ARRAY_IDX(as->user_claims, i, oa2_idtoken_claim_t);
        if (!as->openid) {
            ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s,
                         "OA2-00894: OAuth2UserClaim %s %s in %s is never "
                         "released: OAuth2OpenID is off there (remove the "
                         "claims or turn it on)",
                         c->scope, c->name, name);
            return APR_EGENERAL;
        }
        if (!oa2_as_scope(as, c->scope)) {
            ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s,
                         "OA2-00895: OAuth2UserClaim %s %s in %s names a "
                         "scope this server does not know: add "
                         "OAuth2Scope %s \"what the consent page says\"",
                         c->scope, c->name, name, c->scope);
            return APR_EGENERAL;
        }
    }
    return APR_SUCCESS;
}

/* The authorization server of one virtual host, in core terms. */
static apr_status_t build_as(oa2_server_rt_t *rt, const oa2_server_conf_t *sc,
                             server_rec *s, const char *name, apr_pool_t *pconf)
{
    oa2_as_t *as = apr_pcalloc(pconf, sizeof(*as));
    const char *dir =
        sc->template_dir ? sc->template_dir : default_template_dir(s, pconf);

    if (!oa2_ap_dbd_available()) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s,
                     "OA2-00501: OAuth2Issuer in %s needs mod_dbd: "
                     "LoadModule dbd_module, then DBDriver sqlite3 and "
                     "DBDParams /path/to/oauth2.db (a directory the httpd "
                     "user can write)",
                     name);
        return APR_EGENERAL;
    }
    if (sc->registration == OA2_REGISTRATION_TOKEN && !sc->registration_token) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s,
                     "OA2-00502: OAuth2Registration token in %s needs "
                     "OAuth2RegistrationToken",
                     name);
        return APR_EGENERAL;
    }
    as->issuer = sc->issuer;
    as->keys = sc->keys;
    as->scopes = sc->scopes ? sc->scopes
                            : apr_array_make(pconf, 1, sizeof(oa2_scope_def_t));
    as->resources = sc->resources
        ? sc->resources
        : apr_array_make(pconf, 1, sizeof(const char *));
    as->default_audience =
        sc->default_audience ? sc->default_audience : sc->issuer;
    as->access_ttl =
        sc->access_ttl > 0 ? sc->access_ttl : OA2_DEFAULT_ACCESS_TTL;
    as->refresh_ttl =
        sc->refresh_ttl > 0 ? sc->refresh_ttl : OA2_DEFAULT_REFRESH_TTL;
    as->code_ttl = sc->code_ttl > 0 ? sc->code_ttl : OA2_DEFAULT_CODE_TTL;
    as->openid = sc->openid != 0;
    as->id_token_ttl =
        sc->id_token_ttl > 0 ? sc->id_token_ttl : OA2_DEFAULT_ID_TOKEN_TTL;
    as->user_claims = sc->user_claims;
    as->require_par = sc->require_par == 1;
    as->dpop_nonce = sc->dpop_nonce == 1;
    if (as->openid) {
        oa2_as_add_openid_scopes(as, pconf);
    }
    if (check_user_claims(as, s, name) != APR_SUCCESS) {
        return APR_EGENERAL;
    }
    if (as->openid && oa2_keys_signer(as->keys)->alg != OA2_ALG_RS256) {
        /* Discovery 1.0 §3 wants RS256 listed; ID tokens are signed with
         * the signing key, like the access tokens (SPEC). */
        ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, s,
                     "OA2-00920: %s signs ID tokens with %s; OpenID "
                     "Connect relying parties that accept only RS256 "
                     "(Discovery 1.0 section 3) need an RSA key as the "
                     "first OAuth2SigningKey",
                     name, oa2_keys_alg_name(oa2_keys_signer(as->keys)->alg));
    }
    if (oa2_as_derive_keys(as, pconf) != APR_SUCCESS) {
        ap_log_error(
            APLOG_MARK, APLOG_EMERG, 0, s,
            "OA2-00503: cannot derive the consent form and cache keys of %s "
            "from its signing key",
            name);
        return APR_EGENERAL;
    }
    if (!dir) {
        return APR_EGENERAL; /* default_template_dir() said why */
    }
    if (load_template(&rt->consent_tmpl, dir, "consent.html", s, pconf)
            != APR_SUCCESS
        || load_template(&rt->error_tmpl, dir, "error.html", s, pconf)
            != APR_SUCCESS
        || (as->openid
            && load_template(&rt->logout_tmpl,
                             template_dir_for(dir, "logout.html", s, pconf),
                             "logout.html", s, pconf)
                != APR_SUCCESS)
        || load_template(&rt->device_tmpl,
                         template_dir_for(dir, "device.html", s, pconf),
                         "device.html", s, pconf)
            != APR_SUCCESS) {
        return APR_EGENERAL;
    }
    rt->as = as;
    rt->cimd_reach = oa2_cimd_reach(sc->issuer, pconf);
    rt->endpoint_base = oa2_ap_config_endpoint_url(sc, "", pconf);
    rt->metadata_json = oa2_ap_metadata_build(sc, rt, 0, pconf);
    rt->openid_json =
        as->openid ? oa2_ap_metadata_build(sc, rt, 1, pconf) : NULL;
    return APR_SUCCESS;
}

static int check_servers(server_rec *main_s, apr_pool_t *pconf)
{
    server_rec *s;
    int failed = 0;

    for (s = main_s; s; s = s->next) {
        const oa2_server_conf_t *sc =
            ap_get_module_config(s->module_config, &oauth2_module);
        oa2_server_rt_t *rt = oa2_ap_server_rt_make(sc, pconf);
        const char *name = s->is_virtual
            ? apr_psprintf(pconf,
                           "the virtual host %s:%d "
                           "(%s:%u)",
                           s->server_hostname, s->port, s->defn_name,
                           s->defn_line_number)
            : "the main server";
        if (sc->issuer && !sc->keys) {
            ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s,
                         "OA2-00131: OAuth2Issuer %s in %s needs at least "
                         "one OAuth2SigningKey in the same virtual host",
                         sc->issuer, name);
            failed = 1;
        }
        if (sc->keys) {
            rt->jwks_json = oa2_keys_jwks_json(sc->keys, pconf);
        }
        if (sc->issuer && sc->keys
            && build_as(rt, sc, s, name, pconf) != APR_SUCCESS) {
            failed = 1;
        }
    }
    return failed;
}

static int check_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp,
                        server_rec *s)
{
    (void)plog;
    if (check_servers(s, pconf) | check_protected(ap_conftree, s, ptemp)) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    return OK;
}

void oa2_ap_check_register_hooks(apr_pool_t *p)
{
    (void)p;
    ap_hook_check_config(check_config, NULL, NULL, APR_HOOK_MIDDLE);
}
