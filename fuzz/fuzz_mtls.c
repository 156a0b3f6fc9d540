/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/*
 * Mutual TLS (oa2_mtls.c): the input's first line is a subject DN or a SAN
 * value a client registers (oa2_mtls_check_dn(), oa2_mtls_check_san()),
 * compared, when accepted, with a fixed certificate
 * (t/unit/data/mtls-client.pem); the rest is read as a PEM certificate
 * (oa2_mtls_thumbprint(), oa2_mtls_check_bound()) and as a JWK Set for
 * that certificate's key (oa2_mtls_key_in_jwks()). A refusal's
 * description stays within RFC 6749 §5.2's characters; a thumbprint is 43
 * base64url characters and the certificate it came from is bound by it.
 */
#include <string.h>

#include <apr_strings.h>
#include <openssl/bio.h>

#include "oa2_b64.h"
#include "oa2_cleanup.h"
#include "oa2_mtls.h"
#include "support.h"

static const char *fixture_pem;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    apr_pool_t *p;
    BIO *bio;
    char buf[8192];
    int n;

    fuzz_init();
    p = fuzz_global_pool();
    bio = oa2_cleanup_bio(BIO_new_file(fuzz_data_path("mtls-client.pem"), "r"),
                          p);
    n = bio ? BIO_read(bio, buf, sizeof(buf) - 1) : -1;
    if (n <= 0) {
        fuzz_fail(__FILE__, __LINE__, "cannot read %s",
                  fuzz_data_path("mtls-client.pem"));
    }
    fixture_pem = apr_pstrmemdup(p, buf, (apr_size_t)n);
    return 0;
}

static void check_refusal(const oa2_err_t *err)
{
    int i;

    FUZZ_CHECK(err->status == 400 && err->log_id && err->description);
    FUZZ_CHECK(!strcmp(err->error, "invalid_client_metadata"));
    for (i = 0; err->description[i]; i++) {
        FUZZ_CHECK(err->description[i] >= 0x20 && err->description[i] <= 0x7e
                   && err->description[i] != '"'
                   && err->description[i] != '\\');
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    char *name, *rest;
    const char *x5t = NULL;
    oa2_err_t err = {0};
    int type, once;

    fuzz_split(&name, &rest, data, size, p);
    if (oa2_mtls_check_dn(name, &err, p) == APR_SUCCESS) {
        once = oa2_mtls_subject_matches(fixture_pem, name, p);
        FUZZ_CHECK(once == oa2_mtls_subject_matches(fixture_pem, name, p));
    }
    else {
        check_refusal(&err);
        FUZZ_CHECK(!oa2_mtls_subject_matches(fixture_pem, name, p));
    }
    for (type = OA2_MTLS_SAN_DNS; type <= OA2_MTLS_SAN_EMAIL; type++) {
        if (oa2_mtls_check_san((oa2_mtls_san_t)type, name, &err, p)
            == APR_SUCCESS) {
            oa2_mtls_san_matches(fixture_pem, (oa2_mtls_san_t)type, name, p);
        }
        else {
            check_refusal(&err);
        }
    }
    if (oa2_mtls_thumbprint(&x5t, rest, &err, p) == APR_SUCCESS) {
        FUZZ_CHECK(strlen(x5t) == 43);
        for (once = 0; x5t[once]; once++) {
            FUZZ_CHECK(oa2_b64_is_url_char(x5t[once]));
        }
        FUZZ_CHECK(oa2_mtls_check_bound(x5t, rest, &err, p) == APR_SUCCESS);
        FUZZ_CHECK(oa2_mtls_check_bound(x5t, fixture_pem, &err, p)
                       == APR_SUCCESS
                   || !strcmp(err.log_id, "OA2-01512"));
    }
    else {
        FUZZ_CHECK(err.status == 400 && !strcmp(err.log_id, "OA2-01501"));
    }
    oa2_mtls_key_in_jwks(fixture_pem, rest, p);
    apr_pool_destroy(p);
    return 0;
}
