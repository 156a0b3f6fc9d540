/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/*
 * Audit lines: one per grant issued or revoked, at notice, which httpd
 * 2.4 writes whatever the LogLevel (log.c: "don't log messages that are
 * above the module's log level unless it is a startup/shutdown notice"),
 * so the default LogLevel warn shows them; the fields are oa2_audit.c's,
 * never a token, code or secret. Each is written where its event is final:
 * after the transaction that made it committed.
 */
#include "httpd.h"
#include "http_log.h"

#include <apr_strings.h>

#include "mod_oauth2_private.h"
#include "oa2_audit.h"

void oa2_ap_audit(request_rec *r, const char *log_id, const char *what,
                  const char *fields)
{
    ap_log_rerror(APLOG_MARK, APLOG_NOTICE, 0, r, "%s: audit: %s: %s", log_id,
                  what, fields);
}

void oa2_ap_audit_token(request_rec *r, const char *grant_type,
                        const char *json)
{
    oa2_audit_issue_t is;
    oa2_err_t err;

    if (oa2_audit_token_response(&is, json, &err, r->pool) != APR_SUCCESS) {
        oa2_ap_io_log_error(r, &err);
        return;
    }
    oa2_ap_audit(
        r, "OA2-01810", "token issued",
        oa2_audit_fields(r->pool, "grant_type", grant_type, "sub", is.sub,
                         "client_id", is.client_id, "scope", is.scope, "jti",
                         is.jti, "refresh_token",
                         !is.refresh                                ? "none"
                             : !strcmp(grant_type, "refresh_token") ? "rotated"
                                                                    : "issued",
                         "id_token", is.id_token ? "issued" : "none", NULL));
}
