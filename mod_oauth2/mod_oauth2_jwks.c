/* {base}/jwks: the public keys of this virtual host (RFC 7517). */
#include "httpd.h"
#include "http_protocol.h"

#include <apr_strings.h>

#include "mod_oauth2.h"

int oa2_jwks_handle(request_rec *r, const oa2_server_conf_t *conf)
{
    if (r->method_number == M_OPTIONS) {
        return oa2_io_cors_preflight(r);
    }
    oa2_io_cors(r);
    if (r->method_number != M_GET) {
        r->allowed = (AP_METHOD_BIT << M_GET) | (AP_METHOD_BIT << M_OPTIONS);
        return HTTP_METHOD_NOT_ALLOWED;
    }
    /* Public and rotated rarely: caches may keep it for a while. */
    apr_table_setn(r->headers_out, "Cache-Control", "public, max-age=300");
    return oa2_io_send_json(r, HTTP_OK, "application/jwk-set+json",
                            conf->jwks_json);
}
