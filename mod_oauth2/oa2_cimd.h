/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/**
 * @file oa2_cimd.h
 * @brief Client ID metadata documents (draft-ietf-oauth-client-id-
 * metadata-document, the MCP registration method): a client whose
 * client_id is an https URL, and whose registration is the JSON document
 * served at that URL.
 *
 * This room holds the rules: which URLs may be fetched at all, and what a
 * fetched document must say before it becomes a client. The fetch itself
 * is oa2_fetch()'s, and the row it becomes is the store's
 * (oa2_store_client_put_document()); mod_oauth2_cimd.c joins them at the
 * authorize endpoint.
 */
#ifndef OA2_CIMD_H
#define OA2_CIMD_H

#include <apr_pools.h>

#include "oa2_as.h"
#include "oa2_err.h"
#include "oa2_fetch.h"
#include "oa2_store.h"

/** Largest document read, in bytes: the draft recommends 5 kilobytes. */
#define OA2_CIMD_DOC_MAX 5120

/** Bounds of a document's reuse, in seconds (SPEC: 1 min to 24 h). */
#define OA2_CIMD_TTL_MIN 60
#define OA2_CIMD_TTL_MAX 86400

/** Reuse of a document served without a Cache-Control max-age. */
#define OA2_CIMD_TTL_DEFAULT 3600

/**
 * Nonzero when @a client_id is to be read as a client ID metadata
 * document URL: it begins with "https://" or "http://" (any case). Such an
 * id is then checked with oa2_cimd_check_url(); ids that the server or
 * the admin make never look like this.
 */
int oa2_cimd_is_url(const char *client_id);

/**
 * The addresses a document may be fetched from for an authorization
 * server of issuer @a issuer: public ones only, or loopback ones too when
 * the issuer is itself an http issuer on a loopback host (a developer's
 * machine, where the client runs beside it).
 */
oa2_fetch_reach_t oa2_cimd_reach(const char *issuer, apr_pool_t *p);

/**
 * Check a client_id URL before anything is fetched: at most
 * OA2_CLIENT_ID_MAX characters of RFC 3986; the https scheme (http only
 * with @a reach OA2_FETCH_REACH_PUBLIC_OR_LOOPBACK and a loopback host);
 * a host without user information; a path, without "." or ".." segments
 * (also percent-encoded); no fragment. A query is allowed (the draft's
 * SHOULD NOT). A host that is an address literal, or "localhost", must
 * be one @a reach allows: refused here, before any connection.
 * @return APR_SUCCESS, or 400 invalid_request with a fixed description
 *         and a detail that names the URL (see oa2_cimd_parse())
 */
apr_status_t oa2_cimd_check_url(const char *url, oa2_fetch_reach_t reach,
                                oa2_err_t *err, apr_pool_t *p);

/**
 * The host of a checked client_id URL, in lower case and without the
 * port: what the consent page shows beside the client's own name.
 */
const char *oa2_cimd_host(const char *url, apr_pool_t *p);

/**
 * Read the document that @a res brought back from @a url into a client:
 * a 200 response whose body is a JSON object; "client_id" exactly @a url;
 * "redirect_uris" a non-empty array of URIs registration would accept
 * (oa2_redirect_check()); "token_endpoint_auth_method" absent, "none" or
 * "private_key_jwt" with the document's "jwks" or "jwks_uri" (shared-secret
 * methods are refused); no "client_secret" or "client_secret_expires_at",
 * no private key in "jwks"; "grant_types" (absent: authorization_code) of
 * authorization_code and refresh_token only, "response_types" code only;
 * "client_name" displayable text (oa2_text_check()) of at most
 * OA2_REGISTRATION_NAME_MAX characters, the host when absent;
 * "post_logout_redirect_uris" and "default_max_age" as registration takes
 * them (oa2_client_meta_parse(), which also reads jwks, jwks_uri and
 * token_endpoint_auth_signing_alg). "scope", "client_uri", "logo_uri" and
 * other members are ignored: the user consents to each request's scope.
 * The client has no secret hash: it is public (auth method none) or
 * authenticates with its key (private_key_jwt); it is made at
 * @a now, fetched at @a now and reusable until @a now plus the response's
 * Cache-Control lifetime, bounded to [OA2_CIMD_TTL_MIN, OA2_CIMD_TTL_MAX].
 * @return APR_SUCCESS, or 400 invalid_client whose fixed description says
 *         what is wrong with the document (never a part of it), and whose
 *         detail, for the log, names the document: "client ID metadata
 *         document URL", then what the rule found; the URL is what a
 *         client sent, so cut to 160 characters and made printable
 *         (oa2_text_printable())
 */
apr_status_t oa2_cimd_parse(oa2_client_t **client, const oa2_as_t *as,
                            const char *url, const oa2_fetch_result_t *res,
                            apr_int64_t now, oa2_err_t *err, apr_pool_t *p);

/**
 * Nonzero when @a client was read from its metadata document and that
 * read's lifetime has ended at @a now: the document is to be read again.
 * Zero within the lifetime, and for every client registered otherwise
 * (oauth2-admin, dynamic registration), which no lifetime ends.
 */
int oa2_cimd_stale(const oa2_client_t *client, apr_int64_t now);

#endif /* OA2_CIMD_H */
