/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/* The fields of the audit lines. */
#include <stdarg.h>
#include <string.h>

#include <apr_strings.h>
#include <apr_tables.h>
#include <jansson.h>

#include "oa2_audit.h"
#include "oa2_b64.h"
#include "oa2_cleanup.h"

static const char *string_of(json_t *o, const char *name)
{
    return json_string_value(json_object_get(o, name));
}

apr_status_t oa2_audit_token_response(oa2_audit_issue_t *out, const char *json,
                                      oa2_err_t *err, apr_pool_t *p)
{
    const char *at, *dot1, *dot2;
    unsigned char *payload;
    apr_size_t len;
    json_t *doc, *claims;

    memset(out, 0, sizeof(*out));
    doc = oa2_cleanup_json(json_loads(json, 0, NULL), p);
    at = string_of(doc, "access_token");
    dot1 = at ? strchr(at, '.') : NULL;
    dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
    if (!dot2
        || oa2_b64_decode(&payload, &len, dot1 + 1,
                          (apr_size_t)(dot2 - dot1 - 1), p)
            != APR_SUCCESS
        || !(claims = oa2_cleanup_json(
                 json_loadb((const char *)payload, len, 0, NULL), p))
        || !string_of(claims, "sub") || !string_of(claims, "client_id")
        || !string_of(claims, "jti")) {
        return oa2_err_set(err, 500, "server_error", "OA2-01803",
                           "cannot read the access token of a token "
                           "response for the audit line");
    }
    out->sub = apr_pstrdup(p, string_of(claims, "sub"));
    out->client_id = apr_pstrdup(p, string_of(claims, "client_id"));
    out->scope = apr_pstrdup(
        p, string_of(claims, "scope") ? string_of(claims, "scope") : "");
    out->jti = apr_pstrdup(p, string_of(claims, "jti"));
    out->refresh = string_of(doc, "refresh_token") != NULL;
    out->id_token = string_of(doc, "id_token") != NULL;
    return APR_SUCCESS;
}

const char *oa2_audit_quote(const char *v, apr_pool_t *p)
{
    static const char hex[] = "0123456789abcdef";
    char *out, *o;

    if (!v) {
        return "-";
    }
    out = o = apr_palloc(p, 4 * strlen(v) + 3);
    *o++ = '"';
    for (; *v; v++) {
        unsigned char c = (unsigned char)*v;
        if (c == '"' || c == '\\') {
            *o++ = '\\';
            *o++ = (char)c;
        }
        else if (c < 0x20 || c >= 0x7f) {
            *o++ = '\\';
            *o++ = 'x';
            *o++ = hex[c >> 4];
            *o++ = hex[c & 15];
        }
        else {
            *o++ = (char)c;
        }
    }
    *o++ = '"';
    *o = '\0';
    return out;
}

const char *oa2_audit_fields(apr_pool_t *p, ...)
{
    apr_array_header_t *parts = apr_array_make(p, 8, sizeof(const char *));
    const char *name;
    va_list ap;

    va_start(ap, p);
    while ((name = va_arg(ap, const char *))) {
        const char *value = va_arg(ap, const char *);
        APR_ARRAY_PUSH(parts, const char *) =
            apr_pstrcat(p, parts->nelts ? " " : "", name, "=",
                        oa2_audit_quote(value, p), NULL);
    }
    va_end(ap);
    return apr_array_pstrcat(p, parts, 0);
}
