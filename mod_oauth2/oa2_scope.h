/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/**
 * @file oa2_scope.h
 * @brief Scope strings (RFC 6749 §3.3): space-separated scope tokens.
 */
#ifndef OA2_SCOPE_H
#define OA2_SCOPE_H

#include <apr_pools.h>
#include <apr_tables.h>

/**
 * Nonzero when the space-separated @a scopes contains exactly the scope
 * token @a scope (no prefix or substring matches).
 */
int oa2_scope_contains(const char *scopes, const char *scope);

/** Nonzero when @a scope is a valid RFC 6749 scope-token. */
int oa2_scope_token_valid(const char *scope);

/**
 * Add each token of @a scopes to @a list (of const char *) unless already
 * there, keeping first-seen order.
 */
void oa2_scope_union(apr_array_header_t *list, const char *scopes,
                     apr_pool_t *p);

/** The tokens of @a list joined by single spaces. */
const char *oa2_scope_join(const apr_array_header_t *list, apr_pool_t *p);

/** @a scopes without the token @a scope (@a scopes itself when it has
 * none). */
const char *oa2_scope_without(const char *scopes, const char *scope,
                              apr_pool_t *p);

#endif /* OA2_SCOPE_H */
