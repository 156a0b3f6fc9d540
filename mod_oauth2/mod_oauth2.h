/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/**
 * @file mod_oauth2.h
 * @brief What the glue files of mod_oauth2 share: configuration records
 * and the functions each file provides (mod_oauth2_private.h adds the
 * request record).
 */
#ifndef MOD_OAUTH2_H
#define MOD_OAUTH2_H

#include "httpd.h"
#include "http_config.h"

#include "oa2_as.h"
#include "oa2_clientauth.h"
#include "oa2_dpop.h"
#include "oa2_err.h"
#include "oa2_fetch.h"
#include "oa2_form.h"
#include "oa2_keys.h"
#include "oa2_metrics.h"
#include "oa2_remote.h"
#include "oa2_remote_introspection.h"
#include "oa2_store.h"
#include "oa2_tmpl.h"
#include "oa2_access_token.h"

extern module AP_MODULE_DECLARE_DATA oauth2_module;

/** The AuthType this module answers for. */
#define OA2_AUTH_TYPE "OAuth2"

/** OAuth2Registration values. */
#define OA2_REGISTRATION_OFF 0
#define OA2_REGISTRATION_TOKEN 1
#define OA2_REGISTRATION_OPEN 2

/** Per-server (virtual host) configuration: the authorization server's
 * directive values only (what start-up builds from them: oa2_server_rt_t). */
typedef struct oa2_server_conf_t {
    const char *issuer;             /* OAuth2Issuer; NULL: no AS here */
    const char *base_path;          /* OAuth2BasePath, without trailing / */
    oa2_keyset_t *keys;             /* OAuth2SigningKey list; NULL: unset */
    const char *default_audience;   /* OAuth2DefaultAudience; NULL: issuer */
    apr_array_header_t *scopes;     /* OAuth2Scope, of oa2_scope_def_t */
    apr_array_header_t *resources;  /* OAuth2Resource, of const char * */
    int access_ttl;                 /* OAuth2AccessTokenTTL; -1: unset */
    int refresh_ttl;                /* OAuth2RefreshTokenTTL; -1: unset */
    int code_ttl;                   /* OAuth2CodeTTL; -1: unset */
    int registration;               /* OAuth2Registration; -1: unset */
    const char *registration_token; /* OAuth2RegistrationToken */
    int client_cache_ttl;           /* OAuth2ClientCacheTTL s; -1: unset */
    const char *template_dir;       /* OAuth2TemplateDir; NULL: installed */
    apr_array_header_t *protected_resources; /* OAuth2ProtectedResource */
    int openid;                              /* OAuth2OpenID; -1: unset (on) */
    int id_token_ttl;                        /* OAuth2IDTokenTTL; -1: unset */
    apr_array_header_t *user_claims; /* OAuth2UserClaim, oa2_idtoken_claim_t */
    apr_array_header_t *user_claim_exprs; /* their ap_expr_info_t *, same
                                           * order */
    const char *fetch_ca_file; /* OAuth2FetchCAFile; NULL: system CAs */
    int cimd;                  /* OAuth2ClientMetadataDocuments; -1: off */
    int require_par;           /* OAuth2RequirePAR; -1: unset (off) */
    int dpop_nonce;            /* OAuth2DPoPNonce; -1: unset (off) */
    int ratelimit_failures;    /* OAuth2RateLimit failures; -1: unset
                                * (OA2_RATELIMIT_FAILURES), 0: off */
    int ratelimit_seconds;     /* OAuth2RateLimit window; -1: unset */
} oa2_server_conf_t;

/**
 * What the check_config hook builds from a virtual host's directives, in
 * the configuration pool: read-only afterwards (thread-safe without
 * locks). Reached with oa2_ap_server_rt(). A new runtime object is a new
 * field here, set in mod_oauth2_check.c.
 */
typedef struct oa2_server_rt_t {
    oa2_as_t *as;                 /* the AS in core terms, or NULL */
    const char *endpoint_base;    /* the issuer's origin and the base path:
                                   * endpoint URLs */
    oa2_fetch_reach_t cimd_reach; /* what a document's fetch may reach,
                                   * from the issuer */
    const char *jwks_json;        /* the public JWKS, or NULL */
    const char *metadata_json;    /* RFC 8414 document */
    const char *openid_json;      /* OpenID discovery document, or NULL */
    oa2_tmpl_t *consent_tmpl;     /* consent.html, parsed */
    oa2_tmpl_t *error_tmpl;       /* error.html, parsed */
    oa2_tmpl_t *logout_tmpl;      /* logout.html, parsed, or NULL */
    oa2_tmpl_t *device_tmpl;      /* device.html, parsed, or NULL */
    oa2_metrics_t *metrics;       /* this server's counters in shared
                                   * memory (mod_oauth2_metrics.c); NULL:
                                   * none */
} oa2_server_rt_t;

/** Per-directory configuration: resource protection. */
typedef struct oa2_dir_conf_t {
    const char *audience;          /* OAuth2Audience; NULL: server default */
    const char *verify_issuer;     /* OAuth2VerifyIssuer; NULL: local issuer */
    const char *jwks_file;         /* OAuth2VerifyJWKSFile path, for messages */
    oa2_keyset_t *jwks;            /* its keys, parsed at startup */
    oa2_remote_t *jwks_remote;     /* OAuth2VerifyJWKSURL, or the
                                           * jwks_uri of the metadata */
    oa2_remote_t *metadata_remote; /* OAuth2VerifyMetadataURL */
    oa2_remote_introspection_t *introspection; /* OAuth2Introspection
                                                       */
    int introspection_cache_ttl; /* OAuth2IntrospectionCacheTTL; -1: unset */
    int check_revocation;        /* OAuth2CheckRevocation; -1: unset */
    int revocation_cache_ttl;    /* OAuth2RevocationCacheTTL s; -1: unset */
} oa2_dir_conf_t;

/* mod_oauth2_config.c */
extern const command_rec oa2_ap_config_cmds[];
void *oa2_ap_config_create_server(apr_pool_t *p, server_rec *s);
void *oa2_ap_config_merge_server(apr_pool_t *p, void *basev, void *addv);
void *oa2_ap_config_create_dir(apr_pool_t *p, char *dir);
void *oa2_ap_config_merge_dir(apr_pool_t *p, void *basev, void *addv);
/** "is duplicate"-like refusal when section @a d has a key source
 * already (OAuth2VerifyJWKSFile, ...JWKSURL, ...MetadataURL), else NULL. */
const char *oa2_ap_config_one_key_source(cmd_parms *cmd,
                                         const oa2_dir_conf_t *d);
/** The audience a location demands (OAuth2Audience, else the default). */
const char *oa2_ap_config_audience(const oa2_dir_conf_t *d,
                                   const oa2_server_conf_t *s);

/**
 * A number of seconds from @a min to @a max into @a field, once; the
 * directive's error message otherwise.
 */
const char *oa2_ap_config_seconds_arg(int *field, cmd_parms *cmd,
                                      const char *arg, long min, long max);

/* mod_oauth2_config_openid.c: the OpenID Provider's directives */
const char *oa2_ap_config_set_id_token_ttl(cmd_parms *cmd, void *dc,
                                           const char *arg);
const char *oa2_ap_config_add_user_claim(cmd_parms *cmd, void *dc,
                                         const char *scope, const char *name,
                                         const char *expr);

/** The AS base path (OAuth2BasePath, else /oauth2). */
const char *oa2_ap_config_base_path(const oa2_server_conf_t *s);
/**
 * The absolute URL of the endpoint @a path ("/token") of @a s's
 * authorization server, as its metadata publishes it: the issuer's
 * origin and OAuth2BasePath.
 */
const char *oa2_ap_config_endpoint_url(const oa2_server_conf_t *s,
                                       const char *path, apr_pool_t *p);

/* mod_oauth2_runtime.c: what check_config builds */
/**
 * The runtime record of virtual host @a s; an empty one (no AS, no
 * documents) before check_config or for a host without OAuth2Issuer.
 */
const oa2_server_rt_t *oa2_ap_server_rt(const server_rec *s);
/** The runtime record of the host whose configuration is @a conf. */
const oa2_server_rt_t *oa2_ap_server_rt_of(const oa2_server_conf_t *conf);
/**
 * The runtime record for @a conf: the one a start-up hook of this pass
 * made already, else a new, empty one in @a pconf, which
 * oa2_ap_server_rt() returns from now on (until @a pconf is cleared).
 */
oa2_server_rt_t *oa2_ap_server_rt_make(const oa2_server_conf_t *conf,
                                       apr_pool_t *pconf);

/* mod_oauth2_authn.c */
void oa2_ap_authn_register_hooks(apr_pool_t *p);
/**
 * Remember an OAuth2CheckRevocation verdict, read at @a now, under
 * @a key (oa2_access_token_revocation_key): "not revoked" for the @a ttl of the
 * location that asked, "revoked" until the token expires at @a exp.
 */
void oa2_ap_authn_remember_revocation(request_rec *r, const unsigned char *key,
                                      int revoked, apr_int64_t now, int ttl,
                                      apr_int64_t exp);

/* mod_oauth2_challenge.c */
void oa2_ap_challenge_register_hooks(apr_pool_t *p);
/** The realm of RFC 6750 challenges here: AuthName, else ServerName. */
const char *oa2_ap_challenge_realm(request_rec *r);

/* mod_oauth2_authz.c */
void oa2_ap_authz_register_hooks(apr_pool_t *p);

/* mod_oauth2_endpoints.c */
void oa2_ap_endpoints_register_hooks(apr_pool_t *p);

/** Longest OAuth2ClientCacheTTL, OAuth2RevocationCacheTTL and
 * OAuth2IntrospectionCacheTTL: a removed client or a revocation must take
 * effect within the hour, whatever an admin trades for fewer queries. */
#define OA2_CACHE_TTL_MAX 3600

/** Defaults of the lifetimes (SPEC). */
#define OA2_DEFAULT_ACCESS_TTL 900
#define OA2_DEFAULT_REFRESH_TTL 1209600
#define OA2_DEFAULT_CODE_TTL 60
#define OA2_DEFAULT_ID_TOKEN_TTL 300

/* Endpoint handlers, one file each (mod_oauth2_<name>.c). */
int oa2_ap_jwks_handle(request_rec *r, const oa2_server_conf_t *conf);
int oa2_ap_metadata_handle(request_rec *r, const oa2_server_conf_t *conf);
int oa2_ap_authorize_handle(request_rec *r, const oa2_server_conf_t *conf);
/** Prepare the login_required answer of a prompt=none request, before
 * httpd authenticates it (mod_oauth2_authorize.c). */
void oa2_ap_authorize_before_login(request_rec *r,
                                   const oa2_server_conf_t *conf);
int oa2_ap_token_handle(request_rec *r, const oa2_server_conf_t *conf);
int oa2_ap_introspect_handle(request_rec *r, const oa2_server_conf_t *conf);
int oa2_ap_revoke_handle(request_rec *r, const oa2_server_conf_t *conf);
int oa2_ap_register_handle(request_rec *r, const oa2_server_conf_t *conf);
int oa2_ap_userinfo_handle(request_rec *r, const oa2_server_conf_t *conf);
int oa2_ap_logout_handle(request_rec *r, const oa2_server_conf_t *conf);
int oa2_ap_par_handle(request_rec *r, const oa2_server_conf_t *conf);
int oa2_ap_resource_metadata_handle(request_rec *r,
                                    const oa2_server_conf_t *conf,
                                    const char *resource);
/* mod_oauth2_device.c: RFC 8628's two endpoints */
int oa2_ap_device_authorization_handle(request_rec *r,
                                       const oa2_server_conf_t *conf);
int oa2_ap_device_page_handle(request_rec *r, const oa2_server_conf_t *conf);
/** The user a device request is approved for, as the consent form's
 * (mod_oauth2_authorize.c): sign-in time and OAuth2UserClaim values. */
struct oa2_authz_user_t *oa2_ap_authorize_user_of(request_rec *r,
                                                  const oa2_server_conf_t *conf,
                                                  const oa2_client_t *client,
                                                  const char *scope);

/* mod_oauth2_ratelimit.c: OAuth2RateLimit */
/** The OAuth2RateLimit directive: FAILURES SECONDS, or off. */
const char *oa2_ap_ratelimit_set(cmd_parms *cmd, void *dc, const char *a1,
                                 const char *a2);
/** The limiter of @a r (its address, the shared cache), or NULL when
 * OAuth2RateLimit is off. */
struct oa2_ratelimit_t *oa2_ap_ratelimit(request_rec *r,
                                         const oa2_server_conf_t *conf);
/** Set Retry-After on a 429 answer of a limiter of @a r. */
void oa2_ap_ratelimit_retry_after(request_rec *r);

/**
 * Build the metadata document of @a conf (at start-up), whose AS is
 * @a rt's: RFC 8414's, or with @a openid the OpenID Provider's
 * (Discovery 1.0 §3), which adds the OpenID fields.
 */
const char *oa2_ap_metadata_build(const oa2_server_conf_t *conf,
                                  const oa2_server_rt_t *rt, int openid,
                                  apr_pool_t *p);

/* mod_oauth2_dbd.c */
/**
 * The store of this request's virtual host, on a mod_dbd connection held
 * until the request ends.
 * @return APR_SUCCESS, or 503 temporarily_unavailable (logged by caller)
 */
apr_status_t oa2_ap_dbd_store(oa2_store_t **st, request_rec *r,
                              const oa2_server_conf_t *conf, oa2_err_t *err);
/** Nonzero when mod_dbd is loaded. */
int oa2_ap_dbd_available(void);
void oa2_ap_dbd_register_hooks(apr_pool_t *p);

/* mod_oauth2_cache.c: the validated-token cache (socache) */
/** The OAuth2TokenCache directive. */
const char *oa2_ap_cache_set_spec(cmd_parms *cmd, void *dc, const char *arg);
/** Nonzero when validated tokens are cached. */
int oa2_ap_cache_enabled(void);
/** The record cached under @a key (a NUL follows it), or APR_NOTFOUND. */
apr_status_t oa2_ap_cache_get(const char **rec, apr_size_t *len, request_rec *r,
                              const unsigned char *key);
/** Remember @a rec under @a key until @a expiry (seconds since the epoch);
 * records over 8 KiB are not cached. */
void oa2_ap_cache_put(request_rec *r, const unsigned char *key, const char *rec,
                      apr_size_t len, apr_int64_t expiry);
/** The cache as the store's record cache (client records reused for
 * @a ttl seconds, sealed with @a seal), or NULL when there is no cache or
 * @a ttl is 0. */
const oa2_record_cache_t *oa2_ap_cache_record_hooks(request_rec *r, int ttl,
                                                    const unsigned char *seal);
/** The cache as a plain shared record cache (no TTL, no seal): where the
 * keys and metadata of other issuers are shared; NULL without a cache. */
const oa2_record_cache_t *oa2_ap_cache_shared(request_rec *r);
void oa2_ap_cache_register_hooks(apr_pool_t *p);

/* mod_oauth2_fetch.c: the fetch room's settings */
/** OAuth2FetchCAFile of server @a s, or NULL (the system's CAs). */
const char *oa2_ap_fetch_ca_file(server_rec *s);
/** The options of a fetch made for server @a s that may reach @a reach. */
void oa2_ap_fetch_opts(oa2_fetch_opts_t *opts, server_rec *s,
                       oa2_fetch_reach_t reach);
void oa2_ap_fetch_register_hooks(apr_pool_t *p);

/* mod_oauth2_remote.c: tokens from other issuers */
const char *oa2_ap_remote_set_jwks_url(cmd_parms *cmd, void *dc,
                                       const char *url);
const char *oa2_ap_remote_set_metadata_url(cmd_parms *cmd, void *dc,
                                           const char *url);
const char *oa2_ap_remote_set_introspection(cmd_parms *cmd, void *dc,
                                            const char *url,
                                            const char *client_id,
                                            const char *secret_file);
const char *oa2_ap_remote_set_introspection_ttl(cmd_parms *cmd, void *dc,
                                                const char *arg);
/**
 * What this location verifies tokens with: its keys (a JWKS file's, the
 * local authorization server's, or another issuer's, fetched when due),
 * and the issuer and audience it demands.
 * @param keys_doc receives the document of another issuer's keys (held
 *        by the request), or NULL for keys of this configuration
 * @param lacks_kid NULL, or the document whose keys lacked a token's kid:
 *        fetch the keys again when allowed
 * @return APR_SUCCESS, or a 503 (logged by the caller) when another
 *         issuer's keys or metadata were never had
 */
apr_status_t oa2_ap_remote_policy(oa2_access_token_policy_t *policy,
                                  const oa2_remote_doc_t **keys_doc,
                                  request_rec *r, const oa2_dir_conf_t *d,
                                  const oa2_server_conf_t *s,
                                  const oa2_remote_doc_t *lacks_kid,
                                  oa2_err_t *err);
/**
 * The verdict of OAuth2Introspection's endpoint on @a token, through the
 * token cache (an active verdict only, up to its exp and
 * OAuth2IntrospectionCacheTTL).
 */
apr_status_t oa2_ap_remote_introspect(oa2_access_token_t **tok, request_rec *r,
                                      const oa2_dir_conf_t *d,
                                      const char *token,
                                      const oa2_access_token_policy_t *policy,
                                      oa2_err_t *err);
void oa2_ap_remote_register_hooks(apr_pool_t *p);

/* mod_oauth2_tls.c: the TLS client certificate mod_ssl saw */
/**
 * The PEM of the connection's TLS client certificate, or NULL when there
 * is none (or no mod_ssl); @a verified says whether mod_ssl verified it
 * up to a trusted CA.
 */
const char *oa2_ap_tls_client_cert(int *verified, request_rec *r);
/**
 * AuthType OAuth2's check of a certificate-bound token (cnf.x5t#S256,
 * RFC 8705 §3) against the connection's client certificate.
 * @return APR_SUCCESS, or 401 invalid_token in @a err
 */
apr_status_t oa2_ap_tls_check_bound(request_rec *r,
                                    const oa2_access_token_t *tok,
                                    oa2_err_t *err);
/**
 * Add mutual TLS to the metadata document @a m of @a conf when it works
 * there: mod_ssl is loaded and the token endpoint is an https URL (the
 * client auth methods, tls_client_certificate_bound_access_tokens).
 */
void oa2_ap_tls_metadata(json_t *m, const oa2_server_conf_t *conf,
                         apr_pool_t *p);
/** Find mod_ssl's variable lookup. */
void oa2_ap_tls_register_hooks(apr_pool_t *p);

/* mod_oauth2_cimd.c: client ID metadata documents */
/**
 * Before the authorize endpoint's core reads @a params: with
 * OAuth2ClientMetadataDocuments on and a client_id that is a URL, make
 * the client's row present and fresh. A client registered otherwise under
 * that id, or one read from its document within the document's lifetime,
 * is left as it is; else the document is fetched, checked and stored.
 * @return APR_SUCCESS (the core goes on, and reports what is wrong with
 *         the request); else @a err, to be shown on the error page, never
 *         redirected: 400 for a URL or document that will not do (nothing
 *         is stored then), 503 when the database fails
 */
apr_status_t oa2_ap_cimd_prepare(request_rec *r, const oa2_server_conf_t *conf,
                                 oa2_store_t *st, const oa2_form_t *params,
                                 oa2_err_t *err);

/* mod_oauth2_dpop.c: DPoP (RFC 9449) at the token endpoint and the
 * resource server */
/**
 * The DPoP check of AuthType OAuth2 (RFC 9449 §7): a token presented
 * with the DPoP scheme (@a dpop nonzero) must be bound to the key of a
 * valid proof of this request; a DPoP-bound token is never accepted as
 * a Bearer token.
 * @param token the access token as sent (ath)
 * @return APR_SUCCESS, or a 401 invalid_token, invalid_dpop_proof or
 *         use_dpop_nonce error in @a err (the DPoP-Nonce header set)
 */
apr_status_t oa2_ap_dpop_check(request_rec *r, const oa2_access_token_t *tok,
                               const char *token, int dpop, oa2_err_t *err);
/**
 * Set up @a check for the DPoP proof of @a r, which presents @a token at
 * a resource (RFC 9449 §7): the method and URL the client sent, the
 * nonce key, the replay cache; and give the response a nonce.
 */
void oa2_ap_dpop_resource_check(oa2_dpop_check_t *check, request_rec *r,
                                const char *token);
/**
 * With OAuth2DPoPNonce on in @a r's virtual host, give the response a
 * fresh DPoP-Nonce (RFC 9449 §8, §9), on success and on errors.
 */
void oa2_ap_dpop_nonce_header(request_rec *r);
void oa2_ap_dpop_register_hooks(apr_pool_t *p);

/* mod_oauth2_login.c: the user's sign-in at the authorize endpoint */
/**
 * When the user of this authenticated request signed in, as this server
 * tracks it (a signed cookie, set now when missing), seconds since the
 * epoch.
 */
apr_int64_t oa2_ap_login_auth_time(request_rec *r,
                                   const oa2_server_conf_t *conf);
/**
 * Make the user sign in again: the session ended and the browser sent
 * back to this URL, or a 401 from the login method. The handler status.
 */
int oa2_ap_login_again(request_rec *r, const oa2_server_conf_t *conf);
/**
 * The user httpd authenticated on a page of the AS (authorize, device),
 * checked: APR_SUCCESS when there is one this server can grant for.
 * Otherwise the error page is sent (500: the admin left the page
 * unprotected, log id @a no_user_id; or the name cannot be a grant's
 * subject, @a bad_user_id), @a status is what the handler returns, and
 * APR_EGENERAL.
 */
apr_status_t oa2_ap_login_require_user(int *status, request_rec *r,
                                       const oa2_server_conf_t *conf,
                                       const char *no_user_id,
                                       const char *bad_user_id);
/** End the user's mod_session session; nonzero when there was one. */
int oa2_ap_login_end_session(request_rec *r);

/* mod_oauth2_io.c */
/**
 * Read an application/x-www-form-urlencoded body (at most
 * OA2_FORM_MAX_LEN) and parse it.
 * @return APR_SUCCESS, or a 400 invalid_request error
 */
apr_status_t oa2_ap_io_read_form(oa2_form_t **form, request_rec *r,
                                 oa2_err_t *err);
/** Read a body of at most @a max bytes. */
apr_status_t oa2_ap_io_read_body(const char **body, apr_size_t *len,
                                 request_rec *r, apr_size_t max,
                                 oa2_err_t *err);
/**
 * Log @a err once (error level for 5xx, info otherwise, with its id and
 * admin detail) and answer with RFC 6749 §5.2 JSON.
 */
int oa2_ap_io_send_error_json(request_rec *r, const oa2_err_t *err);
/**
 * The common front of the client-authenticated POST endpoints (token,
 * introspection, revocation, pushed authorization): POST only (else 405
 * with @a log_id_405), the form body, the headers and the TLS client
 * certificate the core reads (@a in), and the store.
 * @param endpoint the endpoint's path below the base path ("/token")
 */
apr_status_t oa2_ap_io_backchannel_begin(oa2_backchannel_t *in,
                                         oa2_store_t **st, request_rec *r,
                                         const oa2_server_conf_t *conf,
                                         const char *endpoint,
                                         const char *log_id_405,
                                         oa2_err_t *err);
/**
 * Answer a back-channel failure: RFC 6749 §5.2 JSON, and for
 * invalid_client the Basic challenge that says how clients authenticate.
 */
int oa2_ap_io_send_client_error(request_rec *r, const oa2_server_conf_t *conf,
                                const oa2_err_t *err);
/**
 * Serve a public JSON document (metadata, JWKS): GET only, cacheable for
 * five minutes (CORS: the endpoint dispatcher, mod_oauth2_endpoints.c).
 */
int oa2_ap_io_send_document(request_rec *r, const char *content_type,
                            const char *json);
/**
 * The parameters of a page endpoint's request (authorize, logout): a
 * GET's query or a POST's form body.
 * @return APR_SUCCESS with @a params set; else @a status is what the
 *         handler returns: the error page was sent, or 405
 */
apr_status_t oa2_ap_io_read_page_params(oa2_form_t **params, int *status,
                                        request_rec *r,
                                        const oa2_server_conf_t *conf);
/** Log @a err once and render error.html with its status. */
int oa2_ap_io_send_error_page(request_rec *r, const oa2_server_conf_t *conf,
                              const oa2_err_t *err);
/** Log a core error once, at the level its status deserves, with its
 * APR cause as httpd shows a status ("(2)No such file or directory"). */
void oa2_ap_io_log_error(request_rec *r, const oa2_err_t *err);
/** Headers every HTML page of the module carries. */
void oa2_ap_io_page_headers(request_rec *r);
/** Send an HTML page. */
int oa2_ap_io_send_html(request_rec *r, int status, const char *html);
/** Allow any origin, no credentials (SPEC: public endpoints). */
void oa2_ap_io_cors(request_rec *r);
/** Answer a CORS preflight; returns the handler status. */
int oa2_ap_io_cors_preflight(request_rec *r);
/** Send @a json with @a status (application/json unless @a content_type). */
int oa2_ap_io_send_json(request_rec *r, int status, const char *content_type,
                        const char *json);
/** Send @a json with @a status, never cached: every answer that carries a
 * token, a secret or an error (RFC 6749 §5.1). */
int oa2_ap_io_send_no_store_json(request_rec *r, int status, const char *json);

/* mod_oauth2_check.c */
void oa2_ap_check_register_hooks(apr_pool_t *p);

/* mod_oauth2_metrics.c: SetHandler oauth2-metrics, the counters' shared
 * memory */
/** The counters of @a r's virtual host, or NULL (none made). */
oa2_metrics_t *oa2_ap_metrics(request_rec *r);
/** Count an error answer of the endpoint @a r asked for. */
void oa2_ap_metrics_error(request_rec *r, const oa2_err_t *err);
void oa2_ap_metrics_register_hooks(apr_pool_t *p);

/* mod_oauth2_audit.c: one notice per issued or revoked grant */
/**
 * Log the audit line @a log_id: @a what, then @a fields (never a token,
 * code or secret), at notice: shown at the default LogLevel.
 */
void oa2_ap_audit(request_rec *r, const char *log_id, const char *what,
                  const char *fields);
/** The audit line of the token response @a json to a @a grant_type
 * request (its access token's sub, client_id, scope, jti). */
void oa2_ap_audit_token(request_rec *r, const char *grant_type,
                        const char *json);

#endif /* MOD_OAUTH2_H */
