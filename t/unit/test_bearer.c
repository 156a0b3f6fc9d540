/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/* The Authorization header and the challenge of RFC 6750. */
#include <string.h>

#include <apr_strings.h>

#include "oa2_bearer.h"
#include "unit.h"

/* Check that @a header is a malformed request with log id @a id. */
#define HEADER_REFUSED(header, id)                                             \
    do {                                                                       \
        const char *tok_ = NULL;                                               \
        oa2_err_t err_ = {0};                                                  \
        UNIT_REFUSED(oa2_bearer_from_header(&tok_, (header), &err_, p), err_,  \
                     400, "invalid_request", (id));                            \
        UNIT_ASSERT(tok_ == NULL);                                             \
    } while (0)

/* Check that @a header carries no bearer credentials at all. */
#define HEADER_ABSENT(header)                                                  \
    do {                                                                       \
        const char *tok_ = NULL;                                               \
        oa2_err_t err_ = {0};                                                  \
        UNIT_EQ_INT(oa2_bearer_from_header(&tok_, (header), &err_, p),         \
                    APR_ENOENT);                                               \
        UNIT_ASSERT(tok_ == NULL && err_.error == NULL);                       \
    } while (0)

#define HEADER_TOKEN(header, want)                                             \
    do {                                                                       \
        const char *tok_ = NULL;                                               \
        oa2_err_t err_ = {0};                                                  \
        UNIT_EQ_INT(oa2_bearer_from_header(&tok_, (header), &err_, p),         \
                    APR_SUCCESS);                                              \
        UNIT_EQ_STR(tok_, (want));                                             \
    } while (0)

static void test_no_header(apr_pool_t *p)
{
    HEADER_ABSENT(NULL);
}

static void test_other_scheme(apr_pool_t *p)
{
    HEADER_ABSENT("Basic xx");
    HEADER_ABSENT("Basic dXNlcjpwYXNz");
    HEADER_ABSENT("Digest username=\"a\"");
    HEADER_ABSENT("Bearerabc");
    HEADER_ABSENT("");
}

static void test_bearer_token(apr_pool_t *p)
{
    HEADER_TOKEN("Bearer abc", "abc");
    HEADER_TOKEN("Bearer eyJh.eyJp.c2ln", "eyJh.eyJp.c2ln");
    HEADER_TOKEN("Bearer a-b.c_d~e+f/g", "a-b.c_d~e+f/g");
}

static void test_scheme_case_insensitive(apr_pool_t *p)
{
    HEADER_TOKEN("bearer abc", "abc");
    HEADER_TOKEN("BEARER abc", "abc");
    HEADER_TOKEN("BeArEr abc", "abc");
}

static void test_padding_allowed(apr_pool_t *p)
{
    HEADER_TOKEN("Bearer abc==", "abc==");
    HEADER_TOKEN("Bearer abc=", "abc=");
}

static void test_token_is_a_copy(apr_pool_t *p)
{
    char header[] = "Bearer abc";
    const char *tok = NULL;
    oa2_err_t err = {0};

    UNIT_EQ_INT(oa2_bearer_from_header(&tok, header, &err, p), APR_SUCCESS);
    header[7] = 'X';
    UNIT_EQ_STR(tok, "abc");
}

static void test_no_token(apr_pool_t *p)
{
    HEADER_REFUSED("Bearer", "OA2-00041");
    HEADER_REFUSED("Bearer ", "OA2-00041");
    HEADER_REFUSED("Bearer    ", "OA2-00041");
    HEADER_REFUSED("bearer", "OA2-00041");
}

static void test_not_b64token(apr_pool_t *p)
{
    HEADER_REFUSED("Bearer a b", "OA2-00042");
    HEADER_REFUSED("Bearer abc ", "OA2-00042");
    HEADER_REFUSED("Bearer a=b", "OA2-00042");
    HEADER_REFUSED("Bearer a\"b", "OA2-00042");
    HEADER_REFUSED("Bearer a\tb", "OA2-00042");
    HEADER_REFUSED("Bearer a\r\nX-Evil: 1", "OA2-00042");
    HEADER_REFUSED("Bearer caf\xc3\xa9", "OA2-00042");
}

static void test_padding_needs_a_token(apr_pool_t *p)
{
    /* b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" )
     * *"=": padding alone is not a token */
    HEADER_REFUSED("Bearer =", "OA2-00042");
    HEADER_REFUSED("Bearer ==", "OA2-00042");
}

static void test_two_headers(apr_pool_t *p)
{
    /* httpd joins repeated headers with ", " */
    HEADER_REFUSED("Bearer a,Bearer b", "OA2-00043");
    HEADER_REFUSED("Bearer a, Bearer b", "OA2-00043");
    HEADER_REFUSED("Bearer a, Basic b", "OA2-00043");
    HEADER_REFUSED("Bearer a==,Bearer b", "OA2-00043");
    HEADER_REFUSED("Basic x, Bearer y", "OA2-00040");
    HEADER_REFUSED("Basic x,bearer y", "OA2-00040");
    HEADER_REFUSED("Basic x, Basic z, Bearer y", "OA2-00040");
}

static void test_challenge_bare(apr_pool_t *p)
{
    oa2_err_t none = {401, NULL, NULL, NULL, NULL, APR_SUCCESS};

    UNIT_EQ_STR(oa2_bearer_challenge("api", NULL, NULL, NULL, p),
                "Bearer realm=\"api\"");
    /* RFC 6750 §3.1: no error attributes without an error code, and no
     * scope either */
    UNIT_EQ_STR(oa2_bearer_challenge("api", &none, "read", NULL, p),
                "Bearer realm=\"api\"");
}

static void test_challenge_error(apr_pool_t *p)
{
    oa2_err_t err = {
        401,  "invalid_token", "the token has expired", "OA2-00054",
        NULL, APR_SUCCESS};
    oa2_err_t nodesc = {400,  "invalid_request", NULL, "OA2-00041",
                        NULL, APR_SUCCESS};

    UNIT_EQ_STR(oa2_bearer_challenge("api", &err, NULL, NULL, p),
                "Bearer realm=\"api\", error=\"invalid_token\", "
                "error_description=\"the token has expired\"");
    UNIT_EQ_STR(oa2_bearer_challenge("api", &nodesc, NULL, NULL, p),
                "Bearer realm=\"api\", error=\"invalid_request\"");
}

static void test_challenge_scope(apr_pool_t *p)
{
    oa2_err_t err = {403,  "insufficient_scope", "needs write", "OA2-00070",
                     NULL, APR_SUCCESS};

    UNIT_EQ_STR(oa2_bearer_challenge("api", &err, "read write", NULL, p),
                "Bearer realm=\"api\", error=\"insufficient_scope\", "
                "error_description=\"needs write\", scope=\"read write\"");
    UNIT_EQ_STR(oa2_bearer_challenge("api", &err, "", NULL, p),
                "Bearer realm=\"api\", error=\"insufficient_scope\", "
                "error_description=\"needs write\"");
}

static void test_challenge_resource_metadata(apr_pool_t *p)
{
    oa2_err_t err = {401,  "invalid_token", "bad", "OA2-00031",
                     NULL, APR_SUCCESS};
    const char *md = "https://rs.example.com/.well-known/"
                     "oauth-protected-resource";

    UNIT_EQ_STR(oa2_bearer_challenge("api", NULL, NULL, md, p),
                apr_pstrcat(p, "Bearer realm=\"api\", resource_metadata=\"", md,
                            "\"", NULL));
    UNIT_EQ_STR(oa2_bearer_challenge("api", &err, NULL, md, p),
                apr_pstrcat(p,
                            "Bearer realm=\"api\", error=\"invalid_token\""
                            ", error_description=\"bad\", "
                            "resource_metadata=\"",
                            md, "\"", NULL));
}

static void test_challenge_escapes_quotes(apr_pool_t *p)
{
    oa2_err_t err = {401,  "invalid_token", "say \"hi\" \\o/", "OA2-00031",
                     NULL, APR_SUCCESS};

    UNIT_EQ_STR(oa2_bearer_challenge("my \"api\"", NULL, NULL, NULL, p),
                "Bearer realm=\"my \\\"api\\\"\"");
    UNIT_EQ_STR(oa2_bearer_challenge("a\\b", NULL, NULL, NULL, p),
                "Bearer realm=\"a\\\\b\"");
    UNIT_EQ_STR(oa2_bearer_challenge("x", &err, NULL, NULL, p),
                "Bearer realm=\"x\", error=\"invalid_token\", "
                "error_description=\"say \\\"hi\\\" \\\\o/\"");
}

static void test_challenge_drops_controls(apr_pool_t *p)
{
    oa2_err_t err = {401,  "invalid_token", "a\r\nSet-Cookie: x", "OA2-1",
                     NULL, APR_SUCCESS};

    UNIT_EQ_STR(oa2_bearer_challenge("ap\r\ni\x7f\t", NULL, NULL, NULL, p),
                "Bearer realm=\"api\"");
    UNIT_EQ_STR(oa2_bearer_challenge("api", &err, NULL, NULL, p),
                "Bearer realm=\"api\", error=\"invalid_token\", "
                "error_description=\"aSet-Cookie: x\"");
}

void unit_suite_bearer(void)
{
    unit_suite("bearer");
    UNIT_RUN(test_no_header);
    UNIT_RUN(test_other_scheme);
    UNIT_RUN(test_bearer_token);
    UNIT_RUN(test_scheme_case_insensitive);
    UNIT_RUN(test_padding_allowed);
    UNIT_RUN(test_token_is_a_copy);
    UNIT_RUN(test_no_token);
    UNIT_RUN(test_not_b64token);
    UNIT_RUN(test_padding_needs_a_token);
    UNIT_RUN(test_two_headers);
    UNIT_RUN(test_challenge_bare);
    UNIT_RUN(test_challenge_error);
    UNIT_RUN(test_challenge_scope);
    UNIT_RUN(test_challenge_resource_metadata);
    UNIT_RUN(test_challenge_escapes_quotes);
    UNIT_RUN(test_challenge_drops_controls);
}
