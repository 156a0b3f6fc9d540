/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/*
 * Templates: oa2_tmpl_parse() of the input, then oa2_tmpl_render() with a
 * few variables and a list, and with none.
 *
 * The variables mirror the consent page: strings (one empty, one full of
 * HTML), a list "scopes" of three items and a list "rows" of two. Each
 * item sets its own list's name to a string: a list block nested inside a
 * block of the same list then finds the string and renders nothing, which
 * bounds the output. Without that, a template of n nested blocks renders
 * items^n times (see fuzz/RESULTS.md); templates come from the admin, so
 * that is their author's business, not an attacker's.
 */
#include <string.h>

#include "oa2_tmpl.h"
#include "support.h"

static const char html[] = "<script>alert('x')</script> & \"q\" `b`";

static oa2_tmpl_vars_t *make_vars(apr_pool_t *p)
{
    oa2_tmpl_vars_t *vars = oa2_tmpl_vars_make(p), *item;
    static const char *const scopes[][2] = {{"read", "Read your data"},
                                            {"write", "Change <your> data"},
                                            {"admin", ""}};
    int i;

    oa2_tmpl_set(vars, "client_name", html);
    oa2_tmpl_set(vars, "csrf", "c0ffee");
    oa2_tmpl_set(vars, "empty", "");
    oa2_tmpl_set(vars, "user", "alice");
    for (i = 0; i < 3; i++) {
        item = oa2_tmpl_add_item(vars, "scopes");
        oa2_tmpl_set(item, "scopes", "");
        oa2_tmpl_set(item, "name", scopes[i][0]);
        oa2_tmpl_set(item, "description", scopes[i][1]);
    }
    for (i = 0; i < 2; i++) {
        item = oa2_tmpl_add_item(vars, "rows");
        oa2_tmpl_set(item, "rows", "");
        oa2_tmpl_set(item, "scopes", "");
        oa2_tmpl_set(item, "name", i ? "second" : html);
    }
    return vars;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fuzz_init();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    oa2_tmpl_t *tmpl = NULL;
    oa2_err_t err = {0};
    const char *out, *c;

    if (oa2_tmpl_parse(&tmpl, (const char *)data, size, &err, p)
        != APR_SUCCESS) {
        FUZZ_CHECK(tmpl == NULL);
        FUZZ_CHECK(err.status == 500 && err.log_id && err.description);
        apr_pool_destroy(p);
        return 0;
    }
    FUZZ_CHECK(tmpl != NULL);
    out = oa2_tmpl_render(tmpl, make_vars(p), p);
    FUZZ_CHECK(out != NULL);
    /* A value is never inserted unescaped: the characters escaping
     * replaces come only from the template's own text. */
    for (c = "<>\"'`"; *c; c++) {
        FUZZ_CHECK(!strchr(out, *c) || memchr(data, *c, size));
    }
    out = oa2_tmpl_render(tmpl, NULL, p);
    /* Without variables only the text between tags remains. */
    FUZZ_CHECK(out && strlen(out) <= size);
    apr_pool_destroy(p);
    return 0;
}
