/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/**
 * @file oa2_idtoken.h
 * @brief OpenID Connect ID tokens (Core 1.0 §2, §3.1.3.6) and the user
 * claims the standard scopes release (§5.1, §5.4).
 *
 * User claims are evaluated at authorize time (OAuth2UserClaim), turned
 * into a JSON object here for the scopes granted, kept with the grant and
 * merged into the ID token when it is minted: never taken from the token
 * request. The protocol claims (iss, sub, aud, ...) always win: a user
 * claim may not carry a reserved name.
 */
#ifndef OA2_IDTOKEN_H
#define OA2_IDTOKEN_H

#include <apr_pools.h>
#include <apr_tables.h>

#include "oa2_err.h"
#include "oa2_keys.h"

/** The scope that makes an authorization request an OpenID one. */
#define OA2_IDTOKEN_SCOPE "openid"

/** Longest nonce accepted, in bytes (Core §3.1.2.1 sets no limit). */
#define OA2_IDTOKEN_NONCE_MAX 512

/** Longest user claim name accepted, in bytes. */
#define OA2_IDTOKEN_CLAIM_NAME_MAX 255

/** How a captured string value becomes a JSON value (Core §5.1). */
typedef enum oa2_idtoken_kind_t {
    OA2_IDTOKEN_STRING = 0, /* the value as a string */
    OA2_IDTOKEN_BOOLEAN,    /* email_verified, phone_number_verified:
                             * "true"/"false", anything else omitted */
    OA2_IDTOKEN_NUMBER,     /* updated_at: decimal seconds, else omitted */
    OA2_IDTOKEN_ADDRESS     /* address: {"formatted": value} (§5.1.1) */
} oa2_idtoken_kind_t;

/** A configured user claim (OAuth2UserClaim SCOPE CLAIM EXPR). */
typedef struct oa2_idtoken_claim_t {
    const char *scope;       /* the scope whose grant releases it */
    const char *name;        /* the claim's name */
    oa2_idtoken_kind_t kind; /* decided by the name alone */
} oa2_idtoken_claim_t;

/** What an ID token says, besides the user claims' values. */
typedef struct oa2_idtoken_t {
    const char *issuer;       /* iss */
    const char *sub;          /* sub: the access token's */
    const char *client_id;    /* aud and azp */
    int ttl;                  /* seconds from now to exp */
    apr_int64_t auth_time;    /* seconds since the epoch; 0: omitted */
    const char *nonce;        /* as sent; NULL or "": omitted */
    const char *access_token; /* issued with it (at_hash); NULL: omitted */
    const char *claims;       /* JSON object text of the user claims (as made by
                         * oa2_idtoken_claims_for_scope()), or NULL */
} oa2_idtoken_t;

/**
 * The at_hash of @a access_token (Core §3.1.3.6): base64url without
 * padding of the left half of the hash of its ASCII octets, the hash being
 * the one of the JWS algorithm @a alg (SHA-256 for ES256 and RS256).
 * @param out receives the value
 * @return APR_SUCCESS, or APR_ENOTIMPL for an algorithm we do not sign with
 */
apr_status_t oa2_idtoken_at_hash(const char **out, const char *access_token,
                                 const char *alg, apr_pool_t *p);

/**
 * The claims a standard scope releases (Core §5.4), space-separated, or
 * NULL when @a scope is not one of profile, email, address and phone.
 */
const char *oa2_idtoken_standard_claims(const char *scope);

/**
 * What the consent page says of openid and of the standard scopes when
 * OAuth2Scope gives no text of the admin's own; NULL for other scopes.
 */
const char *oa2_idtoken_scope_description(const char *scope);

/**
 * Nonzero when @a name is a JWT or ID token claim the protocol sets (iss,
 * sub, aud, exp, iat, auth_time, nonce, acr, amr, azp, at_hash, c_hash,
 * jti, nbf, cnf, sid): never a user claim.
 */
int oa2_idtoken_claim_reserved(const char *name);

/**
 * Check a configured (SCOPE, CLAIM) pair and describe it. A standard scope
 * carries only its own claims (§5.4); any other scope may carry any claim
 * name that is not reserved. A name is spelled like a scope token
 * (printable ASCII, no space, quote or backslash), at most
 * OA2_IDTOKEN_CLAIM_NAME_MAX bytes.
 * @param claim receives the description, its kind decided by the name
 * @return APR_SUCCESS, or an error (status 500, no OAuth code) whose
 *         description tells the administrator what is wrong and what to do
 */
apr_status_t oa2_idtoken_claim_make(oa2_idtoken_claim_t **claim,
                                    const char *scope, const char *name,
                                    oa2_err_t *err, apr_pool_t *p);

/**
 * The user claims released by the granted @a scope, as compact JSON object
 * text: each claim of @a defs whose scope is granted, with its value from
 * @a values (claim name -> the string evaluated at authorize time). An
 * absent or empty value is omitted, and so is a boolean other than
 * "true"/"false" or a number that is not plain decimal digits; a name
 * defined under several granted scopes appears once (its first non-empty
 * value). Nothing granted gives "{}".
 * @param json receives the object text
 * @param defs the configured claims, of oa2_idtoken_claim_t (may be NULL)
 * @param values the captured values (may be NULL)
 * @param scope the granted scope string
 * @return APR_SUCCESS, or 500 server_error when a value is not valid UTF-8
 *         (its claim's name in the error's detail)
 */
apr_status_t oa2_idtoken_claims_for_scope(const char **json,
                                          const apr_array_header_t *defs,
                                          const apr_table_t *values,
                                          const char *scope, oa2_err_t *err,
                                          apr_pool_t *p);

/**
 * The claims of @a stored (JSON object text kept with a grant) that
 * @a scope still releases under the configured claims @a defs: a refresh
 * that narrowed the scope, or an access token of a narrower scope, gets
 * no claim of the scopes it left out.
 * @param json receives compact JSON object text ("{}" for none)
 * @return APR_SUCCESS, or 500 server_error when @a stored is not an object
 */
apr_status_t oa2_idtoken_claims_narrow(const char **json, const char *stored,
                                       const apr_array_header_t *defs,
                                       const char *scope, oa2_err_t *err,
                                       apr_pool_t *p);

/**
 * The UserInfo response (Core §5.3.2): @a sub and the user claims of
 * @a claims (JSON object text, or NULL/"" for none).
 * @return APR_SUCCESS, or 500 server_error (a sub that is not UTF-8,
 *         stored claims that are not an object or carry a reserved name)
 */
apr_status_t oa2_idtoken_userinfo(const char **json, const char *sub,
                                  const char *claims, oa2_err_t *err,
                                  apr_pool_t *p);

/**
 * Nonzero when @a nonce may be carried into an ID token: 1 to
 * OA2_IDTOKEN_NONCE_MAX bytes of %x20-7E (RFC 6749's VSCHAR, as state).
 */
int oa2_idtoken_nonce_valid(const char *nonce);

/**
 * Mint the ID token @a in describes: a JWS signed with the first private
 * key of @a keys (the access tokens' key set), header alg, kid and typ
 * "JWT"; claims iss, sub, aud and azp (= client_id), exp (now + ttl), iat,
 * auth_time, nonce and at_hash when given, then the user claims.
 * @param jwt receives the compact serialization
 * @param now the current time, seconds since the epoch
 * @return APR_SUCCESS, or 500 server_error: no signing key, a missing or
 *         non-UTF-8 protocol value, a bad nonce, user claims that are not a
 *         JSON object or that carry a reserved name
 */
apr_status_t oa2_idtoken_mint(const char **jwt, const oa2_keyset_t *keys,
                              const oa2_idtoken_t *in, apr_int64_t now,
                              oa2_err_t *err, apr_pool_t *p);

#endif /* OA2_IDTOKEN_H */
