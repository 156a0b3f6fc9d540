/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/* The counters of a virtual host and their Prometheus text exposition. */
#include <string.h>

#include <apr_strings.h>
#include <apr_tables.h>

#include "oa2_metrics.h"

/* Label values, in the order of the counters. */
static const char *const grant_names[OA2_METRICS_GRANTS] = {
    "authorization_code", "refresh_token", "client_credentials",
    "urn:ietf:params:oauth:grant-type:device_code", "other"};

static const char *const endpoint_names[OA2_METRICS_ENDPOINTS] = {
    "authorize", "token",    "introspect",
    "revoke",    "register", "userinfo",
    "logout",    "par",      "device_authorization",
    "device",    "jwks",     "other"};

/* RFC 6749, 6750, 7591, 8628, 8707, 9126, 9449, OpenID Core §3.1.2.6. */
static const char *const error_names[OA2_METRICS_ERRORS] = {
    "invalid_request",
    "invalid_client",
    "invalid_grant",
    "unauthorized_client",
    "unsupported_grant_type",
    "invalid_scope",
    "invalid_target",
    "access_denied",
    "unsupported_response_type",
    "server_error",
    "temporarily_unavailable",
    "invalid_token",
    "insufficient_scope",
    "invalid_dpop_proof",
    "use_dpop_nonce",
    "authorization_pending",
    "slow_down",
    "expired_token",
    "invalid_redirect_uri",
    "invalid_client_metadata",
    "invalid_request_uri",
    "invalid_request_object",
    "login_required",
    "consent_required",
    "interaction_required",
    "account_selection_required",
    "registration_not_supported",
    "request_not_supported",
    "invalid_software_statement",
    "other"};

static const char *const bearer_names[OA2_METRICS_BEARER_RESULTS] = {
    "ok",      "missing", "malformed",          "invalid_token", "expired",
    "revoked", "dpop",    "insufficient_scope", "unavailable"};

/* The bucket bounds in microseconds, and as the le label says them. */
static const apr_interval_time_t bucket_us[OA2_METRICS_DB_BUCKETS] = {
    500,   1000,   2500,   5000,   10000,   25000,
    50000, 100000, 250000, 500000, 1000000, 2500000};
static const char *const bucket_le[OA2_METRICS_DB_BUCKETS] = {
    "0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025",
    "0.05",   "0.1",   "0.25",   "0.5",   "1",    "2.5"};

static int index_of(const char *const *names, int n, const char *name)
{
    int i;

    for (i = 0; name && i < n - 1; i++) {
        if (!strcmp(names[i], name)) {
            return i;
        }
    }
    return n - 1; /* "other" */
}

oa2_metrics_grant_t oa2_metrics_grant(const char *grant_type)
{
    return (oa2_metrics_grant_t)index_of(grant_names, OA2_METRICS_GRANTS,
                                         grant_type);
}

const char *oa2_metrics_endpoint_name(int i)
{
    return i >= 0 && i < OA2_METRICS_ENDPOINTS ? endpoint_names[i] : NULL;
}

int oa2_metrics_endpoint(const char *name)
{
    return index_of(endpoint_names, OA2_METRICS_ENDPOINTS, name);
}

const char *oa2_metrics_error_name(int i)
{
    return i >= 0 && i < OA2_METRICS_ERRORS ? error_names[i] : NULL;
}

int oa2_metrics_error(const char *error)
{
    return index_of(error_names, OA2_METRICS_ERRORS,
                    error ? error : "server_error");
}

oa2_metrics_bearer_t oa2_metrics_bearer_result(const oa2_err_t *err)
{
    if (!err) {
        return OA2_METRICS_BEARER_OK;
    }
    if (err->status >= 500) {
        return OA2_METRICS_BEARER_UNAVAILABLE;
    }
    if (!err->error) {
        return OA2_METRICS_BEARER_MISSING; /* RFC 6750 §3.1: no code */
    }
    if (!strcmp(err->error, "insufficient_scope")) {
        return OA2_METRICS_BEARER_SCOPE;
    }
    if (!strcmp(err->error, "invalid_dpop_proof")
        || !strcmp(err->error, "use_dpop_nonce")) {
        return OA2_METRICS_BEARER_DPOP;
    }
    if (!strcmp(err->error, "invalid_request")) {
        return OA2_METRICS_BEARER_MALFORMED;
    }
    /* invalid_token alike: the core's constant descriptions tell them
     * apart ("the token has expired", "... has been revoked"). */
    if (err->description && strstr(err->description, "expired")) {
        return OA2_METRICS_BEARER_EXPIRED;
    }
    if (err->description && strstr(err->description, "revoked")) {
        return OA2_METRICS_BEARER_REVOKED;
    }
    return OA2_METRICS_BEARER_INVALID;
}

void oa2_metrics_count_issued(oa2_metrics_t *m, const char *grant_type)
{
    if (m) {
        oa2_metrics_add(&m->issued[oa2_metrics_grant(grant_type)], 1);
    }
}

void oa2_metrics_count_error(oa2_metrics_t *m, const char *endpoint,
                             const oa2_err_t *err)
{
    if (m) {
        int e = err->error || err->status >= 500 ? oa2_metrics_error(err->error)
                                                 : OA2_METRICS_ERRORS - 1;
        oa2_metrics_add(&m->errors[oa2_metrics_endpoint(endpoint)][e], 1);
    }
}

void oa2_metrics_count_bearer(oa2_metrics_t *m, const oa2_err_t *err)
{
    if (m) {
        oa2_metrics_add(&m->bearer[oa2_metrics_bearer_result(err)], 1);
    }
}

void oa2_metrics_count_cache(oa2_metrics_t *m, int hit)
{
    if (m) {
        oa2_metrics_add(hit ? &m->cache_hits : &m->cache_misses, 1);
    }
}

void oa2_metrics_count_db(oa2_metrics_t *m, apr_interval_time_t took,
                          int failed)
{
    int b;

    if (!m) {
        return;
    }
    if (failed) {
        oa2_metrics_add(&m->db_errors, 1);
    }
    if (took < 0) {
        return;
    }
    for (b = 0; b < OA2_METRICS_DB_BUCKETS && took > bucket_us[b]; b++) {
    }
    oa2_metrics_add(&m->db_buckets[b], 1);
    oa2_metrics_add(&m->db_sum_us, (apr_uint64_t)took);
}

void oa2_metrics_snapshot(oa2_metrics_t *out, const oa2_metrics_t *m)
{
    const apr_uint64_t *from = (const apr_uint64_t *)m;
    apr_uint64_t *to = (apr_uint64_t *)out;
    apr_size_t i;

    /* The struct is nothing but counters. */
    for (i = 0; i < sizeof(*m) / sizeof(apr_uint64_t); i++) {
        to[i] = __atomic_load_n(&from[i], __ATOMIC_RELAXED);
    }
}

const char *oa2_metrics_label_escape(const char *v, apr_pool_t *p)
{
    char *out = apr_palloc(p, 2 * strlen(v) + 1), *o = out;

    for (; *v; v++) {
        if (*v == '\\' || *v == '"') {
            *o++ = '\\';
            *o++ = *v;
        }
        else if (*v == '\n') {
            *o++ = '\\';
            *o++ = 'n';
        }
        else {
            *o++ = *v;
        }
    }
    *o = '\0';
    return out;
}

/* What render() writes: the text's pieces, joined at the end. */
typedef struct text_t {
    apr_array_header_t *parts;
    apr_pool_t *p;
} text_t;

static void put(text_t *t, const char *s)
{
    APR_ARRAY_PUSH(t->parts, const char *) = s;
}

static void head(text_t *t, const char *name, const char *type,
                 const char *help)
{
    put(t,
        apr_psprintf(t->p, "# HELP %s %s\n# TYPE %s %s\n", name, help, name,
                     type));
}

/* One sample: @a labels is the text between the braces, or NULL. */
static void sample(text_t *t, const char *name, const char *labels,
                   apr_uint64_t v)
{
    put(t,
        apr_psprintf(t->p, "%s%s%s%s %" APR_UINT64_T_FMT "\n", name,
                     labels ? "{" : "", labels ? labels : "", labels ? "}" : "",
                     v));
}

static const char *label(const char *name, const char *value, apr_pool_t *p)
{
    return apr_pstrcat(p, name, "=\"", oa2_metrics_label_escape(value, p), "\"",
                       NULL);
}

const char *oa2_metrics_render(const oa2_metrics_t *live, apr_pool_t *p)
{
    oa2_metrics_t *m = apr_palloc(p, sizeof(*m));
    text_t t = {apr_array_make(p, 64, sizeof(const char *)), p};
    apr_uint64_t cumulative = 0;
    int i, j;

    oa2_metrics_snapshot(m, live);
    head(&t, "oauth2_tokens_issued_total", "counter",
         "Access tokens issued by the token endpoint, by grant type.");
    for (i = 0; i < OA2_METRICS_GRANTS; i++) {
        sample(&t, "oauth2_tokens_issued_total",
               label("grant_type", grant_names[i], p), m->issued[i]);
    }
    head(&t, "oauth2_errors_total", "counter",
         "Error answers of the authorization server, by endpoint and OAuth "
         "error code.");
    for (i = 0; i < OA2_METRICS_ENDPOINTS; i++) {
        for (j = 0; j < OA2_METRICS_ERRORS; j++) {
            if (m->errors[i][j]) {
                sample(&t, "oauth2_errors_total",
                       apr_pstrcat(p, label("endpoint", endpoint_names[i], p),
                                   ",", label("error", error_names[j], p),
                                   NULL),
                       m->errors[i][j]);
            }
        }
    }
    head(&t, "oauth2_bearer_checks_total", "counter",
         "Token checks of AuthType OAuth2, by result.");
    for (i = 0; i < OA2_METRICS_BEARER_RESULTS; i++) {
        sample(&t, "oauth2_bearer_checks_total",
               label("result", bearer_names[i], p), m->bearer[i]);
    }
    head(&t, "oauth2_token_cache_lookups_total", "counter",
         "Lookups in the validated-token cache, by result.");
    sample(&t, "oauth2_token_cache_lookups_total", label("result", "hit", p),
           m->cache_hits);
    sample(&t, "oauth2_token_cache_lookups_total", label("result", "miss", p),
           m->cache_misses);
    head(&t, "oauth2_database_errors_total", "counter",
         "Failed database statements and connections.");
    sample(&t, "oauth2_database_errors_total", NULL, m->db_errors);
    head(&t, "oauth2_database_query_duration_seconds", "histogram",
         "Time of the database statements.");
    for (i = 0; i <= OA2_METRICS_DB_BUCKETS; i++) {
        cumulative += m->db_buckets[i];
        sample(
            &t, "oauth2_database_query_duration_seconds_bucket",
            label("le", i < OA2_METRICS_DB_BUCKETS ? bucket_le[i] : "+Inf", p),
            cumulative);
    }
    put(&t,
        apr_psprintf(p,
                     "oauth2_database_query_duration_seconds_sum "
                     "%" APR_UINT64_T_FMT ".%06" APR_UINT64_T_FMT "\n",
                     m->db_sum_us / 1000000, m->db_sum_us % 1000000));
    /* The +Inf bucket, so that the two agree in a snapshot taken while
     * statements are counted. */
    sample(&t, "oauth2_database_query_duration_seconds_count", NULL,
           cumulative);
    return apr_array_pstrcat(p, t.parts, 0);
}
