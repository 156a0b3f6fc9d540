/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/*
 * DPoP proofs (RFC 9449): oa2_dpop_verify() on the input as a DPoP header
 * at a fixed time, URL and method, with a nonce demanded or not and a
 * replay cache; the htu normalization and the nonce check on the input
 * as a URL and as a nonce.
 *
 * An input is a proof as it is (a mutated proof rarely keeps a valid
 * signature, so this mostly exercises the framing, the header and its
 * jwk); or, when it starts with '{', a claims object signed with the EC
 * key under a good header; or, when it starts with 'H', a header object
 * (what follows the H) signed with the EC key over good claims. Such a
 * proof must never fail on its signature.
 */
#include <stdlib.h>
#include <string.h>

#include <apr_strings.h>

#include "oa2_cleanup.h"
#include "oa2_dpop.h"
#include "oa2_dpop_keys.h"
#include "oa2_jwt.h"
#include "support.h"

#define NOW 1700000000
#define URL "https://as.example.test/oauth2/token"

static const oa2_key_t *ec_key;
static const char *good_header;
static const unsigned char NONCE_KEY[32] = "fuzz nonce key, 32 bytes long..";

static apr_pool_t *cache_pool;

static void end_cache(void)
{
    apr_pool_destroy(cache_pool);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    oa2_key_t *key;
    oa2_err_t err = {0};
    json_t *jwk;

    fuzz_init();
    /* the per-process cache of proof keys, as in httpd's children; ended
     * at exit, before LeakSanitizer looks (its atexit ran earlier, so its
     * check runs later), as httpd ends it with the child's pool */
    apr_pool_create(&cache_pool, fuzz_global_pool());
    if (oa2_dpop_keys_init_process(cache_pool) != APR_SUCCESS) {
        fuzz_fail(__FILE__, __LINE__, "no key cache");
    }
    atexit(end_cache);
    if (oa2_keys_load_private_pem(&key, fuzz_data_path("ec256.pem"), NULL, &err,
                                  fuzz_global_pool())
        != APR_SUCCESS) {
        fuzz_fail(__FILE__, __LINE__, "%s", err.description);
    }
    ec_key = key;
    jwk = oa2_cleanup_json(json_deep_copy(key->jwk), fuzz_global_pool());
    json_object_del(jwk, "kid");
    good_header = apr_pstrcat(
        fuzz_global_pool(), "{\"typ\":\"dpop+jwt\",\"alg\":\"ES256\",\"jwk\":",
        oa2_cleanup_malloced(json_dumps(jwk, JSON_COMPACT), fuzz_global_pool()),
        "}", NULL);
    return 0;
}

/* A replay cache that remembers one key: enough to see the second use of
 * a proof within one input. */
static unsigned char seen[OA2_RECORD_CACHE_KEY_LEN];
static int seen_set;

static int add(void *ctx, const unsigned char *key, const char *rec,
               apr_size_t len, apr_int64_t expiry)
{
    (void)ctx;
    (void)rec;
    (void)len;
    FUZZ_CHECK(expiry > NOW && expiry <= NOW + 2 * OA2_DPOP_WINDOW + 1);
    if (seen_set && !memcmp(seen, key, sizeof(seen))) {
        return 0;
    }
    memcpy(seen, key, sizeof(seen));
    seen_set = 1;
    return 1;
}

/* The proof an input stands for (see above), or NULL. */
static const char *proof_of(int *minted, const uint8_t *data, size_t size,
                            apr_pool_t *p)
{
    const char *text = fuzz_cstring(data, size, p), *token = NULL;
    oa2_err_t err = {0};

    *minted = 0;
    if (size && data[0] == '{') {
        json_t *claims = oa2_cleanup_json(
            json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL),
            p);
        if (!json_is_object(claims)) {
            return NULL;
        }
        text = oa2_cleanup_malloced(json_dumps(claims, JSON_COMPACT), p);
        FUZZ_CHECK(oa2_jwt_sign_header(&token, ec_key, good_header, text,
                                       strlen(text), &err, p)
                   == APR_SUCCESS);
        *minted = 1;
        return token;
    }
    if (size && data[0] == 'H') {
        const char *claims = "{\"jti\":\"j\",\"htm\":\"POST\",\"htu\":\"" URL
                             "\",\"iat\":1700000000}";
        json_t *h =
            oa2_cleanup_json(json_loadb((const char *)data + 1, size - 1,
                                        JSON_REJECT_DUPLICATES, NULL),
                             p);
        if (!json_is_object(h)) {
            return NULL;
        }
        text = oa2_cleanup_malloced(json_dumps(h, JSON_COMPACT), p);
        FUZZ_CHECK(oa2_jwt_sign_header(&token, ec_key, text, claims,
                                       strlen(claims), &err, p)
                   == APR_SUCCESS);
        /* the key's signature, yet the header may name another key */
        return token;
    }
    return text;
}

/* What every refusal must look like. */
static void check_refusal(const oa2_err_t *err)
{
    const unsigned char *c;

    FUZZ_CHECK(err->error && err->log_id && err->description);
    FUZZ_CHECK(!strcmp(err->error, "invalid_dpop_proof")
               || !strcmp(err->error, "use_dpop_nonce")
               || !strcmp(err->error, "invalid_token"));
    FUZZ_CHECK(err->status == 400 || err->status == 401);
    for (c = (const unsigned char *)err->description; *c; c++) {
        FUZZ_CHECK(*c >= 0x20 && *c < 0x7f && *c != '"' && *c != '\\');
    }
}

static void check_url(const char *url, apr_pool_t *p)
{
    const char *n = oa2_dpop_url_normal(url, p);

    if (!n) {
        return;
    }
    FUZZ_CHECK(!strncmp(n, "http://", 7) || !strncmp(n, "https://", 8));
    FUZZ_CHECK(!strpbrk(n, "?#"));
    /* normal already: the same again */
    FUZZ_CHECK(oa2_dpop_url_normal(n, p)
               && !strcmp(oa2_dpop_url_normal(n, p), n));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    oa2_record_cache_t cache = {0};
    oa2_dpop_check_t check = {0};
    oa2_dpop_proof_t *proof = NULL;
    oa2_err_t err = {0};
    apr_status_t rv;
    int minted, pass;
    const char *text = fuzz_cstring(data, size, p);

    check_url(text, p);
    FUZZ_CHECK(
        !oa2_dpop_nonce_valid(NONCE_KEY, text, NOW, p)
        || !strcmp(text, oa2_dpop_nonce(NONCE_KEY, NOW, p))
        || !strcmp(text,
                   oa2_dpop_nonce(NONCE_KEY, NOW - OA2_DPOP_NONCE_STEP, p)));
    cache.add = add;
    seen_set = 0;
    check.header = proof_of(&minted, data, size, p);
    check.method = "POST";
    check.url = URL;
    check.replay = &cache;
    /* twice: no nonce demanded (then the proof is seen again: a
     * replay), and a nonce demanded at a resource server */
    for (pass = 0; pass < 2 && check.header; pass++) {
        memset(&err, 0, sizeof(err));
        proof = NULL;
        rv = oa2_dpop_verify(&proof, &check, NOW, &err, p);
        if (rv == APR_SUCCESS) {
            FUZZ_CHECK(proof && proof->jkt && strlen(proof->jkt) == 43);
            FUZZ_CHECK(proof->jti && *proof->jti
                       && strlen(proof->jti) <= OA2_DPOP_JTI_MAX);
            FUZZ_CHECK(proof->iat >= NOW - OA2_DPOP_WINDOW
                       && proof->iat <= NOW + OA2_DPOP_WINDOW);
        }
        else {
            check_refusal(&err);
            /* signed with a good header: never its signature */
            FUZZ_CHECK(!minted || strcmp(err.log_id, "OA2-01421"));
        }
        check.nonce_key = NONCE_KEY;
        check.resource = 1;
        check.access_token = "token";
    }
    apr_pool_destroy(p);
    return 0;
}
