/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/* Scope strings of RFC 6749 §3.3. */
#include <apr_tables.h>

#include "oa2_scope.h"
#include "unit.h"

static void test_contains_exact_token(apr_pool_t *p)
{
    UNIT_ASSERT(oa2_scope_contains("read", "read"));
    UNIT_ASSERT(oa2_scope_contains("read write", "read"));
    UNIT_ASSERT(oa2_scope_contains("read write", "write"));
    UNIT_ASSERT(oa2_scope_contains("a read b", "read"));
}

static void test_contains_no_substring(apr_pool_t *p)
{
    UNIT_ASSERT(!oa2_scope_contains("reader", "read"));
    UNIT_ASSERT(!oa2_scope_contains("unread", "read"));
    UNIT_ASSERT(!oa2_scope_contains("read:all write", "read"));
    UNIT_ASSERT(!oa2_scope_contains("readwrite", "write"));
    UNIT_ASSERT(!oa2_scope_contains("read", "read write"));
    UNIT_ASSERT(!oa2_scope_contains("rea", "read"));
}

static void test_contains_after_a_near_miss(apr_pool_t *p)
{
    /* the first occurrence is inside a longer token, the second counts */
    UNIT_ASSERT(oa2_scope_contains("readonly read", "read"));
    UNIT_ASSERT(oa2_scope_contains("xread read", "read"));
    UNIT_ASSERT(oa2_scope_contains("aba ab", "ab"));
}

static void test_contains_empty(apr_pool_t *p)
{
    UNIT_ASSERT(!oa2_scope_contains(NULL, "read"));
    UNIT_ASSERT(!oa2_scope_contains("", "read"));
    UNIT_ASSERT(!oa2_scope_contains("read", ""));
    UNIT_ASSERT(!oa2_scope_contains("", ""));
}

static void test_token_valid(apr_pool_t *p)
{
    UNIT_ASSERT(oa2_scope_token_valid("read"));
    UNIT_ASSERT(oa2_scope_token_valid("urn:example:scope/x.y"));
    /* the edges of %x21 / %x23-5B / %x5D-7E */
    UNIT_ASSERT(oa2_scope_token_valid("!#[]~"));
    UNIT_ASSERT(!oa2_scope_token_valid(""));
    UNIT_ASSERT(!oa2_scope_token_valid("read write"));
    UNIT_ASSERT(!oa2_scope_token_valid("a\"b"));
    UNIT_ASSERT(!oa2_scope_token_valid("a\\b"));
    UNIT_ASSERT(!oa2_scope_token_valid("a\tb"));
    UNIT_ASSERT(!oa2_scope_token_valid("a\x7f"));
    UNIT_ASSERT(!oa2_scope_token_valid("caf\xc3\xa9"));
}

static void test_union_keeps_first_seen_order(apr_pool_t *p)
{
    apr_array_header_t *list = apr_array_make(p, 2, sizeof(const char *));

    oa2_scope_union(list, "b a b", p);
    UNIT_EQ_INT(list->nelts, 2);
    oa2_scope_union(list, "c  a   d ", p);
    UNIT_EQ_INT(list->nelts, 4);
    UNIT_EQ_STR(APR_ARRAY_IDX(list, 0, const char *), "b");
    UNIT_EQ_STR(APR_ARRAY_IDX(list, 3, const char *), "d");
    UNIT_EQ_STR(oa2_scope_join(list, p), "b a c d");
}

static void test_union_of_nothing(apr_pool_t *p)
{
    apr_array_header_t *list = apr_array_make(p, 2, sizeof(const char *));

    oa2_scope_union(list, "", p);
    oa2_scope_union(list, "   ", p);
    UNIT_EQ_INT(list->nelts, 0);
    UNIT_EQ_STR(oa2_scope_join(list, p), "");
}

static void test_union_copies_its_input(apr_pool_t *p)
{
    apr_array_header_t *list = apr_array_make(p, 2, sizeof(const char *));
    char scopes[] = "read write";

    oa2_scope_union(list, scopes, p);
    scopes[0] = 'X';
    UNIT_EQ_STR(oa2_scope_join(list, p), "read write");
}

static void test_without_removes_the_token(apr_pool_t *p)
{
    UNIT_EQ_STR(oa2_scope_without("openid read", "openid", p), "read");
    UNIT_EQ_STR(oa2_scope_without("read openid write", "openid", p),
                "read write");
    UNIT_EQ_STR(oa2_scope_without("read write openid", "openid", p),
                "read write");
    UNIT_EQ_STR(oa2_scope_without("openid", "openid", p), "");
    /* every occurrence, and the spacing of what is kept made single */
    UNIT_EQ_STR(oa2_scope_without("openid read  openid   write ", "openid", p),
                "read write");
}

static void test_without_leaves_other_scopes(apr_pool_t *p)
{
    const char *scopes = "read openidx xopenid open";

    /* no token equal to it: the very string comes back */
    UNIT_ASSERT(oa2_scope_without(scopes, "openid", p) == scopes);
    UNIT_EQ_STR(oa2_scope_without(scopes, "openid", p),
                "read openidx xopenid open");
    UNIT_EQ_STR(oa2_scope_without("", "openid", p), "");
    UNIT_ASSERT(oa2_scope_without(NULL, "openid", p) == NULL);
}

static void test_without_copies_its_input(apr_pool_t *p)
{
    char scopes[] = "read openid write";
    const char *kept = oa2_scope_without(scopes, "openid", p);

    scopes[0] = 'X';
    UNIT_EQ_STR(kept, "read write");
}

void unit_suite_scope(void)
{
    unit_suite("scope");
    UNIT_RUN(test_contains_exact_token);
    UNIT_RUN(test_contains_no_substring);
    UNIT_RUN(test_contains_after_a_near_miss);
    UNIT_RUN(test_contains_empty);
    UNIT_RUN(test_token_valid);
    UNIT_RUN(test_union_keeps_first_seen_order);
    UNIT_RUN(test_union_of_nothing);
    UNIT_RUN(test_union_copies_its_input);
    UNIT_RUN(test_without_removes_the_token);
    UNIT_RUN(test_without_leaves_other_scopes);
    UNIT_RUN(test_without_copies_its_input);
}
