/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/**
 * @file oa2_dpop_keys.h
 * @brief The public keys of DPoP proofs, imported from their `jwk`
 * header, and a per-process cache of the recent ones.
 *
 * A client signs every proof with one key, and importing it (decoding the
 * JWK, checking the point, making a verifier, the thumbprint) costs about
 * half of the proof's signature check (bench/RESULTS.md, "DPoP"). The
 * cache finds a key by the SHA-256 of the proof's whole header segment
 * (typ, alg and jwk as sent): a hit is a header that passed every check
 * before, whose key verified a proof. At most OA2_DPOP_KEYS_CACHED
 * entries, each in a pool of its own, replaced in turn and freed once no
 * request holds them; without oa2_dpop_keys_init_process() (the unit
 * tests, the admin CLI) there is no cache.
 */
#ifndef OA2_DPOP_KEYS_H
#define OA2_DPOP_KEYS_H

#include <apr_pools.h>
#include <jansson.h>

#include "oa2_err.h"
#include "oa2_keys.h"

/** Keys a process keeps. */
#define OA2_DPOP_KEYS_CACHED 64

/** A proof's key, imported or found in the cache. */
typedef struct oa2_dpop_key_t oa2_dpop_key_t;

/**
 * Start this process's cache (once, before threads use it); it ends,
 * its keys freed, when @a p is destroyed.
 */
apr_status_t oa2_dpop_keys_init_process(apr_pool_t *p);

/**
 * The cached key of a proof whose header segment is @a header (@a len
 * bytes, base64url as sent), held for the life of @a p.
 * @return APR_SUCCESS, or APR_NOTFOUND
 */
apr_status_t oa2_dpop_keys_find(const oa2_dpop_key_t **key, const char *header,
                                apr_size_t len, apr_pool_t *p);

/**
 * Import the public key @a jwk (oa2_keys_from_jwk()) with its RFC 7638
 * thumbprint, held for the life of @a p (in a pool of its own when there
 * is a cache, so that oa2_dpop_keys_keep() can keep it).
 * @return APR_SUCCESS, or APR_EGENERAL when it is no key we verify with
 */
apr_status_t oa2_dpop_keys_import(oa2_dpop_key_t **key, json_t *jwk,
                                  apr_pool_t *p);

/**
 * Keep @a key, imported from the header segment @a header, in the cache:
 * call once a proof of that header verified with it.
 */
void oa2_dpop_keys_keep(oa2_dpop_key_t *key, const char *header,
                        apr_size_t len);

/** The key to verify with. */
const oa2_key_t *oa2_dpop_keys_key(const oa2_dpop_key_t *key);

/** Its RFC 7638 thumbprint, base64url. */
const char *oa2_dpop_keys_jkt(const oa2_dpop_key_t *key);

#endif /* OA2_DPOP_KEYS_H */
