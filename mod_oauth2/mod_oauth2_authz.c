/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/*
 * Require oauth2-scope | oauth2-claim | oauth2-client: authz providers in
 * the shape of mod_authz_user; arguments are parsed once, at config time.
 */
#include "httpd.h"
#include "http_config.h"
#include "http_core.h"
#include "http_log.h"
#include "http_request.h"
#include "ap_provider.h"
#include "mod_auth.h"

#include <apr_strings.h>

#include "mod_oauth2_private.h"
#include "oa2_scope.h"

/* The words of a Require line, parsed once. */
typedef struct require_args_t {
    apr_array_header_t *words; /* of const char * */
} require_args_t;

/* Split @a line into words; zero when fewer than @a min_words. */
static int parse_words(cmd_parms *cmd, const char *line, const void **parsed,
                       int min_words)
{
    require_args_t *args = apr_pcalloc(cmd->pool, sizeof(*args));
    const char *w;

    args->words = apr_array_make(cmd->pool, 4, sizeof(const char *));
    while (*line && (w = ap_getword_conf(cmd->pool, &line)) && *w) {
        APR_ARRAY_PUSH(args->words, const char *) = w;
    }
    *parsed = args;
    return args->words->nelts >= min_words;
}

static const char *parse_scope(cmd_parms *cmd, const char *line,
                               const void **parsed)
{
    const require_args_t *args;
    int i;

    if (!parse_words(cmd, line, parsed, 1)) {
        return "Require oauth2-scope needs at least one scope";
    }
    args = *parsed;
    for (i = 0; i < args->words->nelts; i++) {
        const char *scope = APR_ARRAY_IDX(args->words, i, const char *);
        if (!oa2_scope_token_valid(scope)) {
            return apr_psprintf(cmd->pool,
                                "Require oauth2-scope: '%s' is "
                                "not a valid scope token",
                                scope);
        }
    }
    return NULL;
}

static const char *parse_claim(cmd_parms *cmd, const char *line,
                               const void **parsed)
{
    if (!parse_words(cmd, line, parsed, 2)) {
        return "Require oauth2-claim needs a claim name and at least one "
               "value";
    }
    return NULL;
}

static const char *parse_client(cmd_parms *cmd, const char *line,
                                const void **parsed)
{
    if (!parse_words(cmd, line, parsed, 1)) {
        return "Require oauth2-client needs at least one client_id";
    }
    return NULL;
}

/* The token of an authenticated request, or why there is none. */
static authz_status token_or_status(request_rec *r, const char *provider,
                                    oa2_access_token_t **tok)
{
    if (!r->user) {
        return AUTHZ_DENIED_NO_USER;
    }
    *tok = oa2_ap_request_token(r);
    if (!*tok) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      "OA2-00114: Require %s needs AuthType OAuth2 for %s "
                      "(the user was authenticated otherwise)",
                      provider, r->uri);
        return AUTHZ_DENIED;
    }
    return AUTHZ_GRANTED;
}

/* Deny: log why for the admin, leave the client's reason for the
 * challenge. */
static authz_status refuse(request_rec *r, const char *log_id,
                           const char *description, const char *detail)
{
    oa2_err_t err;

    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "%s: %s", log_id, detail);
    oa2_err_set(&err, HTTP_FORBIDDEN, "insufficient_scope", log_id,
                description);
    oa2_ap_request_fail(r, &err);
    oa2_metrics_count_bearer(oa2_ap_metrics(r), &err);
    return AUTHZ_DENIED;
}

static authz_status check_scope(request_rec *r, const char *line,
                                const void *parsed)
{
    const require_args_t *args = parsed;
    oa2_request_t *rq;
    oa2_access_token_t *tok;
    authz_status st = token_or_status(r, "oauth2-scope", &tok);
    int i;

    if (st != AUTHZ_GRANTED) {
        return st;
    }
    for (i = 0; i < args->words->nelts; i++) {
        if (oa2_scope_contains(tok->scope,
                               APR_ARRAY_IDX(args->words, i, const char *))) {
            return AUTHZ_GRANTED;
        }
    }
    rq = oa2_ap_request_get(r);
    if (!rq->need_scope) {
        rq->need_scope = apr_array_make(r->pool, 4, sizeof(const char *));
    }
    oa2_scope_union(rq->need_scope,
                    apr_array_pstrcat(r->pool, args->words, ' '), r->pool);
    return refuse(r, "OA2-00110",
                  "the token lacks the scope this resource needs",
                  apr_psprintf(r->pool,
                               "token of %s (client %s) lacks "
                               "scope \"%s\" for %s",
                               tok->sub, tok->client_id, line, r->uri));
}

static authz_status check_claim(request_rec *r, const char *line,
                                const void *parsed)
{
    const require_args_t *args = parsed;
    const char *name = APR_ARRAY_IDX(args->words, 0, const char *);
    oa2_access_token_t *tok;
    authz_status st = token_or_status(r, "oauth2-claim", &tok);
    int i;

    if (st != AUTHZ_GRANTED) {
        return st;
    }
    for (i = 1; i < args->words->nelts; i++) {
        if (oa2_access_token_claim_equals(
                tok, name, APR_ARRAY_IDX(args->words, i, const char *),
                r->pool)) {
            return AUTHZ_GRANTED;
        }
    }
    return refuse(r, "OA2-00111",
                  "a claim of the token is not one this resource accepts",
                  apr_psprintf(r->pool,
                               "token of %s: claim %s does not "
                               "match \"Require oauth2-claim %s\" for %s",
                               tok->sub, name, line, r->uri));
}

static authz_status check_client(request_rec *r, const char *line,
                                 const void *parsed)
{
    const require_args_t *args = parsed;
    oa2_access_token_t *tok;
    authz_status st = token_or_status(r, "oauth2-client", &tok);
    int i;

    if (st != AUTHZ_GRANTED) {
        return st;
    }
    for (i = 0; i < args->words->nelts; i++) {
        if (!strcmp(tok->client_id,
                    APR_ARRAY_IDX(args->words, i, const char *))) {
            return AUTHZ_GRANTED;
        }
    }
    return refuse(r, "OA2-00112",
                  "the token was issued to a client this resource does "
                  "not accept",
                  apr_psprintf(r->pool,
                               "token of %s was issued to client "
                               "%s, not one of \"%s\" for %s",
                               tok->sub, tok->client_id, line, r->uri));
}

static const authz_provider scope_provider = {&check_scope, &parse_scope};
static const authz_provider claim_provider = {&check_claim, &parse_claim};
static const authz_provider client_provider = {&check_client, &parse_client};

void oa2_ap_authz_register_hooks(apr_pool_t *p)
{
    ap_register_auth_provider(p, AUTHZ_PROVIDER_GROUP, "oauth2-scope",
                              AUTHZ_PROVIDER_VERSION, &scope_provider,
                              AP_AUTH_INTERNAL_PER_CONF);
    ap_register_auth_provider(p, AUTHZ_PROVIDER_GROUP, "oauth2-claim",
                              AUTHZ_PROVIDER_VERSION, &claim_provider,
                              AP_AUTH_INTERNAL_PER_CONF);
    ap_register_auth_provider(p, AUTHZ_PROVIDER_GROUP, "oauth2-client",
                              AUTHZ_PROVIDER_VERSION, &client_provider,
                              AP_AUTH_INTERNAL_PER_CONF);
}
