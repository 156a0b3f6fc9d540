/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/*
 * Shared parts of the fuzz targets, and apr_palloc() as one malloc() per
 * allocation so AddressSanitizer knows where each pool allocation ends.
 */
#define _GNU_SOURCE /* RTLD_NEXT */
#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_strings.h>

#include <apr_dbd.h>
#include <apr_hash.h>

#include "oa2_store.h"
#include "support.h"

#ifndef OA2_FUZZ_DATA
#define OA2_FUZZ_DATA "t/unit/data"
#endif

/* apr_pcalloc is a macro in apr_pools.h; we define the function too. */
#undef apr_pcalloc
void *apr_pcalloc(apr_pool_t *p, apr_size_t size);

/* The allocations of one pool, freed by a cleanup of that pool. */
typedef struct guard_t {
    apr_pool_t *pool;     /* whose allocations these are */
    void **chunks;        /* each one malloc()ed */
    size_t n;             /* chunks in use */
    size_t cap;           /* chunks allocated */
    struct guard_t *next; /* the guard of another pool */
} guard_t;

static guard_t *guards;   /* one per pool that has allocated */
static int use_apr_pools; /* FUZZ_APR_POOLS=1: no guarding */
static void *(*real_palloc)(apr_pool_t *, apr_size_t); /* APR's own */
static apr_pool_t *global_pool;

static apr_status_t guard_release(void *data)
{
    guard_t *g = data, **gp;
    size_t i;

    for (gp = &guards; *gp; gp = &(*gp)->next) {
        if (*gp == g) {
            *gp = g->next;
            break;
        }
    }
    for (i = 0; i < g->n; i++) {
        free(g->chunks[i]);
    }
    free(g->chunks);
    free(g);
    return APR_SUCCESS;
}

static void out_of_memory(void)
{
    fprintf(stderr, "fuzz support: out of memory\n");
    abort();
}

void *apr_palloc(apr_pool_t *p, apr_size_t size)
{
    guard_t *g;
    void *mem;

    if (use_apr_pools) {
        return real_palloc(p, size);
    }
    for (g = guards; g && g->pool != p; g = g->next) {
    }
    if (!g) {
        /* Linked before the cleanup is registered: registering allocates
         * from this very pool, and that allocation must find the guard. */
        if (!(g = calloc(1, sizeof(*g)))) {
            out_of_memory();
        }
        g->pool = p;
        g->next = guards;
        guards = g;
        apr_pool_cleanup_register(p, g, guard_release, apr_pool_cleanup_null);
    }
    if (g->n == g->cap) {
        size_t cap = g->cap ? 2 * g->cap : 32;
        void **chunks = realloc(g->chunks, cap * sizeof(*chunks));
        if (!chunks) {
            out_of_memory();
        }
        g->chunks = chunks;
        g->cap = cap;
    }
    /* Like APR, a failed allocation is fatal; unlike APR, every byte past
     * @a size is a redzone. */
    if (!(mem = malloc(size ? size : 1))) {
        out_of_memory();
    }
    g->chunks[g->n++] = mem;
    return mem;
}

void *apr_pcalloc(apr_pool_t *p, apr_size_t size)
{
    return memset(apr_palloc(p, size), 0, size);
}

void fuzz_init(void)
{
    const char *env = getenv("FUZZ_APR_POOLS");

    use_apr_pools = env && !strcmp(env, "1");
    if (use_apr_pools) {
        real_palloc =
            (void *(*)(apr_pool_t *, apr_size_t))dlsym(RTLD_NEXT, "apr_palloc");
        if (!real_palloc) {
            fprintf(stderr, "fuzz support: APR's apr_palloc not found\n");
            abort();
        }
    }
    if (apr_initialize() != APR_SUCCESS
        || apr_pool_create(&global_pool, NULL) != APR_SUCCESS) {
        fprintf(stderr, "fuzz support: cannot initialize APR\n");
        abort();
    }
}

apr_pool_t *fuzz_global_pool(void)
{
    return global_pool;
}

apr_pool_t *fuzz_pool(void)
{
    apr_pool_t *p;

    /* A root pool, not a child of global_pool: nothing outlives the input
     * by hiding in a parent. */
    if (apr_pool_create(&p, NULL) != APR_SUCCESS) {
        out_of_memory();
    }
    return p;
}

const char *fuzz_data_path(const char *name)
{
    const char *dir = getenv("OA2_FUZZ_DATA");

    return apr_pstrcat(global_pool, dir && *dir ? dir : OA2_FUZZ_DATA, "/",
                       name, NULL);
}

char *fuzz_cstring(const uint8_t *data, size_t size, apr_pool_t *p)
{
    const uint8_t *nul = memchr(data, '\0', size);

    return apr_pstrmemdup(p, (const char *)data,
                          nul ? (apr_size_t)(nul - data) : size);
}

void fuzz_split(char **first, char **second, const uint8_t *data, size_t size,
                apr_pool_t *p)
{
    size_t i;

    for (i = 0; i < size && data[i] != '\0' && data[i] != '\n'; i++) {
    }
    *first = apr_pstrmemdup(p, (const char *)data, i);
    *second = i < size ? fuzz_cstring(data + i + 1, size - i - 1, p)
                       : apr_pstrdup(p, "");
}

void fuzz_fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "FUZZ FAILURE %s:%d: ", file, line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n");
    abort();
}

struct oa2_store_t *fuzz_memory_store(const char *issuer)
{
    apr_pool_t *p = fuzz_global_pool();
    oa2_db_t *db = apr_pcalloc(p, sizeof(*db));
    oa2_store_t *store = apr_pcalloc(p, sizeof(*store));
    const char *error = NULL;

    if (apr_dbd_init(p) != APR_SUCCESS
        || apr_dbd_get_driver(p, "sqlite3", &db->driver) != APR_SUCCESS
        || apr_dbd_open_ex(db->driver, p, ":memory:", &db->handle, &error)
            != APR_SUCCESS) {
        fuzz_fail(__FILE__, __LINE__, "no SQLite through apr_dbd: %s",
                  error ? error : "driver missing (libaprutil1-dbd-sqlite3)");
    }
    db->prepared = apr_hash_make(p);
    db->conn_pool = p;
    store->db = db;
    store->issuer = issuer;
    return store;
}
