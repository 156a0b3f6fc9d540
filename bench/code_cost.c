/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/*
 * Per-request cost of redeeming an authorization code with openid (an ID
 * token signed besides the access token) and without, in process.
 *
 *   code_cost KEY.pem [N]
 *
 * Sets up the store on a SQLite file in a temporary directory ($TMPDIR;
 * WAL, as the module runs it, so every redemption commits a transaction),
 * registers one confidential client for "openid read", stores N codes for
 * "read" and N for "openid read" (with a nonce and auth_time, as the
 * authorize endpoint leaves them), then redeems them through
 * oa2_grant_token() as the token endpoint does once httpd has read the
 * body, one of each in turn so that the machine's drift hits both alike.
 * Then N bare EVP_DigestSign() calls with the same key. Prints the time
 * per redemption of each kind, their ratio, and the bare sign.
 * Single-threaded: the CPU and commit of one request, not the contention
 * of a loaded server (bench/oidc.sh measures that).
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

#include "oa2_as.h"
#include "oa2_form.h"
#include "oa2_grant.h"
#include "oa2_keys.h"
#include "oa2_secret.h"
#include "oa2_store.h"

#include "cost_fixture.h"

#define REDIRECT "https://client.bench.test/cb"
/* PKCE: bench/tokens.py's verifier and its S256 challenge. */
#define VERIFIER                                                               \
    "vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv"
#define CHALLENGE "w1TpKUdYE9hUAcNSeeSRFioHDxfUxuHho_JHAfZ_vDM"

/* The code value of redemption @a i of kind @a oidc. */
static const char *code_value(int oidc, long i, apr_pool_t *p)
{
    return apr_psprintf(p, "bench-code-%s-%ld", oidc ? "openid" : "plain", i);
}

/* N codes of each kind, in one transaction. */
static void add_codes(oa2_store_t *st, long n, apr_pool_t *p)
{
    apr_int64_t now = apr_time_sec(apr_time_now());
    apr_pool_t *iter;
    oa2_code_t c = {0};
    oa2_err_t err = {0};
    long i;
    int oidc;

    apr_pool_create(&iter, p);
    if (oa2_store_begin(st, &err, p) != APR_SUCCESS) {
        cost_die("begin", &err);
    }
    for (i = 0; i < n; i++) {
        for (oidc = 0; oidc < 2; oidc++) {
            c.client_id = "web";
            c.user = "bench";
            c.redirect_uri = REDIRECT;
            c.scope = oidc ? "openid read" : "read";
            c.resource = "";
            c.code_challenge = CHALLENGE;
            c.expires_at = now + 3600;
            c.family = apr_psprintf(iter, "family-%d-%ld", oidc, i);
            c.nonce = oidc ? "n-0S6_WzA2Mj" : "";
            c.auth_time = oidc ? now : 0;
            c.claims = oidc ? "{}" : "";
            if (oa2_store_code_add(
                    st, oa2_secret_hash(code_value(oidc, i, iter), iter), &c,
                    &err, iter)
                != APR_SUCCESS) {
                cost_die("code", &err);
            }
            apr_pool_clear(iter);
        }
    }
    if (oa2_store_end(st, 0, &err, p) != APR_SUCCESS) {
        cost_die("commit", &err);
    }
    apr_pool_destroy(iter);
}

/* One redemption as the endpoint handles it; the response's length. */
static apr_size_t one_redemption(const oa2_as_t *as, oa2_store_t *st,
                                 const char *authz, int oidc, long i,
                                 apr_pool_t *p)
{
    const char *body =
        apr_pstrcat(p,
                    "grant_type=authorization_code&redirect_uri=" REDIRECT
                    "&code_verifier=" VERIFIER "&code=",
                    code_value(oidc, i, p), NULL);
    oa2_form_t *form;
    const char *json;
    oa2_err_t err = {0};

    if (oa2_form_parse(&form, body, strlen(body), &err, p) != APR_SUCCESS
        || oa2_grant_token(&json, as, st, cost_backchannel(form, authz, p),
                           apr_time_sec(apr_time_now()), &err, p)
            != APR_SUCCESS) {
        cost_die("redemption", &err);
    }
    if (oidc != (strstr(json, "\"id_token\"") != NULL)) {
        fprintf(stderr, "code_cost: %s an ID token: %s\n",
                oidc ? "no" : "unexpected", json);
        exit(1);
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
    long i, n = argc > 2 ? atol(argv[2]) : 2000;
    apr_size_t len[2] = {0, 0};
    apr_time_t t, spent[2] = {0, 0}, t1, t2;
    int oidc;
    char *b64;

    cost_program = "code_cost";
    if (argc < 2 || n < 2) {
        fprintf(stderr, "usage: %s KEY.pem [N >= 2]\n", argv[0]);
        return 2;
    }
    apr_initialize();
    apr_pool_create(&p, NULL);
    apr_pool_create(&iter, p);
    if (apr_temp_dir_get(&dir, p) != APR_SUCCESS) {
        dir = "/tmp";
    }
    dir = apr_pstrcat(p, dir, "/oa2-code-cost.XXXXXX", NULL);
    if (!mkdtemp((char *)dir)) {
        perror("code_cost: mkdtemp");
        return 1;
    }
    as = cost_make_as(argv[1], p);
    as->refresh_ttl = 1209600;
    as->code_ttl = 3600;
    as->openid = 1;
    as->id_token_ttl = 300;
    oa2_as_add_openid_scopes(as, p);
    key = oa2_keys_signer(as->keys);
    st = cost_open_store(dir, p);
    cost_add_client(st, "web", "bench-secret",
                    "authorization_code refresh_token", "openid read", REDIRECT,
                    p);
    add_codes(st, n, p);
    creds = "web:bench-secret";
    b64 = apr_palloc(p, apr_base64_encode_len((int)strlen(creds)));
    apr_base64_encode(b64, creds, (int)strlen(creds));
    authz = apr_pstrcat(p, "Basic ", b64, NULL);

    /* The first of each warms the caches and is not counted. */
    for (i = 0; i < n; i++) {
        for (oidc = 0; oidc < 2; oidc++) {
            int kind = (int)(i & 1) ^ oidc; /* alternate which goes first */

            t = apr_time_now();
            len[kind] = one_redemption(as, st, authz, kind, i, iter);
            if (i > 0) {
                spent[kind] += apr_time_now() - t;
            }
            apr_pool_clear(iter);
        }
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
            fprintf(stderr, "code_cost: bare sign failed\n");
            return 1;
        }
        EVP_MD_CTX_free(ctx);
    }
    t2 = apr_time_now();
    printf("%s  %ld codes of each: redemption %.1f us (response %zu bytes), "
           "with openid %.1f us (%zu bytes), rate with openid over without "
           "%.3f; bare EVP sign %.1f us\n",
           oa2_keys_alg_name(key->alg), n, (double)spent[0] / (double)(n - 1),
           (size_t)len[0], (double)spent[1] / (double)(n - 1), (size_t)len[1],
           (double)spent[0] / (double)spent[1], (double)(t2 - t1) / (double)n);
    apr_dbd_close(st->db->driver, st->db->handle);
    apr_file_remove(apr_pstrcat(p, dir, "/oauth2.db", NULL), p);
    apr_file_remove(apr_pstrcat(p, dir, "/oauth2.db-wal", NULL), p);
    apr_file_remove(apr_pstrcat(p, dir, "/oauth2.db-shm", NULL), p);
    apr_dir_remove(dir, p);
    apr_pool_destroy(p);
    apr_terminate();
    return 0;
}
