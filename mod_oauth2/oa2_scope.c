/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/* Scope strings of RFC 6749 §3.3. */
#include <string.h>

#include <apr_hash.h>
#include <apr_strings.h>

#include "oa2_scope.h"

int oa2_scope_contains(const char *scopes, const char *scope)
{
    size_t n = strlen(scope);
    const char *s = scopes;

    if (!scopes || !n) {
        return 0;
    }
    while ((s = strstr(s, scope)) != NULL) {
        if ((s == scopes || s[-1] == ' ') && (s[n] == ' ' || s[n] == '\0')) {
            return 1;
        }
        s += n;
    }
    return 0;
}

int oa2_scope_token_valid(const char *scope)
{
    const unsigned char *c = (const unsigned char *)scope;

    if (!*c) {
        return 0;
    }
    /* scope-token = 1*( %x21 / %x23-5B / %x5D-7E ) */
    for (; *c; c++) {
        if (*c < 0x21 || *c > 0x7e || *c == '"' || *c == '\\') {
            return 0;
        }
    }
    return 1;
}

void oa2_scope_union(apr_array_header_t *list, const char *scopes,
                     apr_pool_t *p)
{
    char *copy = apr_pstrdup(p, scopes), *last, *tok;
    /* Linear in the number of tokens: a scope can be 64 KiB long. */
    apr_hash_t *seen = apr_hash_make(p);
    int i;

    for (i = 0; i < list->nelts; i++) {
        const char *s = APR_ARRAY_IDX(list, i, const char *);
        apr_hash_set(seen, s, APR_HASH_KEY_STRING, s);
    }
    for (tok = apr_strtok(copy, " ", &last); tok;
         tok = apr_strtok(NULL, " ", &last)) {
        if (!apr_hash_get(seen, tok, APR_HASH_KEY_STRING)) {
            apr_hash_set(seen, tok, APR_HASH_KEY_STRING, tok);
            APR_ARRAY_PUSH(list, const char *) = tok;
        }
    }
}

const char *oa2_scope_join(const apr_array_header_t *list, apr_pool_t *p)
{
    return apr_array_pstrcat(p, list, ' ');
}

const char *oa2_scope_without(const char *scopes, const char *scope,
                              apr_pool_t *p)
{
    apr_array_header_t *list = apr_array_make(p, 4, sizeof(const char *));
    apr_array_header_t *kept = apr_array_make(p, 4, sizeof(const char *));
    int i;

    if (!scopes || !oa2_scope_contains(scopes, scope)) {
        return scopes;
    }
    oa2_scope_union(list, scopes, p);
    for (i = 0; i < list->nelts; i++) {
        const char *s = APR_ARRAY_IDX(list, i, const char *);
        if (strcmp(s, scope)) {
            APR_ARRAY_PUSH(kept, const char *) = s;
        }
    }
    return oa2_scope_join(kept, p);
}
