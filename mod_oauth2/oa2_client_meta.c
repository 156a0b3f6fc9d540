/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/* A client's OpenID Connect metadata (see oa2_client_meta.h). */
#include <string.h>

#include <apr_strings.h>

#include "oa2_cimd.h"
#include "oa2_cleanup.h"
#include "oa2_client_meta.h"
#include "oa2_fetch.h"
#include "oa2_keys.h"
#include "oa2_mtls.h"
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

/* JWK members that hold a private or secret key (RFC 7518 §6.2.2, §6.3.2,
 * §6.4.1): a client's JWK Set is public, and one that holds them is a
 * leaked key. */
static const char *const private_members[] = {"d",  "p",   "q", "dp", "dq",
                                              "qi", "oth", "k", NULL};

apr_status_t oa2_client_meta_jwks(const char **jwks, json_t *v, oa2_err_t *err,
                                  apr_pool_t *p)
{
    const char *const *m, *text, *kid;
    oa2_keyset_t *set;
    oa2_err_t why = {0};
    json_t *keys, *key;
    size_t i;

    keys = json_object_get(v, "keys");
    if (!json_is_object(v) || !json_is_array(keys) || !json_array_size(keys)
        || json_array_size(keys) > OA2_CLIENT_JWKS_MAX_KEYS) {
        return BAD_META("OA2-01600",
                        "jwks must be a JWK Set: an object whose keys is an "
                        "array of 1 to 10 public keys");
    }
    json_array_foreach(keys, i, key)
    {
        if (!json_is_object(key)) {
            return BAD_META("OA2-01609",
                            "jwks must be a JWK Set: an object whose keys "
                            "is an array of 1 to 10 public keys");
        }
        for (m = private_members; *m; m++) {
            if (json_object_get(key, *m)) {
                kid = json_string_value(json_object_get(key, "kid"));
                BAD_META("OA2-01601",
                         "jwks must hold public keys only: a key has a "
                         "private or secret member");
                return oa2_err_detail(err, p, "key %s has \"%s\"",
                                      kid ? "with a kid" : "without a kid", *m);
            }
        }
    }
    text = oa2_cleanup_malloced(json_dumps(v, JSON_COMPACT), p);
    if (!text || strlen(text) > OA2_CLIENT_JWKS_MAX_BYTES) {
        return BAD_META("OA2-01602", "jwks is larger than 8192 bytes");
    }
    if (oa2_keys_parse_jwks(&set, text, strlen(text), &why, p) != APR_SUCCESS) {
        BAD_META("OA2-01603",
                 "jwks must hold an EC P-256 (ES256) or RSA >= 2048 bits "
                 "(RS256) signature key, and no malformed key");
        return oa2_err_detail(err, p, "%s: %s", why.log_id ? why.log_id : "",
                              why.description ? why.description : "");
    }
    *jwks = text;
    return APR_SUCCESS;
}

apr_status_t oa2_client_meta_parse_keys(oa2_client_t *cl, const char *issuer,
                                        json_t *doc, oa2_err_t *err,
                                        apr_pool_t *p)
{
    json_t *jwks = oa2_client_meta_field(doc, "jwks");
    json_t *uri = oa2_client_meta_field(doc, "jwks_uri");
    json_t *alg = oa2_client_meta_field(doc, "token_endpoint_auth_signing_alg");
    const char *u = json_string_value(uri);
    oa2_err_t why = {0};
    apr_status_t rv;

    if (jwks && uri) {
        /* RFC 7591 §2: the two MUST NOT both be present. */
        return BAD_META("OA2-01605",
                        "jwks and jwks_uri must not both be given");
    }
    if (jwks
        && (rv = oa2_client_meta_jwks(&cl->jwks, jwks, err, p))
            != APR_SUCCESS) {
        return rv;
    }
    if (uri) {
        if (!u || !*u || strlen(u) > OA2_CLIENT_JWKS_URI_MAX
            || oa2_fetch_check_url(u, oa2_cimd_reach(issuer, p), &why, p)
                != APR_SUCCESS) {
            BAD_META("OA2-01604",
                     "jwks_uri must be an https URL of at most 512 "
                     "characters without user name, password or fragment "
                     "(http only on a loopback host of a loopback issuer)");
            return u
                ? oa2_err_detail(err, p, "%s %s",
                                 why.log_id ? why.log_id : "too long or empty:",
                                 why.description ? why.description : "")
                : APR_EGENERAL;
        }
        cl->jwks_uri = apr_pstrdup(p, u);
    }
    if (alg) {
        if (!json_is_string(alg)
            || oa2_keys_alg_from_name(json_string_value(alg))
                == OA2_ALG_UNSUPPORTED) {
            return BAD_META("OA2-01606",
                            "token_endpoint_auth_signing_alg must be ES256 "
                            "or RS256");
        }
        cl->auth_signing_alg =
            oa2_keys_alg_name(oa2_keys_alg_from_name(json_string_value(alg)));
    }
    return APR_SUCCESS;
}

int oa2_client_meta_has_keys(const oa2_client_t *cl)
{
    return (cl->jwks && *cl->jwks) || (cl->jwks_uri && *cl->jwks_uri);
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
    return oa2_client_meta_parse_keys(cl, as->issuer, doc, err, p);
}

/* A string member @a name of @a doc into @a out (NULL when absent). */
static apr_status_t tls_string(const char **out, json_t *doc, const char *name,
                               oa2_err_t *err, apr_pool_t *p)
{
    json_t *v = oa2_client_meta_field(doc, name);

    *out = NULL;
    if (!v) {
        return APR_SUCCESS;
    }
    if (!json_is_string(v)) {
        return oa2_err_setf(err, 400, "invalid_client_metadata", "OA2-01555", p,
                            "%s must be a string", name);
    }
    *out = apr_pstrdup(p, json_string_value(v));
    return APR_SUCCESS;
}

apr_status_t oa2_client_meta_parse_tls(oa2_client_t *cl, json_t *doc,
                                       oa2_err_t *err, apr_pool_t *p)
{
    const char **sans[] = {&cl->tls_san_dns, &cl->tls_san_uri, &cl->tls_san_ip,
                           &cl->tls_san_email};
    static const char *const san_names[] = {
        "tls_client_auth_san_dns", "tls_client_auth_san_uri",
        "tls_client_auth_san_ip", "tls_client_auth_san_email"};
    apr_status_t rv;
    json_t *v;
    int i;

    if ((rv = tls_string(&cl->tls_subject_dn, doc, "tls_client_auth_subject_dn",
                         err, p))
        != APR_SUCCESS) {
        return rv;
    }
    if (cl->tls_subject_dn
        && (rv = oa2_mtls_check_dn(cl->tls_subject_dn, err, p))
            != APR_SUCCESS) {
        return rv;
    }
    for (i = 0; i < 4; i++) {
        if ((rv = tls_string(sans[i], doc, san_names[i], err, p))
            != APR_SUCCESS) {
            return rv;
        }
        if (*sans[i]
            && (rv = oa2_mtls_check_san((oa2_mtls_san_t)i, *sans[i], err, p))
                != APR_SUCCESS) {
            return rv;
        }
    }
    if ((v = oa2_client_meta_field(
             doc, "tls_client_certificate_bound_access_tokens"))) {
        if (!json_is_boolean(v)) {
            return BAD_META("OA2-01556",
                            "tls_client_certificate_bound_access_tokens "
                            "must be true or false");
        }
        cl->tls_bound_tokens = json_is_true(v);
    }
    /* jwks, which self_signed_tls_client_auth needs, is read with the
     * other keys (oa2_client_meta_parse_keys()). */
    return APR_SUCCESS;
}

/* The mutual TLS members of @a cl, into the object @a m. */
static void add_tls_fields(json_t *m, const oa2_client_t *cl)
{
    if (cl->tls_subject_dn) {
        json_object_set_new(m, "tls_client_auth_subject_dn",
                            json_string(cl->tls_subject_dn));
    }
    if (cl->tls_san_dns) {
        json_object_set_new(m, "tls_client_auth_san_dns",
                            json_string(cl->tls_san_dns));
    }
    if (cl->tls_san_uri) {
        json_object_set_new(m, "tls_client_auth_san_uri",
                            json_string(cl->tls_san_uri));
    }
    if (cl->tls_san_ip) {
        json_object_set_new(m, "tls_client_auth_san_ip",
                            json_string(cl->tls_san_ip));
    }
    if (cl->tls_san_email) {
        json_object_set_new(m, "tls_client_auth_san_email",
                            json_string(cl->tls_san_email));
    }
    if (cl->tls_bound_tokens) {
        json_object_set_new(m, "tls_client_certificate_bound_access_tokens",
                            json_true());
    }
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
    add_tls_fields(m, cl);
    if (cl->jwks && *cl->jwks) {
        json_object_set_new(m, "jwks", json_loads(cl->jwks, 0, NULL));
    }
    if (cl->jwks_uri && *cl->jwks_uri) {
        json_object_set_new(m, "jwks_uri", json_string(cl->jwks_uri));
    }
    if (cl->auth_signing_alg) {
        json_object_set_new(m, "token_endpoint_auth_signing_alg",
                            json_string(cl->auth_signing_alg));
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

/* A stored string member, or NULL. */
static const char *stored_string(json_t *m, const char *name, apr_pool_t *p)
{
    const char *s = json_string_value(json_object_get(m, name));
    return s ? apr_pstrdup(p, s) : NULL;
}

/* The mutual TLS members of a stored form @a m (add_tls_fields()). */
static void decode_tls(oa2_client_t *cl, json_t *m, apr_pool_t *p)
{
    cl->tls_subject_dn = stored_string(m, "tls_client_auth_subject_dn", p);
    cl->tls_san_dns = stored_string(m, "tls_client_auth_san_dns", p);
    cl->tls_san_uri = stored_string(m, "tls_client_auth_san_uri", p);
    cl->tls_san_ip = stored_string(m, "tls_client_auth_san_ip", p);
    cl->tls_san_email = stored_string(m, "tls_client_auth_san_email", p);
    cl->tls_bound_tokens = json_is_true(
        json_object_get(m, "tls_client_certificate_bound_access_tokens"));
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
    cl->jwks = cl->jwks_uri = cl->auth_signing_alg = NULL;
    cl->tls_subject_dn = NULL;
    cl->tls_san_dns = cl->tls_san_uri = NULL;
    cl->tls_san_ip = cl->tls_san_email = NULL;
    cl->tls_bound_tokens = 0;
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
    decode_tls(cl, m, p);
    /* Checked when registered: kept as they are. */
    v = json_object_get(m, "jwks");
    cl->jwks = json_is_object(v)
        ? oa2_cleanup_malloced(json_dumps(v, JSON_COMPACT), p)
        : NULL;
    v = json_object_get(m, "jwks_uri");
    cl->jwks_uri =
        json_is_string(v) ? apr_pstrdup(p, json_string_value(v)) : NULL;
    v = json_object_get(m, "token_endpoint_auth_signing_alg");
    cl->auth_signing_alg =
        oa2_keys_alg_name(oa2_keys_alg_from_name(json_string_value(v)));
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
