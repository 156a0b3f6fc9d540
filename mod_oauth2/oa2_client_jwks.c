/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/*
 * A client's public keys for private_key_jwt (see oa2_client_jwks.h): its
 * registered jwks, or its jwks_uri's JWK Set, fetched and shared through
 * the cache.
 */
#include <string.h>

#include <apr_strings.h>
#include <jansson.h>

#include "oa2_cached_row.h"
#include "oa2_cimd.h"
#include "oa2_cleanup.h"
#include "oa2_client_jwks.h"
#include "oa2_client_meta.h"
#include "oa2_hash.h"

#define INVALID_CLIENT(id, text)                                               \
    oa2_err_set(err, 401, "invalid_client", id, text)

/* The columns of a cached JWK Set (oa2_cached_row.h), read at its fetch. */
enum { COL_CLIENT, COL_URI, COL_EXPIRES, COL_KID_FETCH, COL_KEYS, COLUMNS };

/* @a url as the admin's log may show it: a client chose it, so at most
 * 160 characters, and '?' for anything but printable ASCII. */
static const char *loggable(const char *url, apr_pool_t *p)
{
    apr_size_t len = strlen(url), i;
    char *out = apr_pstrndup(p, url, len > 160 ? 160 : len);

    for (i = 0; out[i]; i++) {
        if (out[i] < 0x21 || out[i] > 0x7e) {
            out[i] = '?';
        }
    }
    return len > 160 ? apr_pstrcat(p, out, "...", NULL) : out;
}

/* The key of the JWK Set of @a cl's jwks_uri in the shared cache: the
 * label keeps it apart from every other record there, and the URL makes
 * a set of a former jwks_uri worthless. */
static const unsigned char *cache_key(const oa2_client_t *cl,
                                      const char *issuer, apr_pool_t *p)
{
    unsigned char *key = apr_palloc(p, OA2_RECORD_CACHE_KEY_LEN);
    const char *fields[] = {"client-jwks", issuer, cl->client_id, cl->jwks_uri};

    return oa2_hash_fields(key, fields, sizeof(fields) / sizeof(*fields), p)
        ? key
        : NULL;
}

/* Keys from @a text, a JWK Set this room or registration checked. */
static oa2_client_keys_t *keys_of(const char *text, const char *uri,
                                  apr_pool_t *p)
{
    oa2_client_keys_t *k = apr_pcalloc(p, sizeof(*k));
    oa2_keyset_t *set;

    if (oa2_keys_parse_jwks(&set, text, strlen(text), NULL, p) != APR_SUCCESS) {
        return NULL;
    }
    k->set = set;
    k->uri = uri;
    return k;
}

/* The cached JWK Set of @a cl's jwks_uri, while it is fresh; NULL. */
static oa2_client_keys_t *cache_read(const oa2_client_t *cl,
                                     const unsigned char *key,
                                     const oa2_client_jwks_env_t *env,
                                     apr_int64_t now, apr_pool_t *p)
{
    const char *rec, *c[COLUMNS];
    apr_int64_t read_at;
    apr_size_t len;
    oa2_client_keys_t *k;

    if (!key || env->cache->get(&rec, &len, env->cache->ctx, key) != APR_SUCCESS
        || !oa2_cached_row_decode(c, &read_at, COLUMNS, rec, len, env->seal)
        || strcmp(c[COL_CLIENT], cl->client_id)
        || strcmp(c[COL_URI], cl->jwks_uri) || now >= apr_atoi64(c[COL_EXPIRES])
        || read_at > now + 60 || !(k = keys_of(c[COL_KEYS], cl->jwks_uri, p))) {
        return NULL;
    }
    k->fetched_at = read_at;
    k->expires_at = apr_atoi64(c[COL_EXPIRES]);
    k->kid_fetch_at = apr_atoi64(c[COL_KID_FETCH]);
    return k;
}

/* Put @a k, fetched from @a cl's jwks_uri, into the shared cache. */
static void cache_put(const oa2_client_keys_t *k, const oa2_client_t *cl,
                      const unsigned char *key,
                      const oa2_client_jwks_env_t *env, apr_pool_t *p)
{
    const char *c[COLUMNS], *rec;
    apr_size_t len;

    if (!key) {
        return;
    }
    /* The parsed keys' public JWKs: what verifies, compactly. */
    c[COL_CLIENT] = cl->client_id;
    c[COL_URI] = cl->jwks_uri;
    c[COL_EXPIRES] = apr_psprintf(p, "%" APR_INT64_T_FMT, k->expires_at);
    c[COL_KID_FETCH] = apr_psprintf(p, "%" APR_INT64_T_FMT, k->kid_fetch_at);
    c[COL_KEYS] = oa2_keys_jwks_json(k->set, p);
    rec = c[COL_KEYS]
        ? oa2_cached_row_encode(&len, c, COLUMNS, k->fetched_at, env->seal, p)
        : NULL;
    if (rec) {
        env->cache->put(env->cache->ctx, key, rec, len, k->expires_at);
    }
}

/* Wrap what went wrong with @a cl's jwks_uri as this client's failure
 * to authenticate: the log names the URL and the reason. */
static apr_status_t uri_failed(oa2_err_t *err, const char *id, const char *text,
                               const oa2_client_t *cl, const oa2_err_t *why,
                               apr_pool_t *p)
{
    INVALID_CLIENT(id, text);
    return oa2_err_detail(
        err, p, "client %s, jwks_uri %s: %s%s%s%s%s",
        loggable(cl->client_id, p), loggable(cl->jwks_uri, p),
        why && why->log_id ? why->log_id : "", why && why->log_id ? " " : "",
        why && why->description ? why->description : "",
        why && why->detail ? ": " : "", why && why->detail ? why->detail : "");
}

/* Fetch @a cl's jwks_uri, check what it serves, and share it. */
static apr_status_t fetch_keys(oa2_client_keys_t **keys, const oa2_client_t *cl,
                               const char *issuer, const unsigned char *key,
                               const oa2_client_jwks_env_t *env,
                               apr_int64_t now, apr_int64_t kid_fetch_at,
                               oa2_err_t *err, apr_pool_t *p)
{
    oa2_fetch_opts_t opts;
    oa2_fetch_result_t res;
    oa2_err_t why = {0};
    oa2_client_keys_t *k;
    const char *text;
    json_t *doc;

    memset(&opts, 0, sizeof(opts));
    opts.reach = oa2_cimd_reach(issuer, p);
    opts.max_size = OA2_CLIENT_JWKS_FETCH_MAX;
    opts.ca_file = env->ca_file;
    /* The URL was checked when registered; the reach may have changed
     * since (another issuer), and is checked again before a connection. */
    if (oa2_fetch_check_url(cl->jwks_uri, opts.reach, &why, p) != APR_SUCCESS
        || (env->fetch ? env->fetch : oa2_fetch)(&res, cl->jwks_uri, &opts,
                                                 &why, p)
            != APR_SUCCESS) {
        return uri_failed(err, "OA2-01630",
                          "the client's jwks_uri cannot be fetched", cl, &why,
                          p);
    }
    if (res.status != 200) {
        uri_failed(err, "OA2-01631", "the client's jwks_uri did not answer 200",
                   cl, NULL, p);
        return oa2_err_detail(err, p, "%s %ld", err->detail, res.status);
    }
    doc = oa2_cleanup_json(
        json_loadb(res.body, res.len, JSON_REJECT_DUPLICATES, NULL), p);
    if (!doc || oa2_client_meta_jwks(&text, doc, &why, p) != APR_SUCCESS
        || !(k = keys_of(text, cl->jwks_uri, p))) {
        if (!doc) {
            why.log_id = NULL;
            why.description = "not JSON";
            why.detail = NULL;
        }
        return uri_failed(err, "OA2-01632",
                          "the client's jwks_uri serves no usable JWK Set "
                          "of public keys",
                          cl, &why, p);
    }
    k->expires_at = now
        + oa2_fetch_lifetime(&res, OA2_CLIENT_JWKS_TTL_MIN,
                             OA2_CLIENT_JWKS_TTL_MAX,
                             OA2_CLIENT_JWKS_TTL_DEFAULT);
    k->fetched_at = now;
    k->kid_fetch_at = kid_fetch_at;
    k->fetched_now = 1;
    cache_put(k, cl, key, env, p);
    *keys = k;
    return APR_SUCCESS;
}

apr_status_t oa2_client_jwks_get(oa2_client_keys_t **keys,
                                 const oa2_client_t *cl, const char *issuer,
                                 const oa2_client_jwks_env_t *env,
                                 apr_int64_t now, oa2_err_t *err, apr_pool_t *p)
{
    static const oa2_client_jwks_env_t none = {NULL, NULL, NULL, NULL};
    const unsigned char *key;
    oa2_client_keys_t *k;

    env = env ? env : &none;
    if (cl->jwks && *cl->jwks) {
        if (!(k = keys_of(cl->jwks, NULL, p))) {
            /* Checked when registered: keys this build no longer takes. */
            INVALID_CLIENT("OA2-01633",
                           "the client's registered jwks holds no usable "
                           "key");
            return oa2_err_detail(err, p, "client %s",
                                  loggable(cl->client_id, p));
        }
        *keys = k;
        return APR_SUCCESS;
    }
    if (!cl->jwks_uri || !*cl->jwks_uri) {
        INVALID_CLIENT("OA2-01629",
                       "the client has no keys registered (jwks or "
                       "jwks_uri) to verify its assertion with");
        return oa2_err_detail(err, p, "client %s", loggable(cl->client_id, p));
    }
    key = env->cache ? cache_key(cl, issuer, p) : NULL;
    if ((k = cache_read(cl, key, env, now, p))) {
        *keys = k;
        return APR_SUCCESS;
    }
    return fetch_keys(keys, cl, issuer, key, env, now, 0, err, p);
}

apr_status_t oa2_client_jwks_refresh(oa2_client_keys_t **fresh,
                                     const oa2_client_keys_t *keys,
                                     const oa2_client_t *cl, const char *issuer,
                                     const oa2_client_jwks_env_t *env,
                                     apr_int64_t now, oa2_err_t *err,
                                     apr_pool_t *p)
{
    static const oa2_client_jwks_env_t none = {NULL, NULL, NULL, NULL};
    const unsigned char *key;
    oa2_client_keys_t kept;
    apr_status_t rv;

    env = env ? env : &none;
    /* A time ahead of ours is another node's clock: no reason to wait. */
    if (!keys->uri || keys->fetched_now
        || (keys->kid_fetch_at <= now
            && now < keys->kid_fetch_at + OA2_CLIENT_JWKS_KID_INTERVAL)) {
        return APR_NOTFOUND;
    }
    key = env->cache ? cache_key(cl, issuer, p) : NULL;
    rv = fetch_keys(fresh, cl, issuer, key, env, now, now, err, p);
    if (rv != APR_SUCCESS) {
        /* The attempt counts: a sender of unknown key ids cannot make
         * every request fetch while the URL fails. */
        kept = *keys;
        kept.kid_fetch_at = now;
        cache_put(&kept, cl, key, env, p);
    }
    return rv;
}
