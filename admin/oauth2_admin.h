/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/**
 * @file oauth2_admin.h
 * @brief oauth2-admin, the command that manages the clients and grants of
 * mod_oauth2's authorization server: what its files share.
 *
 * It links the core (mod_oauth2/oa2_*.c) and nothing of httpd: it opens the
 * module's database with APR DBD itself and changes it only through the
 * store (oa2_store.h), so the rows it writes are the rows the module reads.
 */
#ifndef OAUTH2_ADMIN_H
#define OAUTH2_ADMIN_H

#include <apr_pools.h>

#include "oa2_db.h"
#include "oa2_err.h"
#include "oa2_store.h"

/** Exit status: done. */
#define OA2_ADMIN_OK 0
/** Exit status: the command failed (one line on stderr says why). */
#define OA2_ADMIN_FAIL 1
/** Exit status: the command line is wrong. */
#define OA2_ADMIN_USAGE 2

/** One run of the command: its global options and, once open, the store. */
typedef struct oa2_admin_t {
    apr_pool_t *pool;        /* everything of this run, the connection too */
    const char *driver_name; /* -d, apr_dbd driver name */
    const char *params;      /* -p, the DBDParams string */
    const char *issuer;      /* -i, whose clients and grants we manage */
    oa2_db_t db;             /* the connection, once opened */
    oa2_store_t store;       /* the store of issuer on db, once opened */
} oa2_admin_t;

/**
 * Print "oauth2-admin: MESSAGE" on stderr.
 * @return OA2_ADMIN_FAIL, so a failing path is one line
 */
int oa2_admin_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/**
 * Print "oauth2-admin: MESSAGE" and a pointer to --help on stderr.
 * @return OA2_ADMIN_USAGE
 */
int oa2_admin_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/**
 * Report a core error on stderr: its description, and its admin detail
 * (a driver message) when there is one.
 * @return OA2_ADMIN_FAIL
 */
int oa2_admin_fail_err(const oa2_err_t *err);

/**
 * Open the database named by -d and -p for the issuer of -i, and create
 * the tables that are missing (oa2_store_setup()), as the module does: an
 * SQLite file that does not exist yet is created.
 * @return OA2_ADMIN_OK, or the exit status after reporting why not
 */
int oa2_admin_open(oa2_admin_t *a);

/**
 * Commit the transaction of a command that succeeded (@a rv is
 * APR_SUCCESS), roll it back otherwise.
 * @return @a rv, or the failure to commit (then @a err is filled)
 */
apr_status_t oa2_admin_end(oa2_admin_t *a, apr_status_t rv, oa2_err_t *err);

/**
 * @a s with every control or bidirectional formatting character, and every
 * byte that is not UTF-8, replaced by '?' (oa2_text_printable()), so that
 * what a client registered (RFC 7591), perhaps before such names were
 * refused, can neither break the tab-separated output, nor send escape
 * sequences (C0 or C1) to the admin's terminal, nor reorder the line.
 */
const char *oa2_admin_printable(const char *s, apr_pool_t *p);

/** Seconds since the epoch as ISO 8601 UTC: "2025-01-31T12:00:00Z". */
const char *oa2_admin_iso8601(apr_int64_t t, apr_pool_t *p);

/**
 * Run "client SUBCOMMAND [ARGS]" (admin_client.c).
 * @param argc the number of words after "client"
 * @param argv those words
 * @return the exit status
 */
int oa2_admin_client(oa2_admin_t *a, int argc, const char *const *argv);

/**
 * Run "grant SUBCOMMAND [ARGS]" (admin_grant.c).
 * @param argc the number of words after "grant"
 * @param argv those words
 * @return the exit status
 */
int oa2_admin_grant(oa2_admin_t *a, int argc, const char *const *argv);

#endif /* OAUTH2_ADMIN_H */
