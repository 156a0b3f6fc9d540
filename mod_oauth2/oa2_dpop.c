/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/*
 * DPoP proofs (RFC 9449 §4.3), server nonces (§8, §9) and the binding of
 * token requests (§5). The JWS itself is checked by oa2_jwt.c, with the
 * key the proof's header carries.
 */
#include <string.h>
#include <strings.h>

#include <apr_lib.h>
#include <apr_strings.h>
#include <apr_uri.h>
#include <openssl/crypto.h>

#include "oa2_b64.h"
#include "oa2_clientauth.h"
#include "oa2_dpop.h"
#include "oa2_dpop_keys.h"
#include "oa2_hash.h"
#include "oa2_jwt.h"
#include "oa2_keys.h"
#include "oa2_pkce.h"

/* The typ of a proof (RFC 9449 §4.2), "application/" omitted. */
#define PROOF_TYP "dpop+jwt"

/* Bytes of the MAC in a nonce: 128 bits cannot be guessed. */
#define NONCE_MAC_LEN 16
/* Bytes of a nonce: the time step (8, big-endian) and the MAC. */
#define NONCE_LEN (8 + NONCE_MAC_LEN)

/* Private members of a JWK (RFC 7518 §6.2.2, §6.3.2, §6.4.1): a proof's
 * key is public, and one that reveals its private part is refused rather
 * than used (it has been published, so anyone may sign with it). */
static const char *const private_members[] = {"d",  "p",   "q", "dp", "dq",
                                              "qi", "oth", "k", NULL};

/* A failure of the proof: invalid_dpop_proof, 400 at the token endpoint
 * and 401 at a resource server (RFC 9449 §5, §7.1). */
static apr_status_t refuse(oa2_err_t *err, const oa2_dpop_check_t *check,
                           const char *error, const char *id, const char *text)
{
    return oa2_err_set(err, check->resource ? 401 : 400, error, id, text);
}

#define BAD_PROOF(id, text) refuse(err, check, "invalid_dpop_proof", id, text)
#define NEED_NONCE(id, text) refuse(err, check, "use_dpop_nonce", id, text)

/* Nonzero when @a have names the media type dpop+jwt (RFC 7515 §4.1.9:
 * "application/" may be omitted; compared case-insensitively). */
static int typ_is_proof(const char *have)
{
    if (!have) {
        return 0;
    }
    if (!strncasecmp(have, "application/", 12)) {
        have += 12;
    }
    return !strcasecmp(have, PROOF_TYP);
}

/* The public key of the proof's header @a header, imported. */
static apr_status_t proof_key(oa2_dpop_key_t **key, json_t *header,
                              const oa2_dpop_check_t *check, oa2_err_t *err,
                              apr_pool_t *p)
{
    json_t *jwk = json_object_get(header, "jwk");
    oa2_alg_t alg;
    int i;

    if (!typ_is_proof(json_string_value(json_object_get(header, "typ")))) {
        return BAD_PROOF("OA2-01413", "the DPoP proof's typ is not dpop+jwt");
    }
    /* Asymmetric and ours only: none, HS*, PS* and the rest are refused
     * before any key is looked at (RFC 9449 §4.3 item 5). */
    alg = oa2_keys_alg_from_name(
        json_string_value(json_object_get(header, "alg")));
    if (alg == OA2_ALG_UNSUPPORTED) {
        return BAD_PROOF("OA2-01414",
                         "the DPoP proof's alg is not ES256 or RS256");
    }
    if (json_object_get(header, "crit")) {
        return BAD_PROOF("OA2-01415",
                         "the DPoP proof has critical header extensions");
    }
    if (!json_is_object(jwk)) {
        return BAD_PROOF("OA2-01416", "the DPoP proof has no jwk header");
    }
    for (i = 0; private_members[i]; i++) {
        if (json_object_get(jwk, private_members[i])) {
            return BAD_PROOF("OA2-01417",
                             "the DPoP proof's jwk holds a private key");
        }
    }
    if (oa2_dpop_keys_import(key, jwk, p) != APR_SUCCESS) {
        return BAD_PROOF("OA2-01418",
                         "the DPoP proof's jwk is not an EC P-256 or RSA "
                         "(2048 bits or more) public key");
    }
    if (oa2_dpop_keys_key(*key)->alg != alg) {
        return BAD_PROOF("OA2-01419",
                         "the DPoP proof's alg does not fit its key");
    }
    return APR_SUCCESS;
}

/* A non-empty string claim of at most @a max bytes, or NULL. */
static const char *string_claim(json_t *claims, const char *name,
                                apr_size_t max)
{
    const char *s = json_string_value(json_object_get(claims, name));

    return s && *s && strlen(s) <= max ? s : NULL;
}

/* The claims that tie the proof to this request: htm, htu, iat, ath. */
static apr_status_t proof_fits(apr_int64_t *iat, json_t *claims,
                               const char **htu, const oa2_dpop_check_t *check,
                               apr_int64_t now, oa2_err_t *err, apr_pool_t *p)
{
    const char *htm = string_claim(claims, "htm", 32);
    const char *url = string_claim(claims, "htu", OA2_JWT_MAX_LEN);
    const char *ath = json_string_value(json_object_get(claims, "ath"));
    const char *want = oa2_dpop_url_normal(check->url, p);
    json_t *t = json_object_get(claims, "iat");
    double when;

    /* Methods are case-sensitive (RFC 9110 §9.1). */
    if (!htm || strcmp(htm, check->method)) {
        return BAD_PROOF("OA2-01422",
                         "the DPoP proof is for another HTTP method (htm)");
    }
    *htu = url ? oa2_dpop_url_normal(url, p) : NULL;
    if (!*htu || !want || strcmp(*htu, want)) {
        return BAD_PROOF("OA2-01423",
                         "the DPoP proof is for another URL (htu)");
    }
    if (!json_is_number(t)) {
        return BAD_PROOF("OA2-01424", "the DPoP proof has no iat");
    }
    when = json_number_value(t);
    if (when < (double)(now - OA2_DPOP_WINDOW)) {
        return BAD_PROOF("OA2-01425", "the DPoP proof is too old (iat)");
    }
    if (when > (double)(now + OA2_DPOP_WINDOW)) {
        return BAD_PROOF("OA2-01426",
                         "the DPoP proof is from the future (iat)");
    }
    *iat = (apr_int64_t)when;
    if (check->access_token) {
        if (!ath) {
            return BAD_PROOF("OA2-01427",
                             "the DPoP proof has no ath for the access "
                             "token");
        }
        if (strcmp(ath, oa2_dpop_ath(check->access_token, p))) {
            return BAD_PROOF("OA2-01428",
                             "the DPoP proof is for another access token "
                             "(ath)");
        }
    }
    return APR_SUCCESS;
}

apr_status_t oa2_dpop_verify(oa2_dpop_proof_t **proof,
                             const oa2_dpop_check_t *check, apr_int64_t now,
                             oa2_err_t *err, apr_pool_t *p)
{
    const char *jkt, *jti, *htu = NULL, *nonce, *dot;
    const oa2_dpop_key_t *key = NULL;
    oa2_dpop_key_t *imported = NULL;
    apr_size_t len;
    unsigned char md[OA2_SHA256_LEN];
    const char *fields[4];
    json_t *header;
    oa2_jwt_t *jwt;
    oa2_err_t why;
    oa2_dpop_proof_t *out;
    apr_int64_t iat = 0;
    apr_status_t rv;

    if (!check->header || !*check->header) {
        return BAD_PROOF("OA2-01410", "the request has no DPoP proof");
    }
    /* httpd joins repeated headers with commas, which no JWS has (RFC
     * 9449 §4.3 item 1: one proof per request). */
    if (strchr(check->header, ',')) {
        return BAD_PROOF("OA2-01411",
                         "the request has more than one DPoP "
                         "proof");
    }
    len = strlen(check->header);
    dot = memchr(check->header, '.', len);
    /* A header seen before (a client's every proof has the same) names a
     * key that passed the checks below: it is not imported again. */
    if (!dot
        || oa2_dpop_keys_find(&key, check->header,
                              (apr_size_t)(dot - check->header), p)
            != APR_SUCCESS) {
        if (oa2_jwt_header(&header, check->header, len, &why, p)
            != APR_SUCCESS) {
            BAD_PROOF("OA2-01412", "the DPoP proof is not a JWS");
            return oa2_err_detail(err, p, "%s", why.description);
        }
        if ((rv = proof_key(&imported, header, check, err, p)) != APR_SUCCESS) {
            return rv;
        }
        key = imported;
    }
    if (oa2_jwt_verify_key(&jwt, check->header, len, oa2_dpop_keys_key(key),
                           PROOF_TYP, &why, p)
        != APR_SUCCESS) {
        BAD_PROOF("OA2-01421", "the DPoP proof's signature is not valid");
        return oa2_err_detail(err, p, "%s", why.description);
    }
    if (imported) {
        oa2_dpop_keys_keep(imported, check->header,
                           (apr_size_t)(dot - check->header));
    }
    jkt = oa2_dpop_keys_jkt(key);
    jti = string_claim(jwt->claims, "jti", OA2_DPOP_JTI_MAX);
    if (!jti) {
        return BAD_PROOF("OA2-01429",
                         "the DPoP proof has no jti of at most 256 bytes");
    }
    if ((rv = proof_fits(&iat, jwt->claims, &htu, check, now, err, p))
        != APR_SUCCESS) {
        return rv;
    }
    if (check->nonce_key) {
        nonce = json_string_value(json_object_get(jwt->claims, "nonce"));
        if (!nonce) {
            return NEED_NONCE("OA2-01430",
                              "the DPoP proof must carry the server's "
                              "nonce");
        }
        if (!oa2_dpop_nonce_valid(check->nonce_key, nonce, now, p)) {
            return NEED_NONCE("OA2-01431",
                              "the DPoP proof's nonce is not a current one "
                              "of this server");
        }
    }
    /* The proof is good, but for the token's key? (RFC 9449 §7: the
     * token is what is refused, since it is bound to another key.) */
    if (check->jkt && strcmp(check->jkt, jkt)) {
        return oa2_err_set(err, 401, "invalid_token", "OA2-01432",
                           "the access token is bound to another key than "
                           "the DPoP proof's");
    }
    /* Last: only a proof that would have been accepted uses up its jti.
     * Kept while the proof could pass the iat check anywhere. */
    fields[0] = "mod_oauth2 DPoP proof jti";
    fields[1] = jkt;
    fields[2] = htu;
    fields[3] = jti;
    if (check->replay && check->replay->add
        && (!oa2_hash_fields(md, fields, 4, p)
            || !check->replay->add(check->replay->ctx, md, "1", 1,
                                   iat + OA2_DPOP_WINDOW + 1))) {
        return BAD_PROOF("OA2-01433", "the DPoP proof was used before (jti)");
    }
    out = apr_pcalloc(p, sizeof(*out));
    out->jkt = jkt;
    out->jti = jti;
    out->iat = iat;
    *proof = out;
    return APR_SUCCESS;
}

#undef BAD_PROOF
#undef NEED_NONCE

/* The MAC of time step @a step under @a key into @a mac. */
static int nonce_mac(unsigned char mac[OA2_SHA256_LEN],
                     const unsigned char *key, const unsigned char step[8])
{
    unsigned char msg[16 + 8];

    memcpy(msg, "mod_oauth2 nonce", 16);
    memcpy(msg + 16, step, 8);
    return oa2_hash_hmac(mac, key, msg, sizeof(msg));
}

static void step_bytes(unsigned char out[8], apr_uint64_t step)
{
    int i;

    for (i = 7; i >= 0; i--) {
        out[i] = (unsigned char)(step & 0xff);
        step >>= 8;
    }
}

const char *oa2_dpop_nonce(const unsigned char *key, apr_int64_t now,
                           apr_pool_t *p)
{
    unsigned char raw[NONCE_LEN], mac[OA2_SHA256_LEN];

    step_bytes(raw, (apr_uint64_t)(now / OA2_DPOP_NONCE_STEP));
    if (!nonce_mac(mac, key, raw)) {
        return NULL;
    }
    memcpy(raw + 8, mac, NONCE_MAC_LEN);
    return oa2_b64_encode(raw, sizeof(raw), p);
}

int oa2_dpop_nonce_valid(const unsigned char *key, const char *nonce,
                         apr_int64_t now, apr_pool_t *p)
{
    unsigned char *raw, mac[OA2_SHA256_LEN];
    apr_uint64_t step = 0, current = (apr_uint64_t)(now / OA2_DPOP_NONCE_STEP);
    apr_size_t len;
    int i;

    if (strlen(nonce) > 64
        || oa2_b64_decode(&raw, &len, nonce, strlen(nonce), p) != APR_SUCCESS
        || len != NONCE_LEN) {
        return 0;
    }
    for (i = 0; i < 8; i++) {
        step = (step << 8) | raw[i];
    }
    if (step != current && step + 1 != current) {
        return 0;
    }
    return nonce_mac(mac, key, raw)
        && !CRYPTO_memcmp(mac, raw + 8, NONCE_MAC_LEN);
}

const char *oa2_dpop_ath(const char *token, apr_pool_t *p)
{
    unsigned char md[OA2_SHA256_LEN];

    if (!oa2_hash_sha256(md, token, strlen(token))) {
        return "";
    }
    return oa2_b64_encode(md, sizeof(md), p);
}

static int is_unreserved(int c)
{
    return apr_isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

static int hex_value(int c)
{
    return apr_isdigit(c) ? c - '0' : apr_tolower(c) - 'a' + 10;
}

/* RFC 3986 §6.2.2.2: percent-encodings in uppercase, unreserved
 * characters decoded; NULL for a path that is no URI path. */
static char *path_percent_normal(const char *path, apr_pool_t *p)
{
    char *out = apr_palloc(p, strlen(path) + 1), *o = out;
    const char *s;

    for (s = path; *s; s++) {
        if (*s == '%' && apr_isxdigit(s[1]) && apr_isxdigit(s[2])) {
            int c = hex_value(s[1]) * 16 + hex_value(s[2]);
            if (is_unreserved(c)) {
                *o++ = (char)c;
            }
            else {
                *o++ = '%';
                *o++ = (char)apr_toupper(s[1]);
                *o++ = (char)apr_toupper(s[2]);
            }
            s += 2;
        }
        else if (*s == '%' || (unsigned char)*s <= 0x20
                 || (unsigned char)*s >= 0x7f) {
            /* not a URI: a lone '%', a space, a control or non-ASCII
             * byte (which would also make normalizing twice differ) */
            return NULL;
        }
        else {
            *o++ = *s;
        }
    }
    *o = '\0';
    return out;
}

/* RFC 3986 §5.2.4 remove_dot_segments, on an absolute path. */
static const char *path_without_dots(char *path, apr_pool_t *p)
{
    apr_array_header_t *segs = apr_array_make(p, 8, sizeof(char *));
    char *seg, *next;
    const char *out = "";
    int i, trailing = 0;

    for (seg = path + 1; seg; seg = next) {
        next = strchr(seg, '/');
        if (next) {
            *next++ = '\0';
        }
        trailing = !strcmp(seg, ".") || !strcmp(seg, "..");
        if (!strcmp(seg, "..")) {
            if (segs->nelts) {
                apr_array_pop(segs);
            }
        }
        else if (strcmp(seg, ".")) {
            APR_ARRAY_PUSH(segs, char *) = seg;
        }
    }
    for (i = 0; i < segs->nelts; i++) {
        out = apr_pstrcat(p, out, "/", APR_ARRAY_IDX(segs, i, char *), NULL);
    }
    /* "/a/b/.." is "/a/": the last segment ends with a slash. */
    return trailing || !*out ? apr_pstrcat(p, out, "/", NULL) : out;
}

const char *oa2_dpop_url_normal(const char *url, apr_pool_t *p)
{
    apr_uri_t u;
    const char *scheme, *path;
    char *host, *end, *c, *normal;
    long port = 0;
    int https, ipv6;

    if (!url || apr_uri_parse(p, url, &u) != APR_SUCCESS || !u.scheme
        || !u.hostname || !*u.hostname || u.user || u.password) {
        return NULL;
    }
    https = !strcasecmp(u.scheme, "https");
    if (!https && strcasecmp(u.scheme, "http")) {
        return NULL;
    }
    scheme = https ? "https" : "http";
    if (u.port_str && *u.port_str) {
        port = strtol(u.port_str, &end, 10);
        if (*end || port < 1 || port > 65535 || !apr_isdigit(*u.port_str)) {
            return NULL;
        }
    }
    if (port == (https ? 443 : 80)) {
        port = 0;
    }
    /* A DNS name or an IPv4 address, or an IPv6 literal (its brackets
     * taken off by apr_uri_parse); any other host is no URL we answer. */
    host = apr_pstrdup(p, u.hostname);
    ipv6 = strchr(host, ':') != NULL;
    for (c = host; *c; c++) {
        if (!(ipv6 ? apr_isxdigit(*c) || *c == ':' || *c == '.'
                   : apr_isalnum(*c) || *c == '-' || *c == '.' || *c == '_')) {
            return NULL;
        }
        *c = (char)apr_tolower(*c);
    }
    if (ipv6) {
        host = apr_pstrcat(p, "[", host, "]", NULL);
    }
    path = u.path && *u.path ? u.path : "/";
    if (*path != '/') {
        return NULL;
    }
    if (!(normal = path_percent_normal(path, p))) {
        return NULL;
    }
    path = path_without_dots(normal, p);
    return port ? apr_psprintf(p, "%s://%s:%ld%s", scheme, host, port, path)
                : apr_pstrcat(p, scheme, "://", host, path, NULL);
}

apr_status_t oa2_dpop_check_token(const oa2_cnf_t *cnf, oa2_dpop_check_t *check,
                                  apr_int64_t now, oa2_err_t *err,
                                  apr_pool_t *p)
{
    oa2_dpop_proof_t *proof;

    if (!check) {
        if (cnf->jkt) {
            return oa2_err_set(err, 401, "invalid_token", "OA2-01451",
                               "the token is DPoP-bound: present it with "
                               "the DPoP scheme and a DPoP proof");
        }
        return APR_SUCCESS;
    }
    /* The DPoP scheme says the token is bound to a key: one that is not
     * has none to check the proof against (RFC 9449 §7.1). */
    if (!cnf->jkt) {
        return oa2_err_set(err, 401, "invalid_token", "OA2-01452",
                           "the token is not DPoP-bound: present it as a "
                           "Bearer token");
    }
    check->jkt = cnf->jkt;
    check->resource = 1;
    return oa2_dpop_verify(&proof, check, now, err, p);
}

/* The key (thumbprint) of a back-channel request's proof (token or
 * pushed authorization request endpoint): for its method and URL, with
 * this server's nonce when OAuth2DPoPNonce is on, its jti once. */
static apr_status_t backchannel_proof_key(const char **jkt, const oa2_as_t *as,
                                          const oa2_backchannel_t *in,
                                          apr_int64_t now, oa2_err_t *err,
                                          apr_pool_t *p)
{
    oa2_dpop_check_t check = {0};
    oa2_dpop_proof_t *proof;
    apr_status_t rv;

    check.header = in->dpop;
    check.method = in->method;
    check.url = in->endpoint;
    check.nonce_key = as->dpop_nonce ? as->dpop_nonce_key : NULL;
    check.replay = in->replay_cache;
    if (APR_SUCCESS != (rv = oa2_dpop_verify(&proof, &check, now, err, p))) {
        return rv;
    }
    *jkt = proof->jkt;
    return APR_SUCCESS;
}

apr_status_t oa2_dpop_bind(const char **jkt, const oa2_as_t *as,
                           const oa2_client_t *client,
                           const oa2_backchannel_t *in, apr_int64_t now,
                           oa2_err_t *err, apr_pool_t *p)
{
    *jkt = NULL;
    if (!in->dpop) {
        if (client->dpop_bound_access_tokens) {
            return oa2_err_set(err, 400, "invalid_dpop_proof", "OA2-01440",
                               "this client's access tokens are DPoP-bound: "
                               "send a DPoP proof");
        }
        return APR_SUCCESS;
    }
    return backchannel_proof_key(jkt, as, in, now, err, p);
}

int oa2_dpop_jkt_valid(const char *jkt)
{
    /* base64url of a SHA-256 digest, as an S256 code challenge is */
    return oa2_pkce_challenge_valid(jkt);
}

apr_status_t oa2_dpop_bind_pushed(const char **jkt, const oa2_as_t *as,
                                  const oa2_backchannel_t *in,
                                  const char *requested, apr_int64_t now,
                                  oa2_err_t *err, apr_pool_t *p)
{
    const char *key;
    apr_status_t rv;

    *jkt = requested;
    if (!in->dpop) {
        return APR_SUCCESS;
    }
    if (APR_SUCCESS
        != (rv = backchannel_proof_key(&key, as, in, now, err, p))) {
        return rv;
    }
    if (requested && strcmp(requested, key)) {
        return oa2_err_set(err, 400, "invalid_request", "OA2-01446",
                           "dpop_jkt is not the thumbprint of the DPoP "
                           "proof's key");
    }
    *jkt = key;
    return APR_SUCCESS;
}

/* A refresh token or a code bound to @a bound is redeemed only with a
 * proof of that key (@a jkt). */
static apr_status_t check_binding(const char *bound, const char *jkt,
                                  const char *missing_id, const char *missing,
                                  const char *other_id, const char *other,
                                  oa2_err_t *err)
{
    if (!bound || !*bound) {
        return APR_SUCCESS;
    }
    if (!jkt) {
        return oa2_err_set(err, 400, "invalid_dpop_proof", missing_id, missing);
    }
    if (strcmp(bound, jkt)) {
        return oa2_err_set(err, 400, "invalid_grant", other_id, other);
    }
    return APR_SUCCESS;
}

apr_status_t oa2_dpop_check_refresh(const char *bound, const char *jkt,
                                    oa2_err_t *err)
{
    return check_binding(bound, jkt, "OA2-01441",
                         "the refresh token is DPoP-bound: send a DPoP "
                         "proof of its key",
                         "OA2-01442",
                         "the refresh token is bound to another DPoP key", err);
}

apr_status_t oa2_dpop_check_code(const char *bound, const char *jkt,
                                 oa2_err_t *err)
{
    return check_binding(bound, jkt, "OA2-01443",
                         "the code is bound to a DPoP key (dpop_jkt): send "
                         "a DPoP proof of it",
                         "OA2-01444", "the code is bound to another DPoP key",
                         err);
}

const char *oa2_dpop_refresh_binding(const oa2_client_t *client,
                                     const char *jkt)
{
    return jkt && oa2_clientauth_is_public(client) ? jkt : "";
}
