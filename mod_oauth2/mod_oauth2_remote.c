/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/*
 * Tokens from other issuers, httpd's side: the directives
 * OAuth2VerifyJWKSURL, OAuth2VerifyMetadataURL, OAuth2Introspection and
 * OAuth2IntrospectionCacheTTL; the sources they name (oa2_remote.h); and
 * what a request of a location verifies its token with.
 */
#include "httpd.h"
#include "http_config.h"
#include "http_log.h"

#include <apr_file_io.h>
#include <apr_strings.h>
#include <openssl/crypto.h>

#include "mod_oauth2_private.h"
#include "oa2_remote.h"
#include "oa2_remote_introspection.h"

/* OAuth2IntrospectionCacheTTL's default (SPEC: 60). */
#define INTROSPECTION_CACHE_TTL 60
/* The largest secret file read. */
#define SECRET_MAX 4096

/* Fetch options and the virtual host whose settings (OAuth2FetchCAFile)
 * they take once every directive is read. */
typedef struct fetcher_t {
    oa2_fetch_opts_t *opts;
    server_rec *s;
} fetcher_t;

/* Sources by virtual host, kind and URL: the locations of one virtual
 * host that name a URL share its keys; another virtual host has its own.
 * And every source's and introspection endpoint's fetch options. Made
 * while the configuration is read, in its pool. */
static apr_hash_t *sources;
static apr_array_header_t *fetchers;

static int pre_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp)
{
    (void)plog;
    (void)ptemp;
    sources = NULL;
    fetchers = apr_array_make(pconf, 4, sizeof(fetcher_t));
    return OK;
}

static void add_fetcher(oa2_fetch_opts_t *opts, server_rec *s)
{
    fetcher_t *f = apr_array_push(fetchers);

    f->opts = opts;
    f->s = s;
}

static const char *source_for(oa2_remote_t **rm, cmd_parms *cmd,
                              oa2_remote_kind_t kind, const char *url,
                              const char *label)
{
    const char *key = apr_psprintf(cmd->pool, "%pp %d %s", (void *)cmd->server,
                                   (int)kind, label);
    oa2_err_t e;

    if (!sources) {
        sources = apr_hash_make(cmd->pool);
    }
    *rm = apr_hash_get(sources, key, APR_HASH_KEY_STRING);
    if (*rm) {
        return NULL;
    }
    if (oa2_remote_create(rm, kind, url, &e, cmd->pool) != APR_SUCCESS) {
        return apr_psprintf(cmd->pool, "%s %s: %s", cmd->cmd->name, url,
                            e.description);
    }
    apr_hash_set(sources, key, APR_HASH_KEY_STRING, *rm);
    add_fetcher(&(*rm)->opts, cmd->server);
    return NULL;
}

static const char *check_url(cmd_parms *cmd, const char *url)
{
    oa2_err_t e;

    if (oa2_fetch_check_url(url, OA2_FETCH_REACH_ADMIN, &e, cmd->temp_pool)
        != APR_SUCCESS) {
        return apr_psprintf(cmd->pool, "%s %s %s", cmd->cmd->name, url,
                            e.description);
    }
    return NULL;
}

const char *oa2_ap_remote_set_jwks_url(cmd_parms *cmd, void *dc,
                                       const char *url)
{
    oa2_dir_conf_t *d = dc;
    const char *msg = oa2_ap_config_one_key_source(cmd, d);

    if (!msg) {
        msg = check_url(cmd, url);
    }
    return msg ? msg
               : source_for(&d->jwks_remote, cmd, OA2_REMOTE_JWKS, url, url);
}

const char *oa2_ap_remote_set_metadata_url(cmd_parms *cmd, void *dc,
                                           const char *url)
{
    oa2_dir_conf_t *d = dc;
    const char *msg = oa2_ap_config_one_key_source(cmd, d);

    if (!msg) {
        msg = check_url(cmd, url);
    }
    if (!msg) {
        msg =
            source_for(&d->metadata_remote, cmd, OA2_REMOTE_METADATA, url, url);
    }
    if (msg) {
        return msg;
    }
    /* Its keys: at the jwks_uri the document names, learnt at run time. */
    return source_for(&d->jwks_remote, cmd, OA2_REMOTE_JWKS, "",
                      apr_pstrcat(cmd->temp_pool, "jwks of ", url, NULL));
}

/* The Authorization header of @a client_id with the secret in @a file:
 * its first line, without the line end. The secret itself is kept
 * nowhere else. */
static const char *read_secret(const char **authorization, cmd_parms *cmd,
                               const char *client_id, const char *file)
{
    const char *path = ap_server_root_relative(cmd->temp_pool, file);
    char *buf = apr_pcalloc(cmd->temp_pool, SECRET_MAX + 1);
    apr_size_t n = 0;
    apr_file_t *f;
    apr_status_t rv;

    if (!path
        || (rv = apr_file_open(&f, path, APR_FOPEN_READ, 0, cmd->temp_pool))
            != APR_SUCCESS) {
        return apr_psprintf(cmd->pool,
                            "OAuth2Introspection: cannot read the secret "
                            "file %s",
                            file);
    }
    rv = apr_file_read_full(f, buf, SECRET_MAX, &n);
    apr_file_close(f);
    if (rv != APR_SUCCESS && rv != APR_EOF) {
        return apr_psprintf(cmd->pool,
                            "OAuth2Introspection: cannot read the secret "
                            "file %s",
                            file);
    }
    buf[n] = '\0';
    buf[strcspn(buf, "\r\n")] = '\0';
    if (!*buf) {
        return apr_psprintf(cmd->pool,
                            "OAuth2Introspection: the secret file %s is "
                            "empty (it holds the client secret on its first "
                            "line)",
                            file);
    }
    *authorization = oa2_fetch_basic_auth(client_id, buf, cmd->pool);
    OPENSSL_cleanse(buf, n);
    return NULL;
}

const char *oa2_ap_remote_set_introspection(cmd_parms *cmd, void *dc,
                                            const char *url,
                                            const char *client_id,
                                            const char *secret_file)
{
    oa2_dir_conf_t *d = dc;
    oa2_remote_introspection_t *ri;
    const char *msg;

    if (d->introspection) {
        return "OAuth2Introspection is duplicate";
    }
    if ((msg = check_url(cmd, url))) {
        return msg;
    }
    if (!*client_id) {
        return "OAuth2Introspection: the client id must not be empty";
    }
    ri = apr_pcalloc(cmd->pool, sizeof(*ri));
    ri->url = url;
    ri->client_id = client_id;
    ri->opts.reach = OA2_FETCH_REACH_ADMIN;
    msg = read_secret(&ri->opts.authorization, cmd, client_id, secret_file);
    if (msg) {
        return msg;
    }
    add_fetcher(&ri->opts, cmd->server);
    d->introspection = ri;
    return NULL;
}

const char *oa2_ap_remote_set_introspection_ttl(cmd_parms *cmd, void *dc,
                                                const char *arg)
{
    oa2_dir_conf_t *d = dc;

    return oa2_ap_config_seconds_arg(&d->introspection_cache_ttl, cmd, arg, 0,
                                     OA2_CACHE_TTL_MAX);
}

/* The fetch settings (OAuth2FetchCAFile) are known once every directive
 * was read. */
static int post_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp,
                       server_rec *s)
{
    int i;

    (void)pconf;
    (void)plog;
    (void)ptemp;
    (void)s;
    for (i = 0; i < fetchers->nelts; i++) {
        fetcher_t *f = &APR_ARRAY_IDX(fetchers, i, fetcher_t);
        f->opts->ca_file = oa2_ap_fetch_ca_file(f->s);
    }
    return OK;
}

/* The current document of @a rm for this request, logged: an error when
 * there is none, a warning when a fetch failed and an older one stays. */
static apr_status_t document(const oa2_remote_doc_t **doc, request_rec *r,
                             oa2_remote_t *rm, const char *directive,
                             const oa2_remote_doc_t *lacks_kid, oa2_err_t *err)
{
    apr_int64_t now = apr_time_sec(r->request_time), fetched_at;
    apr_status_t rv = oa2_remote_get(doc, rm, lacks_kid, oa2_ap_cache_shared(r),
                                     now, err, r->pool);
    const char *url;

    if (rv == APR_SUCCESS && !err->log_id) {
        return APR_SUCCESS;
    }
    /* A metadata document may have moved the URL: read it under its lock. */
    url = oa2_remote_describe(&fetched_at, rm, rv == APR_SUCCESS ? *doc : NULL,
                              r->pool);
    if (rv != APR_SUCCESS) {
        /* refuse() logs it, with this description and the detail. */
        err->description =
            apr_psprintf(r->pool, "%s %s: no %s could be had: %s", directive,
                         url, rm->kind == OA2_REMOTE_JWKS ? "keys" : "metadata",
                         err->description);
        return rv;
    }
    ap_log_rerror(APLOG_MARK, APLOG_WARNING, err->cause, r,
                  "OA2-00959: %s %s: cannot fetch it again (%s: %s%s%s); "
                  "the copy fetched %" APR_INT64_T_FMT " s ago stays in use",
                  directive, url, err->log_id, err->description,
                  err->detail ? ": " : "", err->detail ? err->detail : "",
                  now - fetched_at);
    return APR_SUCCESS;
}

apr_status_t oa2_ap_remote_policy(oa2_access_token_policy_t *policy,
                                  const oa2_remote_doc_t **keys_doc,
                                  request_rec *r, const oa2_dir_conf_t *d,
                                  const oa2_server_conf_t *s,
                                  const oa2_remote_doc_t *lacks_kid,
                                  oa2_err_t *err)
{
    const oa2_remote_doc_t *md, *jwks;
    const char *directive = "OAuth2VerifyJWKSURL";
    apr_status_t rv;

    policy->issuer = d->verify_issuer ? d->verify_issuer : s->issuer;
    policy->audience = oa2_ap_config_audience(d, s);
    policy->keys = d->jwks ? d->jwks : s->keys;
    *keys_doc = NULL;
    if (!d->jwks_remote) {
        return APR_SUCCESS;
    }
    policy->keys = NULL;
    if (d->metadata_remote) {
        directive = "OAuth2VerifyMetadataURL";
        rv = document(&md, r, d->metadata_remote, directive, NULL, err);
        if (rv != APR_SUCCESS) {
            return rv;
        }
        if (!d->verify_issuer) {
            policy->issuer = md->metadata->issuer;
        }
        oa2_remote_set_url(d->jwks_remote, md->metadata->jwks_uri);
    }
    rv = document(&jwks, r, d->jwks_remote, directive, lacks_kid, err);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    policy->keys = jwks->keys;
    *keys_doc = jwks;
    return APR_SUCCESS;
}

/* The introspection endpoint's verdict, fetched. */
static apr_status_t ask(oa2_access_token_t **tok, request_rec *r,
                        const oa2_remote_introspection_t *ri, const char *token,
                        const oa2_access_token_policy_t *policy, oa2_err_t *err)
{
    apr_int64_t now = apr_time_sec(r->request_time);
    oa2_fetch_result_t res;
    oa2_fetch_opts_t opts = ri->opts;
    apr_status_t rv;

    opts.form = oa2_remote_introspection_form(token, r->pool);
    rv = oa2_fetch(&res, ri->url, &opts, err, r->pool);
    if (rv == APR_SUCCESS) {
        rv = oa2_remote_introspection_verdict(tok, &res, token, policy, now,
                                              err, r->pool);
    }
    if (rv != APR_SUCCESS && err->status >= HTTP_INTERNAL_SERVER_ERROR) {
        err->description = apr_psprintf(r->pool, "OAuth2Introspection %s: %s",
                                        ri->url, err->description);
    }
    return rv;
}

apr_status_t oa2_ap_remote_introspect(oa2_access_token_t **tok, request_rec *r,
                                      const oa2_dir_conf_t *d,
                                      const char *token,
                                      const oa2_access_token_policy_t *policy,
                                      oa2_err_t *err)
{
    apr_int64_t now = apr_time_sec(r->request_time), until;
    const oa2_remote_introspection_t *ri = d->introspection;
    int ttl = d->introspection_cache_ttl >= 0 ? d->introspection_cache_ttl
                                              : INTROSPECTION_CACHE_TTL;
    const unsigned char *key = NULL;
    const char *rec;
    apr_size_t len;
    apr_status_t rv;

    if (ttl > 0 && oa2_ap_cache_enabled()) {
        key = oa2_remote_introspection_key(token, ri, policy, ttl, r->pool);
        if (key && oa2_ap_cache_get(&rec, &len, r, key) == APR_SUCCESS) {
            rv = oa2_access_token_from_cache_record(tok, rec, len, now, err,
                                                    r->pool);
            if (rv != APR_EINVAL) {
                return rv;
            }
        }
    }
    rv = ask(tok, r, ri, token, policy, err);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    /* Only an active verdict is kept: up to the token's exp and the TTL. */
    until = now + ttl;
    if ((*tok)->exp < 0) {
        (*tok)->exp = until;
    }
    if (key) {
        rec = oa2_access_token_cache_record(&len, *tok, r->pool);
        oa2_ap_cache_put(r, key, rec, len,
                         (*tok)->exp < until ? (*tok)->exp : until);
    }
    return APR_SUCCESS;
}

void oa2_ap_remote_register_hooks(apr_pool_t *p)
{
    (void)p;
    ap_hook_pre_config(pre_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_config(post_config, NULL, NULL, APR_HOOK_MIDDLE);
}
