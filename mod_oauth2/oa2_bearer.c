/* The Authorization header of RFC 6750 §2.1: "Bearer" 1*SP b64token. */
#include <string.h>
#include <strings.h>

#include <apr_lib.h>
#include <apr_strings.h>

#include "oa2_bearer.h"

#define SCHEME "Bearer"
#define SCHEME_LEN 6

static int is_b64token_char(char c)
{
    return apr_isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~'
        || c == '+' || c == '/';
}

/* Nonzero when the word "bearer" starts a credential after a comma. */
static int names_bearer_after_comma(const char *header)
{
    const char *c;

    for (c = strchr(header, ','); c; c = strchr(c + 1, ',')) {
        const char *s = c + 1;
        while (*s == ' ' || *s == '\t') {
            s++;
        }
        if (!strncasecmp(s, SCHEME, SCHEME_LEN)) {
            return 1;
        }
    }
    return 0;
}

apr_status_t oa2_bearer_from_header(const char **token, const char *header,
                                    oa2_err_t *err, apr_pool_t *p)
{
    const char *s, *start;

    if (!header) {
        return APR_ENOENT;
    }
    if (strncasecmp(header, SCHEME, SCHEME_LEN)
        || (header[SCHEME_LEN] != ' ' && header[SCHEME_LEN] != '\0')) {
        /* Another scheme; yet "Basic x, Bearer y" is two headers. */
        if (names_bearer_after_comma(header)) {
            return oa2_err_set(err, 400, "invalid_request", "OA2-00040",
                               "more than one Authorization header");
        }
        return APR_ENOENT;
    }
    s = header + SCHEME_LEN;
    while (*s == ' ') {
        s++;
    }
    if (!*s) {
        return oa2_err_set(err, 400, "invalid_request", "OA2-00041",
                           "the Bearer credentials carry no token");
    }
    start = s;
    while (is_b64token_char(*s)) {
        s++;
    }
    while (s > start && *s == '=') {
        s++;
    }
    if (strchr(s, ',')) {
        return oa2_err_set(err, 400, "invalid_request", "OA2-00043",
                           "more than one Authorization header");
    }
    if (*s) {
        return oa2_err_set(err, 400, "invalid_request", "OA2-00042",
                           "the bearer token has characters outside "
                           "RFC 6750 b64token");
    }
    *token = apr_pstrmemdup(p, start, (apr_size_t)(s - start));
    return APR_SUCCESS;
}

/* An RFC 7230 quoted-string of @a s: backslash before '"' and '\\',
 * control characters dropped so a header can never be split. */
static const char *quoted(const char *s, apr_pool_t *p)
{
    char *out = apr_palloc(p, 2 * strlen(s) + 3), *o = out;

    *o++ = '"';
    for (; *s; s++) {
        if ((unsigned char)*s < 0x20 || *s == 0x7f) {
            continue;
        }
        if (*s == '"' || *s == '\\') {
            *o++ = '\\';
        }
        *o++ = *s;
    }
    *o++ = '"';
    *o = '\0';
    return out;
}

/* @a realm and the other values are plain text: quoted() escapes them. */
const char *oa2_bearer_challenge(const char *realm, const oa2_err_t *err,
                                 const char *scope,
                                 const char *resource_metadata, apr_pool_t *p)
{
    const char *v = apr_pstrcat(p, "Bearer realm=", quoted(realm, p), NULL);

    if (err && err->error) {
        v = apr_pstrcat(p, v, ", error=", quoted(err->error, p), NULL);
        if (err->description) {
            v = apr_pstrcat(p, v,
                            ", error_description=", quoted(err->description, p),
                            NULL);
        }
        if (scope && *scope) {
            v = apr_pstrcat(p, v, ", scope=", quoted(scope, p), NULL);
        }
    }
    if (resource_metadata) {
        v = apr_pstrcat(
            p, v, ", resource_metadata=", quoted(resource_metadata, p), NULL);
    }
    return v;
}
