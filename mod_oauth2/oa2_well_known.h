/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/**
 * @file oa2_well_known.h
 * @brief Where the metadata of an identifier lives: the well-known URLs
 * of RFC 8414 §3.1 (authorization servers), RFC 9728 §3.1 (protected
 * resources) and OpenID Connect Discovery 1.0 §4, both ways.
 *
 * RFC 8414 and RFC 9728 insert the well-known path between the origin
 * and the identifier's path; OpenID Discovery appends it to the issuer.
 * The endpoints that serve the documents, the challenge that points to
 * one and the fetch of another issuer's metadata use these, so the three
 * agree.
 */
#ifndef OA2_WELL_KNOWN_H
#define OA2_WELL_KNOWN_H

#include <apr_pools.h>

/** The kinds of metadata a well-known URL names. */
typedef enum oa2_well_known_t {
    OA2_WELL_KNOWN_AS,       /* RFC 8414: oauth-authorization-server */
    OA2_WELL_KNOWN_RESOURCE, /* RFC 9728: oauth-protected-resource */
    OA2_WELL_KNOWN_OPENID    /* OpenID Discovery: openid-configuration */
} oa2_well_known_t;

/**
 * The path (no origin) of the metadata of identifier @a id, an absolute
 * URL: "/.well-known/oauth-authorization-server/issuer1" for
 * "https://example.com/issuer1". An identifier's path of "/" counts as
 * none; OpenID Discovery drops one terminating '/' of the issuer first.
 * An @a id that does not parse counts as one without a path.
 */
const char *oa2_well_known_path(oa2_well_known_t kind, const char *id,
                                apr_pool_t *p);

/**
 * The absolute URL of the metadata of @a id: its scheme and host (and
 * port; never user information) and oa2_well_known_path().
 * @return the URL, or NULL when @a id has no scheme or host
 */
const char *oa2_well_known_url(oa2_well_known_t kind, const char *id,
                               apr_pool_t *p);

/**
 * The issuer a metadata URL implies, the other way round: the URL
 * without its /.well-known/openid-configuration suffix or /.well-known/
 * oauth-authorization-server infix; NULL for a URL of another shape (or
 * with a query).
 */
const char *oa2_well_known_issuer(const char *url, apr_pool_t *p);

#endif /* OA2_WELL_KNOWN_H */
