/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/*
 * Documents of other issuers (oa2_remote.h): the fast path is one mutex
 * and a reference count; fetching, parsing and the shared cache are only
 * on the slow path, taken by one thread of a process at a time.
 */
#include <string.h>

#include <apr_strings.h>
#include <apr_time.h>
#include <apr_uri.h>

#include "oa2_cached_row.h"
#include "oa2_cleanup.h"
#include "oa2_hash.h"
#include "oa2_remote.h"
#include "oa2_text.h"
#include "oa2_url.h"
#include "oa2_well_known.h"

static const char *kind_name(oa2_remote_kind_t kind)
{
    return kind == OA2_REMOTE_JWKS ? "jwks" : "metadata";
}

/* Nonzero when @a iss is the issuer @a want a well-known URL implies.
 * Discovery §4.1 drops an issuer's terminating '/' before appending the
 * well-known path, so "https://x/" (Auth0's form) implies "https://x"
 * as much as "https://x" does. */
static int same_issuer(const char *iss, const char *want)
{
    apr_size_t n = strlen(want);

    return !strncmp(iss, want, n) && (!iss[n] || !strcmp(iss + n, "/"));
}

/* The issuer a metadata document names, checked: equal to @a want, or
 * with no @a want, of the same origin as the document's @a url. */
static apr_status_t check_issuer(const char *iss, const char *url,
                                 const char *want, oa2_err_t *err,
                                 apr_pool_t *p)
{
    const char *origin = oa2_url_origin(url, p);
    apr_size_t n = origin ? strlen(origin) : 0;

    if (!iss) {
        return oa2_err_set(err, 503, "temporarily_unavailable", "OA2-00940",
                           "the metadata document names no issuer");
    }
    if (want ? !same_issuer(iss, want)
             : (!origin || strncmp(iss, origin, n)
                || (iss[n] && iss[n] != '/'))) {
        oa2_err_set(err, 503, "temporarily_unavailable", "OA2-00941",
                    "the metadata document names another issuer than its "
                    "URL implies (RFC 8414 section 3.3)");
        return oa2_err_detail(err, p, "it names %s, %s was expected",
                              oa2_text_printable(iss, p),
                              want ? want : "an issuer of its own origin");
    }
    if (oa2_url_check_issuer(iss, err, p) != APR_SUCCESS) {
        err->status = 503;
        err->error = "temporarily_unavailable";
        return oa2_err_detail(err, p, "its issuer %s", err->description);
    }
    return APR_SUCCESS;
}

static apr_status_t parse_metadata(oa2_remote_doc_t *doc, const char *url,
                                   const char *text, apr_size_t len,
                                   oa2_err_t *err, apr_pool_t *p)
{
    oa2_remote_metadata_t *md = apr_pcalloc(p, sizeof(*md));
    json_t *obj = oa2_cleanup_json(json_loadb(text, len, 0, NULL), p);
    json_t *out = oa2_cleanup_json(json_object(), p);
    apr_status_t rv;

    if (!json_is_object(obj)) {
        return oa2_err_set(err, 503, "temporarily_unavailable", "OA2-00942",
                           "the metadata document is not a JSON object");
    }
    md->issuer = json_string_value(json_object_get(obj, "issuer"));
    md->jwks_uri = json_string_value(json_object_get(obj, "jwks_uri"));
    rv = check_issuer(md->issuer, url, oa2_well_known_issuer(url, p), err, p);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    if (!md->jwks_uri
        || oa2_fetch_check_url(md->jwks_uri, OA2_FETCH_REACH_ADMIN, err, p)
            != APR_SUCCESS) {
        oa2_err_set(err, 503, "temporarily_unavailable", "OA2-00943",
                    "the metadata document has no usable jwks_uri (an "
                    "https URL)");
        return oa2_err_detail(err, p, "jwks_uri %s",
                              md->jwks_uri ? oa2_text_printable(md->jwks_uri, p)
                                           : "is missing");
    }
    /* Only what is used is kept and shared. */
    json_object_set_new(out, "issuer", json_string(md->issuer));
    json_object_set_new(out, "jwks_uri", json_string(md->jwks_uri));
    doc->text = oa2_cleanup_malloced(json_dumps(out, JSON_COMPACT), p);
    md->issuer = apr_pstrdup(p, md->issuer);
    md->jwks_uri = apr_pstrdup(p, md->jwks_uri);
    doc->metadata = md;
    return APR_SUCCESS;
}

apr_status_t oa2_remote_parse(oa2_remote_doc_t **doc, oa2_remote_kind_t kind,
                              const char *url, const char *text, apr_size_t len,
                              oa2_err_t *err, apr_pool_t *p)
{
    oa2_remote_doc_t *d = apr_pcalloc(p, sizeof(*d));
    oa2_keyset_t *keys;
    apr_status_t rv;

    d->pool = p;
    if (kind == OA2_REMOTE_METADATA) {
        rv = parse_metadata(d, url, text, len, err, p);
    }
    else if ((rv = oa2_keys_parse_jwks(&keys, text, len, err, p))
             == APR_SUCCESS) {
        d->keys = keys;
        /* The public members of the usable keys: what verifies, small
         * enough for the shared cache (no x5c chains). */
        d->text = oa2_keys_jwks_json(keys, p);
    }
    else {
        err->status = 503;
        err->error = "temporarily_unavailable";
    }
    if (rv == APR_SUCCESS) {
        *doc = d;
    }
    return rv;
}

static apr_status_t drop_current(void *data)
{
    oa2_remote_t *rm = data;

    /* The configuration ends: no thread is left that holds a document. */
    if (rm->doc) {
        apr_pool_destroy(rm->doc->pool);
        rm->doc = NULL;
    }
    return APR_SUCCESS;
}

apr_status_t oa2_remote_create(oa2_remote_t **rm, oa2_remote_kind_t kind,
                               const char *url, oa2_err_t *err,
                               apr_pool_t *pconf)
{
    oa2_remote_t *r = apr_pcalloc(pconf, sizeof(*r));
    apr_status_t rv;

    r->kind = kind;
    apr_cpystrn(r->url, url, sizeof(r->url));
    r->fetch = oa2_fetch;
    rv = apr_thread_mutex_create(&r->lock, APR_THREAD_MUTEX_DEFAULT, pconf);
    if (rv == APR_SUCCESS) {
        rv = apr_thread_mutex_create(&r->fetching, APR_THREAD_MUTEX_DEFAULT,
                                     pconf);
    }
    if (rv != APR_SUCCESS) {
        oa2_err_set(err, 500, NULL, "OA2-00945", "cannot create a mutex");
        return oa2_err_cause(err, rv);
    }
    apr_pool_cleanup_register(pconf, r, drop_current, apr_pool_cleanup_null);
    *rm = r;
    return APR_SUCCESS;
}

/* A request's hold on a document. */
typedef struct holder_t {
    oa2_remote_t *rm;
    oa2_remote_doc_t *doc;
} holder_t;

/* Under rm->lock: one user less; the last one frees the document. */
static void unref(oa2_remote_doc_t *doc)
{
    if (--doc->refs == 0) {
        apr_pool_destroy(doc->pool);
    }
}

static apr_status_t release_held(void *data)
{
    holder_t *h = data;

    apr_thread_mutex_lock(h->rm->lock);
    unref(h->doc);
    apr_thread_mutex_unlock(h->rm->lock);
    return APR_SUCCESS;
}

/* Under rm->lock: @a doc is held until @a rp is cleared. */
static void hold(oa2_remote_t *rm, oa2_remote_doc_t *doc, apr_pool_t *rp)
{
    holder_t *h = apr_palloc(rp, sizeof(*h));

    h->rm = rm;
    h->doc = doc;
    doc->refs++;
    apr_pool_cleanup_register(rp, h, release_held, apr_pool_cleanup_null);
}

/* Make @a doc current (or none, for NULL). */
static void install(oa2_remote_t *rm, oa2_remote_doc_t *doc)
{
    oa2_remote_doc_t *old;

    apr_thread_mutex_lock(rm->lock);
    old = rm->doc;
    rm->doc = doc;
    if (doc) {
        doc->refs = 1;
    }
    if (old) {
        unref(old);
    }
    apr_thread_mutex_unlock(rm->lock);
}

/* A pool of its own for a document: not a child of a pool other threads
 * allocate from, since it is made and freed at request time. */
static apr_pool_t *doc_pool(void)
{
    apr_pool_t *p = NULL;

    return apr_pool_create_unmanaged_ex(&p, NULL, NULL) == APR_SUCCESS ? p
                                                                       : NULL;
}

static const unsigned char *shared_key(const oa2_remote_t *rm,
                                       const char *label, apr_pool_t *p)
{
    unsigned char *md = apr_palloc(p, OA2_SHA256_LEN);
    /* The CAs trusted are part of it: a virtual host that trusts another
     * CA for the same URL may have been served other keys. */
    const char *fields[] = {label, kind_name(rm->kind), rm->url,
                            rm->opts.ca_file};

    return oa2_hash_fields(md, fields, 4, p) ? md : NULL;
}

/*
 * The shared cache's document, when it is at least as new as the current
 * one: another document is parsed and made current (@a changed set); the
 * same one lends the current one its times (a fetch elsewhere found it
 * unchanged). Times are whole seconds, so "as new" includes the same
 * second: two fetches a moment apart must not hide the second.
 * @return the current document after that, or NULL when the cache had
 *         nothing to give
 */
static oa2_remote_doc_t *from_shared(int *changed, oa2_remote_t *rm,
                                     const oa2_record_cache_t *shared,
                                     apr_pool_t *rp)
{
    const unsigned char *key = shared_key(rm, "oa2-remote", rp);
    const char *rec, *cols[2];
    apr_int64_t fetched_at;
    oa2_remote_doc_t *doc, *cur;
    apr_size_t len;
    apr_pool_t *p;
    oa2_err_t err;

    *changed = 0;
    if (!shared || !key || shared->get(&rec, &len, shared->ctx, key)
        || !oa2_cached_row_decode(cols, &fetched_at, 2, rec, len, NULL)) {
        return NULL;
    }
    apr_thread_mutex_lock(rm->lock);
    cur = rm->doc;
    if (cur && fetched_at < cur->fetched_at) {
        cur = NULL;
    }
    else if (cur && !strcmp(cur->text, cols[1])) {
        cur->fetched_at = fetched_at;
        cur->expires_at = apr_atoi64(cols[0]);
    }
    else {
        cur = NULL;
        *changed = 1;
    }
    apr_thread_mutex_unlock(rm->lock);
    if (!*changed) {
        return cur;
    }
    *changed = 0;
    if (!(p = doc_pool())) {
        return NULL;
    }
    if (oa2_remote_parse(&doc, rm->kind, rm->url, cols[1], strlen(cols[1]),
                         &err, p)
        != APR_SUCCESS) {
        apr_pool_destroy(p);
        return NULL;
    }
    doc->fetched_at = fetched_at;
    doc->expires_at = apr_atoi64(cols[0]);
    install(rm, doc);
    *changed = 1;
    return doc;
}

static void to_shared(oa2_remote_t *rm, const oa2_record_cache_t *shared,
                      const oa2_remote_doc_t *doc, apr_pool_t *rp)
{
    const unsigned char *key = shared ? shared_key(rm, "oa2-remote", rp) : NULL;
    const char *cols[2], *rec;
    apr_size_t len;

    if (!key) {
        return;
    }
    cols[0] = apr_psprintf(rp, "%" APR_INT64_T_FMT, doc->expires_at);
    cols[1] = doc->text;
    rec = oa2_cached_row_encode(&len, cols, 2, doc->fetched_at, NULL, rp);
    if (rec) {
        shared->put(shared->ctx, key, rec, len,
                    doc->fetched_at + OA2_REMOTE_KEEP);
    }
}

/* Record why the fetch failed, for this call's caller and later ones. */
static apr_status_t failed(oa2_remote_t *rm, apr_int64_t now,
                           const oa2_err_t *why, oa2_err_t *err, apr_pool_t *p)
{
    rm->failed_at = now;
    apr_snprintf(rm->why, sizeof(rm->why), "%s%s%s", why->description,
                 why->detail ? ": " : "", why->detail ? why->detail : "");
    oa2_err_set(err, 503, "temporarily_unavailable", why->log_id,
                why->description);
    /* The log line has the description already: only the detail here. */
    return why->detail ? oa2_err_detail(err, p, "%s", why->detail)
                       : APR_EGENERAL;
}

/* Fetch the URL and make what it serves current. */
static apr_status_t fetch_now(oa2_remote_t *rm,
                              const oa2_record_cache_t *shared, apr_int64_t now,
                              oa2_err_t *err, apr_pool_t *rp)
{
    apr_time_t start = apr_time_now();
    oa2_remote_doc_t *doc, *cur;
    oa2_fetch_result_t res;
    apr_int64_t ended;
    oa2_err_t why;
    apr_pool_t *p;
    apr_status_t rv;

    rv = rm->fetch(&res, rm->url, &rm->opts, &why, rp);
    /* A failure counts from the end of the fetch, on the caller's clock:
     * one that took the whole timeout is not made again at once by the
     * next request in line (OA2_REMOTE_RETRY). */
    ended = now + apr_time_sec(apr_time_now() - start);
    if (rv != APR_SUCCESS) {
        return failed(rm, ended, &why, err, rp);
    }
    if (res.status != 200) {
        oa2_err_set(&why, 503, NULL, "OA2-00946",
                    "the server did not answer 200");
        oa2_err_detail(&why, rp, "%s answered %ld", rm->url, res.status);
        return failed(rm, ended, &why, err, rp);
    }
    if (!(p = doc_pool())) {
        oa2_err_set(&why, 503, NULL, "OA2-00947", "out of memory");
        return failed(rm, ended, &why, err, rp);
    }
    if (oa2_remote_parse(&doc, rm->kind, rm->url, res.body, res.len, &why, p)
        != APR_SUCCESS) {
        why.description = apr_pstrdup(rp, why.description);
        why.detail = why.detail ? apr_pstrdup(rp, why.detail) : NULL;
        apr_pool_destroy(p);
        return failed(rm, ended, &why, err, rp);
    }
    rm->failed_at = 0;
    doc->fetched_at = now;
    doc->expires_at = now
        + oa2_fetch_lifetime(&res, OA2_REMOTE_MIN_LIFETIME,
                             OA2_REMOTE_MAX_LIFETIME,
                             OA2_REMOTE_DEFAULT_LIFETIME);
    to_shared(rm, shared, doc, rp);
    apr_thread_mutex_lock(rm->lock);
    cur = rm->doc;
    if (cur && !strcmp(cur->text, doc->text)) {
        /* Unchanged: keep the keys already set up, and their cache keys
         * (oa2_keyset_t.id) with them. */
        cur->fetched_at = doc->fetched_at;
        cur->expires_at = doc->expires_at;
        apr_thread_mutex_unlock(rm->lock);
        apr_pool_destroy(p);
        return APR_SUCCESS;
    }
    apr_thread_mutex_unlock(rm->lock);
    install(rm, doc);
    return APR_SUCCESS;
}

/* With rm->fetching held: bring the document up to date; @a for_kid: the
 * current one lacks a token's kid. An error only when a fetch failed,
 * or when there is no document and the next fetch is not due yet. */
static apr_status_t refresh(oa2_remote_t *rm, int for_kid,
                            const oa2_record_cache_t *shared, apr_int64_t now,
                            oa2_err_t *err, apr_pool_t *rp)
{
    oa2_remote_doc_t *newer;
    const unsigned char *kid_key;
    int changed;

    apr_thread_mutex_lock(rm->lock);
    rm->synced_at = now;
    apr_thread_mutex_unlock(rm->lock);
    newer = from_shared(&changed, rm, shared, rp);
    /* Another document answers an unknown kid (the caller tries it); a
     * fresh one, the same or not, answers the rest. */
    if (for_kid ? changed : newer && now < newer->expires_at) {
        return APR_SUCCESS;
    }
    if (for_kid) {
        /* At most once per interval, for this process and, through the
         * shared cache, for every process and node. */
        if (now - rm->kid_fetch_at < OA2_REMOTE_KID_INTERVAL) {
            return APR_SUCCESS;
        }
        rm->kid_fetch_at = now;
        kid_key =
            shared && shared->add ? shared_key(rm, "oa2-remote-kid", rp) : NULL;
        if (kid_key
            && !shared->add(shared->ctx, kid_key, "1", 1,
                            now + OA2_REMOTE_KID_INTERVAL)) {
            return APR_SUCCESS;
        }
    }
    else if (rm->failed_at && now - rm->failed_at < OA2_REMOTE_RETRY) {
        if (rm->doc) {
            return APR_SUCCESS;
        }
        oa2_err_set(err, 503, "temporarily_unavailable", "OA2-00948",
                    "the last fetch failed, and the next is not due yet");
        return oa2_err_detail(err, rp, "%s", rm->why);
    }
    return fetch_now(rm, shared, now, err, rp);
}

apr_status_t oa2_remote_get(const oa2_remote_doc_t **doc, oa2_remote_t *rm,
                            const oa2_remote_doc_t *lacks_kid,
                            const oa2_record_cache_t *shared, apr_int64_t now,
                            oa2_err_t *err, apr_pool_t *rp)
{
    oa2_remote_doc_t *cur;
    apr_status_t rv = APR_SUCCESS;
    int fresh, synced, changed;

    memset(err, 0, sizeof(*err));
    apr_thread_mutex_lock(rm->lock);
    cur = rm->doc;
    fresh = cur && now < cur->expires_at;
    /* Once a second a process looks whether another fetched a newer
     * document (a kid it lacked, say): keys another process dropped stop
     * working here within that second, not at this document's expiry. */
    synced = !shared || rm->synced_at == now;
    if (cur && (lacks_kid ? cur != lacks_kid : fresh && synced)) {
        /* The fast path: current, or newer than the one lacking a kid. */
        hold(rm, cur, rp);
        apr_thread_mutex_unlock(rm->lock);
        *doc = cur;
        return APR_SUCCESS;
    }
    apr_thread_mutex_unlock(rm->lock);
    /* A stale document serves while another thread fetches; without one,
     * or for a kid it lacks, wait: that fetch may bring what is missing. */
    if (cur && !lacks_kid
            ? apr_thread_mutex_trylock(rm->fetching) == APR_SUCCESS
            : apr_thread_mutex_lock(rm->fetching) == APR_SUCCESS) {
        apr_thread_mutex_lock(rm->lock);
        cur = rm->doc;
        fresh = cur && now < cur->expires_at;
        apr_thread_mutex_unlock(rm->lock);
        if (!lacks_kid && fresh) {
            /* Only the look at the shared cache was due. */
            apr_thread_mutex_lock(rm->lock);
            rm->synced_at = now;
            apr_thread_mutex_unlock(rm->lock);
            from_shared(&changed, rm, shared, rp);
        }
        else if (!(lacks_kid && cur && cur != lacks_kid)) {
            /* (else another thread brought a newer one while we waited) */
            rv = refresh(rm, lacks_kid && cur, shared, now, err, rp);
        }
        apr_thread_mutex_unlock(rm->fetching);
    }
    apr_thread_mutex_lock(rm->lock);
    cur = rm->doc;
    if (cur) {
        hold(rm, cur, rp);
    }
    apr_thread_mutex_unlock(rm->lock);
    if (!cur) {
        return rv != APR_SUCCESS
            ? rv
            : oa2_err_set(err, 503, "temporarily_unavailable", "OA2-00949",
                          "no document was ever fetched");
    }
    /* On success err is set only when a fetch failed just now and the last
     * good document stays in use: the caller warns. */
    *doc = cur;
    return APR_SUCCESS;
}

const char *oa2_remote_describe(apr_int64_t *fetched_at, oa2_remote_t *rm,
                                const oa2_remote_doc_t *doc, apr_pool_t *p)
{
    const char *url;

    apr_thread_mutex_lock(rm->lock);
    url = apr_pstrdup(p, rm->url);
    if (fetched_at) {
        *fetched_at = doc ? doc->fetched_at : 0;
    }
    apr_thread_mutex_unlock(rm->lock);
    return url;
}

void oa2_remote_set_url(oa2_remote_t *rm, const char *url)
{
    int same;

    apr_thread_mutex_lock(rm->lock);
    same = !strcmp(rm->url, url);
    apr_thread_mutex_unlock(rm->lock);
    if (same) {
        return;
    }
    apr_thread_mutex_lock(rm->fetching);
    if (strcmp(rm->url, url)) {
        install(rm, NULL);
        apr_thread_mutex_lock(rm->lock);
        apr_cpystrn(rm->url, url, sizeof(rm->url));
        apr_thread_mutex_unlock(rm->lock);
        rm->failed_at = 0;
        rm->kid_fetch_at = 0;
    }
    apr_thread_mutex_unlock(rm->fetching);
}
