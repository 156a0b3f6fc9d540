/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/*
 * Metadata documents, built once at start-up: RFC 8414 authorization
 * server metadata, and RFC 9728 protected resource metadata.
 */
#include "httpd.h"
#include "http_protocol.h"

#include <apr_strings.h>

#include "mod_oauth2_private.h"
#include "oa2_cleanup.h"
#include "oa2_device.h"
#include "oa2_idtoken.h"
#include "oa2_url.h"

static json_t *string_array(const char *const *items)
{
    json_t *a = json_array();

    for (; *items; items++) {
        json_array_append_new(a, json_string(*items));
    }
    return a;
}

/* The algorithms of the vhost's signing keys, and no other: an EC-only
 * issuer that advertised RS256 would invite clients and resource servers
 * to expect tokens it never signs (RFC 8414 §2: only what is supported).
 * Every key is named, not only the one that signs now, because the others
 * are published for rotation. */
static json_t *signing_algs(const oa2_server_conf_t *conf, apr_pool_t *p)
{
    apr_array_header_t *names = oa2_keys_set_algs(conf->keys, p);
    json_t *a = json_array();
    int i;

    for (i = 0; i < names->nelts; i++) {
        json_array_append_new(
            a, json_string(APR_ARRAY_IDX(names, i, const char *)));
    }
    return a;
}

/* Discovery 1.0 §3: the claims the provider can release, those it sets
 * itself and each configured user claim once. */
static json_t *claims_supported(const oa2_as_t *as)
{
    static const char *const protocol[] = {
        "sub",       "iss",   "aud", "exp",     "iat",
        "auth_time", "nonce", "azp", "at_hash", NULL};
    json_t *a = string_array(protocol);
    int i, j;

    for (i = 0; as->user_claims && i < as->user_claims->nelts; i++) {
        const char *name =
            APR_ARRAY_IDX(as->user_claims, i, oa2_idtoken_claim_t).name;
        for (j = 0; j < i; j++) {
            if (!strcmp(
                    APR_ARRAY_IDX(as->user_claims, j, oa2_idtoken_claim_t).name,
                    name)) {
                break;
            }
        }
        if (j == i) {
            json_array_append_new(a, json_string(name));
        }
    }
    return a;
}

/* The fields an OpenID Provider adds (Discovery 1.0 §3). */
static void add_openid_fields(json_t *m, const oa2_server_conf_t *conf,
                              const oa2_server_rt_t *rt, apr_pool_t *p)
{
    static const char *const subject_types[] = {"public", NULL};

    json_object_set_new(
        m, "userinfo_endpoint",
        json_string(oa2_ap_config_endpoint_url(conf, "/userinfo", p)));
    json_object_set_new(
        m, "end_session_endpoint",
        json_string(oa2_ap_config_endpoint_url(conf, "/logout", p)));
    json_object_set_new(m, "id_token_signing_alg_values_supported",
                        signing_algs(conf, p));
    json_object_set_new(m, "subject_types_supported",
                        string_array(subject_types));
    json_object_set_new(m, "claims_supported", claims_supported(rt->as));
    /* Discovery's defaults for these are true: say what is not offered. */
    json_object_set_new(m, "claims_parameter_supported", json_false());
    json_object_set_new(m, "request_parameter_supported", json_false());
    /* Request objects by reference (RFC 9101): not fetched. The
     * request_uri of a pushed request (RFC 9126) is offered through
     * pushed_authorization_request_endpoint instead. */
    json_object_set_new(m, "request_uri_parameter_supported", json_false());
}

const char *oa2_ap_metadata_build(const oa2_server_conf_t *conf,
                                  const oa2_server_rt_t *rt, int openid,
                                  apr_pool_t *p)
{
    static const char *const response_types[] = {"code", NULL};
    static const char *const response_modes[] = {"query", NULL};
    static const char *const grant_types[] = {
        "authorization_code", "refresh_token", "client_credentials",
        OA2_DEVICE_GRANT, NULL};
    static const char *const token_auth[] = {"client_secret_basic",
                                             "client_secret_post",
                                             "private_key_jwt", "none", NULL};
    static const char *const confidential_auth[] = {
        "client_secret_basic", "client_secret_post", "private_key_jwt", NULL};
    /* private_key_jwt's assertions (oa2_assertion.c): whatever the
     * signing keys of this server are. */
    static const char *const assertion_algs[] = {"ES256", "RS256", NULL};
    static const char *const pkce[] = {"S256", NULL};
    static const char *const dpop_algs[] = {"ES256", "RS256", NULL};
    json_t *m = oa2_cleanup_json(json_object(), p);
    json_t *scopes = json_array();
    int i;

    /* The AS's scopes: OAuth2Scope's and the OpenID ones it added. */
    for (i = 0; i < rt->as->scopes->nelts; i++) {
        json_array_append_new(
            scopes,
            json_string(
                APR_ARRAY_IDX(rt->as->scopes, i, oa2_scope_def_t).name));
    }
#define URL(name) json_string(oa2_ap_config_endpoint_url(conf, name, p))
    json_object_set_new(m, "issuer", json_string(conf->issuer));
    json_object_set_new(m, "authorization_endpoint", URL("/authorize"));
    json_object_set_new(m, "token_endpoint", URL("/token"));
    json_object_set_new(m, "jwks_uri", URL("/jwks"));
    if (conf->registration > OA2_REGISTRATION_OFF) {
        json_object_set_new(m, "registration_endpoint", URL("/register"));
    }
    json_object_set_new(m, "introspection_endpoint", URL("/introspect"));
    json_object_set_new(m, "revocation_endpoint", URL("/revoke"));
    json_object_set_new(m, "pushed_authorization_request_endpoint",
                        URL("/par"));
    json_object_set_new(m, "device_authorization_endpoint",
                        URL("/device_authorization"));
#undef URL
    json_object_set_new(m, "scopes_supported", scopes);
    json_object_set_new(m, "response_types_supported",
                        string_array(response_types));
    json_object_set_new(m, "response_modes_supported",
                        string_array(response_modes));
    json_object_set_new(m, "grant_types_supported", string_array(grant_types));
    json_object_set_new(m, "token_endpoint_auth_methods_supported",
                        string_array(token_auth));
    json_object_set_new(m, "introspection_endpoint_auth_methods_supported",
                        string_array(confidential_auth));
    json_object_set_new(m, "revocation_endpoint_auth_methods_supported",
                        string_array(token_auth));
    json_object_set_new(m, "code_challenge_methods_supported",
                        string_array(pkce));
    json_object_set_new(m, "authorization_response_iss_parameter_supported",
                        json_true());
    json_object_set_new(m, "token_endpoint_auth_signing_alg_values_supported",
                        string_array(assertion_algs));
    json_object_set_new(m,
                        "introspection_endpoint_auth_signing_alg_values_"
                        "supported",
                        string_array(assertion_algs));
    json_object_set_new(m,
                        "revocation_endpoint_auth_signing_alg_values_"
                        "supported",
                        string_array(assertion_algs));
    json_object_set_new(m, "access_token_signing_alg_values_supported",
                        signing_algs(conf, p));
    /* RFC 8705 §2, §3.3, where mod_ssl can serve them. */
    oa2_ap_tls_metadata(m, conf, p);
    /* RFC 9449 §5.1: the algorithms of the DPoP proofs accepted. */
    json_object_set_new(m, "dpop_signing_alg_values_supported",
                        string_array(dpop_algs));
    /* RFC 9126 §5: absent means false. */
    if (conf->require_par == 1) {
        json_object_set_new(m, "require_pushed_authorization_requests",
                            json_true());
    }
    if (conf->cimd == 1) {
        json_object_set_new(m, "client_id_metadata_document_supported",
                            json_true());
    }
    if (openid) {
        add_openid_fields(m, conf, rt, p);
    }
    return oa2_cleanup_malloced(json_dumps(m, JSON_COMPACT), p);
}

int oa2_ap_metadata_handle(request_rec *r, const oa2_server_conf_t *conf)
{
    return oa2_ap_io_send_document(r, NULL,
                                   oa2_ap_server_rt_of(conf)->metadata_json);
}

int oa2_ap_resource_metadata_handle(request_rec *r,
                                    const oa2_server_conf_t *conf,
                                    const char *resource)
{
    json_t *m = oa2_cleanup_json(json_object(), r->pool);
    json_t *servers = json_array(), *scopes = json_array();
    static const char *const methods[] = {"header", NULL};
    static const char *const dpop_algs[] = {"ES256", "RS256", NULL};
    int i;

    json_array_append_new(servers, json_string(conf->issuer));
    for (i = 0; conf->scopes && i < conf->scopes->nelts; i++) {
        json_array_append_new(
            scopes,
            json_string(APR_ARRAY_IDX(conf->scopes, i, oa2_scope_def_t).name));
    }
    json_object_set_new(m, "resource", json_string(resource));
    json_object_set_new(m, "authorization_servers", servers);
    json_object_set_new(m, "scopes_supported", scopes);
    json_object_set_new(m, "bearer_methods_supported", string_array(methods));
    /* RFC 9728 §2: the resource takes DPoP proofs of these algorithms. */
    json_object_set_new(m, "dpop_signing_alg_values_supported",
                        string_array(dpop_algs));
    return oa2_ap_io_send_document(
        r, NULL, oa2_cleanup_malloced(json_dumps(m, JSON_COMPACT), r->pool));
}
