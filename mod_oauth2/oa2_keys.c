/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/*
 * Signing and verification keys: loading PEM private keys and JWK sets into
 * ready EVP_PKEY objects, rendering public JWKs, RFC 7638 thumbprints.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <apr_strings.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "oa2_b64.h"
#include "oa2_cleanup.h"
#include "oa2_hash.h"
#include "oa2_keys.h"

#define P256_COORD_LEN 32
#define RSA_MIN_BITS 2048
#define JWKS_MAX_BYTES (1024 * 1024)

const char *oa2_keys_alg_name(oa2_alg_t alg)
{
    switch (alg) {
    case OA2_ALG_ES256:
        return "ES256";
    case OA2_ALG_RS256:
        return "RS256";
    default:
        return NULL;
    }
}

oa2_alg_t oa2_keys_alg_from_name(const char *name)
{
    if (name && !strcmp(name, "ES256")) {
        return OA2_ALG_ES256;
    }
    if (name && !strcmp(name, "RS256")) {
        return OA2_ALG_RS256;
    }
    return OA2_ALG_UNSUPPORTED;
}

oa2_keyset_t *oa2_keys_set_make(apr_pool_t *p)
{
    oa2_keyset_t *set = apr_pcalloc(p, sizeof(*set));
    set->keys = apr_array_make(p, 2, sizeof(oa2_key_t *));
    return set;
}

void oa2_keys_set_add(oa2_keyset_t *set, oa2_key_t *key)
{
    apr_pool_t *p = set->keys->pool;
    char *jwk = json_dumps(key->jwk, JSON_COMPACT | JSON_SORT_KEYS);

    APR_ARRAY_PUSH(set->keys, oa2_key_t *) = key;
    /* Chained, so the id names the keys, their algorithms and order. */
    set->id = oa2_hash_hex(
        apr_pstrcat(p, set->id ? set->id : "", "|", jwk ? jwk : "", NULL), p);
    free(jwk);
}

const oa2_key_t *oa2_keys_find(const oa2_keyset_t *set, const char *kid)
{
    int i;

    for (i = 0; set && kid && i < set->keys->nelts; i++) {
        const oa2_key_t *key = APR_ARRAY_IDX(set->keys, i, oa2_key_t *);
        if (!strcmp(key->kid, kid)) {
            return key;
        }
    }
    return NULL;
}

const oa2_key_t *oa2_keys_signer(const oa2_keyset_t *set)
{
    int i;

    for (i = 0; set && i < set->keys->nelts; i++) {
        const oa2_key_t *key = APR_ARRAY_IDX(set->keys, i, oa2_key_t *);
        if (key->has_private) {
            return key;
        }
    }
    return NULL;
}

apr_array_header_t *oa2_keys_set_algs(const oa2_keyset_t *set, apr_pool_t *p)
{
    apr_array_header_t *names = apr_array_make(p, 2, sizeof(const char *));
    unsigned seen = 0;
    int i;

    for (i = 0; set && i < set->keys->nelts; i++) {
        const oa2_key_t *key = APR_ARRAY_IDX(set->keys, i, oa2_key_t *);
        const char *name = oa2_keys_alg_name(key->alg);

        /* A key never has an unsupported alg; skip one all the same
         * rather than advertise a NULL. */
        if (name && !(seen & (1u << key->alg))) {
            seen |= 1u << key->alg;
            APR_ARRAY_PUSH(names, const char *) = name;
        }
    }
    return names;
}

/* The big-endian bytes of a BIGNUM parameter, base64url; NULL if absent. */
static const char *bn_param_b64(EVP_PKEY *pkey, const char *name, int pad_to,
                                apr_pool_t *p)
{
    BIGNUM *bn = NULL;
    unsigned char *buf;
    int len;
    const char *b64 = NULL;

    if (!EVP_PKEY_get_bn_param(pkey, name, &bn)) {
        return NULL;
    }
    len = pad_to ? pad_to : BN_num_bytes(bn);
    buf = apr_palloc(p, len > 0 ? len : 1);
    if (BN_bn2binpad(bn, buf, len) == len) {
        b64 = oa2_b64_encode(buf, (apr_size_t)len, p);
    }
    BN_free(bn);
    return b64;
}

const char *oa2_keys_thumbprint(json_t *jwk, apr_pool_t *p)
{
    const char *kty = json_string_value(json_object_get(jwk, "kty"));
    const char *canon;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;

#define MEMBER(n) json_string_value(json_object_get(jwk, n))
    if (kty && !strcmp(kty, "EC") && MEMBER("crv") && MEMBER("x")
        && MEMBER("y")) {
        canon = apr_psprintf(p,
                             "{\"crv\":\"%s\",\"kty\":\"EC\","
                             "\"x\":\"%s\",\"y\":\"%s\"}",
                             MEMBER("crv"), MEMBER("x"), MEMBER("y"));
    }
    else if (kty && !strcmp(kty, "RSA") && MEMBER("e") && MEMBER("n")) {
        canon = apr_psprintf(p, "{\"e\":\"%s\",\"kty\":\"RSA\",\"n\":\"%s\"}",
                             MEMBER("e"), MEMBER("n"));
    }
    else {
        return NULL;
    }
#undef MEMBER
    if (!EVP_Digest(canon, strlen(canon), md, &mdlen, EVP_sha256(), NULL)) {
        return NULL;
    }
    return oa2_b64_encode(md, mdlen, p);
}

/* The public JWK of @a pkey, with kid (given or thumbprint), alg and use. */
static json_t *public_jwk(EVP_PKEY *pkey, oa2_alg_t alg, const char *kid,
                          apr_pool_t *p)
{
    json_t *jwk = oa2_cleanup_json(json_object(), p);

    if (alg == OA2_ALG_ES256) {
        const char *x =
            bn_param_b64(pkey, OSSL_PKEY_PARAM_EC_PUB_X, P256_COORD_LEN, p);
        const char *y =
            bn_param_b64(pkey, OSSL_PKEY_PARAM_EC_PUB_Y, P256_COORD_LEN, p);
        if (!x || !y) {
            return NULL;
        }
        json_object_set_new(jwk, "kty", json_string("EC"));
        json_object_set_new(jwk, "crv", json_string("P-256"));
        json_object_set_new(jwk, "x", json_string(x));
        json_object_set_new(jwk, "y", json_string(y));
    }
    else {
        const char *n = bn_param_b64(pkey, OSSL_PKEY_PARAM_RSA_N, 0, p);
        const char *e = bn_param_b64(pkey, OSSL_PKEY_PARAM_RSA_E, 0, p);
        if (!n || !e) {
            return NULL;
        }
        json_object_set_new(jwk, "kty", json_string("RSA"));
        json_object_set_new(jwk, "n", json_string(n));
        json_object_set_new(jwk, "e", json_string(e));
    }
    if (!kid) {
        kid = oa2_keys_thumbprint(jwk, p);
    }
    /* jansson refuses text that is not UTF-8: then there is no kid. */
    if (!kid || json_object_set_new(jwk, "kid", json_string(kid))) {
        return NULL;
    }
    json_object_set_new(jwk, "alg", json_string(oa2_keys_alg_name(alg)));
    json_object_set_new(jwk, "use", json_string("sig"));
    return jwk;
}

/* The algorithm a key of this type and size is pinned to. */
static oa2_alg_t alg_of_pkey(EVP_PKEY *pkey, const char **why)
{
    char group[64];

    switch (EVP_PKEY_get_base_id(pkey)) {
    case EVP_PKEY_EC:
        if (!EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME,
                                            group, sizeof(group), NULL)
            || (strcmp(group, "prime256v1") && strcmp(group, "P-256"))) {
            *why = "is an EC key on a curve other than P-256 "
                   "(ES256 needs P-256: openssl genpkey -algorithm EC "
                   "-pkeyopt ec_paramgen_curve:P-256)";
            return OA2_ALG_UNSUPPORTED;
        }
        return OA2_ALG_ES256;
    case EVP_PKEY_RSA:
        if (EVP_PKEY_get_bits(pkey) < RSA_MIN_BITS) {
            *why = "is an RSA key shorter than 2048 bits";
            return OA2_ALG_UNSUPPORTED;
        }
        return OA2_ALG_RS256;
    default:
        *why = "is neither an EC P-256 nor an RSA key";
        return OA2_ALG_UNSUPPORTED;
    }
}

/*
 * A context for @a pkey that signs (@a sign) or verifies alg's signatures
 * of a SHA-256 digest, set up once: creating one costs OpenSSL 3 provider
 * and algorithm lookups under its locks (about a tenth of an RS256 check),
 * duplicating a ready one does not. Threads use copies (EVP_PKEY_CTX_dup).
 */
static EVP_PKEY_CTX *pkey_ctx_make(EVP_PKEY *pkey, oa2_alg_t alg, int sign,
                                   apr_pool_t *p)
{
    EVP_PKEY_CTX *ctx =
        oa2_cleanup_pkey_ctx(EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL), p);
    int ok = ctx
        && (sign ? EVP_PKEY_sign_init(ctx) : EVP_PKEY_verify_init(ctx)) == 1
        && EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256()) == 1
        && (alg != OA2_ALG_RS256
            || EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1);

    ERR_clear_error();
    return ok ? ctx : NULL;
}

/* A key ready for use: its public JWK, kid and verifier; NULL on failure. */
static oa2_key_t *key_make(EVP_PKEY *pkey, oa2_alg_t alg, const char *kid,
                           apr_pool_t *p)
{
    oa2_key_t *k = apr_pcalloc(p, sizeof(*k));

    k->pkey = pkey;
    k->alg = alg;
    k->jwk = public_jwk(pkey, alg, kid, p);
    k->verifier = pkey_ctx_make(pkey, alg, 0, p);
    if (!k->jwk || !k->verifier) {
        return NULL;
    }
    k->kid = json_string_value(json_object_get(k->jwk, "kid"));
    return k;
}

/* Refuse to prompt: httpd has no terminal to ask on. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
    (void)buf;
    (void)size;
    (void)rwflag;
    *(int *)u = 1;
    return -1;
}

apr_status_t oa2_keys_load_private_pem(oa2_key_t **key, const char *path,
                                       const char *kid, oa2_err_t *err,
                                       apr_pool_t *p)
{
    BIO *bio;
    EVP_PKEY *pkey;
    oa2_key_t *k;
    oa2_alg_t alg;
    int asked_passphrase = 0;
    const char *why = NULL;

    bio = oa2_cleanup_bio(BIO_new_file(path, "r"), p);
    if (!bio) {
        int e = errno;
        ERR_clear_error();
        /* The text too: a directive's message shows no cause. */
        oa2_err_setf(err, 500, NULL, "OA2-00001", p,
                     "cannot read key file %s: %s", path, strerror(e));
        return oa2_err_cause(err, APR_FROM_OS_ERROR(e));
    }
    pkey = oa2_cleanup_pkey(
        PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, &asked_passphrase),
        p);
    ERR_clear_error();
    if (!pkey) {
        if (asked_passphrase) {
            return oa2_err_setf(err, 500, NULL, "OA2-00002", p,
                                "key file %s is encrypted; httpd cannot ask "
                                "for a passphrase: store it decrypted "
                                "(openssl pkey -in FILE -out NEW) and "
                                "readable by root only",
                                path);
        }
        if (BIO_reset(bio) == 0
            && oa2_cleanup_pkey(PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL),
                                p)) {
            ERR_clear_error();
            return oa2_err_setf(err, 500, NULL, "OA2-00003", p,
                                "key file %s holds a public key; "
                                "OAuth2SigningKey needs the private key",
                                path);
        }
        ERR_clear_error();
        return oa2_err_setf(err, 500, NULL, "OA2-00004", p,
                            "key file %s holds no PEM private key", path);
    }
    if (kid && !oa2_cleanup_json(json_string(kid), p)) {
        return oa2_err_setf(err, 500, NULL, "OA2-00015", p,
                            "the key id given for %s is not valid UTF-8", path);
    }
    alg = alg_of_pkey(pkey, &why);
    if (alg == OA2_ALG_UNSUPPORTED) {
        return oa2_err_setf(err, 500, NULL, "OA2-00005", p,
                            "key file %s %s; use EC P-256 (ES256) or "
                            "RSA >= 2048 bits (RS256)",
                            path, why);
    }
    k = key_make(pkey, alg, kid, p);
    if (!k) {
        return oa2_err_setf(err, 500, NULL, "OA2-00006", p,
                            "cannot export the public part of key file %s",
                            path);
    }
    k->has_private = 1;
    k->signer = pkey_ctx_make(pkey, alg, 1, p);
    if (!k->signer) {
        return oa2_err_setf(err, 500, NULL, "OA2-00784", p,
                            "cannot prepare key file %s for signing", path);
    }
    *key = k;
    return APR_SUCCESS;
}

/* Decode a base64url JWK member; NULL when absent or malformed. */
static unsigned char *jwk_bytes(json_t *jwk, const char *name, apr_size_t *len,
                                apr_pool_t *p)
{
    const char *s = json_string_value(json_object_get(jwk, name));
    unsigned char *out;

    if (!s || oa2_b64_decode(&out, len, s, strlen(s), p) != APR_SUCCESS
        || *len == 0) {
        return NULL;
    }
    return out;
}

static EVP_PKEY *pkey_from_params(const char *type, OSSL_PARAM *params)
{
    EVP_PKEY *pkey = NULL;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);

    if (ctx && EVP_PKEY_fromdata_init(ctx) > 0) {
        if (EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) <= 0) {
            pkey = NULL;
        }
    }
    EVP_PKEY_CTX_free(ctx);
    ERR_clear_error();
    return pkey;
}

static EVP_PKEY *ec_pkey_from_jwk(json_t *jwk, apr_pool_t *p)
{
    unsigned char point[1 + 2 * P256_COORD_LEN];
    unsigned char *x, *y;
    apr_size_t xlen, ylen;
    OSSL_PARAM params[3];
    char group[] = "prime256v1";

    x = jwk_bytes(jwk, "x", &xlen, p);
    y = jwk_bytes(jwk, "y", &ylen, p);
    if (!x || !y || xlen != P256_COORD_LEN || ylen != P256_COORD_LEN) {
        return NULL;
    }
    point[0] = 0x04; /* uncompressed SEC1 point */
    memcpy(point + 1, x, P256_COORD_LEN);
    memcpy(point + 1 + P256_COORD_LEN, y, P256_COORD_LEN);
    params[0] =
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, 0);
    params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY,
                                                  point, sizeof(point));
    params[2] = OSSL_PARAM_construct_end();
    return pkey_from_params("EC", params);
}

static EVP_PKEY *rsa_pkey_from_jwk(json_t *jwk, apr_pool_t *p)
{
    unsigned char *n, *e;
    apr_size_t nlen, elen;
    BIGNUM *bn_n = NULL, *bn_e = NULL;
    OSSL_PARAM_BLD *bld = NULL;
    OSSL_PARAM *params = NULL;
    EVP_PKEY *pkey = NULL;

    n = jwk_bytes(jwk, "n", &nlen, p);
    e = jwk_bytes(jwk, "e", &elen, p);
    if (!n || !e || elen > 8) {
        return NULL;
    }
    bn_n = BN_bin2bn(n, (int)nlen, NULL);
    bn_e = BN_bin2bn(e, (int)elen, NULL);
    /* RFC 8017 §3.1: e is odd and at least 3. With e = 1 a signature is
     * its own padded digest: anyone could make tokens that "verify". */
    if (bn_e && (!BN_is_odd(bn_e) || BN_get_word(bn_e) < 3)) {
        BN_free(bn_n);
        BN_free(bn_e);
        return NULL;
    }
    bld = OSSL_PARAM_BLD_new();
    if (bn_n && bn_e && bld
        && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn_n)
        && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn_e)) {
        params = OSSL_PARAM_BLD_to_param(bld);
    }
    if (params) {
        pkey = pkey_from_params("RSA", params);
    }
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    BN_free(bn_n);
    BN_free(bn_e);
    return pkey;
}

apr_status_t oa2_keys_from_jwk(oa2_key_t **key, json_t *jwk, oa2_err_t *err,
                               apr_pool_t *p)
{
    const char *kty = json_string_value(json_object_get(jwk, "kty"));
    const char *use = json_string_value(json_object_get(jwk, "use"));
    const char *alg = json_string_value(json_object_get(jwk, "alg"));
    const char *kid = json_string_value(json_object_get(jwk, "kid"));
    const char *why = NULL;
    oa2_key_t *k;
    EVP_PKEY *pkey;
    oa2_alg_t want;

    if (!json_is_object(jwk) || !kty) {
        return oa2_err_set(err, 500, NULL, "OA2-00007",
                           "a key is not a JSON object with a \"kty\"");
    }
    if (!strcmp(kty, "EC")) {
        const char *crv = json_string_value(json_object_get(jwk, "crv"));
        if (!crv || strcmp(crv, "P-256")) {
            return APR_ENOTIMPL;
        }
        want = OA2_ALG_ES256;
    }
    else if (!strcmp(kty, "RSA")) {
        want = OA2_ALG_RS256;
    }
    else {
        return APR_ENOTIMPL;
    }
    /* A key marked for encryption, or for another alg, never verifies. */
    if ((use && strcmp(use, "sig"))
        || (alg && oa2_keys_alg_from_name(alg) != want)) {
        return APR_ENOTIMPL;
    }
    pkey = oa2_cleanup_pkey(want == OA2_ALG_ES256 ? ec_pkey_from_jwk(jwk, p)
                                                  : rsa_pkey_from_jwk(jwk, p),
                            p);
    if (!pkey) {
        return oa2_err_setf(err, 500, NULL, "OA2-00008", p,
                            "the %s key%s%s is malformed", kty, kid ? " " : "",
                            kid ? kid : "");
    }
    if (alg_of_pkey(pkey, &why) != want) {
        return APR_ENOTIMPL; /* e.g. RSA under 2048 bits */
    }
    k = key_make(pkey, want, kid, p);
    if (!k) {
        return oa2_err_set(err, 500, NULL, "OA2-00009",
                           "cannot export a JWK's public key");
    }
    *key = k;
    return APR_SUCCESS;
}

apr_status_t oa2_keys_parse_jwks(oa2_keyset_t **set, const char *text,
                                 apr_size_t len, oa2_err_t *err, apr_pool_t *p)
{
    json_error_t jerr;
    json_t *doc, *keys, *jwk;
    oa2_keyset_t *out;
    size_t i;
    apr_status_t rv;

    doc = oa2_cleanup_json(json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr),
                           p);
    if (!doc) {
        return oa2_err_setf(err, 500, NULL, "OA2-00010", p,
                            "not valid JSON (line %d: %s)", jerr.line,
                            jerr.text);
    }
    keys = json_object_get(doc, "keys");
    if (!json_is_array(keys)) {
        return oa2_err_set(err, 500, NULL, "OA2-00011",
                           "not a JWK set: no \"keys\" array");
    }
    out = oa2_keys_set_make(p);
    json_array_foreach(keys, i, jwk)
    {
        oa2_key_t *key;
        rv = oa2_keys_from_jwk(&key, jwk, err, p);
        if (rv == APR_ENOTIMPL) {
            continue;
        }
        if (rv != APR_SUCCESS) {
            return rv;
        }
        oa2_keys_set_add(out, key);
    }
    if (out->keys->nelts == 0) {
        return oa2_err_set(err, 500, NULL, "OA2-00012",
                           "holds no usable signature key (EC P-256 or "
                           "RSA >= 2048 bits, use \"sig\")");
    }
    *set = out;
    return APR_SUCCESS;
}

apr_status_t oa2_keys_load_jwks_file(oa2_keyset_t **set, const char *path,
                                     oa2_err_t *err, apr_pool_t *p)
{
    BIO *bio = oa2_cleanup_bio(BIO_new_file(path, "r"), p);
    char *buf;
    int n, total = 0;
    apr_status_t rv;

    if (!bio) {
        int e = errno;
        ERR_clear_error();
        oa2_err_setf(err, 500, NULL, "OA2-00013", p,
                     "cannot read JWKS file %s: %s", path, strerror(e));
        return oa2_err_cause(err, APR_FROM_OS_ERROR(e));
    }
    buf = apr_palloc(p, JWKS_MAX_BYTES + 1);
    while (total < JWKS_MAX_BYTES
           && (n = BIO_read(bio, buf + total, JWKS_MAX_BYTES - total)) > 0) {
        total += n;
    }
    if (total >= JWKS_MAX_BYTES) {
        return oa2_err_setf(err, 500, NULL, "OA2-00014", p,
                            "JWKS file %s is larger than 1 MiB", path);
    }
    rv = oa2_keys_parse_jwks(set, buf, (apr_size_t)total, err, p);
    if (rv != APR_SUCCESS && err) {
        err->description =
            apr_psprintf(p, "JWKS file %s: %s", path, err->description);
    }
    return rv;
}

char *oa2_keys_jwks_json(const oa2_keyset_t *set, apr_pool_t *p)
{
    json_t *doc = oa2_cleanup_json(json_object(), p);
    json_t *keys = json_array();
    int i;

    json_object_set_new(doc, "keys", keys);
    for (i = 0; i < set->keys->nelts; i++) {
        const oa2_key_t *key = APR_ARRAY_IDX(set->keys, i, oa2_key_t *);
        json_array_append(keys, key->jwk);
    }
    return oa2_cleanup_malloced(json_dumps(doc, JSON_COMPACT), p);
}
