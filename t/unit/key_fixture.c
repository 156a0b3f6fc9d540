/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/* The test keys of t/unit/data/ (see key_fixture.h). */
#include <apr_strings.h>

#include "key_fixture.h"

oa2_key_t *fixture_key(const char *file, const char *kid, apr_pool_t *p)
{
    oa2_key_t *key;
    oa2_err_t err;

    if (oa2_keys_load_private_pem(&key, apr_pstrcat(p, "data/", file, NULL),
                                  kid, &err, p)
        != APR_SUCCESS) {
        return NULL;
    }
    return key;
}
