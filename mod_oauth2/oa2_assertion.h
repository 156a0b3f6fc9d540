/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/**
 * @file oa2_assertion.h
 * @brief private_key_jwt client authentication (RFC 7523 §2.2 and §3,
 * OpenID Connect Core §9): a client proves itself with a JWT it signed
 * with a key it registered (jwks or jwks_uri, oa2_client_jwks.h).
 *
 * The request carries client_assertion_type
 * urn:ietf:params:oauth:client-assertion-type:jwt-bearer and
 * client_assertion, once each, and no other credential. The JWT is a JWS
 * of ES256 or RS256 (verified by oa2_jwt.c), typ absent or "JWT", with
 * iss = sub = the client_id, an aud naming this server, an exp at most
 * OA2_ASSERTION_LIFETIME_MAX ahead and not passed, and a jti used once:
 * its hash is stored until the assertion expires (oa2_store_assertion_use).
 *
 * Which audience: RFC 7523 §3 lets the token endpoint's URL name the
 * server; draft-ietf-oauth-rfc7523bis prefers the issuer identifier, and
 * RFC 9126 §2 has the pushed authorization request endpoint accept its
 * own URL too. Every endpoint here accepts the issuer and the token
 * endpoint's URL; the introspection, revocation and pushed authorization
 * request endpoints also their own URL. Nothing else.
 *
 * Neither the assertion nor its jti ever reach a log: the detail of an
 * error names the client and, for a replay, the first 8 hex digits of the
 * jti's SHA-256 (oa2_hash_tag()).
 */
#ifndef OA2_ASSERTION_H
#define OA2_ASSERTION_H

#include <apr_pools.h>
#include <jansson.h>

#include "oa2_client_jwks.h"
#include "oa2_clientauth.h"
#include "oa2_err.h"
#include "oa2_form.h"
#include "oa2_store.h"

/** The client_assertion_type of a JWT client assertion (RFC 7523 §2.2). */
#define OA2_ASSERTION_TYPE                                                     \
    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

/** Longest time an assertion's exp may lie ahead, in seconds (SPEC). */
#define OA2_ASSERTION_LIFETIME_MAX 300

/** Clock difference allowed on exp, nbf and iat, in seconds. */
#define OA2_ASSERTION_LEEWAY 60

/** Longest jti accepted, in bytes. */
#define OA2_ASSERTION_JTI_MAX 256

/** What checking an assertion needs beyond the request itself: made by
 * the glue with the request (oa2_backchannel_t.assertion). */
typedef struct oa2_assertion_env_t {
    const char *token_endpoint; /* the token endpoint's URL as the
                                 * metadata publishes it: an aud every
                                 * endpoint accepts; NULL: none */
    oa2_client_jwks_env_t keys; /* how jwks_uri keys are fetched, kept */
    apr_int64_t now;            /* the request's time; 0: the clock's */
} oa2_assertion_env_t;

/** A client assertion as the form carried it, not yet verified. */
typedef struct oa2_assertion_t {
    const char *jwt;       /* the compact JWS */
    json_t *header;        /* its JOSE header */
    json_t *claims;        /* its payload */
    const char *client_id; /* the client it names (its iss and sub) */
} oa2_assertion_t;

/** Nonzero when @a form carries a client_assertion or a
 * client_assertion_type (a value, under that very name): the request uses
 * JWT client authentication. */
int oa2_assertion_present(const oa2_form_t *form);

/**
 * Read the client assertion of @a in, and which client it names, before
 * anything is verified: client_assertion_type (exactly
 * OA2_ASSERTION_TYPE) and client_assertion once each; no client_secret
 * and no Basic header beside them; a compact JWS whose header and payload
 * are JSON objects, whose iss and sub are the same string, and the
 * client_id of the form, if sent, that string too.
 * @return APR_SUCCESS; 400 invalid_request for a missing or repeated
 *         parameter, another assertion type or a second method; 401
 *         invalid_client for what the assertion itself says
 */
apr_status_t oa2_assertion_read(oa2_assertion_t **a,
                                const oa2_backchannel_t *in, oa2_err_t *err,
                                apr_pool_t *p);

/**
 * Verify @a a for client @a cl (whose token_endpoint_auth_method is
 * private_key_jwt) at the endpoint of @a in, for the issuer of @a st:
 * its claims, its header (alg ES256 or RS256, the client's
 * token_endpoint_auth_signing_alg if it registered one; typ absent or
 * JWT), its signature with the client's keys (oa2_client_jwks_get(),
 * fetched again once for a key the set lacks), and last its jti, which is
 * recorded: a second use is refused.
 * @return APR_SUCCESS; 401 invalid_client with the reason in err->detail;
 *         503 when the store fails
 */
apr_status_t oa2_assertion_verify(const oa2_assertion_t *a,
                                  const oa2_client_t *cl, oa2_store_t *st,
                                  const oa2_backchannel_t *in, oa2_err_t *err,
                                  apr_pool_t *p);

/**
 * Nonzero when oa2_assertion_verify() failed with @a err on the key: the
 * signature did not verify with the client's keys, or named a key they
 * lack. A client record from the client cache may predate new keys.
 */
int oa2_assertion_failed_on_key(const oa2_err_t *err);

#endif /* OA2_ASSERTION_H */
