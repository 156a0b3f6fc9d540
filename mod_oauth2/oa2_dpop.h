/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/**
 * @file oa2_dpop.h
 * @brief DPoP (RFC 9449): proofs of possession of a key, checked at the
 * token endpoint (which binds tokens to the key, cnf.jkt) and at
 * resource servers (which demand a proof of the key a token is bound to),
 * and the server nonces of OAuth2DPoPNonce.
 *
 * A proof is a compact JWS whose header carries its public key (`jwk`):
 * typ dpop+jwt, alg ES256 or RS256 (the key decides; never none or HS*),
 * claims jti (single use), htm and htu (the request's method and URL),
 * iat (within OA2_DPOP_WINDOW of our clock), ath (the hash of the access
 * token it comes with) and, when we demand one, a nonce of ours.
 */
#ifndef OA2_DPOP_H
#define OA2_DPOP_H

#include <apr_pools.h>

#include "oa2_as.h"
#include "oa2_clientauth.h"
#include "oa2_err.h"
#include "oa2_record_cache.h"
#include "oa2_store.h"
#include "oa2_access_token.h"

/** Seconds a proof's iat may lie before or after our clock: the proof
 * is accepted for at most twice as long, and its jti remembered as long. */
#define OA2_DPOP_WINDOW 60

/** Longest jti accepted, in bytes. */
#define OA2_DPOP_JTI_MAX 256

/** Seconds of one nonce step: a nonce is accepted in the step it was
 * made in and the next, so for 5 to 10 minutes. */
#define OA2_DPOP_NONCE_STEP 300

/** The algorithms proofs may be signed with, as challenges name them. */
#define OA2_DPOP_ALGS "ES256 RS256"

/** A proof that passed every check. */
typedef struct oa2_dpop_proof_t {
    const char *jkt; /* RFC 7638 SHA-256 thumbprint of its key, base64url */
    const char *jti; /* its single-use id */
    apr_int64_t iat; /* when it was made, seconds since the epoch */
} oa2_dpop_proof_t;

/** The request a proof must fit, and what the check may use. */
typedef struct oa2_dpop_check_t {
    const char *header;               /* the DPoP header, or NULL when absent */
    const char *method;               /* the request's method: htm */
    const char *url;                  /* the URL it was sent to: htu (its query
                               * and fragment are not compared) */
    const char *access_token;         /* the token it comes with (ath), or NULL
                               * at the token endpoint */
    const char *jkt;                  /* the key it must be signed with (the
                               * token's cnf.jkt), or NULL for any */
    const unsigned char *nonce_key;   /* OA2_SHA256_LEN bytes: a nonce of
                                       * ours is demanded; NULL: none */
    const oa2_record_cache_t *replay; /* where jtis are remembered across
                                       * processes and nodes; NULL: no
                                       * replay check (no cache) */
    int resource; /* nonzero at a resource server: errors are 401 */
} oa2_dpop_check_t;

/**
 * Check a DPoP proof (RFC 9449 §4.3) against @a check at time @a now.
 * The jti is remembered last, once every other check passed.
 * @param proof receives the accepted proof
 * @return APR_SUCCESS; else invalid_dpop_proof (400, at a resource
 *         server 401) for a proof that is missing, repeated, malformed,
 *         badly signed, for another request, stale or replayed;
 *         use_dpop_nonce (same statuses) when a nonce is demanded and
 *         missing or stale (send a fresh one: oa2_dpop_nonce());
 *         invalid_token (401) when it is signed by another key than
 *         @a check->jkt
 */
apr_status_t oa2_dpop_verify(oa2_dpop_proof_t **proof,
                             const oa2_dpop_check_t *check, apr_int64_t now,
                             oa2_err_t *err, apr_pool_t *p);

/**
 * Check an access token's presentation at a resource server (RFC 9449
 * §7): with the Bearer scheme (@a check NULL) it must not be DPoP-bound
 * (§7.2: no downgrade); with the DPoP scheme it must be bound (@a cnf),
 * and @a check's proof signed by its key (check->jkt is set here).
 * @return APR_SUCCESS, or a 401 invalid_token error, or the error of
 *         oa2_dpop_verify()
 */
apr_status_t oa2_dpop_check_token(const oa2_cnf_t *cnf, oa2_dpop_check_t *check,
                                  apr_int64_t now, oa2_err_t *err,
                                  apr_pool_t *p);

/**
 * A fresh server nonce (RFC 9449 §8, §9) under @a key: the time step of
 * @a now and its HMAC, so every process and node holding the key accepts
 * it without shared state.
 */
const char *oa2_dpop_nonce(const unsigned char *key, apr_int64_t now,
                           apr_pool_t *p);

/**
 * Nonzero when @a nonce is one of ours (oa2_dpop_nonce() under @a key)
 * of the current time step or the one before.
 */
int oa2_dpop_nonce_valid(const unsigned char *key, const char *nonce,
                         apr_int64_t now, apr_pool_t *p);

/** The ath of @a token: base64url of its SHA-256 (RFC 9449 §4.2). */
const char *oa2_dpop_ath(const char *token, apr_pool_t *p);

/**
 * @a url as an htu is compared (RFC 9449 §4.3 with RFC 3986 §6.2.2 and
 * §6.2.3): scheme and host lowercase, the scheme's default port dropped,
 * percent-encodings uppercase and unreserved characters decoded, dot
 * segments removed, an empty path "/"; without query and fragment.
 * @return the normalized URL, or NULL when @a url is not an absolute
 *         http or https URL (or has user information)
 */
const char *oa2_dpop_url_normal(const char *url, apr_pool_t *p);

/**
 * The key a token request binds its tokens to (RFC 9449 §5): the
 * thumbprint of its DPoP proof's key (htm POST, htu the endpoint), or
 * NULL when it has no proof and its client does not demand one
 * (dpop_bound_access_tokens).
 * @param jkt receives the thumbprint, or NULL
 * @param in the request: its DPoP header, method, endpoint and replay
 *        cache
 * @return APR_SUCCESS, or the error of oa2_dpop_verify(); 400
 *         invalid_dpop_proof when a client registered with
 *         dpop_bound_access_tokens sends no proof
 */
apr_status_t oa2_dpop_bind(const char **jkt, const oa2_as_t *as,
                           const oa2_client_t *client,
                           const oa2_backchannel_t *in, apr_int64_t now,
                           oa2_err_t *err, apr_pool_t *p);

/**
 * Nonzero when @a jkt has the shape of a JWK SHA-256 thumbprint (RFC
 * 7638): 43 base64url characters. The dpop_jkt authorization request
 * parameter (RFC 9449 §10).
 */
int oa2_dpop_jkt_valid(const char *jkt);

/**
 * The DPoP key a pushed authorization request binds its code to (RFC
 * 9449 §10.1): the key of the request's proof, checked as at the token
 * endpoint, which a dpop_jkt sent beside it (@a requested) must name;
 * without a proof, @a requested (NULL: none).
 * @return APR_SUCCESS; an invalid proof's error; 400 invalid_request when
 *         dpop_jkt names another key
 */
apr_status_t oa2_dpop_bind_pushed(const char **jkt, const oa2_as_t *as,
                                  const oa2_backchannel_t *in,
                                  const char *requested, apr_int64_t now,
                                  oa2_err_t *err, apr_pool_t *p);

/**
 * Check a code's redemption against its binding (RFC 9449 §10): a code
 * bound to a key (@a bound, "" or NULL: unbound) is redeemed only with a
 * proof of that key (@a jkt, the token request's, or NULL).
 * @return APR_SUCCESS; 400 invalid_dpop_proof without a proof, 400
 *         invalid_grant with a proof of another key
 */
apr_status_t oa2_dpop_check_code(const char *bound, const char *jkt,
                                 oa2_err_t *err);

/**
 * Check a refresh request against the refresh token's binding: a token
 * bound to a key (@a bound, "" or NULL: unbound) is refreshed only with a
 * proof of that key (@a jkt, the request's, or NULL).
 * @return APR_SUCCESS; 400 invalid_dpop_proof without a proof, 400
 *         invalid_grant with a proof of another key
 */
apr_status_t oa2_dpop_check_refresh(const char *bound, const char *jkt,
                                    oa2_err_t *err);

/**
 * The jkt a new refresh token of @a client is bound to (RFC 9449 §5):
 * a public client's is bound to the key of its proof (@a jkt), a
 * confidential client's is not (it authenticates itself). "" for none.
 */
const char *oa2_dpop_refresh_binding(const oa2_client_t *client,
                                     const char *jkt);

#endif /* OA2_DPOP_H */
