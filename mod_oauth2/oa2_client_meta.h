/**
 * @file oa2_client_meta.h
 * @brief A client's OpenID Connect metadata (Dynamic Client Registration
 * 1.0 §2, RP-Initiated Logout 1.0 §3.1): post_logout_redirect_uris,
 * default_max_age and id_token_signed_response_alg; and RFC 9126's
 * require_pushed_authorization_requests; RFC 9449's
 * dpop_bound_access_tokens. Parsed from a
 * registration request or given by oauth2-admin, and stored as one JSON
 * object in the client's metadata column, which later client metadata
 * joins without another column: so does the mark of a client read from
 * its client ID metadata document (oa2_cimd.h), with when it was read and
 * until when that read is reused.
 */
#ifndef OA2_CLIENT_META_H
#define OA2_CLIENT_META_H

#include <apr_pools.h>
#include <jansson.h>

#include "oa2_as.h"
#include "oa2_err.h"
#include "oa2_store.h"

/** Longest default_max_age accepted: a year, in seconds. */
#define OA2_CLIENT_META_MAX_AGE_MAX 31536000

/**
 * Check and add one post-logout redirect URI to @a cl (the rules of
 * redirect_uris, oa2_redirect_check()); a repeat is dropped.
 * @return APR_SUCCESS, or 400 invalid_client_metadata
 */
apr_status_t oa2_client_meta_add_logout_uri(oa2_client_t *cl, const char *uri,
                                            oa2_err_t *err, apr_pool_t *p);

/**
 * Member @a name of a registration request @a doc; NULL when absent or
 * null, as many client libraries send every metadata field and null the
 * unset ones.
 */
json_t *oa2_client_meta_field(json_t *doc, const char *name);

/**
 * Read the OpenID metadata (and require_pushed_authorization_requests) of
 * a registration request @a doc into @a cl.
 * id_token_signed_response_alg must name the algorithm of the AS's
 * signing key: it is the only one ID tokens are signed with.
 * @return APR_SUCCESS, or 400 invalid_client_metadata naming the field
 */
apr_status_t oa2_client_meta_parse(oa2_client_t *cl, const oa2_as_t *as,
                                   json_t *doc, oa2_err_t *err, apr_pool_t *p);

/** The stored form of @a cl's metadata: JSON object text, "" for none. */
const char *oa2_client_meta_encode(const oa2_client_t *cl, apr_pool_t *p);

/**
 * Fill @a cl's metadata fields from their stored form @a text (what
 * oa2_client_meta_encode() made, or "" from a row of an earlier release).
 * Fields that do not parse are left unset: a stored row is ours.
 */
void oa2_client_meta_decode(oa2_client_t *cl, const char *text, apr_pool_t *p);

/** Add @a cl's metadata to a registration response @a r. */
void oa2_client_meta_respond(json_t *r, const oa2_client_t *cl,
                             const oa2_as_t *as);

/** Nonzero when @a uri is one of @a cl's post_logout_redirect_uris,
 * compared exactly (RP-Initiated Logout 1.0 §3). */
int oa2_client_meta_logout_uri_registered(const oa2_client_t *cl,
                                          const char *uri);

#endif /* OA2_CLIENT_META_H */
