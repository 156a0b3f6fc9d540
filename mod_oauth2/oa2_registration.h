/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/**
 * @file oa2_registration.h
 * @brief Dynamic client registration (RFC 7591): the initial access token,
 * the client metadata a request may carry, and the response.
 *
 * Supported metadata: redirect_uris, client_name, grant_types
 * (authorization_code, refresh_token, client_credentials), response_types
 * (code), token_endpoint_auth_method (client_secret_basic,
 * client_secret_post, none) and scope. Other members are ignored (§2).
 */
#ifndef OA2_REGISTRATION_H
#define OA2_REGISTRATION_H

#include <apr_pools.h>
#include <apr_tables.h>
#include <jansson.h>

#include "oa2_as.h"
#include "oa2_err.h"
#include "oa2_store.h"

/** Longest client_name, in characters. */
#define OA2_REGISTRATION_NAME_MAX 200

/** OA2_REGISTRATION_NAME_MAX as text, for a description that is a
 * constant like every other. */
#define OA2_REGISTRATION_NAME_MAX_TEXT                                         \
    OA2_REGISTRATION_STR_(OA2_REGISTRATION_NAME_MAX)
#define OA2_REGISTRATION_STR_(x) OA2_REGISTRATION_STR__(x)
#define OA2_REGISTRATION_STR__(x) #x

/** Longest registration request body, in bytes. */
#define OA2_REGISTRATION_BODY_MAX (64 * 1024)

/**
 * Check the initial access token of a request (OAuth2Registration token),
 * comparing SHA-256 hashes in constant time.
 * @param expected the configured OAuth2RegistrationToken
 * @param authz_header the Authorization header, or NULL
 * @return APR_SUCCESS; 401 invalid_token when the token is missing or
 *         wrong; 400 invalid_request for a malformed header; 500 when no
 *         token is configured
 */
apr_status_t oa2_registration_check_token(const char *expected,
                                          const char *authz_header,
                                          oa2_err_t *err, apr_pool_t *p);

/**
 * Read grant_types @a v (absent: the code grant): a non-empty array of
 * the names this server knows (authorization_code, refresh_token,
 * client_credentials), repeats dropped. Client ID metadata documents
 * (oa2_cimd.c) read them so too, then allow fewer.
 * @param grants receives the names, in first-seen order (of const char *)
 * @return APR_SUCCESS, or 400 invalid_client_metadata
 */
apr_status_t oa2_registration_parse_grants(apr_array_header_t **grants,
                                           json_t *v, oa2_err_t *err,
                                           apr_pool_t *p);

/**
 * Check response_types @a v: absent, or an array of "code" only; with
 * @a grants, empty exactly when they lack authorization_code (RFC 7591
 * §2.1: the two go together). NULL @a grants skips that pairing (a client
 * ID metadata document, whose response_types only need to be code).
 * @return APR_SUCCESS, or 400 invalid_client_metadata
 */
apr_status_t oa2_registration_check_response_types(
    json_t *v, const apr_array_header_t *grants, oa2_err_t *err);

/**
 * Check one redirect URI a client registers (oa2_redirect_check()) and add
 * it to @a uris (of const char *, copied into @a p) unless it is there.
 * Registration, client ID metadata documents and oauth2-admin take them
 * so.
 * @return APR_SUCCESS, or oa2_redirect_check()'s 400 invalid_redirect_uri
 */
apr_status_t oa2_registration_add_redirect_uri(apr_array_header_t *uris,
                                               const char *uri, oa2_err_t *err,
                                               apr_pool_t *p);

/**
 * Read client_name @a v: text a person can read (oa2_text_check()) of at
 * most OA2_REGISTRATION_NAME_MAX characters; @a fallback when absent or
 * empty. The consent page shows it where the user decides whom to trust.
 * @param name receives the name (copied into @a p) or @a fallback
 * @return APR_SUCCESS, or 400 invalid_client_metadata naming the field,
 *         never the value
 */
apr_status_t oa2_registration_parse_name(const char **name, json_t *v,
                                         const char *fallback, oa2_err_t *err,
                                         apr_pool_t *p);

/**
 * Parse and validate a registration request's JSON into the client it
 * describes, defaults filled in; client_id, secret_hash and created_at
 * are left for oa2_registration_register().
 * @param client receives the client
 * @return APR_SUCCESS, or a 400 error with an RFC 7591 §3.2.2 code:
 *         invalid_redirect_uri for anything wrong with redirect_uris,
 *         invalid_client_metadata for the rest
 */
apr_status_t oa2_registration_parse(oa2_client_t **client, const oa2_as_t *as,
                                    const char *body, apr_size_t len,
                                    oa2_err_t *err, apr_pool_t *p);

/**
 * The 201 response (RFC 7591 §3.2.1) for a registered client, with its
 * OpenID metadata when @a as is an OpenID Provider.
 * @param as the AS it registered at, or NULL
 * @param secret the client secret in clear, or NULL for a public client
 */
const char *oa2_registration_response(const oa2_client_t *client,
                                      const oa2_as_t *as, const char *secret,
                                      apr_pool_t *p);

/**
 * Register a client: parse the request, make a client_id and (unless the
 * auth method is none) a 256-bit secret, store the client with the hash of
 * the secret only, and build the response.
 * @param json receives the 201 response body
 * @param client receives the stored client
 * @param now the registration time, seconds since the epoch
 * @return APR_SUCCESS; a 400 error (see oa2_registration_parse()); 503
 *         when the store fails; 500 when no unique client_id was found
 */
apr_status_t oa2_registration_register(const char **json, oa2_client_t **client,
                                       const oa2_as_t *as, oa2_store_t *st,
                                       const char *body, apr_size_t len,
                                       apr_int64_t now, oa2_err_t *err,
                                       apr_pool_t *p);

#endif /* OA2_REGISTRATION_H */
