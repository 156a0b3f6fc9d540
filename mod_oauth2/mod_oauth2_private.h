/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/**
 * @file mod_oauth2_private.h
 * @brief What every glue file but the module record includes: the shared
 * glue declarations (mod_oauth2.h), this module's log index (once, here),
 * and the request record (mod_oauth2_request.c).
 */
#ifndef MOD_OAUTH2_PRIVATE_H
#define MOD_OAUTH2_PRIVATE_H

#include "httpd.h"
#include "http_config.h"
#include "http_log.h"

#include "mod_oauth2.h"

/* Log lines of the glue files count as mod_oauth2's (LogLevel oauth2:..).
 * mod_oauth2.c declares the module itself (AP_DECLARE_MODULE). */
APLOG_USE_MODULE(oauth2);

/** What a request to this module's URL space asks for (translate_name). */
typedef enum oa2_ap_endpoint_t {
    OA2_ENDPOINT_NONE = 0,
    OA2_ENDPOINT_JWKS,
    OA2_ENDPOINT_METADATA,
    OA2_ENDPOINT_AUTHORIZE,
    OA2_ENDPOINT_TOKEN,
    OA2_ENDPOINT_INTROSPECT,
    OA2_ENDPOINT_REVOKE,
    OA2_ENDPOINT_REGISTER,
    OA2_ENDPOINT_RESOURCE_METADATA,
    OA2_ENDPOINT_USERINFO,
    OA2_ENDPOINT_LOGOUT,
    OA2_ENDPOINT_OPENID_CONFIGURATION,
    OA2_ENDPOINT_PAR,
    OA2_ENDPOINT_DEVICE_AUTHORIZATION,
    OA2_ENDPOINT_DEVICE
} oa2_ap_endpoint_t;

/** What this module learned about a request, for its later hooks. One
 * per request_rec: a subrequest or internal redirect starts without one
 * (oa2_ap_request_token looks at the request it derives from). */
typedef struct oa2_request_t {
    oa2_access_token_t *token;      /* the validated token, or NULL */
    oa2_err_t err;                  /* why authn or authz failed */
    int failed;                     /* nonzero once err is set */
    apr_array_header_t *need_scope; /* scopes a failed Require asked for */
    oa2_store_t *store;             /* the DB connection, once acquired */
    int dpop;                       /* the token came with the DPoP scheme
                                     * (RFC 9449 §7): challenge with it */
    oa2_ap_endpoint_t endpoint;     /* the endpoint translate_name chose */
    int resource;                   /* OA2_ENDPOINT_RESOURCE_METADATA: its
                                     * index in OAuth2ProtectedResource */
    const char *login_required;     /* a prompt=none refusal prepared
                                     * before login: "login_required", or
                                     * the log id of another error */
} oa2_request_t;

/* mod_oauth2_request.c: the request record */
/** The request record of @a r, created on first use. */
oa2_request_t *oa2_ap_request_get(request_rec *r);
/** The request record of @a r, or NULL when no hook made one. */
oa2_request_t *oa2_ap_request_peek(const request_rec *r);
/** The validated token of this request or of the one it derives from. */
oa2_access_token_t *oa2_ap_request_token(request_rec *r);
/** Record a failure for the challenge. */
void oa2_ap_request_fail(request_rec *r, const oa2_err_t *err);
/** The endpoint translate_name chose for @a r, or OA2_ENDPOINT_NONE. */
oa2_ap_endpoint_t oa2_ap_request_endpoint(const request_rec *r);

#endif /* MOD_OAUTH2_PRIVATE_H */
