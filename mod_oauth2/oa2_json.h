/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/**
 * @file oa2_json.h
 * @brief JSON objects written straight into a pool, for the documents the
 * token endpoint sends on every request (the access token's claims, the
 * token response): building them as jansson trees and dumping them cost a
 * hash table and a callback per value.
 */
#ifndef OA2_JSON_H
#define OA2_JSON_H

#include <apr_pools.h>
#include <apr_tables.h>

/** An object being written; start it with oa2_json_begin(). */
typedef struct oa2_json_obj_t {
    apr_array_header_t *parts; /* of const char *: the text so far */
    int bad;                   /* a value was not valid UTF-8 */
} oa2_json_obj_t;

/**
 * @a s as a JSON string literal (RFC 8259 §7), quotes included: '"', '\'
 * and control characters escaped, everything else as it is.
 * @return the literal, or NULL when @a s is not well-formed UTF-8 (JSON
 *         text must be, RFC 8259 §8.1)
 */
const char *oa2_json_quote(const char *s, apr_pool_t *p);

/** Start an empty object in @a obj. */
void oa2_json_begin(oa2_json_obj_t *obj, apr_pool_t *p);

/** Add the member @a name with the string value @a value. */
void oa2_json_add_string(oa2_json_obj_t *obj, const char *name,
                         const char *value, apr_pool_t *p);

/** Add the member @a name with the integer value @a value. */
void oa2_json_add_int(oa2_json_obj_t *obj, const char *name, apr_int64_t value,
                      apr_pool_t *p);

/**
 * Add the member @a name whose value is the object @a member, as
 * oa2_json_end() finished it; NULL (a value that was not valid UTF-8)
 * makes @a obj fail the same way.
 */
void oa2_json_add_object(oa2_json_obj_t *obj, const char *name,
                         const char *member, apr_pool_t *p);

/**
 * Close the object.
 * @param len receives the text's length, when not NULL
 * @return the compact JSON text, or NULL when a name or value was not
 *         valid UTF-8
 */
const char *oa2_json_end(oa2_json_obj_t *obj, apr_size_t *len, apr_pool_t *p);

#endif /* OA2_JSON_H */
