/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/* Mutual TLS client authentication and certificate-bound tokens (RFC
 * 8705); see oa2_mtls.h. */
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>

#include <apr_strings.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "oa2_b64.h"
#include "oa2_cleanup.h"
#include "oa2_dn.h"
#include "oa2_hash.h"
#include "oa2_keys.h"
#include "oa2_mtls.h"

#define BAD_META(id, text)                                                     \
    oa2_err_set(err, 400, "invalid_client_metadata", id, text)

/* What a client is told whatever the reason its certificate does not
 * authenticate it: the reason goes to the log (err->detail). */
#define NOT_AUTHENTICATED                                                      \
    "the TLS client certificate does not authenticate this client"

/* The certificate type only this room uses, bound to a pool like every
 * foreign object (oa2_cleanup.h). */
static apr_status_t general_names_cleanup(void *data)
{
    GENERAL_NAMES_free(data);
    return APR_SUCCESS;
}

int oa2_mtls_is_method(const char *auth_method)
{
    return auth_method
        && (!strcmp(auth_method, OA2_AUTH_TLS)
            || !strcmp(auth_method, OA2_AUTH_SELF_SIGNED_TLS));
}

/* The certificate of @a pem (its first), or NULL. */
static X509 *cert_read(const char *pem, apr_pool_t *p)
{
    apr_size_t len = pem ? strlen(pem) : 0;
    BIO *bio;
    X509 *x;

    if (!len || len > OA2_MTLS_PEM_MAX) {
        return NULL;
    }
    bio = oa2_cleanup_bio(BIO_new_mem_buf(pem, (int)len), p);
    x = bio ? oa2_cleanup_x509(PEM_read_bio_X509(bio, NULL, NULL, NULL), p)
            : NULL;
    ERR_clear_error();
    return x;
}

static const char *cert_thumbprint(X509 *x, apr_pool_t *p)
{
    unsigned char md[OA2_SHA256_LEN], *der, *end;
    int len = i2d_X509(x, NULL);

    if (len <= 0) {
        ERR_clear_error();
        return NULL;
    }
    der = end = apr_palloc(p, (apr_size_t)len);
    /* The DER the client sent: OpenSSL keeps the encoding it parsed. */
    if (i2d_X509(x, &end) != len
        || !oa2_hash_sha256(md, der, (apr_size_t)len)) {
        ERR_clear_error();
        return NULL;
    }
    return oa2_b64_encode(md, sizeof(md), p);
}

apr_status_t oa2_mtls_thumbprint(const char **x5t, const char *pem,
                                 oa2_err_t *err, apr_pool_t *p)
{
    X509 *x = cert_read(pem, p);

    *x5t = x ? cert_thumbprint(x, p) : NULL;
    if (!*x5t) {
        return oa2_err_set(err, 400, "invalid_request", "OA2-01501",
                           "the TLS client certificate cannot be read");
    }
    return APR_SUCCESS;
}

apr_status_t oa2_mtls_check_dn(const char *dn, oa2_err_t *err, apr_pool_t *p)
{
    return oa2_dn_parse(dn, err, p) ? APR_SUCCESS : APR_EGENERAL;
}

int oa2_mtls_subject_matches(const char *pem, const char *dn, apr_pool_t *p)
{
    X509 *x = cert_read(pem, p);
    return x && oa2_dn_equals(X509_get_subject_name(x), dn, p);
}

/* The subject of @a x for the admin's log. */
static const char *subject_text(X509 *x, apr_pool_t *p)
{
    return oa2_dn_text(X509_get_subject_name(x), p);
}

/* ---- subject alternative names ---------------------------------------- */

static const char *const san_member[] = {
    "tls_client_auth_san_dns", "tls_client_auth_san_uri",
    "tls_client_auth_san_ip", "tls_client_auth_san_email"};

/* Printable ASCII without spaces, 1 to OA2_MTLS_NAME_MAX bytes. */
static int printable_word(const char *s)
{
    const unsigned char *c;

    if (!*s || strlen(s) > OA2_MTLS_NAME_MAX) {
        return 0;
    }
    for (c = (const unsigned char *)s; *c; c++) {
        if (*c <= 0x20 || *c >= 0x7f) {
            return 0;
        }
    }
    return 1;
}

/* @a text as an IP address: 4 or 16 bytes into @a buf; 0 when not. */
static int ip_bytes(unsigned char buf[16], const char *text)
{
    if (inet_pton(AF_INET, text, buf) == 1) {
        return 4;
    }
    if (inet_pton(AF_INET6, text, buf) == 1) {
        return 16;
    }
    return 0;
}

apr_status_t oa2_mtls_check_san(oa2_mtls_san_t type, const char *value,
                                oa2_err_t *err, apr_pool_t *p)
{
    unsigned char ip[16];
    const char *at;

    if (!printable_word(value)) {
        return oa2_err_setf(err, 400, "invalid_client_metadata", "OA2-01540", p,
                            "%s must be printable ASCII without spaces",
                            san_member[type]);
    }
    switch (type) {
    case OA2_MTLS_SAN_URI:
        if (!strchr(value, ':')) {
            return BAD_META("OA2-01541",
                            "tls_client_auth_san_uri must be an absolute "
                            "URI");
        }
        break;
    case OA2_MTLS_SAN_IP:
        if (!ip_bytes(ip, value)) {
            return BAD_META("OA2-01542",
                            "tls_client_auth_san_ip must be an IPv4 or IPv6 "
                            "address");
        }
        break;
    case OA2_MTLS_SAN_EMAIL:
        at = strrchr(value, '@');
        if (!at || at == value || !at[1]) {
            return BAD_META("OA2-01543",
                            "tls_client_auth_san_email must be an e-mail "
                            "address");
        }
        break;
    default:
        break;
    }
    return APR_SUCCESS;
}

/* The bytes of an IA5String SAN, or NULL when it holds a NUL. */
static const char *ia5_text(const ASN1_IA5STRING *s, apr_pool_t *p)
{
    const char *data = (const char *)ASN1_STRING_get0_data(s);
    int len = ASN1_STRING_length(s);

    if (len < 0 || memchr(data, '\0', (size_t)len)) {
        return NULL;
    }
    return apr_pstrmemdup(p, data, (apr_size_t)len);
}

/* Nonzero when one SAN @a gn of @a type is @a value. */
static int san_is(const GENERAL_NAME *gn, oa2_mtls_san_t type,
                  const char *value, apr_pool_t *p)
{
    unsigned char ip[16];
    const char *s, *at, *want_at;
    int len;

    switch (type) {
    case OA2_MTLS_SAN_DNS:
        return gn->type == GEN_DNS && (s = ia5_text(gn->d.dNSName, p))
            && !strcasecmp(s, value);
    case OA2_MTLS_SAN_URI:
        return gn->type == GEN_URI
            && (s = ia5_text(gn->d.uniformResourceIdentifier, p))
            && !strcmp(s, value);
    case OA2_MTLS_SAN_IP:
        len = ip_bytes(ip, value);
        return gn->type == GEN_IPADD && len
            && ASN1_STRING_length(gn->d.iPAddress) == len
            && !memcmp(ASN1_STRING_get0_data(gn->d.iPAddress), ip, (size_t)len);
    case OA2_MTLS_SAN_EMAIL:
        if (gn->type != GEN_EMAIL || !(s = ia5_text(gn->d.rfc822Name, p))) {
            return 0;
        }
        /* RFC 5280 §4.2.1.6: the local part is exact, the host is not. */
        at = strrchr(s, '@');
        want_at = strrchr(value, '@');
        return at && want_at && at - s == want_at - value
            && !strncmp(s, value, (size_t)(at - s)) && !strcasecmp(at, want_at);
    }
    return 0;
}

static int has_san(X509 *x, oa2_mtls_san_t type, const char *value,
                   apr_pool_t *p)
{
    GENERAL_NAMES *names =
        X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
    int i;

    ERR_clear_error();
    if (!names) {
        return 0;
    }
    apr_pool_cleanup_register(p, names, general_names_cleanup,
                              apr_pool_cleanup_null);
    for (i = 0; i < sk_GENERAL_NAME_num(names); i++) {
        if (san_is(sk_GENERAL_NAME_value(names, i), type, value, p)) {
            return 1;
        }
    }
    return 0;
}

int oa2_mtls_san_matches(const char *pem, oa2_mtls_san_t type,
                         const char *value, apr_pool_t *p)
{
    X509 *x = cert_read(pem, p);
    return x && has_san(x, type, value, p);
}

/* ---- self-signed: the registered keys --------------------------------- */

static int key_in_set(X509 *x, const oa2_keyset_t *set)
{
    EVP_PKEY *pkey = X509_get0_pubkey(x);
    int i;

    for (i = 0; pkey && i < set->keys->nelts; i++) {
        if (EVP_PKEY_eq(pkey, APR_ARRAY_IDX(set->keys, i, oa2_key_t *)->pkey)
            == 1) {
            ERR_clear_error();
            return 1;
        }
    }
    ERR_clear_error();
    return 0;
}

int oa2_mtls_key_in_jwks(const char *pem, const char *jwks, apr_pool_t *p)
{
    X509 *x = cert_read(pem, p);
    oa2_keyset_t *set;
    oa2_err_t ignored;

    return x && jwks
        && oa2_keys_parse_jwks(&set, jwks, strlen(jwks), &ignored, p)
        == APR_SUCCESS
        && key_in_set(x, set);
}

/* ---- registration ----------------------------------------------------- */

/* How many of the tls_client_auth names @a cl registered. */
static int tls_names(const oa2_client_t *cl)
{
    return !!cl->tls_subject_dn + !!cl->tls_san_dns + !!cl->tls_san_uri
        + !!cl->tls_san_ip + !!cl->tls_san_email;
}

apr_status_t oa2_mtls_check_client(const oa2_client_t *cl, oa2_err_t *err)
{
    int names = tls_names(cl);

    if (!strcmp(cl->auth_method, OA2_AUTH_TLS) && names != 1) {
        return BAD_META("OA2-01544",
                        "tls_client_auth needs exactly one of "
                        "tls_client_auth_subject_dn, "
                        "tls_client_auth_san_dns, tls_client_auth_san_uri, "
                        "tls_client_auth_san_ip and "
                        "tls_client_auth_san_email");
    }
    if (strcmp(cl->auth_method, OA2_AUTH_TLS) && names) {
        return BAD_META("OA2-01545",
                        "tls_client_auth_subject_dn and "
                        "tls_client_auth_san_* go with "
                        "token_endpoint_auth_method tls_client_auth only");
    }
    if (!strcmp(cl->auth_method, OA2_AUTH_SELF_SIGNED_TLS) && !cl->jwks) {
        return BAD_META("OA2-01546",
                        "self_signed_tls_client_auth needs the client's "
                        "certificate keys in jwks (jwks_uri is not "
                        "supported for it)");
    }
    if (cl->tls_bound_tokens && !strcmp(cl->auth_method, "none")) {
        return BAD_META("OA2-01547",
                        "tls_client_certificate_bound_access_tokens needs a "
                        "confidential client: a public client's refresh "
                        "tokens would not be bound");
    }
    return APR_SUCCESS;
}

/* ---- client authentication (RFC 8705 §2) ------------------------------ */

#define INVALID_CLIENT(id, text)                                               \
    oa2_err_set(err, 401, "invalid_client", id, text)

/* tls_client_auth: a certificate mod_ssl verified, of the registered
 * subject DN or SAN. */
static apr_status_t pki_authenticate(const oa2_client_t *cl, X509 *x,
                                     int verified, oa2_err_t *err,
                                     apr_pool_t *p)
{
    static const oa2_mtls_san_t types[] = {OA2_MTLS_SAN_DNS, OA2_MTLS_SAN_URI,
                                           OA2_MTLS_SAN_IP, OA2_MTLS_SAN_EMAIL};
    const char *sans[4];
    int i;

    if (!verified) {
        INVALID_CLIENT("OA2-01502", NOT_AUTHENTICATED);
        return oa2_err_detail(err, p,
                              "client %s (tls_client_auth): mod_ssl did not "
                              "verify the certificate of %s up to a trusted "
                              "CA (SSLVerifyClient optional and "
                              "SSLCACertificateFile with the client's CA)",
                              cl->client_id, subject_text(x, p));
    }
    if (cl->tls_subject_dn) {
        if (oa2_dn_equals(X509_get_subject_name(x), cl->tls_subject_dn, p)) {
            return APR_SUCCESS;
        }
        INVALID_CLIENT("OA2-01503", NOT_AUTHENTICATED);
        return oa2_err_detail(err, p,
                              "client %s (tls_client_auth): the certificate's "
                              "subject %s is not the registered "
                              "tls_client_auth_subject_dn",
                              cl->client_id, subject_text(x, p));
    }
    sans[0] = cl->tls_san_dns;
    sans[1] = cl->tls_san_uri;
    sans[2] = cl->tls_san_ip;
    sans[3] = cl->tls_san_email;
    for (i = 0; i < 4; i++) {
        if (!sans[i]) {
            continue;
        }
        if (has_san(x, types[i], sans[i], p)) {
            return APR_SUCCESS;
        }
        INVALID_CLIENT("OA2-01504", NOT_AUTHENTICATED);
        return oa2_err_detail(err, p,
                              "client %s (tls_client_auth): the certificate "
                              "of %s has no subject alternative name equal "
                              "to its registered %s",
                              cl->client_id, subject_text(x, p), san_member[i]);
    }
    /* A row that registration would have refused (oa2_mtls_check_client). */
    INVALID_CLIENT("OA2-01505", NOT_AUTHENTICATED);
    return oa2_err_detail(err, p,
                          "client %s (tls_client_auth) has no registered "
                          "subject DN or SAN",
                          cl->client_id);
}

/* self_signed_tls_client_auth: any certificate (mod_ssl's
 * SSLVerifyClient optional_no_ca) whose key the client registered. */
static apr_status_t key_authenticate(const oa2_client_t *cl, X509 *x,
                                     oa2_err_t *err, apr_pool_t *p)
{
    oa2_keyset_t *set;
    oa2_err_t why = {0};

    if (!cl->jwks
        || oa2_keys_parse_jwks(&set, cl->jwks, strlen(cl->jwks), &why, p)
            != APR_SUCCESS) {
        INVALID_CLIENT("OA2-01506", NOT_AUTHENTICATED);
        return oa2_err_detail(err, p,
                              "client %s (self_signed_tls_client_auth): its "
                              "registered jwks has no usable key%s%s",
                              cl->client_id, why.description ? ": " : "",
                              why.description ? why.description : "");
    }
    if (!key_in_set(x, set)) {
        INVALID_CLIENT("OA2-01507", NOT_AUTHENTICATED);
        return oa2_err_detail(err, p,
                              "client %s (self_signed_tls_client_auth): the "
                              "key of the certificate of %s is none of its "
                              "registered jwks",
                              cl->client_id, subject_text(x, p));
    }
    return APR_SUCCESS;
}

apr_status_t oa2_mtls_authenticate(const oa2_client_t *cl,
                                   const oa2_backchannel_t *in, oa2_err_t *err,
                                   apr_pool_t *p)
{
    X509 *x;

    if (!in->client_cert) {
        INVALID_CLIENT("OA2-01500",
                       "a TLS client certificate is required (mutual TLS)");
        return oa2_err_detail(err, p,
                              "client %s (%s) sent no TLS client certificate: "
                              "is SSLVerifyClient optional (or "
                              "optional_no_ca) set for this virtual host?",
                              cl->client_id, cl->auth_method);
    }
    if (!(x = cert_read(in->client_cert, p))) {
        INVALID_CLIENT("OA2-01508", NOT_AUTHENTICATED);
        return oa2_err_detail(err, p,
                              "client %s: mod_ssl's SSL_CLIENT_CERT does not "
                              "parse",
                              cl->client_id);
    }
    if (!strcmp(cl->auth_method, OA2_AUTH_TLS)) {
        return pki_authenticate(cl, x, in->client_cert_verified, err, p);
    }
    return key_authenticate(cl, x, err, p);
}

/* ---- certificate-bound tokens (RFC 8705 §3) --------------------------- */

apr_status_t oa2_mtls_bind(const char **x5t, const oa2_client_t *cl,
                           const oa2_backchannel_t *in, oa2_err_t *err,
                           apr_pool_t *p)
{
    *x5t = NULL;
    if (!oa2_mtls_is_method(cl->auth_method) && !cl->tls_bound_tokens) {
        return APR_SUCCESS;
    }
    if (!in->client_cert) {
        /* Only with tls_client_certificate_bound_access_tokens: the mTLS
         * methods have authenticated with a certificate already. */
        return oa2_err_set(err, 400, "invalid_request", "OA2-01509",
                           "this client's access tokens are bound to its TLS "
                           "client certificate: present one");
    }
    return oa2_mtls_thumbprint(x5t, in->client_cert, err, p);
}

apr_status_t oa2_mtls_check_bound(const char *x5t, const char *pem,
                                  oa2_err_t *err, apr_pool_t *p)
{
    const char *have;
    X509 *x;

    if (!pem) {
        return oa2_err_set(err, 401, "invalid_token", "OA2-01510",
                           "the token is bound to a TLS client certificate, "
                           "and the connection has none");
    }
    x = cert_read(pem, p);
    if (!x || !(have = cert_thumbprint(x, p))) {
        return oa2_err_set(err, 401, "invalid_token", "OA2-01511",
                           "the TLS client certificate cannot be read");
    }
    if (strlen(have) != strlen(x5t) || CRYPTO_memcmp(have, x5t, strlen(x5t))) {
        oa2_err_set(err, 401, "invalid_token", "OA2-01512",
                    "the token is bound to another TLS client certificate");
        return oa2_err_detail(err, p, "the connection's certificate is of %s",
                              subject_text(x, p));
    }
    return APR_SUCCESS;
}
