/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/**
 * @file oa2_form.h
 * @brief application/x-www-form-urlencoded bodies and query strings
 * (HTML URL-encoded form, as OAuth uses it: RFC 6749 Appendix B).
 */
#ifndef OA2_FORM_H
#define OA2_FORM_H

#include <apr_pools.h>
#include <apr_tables.h>

#include "oa2_err.h"

/** Longest form body or query accepted, in bytes. */
#define OA2_FORM_MAX_LEN (64 * 1024)

/** Parsed parameters; a name may occur more than once. */
typedef struct oa2_form_t {
    apr_table_t *params; /* decoded name -> decoded value, in order */
} oa2_form_t;

/**
 * Parse "a=1&b=2" ('+' is a space, %XX decoded). Empty pairs ("a=1&&b")
 * are skipped; a pair without '=' has the empty value.
 * @return APR_SUCCESS, or 400 invalid_request for a bad %-escape, a
 *         decoded NUL byte, invalid UTF-8, or more than OA2_FORM_MAX_LEN
 */
apr_status_t oa2_form_parse(oa2_form_t **form, const char *text, apr_size_t len,
                            oa2_err_t *err, apr_pool_t *p);

/** Nonzero when @a len bytes at @a s are well-formed UTF-8 (RFC 3629). */
int oa2_form_utf8_valid(const char *s, apr_size_t len);

/**
 * The one value of @a name.
 * @param value receives the value, or NULL when absent (and not required)
 * @param required nonzero: absence is an error
 * @param name a constant of the caller, never request text: the error
 *        description names it
 * @return APR_SUCCESS; 400 invalid_request "NAME is missing" when required
 *         and absent (an empty value counts as absent), or "NAME is
 *         repeated" when it occurs more than once (RFC 6749 §3.1, §3.2)
 */
apr_status_t oa2_form_single(const char **value, const oa2_form_t *form,
                             const char *name, int required, oa2_err_t *err,
                             apr_pool_t *p);

/**
 * The first parameter name that occurs more than once (names compared
 * case-sensitively), or NULL: RFC 6749 §3.1 forbids repeating any.
 */
const char *oa2_form_repeated(const oa2_form_t *form);

/**
 * @a name when it is a plain name (letters, digits, '_', '-', '.', at most
 * 40), else "a parameter": what a log line may say about a name the
 * request chose. Never for an error_description, which carries no request
 * text at all.
 */
const char *oa2_form_safe_name(const char *name);

/** Percent-encode @a s for a query component (unreserved chars kept). */
const char *oa2_form_escape(const char *s, apr_pool_t *p);

/**
 * Append parameters to @a uri: "?" or "&" as the URI needs, then each
 * name=value pair, values escaped. Arguments are name, value pairs ended by
 * NULL; a pair whose value is NULL is left out.
 */
const char *oa2_form_append(apr_pool_t *p, const char *uri, ...);

#endif /* OA2_FORM_H */
