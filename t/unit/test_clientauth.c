/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/* Client authentication: the registered token_endpoint_auth_method is the
 * only one a client may use (RFC 7591 §2; OAuth 2.1 §2.4). */
#include <string.h>

#include <apr_base64.h>
#include <apr_strings.h>

#include "oa2_clientauth.h"
#include "store_fixture.h"
#include "unit.h"

#define ISS "https://as.example.test"
#define BASIC "client_secret_basic"
#define POST "client_secret_post"

/* A store with "b" (client_secret_basic, secret "b-secret"), "p"
 * (client_secret_post, "p-secret") and the public "n"; NULL on failure. */
static oa2_store_t *setup(apr_pool_t *p)
{
    oa2_store_t *st = fixture_store(ISS, p);

    if (!st
        || !fixture_client_method(st, "b", "b-secret", BASIC,
                                  "client_credentials", NULL, p)
        || !fixture_client_method(st, "p", "p-secret", POST,
                                  "client_credentials", NULL, p)
        || !fixture_client_method(st, "n", NULL, "none", "authorization_code",
                                  NULL, p)) {
        return NULL;
    }
    return st;
}

static oa2_form_t *form_of(const char *body, apr_pool_t *p)
{
    oa2_form_t *f = NULL;

    oa2_form_parse(&f, body, strlen(body), NULL, p);
    return f;
}

static const char *basic(const char *id, const char *secret, apr_pool_t *p)
{
    const char *pair = apr_pstrcat(p, id, ":", secret, NULL);
    char *b64 = apr_palloc(p, apr_base64_encode_len((int)strlen(pair)));

    apr_base64_encode(b64, pair, (int)strlen(pair));
    return apr_pstrcat(p, "Basic ", b64, NULL);
}

/* Authenticate @a id with method @a used (BASIC, POST or "none") and
 * @a secret; public clients allowed. */
static apr_status_t auth(oa2_client_t **cl, oa2_err_t *err, oa2_store_t *st,
                         const char *id, const char *used, const char *secret,
                         apr_pool_t *p)
{
    const char *body = apr_pstrcat(p, "grant_type=client_credentials", NULL);
    const char *header = NULL;

    *cl = NULL;
    memset(err, 0, sizeof(*err));
    if (!strcmp(used, BASIC)) {
        header = basic(id, secret, p);
    }
    else if (!strcmp(used, POST)) {
        body = apr_pstrcat(p, body, "&client_id=", id,
                           "&client_secret=", secret, NULL);
    }
    else {
        body = apr_pstrcat(p, body, "&client_id=", id, NULL);
    }
    return oa2_clientauth_authenticate(
        cl, st, fixture_bc(form_of(body, p), header, p), 1, err, p);
}

static void test_registered_method_works(apr_pool_t *p)
{
    oa2_store_t *st = setup(p);
    oa2_client_t *cl;
    oa2_err_t err;

    UNIT_ASSERT(st);
    UNIT_EQ_INT(auth(&cl, &err, st, "b", BASIC, "b-secret", p), APR_SUCCESS);
    UNIT_EQ_STR(cl->client_id, "b");
    UNIT_EQ_INT(auth(&cl, &err, st, "p", POST, "p-secret", p), APR_SUCCESS);
    UNIT_EQ_STR(cl->client_id, "p");
    UNIT_EQ_INT(auth(&cl, &err, st, "n", "none", NULL, p), APR_SUCCESS);
    UNIT_EQ_STR(cl->client_id, "n");
    UNIT_ASSERT(oa2_clientauth_is_public(cl));
}

/* Nonzero when @a text contains the non-empty @a secret. */
static int leaks(const char *text, const char *secret)
{
    return secret && *secret && text && strstr(text, secret);
}

/* @a id registered for @a registered is refused with OA2-00820 when it
 * uses @a used, right secret or not; the log detail names both methods
 * and never the secret. */
#define MISMATCH(id, registered, used, secret)                                 \
    do {                                                                       \
        UNIT_REFUSED(auth(&cl, &err, st, (id), (used), (secret), p), err, 401, \
                     "invalid_client", "OA2-00820");                           \
        UNIT_ASSERT(cl == NULL);                                               \
        UNIT_HAS_STR(err.detail,                                               \
                     apr_psprintf(p,                                           \
                                  "client %s is registered for %s, used %s",   \
                                  (id), (registered), (used)));                \
        UNIT_ASSERT(!leaks(err.detail, (secret)));                             \
        UNIT_ASSERT(!leaks(err.description, (secret)));                        \
    } while (0)

static void test_other_method_refused(apr_pool_t *p)
{
    oa2_store_t *st = setup(p);
    oa2_client_t *cl;
    oa2_err_t err;

    UNIT_ASSERT(st);
    /* the right secret by the other method */
    MISMATCH("b", BASIC, POST, "b-secret");
    MISMATCH("p", POST, BASIC, "p-secret");
    /* no secret at all */
    MISMATCH("b", BASIC, "none", NULL);
    MISMATCH("p", POST, "none", NULL);
    /* a public client presenting a secret, also an empty Basic one */
    MISMATCH("n", "none", BASIC, "anything");
    MISMATCH("n", "none", BASIC, "");
    MISMATCH("n", "none", POST, "anything");
    /* a wrong secret by the right method stays OA2-00229 */
    UNIT_REFUSED(auth(&cl, &err, st, "b", BASIC, "wrong", p), err, 401,
                 "invalid_client", "OA2-00229");
    UNIT_REFUSED(auth(&cl, &err, st, "p", POST, "wrong", p), err, 401,
                 "invalid_client", "OA2-00229");
}

static void test_unknown_method_never_fits(apr_pool_t *p)
{
    oa2_store_t *st = fixture_store(ISS, p);
    oa2_client_t *cl;
    oa2_err_t err;
    const char *used[] = {BASIC, POST, "none"};
    int i;

    /* a row with a method this module does not implement (written by
     * hand, or by a later version): every request is refused */
    UNIT_ASSERT(st);
    UNIT_ASSERT(fixture_client_method(st, "j", "j-secret", "private_key_jwt",
                                      "client_credentials", NULL, p));
    for (i = 0; i < 3; i++) {
        UNIT_REFUSED(auth(&cl, &err, st, "j", used[i], "j-secret", p), err, 401,
                     "invalid_client", "OA2-00820");
    }
}

static void test_public_where_not_allowed(apr_pool_t *p)
{
    oa2_store_t *st = setup(p);
    oa2_client_t *cl = NULL;
    oa2_err_t err = {0};

    UNIT_ASSERT(st);
    /* introspection: the public client by its method is still refused,
     * as OA2-00228 */
    UNIT_REFUSED(oa2_clientauth_authenticate(
                     &cl, st,
                     fixture_bc(form_of("client_id=n&token=x", p), NULL, p), 0,
                     &err, p),
                 err, 401, "invalid_client", "OA2-00228");
}

void unit_suite_clientauth(void)
{
    unit_suite("clientauth");
    UNIT_RUN(test_registered_method_works);
    UNIT_RUN(test_other_method_refused);
    UNIT_RUN(test_unknown_method_never_fits);
    UNIT_RUN(test_public_where_not_allowed);
}
