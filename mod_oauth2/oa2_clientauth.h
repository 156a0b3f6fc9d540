/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/**
 * @file oa2_clientauth.h
 * @brief Client authentication at the token, introspection and revocation
 * endpoints: client_secret_basic, client_secret_post, none (RFC 6749 §2.3),
 * private_key_jwt (RFC 7523 §2.2, oa2_assertion.h).
 */
#ifndef OA2_CLIENTAUTH_H
#define OA2_CLIENTAUTH_H

#include <apr_pools.h>

#include "oa2_err.h"
#include "oa2_form.h"
#include "oa2_ratelimit.h"
#include "oa2_record_cache.h"
#include "oa2_store.h"

/**
 * What a client's back-channel request (token, introspection, revocation,
 * pushed authorization) carries beyond its body that authenticates the
 * client or binds what it gets to it: made by the glue from the
 * request_rec, read by the core.
 */
typedef struct oa2_backchannel_t {
    const oa2_form_t *form;    /* the request body */
    const char *authorization; /* the Authorization header, or NULL */
    const char *client_cert;   /* PEM of the TLS client certificate
                                * (mod_ssl's SSL_CLIENT_CERT), or NULL */
    int client_cert_verified;  /* nonzero when mod_ssl verified it up to
                                * a trusted CA (SSL_CLIENT_VERIFY SUCCESS) */
    const char *method;        /* the HTTP method (DPoP htm) */
    const char *endpoint;      /* this endpoint's URL as the metadata
                                * publishes it (DPoP htu, assertion aud) */
    const char *dpop;          /* the DPoP header (RFC 9449), or NULL */
    const struct oa2_assertion_env_t *assertion; /* what checking a client
                                                  * assertion needs
                                                  * (oa2_assertion.h), or
                                                  * NULL: defaults */
    const oa2_record_cache_t *replay_cache;      /* where single-use values
                                             * (DPoP proof jtis) are
                                             * remembered across processes
                                             * and nodes; NULL: no cache */
    oa2_ratelimit_t *ratelimit; /* OAuth2RateLimit: failed client
                                 * authentications counted per client_id
                                 * and address; NULL: none */
} oa2_backchannel_t;

/** The client authentication methods (RFC 7591 §2 names). */
#define OA2_AUTH_BASIC "client_secret_basic"
#define OA2_AUTH_POST "client_secret_post"
#define OA2_AUTH_NONE "none"
#define OA2_AUTH_PRIVATE_KEY_JWT "private_key_jwt"

/**
 * Authenticate the client of a request with the method it is registered
 * for (oa2_client_t.auth_method), and no other: client_secret_basic (the
 * Authorization header), client_secret_post (client_id and client_secret
 * in the body), private_key_jwt (a client assertion in the body,
 * oa2_assertion.h), none (client_id alone, public clients), or
 * tls_client_auth and self_signed_tls_client_auth (client_id alone, and
 * the TLS client certificate: oa2_mtls_authenticate()).
 * @param client receives the authenticated client
 * @param in the request (its form and Authorization header)
 * @param allow_public nonzero when a public client may identify itself by
 *        client_id alone (token and revocation endpoints)
 * @return APR_SUCCESS; 401 invalid_client for an unknown client, a
 *         method other than the registered one (OA2-00820, the methods in
 *         err->detail), a wrong secret, or a public client where none is
 *         allowed;
 *         400 invalid_request for two methods at once or malformed Basic
 *         credentials; 503 when the store fails; 429 (OA2-01780), before
 *         any credential is checked, for a client_id or an address that
 *         failed too often (in->ratelimit), whose 401s count
 */
apr_status_t oa2_clientauth_authenticate(oa2_client_t **client, oa2_store_t *st,
                                         const oa2_backchannel_t *in,
                                         int allow_public, oa2_err_t *err,
                                         apr_pool_t *p);

/**
 * The front of an introspection or revocation request (RFC 7662 §2.1,
 * RFC 7009 §2.1): authenticate the client, then read the one `token`.
 * `token_type_hint` only saves a lookup, and each kind of token is
 * recognized for what it is, so it is read only to refuse a repeat.
 */
apr_status_t
oa2_clientauth_token_request(const char **token, oa2_client_t **client,
                             oa2_store_t *st, const oa2_backchannel_t *in,
                             int allow_public, oa2_err_t *err, apr_pool_t *p);

/** Nonzero when the client is public (no secret, auth method none). */
int oa2_clientauth_is_public(const oa2_client_t *client);

/**
 * Nonzero for the methods that present a shared secret
 * (client_secret_basic, client_secret_post): the only ones a secret is
 * issued for. A client that proves itself with a certificate or a key
 * has none to leak.
 */
int oa2_clientauth_sends_secret(const char *method);

#endif /* OA2_CLIENTAUTH_H */
