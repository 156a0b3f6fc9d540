/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/*
 * Dynamic client registration requests: oa2_registration_parse() of the
 * input as the JSON body, against the unit tests' AS (fixture_as_keyed():
 * scopes read and write, one resource; no database). A parsed client must
 * make a response that is a JSON object, every redirect URI it carries
 * must be registrable, and its name fit for the consent page; a refusal's
 * description stays within RFC 6749 §5.2's characters.
 */
#include <string.h>

#include <apr_strings.h>
#include <jansson.h>

#include "oa2_cleanup.h"
#include "oa2_mtls.h"
#include "oa2_redirect.h"
#include "oa2_client_meta.h"
#include "oa2_registration.h"
#include "oa2_text.h"
#include "store_fixture.h"
#include "support.h"

static oa2_as_t *as;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fuzz_init();
    as = fixture_as_keyed("https://as.example.test",
                          fuzz_data_path("ec256.pem"), fuzz_global_pool());
    if (!as) {
        fuzz_fail(__FILE__, __LINE__, "no AS fixture: cannot load %s",
                  fuzz_data_path("ec256.pem"));
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    oa2_client_t *cl = NULL;
    oa2_err_t err = {0};
    json_t *doc;
    int i;

    if (oa2_registration_parse(&cl, as, (const char *)data, size, &err, p)
        != APR_SUCCESS) {
        FUZZ_CHECK(err.status == 400 && err.log_id && err.description);
        for (i = 0; err.description[i]; i++) {
            FUZZ_CHECK(err.description[i] >= 0x20 && err.description[i] <= 0x7e
                       && err.description[i] != '"'
                       && err.description[i] != '\\');
        }
        FUZZ_CHECK(!strcmp(err.error, "invalid_client_metadata")
                   || !strcmp(err.error, "invalid_redirect_uri"));
        apr_pool_destroy(p);
        return 0;
    }
    FUZZ_CHECK(cl && cl->name && *cl->name && cl->scope && cl->grant_types);
    FUZZ_CHECK(oa2_text_check(cl->name) == OA2_TEXT_OK);
    FUZZ_CHECK(*cl->grant_types && cl->redirect_uris);
    FUZZ_CHECK(!strcmp(cl->auth_method, "client_secret_basic")
               || !strcmp(cl->auth_method, "client_secret_post")
               || !strcmp(cl->auth_method, "none")
               || oa2_mtls_is_method(cl->auth_method)
               || (!strcmp(cl->auth_method, "private_key_jwt")
                   && oa2_client_meta_has_keys(cl)));
    /* RFC 8705 metadata only as its method wants it */
    FUZZ_CHECK(oa2_mtls_check_client(cl, NULL) == APR_SUCCESS);
    /* RFC 7591 §2: never both; a stored set only of the size allowed */
    FUZZ_CHECK(!(cl->jwks && cl->jwks_uri));
    FUZZ_CHECK(!cl->jwks || strlen(cl->jwks) <= OA2_CLIENT_JWKS_MAX_BYTES);
    for (i = 0; i < cl->redirect_uris->nelts; i++) {
        FUZZ_CHECK(
            oa2_redirect_check(
                APR_ARRAY_IDX(cl->redirect_uris, i, const char *), NULL, p)
            == APR_SUCCESS);
    }
    FUZZ_CHECK(cl->redirect_uris->nelts
               || !strcmp(cl->grant_types, "client_credentials"));
    cl->client_id = "c-1";
    cl->created_at = 1700000000;
    doc = oa2_cleanup_json(
        json_loads(oa2_registration_response(
                       cl, as,
                       strcmp(cl->auth_method, "none")
                               && !oa2_mtls_is_method(cl->auth_method)
                           ? "s3cret"
                           : NULL,
                       p),
                   0, NULL),
        p);
    FUZZ_CHECK(json_is_object(doc));
    FUZZ_CHECK(
        !strcmp(json_string_value(json_object_get(doc, "client_id")), "c-1"));
    apr_pool_destroy(p);
    return 0;
}
