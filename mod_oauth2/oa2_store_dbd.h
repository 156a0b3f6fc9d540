/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/**
 * @file oa2_store_dbd.h
 * @brief What the store's files share (oa2_store_dbd.c and the rooms
 * split from it, oa2_store_clients.c): running oa2_sql.c's statements on
 * a store's connection. Not for callers of the store: they use
 * oa2_store.h.
 */
#ifndef OA2_STORE_DBD_H
#define OA2_STORE_DBD_H

#include "oa2_sql.h"
#include "oa2_store.h"

/**
 * Run a statement that returns no rows.
 * @param nrows receives the number of rows changed, when not NULL
 */
apr_status_t oa2_store_dbd_run(int *nrows, oa2_store_t *st, oa2_sql_id_t id,
                               int nargs, const char **args, oa2_err_t *err,
                               apr_pool_t *p);

/**
 * Run an INSERT that adds nothing when its key is taken: @a nrows then
 * receives 0, on MySQL too, whose statement is the plain INSERT (its
 * duplicate-key error is no error here) so that the count never depends
 * on the connection's CLIENT_FOUND_ROWS flag.
 */
apr_status_t oa2_store_dbd_insert_new(int *nrows, oa2_store_t *st,
                                      oa2_sql_id_t id, int nargs,
                                      const char **args, oa2_err_t *err,
                                      apr_pool_t *p);

/** Run a query; @a rows receives each row as an array of @a ncols copied
 * strings ("" for NULL). The result set is always drained. */
apr_status_t oa2_store_dbd_rows(apr_array_header_t **rows, oa2_store_t *st,
                                oa2_sql_id_t id, int nargs, const char **args,
                                int ncols, oa2_err_t *err, apr_pool_t *p);

/** The single row of a keyed lookup, or APR_NOTFOUND. */
apr_status_t oa2_store_dbd_one_row(const char ***cols, oa2_store_t *st,
                                   oa2_sql_id_t id, int nargs,
                                   const char **args, int ncols, oa2_err_t *err,
                                   apr_pool_t *p);

/**
 * Run @a steps in one transaction, each with the same @a args: the
 * withdrawal of a grant or a client. Steps that lock refresh families run
 * only on PostgreSQL. @a last_rows receives the rows the last step
 * changed; with @a last_required, none rolls everything back and returns
 * APR_NOTFOUND.
 */
apr_status_t oa2_store_dbd_withdraw(int *last_rows, int last_required,
                                    oa2_store_t *st, const oa2_sql_id_t *steps,
                                    int nsteps, int nargs, const char **args,
                                    oa2_err_t *err, apr_pool_t *p);

/** @a v as a statement argument. */
const char *oa2_store_dbd_num(apr_int64_t v, apr_pool_t *p);

/** A column as a number. */
apr_int64_t oa2_store_dbd_to_int(const char *s);

#endif /* OA2_STORE_DBD_H */
