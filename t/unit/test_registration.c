/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/*
 * The AS's client-facing back-channel cores: dynamic client registration
 * (RFC 7591), introspection (RFC 7662) and revocation (RFC 7009). The
 * metadata checks and the response builders run without a database; the
 * rest runs over real SQL (store_fixture.c).
 */
#include <string.h>

#include <apr_strings.h>
#include <jansson.h>

#include "oa2_cleanup.h"
#include "oa2_grant.h"
#include "oa2_issue.h"
#include "oa2_introspect.h"
#include "oa2_registration.h"
#include "oa2_revoke.h"
#include "oa2_secret.h"
#include "store_fixture.h"
#include "unit.h"

#define ISS "https://as.example"
#define CB "https://app.example/cb"
#define NOW 1800000000

/* Parse registration JSON @a text. */
#define PARSE(cl, as, text, err)                                               \
    oa2_registration_parse(&(cl), (as), (text), strlen(text), &(err), p)

/* Check that registration JSON @a text is refused with @a code and @a id. */
#define REFUSED(as, text, code, id)                                            \
    do {                                                                       \
        oa2_client_t *cl_ = NULL;                                              \
        oa2_err_t err_ = {0};                                                  \
        UNIT_REFUSED(PARSE(cl_, (as), (text), err_), err_, 400, (code), (id)); \
        UNIT_ASSERT(err_.description &&*err_.description);                     \
    } while (0)

#define META "invalid_client_metadata"
#define REDIRECT "invalid_redirect_uri"

static json_t *json_of(const char *text, apr_pool_t *p)
{
    return oa2_cleanup_json(json_loads(text, 0, NULL), p);
}

static const char *str_of(json_t *doc, const char *name)
{
    return json_string_value(json_object_get(doc, name));
}

static oa2_form_t *form_of(const char *text, apr_pool_t *p)
{
    oa2_form_t *f = NULL;
    oa2_form_parse(&f, text, strlen(text), NULL, p);
    return f;
}

/* ---- registration: metadata ---------------------------------------------- */

static void test_defaults(apr_pool_t *p)
{
    oa2_as_t *as = fixture_as(ISS, p);
    oa2_client_t *cl = NULL;
    oa2_err_t err;

    UNIT_ASSERT(as);
    UNIT_EQ_INT(PARSE(cl, as, "{\"redirect_uris\":[\"" CB "\"]}", err),
                APR_SUCCESS);
    UNIT_EQ_STR(cl->name, "client");
    UNIT_EQ_STR(cl->grant_types, "authorization_code");
    UNIT_EQ_STR(cl->auth_method, "client_secret_basic");
    UNIT_EQ_STR(cl->scope, "");
    UNIT_EQ_INT(cl->redirect_uris->nelts, 1);
    UNIT_EQ_STR(APR_ARRAY_IDX(cl->redirect_uris, 0, const char *), CB);
    UNIT_ASSERT(!cl->client_id);
}

static void test_full_metadata(apr_pool_t *p)
{
    oa2_as_t *as = fixture_as(ISS, p);
    oa2_client_t *cl = NULL;
    oa2_err_t err;
    const char *text =
        "{\"client_name\":\"My App\",\"redirect_uris\":[\"" CB
        "\",\"http://127.0.0.1/cb\",\"" CB "\"],"
        "\"grant_types\":[\"authorization_code\",\"refresh_token\","
        "\"refresh_token\"],\"response_types\":[\"code\"],"
        "\"token_endpoint_auth_method\":\"client_secret_post\","
        "\"scope\":\"read write read\",\"logo_uri\":\"https://x/l.png\","
        "\"contacts\":[\"a@b\"],\"software_id\":42}";

    UNIT_ASSERT(as);
    UNIT_EQ_INT(PARSE(cl, as, text, err), APR_SUCCESS);
    UNIT_EQ_STR(cl->name, "My App");
    UNIT_EQ_STR(cl->grant_types, "authorization_code refresh_token");
    UNIT_EQ_STR(cl->auth_method, "client_secret_post");
    UNIT_EQ_STR(cl->scope, "read write");
    UNIT_EQ_INT(cl->redirect_uris->nelts, 2); /* duplicate dropped */
    UNIT_EQ_STR(APR_ARRAY_IDX(cl->redirect_uris, 1, const char *),
                "http://127.0.0.1/cb");
}

static void test_client_credentials_without_redirect(apr_pool_t *p)
{
    oa2_as_t *as = fixture_as(ISS, p);
    oa2_client_t *cl = NULL;
    oa2_err_t err;

    UNIT_ASSERT(as);
    UNIT_EQ_INT(PARSE(cl, as,
                      "{\"grant_types\":[\"client_credentials\"],"
                      "\"response_types\":[],\"scope\":\"read\"}",
                      err),
                APR_SUCCESS);
    UNIT_EQ_STR(cl->grant_types, "client_credentials");
    UNIT_EQ_INT(cl->redirect_uris->nelts, 0);
    /* with another grant, a redirect URI is needed again */
    REFUSED(as, "{\"grant_types\":[\"client_credentials\",\"refresh_token\"]}",
            REDIRECT, "OA2-00749");
}

static void test_null_is_absent(apr_pool_t *p)
{
    oa2_as_t *as = fixture_as(ISS, p);
    oa2_client_t *cl = NULL;
    oa2_err_t err;

    UNIT_ASSERT(as);
    UNIT_EQ_INT(PARSE(cl, as,
                      "{\"redirect_uris\":[\"" CB "\"],\"client_name\":null,"
                      "\"grant_types\":null,\"response_types\":null,"
                      "\"token_endpoint_auth_method\":null,\"scope\":null}",
                      err),
                APR_SUCCESS);
    UNIT_EQ_STR(cl->name, "client");
    UNIT_EQ_STR(cl->grant_types, "authorization_code");
    UNIT_EQ_STR(cl->auth_method, "client_secret_basic");
    UNIT_EQ_STR(cl->scope, "");
    REFUSED(as, "{\"redirect_uris\":null}", REDIRECT, "OA2-00749");
}

static void test_not_an_object(apr_pool_t *p)
{
    oa2_as_t *as = fixture_as(ISS, p);

    UNIT_ASSERT(as);
    REFUSED(as, "", META, "OA2-00756");
    REFUSED(as, "not json", META, "OA2-00756");
    REFUSED(as, "[\"" CB "\"]", META, "OA2-00756");
    REFUSED(as, "\"x\"", META, "OA2-00756");
    REFUSED(as, "{\"redirect_uris\":[\"" CB "\"]} trailing", META, "OA2-00756");
    /* a duplicate member is ambiguous */
    REFUSED(as,
            "{\"redirect_uris\":[\"" CB "\"],\"scope\":\"read\","
            "\"scope\":\"write\"}",
            META, "OA2-00756");
}

static void test_redirect_uris(apr_pool_t *p)
{
    oa2_as_t *as = fixture_as(ISS, p);
    oa2_client_t *cl = NULL;
    oa2_err_t err = {0};

    UNIT_ASSERT(as);
    REFUSED(as, "{}", REDIRECT, "OA2-00749");
    REFUSED(as, "{\"redirect_uris\":[]}", REDIRECT, "OA2-00749");
    REFUSED(as, "{\"redirect_uris\":\"" CB "\"}", REDIRECT, "OA2-00748");
    REFUSED(as, "{\"redirect_uris\":[\"" CB "\",7]}", REDIRECT, "OA2-00750");
    /* each URI goes through oa2_redirect_check() */
    UNIT_EQ_INT(PARSE(cl, as,
                      "{\"redirect_uris\":[\"" CB
                      "\",\"http://app.example/cb\"]}",
                      err),
                APR_EGENERAL);
    UNIT_EQ_INT(err.status, 400);
    UNIT_EQ_STR(err.error, REDIRECT);
    UNIT_EQ_INT(
        PARSE(cl, as, "{\"redirect_uris\":[\"javascript:alert(1)//.x\"]}", err),
        APR_EGENERAL);
    UNIT_EQ_STR(err.error, REDIRECT);
    UNIT_EQ_INT(PARSE(cl, as, "{\"redirect_uris\":[\"" CB "#frag\"]}", err),
                APR_EGENERAL);
    UNIT_EQ_STR(err.error, REDIRECT);
}

static void test_grant_types(apr_pool_t *p)
{
    oa2_as_t *as = fixture_as(ISS, p);

    UNIT_ASSERT(as);
    REFUSED(as, "{\"redirect_uris\":[\"" CB "\"],\"grant_types\":[]}", META,
            "OA2-00743");
    REFUSED(as,
            "{\"redirect_uris\":[\"" CB "\"],"
            "\"grant_types\":\"authorization_code\"}",
            META, "OA2-00743");
    REFUSED(as,
            "{\"redirect_uris\":[\"" CB "\"],"
            "\"grant_types\":[\"authorization_code\",\"implicit\"]}",
            META, "OA2-00744");
    REFUSED(as,
            "{\"redirect_uris\":[\"" CB "\"],"
            "\"grant_types\":[\"password\"]}",
            META, "OA2-00744");
    REFUSED(as, "{\"redirect_uris\":[\"" CB "\"],\"grant_types\":[null]}", META,
            "OA2-00744");
}

static void test_response_types(apr_pool_t *p)
{
    oa2_as_t *as = fixture_as(ISS, p);

    UNIT_ASSERT(as);
    REFUSED(as, "{\"redirect_uris\":[\"" CB "\"],\"response_types\":\"code\"}",
            META, "OA2-00745");
    REFUSED(as,
            "{\"redirect_uris\":[\"" CB "\"],\"response_types\":[\"token\"]}",
            META, "OA2-00746");
    REFUSED(as,
            "{\"redirect_uris\":[\"" CB "\"],"
            "\"response_types\":[\"code\",\"id_token\"]}",
            META, "OA2-00746");
    /* code and the authorization_code grant go together (RFC 7591 §2.1) */
    REFUSED(as, "{\"redirect_uris\":[\"" CB "\"],\"response_types\":[]}", META,
            "OA2-00747");
    REFUSED(as,
            "{\"grant_types\":[\"client_credentials\"],"
            "\"response_types\":[\"code\"]}",
            META, "OA2-00747");
}

static void test_auth_method(apr_pool_t *p)
{
    oa2_as_t *as = fixture_as(ISS, p);
    oa2_client_t *cl = NULL;
    oa2_err_t err;

    UNIT_ASSERT(as);
    UNIT_EQ_INT(PARSE(cl, as,
                      "{\"redirect_uris\":[\"" CB "\"],"
                      "\"token_endpoint_auth_method\":\"none\"}",
                      err),
                APR_SUCCESS);
    UNIT_EQ_STR(cl->auth_method, "none");
    /* private_key_jwt needs the client's keys */
    REFUSED(as,
            "{\"redirect_uris\":[\"" CB "\"],"
            "\"token_endpoint_auth_method\":\"private_key_jwt\"}",
            META, "OA2-01607");
    REFUSED(as,
            "{\"redirect_uris\":[\"" CB "\"],"
            "\"token_endpoint_auth_method\":\"client_secret_jwt\"}",
            META, "OA2-00757");
    REFUSED(as,
            "{\"redirect_uris\":[\"" CB "\"],"
            "\"token_endpoint_auth_method\":1}",
            META, "OA2-00757");
    REFUSED(as,
            "{\"grant_types\":[\"client_credentials\"],"
            "\"token_endpoint_auth_method\":\"none\"}",
            META, "OA2-00758");
}

static void test_client_name(apr_pool_t *p)
{
    oa2_as_t *as = fixture_as(ISS, p);
    oa2_client_t *cl = NULL;
    oa2_err_t err;
    char *name = apr_palloc(p, 2 * OA2_REGISTRATION_NAME_MAX + 2);
    int i;

    UNIT_ASSERT(as);
    /* 200 two-byte characters: 400 bytes, within the limit */
    for (i = 0; i < OA2_REGISTRATION_NAME_MAX; i++) {
        memcpy(name + 2 * i, "\xc3\xa9", 2);
    }
    name[2 * i] = '\0';
    UNIT_EQ_INT(PARSE(cl, as,
                      apr_pstrcat(p, "{\"redirect_uris\":[\"" CB "\"],",
                                  "\"client_name\":\"", name, "\"}", NULL),
                      err),
                APR_SUCCESS);
    UNIT_EQ_STR(cl->name, name);
    REFUSED(as,
            apr_pstrcat(p, "{\"redirect_uris\":[\"" CB "\"],",
                        "\"client_name\":\"", name, "x\"}", NULL),
            META, "OA2-00753");
    UNIT_REFUSED(PARSE(cl, as,
                       apr_pstrcat(p, "{\"redirect_uris\":[\"" CB "\"],",
                                   "\"client_name\":\"", name, "x\"}", NULL),
                       err),
                 err, 400, META, "OA2-00753");
    UNIT_EQ_STR(err.description, "client_name is longer than 200 characters");
    REFUSED(as, "{\"redirect_uris\":[\"" CB "\"],\"client_name\":[\"a\"]}",
            META, "OA2-00751");
    REFUSED(as, "{\"redirect_uris\":[\"" CB "\"],\"client_name\":\"a\\nb\"}",
            META, "OA2-00752");
    REFUSED(as,
            "{\"redirect_uris\":[\"" CB "\"],\"client_name\":\"a\\u0000b\"}",
            META, "OA2-00756"); /* jansson refuses NUL in strings */
    UNIT_EQ_INT(PARSE(cl, as,
                      "{\"redirect_uris\":[\"" CB "\"],\"client_name\":\"\"}",
                      err),
                APR_SUCCESS);
    UNIT_EQ_STR(cl->name, "client");
}

/* Issue 12: what would make the consent page read as another name. */
static void test_client_name_display(apr_pool_t *p)
{
    oa2_as_t *as = fixture_as(ISS, p);
    oa2_client_t *cl = NULL;
    oa2_err_t err = {0};
    /* JSON escapes of bidi controls, C1 controls and separators */
    static const char *const bidi[] = {
        "\\u202e", "\\u202a", "\\u200f", "\\u061c", "\\u2066", "\\u2069", NULL};
    static const char *const control[] = {
        "\\u0085", "\\u009b", "\\u0080", "\\u009f", "\\u007f", "\\u2028", NULL};
    /* Arabic, Hebrew, CJK, an emoji with ZWJ (U+200D is no bidi control) */
    static const char *const fine[] = {
        "\xd8\xaa\xd8\xb7\xd8\xa8\xd9\x8a\xd9\x82",
        "\xd7\x99\xd7\x99\xd7\xa9\xd7\x95\xd7\x9d",
        "\xe5\xba\x94\xe7\x94\xa8",
        "\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x91\xa7 app",
        "\\u00a0x",
        NULL};
    int i;

    UNIT_ASSERT(as);
    for (i = 0; bidi[i]; i++) {
        const char *doc = apr_pstrcat(p, "{\"redirect_uris\":[\"" CB "\"],",
                                      "\"client_name\":\"evil", bidi[i],
                                      "moc.elpmaxe\"}", NULL);
        UNIT_REFUSED(PARSE(cl, as, doc, err), err, 400, META, "OA2-00800");
        UNIT_EQ_STR(err.description,
                    "client_name contains bidirectional formatting "
                    "characters");
    }
    for (i = 0; control[i]; i++) {
        const char *doc =
            apr_pstrcat(p, "{\"redirect_uris\":[\"" CB "\"],",
                        "\"client_name\":\"a", control[i], "b\"}", NULL);
        UNIT_REFUSED(PARSE(cl, as, doc, err), err, 400, META, "OA2-00752");
        UNIT_EQ_STR(err.description, "client_name contains control characters");
    }
    for (i = 0; fine[i]; i++) {
        const char *doc =
            apr_pstrcat(p, "{\"redirect_uris\":[\"" CB "\"],",
                        "\"client_name\":\"", fine[i], "\"}", NULL);
        UNIT_EQ_INT(PARSE(cl, as, doc, err), APR_SUCCESS);
    }
}

/* The readers client ID metadata documents (oa2_cimd.c) and oauth2-admin
 * share, called as they call them. */
static void test_readers(apr_pool_t *p)
{
    apr_array_header_t *list = NULL;
    const char *name = NULL, *cb = apr_pstrdup(p, CB);
    oa2_err_t err = {0};

    /* grant_types: absent is the code grant; repeats dropped, order kept */
    UNIT_EQ_INT(oa2_registration_parse_grants(&list, NULL, &err, p),
                APR_SUCCESS);
    UNIT_EQ_INT(list->nelts, 1);
    UNIT_EQ_STR(APR_ARRAY_IDX(list, 0, const char *), "authorization_code");
    UNIT_EQ_INT(oa2_registration_parse_grants(
                    &list,
                    json_of("[\"refresh_token\",\"client_credentials\","
                            "\"refresh_token\"]",
                            p),
                    &err, p),
                APR_SUCCESS);
    UNIT_EQ_INT(list->nelts, 2);
    UNIT_EQ_STR(APR_ARRAY_IDX(list, 0, const char *), "refresh_token");
    UNIT_EQ_STR(APR_ARRAY_IDX(list, 1, const char *), "client_credentials");
    UNIT_REFUSED(
        oa2_registration_parse_grants(&list, json_of("[\"x\"]", p), &err, p),
        err, 400, META, "OA2-00744");
    /* response_types: without grants, code only and nothing paired; with
     * them (here no authorization_code), paired */
    UNIT_EQ_INT(oa2_registration_check_response_types(NULL, NULL, &err),
                APR_SUCCESS);
    UNIT_EQ_INT(
        oa2_registration_check_response_types(json_of("[]", p), NULL, &err),
        APR_SUCCESS);
    UNIT_EQ_INT(oa2_registration_check_response_types(json_of("[\"code\"]", p),
                                                      NULL, &err),
                APR_SUCCESS);
    UNIT_REFUSED(oa2_registration_check_response_types(
                     json_of("[\"code\",\"token\"]", p), NULL, &err),
                 err, 400, META, "OA2-00746");
    UNIT_REFUSED(oa2_registration_check_response_types(json_of("[\"code\"]", p),
                                                       list, &err),
                 err, 400, META, "OA2-00747");
    /* redirect URIs: checked, copied, repeats dropped */
    list = apr_array_make(p, 1, sizeof(const char *));
    UNIT_EQ_INT(oa2_registration_add_redirect_uri(list, cb, &err, p),
                APR_SUCCESS);
    UNIT_EQ_INT(oa2_registration_add_redirect_uri(list, CB, &err, p),
                APR_SUCCESS);
    UNIT_EQ_INT(list->nelts, 1);
    UNIT_EQ_STR(APR_ARRAY_IDX(list, 0, const char *), CB);
    UNIT_ASSERT(APR_ARRAY_IDX(list, 0, const char *) != cb);
    UNIT_REFUSED(
        oa2_registration_add_redirect_uri(list, "javascript:x", &err, p), err,
        400, REDIRECT, "OA2-00143");
    UNIT_EQ_INT(list->nelts, 1);
    /* client_name: the caller's fallback when absent or empty */
    UNIT_EQ_INT(
        oa2_registration_parse_name(&name, NULL, "host.example", &err, p),
        APR_SUCCESS);
    UNIT_EQ_STR(name, "host.example");
    UNIT_EQ_INT(
        oa2_registration_parse_name(&name, oa2_cleanup_json(json_string(""), p),
                                    "host.example", &err, p),
        APR_SUCCESS);
    UNIT_EQ_STR(name, "host.example");
    UNIT_EQ_INT(oa2_registration_parse_name(
                    &name, oa2_cleanup_json(json_string("App"), p),
                    "host.example", &err, p),
                APR_SUCCESS);
    UNIT_EQ_STR(name, "App");
    UNIT_REFUSED(oa2_registration_parse_name(
                     &name, oa2_cleanup_json(json_integer(7), p), "x", &err, p),
                 err, 400, META, "OA2-00751");
    UNIT_EQ_STR(OA2_REGISTRATION_NAME_MAX_TEXT, "200");
}

static void test_scope(apr_pool_t *p)
{
    oa2_as_t *as = fixture_as(ISS, p);
    oa2_client_t *cl = NULL;
    oa2_err_t err;

    UNIT_ASSERT(as);
    UNIT_EQ_INT(
        PARSE(cl, as, "{\"redirect_uris\":[\"" CB "\"],\"scope\":\"\"}", err),
        APR_SUCCESS);
    UNIT_EQ_STR(cl->scope, "");
    REFUSED(as, "{\"redirect_uris\":[\"" CB "\"],\"scope\":\"read admin\"}",
            META, "OA2-00755");
    REFUSED(as, "{\"redirect_uris\":[\"" CB "\"],\"scope\":[\"read\"]}", META,
            "OA2-00754");
    REFUSED(as, "{\"redirect_uris\":[\"" CB "\"],\"scope\":\"read\\twrite\"}",
            META, "OA2-00755");
    /* issue 12: the scope sent is named in the log only */
    UNIT_REFUSED(PARSE(cl, as,
                       "{\"redirect_uris\":[\"" CB "\"],"
                       "\"scope\":\"read <img/src=x>\"}",
                       err),
                 err, 400, META, "OA2-00755");
    UNIT_DESCRIPTION_FIXED(err, "<img/src=x>");
    UNIT_HAS_STR(err.detail, "OA2-00231");
    UNIT_HAS_STR(err.detail, "scope <img/src=x>");
}

/* ---- registration: response and initial access token ------------------- */

static void test_response(apr_pool_t *p)
{
    oa2_as_t *as = fixture_as(ISS, p);
    oa2_client_t *cl = NULL;
    oa2_err_t err;
    json_t *doc;

    UNIT_ASSERT(as);
    UNIT_EQ_INT(PARSE(cl, as,
                      "{\"redirect_uris\":[\"" CB "\"],\"client_name\":\"A\","
                      "\"grant_types\":[\"authorization_code\","
                      "\"refresh_token\"],\"scope\":\"read\"}",
                      err),
                APR_SUCCESS);
    cl->client_id = "id-1";
    cl->created_at = NOW;
    doc = json_of(oa2_registration_response(cl, NULL, "s3cret", p), p);
    UNIT_ASSERT(doc);
    UNIT_EQ_STR(str_of(doc, "client_id"), "id-1");
    UNIT_EQ_STR(str_of(doc, "client_secret"), "s3cret");
    UNIT_EQ_INT(json_integer_value(json_object_get(doc, "client_id_issued_at")),
                NOW);
    UNIT_ASSERT(
        json_is_integer(json_object_get(doc, "client_secret_expires_at")));
    UNIT_EQ_INT(
        json_integer_value(json_object_get(doc, "client_secret_expires_at")),
        0);
    UNIT_EQ_STR(str_of(doc, "client_name"), "A");
    UNIT_EQ_STR(json_string_value(
                    json_array_get(json_object_get(doc, "redirect_uris"), 0)),
                CB);
    UNIT_EQ_INT(json_array_size(json_object_get(doc, "grant_types")), 2);
    UNIT_EQ_STR(json_string_value(
                    json_array_get(json_object_get(doc, "grant_types"), 1)),
                "refresh_token");
    UNIT_EQ_STR(json_string_value(
                    json_array_get(json_object_get(doc, "response_types"), 0)),
                "code");
    UNIT_EQ_STR(str_of(doc, "token_endpoint_auth_method"),
                "client_secret_basic");
    UNIT_EQ_STR(str_of(doc, "scope"), "read");
}

static void test_response_public_machine(apr_pool_t *p)
{
    oa2_as_t *as = fixture_as(ISS, p);
    oa2_client_t *cl = NULL;
    oa2_err_t err;
    json_t *doc;

    UNIT_ASSERT(as);
    UNIT_EQ_INT(
        PARSE(cl, as, "{\"grant_types\":[\"client_credentials\"]}", err),
        APR_SUCCESS);
    cl->client_id = "m2m";
    doc = json_of(oa2_registration_response(cl, NULL, NULL, p), p);
    UNIT_ASSERT(doc);
    UNIT_ASSERT(!json_object_get(doc, "client_secret"));
    UNIT_ASSERT(!json_object_get(doc, "client_secret_expires_at"));
    UNIT_ASSERT(!json_object_get(doc, "redirect_uris"));
    UNIT_ASSERT(!json_object_get(doc, "response_types"));
    UNIT_ASSERT(!json_object_get(doc, "scope"));
    UNIT_ASSERT(json_object_get(doc, "client_id_issued_at"));
}

static void test_initial_access_token(apr_pool_t *p)
{
    oa2_err_t err = {0};

    UNIT_EQ_INT(oa2_registration_check_token("t0ken", "Bearer t0ken", &err, p),
                APR_SUCCESS);
    UNIT_EQ_INT(oa2_registration_check_token("t0ken", "bearer t0ken", &err, p),
                APR_SUCCESS);
    UNIT_REFUSED(oa2_registration_check_token("t0ken", NULL, &err, p), err, 401,
                 "invalid_token", "OA2-00741");
    UNIT_REFUSED(oa2_registration_check_token("t0ken", "Basic dTpw", &err, p),
                 err, 401, "invalid_token", "OA2-00741");
    UNIT_REFUSED(oa2_registration_check_token("t0ken", "Bearer t0ke", &err, p),
                 err, 401, "invalid_token", "OA2-00742");
    UNIT_REFUSED(
        oa2_registration_check_token("t0ken", "Bearer t0kenX", &err, p), err,
        401, "invalid_token", "OA2-00742");
    UNIT_EQ_INT(oa2_registration_check_token("t0ken", "Bearer ", &err, p),
                APR_EGENERAL);
    UNIT_EQ_INT(err.status, 400);
    UNIT_EQ_STR(err.error, "invalid_request");
    /* no token configured never means "anyone" */
    UNIT_REFUSED(oa2_registration_check_token(NULL, "Bearer x", &err, p), err,
                 500, "server_error", "OA2-00740");
    UNIT_REFUSED(oa2_registration_check_token("", "Bearer x", &err, p), err,
                 500, "server_error", "OA2-00740");
}

/* ---- registration over the store ------------------------------------------ */

static void test_register_confidential(apr_pool_t *p)
{
    oa2_as_t *as = fixture_as(ISS, p);
    oa2_store_t *st = fixture_store(ISS, p);
    oa2_client_t *cl = NULL, *stored = NULL;
    const char *json = NULL, *secret;
    const char *text = "{\"redirect_uris\":[\"" CB "\"],"
                       "\"grant_types\":[\"authorization_code\","
                       "\"refresh_token\"],\"scope\":\"read\"}";
    oa2_err_t err;
    json_t *doc;

    UNIT_ASSERT(as && st);
    UNIT_EQ_INT(oa2_registration_register(&json, &cl, as, st, text,
                                          strlen(text), NOW, &err, p),
                APR_SUCCESS);
    doc = json_of(json, p);
    UNIT_ASSERT(doc);
    secret = str_of(doc, "client_secret");
    UNIT_ASSERT(secret && strlen(secret) == 43);       /* 256 bits, base64url */
    UNIT_EQ_INT(strlen(str_of(doc, "client_id")), 22); /* 128 bits */
    UNIT_EQ_STR(str_of(doc, "client_id"), cl->client_id);
    UNIT_EQ_INT(oa2_store_client_get(&stored, st, cl->client_id, &err, p),
                APR_SUCCESS);
    /* only the hash is stored */
    UNIT_ASSERT(strcmp(stored->secret_hash, secret));
    UNIT_ASSERT(oa2_secret_matches(secret, stored->secret_hash, p));
    UNIT_EQ_STR(stored->grant_types, "authorization_code refresh_token");
    UNIT_EQ_STR(stored->scope, "read");
    UNIT_EQ_STR(stored->auth_method, "client_secret_basic");
    UNIT_EQ_STR(stored->name, "client");
    UNIT_EQ_INT(stored->created_at, NOW);
    UNIT_EQ_INT(stored->redirect_uris->nelts, 1);
    UNIT_EQ_STR(APR_ARRAY_IDX(stored->redirect_uris, 0, const char *), CB);
}

static void test_register_public(apr_pool_t *p)
{
    oa2_as_t *as = fixture_as(ISS, p);
    oa2_store_t *st = fixture_store(ISS, p);
    oa2_client_t *cl = NULL, *stored = NULL, *other = NULL;
    const char *json = NULL, *json2 = NULL;
    const char *text = "{\"redirect_uris\":[\"http://127.0.0.1/cb\"],"
                       "\"token_endpoint_auth_method\":\"none\"}";
    oa2_err_t err;
    json_t *doc;

    UNIT_ASSERT(as && st);
    UNIT_EQ_INT(oa2_registration_register(&json, &cl, as, st, text,
                                          strlen(text), NOW, &err, p),
                APR_SUCCESS);
    doc = json_of(json, p);
    UNIT_ASSERT(doc && !json_object_get(doc, "client_secret"));
    UNIT_EQ_INT(oa2_store_client_get(&stored, st, cl->client_id, &err, p),
                APR_SUCCESS);
    UNIT_EQ_STR(stored->secret_hash, "");
    UNIT_EQ_STR(stored->auth_method, "none");
    /* every registration is a new client */
    UNIT_EQ_INT(oa2_registration_register(&json2, &other, as, st, text,
                                          strlen(text), NOW, &err, p),
                APR_SUCCESS);
    UNIT_ASSERT(strcmp(cl->client_id, other->client_id));
}

static void test_register_invalid_stores_nothing(apr_pool_t *p)
{
    oa2_as_t *as = fixture_as(ISS, p);
    oa2_store_t *st = fixture_store(ISS, p);
    oa2_client_t *cl = NULL;
    apr_array_header_t *all = NULL;
    const char *json = NULL, *text = "{\"redirect_uris\":[\"ftp://x/cb\"]}";
    oa2_err_t err;

    UNIT_ASSERT(as && st);
    UNIT_EQ_INT(oa2_registration_register(&json, &cl, as, st, text,
                                          strlen(text), NOW, &err, p),
                APR_EGENERAL);
    UNIT_EQ_STR(err.error, REDIRECT);
    UNIT_EQ_INT(oa2_store_client_list(&all, st, &err, p), APR_SUCCESS);
    UNIT_EQ_INT(all->nelts, 0);
}

/* ---- introspection and revocation ------------------------------------------ */

/* What the introspection and revocation tests share. */
typedef struct env_t {
    oa2_as_t *as;    /* the AS of ISS */
    oa2_store_t *st; /* its store */
} env_t;

/* An AS with confidential clients "rs" (secret "rs-secret"), "app"
 * (secret "app-secret") and "other" (secret "other-secret"), all
 * client_secret_post as the requests below authenticate, and a public
 * "spa"; zero on failure. */
static int setup(env_t *env, apr_pool_t *p)
{
    env->as = fixture_as(ISS, p);
    env->st = fixture_store(ISS, p);
    return env->as && env->st
        && fixture_client_method(env->st, "rs", "rs-secret",
                                 "client_secret_post", "client_credentials",
                                 NULL, p)
        && fixture_client_method(env->st, "app", "app-secret",
                                 "client_secret_post",
                                 "authorization_code refresh_token", CB, p)
        && fixture_client_method(env->st, "other", "other-secret",
                                 "client_secret_post",
                                 "authorization_code refresh_token", CB, p)
        && fixture_client(env->st, "spa", NULL,
                          "authorization_code refresh_token", CB, p);
}

/* An access token of @a as for @a client_id, issued at @a iat. */
static const char *access_token(const oa2_as_t *as, const char *client_id,
                                apr_int64_t iat, const char **jti,
                                apr_pool_t *p)
{
    const char *token = NULL;

    if (oa2_issue_access_token(&token, jti, as, "alice", client_id, "read",
                               "https://api.example.test/", NULL, iat, NULL, p)
        != APR_SUCCESS) {
        return NULL;
    }
    return token;
}

/* A refresh token of family "fam-<client_id>" stored for @a client_id,
 * live or (@a state OA2_REFRESH_ROTATED) already used. */
static const char *refresh_token(oa2_store_t *st, const char *client_id,
                                 const char *name, int state, apr_pool_t *p)
{
    oa2_refresh_t rt, *rotated;
    int first;

    rt.family = apr_pstrcat(p, "fam-", client_id, NULL);
    rt.client_id = client_id;
    rt.user = "alice";
    rt.scope = "read write";
    rt.resource = "";
    rt.expires_at = NOW + 3600;
    rt.state = OA2_REFRESH_LIVE;
    rt.auth_time = 0;
    rt.claims = "";
    rt.dpop_jkt = "";
    if (oa2_store_refresh_add(st, oa2_secret_hash(name, p), &rt, NOW, NULL, p)
            != APR_SUCCESS
        || (state == OA2_REFRESH_ROTATED
            && oa2_store_refresh_rotate(&rotated, &first, st,
                                        oa2_secret_hash(name, p), NULL, p)
                != APR_SUCCESS)) {
        return NULL;
    }
    return name;
}

/* Introspect @a token as client "rs" at @a now; the answer, or NULL. */
static json_t *introspect(const env_t *env, const char *token, apr_int64_t now,
                          apr_pool_t *p)
{
    const char *json = NULL;
    oa2_client_t *caller;
    oa2_err_t err;
    oa2_form_t *f =
        form_of(apr_pstrcat(p, "client_id=rs&client_secret=rs-secret&token=",
                            oa2_form_escape(token, p), NULL),
                p);

    if (oa2_introspect_request(&json, &caller, env->as, env->st,
                               fixture_bc(f, NULL, p), now, &err, p)
        != APR_SUCCESS) {
        return NULL;
    }
    return json_of(json, p);
}

#define ACTIVE(doc) json_is_true(json_object_get((doc), "active"))

static void test_introspect_access(apr_pool_t *p)
{
    env_t env;
    const char *jti = NULL, *token;
    json_t *doc;

    UNIT_ASSERT(setup(&env, p));
    token = access_token(env.as, "app", NOW, &jti, p);
    UNIT_ASSERT(token);
    doc = introspect(&env, token, NOW + 10, p);
    UNIT_ASSERT(doc && ACTIVE(doc));
    UNIT_EQ_STR(str_of(doc, "scope"), "read");
    UNIT_EQ_STR(str_of(doc, "client_id"), "app");
    UNIT_EQ_STR(str_of(doc, "sub"), "alice");
    UNIT_EQ_STR(str_of(doc, "aud"), "https://api.example.test/");
    UNIT_EQ_STR(str_of(doc, "iss"), ISS);
    UNIT_EQ_STR(str_of(doc, "jti"), jti);
    UNIT_EQ_STR(str_of(doc, "token_type"), "Bearer");
    UNIT_EQ_INT(json_integer_value(json_object_get(doc, "exp")), NOW + 900);
    UNIT_EQ_INT(json_integer_value(json_object_get(doc, "iat")), NOW);
    /* no leeway at the AS: inactive from exp on */
    doc = introspect(&env, token, NOW + 899, p);
    UNIT_ASSERT(doc && ACTIVE(doc));
    doc = introspect(&env, token, NOW + 900, p);
    UNIT_ASSERT(doc && !ACTIVE(doc));
    UNIT_EQ_INT(json_object_size(doc), 1);
}

static void test_introspect_revoked_access(apr_pool_t *p)
{
    env_t env;
    const char *jti = NULL, *token;
    json_t *doc;

    UNIT_ASSERT(setup(&env, p));
    token = access_token(env.as, "app", NOW, &jti, p);
    UNIT_ASSERT(token);
    UNIT_EQ_INT(oa2_store_jti_revoke(env.st, jti, NOW + 960, NULL, p),
                APR_SUCCESS);
    doc = introspect(&env, token, NOW + 10, p);
    UNIT_ASSERT(doc && !ACTIVE(doc));
}

static void test_introspect_foreign_access(apr_pool_t *p)
{
    env_t env;
    oa2_as_t *elsewhere;
    const char *jti = NULL, *token;
    json_t *doc;

    UNIT_ASSERT(setup(&env, p));
    /* same key, another issuer */
    elsewhere = fixture_as("https://other-as.example", p);
    UNIT_ASSERT(elsewhere);
    token = access_token(elsewhere, "app", NOW, &jti, p);
    UNIT_ASSERT(token);
    doc = introspect(&env, token, NOW + 10, p);
    UNIT_ASSERT(doc && !ACTIVE(doc));
    /* tampered */
    token = access_token(env.as, "app", NOW, &jti, p);
    UNIT_ASSERT(token);
    doc = introspect(&env, apr_pstrcat(p, token, "A", NULL), NOW + 10, p);
    UNIT_ASSERT(doc && !ACTIVE(doc));
    doc = introspect(&env, "garbage", NOW, p);
    UNIT_ASSERT(doc && !ACTIVE(doc));
}

static void test_introspect_refresh(apr_pool_t *p)
{
    env_t env;
    json_t *doc;

    UNIT_ASSERT(setup(&env, p));
    UNIT_ASSERT(refresh_token(env.st, "app", "rt-live", OA2_REFRESH_LIVE, p));
    UNIT_ASSERT(
        refresh_token(env.st, "other", "rt-used", OA2_REFRESH_ROTATED, p));
    doc = introspect(&env, "rt-live", NOW, p);
    UNIT_ASSERT(doc && ACTIVE(doc));
    UNIT_EQ_STR(str_of(doc, "token_type"), "refresh_token");
    UNIT_EQ_STR(str_of(doc, "client_id"), "app");
    UNIT_EQ_STR(str_of(doc, "sub"), "alice");
    UNIT_EQ_STR(str_of(doc, "scope"), "read write");
    UNIT_EQ_INT(json_integer_value(json_object_get(doc, "exp")), NOW + 3600);
    doc = introspect(&env, "rt-live", NOW + 3600, p);
    UNIT_ASSERT(doc && !ACTIVE(doc));
    doc = introspect(&env, "rt-used", NOW, p);
    UNIT_ASSERT(doc && !ACTIVE(doc));
}

static void test_introspect_needs_confidential_client(apr_pool_t *p)
{
    env_t env;
    const char *json = NULL;
    oa2_client_t *caller;
    oa2_err_t err;

    UNIT_ASSERT(setup(&env, p));
    UNIT_REFUSED(oa2_introspect_request(
                     &json, &caller, env.as, env.st,
                     fixture_bc(form_of("client_id=spa&token=x", p), NULL, p),
                     NOW, &err, p),
                 err, 401, "invalid_client", "OA2-00228");
    UNIT_REFUSED(oa2_introspect_request(
                     &json, &caller, env.as, env.st,
                     fixture_bc(form_of("token=x", p), NULL, p), NOW, &err, p),
                 err, 401, "invalid_client", "OA2-00225");
    UNIT_REFUSED(
        oa2_introspect_request(
            &json, &caller, env.as, env.st,
            fixture_bc(form_of("client_id=rs&client_secret=no&token=x", p),
                       NULL, p),
            NOW, &err, p),
        err, 401, "invalid_client", "OA2-00229");
    UNIT_EQ_INT(
        oa2_introspect_request(
            &json, &caller, env.as, env.st,
            fixture_bc(form_of("client_id=rs&client_secret=rs-secret", p), NULL,
                       p),
            NOW, &err, p),
        APR_EGENERAL);
    UNIT_EQ_INT(err.status, 400);
    UNIT_EQ_STR(err.error, "invalid_request");
    UNIT_EQ_INT(
        oa2_introspect_request(
            &json, &caller, env.as, env.st,
            fixture_bc(form_of("client_id=rs&client_secret=rs-secret&token=a"
                               "&token=b",
                               p),
                       NULL, p),
            NOW, &err, p),
        APR_EGENERAL);
    UNIT_EQ_STR(err.error, "invalid_request");
}

/* Revoke @a token as @a client (secret "<client>-secret", or public). */
static oa2_revoke_result_t revoke(const env_t *env, const char *client,
                                  int public, const char *token,
                                  apr_int64_t now, apr_pool_t *p)
{
    oa2_revocation_t done;
    oa2_client_t *caller;
    oa2_err_t err;
    oa2_form_t *f = form_of(
        apr_pstrcat(
            p, "client_id=", client,
            public ? ""
                   : apr_pstrcat(p, "&client_secret=", client, "-secret", NULL),
            "&token_type_hint=whatever&token=", oa2_form_escape(token, p),
            NULL),
        p);

    if (oa2_revoke_request(&done, &caller, env->as, env->st,
                           fixture_bc(f, NULL, p), now, &err, p)
        != APR_SUCCESS) {
        return (oa2_revoke_result_t)-1;
    }
    return done.result;
}

static int jti_revoked(const env_t *env, const char *jti, apr_pool_t *p)
{
    int revoked = -1;
    oa2_store_jti_is_revoked(&revoked, env->st, jti, NULL, p);
    return revoked;
}

static int refresh_state(const env_t *env, const char *token, apr_pool_t *p)
{
    oa2_refresh_t *rt;

    if (oa2_store_refresh_get(&rt, env->st, oa2_secret_hash(token, p), NULL, p)
        != APR_SUCCESS) {
        return -1;
    }
    return rt->state;
}

static void test_revoke_access(apr_pool_t *p)
{
    env_t env;
    const char *jti = NULL, *token, *old_jti = NULL, *old;
    json_t *doc;
    int purged = 0, more = 0;

    UNIT_ASSERT(setup(&env, p));
    token = access_token(env.as, "app", NOW, &jti, p);
    UNIT_ASSERT(token);
    UNIT_EQ_INT(revoke(&env, "app", 0, token, NOW + 1, p), OA2_REVOKE_ACCESS);
    UNIT_EQ_INT(jti_revoked(&env, jti, p), 1);
    doc = introspect(&env, token, NOW + 2, p);
    UNIT_ASSERT(doc && !ACTIVE(doc));
    /* again: still fine */
    UNIT_EQ_INT(revoke(&env, "app", 0, token, NOW + 3, p), OA2_REVOKE_ACCESS);
    /* an expired token is revoked too (resource servers allow leeway) */
    old = access_token(env.as, "app", NOW - 950, &old_jti, p);
    UNIT_ASSERT(old);
    UNIT_EQ_INT(revoke(&env, "app", 0, old, NOW, p), OA2_REVOKE_ACCESS);
    UNIT_EQ_INT(jti_revoked(&env, old_jti, p), 1);
    /* and the record outlives the leeway: not purged before exp + 60 */
    UNIT_EQ_INT(
        oa2_store_purge(&purged, &more, env.st, NOW - 50 + 59, 1, NULL, p),
        APR_SUCCESS);
    UNIT_EQ_INT(jti_revoked(&env, old_jti, p), 1);
}

static void test_revoke_access_of_another_client(apr_pool_t *p)
{
    env_t env;
    const char *jti = NULL, *token;

    UNIT_ASSERT(setup(&env, p));
    token = access_token(env.as, "app", NOW, &jti, p);
    UNIT_ASSERT(token);
    UNIT_EQ_INT(revoke(&env, "other", 0, token, NOW, p), OA2_REVOKE_FOREIGN);
    UNIT_EQ_INT(jti_revoked(&env, jti, p), 0);
    UNIT_EQ_INT(revoke(&env, "spa", 1, token, NOW, p), OA2_REVOKE_FOREIGN);
    UNIT_EQ_INT(jti_revoked(&env, jti, p), 0);
}

static void test_revoke_refresh(apr_pool_t *p)
{
    env_t env;

    UNIT_ASSERT(setup(&env, p));
    UNIT_ASSERT(refresh_token(env.st, "spa", "rt-1", OA2_REFRESH_ROTATED, p));
    UNIT_ASSERT(refresh_token(env.st, "spa", "rt-2", OA2_REFRESH_LIVE, p));
    UNIT_ASSERT(refresh_token(env.st, "app", "rt-app", OA2_REFRESH_LIVE, p));
    /* another client's token: left alone */
    UNIT_EQ_INT(revoke(&env, "app", 0, "rt-2", NOW, p), OA2_REVOKE_FOREIGN);
    UNIT_EQ_INT(refresh_state(&env, "rt-2", p), OA2_REFRESH_LIVE);
    /* a public client by client_id: the whole family goes */
    UNIT_EQ_INT(revoke(&env, "spa", 1, "rt-2", NOW, p), OA2_REVOKE_REFRESH);
    UNIT_EQ_INT(refresh_state(&env, "rt-1", p), OA2_REFRESH_REVOKED);
    UNIT_EQ_INT(refresh_state(&env, "rt-2", p), OA2_REFRESH_REVOKED);
    UNIT_EQ_INT(refresh_state(&env, "rt-app", p), OA2_REFRESH_LIVE);
}

static void test_revoke_unknown(apr_pool_t *p)
{
    env_t env;
    oa2_revocation_t result;
    oa2_client_t *caller;
    oa2_err_t err;

    UNIT_ASSERT(setup(&env, p));
    UNIT_EQ_INT(revoke(&env, "app", 0, "no-such-token", NOW, p),
                OA2_REVOKE_NOTHING);
    UNIT_EQ_INT(revoke(&env, "app", 0, "a.b.c", NOW, p), OA2_REVOKE_NOTHING);
    UNIT_REFUSED(oa2_revoke_request(
                     &result, &caller, env.as, env.st,
                     fixture_bc(form_of("client_id=app&token=x", p), NULL, p),
                     NOW, &err, p),
                 err, 401, "invalid_client", "OA2-00820"); /* no secret */
    UNIT_EQ_INT(
        oa2_revoke_request(&result, &caller, env.as, env.st,
                           fixture_bc(form_of("client_id=spa", p), NULL, p),
                           NOW, &err, p),
        APR_EGENERAL);
    UNIT_EQ_INT(err.status, 400);
    UNIT_EQ_STR(err.error, "invalid_request");
}

void unit_suite_registration(void)
{
    unit_suite("registration");
    UNIT_RUN(test_defaults);
    UNIT_RUN(test_full_metadata);
    UNIT_RUN(test_client_credentials_without_redirect);
    UNIT_RUN(test_null_is_absent);
    UNIT_RUN(test_not_an_object);
    UNIT_RUN(test_redirect_uris);
    UNIT_RUN(test_grant_types);
    UNIT_RUN(test_response_types);
    UNIT_RUN(test_auth_method);
    UNIT_RUN(test_client_name);
    UNIT_RUN(test_client_name_display);
    UNIT_RUN(test_readers);
    UNIT_RUN(test_scope);
    UNIT_RUN(test_response);
    UNIT_RUN(test_response_public_machine);
    UNIT_RUN(test_initial_access_token);
    UNIT_RUN(test_register_confidential);
    UNIT_RUN(test_register_public);
    UNIT_RUN(test_register_invalid_stores_nothing);
    UNIT_RUN(test_introspect_access);
    UNIT_RUN(test_introspect_revoked_access);
    UNIT_RUN(test_introspect_foreign_access);
    UNIT_RUN(test_introspect_refresh);
    UNIT_RUN(test_introspect_needs_confidential_client);
    UNIT_RUN(test_revoke_access);
    UNIT_RUN(test_revoke_access_of_another_client);
    UNIT_RUN(test_revoke_refresh);
    UNIT_RUN(test_revoke_unknown);
}
