/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/**
 * @file oa2_lock.h
 * @brief A lock shared by httpd's children: process-shared, robust, and
 *        without priority inheritance.
 *
 * Why not apr_global_mutex: its default on Linux (a process-shared pthread
 * mutex) is robust only together with priority inheritance, and a
 * priority-inheritance futex hands a contended lock to a sleeping waiter
 * in the kernel. With dozens of worker threads on a few cores every
 * request then waits for context switches (measured: the validated-token
 * cache behind it cost more than the signature checks it saves). This
 * lock takes the fast path in user space, lets a running thread take a
 * free lock, and is still robust: a child that dies holding it (killed,
 * crashed) does not block the others.
 */
#ifndef OA2_LOCK_H
#define OA2_LOCK_H

#include <apr_pools.h>

/** The lock; lives in anonymous shared memory inherited by children. */
typedef struct oa2_lock_t oa2_lock_t;

/**
 * Create a lock before the children are forked; it is released with @a p.
 */
apr_status_t oa2_lock_create(oa2_lock_t **lock, apr_pool_t *p);

/**
 * Take the lock, waiting as long as needed.
 * @param recovered set to 1 when the lock was taken over from a process
 *        that died holding it (the data it guards may be half-updated),
 *        else to 0
 * @return APR_SUCCESS, or an error when the lock cannot be taken
 */
apr_status_t oa2_lock_acquire(int *recovered, oa2_lock_t *lock);

/** Release the lock. */
void oa2_lock_release(oa2_lock_t *lock);

#endif /* OA2_LOCK_H */
