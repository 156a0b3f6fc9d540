/* URL rules shared by configuration and protocol checks. */
#include <string.h>
#include <strings.h>

#include <apr_strings.h>
#include <apr_uri.h>

#include "oa2_url.h"

int oa2_url_is_loopback_host(const char *host)
{
    const char *c;
    int dots = 0;

    if (!host) {
        return 0;
    }
    if (!strcasecmp(host, "localhost") || !strcmp(host, "::1")
        || !strcmp(host, "[::1]")) {
        return 1;
    }
    if (strncmp(host, "127.", 4)) {
        return 0;
    }
    /* 127.d.d.d with nothing but digits and three more dots */
    for (c = host + 4; *c; c++) {
        if (*c == '.') {
            dots++;
        }
        else if (*c < '0' || *c > '9') {
            return 0;
        }
    }
    return dots == 2;
}

apr_status_t oa2_url_check_issuer(const char *url, oa2_err_t *err,
                                  apr_pool_t *p)
{
    apr_uri_t uri;

    if (apr_uri_parse(p, url, &uri) != APR_SUCCESS || !uri.scheme
        || !uri.hostname || !*uri.hostname) {
        return oa2_err_set(err, 500, NULL, "OA2-00060",
                           "is not an absolute URL");
    }
    if (uri.query || uri.fragment || strchr(url, '?') || strchr(url, '#')) {
        return oa2_err_set(err, 500, NULL, "OA2-00061",
                           "must not have a query or fragment (RFC 8414)");
    }
    if (uri.user || uri.password) {
        return oa2_err_set(err, 500, NULL, "OA2-00062",
                           "must not carry user information");
    }
    if (!strcasecmp(uri.scheme, "https")) {
        return APR_SUCCESS;
    }
    if (!strcasecmp(uri.scheme, "http")
        && oa2_url_is_loopback_host(uri.hostname)) {
        return APR_SUCCESS;
    }
    return oa2_err_set(err, 500, NULL, "OA2-00063",
                       "must be https (http only for a loopback host)");
}

int oa2_url_path_valid(const char *path)
{
    return path && path[0] == '/' && !strpbrk(path, "?# \t");
}
