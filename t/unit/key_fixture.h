/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/**
 * @file key_fixture.h
 * @brief The test keys of t/unit/data/, loaded as the module loads
 * OAuth2SigningKey.
 */
#ifndef KEY_FIXTURE_H
#define KEY_FIXTURE_H

#include <apr_pools.h>

#include "oa2_keys.h"

/**
 * The private key in PEM file data/@a file (relative to t/unit, where the
 * unit tests run) with key id @a kid (NULL: its RFC 7638 thumbprint), or
 * NULL when it cannot be loaded.
 */
oa2_key_t *fixture_key(const char *file, const char *kid, apr_pool_t *p);

#endif /* KEY_FIXTURE_H */
