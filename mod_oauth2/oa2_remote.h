/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/**
 * @file oa2_remote.h
 * @brief Documents of other issuers a resource server relies on: their
 * JWK sets (OAuth2VerifyJWKSURL, and the jwks_uri of a metadata document)
 * and their metadata (OAuth2VerifyMetadataURL).
 *
 * A source is one URL. Each process keeps the document it last had,
 * parsed (keys ready to verify with), and hands it to requests without
 * copying: a request holds a reference until its pool is cleared, so a
 * newer document can replace the current one at any time. The parsed form
 * is also put, as compact text, into the cache every process and node
 * shares (oa2_record_cache.h), so that one fetch serves them all.
 *
 * When is the URL fetched again (SPEC): when the document's lifetime has
 * passed (Cache-Control max-age, bounded to OA2_REMOTE_MIN_LIFETIME ..
 * OA2_REMOTE_MAX_LIFETIME, else OA2_REMOTE_DEFAULT_LIFETIME); when a
 * token names a key id the set lacks, at most once per
 * OA2_REMOTE_KID_INTERVAL; and after a failure, not before
 * OA2_REMOTE_RETRY has passed. A failed fetch keeps the last good
 * document; without one, the caller is told why (503).
 */
#ifndef OA2_REMOTE_H
#define OA2_REMOTE_H

#include <apr_pools.h>
#include <apr_thread_mutex.h>

#include "oa2_err.h"
#include "oa2_fetch.h"
#include "oa2_keys.h"
#include "oa2_record_cache.h"

/** Lifetime bounds of a document, seconds (SPEC: 5 min - 24 h). */
#define OA2_REMOTE_MIN_LIFETIME 300
#define OA2_REMOTE_MAX_LIFETIME 86400
/** Lifetime of a document sent without Cache-Control max-age. */
#define OA2_REMOTE_DEFAULT_LIFETIME 3600
/** Least time between two fetches for an unknown kid (SPEC). */
#define OA2_REMOTE_KID_INTERVAL 60
/** Least time between a failed fetch and the next attempt. */
#define OA2_REMOTE_RETRY 5
/** How long the shared cache keeps a good document: other processes and
 * nodes start from it, stale or not, when the URL cannot be reached. */
#define OA2_REMOTE_KEEP 604800

/** What a source's URL serves. */
typedef enum oa2_remote_kind_t {
    OA2_REMOTE_JWKS = 0, /* a JWK set */
    OA2_REMOTE_METADATA  /* RFC 8414 or OpenID Provider metadata */
} oa2_remote_kind_t;

/** The part of an issuer's metadata a resource server uses. */
typedef struct oa2_remote_metadata_t {
    const char *issuer;   /* the issuer identifier */
    const char *jwks_uri; /* where its keys are */
} oa2_remote_metadata_t;

/** One version of a source's document, parsed. */
typedef struct oa2_remote_doc_t {
    apr_pool_t *pool;         /* owns the document; gone with its last user */
    unsigned refs;            /* requests holding it, plus one while current */
    const oa2_keyset_t *keys; /* OA2_REMOTE_JWKS */
    const oa2_remote_metadata_t *metadata; /* OA2_REMOTE_METADATA */
    const char *text;       /* the compact form the shared cache holds */
    apr_int64_t fetched_at; /* when it was fetched, by whichever process */
    apr_int64_t expires_at; /* from then on it is due to be fetched again */
} oa2_remote_doc_t;

/** How a source fetches (oa2_fetch(); the unit tests put another). */
typedef apr_status_t (*oa2_remote_fetch_fn)(oa2_fetch_result_t *res,
                                            const char *url,
                                            const oa2_fetch_opts_t *opts,
                                            oa2_err_t *err, apr_pool_t *p);

/** A source: one URL, and what this process knows of it. */
typedef struct oa2_remote_t {
    oa2_remote_kind_t kind;          /* what the URL serves */
    char url[OA2_FETCH_URL_MAX + 1]; /* the URL; a jwks_uri may change */
    oa2_fetch_opts_t opts;           /* how it is fetched */
    oa2_remote_fetch_fn fetch;       /* oa2_fetch */
    apr_thread_mutex_t *lock;        /* guards doc, refs and times */
    apr_thread_mutex_t *fetching;    /* held by the one thread fetching */
    oa2_remote_doc_t *doc;           /* the current document, or NULL */
    apr_int64_t failed_at;           /* the last failed fetch, or 0 */
    apr_int64_t kid_fetch_at;        /* the last fetch for an unknown kid */
    apr_int64_t synced_at;           /* the last look at the shared cache */
    char why[200];                   /* why the last fetch failed */
} oa2_remote_t;

/**
 * A source for @a url (at most OA2_FETCH_URL_MAX characters), at
 * configuration time, before any thread; its fetch options are set
 * once every directive is read (rm->opts).
 */
apr_status_t oa2_remote_create(oa2_remote_t **rm, oa2_remote_kind_t kind,
                               const char *url, oa2_err_t *err,
                               apr_pool_t *pconf);

/**
 * The document of @a rm, fetched first when it is due.
 * @param doc receives the document, held until @a rp is cleared
 * @param lacks_kid the document the caller had when its token named a key
 *        id that document lacks: fetch again if allowed; else NULL
 * @param shared the cache the processes share, or NULL
 * @param now the time, seconds since the epoch
 * @param err cleared first; on success it is set only when a fetch failed
 *        in this call and the last good document stays in use (the
 *        caller warns)
 * @return APR_SUCCESS with a document (maybe a stale one: never an open
 *         door, the caller checks tokens against it as against any);
 *         a 503 temporarily_unavailable error when there never was one
 */
apr_status_t oa2_remote_get(const oa2_remote_doc_t **doc, oa2_remote_t *rm,
                            const oa2_remote_doc_t *lacks_kid,
                            const oa2_record_cache_t *shared, apr_int64_t now,
                            oa2_err_t *err, apr_pool_t *rp);

/**
 * The URL of @a rm and the time @a doc was fetched (when @a fetched_at is
 * not NULL), read under the source's lock: for a log line about @a doc.
 */
const char *oa2_remote_describe(apr_int64_t *fetched_at, oa2_remote_t *rm,
                                const oa2_remote_doc_t *doc, apr_pool_t *p);

/**
 * Point @a rm (a JWKS source) at @a url, the jwks_uri of a metadata
 * document: when it changes, the keys of the old URL are dropped.
 */
void oa2_remote_set_url(oa2_remote_t *rm, const char *url);

/**
 * Parse a document of @a kind fetched from @a url. A metadata document
 * must name the issuer @a url implies (oa2_well_known_issuer(); RFC 8414
 * §3.3, OpenID Discovery §4.3), or for a URL of another shape, one of the
 * same origin as @a url.
 */
apr_status_t oa2_remote_parse(oa2_remote_doc_t **doc, oa2_remote_kind_t kind,
                              const char *url, const char *text, apr_size_t len,
                              oa2_err_t *err, apr_pool_t *p);

#endif /* OA2_REMOTE_H */
