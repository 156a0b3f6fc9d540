/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/* Binding foreign objects to APR pools. */
#include <stdlib.h>

#include "oa2_cleanup.h"

static apr_status_t json_cleanup(void *data)
{
    json_decref(data);
    return APR_SUCCESS;
}

static apr_status_t pkey_cleanup(void *data)
{
    EVP_PKEY_free(data);
    return APR_SUCCESS;
}

static apr_status_t pkey_ctx_cleanup(void *data)
{
    EVP_PKEY_CTX_free(data);
    return APR_SUCCESS;
}

static apr_status_t bio_cleanup(void *data)
{
    BIO_free(data);
    return APR_SUCCESS;
}

static apr_status_t malloced_cleanup(void *data)
{
    free(data);
    return APR_SUCCESS;
}

json_t *oa2_cleanup_json(json_t *json, apr_pool_t *p)
{
    if (json) {
        apr_pool_cleanup_register(p, json, json_cleanup, apr_pool_cleanup_null);
    }
    return json;
}

EVP_PKEY *oa2_cleanup_pkey(EVP_PKEY *pkey, apr_pool_t *p)
{
    if (pkey) {
        apr_pool_cleanup_register(p, pkey, pkey_cleanup, apr_pool_cleanup_null);
    }
    return pkey;
}

EVP_PKEY_CTX *oa2_cleanup_pkey_ctx(EVP_PKEY_CTX *ctx, apr_pool_t *p)
{
    if (ctx) {
        apr_pool_cleanup_register(p, ctx, pkey_ctx_cleanup,
                                  apr_pool_cleanup_null);
    }
    return ctx;
}

BIO *oa2_cleanup_bio(BIO *bio, apr_pool_t *p)
{
    if (bio) {
        apr_pool_cleanup_register(p, bio, bio_cleanup, apr_pool_cleanup_null);
    }
    return bio;
}

static apr_status_t x509_cleanup(void *data)
{
    X509_free(data);
    return APR_SUCCESS;
}

X509 *oa2_cleanup_x509(X509 *x, apr_pool_t *p)
{
    if (x) {
        apr_pool_cleanup_register(p, x, x509_cleanup, apr_pool_cleanup_null);
    }
    return x;
}

static apr_status_t x509_name_cleanup(void *data)
{
    X509_NAME_free(data);
    return APR_SUCCESS;
}

X509_NAME *oa2_cleanup_x509_name(X509_NAME *name, apr_pool_t *p)
{
    if (name) {
        apr_pool_cleanup_register(p, name, x509_name_cleanup,
                                  apr_pool_cleanup_null);
    }
    return name;
}

char *oa2_cleanup_malloced(char *buf, apr_pool_t *p)
{
    if (buf) {
        apr_pool_cleanup_register(p, buf, malloced_cleanup,
                                  apr_pool_cleanup_null);
    }
    return buf;
}
