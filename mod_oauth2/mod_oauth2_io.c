/* Response helpers shared by the endpoints: JSON bodies and CORS. */
#include "httpd.h"
#include "http_protocol.h"

#include <apr_strings.h>

#include "mod_oauth2.h"

void oa2_io_cors(request_rec *r)
{
    apr_table_setn(r->err_headers_out, "Access-Control-Allow-Origin", "*");
}

int oa2_io_cors_preflight(request_rec *r)
{
    oa2_io_cors(r);
    apr_table_setn(r->err_headers_out, "Access-Control-Allow-Methods",
                   "GET, POST");
    apr_table_setn(r->err_headers_out, "Access-Control-Allow-Headers",
                   "Authorization, Content-Type");
    apr_table_setn(r->err_headers_out, "Access-Control-Max-Age", "86400");
    r->status = HTTP_NO_CONTENT;
    return OK;
}

int oa2_io_send_json(request_rec *r, int status, const char *content_type,
                     const char *json)
{
    r->status = status;
    ap_set_content_type(r, content_type ? content_type : "application/json");
    ap_set_content_length(r, (apr_off_t)strlen(json));
    if (!r->header_only) {
        ap_rputs(json, r);
    }
    return OK;
}
