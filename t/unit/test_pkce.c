/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/* PKCE S256 (RFC 7636), with the vector of its Appendix B. */
#include <string.h>

#include <apr_strings.h>

#include "oa2_pkce.h"
#include "unit.h"

#define B_VERIFIER "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
#define B_CHALLENGE "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"

/* A string of @a n copies of @a c. */
static const char *repeat(char c, int n, apr_pool_t *p)
{
    char *s = apr_palloc(p, (apr_size_t)n + 1);

    memset(s, c, (apr_size_t)n);
    s[n] = '\0';
    return s;
}

static void test_rfc7636_appendix_b(apr_pool_t *p)
{
    /* RFC 7636 Appendix B: BASE64URL(SHA256(ASCII(code_verifier))) */
    UNIT_ASSERT(oa2_pkce_verify_s256(B_VERIFIER, B_CHALLENGE));
}

static void test_wrong_verifier(apr_pool_t *p)
{
    /* one character off, at the start and at the end */
    UNIT_ASSERT(!oa2_pkce_verify_s256(
        "eBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", B_CHALLENGE));
    UNIT_ASSERT(!oa2_pkce_verify_s256(
        "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXl", B_CHALLENGE));
    UNIT_ASSERT(!oa2_pkce_verify_s256(
        "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXkX", B_CHALLENGE));
}

static void test_wrong_challenge(apr_pool_t *p)
{
    UNIT_ASSERT(!oa2_pkce_verify_s256(
        B_VERIFIER, "F9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"));
    /* plain is not supported: the verifier as its own challenge fails */
    UNIT_ASSERT(!oa2_pkce_verify_s256(B_VERIFIER, B_VERIFIER));
    /* padding or a longer string never matches the 43-char S256 value */
    UNIT_ASSERT(!oa2_pkce_verify_s256(B_VERIFIER, B_CHALLENGE "="));
    UNIT_ASSERT(!oa2_pkce_verify_s256(B_VERIFIER, B_CHALLENGE "A"));
    UNIT_ASSERT(!oa2_pkce_verify_s256(B_VERIFIER, "E9Melhoa2Owv"));
}

static void test_null_and_empty(apr_pool_t *p)
{
    UNIT_ASSERT(!oa2_pkce_verify_s256(NULL, B_CHALLENGE));
    UNIT_ASSERT(!oa2_pkce_verify_s256(B_VERIFIER, NULL));
    UNIT_ASSERT(!oa2_pkce_verify_s256("", ""));
    UNIT_ASSERT(!oa2_pkce_valid(NULL));
    UNIT_ASSERT(!oa2_pkce_valid(""));
}

static void test_valid_lengths(apr_pool_t *p)
{
    UNIT_ASSERT(!oa2_pkce_valid(repeat('a', 42, p)));
    UNIT_ASSERT(oa2_pkce_valid(repeat('a', 43, p)));
    UNIT_ASSERT(oa2_pkce_valid(repeat('a', 128, p)));
    UNIT_ASSERT(!oa2_pkce_valid(repeat('a', 129, p)));
    UNIT_ASSERT(!oa2_pkce_valid(repeat('a', 1000, p)));
}

static void test_valid_chars(apr_pool_t *p)
{
    const char *base = repeat('a', 42, p);

    UNIT_ASSERT(oa2_pkce_valid(B_VERIFIER));
    UNIT_ASSERT(oa2_pkce_valid(apr_pstrcat(p, base, "~", NULL)));
    UNIT_ASSERT(oa2_pkce_valid(apr_pstrcat(p, base, ".", NULL)));
    UNIT_ASSERT(oa2_pkce_valid(apr_pstrcat(p, base, "-", NULL)));
    UNIT_ASSERT(oa2_pkce_valid(apr_pstrcat(p, base, "_", NULL)));
    UNIT_ASSERT(oa2_pkce_valid(apr_pstrcat(p, base, "Z9", NULL)));
    UNIT_ASSERT(!oa2_pkce_valid(apr_pstrcat(p, base, "+", NULL)));
    UNIT_ASSERT(!oa2_pkce_valid(apr_pstrcat(p, base, "/", NULL)));
    UNIT_ASSERT(!oa2_pkce_valid(apr_pstrcat(p, base, "=", NULL)));
    UNIT_ASSERT(!oa2_pkce_valid(apr_pstrcat(p, base, " ", NULL)));
    UNIT_ASSERT(!oa2_pkce_valid(apr_pstrcat(p, base, "%", NULL)));
    UNIT_ASSERT(!oa2_pkce_valid(apr_pstrcat(p, base, "\xc3\xa9", NULL)));
}

/* B_CHALLENGE with its last character replaced by @a c. */
static const char *b_with_last(char c, apr_pool_t *p)
{
    char *s = apr_pstrdup(p, B_CHALLENGE);

    s[strlen(s) - 1] = c;
    return s;
}

static void test_challenge_syntax(apr_pool_t *p)
{
    /* RFC 7636 §4.2 with Appendix B's value: 43 base64url characters */
    UNIT_EQ_INT(strlen(B_CHALLENGE), 43);
    UNIT_ASSERT(oa2_pkce_challenge_valid(B_CHALLENGE));
    UNIT_ASSERT(oa2_pkce_challenge_valid(
        "-_0123456789abcdefghijklmnopqRSTUVWXYZABCDE"));
    UNIT_ASSERT(oa2_pkce_challenge_valid(b_with_last('-', p)));
    UNIT_ASSERT(oa2_pkce_challenge_valid(b_with_last('_', p)));
    /* lengths: 42 and 44 (base64 with its padding), a verifier's 128 */
    UNIT_ASSERT(!oa2_pkce_challenge_valid(apr_pstrndup(p, B_CHALLENGE, 42)));
    UNIT_ASSERT(!oa2_pkce_challenge_valid(B_CHALLENGE "A"));
    UNIT_ASSERT(!oa2_pkce_challenge_valid(B_CHALLENGE "="));
    UNIT_ASSERT(!oa2_pkce_challenge_valid(repeat('A', 128, p)));
    UNIT_ASSERT(!oa2_pkce_challenge_valid(repeat('A', 1000, p)));
    UNIT_ASSERT(!oa2_pkce_challenge_valid(""));
    UNIT_ASSERT(!oa2_pkce_challenge_valid(NULL));
    /* 43 characters, one outside base64url: base64's "+" "/" "=", and
     * the verifier's unreserved "." "~" */
    UNIT_ASSERT(!oa2_pkce_challenge_valid(b_with_last('+', p)));
    UNIT_ASSERT(!oa2_pkce_challenge_valid(b_with_last('/', p)));
    UNIT_ASSERT(!oa2_pkce_challenge_valid(b_with_last('=', p)));
    UNIT_ASSERT(!oa2_pkce_challenge_valid(b_with_last('.', p)));
    UNIT_ASSERT(!oa2_pkce_challenge_valid(b_with_last('~', p)));
    UNIT_ASSERT(!oa2_pkce_challenge_valid(b_with_last(' ', p)));
    UNIT_ASSERT(!oa2_pkce_challenge_valid(
        apr_pstrcat(p, apr_pstrndup(p, B_CHALLENGE, 41), "\xc3\xa9", NULL)));
    /* standard base64 of the same digest: '+' '/' and the padding */
    UNIT_ASSERT(!oa2_pkce_challenge_valid(
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw+cM="));
}

static void test_invalid_verifier_refused(apr_pool_t *p)
{
    /* a verifier outside the grammar fails even before hashing */
    UNIT_ASSERT(!oa2_pkce_verify_s256("short", B_CHALLENGE));
    UNIT_ASSERT(!oa2_pkce_verify_s256(repeat('a', 129, p), B_CHALLENGE));
}

static void test_longest_verifier(apr_pool_t *p)
{
    /* SHA-256 of 128 'a' characters, base64url without padding */
    UNIT_ASSERT(oa2_pkce_verify_s256(
        repeat('a', 128, p), "aDbPE7rEAOkQUHHNavRwhN-srU5eMCyUv-0k4BOvtz4"));
}

static void test_url_alphabet(apr_pool_t *p)
{
    /* a challenge with both "-" and "_" (base64's "+" and "/") */
    UNIT_ASSERT(oa2_pkce_verify_s256(
        repeat('c', 43, p), "DEnYkjBpb_PAMcpaEopOEh41ib-HLBf6BEh-0MwkXSE"));
}

void unit_suite_pkce(void)
{
    unit_suite("pkce");
    UNIT_RUN(test_rfc7636_appendix_b);
    UNIT_RUN(test_wrong_verifier);
    UNIT_RUN(test_wrong_challenge);
    UNIT_RUN(test_null_and_empty);
    UNIT_RUN(test_valid_lengths);
    UNIT_RUN(test_valid_chars);
    UNIT_RUN(test_challenge_syntax);
    UNIT_RUN(test_invalid_verifier_refused);
    UNIT_RUN(test_longest_verifier);
    UNIT_RUN(test_url_alphabet);
}
