/**
 * @file oa2_cached_row.h
 * @brief A database row as kept in a shared cache (oa2_record_cache_t):
 * its columns and the time it was read, so that every reader applies its
 * own time-to-live to it.
 */
#ifndef OA2_CACHED_ROW_H
#define OA2_CACHED_ROW_H

#include <apr_pools.h>

/**
 * The record of the @a ncols columns @a cols read at @a now: the time and
 * each column, NUL-terminated (a NULL column is kept as empty).
 * @param len receives the record's length
 */
const char *oa2_cached_row_encode(apr_size_t *len, const char *const *cols,
                                  int ncols, apr_int64_t now, apr_pool_t *p);

/**
 * The columns of a record into @a cols (pointing into @a rec), when it
 * holds exactly @a ncols columns and was read less than @a ttl seconds
 * before @a now.
 * @return nonzero on success; 0 for a stale, future or damaged record,
 *         which the caller replaces by reading the database
 */
int oa2_cached_row_decode(const char **cols, int ncols, const char *rec,
                          apr_size_t len, apr_int64_t now, int ttl);

#endif /* OA2_CACHED_ROW_H */
