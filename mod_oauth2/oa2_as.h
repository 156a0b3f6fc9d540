/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/**
 * @file oa2_as.h
 * @brief An authorization server's settings, in core terms: built once per
 * virtual host at start-up and read-only afterwards.
 */
#ifndef OA2_AS_H
#define OA2_AS_H

#include <apr_pools.h>
#include <apr_tables.h>

#include "oa2_err.h"
#include "oa2_keys.h"

/** A scope the AS knows (OAuth2Scope). */
typedef struct oa2_scope_def_t {
    const char *name;        /* the scope token */
    const char *description; /* shown on the consent page */
} oa2_scope_def_t;

/** Everything the grant and authorize logic needs about its server. */
typedef struct oa2_as_t {
    const char *issuer;                    /* OAuth2Issuer */
    const oa2_keyset_t *keys;              /* the first private key signs */
    const apr_array_header_t *scopes;      /* of oa2_scope_def_t */
    const apr_array_header_t *resources;   /* of const char *, RFC 8707 */
    const char *default_audience;          /* aud without a resource */
    int access_ttl;                        /* seconds */
    int refresh_ttl;                       /* seconds */
    int code_ttl;                          /* seconds */
    int openid;                            /* an OpenID Provider too */
    int id_token_ttl;                      /* seconds */
    const apr_array_header_t *user_claims; /* of oa2_idtoken_claim_t */
    int require_par;                       /* OAuth2RequirePAR: every
                                            * authorization request pushed */
    unsigned char csrf_key[32];            /* HMAC key of consent forms */
    unsigned char record_key[32];          /* HMAC key of cached client rows */
    int dpop_nonce;                        /* OAuth2DPoPNonce: DPoP proofs
                                            * carry a nonce of ours */
    unsigned char dpop_nonce_key[32];      /* HMAC key of DPoP nonces */
} oa2_as_t;

/** The definition of scope @a name, or NULL when the AS does not know it. */
const oa2_scope_def_t *oa2_as_scope(const oa2_as_t *as, const char *name);

/**
 * Make the OpenID scopes known (as->openid): openid, and each standard
 * scope (profile, email, address, phone) that a user claim is configured
 * for, with the built-in consent text unless OAuth2Scope already defines
 * it. Replaces as->scopes with a copy in @a p.
 */
void oa2_as_add_openid_scopes(oa2_as_t *as, apr_pool_t *p);

/** Nonzero when a user grant of @a scope gets ID tokens: the AS is an
 * OpenID Provider and the scope has openid. */
int oa2_as_is_openid(const oa2_as_t *as, const char *scope);

/** Nonzero when @a resource is one of the AS's OAuth2Resource values. */
int oa2_as_resource_known(const oa2_as_t *as, const char *resource);

/**
 * Derive the consent-form, cached-record and DPoP nonce HMAC keys from
 * the signing key and the issuer, so every node holding the same keys
 * accepts the same forms, cache records and nonces, across restarts too,
 * and no other issuer does.
 */
apr_status_t oa2_as_derive_keys(oa2_as_t *as, apr_pool_t *p);

/**
 * Check a requested scope: every token must be one the AS knows and, when
 * the client has an allowed list, in it (no silent dropping).
 * @param granted receives the normalized scope (duplicates removed)
 * @param client_scope the client's allowed scopes, "" for any known one
 * @param requested the scope parameter, or NULL
 * @return APR_SUCCESS, or 400 invalid_scope with a fixed description;
 *         the first bad scope is named in the error's detail (the log)
 */
apr_status_t oa2_as_check_scope(const char **granted, const oa2_as_t *as,
                                const char *client_scope, const char *requested,
                                oa2_err_t *err, apr_pool_t *p);

/**
 * Check a resource indicator (RFC 8707): an OAuth2Resource value.
 * @return APR_SUCCESS, or 400 invalid_target
 */
apr_status_t oa2_as_check_resource(const oa2_as_t *as, const char *resource,
                                   oa2_err_t *err, apr_pool_t *p);

/** The aud of an access token for @a resource ("" or NULL: default). */
const char *oa2_as_audience(const oa2_as_t *as, const char *resource);

#endif /* OA2_AS_H */
