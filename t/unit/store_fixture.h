/**
 * @file store_fixture.h
 * @brief A real SQLite database in memory for store and grant tests.
 */
#ifndef STORE_FIXTURE_H
#define STORE_FIXTURE_H

#include <apr_pools.h>

#include "oa2_as.h"
#include "oa2_store.h"

/** A store on a fresh in-memory SQLite database, closed with @a p. */
oa2_store_t *fixture_store(const char *issuer, apr_pool_t *p);

/** An AS with the EC test key, scopes read and write, one resource. */
oa2_as_t *fixture_as(const char *issuer, apr_pool_t *p);

/** Register a client; @a secret NULL makes it public. */
oa2_client_t *fixture_client(oa2_store_t *st, const char *id,
                             const char *secret, const char *grants,
                             const char *redirect_uri, apr_pool_t *p);

#endif /* STORE_FIXTURE_H */
