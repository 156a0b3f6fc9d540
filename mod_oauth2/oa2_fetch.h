/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/**
 * @file oa2_fetch.h
 * @brief The one room that talks to other servers: HTTP GET and POST on
 * libcurl, for the keys and metadata of other issuers, their
 * introspection endpoints and client ID metadata documents.
 *
 * Every fetch is held to the same rules (SPEC "Tokens from other
 * issuers"): https with certificate verification, http only to a
 * loopback host; no redirects followed; 2 s to connect and 5 s in all;
 * a bounded body; no proxy from the environment; and the address the
 * name resolved to is checked before the socket is opened, so a name
 * that resolves to a forbidden address (or is made to, later) is refused
 * all the same. Nothing here logs: failures come back as an oa2_err_t
 * whose detail names the URL (never a header, a body or a secret).
 */
#ifndef OA2_FETCH_H
#define OA2_FETCH_H

#include <apr_pools.h>
#include <sys/socket.h>

#include "oa2_err.h"

/** Connect and total timeouts (SPEC), in milliseconds. */
#define OA2_FETCH_CONNECT_MS 2000
#define OA2_FETCH_TOTAL_MS 5000

/** Longest URL fetched (and the longest accepted in a directive). */
#define OA2_FETCH_URL_MAX 2048

/** Which addresses a fetch may reach. */
typedef enum oa2_fetch_reach_t {
    /* A URL the admin configured: anything but link-local (cloud metadata
     * services live there), unspecified, multicast or reserved. */
    OA2_FETCH_REACH_ADMIN = 0,
    /* A URL a client named (client ID metadata documents): public unicast
     * addresses only; no private, shared, loopback or link-local ones. */
    OA2_FETCH_REACH_PUBLIC,
    /* As PUBLIC, and loopback too: for an issuer that is itself a
     * loopback http issuer (a developer's machine). */
    OA2_FETCH_REACH_PUBLIC_OR_LOOPBACK
} oa2_fetch_reach_t;

/** How one fetch is made. Zeroed fields take the defaults. */
typedef struct oa2_fetch_opts_t {
    oa2_fetch_reach_t reach;   /* which addresses may be connected to */
    apr_size_t max_size;       /* body bound in bytes; 0: 256 KiB */
    const char *ca_file;       /* OAuth2FetchCAFile; NULL: the system's */
    const char *form;          /* POST this form body; NULL: a GET */
    const char *authorization; /* an Authorization header line
                                * (oa2_fetch_basic_auth()), or NULL; it
                                * holds a secret: never logged */
} oa2_fetch_opts_t;

/** What a fetch brought back: a complete HTTP response, not a 3xx. */
typedef struct oa2_fetch_result_t {
    long status;      /* the HTTP status */
    const char *body; /* the body, NUL-terminated */
    apr_size_t len;   /* its length */
    long max_age;     /* Cache-Control max-age in seconds; 0 for
                       * no-store/no-cache; -1 when not given */
} oa2_fetch_result_t;

/** Address classes, for the reach rules (and their unit tests). */
typedef enum oa2_fetch_addr_class_t {
    OA2_FETCH_ADDR_PUBLIC = 0, /* global unicast */
    OA2_FETCH_ADDR_LOOPBACK,   /* 127/8, ::1 */
    OA2_FETCH_ADDR_PRIVATE,    /* 10/8, 172.16/12, 192.168/16, 100.64/10,
                                * fc00::/7 */
    OA2_FETCH_ADDR_LINK_LOCAL, /* 169.254/16, fe80::/10 */
    OA2_FETCH_ADDR_OTHER       /* unspecified, multicast, reserved,
                                * documentation, benchmarking, local-use
                                * NAT64 */
} oa2_fetch_addr_class_t;

/**
 * Set up libcurl for the process: once, before threads start (the
 * module's post_config, the admin CLI's main).
 */
apr_status_t oa2_fetch_global_init(void);

/**
 * Check @a url against the rules of @a reach before any fetch (at
 * configuration time for the directives): an absolute http(s) URL of at
 * most OA2_FETCH_URL_MAX characters, with a host, without userinfo or
 * fragment; http only when the host is a loopback name or address.
 * @return APR_SUCCESS, or an error whose description says what is wrong
 */
apr_status_t oa2_fetch_check_url(const char *url, oa2_fetch_reach_t reach,
                                 oa2_err_t *err, apr_pool_t *p);

/** The class of a socket address (IPv4-mapped IPv6 is classed as IPv4). */
oa2_fetch_addr_class_t oa2_fetch_addr_class(const struct sockaddr *sa);

/**
 * Nonzero when @a reach allows connecting to an address of class @a c
 * for a URL of scheme http (@a plain_http) or https.
 */
int oa2_fetch_reach_allows(oa2_fetch_reach_t reach, oa2_fetch_addr_class_t c,
                           int plain_http);

/**
 * Fetch @a url: a GET, or a POST of @a opts->form.
 * @return APR_SUCCESS with @a res filled for any complete response that is
 *         not a redirect; otherwise a 503 temporarily_unavailable error
 *         whose description says what went wrong (refused address,
 *         timeout, size bound, redirect, TLS) and whose detail names the
 *         URL and libcurl's reason; APR_ENOMEM (with OA2-00937) when no
 *         request could be set up here: this server's fault, whatever
 *         the other server would have said
 */
apr_status_t oa2_fetch(oa2_fetch_result_t *res, const char *url,
                       const oa2_fetch_opts_t *opts, oa2_err_t *err,
                       apr_pool_t *p);

/**
 * The Authorization header line of client_secret_basic for @a user and
 * @a secret (RFC 6749 §2.3.1: both form-encoded first), made once, when
 * the configuration is read: the secret is copied nowhere else.
 */
const char *oa2_fetch_basic_auth(const char *user, const char *secret,
                                 apr_pool_t *p);

/**
 * What one Cache-Control header value says of a response's lifetime:
 * 0 for no-store or no-cache, the max-age in seconds, -1 for neither.
 */
long oa2_fetch_max_age(const char *value);

/**
 * The Cache-Control lifetime of a response, bounded: @a res->max_age
 * within [@a min, @a max], or @a dflt when it was not given.
 */
long oa2_fetch_lifetime(const oa2_fetch_result_t *res, long min, long max,
                        long dflt);

#endif /* OA2_FETCH_H */
