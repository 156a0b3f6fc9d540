/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/**
 * @file openid_fixture.h
 * @brief An OpenID Provider on the store fixture, and the way to its tokens
 * through the real authorization code flow: for the tests of ID tokens at
 * the token endpoint and of UserInfo.
 */
#ifndef OPENID_FIXTURE_H
#define OPENID_FIXTURE_H

#include <apr_pools.h>
#include <apr_tables.h>

#include "oa2_as.h"
#include "oa2_authorize.h"
#include "oa2_form.h"
#include "oa2_store.h"

/** The redirect URI of the fixture client, and as a query value. */
#define FIXTURE_CB "https://app.example/cb"
#define FIXTURE_CB_QUERY "https%3A%2F%2Fapp.example%2Fcb"

/** PKCE S256 verifier and challenge of RFC 7636 Appendix B. */
#define FIXTURE_VERIFIER "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
#define FIXTURE_CHALLENGE "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"

/**
 * fixture_as() as an OpenID Provider (openid on, ID tokens of 300 s) with
 * the user claims name and updated_at (profile), email and email_verified
 * (email), department and email again (employee, an OAuth2Scope of the
 * admin's own), and the scopes they make known (oa2_as_add_openid_scopes).
 */
oa2_as_t *fixture_op(const char *issuer, apr_pool_t *p);

/**
 * The user claims of the (scope, name) @a pairs, @a n of them, as
 * OAuth2UserClaim lines make them; NULL when one is refused.
 */
apr_array_header_t *fixture_claims(const char *const (*pairs)[2], apr_size_t n,
                                   apr_pool_t *p);

/**
 * fixture_op(@a issuer) in @a as, and in @a st a store of it where client
 * "web" is registered with @a grants (fixture_web_client); nonzero on
 * success.
 */
int fixture_op_web(oa2_as_t **as, oa2_store_t **st, const char *issuer,
                   const char *grants, apr_pool_t *p);

/** What the OAuth2UserClaim expressions gave for alice at authorize. */
apr_table_t *fixture_alice_claims(apr_pool_t *p);

/**
 * Register the confidential client "web" (secret "pw", client_secret_basic)
 * with @a grants and FIXTURE_CB; nonzero on success.
 */
int fixture_web_client(oa2_store_t *st, const char *grants, apr_pool_t *p);

/** A parsed form or query string, or NULL when it does not parse. */
oa2_form_t *fixture_form(const char *text, apr_pool_t *p);

/** The value of @a name in the query of @a location, or NULL. */
const char *fixture_query_param(const char *location, const char *name,
                                apr_pool_t *p);

/** The string member @a name of the JSON object text @a json, or NULL. */
const char *fixture_json_string(const char *json, const char *name,
                                apr_pool_t *p);

/** The Authorization header of HTTP Basic for @a id and @a secret. */
const char *fixture_basic(const char *id, const char *secret, apr_pool_t *p);

/**
 * Authorize an S256 request of client "web" to FIXTURE_CB with the query
 * parameters @a extra ("&scope=openid&nonce=n"), approve it for @a who at
 * @a now, and return the code its redirect carries; NULL when refused.
 */
const char *fixture_code(const oa2_as_t *as, oa2_store_t *st, const char *extra,
                         const oa2_authz_user_t *who, apr_int64_t now,
                         apr_pool_t *p);

/** Redeem @a code at @a now as client "web" with FIXTURE_VERIFIER. */
apr_status_t fixture_redeem(const char **json, const oa2_as_t *as,
                            oa2_store_t *st, const char *code, apr_int64_t now,
                            oa2_err_t *err, apr_pool_t *p);

/**
 * The token response of a code flow: fixture_code() for @a who at
 * @a authorized, redeemed with fixture_redeem() at @a now; NULL when either
 * step is refused.
 */
const char *fixture_tokens(const oa2_as_t *as, oa2_store_t *st,
                           const char *extra, const oa2_authz_user_t *who,
                           apr_int64_t authorized, apr_int64_t now,
                           apr_pool_t *p);

/**
 * Store the code @a code as an OpenID request of alice's at client "web"
 * leaves it (to FIXTURE_CB for FIXTURE_CHALLENGE, family "fam", nonce
 * "n-0S6", the claim email alice@example.org), of @a scope, authenticated
 * at @a auth_time and redeemable until @a expires_at; nonzero on success.
 */
int fixture_code_stored(oa2_store_t *st, const char *code, const char *scope,
                        apr_int64_t auth_time, apr_int64_t expires_at,
                        apr_pool_t *p);

/** Refresh with @a refresh at @a now as client "web", with the form
 * parameters @a extra ("&scope=openid" or ""). */
apr_status_t fixture_refresh(const char **json, const oa2_as_t *as,
                             oa2_store_t *st, const char *refresh,
                             const char *extra, apr_int64_t now, oa2_err_t *err,
                             apr_pool_t *p);

/** A client_credentials token request at @a now of client @a id (secret
 * "pw", client_secret_basic), with the form parameters @a extra
 * ("&scope=read" or ""). */
apr_status_t fixture_client_credentials(const char **json, const oa2_as_t *as,
                                        oa2_store_t *st, const char *id,
                                        const char *extra, apr_int64_t now,
                                        oa2_err_t *err, apr_pool_t *p);

#endif /* OPENID_FIXTURE_H */
