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

#endif /* OA2_URL_H */
