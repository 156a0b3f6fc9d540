/* Database rows kept in a shared cache with the time they were read. */
#include <string.h>

#include <apr_strings.h>

#include "oa2_cached_row.h"

const char *oa2_cached_row_encode(apr_size_t *len, const char *const *cols,
                                  int ncols, apr_int64_t now, apr_pool_t *p)
{
    const char *read_at = apr_psprintf(p, "%" APR_INT64_T_FMT, now);
    apr_size_t total = strlen(read_at) + 1, n;
    char *rec, *at;
    int i;

    for (i = 0; i < ncols; i++) {
        total += (cols[i] ? strlen(cols[i]) : 0) + 1;
    }
    at = rec = apr_palloc(p, total);
    n = strlen(read_at) + 1;
    memcpy(at, read_at, n);
    at += n;
    for (i = 0; i < ncols; i++) {
        n = (cols[i] ? strlen(cols[i]) : 0) + 1;
        memcpy(at, cols[i] ? cols[i] : "", n);
        at += n;
    }
    *len = total;
    return rec;
}

int oa2_cached_row_decode(const char **cols, apr_int64_t *read_at, int ncols,
                          const char *rec, apr_size_t len)
{
    const char *end = rec + len, *at, *nul;
    char *stop = NULL;
    int i;

    if (!memchr(rec, '\0', len)) {
        return 0;
    }
    *read_at = apr_strtoi64(rec, &stop, 10);
    if (stop == rec || *stop) {
        return 0;
    }
    at = stop + 1;
    for (i = 0; i < ncols; i++) {
        nul = at < end ? memchr(at, '\0', (apr_size_t)(end - at)) : NULL;
        if (!nul) {
            return 0;
        }
        cols[i] = at;
        at = nul + 1;
    }
    return at == end;
}

int oa2_cached_row_fresh(apr_int64_t read_at, apr_int64_t now, int ttl)
{
    return read_at <= now && now - read_at < ttl;
}
