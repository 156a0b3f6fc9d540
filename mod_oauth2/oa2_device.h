/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/**
 * @file oa2_device.h
 * @brief The device authorization grant (RFC 8628): the device
 * authorization request at {base}/device_authorization, the user's answer
 * at {base}/device, and the polls of the token endpoint.
 *
 * A request is kept (oa2_store_device.h) under the hashes of a
 * device_code of 256 random bits and of a user_code of
 * OA2_DEVICE_USER_CODE_LEN characters of OA2_DEVICE_ALPHABET (about 34.6
 * bits: guessing is bounded by the rate limiter, oa2_ratelimit.h, and the
 * OA2_DEVICE_TTL lifetime), for OA2_DEVICE_TTL seconds.
 */
#ifndef OA2_DEVICE_H
#define OA2_DEVICE_H

#include <apr_pools.h>

#include "oa2_as.h"
#include "oa2_clientauth.h"
#include "oa2_err.h"
#include "oa2_store.h"
#include "oa2_store_device.h"

/** The grant type of the token requests that poll (RFC 8628 §3.4). */
#define OA2_DEVICE_GRANT "urn:ietf:params:oauth:grant-type:device_code"

/** Seconds a device authorization request may be answered and redeemed
 * (its expires_in). */
#define OA2_DEVICE_TTL 600

/** Seconds a client waits between polls at first (its interval); each
 * slow_down adds OA2_DEVICE_SLOW_DOWN. */
#define OA2_DEVICE_INTERVAL 5
#define OA2_DEVICE_SLOW_DOWN 5

/** The letters of a user_code: consonants only (no vowels, so no words;
 * none of the look-alikes 0/O, 1/I/L... is a digit), 20 of them. */
#define OA2_DEVICE_ALPHABET "BCDFGHJKLMNPQRSTVWXZ"

/** Characters of a user_code, shown as two groups of four. */
#define OA2_DEVICE_USER_CODE_LEN 8

/**
 * Take a device authorization request (RFC 8628 §3.1): authenticate the
 * client (public clients by client_id alone), which must be registered
 * for OA2_DEVICE_GRANT; validate scope and resource; store the request;
 * answer with device_code, user_code, verification_uri(_complete),
 * expires_in and interval (§3.2).
 * @param json receives the 200 response body
 * @param client receives the authenticated client (for the log), or NULL
 * @param device_hash receives the hash of the new device_code
 * @param verification_uri where the user goes: {base}/device
 * @return APR_SUCCESS; 401 invalid_client; 400 unauthorized_client,
 *         invalid_scope, invalid_target, invalid_request; 503 when the
 *         store fails
 */
apr_status_t oa2_device_start(const char **json, oa2_client_t **client,
                              const char **device_hash, const oa2_as_t *as,
                              oa2_store_t *st, const oa2_backchannel_t *in,
                              const char *verification_uri, apr_int64_t now,
                              oa2_err_t *err, apr_pool_t *p);

/**
 * A user_code as typed, in its stored form: letters upper-cased, a dash
 * and spaces dropped; NULL when it is not OA2_DEVICE_USER_CODE_LEN
 * letters of OA2_DEVICE_ALPHABET.
 */
const char *oa2_device_user_code_normalize(const char *typed, apr_pool_t *p);

/** A normalized user_code as shown: XXXX-XXXX. */
const char *oa2_device_user_code_display(const char *code, apr_pool_t *p);

/**
 * The pending request a user typed @a user_code for (§3.3).
 * @return APR_SUCCESS; 400 invalid_request (a failed guess, for the rate
 *         limiter) for a malformed, unknown, expired or answered code;
 *         503 when the store fails
 */
apr_status_t oa2_device_find(oa2_device_t **dev, oa2_store_t *st,
                             const char *user_code, apr_int64_t now,
                             oa2_err_t *err, apr_pool_t *p);

/** Nonzero when @a err, of oa2_device_find(), is a code that never was
 * one (malformed or unknown): a guess, for the rate limiter. A real code
 * that expired or was answered is none. */
int oa2_device_is_guess(const oa2_err_t *err);

/**
 * Record the user's answer to @a dev, once: approved for @a user (with
 * @a auth_time and the user claims @a claims, JSON object text or NULL,
 * kept for an ID token), or denied.
 * @return APR_SUCCESS; 400 invalid_request when it was answered already
 *         or expired since it was read; 503 when the store fails
 */
apr_status_t oa2_device_decide(oa2_store_t *st, const oa2_device_t *dev,
                               int approve, const char *user,
                               apr_int64_t auth_time, const char *claims,
                               apr_int64_t now, oa2_err_t *err, apr_pool_t *p);

/**
 * A poll of the token endpoint with @a device_code by @a client (§3.4,
 * §3.5), outside any transaction: the approved request when its tokens
 * may be issued (then take it with oa2_device_take()), else the error to
 * answer: authorization_pending, slow_down (polled sooner than its
 * interval, which grows by OA2_DEVICE_SLOW_DOWN), access_denied,
 * expired_token; invalid_grant for an unknown, used or other client's
 * device_code.
 */
apr_status_t oa2_device_poll(oa2_device_t **dev, oa2_store_t *st,
                             const oa2_client_t *client,
                             const char *device_code, apr_int64_t now,
                             oa2_err_t *err, apr_pool_t *p);

/**
 * Mark @a dev used, inside the transaction that issues its tokens: the
 * UPDATE's row count decides between polls racing for it.
 * @return APR_SUCCESS; 400 invalid_grant when another poll took it
 */
apr_status_t oa2_device_take(oa2_store_t *st, const oa2_device_t *dev,
                             oa2_err_t *err, apr_pool_t *p);

#endif /* OA2_DEVICE_H */
