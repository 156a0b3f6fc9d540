/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/**
 * @file oa2_hash.h
 * @brief SHA-256, and hashes for correlating secrets in logs without
 *        logging them.
 */
#ifndef OA2_HASH_H
#define OA2_HASH_H

#include <apr_pools.h>

/** Bytes of a SHA-256 digest. */
#define OA2_SHA256_LEN 32

/**
 * SHA-256 of @a len bytes at @a data into @a md; nonzero on success.
 * Uses one SHA-256 implementation fetched once per process: OpenSSL 3 would
 * otherwise look it up again on every digest.
 */
int oa2_hash_sha256(unsigned char md[OA2_SHA256_LEN], const void *data,
                    apr_size_t len);

/**
 * SHA-256 into @a md over the @a n strings of @a fields, each followed by
 * a NUL so that no field can run into the next (a NULL field counts as
 * empty); nonzero on success. The bytes are put together in @a p.
 */
int oa2_hash_fields(unsigned char md[OA2_SHA256_LEN], const char *const *fields,
                    apr_size_t n, apr_pool_t *p);

/**
 * HMAC-SHA256 (RFC 2104) of @a len bytes at @a data under the key @a key
 * of OA2_SHA256_LEN bytes, into @a md; nonzero on success. Two passes of
 * the process's SHA-256: no MAC object to fetch per call.
 */
int oa2_hash_hmac(unsigned char md[OA2_SHA256_LEN],
                  const unsigned char key[OA2_SHA256_LEN], const void *data,
                  apr_size_t len);

/** The first 8 hex digits of SHA-256(@a secret): safe to log. */
const char *oa2_hash_tag(const char *secret, apr_pool_t *p);

/** Lowercase hex SHA-256 of @a text (64 characters). */
const char *oa2_hash_hex(const char *text, apr_pool_t *p);

#endif /* OA2_HASH_H */
