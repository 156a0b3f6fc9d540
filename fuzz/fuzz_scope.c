/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/*
 * Scope strings: oa2_scope_union(), oa2_scope_contains() and
 * oa2_scope_token_valid(). Input: a scope string, a newline (or NUL), a
 * second scope string. contains() is checked against a plain split.
 */
#include <string.h>

#include <apr_hash.h>
#include <apr_strings.h>

#include "oa2_scope.h"
#include "support.h"

/* Nonzero when @a scope is one of the space-separated tokens of @a s. */
static int naive_contains(const char *s, const char *scope, apr_pool_t *p)
{
    char *copy = apr_pstrdup(p, s), *tok, *next;

    for (tok = copy; tok; tok = next) {
        next = strchr(tok, ' ');
        if (next) {
            *next++ = '\0';
        }
        if (*tok && !strcmp(tok, scope)) {
            return 1;
        }
    }
    return 0;
}

static int naive_valid(const char *scope)
{
    const unsigned char *c = (const unsigned char *)scope;

    for (; *c; c++) {
        if (*c < 0x21 || *c > 0x7e || *c == '"' || *c == '\\') {
            return 0;
        }
    }
    return *scope != '\0';
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fuzz_init();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    apr_array_header_t *list = apr_array_make(p, 4, sizeof(const char *));
    char *first, *second;
    apr_hash_t *seen = apr_hash_make(p);
    const char *joined;
    int i;

    fuzz_split(&first, &second, data, size, p);
    oa2_scope_union(list, first, p);
    oa2_scope_union(list, second, p);
    joined = oa2_scope_join(list, p);
    for (i = 0; i < list->nelts; i++) {
        const char *s = APR_ARRAY_IDX(list, i, const char *);
        FUZZ_CHECK(*s && !strchr(s, ' '));
        FUZZ_CHECK(!apr_hash_get(seen, s, APR_HASH_KEY_STRING));
        apr_hash_set(seen, s, APR_HASH_KEY_STRING, s);
        /* Quadratic in the tokens: the first few will do. */
        if (i < 32) {
            FUZZ_CHECK(naive_contains(first, s, p)
                       || naive_contains(second, s, p));
            FUZZ_CHECK(oa2_scope_contains(joined, s));
            FUZZ_CHECK(oa2_scope_token_valid(s) == naive_valid(s));
        }
    }
    FUZZ_CHECK(oa2_scope_token_valid(first) == naive_valid(first));
    FUZZ_CHECK(oa2_scope_token_valid(second) == naive_valid(second));
    /* A scope with a space is no single token: no claim about it. */
    if (!strchr(second, ' ')) {
        FUZZ_CHECK(oa2_scope_contains(first, second)
                   == naive_contains(first, second, p));
    }
    if (!strchr(first, ' ')) {
        FUZZ_CHECK(oa2_scope_contains(second, first)
                   == naive_contains(second, first, p));
    }
    apr_pool_destroy(p);
    return 0;
}
