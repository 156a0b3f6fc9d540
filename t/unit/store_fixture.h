/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/**
 * @file store_fixture.h
 * @brief A real SQLite database in memory for store and grant tests, and
 * the AS they run against; the fuzz targets link it too.
 */
#ifndef STORE_FIXTURE_H
#define STORE_FIXTURE_H

#include <apr_pools.h>

#include "oa2_as.h"
#include "oa2_clientauth.h"
#include "oa2_store.h"

/** A store on a fresh in-memory SQLite database, closed with @a p. */
oa2_store_t *fixture_store(const char *issuer, apr_pool_t *p);

/**
 * An AS with the EC test key (data/ec256.pem, relative to t/unit where the
 * unit tests run), scopes read and write, one resource.
 */
oa2_as_t *fixture_as(const char *issuer, apr_pool_t *p);

/** fixture_as() signing with the key in PEM file @a key_file. */
oa2_as_t *fixture_as_keyed(const char *issuer, const char *key_file,
                           apr_pool_t *p);

/**
 * Define scope @a name with the consent text @a description, as an
 * OAuth2Scope line does: in a copy of the scopes of @a as, so that the
 * array it had (perhaps shared with another AS) stays as it was.
 */
void fixture_scope_add(oa2_as_t *as, const char *name, const char *description,
                       apr_pool_t *p);

/**
 * Register a client; @a secret NULL makes it public (auth method none),
 * else it is client_secret_basic, the RFC 7591 and oauth2-admin default.
 */
oa2_client_t *fixture_client(oa2_store_t *st, const char *id,
                             const char *secret, const char *grants,
                             const char *redirect_uri, apr_pool_t *p);

/** fixture_client() with the token_endpoint_auth_method @a method. */
oa2_client_t *fixture_client_method(oa2_store_t *st, const char *id,
                                    const char *secret, const char *method,
                                    const char *grants,
                                    const char *redirect_uri, apr_pool_t *p);

/** A back-channel request of @a form and the Authorization header
 * @a authorization alone (no certificate, no DPoP proof). */
const oa2_backchannel_t *fixture_bc(const oa2_form_t *form,
                                    const char *authorization, apr_pool_t *p);

#endif /* STORE_FIXTURE_H */
