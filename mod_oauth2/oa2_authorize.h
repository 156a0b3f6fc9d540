/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/**
 * @file oa2_authorize.h
 * @brief The authorization endpoint (RFC 6749 §4.1.1, OAuth 2.1): request
 * validation, the consent decision, codes and redirects (RFC 9207 iss).
 */
#ifndef OA2_AUTHORIZE_H
#define OA2_AUTHORIZE_H

#include <apr_pools.h>
#include <apr_tables.h>

#include "oa2_as.h"
#include "oa2_err.h"
#include "oa2_form.h"
#include "oa2_store.h"

/** A validated authorization request. */
typedef struct oa2_authz_request_t {
    const oa2_client_t *client; /* the registered client */
    const char *redirect_uri;   /* as requested; matches a registered */
    const char *scope;          /* normalized requested scope */
    const char *state;          /* echoed back, or NULL */
    const char *code_challenge; /* PKCE S256 challenge */
    const char *resource;       /* RFC 8707 resource, "" for none */
    const char *prompt;         /* "none", "consent" or NULL */
    const char *nonce;          /* OpenID Connect nonce, or NULL */
    const char *dpop_jkt;       /* RFC 9449 §10: the DPoP key the code is
                                 * bound to (thumbprint), or NULL */
    apr_int64_t max_age;        /* OpenID Connect max_age; -1: none */
} oa2_authz_request_t;

/** How long a sign-in counts as just made, for prompt=login: the
 * seconds between the login and the authorization request it returns
 * to. */
#define OA2_LOGIN_FRESH 60

/** The user an authorization request is approved for. */
typedef struct oa2_authz_user_t {
    const char *name;          /* whom httpd authenticated (r->user) */
    apr_int64_t auth_time;     /* when, seconds since the epoch */
    const apr_table_t *claims; /* OAuth2UserClaim name -> value, or NULL */
} oa2_authz_user_t;

/**
 * Validate an authorization request (query of a GET, body of the consent
 * form's POST).
 * @param req receives the request; on an error after the client and its
 *        redirect_uri were verified, it is filled enough to redirect
 * @param redirectable set nonzero when the error may go to the client's
 *        redirect_uri; zero when it must be shown on an error page (unknown
 *        client, unregistered redirect_uri: never redirect there)
 */
apr_status_t oa2_authorize_parse(oa2_authz_request_t **req, int *redirectable,
                                 const oa2_as_t *as, oa2_store_t *st,
                                 const oa2_form_t *params, oa2_err_t *err,
                                 apr_pool_t *p);

/**
 * Validate an authorization request of @a client, authenticated already:
 * what the pushed authorization request endpoint checks (RFC 9126 §2.1),
 * with the rules of oa2_authorize_parse(). The client_id of @a params is
 * not read: the caller made sure it names @a client.
 * @return APR_SUCCESS, or the error oa2_authorize_parse() would give
 */
apr_status_t oa2_authorize_parse_client(oa2_authz_request_t **req,
                                        const oa2_as_t *as,
                                        const oa2_client_t *client,
                                        const oa2_form_t *params,
                                        oa2_err_t *err, apr_pool_t *p);

/**
 * @a req's parameters, form-encoded: oa2_authorize_parse() reads them
 * back into the same request (what a pushed request keeps).
 */
const char *oa2_authorize_encode(const oa2_authz_request_t *req, apr_pool_t *p);

/** The longest user name: the width of the user_id columns. */
#define OA2_USER_MAX 255

/**
 * Nonzero when @a user (whom httpd authenticated) can be the subject of
 * grants: 1 to OA2_USER_MAX bytes of UTF-8. PostgreSQL and MySQL refuse
 * anything else in their user_id columns, and a token's "sub" is a JSON
 * string.
 */
int oa2_authorize_user_ok(const char *user);

/**
 * Nonzero in @a needed when @a user must see the consent page: prompt is
 * consent, the user never answered this client, or a requested scope is
 * beyond what they granted it.
 */
apr_status_t oa2_authorize_needs_consent(int *needed, oa2_store_t *st,
                                         const oa2_authz_request_t *req,
                                         const char *user, oa2_err_t *err,
                                         apr_pool_t *p);

/**
 * Remember the consent (adding to what was granted before), issue a code,
 * and build the redirect with code, state and iss. An OpenID request's
 * code also keeps the nonce, the user's auth_time and the user claims its
 * scope releases, for the ID token.
 */
apr_status_t oa2_authorize_approve(const char **location, const oa2_as_t *as,
                                   oa2_store_t *st,
                                   const oa2_authz_request_t *req,
                                   const oa2_authz_user_t *who, apr_int64_t now,
                                   int remember, oa2_err_t *err, apr_pool_t *p);

/**
 * Nonzero when the user must sign in again before @a req is answered
 * (Core §3.1.2.1): prompt=login and their sign-in at @a auth_time is older
 * than OA2_LOGIN_FRESH, or it is older than max_age (the request's, else
 * the client's default_max_age). Only for OpenID requests.
 */
int oa2_authorize_login_stale(const oa2_as_t *as,
                              const oa2_authz_request_t *req,
                              apr_int64_t auth_time, apr_int64_t now);

/** Nonzero when @a req asks for an ID token: openid, and OIDC is on. */
int oa2_authorize_is_openid(const oa2_as_t *as, const oa2_authz_request_t *req);

/** The redirect carrying @a err (error, error_description, state, iss). */
const char *oa2_authorize_error_location(const oa2_as_t *as,
                                         const oa2_authz_request_t *req,
                                         const oa2_err_t *err, apr_pool_t *p);

#endif /* OA2_AUTHORIZE_H */
