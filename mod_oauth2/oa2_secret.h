/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/**
 * @file oa2_secret.h
 * @brief Random secrets (codes, tokens, client secrets) and their hashes.
 */
#ifndef OA2_SECRET_H
#define OA2_SECRET_H

#include <apr_pools.h>

#include "oa2_err.h"

/** Bytes of randomness in every generated secret (256 bits). */
#define OA2_SECRET_BYTES 32

/**
 * A new random secret: @a bytes from the OpenSSL CSPRNG, base64url.
 * @return APR_SUCCESS, or a 500 server_error if the CSPRNG fails
 */
apr_status_t oa2_secret_make(const char **secret, int bytes, oa2_err_t *err,
                             apr_pool_t *p);

/** The stored form of a secret: lowercase hex SHA-256 (64 chars). */
const char *oa2_secret_hash(const char *secret, apr_pool_t *p);

/** Nonzero when hash(@a secret) equals @a hash, in constant time. */
int oa2_secret_matches(const char *secret, const char *hash, apr_pool_t *p);

#endif /* OA2_SECRET_H */
