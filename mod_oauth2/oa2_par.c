/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/* Pushed authorization requests (RFC 9126): see oa2_par.h. */
#include <string.h>

#include <apr_strings.h>

#include "oa2_cleanup.h"
#include "oa2_clientauth.h"
#include "oa2_dpop.h"
#include "oa2_par.h"
#include "oa2_secret.h"

/* A request_uri the authorize endpoint cannot use. No redirect_uri is
 * known then: the glue shows the error page. RFC 9101 §7's code, which
 * names the parameter that failed. */
#define BAD_URI(id, text) oa2_err_set(err, 400, "invalid_request_uri", id, text)

/* The push's parameters as an authorization request of @a client: its
 * client_id added when it authenticated by a Basic header alone, which
 * RFC 9126 §2.1 does not allow to replace the parameter but many clients
 * leave it out with (the header is the proof; oa2_clientauth checked that
 * a client_id in the body names the same client). */
static const oa2_form_t *as_request(const oa2_form_t *form,
                                    const oa2_client_t *client, apr_pool_t *p)
{
    oa2_form_t *out;

    if (apr_table_get(form->params, "client_id")) {
        return form;
    }
    out = apr_pcalloc(p, sizeof(*out));
    out->params = apr_table_copy(p, form->params);
    apr_table_setn(out->params, "client_id", client->client_id);
    return out;
}

/* RFC 9126 §2.1: a push cannot name another pushed request; and request
 * objects (RFC 9101), which it also allows, are not supported here. */
static apr_status_t check_not_indirect(const oa2_form_t *form, oa2_err_t *err)
{
    if (apr_table_get(form->params, "request_uri")) {
        return oa2_err_set(err, 400, "invalid_request", "OA2-01302",
                           "request_uri is not allowed in a pushed "
                           "authorization request");
    }
    if (apr_table_get(form->params, "request")) {
        return oa2_err_set(err, 400, "invalid_request", "OA2-01303",
                           "request objects (the request parameter) are "
                           "not supported: push the parameters themselves");
    }
    return APR_SUCCESS;
}

static const char *response_of(const char *request_uri, apr_pool_t *p)
{
    json_t *doc =
        oa2_cleanup_json(json_pack("{s:s,s:i}", "request_uri", request_uri,
                                   "expires_in", OA2_PAR_TTL),
                         p);
    const char *text =
        doc ? oa2_cleanup_malloced(json_dumps(doc, JSON_COMPACT), p) : NULL;

    return text;
}

apr_status_t oa2_par_push(const char **json, oa2_client_t **client,
                          const char **uri_hash, const oa2_as_t *as,
                          oa2_store_t *st, const oa2_backchannel_t *in,
                          apr_int64_t now, oa2_err_t *err, apr_pool_t *p)
{
    oa2_authz_request_t *req;
    oa2_pushed_t pushed;
    const char *random, *request_uri;
    apr_status_t rv;

    *client = NULL;
    if (APR_SUCCESS
        != (rv = oa2_clientauth_authenticate(client, st, in, 1, err, p)))
        goto leave;
    if (APR_SUCCESS != (rv = check_not_indirect(in->form, err)))
        goto leave;
    if (APR_SUCCESS
        != (rv = oa2_authorize_parse_client(
                &req, as, *client, as_request(in->form, *client, p), err, p)))
        goto leave;
    /* RFC 9449 §10.1: a proof here binds the code, as dpop_jkt does */
    if (APR_SUCCESS
        != (rv = oa2_dpop_bind_pushed(&req->dpop_jkt, as, in, req->dpop_jkt,
                                      now, err, p)))
        goto leave;
    pushed.client_id = (*client)->client_id;
    pushed.params = oa2_authorize_encode(req, p);
    pushed.expires_at = now + OA2_PAR_TTL;
    pushed.used = 0;
    if (strlen(pushed.params) > OA2_PAR_PARAMS_MAX) {
        oa2_err_set(err, 400, "invalid_request", "OA2-01304",
                    "the pushed authorization request is too large");
        rv = oa2_err_detail(err, p, "%" APR_SIZE_T_FMT " bytes, at most %d",
                            strlen(pushed.params), OA2_PAR_PARAMS_MAX);
        goto leave;
    }
    if (APR_SUCCESS
        != (rv = oa2_secret_make(&random, OA2_PAR_URI_BYTES, err, p)))
        goto leave;
    request_uri = apr_pstrcat(p, OA2_PAR_URI_PREFIX, random, NULL);
    *uri_hash = oa2_secret_hash(request_uri, p);
    if (APR_SUCCESS
        != (rv = oa2_store_pushed_add(st, *uri_hash, &pushed, err, p)))
        goto leave;
    if (!(*json = response_of(request_uri, p))) {
        rv = oa2_err_set(err, 500, "server_error", "OA2-01305",
                         "the response cannot be made");
    }
leave:
    return rv;
}

apr_status_t oa2_par_resolve(const oa2_form_t **params, const char **uri_hash,
                             oa2_store_t *st, const oa2_form_t *query,
                             apr_int64_t now, oa2_err_t *err, apr_pool_t *p)
{
    const char *request_uri, *client_id;
    oa2_pushed_t *pushed;
    oa2_form_t *stored;
    apr_status_t rv;

    *params = query;
    *uri_hash = NULL;
    if (oa2_form_single(&request_uri, query, "request_uri", 0, err, p)
        != APR_SUCCESS) {
        return oa2_err_set(err, 400, "invalid_request", "OA2-01306",
                           "request_uri is repeated");
    }
    if (!request_uri) {
        return APR_SUCCESS;
    }
    /* RFC 9126 §4: client_id is required beside it, and must be the
     * pushing client's. */
    if (oa2_form_single(&client_id, query, "client_id", 1, err, p)
        != APR_SUCCESS) {
        return oa2_err_set(err, 400, "invalid_request", "OA2-01307",
                           "client_id is missing or repeated");
    }
    if (strncmp(request_uri, OA2_PAR_URI_PREFIX,
                sizeof(OA2_PAR_URI_PREFIX) - 1)) {
        return BAD_URI("OA2-01308",
                       "request_uri is not one of this server's pushed "
                       "authorization requests");
    }
    rv = oa2_store_pushed_get(&pushed, st, oa2_secret_hash(request_uri, p), err,
                              p);
    if (rv == APR_NOTFOUND) {
        return BAD_URI("OA2-01309",
                       "request_uri is unknown: push the request again");
    }
    if (rv != APR_SUCCESS) {
        return rv;
    }
    if (strcmp(pushed->client_id, client_id)) {
        BAD_URI("OA2-01310", "request_uri was pushed by another client");
        /* the pusher's id is from the store, a client's own */
        return oa2_err_detail(err, p, "pushed by %s", pushed->client_id);
    }
    if (pushed->expires_at < now) {
        return BAD_URI("OA2-01311",
                       "request_uri has expired: push the request again");
    }
    if (pushed->used) {
        return BAD_URI("OA2-01312", "request_uri was used already");
    }
    if ((rv = oa2_form_parse(&stored, pushed->params, strlen(pushed->params),
                             err, p))
        != APR_SUCCESS) {
        return rv;
    }
    *params = stored;
    *uri_hash = oa2_secret_hash(request_uri, p);
    return APR_SUCCESS;
}

apr_status_t oa2_par_consume(oa2_store_t *st, const char *uri_hash,
                             const char *client_id, apr_int64_t now,
                             oa2_err_t *err, apr_pool_t *p)
{
    int first = 0;
    apr_status_t rv =
        oa2_store_pushed_consume(&first, st, uri_hash, client_id, now, err, p);

    if (rv == APR_SUCCESS && !first) {
        return BAD_URI("OA2-01313", "request_uri was used already");
    }
    return rv;
}

apr_status_t oa2_par_check_required(const oa2_as_t *as,
                                    const oa2_authz_request_t *req,
                                    oa2_err_t *err)
{
    if (as->require_par) {
        return oa2_err_set(err, 400, "invalid_request", "OA2-01314",
                           "this server takes only pushed authorization "
                           "requests: push the request to its "
                           "pushed_authorization_request_endpoint and send "
                           "the request_uri");
    }
    if (req->client->require_par) {
        return oa2_err_set(err, 400, "invalid_request", "OA2-01315",
                           "this client must push its authorization "
                           "requests: push the request to the "
                           "pushed_authorization_request_endpoint and send "
                           "the request_uri");
    }
    return APR_SUCCESS;
}
