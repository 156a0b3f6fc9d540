/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/**
 * @file oa2_mtls.h
 * @brief Mutual TLS (RFC 8705): client authentication with a TLS client
 * certificate (tls_client_auth, self_signed_tls_client_auth, §2) and
 * certificate-bound access tokens (cnf.x5t#S256, §3).
 *
 * The certificate is what mod_ssl saw on the connection (PEM, with
 * whether mod_ssl verified it up to a trusted CA): the glue reads it
 * (oa2_ap_tls_client_cert()), this room only reads certificates and
 * compares them with what a client registered.
 *
 * Subject DNs are compared as names, not as text: the registered RFC 4514
 * string is parsed into an X509_NAME and compared with the certificate's
 * subject by OpenSSL's canonical form (X509_NAME_cmp()). Two DNs are equal
 * when they have the same RDNs in the same order, each with the same
 * attribute types (a name, in any case, or a numeric OID) and values equal
 * once ASCII letters are folded to lower case, leading and trailing
 * white space removed and inner runs of white space made one space; the
 * order of the attributes inside a multi-valued RDN, and the ASN.1 string
 * type of a value (PrintableString, UTF8String...), do not matter.
 */
#ifndef OA2_MTLS_H
#define OA2_MTLS_H

#include <apr_pools.h>

#include "oa2_clientauth.h"
#include "oa2_err.h"
#include "oa2_store.h"

/** The RFC 8705 §2 client authentication methods (RFC 7591 names). */
#define OA2_AUTH_TLS "tls_client_auth"
#define OA2_AUTH_SELF_SIGNED_TLS "self_signed_tls_client_auth"

/** Longest PEM certificate read: a client certificate is a few KiB. */
#define OA2_MTLS_PEM_MAX 65536

/** Longest registered SAN value (a DN: OA2_DN_MAX). */
#define OA2_MTLS_NAME_MAX 1024

/** The kinds of subject alternative name a client may register. */
typedef enum oa2_mtls_san_t {
    OA2_MTLS_SAN_DNS,  /* dNSName: tls_client_auth_san_dns */
    OA2_MTLS_SAN_URI,  /* uniformResourceIdentifier: ..._san_uri */
    OA2_MTLS_SAN_IP,   /* iPAddress: ..._san_ip */
    OA2_MTLS_SAN_EMAIL /* rfc822Name: ..._san_email */
} oa2_mtls_san_t;

/** Nonzero when @a auth_method is one of the two mTLS methods. */
int oa2_mtls_is_method(const char *auth_method);

/**
 * The x5t#S256 thumbprint of a PEM certificate: base64url (no padding) of
 * the SHA-256 of its DER encoding (RFC 8705 §3.1).
 * @return APR_SUCCESS, or APR_EGENERAL (err: OA2-01501, 400) when @a pem
 *         holds no certificate
 */
apr_status_t oa2_mtls_thumbprint(const char **x5t, const char *pem,
                                 oa2_err_t *err, apr_pool_t *p);

/**
 * Check a subject DN a client registers (RFC 4514 string form: RDNs
 * separated by ',' (or ';'), multi-valued RDNs by '+', '\' escapes; the
 * '#' hex form is not accepted).
 * @return APR_SUCCESS, or 400 invalid_client_metadata saying what is wrong
 */
apr_status_t oa2_mtls_check_dn(const char *dn, oa2_err_t *err, apr_pool_t *p);

/**
 * Check a SAN value a client registers: a DNS name, an absolute URI, an
 * IPv4 or IPv6 address in text form, an e-mail address.
 * @return APR_SUCCESS, or 400 invalid_client_metadata
 */
apr_status_t oa2_mtls_check_san(oa2_mtls_san_t type, const char *value,
                                oa2_err_t *err, apr_pool_t *p);

/**
 * Nonzero when the subject of the PEM certificate @a pem is the
 * distinguished name @a dn (see the file comment for what is equal).
 */
int oa2_mtls_subject_matches(const char *pem, const char *dn, apr_pool_t *p);

/**
 * Nonzero when the PEM certificate @a pem has a subject alternative name
 * of @a type equal to @a value: DNS names case-insensitively (no
 * wildcards), URIs byte for byte, IP addresses as addresses, e-mail
 * addresses with the domain case-insensitive.
 */
int oa2_mtls_san_matches(const char *pem, oa2_mtls_san_t type,
                         const char *value, apr_pool_t *p);

/**
 * Nonzero when the public key of the PEM certificate @a pem is one of the
 * keys of the JWK Set @a jwks (EC P-256 or RSA of 2048 bits or more, as
 * oa2_keys_parse_jwks() reads them).
 */
int oa2_mtls_key_in_jwks(const char *pem, const char *jwks, apr_pool_t *p);

/**
 * Check the mTLS metadata of a client being registered against its
 * token_endpoint_auth_method: tls_client_auth needs exactly one of the
 * subject DN and the four SANs, and no other method takes them;
 * self_signed_tls_client_auth needs jwks (not jwks_uri: never fetched for
 * it); tls_client_certificate_bound_access_tokens is refused for a public
 * client (its refresh tokens would not be bound).
 * @return APR_SUCCESS, or 400 invalid_client_metadata
 */
apr_status_t oa2_mtls_check_client(const oa2_client_t *cl, oa2_err_t *err);

/**
 * Authenticate @a cl, registered for tls_client_auth or
 * self_signed_tls_client_auth, by the TLS client certificate of @a in:
 * present, and for tls_client_auth verified by mod_ssl and of the
 * registered subject DN or SAN, for self_signed_tls_client_auth with a
 * public key of the client's jwks.
 * @return APR_SUCCESS, or 401 invalid_client with the reason (and the
 *         client) in err->detail
 */
apr_status_t oa2_mtls_authenticate(const oa2_client_t *cl,
                                   const oa2_backchannel_t *in, oa2_err_t *err,
                                   apr_pool_t *p);

/**
 * The certificate the access tokens of a token request are bound to
 * (RFC 8705 §3): the x5t#S256 of @a in's client certificate when @a cl
 * authenticated with it, or registered
 * tls_client_certificate_bound_access_tokens; else NULL.
 * @return APR_SUCCESS, or 400 invalid_request when @a cl wants bound
 *         tokens and sent no certificate
 */
apr_status_t oa2_mtls_bind(const char **x5t, const oa2_client_t *cl,
                           const oa2_backchannel_t *in, oa2_err_t *err,
                           apr_pool_t *p);

/**
 * The resource server's check of a certificate-bound token (RFC 8705
 * §3): the connection's client certificate @a pem (verified or not: the
 * binding is the thumbprint) must have the thumbprint @a x5t.
 * @return APR_SUCCESS, or 401 invalid_token
 */
apr_status_t oa2_mtls_check_bound(const char *x5t, const char *pem,
                                  oa2_err_t *err, apr_pool_t *p);

#endif /* OA2_MTLS_H */
