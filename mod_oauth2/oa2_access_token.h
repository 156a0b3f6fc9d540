/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/**
 * @file oa2_access_token.h
 * @brief Access tokens as a resource server sees them (RFC 9068).
 */
#ifndef OA2_ACCESS_TOKEN_H
#define OA2_ACCESS_TOKEN_H

#include <apr_pools.h>
#include <jansson.h>

#include "oa2_err.h"
#include "oa2_jwt.h"
#include "oa2_keys.h"

/** The latest time a token may name, 9999-12-31T23:59:59Z: later times
 * are nonsense, and would overflow the conversion to an integer. */
#define OA2_ACCESS_TOKEN_MAX_TIME 253402300799.0

/** Leeway on exp, nbf and iat, in seconds (SPEC: 60 s). */
#define OA2_ACCESS_TOKEN_LEEWAY 60

/** What a location demands of a token. */
/**
 * The confirmation of a sender-constrained access token (RFC 7800 `cnf`):
 * the key or certificate whose holder alone may present it.
 */
typedef struct oa2_cnf_t {
    const char *jkt; /* RFC 9449: SHA-256 thumbprint of the DPoP key
                      * (RFC 7638, base64url), or NULL */
    const char *x5t; /* RFC 8705: SHA-256 thumbprint of the client's TLS
                      * certificate (x5t#S256, base64url), or NULL */
} oa2_cnf_t;

/** Largest thumbprint accepted in a `cnf` (SHA-256 is 43 characters). */
#define OA2_CNF_THUMBPRINT_MAX 64

/**
 * The sender binding of @a claims (a token's, or an introspection
 * answer's, RFC 7800 §3.1) into @a cnf: its `cnf` object's jkt (RFC 9449
 * §6.1) and x5t#S256 (RFC 8705 §3.1), both NULL when there is none.
 * @return APR_SUCCESS, or 401 invalid_token for a cnf that is malformed
 *         or names nothing this server can check
 */
apr_status_t oa2_access_token_read_cnf(oa2_cnf_t *cnf, json_t *claims,
                                       oa2_err_t *err);

/** Nonzero when @a cnf binds a token to a key or certificate. */
int oa2_access_token_cnf_binds(const oa2_cnf_t *cnf);

/**
 * The `cnf` member value (a JSON object text) of @a cnf, or NULL when
 * it binds nothing.
 */
const char *oa2_access_token_cnf_json(const oa2_cnf_t *cnf, apr_pool_t *p);

/**
 * The sender binding of a token's claims or of an introspection response
 * @a claims (RFC 7800 §3.1, RFC 7662 §2.2): its `cnf` object, both members
 * NULL when there is none.
 * @return APR_SUCCESS, or 401 invalid_token (OA2-01400, OA2-01401) for a
 *         cnf this server cannot read: refused, never taken as a bearer
 *         token
 */
apr_status_t oa2_access_token_read_cnf(oa2_cnf_t *out, json_t *claims,
                                       oa2_err_t *err);

typedef struct oa2_access_token_policy_t {
    const oa2_keyset_t *keys; /* keys that may have signed it */
    const char *issuer;       /* the iss demanded */
    const char *audience;     /* an aud value demanded */
} oa2_access_token_policy_t;

/** A validated access token. */
typedef struct oa2_access_token_t {
    oa2_jwt_t *jwt;         /* the verified JWT; NULL from the cache */
    json_t *claims;         /* the payload object; NULL until parsed */
    const char *payload;    /* the payload JSON text as signed */
    apr_size_t payload_len; /* its length */
    const char *kid;        /* id of the key that verified it */
    const char *sub;        /* subject: becomes r->user */
    const char *client_id;  /* the client it was issued to */
    const char *scope;      /* space-separated scopes, "" when none */
    const char *jti;        /* the token's id; for an introspection
                             * answer without one, the token's hash tag */
    apr_int64_t exp;        /* expiry, seconds since the epoch */
    oa2_cnf_t cnf;          /* its sender binding; both NULL: a plain
                             * bearer token */
    int introspected;       /* nonzero: the verdict of another issuer's
                             * introspection endpoint, not a JWT checked
                             * here */
} oa2_access_token_t;

/**
 * Verify a bearer access token against @a policy at time @a now.
 * Checks the signature (alg pinned to the key), typ at+jwt, iss, aud
 * (string or array), exp and nbf and iat with OA2_ACCESS_TOKEN_LEEWAY, and the
 * presence of sub, client_id and jti (RFC 9068 §2.2).
 * @return APR_SUCCESS, or a 401 invalid_token error
 */
apr_status_t oa2_access_token_validate(oa2_access_token_t **tok,
                                       const char *token,
                                       const oa2_access_token_policy_t *policy,
                                       apr_int64_t now, oa2_err_t *err,
                                       apr_pool_t *p);

/** Bytes of a validated-token cache key. */
#define OA2_ACCESS_TOKEN_CACHE_KEY_LEN 32

/**
 * The cache key of @a token under @a policy: SHA-256 over the token and
 * everything the verdict depends on (issuer, audience, the keys and their
 * algorithms, the typ demanded), so an acceptance under one location's
 * policy never answers for a stricter one.
 */
const unsigned char *oa2_access_token_cache_key(
    const char *token, const oa2_access_token_policy_t *policy, apr_pool_t *p);

/**
 * The cache key of the revocation verdict on the access token @a jti of
 * @a issuer (OAuth2RevocationCacheTTL). Never equal to a validated-token
 * key: it hashes a label no JWT can be.
 */
const unsigned char *oa2_access_token_revocation_key(const char *issuer,
                                                     const char *jti,
                                                     apr_pool_t *p);

/**
 * A validated token as a validated-token cache record: its expiry, kid,
 * sub, client_id, jti and scope, each NUL-terminated, then the payload.
 * @param len receives the record's length (a NUL follows it)
 */
const char *oa2_access_token_cache_record(apr_size_t *len,
                                          const oa2_access_token_t *tok,
                                          apr_pool_t *p);

/**
 * The token of a cache record (oa2_access_token_cache_record()) found under the
 * key of the same policy: only expiry is checked again, since the key
 * covers everything else the verdict depends on. The token points into
 * @a rec, which must stay alive and be followed by a NUL byte. Its claims
 * are parsed only when asked for (oa2_access_token_claims()).
 * @return APR_SUCCESS; APR_EINVAL when the record is damaged (not a
 *         verdict on the token: check it in full); or a 401 invalid_token
 *         error when it has expired
 */
apr_status_t oa2_access_token_from_cache_record(oa2_access_token_t **tok,
                                                const char *rec, apr_size_t len,
                                                apr_int64_t now, oa2_err_t *err,
                                                apr_pool_t *p);

/**
 * Nonzero when @a s has no control character: such text never reaches
 * r->user, the environment, a header or a log line.
 */
int oa2_access_token_printable(const char *s);

/**
 * Nonzero when the aud value @a aud (a string, or an array of them) names
 * @a want.
 */
int oa2_access_token_audience_has(json_t *aud, const char *want);

/** The claims object, parsed from the payload on first use; or NULL. */
json_t *oa2_access_token_claims(oa2_access_token_t *tok, apr_pool_t *p);

/**
 * The token's iat (a number: oa2_access_token_validate() checked it), from the
 * claims; -1 when they cannot be read.
 */
apr_int64_t oa2_access_token_issued_at(oa2_access_token_t *tok, apr_pool_t *p);

/**
 * Nonzero when claim @a name equals @a value: a string claim by equality,
 * a number or boolean by its JSON spelling, an array when any element does.
 */
int oa2_access_token_claim_equals(oa2_access_token_t *tok, const char *name,
                                  const char *value, apr_pool_t *p);

/**
 * The claims as JSON on one line, for OAUTH2_CLAIMS: the payload as it
 * was signed, or compacted when it has line breaks or tabs.
 */
const char *oa2_access_token_claims_json(oa2_access_token_t *tok,
                                         apr_pool_t *p);

#endif /* OA2_ACCESS_TOKEN_H */
