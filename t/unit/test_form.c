/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/* application/x-www-form-urlencoded (RFC 6749 Appendix B). */
#include <string.h>

#include <apr_strings.h>

#include "oa2_form.h"
#include "unit.h"

/* Parse a NUL-terminated @a text into @a form, or fail the test. */
#define PARSE_OK(form, text)                                                   \
    do {                                                                       \
        oa2_err_t err_ = {0};                                                  \
        const char *text_ = (text);                                            \
        UNIT_EQ_INT(oa2_form_parse(&(form), text_, strlen(text_), &err_, p),   \
                    APR_SUCCESS);                                              \
        UNIT_ASSERT((form) != NULL);                                           \
    } while (0)

/* Check that @a len bytes of @a text are refused with log id @a id. */
#define PARSE_REFUSED(text, len, id)                                           \
    do {                                                                       \
        oa2_form_t *form_ = NULL;                                              \
        oa2_err_t err_ = {0};                                                  \
        UNIT_REFUSED(oa2_form_parse(&form_, (text), (len), &err_, p), err_,    \
                     400, "invalid_request", (id));                            \
        UNIT_ASSERT(form_ == NULL);                                            \
        UNIT_ASSERT(err_.description &&*err_.description);                     \
    } while (0)

/* The one value of @a name, or NULL; fails the test on an error. */
#define SINGLE_EQ(form, name, want)                                            \
    do {                                                                       \
        const char *v_ = "unset";                                              \
        oa2_err_t err_ = {0};                                                  \
        UNIT_EQ_INT(oa2_form_single(&v_, (form), (name), 0, &err_, p),         \
                    APR_SUCCESS);                                              \
        UNIT_EQ_STR(v_, (want));                                               \
    } while (0)

static void test_parse_pairs(apr_pool_t *p)
{
    oa2_form_t *form;

    PARSE_OK(form, "grant_type=authorization_code&code=abc&x=");
    UNIT_EQ_INT(apr_table_elts(form->params)->nelts, 3);
    SINGLE_EQ(form, "grant_type", "authorization_code");
    SINGLE_EQ(form, "code", "abc");
    SINGLE_EQ(form, "x", NULL);
    SINGLE_EQ(form, "absent", NULL);
}

static void test_parse_decoding(apr_pool_t *p)
{
    oa2_form_t *form;

    PARSE_OK(form,
             "scope=read+write&redirect_uri=https%3A%2F%2Fc.example%2Fcb"
             "&s=%c3%a9t%C3%A9&plus=a%2Bb&eq=a=b");
    SINGLE_EQ(form, "scope", "read write");
    SINGLE_EQ(form, "redirect_uri", "https://c.example/cb");
    SINGLE_EQ(form, "s", "\xc3\xa9t\xc3\xa9");
    SINGLE_EQ(form, "plus", "a+b");
    /* only the first '=' separates name from value */
    SINGLE_EQ(form, "eq", "a=b");
}

static void test_parse_names_decoded(apr_pool_t *p)
{
    oa2_form_t *form;

    PARSE_OK(form, "client%5Fid=c1&a+b=2");
    SINGLE_EQ(form, "client_id", "c1");
    SINGLE_EQ(form, "a b", "2");
}

static void test_parse_empty_pairs(apr_pool_t *p)
{
    oa2_form_t *form;

    PARSE_OK(form, "&a=1&&b&");
    UNIT_EQ_INT(apr_table_elts(form->params)->nelts, 2);
    SINGLE_EQ(form, "a", "1");
    UNIT_EQ_STR(apr_table_get(form->params, "b"), "");

    PARSE_OK(form, "");
    UNIT_EQ_INT(apr_table_elts(form->params)->nelts, 0);
    {
        oa2_err_t err = {0};
        form = NULL;
        UNIT_EQ_INT(oa2_form_parse(&form, NULL, 0, &err, p), APR_SUCCESS);
        UNIT_ASSERT(form && apr_table_elts(form->params)->nelts == 0);
    }
}

static void test_parse_respects_len(apr_pool_t *p)
{
    oa2_form_t *form = NULL;
    oa2_err_t err = {0};

    /* a body need not be NUL-terminated: only len bytes count */
    UNIT_EQ_INT(oa2_form_parse(&form, "a=1&b=2", 3, &err, p), APR_SUCCESS);
    SINGLE_EQ(form, "a", "1");
    SINGLE_EQ(form, "b", NULL);
}

static void test_parse_bad_escapes(apr_pool_t *p)
{
    PARSE_REFUSED("a=%", 3, "OA2-00132");
    PARSE_REFUSED("a=%4", 4, "OA2-00132");
    PARSE_REFUSED("a=%zz", 5, "OA2-00132");
    PARSE_REFUSED("a=%4g", 5, "OA2-00132");
    PARSE_REFUSED("%=1", 3, "OA2-00132");
    /* the escape must lie within len */
    PARSE_REFUSED("a=%41", 4, "OA2-00132");
}

static void test_parse_nul(apr_pool_t *p)
{
    PARSE_REFUSED("a=%00", 5, "OA2-00133");
    PARSE_REFUSED("a%00=1", 6, "OA2-00133");
    PARSE_REFUSED("a=b\0c", 5, "OA2-00133");
}

static void test_parse_bad_utf8(apr_pool_t *p)
{
    PARSE_REFUSED("a=%ff", 5, "OA2-00134");
    PARSE_REFUSED("a=%c3", 5, "OA2-00134");           /* truncated */
    PARSE_REFUSED("a=%c3%28", 8, "OA2-00134");        /* bad continuation */
    PARSE_REFUSED("a=%c0%af", 8, "OA2-00134");        /* overlong '/' */
    PARSE_REFUSED("a=%e0%80%af", 11, "OA2-00134");    /* overlong, 3 bytes */
    PARSE_REFUSED("a=%ed%a0%80", 11, "OA2-00134");    /* surrogate D800 */
    PARSE_REFUSED("a=%f4%90%80%80", 14, "OA2-00134"); /* above U+10FFFF */
    PARSE_REFUSED("a=\x80", 3, "OA2-00134");          /* raw bytes, too */
    PARSE_REFUSED("%ff=1", 5, "OA2-00134");
}

static void test_parse_good_utf8(apr_pool_t *p)
{
    oa2_form_t *form;

    /* 2, 3 and 4 byte forms at their edges */
    PARSE_OK(form,
             "a=%c2%80&b=%ef%bf%bf&c=%f0%90%80%80&d=%f4%8f%bf%bf"
             "&e=%ed%9f%bf");
    SINGLE_EQ(form, "a", "\xc2\x80");
    SINGLE_EQ(form, "c", "\xf0\x90\x80\x80");
    SINGLE_EQ(form, "d", "\xf4\x8f\xbf\xbf");
}

static void test_parse_too_long(apr_pool_t *p)
{
    char *big = apr_palloc(p, OA2_FORM_MAX_LEN + 2);
    oa2_form_t *form = NULL;
    oa2_err_t err = {0};

    memset(big, 'a', OA2_FORM_MAX_LEN + 1);
    big[0] = 'x';
    big[1] = '=';
    big[OA2_FORM_MAX_LEN + 1] = '\0';
    PARSE_REFUSED(big, OA2_FORM_MAX_LEN + 1, "OA2-00135");
    UNIT_EQ_INT(oa2_form_parse(&form, big, OA2_FORM_MAX_LEN, &err, p),
                APR_SUCCESS);
}

static void test_single_repeated(apr_pool_t *p)
{
    oa2_form_t *form;
    const char *v = "unset";
    oa2_err_t err = {0};

    PARSE_OK(form, "state=a&code=x&state=b");
    UNIT_REFUSED(oa2_form_single(&v, form, "state", 0, &err, p), err, 400,
                 "invalid_request", "OA2-00136");
    UNIT_EQ_STR(err.description, "state is repeated");
    UNIT_ASSERT(v == NULL);

    /* an empty repetition is still a repetition */
    PARSE_OK(form, "state=a&state=");
    UNIT_REFUSED(oa2_form_single(&v, form, "state", 1, &err, p), err, 400,
                 "invalid_request", "OA2-00136");
}

static void test_single_required(apr_pool_t *p)
{
    oa2_form_t *form;
    const char *v = "unset";
    oa2_err_t err = {0};

    PARSE_OK(form, "code=x&state=");
    UNIT_EQ_INT(oa2_form_single(&v, form, "code", 1, &err, p), APR_SUCCESS);
    UNIT_EQ_STR(v, "x");
    UNIT_REFUSED(oa2_form_single(&v, form, "client_id", 1, &err, p), err, 400,
                 "invalid_request", "OA2-00137");
    UNIT_EQ_STR(err.description, "client_id is missing");
    UNIT_ASSERT(v == NULL);
    /* a parameter without a value counts as omitted (RFC 6749 §3.1) */
    UNIT_REFUSED(oa2_form_single(&v, form, "state", 1, &err, p), err, 400,
                 "invalid_request", "OA2-00137");
    UNIT_EQ_INT(oa2_form_single(&v, form, "state", 0, &err, p), APR_SUCCESS);
    UNIT_ASSERT(v == NULL);
}

static void test_single_case_sensitive(apr_pool_t *p)
{
    oa2_form_t *form;
    const char *v = "unset";
    oa2_err_t err = {0};

    /* apr tables ignore case; OAuth parameter names do not */
    PARSE_OK(form, "Client_ID=evil&client_id=c1");
    SINGLE_EQ(form, "client_id", "c1");
    SINGLE_EQ(form, "CLIENT_ID", NULL);
    UNIT_EQ_INT(oa2_form_single(&v, form, "client_id", 1, &err, p),
                APR_SUCCESS);
}

static void test_escape(apr_pool_t *p)
{
    UNIT_EQ_STR(oa2_form_escape("AZaz09-._~", p), "AZaz09-._~");
    UNIT_EQ_STR(oa2_form_escape("a b&c=d?e#f/g+h%i", p),
                "a%20b%26c%3Dd%3Fe%23f%2Fg%2Bh%25i");
    UNIT_EQ_STR(oa2_form_escape("\xc3\xa9\x01\x7f", p), "%C3%A9%01%7F");
    UNIT_EQ_STR(oa2_form_escape("", p), "");
    UNIT_EQ_STR(oa2_form_escape(NULL, p), "");
}

static void test_escape_round_trip(apr_pool_t *p)
{
    const char *value = "x y+z&=%\xe2\x82\xac";
    oa2_form_t *form;

    PARSE_OK(form, apr_pstrcat(p, "v=", oa2_form_escape(value, p), NULL));
    SINGLE_EQ(form, "v", value);
}

static void test_append(apr_pool_t *p)
{
    UNIT_EQ_STR(oa2_form_append(p, "https://c.example/cb", "code", "abc",
                                "state", "s 1", "iss", "https://as.example.com",
                                NULL),
                "https://c.example/cb?code=abc&state=s%201"
                "&iss=https%3A%2F%2Fas.example.com");
    UNIT_EQ_STR(
        oa2_form_append(p, "https://c.example/cb?x=1", "code", "abc", NULL),
        "https://c.example/cb?x=1&code=abc");
    UNIT_EQ_STR(oa2_form_append(p, "https://c.example/cb?", "a", "1", NULL),
                "https://c.example/cb?a=1");
    UNIT_EQ_STR(oa2_form_append(p, "https://c.example/cb?x=1&", "a", "1", NULL),
                "https://c.example/cb?x=1&a=1");
    UNIT_EQ_STR(oa2_form_append(p, "com.example.app:/cb", "a", "1", NULL),
                "com.example.app:/cb?a=1");
}

static void test_append_skips_null_values(apr_pool_t *p)
{
    UNIT_EQ_STR(oa2_form_append(p, "https://c.example/cb", "error",
                                "access_denied", "state", NULL, "iss", "i",
                                NULL),
                "https://c.example/cb?error=access_denied&iss=i");
    UNIT_EQ_STR(oa2_form_append(p, "https://c.example/cb", "state", NULL, "iss",
                                "i", NULL),
                "https://c.example/cb?iss=i");
    UNIT_EQ_STR(oa2_form_append(p, "https://c.example/cb", NULL),
                "https://c.example/cb");
    UNIT_EQ_STR(oa2_form_append(p, "https://c.example/cb", "state", NULL, NULL),
                "https://c.example/cb");
    /* an empty value is still sent */
    UNIT_EQ_STR(oa2_form_append(p, "https://c.example/cb", "state", "", NULL),
                "https://c.example/cb?state=");
}

static void test_append_before_fragment(apr_pool_t *p)
{
    /* redirect URIs have none, but a fragment stays last if there is one */
    UNIT_EQ_STR(oa2_form_append(p, "https://c.example/cb#f", "a", "1", NULL),
                "https://c.example/cb?a=1#f");
    UNIT_EQ_STR(
        oa2_form_append(p, "https://c.example/cb?x#f?y", "a", "1", NULL),
        "https://c.example/cb?x&a=1#f?y");
}

void unit_suite_form(void)
{
    unit_suite("form");
    UNIT_RUN(test_parse_pairs);
    UNIT_RUN(test_parse_decoding);
    UNIT_RUN(test_parse_names_decoded);
    UNIT_RUN(test_parse_empty_pairs);
    UNIT_RUN(test_parse_respects_len);
    UNIT_RUN(test_parse_bad_escapes);
    UNIT_RUN(test_parse_nul);
    UNIT_RUN(test_parse_bad_utf8);
    UNIT_RUN(test_parse_good_utf8);
    UNIT_RUN(test_parse_too_long);
    UNIT_RUN(test_single_repeated);
    UNIT_RUN(test_single_required);
    UNIT_RUN(test_single_case_sensitive);
    UNIT_RUN(test_escape);
    UNIT_RUN(test_escape_round_trip);
    UNIT_RUN(test_append);
    UNIT_RUN(test_append_skips_null_values);
    UNIT_RUN(test_append_before_fragment);
}
