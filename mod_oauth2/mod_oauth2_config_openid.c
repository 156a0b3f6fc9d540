/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/*
 * The OpenID Provider's directives: OAuth2OpenID, OAuth2IDTokenTTL and
 * OAuth2UserClaim. Their fields are created and merged with the rest of
 * the server record (mod_oauth2_config.c).
 */
#include "httpd.h"
#include "http_config.h"
#include "ap_expr.h"
#include "http_log.h"

#include <apr_strings.h>

#include "mod_oauth2_private.h"
#include "oa2_idtoken.h"

static oa2_server_conf_t *server_conf(cmd_parms *cmd)
{
    return ap_get_module_config(cmd->server->module_config, &oauth2_module);
}

const char *oa2_ap_config_set_id_token_ttl(cmd_parms *cmd, void *dc,
                                           const char *arg)
{
    const char *err = ap_check_cmd_context(cmd, NOT_IN_DIR_CONTEXT);

    (void)dc;
    /* Up to a day: an ID token is a statement about a login, read once by
     * the client that asked for it. */
    return err ? err
               : oa2_ap_config_seconds_arg(&server_conf(cmd)->id_token_ttl, cmd,
                                           arg, 1, 86400);
}

const char *oa2_ap_config_add_user_claim(cmd_parms *cmd, void *dc,
                                         const char *scope, const char *name,
                                         const char *expr)
{
    oa2_server_conf_t *c = server_conf(cmd);
    const char *err = ap_check_cmd_context(cmd, NOT_IN_DIR_CONTEXT);
    oa2_idtoken_claim_t *claim;
    ap_expr_info_t *info;
    oa2_err_t e;
    int i;

    (void)dc;
    if (err) {
        return err;
    }
    if (oa2_idtoken_claim_make(&claim, scope, name, &e, cmd->pool)
        != APR_SUCCESS) {
        return apr_psprintf(cmd->pool, "OAuth2UserClaim %s %s: %s", scope, name,
                            e.description);
    }
    info = ap_expr_parse_cmd(cmd, expr, AP_EXPR_FLAG_STRING_RESULT, &err, NULL);
    if (err) {
        return apr_psprintf(cmd->pool,
                            "OAuth2UserClaim %s %s: cannot parse the "
                            "expression \"%s\": %s",
                            scope, name, expr, err);
    }
    if (!c->user_claims) {
        c->user_claims = apr_array_make(cmd->pool, 4, sizeof(*claim));
        c->user_claim_exprs = apr_array_make(cmd->pool, 4, sizeof(info));
    }
    for (i = 0; i < c->user_claims->nelts; i++) {
        const oa2_idtoken_claim_t *had =
            &APR_ARRAY_IDX(c->user_claims, i, oa2_idtoken_claim_t);
        if (!strcmp(had->scope, scope) && !strcmp(had->name, name)) {
            return apr_psprintf(cmd->pool,
                                "OAuth2UserClaim %s %s is duplicate in "
                                "this server",
                                scope, name);
        }
    }
    *(oa2_idtoken_claim_t *)apr_array_push(c->user_claims) = *claim;
    APR_ARRAY_PUSH(c->user_claim_exprs, ap_expr_info_t *) = info;
    return NULL;
}
