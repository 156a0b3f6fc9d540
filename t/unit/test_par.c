/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/* Pushed authorization requests (RFC 9126) on the core, over real SQL,
 * with the clock the tests set: the push, the authorization request that
 * names it, single use, expiry, another client. */
#include <string.h>

#include <apr_base64.h>
#include <apr_strings.h>
#include <jansson.h>

#include "oa2_authorize.h"
#include "oa2_client_meta.h"
#include "oa2_par.h"
#include "store_fixture.h"
#include "unit.h"

#define ISS "https://as.example"
#define CB "https%3A%2F%2Fapp.example%2Fcb"
/* RFC 7636 Appendix B */
#define CHALLENGE "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
#define NOW 1800000000

/* An authorization request's parameters, client_id first. */
#define REQUEST(client)                                                        \
    "client_id=" client "&response_type=code&redirect_uri=" CB                 \
    "&scope=read&state=st-1&code_challenge=" CHALLENGE                         \
    "&code_challenge_method=S256"

static oa2_form_t *form_of(const char *text, apr_pool_t *p)
{
    oa2_form_t *f = NULL;
    oa2_form_parse(&f, text, strlen(text), NULL, p);
    return f;
}

static const char *basic(const char *id, const char *secret, apr_pool_t *p)
{
    const char *pair = apr_pstrcat(p, id, ":", secret, NULL);
    char *b64 = apr_palloc(p, apr_base64_encode_len((int)strlen(pair)));
    apr_base64_encode(b64, pair, (int)strlen(pair));
    return apr_pstrcat(p, "Basic ", b64, NULL);
}

/* A store with the confidential client c1 (secret s1) and the public
 * client pub, both of https://app.example/cb. */
static oa2_store_t *store_with_clients(apr_pool_t *p)
{
    oa2_store_t *st = fixture_store(ISS, p);

    if (!st
        || !fixture_client(st, "c1", "s1", "authorization_code",
                           "https://app.example/cb", p)
        || !fixture_client(st, "c2", "s2", "authorization_code",
                           "https://app.example/cb", p)
        || !fixture_client(st, "pub", NULL, "authorization_code",
                           "https://app.example/cb", p)) {
        return NULL;
    }
    return st;
}

/* Push @a body as c1 (Basic) at @a now; the request_uri, or NULL. */
static const char *push_c1(const oa2_as_t *as, oa2_store_t *st,
                           const char *body, apr_int64_t now, apr_pool_t *p)
{
    const char *json, *uri_hash, *uri;
    oa2_client_t *client;
    json_t *doc;

    if (oa2_par_push(&json, &client, &uri_hash, as, st,
                     fixture_bc(form_of(body, p), basic("c1", "s1", p), p), now,
                     NULL, p)
        != APR_SUCCESS) {
        return NULL;
    }
    doc = json_loads(json, 0, NULL);
    uri = json_string_value(json_object_get(doc, "request_uri"));
    uri = uri
            && json_integer_value(json_object_get(doc, "expires_in"))
                == OA2_PAR_TTL
        ? apr_pstrdup(p, uri)
        : NULL;
    json_decref(doc);
    return uri;
}

/* The query of an authorization request naming @a uri as @a client. */
static oa2_form_t *by_reference(const char *client, const char *uri,
                                const char *more, apr_pool_t *p)
{
    return form_of(apr_pstrcat(p, "client_id=", client, "&request_uri=",
                               oa2_form_escape(uri, p), more, NULL),
                   p);
}

static void test_push_then_take_once(apr_pool_t *p)
{
    oa2_as_t *as = fixture_as(ISS, p);
    oa2_store_t *st = store_with_clients(p);
    const oa2_form_t *params;
    oa2_authz_request_t *req;
    const char *uri, *hash;
    oa2_err_t err;
    int redirectable = 0;

    UNIT_ASSERT(as && st);
    uri = push_c1(as, st, REQUEST("c1"), NOW, p);
    UNIT_ASSERT(uri);
    UNIT_ASSERT(!strncmp(uri, OA2_PAR_URI_PREFIX, strlen(OA2_PAR_URI_PREFIX)));
    /* 256 bits, base64url */
    UNIT_EQ_INT(strlen(uri), strlen(OA2_PAR_URI_PREFIX) + 43);
    /* only the pushed parameters count: the query's others are ignored */
    UNIT_EQ_INT(oa2_par_resolve(&params, &hash, st,
                                by_reference("c1", uri,
                                             "&redirect_uri=https%3A%2F%2F"
                                             "evil.example%2F&state=x"
                                             "&scope=write",
                                             p),
                                NOW + 10, &err, p),
                APR_SUCCESS);
    UNIT_ASSERT(hash && strlen(hash) == 64);
    UNIT_EQ_INT(
        oa2_authorize_parse(&req, &redirectable, as, st, params, &err, p),
        APR_SUCCESS);
    UNIT_EQ_STR(req->client->client_id, "c1");
    UNIT_EQ_STR(req->redirect_uri, "https://app.example/cb");
    UNIT_EQ_STR(req->state, "st-1");
    UNIT_EQ_STR(req->scope, "read");
    UNIT_EQ_STR(req->code_challenge, CHALLENGE);
    /* read, not taken: again */
    UNIT_EQ_INT(oa2_par_resolve(&params, &hash, st,
                                by_reference("c1", uri, "", p), NOW + 10, &err,
                                p),
                APR_SUCCESS);
    UNIT_EQ_INT(oa2_par_consume(st, hash, "c1", NOW + 10, &err, p),
                APR_SUCCESS);
    UNIT_REFUSED(oa2_par_consume(st, hash, "c1", NOW + 11, &err, p), err, 400,
                 "invalid_request_uri", "OA2-01313");
    UNIT_REFUSED(oa2_par_resolve(&params, &hash, st,
                                 by_reference("c1", uri, "", p), NOW + 11, &err,
                                 p),
                 err, 400, "invalid_request_uri", "OA2-01312");
    UNIT_DESCRIPTION_FIXED(err, uri);
}

static void test_expires_after_60_seconds(apr_pool_t *p)
{
    oa2_as_t *as = fixture_as(ISS, p);
    oa2_store_t *st = store_with_clients(p);
    const oa2_form_t *params;
    const char *uri, *hash;
    oa2_err_t err;

    UNIT_ASSERT(as && st);
    UNIT_ASSERT((uri = push_c1(as, st, REQUEST("c1"), NOW, p)));
    UNIT_REFUSED(oa2_par_resolve(&params, &hash, st,
                                 by_reference("c1", uri, "", p),
                                 NOW + OA2_PAR_TTL + 1, &err, p),
                 err, 400, "invalid_request_uri", "OA2-01311");
    UNIT_EQ_INT(oa2_par_resolve(&params, &hash, st,
                                by_reference("c1", uri, "", p),
                                NOW + OA2_PAR_TTL, &err, p),
                APR_SUCCESS);
    /* read in its last second, taken a second later: too late */
    UNIT_REFUSED(
        oa2_par_consume(st, hash, "c1", NOW + OA2_PAR_TTL + 1, &err, p), err,
        400, "invalid_request_uri", "OA2-01313");
    UNIT_EQ_INT(oa2_par_consume(st, hash, "c1", NOW + OA2_PAR_TTL, &err, p),
                APR_SUCCESS);
}

static void test_another_client(apr_pool_t *p)
{
    oa2_as_t *as = fixture_as(ISS, p);
    oa2_store_t *st = store_with_clients(p);
    const oa2_form_t *params;
    const char *uri, *hash;
    oa2_err_t err;

    UNIT_ASSERT(as && st);
    UNIT_ASSERT((uri = push_c1(as, st, REQUEST("c1"), NOW, p)));
    UNIT_REFUSED(oa2_par_resolve(&params, &hash, st,
                                 by_reference("c2", uri, "", p), NOW, &err, p),
                 err, 400, "invalid_request_uri", "OA2-01310");
    UNIT_HAS_STR(err.detail, "pushed by c1");
    /* no client_id: RFC 9126 §4 wants it beside request_uri */
    UNIT_REFUSED(
        oa2_par_resolve(&params, &hash, st,
                        form_of(apr_pstrcat(p, "request_uri=",
                                            oa2_form_escape(uri, p), NULL),
                                p),
                        NOW, &err, p),
        err, 400, "invalid_request", "OA2-01307");
    /* its key, taken for another client: not taken */
    UNIT_EQ_INT(oa2_par_resolve(&params, &hash, st,
                                by_reference("c1", uri, "", p), NOW, &err, p),
                APR_SUCCESS);
    UNIT_REFUSED(oa2_par_consume(st, hash, "c2", NOW, &err, p), err, 400,
                 "invalid_request_uri", "OA2-01313");
    UNIT_EQ_INT(oa2_par_consume(st, hash, "c1", NOW, &err, p), APR_SUCCESS);
}

static void test_unknown_request_uris(apr_pool_t *p)
{
    oa2_store_t *st = store_with_clients(p);
    const oa2_form_t *params;
    const char *hash;
    oa2_err_t err;
    oa2_form_t *q;

    UNIT_ASSERT(st);
    UNIT_REFUSED(oa2_par_resolve(&params, &hash, st,
                                 by_reference("c1",
                                              OA2_PAR_URI_PREFIX
                                              "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
                                              "AAAAAAAAAAAA",
                                              "", p),
                                 NOW, &err, p),
                 err, 400, "invalid_request_uri", "OA2-01309");
    UNIT_REFUSED(oa2_par_resolve(
                     &params, &hash, st,
                     by_reference("c1", "https://app.example/req.jwt", "", p),
                     NOW, &err, p),
                 err, 400, "invalid_request_uri", "OA2-01308");
    UNIT_DESCRIPTION_FIXED(err, "app.example");
    UNIT_REFUSED(oa2_par_resolve(&params, &hash, st,
                                 by_reference("c1", "a", "&request_uri=b", p),
                                 NOW, &err, p),
                 err, 400, "invalid_request", "OA2-01306");
    /* none: the query is the request */
    q = form_of(REQUEST("c1"), p);
    UNIT_EQ_INT(oa2_par_resolve(&params, &hash, st, q, NOW, &err, p),
                APR_SUCCESS);
    UNIT_ASSERT(params == q);
    UNIT_ASSERT(hash == NULL);
}

static void test_push_refused(apr_pool_t *p)
{
    oa2_as_t *as = fixture_as(ISS, p);
    oa2_store_t *st = store_with_clients(p);
    const char *json, *hash;
    oa2_client_t *client;
    oa2_err_t err;

#define PUSH(body, header)                                                     \
    oa2_par_push(&json, &client, &hash, as, st,                                \
                 fixture_bc(form_of((body), p), (header), p), NOW, &err, p)

    UNIT_ASSERT(as && st);
    UNIT_REFUSED(PUSH(REQUEST("c1"), basic("c1", "wrong", p)), err, 401,
                 "invalid_client", "OA2-00229");
    UNIT_REFUSED(PUSH(REQUEST("c1"), NULL), err, 401, "invalid_client",
                 "OA2-00820");
    UNIT_REFUSED(PUSH(REQUEST("c2"), basic("c1", "s1", p)), err, 400,
                 "invalid_request", "OA2-00224");
    UNIT_REFUSED(PUSH(REQUEST("c1") "&request_uri=" OA2_PAR_URI_PREFIX "x",
                      basic("c1", "s1", p)),
                 err, 400, "invalid_request", "OA2-01302");
    UNIT_REFUSED(PUSH(REQUEST("c1") "&request=eyJhbGciOiJub25lIn0.e30.",
                      basic("c1", "s1", p)),
                 err, 400, "invalid_request", "OA2-01303");
    UNIT_REFUSED(PUSH("client_id=c1&response_type=code&redirect_uri=" CB,
                      basic("c1", "s1", p)),
                 err, 400, "invalid_request", "OA2-00308");
    UNIT_REFUSED(
        PUSH("client_id=c1&response_type=code&redirect_uri="
             "https%3A%2F%2Fapp.example%2Fother&code_challenge=" CHALLENGE
             "&code_challenge_method=S256",
             basic("c1", "s1", p)),
        err, 400, "invalid_request", "OA2-00303");
    UNIT_REFUSED(PUSH(apr_pstrcat(p, REQUEST("c1"), "&prompt=",
                                  apr_psprintf(p, "%09000d", 0), NULL),
                      basic("c1", "s1", p)),
                 err, 400, "invalid_request", "OA2-01304");
    /* a public client: its client_id alone */
    UNIT_EQ_INT(PUSH(REQUEST("pub"), NULL), APR_SUCCESS);
    UNIT_EQ_STR(client->client_id, "pub");
    UNIT_ASSERT(strlen(hash) == 64);
    /* Basic alone names the client: its client_id is added */
    UNIT_EQ_INT(PUSH(strchr(REQUEST("c1"), '&') + 1, basic("c1", "s1", p)),
                APR_SUCCESS);
#undef PUSH
}

/* What a push keeps reads back as the request it validated. */
static void test_encode_round_trip(apr_pool_t *p)
{
    oa2_as_t *as = fixture_as(ISS, p);
    oa2_store_t *st = store_with_clients(p);
    oa2_authz_request_t *req, *back;
    oa2_err_t err;
    int redirectable;

    UNIT_ASSERT(as && st);
    as->openid = 1;
    oa2_as_add_openid_scopes(as, p);
    UNIT_EQ_INT(
        oa2_authorize_parse(
            &req, &redirectable, as, st,
            form_of("client_id=c1&response_type=code&redirect_uri=" CB
                    "&scope=read+openid&state=st-1&code_challenge=" CHALLENGE
                    "&code_challenge_method=S256"
                    "&nonce=n-1%26x&prompt=consent&max_age=30"
                    "&dpop_jkt=NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
                    "&resource=https%3A%2F%2Fapi.example.test%2F",
                    p),
            &err, p),
        APR_SUCCESS);
    UNIT_EQ_INT(oa2_authorize_parse(&back, &redirectable, as, st,
                                    form_of(oa2_authorize_encode(req, p), p),
                                    &err, p),
                APR_SUCCESS);
    UNIT_EQ_STR(back->client->client_id, "c1");
    UNIT_EQ_STR(back->redirect_uri, req->redirect_uri);
    UNIT_EQ_STR(back->scope, "read openid");
    UNIT_EQ_STR(back->state, "st-1");
    UNIT_EQ_STR(back->code_challenge, CHALLENGE);
    UNIT_EQ_STR(back->resource, "https://api.example.test/");
    UNIT_EQ_STR(back->prompt, "consent");
    UNIT_EQ_STR(back->nonce, "n-1&x");
    UNIT_EQ_INT(back->max_age, 30);
    UNIT_EQ_STR(back->dpop_jkt, "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
    /* and without the optional ones */
    UNIT_EQ_INT(oa2_authorize_parse(&req, &redirectable, as, st,
                                    form_of("client_id=c1&response_type=code"
                                            "&redirect_uri=" CB
                                            "&code_challenge=" CHALLENGE
                                            "&code_challenge_method=S256",
                                            p),
                                    &err, p),
                APR_SUCCESS);
    UNIT_EQ_INT(oa2_authorize_parse(&back, &redirectable, as, st,
                                    form_of(oa2_authorize_encode(req, p), p),
                                    &err, p),
                APR_SUCCESS);
    UNIT_ASSERT(back->state == NULL && back->prompt == NULL);
    UNIT_ASSERT(back->nonce == NULL && back->dpop_jkt == NULL);
    UNIT_EQ_STR(back->resource, "");
    UNIT_EQ_INT(back->max_age, -1);
}

static void test_required(apr_pool_t *p)
{
    oa2_as_t *as = fixture_as(ISS, p);
    oa2_client_t client = {0};
    oa2_authz_request_t req = {0};
    oa2_err_t err;

    UNIT_ASSERT(as);
    req.client = &client;
    UNIT_EQ_INT(oa2_par_check_required(as, &req, &err), APR_SUCCESS);
    client.require_par = 1;
    UNIT_REFUSED(oa2_par_check_required(as, &req, &err), err, 400,
                 "invalid_request", "OA2-01315");
    as->require_par = 1;
    client.require_par = 0;
    UNIT_REFUSED(oa2_par_check_required(as, &req, &err), err, 400,
                 "invalid_request", "OA2-01314");
    UNIT_DESCRIPTION_FIXED(err, NULL);
}

/* require_pushed_authorization_requests: registered, stored, shown. */
static void test_client_metadata(apr_pool_t *p)
{
    oa2_as_t *as = fixture_as(ISS, p);
    oa2_client_t cl = {0}, back = {0};
    json_t *doc, *r;
    oa2_err_t err;

    UNIT_ASSERT(as);
    doc = json_pack("{s:b}", "require_pushed_authorization_requests", 1);
    UNIT_EQ_INT(oa2_client_meta_parse(&cl, as, doc, &err, p), APR_SUCCESS);
    json_decref(doc);
    UNIT_EQ_INT(cl.require_par, 1);
    oa2_client_meta_decode(&back, oa2_client_meta_encode(&cl, p), p);
    UNIT_EQ_INT(back.require_par, 1);
    r = json_object();
    oa2_client_meta_respond(r, &cl, NULL);
    UNIT_ASSERT(json_is_true(
        json_object_get(r, "require_pushed_authorization_requests")));
    json_decref(r);
    oa2_client_meta_decode(&back, "", p);
    UNIT_EQ_INT(back.require_par, 0);
    doc = json_pack("{s:s}", "require_pushed_authorization_requests", "true");
    UNIT_REFUSED(oa2_client_meta_parse(&cl, as, doc, &err, p), err, 400,
                 "invalid_client_metadata", "OA2-01301");
    json_decref(doc);
}

void unit_suite_par(void)
{
    unit_suite("par");
    UNIT_RUN(test_push_then_take_once);
    UNIT_RUN(test_expires_after_60_seconds);
    UNIT_RUN(test_another_client);
    UNIT_RUN(test_unknown_request_uris);
    UNIT_RUN(test_push_refused);
    UNIT_RUN(test_encode_round_trip);
    UNIT_RUN(test_required);
    UNIT_RUN(test_client_metadata);
}
