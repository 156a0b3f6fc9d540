/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/**
 * @file oa2_db.h
 * @brief A database connection as the core sees it (from mod_dbd's pool,
 * or opened directly by the admin CLI and the unit tests).
 */
#ifndef OA2_DB_H
#define OA2_DB_H

#include <apr_dbd.h>
#include <apr_hash.h>
#include <apr_pools.h>

#include "oa2_metrics.h"

/**
 * One open connection; used by one thread at a time. Build it zeroed: the
 * last three fields belong to the store, which fills them on first use
 * (oa2_store_setup()), so that later statements test flags instead of
 * looking up the driver's name and the set-up mark in @a prepared.
 */
typedef struct oa2_db_t {
    const apr_dbd_driver_t *driver; /* sqlite3, pgsql, mysql, ... */
    apr_dbd_t *handle;              /* the open connection */
    apr_hash_t *prepared;           /* label -> statement, per connection */
    apr_pool_t *conn_pool;          /* lives as long as the connection */
    oa2_metrics_t *metrics;         /* statement times and failures go
                                     * here; NULL: not counted */
    int ready;                      /* store: the schema is known to exist */
    int serialize_writes;           /* store: SQLite, writers take a mutex */
    int mysql;                      /* store: MySQL/MariaDB's driver */
} oa2_db_t;

#endif /* OA2_DB_H */
