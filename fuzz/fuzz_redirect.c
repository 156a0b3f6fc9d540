/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/*
 * Redirect URIs: oa2_redirect_check() of what a client registers and
 * oa2_redirect_matches() of a requested URI against it. Input: the
 * registered URI, a newline (or NUL), the requested URI.
 *
 * Matching is symmetric and reflexive (but never for a fragment), and a
 * URI that matches a registrable one is registrable itself: the loopback
 * port rule must not let anything else through.
 */
#include <string.h>

#include "oa2_redirect.h"
#include "support.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fuzz_init();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    char *registered, *requested;
    oa2_err_t err1 = {0}, err2 = {0};
    int ok1, ok2, match;

    fuzz_split(&registered, &requested, data, size, p);
    ok1 = oa2_redirect_check(registered, &err1, p) == APR_SUCCESS;
    ok2 = oa2_redirect_check(requested, &err2, p) == APR_SUCCESS;
    FUZZ_CHECK(ok1 || (err1.status == 400 && err1.log_id && err1.description));
    FUZZ_CHECK(ok2 || (err2.status == 400 && err2.log_id && err2.description));
    match = oa2_redirect_matches(registered, requested, p);
    FUZZ_CHECK(match == oa2_redirect_matches(requested, registered, p));
    FUZZ_CHECK(oa2_redirect_matches(registered, registered, p)
               == (*registered && !strchr(registered, '#')));
    if (match) {
        FUZZ_CHECK(ok1 == ok2);
    }
    apr_pool_destroy(p);
    return 0;
}
