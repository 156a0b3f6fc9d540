/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/**
 * @file oa2_store.h
 * @brief The state of an authorization server: clients, codes, refresh
 * tokens, consents, revoked access tokens, used consent forms.
 *
 * One implementation, oa2_store_dbd.c (clients in oa2_store_clients.c), on
 * APR DBD: the drivers (sqlite3, pgsql, mysql) are the pluggable part.
 * Codes, tokens and secrets are stored only as hashes (oa2_secret_hash()). Every call is scoped to one
 * issuer. On a database failure calls return a 503 temporarily_unavailable
 * error and leave no half-written state.
 */
#ifndef OA2_STORE_H
#define OA2_STORE_H

#include <apr_pools.h>
#include <apr_tables.h>

#include "oa2_db.h"
#include "oa2_err.h"
#include "oa2_record_cache.h"

/** Longest client_id: the width of the client_id column of every table
 * (oa2_sql.c), for a generated id, an admin's and a document's URL. */
#define OA2_CLIENT_ID_MAX 128

/** A store: a connection and the issuer whose rows it sees. */
typedef struct oa2_store_t {
    oa2_db_t *db;                 /* the connection */
    const char *issuer;           /* every row read or written is its */
    apr_dbd_transaction_t *trans; /* the open transaction, or NULL */
    int depth;                    /* nested begin calls inside trans */
    int doomed;                   /* an inner end asked to roll back */
    const oa2_record_cache_t *client_cache; /* NULL: read every time */
} oa2_store_t;

/** A registered client. */
typedef struct oa2_client_t {
    const char *client_id;   /* the id */
    const char *secret_hash; /* hash of the secret; "" for public clients */
    const char *name;        /* shown on the consent page */
    apr_array_header_t *redirect_uris; /* of const char * */
    const char *grant_types;           /* space separated */
    const char *scope;       /* allowed scopes; "" means any known scope */
    const char *auth_method; /* client_secret_basic|client_secret_post|none */
    apr_int64_t created_at;  /* seconds since the epoch */
    int from_cache;          /* read from the client cache, not the DB */
    apr_array_header_t *post_logout_redirect_uris; /* of const char *, or
                                                    * NULL (oa2_client_meta) */
    int default_max_age;             /* seconds; 0: none (oa2_client_meta) */
    apr_int64_t document_fetched_at; /* when its client ID metadata
                                      * document was read (oa2_cimd); 0:
                                      * a client registered otherwise */
    apr_int64_t document_expires_at; /* until when that read is reused */
    int require_par; /* require_pushed_authorization_requests (RFC 9126
                      * §6, oa2_client_meta) */

    /* Keys (private_key_jwt: oa2_assertion; self_signed_tls_client_auth)
     * and mutual TLS (oa2_client_meta_parse_tls(), RFC 8705 §2). */
    const char *jwks;             /* its public keys: a checked JWK Set,
                                   * compact JSON (oa2_client_meta_jwks()),
                                   * or NULL */
    const char *jwks_uri;         /* where its JWK Set is published, or NULL */
    const char *auth_signing_alg; /* token_endpoint_auth_signing_alg, or
                                   * NULL: ES256 and RS256 */
    const char *tls_subject_dn;   /* tls_client_auth_subject_dn (RFC 4514) */
    const char *tls_san_dns;      /* tls_client_auth_san_dns, or NULL */
    const char *tls_san_uri;      /* tls_client_auth_san_uri, or NULL */
    const char *tls_san_ip;       /* tls_client_auth_san_ip, or NULL */
    const char *tls_san_email;    /* tls_client_auth_san_email, or NULL */
    int tls_bound_tokens;         /* tls_client_certificate_bound_access_tokens
                                   * (RFC 8705 §3.4) */
    int dpop_bound_access_tokens; /* RFC 9449 §5.2: every token request
                                   * carries a DPoP proof (oa2_client_meta) */
} oa2_client_t;

/** An authorization code, as stored. */
typedef struct oa2_code_t {
    const char *client_id;      /* the client it was issued to */
    const char *user;           /* the resource owner */
    const char *redirect_uri;   /* the redirect_uri of the request */
    const char *scope;          /* granted scope */
    const char *resource;       /* RFC 8707 resource, "" for none */
    const char *code_challenge; /* PKCE S256 challenge */
    apr_int64_t expires_at;     /* seconds since the epoch */
    int used;                   /* nonzero once redeemed */
    const char *family;         /* id of the refresh tokens it produced */
    const char *access_jti;     /* jti of the access token it produced */
    const char *nonce;          /* OIDC request's nonce, "" (NULL) for none */
    apr_int64_t auth_time;      /* when the user authenticated, 0: unknown */
    const char *claims;         /* user claims (JSON object), "" (NULL): none */
    const char *dpop_jkt;       /* RFC 9449 §10: the DPoP key (thumbprint)
                                 * its redemption must prove, "" (NULL):
                                 * none */
} oa2_code_t;

/** A pushed authorization request (RFC 9126), as stored. */
typedef struct oa2_pushed_t {
    const char *client_id;  /* the client that pushed it */
    const char *params;     /* its validated parameters, form-encoded */
    apr_int64_t expires_at; /* seconds since the epoch */
    int used;               /* nonzero once an authorization request took it */
} oa2_pushed_t;

/** Refresh token states. */
#define OA2_REFRESH_LIVE 0
#define OA2_REFRESH_ROTATED 1
#define OA2_REFRESH_REVOKED 2

/** A refresh token, as stored. */
typedef struct oa2_refresh_t {
    const char *family;     /* all tokens descended from one code */
    const char *client_id;  /* the client */
    const char *user;       /* the resource owner */
    const char *scope;      /* scope of the grant */
    const char *resource;   /* RFC 8707 resource, "" for none */
    apr_int64_t expires_at; /* seconds since the epoch */
    int state;              /* OA2_REFRESH_* */
    apr_int64_t auth_time;  /* the grant's code's auth_time, 0: unknown */
    const char *claims;     /* the grant's code's claims, "" (NULL): none */
    const char *dpop_jkt;   /* RFC 9449 §5: the DPoP key (thumbprint) a
                             * public client's token is bound to, ""
                             * (NULL): unbound */
} oa2_refresh_t;

/** A remembered consent. */
typedef struct oa2_consent_t {
    const char *client_id;  /* the client */
    const char *scope;      /* every scope granted so far */
    apr_int64_t updated_at; /* last change */
} oa2_consent_t;

/**
 * Prepare this process for the store: call once, before threads use it
 * (httpd child_init, the CLI's main). With SQLite, writers of one process
 * then queue on a mutex instead of inside SQLite's busy handler, where
 * apr_dbd's driver would hold its process-wide mutex and stall the very
 * thread that holds the write lock.
 */
apr_status_t oa2_store_init_process(apr_pool_t *p);

/**
 * Create missing tables, add the columns that tables of an earlier
 * release lack, and prepare the connection (SQLite: WAL and a busy
 * timeout), once per connection. Every store call runs it first: for a
 * connection set up before it is a hash lookup, and a flag test after
 * that for the same @a db.
 */
apr_status_t oa2_store_setup(oa2_db_t *db, oa2_err_t *err, apr_pool_t *p);

/**
 * How often a transaction is run that the database server broke off to
 * end a lock cycle. Any store call in a transaction may return APR_EAGAIN
 * for that (MySQL's deadlock victim): the server has rolled back the whole
 * transaction, and running it again from its begin is what it asks for.
 */
#define OA2_STORE_ATTEMPTS 3

/**
 * Begin a transaction; end it with oa2_store_end(). Nests: an inner
 * begin/end pair joins the outer transaction, and an inner rollback makes
 * the outer end roll back too.
 */
apr_status_t oa2_store_begin(oa2_store_t *st, oa2_err_t *err, apr_pool_t *p);

/** Commit, or roll back when @a rollback is nonzero. */
apr_status_t oa2_store_end(oa2_store_t *st, int rollback, oa2_err_t *err,
                           apr_pool_t *p);

/**
 * A client by id; APR_NOTFOUND (err unset) when unknown. With a client
 * cache, a record read less than its ttl ago (by this or another process
 * sharing the cache) is used without asking the database: a removed client
 * or a new secret takes effect within ttl seconds.
 */
apr_status_t oa2_store_client_get(oa2_client_t **client, oa2_store_t *st,
                                  const char *client_id, oa2_err_t *err,
                                  apr_pool_t *p);

/**
 * A client by id from the database, never from the cache, which it
 * updates: for a cached record that may predate a change (a new secret).
 */
apr_status_t oa2_store_client_reload(oa2_client_t **client, oa2_store_t *st,
                                     const char *client_id, oa2_err_t *err,
                                     apr_pool_t *p);

/** Register a client; APR_EEXIST when the id is taken. */
apr_status_t oa2_store_client_add(oa2_store_t *st, const oa2_client_t *client,
                                  oa2_err_t *err, apr_pool_t *p);

/**
 * Remove a client with its consents and codes, revoking its refresh and
 * access tokens; APR_NOTFOUND when unknown.
 */
apr_status_t oa2_store_client_remove(oa2_store_t *st, const char *client_id,
                                     oa2_err_t *err, apr_pool_t *p);

/** All clients, oldest first (array of oa2_client_t *). */
apr_status_t oa2_store_client_list(apr_array_header_t **clients,
                                   oa2_store_t *st, oa2_err_t *err,
                                   apr_pool_t *p);

/**
 * Store @a client, read from its client ID metadata document
 * (oa2_cimd_parse()): added when no client of its id exists, or replacing
 * one that was itself read from a document, keeping its created_at. A
 * client registered otherwise (oauth2-admin, dynamic registration) is
 * never replaced, nor a row another request stored first or changed since
 * it was read. Either way the client's record leaves the client cache:
 * the next read finds the row as it is now.
 * @return APR_SUCCESS when this row was stored; APR_EEXIST when the row
 *         there is another's (registered otherwise, or stored first)
 */
apr_status_t oa2_store_client_put_document(oa2_store_t *st,
                                           const oa2_client_t *client,
                                           oa2_err_t *err, apr_pool_t *p);

/** Replace a client's secret hash; APR_NOTFOUND when unknown. */
apr_status_t oa2_store_client_set_secret(oa2_store_t *st, const char *client_id,
                                         const char *secret_hash,
                                         oa2_err_t *err, apr_pool_t *p);

/** Store a new code under @a code_hash. */
apr_status_t oa2_store_code_add(oa2_store_t *st, const char *code_hash,
                                const oa2_code_t *code, oa2_err_t *err,
                                apr_pool_t *p);

/**
 * Mark a code used, atomically, and read it. Call inside a transaction.
 * @param first set nonzero when this call consumed it, zero for a replay
 * @return APR_NOTFOUND for an unknown code
 */
apr_status_t oa2_store_code_consume(oa2_code_t **code, int *first,
                                    oa2_store_t *st, const char *code_hash,
                                    oa2_err_t *err, apr_pool_t *p);

/** Record the access token a code produced (to revoke it on replay). */
apr_status_t oa2_store_code_set_issued(oa2_store_t *st, const char *code_hash,
                                       const char *access_jti, oa2_err_t *err,
                                       apr_pool_t *p);

/** Store a new refresh token under @a token_hash. */
apr_status_t oa2_store_refresh_add(oa2_store_t *st, const char *token_hash,
                                   const oa2_refresh_t *rt, apr_int64_t now,
                                   oa2_err_t *err, apr_pool_t *p);

/**
 * Rotate a refresh token, atomically, and read it. Call in a transaction.
 * @param first nonzero when this call rotated a live token; zero when it
 *        was already rotated or revoked (see rt->state)
 * @return APR_NOTFOUND for an unknown token
 */
apr_status_t oa2_store_refresh_rotate(oa2_refresh_t **rt, int *first,
                                      oa2_store_t *st, const char *token_hash,
                                      oa2_err_t *err, apr_pool_t *p);

/** Read a refresh token without changing it; APR_NOTFOUND if unknown. */
apr_status_t oa2_store_refresh_get(oa2_refresh_t **rt, oa2_store_t *st,
                                   const char *token_hash, oa2_err_t *err,
                                   apr_pool_t *p);

/**
 * Record an access token issued to @a user's grant to @a client_id within
 * refresh family @a family, so that revoking the family, the grant or the
 * client revokes it too.
 */
apr_status_t oa2_store_access_add(oa2_store_t *st, const char *jti,
                                  const char *family, const char *client_id,
                                  const char *user, const char *claims,
                                  apr_int64_t expires_at, oa2_err_t *err,
                                  apr_pool_t *p);

/**
 * What UserInfo releases for the access token @a jti: the user claims
 * recorded with it (JSON object text, "" for none), and whether it was
 * revoked.
 * @return APR_NOTFOUND when no access token @a jti of a user's grant was
 *         recorded (or it expired and was purged)
 */
apr_status_t oa2_store_access_userinfo(const char **claims, int *revoked,
                                       oa2_store_t *st, const char *jti,
                                       oa2_err_t *err, apr_pool_t *p);

/**
 * Revoke a grant: every refresh token of a family, and every access token
 * recorded for it (their jti joins the revoked list).
 */
apr_status_t oa2_store_family_revoke(oa2_store_t *st, const char *family,
                                     oa2_err_t *err, apr_pool_t *p);

/** The scope a user granted a client; APR_NOTFOUND when never asked. */
apr_status_t oa2_store_consent_get(const char **scope, oa2_store_t *st,
                                   const char *user, const char *client_id,
                                   oa2_err_t *err, apr_pool_t *p);

/** Remember that a user granted a client @a scope (replacing). */
apr_status_t oa2_store_consent_put(oa2_store_t *st, const char *user,
                                   const char *client_id, const char *scope,
                                   apr_int64_t now, oa2_err_t *err,
                                   apr_pool_t *p);

/** A user's consents (array of oa2_consent_t *). */
apr_status_t oa2_store_consent_list(apr_array_header_t **consents,
                                    oa2_store_t *st, const char *user,
                                    oa2_err_t *err, apr_pool_t *p);

/**
 * Withdraw a user's grant to a client (or to all clients when
 * @a client_id is NULL): forgets the consent, deletes its codes, and
 * revokes its refresh tokens and the access tokens issued to it.
 * @a revoked receives the number of consents removed.
 */
apr_status_t oa2_store_grant_revoke(int *revoked, oa2_store_t *st,
                                    const char *user, const char *client_id,
                                    oa2_err_t *err, apr_pool_t *p);

/** Record an access token's jti as revoked until @a expires_at. */
apr_status_t oa2_store_jti_revoke(oa2_store_t *st, const char *jti,
                                  apr_int64_t expires_at, oa2_err_t *err,
                                  apr_pool_t *p);

/** Set @a revoked nonzero when the jti was revoked. */
apr_status_t oa2_store_jti_is_revoked(int *revoked, oa2_store_t *st,
                                      const char *jti, oa2_err_t *err,
                                      apr_pool_t *p);

/**
 * Set @a revoked nonzero when an access token may no longer be used: its
 * @a jti was revoked, or its client @a client_id is no longer the one it
 * was issued to at @a issued_at (removed, or registered only since, by
 * more than OA2_ACCESS_TOKEN_LEEWAY: the clocks of nodes differ).
 */
apr_status_t oa2_store_token_is_revoked(int *revoked, oa2_store_t *st,
                                        const char *jti, const char *client_id,
                                        apr_int64_t issued_at, oa2_err_t *err,
                                        apr_pool_t *p);

/**
 * Record a one-time value (a consent form's CSRF token hash).
 * @return APR_EEXIST when it was recorded before: a replay
 */
apr_status_t oa2_store_nonce_use(oa2_store_t *st, const char *nonce_hash,
                                 apr_int64_t expires_at, oa2_err_t *err,
                                 apr_pool_t *p);

/**
 * Record the jti of a client assertion of @a client_id (private_key_jwt,
 * RFC 7523 §3), as its hash @a jti_hash, until @a expires_at: when the
 * assertion could no longer be accepted anyway (then the purge drops it).
 * @return APR_EEXIST when it was recorded before: a replay, also by a
 *         request running at the same time on another process or node
 */
apr_status_t oa2_store_assertion_use(oa2_store_t *st, const char *client_id,
                                     const char *jti_hash,
                                     apr_int64_t expires_at, oa2_err_t *err,
                                     apr_pool_t *p);

/** Store a pushed authorization request under @a uri_hash, the hash of
 * its request_uri. */
apr_status_t oa2_store_pushed_add(oa2_store_t *st, const char *uri_hash,
                                  const oa2_pushed_t *pushed, oa2_err_t *err,
                                  apr_pool_t *p);

/** Read a pushed authorization request without changing it;
 * APR_NOTFOUND (err unset) when none is stored under @a uri_hash. */
apr_status_t oa2_store_pushed_get(oa2_pushed_t **pushed, oa2_store_t *st,
                                  const char *uri_hash, oa2_err_t *err,
                                  apr_pool_t *p);

/**
 * Take a pushed authorization request, atomically: only one of
 * @a client_id that is not used and not expired at @a now.
 * @param first set nonzero when this call took it; zero when there is no
 *        such request (used by another request already, expired, or
 *        another client's)
 */
apr_status_t oa2_store_pushed_consume(int *first, oa2_store_t *st,
                                      const char *uri_hash,
                                      const char *client_id, apr_int64_t now,
                                      oa2_err_t *err, apr_pool_t *p);

/**
 * Claim the purge of expired rows for this database: @a due is set
 * nonzero for the one caller, of all processes and nodes sharing the
 * database, whose claim finds the purge due at @a now; the next is then
 * due @a interval seconds later.
 */
apr_status_t oa2_store_purge_claim(int *due, oa2_store_t *st, apr_int64_t now,
                                   int interval, oa2_err_t *err, apr_pool_t *p);

/**
 * Make the purge due again at @a now: the one that ran left rows behind,
 * and the next asker goes on.
 */
apr_status_t oa2_store_purge_release(oa2_store_t *st, apr_int64_t now,
                                     oa2_err_t *err, apr_pool_t *p);

/**
 * Delete rows of every issuer of the database that expired before
 * @a now (codes a day later), at most @a max_batches statements of
 * OA2_SQL_PURGE_BATCH rows per table, each committed on its own.
 * @a deleted receives the rows deleted; @a more is set nonzero when a
 * table may hold more expired rows than one purge deletes.
 */
apr_status_t oa2_store_purge(int *deleted, int *more, oa2_store_t *st,
                             apr_int64_t now, int max_batches, oa2_err_t *err,
                             apr_pool_t *p);

#endif /* OA2_STORE_H */
