/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/* URL rules shared by configuration and protocol checks. */
#include <string.h>
#include <strings.h>

#include <apr_lib.h>
#include <apr_strings.h>
#include <apr_uri.h>

#include "oa2_url.h"

/* 127.a.b.c: four decimal octets of 0-255, the first 127. */
static int is_loopback_ipv4(const char *host)
{
    const char *c = host;
    int octets = 0;

    while (octets < 4) {
        int value = 0, digits = 0;
        while (*c >= '0' && *c <= '9' && digits < 3) {
            value = value * 10 + (*c++ - '0');
            digits++;
        }
        if (!digits || value > 255 || (octets == 0 && value != 127)) {
            return 0;
        }
        octets++;
        if (octets < 4 && *c++ != '.') {
            return 0;
        }
    }
    return *c == '\0';
}

int oa2_url_is_loopback_host(const char *host)
{
    if (!host) {
        return 0;
    }
    if (!strcasecmp(host, "localhost") || !strcmp(host, "::1")
        || !strcmp(host, "[::1]")) {
        return 1;
    }
    return is_loopback_ipv4(host);
}

oa2_url_flaw_t oa2_url_flaw(const char *url, int query_ok, apr_pool_t *p)
{
    apr_uri_t uri;

    if (apr_uri_parse(p, url, &uri) != APR_SUCCESS || !uri.scheme
        || !uri.hostname || !*uri.hostname) {
        return OA2_URL_NOT_ABSOLUTE;
    }
    /* apr_uri_parse() drops an empty query or fragment: look at the text. */
    if (!query_ok && (uri.query || strchr(url, '?'))) {
        return OA2_URL_QUERY;
    }
    if (uri.fragment || strchr(url, '#')) {
        return OA2_URL_FRAGMENT;
    }
    if (uri.user || uri.password) {
        return OA2_URL_USERINFO;
    }
    if (!strcasecmp(uri.scheme, "https")) {
        return OA2_URL_OK;
    }
    if (strcasecmp(uri.scheme, "http")) {
        return OA2_URL_SCHEME;
    }
    return oa2_url_is_loopback_host(uri.hostname) ? OA2_URL_OK
                                                  : OA2_URL_PLAIN_HTTP;
}

const char *oa2_url_origin(const char *url, apr_pool_t *p)
{
    const char *auth = strstr(url, "://");
    apr_size_t n;

    if (!auth) {
        return NULL;
    }
    n = strcspn(auth + 3, "/?#");
    return apr_pstrmemdup(p, url, (apr_size_t)(auth + 3 + n - url));
}

apr_status_t oa2_url_check_issuer(const char *url, oa2_err_t *err,
                                  apr_pool_t *p)
{
    /* PostgreSQL and MySQL refuse a longer one in every INSERT. */
    if (strlen(url) > OA2_ISSUER_MAX) {
        return oa2_err_set(err, 500, NULL, "OA2-00782",
                           "is longer than 255 characters");
    }
    switch (oa2_url_flaw(url, 0, p)) {
    case OA2_URL_OK:
        return APR_SUCCESS;
    case OA2_URL_NOT_ABSOLUTE:
        return oa2_err_set(err, 500, NULL, "OA2-00060",
                           "is not an absolute URL");
    case OA2_URL_QUERY:
    case OA2_URL_FRAGMENT:
        return oa2_err_set(err, 500, NULL, "OA2-00061",
                           "must not have a query or fragment (RFC 8414)");
    case OA2_URL_USERINFO:
        return oa2_err_set(err, 500, NULL, "OA2-00062",
                           "must not carry user information");
    default:
        return oa2_err_set(err, 500, NULL, "OA2-00063",
                           "must be https (http only for a loopback host)");
    }
}

int oa2_url_path_valid(const char *path)
{
    return path && path[0] == '/' && !strpbrk(path, "?# \t");
}

/* ASCII letters and digits, whatever the locale. */
static int is_alnum(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
        || (c >= '0' && c <= '9');
}

int oa2_url_chars_valid(const char *url)
{
    const char *c;

    for (c = url; *c; c++) {
        if (*c == '%') {
            if (!apr_isxdigit(c[1]) || !apr_isxdigit(c[2])) {
                return 0;
            }
            c += 2;
        }
        else if (!is_alnum(*c) && !strchr("-._~:/?#[]@!$&'()*+,;=", *c)) {
            return 0;
        }
    }
    return 1;
}

int oa2_url_has_userinfo(const char *after_scheme)
{
    apr_size_t n;

    if (strncmp(after_scheme, "//", 2)) {
        return 0;
    }
    n = strcspn(after_scheme + 2, "/?#");
    return memchr(after_scheme + 2, '@', n) != NULL;
}
