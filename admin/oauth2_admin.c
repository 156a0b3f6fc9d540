/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/*
 * oauth2-admin: manage the clients and grants of mod_oauth2's authorization
 * server, in the spirit of htpasswd and htdbm. It opens the database that
 * DBDriver/DBDParams name with APR DBD directly (no httpd, no mod_dbd) and
 * changes it only through the core's store.
 *
 * This file: the command line, the connection, "schema", and the helpers
 * the client and grant commands share.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_dbd.h>
#include <apr_general.h>
#include <apr_strings.h>
#include <apr_time.h>

#include "oa2_sql.h"
#include "oa2_text.h"
#include "oa2_url.h"
#include "oauth2_admin.h"

static const char usage_text[] =
    "usage: oauth2-admin [-d DRIVER] -p PARAMS -i ISSUER COMMAND [ARGS]\n"
    "\n"
    "Manage the clients and grants of mod_oauth2's authorization server in\n"
    "its database, while httpd runs or not.\n"
    "\n"
    "  -d DRIVER   apr_dbd driver name: sqlite3 (default), pgsql, mysql\n"
    "  -p PARAMS   the same string as DBDParams (sqlite3: the database "
    "file)\n"
    "  -i ISSUER   the OAuth2Issuer whose clients and grants to manage\n"
    "  -h, --help  this text\n"
    "\n"
    "Commands:\n"
    "  client add NAME [--redirect-uri URI]... [--scope \"S1 S2\"]\n"
    "                  [--grant TYPE]... [--public]\n"
    "                  [--auth-method client_secret_basic|"
    "client_secret_post|\n"
    "                   tls_client_auth|self_signed_tls_client_auth|\n"
    "                   private_key_jwt]\n"
    "                  [--client-id ID] [--post-logout-redirect-uri URI]...\n"
    "                  [--require-par] [--dpop-bound]\n"
    "                  [--metadata JSON|@FILE]\n"
    "                  [--jwks-file FILE | --jwks-uri URL]\n"
    "      register a client; prints its client_id and, unless --public,\n"
    "      its client_secret, which is stored only as a hash and shown\n"
    "      this once. TYPE: authorization_code, refresh_token,\n"
    "      client_credentials, urn:ietf:params:oauth:grant-type:device_code\n"
    "      (default: authorization_code refresh_token).\n"
    "      --public: no secret, auth method none, needs PKCE.\n"
    "      --auth-method: how the client sends its secret to the token,\n"
    "      introspection and revocation endpoints, and the only way\n"
    "      accepted (default client_secret_basic, as in RFC 7591).\n"
    "      --scope: the scopes it may ask for (default: every OAuth2Scope).\n"
    "      --post-logout-redirect-uri: where the logout endpoint may send\n"
    "      the user back to after an OpenID logout (exact match).\n"
    "      --client-id: the id (default: 128 random bits); an https URL\n"
    "      pre-registers that client ID metadata document client, whose\n"
    "      document is then never fetched.\n"
    "      --require-par: its authorization requests must be pushed to\n"
    "      {base}/par first (require_pushed_authorization_requests).\n"
    "      --metadata: mutual TLS client metadata (RFC 8705), a JSON object\n"
    "      or @FILE holding one: tls_client_auth_subject_dn or one\n"
    "      tls_client_auth_san_dns|_uri|_ip|_email (tls_client_auth),\n"
    "      jwks (self_signed_tls_client_auth: the certificate's key),\n"
    "      tls_client_certificate_bound_access_tokens. Clients of the two\n"
    "      TLS methods get no secret.\n"
    "      --jwks-file, --jwks-uri: the client's public keys (a JWK Set\n"
    "      file, or the https URL where it publishes one); private_key_jwt\n"
    "      needs one of them, and the client gets no secret.\n"
    "      --dpop-bound: its token requests must carry a DPoP proof, and\n"
    "      its access tokens are bound to its key (RFC 9449,\n"
    "      dpop_bound_access_tokens).\n"
    "  client list                 ID, NAME, AUTH_METHOD, GRANTS per line\n"
    "  client show ID              a client's settings, one per line\n"
    "  client remove ID            unregister a client; its codes, consents\n"
    "      and tokens (refresh and access) are withdrawn at once\n"
    "  client rotate-secret ID     issue a new secret; the old one stops "
    "working\n"
    "  grant list USER             CLIENT_ID, SCOPE, UPDATED_AT per line\n"
    "  grant revoke USER [CLIENT_ID]\n"
    "      forget USER's consent (to one client or to all), delete its codes\n"
    "      and revoke the refresh and access tokens it produced; prints how\n"
    "      many grants went\n"
    "  schema [DRIVER]             print the schema's SQL (no database "
    "needed)\n"
    "\n"
    "The tables are created on first use. Run this as the user httpd runs\n"
    "as (or give the files back to it), so httpd can still write an SQLite\n"
    "database this command created.\n"
    "\n"
    "Exit status: 0 done, 1 failed, 2 wrong command line.\n";

/* Drivers whose schema oa2_sql.c knows. */
static const char *const known_drivers[] = {"sqlite3", "pgsql", "mysql", NULL};

static void vreport(const char *fmt, va_list ap)
    __attribute__((format(printf, 1, 0)));

static void vreport(const char *fmt, va_list ap)
{
    fflush(stdout);
    fputs("oauth2-admin: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

int oa2_admin_fail(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vreport(fmt, ap);
    va_end(ap);
    return OA2_ADMIN_FAIL;
}

int oa2_admin_usage(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vreport(fmt, ap);
    va_end(ap);
    fputs("Try 'oauth2-admin --help' for more information.\n", stderr);
    return OA2_ADMIN_USAGE;
}

int oa2_admin_fail_err(const oa2_err_t *err)
{
    const char *what = err->description ? err->description : "failed";

    if (err->detail) {
        return oa2_admin_fail("%s: %s", what, err->detail);
    }
    return oa2_admin_fail("%s", what);
}

const char *oa2_admin_printable(const char *s, apr_pool_t *p)
{
    return oa2_text_printable(s, p);
}

const char *oa2_admin_iso8601(apr_int64_t t, apr_pool_t *p)
{
    apr_time_exp_t tm;
    apr_size_t len = 0;
    char buf[32];

    if (apr_time_exp_gmt(&tm, apr_time_from_sec(t)) != APR_SUCCESS
        || apr_strftime(buf, &len, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm)
            != APR_SUCCESS) {
        return apr_psprintf(p, "%" APR_INT64_T_FMT, t);
    }
    return apr_pstrndup(p, buf, len);
}

static int is_known_driver(const char *name)
{
    const char *const *d;

    for (d = known_drivers; *d; d++) {
        if (!strcmp(*d, name)) {
            return 1;
        }
    }
    return 0;
}

/* ---- the connection ------------------------------------------------------ */

static apr_status_t db_close(void *data)
{
    oa2_db_t *db = data;

    if (db->handle) {
        apr_dbd_close(db->driver, db->handle);
        db->handle = NULL;
    }
    return APR_SUCCESS;
}

int oa2_admin_open(oa2_admin_t *a)
{
    int is_sqlite = !strcmp(a->driver_name, "sqlite3");
    const char *what, *error = NULL;
    oa2_err_t err = {0};
    apr_status_t rv;

    if (!a->params || !*a->params) {
        return oa2_admin_usage("-p PARAMS is required: the DBDParams of the "
                               "database");
    }
    if (!a->issuer) {
        return oa2_admin_usage("-i ISSUER is required: the OAuth2Issuer "
                               "whose clients to manage");
    }
    if (oa2_url_check_issuer(a->issuer, &err, a->pool) != APR_SUCCESS) {
        return oa2_admin_fail("-i %s: %s",
                              oa2_admin_printable(a->issuer, a->pool),
                              err.description);
    }
    /* The params of a database server may hold a password: never echo
     * them; an SQLite file name is what the admin needs to see. */
    what = apr_psprintf(a->pool, "%s database",
                        oa2_admin_printable(a->driver_name, a->pool));
    if (is_sqlite) {
        what = apr_psprintf(a->pool, "sqlite3 database %s",
                            oa2_admin_printable(a->params, a->pool));
    }

    rv = apr_dbd_get_driver(a->pool, a->driver_name, &a->db.driver);
    if (rv == APR_ENOTIMPL) {
        return oa2_admin_fail("no apr_dbd driver named %s",
                              oa2_admin_printable(a->driver_name, a->pool));
    }
    if (rv != APR_SUCCESS && is_known_driver(a->driver_name)) {
        return oa2_admin_fail("cannot load the apr_dbd %s driver (Debian: "
                              "apt-get install libaprutil1-dbd-%s)",
                              a->driver_name, a->driver_name);
    }
    if (rv != APR_SUCCESS) {
        return oa2_admin_fail("cannot load an apr_dbd driver named %s",
                              oa2_admin_printable(a->driver_name, a->pool));
    }
    rv = apr_dbd_open_ex(a->db.driver, a->pool, a->params, &a->db.handle,
                         &error);
    if (rv != APR_SUCCESS || !a->db.handle) {
        char buf[120];
        a->db.handle = NULL;
        return oa2_admin_fail("cannot open %s: %s", what,
                              error ? error
                                    : apr_strerror(rv, buf, sizeof(buf)));
    }
    apr_pool_cleanup_register(a->pool, &a->db, db_close, apr_pool_cleanup_null);
    a->db.prepared = apr_hash_make(a->pool);
    a->db.conn_pool = a->pool;
    a->store.db = &a->db;
    a->store.issuer = a->issuer;
    a->store.trans = NULL;

    if (oa2_store_setup(&a->db, &err, a->pool) != APR_SUCCESS) {
        return oa2_admin_fail("cannot set up %s: %s", what,
                              err.detail ? err.detail : err.description);
    }
    return OA2_ADMIN_OK;
}

apr_status_t oa2_admin_end(oa2_admin_t *a, apr_status_t rv, oa2_err_t *err)
{
    oa2_err_t end_err = {0};
    apr_status_t end_rv;

    end_rv = oa2_store_end(&a->store, rv != APR_SUCCESS, &end_err, a->pool);
    if (rv == APR_SUCCESS && end_rv != APR_SUCCESS) {
        *err = end_err;
        return end_rv;
    }
    return rv;
}

/* ---- schema --------------------------------------------------------------- */

static int cmd_schema(oa2_admin_t *a, int argc, const char *const *argv)
{
    const char *driver = argc > 0 ? argv[0] : a->driver_name;
    const char *const *sql;

    if (argc > 1) {
        return oa2_admin_usage("schema takes at most one DRIVER");
    }
    if (!is_known_driver(driver)) {
        return oa2_admin_usage("schema: unknown driver %s (sqlite3, pgsql or "
                               "mysql)",
                               oa2_admin_printable(driver, a->pool));
    }
    for (sql = oa2_sql_schema(driver); *sql; sql++) {
        printf("%s;\n", *sql);
    }
    return OA2_ADMIN_OK;
}

/* ---- the command line ----------------------------------------------------- */

/* Parse the global options and run the command after them. */
static int run(oa2_admin_t *a, int argc, const char *const *argv)
{
    const char **slot;
    const char *cmd;
    int i;

    for (i = 1; i < argc && argv[i][0] == '-'; i++) {
        const char *opt = argv[i];
        if (!strcmp(opt, "-h") || !strcmp(opt, "--help")) {
            fputs(usage_text, stdout);
            return OA2_ADMIN_OK;
        }
        if (!strcmp(opt, "--")) {
            i++;
            break;
        }
        switch (opt[1]) {
        case 'd':
            slot = &a->driver_name;
            break;
        case 'p':
            slot = &a->params;
            break;
        case 'i':
            slot = &a->issuer;
            break;
        default:
            slot = NULL;
        }
        if (!slot) {
            return oa2_admin_usage("unknown option %s",
                                   oa2_admin_printable(opt, a->pool));
        }
        if (*slot) {
            return oa2_admin_usage("option -%c is given twice", opt[1]);
        }
        if (opt[2]) {
            *slot = opt + 2;
        }
        else if (i + 1 < argc) {
            *slot = argv[++i];
        }
        else {
            return oa2_admin_usage("option -%c needs a value", opt[1]);
        }
    }
    if (!a->driver_name) {
        a->driver_name = "sqlite3";
    }
    if (i >= argc) {
        return oa2_admin_usage("no command given");
    }
    cmd = argv[i++];
    if (!strcmp(cmd, "schema")) {
        return cmd_schema(a, argc - i, argv + i);
    }
    if (!strcmp(cmd, "client")) {
        return oa2_admin_client(a, argc - i, argv + i);
    }
    if (!strcmp(cmd, "grant")) {
        return oa2_admin_grant(a, argc - i, argv + i);
    }
    return oa2_admin_usage("unknown command %s",
                           oa2_admin_printable(cmd, a->pool));
}

int main(int argc, const char *const *argv)
{
    apr_pool_t *pool;
    oa2_admin_t a;
    int status;

    if (apr_app_initialize(&argc, &argv, NULL) != APR_SUCCESS) {
        fputs("oauth2-admin: cannot initialize APR\n", stderr);
        return OA2_ADMIN_FAIL;
    }
    atexit(apr_terminate);
    if (apr_pool_create(&pool, NULL) != APR_SUCCESS
        || apr_dbd_init(pool) != APR_SUCCESS) {
        fputs("oauth2-admin: cannot initialize APR DBD\n", stderr);
        return OA2_ADMIN_FAIL;
    }
    memset(&a, 0, sizeof(a));
    a.pool = pool;
    status = run(&a, argc, argv);
    apr_pool_destroy(pool);

    if (fflush(stdout) != 0 || ferror(stdout)) {
        fputs("oauth2-admin: cannot write the output\n", stderr);
        return OA2_ADMIN_FAIL;
    }
    return status;
}
