/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/*
 * application/x-www-form-urlencoded bodies and query strings as OAuth uses
 * them (RFC 6749 Appendix B): strict decoding, single-valued parameters,
 * and the query of a redirect back to the client.
 */
#include <stdarg.h>
#include <string.h>

#include <apr_hash.h>
#include <apr_lib.h>
#include <apr_strings.h>

#include "oa2_form.h"
#include "oa2_text.h"

/* RFC 3986 unreserved: ALPHA / DIGIT / "-" / "." / "_" / "~". Spelled out
 * rather than isalnum() so a locale can never widen it. */
static int is_unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
        || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_'
        || c == '~';
}

/* Nonzero when @a len bytes are well-formed UTF-8 (RFC 3629): no overlong
 * forms, no surrogates, nothing above U+10FFFF. */
static int utf8_valid(const unsigned char *s, apr_size_t len)
{
    apr_size_t i = 0, k, n;

    while (i < len) {
        unsigned char c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf) {
            n = 1;
        }
        else if (c >= 0xe0 && c <= 0xef) {
            n = 2;
        }
        else if (c >= 0xf0 && c <= 0xf4) {
            n = 3;
        }
        else {
            return 0;
        }
        if (len - i <= n) {
            return 0;
        }
        for (k = 1; k <= n; k++) {
            if ((s[i + k] & 0xc0) != 0x80) {
                return 0;
            }
        }
        /* The second byte's range rules out the remaining bad forms. */
        if ((c == 0xe0 && s[i + 1] < 0xa0) || (c == 0xed && s[i + 1] > 0x9f)
            || (c == 0xf0 && s[i + 1] < 0x90)
            || (c == 0xf4 && s[i + 1] > 0x8f)) {
            return 0;
        }
        i += n + 1;
    }
    return 1;
}

int oa2_form_utf8_valid(const char *s, apr_size_t len)
{
    return utf8_valid((const unsigned char *)s, len);
}

/* Decode one name or value: '+' is a space, %XX a byte. */
static apr_status_t decode(const char **out, const char *s, apr_size_t len,
                           oa2_err_t *err, apr_pool_t *p)
{
    char *buf = apr_palloc(p, len + 1), *o = buf;
    apr_size_t i;

    for (i = 0; i < len; i++) {
        char c = s[i];
        if (c == '+') {
            c = ' ';
        }
        else if (c == '%') {
            if (len - i < 3 || oa2_text_hex_value(s[i + 1]) < 0
                || oa2_text_hex_value(s[i + 2]) < 0) {
                return oa2_err_set(err, 400, "invalid_request", "OA2-00132",
                                   "malformed percent-encoding in the "
                                   "request parameters");
            }
            c = (char)((oa2_text_hex_value(s[i + 1]) << 4)
                       | oa2_text_hex_value(s[i + 2]));
            i += 2;
        }
        /* A NUL would cut the value short in every C consumer after us. */
        if (c == '\0') {
            return oa2_err_set(err, 400, "invalid_request", "OA2-00133",
                               "a NUL byte in the request parameters");
        }
        *o++ = c;
    }
    *o = '\0';
    if (!utf8_valid((const unsigned char *)buf, (apr_size_t)(o - buf))) {
        return oa2_err_set(err, 400, "invalid_request", "OA2-00134",
                           "the request parameters are not valid UTF-8");
    }
    *out = buf;
    return APR_SUCCESS;
}

apr_status_t oa2_form_parse(oa2_form_t **form, const char *text, apr_size_t len,
                            oa2_err_t *err, apr_pool_t *p)
{
    oa2_form_t *f;
    apr_size_t start, end, eq;
    apr_status_t rv;

    *form = NULL;
    if (!text) {
        len = 0;
    }
    if (len > OA2_FORM_MAX_LEN) {
        return oa2_err_set(err, 400, "invalid_request", "OA2-00135",
                           "the request parameters are too long");
    }
    f = apr_pcalloc(p, sizeof(*f));
    f->params = apr_table_make(p, 8);
    for (start = 0; start < len; start = end + 1) {
        const char *name, *value;

        end = start;
        while (end < len && text[end] != '&') {
            end++;
        }
        if (end == start) {
            continue;
        }
        eq = start;
        while (eq < end && text[eq] != '=') {
            eq++;
        }
        if (APR_SUCCESS
            != (rv = decode(&name, text + start, eq - start, err, p))) {
            return rv;
        }
        value = "";
        if (eq < end) {
            if (APR_SUCCESS
                != (rv = decode(&value, text + eq + 1, end - eq - 1, err, p))) {
                return rv;
            }
        }
        apr_table_addn(f->params, name, value);
    }
    *form = f;
    return APR_SUCCESS;
}

apr_status_t oa2_form_single(const char **value, const oa2_form_t *form,
                             const char *name, int required, oa2_err_t *err,
                             apr_pool_t *p)
{
    const apr_array_header_t *arr;
    const apr_table_entry_t *elts;
    const char *found = NULL;
    int i, count = 0;

    *value = NULL;
    /* apr_table_get() ignores case; OAuth parameter names do not. */
    if (form && form->params) {
        arr = apr_table_elts(form->params);
        elts = (const apr_table_entry_t *)arr->elts;
        for (i = 0; i < arr->nelts; i++) {
            if (elts[i].key && !strcmp(elts[i].key, name)) {
                found = elts[i].val;
                count++;
            }
        }
    }
    /* Any repetition, even of an empty value, is ambiguous (§3.1). */
    if (count > 1) {
        return oa2_err_setf(err, 400, "invalid_request", "OA2-00136", p,
                            "%s is repeated", name);
    }
    /* "Parameters sent without a value MUST be treated as if they were
     * omitted from the request" (RFC 6749 §3.1). */
    if (!found || !*found) {
        if (required) {
            return oa2_err_setf(err, 400, "invalid_request", "OA2-00137", p,
                                "%s is missing", name);
        }
        return APR_SUCCESS;
    }
    *value = found;
    return APR_SUCCESS;
}

const char *oa2_form_escape(const char *s, apr_pool_t *p)
{
    static const char hex[] = "0123456789ABCDEF";
    const unsigned char *c;
    apr_size_t n = 0;
    char *out, *o;

    if (!s) {
        return "";
    }
    for (c = (const unsigned char *)s; *c; c++) {
        n += is_unreserved(*c) ? 1 : 3;
    }
    out = o = apr_palloc(p, n + 1);
    for (c = (const unsigned char *)s; *c; c++) {
        if (is_unreserved(*c)) {
            *o++ = (char)*c;
        }
        else {
            *o++ = '%';
            *o++ = hex[*c >> 4];
            *o++ = hex[*c & 0x0f];
        }
    }
    *o = '\0';
    return out;
}

const char *oa2_form_append(apr_pool_t *p, const char *uri, ...)
{
    apr_array_header_t *parts = apr_array_make(p, 16, sizeof(const char *));
    const char *fragment = strchr(uri, '#');
    apr_size_t base = fragment ? (apr_size_t)(fragment - uri) : strlen(uri);
    const char *sep;
    va_list ap;

    /* A query that already ends in '?' or '&' needs no separator. */
    if (!memchr(uri, '?', base)) {
        sep = "?";
    }
    else if (uri[base - 1] == '?' || uri[base - 1] == '&') {
        sep = "";
    }
    else {
        sep = "&";
    }
    APR_ARRAY_PUSH(parts, const char *) = apr_pstrmemdup(p, uri, base);
    va_start(ap, uri);
    for (;;) {
        const char *name = va_arg(ap, const char *);
        const char *value;

        if (!name) {
            break;
        }
        value = va_arg(ap, const char *);
        if (!value) {
            continue;
        }
        APR_ARRAY_PUSH(parts, const char *) = sep;
        APR_ARRAY_PUSH(parts, const char *) = oa2_form_escape(name, p);
        APR_ARRAY_PUSH(parts, const char *) = "=";
        APR_ARRAY_PUSH(parts, const char *) = oa2_form_escape(value, p);
        sep = "&";
    }
    va_end(ap);
    /* The query goes before a fragment, which stays last (RFC 3986 §3). */
    if (fragment) {
        APR_ARRAY_PUSH(parts, const char *) = fragment;
    }
    return apr_array_pstrcat(p, parts, '\0');
}

const char *oa2_form_repeated(const oa2_form_t *form)
{
    const apr_array_header_t *arr = apr_table_elts(form->params);
    const apr_table_entry_t *e = (const apr_table_entry_t *)arr->elts;
    /* Linear: a 64 KiB body can carry some 17,000 names. */
    apr_hash_t *seen = apr_hash_make(arr->pool);
    int i;

    for (i = 0; i < arr->nelts; i++) {
        if (apr_hash_get(seen, e[i].key, APR_HASH_KEY_STRING)) {
            return e[i].key;
        }
        apr_hash_set(seen, e[i].key, APR_HASH_KEY_STRING, e[i].key);
    }
    return NULL;
}

const char *oa2_form_safe_name(const char *name)
{
    const char *c;

    if (!name || !*name || strlen(name) > 40) {
        return "a parameter";
    }
    for (c = name; *c; c++) {
        if (!apr_isalnum(*c) && *c != '_' && *c != '-' && *c != '.') {
            return "a parameter";
        }
    }
    return name;
}
