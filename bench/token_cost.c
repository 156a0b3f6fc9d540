/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
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

#include "cost_fixture.h"

#define BODY "grant_type=client_credentials&scope=read"

/* One token request as the endpoint handles it; the token's length. */
static apr_size_t one_grant(const oa2_as_t *as, oa2_store_t *st,
                            const char *authz, apr_pool_t *p)
{
    oa2_form_t *form;
    const char *json;
    oa2_err_t err = {0};

    if (oa2_form_parse(&form, BODY, strlen(BODY), &err, p) != APR_SUCCESS
        || oa2_grant_token(&json, as, st, cost_backchannel(form, authz, p),
                           apr_time_sec(apr_time_now()), &err, p)
            != APR_SUCCESS) {
        cost_die("grant", &err);
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

    cost_program = "token_cost";
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
    as = cost_make_as(argv[1], p);
    key = oa2_keys_signer(as->keys);
    st = cost_open_store(dir, p);
    cost_add_client(st, "svc", "bench-secret", "client_credentials", "read",
                    NULL, p);
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
