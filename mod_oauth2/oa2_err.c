/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/* The one error value of the core: filling it. */
#include <stdarg.h>

#include <apr_strings.h>

#include "oa2_err.h"

apr_status_t oa2_err_set(oa2_err_t *err, int status, const char *error,
                         const char *log_id, const char *description)
{
    if (err) {
        err->status = status;
        err->error = error;
        err->log_id = log_id;
        err->description = description;
        err->detail = NULL;
        err->cause = APR_SUCCESS;
    }
    return APR_EGENERAL;
}

apr_status_t oa2_err_setf(oa2_err_t *err, int status, const char *error,
                          const char *log_id, apr_pool_t *p, const char *fmt,
                          ...)
{
    va_list ap;
    const char *text;

    va_start(ap, fmt);
    text = apr_pvsprintf(p, fmt, ap);
    va_end(ap);
    return oa2_err_set(err, status, error, log_id, text);
}

apr_status_t oa2_err_detail(oa2_err_t *err, apr_pool_t *p, const char *fmt, ...)
{
    va_list ap;

    if (err) {
        va_start(ap, fmt);
        err->detail = apr_pvsprintf(p, fmt, ap);
        va_end(ap);
    }
    return APR_EGENERAL;
}

apr_status_t oa2_err_cause(oa2_err_t *err, apr_status_t cause)
{
    if (err) {
        err->cause = cause;
    }
    return APR_EGENERAL;
}
