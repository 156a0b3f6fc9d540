/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/* The consent form's CSRF token: "issued_at.HMAC" over the user and the
 * whole request, keyed with a key derived from the signing key. */
#include <string.h>

#include <apr_strings.h>
#include <openssl/crypto.h>

#include "oa2_b64.h"
#include "oa2_csrf.h"
#include "oa2_hash.h"

/* Each field length-prefixed, so no two requests serialize alike. */
static char *put_field(char *at, const char *s)
{
    size_t n = s ? strlen(s) : 0;

    *at++ = (char)(n >> 24);
    *at++ = (char)(n >> 16);
    *at++ = (char)(n >> 8);
    *at++ = (char)n;
    memcpy(at, s ? s : "", n);
    return at + n;
}

/* The MAC of @a n fields after the issue time @a issued. */
static const char *mac_of(const oa2_as_t *as, const char *const *fields,
                          apr_size_t n, const char *issued, apr_pool_t *p)
{
    unsigned char mac[OA2_SHA256_LEN];
    apr_size_t i, total = 4 + strlen(issued);
    char *buf, *at;

    for (i = 0; i < n; i++) {
        total += 4 + (fields[i] ? strlen(fields[i]) : 0);
    }
    at = buf = apr_palloc(p, total);
    at = put_field(at, issued);
    for (i = 0; i < n; i++) {
        at = put_field(at, fields[i]);
    }
    return oa2_hash_hmac(mac, as->csrf_key, buf, total)
        ? oa2_b64_encode(mac, sizeof(mac), p)
        : NULL;
}

const char *oa2_csrf_make_for(const oa2_as_t *as, const char *const *fields,
                              apr_size_t n, apr_int64_t now, apr_pool_t *p)
{
    const char *issued = apr_psprintf(p, "%" APR_INT64_T_FMT, now);
    const char *mac = mac_of(as, fields, n, issued, p);

    return mac ? apr_pstrcat(p, issued, ".", mac, NULL) : "";
}

int oa2_csrf_verify_for(apr_int64_t *issued_at, const oa2_as_t *as,
                        const char *token, const char *const *fields,
                        apr_size_t n, apr_pool_t *p)
{
    const char *dot = token ? strchr(token, '.') : NULL;
    const char *issued, *want;

    if (!dot) {
        return 0;
    }
    issued = apr_pstrmemdup(p, token, (apr_size_t)(dot - token));
    want = mac_of(as, fields, n, issued, p);
    if (!want || strlen(want) != strlen(dot + 1)
        || CRYPTO_memcmp(want, dot + 1, strlen(want))) {
        return 0;
    }
    *issued_at = apr_atoi64(issued);
    return 1;
}

apr_status_t oa2_csrf_check_for(const oa2_as_t *as, const char *token,
                                const char *const *fields, apr_size_t n,
                                apr_int64_t now, oa2_err_t *err, apr_pool_t *p)
{
    apr_int64_t at;

    if (!token || !strchr(token, '.')) {
        return oa2_err_set(err, 403, "access_denied", "OA2-00320",
                           "the form carries no valid csrf_token");
    }
    if (!oa2_csrf_verify_for(&at, as, token, fields, n, p)) {
        return oa2_err_set(err, 403, "access_denied", "OA2-00321",
                           "the form's csrf_token does not match this user "
                           "and request");
    }
    if (at > now + 60 || now - at > OA2_CSRF_TTL) {
        return oa2_err_set(err, 403, "access_denied", "OA2-00322",
                           "the form has expired; start again");
    }
    return APR_SUCCESS;
}

/* What a consent form's token binds: the user and the whole request. The
 * nonce and dpop_jkt only when there are: the forms of requests without
 * them keep the MAC they had before these were kept, so forms on screen
 * during an upgrade still work. A consent.html without the dpop_jkt field
 * fails the check rather than lose the code's binding. */
static apr_size_t consent_fields(const char **fields, const char *user,
                                 const oa2_authz_request_t *req)
{
    fields[0] = user;
    fields[1] = req->client->client_id;
    fields[2] = req->redirect_uri;
    fields[3] = req->scope;
    fields[4] = req->state;
    fields[5] = req->code_challenge;
    fields[6] = req->resource;
    fields[7] = req->nonce;
    fields[8] = req->dpop_jkt;
    return req->dpop_jkt ? 9 : req->nonce ? 8 : 7;
}

const char *oa2_csrf_make(const oa2_as_t *as, const char *user,
                          const oa2_authz_request_t *req, apr_int64_t now,
                          apr_pool_t *p)
{
    const char *fields[9];
    apr_size_t n = consent_fields(fields, user, req);

    return oa2_csrf_make_for(as, fields, n, now, p);
}

apr_status_t oa2_csrf_check(const oa2_as_t *as, const char *token,
                            const char *user, const oa2_authz_request_t *req,
                            apr_int64_t now, oa2_err_t *err, apr_pool_t *p)
{
    const char *fields[9];
    apr_size_t n = consent_fields(fields, user, req);

    return oa2_csrf_check_for(as, token, fields, n, now, err, p);
}
