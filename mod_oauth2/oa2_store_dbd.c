/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/*
 * The store on APR DBD. Statements come from oa2_sql.c and are prepared
 * once per connection, on first use, into the connection's own hash: they
 * cannot be handed to mod_dbd at start-up because it prepares them when it
 * opens a connection, before the tables they name may exist (SPEC: an
 * empty database is set up automatically).
 */
#include <stdlib.h>
#include <string.h>

#include <apr_strings.h>
#include <apr_time.h>
#include <apr_thread_mutex.h>

#include "oa2_sql.h"
#include "oa2_store.h"
#include "oa2_store_dbd.h"
#include "oa2_access_token.h"

/* Tries of the schema set-up when other processes race for it. */
#define SETUP_ATTEMPTS 8

/* Marks a connection whose schema and setup are done. It lives in the
 * connection's statement hash, which mod_dbd keeps with the connection
 * from request to request; db->ready caches it for one oa2_db_t (which
 * the httpd glue builds per request). */
#define SETUP_DONE_KEY "oa2:setup"

/* Serializes this process's SQLite writers (see oa2_store_init_process). */
static apr_thread_mutex_t *sqlite_writer;

apr_status_t oa2_store_init_process(apr_pool_t *p)
{
    return apr_thread_mutex_create(&sqlite_writer, APR_THREAD_MUTEX_NESTED, p);
}

/* Both need db->serialize_writes: only after oa2_store_setup(). */
static void writer_lock(const oa2_db_t *db)
{
    if (db->serialize_writes) {
        apr_thread_mutex_lock(sqlite_writer);
    }
}

static void writer_unlock(const oa2_db_t *db)
{
    if (db->serialize_writes) {
        apr_thread_mutex_unlock(sqlite_writer);
    }
}

/* MySQL's number for a transaction it chose to break a lock cycle with
 * (mysqld_error.h), which apr_dbd's mysql driver returns as it is. InnoDB
 * has rolled the whole transaction back and asks for it to be run again. */
#define MYSQL_ER_LOCK_DEADLOCK 1213

static apr_status_t unavailable(oa2_err_t *err, oa2_db_t *db, int rc,
                                const char *what, apr_pool_t *p)
{
    const char *msg = db && db->handle
        ? apr_dbd_error(db->driver, db->handle, rc)
        : "no connection";

    oa2_metrics_count_db(db ? db->metrics : NULL, -1, 1);
    oa2_err_set(err, 503, "temporarily_unavailable", "OA2-00210",
                "the authorization server's database is unavailable");
    /* mysql: the connection's message, empty for a statement's error */
    oa2_err_detail(err, p, "%s: %s", what,
                   msg && *msg ? msg : apr_psprintf(p, "error %d", rc));
    return db && db->mysql && rc == MYSQL_ER_LOCK_DEADLOCK ? APR_EAGAIN
                                                           : APR_EGENERAL;
}

static apr_status_t setup_locked(oa2_db_t *db, oa2_err_t *err, apr_pool_t *p);

apr_status_t oa2_store_setup(oa2_db_t *db, oa2_err_t *err, apr_pool_t *p)
{
    apr_status_t rv = APR_EGENERAL;
    int attempt, is_sqlite;

    if (db->ready) {
        return APR_SUCCESS;
    }
    db->serialize_writes =
        sqlite_writer && !strcmp(apr_dbd_name(db->driver), "sqlite3");
    db->mysql = !strcmp(apr_dbd_name(db->driver), "mysql");
    if (apr_hash_get(db->prepared, SETUP_DONE_KEY, APR_HASH_KEY_STRING)) {
        db->ready = 1;
        return APR_SUCCESS;
    }
    writer_lock(db);
    /* Another process creating the same tables at this moment makes ours
     * fail: SQLite with "schema has changed" (apr_dbd's driver prepares
     * without automatic re-preparation), PostgreSQL with a duplicate key
     * in its catalog (CREATE ... IF NOT EXISTS is not safe against a
     * concurrent CREATE). Every statement here is idempotent, so try again
     * a few times, the next try usually finding the tables made. On a
     * database server, only while the connection is alive: a server that
     * is down is an outage at once, and waiting would only delay the 503. */
    is_sqlite = !strcmp(apr_dbd_name(db->driver), "sqlite3");
    for (attempt = 0; attempt < SETUP_ATTEMPTS; attempt++) {
        if ((rv = setup_locked(db, err, p)) == APR_SUCCESS
            || attempt + 1 == SETUP_ATTEMPTS
            || (!is_sqlite && apr_dbd_check_conn(db->driver, p, db->handle))) {
            break;
        }
        apr_sleep(apr_time_from_msec(10 * (attempt + 1)));
    }
    writer_unlock(db);
    return rv;
}

/* Whether @a probe succeeds: every table (and column) it names is there
 * already (CREATE TABLE IF NOT EXISTS fails on PostgreSQL for a role
 * without CREATE on the schema, even when the table exists). */
static int schema_exists(oa2_db_t *db, const char *probe, apr_pool_t *p)
{
    apr_dbd_results_t *res = NULL;
    apr_dbd_row_t *row = NULL;

    if (apr_dbd_select(db->driver, p, db->handle, &res, probe, !db->mysql)) {
        return 0;
    }
    while (apr_dbd_get_row(db->driver, p, res, &row, -1) == 0) {
    }
    return 1;
}

/*
 * Add the columns a table made by an earlier release lacks. Each is
 * probed first, so that a role that may not ALTER works on tables a DBA
 * brought up to date. Another process or node adding the same column at
 * the same moment makes our ALTER fail ("duplicate column"): the column is
 * then there, which a second probe sees.
 */
static apr_status_t add_columns(oa2_db_t *db, oa2_err_t *err, apr_pool_t *p)
{
    const char *name = apr_dbd_name(db->driver);
    const oa2_sql_column_t *col;
    const char *msg, *file;
    int rc, nrows;

    for (col = oa2_sql_added_columns(); col->table; col++) {
        if (schema_exists(db, col->probe, p)) {
            continue;
        }
        rc = apr_dbd_query(db->driver, db->handle, &nrows, col->add);
        if (!rc) {
            continue;
        }
        /* The ALTER's message, before the probe's replaces it. */
        msg = apr_dbd_error(db->driver, db->handle, rc);
        /* libpq ends it with a newline */
        msg = apr_pstrndup(p, msg ? msg : "", msg ? strcspn(msg, "\n") : 0);
        if (schema_exists(db, col->probe, p)) {
            continue; /* added by another process a moment ago */
        }
        if (apr_dbd_check_conn(db->driver, p, db->handle)) {
            return unavailable(err, db, rc, col->add, p); /* gone */
        }
        /* SQLite's schema file only creates tables. */
        file = strcmp(name, "sqlite3")
            ? apr_psprintf(p, "conf/schema-%s.sql or ", name)
            : "";
        oa2_err_set(err, 503, "temporarily_unavailable", "OA2-00850",
                    "the authorization server's database is unavailable");
        return oa2_err_detail(err, p,
                              "column %s of table %s is missing and this "
                              "connection cannot add it (%s): as the "
                              "tables' owner, run %s%s",
                              col->name, col->table,
                              *msg ? msg : apr_psprintf(p, "error %d", rc),
                              file, col->add);
    }
    return APR_SUCCESS;
}

/*
 * Make the tables added since the first release that a database of an
 * earlier release lacks, where make_schema's CREATEs stopped at a role
 * that may not create tables (PostgreSQL and MySQL check the privilege
 * before IF NOT EXISTS): each is probed, tried once, and else named for
 * the DBA.
 */
static apr_status_t add_tables(oa2_db_t *db, oa2_err_t *err, apr_pool_t *p)
{
    const char *name = apr_dbd_name(db->driver);
    const oa2_sql_table_t *t;
    const char *msg;
    int rc, nrows;

    for (t = oa2_sql_added_tables(); t->name; t++) {
        if (schema_exists(db, t->probe, p)) {
            continue;
        }
        rc = apr_dbd_query(db->driver, db->handle, &nrows,
                           db->mysql ? t->create_mysql : t->create);
        if (!rc || schema_exists(db, t->probe, p)) {
            continue;
        }
        /* The probe's message says why: missing, or not this role's to
         * use (a DBA made it without a GRANT to it). */
        msg = apr_dbd_error(db->driver, db->handle, rc);
        msg = apr_pstrndup(p, msg ? msg : "", msg ? strcspn(msg, "\n") : 0);
        if (apr_dbd_check_conn(db->driver, p, db->handle)) {
            return unavailable(err, db, rc, t->name, p); /* gone */
        }
        oa2_err_set(err, 503, "temporarily_unavailable", "OA2-01300",
                    "the authorization server's database is unavailable");
        return oa2_err_detail(err, p,
                              "table %s cannot be used, and this connection "
                              "cannot create it (%s): as the tables' owner, "
                              "run conf/schema-%s.sql and grant this "
                              "connection SELECT, INSERT, UPDATE and DELETE "
                              "on it",
                              t->name, *msg ? msg : "no message", name);
    }
    return APR_SUCCESS;
}

/* Create the tables, and add the columns and tables that a database of
 * an earlier release lacks. */
static apr_status_t make_schema(oa2_db_t *db, oa2_err_t *err, apr_pool_t *p)
{
    const char *name = apr_dbd_name(db->driver);
    const char *const *sql;
    apr_status_t rv;
    int rc, nrows;

    for (sql = oa2_sql_schema(name); *sql; sql++) {
        rc = apr_dbd_query(db->driver, db->handle, &nrows, *sql);
        if (rc) {
            unavailable(err, db, rc, "creating the schema", p);
            /* On a server, a role that may not create the tables a DBA
             * made goes on to their columns, which it may find there. */
            if (!strcmp(name, "sqlite3")
                || !schema_exists(db, oa2_sql_tables_probe(), p)) {
                return APR_EGENERAL;
            }
            break;
        }
    }
    if (schema_exists(db, oa2_sql_schema_probe(), p)) {
        return APR_SUCCESS;
    }
    if ((rv = add_columns(db, err, p)) != APR_SUCCESS) {
        return rv;
    }
    return add_tables(db, err, p);
}

static apr_status_t setup_locked(oa2_db_t *db, oa2_err_t *err, apr_pool_t *p)
{
    const char *name = apr_dbd_name(db->driver);
    const char *const *sql;
    apr_status_t rv;
    int rc;

    for (sql = oa2_sql_connection_setup(name); *sql; sql++) {
        apr_dbd_results_t *res = NULL;
        apr_dbd_row_t *row = NULL;
        /* PRAGMAs answer with a row: select and drain. */
        rc = apr_dbd_select(db->driver, p, db->handle, &res, *sql, 0);
        if (rc) {
            return unavailable(err, db, rc, *sql, p);
        }
        while (apr_dbd_get_row(db->driver, p, res, &row, -1) == 0) {
        }
    }
    /* SQLite always runs the CREATE ... IF NOT EXISTS: they also bring
     * this connection's view of the schema up to date, which a probe that
     * finds the tables does not while another process is still creating
     * the indexes (its prepared statements then fail with "schema has
     * changed"). The probe is for servers where a role may lack CREATE
     * and ALTER. */
    if ((!strcmp(name, "sqlite3")
         || !schema_exists(db, oa2_sql_schema_probe(), p))
        && (rv = make_schema(db, err, p)) != APR_SUCCESS) {
        return rv;
    }
    apr_hash_set(db->prepared, SETUP_DONE_KEY, APR_HASH_KEY_STRING, "1");
    db->ready = 1;
    return APR_SUCCESS;
}

static apr_status_t statement(apr_dbd_prepared_t **stmt, oa2_db_t *db,
                              oa2_sql_id_t id, oa2_err_t *err, apr_pool_t *p)
{
    const char *label = oa2_sql_get(id, NULL)->label;
    const oa2_sql_t *sql;
    apr_status_t rv;
    int rc;

    /* A flag test once this oa2_db_t is set up; and oa2_store_dbd_run() needs
     * db->serialize_writes. */
    rv = oa2_store_setup(db, err, p);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    *stmt = apr_hash_get(db->prepared, label, APR_HASH_KEY_STRING);
    if (*stmt) {
        return APR_SUCCESS;
    }
    /* Prepared once per connection: the driver's dialect of it. On
     * PostgreSQL without a name, which makes apr_dbd's pgsql driver send
     * the text with every execution (PQexecParams) instead of keeping a
     * named statement in the server session: its connection check re-opens
     * a session the server ended (PQreset, after a restart or
     * pg_terminate_backend) and mod_dbd keeps the connection, so named
     * statements would be gone for good while ours still listed them. */
    sql = oa2_sql_get(id, apr_dbd_name(db->driver));
    rc = apr_dbd_prepare(
        db->driver, db->conn_pool, db->handle, sql->text,
        strcmp(apr_dbd_name(db->driver), "pgsql") ? sql->label : NULL, stmt);
    if (rc) {
        return unavailable(err, db, rc, sql->label, p);
    }
    apr_hash_set(db->prepared, sql->label, APR_HASH_KEY_STRING, *stmt);
    return APR_SUCCESS;
}

/* MySQL's numbers (mysqld_error.h, errmsg.h), which apr_dbd's mysql
 * driver returns as they are: a duplicate key, and a statement prepared
 * in a session that is gone. */
#define MYSQL_ER_DUP_ENTRY 1062
#define MYSQL_CR_NO_PREPARE_STMT 2030

/* Whether @a rc says the connection's prepared statements are gone, and
 * then forget ours, so that they are prepared again. apr_dbd's mysql
 * driver reconnects by itself (DBDParams reconnect, on by default) when
 * mod_dbd checks a connection the server closed (wait_timeout, KILL):
 * mod_dbd keeps it, and every statement prepared before fails. */
static int statements_lost(oa2_store_t *st, int rc)
{
    int i;

    if (!st->db->mysql || rc != MYSQL_CR_NO_PREPARE_STMT) {
        return 0;
    }
    for (i = 0; i < OA2_SQL_COUNT; i++) {
        apr_hash_set(st->db->prepared, oa2_sql_get(i, NULL)->label,
                     APR_HASH_KEY_STRING, NULL);
    }
    return 1;
}

/* Run a statement that changes rows; @a nrows receives their count. With
 * @a dup_ok, an INSERT whose key is there already is no error on MySQL
 * either: it changed no row. */
static apr_status_t run_dup(int *nrows, int dup_ok, oa2_store_t *st,
                            oa2_sql_id_t id, int nargs, const char **args,
                            oa2_err_t *err, apr_pool_t *p)
{
    const apr_dbd_driver_t *driver = st->db->driver;
    apr_dbd_prepared_t *stmt;
    apr_status_t rv;
    int rc, n = 0, mode = 0, retried = 0, mysql_dup = 0;
    apr_time_t start;

    do {
        if ((rv = statement(&stmt, st->db, id, err, p)) != APR_SUCCESS) {
            return rv;
        }
        /* Only now: statement() set the connection up, db->mysql too. */
        mysql_dup = dup_ok && st->db->mysql;
        if (!st->trans) {
            writer_lock(st->db);
        }
        else if (mysql_dup) {
            /* The driver would roll the whole transaction back for it;
             * InnoDB undoes only the statement. */
            mode = apr_dbd_transaction_mode_get(driver, st->trans);
            apr_dbd_transaction_mode_set(
                driver, st->trans, mode | APR_DBD_TRANSACTION_IGNORE_ERRORS);
        }
        start = apr_time_now();
        rc = apr_dbd_pquery(driver, p, st->db->handle, &n, stmt, nargs, args);
        oa2_metrics_count_db(st->db->metrics, apr_time_now() - start, 0);
        if (!st->trans) {
            writer_unlock(st->db);
        }
        else if (mysql_dup) {
            apr_dbd_transaction_mode_set(driver, st->trans, mode);
        }
        /* Once more in the new session, unless a transaction was lost. */
    } while (statements_lost(st, rc) && !st->trans && !retried++);
    if (mysql_dup && rc == MYSQL_ER_DUP_ENTRY) {
        rc = 0;
        n = 0;
    }
    if (rc) {
        return unavailable(err, st->db, rc, oa2_sql_get(id, NULL)->label, p);
    }
    if (nrows) {
        *nrows = n;
    }
    return APR_SUCCESS;
}

apr_status_t oa2_store_dbd_run(int *nrows, oa2_store_t *st, oa2_sql_id_t id,
                               int nargs, const char **args, oa2_err_t *err,
                               apr_pool_t *p)
{
    return run_dup(nrows, 0, st, id, nargs, args, err, p);
}

apr_status_t oa2_store_dbd_insert_new(int *nrows, oa2_store_t *st,
                                      oa2_sql_id_t id, int nargs,
                                      const char **args, oa2_err_t *err,
                                      apr_pool_t *p)
{
    return run_dup(nrows, 1, st, id, nargs, args, err, p);
}

apr_status_t oa2_store_dbd_rows(apr_array_header_t **rows, oa2_store_t *st,
                                oa2_sql_id_t id, int nargs, const char **args,
                                int ncols, oa2_err_t *err, apr_pool_t *p)
{
    apr_dbd_prepared_t *stmt;
    apr_dbd_results_t *res = NULL;
    apr_dbd_row_t *row = NULL; /* pgsql: NULL asks for the first row */
    apr_time_t start = 0;
    apr_status_t rv;
    int rc, i, retried = 0;

    do {
        if ((rv = statement(&stmt, st->db, id, err, p)) != APR_SUCCESS) {
            return rv;
        }
        res = NULL; /* mysql: a result given is filled, its binds reused */
        /* Random access (seek 1): the whole, small result at once. pgsql's
         * sequential mode sleeps 100 ms on every empty result. mysql's
         * random access wants a row number for every row (-1, "the next
         * row", is "no row" there): it reads in order. */
        start = apr_time_now();
        rc = apr_dbd_pselect(st->db->driver, p, st->db->handle, &res, stmt,
                             !st->db->mysql, nargs, args);
        if (rc) {
            oa2_metrics_count_db(st->db->metrics, apr_time_now() - start, 0);
        }
    } while (statements_lost(st, rc) && !st->trans && !retried++);
    if (rc) {
        return unavailable(err, st->db, rc, oa2_sql_get(id, NULL)->label, p);
    }
    *rows = apr_array_make(p, 1, sizeof(const char **));
    while ((rc = apr_dbd_get_row(st->db->driver, p, res, &row, -1)) == 0) {
        const char **cols = apr_pcalloc(p, ncols * sizeof(*cols));
        for (i = 0; i < ncols; i++) {
            const char *v = apr_dbd_get_entry(st->db->driver, row, i);
            cols[i] = apr_pstrdup(p, v ? v : "");
        }
        APR_ARRAY_PUSH(*rows, const char **) = cols;
    }
    /* A select's time includes its rows (pgsql and mysql fetch them). */
    oa2_metrics_count_db(st->db->metrics, apr_time_now() - start, 0);
    if (rc != -1) {
        return unavailable(err, st->db, rc, oa2_sql_get(id, NULL)->label, p);
    }
    return APR_SUCCESS;
}

apr_status_t oa2_store_dbd_one_row(const char ***cols, oa2_store_t *st,
                                   oa2_sql_id_t id, int nargs,
                                   const char **args, int ncols, oa2_err_t *err,
                                   apr_pool_t *p)
{
    apr_array_header_t *rows;
    apr_status_t rv =
        oa2_store_dbd_rows(&rows, st, id, nargs, args, ncols, err, p);

    if (rv != APR_SUCCESS) {
        return rv;
    }
    if (rows->nelts == 0) {
        return APR_NOTFOUND;
    }
    *cols = APR_ARRAY_IDX(rows, 0, const char **);
    return APR_SUCCESS;
}

const char *oa2_store_dbd_num(apr_int64_t v, apr_pool_t *p)
{
    return apr_psprintf(p, "%" APR_INT64_T_FMT, v);
}

apr_int64_t oa2_store_dbd_to_int(const char *s)
{
    return apr_atoi64(s);
}

apr_status_t oa2_store_begin(oa2_store_t *st, oa2_err_t *err, apr_pool_t *p)
{
    apr_status_t rv = oa2_store_setup(st->db, err, p);
    apr_time_t start;
    int rc;

    if (rv != APR_SUCCESS) {
        return rv;
    }
    if (st->trans) {
        st->depth++;
        return APR_SUCCESS;
    }
    st->doomed = 0;
    writer_lock(st->db);
    start = apr_time_now();
    rc = apr_dbd_transaction_start(st->db->driver, p, st->db->handle,
                                   &st->trans);
    oa2_metrics_count_db(st->db->metrics, apr_time_now() - start, 0);
    if (rc) {
        writer_unlock(st->db);
        st->trans = NULL;
        return unavailable(err, st->db, rc, "begin", p);
    }
    return APR_SUCCESS;
}

apr_status_t oa2_store_end(oa2_store_t *st, int rollback, oa2_err_t *err,
                           apr_pool_t *p)
{
    apr_time_t start;
    int rc;

    if (!st->trans) {
        return APR_SUCCESS;
    }
    if (st->depth > 0) {
        st->depth--;
        st->doomed |= rollback;
        return APR_SUCCESS;
    }
    rollback |= st->doomed;
    if (rollback) {
        apr_dbd_transaction_mode_set(st->db->driver, st->trans,
                                     APR_DBD_TRANSACTION_ROLLBACK);
    }
    start = apr_time_now();
    rc = apr_dbd_transaction_end(st->db->driver, p, st->trans);
    oa2_metrics_count_db(st->db->metrics, apr_time_now() - start, 0);
    st->trans = NULL;
    writer_unlock(st->db);
    if (rc && !rollback) {
        return unavailable(err, st->db, rc, "commit", p);
    }
    return APR_SUCCESS;
}

/* ---- codes ---------------------------------------------------------------- */

apr_status_t oa2_store_code_add(oa2_store_t *st, const char *code_hash,
                                const oa2_code_t *c, oa2_err_t *err,
                                apr_pool_t *p)
{
    const char *args[] = {st->issuer,
                          code_hash,
                          c->client_id,
                          c->user,
                          c->redirect_uri,
                          c->scope,
                          c->resource ? c->resource : "",
                          c->code_challenge,
                          oa2_store_dbd_num(c->expires_at, p),
                          c->family,
                          c->nonce ? c->nonce : "",
                          oa2_store_dbd_num(c->auth_time, p),
                          c->claims ? c->claims : "",
                          c->dpop_jkt ? c->dpop_jkt : ""};
    return oa2_store_dbd_run(NULL, st, OA2_SQL_CODE_INSERT, 14, args, err, p);
}

apr_status_t oa2_store_code_consume(oa2_code_t **code, int *first,
                                    oa2_store_t *st, const char *code_hash,
                                    oa2_err_t *err, apr_pool_t *p)
{
    const char *args[] = {st->issuer, code_hash};
    const char **c;
    oa2_code_t *out;
    int n = 0;
    apr_status_t rv =
        oa2_store_dbd_run(&n, st, OA2_SQL_CODE_CONSUME, 2, args, err, p);

    if (rv != APR_SUCCESS) {
        return rv;
    }
    rv = oa2_store_dbd_one_row(&c, st, OA2_SQL_CODE_GET, 2, args, 14, err, p);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    out = apr_pcalloc(p, sizeof(*out));
    out->client_id = c[0];
    out->user = c[1];
    out->redirect_uri = c[2];
    out->scope = c[3];
    out->resource = c[4];
    out->code_challenge = c[5];
    out->expires_at = oa2_store_dbd_to_int(c[6]);
    out->used = (int)oa2_store_dbd_to_int(c[7]);
    out->family = c[8];
    out->access_jti = c[9];
    out->nonce = c[10];
    out->auth_time = oa2_store_dbd_to_int(c[11]);
    out->claims = c[12];
    out->dpop_jkt = c[13];
    *first = n == 1;
    *code = out;
    return APR_SUCCESS;
}

apr_status_t oa2_store_code_set_issued(oa2_store_t *st, const char *code_hash,
                                       const char *access_jti, oa2_err_t *err,
                                       apr_pool_t *p)
{
    const char *args[] = {access_jti, st->issuer, code_hash};
    return oa2_store_dbd_run(NULL, st, OA2_SQL_CODE_SET_ISSUED, 3, args, err,
                             p);
}

/* ---- refresh tokens ------------------------------------------------------- */

apr_status_t oa2_store_refresh_add(oa2_store_t *st, const char *token_hash,
                                   const oa2_refresh_t *rt, apr_int64_t now,
                                   oa2_err_t *err, apr_pool_t *p)
{
    const char *args[] = {st->issuer,
                          token_hash,
                          rt->family,
                          rt->client_id,
                          rt->user,
                          rt->scope,
                          rt->resource ? rt->resource : "",
                          oa2_store_dbd_num(rt->expires_at, p),
                          oa2_store_dbd_num(now, p),
                          oa2_store_dbd_num(rt->auth_time, p),
                          rt->claims ? rt->claims : "",
                          rt->dpop_jkt ? rt->dpop_jkt : ""};
    return oa2_store_dbd_run(NULL, st, OA2_SQL_REFRESH_INSERT, 12, args, err,
                             p);
}

apr_status_t oa2_store_refresh_get(oa2_refresh_t **rt, oa2_store_t *st,
                                   const char *token_hash, oa2_err_t *err,
                                   apr_pool_t *p)
{
    const char *args[] = {st->issuer, token_hash};
    const char **c;
    oa2_refresh_t *out;
    apr_status_t rv =
        oa2_store_dbd_one_row(&c, st, OA2_SQL_REFRESH_GET, 2, args, 10, err, p);

    if (rv != APR_SUCCESS) {
        return rv;
    }
    out = apr_pcalloc(p, sizeof(*out));
    out->family = c[0];
    out->client_id = c[1];
    out->user = c[2];
    out->scope = c[3];
    out->resource = c[4];
    out->expires_at = oa2_store_dbd_to_int(c[5]);
    out->state = (int)oa2_store_dbd_to_int(c[6]);
    out->auth_time = oa2_store_dbd_to_int(c[7]);
    out->claims = c[8];
    out->dpop_jkt = c[9];
    *rt = out;
    return APR_SUCCESS;
}

/*
 * On PostgreSQL, take the lock of a refresh family (@a id: by the family,
 * or by one of its tokens) for the rest of the transaction. Under READ
 * COMMITTED, a revocation of the family that waits for a rotation's row
 * lock still runs on its old snapshot and would miss the token that
 * rotation inserts; serialised on the family, every statement after the
 * lock sees all the family's rows. A rotation also shares the locks of
 * its user and its client, which a withdrawal takes alone
 * (oa2_store_dbd_withdraw). SQLite has one writer at a time, and InnoDB's
 * gap locks keep a concurrent insert out of a locked range.
 */
static apr_status_t family_lock(oa2_store_t *st, oa2_sql_id_t id, int nargs,
                                const char **args, oa2_err_t *err,
                                apr_pool_t *p)
{
    apr_array_header_t *rows;

    if (strcmp(apr_dbd_name(st->db->driver), "pgsql")) {
        return APR_SUCCESS;
    }
    return oa2_store_dbd_rows(&rows, st, id, nargs, args, 1, err, p);
}

apr_status_t oa2_store_refresh_rotate(oa2_refresh_t **rt, int *first,
                                      oa2_store_t *st, const char *token_hash,
                                      oa2_err_t *err, apr_pool_t *p)
{
    const char *args[] = {st->issuer, token_hash};
    int n = 0;
    apr_status_t rv =
        family_lock(st, OA2_SQL_REFRESH_LOCK_TOKEN_FAMILY, 2, args, err, p);

    if (rv == APR_SUCCESS) {
        rv = oa2_store_dbd_run(&n, st, OA2_SQL_REFRESH_ROTATE, 2, args, err, p);
    }
    if (rv != APR_SUCCESS) {
        return rv;
    }
    *first = n == 1;
    return oa2_store_refresh_get(rt, st, token_hash, err, p);
}

apr_status_t oa2_store_access_add(oa2_store_t *st, const char *jti,
                                  const char *family, const char *client_id,
                                  const char *user, const char *claims,
                                  apr_int64_t expires_at, oa2_err_t *err,
                                  apr_pool_t *p)
{
    const char *args[] = {
        st->issuer,          jti,  family,
        client_id,           user, oa2_store_dbd_num(expires_at, p),
        claims ? claims : ""};
    return oa2_store_dbd_run(NULL, st, OA2_SQL_ACCESS_INSERT, 7, args, err, p);
}

apr_status_t oa2_store_access_userinfo(const char **claims, int *revoked,
                                       oa2_store_t *st, const char *jti,
                                       oa2_err_t *err, apr_pool_t *p)
{
    const char *args[] = {st->issuer, jti};
    const char **c;
    apr_status_t rv = oa2_store_dbd_one_row(&c, st, OA2_SQL_ACCESS_USERINFO, 2,
                                            args, 2, err, p);

    if (rv != APR_SUCCESS) {
        return rv;
    }
    *claims = c[0];
    *revoked = oa2_store_dbd_to_int(c[1]) != 0;
    return APR_SUCCESS;
}

apr_status_t oa2_store_family_revoke(oa2_store_t *st, const char *family,
                                     oa2_err_t *err, apr_pool_t *p)
{
    const char *args[] = {st->issuer, family};
    apr_status_t rv = oa2_store_begin(st, err, p);

    if (rv == APR_SUCCESS) {
        rv = family_lock(st, OA2_SQL_REFRESH_LOCK_FAMILY, 2, args, err, p);
    }
    if (rv == APR_SUCCESS) {
        rv = oa2_store_dbd_run(NULL, st, OA2_SQL_REFRESH_REVOKE_FAMILY, 2, args,
                               err, p);
    }
    if (rv == APR_SUCCESS) {
        rv = oa2_store_dbd_run(NULL, st, OA2_SQL_ACCESS_REVOKE_FAMILY, 2, args,
                               err, p);
    }
    if (rv != APR_SUCCESS) {
        oa2_store_end(st, 1, NULL, p);
        return rv;
    }
    return oa2_store_end(st, 0, err, p);
}

/* ---- consents ------------------------------------------------------------- */

apr_status_t oa2_store_consent_get(const char **scope, oa2_store_t *st,
                                   const char *user, const char *client_id,
                                   oa2_err_t *err, apr_pool_t *p)
{
    const char *args[] = {st->issuer, user, client_id};
    const char **c;
    apr_status_t rv =
        oa2_store_dbd_one_row(&c, st, OA2_SQL_CONSENT_GET, 3, args, 1, err, p);

    *scope = rv == APR_SUCCESS ? c[0] : "";
    return rv;
}

apr_status_t oa2_store_consent_put(oa2_store_t *st, const char *user,
                                   const char *client_id, const char *scope,
                                   apr_int64_t now, oa2_err_t *err,
                                   apr_pool_t *p)
{
    const char *args[] = {scope, oa2_store_dbd_num(now, p), st->issuer, user,
                          client_id};
    int n = 0;
    /* The INSERT first: an UPDATE of a row not there yet would make two
     * first consents at once deadlock on MySQL (both lock the gap where
     * the row goes, then both insert into it). */
    apr_status_t rv =
        oa2_store_dbd_run(&n, st, OA2_SQL_CONSENT_INSERT, 5, args, err, p);

    /* There already (MySQL: unchanged), perhaps stored by another request
     * a moment ago: store ours over it, as a request a moment later would
     * have. */
    if (rv == APR_SUCCESS && n == 0) {
        rv = oa2_store_dbd_run(NULL, st, OA2_SQL_CONSENT_UPDATE, 5, args, err,
                               p);
    }
    return rv;
}

apr_status_t oa2_store_consent_list(apr_array_header_t **consents,
                                    oa2_store_t *st, const char *user,
                                    oa2_err_t *err, apr_pool_t *p)
{
    const char *args[] = {st->issuer, user};
    apr_array_header_t *rows;
    apr_status_t rv =
        oa2_store_dbd_rows(&rows, st, OA2_SQL_CONSENT_LIST, 2, args, 3, err, p);
    int i;

    if (rv != APR_SUCCESS) {
        return rv;
    }
    *consents = apr_array_make(p, rows->nelts, sizeof(oa2_consent_t *));
    for (i = 0; i < rows->nelts; i++) {
        const char **c = APR_ARRAY_IDX(rows, i, const char **);
        oa2_consent_t *cs = apr_pcalloc(p, sizeof(*cs));
        cs->client_id = c[0];
        cs->scope = c[1];
        cs->updated_at = oa2_store_dbd_to_int(c[2]);
        APR_ARRAY_PUSH(*consents, oa2_consent_t *) = cs;
    }
    return APR_SUCCESS;
}

apr_status_t oa2_store_grant_revoke(int *revoked, oa2_store_t *st,
                                    const char *user, const char *client_id,
                                    oa2_err_t *err, apr_pool_t *p)
{
    /* Refresh and access tokens are revoked whether or not a consent was
     * stored; the consents removed are counted. */
    static const oa2_sql_id_t one_client[] = {
        OA2_SQL_CODE_DELETE_GRANT, OA2_SQL_REFRESH_LOCK_GRANT,
        OA2_SQL_REFRESH_REVOKE_GRANT, OA2_SQL_ACCESS_REVOKE_GRANT,
        OA2_SQL_CONSENT_DELETE};
    static const oa2_sql_id_t all_clients[] = {
        OA2_SQL_CODE_DELETE_USER, OA2_SQL_REFRESH_LOCK_USER,
        OA2_SQL_REFRESH_REVOKE_USER, OA2_SQL_ACCESS_REVOKE_USER,
        OA2_SQL_CONSENT_DELETE_ALL};
    const char *args[] = {st->issuer, user, client_id};

    return oa2_store_dbd_withdraw(revoked, 0, st,
                                  client_id ? one_client : all_clients, 5,
                                  client_id ? 3 : 2, args, err, p);
}

/* The statements of oa2_store_dbd_withdraw that lock refresh families. */
static int locks_families(oa2_sql_id_t id)
{
    return id == OA2_SQL_REFRESH_LOCK_GRANT || id == OA2_SQL_REFRESH_LOCK_USER
        || id == OA2_SQL_REFRESH_LOCK_CLIENT;
}

apr_status_t oa2_store_dbd_withdraw(int *last_rows, int last_required,
                                    oa2_store_t *st, const oa2_sql_id_t *steps,
                                    int nsteps, int nargs, const char **args,
                                    oa2_err_t *err, apr_pool_t *p)
{
    /* Deleting the codes first waits for a redemption in flight
     * (PostgreSQL: its row lock), and the user's or client's lock for the
     * rotations in flight, so the revocations that follow see the tokens
     * they made. MySQL may instead break the lock cycle with a rotation by
     * rolling this back (APR_EAGAIN): run it again. */
    apr_status_t rv = APR_EAGAIN;
    int i, n = 0, attempt;

    for (attempt = 0; rv == APR_EAGAIN && attempt < OA2_STORE_ATTEMPTS;
         attempt++) {
        rv = oa2_store_begin(st, err, p);
        for (i = 0; rv == APR_SUCCESS && i < nsteps; i++) {
            n = 0;
            rv = locks_families(steps[i])
                ? family_lock(st, steps[i], nargs, args, err, p)
                : oa2_store_dbd_run(&n, st, steps[i], nargs, args, err, p);
        }
        if (rv == APR_SUCCESS && !(last_required && n == 0)) {
            rv = oa2_store_end(st, 0, err, p);
        }
        else {
            oa2_store_end(st, 1, NULL, p);
            rv = rv == APR_SUCCESS ? APR_NOTFOUND : rv;
        }
    }
    if (rv == APR_SUCCESS) {
        *last_rows = n;
    }
    return rv;
}

/* ---- revoked access tokens and one-time values ---------------------------- */

apr_status_t oa2_store_jti_revoke(oa2_store_t *st, const char *jti,
                                  apr_int64_t expires_at, oa2_err_t *err,
                                  apr_pool_t *p)
{
    const char *args[] = {st->issuer, jti, oa2_store_dbd_num(expires_at, p)};
    int revoked = 0;
    apr_status_t rv = oa2_store_jti_is_revoked(&revoked, st, jti, err, p);

    if (rv != APR_SUCCESS || revoked) {
        return rv;
    }
    return oa2_store_dbd_run(NULL, st, OA2_SQL_JTI_INSERT, 3, args, err, p);
}

apr_status_t oa2_store_jti_is_revoked(int *revoked, oa2_store_t *st,
                                      const char *jti, oa2_err_t *err,
                                      apr_pool_t *p)
{
    const char *args[] = {st->issuer, jti};
    const char **c;
    apr_status_t rv =
        oa2_store_dbd_one_row(&c, st, OA2_SQL_JTI_GET, 2, args, 1, err, p);

    *revoked = rv == APR_SUCCESS;
    return rv == APR_NOTFOUND ? APR_SUCCESS : rv;
}

apr_status_t oa2_store_token_is_revoked(int *revoked, oa2_store_t *st,
                                        const char *jti, const char *client_id,
                                        apr_int64_t issued_at, oa2_err_t *err,
                                        apr_pool_t *p)
{
    /* The client of that id must have been there when the token was
     * issued, by the clock of whichever node registered it: give that
     * clock the leeway resource servers give iat. */
    const char *args[] = {
        st->issuer, jti, st->issuer, client_id,
        oa2_store_dbd_num(issued_at + OA2_ACCESS_TOKEN_LEEWAY, p)};
    const char **c;
    apr_status_t rv = oa2_store_dbd_one_row(&c, st, OA2_SQL_TOKEN_REVOKED, 5,
                                            args, 2, err, p);

    if (rv == APR_NOTFOUND) { /* never: the query always has its row */
        return oa2_err_set(err, 503, "temporarily_unavailable", "OA2-00789",
                           "the authorization server's database is "
                           "unavailable");
    }
    *revoked = rv != APR_SUCCESS || oa2_store_dbd_to_int(c[0]) != 0
        || oa2_store_dbd_to_int(c[1]) == 0;
    return rv;
}

apr_status_t oa2_store_nonce_use(oa2_store_t *st, const char *nonce_hash,
                                 apr_int64_t expires_at, oa2_err_t *err,
                                 apr_pool_t *p)
{
    const char *args[] = {st->issuer, nonce_hash,
                          oa2_store_dbd_num(expires_at, p)};
    const char **c;
    int n = 0;
    apr_status_t rv =
        oa2_store_dbd_one_row(&c, st, OA2_SQL_NONCE_GET, 2, args, 1, err, p);

    if (rv == APR_SUCCESS) {
        return APR_EEXIST;
    }
    if (rv != APR_NOTFOUND) {
        return rv;
    }
    /* No row inserted (MySQL: a duplicate key): another request used it
     * since the lookup. */
    rv = run_dup(&n, 1, st, OA2_SQL_NONCE_INSERT, 3, args, err, p);
    return rv == APR_SUCCESS && n == 0 ? APR_EEXIST : rv;
}

apr_status_t oa2_store_assertion_use(oa2_store_t *st, const char *client_id,
                                     const char *jti_hash,
                                     apr_int64_t expires_at, oa2_err_t *err,
                                     apr_pool_t *p)
{
    const char *args[] = {st->issuer, client_id, jti_hash,
                          oa2_store_dbd_num(expires_at, p)};
    int n = 0;
    apr_status_t rv =
        run_dup(&n, 1, st, OA2_SQL_ASSERTION_INSERT, 4, args, err, p);

    /* No row inserted (MySQL: a duplicate key): used before. */
    return rv == APR_SUCCESS && n == 0 ? APR_EEXIST : rv;
}

apr_status_t oa2_store_purge_claim(int *due, oa2_store_t *st, apr_int64_t now,
                                   int interval, oa2_err_t *err, apr_pool_t *p)
{
    /* Also due when set beyond one interval: by a node whose clock ran
     * ahead, which would stop every purge until that time. */
    const char *args[] = {oa2_store_dbd_num(now + interval, p),
                          oa2_store_dbd_num(now, p),
                          oa2_store_dbd_num(now + interval, p)};
    int n = 0;
    apr_status_t rv =
        oa2_store_dbd_run(&n, st, OA2_SQL_PURGE_CLAIM, 3, args, err, p);

    /* No row updated: due later, or no purge was ever claimed here. */
    if (rv == APR_SUCCESS && n == 0) {
        rv = run_dup(&n, 1, st, OA2_SQL_PURGE_CLAIM_FIRST, 1, args, err, p);
    }
    *due = rv == APR_SUCCESS && n == 1;
    return rv;
}

apr_status_t oa2_store_purge_release(oa2_store_t *st, apr_int64_t now,
                                     oa2_err_t *err, apr_pool_t *p)
{
    const char *args[] = {oa2_store_dbd_num(now, p)};

    return oa2_store_dbd_run(NULL, st, OA2_SQL_PURGE_RELEASE, 1, args, err, p);
}

apr_status_t oa2_store_purge(int *deleted, int *more, oa2_store_t *st,
                             apr_int64_t now, int max_batches, oa2_err_t *err,
                             apr_pool_t *p)
{
    static const oa2_sql_id_t tables[] = {
        OA2_SQL_PURGE_CODES,      OA2_SQL_PURGE_REFRESH, OA2_SQL_PURGE_JTI,
        OA2_SQL_PURGE_ACCESS,     OA2_SQL_PURGE_NONCES,  OA2_SQL_PURGE_PUSHED,
        OA2_SQL_PURGE_ASSERTIONS, OA2_SQL_PURGE_DEVICE};
    /* Used codes stay a day, so a late replay still revokes its tokens. */
    const char *day_ago[] = {oa2_store_dbd_num(now - 86400, p)};
    const char *at_now[] = {oa2_store_dbd_num(now, p)};
    apr_status_t rv = APR_SUCCESS;
    apr_size_t t;
    int batch, n;

    *deleted = 0;
    *more = 0;
    for (t = 0; t < sizeof(tables) / sizeof(*tables); t++) {
        /* Each statement commits on its own: no long write lock. */
        for (batch = 0;; batch++) {
            if (batch == max_batches) {
                *more = 1;
                break;
            }
            n = 0;
            rv = oa2_store_dbd_run(&n, st, tables[t], 1,
                                   t == 0 ? day_ago : at_now, err, p);
            if (rv != APR_SUCCESS) {
                return rv;
            }
            *deleted += n;
            if (n < OA2_SQL_PURGE_BATCH) {
                break;
            }
        }
    }
    return rv;
}
