/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/*
 * Per-request cost of the DPoP proof check against one bare signature
 * verification: how close is "a proof per request" to "one verify".
 *
 *   dpop_cost KEY.pem [N [cached|bare]]
 *
 * Makes one DPoP proof of KEY (its jwk in the header, htm, htu, iat, jti,
 * ath), then times N calls of oa2_dpop_verify() as a resource server
 * makes it (no replay cache: its cost is the socache's, measured by
 * bench/dpop.sh in httpd) without the key cache, N calls of
 * oa2_keys_from_jwk() on the proof's jwk alone (the key import a proof
 * costs without the cache), N calls of oa2_dpop_verify() with the key
 * cache (as httpd's children have it: the key found by the header), and
 * N bare EVP_DigestVerify() calls on the same key and signature; prints
 * them and the ratios of the checks to the bare verify. With a third
 * argument only that loop runs (for callgrind: instructions per call).
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
#include "oa2_dpop.h"
#include "oa2_dpop_keys.h"
#include "oa2_jwt.h"
#include "oa2_keys.h"

#define URL "https://api.example/data"
#define TOKEN "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2ln"

/* One loop alone: N cached checks, or N bare verifications. */
static int only(const char *what, oa2_dpop_check_t *check, const oa2_key_t *key,
                const unsigned char *sig, size_t siglen, const char *token,
                size_t inlen, apr_int64_t now, long n, apr_pool_t *p)
{
    oa2_dpop_proof_t *proof;
    oa2_err_t err;
    apr_pool_t *iter;
    long i;

    apr_pool_create(&iter, p);
    oa2_dpop_keys_init_process(p);
    for (i = 0; i < n; i++) {
        if (!strcmp(what, "cached")) {
            if (oa2_dpop_verify(&proof, check, now, &err, iter)
                != APR_SUCCESS) {
                return 1;
            }
        }
        else {
            EVP_MD_CTX *ctx = EVP_MD_CTX_new();
            if (EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, key->pkey)
                    != 1
                || EVP_DigestVerify(ctx, sig, siglen,
                                    (const unsigned char *)token, inlen)
                    != 1) {
                return 1;
            }
            EVP_MD_CTX_free(ctx);
        }
        apr_pool_clear(iter);
    }
    return 0;
}

int main(int argc, char **argv)
{
    apr_pool_t *p, *iter;
    oa2_key_t *key, *imported;
    oa2_dpop_check_t check = {0};
    oa2_dpop_proof_t *proof;
    oa2_err_t err;
    json_t *jwk;
    const char *header, *claims, *token;
    unsigned char *sig;
    size_t siglen, inlen;
    long i, n = argc > 2 ? atol(argv[2]) : 20000;
    apr_time_t t0, t1, t2, t3, t4;
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
    now = apr_time_sec(apr_time_now());
    jwk = json_deep_copy(key->jwk);
    json_object_del(jwk, "kid");
    json_object_del(jwk, "alg");
    json_object_del(jwk, "use");
    header = apr_psprintf(p, "{\"typ\":\"dpop+jwt\",\"alg\":\"%s\",\"jwk\":%s}",
                          oa2_keys_alg_name(key->alg),
                          json_dumps(jwk, JSON_COMPACT));
    claims = apr_psprintf(p,
                          "{\"jti\":\"bench-1\",\"htm\":\"GET\",\"htu\":\"" URL
                          "\",\"iat\":%" APR_INT64_T_FMT ",\"ath\":\"%s\"}",
                          now, oa2_dpop_ath(TOKEN, p));
    if (oa2_jwt_sign_header(&token, key, header, claims, strlen(claims), &err,
                            p)
        != APR_SUCCESS) {
        fprintf(stderr, "sign: %s\n", err.description);
        return 1;
    }
    check.header = token;
    check.method = "GET";
    check.url = URL;
    check.access_token = TOKEN;
    check.jkt = key->kid; /* the thumbprint: the kid it loaded with */
    check.resource = 1;
    sig = cost_evp_signature(key, token, &siglen, p);
    inlen = (size_t)(strrchr(token, '.') - token);

    if (argc > 3) {
        return only(argv[3], &check, key, sig, siglen, token, inlen, now, n, p);
    }
    t0 = apr_time_now();
    for (i = 0; i < n; i++) {
        if (oa2_dpop_verify(&proof, &check, now, &err, iter) != APR_SUCCESS) {
            fprintf(stderr, "verify: %s (%s)\n", err.description, err.log_id);
            return 1;
        }
        apr_pool_clear(iter);
    }
    t1 = apr_time_now();
    for (i = 0; i < n; i++) {
        if (oa2_keys_from_jwk(&imported, jwk, &err, iter) != APR_SUCCESS) {
            fprintf(stderr, "import failed\n");
            return 1;
        }
        apr_pool_clear(iter);
    }
    t2 = apr_time_now();
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
    t3 = apr_time_now();
    if (oa2_dpop_keys_init_process(p) != APR_SUCCESS) {
        fprintf(stderr, "no key cache\n");
        return 1;
    }
    for (i = 0; i < n; i++) {
        if (oa2_dpop_verify(&proof, &check, now, &err, iter) != APR_SUCCESS) {
            fprintf(stderr, "verify: %s (%s)\n", err.description, err.log_id);
            return 1;
        }
        apr_pool_clear(iter);
    }
    t4 = apr_time_now();
    printf("%s  %ld proofs (%zu bytes): bare EVP verify %.1f us; DPoP check "
           "%.1f us/proof with the key cache (ratio %.3f), %.1f us without "
           "(ratio %.3f; the jwk import alone %.1f us)\n",
           oa2_keys_alg_name(key->alg), n, strlen(token),
           (double)(t3 - t2) / (double)n, (double)(t4 - t3) / (double)n,
           (double)(t4 - t3) / (double)(t3 - t2), (double)(t1 - t0) / (double)n,
           (double)(t1 - t0) / (double)(t3 - t2),
           (double)(t2 - t1) / (double)n);
    json_decref(jwk);
    apr_pool_destroy(p);
    apr_terminate();
    return 0;
}
