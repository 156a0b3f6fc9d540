/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/* The device authorization grant (RFC 8628): see oa2_device.h. */
#include <string.h>

#include <apr_strings.h>
#include <openssl/rand.h>

#include "oa2_cleanup.h"
#include "oa2_device.h"
#include "oa2_form.h"
#include "oa2_json.h"
#include "oa2_scope.h"
#include "oa2_secret.h"

#define INVALID_GRANT(id, text) oa2_err_set(err, 400, "invalid_grant", id, text)

/* The refusals of a user_code that never was one: guesses. */
#define ID_NOT_A_CODE "OA2-01720"
#define ID_UNKNOWN_CODE "OA2-01721"

/* Tries of drawing a user_code that no stored request holds. */
#define USER_CODE_ATTEMPTS 4

/* The hash a user_code is stored under: of its normalized form, with a
 * label so that it never equals another secret's. */
static const char *user_code_hash(const char *code, apr_pool_t *p)
{
    return oa2_secret_hash(apr_pstrcat(p, "user_code:", code, NULL), p);
}

/* A new user_code: OA2_DEVICE_USER_CODE_LEN letters of the alphabet, each
 * drawn uniformly (bytes of 240 and above are dropped: 240 is 12 times
 * the alphabet's 20). */
static apr_status_t user_code_make(const char **code, oa2_err_t *err,
                                   apr_pool_t *p)
{
    static const char alphabet[] = OA2_DEVICE_ALPHABET;
    const unsigned n = sizeof(alphabet) - 1;
    char *out = apr_palloc(p, OA2_DEVICE_USER_CODE_LEN + 1);
    unsigned char buf[32];
    int have = 0, i;

    while (have < OA2_DEVICE_USER_CODE_LEN) {
        if (RAND_bytes(buf, sizeof(buf)) != 1) {
            return oa2_err_set(err, 500, "server_error", "OA2-01700",
                               "the random number generator failed");
        }
        for (i = 0; i < (int)sizeof(buf) && have < OA2_DEVICE_USER_CODE_LEN;
             i++) {
            if (buf[i] < 256 - 256 % n) {
                out[have++] = alphabet[buf[i] % n];
            }
        }
    }
    out[have] = '\0';
    *code = out;
    return APR_SUCCESS;
}

const char *oa2_device_user_code_normalize(const char *typed, apr_pool_t *p)
{
    char *out;
    int n = 0;

    if (!typed || strlen(typed) > 32) {
        return NULL;
    }
    out = apr_palloc(p, OA2_DEVICE_USER_CODE_LEN + 1);
    for (; *typed; typed++) {
        char c = *typed;
        if (c == '-' || c == ' ') {
            continue;
        }
        if (c >= 'a' && c <= 'z') {
            c = (char)(c - 'a' + 'A');
        }
        if (n == OA2_DEVICE_USER_CODE_LEN || !c
            || !strchr(OA2_DEVICE_ALPHABET, c)) {
            return NULL;
        }
        out[n++] = c;
    }
    out[n] = '\0';
    return n == OA2_DEVICE_USER_CODE_LEN ? out : NULL;
}

const char *oa2_device_user_code_display(const char *code, apr_pool_t *p)
{
    return apr_psprintf(p, "%.4s-%s", code, code + 4);
}

static int client_may_device(const oa2_client_t *client)
{
    return oa2_scope_contains(client->grant_types, OA2_DEVICE_GRANT);
}

/* scope and resource of the request, as the authorize endpoint takes
 * them: known to this server, allowed for the client; none asked: what
 * the client is registered for. */
static apr_status_t parse_request(oa2_device_t *dev, const oa2_as_t *as,
                                  const oa2_client_t *client,
                                  const oa2_form_t *form, oa2_err_t *err,
                                  apr_pool_t *p)
{
    const char *scope, *resource;
    apr_status_t rv;

    if (oa2_form_repeated(form)) {
        oa2_err_set(err, 400, "invalid_request", "OA2-01702",
                    "a parameter is repeated");
        return oa2_err_detail(err, p, "repeated: %s",
                              oa2_form_safe_name(oa2_form_repeated(form)));
    }
    if (APR_SUCCESS != (rv = oa2_form_single(&scope, form, "scope", 0, err, p)))
        return rv;
    if (APR_SUCCESS
        != (rv = oa2_form_single(&resource, form, "resource", 0, err, p)))
        return rv;
    if (!scope || !*scope) {
        scope = client->scope;
    }
    if (APR_SUCCESS
        != (rv = oa2_as_check_scope(&dev->scope, as, client->scope, scope, err,
                                    p)))
        return rv;
    if (resource
        && APR_SUCCESS != (rv = oa2_as_check_resource(as, resource, err, p)))
        return rv;
    dev->resource = resource ? resource : "";
    return APR_SUCCESS;
}

static apr_status_t response_of(const char **json, const char *device_code,
                                const char *user_code,
                                const char *verification_uri, oa2_err_t *err,
                                apr_pool_t *p)
{
    const char *shown = oa2_device_user_code_display(user_code, p);
    oa2_json_obj_t r;

    oa2_json_begin(&r, p);
    oa2_json_add_string(&r, "device_code", device_code, p);
    oa2_json_add_string(&r, "user_code", shown, p);
    oa2_json_add_string(&r, "verification_uri", verification_uri, p);
    oa2_json_add_string(
        &r, "verification_uri_complete",
        oa2_form_append(p, verification_uri, "user_code", shown, NULL), p);
    oa2_json_add_int(&r, "expires_in", OA2_DEVICE_TTL, p);
    oa2_json_add_int(&r, "interval", OA2_DEVICE_INTERVAL, p);
    *json = oa2_json_end(&r, NULL, p);
    return *json ? APR_SUCCESS
                 : oa2_err_set(err, 500, "server_error", "OA2-01703",
                               "the response cannot be made");
}

apr_status_t oa2_device_start(const char **json, oa2_client_t **client,
                              const char **device_hash, const oa2_as_t *as,
                              oa2_store_t *st, const oa2_backchannel_t *in,
                              const char *verification_uri, apr_int64_t now,
                              oa2_err_t *err, apr_pool_t *p)
{
    const char *device_code, *user_code = NULL;
    oa2_device_t dev = {0};
    apr_status_t rv;
    int attempt, added = 0;

    *client = NULL;
    if (APR_SUCCESS
        != (rv = oa2_clientauth_authenticate(client, st, in, 1, err, p)))
        return rv;
    if (!client_may_device(*client)) {
        return oa2_err_set(
            err, 400, "unauthorized_client", "OA2-01701",
            "this client may not use the device authorization "
            "grant: register it with the grant type " OA2_DEVICE_GRANT);
    }
    if (APR_SUCCESS
        != (rv = parse_request(&dev, as, *client, in->form, err, p)))
        return rv;
    if (APR_SUCCESS
        != (rv = oa2_secret_make(&device_code, OA2_SECRET_BYTES, err, p)))
        return rv;
    dev.device_hash = oa2_secret_hash(device_code, p);
    dev.client_id = (*client)->client_id;
    dev.expires_at = now + OA2_DEVICE_TTL;
    dev.interval = OA2_DEVICE_INTERVAL;
    for (attempt = 0; !added && attempt < USER_CODE_ATTEMPTS; attempt++) {
        if (APR_SUCCESS != (rv = user_code_make(&user_code, err, p))
            || APR_SUCCESS
                != (rv = oa2_store_device_add(&added, st,
                                              user_code_hash(user_code, p),
                                              &dev, err, p)))
            return rv;
    }
    if (!added) {
        /* Only when the table holds a large share of all codes. */
        return oa2_err_set(err, 503, "temporarily_unavailable", "OA2-01704",
                           "no free user code: try again later");
    }
    *device_hash = dev.device_hash;
    return response_of(json, device_code, user_code, verification_uri, err, p);
}

apr_status_t oa2_device_find(oa2_device_t **dev, oa2_store_t *st,
                             const char *user_code, apr_int64_t now,
                             oa2_err_t *err, apr_pool_t *p)
{
    const char *code = oa2_device_user_code_normalize(user_code, p);
    apr_status_t rv;

    if (!code) {
        return oa2_err_set(err, 400, "invalid_request", ID_NOT_A_CODE,
                           "this is not a user code: it is 8 letters, such "
                           "as BCDF-GHJK");
    }
    rv = oa2_store_device_find(dev, st, user_code_hash(code, p), err, p);
    if (rv == APR_NOTFOUND) {
        return oa2_err_set(err, 400, "invalid_request", ID_UNKNOWN_CODE,
                           "this code is unknown: check it, or start again "
                           "on your device");
    }
    if (rv != APR_SUCCESS) {
        return rv;
    }
    if ((*dev)->expires_at <= now) {
        return oa2_err_set(err, 400, "invalid_request", "OA2-01722",
                           "this code has expired: start again on your "
                           "device");
    }
    if ((*dev)->state != OA2_DEVICE_PENDING) {
        return oa2_err_set(err, 400, "invalid_request", "OA2-01723",
                           "this code was answered already");
    }
    return APR_SUCCESS;
}

int oa2_device_is_guess(const oa2_err_t *err)
{
    return err->log_id
        && (!strcmp(err->log_id, ID_NOT_A_CODE)
            || !strcmp(err->log_id, ID_UNKNOWN_CODE));
}

apr_status_t oa2_device_decide(oa2_store_t *st, const oa2_device_t *dev,
                               int approve, const char *user,
                               apr_int64_t auth_time, const char *claims,
                               apr_int64_t now, oa2_err_t *err, apr_pool_t *p)
{
    int first = 0;
    apr_status_t rv = oa2_store_device_decide(
        &first, st, dev->device_hash,
        approve ? OA2_DEVICE_APPROVED : OA2_DEVICE_DENIED, user,
        approve ? auth_time : 0, approve ? claims : "", now, err, p);

    if (rv == APR_SUCCESS && !first) {
        return oa2_err_set(err, 400, "invalid_request", "OA2-01724",
                           "this code was answered already, or has expired");
    }
    return rv;
}

/* Too soon after the last poll: the interval grows (§3.5). */
static apr_status_t slow_down(oa2_store_t *st, const oa2_device_t *dev,
                              apr_int64_t now, oa2_err_t *err, apr_pool_t *p)
{
    apr_status_t rv =
        oa2_store_device_slow_down(st, dev->device_hash, now, err, p);

    if (rv != APR_SUCCESS) {
        return rv;
    }
    oa2_err_set(err, 400, "slow_down", "OA2-01715",
                "polled too fast: wait 5 seconds more between polls");
    return oa2_err_detail(
        err, p, "interval now %d s, polled after %" APR_INT64_T_FMT " s",
        dev->interval + OA2_DEVICE_SLOW_DOWN, now - dev->last_poll);
}

apr_status_t oa2_device_poll(oa2_device_t **dev, oa2_store_t *st,
                             const oa2_client_t *client,
                             const char *device_code, apr_int64_t now,
                             oa2_err_t *err, apr_pool_t *p)
{
    apr_status_t rv;
    oa2_device_t *d;
    int first = 0;

    if (!client_may_device(client)) {
        return oa2_err_set(err, 400, "unauthorized_client", "OA2-01710",
                           "this client may not use the device "
                           "authorization grant");
    }
    rv = oa2_store_device_get(&d, st, oa2_secret_hash(device_code, p), err, p);
    if (rv == APR_NOTFOUND) {
        return INVALID_GRANT("OA2-01711", "unknown device_code");
    }
    if (rv != APR_SUCCESS) {
        return rv;
    }
    if (strcmp(d->client_id, client->client_id)) {
        INVALID_GRANT("OA2-01712",
                      "the device_code was issued to another "
                      "client");
        return oa2_err_detail(err, p, "issued to %s", d->client_id);
    }
    if (d->state == OA2_DEVICE_USED) {
        return INVALID_GRANT("OA2-01713", "the device_code was used already");
    }
    if (d->expires_at <= now) {
        return oa2_err_set(err, 400, "expired_token", "OA2-01714",
                           "the device_code has expired: start again");
    }
    if (d->state == OA2_DEVICE_DENIED) {
        return oa2_err_set(err, 400, "access_denied", "OA2-01716",
                           "the user denied the request");
    }
    if (d->state == OA2_DEVICE_PENDING) {
        if (d->last_poll && now - d->last_poll < d->interval) {
            return slow_down(st, d, now, err, p);
        }
        rv = oa2_store_device_poll(&first, st, d->device_hash, d->last_poll,
                                   now, err, p);
        if (rv != APR_SUCCESS) {
            return rv;
        }
        if (!first) {
            /* another poll came in between: this one is the fast one */
            return slow_down(st, d, now, err, p);
        }
        return oa2_err_set(err, 400, "authorization_pending", "OA2-01717",
                           "the user has not answered yet");
    }
    *dev = d;
    return APR_SUCCESS;
}

apr_status_t oa2_device_take(oa2_store_t *st, const oa2_device_t *dev,
                             oa2_err_t *err, apr_pool_t *p)
{
    int first = 0;
    apr_status_t rv = oa2_store_device_take(&first, st, dev->device_hash,
                                            dev->client_id, err, p);

    if (rv == APR_SUCCESS && !first) {
        return INVALID_GRANT("OA2-01718", "the device_code was used already");
    }
    return rv;
}
