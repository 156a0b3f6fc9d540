/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/* The counters of a virtual host and their Prometheus exposition. */
#include <string.h>

#include "oa2_metrics.h"
#include "unit.h"

static void test_empty_render_is_fixed(apr_pool_t *p)
{
    oa2_metrics_t m;
    const char *text;

    memset(&m, 0, sizeof(m));
    text = oa2_metrics_render(&m, p);
    /* Deterministic: twice the same text. */
    UNIT_EQ_STR(text, oa2_metrics_render(&m, p));
    UNIT_ASSERT(!strncmp(text,
                         "# HELP oauth2_tokens_issued_total Access tokens "
                         "issued by the token endpoint, by grant type.\n"
                         "# TYPE oauth2_tokens_issued_total counter\n"
                         "oauth2_tokens_issued_total{grant_type="
                         "\"authorization_code\"} 0\n",
                         strlen("# HELP oauth2_tokens_issued_total Access "
                                "tokens issued by the token endpoint, by "
                                "grant type.\n")));
    UNIT_ASSERT(strstr(text,
                       "# TYPE oauth2_errors_total counter\n"
                       "# HELP oauth2_bearer_checks_total"));
    UNIT_ASSERT(strstr(text, "oauth2_bearer_checks_total{result=\"ok\"} 0\n"));
    UNIT_ASSERT(strstr(text,
                       "# TYPE oauth2_database_query_duration_seconds "
                       "histogram\n"));
    UNIT_ASSERT(strstr(text,
                       "oauth2_database_query_duration_seconds_sum "
                       "0.000000\n"
                       "oauth2_database_query_duration_seconds_count "
                       "0\n"));
    UNIT_EQ_INT(text[strlen(text) - 1], '\n');
}

static void test_counts_show(apr_pool_t *p)
{
    oa2_metrics_t m;
    oa2_err_t e = {400, "invalid_grant", "d", "OA2-00251", NULL, 0};
    const char *text;

    memset(&m, 0, sizeof(m));
    oa2_metrics_count_issued(&m, "authorization_code");
    oa2_metrics_count_issued(&m, "refresh_token");
    oa2_metrics_count_issued(&m, "refresh_token");
    oa2_metrics_count_issued(&m,
                             "urn:ietf:params:oauth:grant-type:device_code");
    oa2_metrics_count_issued(&m, "password");
    oa2_metrics_count_error(&m, "token", &e);
    oa2_metrics_count_error(&m, "token", &e);
    oa2_metrics_count_error(&m, "nonsense\"", &e);
    oa2_metrics_count_cache(&m, 1);
    oa2_metrics_count_cache(&m, 0);
    oa2_metrics_count_cache(&m, 0);
    text = oa2_metrics_render(&m, p);
    UNIT_ASSERT(strstr(text, "{grant_type=\"authorization_code\"} 1\n"));
    UNIT_ASSERT(strstr(text, "{grant_type=\"refresh_token\"} 2\n"));
    UNIT_ASSERT(strstr(text, "{grant_type=\"client_credentials\"} 0\n"));
    UNIT_ASSERT(strstr(text,
                       "{grant_type=\"urn:ietf:params:oauth:grant-type:"
                       "device_code\"} 1\n"));
    UNIT_ASSERT(strstr(text, "{grant_type=\"other\"} 1\n"));
    UNIT_ASSERT(strstr(text,
                       "oauth2_errors_total{endpoint=\"token\","
                       "error=\"invalid_grant\"} 2\n"));
    /* An unknown endpoint counts as other: no label from the request. */
    UNIT_ASSERT(strstr(text,
                       "oauth2_errors_total{endpoint=\"other\","
                       "error=\"invalid_grant\"} 1\n"));
    UNIT_ASSERT(!strstr(text, "nonsense"));
    /* Pairs that never happened are left out. */
    UNIT_ASSERT(!strstr(text, "error=\"invalid_client\""));
    UNIT_ASSERT(strstr(text,
                       "oauth2_token_cache_lookups_total{result=\"hit\"}"
                       " 1\noauth2_token_cache_lookups_total{result="
                       "\"miss\"} 2\n"));
}

static void test_error_codes(apr_pool_t *p)
{
    oa2_metrics_t m;
    oa2_err_t e5 = {503, NULL, "d", "OA2-00210", NULL, 0};
    oa2_err_t e405 = {405, NULL, NULL, "OA2-00001", NULL, 0};
    oa2_err_t odd = {400, "made_up", NULL, "OA2-00001", NULL, 0};
    const char *text;

    memset(&m, 0, sizeof(m));
    oa2_metrics_count_error(&m, "authorize", &e5);
    oa2_metrics_count_error(&m, "authorize", &e405);
    oa2_metrics_count_error(&m, "revoke", &odd);
    text = oa2_metrics_render(&m, p);
    UNIT_ASSERT(strstr(text,
                       "{endpoint=\"authorize\",error=\"server_error\"} "
                       "1\n"));
    UNIT_ASSERT(strstr(text, "{endpoint=\"authorize\",error=\"other\"} 1\n"));
    UNIT_ASSERT(strstr(text, "{endpoint=\"revoke\",error=\"other\"} 1\n"));
    UNIT_EQ_STR(oa2_metrics_endpoint_name(oa2_metrics_endpoint("par")), "par");
    UNIT_EQ_STR(oa2_metrics_error_name(oa2_metrics_error("slow_down")),
                "slow_down");
    UNIT_ASSERT(!oa2_metrics_error_name(OA2_METRICS_ERRORS));
    UNIT_ASSERT(!oa2_metrics_endpoint_name(-1));
}

static void test_bearer_classes(apr_pool_t *p)
{
    oa2_err_t missing = {401, NULL, NULL, "OA2-00103", NULL, 0};
    oa2_err_t bad = {400, "invalid_request", "x", "OA2-00030", NULL, 0};
    oa2_err_t expired = {
        401, "invalid_token", "the token has expired", "OA2-00054", NULL, 0};
    oa2_err_t revoked = {
        401, "invalid_token", "the token has been revoked", "OA2-00781", NULL,
        0};
    oa2_err_t sig = {401, "invalid_token", "x", "OA2-00040", NULL, 0};
    oa2_err_t dpop = {401, "invalid_dpop_proof", "x", "OA2-01500", NULL, 0};
    oa2_err_t scope = {403, "insufficient_scope", "x", "OA2-00110", NULL, 0};
    oa2_err_t down = {503, "temporarily_unavailable", "x", "OA2-00780", NULL,
                      0};
    oa2_metrics_t m;
    const char *text;

    (void)p;
    UNIT_EQ_INT(oa2_metrics_bearer_result(NULL), OA2_METRICS_BEARER_OK);
    UNIT_EQ_INT(oa2_metrics_bearer_result(&missing),
                OA2_METRICS_BEARER_MISSING);
    UNIT_EQ_INT(oa2_metrics_bearer_result(&bad), OA2_METRICS_BEARER_MALFORMED);
    UNIT_EQ_INT(oa2_metrics_bearer_result(&expired),
                OA2_METRICS_BEARER_EXPIRED);
    UNIT_EQ_INT(oa2_metrics_bearer_result(&revoked),
                OA2_METRICS_BEARER_REVOKED);
    UNIT_EQ_INT(oa2_metrics_bearer_result(&sig), OA2_METRICS_BEARER_INVALID);
    UNIT_EQ_INT(oa2_metrics_bearer_result(&dpop), OA2_METRICS_BEARER_DPOP);
    UNIT_EQ_INT(oa2_metrics_bearer_result(&scope), OA2_METRICS_BEARER_SCOPE);
    UNIT_EQ_INT(oa2_metrics_bearer_result(&down),
                OA2_METRICS_BEARER_UNAVAILABLE);
    memset(&m, 0, sizeof(m));
    oa2_metrics_count_bearer(&m, NULL);
    oa2_metrics_count_bearer(&m, NULL);
    oa2_metrics_count_bearer(&m, &expired);
    oa2_metrics_count_bearer(NULL, &expired); /* no slot: nothing */
    text = oa2_metrics_render(&m, p);
    UNIT_ASSERT(strstr(text, "oauth2_bearer_checks_total{result=\"ok\"} 2\n"));
    UNIT_ASSERT(strstr(text,
                       "oauth2_bearer_checks_total{result=\"expired\"} "
                       "1\n"));
    UNIT_ASSERT(strstr(text,
                       "oauth2_bearer_checks_total{result=\"revoked\"} "
                       "0\n"));
}

static void test_db_histogram(apr_pool_t *p)
{
    oa2_metrics_t m;
    const char *text;

    memset(&m, 0, sizeof(m));
    oa2_metrics_count_db(&m, 400, 0);     /* 0.0004 s */
    oa2_metrics_count_db(&m, 500, 0);     /* on a bound: le 0.0005 */
    oa2_metrics_count_db(&m, 3000, 1);    /* a failed statement */
    oa2_metrics_count_db(&m, 9000000, 0); /* over the last bound */
    oa2_metrics_count_db(&m, -1, 1);      /* no connection: no time */
    text = oa2_metrics_render(&m, p);
    UNIT_ASSERT(strstr(text, "oauth2_database_errors_total 2\n"));
    UNIT_ASSERT(strstr(text,
                       "_bucket{le=\"0.0005\"} 2\n"
                       "oauth2_database_query_duration_seconds_bucket"
                       "{le=\"0.001\"} 2\n"
                       "oauth2_database_query_duration_seconds_bucket"
                       "{le=\"0.0025\"} 2\n"
                       "oauth2_database_query_duration_seconds_bucket"
                       "{le=\"0.005\"} 3\n"));
    UNIT_ASSERT(strstr(text,
                       "_bucket{le=\"2.5\"} 3\n"
                       "oauth2_database_query_duration_seconds_bucket"
                       "{le=\"+Inf\"} 4\n"
                       "oauth2_database_query_duration_seconds_sum "
                       "9.003900\n"
                       "oauth2_database_query_duration_seconds_count "
                       "4\n"));
}

static void test_label_escape(apr_pool_t *p)
{
    UNIT_EQ_STR(oa2_metrics_label_escape("plain", p), "plain");
    UNIT_EQ_STR(oa2_metrics_label_escape("a\"b\\c\nd", p), "a\\\"b\\\\c\\nd");
    UNIT_EQ_STR(oa2_metrics_label_escape("", p), "");
}

void unit_suite_metrics(void)
{
    unit_suite("metrics");
    UNIT_RUN(test_empty_render_is_fixed);
    UNIT_RUN(test_counts_show);
    UNIT_RUN(test_error_codes);
    UNIT_RUN(test_bearer_classes);
    UNIT_RUN(test_db_histogram);
    UNIT_RUN(test_label_escape);
}
