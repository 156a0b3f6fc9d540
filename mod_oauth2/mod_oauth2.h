/**
 * @file mod_oauth2.h
 * @brief What the glue files of mod_oauth2 share: configuration records,
 * the per-request record, and the hook functions each file provides.
 */
#ifndef MOD_OAUTH2_H
#define MOD_OAUTH2_H

#include "httpd.h"
#include "http_config.h"

#include "oa2_err.h"
#include "oa2_keys.h"
#include "oa2_token.h"

extern module AP_MODULE_DECLARE_DATA oauth2_module;

/** The AuthType this module answers for. */
#define OA2_AUTH_TYPE "OAuth2"

/** Per-server (virtual host) configuration: the authorization server. */
typedef struct oa2_server_conf_t {
    const char *issuer;           /* OAuth2Issuer; NULL: no AS here */
    const char *base_path;        /* OAuth2BasePath, without trailing / */
    oa2_keyset_t *keys;           /* OAuth2SigningKey list; NULL: unset */
    const char *default_audience; /* OAuth2DefaultAudience; NULL: issuer */
    const char *jwks_json;        /* the public JWKS, rendered at startup */
} oa2_server_conf_t;

/** Per-directory configuration: resource protection. */
typedef struct oa2_dir_conf_t {
    const char *audience;      /* OAuth2Audience; NULL: server default */
    const char *verify_issuer; /* OAuth2VerifyIssuer; NULL: local issuer */
    const char *jwks_file;     /* OAuth2VerifyJWKSFile path, for messages */
    oa2_keyset_t *jwks;        /* its keys, parsed at startup */
} oa2_dir_conf_t;

/** What the request learned about its bearer token, for later hooks. */
typedef struct oa2_request_t {
    oa2_token_t *token;             /* the validated token, or NULL */
    oa2_err_t err;                  /* why authn or authz failed */
    int failed;                     /* nonzero once err is set */
    apr_array_header_t *need_scope; /* scopes a failed Require asked for */
} oa2_request_t;

/* mod_oauth2_config.c */
extern const command_rec oa2_config_cmds[];
void *oa2_config_create_server(apr_pool_t *p, server_rec *s);
void *oa2_config_merge_server(apr_pool_t *p, void *basev, void *addv);
void *oa2_config_create_dir(apr_pool_t *p, char *dir);
void *oa2_config_merge_dir(apr_pool_t *p, void *basev, void *addv);
/** The audience a location demands (OAuth2Audience, else the default). */
const char *oa2_config_audience(const oa2_dir_conf_t *d,
                                const oa2_server_conf_t *s);

/** The AS base path (OAuth2BasePath, else /oauth2). */
const char *oa2_config_base_path(const oa2_server_conf_t *s);

/* mod_oauth2_authn.c */
void oa2_authn_register_hooks(apr_pool_t *p);
/** The request record, created on first use. */
oa2_request_t *oa2_authn_request(request_rec *r);
/** The validated token of this request or of the one it derives from. */
oa2_token_t *oa2_authn_token(request_rec *r);
/** Record a failure for the challenge. */
void oa2_authn_fail(request_rec *r, const oa2_err_t *err);

/* mod_oauth2_challenge.c */
void oa2_challenge_register_hooks(apr_pool_t *p);

/* mod_oauth2_authz.c */
void oa2_authz_register_hooks(apr_pool_t *p);

/* mod_oauth2_endpoints.c */
void oa2_endpoints_register_hooks(apr_pool_t *p);

/* mod_oauth2_jwks.c */
int oa2_jwks_handle(request_rec *r, const oa2_server_conf_t *conf);

/* mod_oauth2_io.c */
/** Allow any origin, no credentials (SPEC: public endpoints). */
void oa2_io_cors(request_rec *r);
/** Answer a CORS preflight; returns the handler status. */
int oa2_io_cors_preflight(request_rec *r);
/** Send @a json with @a status and no-store caching. */
int oa2_io_send_json(request_rec *r, int status, const char *content_type,
                     const char *json);

/* mod_oauth2_check.c */
void oa2_check_register_hooks(apr_pool_t *p);

#endif /* MOD_OAUTH2_H */
