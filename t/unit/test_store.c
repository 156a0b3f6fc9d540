/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/* The store on a real SQLite database (in memory). */
#include <string.h>

#include <apr_file_info.h>
#include <apr_file_io.h>
#include <apr_strings.h>

#include "oa2_secret.h"
#include "oa2_sql.h"
#include "oa2_store.h"
#include "store_fixture.h"
#include "unit.h"

#define ISS "https://as.example"

static void test_client_round_trip(apr_pool_t *p)
{
    oa2_store_t *st = fixture_store(ISS, p);
    oa2_client_t *c;
    apr_array_header_t *all;

    UNIT_ASSERT(st);
    UNIT_ASSERT(fixture_client(st, "c1", "s3cret", "authorization_code",
                               "https://app.example/cb", p));
    UNIT_EQ_INT(oa2_store_client_get(&c, st, "c1", NULL, p), APR_SUCCESS);
    UNIT_EQ_STR(c->name, "client c1");
    UNIT_EQ_INT(c->redirect_uris->nelts, 1);
    UNIT_EQ_STR(APR_ARRAY_IDX(c->redirect_uris, 0, const char *),
                "https://app.example/cb");
    UNIT_EQ_STR(c->secret_hash, oa2_secret_hash("s3cret", p));
    UNIT_EQ_INT(oa2_store_client_add(st, c, NULL, p), APR_EEXIST);
    UNIT_EQ_INT(oa2_store_client_list(&all, st, NULL, p), APR_SUCCESS);
    UNIT_EQ_INT(all->nelts, 1);
    UNIT_EQ_INT(oa2_store_client_set_secret(st, "c1", "x", NULL, p),
                APR_SUCCESS);
    UNIT_EQ_INT(oa2_store_client_remove(st, "c1", NULL, p), APR_SUCCESS);
    UNIT_EQ_INT(oa2_store_client_get(&c, st, "c1", NULL, p), APR_NOTFOUND);
    UNIT_EQ_INT(oa2_store_client_remove(st, "c1", NULL, p), APR_NOTFOUND);
}

static void test_issuers_are_isolated(apr_pool_t *p)
{
    oa2_store_t *a = fixture_store("https://a.example", p);
    oa2_store_t other;
    oa2_client_t *c;

    UNIT_ASSERT(a);
    UNIT_ASSERT(fixture_client(a, "c1", "s", "authorization_code", NULL, p));
    other = *a;
    other.issuer = "https://b.example";
    UNIT_EQ_INT(oa2_store_client_get(&c, &other, "c1", NULL, p), APR_NOTFOUND);
    UNIT_ASSERT(
        fixture_client(&other, "c1", "t", "client_credentials", NULL, p));
    UNIT_EQ_INT(oa2_store_client_get(&c, a, "c1", NULL, p), APR_SUCCESS);
    UNIT_EQ_STR(c->grant_types, "authorization_code");
}

static void test_code_single_use(apr_pool_t *p)
{
    oa2_store_t *st = fixture_store(ISS, p);
    oa2_code_t in = {"c1",
                     "alice",
                     "https://app/cb",
                     "read",
                     "",
                     "chal",
                     2000000000,
                     0,
                     "fam1",
                     "",
                     "",
                     0,
                     "",
                     "jkt-of-a-key"};
    oa2_code_t *out;
    int first = 0;

    UNIT_ASSERT(st);
    UNIT_EQ_INT(oa2_store_code_add(st, "h1", &in, NULL, p), APR_SUCCESS);
    UNIT_EQ_INT(oa2_store_code_consume(&out, &first, st, "h1", NULL, p),
                APR_SUCCESS);
    UNIT_EQ_INT(first, 1);
    UNIT_EQ_STR(out->user, "alice");
    UNIT_EQ_STR(out->family, "fam1");
    UNIT_EQ_STR(out->dpop_jkt, "jkt-of-a-key"); /* RFC 9449 §10 */
    UNIT_EQ_INT(oa2_store_code_set_issued(st, "h1", "jti1", NULL, p),
                APR_SUCCESS);
    UNIT_EQ_INT(oa2_store_code_consume(&out, &first, st, "h1", NULL, p),
                APR_SUCCESS);
    UNIT_EQ_INT(first, 0);
    UNIT_EQ_STR(out->access_jti, "jti1");
    UNIT_EQ_INT(oa2_store_code_consume(&out, &first, st, "nope", NULL, p),
                APR_NOTFOUND);
}

static void test_code_consume_rolls_back(apr_pool_t *p)
{
    oa2_store_t *st = fixture_store(ISS, p);
    oa2_code_t in = {"c1",       "alice", "https://app/cb", "read", "", "chal",
                     2000000000, 0,       "fam1",           "",     "", 0,
                     "",         ""};
    oa2_code_t *out;
    int first = 0;

    UNIT_ASSERT(st);
    UNIT_EQ_INT(oa2_store_code_add(st, "h1", &in, NULL, p), APR_SUCCESS);
    UNIT_EQ_INT(oa2_store_begin(st, NULL, p), APR_SUCCESS);
    UNIT_EQ_INT(oa2_store_code_consume(&out, &first, st, "h1", NULL, p),
                APR_SUCCESS);
    UNIT_EQ_INT(first, 1);
    UNIT_EQ_INT(oa2_store_end(st, 1, NULL, p), APR_SUCCESS);
    /* Rolled back: the code is still unused. */
    UNIT_EQ_INT(oa2_store_code_consume(&out, &first, st, "h1", NULL, p),
                APR_SUCCESS);
    UNIT_EQ_INT(first, 1);
}

static void test_refresh_rotation(apr_pool_t *p)
{
    oa2_store_t *st = fixture_store(ISS, p);
    oa2_refresh_t in = {"fam",      "c1", "alice", "read", "",
                        2000000000, 0,    0,       "",     ""};
    oa2_refresh_t *out;
    int first = 0;

    UNIT_ASSERT(st);
    UNIT_EQ_INT(oa2_store_refresh_add(st, "r1", &in, 1, NULL, p), APR_SUCCESS);
    UNIT_EQ_INT(oa2_store_refresh_add(st, "r2", &in, 1, NULL, p), APR_SUCCESS);
    UNIT_EQ_INT(oa2_store_refresh_rotate(&out, &first, st, "r1", NULL, p),
                APR_SUCCESS);
    UNIT_EQ_INT(first, 1);
    UNIT_EQ_INT(out->state, OA2_REFRESH_ROTATED);
    UNIT_EQ_INT(oa2_store_refresh_rotate(&out, &first, st, "r1", NULL, p),
                APR_SUCCESS);
    UNIT_EQ_INT(first, 0);
    UNIT_EQ_INT(oa2_store_family_revoke(st, "fam", NULL, p), APR_SUCCESS);
    UNIT_EQ_INT(oa2_store_refresh_get(&out, st, "r2", NULL, p), APR_SUCCESS);
    UNIT_EQ_INT(out->state, OA2_REFRESH_REVOKED);
    UNIT_EQ_INT(oa2_store_refresh_get(&out, st, "r9", NULL, p), APR_NOTFOUND);
}

static void test_consent_and_grants(apr_pool_t *p)
{
    oa2_store_t *st = fixture_store(ISS, p);
    oa2_refresh_t rt = {"fam",      "c1", "alice", "read", "",
                        2000000000, 0,    0,       "",     ""};
    oa2_refresh_t *out;
    apr_array_header_t *list;
    const char *scope;
    int n = 0;

    UNIT_ASSERT(st);
    UNIT_EQ_INT(oa2_store_consent_get(&scope, st, "alice", "c1", NULL, p),
                APR_NOTFOUND);
    UNIT_EQ_INT(oa2_store_consent_put(st, "alice", "c1", "read", 5, NULL, p),
                APR_SUCCESS);
    UNIT_EQ_INT(
        oa2_store_consent_put(st, "alice", "c1", "read write", 6, NULL, p),
        APR_SUCCESS);
    UNIT_EQ_INT(oa2_store_consent_get(&scope, st, "alice", "c1", NULL, p),
                APR_SUCCESS);
    UNIT_EQ_STR(scope, "read write");
    /* stored again, unchanged (MySQL: an UPDATE that changes no row) */
    UNIT_EQ_INT(
        oa2_store_consent_put(st, "alice", "c1", "read write", 6, NULL, p),
        APR_SUCCESS);
    UNIT_EQ_INT(oa2_store_consent_get(&scope, st, "alice", "c1", NULL, p),
                APR_SUCCESS);
    UNIT_EQ_STR(scope, "read write");
    UNIT_EQ_INT(oa2_store_consent_put(st, "alice", "c2", "", 7, NULL, p),
                APR_SUCCESS);
    UNIT_EQ_INT(oa2_store_consent_list(&list, st, "alice", NULL, p),
                APR_SUCCESS);
    UNIT_EQ_INT(list->nelts, 2);
    UNIT_EQ_INT(oa2_store_refresh_add(st, "r1", &rt, 1, NULL, p), APR_SUCCESS);
    UNIT_EQ_INT(oa2_store_grant_revoke(&n, st, "alice", "c1", NULL, p),
                APR_SUCCESS);
    UNIT_EQ_INT(n, 1);
    UNIT_EQ_INT(oa2_store_refresh_get(&out, st, "r1", NULL, p), APR_SUCCESS);
    UNIT_EQ_INT(out->state, OA2_REFRESH_REVOKED);
    UNIT_EQ_INT(oa2_store_grant_revoke(&n, st, "alice", NULL, NULL, p),
                APR_SUCCESS);
    UNIT_EQ_INT(n, 1);
}

static void test_jti_nonce_purge(apr_pool_t *p)
{
    oa2_store_t *st = fixture_store(ISS, p);
    int revoked = 0, n = 0, more = 0;

    UNIT_ASSERT(st);
    UNIT_EQ_INT(oa2_store_jti_is_revoked(&revoked, st, "j1", NULL, p),
                APR_SUCCESS);
    UNIT_EQ_INT(revoked, 0);
    UNIT_EQ_INT(oa2_store_jti_revoke(st, "j1", 100, NULL, p), APR_SUCCESS);
    UNIT_EQ_INT(oa2_store_jti_revoke(st, "j1", 100, NULL, p), APR_SUCCESS);
    UNIT_EQ_INT(oa2_store_jti_is_revoked(&revoked, st, "j1", NULL, p),
                APR_SUCCESS);
    UNIT_EQ_INT(revoked, 1);
    UNIT_EQ_INT(oa2_store_nonce_use(st, "n1", 100, NULL, p), APR_SUCCESS);
    UNIT_EQ_INT(oa2_store_nonce_use(st, "n1", 100, NULL, p), APR_EEXIST);
    UNIT_EQ_INT(oa2_store_purge(&n, &more, st, 200, 1, NULL, p), APR_SUCCESS);
    UNIT_EQ_INT(n, 2);
    UNIT_EQ_INT(more, 0);
    UNIT_EQ_INT(oa2_store_jti_is_revoked(&revoked, st, "j1", NULL, p),
                APR_SUCCESS);
    UNIT_EQ_INT(revoked, 0);
    UNIT_EQ_INT(oa2_store_nonce_use(st, "n1", 300, NULL, p), APR_SUCCESS);
}

/* Whether the access token @a jti of @a client, issued at @a iat, may no
 * longer be used; -1 when the store fails. */
static int token_revoked_at(oa2_store_t *st, const char *jti,
                            const char *client, apr_int64_t iat, apr_pool_t *p)
{
    int revoked = -1;

    if (oa2_store_token_is_revoked(&revoked, st, jti, client, iat, NULL, p)
        != APR_SUCCESS) {
        return -1;
    }
    return revoked;
}

/* The same for a token issued long after every fixture client. */
static int token_revoked(oa2_store_t *st, const char *jti, const char *client,
                         apr_pool_t *p)
{
    return token_revoked_at(st, jti, client, 2000000000, p);
}

/* Withdrawing a grant revokes the access tokens issued to it, and only
 * those; removing a client revokes all of its tokens. */
static void test_withdrawal_revokes_access_tokens(apr_pool_t *p)
{
    oa2_store_t *st = fixture_store(ISS, p);
    oa2_code_t code = {"c1",       "alice", "https://app/cb", "read", "", "ch",
                       2000000000, 0,       "fam0",           "",     "", 0,
                       "",         ""};
    oa2_code_t *c;
    int n = 0, first = 0;

    UNIT_ASSERT(st);
    UNIT_ASSERT(fixture_client(st, "c1", "s", "authorization_code", NULL, p));
    UNIT_ASSERT(fixture_client(st, "c2", "s", "authorization_code", NULL, p));
    UNIT_EQ_INT(oa2_store_access_add(st, "ja1", "fam1", "c1", "alice", "",
                                     2000000000, NULL, p),
                APR_SUCCESS);
    UNIT_EQ_INT(oa2_store_access_add(st, "jb1", "fam2", "c1", "bob", "",
                                     2000000000, NULL, p),
                APR_SUCCESS);
    UNIT_EQ_INT(oa2_store_access_add(st, "ja2", "fam3", "c2", "alice", "",
                                     2000000000, NULL, p),
                APR_SUCCESS);
    UNIT_EQ_INT(oa2_store_code_add(st, "h0", &code, NULL, p), APR_SUCCESS);
    UNIT_EQ_INT(token_revoked(st, "ja1", "c1", p), 0);

    UNIT_EQ_INT(oa2_store_grant_revoke(&n, st, "alice", "c1", NULL, p),
                APR_SUCCESS);
    UNIT_EQ_INT(token_revoked(st, "ja1", "c1", p), 1);
    UNIT_EQ_INT(token_revoked(st, "jb1", "c1", p), 0);
    UNIT_EQ_INT(token_revoked(st, "ja2", "c2", p), 0);
    /* the grant's code not yet redeemed is gone too */
    UNIT_EQ_INT(oa2_store_begin(st, NULL, p), APR_SUCCESS);
    UNIT_EQ_INT(oa2_store_code_consume(&c, &first, st, "h0", NULL, p),
                APR_NOTFOUND);
    UNIT_EQ_INT(oa2_store_end(st, 1, NULL, p), APR_SUCCESS);

    UNIT_EQ_INT(oa2_store_grant_revoke(&n, st, "alice", NULL, NULL, p),
                APR_SUCCESS);
    UNIT_EQ_INT(token_revoked(st, "ja2", "c2", p), 1);
    UNIT_EQ_INT(token_revoked(st, "jb1", "c1", p), 0);

    /* a client's tokens, recorded or not (client_credentials), go with
     * it, and stay revoked when a client of the same id comes back */
    UNIT_EQ_INT(token_revoked(st, "cc1", "c1", p), 0);
    UNIT_EQ_INT(oa2_store_client_remove(st, "c1", NULL, p), APR_SUCCESS);
    UNIT_EQ_INT(token_revoked(st, "jb1", "c1", p), 1);
    UNIT_EQ_INT(token_revoked(st, "cc1", "c1", p), 1);
    UNIT_ASSERT(fixture_client(st, "c1", "t", "authorization_code", NULL, p));
    UNIT_EQ_INT(token_revoked(st, "jb1", "c1", p), 1);
    /* a token issued before the client of that id was added is the
     * removed client's; one issued since is the new client's; the clock
     * of the node that added it may run ahead a little */
    UNIT_EQ_INT(token_revoked_at(st, "cc1", "c1", 1000000000, p), 1);
    UNIT_EQ_INT(token_revoked(st, "cc2", "c1", p), 0);
    UNIT_EQ_INT(token_revoked_at(st, "cc3", "c1", 1700000000 - 60, p), 0);
    UNIT_EQ_INT(token_revoked_at(st, "cc3", "c1", 1700000000 - 61, p), 1);
    /* the other issuer of the database is not touched */
    {
        oa2_store_t other = *st;
        other.issuer = "https://b.example";
        UNIT_ASSERT(
            fixture_client(&other, "c2", "s", "authorization_code", NULL, p));
        UNIT_EQ_INT(oa2_store_access_add(&other, "ja2", "fam3", "c2", "alice",
                                         "", 2000000000, NULL, p),
                    APR_SUCCESS);
        UNIT_EQ_INT(token_revoked(&other, "ja2", "c2", p), 0);
    }
}

/* Whether the purge is due for @a st at @a now (interval 300 s); -1 when
 * the claim fails. */
static int claim(oa2_store_t *st, apr_int64_t now, apr_pool_t *p)
{
    int due = -1;

    return oa2_store_purge_claim(&due, st, now, 300, NULL, p) == APR_SUCCESS
        ? due
        : -1;
}

/* One purge cleans every issuer of the database, a bounded number of rows
 * per call; one process of those sharing the database claims it. */
static void test_purge_every_issuer_in_batches(apr_pool_t *p)
{
    oa2_store_t *a = fixture_store(ISS, p);
    oa2_store_t b;
    int i, n = 0, more = 0;

    UNIT_ASSERT(a);
    b = *a;
    b.issuer = "https://b.example";
    for (i = 0; i < OA2_SQL_PURGE_BATCH * 2 + 500; i++) {
        UNIT_EQ_INT(oa2_store_nonce_use(i % 2 ? a : &b,
                                        apr_psprintf(p, "n%d", i), 100, NULL,
                                        p),
                    APR_SUCCESS);
    }
    UNIT_EQ_INT(oa2_store_nonce_use(&b, "live", 5000, NULL, p), APR_SUCCESS);
    UNIT_EQ_INT(oa2_store_purge(&n, &more, a, 200, 2, NULL, p), APR_SUCCESS);
    UNIT_EQ_INT(n, OA2_SQL_PURGE_BATCH * 2);
    UNIT_EQ_INT(more, 1);
    UNIT_EQ_INT(oa2_store_purge(&n, &more, a, 200, 2, NULL, p), APR_SUCCESS);
    UNIT_EQ_INT(n, 500);
    UNIT_EQ_INT(more, 0);
    UNIT_EQ_INT(oa2_store_nonce_use(&b, "n0", 300, NULL, p), APR_SUCCESS);
    UNIT_EQ_INT(oa2_store_nonce_use(a, "n1", 300, NULL, p), APR_SUCCESS);
    UNIT_EQ_INT(oa2_store_nonce_use(&b, "live", 300, NULL, p), APR_EEXIST);

    UNIT_EQ_INT(claim(a, 1000, p), 1);
    UNIT_EQ_INT(claim(&b, 1100, p), 0);
    UNIT_EQ_INT(claim(&b, 1300, p), 1);
    UNIT_EQ_INT(claim(a, 1300, p), 0);
    /* a purge that left rows makes the next asker go on */
    UNIT_EQ_INT(oa2_store_purge_release(a, 1350, NULL, p), APR_SUCCESS);
    UNIT_EQ_INT(claim(&b, 1350, p), 1);
    /* a node whose clock ran far ahead does not stop the others */
    UNIT_EQ_INT(claim(a, 90000, p), 1);
    UNIT_EQ_INT(claim(&b, 1700, p), 1);
    UNIT_EQ_INT(claim(&b, 1800, p), 0);
}

/* Two requests inserting the same row at once: the later one inserts
 * nothing and does not fail, whatever its lookup before saw (the store
 * reads the row count). */
static void test_insert_races_are_no_errors(apr_pool_t *p)
{
    oa2_store_t *st = fixture_store(ISS, p);
    struct {
        oa2_sql_id_t id;
        int nargs;
        const char *args[5];
    } ins[] = {
        {OA2_SQL_NONCE_INSERT, 3, {ISS, "n1", "100"}},
        {OA2_SQL_JTI_INSERT, 3, {ISS, "j1", "100"}},
        {OA2_SQL_CONSENT_INSERT, 5, {"read", "100", ISS, "alice", "c1"}},
    };
    apr_size_t i;
    int k, n;

    UNIT_ASSERT(st);
    UNIT_EQ_INT(oa2_store_setup(st->db, NULL, p), APR_SUCCESS);
    for (i = 0; i < sizeof(ins) / sizeof(*ins); i++) {
        const oa2_sql_t *sql = oa2_sql_get(ins[i].id, "sqlite3");
        apr_dbd_prepared_t *stmt = NULL;

        UNIT_EQ_INT(apr_dbd_prepare(st->db->driver, p, st->db->handle,
                                    sql->text, NULL, &stmt),
                    0);
        for (k = 0; k < 2; k++) {
            n = -1;
            UNIT_EQ_INT(apr_dbd_pquery(st->db->driver, p, st->db->handle, &n,
                                       stmt, ins[i].nargs, ins[i].args),
                        0);
            UNIT_EQ_INT(n, k == 0);
        }
    }
}

/* MySQL has no ON CONFLICT: where two requests insert one row, the later
 * one's duplicate key is ON DUPLICATE KEY UPDATE, never INSERT IGNORE
 * (which would also store truncated values); the nonce's is its plain
 * INSERT's error, which the store reads. The labels, which name the
 * prepared statements, never differ between drivers. */
/* What an ID token needs goes with the grant: a code's nonce, auth_time
 * and claims, a refresh token's auth_time and claims. */
static void test_oidc_fields_round_trip(apr_pool_t *p)
{
    oa2_store_t *st = fixture_store(ISS, p);
    oa2_code_t in = {"c1",       "alice", "https://app/cb", "openid", "", "ch",
                     2000000000, 0,       "fam1",           "",       "", 0,
                     "",         ""};
    oa2_refresh_t rt = {"fam1",     "c1", "alice", "openid", "",
                        2000000000, 0,    0,       "",       ""};
    oa2_code_t *out;
    oa2_refresh_t *got;
    int first = 0;

    UNIT_ASSERT(st);
    in.nonce = "n-0S6_WzA2Mj";
    in.auth_time = 1799999000;
    in.claims = "{\"email\":\"alice@example.org\",\"name\":\"Al'ice\"}";
    UNIT_EQ_INT(oa2_store_code_add(st, "h1", &in, NULL, p), APR_SUCCESS);
    UNIT_EQ_INT(oa2_store_code_consume(&out, &first, st, "h1", NULL, p),
                APR_SUCCESS);
    UNIT_EQ_STR(out->nonce, "n-0S6_WzA2Mj");
    UNIT_EQ_INT(out->auth_time, 1799999000);
    UNIT_EQ_STR(out->claims, in.claims);
    /* None given (the callers before OpenID Connect): "" and 0. */
    in.nonce = NULL;
    in.auth_time = 0;
    in.claims = NULL;
    UNIT_EQ_INT(oa2_store_code_add(st, "h2", &in, NULL, p), APR_SUCCESS);
    UNIT_EQ_INT(oa2_store_code_consume(&out, &first, st, "h2", NULL, p),
                APR_SUCCESS);
    UNIT_EQ_STR(out->nonce, "");
    UNIT_EQ_INT(out->auth_time, 0);
    UNIT_EQ_STR(out->claims, "");

    rt.auth_time = 1799999000;
    rt.claims = "{\"email\":\"alice@example.org\"}";
    UNIT_EQ_INT(oa2_store_refresh_add(st, "r1", &rt, 1, NULL, p), APR_SUCCESS);
    UNIT_EQ_INT(oa2_store_refresh_get(&got, st, "r1", NULL, p), APR_SUCCESS);
    UNIT_EQ_INT(got->auth_time, 1799999000);
    UNIT_EQ_STR(got->claims, "{\"email\":\"alice@example.org\"}");
    UNIT_EQ_INT(oa2_store_refresh_rotate(&got, &first, st, "r1", NULL, p),
                APR_SUCCESS);
    UNIT_EQ_INT(first, 1);
    UNIT_EQ_INT(got->auth_time, 1799999000);
    UNIT_EQ_STR(got->claims, "{\"email\":\"alice@example.org\"}");
    rt.auth_time = 0;
    rt.claims = NULL;
    UNIT_EQ_INT(oa2_store_refresh_add(st, "r2", &rt, 1, NULL, p), APR_SUCCESS);
    UNIT_EQ_INT(oa2_store_refresh_get(&got, st, "r2", NULL, p), APR_SUCCESS);
    UNIT_EQ_INT(got->auth_time, 0);
    UNIT_EQ_STR(got->claims, "");
}

/* Run the statements of the SQL file @a path (";" at a line's end ends
 * one; "--" lines are comments) on @a st's connection. */
static int run_sql_file(oa2_store_t *st, const char *path, apr_pool_t *p)
{
    char *text = NULL, *line, *last = NULL;
    const char *stmt = "";
    apr_file_t *f;
    apr_finfo_t fi;
    apr_size_t n;
    int rows, count = 0;

    if (apr_file_open(&f, path, APR_FOPEN_READ, APR_FPROT_OS_DEFAULT, p)
            != APR_SUCCESS
        || apr_file_info_get(&fi, APR_FINFO_SIZE, f) != APR_SUCCESS) {
        return -1;
    }
    n = (apr_size_t)fi.size;
    text = apr_pcalloc(p, n + 1);
    if (apr_file_read_full(f, text, n, NULL) != APR_SUCCESS) {
        return -1;
    }
    apr_file_close(f);
    for (line = apr_strtok(text, "\n", &last); line;
         line = apr_strtok(NULL, "\n", &last)) {
        apr_size_t len = strlen(line);
        if (!strncmp(line, "--", 2)) {
            continue;
        }
        if (len && line[len - 1] == ';') {
            line[len - 1] = '\0'; /* apr_dbd's sqlite3: one statement */
            stmt = apr_pstrcat(p, stmt, line, NULL);
            if (apr_dbd_query(st->db->driver, st->db->handle, &rows, stmt)) {
                return -1;
            }
            stmt = "";
            count++;
        }
        else {
            stmt = apr_pstrcat(p, stmt, line, " ", NULL);
        }
    }
    return count;
}

/* A database made by the release before OpenID Connect (its schema as
 * conf/schema-sqlite3.sql had it, t/data/schema-v1-sqlite3.sql) is
 * upgraded in place on first use: its rows read with the defaults, and
 * new rows carry the new fields. */
static void test_old_schema_upgraded_in_place(apr_pool_t *p)
{
    oa2_store_t *st = fixture_store(ISS, p);
    oa2_code_t *code;
    oa2_refresh_t *rt,
        in = {"fam", "c1", "alice", "read", "", 2000000000, 0, 0, "", ""};
    int rows, first = 0;

    UNIT_ASSERT(st);
    UNIT_ASSERT(run_sql_file(st, "../data/schema-v1-sqlite3.sql", p) > 0);
    /* Made by that release: no new column yet. */
    UNIT_ASSERT(apr_dbd_query(st->db->driver, st->db->handle, &rows,
                              "SELECT nonce FROM oa2_codes")
                != 0);
    UNIT_EQ_INT(apr_dbd_query(st->db->driver, st->db->handle, &rows,
                              "INSERT INTO oa2_codes (issuer, code_hash, "
                              "client_id, user_id, redirect_uri, scope, "
                              "resource, code_challenge, expires_at, used, "
                              "family, access_jti) VALUES ('" ISS
                              "', 'h-old', 'c1', 'alice', 'https://app/cb', "
                              "'read', '', 'ch', 2000000000, 0, 'fam', '')"),
                0);
    UNIT_EQ_INT(apr_dbd_query(st->db->driver, st->db->handle, &rows,
                              "INSERT INTO oa2_refresh (issuer, token_hash, "
                              "family, client_id, user_id, scope, resource, "
                              "expires_at, state, created_at) VALUES ('" ISS
                              "', 'r-old', 'fam', 'c1', 'alice', 'read', '', "
                              "2000000000, 0, 1)"),
                0);
    UNIT_EQ_INT(oa2_store_setup(st->db, NULL, p), APR_SUCCESS);
    UNIT_EQ_INT(oa2_store_code_consume(&code, &first, st, "h-old", NULL, p),
                APR_SUCCESS);
    UNIT_EQ_INT(first, 1);
    UNIT_EQ_STR(code->user, "alice");
    UNIT_EQ_STR(code->nonce, "");
    UNIT_EQ_INT(code->auth_time, 0);
    UNIT_EQ_STR(code->claims, "");
    UNIT_EQ_INT(oa2_store_refresh_rotate(&rt, &first, st, "r-old", NULL, p),
                APR_SUCCESS);
    UNIT_EQ_INT(first, 1);
    UNIT_EQ_INT(rt->auth_time, 0);
    UNIT_EQ_STR(rt->claims, "");
    in.auth_time = 42;
    in.claims = "{}";
    UNIT_EQ_INT(oa2_store_refresh_add(st, "r-new", &in, 1, NULL, p),
                APR_SUCCESS);
    UNIT_EQ_INT(oa2_store_refresh_get(&rt, st, "r-new", NULL, p), APR_SUCCESS);
    UNIT_EQ_INT(rt->auth_time, 42);
    UNIT_EQ_STR(rt->claims, "{}");
    /* A second set-up (another connection, another process) finds every
     * column there and adds none. */
    apr_hash_set(st->db->prepared, "oa2:setup", APR_HASH_KEY_STRING, NULL);
    st->db->ready = 0;
    UNIT_EQ_INT(oa2_store_setup(st->db, NULL, p), APR_SUCCESS);
    UNIT_EQ_INT(apr_dbd_query(st->db->driver, st->db->handle, &rows,
                              "INSERT INTO oa2_codes (issuer, code_hash, "
                              "client_id, user_id, redirect_uri, scope, "
                              "resource, code_challenge, expires_at, used, "
                              "family, access_jti) VALUES ('" ISS
                              "', 'h-old2', 'c1', 'alice', 'https://app/cb', "
                              "'read', '', 'ch', 2000000000, 0, 'fam', '')"),
                0);
}

/* A pushed authorization request: taken once, by its client, before it
 * expires (RFC 9126 §4); the clock is the caller's. */
static void test_pushed_single_use(apr_pool_t *p)
{
    oa2_store_t *st = fixture_store(ISS, p);
    oa2_store_t other;
    oa2_pushed_t in = {"c1", "response_type=code&client_id=c1", 1000, 0};
    oa2_pushed_t live = {"c1", "x=y", 5000, 0};
    oa2_pushed_t *out;
    int first = 1, n = 0, more = 0;

    UNIT_ASSERT(st);
    UNIT_EQ_INT(oa2_store_pushed_add(st, "u1", &in, NULL, p), APR_SUCCESS);
    UNIT_EQ_INT(oa2_store_pushed_add(st, "u2", &live, NULL, p), APR_SUCCESS);
    UNIT_EQ_INT(oa2_store_pushed_get(&out, st, "u1", NULL, p), APR_SUCCESS);
    UNIT_EQ_STR(out->client_id, "c1");
    UNIT_EQ_STR(out->params, "response_type=code&client_id=c1");
    UNIT_EQ_INT(out->expires_at, 1000);
    UNIT_EQ_INT(out->used, 0);
    UNIT_EQ_INT(oa2_store_pushed_get(&out, st, "nope", NULL, p), APR_NOTFOUND);
    /* another issuer's rows are not there */
    other = *st;
    other.issuer = "https://b.example";
    UNIT_EQ_INT(oa2_store_pushed_get(&out, &other, "u1", NULL, p),
                APR_NOTFOUND);
    UNIT_EQ_INT(
        oa2_store_pushed_consume(&first, &other, "u1", "c1", 900, NULL, p),
        APR_SUCCESS);
    UNIT_EQ_INT(first, 0);
    /* another client's */
    UNIT_EQ_INT(oa2_store_pushed_consume(&first, st, "u1", "c2", 900, NULL, p),
                APR_SUCCESS);
    UNIT_EQ_INT(first, 0);
    /* expired: a second after its last one */
    UNIT_EQ_INT(oa2_store_pushed_consume(&first, st, "u1", "c1", 1001, NULL, p),
                APR_SUCCESS);
    UNIT_EQ_INT(first, 0);
    /* none of these took it; its last second does, once */
    UNIT_EQ_INT(oa2_store_pushed_consume(&first, st, "u1", "c1", 1000, NULL, p),
                APR_SUCCESS);
    UNIT_EQ_INT(first, 1);
    UNIT_EQ_INT(oa2_store_pushed_consume(&first, st, "u1", "c1", 1000, NULL, p),
                APR_SUCCESS);
    UNIT_EQ_INT(first, 0);
    UNIT_EQ_INT(oa2_store_pushed_get(&out, st, "u1", NULL, p), APR_SUCCESS);
    UNIT_EQ_INT(out->used, 1);
    UNIT_EQ_INT(
        oa2_store_pushed_consume(&first, st, "nope", "c1", 900, NULL, p),
        APR_SUCCESS);
    UNIT_EQ_INT(first, 0);
    /* the purge takes the expired one, keeps the live one */
    UNIT_EQ_INT(oa2_store_purge(&n, &more, st, 1001, 1, NULL, p), APR_SUCCESS);
    UNIT_EQ_INT(n, 1);
    UNIT_EQ_INT(oa2_store_pushed_get(&out, st, "u1", NULL, p), APR_NOTFOUND);
    UNIT_EQ_INT(oa2_store_pushed_get(&out, st, "u2", NULL, p), APR_SUCCESS);
}

/* A single use decided in a transaction that rolls back is undone. */
static void test_pushed_consume_rolls_back(apr_pool_t *p)
{
    oa2_store_t *st = fixture_store(ISS, p);
    oa2_pushed_t in = {"c1", "a=b", 1000, 0};
    int first = 0;

    UNIT_ASSERT(st);
    UNIT_EQ_INT(oa2_store_pushed_add(st, "u1", &in, NULL, p), APR_SUCCESS);
    UNIT_EQ_INT(oa2_store_begin(st, NULL, p), APR_SUCCESS);
    UNIT_EQ_INT(oa2_store_pushed_consume(&first, st, "u1", "c1", 10, NULL, p),
                APR_SUCCESS);
    UNIT_EQ_INT(first, 1);
    UNIT_EQ_INT(oa2_store_end(st, 1, NULL, p), APR_SUCCESS);
    UNIT_EQ_INT(oa2_store_pushed_consume(&first, st, "u1", "c1", 10, NULL, p),
                APR_SUCCESS);
    UNIT_EQ_INT(first, 1);
}

/* A database of the release before pushed requests (its tables as
 * schema-v1 made them) gains their table on first use. */
static void test_added_table_on_old_schema(apr_pool_t *p)
{
    oa2_store_t *st = fixture_store(ISS, p);
    oa2_pushed_t in = {"c1", "a=b", 1000, 0}, *out;
    int rows;

    UNIT_ASSERT(st);
    UNIT_ASSERT(run_sql_file(st, "../data/schema-v1-sqlite3.sql", p) > 0);
    UNIT_ASSERT(apr_dbd_query(st->db->driver, st->db->handle, &rows,
                              "SELECT 1 FROM oa2_pushed_requests")
                != 0);
    UNIT_EQ_INT(oa2_store_setup(st->db, NULL, p), APR_SUCCESS);
    UNIT_EQ_INT(oa2_store_pushed_add(st, "u1", &in, NULL, p), APR_SUCCESS);
    UNIT_EQ_INT(oa2_store_pushed_get(&out, st, "u1", NULL, p), APR_SUCCESS);
}

/* Each added table: created by every driver's schema as its entry says,
 * named by the full probe, and not by the probe of the first release's
 * tables (a role without CREATE gets past that one to be told). */
static void test_added_tables(apr_pool_t *p)
{
    static const char *const drivers[] = {"sqlite3", "pgsql", "mysql"};
    const oa2_sql_table_t *t;
    const char *const *sql;
    apr_size_t d;
    int n = 0, found;

    for (t = oa2_sql_added_tables(); t->name; t++, n++) {
        UNIT_ASSERT(strstr(oa2_sql_schema_probe(), t->name));
        UNIT_ASSERT(!strstr(oa2_sql_tables_probe(), t->name));
        UNIT_ASSERT(strstr(t->probe, t->name));
        for (d = 0; d < sizeof(drivers) / sizeof(*drivers); d++) {
            const char *want =
                strcmp(drivers[d], "mysql") ? t->create : t->create_mysql;
            found = 0;
            for (sql = oa2_sql_schema(drivers[d]); *sql; sql++) {
                found |= !strcmp(*sql, want);
            }
            UNIT_ASSERT(found);
        }
    }
    UNIT_EQ_INT(n, 3);
    (void)p;
}

static void test_sql_dialects(apr_pool_t *p)
{
    static const oa2_sql_id_t racing[] = {
        OA2_SQL_CONSENT_INSERT,       OA2_SQL_JTI_INSERT,
        OA2_SQL_ACCESS_REVOKE_FAMILY, OA2_SQL_ACCESS_REVOKE_GRANT,
        OA2_SQL_ACCESS_REVOKE_USER,   OA2_SQL_ACCESS_REVOKE_CLIENT};
    const char *const *sql;
    apr_size_t i;
    int id;

    (void)p;
    for (id = 0; id < OA2_SQL_COUNT; id++) {
        const oa2_sql_t *g = oa2_sql_get((oa2_sql_id_t)id, NULL);
        const oa2_sql_t *m = oa2_sql_get((oa2_sql_id_t)id, "mysql");

        UNIT_ASSERT(g->label && g->text);
        UNIT_EQ_STR(m->label, g->label);
        UNIT_ASSERT(strstr(m->text, "ON CONFLICT") == NULL);
        UNIT_ASSERT(strstr(m->text, "IGNORE") == NULL);
        UNIT_ASSERT(oa2_sql_get((oa2_sql_id_t)id, "pgsql") == g);
        UNIT_ASSERT(oa2_sql_get((oa2_sql_id_t)id, "sqlite3") == g);
    }
    for (i = 0; i < sizeof(racing) / sizeof(*racing); i++) {
        UNIT_ASSERT(strstr(oa2_sql_get(racing[i], "mysql")->text,
                           " ON DUPLICATE KEY UPDATE "));
    }
    UNIT_EQ_STR(oa2_sql_get(OA2_SQL_NONCE_INSERT, "mysql")->text,
                "INSERT INTO oa2_nonces (issuer, nonce_hash, expires_at) "
                "VALUES (%s, %s, %lld)");
    /* a document client stored first: the plain INSERT's duplicate key,
     * whatever CLIENT_FOUND_ROWS says (oa2_store_dbd_insert_new()) */
    UNIT_ASSERT(!strstr(
        oa2_sql_get(OA2_SQL_CLIENT_INSERT_DOCUMENT, "mysql")->text, " ON "));
    /* InnoDB (transactions, row locks); what is looked up compared byte
     * for byte, not by a collation; no BLOB, which the driver returns
     * unterminated */
    for (sql = oa2_sql_schema("mysql"); *sql; sql++) {
        static const char *const keys[] = {
            " issuer ",    " client_id ",  " user_id ",
            " code_hash ", " token_hash ", " family ",
            " jti ",       " nonce_hash ", " uri_hash "};

        if (!strncmp(*sql, "ALTER TABLE ", 12)) {
            continue; /* the added columns: see test_added_columns */
        }
        UNIT_ASSERT(strstr(*sql, " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"));
        /* every table is an issuer's, but the purge's schedule */
        UNIT_ASSERT(strstr(*sql, " issuer VARBINARY(255) NOT NULL")
                    || strstr(*sql, " oa2_purge ("));
        for (i = 0; i < sizeof(keys) / sizeof(*keys); i++) {
            const char *col = strstr(*sql, keys[i]);
            UNIT_ASSERT(!col
                        || !strncmp(col + strlen(keys[i]), "VARBINARY(", 10));
        }
        UNIT_ASSERT(strstr(*sql, "BLOB") == NULL);
    }
}

/* Every client_id column is OA2_CLIENT_ID_MAX wide, on every driver: the
 * bound the module and oauth2-admin check ids against. */
static void test_client_id_width(apr_pool_t *p)
{
    static const char *const drivers[] = {"sqlite3", "pgsql", "mysql"};
    const char *width = apr_psprintf(p, "(%d) NOT NULL", OA2_CLIENT_ID_MAX);
    const char *const *sql;
    apr_size_t d;
    int n = 0;

    for (d = 0; d < sizeof(drivers) / sizeof(*drivers); d++) {
        for (sql = oa2_sql_schema(drivers[d]); *sql; sql++) {
            const char *col = *sql;

            while ((col = strstr(col, " client_id "))) {
                col += strcspn(col + 11, "(") + 11;
                UNIT_ASSERT(!strncmp(col, width, strlen(width)));
                n++;
            }
        }
    }
    UNIT_ASSERT(n >= 3 * 5);
}

/* Every added column is in its table's CREATE, probed by the schema probe,
 * and added by the ALTERs of PostgreSQL's and MySQL's schema files. */
static void test_added_columns(apr_pool_t *p)
{
    static const char *const drivers[] = {"pgsql", "mysql"};
    const oa2_sql_column_t *col;
    const char *const *sql;
    apr_size_t d;
    int n = 0;

    for (col = oa2_sql_added_columns(); col->table; col++, n++) {
        const char *create = apr_pstrcat(p, "CREATE TABLE IF NOT EXISTS ",
                                         col->table, " (", NULL);
        const char *def = strstr(col->add, " ADD COLUMN ") + 12;
        int found = 0;

        UNIT_ASSERT(strstr(oa2_sql_schema_probe(),
                           apr_pstrcat(p, col->table, ".", col->name, NULL)));
        UNIT_ASSERT(strstr(col->probe, col->name));
        for (sql = oa2_sql_schema("sqlite3"); *sql; sql++) {
            if (!strncmp(*sql, create, strlen(create))) {
                found = strstr(*sql, apr_pstrcat(p, " ", def, NULL)) != NULL;
            }
        }
        UNIT_ASSERT(found);
        for (d = 0; d < sizeof(drivers) / sizeof(*drivers); d++) {
            const char *want =
                apr_pstrcat(p, "ALTER TABLE ", col->table,
                            " ADD COLUMN IF NOT EXISTS ", def, NULL);
            found = 0;
            for (sql = oa2_sql_schema(drivers[d]); *sql; sql++) {
                found |= !strcmp(*sql, want);
            }
            UNIT_ASSERT(found);
        }
    }
    UNIT_EQ_INT(n, 9);
}

static void test_sql_metacharacters_are_data(apr_pool_t *p)
{
    oa2_store_t *st = fixture_store(ISS, p);
    const char *evil = "x'); DROP TABLE oa2_clients; --";
    oa2_client_t *c;

    UNIT_ASSERT(st);
    UNIT_ASSERT(fixture_client(st, evil, "s", "authorization_code", NULL, p));
    UNIT_EQ_INT(oa2_store_client_get(&c, st, evil, NULL, p), APR_SUCCESS);
    UNIT_EQ_STR(c->client_id, evil);
}

static void test_broken_database_is_503(apr_pool_t *p)
{
    oa2_store_t *st = fixture_store(ISS, p);
    oa2_client_t *c;
    oa2_err_t err = {0};

    UNIT_ASSERT(st);
    /* A table the store expects is gone: a server fault, not a crash. */
    UNIT_EQ_INT(oa2_store_setup(st->db, NULL, p), APR_SUCCESS);
    {
        int n;
        apr_dbd_query(st->db->driver, st->db->handle, &n,
                      "DROP TABLE oa2_clients");
    }
    UNIT_EQ_INT(oa2_store_client_get(&c, st, "c1", &err, p), APR_EGENERAL);
    UNIT_EQ_INT(err.status, 503);
    UNIT_EQ_STR(err.error, "temporarily_unavailable");
    UNIT_ASSERT(err.detail != NULL);
}

void unit_suite_store(void)
{
    unit_suite("store");
    UNIT_RUN(test_client_round_trip);
    UNIT_RUN(test_issuers_are_isolated);
    UNIT_RUN(test_code_single_use);
    UNIT_RUN(test_code_consume_rolls_back);
    UNIT_RUN(test_refresh_rotation);
    UNIT_RUN(test_oidc_fields_round_trip);
    UNIT_RUN(test_old_schema_upgraded_in_place);
    UNIT_RUN(test_consent_and_grants);
    UNIT_RUN(test_jti_nonce_purge);
    UNIT_RUN(test_withdrawal_revokes_access_tokens);
    UNIT_RUN(test_purge_every_issuer_in_batches);
    UNIT_RUN(test_insert_races_are_no_errors);
    UNIT_RUN(test_sql_dialects);
    UNIT_RUN(test_client_id_width);
    UNIT_RUN(test_added_columns);
    UNIT_RUN(test_pushed_single_use);
    UNIT_RUN(test_pushed_consume_rolls_back);
    UNIT_RUN(test_added_table_on_old_schema);
    UNIT_RUN(test_added_tables);
    UNIT_RUN(test_sql_metacharacters_are_data);
    UNIT_RUN(test_broken_database_is_503);
}
