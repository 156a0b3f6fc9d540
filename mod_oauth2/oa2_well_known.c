/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/* Well-known metadata URLs (RFC 8414 §3.1, RFC 9728 §3.1, OpenID
 * Discovery §4): one room for the three places that need them. */
#include <apr_strings.h>
#include <apr_uri.h>

#include "oa2_url.h"
#include "oa2_well_known.h"

#define WELL_KNOWN_AS "/.well-known/oauth-authorization-server"
#define WELL_KNOWN_RESOURCE "/.well-known/oauth-protected-resource"
#define WELL_KNOWN_OPENID "/.well-known/openid-configuration"

/* The path of a parsed URL, "" when it has none or only "/". */
static const char *path_of(const apr_uri_t *u)
{
    return u->path && strcmp(u->path, "/") ? u->path : "";
}

static const char *path_for(oa2_well_known_t kind, const char *path,
                            apr_pool_t *p)
{
    apr_size_t n = strlen(path);

    switch (kind) {
    case OA2_WELL_KNOWN_AS:
        return apr_pstrcat(p, WELL_KNOWN_AS, path, NULL);
    case OA2_WELL_KNOWN_RESOURCE:
        return apr_pstrcat(p, WELL_KNOWN_RESOURCE, path, NULL);
    default:
        /* Discovery §4.1: a terminating '/' of the issuer goes first. */
        if (n && path[n - 1] == '/') {
            n--;
        }
        return apr_pstrcat(p, apr_pstrmemdup(p, path, n), WELL_KNOWN_OPENID,
                           NULL);
    }
}

const char *oa2_well_known_path(oa2_well_known_t kind, const char *id,
                                apr_pool_t *p)
{
    apr_uri_t u;

    if (apr_uri_parse(p, id, &u) != APR_SUCCESS) {
        return path_for(kind, "", p);
    }
    return path_for(kind, path_of(&u), p);
}

const char *oa2_well_known_url(oa2_well_known_t kind, const char *id,
                               apr_pool_t *p)
{
    const char *host;
    apr_uri_t u;

    if (apr_uri_parse(p, id, &u) != APR_SUCCESS || !u.scheme || !u.hostinfo) {
        return NULL;
    }
    /* hostinfo is [user[:password]@]host[:port]: only the origin. */
    host = strrchr(u.hostinfo, '@');
    host = host ? host + 1 : u.hostinfo;
    return apr_pstrcat(p, u.scheme, "://", host, path_for(kind, path_of(&u), p),
                       NULL);
}

const char *oa2_well_known_issuer(const char *url, apr_pool_t *p)
{
    const char *origin = oa2_url_origin(url, p), *path;
    apr_size_t n, plen;

    if (!origin || strchr(url, '?')) {
        return NULL;
    }
    path = url + strlen(origin);
    plen = strlen(path);
    n = strlen(WELL_KNOWN_AS);
    /* RFC 8414 §3.1: the well-known part goes between host and path. */
    if (!strncmp(path, WELL_KNOWN_AS, n) && (!path[n] || path[n] == '/')) {
        return apr_pstrcat(p, origin, path + n, NULL);
    }
    n = strlen(WELL_KNOWN_OPENID);
    /* OpenID Discovery §4: appended to the issuer. */
    if (plen >= n && !strcmp(path + plen - n, WELL_KNOWN_OPENID)) {
        return apr_pstrcat(p, origin, apr_pstrmemdup(p, path, plen - n), NULL);
    }
    if (!strncmp(path, WELL_KNOWN_OPENID "/", n + 1)) {
        return apr_pstrcat(p, origin, path + n, NULL);
    }
    return NULL;
}
