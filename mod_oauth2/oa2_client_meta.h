/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/**
 * @file oa2_client_meta.h
 * @brief A client's OpenID Connect metadata (Dynamic Client Registration
 * 1.0 §2, RP-Initiated Logout 1.0 §3.1): post_logout_redirect_uris,
 * default_max_age and id_token_signed_response_alg; and RFC 9126's
 * require_pushed_authorization_requests; RFC 9449's
 * dpop_bound_access_tokens. Parsed from a
 * registration request or given by oauth2-admin, and stored as one JSON
 * object in the client's metadata column, which later client metadata
 * joins without another column: so does the mark of a client read from
 * its client ID metadata document (oa2_cimd.h), with when it was read and
 * until when that read is reused.
 */
#ifndef OA2_CLIENT_META_H
#define OA2_CLIENT_META_H

#include <apr_pools.h>
#include <jansson.h>

#include "oa2_as.h"
#include "oa2_err.h"
#include "oa2_store.h"

/** Longest default_max_age accepted: a year, in seconds. */
#define OA2_CLIENT_META_MAX_AGE_MAX 31536000

/** Most keys a client's JWK Set (jwks, or the one at its jwks_uri) may
 * hold: a current key and a few being rolled over. */
#define OA2_CLIENT_JWKS_MAX_KEYS 10

/** Largest JWK Set a client may register, in bytes of compact JSON. */
#define OA2_CLIENT_JWKS_MAX_BYTES 8192

/** Longest jwks_uri a client may register. */
#define OA2_CLIENT_JWKS_URI_MAX 512

/**
 * Check and add one post-logout redirect URI to @a cl (the rules of
 * redirect_uris, oa2_redirect_check()); a repeat is dropped.
 * @return APR_SUCCESS, or 400 invalid_client_metadata
 */
apr_status_t oa2_client_meta_add_logout_uri(oa2_client_t *cl, const char *uri,
                                            oa2_err_t *err, apr_pool_t *p);

/**
 * Member @a name of a registration request @a doc; NULL when absent or
 * null, as many client libraries send every metadata field and null the
 * unset ones.
 */
json_t *oa2_client_meta_field(json_t *doc, const char *name);

/**
 * Check a client's JWK Set @a v (RFC 7591 §2 jwks, or the document at its
 * jwks_uri): an object whose "keys" is an array of 1 to
 * OA2_CLIENT_JWKS_MAX_KEYS objects, none with a private or secret member
 * (d, p, q, dp, dq, qi, oth, k), at most OA2_CLIENT_JWKS_MAX_BYTES of
 * compact JSON, with at least one key this server verifies ES256 or RS256
 * signatures with (EC P-256, RSA of 2048 bits or more) and no malformed
 * one (oa2_keys_parse_jwks()). Keys of other types may be there, unused.
 * @param jwks receives the set as compact JSON text, as stored
 * @return APR_SUCCESS, or 400 invalid_client_metadata naming the rule
 *         broken (the key's kid, if any, in err->detail)
 */
apr_status_t oa2_client_meta_jwks(const char **jwks, json_t *v, oa2_err_t *err,
                                  apr_pool_t *p);

/**
 * Read a client's keys from @a doc into @a cl: "jwks"
 * (oa2_client_meta_jwks()), "jwks_uri" (an https URL of at most
 * OA2_CLIENT_JWKS_URI_MAX characters without user name, password or
 * fragment; http only on a loopback host, and only for an http loopback
 * @a issuer: the reach of client-named URLs, oa2_cimd_reach()), never both
 * (RFC 7591 §2), and "token_endpoint_auth_signing_alg" (ES256 or RS256).
 * @return APR_SUCCESS, or 400 invalid_client_metadata naming the field
 */
apr_status_t oa2_client_meta_parse_keys(oa2_client_t *cl, const char *issuer,
                                        json_t *doc, oa2_err_t *err,
                                        apr_pool_t *p);

/** Nonzero when @a cl has keys to verify its assertions with (jwks or
 * jwks_uri): what token_endpoint_auth_method private_key_jwt needs. */
int oa2_client_meta_has_keys(const oa2_client_t *cl);

/**
 * Read the OpenID metadata (and require_pushed_authorization_requests) of
 * a registration request @a doc into @a cl, and its keys
 * (oa2_client_meta_parse_keys()).
 * id_token_signed_response_alg must name the algorithm of the AS's
 * signing key: it is the only one ID tokens are signed with.
 * @return APR_SUCCESS, or 400 invalid_client_metadata naming the field
 */
apr_status_t oa2_client_meta_parse(oa2_client_t *cl, const oa2_as_t *as,
                                   json_t *doc, oa2_err_t *err, apr_pool_t *p);

/** The stored form of @a cl's metadata: JSON object text, "" for none. */
const char *oa2_client_meta_encode(const oa2_client_t *cl, apr_pool_t *p);

/**
 * Fill @a cl's metadata fields from their stored form @a text (what
 * oa2_client_meta_encode() made, or "" from a row of an earlier release).
 * Fields that do not parse are left unset: a stored row is ours.
 */
void oa2_client_meta_decode(oa2_client_t *cl, const char *text, apr_pool_t *p);

/**
 * Read the mutual TLS metadata of a registration request @a doc into
 * @a cl (RFC 8705 §2.1.2, §3.4): tls_client_auth_subject_dn,
 * tls_client_auth_san_dns, _san_uri, _san_ip, _san_email,
 * tls_client_certificate_bound_access_tokens (jwks is read with the
 * other keys: oa2_client_meta_parse_keys()). Whether they fit
 * the client's token_endpoint_auth_method is oa2_mtls_check_client()'s
 * to say.
 * @return APR_SUCCESS, or 400 invalid_client_metadata naming the field
 */
apr_status_t oa2_client_meta_parse_tls(oa2_client_t *cl, json_t *doc,
                                       oa2_err_t *err, apr_pool_t *p);

/** Add @a cl's metadata to a registration response @a r. */
void oa2_client_meta_respond(json_t *r, const oa2_client_t *cl,
                             const oa2_as_t *as);

/** Nonzero when @a uri is one of @a cl's post_logout_redirect_uris,
 * compared exactly (RP-Initiated Logout 1.0 §3). */
int oa2_client_meta_logout_uri_registered(const oa2_client_t *cl,
                                          const char *uri);

#endif /* OA2_CLIENT_META_H */
