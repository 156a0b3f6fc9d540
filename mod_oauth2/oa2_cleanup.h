/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/**
 * @file oa2_cleanup.h
 * @brief Bind foreign objects (OpenSSL, jansson) to an APR pool.
 *
 * Every EVP_PKEY, BIO, json_t is handed to one of these on the line after it
 * is created, so there is no hand-written free path anywhere in the core.
 */
#ifndef OA2_CLEANUP_H
#define OA2_CLEANUP_H

#include <apr_pools.h>
#include <jansson.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

/** Decref @a json when @a p is cleared; returns @a json (NULL passes). */
json_t *oa2_cleanup_json(json_t *json, apr_pool_t *p);

/** Free @a pkey when @a p is cleared; returns @a pkey (NULL passes). */
EVP_PKEY *oa2_cleanup_pkey(EVP_PKEY *pkey, apr_pool_t *p);

/** Free @a ctx when @a p is cleared; returns @a ctx (NULL passes). */
EVP_PKEY_CTX *oa2_cleanup_pkey_ctx(EVP_PKEY_CTX *ctx, apr_pool_t *p);

/** Free @a bio when @a p is cleared; returns @a bio (NULL passes). */
BIO *oa2_cleanup_bio(BIO *bio, apr_pool_t *p);

/** Free @a x (may be NULL) with @a p; @return @a x. */
X509 *oa2_cleanup_x509(X509 *x, apr_pool_t *p);

/** Free @a name (may be NULL) with @a p; @return @a name. */
X509_NAME *oa2_cleanup_x509_name(X509_NAME *name, apr_pool_t *p);

/** Free a malloc()ed buffer (jansson's dumps) when @a p is cleared. */
char *oa2_cleanup_malloced(char *buf, apr_pool_t *p);

#endif /* OA2_CLEANUP_H */
