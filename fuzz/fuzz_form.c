/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/*
 * Form and query decoding: oa2_form_parse(), then oa2_form_single(),
 * oa2_form_repeated() and oa2_form_safe_name() on what it found. A parsed form must survive a round
 * trip through oa2_form_escape(): the same pairs in the same order.
 */
#include <string.h>

#include <apr_lib.h>
#include <apr_strings.h>

#include "oa2_form.h"
#include "support.h"

/* Names the endpoints ask for, so single() also sees absent ones. */
static const char *const names[] = {"client_id",     "client_secret",
                                    "grant_type",    "code",
                                    "redirect_uri",  "scope",
                                    "state",         "code_verifier",
                                    "refresh_token", NULL};

static int count_of(const apr_array_header_t *arr, const char *name)
{
    const apr_table_entry_t *e = (const apr_table_entry_t *)arr->elts;
    int i, n = 0;

    for (i = 0; i < arr->nelts; i++) {
        n += !strcmp(e[i].key, name);
    }
    return n;
}

static void check_single(const oa2_form_t *form, const char *name,
                         apr_pool_t *p)
{
    const apr_array_header_t *arr = apr_table_elts(form->params);
    int n = count_of(arr, name), required;

    for (required = 0; required < 2; required++) {
        const char *value = "unset";
        oa2_err_t err = {0};
        apr_status_t rv =
            oa2_form_single(&value, form, name, required, &err, p);

        if (n > 1) {
            FUZZ_CHECK(rv != APR_SUCCESS && err.status == 400);
        }
        else if (rv == APR_SUCCESS) {
            FUZZ_CHECK(value == NULL || *value);
            FUZZ_CHECK(!required || value);
        }
        else {
            FUZZ_CHECK(required && err.status == 400 && err.description);
        }
    }
}

/* What oa2_form_safe_name() lets into a log line. */
static void check_safe_name(const char *name)
{
    const char *safe = oa2_form_safe_name(name), *c;

    /* The fallback text (which has a space, so is no name itself). */
    if (safe != name) {
        FUZZ_CHECK(!strcmp(safe, "a parameter"));
        return;
    }
    FUZZ_CHECK(safe == name && *name && strlen(name) <= 40);
    for (c = name; *c; c++) {
        FUZZ_CHECK(apr_isalnum(*c) || strchr("_-.", *c));
    }
}

/* Escape every pair back into a form and parse it again. */
static void check_round_trip(const oa2_form_t *form, apr_pool_t *p)
{
    const apr_array_header_t *arr = apr_table_elts(form->params);
    const apr_table_entry_t *e = (const apr_table_entry_t *)arr->elts;
    apr_array_header_t *parts = apr_array_make(p, 8, sizeof(const char *));
    const apr_array_header_t *arr2;
    const apr_table_entry_t *e2;
    oa2_form_t *again = NULL;
    oa2_err_t err = {0};
    const char *text;
    int i;

    for (i = 0; i < arr->nelts; i++) {
        APR_ARRAY_PUSH(parts, const char *) =
            apr_pstrcat(p, i ? "&" : "", oa2_form_escape(e[i].key, p), "=",
                        oa2_form_escape(e[i].val, p), NULL);
    }
    text = apr_array_pstrcat(p, parts, '\0');
    if (strlen(text) > OA2_FORM_MAX_LEN) {
        return; /* escaping may triple the length */
    }
    FUZZ_CHECK(oa2_form_parse(&again, text, strlen(text), &err, p)
               == APR_SUCCESS);
    arr2 = apr_table_elts(again->params);
    e2 = (const apr_table_entry_t *)arr2->elts;
    FUZZ_CHECK(arr2->nelts == arr->nelts);
    for (i = 0; i < arr->nelts; i++) {
        FUZZ_CHECK(!strcmp(e[i].key, e2[i].key));
        FUZZ_CHECK(!strcmp(e[i].val, e2[i].val));
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
    oa2_form_t *form = NULL;
    oa2_err_t err = {0};
    const apr_array_header_t *arr;
    const apr_table_entry_t *e;
    const char *repeated;
    int i;

    if (oa2_form_parse(&form, (const char *)data, size, &err, p)
        != APR_SUCCESS) {
        FUZZ_CHECK(form == NULL);
        FUZZ_CHECK(err.status == 400 && err.error && err.log_id);
        apr_pool_destroy(p);
        return 0;
    }
    FUZZ_CHECK(form && form->params);
    arr = apr_table_elts(form->params);
    e = (const apr_table_entry_t *)arr->elts;
    repeated = oa2_form_repeated(form);
    for (i = 0; i < arr->nelts; i++) {
        FUZZ_CHECK(e[i].key && e[i].val);
        /* The checks are quadratic in the pairs; the first few will do. */
        if (i < 16) {
            FUZZ_CHECK(count_of(arr, e[i].key) == 1 || repeated);
            check_single(form, e[i].key, p);
        }
    }
    FUZZ_CHECK(!repeated || count_of(arr, repeated) > 1);
    for (i = 0; i < arr->nelts && i < 16; i++) {
        check_safe_name(e[i].key);
    }
    for (i = 0; names[i]; i++) {
        check_single(form, names[i], p);
    }
    check_round_trip(form, p);
    apr_pool_destroy(p);
    return 0;
}
