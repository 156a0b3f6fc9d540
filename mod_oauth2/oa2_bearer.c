/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/* The Authorization header of RFC 6750 §2.1: "Bearer" 1*SP b64token, and
 * of RFC 9449 §7.1: "DPoP" 1*SP b64token. */
#include <string.h>
#include <strings.h>

#include <apr_lib.h>
#include <apr_strings.h>

#include "oa2_bearer.h"

/* A scheme of credentials that carry an access token: RFC 6750 §2.1's
 * Bearer and RFC 9449 §7.1's DPoP, the same b64token syntax. */
typedef struct scheme_t {
    const char *name;  /* as matched, case-insensitively */
    apr_size_t len;    /* its length */
    const char *token; /* the word its error descriptions use */
} scheme_t;

static const scheme_t BEARER = {"Bearer", 6, "bearer"};
static const scheme_t DPOP = {"DPoP", 4, "DPoP"};

static int is_b64token_char(char c)
{
    return apr_isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~'
        || c == '+' || c == '/';
}

/* Nonzero when @a header starts with the scheme @a sc and a space or its
 * end. */
static int starts_with(const char *header, const scheme_t *sc)
{
    return !strncasecmp(header, sc->name, sc->len)
        && (header[sc->len] == ' ' || header[sc->len] == '\0');
}

/* Nonzero when the word of @a sc starts a credential after a comma. */
static int named_after_comma(const char *header, const scheme_t *sc)
{
    const char *c;

    for (c = strchr(header, ','); c; c = strchr(c + 1, ',')) {
        const char *s = c + 1;
        while (*s == ' ' || *s == '\t') {
            s++;
        }
        if (!strncasecmp(s, sc->name, sc->len)) {
            return 1;
        }
    }
    return 0;
}

/* The token of credentials @a header of scheme @a sc (its start checked
 * by the caller). */
static apr_status_t scheme_token(const char **token, const char *header,
                                 const scheme_t *sc, oa2_err_t *err,
                                 apr_pool_t *p)
{
    const char *s = header + sc->len, *start;

    while (*s == ' ') {
        s++;
    }
    if (!*s) {
        return oa2_err_setf(err, 400, "invalid_request", "OA2-00041", p,
                            "the %s credentials carry no token", sc->name);
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
        return oa2_err_setf(err, 400, "invalid_request", "OA2-00042", p,
                            "the %s token has characters outside RFC 6750 "
                            "b64token",
                            sc->token);
    }
    *token = apr_pstrmemdup(p, start, (apr_size_t)(s - start));
    return APR_SUCCESS;
}

apr_status_t oa2_bearer_from_header(const char **token, const char *header,
                                    oa2_err_t *err, apr_pool_t *p)
{
    if (!header) {
        return APR_ENOENT;
    }
    if (!starts_with(header, &BEARER)) {
        /* Another scheme; yet "Basic x, Bearer y" is two headers. */
        if (named_after_comma(header, &BEARER)) {
            return oa2_err_set(err, 400, "invalid_request", "OA2-00040",
                               "more than one Authorization header");
        }
        return APR_ENOENT;
    }
    return scheme_token(token, header, &BEARER, err, p);
}

apr_status_t oa2_bearer_credentials(const char **token, int *dpop,
                                    const char *header, oa2_err_t *err,
                                    apr_pool_t *p)
{
    *dpop = header && starts_with(header, &DPOP);
    if (!*dpop) {
        return oa2_bearer_from_header(token, header, err, p);
    }
    /* "DPoP x, Bearer y" is two headers, as "Basic x, DPoP y" is. */
    if (named_after_comma(header, &BEARER)
        || named_after_comma(header, &DPOP)) {
        return oa2_err_set(err, 400, "invalid_request", "OA2-01450",
                           "more than one Authorization header");
    }
    return scheme_token(token, header, &DPOP, err, p);
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

/* A challenge of @a scheme; @a realm and the other values are plain
 * text: quoted() escapes them. */
static const char *challenge(const char *scheme, const char *realm,
                             const oa2_err_t *err, const char *scope,
                             const char *resource_metadata, apr_pool_t *p)
{
    const char *v = apr_pstrcat(p, scheme, " realm=", quoted(realm, p), NULL);

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

const char *oa2_bearer_challenge(const char *realm, const oa2_err_t *err,
                                 const char *scope,
                                 const char *resource_metadata, apr_pool_t *p)
{
    return challenge("Bearer", realm, err, scope, resource_metadata, p);
}

const char *oa2_bearer_dpop_challenge(const char *realm, const oa2_err_t *err,
                                      const char *scope,
                                      const char *resource_metadata,
                                      const char *algs, apr_pool_t *p)
{
    return apr_pstrcat(
        p, challenge("DPoP", realm, err, scope, resource_metadata, p),
        ", algs=", quoted(algs, p), NULL);
}
