/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/**
 * @file oa2_sql.h
 * @brief Every SQL statement of the module, in one table.
 *
 * Statements use apr_dbd's portable placeholders and take every argument
 * as text (apr_dbd_pquery): %s for strings, %lld for the BIGINT times,
 * which pgsql prepares as typed parameters (a %s is a varchar there, and
 * PostgreSQL neither stores nor compares a varchar as a BIGINT). Every
 * table is keyed by issuer, so virtual hosts that share one database still
 * never see each other's rows; oa2_purge alone is the database's, and
 * holds nothing of any issuer (when the next purge of expired rows is
 * due).
 */
#ifndef OA2_SQL_H
#define OA2_SQL_H

#include <apr_pools.h>

/** Rows one purge statement deletes at most, as a number and as text. */
#define OA2_SQL_PURGE_BATCH 1000
#define OA2_SQL_PURGE_BATCH_TEXT "1000"

/** Statement labels: indexes into the table of oa2_sql.c. */
typedef enum oa2_sql_id_t {
    OA2_SQL_CLIENT_GET = 0,
    OA2_SQL_CLIENT_INSERT,
    OA2_SQL_CLIENT_DELETE,
    OA2_SQL_CLIENT_LIST,
    OA2_SQL_CLIENT_SET_SECRET,
    OA2_SQL_CLIENT_INSERT_DOCUMENT,
    OA2_SQL_CLIENT_UPDATE_DOCUMENT,
    OA2_SQL_CODE_INSERT,
    OA2_SQL_CODE_CONSUME,
    OA2_SQL_CODE_GET,
    OA2_SQL_CODE_SET_ISSUED,
    OA2_SQL_REFRESH_INSERT,
    OA2_SQL_REFRESH_ROTATE,
    OA2_SQL_REFRESH_GET,
    OA2_SQL_REFRESH_REVOKE_FAMILY,
    OA2_SQL_REFRESH_LOCK_FAMILY,
    OA2_SQL_REFRESH_LOCK_TOKEN_FAMILY,
    OA2_SQL_CONSENT_GET,
    OA2_SQL_CONSENT_UPDATE,
    OA2_SQL_CONSENT_INSERT,
    OA2_SQL_CONSENT_LIST,
    OA2_SQL_CONSENT_DELETE,
    OA2_SQL_CONSENT_DELETE_ALL,
    OA2_SQL_REFRESH_REVOKE_GRANT,
    OA2_SQL_REFRESH_REVOKE_USER,
    OA2_SQL_REFRESH_REVOKE_CLIENT,
    OA2_SQL_CONSENT_DELETE_CLIENT,
    OA2_SQL_CODE_DELETE_CLIENT,
    OA2_SQL_ACCESS_INSERT,
    OA2_SQL_ACCESS_USERINFO,
    OA2_SQL_ACCESS_REVOKE_FAMILY,
    OA2_SQL_ACCESS_REVOKE_GRANT,
    OA2_SQL_ACCESS_REVOKE_USER,
    OA2_SQL_ACCESS_REVOKE_CLIENT,
    OA2_SQL_CODE_DELETE_GRANT,
    OA2_SQL_CODE_DELETE_USER,
    OA2_SQL_REFRESH_LOCK_GRANT,
    OA2_SQL_REFRESH_LOCK_USER,
    OA2_SQL_REFRESH_LOCK_CLIENT,
    OA2_SQL_TOKEN_REVOKED,
    OA2_SQL_JTI_INSERT,
    OA2_SQL_JTI_GET,
    OA2_SQL_NONCE_INSERT,
    OA2_SQL_NONCE_GET,
    OA2_SQL_PURGE_CLAIM,
    OA2_SQL_PURGE_CLAIM_FIRST,
    OA2_SQL_PURGE_RELEASE,
    OA2_SQL_PURGE_CODES,
    OA2_SQL_PURGE_REFRESH,
    OA2_SQL_PURGE_JTI,
    OA2_SQL_PURGE_ACCESS,
    OA2_SQL_PURGE_NONCES,
    OA2_SQL_PUSHED_INSERT,
    OA2_SQL_PUSHED_GET,
    OA2_SQL_PUSHED_CONSUME,
    OA2_SQL_PURGE_PUSHED,
    OA2_SQL_ASSERTION_INSERT,
    OA2_SQL_PURGE_ASSERTIONS,
    OA2_SQL_DEVICE_INSERT,
    OA2_SQL_DEVICE_GET,
    OA2_SQL_DEVICE_FIND,
    OA2_SQL_DEVICE_DECIDE,
    OA2_SQL_DEVICE_POLL,
    OA2_SQL_DEVICE_SLOW_DOWN,
    OA2_SQL_DEVICE_TAKE,
    OA2_SQL_PURGE_DEVICE,
    OA2_SQL_COUNT /* number of statements */
} oa2_sql_id_t;

/** One statement: a label unique per connection, and its text. */
typedef struct oa2_sql_t {
    const char *label; /* prepared-statement name */
    const char *text;  /* SQL with %s placeholders */
} oa2_sql_t;

/**
 * The statement @a id as driver @a driver_name runs it ("sqlite3",
 * "pgsql", "mysql"; NULL: as SQLite and PostgreSQL do). The label is the
 * same for every driver; the text differs where the dialects do (INSERT
 * ... ON CONFLICT DO NOTHING: SQLite 3.24 and PostgreSQL 9.5 or later).
 */
const oa2_sql_t *oa2_sql_get(oa2_sql_id_t id, const char *driver_name);

/**
 * The CREATE statements for driver @a driver_name ("sqlite3", "pgsql",
 * "mysql"), NULL-terminated; each is safe to run on an existing schema.
 * PostgreSQL's and MySQL's end with ALTER TABLE ... ADD COLUMN IF NOT
 * EXISTS of every added column (oa2_sql_added_columns()), so that they
 * also bring a schema of an earlier release up to date.
 */
const char *const *oa2_sql_schema(const char *driver_name);

/**
 * A query that succeeds, with no row, when every table of the schema
 * exists with every column (those added since included): the schema is
 * created or upgraded only when it fails, so that a role that may use the
 * tables but not create or alter any (PostgreSQL checks the privilege
 * before IF NOT EXISTS) still works.
 */
const char *oa2_sql_schema_probe(void);

/**
 * A query that succeeds, with no row, when every table of the first
 * release exists, whatever columns they have (the tables added since are
 * oa2_sql_added_tables()).
 */
const char *oa2_sql_tables_probe(void);

/** A table added to the schema after its first release. */
typedef struct oa2_sql_table_t {
    const char *name;         /* the table */
    const char *probe;        /* a query that fails while it is missing */
    const char *create;       /* its CREATE TABLE IF NOT EXISTS (SQLite,
                               * PostgreSQL) */
    const char *create_mysql; /* the same on MySQL/MariaDB */
} oa2_sql_table_t;

/**
 * The tables added since the first release, ended by an entry whose name
 * is NULL: a database made by an earlier release gains them on first use
 * (oa2_store_setup()), or a DBA creates them from conf/schema-*.sql.
 */
const oa2_sql_table_t *oa2_sql_added_tables(void);

/** A column added to a table after the table's first release. */
typedef struct oa2_sql_column_t {
    const char *table; /* its table */
    const char *name;  /* the column */
    const char *probe; /* a query that fails while the column is missing */
    const char *add;   /* the ALTER TABLE that adds it (no IF NOT EXISTS) */
} oa2_sql_column_t;

/**
 * The columns added since their tables' first release, for every driver,
 * ended by an entry whose table is NULL: a database made by an earlier
 * release gains them on first use (oa2_store_setup()).
 */
const oa2_sql_column_t *oa2_sql_added_columns(void);

/**
 * Statements to run once on each new connection of this driver (SQLite:
 * WAL journal and a busy timeout, so several httpd children can write).
 */
const char *const *oa2_sql_connection_setup(const char *driver_name);

#endif /* OA2_SQL_H */
