/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/*
 * Bearer access token verification: oa2_access_token_validate() with a fixed EC
 * and RSA key set, at a fixed time; and the cache-hit path: a validated
 * token's cache record must give back the same token, and any bytes read
 * as a record must be refused or give a well-formed token.
 *
 * An input is either a compact JWT, verified as it is (a mutated token
 * rarely keeps a valid signature, so this mostly exercises the header and
 * the framing), or, when it starts with '{', a claims object that is first
 * signed with the EC key by oa2_jwt_sign(): that is how the claim checks
 * behind the signature get fuzzed. Such a token must never fail on its
 * signature.
 */
#include <string.h>

#include <apr_strings.h>

#include "oa2_cleanup.h"
#include "oa2_access_token.h"
#include "support.h"

#define NOW 1700000000
#define ISSUER "https://as.example.test"
#define AUDIENCE "https://api.example.test/"

static oa2_access_token_policy_t policy;
static const oa2_key_t *ec_key;

static const oa2_key_t *load_key(oa2_keyset_t *set, const char *file,
                                 const char *kid)
{
    oa2_key_t *key;
    oa2_err_t err = {0};

    if (oa2_keys_load_private_pem(&key, fuzz_data_path(file), kid, &err,
                                  fuzz_global_pool())
        != APR_SUCCESS) {
        fuzz_fail(__FILE__, __LINE__, "%s", err.description);
    }
    oa2_keys_set_add(set, key);
    return key;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    oa2_keyset_t *set;

    fuzz_init();
    set = oa2_keys_set_make(fuzz_global_pool());
    ec_key = load_key(set, "ec256.pem", "ec-1");
    load_key(set, "rsa2048.pem", "rsa-1");
    policy.keys = set;
    policy.issuer = ISSUER;
    policy.audience = AUDIENCE;
    return 0;
}

/* The claims of a '{' input signed with the EC key, or NULL. */
static const char *signed_claims(const uint8_t *data, size_t size,
                                 apr_pool_t *p)
{
    json_t *claims = oa2_cleanup_json(
        json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL), p);
    const char *token = NULL;
    oa2_err_t err = {0};

    if (!json_is_object(claims)) {
        return NULL;
    }
    FUZZ_CHECK(oa2_jwt_sign(&token, ec_key, "at+jwt", claims, &err, p)
               == APR_SUCCESS);
    return token;
}

static void check_token(oa2_access_token_t *tok, const char *token, apr_pool_t *p)
{
    oa2_access_token_policy_t other = policy;
    oa2_access_token_t *again = NULL;
    oa2_err_t err = {0};
    const unsigned char *key;
    const char *json, *rec;
    apr_size_t len;

    FUZZ_CHECK(tok && tok->jwt && tok->claims && tok->jwt->key);
    FUZZ_CHECK(tok->payload && tok->kid);
    FUZZ_CHECK(tok->sub && *tok->sub && tok->client_id && *tok->client_id);
    FUZZ_CHECK(tok->jti && *tok->jti && tok->scope);
    FUZZ_CHECK(tok->exp + OA2_ACCESS_TOKEN_LEEWAY > NOW);
    json = oa2_access_token_claims_json(tok, p);
    FUZZ_CHECK(json && *json == '{' && !strpbrk(json, "\r\n\t"));
    oa2_access_token_claim_equals(tok, "scope", "read", p);
    oa2_access_token_claim_equals(tok, "aud", AUDIENCE, p);
    oa2_access_token_claim_equals(tok, "groups", "admin", p);
    oa2_access_token_claim_equals(tok, "level", "1", p);
    oa2_access_token_claim_equals(tok, "admin", "true", p);

    /* A cache hit rebuilds the same token from its record. */
    rec = oa2_access_token_cache_record(&len, tok, p);
    FUZZ_CHECK(oa2_access_token_from_cache_record(&again, rec, len, NOW, &err, p)
               == APR_SUCCESS);
    FUZZ_CHECK(!strcmp(again->sub, tok->sub) && again->exp == tok->exp);
    FUZZ_CHECK(!strcmp(again->client_id, tok->client_id));
    FUZZ_CHECK(!strcmp(again->jti, tok->jti));
    FUZZ_CHECK(!strcmp(again->scope, tok->scope));
    FUZZ_CHECK(!strcmp(again->kid, tok->kid));
    FUZZ_CHECK(!strcmp(oa2_access_token_claims_json(again, p), json));
    FUZZ_CHECK(json_equal(oa2_access_token_claims(again, p), tok->claims));
    /* ... under a key that names the token and the whole policy. */
    key = oa2_access_token_cache_key(token, &policy, p);
    FUZZ_CHECK(key != NULL);
    FUZZ_CHECK(!memcmp(key, oa2_access_token_cache_key(token, &policy, p),
                       OA2_ACCESS_TOKEN_CACHE_KEY_LEN));
    other.audience = "https://other.example.test/";
    FUZZ_CHECK(memcmp(key, oa2_access_token_cache_key(token, &other, p),
                      OA2_ACCESS_TOKEN_CACHE_KEY_LEN));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    oa2_access_token_t *tok = NULL, *rtok = NULL;
    oa2_jwt_t *jwt = NULL;
    oa2_err_t err = {0}, jerr = {0}, rerr = {0};
    const char *token;
    apr_status_t rv;
    int minted = size && data[0] == '{';

    /* The input as a cache record: refused, or a well-formed token. */
    rv = oa2_access_token_from_cache_record(
        &rtok, apr_pstrmemdup(p, (const char *)data, size), size, NOW, &rerr,
        p);
    FUZZ_CHECK(rv == APR_SUCCESS || rv == APR_EINVAL || rerr.status == 401);
    if (rv == APR_SUCCESS) {
        /* client_id may be empty: an introspection answer need not name
         * one (RFC 7662 section 2.2) */
        FUZZ_CHECK(*rtok->sub && rtok->client_id && *rtok->jti);
        FUZZ_CHECK(rtok->exp + OA2_ACCESS_TOKEN_LEEWAY > NOW);
        oa2_access_token_claim_equals(rtok, "scope", "read", p);
        FUZZ_CHECK(oa2_access_token_claims_json(rtok, p) != NULL);
    }
    if (minted) {
        token = signed_claims(data, size, p);
        if (!token) {
            apr_pool_destroy(p);
            return 0;
        }
    }
    else {
        /* The raw bytes, not NUL-terminated: no read may pass @a size. */
        rv = oa2_jwt_verify(&jwt, (const char *)data, size, policy.keys,
                            "at+jwt", &jerr, p);
        FUZZ_CHECK(rv == APR_SUCCESS || jerr.status == 401);
        token = fuzz_cstring(data, size, p);
    }
    rv = oa2_access_token_validate(&tok, token, &policy, NOW, &err, p);
    if (rv == APR_SUCCESS) {
        check_token(tok, token, p);
    }
    else {
        FUZZ_CHECK(err.status == 401 && err.error && err.log_id);
        /* What we signed ourselves verifies and parses. */
        FUZZ_CHECK(!minted
                   || (strcmp(err.log_id, "OA2-00031")
                       && strcmp(err.log_id, "OA2-00032")));
    }
    apr_pool_destroy(p);
    return 0;
}
