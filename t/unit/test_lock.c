/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/*
 * The lock shared by httpd's children: mutual exclusion across processes
 * and threads, and recovery when a holder dies.
 */
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <apr_thread_proc.h>

#include "oa2_lock.h"
#include "unit.h"

#define ROUNDS 20000

typedef struct shared_t {
    oa2_lock_t *lock;
    volatile long *counter; /* in memory shared with the child process */
} shared_t;

/* A read-modify-write the lock must make atomic. */
static void *APR_THREAD_FUNC count(apr_thread_t *thread, void *data)
{
    shared_t *s = data;
    int i, recovered;

    for (i = 0; i < ROUNDS; i++) {
        if (oa2_lock_acquire(&recovered, s->lock) != APR_SUCCESS) {
            break;
        }
        *s->counter = *s->counter + 1;
        oa2_lock_release(s->lock);
    }
    apr_thread_exit(thread, APR_SUCCESS);
    return NULL;
}

static void test_excludes_processes_and_threads(apr_pool_t *p)
{
    shared_t s;
    apr_thread_t *t[2];
    apr_status_t ignored;
    pid_t child;
    int status, i;
    long *counter = mmap(NULL, sizeof(long), PROT_READ | PROT_WRITE,
                         MAP_SHARED | MAP_ANONYMOUS, -1, 0);

    UNIT_ASSERT(counter != MAP_FAILED);
    *counter = 0;
    s.counter = counter;
    UNIT_EQ_INT(oa2_lock_create(&s.lock, p), APR_SUCCESS);
    child = fork();
    if (child == 0) {
        /* two threads in each of two processes */
        for (i = 0; i < 2; i++) {
            apr_thread_create(&t[i], NULL, count, &s, p);
        }
        for (i = 0; i < 2; i++) {
            apr_thread_join(&ignored, t[i]);
        }
        _exit(0);
    }
    UNIT_ASSERT(child > 0);
    for (i = 0; i < 2; i++) {
        UNIT_EQ_INT(apr_thread_create(&t[i], NULL, count, &s, p), APR_SUCCESS);
    }
    for (i = 0; i < 2; i++) {
        apr_thread_join(&ignored, t[i]);
    }
    UNIT_EQ_INT(waitpid(child, &status, 0), child);
    UNIT_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    UNIT_EQ_INT(*counter, 4 * ROUNDS);
    munmap(counter, sizeof(long));
}

static void test_survives_a_holder_that_dies(apr_pool_t *p)
{
    oa2_lock_t *lock;
    pid_t child;
    int status, recovered = -1;

    UNIT_EQ_INT(oa2_lock_create(&lock, p), APR_SUCCESS);
    child = fork();
    if (child == 0) {
        int r;
        /* take it and die without releasing it, as a killed child does */
        oa2_lock_acquire(&r, lock);
        _exit(0);
    }
    UNIT_ASSERT(child > 0);
    UNIT_EQ_INT(waitpid(child, &status, 0), child);
    UNIT_EQ_INT(oa2_lock_acquire(&recovered, lock), APR_SUCCESS);
    UNIT_EQ_INT(recovered, 1);
    oa2_lock_release(lock);
    /* and it is an ordinary lock again */
    UNIT_EQ_INT(oa2_lock_acquire(&recovered, lock), APR_SUCCESS);
    UNIT_EQ_INT(recovered, 0);
    oa2_lock_release(lock);
}

void unit_suite_lock(void)
{
    unit_suite("lock");
    UNIT_RUN(test_excludes_processes_and_threads);
    UNIT_RUN(test_survives_a_holder_that_dies);
}
