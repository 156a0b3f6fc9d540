/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/* A process-shared, robust mutex without priority inheritance (why: see
 * oa2_lock.h). */
#include <errno.h>
#include <pthread.h>

#include <apr_errno.h>
#include <apr_shm.h>

#include "oa2_lock.h"

struct oa2_lock_t {
    pthread_mutex_t *mutex; /* in the shared segment */
    apr_shm_t *shm;         /* anonymous shared memory, one mutex */
};

/* Unmap only: processes forked earlier (children finishing their requests
 * after a graceful restart) may still use the mutex, and
 * pthread_mutex_destroy() would write to the memory they share. */
static apr_status_t lock_cleanup(void *data)
{
    oa2_lock_t *lock = data;

    return apr_shm_destroy(lock->shm);
}

apr_status_t oa2_lock_create(oa2_lock_t **lock, apr_pool_t *p)
{
    oa2_lock_t *l = apr_pcalloc(p, sizeof(*l));
    pthread_mutexattr_t attr;
    apr_status_t rv;
    int err;

    rv = apr_shm_create(&l->shm, sizeof(pthread_mutex_t), NULL, p);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    l->mutex = apr_shm_baseaddr_get(l->shm);
    err = pthread_mutexattr_init(&attr);
    if (!err) {
        err = pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
    }
    if (!err) {
        err = pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
    }
    if (!err) {
        err = pthread_mutexattr_setprotocol(&attr, PTHREAD_PRIO_NONE);
    }
    if (!err) {
        err = pthread_mutex_init(l->mutex, &attr);
    }
    pthread_mutexattr_destroy(&attr);
    if (err) {
        apr_shm_destroy(l->shm);
        return err;
    }
    apr_pool_cleanup_register(p, l, lock_cleanup, apr_pool_cleanup_null);
    *lock = l;
    return APR_SUCCESS;
}

apr_status_t oa2_lock_acquire(int *recovered, oa2_lock_t *lock)
{
    int err = pthread_mutex_lock(lock->mutex);

    *recovered = err == EOWNERDEAD;
    if (*recovered) {
        /* We hold it now; mark it usable again for everyone after us. */
        err = pthread_mutex_consistent(lock->mutex);
    }
    return err;
}

void oa2_lock_release(oa2_lock_t *lock)
{
    pthread_mutex_unlock(lock->mutex);
}
