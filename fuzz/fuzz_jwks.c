/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/*
 * JWKS documents: oa2_keys_parse_jwks(). A parsed set must render with
 * oa2_keys_jwks_json() into a document that parses into the same kids, and
 * hold only keys that are keys: an RSA exponent odd and at least 3.
 */
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>

#include "oa2_keys.h"
#include "support.h"

/* Nonzero when the RSA key's public exponent is odd and not 1. */
static int rsa_exponent_valid(EVP_PKEY *pkey)
{
    BIGNUM *e = NULL;
    int ok;

    if (!EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_E, &e)) {
        return 0;
    }
    ok = BN_is_odd(e) && !BN_is_one(e);
    BN_free(e);
    return ok;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fuzz_init();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    oa2_keyset_t *set = NULL, *again = NULL;
    oa2_err_t err = {0};
    const char *json;
    int i;

    if (oa2_keys_parse_jwks(&set, (const char *)data, size, &err, p)
        != APR_SUCCESS) {
        FUZZ_CHECK(err.status == 500 && err.description && err.log_id);
        apr_pool_destroy(p);
        return 0;
    }
    FUZZ_CHECK(set && set->keys->nelts > 0);
    for (i = 0; i < set->keys->nelts; i++) {
        const oa2_key_t *key = APR_ARRAY_IDX(set->keys, i, oa2_key_t *);
        FUZZ_CHECK(key->pkey && key->jwk && key->kid);
        FUZZ_CHECK(!key->has_private);
        FUZZ_CHECK(oa2_keys_alg_name(key->alg) != NULL);
        FUZZ_CHECK(key->alg != OA2_ALG_RS256 || rsa_exponent_valid(key->pkey));
        FUZZ_CHECK(oa2_keys_find(set, key->kid) != NULL);
        FUZZ_CHECK(oa2_keys_thumbprint(key->jwk, p) != NULL);
    }
    FUZZ_CHECK(oa2_keys_signer(set) == NULL);
    json = oa2_keys_jwks_json(set, p);
    FUZZ_CHECK(json != NULL);
    FUZZ_CHECK(oa2_keys_parse_jwks(&again, json, strlen(json), &err, p)
               == APR_SUCCESS);
    FUZZ_CHECK(again->keys->nelts == set->keys->nelts);
    for (i = 0; i < set->keys->nelts; i++) {
        FUZZ_CHECK(!strcmp(APR_ARRAY_IDX(set->keys, i, oa2_key_t *)->kid,
                           APR_ARRAY_IDX(again->keys, i, oa2_key_t *)->kid));
    }
    apr_pool_destroy(p);
    return 0;
}
