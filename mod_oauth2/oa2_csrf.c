/* The consent form's CSRF token: "issued_at.HMAC" over the user and the
 * whole request, keyed with a key derived from the signing key. */
#include <string.h>

#include <apr_strings.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "oa2_b64.h"
#include "oa2_csrf.h"

/* Each field length-prefixed, so no two requests serialize alike. */
static void mac_field(EVP_MAC_CTX *ctx, const char *s)
{
    unsigned char len[4];
    size_t n = s ? strlen(s) : 0;

    len[0] = (unsigned char)(n >> 24);
    len[1] = (unsigned char)(n >> 16);
    len[2] = (unsigned char)(n >> 8);
    len[3] = (unsigned char)n;
    EVP_MAC_update(ctx, len, 4);
    EVP_MAC_update(ctx, (const unsigned char *)(s ? s : ""), n);
}

static const char *mac_of(const oa2_as_t *as, const char *user,
                          const oa2_authz_request_t *req, const char *issued,
                          apr_pool_t *p)
{
    unsigned char out[EVP_MAX_MD_SIZE];
    size_t outlen = 0;
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    EVP_MAC_CTX *ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
    OSSL_PARAM params[2];
    char digest[] = "SHA256";
    int ok;

    params[0] = OSSL_PARAM_construct_utf8_string("digest", digest, 0);
    params[1] = OSSL_PARAM_construct_end();
    ok = ctx && EVP_MAC_init(ctx, as->csrf_key, sizeof(as->csrf_key), params);
    if (ok) {
        mac_field(ctx, issued);
        mac_field(ctx, user);
        mac_field(ctx, req->client->client_id);
        mac_field(ctx, req->redirect_uri);
        mac_field(ctx, req->scope);
        mac_field(ctx, req->state);
        mac_field(ctx, req->code_challenge);
        mac_field(ctx, req->resource);
        ok = EVP_MAC_final(ctx, out, &outlen, sizeof(out));
    }
    EVP_MAC_CTX_free(ctx);
    EVP_MAC_free(mac);
    return ok ? oa2_b64_encode(out, outlen, p) : NULL;
}

const char *oa2_csrf_make(const oa2_as_t *as, const char *user,
                          const oa2_authz_request_t *req, apr_int64_t now,
                          apr_pool_t *p)
{
    const char *issued = apr_psprintf(p, "%" APR_INT64_T_FMT, now);
    const char *mac = mac_of(as, user, req, issued, p);

    return mac ? apr_pstrcat(p, issued, ".", mac, NULL) : "";
}

apr_status_t oa2_csrf_check(const oa2_as_t *as, const char *token,
                            const char *user, const oa2_authz_request_t *req,
                            apr_int64_t now, oa2_err_t *err, apr_pool_t *p)
{
    const char *dot = token ? strchr(token, '.') : NULL;
    const char *issued, *want;
    apr_int64_t at;

    if (!dot) {
        return oa2_err_set(err, 403, "access_denied", "OA2-00320",
                           "the consent form carries no valid csrf_token");
    }
    issued = apr_pstrmemdup(p, token, (apr_size_t)(dot - token));
    at = apr_atoi64(issued);
    want = mac_of(as, user, req, issued, p);
    if (!want || strlen(want) != strlen(dot + 1)
        || CRYPTO_memcmp(want, dot + 1, strlen(want))) {
        return oa2_err_set(err, 403, "access_denied", "OA2-00321",
                           "the consent form's csrf_token does not match "
                           "this user and request");
    }
    if (at > now + 60 || now - at > OA2_CSRF_TTL) {
        return oa2_err_set(err, 403, "access_denied", "OA2-00322",
                           "the consent form has expired; start again");
    }
    return APR_SUCCESS;
}
