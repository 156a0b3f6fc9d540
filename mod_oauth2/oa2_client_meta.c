/* A client's OpenID Connect metadata (see oa2_client_meta.h). */
#include <string.h>

#include <apr_strings.h>

#include "oa2_cleanup.h"
#include "oa2_client_meta.h"
#include "oa2_redirect.h"

#define BAD_META(id, text)                                                     \
    oa2_err_set(err, 400, "invalid_client_metadata", id, text)

apr_status_t oa2_client_meta_add_logout_uri(oa2_client_t *cl, const char *uri,
                                            oa2_err_t *err, apr_pool_t *p)
{
    if (oa2_redirect_check(uri, err, p) != APR_SUCCESS) {
        /* The redirect rules' reason, under the field's name. */
        oa2_err_detail(err, p, "%s", err->description);
        err->error = "invalid_client_metadata";
        err->log_id = "OA2-00905";
        err->description = "post_logout_redirect_uris must be absolute https "
                           "URIs (http only on a loopback host) without a "
                           "fragment";
        return APR_EGENERAL;
    }
    if (!cl->post_logout_redirect_uris) {
        cl->post_logout_redirect_uris =
            apr_array_make(p, 1, sizeof(const char *));
    }
    if (!oa2_client_meta_logout_uri_registered(cl, uri)) {
        APR_ARRAY_PUSH(cl->post_logout_redirect_uris, const char *) =
            apr_pstrdup(p, uri);
    }
    return APR_SUCCESS;
}

int oa2_client_meta_logout_uri_registered(const oa2_client_t *cl,
                                          const char *uri)
{
    int i;

    for (i = 0; cl->post_logout_redirect_uris
         && i < cl->post_logout_redirect_uris->nelts;
         i++) {
        if (!strcmp(
                APR_ARRAY_IDX(cl->post_logout_redirect_uris, i, const char *),
                uri)) {
            return 1;
        }
    }
    return 0;
}

json_t *oa2_client_meta_field(json_t *doc, const char *name)
{
    json_t *v = json_object_get(doc, name);
    return json_is_null(v) ? NULL : v;
}

apr_status_t oa2_client_meta_parse(oa2_client_t *cl, const oa2_as_t *as,
                                   json_t *doc, oa2_err_t *err, apr_pool_t *p)
{
    json_t *v, *item;
    const char *alg;
    apr_status_t rv;
    size_t i;

    if ((v = oa2_client_meta_field(doc, "post_logout_redirect_uris"))) {
        if (!json_is_array(v)) {
            return BAD_META("OA2-00906",
                            "post_logout_redirect_uris must be an array of "
                            "URIs");
        }
        json_array_foreach(v, i, item)
        {
            if (!json_is_string(item)) {
                return BAD_META("OA2-00919",
                                "post_logout_redirect_uris must be an array "
                                "of URIs");
            }
            rv = oa2_client_meta_add_logout_uri(cl, json_string_value(item),
                                                err, p);
            if (rv != APR_SUCCESS) {
                return rv;
            }
        }
    }
    if ((v = oa2_client_meta_field(doc, "default_max_age"))) {
        if (!json_is_integer(v) || json_integer_value(v) < 1
            || json_integer_value(v) > OA2_CLIENT_META_MAX_AGE_MAX) {
            return BAD_META("OA2-00907",
                            "default_max_age must be a number of seconds "
                            "from 1 to 31536000");
        }
        cl->default_max_age = (int)json_integer_value(v);
    }
    /* RFC 9126 §6: this client's authorization requests must be pushed. */
    if ((v = oa2_client_meta_field(doc,
                                   "require_pushed_authorization_requests"))) {
        if (!json_is_boolean(v)) {
            return BAD_META("OA2-01301",
                            "require_pushed_authorization_requests must be "
                            "true or false");
        }
        cl->require_par = json_is_true(v);
    }
    /* RFC 9449 §5.2: every token request of this client has a proof. */
    if ((v = oa2_client_meta_field(doc, "dpop_bound_access_tokens"))) {
        if (!json_is_boolean(v)) {
            return BAD_META("OA2-01470",
                            "dpop_bound_access_tokens must be true or false");
        }
        cl->dpop_bound_access_tokens = json_is_true(v);
    }
    if ((v = oa2_client_meta_field(doc, "id_token_signed_response_alg"))) {
        alg = oa2_keys_alg_name(oa2_keys_signer(as->keys)->alg);
        if (!json_is_string(v) || strcmp(json_string_value(v), alg)) {
            oa2_err_set(err, 400, "invalid_client_metadata", "OA2-00908",
                        "id_token_signed_response_alg must be the "
                        "algorithm of this server's signing key "
                        "(id_token_signing_alg_values_supported)");
            return oa2_err_detail(err, p, "the signing key's is %s", alg);
        }
    }
    return APR_SUCCESS;
}

/* The fields @a cl has, into the object @a m: stored and registration
 * responses alike. */
static void add_fields(json_t *m, const oa2_client_t *cl)
{
    json_t *uris;
    int i;

    if (cl->post_logout_redirect_uris && cl->post_logout_redirect_uris->nelts) {
        uris = json_array();
        for (i = 0; i < cl->post_logout_redirect_uris->nelts; i++) {
            json_array_append_new(
                uris,
                json_string(APR_ARRAY_IDX(cl->post_logout_redirect_uris, i,
                                          const char *)));
        }
        json_object_set_new(m, "post_logout_redirect_uris", uris);
    }
    if (cl->default_max_age > 0) {
        json_object_set_new(m, "default_max_age",
                            json_integer(cl->default_max_age));
    }
    if (cl->require_par) {
        json_object_set_new(m, "require_pushed_authorization_requests",
                            json_true());
    }
    if (cl->dpop_bound_access_tokens) {
        json_object_set_new(m, "dpop_bound_access_tokens", json_true());
    }
}

/* The member of the stored form that marks a client read from its client
 * ID metadata document (oa2_cimd.h): when, and until when it is reused.
 * Only stored, never sent: registration responses go through
 * add_fields() alone, and nothing a registration or oauth2-admin reads
 * sets it. */
#define DOCUMENT_MEMBER "client_id_metadata_document"

const char *oa2_client_meta_encode(const oa2_client_t *cl, apr_pool_t *p)
{
    json_t *m = oa2_cleanup_json(json_object(), p);
    const char *text;

    if (!m) {
        return "";
    }
    add_fields(m, cl);
    if (cl->document_fetched_at > 0) {
        json_object_set_new(m, DOCUMENT_MEMBER,
                            json_pack("{s:I,s:I}", "fetched_at",
                                      (json_int_t)cl->document_fetched_at,
                                      "expires_at",
                                      (json_int_t)cl->document_expires_at));
    }
    if (!json_object_size(m)) {
        return "";
    }
    text = oa2_cleanup_malloced(json_dumps(m, JSON_COMPACT), p);
    return text ? text : "";
}

void oa2_client_meta_decode(oa2_client_t *cl, const char *text, apr_pool_t *p)
{
    json_t *m, *v, *item;
    oa2_err_t ignored;
    size_t i;

    cl->default_max_age = 0;
    cl->post_logout_redirect_uris = NULL;
    cl->document_fetched_at = 0;
    cl->document_expires_at = 0;
    cl->require_par = 0;
    cl->dpop_bound_access_tokens = 0;
    if (!text || !*text) {
        return;
    }
    m = oa2_cleanup_json(json_loads(text, 0, NULL), p);
    v = json_object_get(m, DOCUMENT_MEMBER);
    if (json_is_integer(json_object_get(v, "fetched_at"))
        && json_is_integer(json_object_get(v, "expires_at"))) {
        cl->document_fetched_at =
            json_integer_value(json_object_get(v, "fetched_at"));
        cl->document_expires_at =
            json_integer_value(json_object_get(v, "expires_at"));
    }
    v = json_object_get(m, "post_logout_redirect_uris");
    json_array_foreach(v, i, item)
    {
        if (json_is_string(item)) {
            oa2_client_meta_add_logout_uri(cl, json_string_value(item),
                                           &ignored, p);
        }
    }
    v = json_object_get(m, "default_max_age");
    if (json_is_integer(v) && json_integer_value(v) >= 1
        && json_integer_value(v) <= OA2_CLIENT_META_MAX_AGE_MAX) {
        cl->default_max_age = (int)json_integer_value(v);
    }
    cl->require_par = json_is_true(
        json_object_get(m, "require_pushed_authorization_requests"));
    cl->dpop_bound_access_tokens =
        json_is_true(json_object_get(m, "dpop_bound_access_tokens"));
}

void oa2_client_meta_respond(json_t *r, const oa2_client_t *cl,
                             const oa2_as_t *as)
{
    add_fields(r, cl);
    if (as && as->openid) {
        json_object_set_new(
            r, "id_token_signed_response_alg",
            json_string(oa2_keys_alg_name(oa2_keys_signer(as->keys)->alg)));
    }
}
