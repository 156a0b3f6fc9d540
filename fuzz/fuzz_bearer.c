/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/*
 * The Authorization header of a protected resource: oa2_bearer_from_header()
 * on the input as a header value; also the registration endpoint's check of
 * an initial access token, which takes the same header, and the challenge
 * built from an error, which must never let a control character through.
 */
#include <string.h>

#include <apr_lib.h>

#include "oa2_bearer.h"
#include "oa2_registration.h"
#include "support.h"

static int is_b64token_char(char c)
{
    return apr_isalnum(c) || strchr("-._~+/", c);
}

/* No byte a header value must not carry: CR, LF, other controls. */
static void check_header_safe(const char *v)
{
    const unsigned char *c;

    for (c = (const unsigned char *)v; *c; c++) {
        FUZZ_CHECK(*c >= 0x20 && *c != 0x7f);
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fuzz_init();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    const char *header = fuzz_cstring(data, size, p);
    const char *token = NULL, *s;
    oa2_err_t err = {0}, reg = {0};
    apr_status_t rv;

    rv = oa2_bearer_from_header(&token, header, &err, p);
    if (rv == APR_SUCCESS) {
        /* A b64token: 1*( ALPHA / DIGIT / "-._~+/" ) *"=" */
        FUZZ_CHECK(token && *token && *token != '=');
        for (s = token; *s && *s != '='; s++) {
            FUZZ_CHECK(is_b64token_char(*s));
        }
        for (; *s; s++) {
            FUZZ_CHECK(*s == '=');
        }
        FUZZ_CHECK(strstr(header, token) != NULL);
        FUZZ_CHECK(err.error == NULL);
    }
    else if (rv == APR_ENOENT) {
        FUZZ_CHECK(err.error == NULL);
    }
    else {
        FUZZ_CHECK(err.status == 400 && err.error && err.log_id);
    }

    /* The same header at the registration endpoint. */
    rv = oa2_registration_check_token("initial-access-token", header, &reg, p);
    FUZZ_CHECK(rv != APR_SUCCESS
               || (token && !strcmp(token, "initial-access-token")));
    FUZZ_CHECK(rv == APR_SUCCESS || reg.status == 400 || reg.status == 401);

    /* Whatever the request said, the challenge stays one header line. */
    check_header_safe(oa2_bearer_challenge(header, &err, header, header, p));
    err.error = "invalid_token";
    err.description = header;
    check_header_safe(oa2_bearer_challenge(header, &err, header, NULL, p));
    apr_pool_destroy(p);
    return 0;
}
