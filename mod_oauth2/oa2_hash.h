/**
 * @file oa2_hash.h
 * @brief Hashes for correlating secrets in logs without logging them.
 */
#ifndef OA2_HASH_H
#define OA2_HASH_H

#include <apr_pools.h>

/** The first 8 hex digits of SHA-256(@a secret): safe to log. */
const char *oa2_hash_tag(const char *secret, apr_pool_t *p);

/** Lowercase hex SHA-256 of @a text (64 characters). */
const char *oa2_hash_hex(const char *text, apr_pool_t *p);

#endif /* OA2_HASH_H */
