/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/*
 * Client ID metadata documents at the authorize endpoint
 * (OAuth2ClientMetadataDocuments): before the core reads an authorization
 * request whose client_id is a URL, the client's row is made present and
 * fresh from the document at that URL. oa2_cimd.c holds the rules,
 * oa2_fetch.c the fetch, the store the row.
 */
#include "httpd.h"
#include "http_config.h"
#include "http_log.h"

#include <apr_strings.h>

#include "mod_oauth2_private.h"
#include "oa2_cimd.h"
#include "oa2_text.h"

/* Fetch and check the document of @a url, and store the client it makes.
 * Nothing is stored unless all of it succeeds: a failure is not cached,
 * and the next request fetches again. */
static apr_status_t read_document(request_rec *r, const oa2_server_conf_t *conf,
                                  oa2_store_t *st, const char *url,
                                  oa2_err_t *err)
{
    const oa2_server_rt_t *rt = oa2_ap_server_rt_of(conf);
    apr_int64_t now = apr_time_sec(r->request_time);
    oa2_fetch_opts_t opts;
    oa2_fetch_result_t res;
    oa2_client_t *cl;
    apr_status_t rv;

    if ((rv = oa2_cimd_check_url(url, rt->cimd_reach, err, r->pool))
        != APR_SUCCESS) {
        return rv;
    }
    oa2_ap_fetch_opts(&opts, r->server, rt->cimd_reach);
    opts.max_size = OA2_CIMD_DOC_MAX;
    if ((rv = oa2_fetch(&res, url, &opts, err, r->pool)) != APR_SUCCESS) {
        if (rv == APR_ENOMEM) {
            /* No request could be made: this server's fault, a 503
             * logged at error, as a database failure is. */
            return rv;
        }
        /* Any other failure is this request's fault: the client named a
         * document that cannot be had (a 400, logged at info). The detail
         * already names the URL. */
        err->status = HTTP_BAD_REQUEST;
        err->error = "invalid_client";
        err->description = apr_pstrcat(
            r->pool, "the client's metadata document cannot be fetched: ",
            err->description, NULL);
        return rv;
    }
    if ((rv = oa2_cimd_parse(&cl, rt->as, url, &res, now, err, r->pool))
        != APR_SUCCESS) {
        return rv;
    }
    rv = oa2_store_client_put_document(st, cl, err, r->pool);
    if (rv == APR_EEXIST) {
        /* Stored first by another request, or registered otherwise
         * meanwhile: the row there is the client, and no error. */
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                      "OA2-01102: client ID metadata document %s read, but "
                      "the client stored meanwhile is kept",
                      url);
        return APR_SUCCESS;
    }
    if (rv != APR_SUCCESS) {
        return rv; /* the database's 503, logged at error */
    }
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                  "OA2-01026: client ID metadata document %s read: client "
                  "\"%s\", reused for %" APR_INT64_T_FMT " s",
                  url, oa2_text_printable(cl->name, r->pool),
                  cl->document_expires_at - now);
    return APR_SUCCESS;
}

apr_status_t oa2_ap_cimd_prepare(request_rec *r, const oa2_server_conf_t *conf,
                                 oa2_store_t *st, const oa2_form_t *params,
                                 oa2_err_t *err)
{
    apr_int64_t now = apr_time_sec(r->request_time);
    const char *url = NULL;
    oa2_client_t *cl;
    apr_status_t rv;

    /* A missing or repeated client_id is the core's to refuse. */
    if (conf->cimd != 1
        || oa2_form_single(&url, params, "client_id", 0, NULL, r->pool)
            != APR_SUCCESS
        || !oa2_cimd_is_url(url)) {
        return APR_SUCCESS;
    }
    rv = oa2_store_client_get(&cl, st, url, err, r->pool);
    if (rv == APR_SUCCESS && cl->from_cache && oa2_cimd_stale(cl, now)) {
        /* Perhaps read again since by another process or node. A client
         * registered otherwise is never stale: its cached record is used
         * as any client's. */
        rv = oa2_store_client_reload(&cl, st, url, err, r->pool);
    }
    if (rv == APR_SUCCESS && !oa2_cimd_stale(cl, now)) {
        /* Registered otherwise (never fetched for), or read lately. */
        return APR_SUCCESS;
    }
    if (rv != APR_SUCCESS && rv != APR_NOTFOUND) {
        return rv;
    }
    /* What the core reads next, also into the client cache, is the row
     * as stored, ours or that of whoever stored it first: the store took
     * any older record out of the cache. */
    return read_document(r, conf, st, url, err);
}
