/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/*
 * Redirect URIs: what a client may register (RFC 7591, RFC 8252 §7, OAuth
 * 2.1 §2.3.1) and when a requested one matches (RFC 9700 §4.1.3: exact
 * string comparison; RFC 8252 §7.3: any port on a loopback host).
 *
 * Matching never normalizes: a URI that differs in case, percent-encoding,
 * a trailing slash or anything else is a different URI. Only the port of an
 * http loopback URI is cut out, by position in the raw string, so the rest
 * is still compared byte for byte.
 */
#include <string.h>
#include <strings.h>

#include <apr_lib.h>
#include <apr_strings.h>
#include <apr_uri.h>

#include "oa2_redirect.h"
#include "oa2_url.h"

/* Longer than any sane callback; keeps registrations and logs bounded. */
#define REDIRECT_MAX_LEN 2048

/* Schemes that run code or read local data in a user agent; most have no
 * '.' and would fail the private-use rule anyway, but they get a clear
 * refusal of their own. */
static const char *const denied_schemes[] = {
    "javascript", "vbscript", "livescript",  "data", "file",  "blob",
    "filesystem", "about",    "view-source", "jar",  "mhtml", NULL};

static int is_alpha(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int is_hex(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Length of the scheme of @a uri (RFC 3986 §3.1), 0 when it has none. */
static apr_size_t scheme_len(const char *uri)
{
    apr_size_t n;

    if (!is_alpha(uri[0])) {
        return 0;
    }
    for (n = 1; is_alpha(uri[n]) || is_digit(uri[n]) || uri[n] == '+'
         || uri[n] == '-' || uri[n] == '.';
         n++) {
    }
    return uri[n] == ':' ? n : 0;
}

/* A DNS name or IPv4 address as apr_uri_parse() leaves it, or an IPv6
 * literal (brackets removed); nothing percent-encoded. */
static int host_valid(const char *host)
{
    const char *c;

    if (!host || !*host) {
        return 0;
    }
    if (strchr(host, ':')) {
        for (c = host; *c; c++) {
            if (!is_hex(*c) && *c != ':' && *c != '.') {
                return 0;
            }
        }
        return 1;
    }
    for (c = host; *c; c++) {
        if (!is_alpha(*c) && !is_digit(*c) && *c != '-' && *c != '.'
            && *c != '_') {
            return 0;
        }
    }
    return 1;
}

/* Nonzero for an absent port or 1 to 65535; apr_uri_parse() lets an
 * empty, zero or too large port through. */
static int port_valid(const char *port)
{
    long value = 0;
    int digits;

    if (!port) {
        return 1;
    }
    for (digits = 0; is_digit(port[digits]) && digits < 5; digits++) {
        value = value * 10 + (port[digits] - '0');
    }
    return digits && !port[digits] && value >= 1 && value <= 65535;
}

apr_status_t oa2_redirect_check(const char *uri, oa2_err_t *err, apr_pool_t *p)
{
    apr_uri_t parsed;
    apr_size_t n;
    char *scheme;
    int i;

    if (!uri || !*uri) {
        return oa2_err_set(err, 400, "invalid_redirect_uri", "OA2-00138",
                           "the redirect URI is empty");
    }
    if (strlen(uri) > REDIRECT_MAX_LEN) {
        return oa2_err_set(err, 400, "invalid_redirect_uri", "OA2-00139",
                           "the redirect URI is too long");
    }
    if (!oa2_url_chars_valid(uri)) {
        return oa2_err_set(err, 400, "invalid_redirect_uri", "OA2-00140",
                           "the redirect URI contains characters not "
                           "allowed in a URI");
    }
    if (strchr(uri, '#')) {
        return oa2_err_set(err, 400, "invalid_redirect_uri", "OA2-00141",
                           "the redirect URI must not have a fragment");
    }
    n = scheme_len(uri);
    if (!n) {
        return oa2_err_set(err, 400, "invalid_redirect_uri", "OA2-00142",
                           "the redirect URI is not an absolute URI");
    }
    scheme = apr_pstrmemdup(p, uri, n);
    for (i = 0; scheme[i]; i++) {
        scheme[i] = (char)apr_tolower(scheme[i]);
    }
    for (i = 0; denied_schemes[i]; i++) {
        if (!strcmp(scheme, denied_schemes[i])) {
            oa2_err_set(err, 400, "invalid_redirect_uri", "OA2-00143",
                        "this scheme is not allowed for a redirect URI");
            return oa2_err_detail(err, p, "scheme %s:", denied_schemes[i]);
        }
    }
    if (apr_uri_parse(p, uri, &parsed) != APR_SUCCESS) {
        return oa2_err_set(err, 400, "invalid_redirect_uri", "OA2-00144",
                           "the redirect URI cannot be parsed");
    }
    if (!port_valid(parsed.port_str)) {
        return oa2_err_set(err, 400, "invalid_redirect_uri", "OA2-00158",
                           "the redirect URI has an invalid port");
    }
    if (parsed.user || parsed.password || oa2_url_has_userinfo(uri + n + 1)) {
        return oa2_err_set(err, 400, "invalid_redirect_uri", "OA2-00145",
                           "the redirect URI must not carry user "
                           "information");
    }
    if (!strcmp(scheme, "https") || !strcmp(scheme, "http")) {
        if (strncmp(uri + n + 1, "//", 2) || !host_valid(parsed.hostname)) {
            return oa2_err_set(err, 400, "invalid_redirect_uri", "OA2-00146",
                               "an https or http redirect URI needs a valid "
                               "host");
        }
        /* RFC 8252 §8.3: plain http only where it never leaves the
         * machine. */
        if (!strcmp(scheme, "http")
            && !oa2_url_is_loopback_host(parsed.hostname)) {
            return oa2_err_set(err, 400, "invalid_redirect_uri", "OA2-00147",
                               "an http redirect URI must use a loopback "
                               "host (127.0.0.1, [::1] or localhost); use "
                               "https");
        }
        return APR_SUCCESS;
    }
    /* A private-use scheme is a reverse domain name the app controls, so
     * another app cannot plausibly claim it (RFC 8252 §7.1). */
    if (!strchr(scheme, '.')) {
        return oa2_err_set(err, 400, "invalid_redirect_uri", "OA2-00148",
                           "a private-use redirect URI scheme must be a "
                           "reverse domain name containing a '.' "
                           "(RFC 8252 section 7.1)");
    }
    return APR_SUCCESS;
}

/*
 * Find the port of an http loopback URI: @a host_end receives the offset
 * just after the host, @a rest the offset of what follows the port (path,
 * query or end). Zero when @a uri is not an http URI on a loopback host
 * with an empty or numeric port.
 */
static int split_loopback(apr_size_t *host_end, apr_size_t *rest,
                          const char *uri, apr_pool_t *p)
{
    apr_uri_t parsed;
    apr_size_t i = 7;
    long port = 0;
    int digits = 0;

    if (strncasecmp(uri, "http://", 7)) {
        return 0;
    }
    if (uri[i] == '[') {
        while (uri[i] && uri[i] != ']') {
            i++;
        }
        if (uri[i] != ']') {
            return 0;
        }
        i++;
    }
    else {
        while (uri[i] && !strchr(":/?#@", uri[i])) {
            i++;
        }
    }
    *host_end = i;
    if (!oa2_url_is_loopback_host(apr_pstrmemdup(p, uri + 7, i - 7))) {
        return 0;
    }
    if (uri[i] == ':') {
        for (i++; is_digit(uri[i]) && digits < 5; i++, digits++) {
            port = port * 10 + (uri[i] - '0');
        }
        if (!digits || port < 1 || port > 65535) {
            return 0;
        }
    }
    if (uri[i] != '\0' && uri[i] != '/' && uri[i] != '?') {
        return 0;
    }
    *rest = i;
    /* apr_uri_parse() must see the same loopback host: what we compare is
     * what a user agent would connect to. */
    if (apr_uri_parse(p, uri, &parsed) != APR_SUCCESS || parsed.user
        || parsed.password || !oa2_url_is_loopback_host(parsed.hostname)) {
        return 0;
    }
    return 1;
}

int oa2_redirect_matches(const char *registered, const char *requested,
                         apr_pool_t *p)
{
    apr_size_t reg_host, reg_rest, req_host, req_rest;

    if (!registered || !requested || !*requested) {
        return 0;
    }
    /* A fragment never matches, not even an identical one. */
    if (strchr(requested, '#') || strchr(registered, '#')) {
        return 0;
    }
    if (!strcmp(registered, requested)) {
        return 1;
    }
    if (!split_loopback(&reg_host, &reg_rest, registered, p)
        || !split_loopback(&req_host, &req_rest, requested, p)) {
        return 0;
    }
    /* Scheme and host as written, then path and query as written. */
    return reg_host == req_host && !strncmp(registered, requested, reg_host)
        && !strcmp(registered + reg_rest, requested + req_rest);
}
