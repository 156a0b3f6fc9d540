/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/* RP-Initiated Logout (see oa2_logout.h). */
#include <string.h>

#include <apr_strings.h>

#include "oa2_client_meta.h"
#include "oa2_csrf.h"
#include "oa2_jwt.h"
#include "oa2_logout.h"

#define BAD(id, text) oa2_err_set(err, 400, "invalid_request", id, text)

/* The audience of an ID token: its aud, one string or a one-element
 * array (ours are strings); NULL otherwise. */
static const char *audience_of(json_t *claims)
{
    json_t *aud = json_object_get(claims, "aud");

    if (json_is_array(aud) && json_array_size(aud) == 1) {
        aud = json_array_get(aud, 0);
    }
    return json_string_value(aud);
}

/* An id_token_hint this server issued: signature by one of its keys,
 * its issuer, issued within the refresh token lifetime (a login that may
 * still have grants). */
static apr_status_t check_hint(oa2_logout_t *lo, const char **aud,
                               const oa2_as_t *as, const char *hint,
                               apr_int64_t now, oa2_err_t *err, apr_pool_t *p)
{
    oa2_jwt_t *jwt;
    json_t *iat;
    oa2_err_t why;

    if (oa2_jwt_verify(&jwt, hint, strlen(hint), as->keys, "JWT", &why, p)
        != APR_SUCCESS) {
        BAD("OA2-00909", "id_token_hint is not an ID token of this server");
        return oa2_err_detail(err, p, "%s", why.description);
    }
    iat = json_object_get(jwt->claims, "iat");
    if (!json_is_string(json_object_get(jwt->claims, "iss"))
        || strcmp(json_string_value(json_object_get(jwt->claims, "iss")),
                  as->issuer)) {
        return BAD("OA2-00917",
                   "id_token_hint is not an ID token of this server's "
                   "issuer");
    }
    if (!json_is_integer(iat) || json_integer_value(iat) > now + 60
        || now - json_integer_value(iat) > as->refresh_ttl) {
        return BAD("OA2-00910", "id_token_hint is too old");
    }
    *aud = audience_of(jwt->claims);
    lo->sub = json_string_value(json_object_get(jwt->claims, "sub"));
    if (!*aud || !lo->sub) {
        return BAD("OA2-00918", "id_token_hint names no client or user");
    }
    lo->hinted = 1;
    return APR_SUCCESS;
}

apr_status_t oa2_logout_parse(oa2_logout_t **out, const oa2_as_t *as,
                              oa2_store_t *st, const oa2_form_t *params,
                              apr_int64_t now, oa2_err_t *err, apr_pool_t *p)
{
    oa2_logout_t *lo = apr_pcalloc(p, sizeof(*lo));
    const char *hint, *client_id, *uri, *aud = NULL;
    oa2_client_t *client;
    apr_status_t rv;

    *out = lo;
    if (oa2_form_repeated(params)) {
        BAD("OA2-00911", "a parameter is repeated");
        return oa2_err_detail(err, p, "repeated: %s",
                              oa2_form_safe_name(oa2_form_repeated(params)));
    }
    /* Single now (repeats refused above): absent is NULL. The form's
     * empty hidden fields count as absent. */
    oa2_form_single(&hint, params, "id_token_hint", 0, err, p);
    oa2_form_single(&client_id, params, "client_id", 0, err, p);
    oa2_form_single(&uri, params, "post_logout_redirect_uri", 0, err, p);
    oa2_form_single(&lo->state, params, "state", 0, err, p);
    if (hint && *hint
        && (rv = check_hint(lo, &aud, as, hint, now, err, p)) != APR_SUCCESS) {
        return rv;
    }
    if (client_id && *client_id && aud && strcmp(client_id, aud)) {
        return BAD("OA2-00912",
                   "client_id is not the audience of id_token_hint");
    }
    if (!(client_id && *client_id)) {
        client_id = aud;
    }
    if (client_id) {
        rv = oa2_store_client_get(&client, st, client_id, err, p);
        if (rv == APR_NOTFOUND) {
            return BAD("OA2-00913", "the client is unknown");
        }
        if (rv != APR_SUCCESS) {
            return rv;
        }
        lo->client = client;
    }
    if (uri && *uri) {
        if (!lo->client) {
            return BAD("OA2-00914",
                       "post_logout_redirect_uri needs client_id or "
                       "id_token_hint");
        }
        if (!oa2_client_meta_logout_uri_registered(lo->client, uri)) {
            return BAD("OA2-00915",
                       "post_logout_redirect_uri is not registered for this "
                       "client");
        }
        lo->redirect_uri = uri;
    }
    if (lo->state && !*lo->state) {
        lo->state = NULL;
    }
    return APR_SUCCESS;
}

const char *oa2_logout_location(const oa2_logout_t *lo, apr_pool_t *p)
{
    if (!lo->redirect_uri) {
        return NULL;
    }
    return oa2_form_append(p, lo->redirect_uri, "state", lo->state, NULL);
}

/* What a confirmation form binds: the label, the client, where it goes
 * afterwards and the state. */
#define LOGOUT_FIELDS(lo)                                                      \
    {                                                                          \
        "logout", (lo)->client ? (lo)->client->client_id : "",                 \
            (lo)->redirect_uri, (lo)->state                                    \
    }

const char *oa2_logout_csrf_make(const oa2_as_t *as, const oa2_logout_t *lo,
                                 apr_int64_t now, apr_pool_t *p)
{
    const char *fields[] = LOGOUT_FIELDS(lo);

    return oa2_csrf_make_for(as, fields, sizeof(fields) / sizeof(*fields), now,
                             p);
}

apr_status_t oa2_logout_csrf_check(const oa2_as_t *as, const oa2_logout_t *lo,
                                   const char *token, apr_int64_t now,
                                   oa2_err_t *err, apr_pool_t *p)
{
    const char *fields[] = LOGOUT_FIELDS(lo);

    return oa2_csrf_check_for(as, token, fields,
                              sizeof(fields) / sizeof(*fields), now, err, p);
}
