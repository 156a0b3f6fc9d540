/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/**
 * @file oa2_cached_row.h
 * @brief A database row as kept in a shared cache (oa2_record_cache_t,
 * httpd's socache): its columns and the time it was read, so that every
 * reader applies its own time-to-live to it (OAuth2ClientCacheTTL,
 * OAuth2RevocationCacheTTL).
 */
#ifndef OA2_CACHED_ROW_H
#define OA2_CACHED_ROW_H

#include <apr_pools.h>

/**
 * The record of the @a ncols columns @a cols read at @a now: the time and
 * each column, NUL-terminated (a NULL column is kept as empty), followed,
 * when @a seal is not NULL, by HMAC-SHA256 of all that under @a seal
 * (OA2_SHA256_LEN bytes): whoever can write into a shared cache cannot
 * make up a record without the key.
 * @param len receives the record's length
 * @return the record, or NULL when the MAC cannot be computed
 */
const char *oa2_cached_row_encode(apr_size_t *len, const char *const *cols,
                                  int ncols, apr_int64_t now,
                                  const unsigned char *seal, apr_pool_t *p);

/**
 * The columns of a record into @a cols (pointing into @a rec) and the time
 * it was read into @a read_at, when it holds exactly @a ncols columns and,
 * with @a seal, carries the right MAC.
 * @return nonzero on success; 0 for a damaged or forged record, which the
 *         caller replaces by reading the database
 */
int oa2_cached_row_decode(const char **cols, apr_int64_t *read_at, int ncols,
                          const char *rec, apr_size_t len,
                          const unsigned char *seal);

/**
 * Nonzero when a row read at @a read_at may still be used at @a now by a
 * reader that trusts rows for @a ttl seconds. A time in the future is
 * another node's clock or damage: never a reason to trust a row longer.
 */
int oa2_cached_row_fresh(apr_int64_t read_at, apr_int64_t now, int ttl);

#endif /* OA2_CACHED_ROW_H */
