/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/*
 * JWS compact serialization with OpenSSL EVP on preloaded keys.
 *
 * Why not libjwt (Debian 12 ships 1.10.2): its jwt_decode() takes the
 * algorithm from the token header (an HS256 token keyed with the public PEM
 * verifies), returns success without checking anything when given no key,
 * re-parses the PEM key on every call (~0.6 ms per verification), and its
 * jwt_encode_str() overwrites the typ header, so it cannot mint RFC 9068
 * at+jwt tokens. Here the key decides the algorithm and is parsed once.
 */
#include <string.h>
#include <strings.h>

#include <apr_strings.h>
#include <openssl/err.h>

#include "oa2_b64.h"
#include "oa2_cleanup.h"
#include "oa2_hash.h"
#include "oa2_json.h"
#include "oa2_jwt.h"

#define P256_COORD_LEN 32
/* A DPoP proof carries its public key: n of RSA-4096 alone is 683
 * characters. */
#define HEADER_MAX_LEN 2048

/* Longest DER ECDSA-Sig-Value of P-256: SEQUENCE of two INTEGERs of at
 * most 33 bytes each (a leading zero keeps a high bit from reading as a
 * sign). */
#define ES256_DER_MAX (2 + 2 * (2 + P256_COORD_LEN + 1))

/* Append one unsigned big-endian number as a DER INTEGER. */
static size_t der_integer(unsigned char *out, const unsigned char *n,
                          size_t len)
{
    size_t i = 0;

    while (len > 1 && !*n) {
        n++;
        len--;
    }
    out[i++] = 0x02;
    out[i++] = (unsigned char)(len + (*n & 0x80 ? 1 : 0));
    if (*n & 0x80) {
        out[i++] = 0x00;
    }
    memcpy(out + i, n, len);
    return i + len;
}

/*
 * ES256 carries r||s (RFC 7518 §3.4); EVP wants a DER ECDSA-Sig-Value.
 * Encoded by hand into @a der (ES256_DER_MAX bytes): the BIGNUM round trip
 * costs allocations on every request. Returns the length, 0 when @a raw is
 * not 64 bytes.
 */
static size_t es256_raw_to_der(unsigned char *der, const unsigned char *raw,
                               apr_size_t rawlen)
{
    size_t len;

    if (rawlen != 2 * P256_COORD_LEN) {
        return 0;
    }
    len = der_integer(der + 2, raw, P256_COORD_LEN);
    len += der_integer(der + 2 + len, raw + P256_COORD_LEN, P256_COORD_LEN);
    der[0] = 0x30;
    der[1] = (unsigned char)len;
    return len + 2;
}

/*
 * Read one DER INTEGER at @a *in (before @a end) into @a out as a
 * fixed-width big-endian number of P256_COORD_LEN bytes; advance @a *in.
 * Nonzero on success. By hand for the same reason as es256_raw_to_der().
 */
static int der_integer_read(unsigned char *out, const unsigned char **in,
                            const unsigned char *end)
{
    const unsigned char *n = *in;
    size_t len;

    if (end - n < 2 || n[0] != 0x02 || n[1] > (size_t)(end - n - 2)) {
        return 0;
    }
    len = n[1];
    n += 2;
    *in = n + len;
    while (len > 0 && !*n) {
        n++;
        len--;
    }
    if (len > P256_COORD_LEN) {
        return 0;
    }
    memset(out, 0, P256_COORD_LEN - len);
    memcpy(out + P256_COORD_LEN - len, n, len);
    return 1;
}

/* The reverse: a DER ECDSA-Sig-Value from OpenSSL to the fixed-width r||s
 * of @a raw (2 * P256_COORD_LEN bytes); nonzero on success. */
static int es256_der_to_raw(unsigned char *raw, const unsigned char *der,
                            size_t derlen)
{
    const unsigned char *in = der + 2, *end = der + derlen;

    return derlen >= 2 && derlen <= ES256_DER_MAX && der[0] == 0x30
        && der[1] == derlen - 2 && der_integer_read(raw, &in, end)
        && der_integer_read(raw + P256_COORD_LEN, &in, end) && in == end;
}

static int signature_ok(const oa2_key_t *key, const char *input,
                        apr_size_t inlen, const unsigned char *sig,
                        apr_size_t siglen)
{
    unsigned char digest[OA2_SHA256_LEN], der[ES256_DER_MAX];
    const unsigned char *check = sig;
    size_t checklen = siglen;
    EVP_PKEY_CTX *ctx;
    int ok;

    if (key->alg == OA2_ALG_ES256) {
        checklen = es256_raw_to_der(der, sig, siglen);
        check = der;
        if (!checklen) {
            return 0;
        }
    }
    if (!oa2_hash_sha256(digest, input, inlen)) {
        return 0;
    }
    /* The key's ready verifier is shared by every thread: use a copy. */
    ctx = EVP_PKEY_CTX_dup(key->verifier);
    ok = ctx
        && EVP_PKEY_verify(ctx, check, checklen, digest, sizeof(digest)) == 1;
    EVP_PKEY_CTX_free(ctx);
    if (!ok) {
        ERR_clear_error();
    }
    return ok;
}

/* A decoded JSON object of one base64url segment, or NULL. */
static json_t *segment_object(const char *seg, apr_size_t len,
                              const char **text, apr_size_t *textlen,
                              apr_pool_t *p)
{
    unsigned char *raw;
    apr_size_t rawlen;
    json_t *obj;

    if (oa2_b64_decode(&raw, &rawlen, seg, len, p) != APR_SUCCESS) {
        return NULL;
    }
    obj = oa2_cleanup_json(
        json_loadb((const char *)raw, rawlen, JSON_REJECT_DUPLICATES, NULL), p);
    if (!json_is_object(obj)) {
        return NULL;
    }
    if (text) {
        *text = (const char *)raw;
        *textlen = rawlen;
    }
    return obj;
}

static int typ_matches(const char *have, const char *want)
{
    /* RFC 7515 §4.1.9: "application/" may be omitted; media types are
     * compared case-insensitively. */
    if (!have) {
        return 0;
    }
    if (!strncasecmp(have, "application/", 12)) {
        have += 12;
    }
    return !strcasecmp(have, want);
}

/* The failures a caller tells apart (oa2_jwt_failed_on_kid(),
 * oa2_jwt_failed_as_jws()), by their log ids. */
static const char NOT_A_JWS[] = "OA2-00021";
static const char BAD_HEADER[] = "OA2-00023";
static const char UNKNOWN_KID[] = "OA2-00029";

int oa2_jwt_failed_on_kid(const oa2_err_t *err)
{
    return err->log_id == UNKNOWN_KID;
}

int oa2_jwt_failed_as_jws(const oa2_err_t *err)
{
    return err->log_id == NOT_A_JWS || err->log_id == BAD_HEADER;
}

/* The parts of a compact JWS that every verification reads first. */
typedef struct jws_parts_t {
    const char *dot1;   /* the dot after the header */
    const char *dot2;   /* the dot before the signature */
    json_t *header;     /* the decoded header object */
    oa2_alg_t alg;      /* its alg: one we verify */
    unsigned char *sig; /* the decoded signature */
    apr_size_t siglen;  /* its length */
} jws_parts_t;

#define INVALID(id, text) oa2_err_set(err, 401, "invalid_token", id, text)

/* The shape of @a token into @a j: three segments, a header object. */
static apr_status_t jws_shape(jws_parts_t *j, const char *token, apr_size_t len,
                              oa2_err_t *err, apr_pool_t *p)
{
    const char *dot1, *dot2;

    if (len > OA2_JWT_MAX_LEN) {
        return INVALID("OA2-00020", "the token is too long");
    }
    dot1 = memchr(token, '.', len);
    dot2 = dot1 ? memchr(dot1 + 1, '.', len - (apr_size_t)(dot1 + 1 - token))
                : NULL;
    if (!dot1 || !dot2 || dot1 == token || dot2 == dot1 + 1
        || dot2 + 1 == token + len
        || memchr(dot2 + 1, '.', len - (apr_size_t)(dot2 + 1 - token))) {
        return INVALID(NOT_A_JWS, "the token is not a signed JWT");
    }
    if (dot1 - token > HEADER_MAX_LEN) {
        return INVALID("OA2-00022", "the token header is too long");
    }
    j->dot1 = dot1;
    j->dot2 = dot2;
    j->header =
        segment_object(token, (apr_size_t)(dot1 - token), NULL, NULL, p);
    if (!j->header) {
        return INVALID(BAD_HEADER, "the token header is not valid");
    }
    return APR_SUCCESS;
}

/* Split @a token into @a j: its shape, and its header: an alg we verify,
 * no crit, the typ demanded when @a typ is given. */
static apr_status_t jws_split(jws_parts_t *j, const char *token, apr_size_t len,
                              const char *typ, oa2_err_t *err, apr_pool_t *p)
{
    apr_status_t rv = jws_shape(j, token, len, err, p);

    if (rv != APR_SUCCESS) {
        return rv;
    }
    j->alg = oa2_keys_alg_from_name(
        json_string_value(json_object_get(j->header, "alg")));
    if (j->alg == OA2_ALG_UNSUPPORTED) {
        return INVALID("OA2-00024",
                       "the token's signing algorithm is "
                       "not accepted");
    }
    if (json_object_get(j->header, "crit")) {
        return INVALID("OA2-00025",
                       "the token has critical header "
                       "extensions");
    }
    if (typ
        && !typ_matches(json_string_value(json_object_get(j->header, "typ")),
                        typ)) {
        return oa2_err_setf(err, 401, "invalid_token", "OA2-00026", p,
                            "the token's typ is not %s", typ);
    }
    return APR_SUCCESS;
}

/* Decode the signature of @a token into @a j. */
static apr_status_t jws_signature(jws_parts_t *j, const char *token,
                                  apr_size_t len, oa2_err_t *err, apr_pool_t *p)
{
    if (oa2_b64_decode(&j->sig, &j->siglen, j->dot2 + 1,
                       len - (apr_size_t)(j->dot2 + 1 - token), p)
        != APR_SUCCESS) {
        return INVALID("OA2-00028", "the token signature is not base64url");
    }
    return APR_SUCCESS;
}

/* The verified token of @a j, signed by @a key (NULL: no key did). */
static apr_status_t jws_verified(oa2_jwt_t **jwt, const jws_parts_t *j,
                                 const oa2_key_t *key, oa2_err_t *err,
                                 apr_pool_t *p)
{
    oa2_jwt_t *out;

    if (!key) {
        return INVALID("OA2-00031", "the token signature is invalid");
    }
    out = apr_pcalloc(p, sizeof(*out));
    out->header = j->header;
    out->key = key;
    out->claims =
        segment_object(j->dot1 + 1, (apr_size_t)(j->dot2 - j->dot1 - 1),
                       &out->payload, &out->payload_len, p);
    if (!out->claims) {
        return INVALID("OA2-00032",
                       "the token payload is not a JSON "
                       "object");
    }
    *jwt = out;
    return APR_SUCCESS;
}

apr_status_t oa2_jwt_verify(oa2_jwt_t **jwt, const char *token, apr_size_t len,
                            const oa2_keyset_t *keys, const char *typ,
                            oa2_err_t *err, apr_pool_t *p)
{
    const char *kid;
    apr_size_t i, signed_len;
    const oa2_key_t *key = NULL;
    jws_parts_t j;
    apr_status_t rv;

    if ((rv = jws_split(&j, token, len, typ, err, p)) != APR_SUCCESS) {
        return rv;
    }
    kid = json_string_value(json_object_get(j.header, "kid"));
    if (json_object_get(j.header, "kid") && !kid) {
        return INVALID("OA2-00027", "the token's kid is not a string");
    }
    if ((rv = jws_signature(&j, token, len, err, p)) != APR_SUCCESS) {
        return rv;
    }
    signed_len = (apr_size_t)(j.dot2 - token);
    if (kid) {
        key = oa2_keys_find(keys, kid);
        if (!key) {
            return INVALID(UNKNOWN_KID, "the token's key id is unknown");
        }
        if (key->alg != j.alg) {
            return INVALID("OA2-00030",
                           "the token's algorithm does not "
                           "match its key");
        }
        if (!signature_ok(key, token, signed_len, j.sig, j.siglen)) {
            key = NULL;
        }
    }
    else {
        /* No kid: each key of the token's algorithm may have signed. */
        for (i = 0; keys && i < (apr_size_t)keys->keys->nelts; i++) {
            const oa2_key_t *k = APR_ARRAY_IDX(keys->keys, i, oa2_key_t *);
            if (k->alg == j.alg
                && signature_ok(k, token, signed_len, j.sig, j.siglen)) {
                key = k;
                break;
            }
        }
    }
    return jws_verified(jwt, &j, key, err, p);
}

apr_status_t oa2_jwt_header(json_t **header, const char *token, apr_size_t len,
                            oa2_err_t *err, apr_pool_t *p)
{
    jws_parts_t j;
    apr_status_t rv = jws_shape(&j, token, len, err, p);

    if (rv == APR_SUCCESS) {
        *header = j.header;
    }
    return rv;
}

apr_status_t oa2_jwt_verify_key(oa2_jwt_t **jwt, const char *token,
                                apr_size_t len, const oa2_key_t *key,
                                const char *typ, oa2_err_t *err, apr_pool_t *p)
{
    jws_parts_t j;
    apr_status_t rv;

    if ((rv = jws_split(&j, token, len, typ, err, p)) != APR_SUCCESS
        || (rv = jws_signature(&j, token, len, err, p)) != APR_SUCCESS) {
        return rv;
    }
    /* The key decides the algorithm: a header naming another is refused,
     * never used to pick how the signature is checked. */
    if (key->alg != j.alg) {
        return INVALID("OA2-01480",
                       "the token's algorithm does not match the key");
    }
    return jws_verified(
        jwt, &j,
        signature_ok(key, token, (apr_size_t)(j.dot2 - token), j.sig, j.siglen)
            ? key
            : NULL,
        err, p);
}

#undef INVALID

apr_status_t oa2_jwt_sign(const char **token, const oa2_key_t *key,
                          const char *typ, json_t *claims, oa2_err_t *err,
                          apr_pool_t *p)
{
    const char *text =
        oa2_cleanup_malloced(json_dumps(claims, JSON_COMPACT), p);

    if (!text) {
        return oa2_err_set(err, 500, "server_error", "OA2-00034",
                           "cannot serialize the token");
    }
    return oa2_jwt_sign_text(token, key, typ, text, strlen(text), err, p);
}

apr_status_t oa2_jwt_sign_text(const char **token, const oa2_key_t *key,
                               const char *typ, const char *claims,
                               apr_size_t claims_len, oa2_err_t *err,
                               apr_pool_t *p)
{
    const char *header;
    oa2_json_obj_t h;

    if (!key || !key->has_private || !key->signer) {
        return oa2_err_set(err, 500, "server_error", "OA2-00033",
                           "no signing key");
    }
    oa2_json_begin(&h, p);
    oa2_json_add_string(&h, "alg", oa2_keys_alg_name(key->alg), p);
    if (typ) {
        oa2_json_add_string(&h, "typ", typ, p);
    }
    oa2_json_add_string(&h, "kid", key->kid, p);
    header = oa2_json_end(&h, NULL, p);
    if (!header) {
        return oa2_err_set(err, 500, "server_error", "OA2-00785",
                           "cannot serialize the token header");
    }
    return oa2_jwt_sign_header(token, key, header, claims, claims_len, err, p);
}

apr_status_t oa2_jwt_sign_header(const char **token, const oa2_key_t *key,
                                 const char *header, const char *claims,
                                 apr_size_t claims_len, oa2_err_t *err,
                                 apr_pool_t *p)
{
    unsigned char digest[OA2_SHA256_LEN], raw[2 * P256_COORD_LEN], *sig;
    const char *input;
    size_t siglen;
    EVP_PKEY_CTX *ctx;
    int ok;

    if (!key || !key->has_private || !key->signer) {
        return oa2_err_set(err, 500, "server_error", "OA2-01481",
                           "no signing key");
    }
    input = apr_pstrcat(
        p, oa2_b64_encode((const unsigned char *)header, strlen(header), p),
        ".", oa2_b64_encode((const unsigned char *)claims, claims_len, p),
        NULL);
    siglen = (size_t)EVP_PKEY_get_size(key->pkey);
    sig = apr_palloc(p, siglen);
    /* The key's ready signer is shared by every thread: use a copy. */
    ctx = oa2_hash_sha256(digest, input, strlen(input))
        ? EVP_PKEY_CTX_dup(key->signer)
        : NULL;
    ok = ctx && EVP_PKEY_sign(ctx, sig, &siglen, digest, sizeof(digest)) == 1;
    EVP_PKEY_CTX_free(ctx);
    ERR_clear_error();
    if (!ok) {
        return oa2_err_set(err, 500, "server_error", "OA2-00035",
                           "signing failed");
    }
    if (key->alg == OA2_ALG_ES256) {
        if (!es256_der_to_raw(raw, sig, siglen)) {
            return oa2_err_set(err, 500, "server_error", "OA2-00036",
                               "signing failed");
        }
        sig = raw;
        siglen = sizeof(raw);
    }
    *token = apr_pstrcat(p, input, ".", oa2_b64_encode(sig, siglen, p), NULL);
    return APR_SUCCESS;
}
