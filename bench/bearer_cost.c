/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/*
 * Per-token cost of the bearer check against the bare signature primitive.
 *
 *   bearer_cost KEY.pem [N]
 *
 * Signs one at+jwt with KEY, then times N calls of oa2_access_token_validate()
 * (what AuthType OAuth2 does per request: parse, verify, check claims) and
 * N bare EVP_DigestVerify() calls on the same key and signature, and prints
 * both and their ratio. Run it under callgrind for instruction counts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_strings.h>
#include <apr_time.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

#include "cost_fixture.h"
#include "oa2_b64.h"
#include "oa2_jwt.h"
#include "oa2_keys.h"
#include "oa2_access_token.h"

static void mint(const char **token, const oa2_key_t *key, apr_int64_t now,
                 apr_pool_t *p)
{
    json_t *claims = json_pack(
        "{s:s, s:s, s:s, s:I, s:I, s:s, s:s, s:s}", "iss", "https://as.example",
        "sub", "alice", "aud", "https://api.example", "exp",
        (json_int_t)(now + 3600), "iat", (json_int_t)now, "jti", "bench-1",
        "client_id", "bench-client", "scope", "read write");
    oa2_err_t err;

    if (oa2_jwt_sign(token, key, "at+jwt", claims, &err, p) != APR_SUCCESS) {
        fprintf(stderr, "sign: %s\n", err.description);
        exit(1);
    }
    json_decref(claims);
}

int main(int argc, char **argv)
{
    apr_pool_t *p, *iter;
    oa2_key_t *key;
    oa2_keyset_t *set;
    oa2_access_token_policy_t policy;
    oa2_err_t err;
    const char *token;
    unsigned char *sig;
    size_t siglen, inlen;
    long i, n = argc > 2 ? atol(argv[2]) : 20000;
    apr_time_t t0, t1, t2;
    apr_int64_t now;

    if (argc < 2) {
        fprintf(stderr, "usage: %s KEY.pem [N]\n", argv[0]);
        return 2;
    }
    apr_initialize();
    apr_pool_create(&p, NULL);
    apr_pool_create(&iter, p);
    if (oa2_keys_load_private_pem(&key, argv[1], NULL, &err, p)
        != APR_SUCCESS) {
        fprintf(stderr, "%s\n", err.description);
        return 1;
    }
    set = oa2_keys_set_make(p);
    oa2_keys_set_add(set, key);
    policy.keys = set;
    policy.issuer = "https://as.example";
    policy.audience = "https://api.example";
    now = apr_time_sec(apr_time_now());
    mint(&token, key, now, p);
    sig = cost_evp_signature(key, token, &siglen, p);
    inlen = (size_t)(strrchr(token, '.') - token);

    t0 = apr_time_now();
    for (i = 0; i < n; i++) {
        oa2_access_token_t *tok;
        if (oa2_access_token_validate(&tok, token, &policy, now, &err, iter)
            != APR_SUCCESS) {
            fprintf(stderr, "validate: %s\n", err.description);
            return 1;
        }
        apr_pool_clear(iter);
    }
    t1 = apr_time_now();
    for (i = 0; i < n; i++) {
        EVP_MD_CTX *ctx = EVP_MD_CTX_new();
        if (EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, key->pkey) != 1
            || EVP_DigestVerify(ctx, sig, siglen, (const unsigned char *)token,
                                inlen)
                != 1) {
            fprintf(stderr, "bare verify failed\n");
            return 1;
        }
        EVP_MD_CTX_free(ctx);
    }
    t2 = apr_time_now();
    printf("%s  %ld tokens (%zu bytes): bearer check %.1f us/token, "
           "bare EVP verify %.1f us, ratio %.3f\n",
           oa2_keys_alg_name(key->alg), n, strlen(token),
           (double)(t1 - t0) / (double)n, (double)(t2 - t1) / (double)n,
           (double)(t1 - t0) / (double)(t2 - t1));
    apr_pool_destroy(p);
    apr_terminate();
    return 0;
}
