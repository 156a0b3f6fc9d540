/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/**
 * @file oa2_store_device.h
 * @brief The store's device authorization requests (RFC 8628, table
 * oa2_device_codes): kept under the hashes of their device_code and
 * user_code only, answered once by the user and redeemed once by the
 * client, each by a conditional UPDATE whose row count decides.
 */
#ifndef OA2_STORE_DEVICE_H
#define OA2_STORE_DEVICE_H

#include "oa2_store.h"

/** States of a device authorization request. */
#define OA2_DEVICE_PENDING 0  /* waiting for the user */
#define OA2_DEVICE_APPROVED 1 /* approved, tokens not issued yet */
#define OA2_DEVICE_DENIED 2   /* the user said no */
#define OA2_DEVICE_USED 3     /* tokens issued */

/** A device authorization request, as stored. */
typedef struct oa2_device_t {
    const char *device_hash; /* hash of its device_code (its key) */
    const char *client_id;   /* the client that asked */
    const char *scope;       /* the validated scope */
    const char *resource;    /* RFC 8707 resource, "" for none */
    apr_int64_t expires_at;  /* seconds since the epoch */
    int state;               /* OA2_DEVICE_* */
    int interval;            /* seconds the client must wait between polls */
    apr_int64_t last_poll;   /* when it was last polled, 0: never */
    const char *user;        /* who answered, "" while pending */
    apr_int64_t auth_time;   /* when they signed in, 0: unknown */
    const char *claims;      /* their claims (JSON object) for an ID token,
                              * "": none */
} oa2_device_t;

/**
 * Store a new pending request under @a device_hash and @a user_code_hash.
 * @param added set nonzero when stored; zero when @a user_code_hash is
 *        taken (draw another user_code)
 */
apr_status_t oa2_store_device_add(int *added, oa2_store_t *st,
                                  const char *user_code_hash,
                                  const oa2_device_t *dev, oa2_err_t *err,
                                  apr_pool_t *p);

/** The request under @a device_hash; APR_NOTFOUND (err unset) when none. */
apr_status_t oa2_store_device_get(oa2_device_t **dev, oa2_store_t *st,
                                  const char *device_hash, oa2_err_t *err,
                                  apr_pool_t *p);

/** The request whose user_code hashes to @a user_code_hash; APR_NOTFOUND
 * (err unset) when none. */
apr_status_t oa2_store_device_find(oa2_device_t **dev, oa2_store_t *st,
                                   const char *user_code_hash, oa2_err_t *err,
                                   apr_pool_t *p);

/**
 * Record the user's answer @a state (approved or denied) with who gave
 * it, once: only a request still pending and not expired at @a now.
 * @param first set nonzero when this call answered it
 */
apr_status_t oa2_store_device_decide(int *first, oa2_store_t *st,
                                     const char *device_hash, int state,
                                     const char *user, apr_int64_t auth_time,
                                     const char *claims, apr_int64_t now,
                                     oa2_err_t *err, apr_pool_t *p);

/**
 * Record a poll at @a now over the one read at @a last_poll.
 * @param first set zero when another poll recorded itself in between
 */
apr_status_t oa2_store_device_poll(int *first, oa2_store_t *st,
                                   const char *device_hash,
                                   apr_int64_t last_poll, apr_int64_t now,
                                   oa2_err_t *err, apr_pool_t *p);

/** Add 5 seconds to the interval of @a device_hash, and record a poll at
 * @a now (RFC 8628 §3.5 slow_down). */
apr_status_t oa2_store_device_slow_down(oa2_store_t *st,
                                        const char *device_hash,
                                        apr_int64_t now, oa2_err_t *err,
                                        apr_pool_t *p);

/**
 * Mark an approved request of @a client_id used, atomically: call inside
 * the transaction that issues its tokens.
 * @param first set nonzero when this call took it
 */
apr_status_t oa2_store_device_take(int *first, oa2_store_t *st,
                                   const char *device_hash,
                                   const char *client_id, oa2_err_t *err,
                                   apr_pool_t *p);

#endif /* OA2_STORE_DEVICE_H */
