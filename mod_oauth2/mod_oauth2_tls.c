/*
 * The connection's TLS client certificate, as mod_ssl saw it: the input
 * of mTLS client authentication (RFC 8705 §2) at the back-channel
 * endpoints and of certificate-bound tokens (§3) at AuthType OAuth2.
 */
#include "httpd.h"
#include "http_config.h"
#include "mod_ssl.h"

#include <apr_optional.h>

#include "mod_oauth2.h"

APLOG_USE_MODULE(oauth2);

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
