/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/*
 * The connection's TLS client certificate, as mod_ssl saw it: the input
 * of mTLS client authentication (RFC 8705 §2) at the back-channel
 * endpoints and of certificate-bound tokens (§3) at AuthType OAuth2.
 */
#include "httpd.h"
#include "http_config.h"
#include "mod_ssl.h"

#include <apr_optional.h>

#include "mod_oauth2_private.h"
#include "oa2_mtls.h"

/* mod_ssl's variable lookup; NULL when mod_ssl is not loaded. */
static APR_OPTIONAL_FN_TYPE(ssl_var_lookup) * var_lookup;

const char *oa2_ap_tls_client_cert(int *verified, request_rec *r)
{
    const char *pem, *verify;

    *verified = 0;
    if (!var_lookup) {
        return NULL;
    }
    pem = var_lookup(r->pool, r->server, r->connection, r,
                     (char *)"SSL_CLIENT_CERT");
    if (!pem || !*pem) {
        return NULL;
    }
    /* SUCCESS: verified up to SSLCACertificateFile; "GENEROUS" (optional_no_ca)
     * and "FAILED:..." leave the certificate unverified, which only
     * self_signed_tls_client_auth accepts, by its registered key. */
    verify = var_lookup(r->pool, r->server, r->connection, r,
                        (char *)"SSL_CLIENT_VERIFY");
    *verified = verify && !strcmp(verify, "SUCCESS");
    return pem;
}

apr_status_t oa2_ap_tls_check_bound(request_rec *r,
                                    const oa2_access_token_t *tok,
                                    oa2_err_t *err)
{
    int verified;

    /* Any verification state: the TLS handshake proved the key, and the
     * thumbprint names the certificate the token was issued for. */
    return oa2_mtls_check_bound(
        tok->cnf.x5t, oa2_ap_tls_client_cert(&verified, r), err, r->pool);
}

/* Append @a names to the array member @a name of @a m. */
static void append_names(json_t *m, const char *name, const char *const *names)
{
    json_t *a = json_object_get(m, name);

    for (; a && *names; names++) {
        json_array_append_new(a, json_string(*names));
    }
}

void oa2_ap_tls_metadata(json_t *m, const oa2_server_conf_t *conf,
                         apr_pool_t *p)
{
    static const char *const methods[] = {OA2_AUTH_TLS,
                                          OA2_AUTH_SELF_SIGNED_TLS, NULL};
    const char *token = oa2_ap_config_endpoint_url(conf, "/token", p);

    /* Only where a client certificate can reach the module: without
     * mod_ssl, or on plain http (or TLS ended by a proxy in front),
     * these methods could never succeed (RFC 8414 §2). */
    if (!ap_find_linked_module("mod_ssl.c") || strncmp(token, "https://", 8)) {
        return;
    }
    append_names(m, "token_endpoint_auth_methods_supported", methods);
    append_names(m, "introspection_endpoint_auth_methods_supported", methods);
    append_names(m, "revocation_endpoint_auth_methods_supported", methods);
    json_object_set_new(m, "tls_client_certificate_bound_access_tokens",
                        json_true());
}

static void retrieve_optional_fn(void)
{
    var_lookup = APR_RETRIEVE_OPTIONAL_FN(ssl_var_lookup);
}

void oa2_ap_tls_register_hooks(apr_pool_t *p)
{
    (void)p;
    ap_hook_optional_fn_retrieve(retrieve_optional_fn, NULL, NULL,
                                 APR_HOOK_MIDDLE);
}
