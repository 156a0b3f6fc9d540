/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/**
 * @file oa2_par.h
 * @brief Pushed authorization requests (RFC 9126): the push, at
 * {base}/par, and the authorization request that names it by its
 * request_uri.
 *
 * A push is client-authenticated as at the token endpoint and validated
 * by the authorize endpoint's own rules (oa2_authorize_parse_client());
 * the request is kept in the store, its validated parameters form-encoded,
 * under the hash of a request_uri of 256 random bits, bound to its issuer
 * and client, for OA2_PAR_TTL seconds, and taken once
 * (oa2_par_consume()).
 */
#ifndef OA2_PAR_H
#define OA2_PAR_H

#include <apr_pools.h>

#include "oa2_as.h"
#include "oa2_clientauth.h"
#include "oa2_authorize.h"
#include "oa2_err.h"
#include "oa2_form.h"
#include "oa2_store.h"

/** Seconds a pushed request may be used (its expires_in). */
#define OA2_PAR_TTL 60

/** What every request_uri starts with (RFC 9126 §2.2). */
#define OA2_PAR_URI_PREFIX "urn:ietf:params:oauth:request_uri:"

/** Bytes of randomness in a request_uri (256 bits). */
#define OA2_PAR_URI_BYTES 32

/** The longest pushed request kept, its parameters form-encoded: a push
 * needs no user, so what one may store is bounded. */
#define OA2_PAR_PARAMS_MAX 8192

/**
 * Take a pushed authorization request (RFC 9126 §2): authenticate the
 * client with its registered method (public clients by client_id alone,
 * §2.1), validate the parameters as the authorize endpoint does, store
 * them, and answer with a new request_uri.
 * @param json receives the 201 response body: request_uri, expires_in
 * @param client receives the authenticated client (for the log), or NULL
 * @param uri_hash receives the hash of the new request_uri (its key)
 * @param in the request: its body, Authorization header and the rest
 * @return APR_SUCCESS; 401 invalid_client when the client does not
 *         authenticate; 400 (invalid_request, invalid_scope, ...) for a
 *         request the authorize endpoint would refuse, a request_uri
 *         (§2.1) or request (RFC 9101, not supported) in it, or one over
 *         OA2_PAR_PARAMS_MAX; 503 when the store fails
 */
apr_status_t oa2_par_push(const char **json, oa2_client_t **client,
                          const char **uri_hash, const oa2_as_t *as,
                          oa2_store_t *st, const oa2_backchannel_t *in,
                          apr_int64_t now, oa2_err_t *err, apr_pool_t *p);

/**
 * The parameters an authorization request stands for (RFC 9126 §4): with
 * a request_uri, those of the pushed request it names, which must be of
 * the request's client_id (required), not expired at @a now and not used;
 * every other parameter of @a query is then ignored. Without one, @a query
 * itself. Nothing is taken: oa2_par_consume() does that.
 * @param params receives the parameters to validate
 * @param uri_hash receives the pushed request's key, or NULL when @a query
 *        has no request_uri
 * @return APR_SUCCESS; 400 invalid_request_uri (an error page: no
 *         redirect_uri is known yet) for an unknown, expired, used or
 *         other client's request_uri, 400 invalid_request for a missing
 *         client_id or a repeated request_uri; 503 when the store fails
 */
apr_status_t oa2_par_resolve(const oa2_form_t **params, const char **uri_hash,
                             oa2_store_t *st, const oa2_form_t *query,
                             apr_int64_t now, oa2_err_t *err, apr_pool_t *p);

/**
 * Take the pushed request @a uri_hash of @a client_id, once: the
 * conditional UPDATE's row count decides between requests racing for it.
 * @return APR_SUCCESS; 400 invalid_request_uri when another request took
 *         it first, or it expired since it was read; 503 when the store
 *         fails
 */
apr_status_t oa2_par_consume(oa2_store_t *st, const char *uri_hash,
                             const char *client_id, apr_int64_t now,
                             oa2_err_t *err, apr_pool_t *p);

/**
 * Whether @a req, which was not pushed, may be answered: not when
 * OAuth2RequirePAR is on (RFC 9126 §5) or its client was registered with
 * require_pushed_authorization_requests (§6).
 * @return APR_SUCCESS, or 400 invalid_request (to be redirected: the
 *         client and its redirect_uri are verified)
 */
apr_status_t oa2_par_check_required(const oa2_as_t *as,
                                    const oa2_authz_request_t *req,
                                    oa2_err_t *err);

#endif /* OA2_PAR_H */
