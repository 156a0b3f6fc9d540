/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/**
 * @file oa2_url.h
 * @brief URL rules: issuer identifiers and loopback hosts.
 */
#ifndef OA2_URL_H
#define OA2_URL_H

#include <apr_pools.h>

#include "oa2_err.h"

/** Nonzero for 127.0.0.0/8, ::1 (with or without brackets) and localhost. */
int oa2_url_is_loopback_host(const char *host);

/** What is wrong with an absolute http(s) URL (oa2_url_flaw()). */
typedef enum oa2_url_flaw_t {
    OA2_URL_OK = 0,
    OA2_URL_NOT_ABSOLUTE, /* no scheme or no host */
    OA2_URL_QUERY,        /* a query, where none may be */
    OA2_URL_FRAGMENT,     /* a fragment */
    OA2_URL_USERINFO,     /* a user name or password */
    OA2_URL_SCHEME,       /* neither https nor http */
    OA2_URL_PLAIN_HTTP    /* http to a host that is not loopback */
} oa2_url_flaw_t;

/**
 * The first flaw of @a url, in the order above, by the rules issuer
 * identifiers and fetched URLs share: absolute, with a host, no fragment
 * or user information, https or http to a loopback host; a query only
 * when @a query_ok.
 */
oa2_url_flaw_t oa2_url_flaw(const char *url, int query_ok, apr_pool_t *p);

/**
 * scheme://authority of @a url: the text before its path, query or
 * fragment; NULL when it has no "://".
 */
const char *oa2_url_origin(const char *url, apr_pool_t *p);

/** The longest issuer: the width of the issuer column of every table. */
#define OA2_ISSUER_MAX 255

/**
 * Check an issuer identifier (RFC 8414 §2): an https URL, or http on a
 * loopback host; no query, no fragment, no userinfo; at most
 * OA2_ISSUER_MAX characters.
 */
apr_status_t oa2_url_check_issuer(const char *url, oa2_err_t *err,
                                  apr_pool_t *p);

/** Nonzero when @a path is a clean URL path: starts with '/', no '?#'. */
int oa2_url_path_valid(const char *path);

/**
 * Nonzero when every byte of @a url is one RFC 3986 allows in a URI and
 * every '%' starts a %XX escape: no spaces, controls, non-ASCII bytes,
 * '\', '<' or '"', so the URL is also safe to log and to show.
 */
int oa2_url_chars_valid(const char *url);

/**
 * Nonzero when the authority that begins @a after_scheme (what follows
 * "scheme:", "//" first) holds an '@', the mark of user information.
 */
int oa2_url_has_userinfo(const char *after_scheme);

#endif /* OA2_URL_H */
