/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/**
 * @file oa2_tmpl.h
 * @brief HTML templates for the consent and error pages.
 *
 * A deliberately small language, so a template can never run code:
 *   {{name}}                 the value of name, HTML-escaped
 *   {{#list}} ... {{/list}}  the block once per item of list, where each
 *                            item's fields are in scope as {{field}}
 *   {{?name}} ... {{/name}}  the block when name is set and non-empty
 * Names are [a-z0-9_]+. Anything else between braces is a parse error
 * found when the template is loaded (at start-up), not when rendered.
 */
#ifndef OA2_TMPL_H
#define OA2_TMPL_H

#include <apr_pools.h>
#include <apr_hash.h>
#include <apr_tables.h>

#include "oa2_err.h"

/** A parsed template, read-only after loading. */
typedef struct oa2_tmpl_t oa2_tmpl_t;

/** Values to render: name -> string, or name -> list of oa2_tmpl_vars_t. */
typedef struct oa2_tmpl_vars_t {
    apr_table_t *values; /* name -> string */
    apr_hash_t *lists;   /* name -> apr_array_header_t of oa2_tmpl_vars_t * */
} oa2_tmpl_vars_t;

/** Parse template text; errors name the line. */
apr_status_t oa2_tmpl_parse(oa2_tmpl_t **tmpl, const char *text, apr_size_t len,
                            oa2_err_t *err, apr_pool_t *p);

/** Read and parse a template file (at most 256 KiB). */
apr_status_t oa2_tmpl_load(oa2_tmpl_t **tmpl, const char *path, oa2_err_t *err,
                           apr_pool_t *p);

/**
 * The template directory of a server without OAuth2TemplateDir: the first
 * of the @a n directories @a dirs (NULL or empty entries skipped) that
 * holds a regular file consent.html. OA2-01850 when none does; its
 * description names every directory searched and the directive line that
 * fixes it.
 */
apr_status_t oa2_tmpl_find_dir(const char **dir, const char *const *dirs, int n,
                               oa2_err_t *err, apr_pool_t *p);

/** Empty variables. */
oa2_tmpl_vars_t *oa2_tmpl_vars_make(apr_pool_t *p);

/** Set a string variable (copied). */
void oa2_tmpl_set(oa2_tmpl_vars_t *vars, const char *name, const char *value);

/** Append a new item to list @a name and return it for filling. */
oa2_tmpl_vars_t *oa2_tmpl_add_item(oa2_tmpl_vars_t *vars, const char *name);

/**
 * Render: every value HTML-escaped (& < > " ' and `), unknown names render
 * as nothing, lookups inside a list item fall back to the outer variables.
 */
const char *oa2_tmpl_render(const oa2_tmpl_t *tmpl, const oa2_tmpl_vars_t *vars,
                            apr_pool_t *p);

/** HTML-escape @a s (the escaping oa2_tmpl_render() applies). */
const char *oa2_tmpl_escape(const char *s, apr_pool_t *p);

#endif /* OA2_TMPL_H */
