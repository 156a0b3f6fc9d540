/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/**
 * @file oa2_jwt.h
 * @brief JWS compact serialization: signing and verifying JWTs.
 *
 * The only file that touches JWS crypto. Signatures are made and checked
 * with OpenSSL EVP on keys loaded once (oa2_keys.h), and the algorithm is
 * pinned to the key: the token's header never chooses how it is verified.
 */
#ifndef OA2_JWT_H
#define OA2_JWT_H

#include <apr_pools.h>
#include <jansson.h>

#include "oa2_err.h"
#include "oa2_keys.h"

/** Longest compact JWT accepted, in bytes: beyond it nothing is decoded. */
#define OA2_JWT_MAX_LEN 8192

/** A JWT whose signature has been verified. */
typedef struct oa2_jwt_t {
    json_t *header;         /* the JOSE header object */
    json_t *claims;         /* the payload object */
    const char *payload;    /* the payload JSON text as signed */
    apr_size_t payload_len; /* its length */
    const oa2_key_t *key;   /* the key that verified the signature */
} oa2_jwt_t;

/**
 * Verify a compact JWS and parse its header and payload.
 * @param jwt receives the verified token
 * @param token the compact serialization
 * @param len its length
 * @param keys the keys that may have signed it; the header's alg must be
 *        the alg of the key chosen (by kid, or each key of that alg)
 * @param typ the media type the header's typ must name ("at+jwt", also
 *        accepted as "application/at+jwt", case-insensitively), or NULL
 * @return APR_SUCCESS, or an invalid_token error (status 401)
 */
apr_status_t oa2_jwt_verify(oa2_jwt_t **jwt, const char *token, apr_size_t len,
                            const oa2_keyset_t *keys, const char *typ,
                            oa2_err_t *err, apr_pool_t *p);

/**
 * The JOSE header of a compact JWS, before anything is verified: what a
 * token that carries its own key names (a DPoP proof's `jwk`, RFC 9449
 * §4.2). Checks the shape, the length, an alg we verify and no crit.
 * @return APR_SUCCESS, or an invalid_token error (status 401)
 */
apr_status_t oa2_jwt_header(json_t **header, const char *token, apr_size_t len,
                            oa2_err_t *err, apr_pool_t *p);

/**
 * Verify a compact JWS with one given key, whatever kid its header names:
 * the header's alg must be the key's.
 * @param typ the media type the header's typ must name, or NULL
 * @return APR_SUCCESS, or an invalid_token error (status 401)
 */
apr_status_t oa2_jwt_verify_key(oa2_jwt_t **jwt, const char *token,
                                apr_size_t len, const oa2_key_t *key,
                                const char *typ, oa2_err_t *err, apr_pool_t *p);

/**
 * Nonzero when oa2_jwt_verify() failed with @a err because the token's
 * kid is not one of the keys: newer keys might know it.
 */
int oa2_jwt_failed_on_kid(const oa2_err_t *err);

/**
 * Nonzero when oa2_jwt_verify() failed with @a err because the token is
 * no JWS at all (an opaque token, for one).
 */
int oa2_jwt_failed_as_jws(const oa2_err_t *err);

/**
 * Sign @a claims with @a key as a compact JWS.
 * @param token receives the compact serialization
 * @param key a key with has_private set
 * @param typ the typ header, or NULL for none
 */
apr_status_t oa2_jwt_sign(const char **token, const oa2_key_t *key,
                          const char *typ, json_t *claims, oa2_err_t *err,
                          apr_pool_t *p);

/**
 * Sign the JSON object text @a claims with @a key as a compact JWS: what
 * oa2_jwt_sign() does after serializing, for callers that wrote the text
 * themselves (oa2_json.h).
 * @param claims_len its length in bytes
 */
apr_status_t oa2_jwt_sign_text(const char **token, const oa2_key_t *key,
                               const char *typ, const char *claims,
                               apr_size_t claims_len, oa2_err_t *err,
                               apr_pool_t *p);

/**
 * Sign @a claims with @a key under a JOSE header of the caller's own (a
 * JSON object text whose alg is the key's): a JWS such as a client makes,
 * a DPoP proof with its `jwk`, for the tests and benchmarks.
 */
apr_status_t oa2_jwt_sign_header(const char **token, const oa2_key_t *key,
                                 const char *header, const char *claims,
                                 apr_size_t claims_len, oa2_err_t *err,
                                 apr_pool_t *p);

#endif /* OA2_JWT_H */
