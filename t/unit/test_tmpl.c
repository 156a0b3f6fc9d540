/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/* The template language of the consent and error pages. */
#include <string.h>
#include <unistd.h>

#include <apr_file_io.h>
#include <apr_strings.h>

#include "oa2_tmpl.h"
#include "unit.h"

#define CONSENT "../../templates/consent.html"
#define ERROR_PAGE "../../templates/error.html"

/* Parse @a text into @a tmpl, or fail the test. */
#define PARSE_OK(tmpl, text)                                                   \
    do {                                                                       \
        oa2_err_t err_ = {0};                                                  \
        const char *text_ = (text);                                            \
        UNIT_EQ_INT(oa2_tmpl_parse(&(tmpl), text_, strlen(text_), &err_, p),   \
                    APR_SUCCESS);                                              \
        UNIT_ASSERT((tmpl) != NULL);                                           \
    } while (0)

/* Check that @a text is refused with log id @a id and a description that
 * contains @a msg (the line number, mostly). */
#define PARSE_REFUSED(text, id, msg)                                           \
    do {                                                                       \
        oa2_tmpl_t *tmpl_ = NULL;                                              \
        oa2_err_t err_ = {0};                                                  \
        const char *text_ = (text);                                            \
        UNIT_REFUSED(oa2_tmpl_parse(&tmpl_, text_, strlen(text_), &err_, p),   \
                     err_, 500, NULL, (id));                                   \
        UNIT_ASSERT(tmpl_ == NULL);                                            \
        UNIT_HAS_STR(err_.description, (msg));                                 \
    } while (0)

/* Render @a text with @a vars and compare with @a want. */
#define RENDERS(text, vars, want)                                              \
    do {                                                                       \
        oa2_tmpl_t *tmpl_ = NULL;                                              \
        PARSE_OK(tmpl_, (text));                                               \
        UNIT_EQ_STR(oa2_tmpl_render(tmpl_, (vars), p), (want));                \
    } while (0)

static void test_escape(apr_pool_t *p)
{
    UNIT_EQ_STR(oa2_tmpl_escape("a & b", p), "a &amp; b");
    UNIT_EQ_STR(oa2_tmpl_escape("<script>alert(1)</script>", p),
                "&lt;script&gt;alert(1)&lt;/script&gt;");
    UNIT_EQ_STR(oa2_tmpl_escape("\"'`", p), "&quot;&#39;&#96;");
    UNIT_EQ_STR(oa2_tmpl_escape("&amp;", p), "&amp;amp;");
    UNIT_EQ_STR(oa2_tmpl_escape("plain \xc3\xa9 text", p),
                "plain \xc3\xa9 text");
    UNIT_EQ_STR(oa2_tmpl_escape("", p), "");
    UNIT_EQ_STR(oa2_tmpl_escape(NULL, p), "");
}

static void test_plain_text(apr_pool_t *p)
{
    RENDERS("", NULL, "");
    RENDERS("hello", NULL, "hello");
    /* single braces (CSS) and a stray closing pair are text */
    RENDERS("a { b: c; } }} {x}", NULL, "a { b: c; } }} {x}");
}

static void test_variables(apr_pool_t *p)
{
    oa2_tmpl_vars_t *vars = oa2_tmpl_vars_make(p);

    oa2_tmpl_set(vars, "client_name", "Demo App");
    oa2_tmpl_set(vars, "user", "alice");
    RENDERS("<h1>{{client_name}}</h1> {{user}}{{user}}", vars,
            "<h1>Demo App</h1> alicealice");
    /* unknown names render as nothing */
    RENDERS("[{{nope}}]", vars, "[]");
    /* setting again replaces; NULL removes */
    oa2_tmpl_set(vars, "user", "bob");
    RENDERS("{{user}}", vars, "bob");
    oa2_tmpl_set(vars, "user", NULL);
    RENDERS("[{{user}}]", vars, "[]");
}

static void test_set_copies(apr_pool_t *p)
{
    oa2_tmpl_vars_t *vars = oa2_tmpl_vars_make(p);
    char buf[8] = "first";

    oa2_tmpl_set(vars, "v", buf);
    strcpy(buf, "later");
    RENDERS("{{v}}", vars, "first");
}

static void test_xss_escaped(apr_pool_t *p)
{
    oa2_tmpl_vars_t *vars = oa2_tmpl_vars_make(p);
    oa2_tmpl_vars_t *item;

    oa2_tmpl_set(vars, "client_name", "<script>alert(1)</script>");
    oa2_tmpl_set(vars, "state", "\" onmouseover=\"alert(1)");
    oa2_tmpl_set(vars, "q", "' onfocus='x' `");
    item = oa2_tmpl_add_item(vars, "scopes");
    oa2_tmpl_set(item, "description", "<img src=x onerror=alert(1)>&");
    RENDERS("<h1>{{client_name}}</h1>", vars,
            "<h1>&lt;script&gt;alert(1)&lt;/script&gt;</h1>");
    RENDERS("<input value=\"{{state}}\">", vars,
            "<input value=\"&quot; onmouseover=&quot;alert(1)\">");
    RENDERS("<input value='{{q}}'>", vars,
            "<input value='&#39; onfocus=&#39;x&#39; &#96;'>");
    RENDERS("{{#scopes}}<li>{{description}}</li>{{/scopes}}", vars,
            "<li>&lt;img src=x onerror=alert(1)&gt;&amp;</li>");
}

static void test_values_are_not_templates(apr_pool_t *p)
{
    oa2_tmpl_vars_t *vars = oa2_tmpl_vars_make(p);

    /* a value that looks like a tag is printed, never expanded */
    oa2_tmpl_set(vars, "a", "{{b}}");
    oa2_tmpl_set(vars, "b", "secret");
    RENDERS("{{a}}", vars, "{{b}}");
}

static void test_lists(apr_pool_t *p)
{
    oa2_tmpl_vars_t *vars = oa2_tmpl_vars_make(p);
    oa2_tmpl_vars_t *item;

    item = oa2_tmpl_add_item(vars, "scopes");
    oa2_tmpl_set(item, "name", "read");
    oa2_tmpl_set(item, "description", "Read your data");
    item = oa2_tmpl_add_item(vars, "scopes");
    oa2_tmpl_set(item, "name", "write");
    oa2_tmpl_set(item, "description", "Change your data");
    RENDERS("<ul>{{#scopes}}<li><b>{{name}}</b> {{description}}</li>"
            "{{/scopes}}</ul>",
            vars,
            "<ul><li><b>read</b> Read your data</li>"
            "<li><b>write</b> Change your data</li></ul>");
    /* an unknown or empty list renders nothing */
    RENDERS("[{{#none}}x{{/none}}]", vars, "[]");
}

static void test_list_scope_falls_back(apr_pool_t *p)
{
    oa2_tmpl_vars_t *vars = oa2_tmpl_vars_make(p);
    oa2_tmpl_vars_t *item;

    oa2_tmpl_set(vars, "user", "alice");
    oa2_tmpl_set(vars, "name", "outer");
    item = oa2_tmpl_add_item(vars, "l");
    oa2_tmpl_set(item, "name", "inner");
    item = oa2_tmpl_add_item(vars, "l");
    RENDERS("{{#l}}{{user}}:{{name}};{{/l}}{{name}}", vars,
            "alice:inner;alice:outer;outer");
}

static void test_nested_lists(apr_pool_t *p)
{
    oa2_tmpl_vars_t *vars = oa2_tmpl_vars_make(p);
    oa2_tmpl_vars_t *group, *member;

    group = oa2_tmpl_add_item(vars, "groups");
    oa2_tmpl_set(group, "g", "A");
    member = oa2_tmpl_add_item(group, "members");
    oa2_tmpl_set(member, "m", "1");
    member = oa2_tmpl_add_item(group, "members");
    oa2_tmpl_set(member, "m", "2");
    group = oa2_tmpl_add_item(vars, "groups");
    oa2_tmpl_set(group, "g", "B");
    RENDERS("{{#groups}}{{g}}({{#members}}{{g}}{{m}}{{/members}}){{/groups}}",
            vars, "A(A1A2)B()");
}

static void test_conditionals(apr_pool_t *p)
{
    oa2_tmpl_vars_t *vars = oa2_tmpl_vars_make(p);

    oa2_tmpl_set(vars, "resource", "https://api.example.com");
    oa2_tmpl_set(vars, "empty", "");
    RENDERS("{{?resource}}<p>{{resource}}</p>{{/resource}}", vars,
            "<p>https://api.example.com</p>");
    RENDERS("[{{?empty}}x{{/empty}}]", vars, "[]");
    RENDERS("[{{?unset}}x{{/unset}}]", vars, "[]");
    RENDERS("[{{?resource}}{{?empty}}x{{/empty}}y{{/resource}}]", vars, "[y]");
}

static void test_conditional_on_list(apr_pool_t *p)
{
    oa2_tmpl_vars_t *vars = oa2_tmpl_vars_make(p);

    RENDERS("[{{?l}}<ul>{{#l}}<li>{{/l}}</ul>{{/l}}]", vars, "[]");
    oa2_tmpl_add_item(vars, "l");
    RENDERS("[{{?l}}<ul>{{#l}}<li>{{/l}}</ul>{{/l}}]", vars, "[<ul><li></ul>]");
}

static void test_render_without_vars(apr_pool_t *p)
{
    RENDERS("a{{x}}b{{#l}}c{{/l}}{{?y}}d{{/y}}e", NULL, "abe");
}

static void test_parse_error_bad_names(apr_pool_t *p)
{
    PARSE_REFUSED("{{}}", "OA2-00150", "line 1:");
    PARSE_REFUSED("a\nb\n{{ name }}", "OA2-00150", "line 3:");
    PARSE_REFUSED("{{Name}}", "OA2-00150", "line 1:");
    PARSE_REFUSED("{{na-me}}", "OA2-00150", "line 1:");
    PARSE_REFUSED("{{{name}}}", "OA2-00150", "line 1:");
    PARSE_REFUSED("{{#}}", "OA2-00150", "line 1:");
    PARSE_REFUSED("{{!comment}}", "OA2-00150", "line 1:");
    PARSE_REFUSED("{{&name}}", "OA2-00150", "line 1:");
    PARSE_REFUSED("\n{{name}", "OA2-00150", "line 2:");
    PARSE_REFUSED("x {{name", "OA2-00150", "line 1:");
    PARSE_REFUSED("{{", "OA2-00150", "line 1:");
    PARSE_REFUSED("{{name\n}}", "OA2-00150", "line 1:");
}

static void test_parse_error_blocks(apr_pool_t *p)
{
    PARSE_REFUSED("{{/a}}", "OA2-00152", "line 1:");
    PARSE_REFUSED("\n\n{{#a}}x{{/b}}", "OA2-00153", "line 3:");
    PARSE_REFUSED("{{#a}}\n{{?b}}\n{{/a}}\n{{/b}}", "OA2-00153", "line 3:");
    PARSE_REFUSED("{{#ab}}{{/a}}", "OA2-00153", "line 1:");
    PARSE_REFUSED("{{#a}}{{/ab}}", "OA2-00153", "line 1:");
    PARSE_REFUSED("x\n{{#a}}\ny", "OA2-00154", "line 2:");
    PARSE_REFUSED("{{?a}}{{#b}}{{/b}}", "OA2-00154", "{{?a}}");
    PARSE_REFUSED("{{#a}}{{/a}}{{/a}}", "OA2-00152", "line 1:");
}

static void test_parse_error_depth(apr_pool_t *p)
{
    const char *deep = "";
    int i;

    for (i = 0; i < 16; i++) {
        deep = apr_pstrcat(p, deep, "{{#a}}", NULL);
    }
    for (i = 0; i < 16; i++) {
        deep = apr_pstrcat(p, deep, "{{/a}}", NULL);
    }
    {
        oa2_tmpl_t *tmpl;
        PARSE_OK(tmpl, deep);
    }
    PARSE_REFUSED(apr_pstrcat(p, "{{#a}}", deep, "{{/a}}", NULL), "OA2-00151",
                  "line 1:");
}

static void test_parse_error_nul(apr_pool_t *p)
{
    oa2_tmpl_t *tmpl = NULL;
    oa2_err_t err = {0};

    UNIT_REFUSED(oa2_tmpl_parse(&tmpl, "a\0b", 3, &err, p), err, 500, NULL,
                 "OA2-00149");
}

static void test_parse_respects_len(apr_pool_t *p)
{
    oa2_tmpl_t *tmpl = NULL;
    oa2_err_t err = {0};

    UNIT_EQ_INT(oa2_tmpl_parse(&tmpl, "ab{{x}}", 2, &err, p), APR_SUCCESS);
    UNIT_EQ_STR(oa2_tmpl_render(tmpl, NULL, p), "ab");
    /* a tag cut by len is unterminated */
    UNIT_REFUSED(oa2_tmpl_parse(&tmpl, "ab{{x}}", 6, &err, p), err, 500, NULL,
                 "OA2-00150");
    /* and the error quotes only what lies within len */
    UNIT_HAS_STR(err.description, "\"{{x}\"");
}

static void test_load_missing(apr_pool_t *p)
{
    oa2_tmpl_t *tmpl = NULL;
    oa2_err_t err = {0};

    UNIT_REFUSED(oa2_tmpl_load(&tmpl, "data/no-such-template.html", &err, p),
                 err, 500, NULL, "OA2-00155");
    UNIT_HAS_STR(err.description, "no-such-template.html");
    /* the cause reaches the log line, not the text */
    UNIT_ASSERT(APR_STATUS_IS_ENOENT(err.cause));
}

static void test_load_too_large(apr_pool_t *p)
{
    const char *path = "data/tmpl-too-large.html";
    apr_size_t n = 256 * 1024 + 1;
    char *big = apr_palloc(p, n);
    apr_file_t *f;
    oa2_tmpl_t *tmpl = NULL;
    oa2_err_t err = {0};
    apr_status_t rv;

    memset(big, 'x', n);
    UNIT_EQ_INT(
        apr_file_open(&f, path,
                      APR_FOPEN_WRITE | APR_FOPEN_CREATE | APR_FOPEN_TRUNCATE,
                      APR_FPROT_OS_DEFAULT, p),
        APR_SUCCESS);
    UNIT_EQ_INT(apr_file_write_full(f, big, n, NULL), APR_SUCCESS);
    apr_file_close(f);
    rv = oa2_tmpl_load(&tmpl, path, &err, p);
    apr_file_remove(path, p);
    UNIT_REFUSED(rv, err, 500, NULL, "OA2-00157");
}

/* Write @a text to @a path and load it as a template. */
static apr_status_t load_text(oa2_tmpl_t **tmpl, const char *path,
                              const char *text, oa2_err_t *err, apr_pool_t *p)
{
    apr_file_t *f;
    apr_status_t rv;

    rv = apr_file_open(&f, path,
                       APR_FOPEN_WRITE | APR_FOPEN_CREATE | APR_FOPEN_TRUNCATE,
                       APR_FPROT_OS_DEFAULT, p);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    rv = apr_file_write_full(f, text, strlen(text), NULL);
    apr_file_close(f);
    if (rv == APR_SUCCESS) {
        rv = oa2_tmpl_load(tmpl, path, err, p);
    }
    apr_file_remove(path, p);
    return rv;
}

static void test_load_names_file_and_line(apr_pool_t *p)
{
    oa2_tmpl_t *tmpl = NULL;
    oa2_err_t err = {0};

    UNIT_REFUSED(load_text(&tmpl, "data/tmpl-broken.html",
                           "<p>\n{{#a}}\n</p>\n", &err, p),
                 err, 500, NULL, "OA2-00154");
    UNIT_HAS_STR(err.description, "tmpl-broken.html");
    UNIT_HAS_STR(err.description, "line 2:");
    /* a bad tag at the very end of the file (no NUL after it in memory) */
    UNIT_REFUSED(
        load_text(&tmpl, "data/tmpl-broken.html", "<p>\n\n{{bad", &err, p), err,
        500, NULL, "OA2-00150");
    UNIT_HAS_STR(err.description, "line 3: bad tag \"{{bad\"");
}

static void test_load_ok(apr_pool_t *p)
{
    oa2_tmpl_t *tmpl = NULL;
    oa2_tmpl_vars_t *vars = oa2_tmpl_vars_make(p);
    oa2_err_t err = {0};

    UNIT_EQ_INT(
        load_text(&tmpl, "data/tmpl-ok.html", "<p>{{x}}</p>\n", &err, p),
        APR_SUCCESS);
    oa2_tmpl_set(vars, "x", "<y>");
    UNIT_EQ_STR(oa2_tmpl_render(tmpl, vars, p), "<p>&lt;y&gt;</p>\n");
}

/* Variables as the authorize endpoint fills them, with hostile values. */
static oa2_tmpl_vars_t *consent_vars(apr_pool_t *p)
{
    static const char *const hidden[] = {"client_id",
                                         "redirect_uri",
                                         "response_type",
                                         "scope",
                                         "state",
                                         "code_challenge",
                                         "resource",
                                         "prompt",
                                         "csrf_token",
                                         "code_challenge_method",
                                         NULL};
    oa2_tmpl_vars_t *vars = oa2_tmpl_vars_make(p);
    oa2_tmpl_vars_t *item;
    int i;

    for (i = 0; hidden[i]; i++) {
        oa2_tmpl_set(vars, hidden[i],
                     apr_pstrcat(p, hidden[i], "\"><x>", NULL));
    }
    oa2_tmpl_set(vars, "client_name", "<script>alert(1)</script>");
    oa2_tmpl_set(vars, "user", "alice&bob");
    oa2_tmpl_set(vars, "action", "/oauth2/authorize");
    item = oa2_tmpl_add_item(vars, "scopes");
    oa2_tmpl_set(item, "name", "read");
    oa2_tmpl_set(item, "description", "Read \"onmouseover=alert(1)");
    return vars;
}

static void test_consent_template(apr_pool_t *p)
{
    static const char *const hidden[] = {"client_id",
                                         "redirect_uri",
                                         "response_type",
                                         "scope",
                                         "state",
                                         "code_challenge",
                                         "resource",
                                         "prompt",
                                         "csrf_token",
                                         "code_challenge_method",
                                         NULL};
    oa2_tmpl_t *tmpl = NULL;
    oa2_err_t err = {0};
    const char *html;
    int i;

    UNIT_EQ_INT(oa2_tmpl_load(&tmpl, CONSENT, &err, p), APR_SUCCESS);
    html = oa2_tmpl_render(tmpl, consent_vars(p), p);
    UNIT_ASSERT(!strncmp(html, "<!DOCTYPE html>", 15));
    UNIT_HAS_STR(html, "<meta name=\"viewport\"");
    UNIT_HAS_STR(html, "<meta name=\"referrer\" content=\"no-referrer\">");
    UNIT_HAS_STR(html, "<form method=\"post\" action=\"/oauth2/authorize\">");
    UNIT_HAS_STR(html,
                 "<button type=\"submit\" name=\"decision\" "
                 "value=\"approve\">Allow</button>");
    UNIT_HAS_STR(html,
                 "<button type=\"submit\" name=\"decision\" "
                 "value=\"deny\">Deny</button>");
    for (i = 0; hidden[i]; i++) {
        UNIT_HAS_STR(html,
                     apr_psprintf(p,
                                  "<input type=\"hidden\" name=\"%s\" "
                                  "value=\"%s&quot;&gt;&lt;x&gt;\">",
                                  hidden[i], hidden[i]));
    }
    UNIT_HAS_STR(html, "&lt;script&gt;alert(1)&lt;/script&gt;");
    UNIT_HAS_STR(html, "alice&amp;bob");
    UNIT_HAS_STR(html, "<li><b>read</b> Read &quot;onmouseover=alert(1)</li>");
    UNIT_ASSERT(!strstr(html, "<script"));
    UNIT_ASSERT(!strstr(html, "<x>"));
    UNIT_ASSERT(!strstr(html, "{{"));
    /* self-contained: nothing loaded from elsewhere */
    UNIT_ASSERT(!strstr(html, "http://"));
    UNIT_ASSERT(!strstr(html, "https://"));
    UNIT_ASSERT(!strstr(html, "src="));
}

static void test_error_template(apr_pool_t *p)
{
    oa2_tmpl_t *tmpl = NULL;
    oa2_tmpl_vars_t *vars = oa2_tmpl_vars_make(p);
    oa2_err_t err = {0};
    const char *html;

    UNIT_EQ_INT(oa2_tmpl_load(&tmpl, ERROR_PAGE, &err, p), APR_SUCCESS);
    oa2_tmpl_set(vars, "error", "invalid_request");
    oa2_tmpl_set(vars, "error_description", "redirect_uri <b>unknown</b>");
    html = oa2_tmpl_render(tmpl, vars, p);
    UNIT_ASSERT(!strncmp(html, "<!DOCTYPE html>", 15));
    UNIT_HAS_STR(html, "<title>Authorization error</title>");
    UNIT_HAS_STR(html, "<h1>Authorization error</h1>");
    UNIT_HAS_STR(html, "<meta name=\"viewport\"");
    UNIT_HAS_STR(html, "<meta name=\"referrer\" content=\"no-referrer\">");
    UNIT_HAS_STR(html, "invalid_request");
    UNIT_HAS_STR(html, "redirect_uri &lt;b&gt;unknown&lt;/b&gt;");
    UNIT_ASSERT(!strstr(html, "<a "));
    UNIT_ASSERT(!strstr(html, "http"));
}

/* A server without OAuth2TemplateDir: the first directory that holds
 * consent.html, the installed one before the checkout's. */
static void test_find_dir(apr_pool_t *p)
{
    const char *tmp = NULL, *empty, *shadow, *dir = NULL;
    const char *const dirs[] = {NULL, "", "data/no-such-dir", NULL,
                                "../../templates"};
    const char *both[2];
    oa2_err_t err = {0};

    UNIT_EQ_INT(apr_temp_dir_get(&tmp, p), APR_SUCCESS);
    empty = apr_psprintf(p, "%s/oa2-unit-tmpl-%" APR_PID_T_FMT, tmp, getpid());
    shadow = apr_pstrcat(p, empty, "/shadow", NULL);
    /* consent.html that is a directory does not count */
    UNIT_EQ_INT(
        apr_dir_make_recursive(apr_pstrcat(p, shadow, "/consent.html", NULL),
                               APR_FPROT_OS_DEFAULT, p),
        APR_SUCCESS);
    UNIT_EQ_INT(oa2_tmpl_find_dir(&dir, dirs, 5, &err, p), APR_SUCCESS);
    UNIT_EQ_STR(dir, "../../templates");

    both[0] = shadow;
    both[1] = "../../templates";
    UNIT_EQ_INT(oa2_tmpl_find_dir(&dir, both, 2, &err, p), APR_SUCCESS);
    UNIT_EQ_STR(dir, "../../templates");
    both[0] = "../../templates";
    both[1] = shadow;
    UNIT_EQ_INT(oa2_tmpl_find_dir(&dir, both, 2, &err, p), APR_SUCCESS);
    UNIT_EQ_STR(dir, "../../templates");

    /* none: every directory searched, and the line to add */
    both[0] = empty;
    both[1] = shadow;
    UNIT_REFUSED(oa2_tmpl_find_dir(&dir, both, 2, &err, p), err, 500, NULL,
                 "OA2-01850");
    UNIT_ASSERT(dir == NULL);
    UNIT_HAS_STR(err.description, apr_pstrcat(p, empty, ", ", shadow, NULL));
    UNIT_HAS_STR(err.description,
                 "add the line \"OAuth2TemplateDir /absolute/path/to/");
    UNIT_EQ_INT(oa2_tmpl_find_dir(&dir, dirs, 4, &err, p), APR_EGENERAL);
    UNIT_HAS_STR(err.description, "no consent.html in data/no-such-dir:");
    UNIT_EQ_INT(oa2_tmpl_find_dir(&dir, dirs, 2, &err, p), APR_EGENERAL);
    UNIT_HAS_STR(err.description, "(no directory compiled in)");

    apr_dir_remove(apr_pstrcat(p, shadow, "/consent.html", NULL), p);
    apr_dir_remove(shadow, p);
    apr_dir_remove(empty, p);
}

void unit_suite_tmpl(void)
{
    unit_suite("tmpl");
    UNIT_RUN(test_escape);
    UNIT_RUN(test_plain_text);
    UNIT_RUN(test_variables);
    UNIT_RUN(test_set_copies);
    UNIT_RUN(test_xss_escaped);
    UNIT_RUN(test_values_are_not_templates);
    UNIT_RUN(test_lists);
    UNIT_RUN(test_list_scope_falls_back);
    UNIT_RUN(test_nested_lists);
    UNIT_RUN(test_conditionals);
    UNIT_RUN(test_conditional_on_list);
    UNIT_RUN(test_render_without_vars);
    UNIT_RUN(test_parse_error_bad_names);
    UNIT_RUN(test_parse_error_blocks);
    UNIT_RUN(test_parse_error_depth);
    UNIT_RUN(test_parse_error_nul);
    UNIT_RUN(test_parse_respects_len);
    UNIT_RUN(test_load_missing);
    UNIT_RUN(test_load_too_large);
    UNIT_RUN(test_load_names_file_and_line);
    UNIT_RUN(test_load_ok);
    UNIT_RUN(test_consent_template);
    UNIT_RUN(test_error_template);
    UNIT_RUN(test_find_dir);
}
