/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/* JSON objects written without jansson (oa2_json.c), checked against
 * jansson's reading of them. */
#include <string.h>

#include <apr_strings.h>
#include <jansson.h>

#include "oa2_json.h"
#include "unit.h"

/* jansson's reading of @a text as a string literal, or NULL. */
static char *decoded(const char *text, apr_pool_t *p)
{
    json_t *v = json_loads(text, JSON_DECODE_ANY, NULL);
    char *out = NULL;

    if (json_is_string(v)) {
        out = apr_pstrmemdup(p, json_string_value(v), json_string_length(v));
    }
    json_decref(v);
    return out;
}

static void test_plain_text_is_only_quoted(apr_pool_t *p)
{
    UNIT_EQ_STR(oa2_json_quote("https://as.example/", p),
                "\"https://as.example/\"");
    UNIT_EQ_STR(oa2_json_quote("", p), "\"\"");
    UNIT_EQ_STR(oa2_json_quote("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x91", p),
                "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x91\"");
}

static void test_quotes_backslashes_and_controls_are_escaped(apr_pool_t *p)
{
    const char *in = "a\"b\\c\nd\te\x01"
                     "f\x1f"
                     "g\x7f";
    const char *out = oa2_json_quote(in, p);

    UNIT_EQ_STR(out, "\"a\\\"b\\\\c\\u000ad\\u0009e\\u0001f\\u001fg\x7f\"");
    UNIT_EQ_STR(decoded(out, p), in);
}

static void test_malformed_utf8_is_refused(apr_pool_t *p)
{
    static const char *const bad[] = {
        "\xff",             /* never in UTF-8 */
        "\xc3",             /* truncated */
        "\xc0\xaf",         /* overlong '/' */
        "\xe0\x80\xaf",     /* overlong, three bytes */
        "\xed\xa0\x80",     /* a surrogate */
        "\xf4\x90\x80\x80", /* above U+10FFFF */
        "ok\x80",           /* a lone continuation byte */
        "\xe2\x82",         /* truncated at the end */
    };
    size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
        json_t *j = json_string(bad[i]);
        UNIT_ASSERT(!oa2_json_quote(bad[i], p));
        UNIT_ASSERT(!j); /* jansson refuses them too */
        json_decref(j);
    }
}

static void test_object_reads_back_in_order(apr_pool_t *p)
{
    oa2_json_obj_t o;
    const char *text;
    apr_size_t len = 0;
    json_t *v;

    oa2_json_begin(&o, p);
    oa2_json_add_string(&o, "iss", "https://as.example", p);
    oa2_json_add_int(&o, "exp", APR_INT64_C(253402300799), p);
    oa2_json_add_int(&o, "neg", -5, p);
    oa2_json_add_string(&o, "sub", "al\"ice", p);
    text = oa2_json_end(&o, &len, p);
    UNIT_EQ_STR(text,
                "{\"iss\":\"https://as.example\",\"exp\":253402300799,"
                "\"neg\":-5,\"sub\":\"al\\\"ice\"}");
    UNIT_EQ_INT(len, strlen(text));
    v = json_loads(text, 0, NULL);
    UNIT_ASSERT(json_is_object(v));
    UNIT_EQ_STR(json_string_value(json_object_get(v, "sub")), "al\"ice");
    UNIT_EQ_INT(json_integer_value(json_object_get(v, "exp")),
                APR_INT64_C(253402300799));
    json_decref(v);
}

static void test_empty_object(apr_pool_t *p)
{
    oa2_json_obj_t o;

    oa2_json_begin(&o, p);
    UNIT_EQ_STR(oa2_json_end(&o, NULL, p), "{}");
}

static void test_one_bad_value_spoils_the_object(apr_pool_t *p)
{
    oa2_json_obj_t o;

    oa2_json_begin(&o, p);
    oa2_json_add_string(&o, "sub", "bad\xff", p);
    oa2_json_add_string(&o, "iss", "https://as.example", p);
    UNIT_ASSERT(!oa2_json_end(&o, NULL, p));
    oa2_json_begin(&o, p);
    oa2_json_add_string(&o, "sub", NULL, p);
    UNIT_ASSERT(!oa2_json_end(&o, NULL, p));
}

void unit_suite_json(void)
{
    unit_suite("json");
    UNIT_RUN(test_plain_text_is_only_quoted);
    UNIT_RUN(test_quotes_backslashes_and_controls_are_escaped);
    UNIT_RUN(test_malformed_utf8_is_refused);
    UNIT_RUN(test_object_reads_back_in_order);
    UNIT_RUN(test_empty_object);
    UNIT_RUN(test_one_bad_value_spoils_the_object);
}
