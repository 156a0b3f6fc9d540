/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/* The fields of the audit lines: never a token, nothing that forges a
 * line. */
#include <string.h>

#include <apr_strings.h>

#include "oa2_audit.h"
#include "oa2_b64.h"
#include "unit.h"

static const char *fake_jwt(const char *claims, apr_pool_t *p)
{
    return apr_pstrcat(
        p, "eyJhbGciOiJFUzI1NiJ9.",
        oa2_b64_encode((const unsigned char *)claims, strlen(claims), p),
        ".c2lnbmF0dXJl", NULL);
}

static void test_token_response(apr_pool_t *p)
{
    const char *at = fake_jwt("{\"sub\":\"alice\",\"client_id\":\"c1\","
                              "\"scope\":\"openid read\",\"jti\":\"J1\"}",
                              p);
    const char *json =
        apr_psprintf(p,
                     "{\"access_token\":\"%s\",\"token_type\":\"Bearer\","
                     "\"refresh_token\":\"RT-SECRET\",\"id_token\":\"x.y.z\"}",
                     at);
    oa2_audit_issue_t is;
    oa2_err_t err;

    UNIT_EQ_INT(oa2_audit_token_response(&is, json, &err, p), APR_SUCCESS);
    UNIT_EQ_STR(is.sub, "alice");
    UNIT_EQ_STR(is.client_id, "c1");
    UNIT_EQ_STR(is.scope, "openid read");
    UNIT_EQ_STR(is.jti, "J1");
    UNIT_EQ_INT(is.refresh, 1);
    UNIT_EQ_INT(is.id_token, 1);
}

static void test_token_response_without_scope(apr_pool_t *p)
{
    const char *at =
        fake_jwt("{\"sub\":\"svc\",\"client_id\":\"svc\",\"jti\":\"J2\"}", p);
    oa2_audit_issue_t is;
    oa2_err_t err;

    UNIT_EQ_INT(
        oa2_audit_token_response(
            &is, apr_psprintf(p, "{\"access_token\":\"%s\"}", at), &err, p),
        APR_SUCCESS);
    UNIT_EQ_STR(is.scope, "");
    UNIT_EQ_INT(is.refresh, 0);
}

static void test_token_response_refused(apr_pool_t *p)
{
    oa2_audit_issue_t is;
    oa2_err_t err;

    UNIT_ASSERT(oa2_audit_token_response(&is, "not json", &err, p)
                != APR_SUCCESS);
    UNIT_EQ_STR(err.log_id, "OA2-01803");
    UNIT_ASSERT(
        oa2_audit_token_response(&is, "{\"access_token\":\"a.b\"}", &err, p)
        != APR_SUCCESS);
    UNIT_ASSERT(
        oa2_audit_token_response(&is,
                                 apr_psprintf(p, "{\"access_token\":\"%s\"}",
                                              fake_jwt("{\"sub\":\"x\"}", p)),
                                 &err, p)
        != APR_SUCCESS);
}

static void test_quote(apr_pool_t *p)
{
    UNIT_EQ_STR(oa2_audit_quote("alice", p), "\"alice\"");
    UNIT_EQ_STR(oa2_audit_quote(NULL, p), "-");
    UNIT_EQ_STR(oa2_audit_quote("a\"b\\c", p), "\"a\\\"b\\\\c\"");
    /* No forged line, no terminal escape, no raw UTF-8. */
    UNIT_EQ_STR(oa2_audit_quote("x\nOA2-01810: y\x1b[", p),
                "\"x\\x0aOA2-01810: y\\x1b[\"");
    UNIT_EQ_STR(oa2_audit_quote("\xc3\xa9", p), "\"\\xc3\\xa9\"");
}

static void test_fields(apr_pool_t *p)
{
    UNIT_EQ_STR(oa2_audit_fields(p, "sub", "alice", "client_id", "c 1", NULL),
                "sub=\"alice\" client_id=\"c 1\"");
    UNIT_EQ_STR(oa2_audit_fields(p, NULL), "");
}

void unit_suite_audit(void)
{
    unit_suite("audit");
    UNIT_RUN(test_token_response);
    UNIT_RUN(test_token_response_without_scope);
    UNIT_RUN(test_token_response_refused);
    UNIT_RUN(test_quote);
    UNIT_RUN(test_fields);
}
