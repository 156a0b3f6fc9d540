/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/* {base}/jwks: the public keys of this virtual host (RFC 7517). */
#include "httpd.h"
#include "http_protocol.h"

#include <apr_strings.h>

#include "mod_oauth2_private.h"

int oa2_ap_jwks_handle(request_rec *r, const oa2_server_conf_t *conf)
{
    const oa2_server_rt_t *rt = oa2_ap_server_rt_of(conf);

    return oa2_ap_io_send_document(r, "application/jwk-set+json",
                                   rt->jwks_json);
}
