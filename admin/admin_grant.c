/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/*
 * oauth2-admin grant ...: what a user consented to, and withdrawing it.
 * Withdrawing forgets the consent (the next authorization asks again),
 * deletes the grant's codes and revokes its refresh tokens and the access
 * tokens issued to it: introspection answers inactive at once, and so do
 * locations with OAuth2CheckRevocation (within their
 * OAuth2RevocationCacheTTL, which this process cannot reach).
 */
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <apr_strings.h>

#include "oa2_audit.h"
#include "oauth2_admin.h"

static int grant_list(oa2_admin_t *a, const char *user)
{
    apr_array_header_t *consents;
    oa2_err_t err = {0};
    int status, i;

    if ((status = oa2_admin_open(a)) != OA2_ADMIN_OK) {
        return status;
    }
    if (oa2_store_consent_list(&consents, &a->store, user, &err, a->pool)
        != APR_SUCCESS) {
        return oa2_admin_fail_err(&err);
    }
    for (i = 0; i < consents->nelts; i++) {
        const oa2_consent_t *cs = APR_ARRAY_IDX(consents, i, oa2_consent_t *);
        printf("%s\t%s\t%s\n", oa2_admin_printable(cs->client_id, a->pool),
               oa2_admin_printable(cs->scope, a->pool),
               oa2_admin_iso8601(cs->updated_at, a->pool));
    }
    return OA2_ADMIN_OK;
}

/* A client that is gone may still have grants: the client is not looked
 * up, so they can be withdrawn all the same. */
static int grant_revoke(oa2_admin_t *a, const char *user, const char *client)
{
    oa2_err_t err = {0};
    const char *fields;
    apr_status_t rv;
    int status, revoked = 0;

    if ((status = oa2_admin_open(a)) != OA2_ADMIN_OK) {
        return status;
    }
    rv = oa2_store_begin(&a->store, &err, a->pool);
    if (rv == APR_SUCCESS) {
        rv = oa2_store_grant_revoke(&revoked, &a->store, user, client, &err,
                                    a->pool);
        rv = oa2_admin_end(a, rv, &err);
    }
    if (rv != APR_SUCCESS) {
        return oa2_admin_fail_err(&err);
    }
    /* The audit line of the revocation (committed), as the module writes
     * its own, to syslog (authpriv.notice); an operator at a terminal sees
     * it too. stderr stays for errors: scripts read an empty one as
     * success. */
    fields = oa2_audit_fields(a->pool, "sub", user, "client_id",
                              client ? client : "(all)", "grants",
                              apr_itoa(a->pool, revoked), NULL);
    openlog("oauth2-admin", isatty(STDERR_FILENO) ? LOG_PERROR : 0,
            LOG_AUTHPRIV);
    syslog(LOG_NOTICE, "OA2-01814: audit: grant revoked by oauth2-admin: %s",
           fields);
    closelog();
    printf("%d\n", revoked);
    return OA2_ADMIN_OK;
}

int oa2_admin_grant(oa2_admin_t *a, int argc, const char *const *argv)
{
    const char *sub = argc > 0 ? argv[0] : "";

    if (!strcmp(sub, "list")) {
        if (argc != 2) {
            return oa2_admin_usage("grant list needs one USER");
        }
        return grant_list(a, argv[1]);
    }
    if (!strcmp(sub, "revoke")) {
        if (argc != 2 && argc != 3) {
            return oa2_admin_usage("grant revoke needs a USER and may name "
                                   "one CLIENT_ID");
        }
        return grant_revoke(a, argv[1], argc == 3 ? argv[2] : NULL);
    }
    return oa2_admin_usage("grant needs list or revoke");
}
