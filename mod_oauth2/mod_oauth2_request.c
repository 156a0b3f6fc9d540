/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/*
 * The request record: what the hooks of this module learned about one
 * request (its endpoint, its token, why it failed, its DB connection),
 * kept in r->request_config. Its own room, so that the hooks that write
 * it (authn, authz, dbd, endpoints) do not call each other for it.
 */
#include "mod_oauth2_private.h"

oa2_request_t *oa2_ap_request_peek(const request_rec *r)
{
    return ap_get_module_config(r->request_config, &oauth2_module);
}

oa2_request_t *oa2_ap_request_get(request_rec *r)
{
    oa2_request_t *rq = oa2_ap_request_peek(r);
    if (!rq) {
        rq = apr_pcalloc(r->pool, sizeof(*rq));
        ap_set_module_config(r->request_config, &oauth2_module, rq);
    }
    return rq;
}

oa2_access_token_t *oa2_ap_request_token(request_rec *r)
{
    /* Subrequests and internal redirects keep r->user without running
     * authn again; their token is the one of the request they came from. */
    for (; r; r = r->main ? r->main : r->prev) {
        oa2_request_t *rq = oa2_ap_request_peek(r);
        if (rq && rq->token) {
            return rq->token;
        }
    }
    return NULL;
}

void oa2_ap_request_fail(request_rec *r, const oa2_err_t *err)
{
    oa2_request_t *rq = oa2_ap_request_get(r);
    rq->err = *err;
    rq->failed = 1;
}

oa2_ap_endpoint_t oa2_ap_request_endpoint(const request_rec *r)
{
    const oa2_request_t *rq = oa2_ap_request_peek(r);
    return rq ? rq->endpoint : OA2_ENDPOINT_NONE;
}
