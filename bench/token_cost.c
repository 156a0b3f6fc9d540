/*
 * Per-token cost of a client_credentials grant against the bare signature
 * primitive.
 *
 *   token_cost KEY.pem [N]
 *
 * Sets up the store on a SQLite file in a temporary directory (WAL, as the
 * module runs it), registers one confidential client, then times N calls
 * of what the token endpoint does per request after httpd has read the
 * body: parse the form, authenticate the client with Basic credentials
 * (its row read from the database), check the scope, mint and sign the
 * access token, format the response. Then N bare EVP_DigestSign() calls
 * with the same key over a payload of the same size. Prints both and
 * their ratio. Single-threaded: it measures CPU per token, not the
 * contention of a loaded server (bench/run.sh does that).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_base64.h>
#include <apr_dbd.h>
#include <apr_file_io.h>
#include <apr_general.h>
#include <apr_strings.h>
#include <apr_time.h>
#include <openssl/evp.h>

#include "oa2_form.h"
#include "oa2_grant.h"
#include "oa2_keys.h"
#include "oa2_secret.h"
#include "oa2_store.h"

#define ISSUER "https://as.bench.test"
#define BODY "grant_type=client_credentials&scope=read"

static void die(const char *what, const oa2_err_t *err)
{
    fprintf(stderr, "token_cost: %s: %s\n", what,
            err && err->description ? err->description : "failed");
    exit(1);
}

/* The store on a fresh SQLite file under @a dir. */
static oa2_store_t *open_store(const char *dir, apr_pool_t *p)
{
    oa2_store_t *st = apr_pcalloc(p, sizeof(*st));
    oa2_db_t *db = apr_pcalloc(p, sizeof(*db));
    const char *error = NULL;
    oa2_err_t err = {0};

    apr_dbd_init(p);
    if (apr_dbd_get_driver(p, "sqlite3", &db->driver) != APR_SUCCESS
        || apr_dbd_open_ex(db->driver, p,
                           apr_pstrcat(p, dir, "/oauth2.db", NULL), &db->handle,
                           &error)
            != APR_SUCCESS) {
        fprintf(stderr, "token_cost: cannot open SQLite: %s\n",
                error ? error : "no sqlite3 driver");
        exit(1);
    }
    db->prepared = apr_hash_make(p);
    db->conn_pool = p;
    st->db = db;
    st->issuer = ISSUER;
    if (oa2_store_setup(db, &err, p) != APR_SUCCESS) {
        die("store set-up", &err);
    }
    return st;
}

static void add_client(oa2_store_t *st, const char *id, const char *secret,
                       apr_pool_t *p)
{
    oa2_client_t *c = apr_pcalloc(p, sizeof(*c));
    oa2_err_t err = {0};

    c->client_id = id;
    c->secret_hash = oa2_secret_hash(secret, p);
    c->name = "bench";
    c->redirect_uris = apr_array_make(p, 1, sizeof(const char *));
    c->grant_types = "client_credentials";
    c->scope = "read";
    c->auth_method = "client_secret_basic";
    c->created_at = apr_time_sec(apr_time_now());
    if (oa2_store_client_add(st, c, &err, p) != APR_SUCCESS) {
        die("client", &err);
    }
}

static oa2_as_t *make_as(const char *key_file, apr_pool_t *p)
{
    oa2_as_t *as = apr_pcalloc(p, sizeof(*as));
    apr_array_header_t *scopes = apr_array_make(p, 1, sizeof(oa2_scope_def_t));
    oa2_scope_def_t *d = apr_array_push(scopes);
    oa2_keyset_t *keys = oa2_keys_set_make(p);
    oa2_key_t *key;
    oa2_err_t err = {0};

    if (oa2_keys_load_private_pem(&key, key_file, NULL, &err, p)
        != APR_SUCCESS) {
        die(key_file, &err);
    }
    oa2_keys_set_add(keys, key);
    d->name = "read";
    d->description = "Read";
    as->issuer = ISSUER;
    as->keys = keys;
    as->scopes = scopes;
    as->resources = apr_array_make(p, 1, sizeof(const char *));
    as->default_audience = ISSUER;
    as->access_ttl = 900;
    as->refresh_ttl = 3600;
    as->code_ttl = 60;
    return as;
}

/* One token request as the endpoint handles it; the token's length. */
static apr_size_t one_grant(const oa2_as_t *as, oa2_store_t *st,
                            const char *authz, apr_pool_t *p)
{
    oa2_form_t *form;
    const char *json;
    oa2_err_t err = {0};

    if (oa2_form_parse(&form, BODY, strlen(BODY), &err, p) != APR_SUCCESS
        || oa2_grant_token(&json, as, st, form, authz,
                           apr_time_sec(apr_time_now()), &err, p)
            != APR_SUCCESS) {
        die("grant", &err);
    }
    return strlen(json);
}

int main(int argc, char **argv)
{
    apr_pool_t *p, *iter;
    const char *dir, *authz, *creds;
    oa2_store_t *st;
    oa2_as_t *as;
    const oa2_key_t *key;
    unsigned char payload[400], sig[512];
    size_t siglen;
    long i, n = argc > 2 ? atol(argv[2]) : 20000;
    apr_size_t json_len;
    apr_time_t t0, t1, t2;
    char *b64;

    if (argc < 2) {
        fprintf(stderr, "usage: %s KEY.pem [N]\n", argv[0]);
        return 2;
    }
    apr_initialize();
    apr_pool_create(&p, NULL);
    apr_pool_create(&iter, p);
    if (apr_temp_dir_get(&dir, p) != APR_SUCCESS) {
        dir = "/tmp";
    }
    dir = apr_pstrcat(p, dir, "/oa2-token-cost.XXXXXX", NULL);
    if (!mkdtemp((char *)dir)) {
        perror("token_cost: mkdtemp");
        return 1;
    }
    as = make_as(argv[1], p);
    key = oa2_keys_signer(as->keys);
    st = open_store(dir, p);
    add_client(st, "svc", "bench-secret", p);
    creds = "svc:bench-secret";
    b64 = apr_palloc(p, apr_base64_encode_len((int)strlen(creds)));
    apr_base64_encode(b64, creds, (int)strlen(creds));
    authz = apr_pstrcat(p, "Basic ", b64, NULL);

    json_len = one_grant(as, st, authz, iter); /* warm the caches */
    apr_pool_clear(iter);
    t0 = apr_time_now();
    for (i = 0; i < n; i++) {
        one_grant(as, st, authz, iter);
        apr_pool_clear(iter);
    }
    t1 = apr_time_now();
    memset(payload, 'a', sizeof(payload));
    for (i = 0; i < n; i++) {
        EVP_MD_CTX *ctx = EVP_MD_CTX_new();
        siglen = sizeof(sig);
        if (!ctx
            || EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, key->pkey) != 1
            || EVP_DigestSign(ctx, sig, &siglen, payload, sizeof(payload))
                != 1) {
            fprintf(stderr, "token_cost: bare sign failed\n");
            return 1;
        }
        EVP_MD_CTX_free(ctx);
    }
    t2 = apr_time_now();
    printf("%s  %ld tokens (response %zu bytes): client_credentials grant "
           "%.1f us/token, bare EVP sign %.1f us, ratio %.3f\n",
           oa2_keys_alg_name(key->alg), n, (size_t)json_len,
           (double)(t1 - t0) / (double)n, (double)(t2 - t1) / (double)n,
           (double)(t1 - t0) / (double)(t2 - t1));
    apr_dbd_close(st->db->driver, st->db->handle);
    apr_file_remove(apr_pstrcat(p, dir, "/oauth2.db", NULL), p);
    apr_file_remove(apr_pstrcat(p, dir, "/oauth2.db-wal", NULL), p);
    apr_file_remove(apr_pstrcat(p, dir, "/oauth2.db-shm", NULL), p);
    apr_dir_remove(dir, p);
    apr_pool_destroy(p);
    apr_terminate();
    return 0;
}
