/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/**
 * @file oa2_redirect.h
 * @brief Redirect URI rules: what may be registered, and what matches.
 */
#ifndef OA2_REDIRECT_H
#define OA2_REDIRECT_H

#include <apr_pools.h>

#include "oa2_err.h"

/**
 * Check a redirect URI a client wants to register (RFC 7591, RFC 8252,
 * OAuth 2.1 §2.3.1): an absolute URI without fragment and without user
 * information; https; or http only on a loopback host (127.0.0.0/8,
 * [::1], localhost); or a private-use scheme of a native app, which must
 * contain a '.' (reverse domain name, RFC 8252 §7.1), e.g.
 * "com.example.app:/cb". Never javascript:, data:, file: or similar.
 * @return APR_SUCCESS, or 400 "invalid_redirect_uri" with a description
 */
apr_status_t oa2_redirect_check(const char *uri, oa2_err_t *err, apr_pool_t *p);

/**
 * Nonzero when a requested redirect URI matches a registered one: by
 * exact string comparison, except that for http loopback URIs
 * (http://127.0.0.1, http://[::1], http://localhost) the port is ignored
 * on both sides (RFC 8252 §7.3): scheme, host, path and query must still
 * be identical.
 */
int oa2_redirect_matches(const char *registered, const char *requested,
                         apr_pool_t *p);

#endif /* OA2_REDIRECT_H */
