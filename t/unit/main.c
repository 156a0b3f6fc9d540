/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/*
 * The unit test runner: initializes APR, runs every suite, prints one line
 * per failure and the totals. Run from t/unit, where data/ holds fixtures.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <apr_general.h>

#include "unit.h"

static const char *suite_name = "";
static const char *test_name = "";
static int test_failed;
static int passed;
static int failed;

int unit_str_equal(const char *a, const char *b)
{
    return (!a && !b) || (a && b && !strcmp(a, b));
}

int unit_description_fixed(const char *description, const char *sent)
{
    const unsigned char *c = (const unsigned char *)description;

    if (!c || !*c || (sent && *sent && strstr(description, sent))) {
        return 0;
    }
    for (; *c; c++) {
        if (*c < 0x20 || *c == '"' || *c == '\\' || *c > 0x7e) {
            return 0;
        }
    }
    return 1;
}

void unit_suite(const char *name)
{
    suite_name = name;
}

void unit_fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;

    printf("FAIL %s/%s %s:%d: ", suite_name, test_name, file, line);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    test_failed = 1;
}

void unit_run(const char *name, unit_test_fn *fn)
{
    apr_pool_t *p;

    test_name = name;
    test_failed = 0;
    if (apr_pool_create(&p, NULL) != APR_SUCCESS) {
        unit_fail(__FILE__, __LINE__, "cannot create a pool");
    }
    else {
        fn(p);
        apr_pool_destroy(p);
    }
    if (test_failed) {
        failed++;
    }
    else {
        passed++;
    }
}

int main(void)
{
    if (apr_initialize() != APR_SUCCESS) {
        fprintf(stderr, "cannot initialize APR\n");
        return 2;
    }
    unit_suite_as();
    unit_suite_assertion();
    unit_suite_audit();
    unit_suite_b64();
    unit_suite_cimd();
    unit_suite_client_cache();
    unit_suite_clientauth();
    unit_suite_dpop();
    unit_suite_bearer();
    unit_suite_fetch();
    unit_suite_form();
    unit_suite_hash();
    unit_suite_idtoken();
    unit_suite_json();
    unit_suite_jwt();
    unit_suite_keys();
    unit_suite_lock();
    unit_suite_metrics();
    unit_suite_pkce();
    unit_suite_redirect();
    unit_suite_remote_introspection();
    unit_suite_registration();
    unit_suite_remote();
    unit_suite_scope();
    unit_suite_store();
    unit_suite_grant();
    unit_suite_openid();
    unit_suite_mtls();
    unit_suite_par();
    unit_suite_device();
    unit_suite_ratelimit();
    unit_suite_text();
    unit_suite_tmpl();
    unit_suite_access_token();
    unit_suite_url();
    unit_suite_well_known();
    unit_suite_userinfo();
    apr_terminate();
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
