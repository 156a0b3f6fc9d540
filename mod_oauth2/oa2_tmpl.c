/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/*
 * HTML templates for the consent and error pages: parsed once into a tree
 * of nodes at start-up, rendered per request with every value escaped.
 */
#include <string.h>

#include <apr_file_io.h>
#include <apr_strings.h>

#include "oa2_tmpl.h"

/* Largest template file accepted by oa2_tmpl_load(). */
#define TMPL_MAX_BYTES (256 * 1024)
/* Deepest nesting of blocks; bounds the recursion of rendering. */
#define TMPL_MAX_DEPTH 16

typedef enum {
    NODE_TEXT, /* literal text */
    NODE_VAR,  /* {{name}} */
    NODE_LIST, /* {{#name}} ... {{/name}} */
    NODE_COND  /* {{?name}} ... {{/name}} */
} node_kind_t;

typedef struct node_t node_t;
struct node_t {
    node_kind_t kind; /* what this node is */
    const char *text; /* the literal text, or the name */
    node_t *children; /* first node of a block's body */
    node_t *next;     /* next sibling */
    int line;         /* line of the tag, for errors */
};

struct oa2_tmpl_t {
    node_t *first; /* top-level nodes, in order */
};

/* A block being parsed: where its next node is linked in. */
typedef struct frame_t {
    node_t *block; /* the open block, NULL at top level */
    node_t **tail; /* where the next node of this level goes */
} frame_t;

/* The variables in scope while rendering: a list item, then its outers. */
typedef struct scope_t {
    const oa2_tmpl_vars_t *vars; /* innermost variables */
    const struct scope_t *outer; /* where lookups fall back to */
} scope_t;

static int is_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

static node_t *node_add(frame_t *top, node_kind_t kind, const char *text,
                        apr_size_t len, int line, apr_pool_t *p)
{
    node_t *node = apr_pcalloc(p, sizeof(*node));

    node->kind = kind;
    node->text = apr_pstrmemdup(p, text, len);
    node->line = line;
    *top->tail = node;
    top->tail = &node->next;
    return node;
}

/* Line number of offset @a at, counted incrementally from @a *from. */
static int advance_line(int line, const char *text, apr_size_t *from,
                        apr_size_t at)
{
    for (; *from < at; (*from)++) {
        if (text[*from] == '\n') {
            line++;
        }
    }
    return line;
}

apr_status_t oa2_tmpl_parse(oa2_tmpl_t **tmpl, const char *text, apr_size_t len,
                            oa2_err_t *err, apr_pool_t *p)
{
    apr_array_header_t *stack = apr_array_make(p, 4, sizeof(frame_t));
    oa2_tmpl_t *t = apr_pcalloc(p, sizeof(*t));
    apr_size_t i = 0, text_start = 0, counted = 0;
    frame_t *top;
    int line = 1;

    *tmpl = NULL;
    if (!text) {
        len = 0;
    }
    if (len && memchr(text, '\0', len)) {
        return oa2_err_set(err, 500, NULL, "OA2-00149",
                           "the template contains a NUL byte");
    }
    top = apr_array_push(stack);
    top->block = NULL;
    top->tail = &t->first;

    while (i + 1 < len) {
        apr_size_t start, name, end;
        char sigil = '\0';

        if (text[i] != '{' || text[i + 1] != '{') {
            i++;
            continue;
        }
        line = advance_line(line, text, &counted, i);
        if (i > text_start) {
            node_add(top, NODE_TEXT, text + text_start, i - text_start, line,
                     p);
        }
        start = i + 2;
        if (start < len
            && (text[start] == '#' || text[start] == '?'
                || text[start] == '/')) {
            sigil = text[start++];
        }
        for (end = start; end < len && is_name_char(text[end]); end++) {
        }
        name = start;
        if (end == name || end + 1 >= len || text[end] != '}'
            || text[end + 1] != '}') {
            /* text need not be NUL-terminated: bound the quote by len */
            apr_size_t show = 0;
            while (i + show < len && text[i + show] != '\n' && show < 40) {
                show++;
            }
            return oa2_err_setf(err, 500, NULL, "OA2-00150", p,
                                "line %d: bad tag \"%.*s\": expected "
                                "{{name}}, {{#name}}, {{?name}} or {{/name}} "
                                "with a name of [a-z0-9_]",
                                line, (int)show, text + i);
        }
        if (sigil == '#' || sigil == '?') {
            node_t *block;
            if (stack->nelts > TMPL_MAX_DEPTH) {
                return oa2_err_setf(err, 500, NULL, "OA2-00151", p,
                                    "line %d: blocks nested deeper than %d",
                                    line, TMPL_MAX_DEPTH);
            }
            block = node_add(top, sigil == '#' ? NODE_LIST : NODE_COND,
                             text + name, end - name, line, p);
            top = apr_array_push(stack);
            top->block = block;
            top->tail = &block->children;
        }
        else if (sigil == '/') {
            if (!top->block) {
                return oa2_err_setf(err, 500, NULL, "OA2-00152", p,
                                    "line %d: {{/%.*s}} closes no block", line,
                                    (int)(end - name), text + name);
            }
            if (strlen(top->block->text) != end - name
                || strncmp(top->block->text, text + name, end - name)) {
                return oa2_err_setf(
                    err, 500, NULL, "OA2-00153", p,
                    "line %d: {{/%.*s}} does not close {{%c%s}} of line %d",
                    line, (int)(end - name), text + name,
                    top->block->kind == NODE_LIST ? '#' : '?', top->block->text,
                    top->block->line);
            }
            apr_array_pop(stack);
            top = &APR_ARRAY_IDX(stack, stack->nelts - 1, frame_t);
        }
        else {
            node_add(top, NODE_VAR, text + name, end - name, line, p);
        }
        i = text_start = end + 2;
    }
    if (len > text_start) {
        node_add(top, NODE_TEXT, text + text_start, len - text_start, line, p);
    }
    if (top->block) {
        return oa2_err_setf(
            err, 500, NULL, "OA2-00154", p, "line %d: {{%c%s}} is never closed",
            top->block->line, top->block->kind == NODE_LIST ? '#' : '?',
            top->block->text);
    }
    *tmpl = t;
    return APR_SUCCESS;
}

apr_status_t oa2_tmpl_load(oa2_tmpl_t **tmpl, const char *path, oa2_err_t *err,
                           apr_pool_t *p)
{
    apr_file_t *f;
    apr_size_t n = TMPL_MAX_BYTES + 1;
    apr_status_t rv;
    char *buf;

    *tmpl = NULL;
    rv = apr_file_open(&f, path, APR_FOPEN_READ | APR_FOPEN_BINARY,
                       APR_FPROT_OS_DEFAULT, p);
    if (rv != APR_SUCCESS) {
        oa2_err_setf(err, 500, NULL, "OA2-00155", p, "cannot open template %s",
                     path);
        return oa2_err_cause(err, rv);
    }
    buf = apr_palloc(p, n);
    rv = apr_file_read_full(f, buf, n, &n);
    apr_file_close(f);
    if (rv != APR_SUCCESS && rv != APR_EOF) {
        oa2_err_setf(err, 500, NULL, "OA2-00156", p, "cannot read template %s",
                     path);
        return oa2_err_cause(err, rv);
    }
    if (n > TMPL_MAX_BYTES) {
        return oa2_err_setf(err, 500, NULL, "OA2-00157", p,
                            "template %s is larger than 256 KiB", path);
    }
    if (APR_SUCCESS != (rv = oa2_tmpl_parse(tmpl, buf, n, err, p))) {
        if (err) {
            err->description =
                apr_psprintf(p, "template %s: %s", path, err->description);
        }
        return rv;
    }
    return APR_SUCCESS;
}

apr_status_t oa2_tmpl_find_dir(const char **dir, const char *const *dirs, int n,
                               oa2_err_t *err, apr_pool_t *p)
{
    const char *searched = NULL;
    apr_finfo_t fi;
    int i;

    *dir = NULL;
    for (i = 0; i < n; i++) {
        if (!dirs[i] || !*dirs[i]) {
            continue;
        }
        if (apr_stat(&fi, apr_pstrcat(p, dirs[i], "/consent.html", NULL),
                     APR_FINFO_TYPE, p)
                == APR_SUCCESS
            && fi.filetype == APR_REG) {
            *dir = dirs[i];
            return APR_SUCCESS;
        }
        searched =
            searched ? apr_pstrcat(p, searched, ", ", dirs[i], NULL) : dirs[i];
    }
    return oa2_err_setf(
        err, 500, NULL, "OA2-01850", p,
        "no consent.html in %s: add the line \"OAuth2TemplateDir "
        "/absolute/path/to/templates\" naming the directory that holds "
        "consent.html, error.html and logout.html (a checkout's templates/ "
        "directory, or where \"make -f apxs.mk install\" put them)",
        searched ? searched : "(no directory compiled in)");
}

oa2_tmpl_vars_t *oa2_tmpl_vars_make(apr_pool_t *p)
{
    oa2_tmpl_vars_t *vars = apr_pcalloc(p, sizeof(*vars));

    vars->values = apr_table_make(p, 8);
    vars->lists = apr_hash_make(p);
    return vars;
}

void oa2_tmpl_set(oa2_tmpl_vars_t *vars, const char *name, const char *value)
{
    /* apr_table_set() copies both into the table's pool. */
    if (value) {
        apr_table_set(vars->values, name, value);
    }
    else {
        apr_table_unset(vars->values, name);
    }
}

oa2_tmpl_vars_t *oa2_tmpl_add_item(oa2_tmpl_vars_t *vars, const char *name)
{
    /* The struct carries no pool: items live where the hash lives. */
    apr_pool_t *p = apr_hash_pool_get(vars->lists);
    apr_array_header_t *list =
        apr_hash_get(vars->lists, name, APR_HASH_KEY_STRING);
    oa2_tmpl_vars_t *item = oa2_tmpl_vars_make(p);

    if (!list) {
        list = apr_array_make(p, 4, sizeof(oa2_tmpl_vars_t *));
        apr_hash_set(vars->lists, apr_pstrdup(p, name), APR_HASH_KEY_STRING,
                     list);
    }
    APR_ARRAY_PUSH(list, oa2_tmpl_vars_t *) = item;
    return item;
}

/* The innermost definition of @a name: a string or a list, or neither. */
static void lookup(const char **value, const apr_array_header_t **list,
                   const scope_t *scope, const char *name)
{
    *value = NULL;
    *list = NULL;
    for (; scope; scope = scope->outer) {
        if (scope->vars->values) {
            *value = apr_table_get(scope->vars->values, name);
        }
        if (*value) {
            return;
        }
        if (scope->vars->lists) {
            *list = apr_hash_get(scope->vars->lists, name, APR_HASH_KEY_STRING);
        }
        if (*list) {
            return;
        }
    }
}

static void render_nodes(apr_array_header_t *out, const node_t *node,
                         const scope_t *scope, apr_pool_t *p)
{
    const apr_array_header_t *list;
    const char *value;
    int i;

    for (; node; node = node->next) {
        switch (node->kind) {
        case NODE_TEXT:
            APR_ARRAY_PUSH(out, const char *) = node->text;
            break;
        case NODE_VAR:
            lookup(&value, &list, scope, node->text);
            if (value) {
                APR_ARRAY_PUSH(out, const char *) = oa2_tmpl_escape(value, p);
            }
            break;
        case NODE_COND:
            /* "Set and non-empty": a string with text, a list with items. */
            lookup(&value, &list, scope, node->text);
            if ((value && *value) || (list && list->nelts)) {
                render_nodes(out, node->children, scope, p);
            }
            break;
        case NODE_LIST:
            lookup(&value, &list, scope, node->text);
            for (i = 0; list && i < list->nelts; i++) {
                scope_t inner;
                inner.vars = APR_ARRAY_IDX(list, i, const oa2_tmpl_vars_t *);
                inner.outer = scope;
                if (inner.vars) {
                    render_nodes(out, node->children, &inner, p);
                }
            }
            break;
        }
    }
}

const char *oa2_tmpl_render(const oa2_tmpl_t *tmpl, const oa2_tmpl_vars_t *vars,
                            apr_pool_t *p)
{
    apr_array_header_t *out = apr_array_make(p, 64, sizeof(const char *));
    oa2_tmpl_vars_t none = {NULL, NULL};
    scope_t scope;

    scope.vars = vars ? vars : &none;
    scope.outer = NULL;
    if (tmpl) {
        render_nodes(out, tmpl->first, &scope, p);
    }
    return apr_array_pstrcat(p, out, '\0');
}

const char *oa2_tmpl_escape(const char *s, apr_pool_t *p)
{
    const char *c;
    apr_size_t n = 0;
    char *out, *o;

    if (!s) {
        return "";
    }
    for (c = s; *c; c++) {
        switch (*c) {
        case '&':
            n += 5; /* &amp; */
            break;
        case '<':
        case '>':
            n += 4; /* &lt; &gt; */
            break;
        case '"':
            n += 6; /* &quot; */
            break;
        case '\'':
        case '`':
            n += 5; /* &#39; &#96; */
            break;
        default:
            n++;
        }
    }
    out = o = apr_palloc(p, n + 1);
    for (c = s; *c; c++) {
        const char *entity;
        switch (*c) {
        case '&':
            entity = "&amp;";
            break;
        case '<':
            entity = "&lt;";
            break;
        case '>':
            entity = "&gt;";
            break;
        case '"':
            entity = "&quot;";
            break;
        case '\'':
            entity = "&#39;";
            break;
        case '`':
            entity = "&#96;";
            break;
        default:
            *o++ = *c;
            continue;
        }
        memcpy(o, entity, strlen(entity));
        o += strlen(entity);
    }
    *o = '\0';
    return out;
}
