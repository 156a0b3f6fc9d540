/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/**
 * @file oa2_keys.h
 * @brief Signing and verification keys: PEM files, JWK(S), thumbprints.
 *
 * Keys are loaded once, at configuration time, into ready EVP_PKEY objects
 * bound to the configuration pool; at request time they are only read,
 * which OpenSSL allows from many threads at once.
 */
#ifndef OA2_KEYS_H
#define OA2_KEYS_H

#include <apr_pools.h>
#include <apr_tables.h>
#include <jansson.h>
#include <openssl/evp.h>

#include "oa2_err.h"

/** The JWS algorithms we sign and verify with: one per key type. */
typedef enum oa2_alg_t {
    OA2_ALG_UNSUPPORTED = 0, /* none, HS*, PS*, anything else */
    OA2_ALG_ES256,           /* ECDSA P-256 with SHA-256 */
    OA2_ALG_RS256            /* RSASSA-PKCS1-v1_5 with SHA-256 */
} oa2_alg_t;

/** One key, with the single algorithm it may be used with. */
typedef struct oa2_key_t {
    EVP_PKEY *pkey;         /* the OpenSSL key, owned by the pool */
    oa2_alg_t alg;          /* the only alg this key signs or verifies */
    const char *kid;        /* key id: given, or the RFC 7638 thumbprint */
    json_t *jwk;            /* the public JWK, with kid, alg and use */
    int has_private;        /* nonzero when the key can sign */
    EVP_PKEY_CTX *verifier; /* set up once to verify alg's signatures of a
                             * SHA-256 digest; read-only: duplicate it */
    EVP_PKEY_CTX *signer;   /* the same for signing, when has_private;
                             * read-only: duplicate it */
} oa2_key_t;

/** An ordered set of keys; the first private one signs. */
typedef struct oa2_keyset_t {
    apr_array_header_t *keys; /* of oa2_key_t * */
    const char *id; /* hash of every public JWK: names this exact set */
} oa2_keyset_t;

/** The JWS name of @a alg ("ES256"), or NULL when unsupported. */
const char *oa2_keys_alg_name(oa2_alg_t alg);

/** The algorithm named @a name; OA2_ALG_UNSUPPORTED for anything else. */
oa2_alg_t oa2_keys_alg_from_name(const char *name);

/**
 * Load a PEM private key for signing: EC P-256 (ES256) or RSA of at least
 * 2048 bits (RS256). Public keys, encrypted keys and other types are refused
 * with a description that says what to do.
 * @param key receives the key
 * @param path the PEM file
 * @param kid the key id, or NULL for the RFC 7638 thumbprint
 */
apr_status_t oa2_keys_load_private_pem(oa2_key_t **key, const char *path,
                                       const char *kid, oa2_err_t *err,
                                       apr_pool_t *p);

/**
 * Make a verification key of one public JWK (kty EC with crv P-256, or RSA
 * of at least 2048 bits).
 * @return APR_ENOTIMPL for a well-formed key of a type we do not verify
 *         with (so a JWKS may carry other keys), APR_EGENERAL when broken
 */
apr_status_t oa2_keys_from_jwk(oa2_key_t **key, json_t *jwk, oa2_err_t *err,
                               apr_pool_t *p);

/**
 * Parse a JWKS document into verification keys. Keys of other types or
 * uses are skipped; a document with no usable key is an error.
 */
apr_status_t oa2_keys_parse_jwks(oa2_keyset_t **set, const char *text,
                                 apr_size_t len, oa2_err_t *err, apr_pool_t *p);

/** Read and parse a JWKS file (see oa2_keys_parse_jwks()). */
apr_status_t oa2_keys_load_jwks_file(oa2_keyset_t **set, const char *path,
                                     oa2_err_t *err, apr_pool_t *p);

/** An empty key set. */
oa2_keyset_t *oa2_keys_set_make(apr_pool_t *p);

/** Append @a key to @a set (at configuration time: updates set->id). */
void oa2_keys_set_add(oa2_keyset_t *set, oa2_key_t *key);

/** The key with id @a kid in @a set, or NULL. */
const oa2_key_t *oa2_keys_find(const oa2_keyset_t *set, const char *kid);

/** The first key of @a set that can sign, or NULL. */
const oa2_key_t *oa2_keys_signer(const oa2_keyset_t *set);

/**
 * The JWS names of the algorithms of @a set's keys ("ES256", "RS256"),
 * each once, in the order of the keys: what the AS's metadata may
 * advertise (RFC 8414 §2 lists only what is supported).
 * @return an array of const char *, empty for a NULL or empty set
 */
apr_array_header_t *oa2_keys_set_algs(const oa2_keyset_t *set, apr_pool_t *p);

/** The public JWKS document of @a set, compact JSON. */
char *oa2_keys_jwks_json(const oa2_keyset_t *set, apr_pool_t *p);

/**
 * The RFC 7638 thumbprint of a public JWK (base64url of SHA-256 over the
 * required members in lexicographic order), or NULL for unknown kty.
 */
const char *oa2_keys_thumbprint(json_t *jwk, apr_pool_t *p);

#endif /* OA2_KEYS_H */
