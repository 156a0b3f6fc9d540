/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/**
 * @file unit.h
 * @brief A small unit test runner for the core (mod_oauth2/oa2_*.c).
 *
 * A test is `static void test_x(apr_pool_t *p)`: it gets a fresh pool,
 * destroyed right after it, so a test that leaks a foreign object shows up
 * under the asan target. A failed assertion prints one line with file:line
 * and returns from the test, so later lines never run on a NULL result.
 * Each test_<name>.c exposes unit_suite_<name>(), which names the suite and
 * runs its tests with UNIT_RUN; main.c calls every suite.
 */
#ifndef UNIT_H
#define UNIT_H

#include <apr_pools.h>

/** One test: @a p is its own pool, destroyed after it returns. */
typedef void unit_test_fn(apr_pool_t *p);

/** Name the suite whose tests follow (for the failure lines). */
void unit_suite(const char *name);

/** Run @a fn in a fresh pool and count it as passed or failed. */
void unit_run(const char *name, unit_test_fn *fn);

/** Record a failure of the running test: one line on stdout. */
void unit_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/** Run a test under its own name. */
#define UNIT_RUN(fn) unit_run(#fn, fn)

/** Fail and leave the test unless @a cond holds. */
#define UNIT_ASSERT(cond)                                                      \
    do {                                                                       \
        if (!(cond)) {                                                         \
            unit_fail(__FILE__, __LINE__, "assertion failed: %s", #cond);      \
            return;                                                            \
        }                                                                      \
    } while (0)

/** Fail and leave the test unless two strings (or NULLs) are equal. */
#define UNIT_EQ_STR(a, b)                                                      \
    do {                                                                       \
        const char *unit_a_ = (a), *unit_b_ = (b);                             \
        if (!unit_str_equal(unit_a_, unit_b_)) {                               \
            unit_fail(__FILE__, __LINE__, "%s is \"%s\", expected \"%s\"", #a, \
                      unit_a_ ? unit_a_ : "(null)",                            \
                      unit_b_ ? unit_b_ : "(null)");                           \
            return;                                                            \
        }                                                                      \
    } while (0)

/** Fail and leave the test unless two integers are equal. */
#define UNIT_EQ_INT(a, b)                                                      \
    do {                                                                       \
        long long unit_a_ = (long long)(a), unit_b_ = (long long)(b);          \
        if (unit_a_ != unit_b_) {                                              \
            unit_fail(__FILE__, __LINE__, "%s is %lld, expected %lld", #a,     \
                      unit_a_, unit_b_);                                       \
            return;                                                            \
        }                                                                      \
    } while (0)

/** Fail and leave the test unless @a hay contains @a needle. */
#define UNIT_HAS_STR(hay, needle)                                              \
    do {                                                                       \
        const char *unit_a_ = (hay), *unit_b_ = (needle);                      \
        if (!unit_a_ || !strstr(unit_a_, unit_b_)) {                           \
            unit_fail(__FILE__, __LINE__, "%s is \"%s\", lacks \"%s\"", #hay,  \
                      unit_a_ ? unit_a_ : "(null)", unit_b_);                  \
            return;                                                            \
        }                                                                      \
    } while (0)

/** Fail and leave unless a core call was refused with exactly this err. */
#define UNIT_REFUSED(rv, err, st, code, id)                                    \
    do {                                                                       \
        UNIT_EQ_INT((rv), APR_EGENERAL);                                       \
        UNIT_EQ_INT((err).status, (st));                                       \
        UNIT_EQ_STR((err).error, (code));                                      \
        UNIT_EQ_STR((err).log_id, (id));                                       \
    } while (0)

/** Nonzero when @a a and @a b are both NULL or equal strings. */
int unit_str_equal(const char *a, const char *b);

/**
 * Nonzero when @a description is a non-empty error_description of the
 * characters RFC 6749 §5.2 allows (%x20-21 / %x23-5B / %x5D-7E) without
 * @a sent, what the request under test carried (NULL: nothing).
 */
int unit_description_fixed(const char *description, const char *sent);

/** Fail and leave unless an error's description is fixed text: see
 * unit_description_fixed(). */
#define UNIT_DESCRIPTION_FIXED(err, sent)                                      \
    do {                                                                       \
        const char *unit_d_ = (err).description, *unit_s_ = (sent);            \
        if (!unit_description_fixed(unit_d_, unit_s_)) {                       \
            unit_fail(__FILE__, __LINE__,                                      \
                      "description \"%s\" carries \"%s\" or bad characters",   \
                      unit_d_ ? unit_d_ : "(null)",                            \
                      unit_s_ ? unit_s_ : "(null)");                           \
            return;                                                            \
        }                                                                      \
    } while (0)

/* The suites, one per core file, called by main.c. */
void unit_suite_as(void);
void unit_suite_assertion(void);
void unit_suite_b64(void);
void unit_suite_cimd(void);
void unit_suite_client_cache(void);
void unit_suite_clientauth(void);
void unit_suite_dpop(void);
void unit_suite_device(void);
void unit_suite_ratelimit(void);
void unit_suite_bearer(void);
void unit_suite_fetch(void);
void unit_suite_form(void);
void unit_suite_audit(void);
void unit_suite_hash(void);
void unit_suite_metrics(void);
void unit_suite_idtoken(void);
void unit_suite_json(void);
void unit_suite_jwt(void);
void unit_suite_keys(void);
void unit_suite_lock(void);
void unit_suite_openid(void);
void unit_suite_mtls(void);
void unit_suite_par(void);
void unit_suite_pkce(void);
void unit_suite_redirect(void);
void unit_suite_registration(void);
void unit_suite_remote(void);
void unit_suite_scope(void);
void unit_suite_store(void);
void unit_suite_grant(void);
void unit_suite_text(void);
void unit_suite_tmpl(void);
void unit_suite_access_token(void);
void unit_suite_url(void);
void unit_suite_well_known(void);
void unit_suite_userinfo(void);
void unit_suite_remote_introspection(void);

#endif /* UNIT_H */
