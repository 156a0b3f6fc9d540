/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/**
 * @file oa2_audit.h
 * @brief The fields of the audit lines: who (sub), which client, which
 * scopes, the grant, and at most a jti or the hash tag of a refresh token
 * family; never a token, code or secret. The glue logs them
 * (mod_oauth2_audit.c).
 */
#ifndef OA2_AUDIT_H
#define OA2_AUDIT_H

#include <apr_pools.h>

#include "oa2_err.h"

/** What a successful token response issued. */
typedef struct oa2_audit_issue_t {
    const char *sub;       /* the access token's sub */
    const char *client_id; /* its client_id */
    const char *scope;     /* its scope ("" when none) */
    const char *jti;       /* its jti */
    int refresh;           /* a refresh token came with it */
    int id_token;          /* an ID token came with it */
} oa2_audit_issue_t;

/**
 * Read what the token response @a json (RFC 6749 §5.1, written by this
 * server) issued: the claims of its access token, unverified (this
 * server has just signed it), and which other tokens came with it.
 * @return APR_SUCCESS, or a 500 in @a err when @a json is not one
 */
apr_status_t oa2_audit_token_response(oa2_audit_issue_t *out, const char *json,
                                      oa2_err_t *err, apr_pool_t *p);

/**
 * @a v quoted for a log line: backslash and double quote escaped, every
 * byte outside printable ASCII as \\xNN, so that a user name cannot forge
 * a line or hide in one. NULL becomes "-".
 */
const char *oa2_audit_quote(const char *v, apr_pool_t *p);

/**
 * The fields of an audit line, "name=value" separated by spaces, each
 * value quoted (oa2_audit_quote): name, value pairs, then NULL.
 */
const char *oa2_audit_fields(apr_pool_t *p, ...) __attribute__((sentinel));

#endif /* OA2_AUDIT_H */
