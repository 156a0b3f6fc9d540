/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/* JSON objects written straight into a pool (see oa2_json.h for why). */
#include <string.h>

#include <apr_strings.h>

#include "oa2_form.h"
#include "oa2_json.h"

const char *oa2_json_quote(const char *s, apr_pool_t *p)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *in = (const unsigned char *)s;
    apr_size_t i, extra = 0;
    char *out, *o;

    /* First pass: size; most values need no escape at all. */
    for (i = 0; in[i]; i++) {
        if (in[i] < 0x20) {
            extra += 5; /* \u00XX */
        }
        else if (in[i] == '"' || in[i] == '\\') {
            extra += 1;
        }
    }
    if (!oa2_form_utf8_valid(s, i)) {
        return NULL;
    }
    o = out = apr_palloc(p, i + extra + 3);
    *o++ = '"';
    if (!extra) {
        memcpy(o, s, i);
        o += i;
    }
    else {
        for (i = 0; in[i]; i++) {
            if (in[i] < 0x20) {
                memcpy(o, "\\u00", 4);
                o[4] = hex[in[i] >> 4];
                o[5] = hex[in[i] & 0xf];
                o += 6;
            }
            else {
                if (in[i] == '"' || in[i] == '\\') {
                    *o++ = '\\';
                }
                *o++ = (char)in[i];
            }
        }
    }
    *o++ = '"';
    *o = '\0';
    return out;
}

void oa2_json_begin(oa2_json_obj_t *obj, apr_pool_t *p)
{
    obj->parts = apr_array_make(p, 24, sizeof(const char *));
    obj->bad = 0;
}

/* The separator and the quoted name of a new member. */
static void add_name(oa2_json_obj_t *obj, const char *name, apr_pool_t *p)
{
    const char *quoted = oa2_json_quote(name, p);

    APR_ARRAY_PUSH(obj->parts, const char *) = obj->parts->nelts ? "," : "";
    APR_ARRAY_PUSH(obj->parts, const char *) = quoted ? quoted : "";
    APR_ARRAY_PUSH(obj->parts, const char *) = ":";
    obj->bad |= !quoted;
}

void oa2_json_add_string(oa2_json_obj_t *obj, const char *name,
                         const char *value, apr_pool_t *p)
{
    const char *quoted = value ? oa2_json_quote(value, p) : NULL;

    add_name(obj, name, p);
    APR_ARRAY_PUSH(obj->parts, const char *) = quoted ? quoted : "";
    obj->bad |= !quoted;
}

void oa2_json_add_int(oa2_json_obj_t *obj, const char *name, apr_int64_t value,
                      apr_pool_t *p)
{
    add_name(obj, name, p);
    APR_ARRAY_PUSH(obj->parts, const char *) =
        apr_psprintf(p, "%" APR_INT64_T_FMT, value);
}

void oa2_json_add_object(oa2_json_obj_t *obj, const char *name,
                         const char *member, apr_pool_t *p)
{
    add_name(obj, name, p);
    if (!member) {
        obj->bad = 1;
        return;
    }
    APR_ARRAY_PUSH(obj->parts, const char *) = member;
}

const char *oa2_json_end(oa2_json_obj_t *obj, apr_size_t *len, apr_pool_t *p)
{
    const char *body;
    char *text;
    apr_size_t n;

    if (obj->bad) {
        return NULL;
    }
    body = apr_array_pstrcat(p, obj->parts, 0);
    n = strlen(body);
    text = apr_palloc(p, n + 3);
    text[0] = '{';
    memcpy(text + 1, body, n);
    text[n + 1] = '}';
    text[n + 2] = '\0';
    if (len) {
        *len = n + 2;
    }
    return text;
}
