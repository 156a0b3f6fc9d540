/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/*
 * Client ID metadata documents (see oa2_cimd.h): the client_id URL's
 * rules, and what a fetched document must say before it is a client.
 */
#include <string.h>
#include <strings.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <apr_lib.h>
#include <apr_strings.h>
#include <apr_uri.h>
#include <jansson.h>

#include "oa2_cimd.h"
#include "oa2_cleanup.h"
#include "oa2_client_meta.h"
#include "oa2_registration.h"
#include "oa2_scope.h"
#include "oa2_text.h"
#include "oa2_url.h"

#define BAD_URL(id, text) oa2_err_set(err, 400, "invalid_request", id, text)
#define BAD_DOC(id, text) oa2_err_set(err, 400, "invalid_client", id, text)

/* Longest part of a client_id URL that a log line shows: what a client
 * sent, before the URL check bounds it (OA2_CLIENT_ID_MAX). */
#define LOGGED_URL_MAX 160

/* OA2_CLIENT_ID_MAX in a fixed description. */
#define CLIENT_ID_MAX_TEXT APR_STRINGIFY(OA2_CLIENT_ID_MAX)

int oa2_cimd_is_url(const char *client_id)
{
    return client_id
        && (!strncasecmp(client_id, "https://", 8)
            || !strncasecmp(client_id, "http://", 7));
}

oa2_fetch_reach_t oa2_cimd_reach(const char *issuer, apr_pool_t *p)
{
    apr_uri_t uri;

    if (issuer && !strncasecmp(issuer, "http://", 7)
        && apr_uri_parse(p, issuer, &uri) == APR_SUCCESS
        && oa2_url_is_loopback_host(uri.hostname)) {
        return OA2_FETCH_REACH_PUBLIC_OR_LOOPBACK;
    }
    return OA2_FETCH_REACH_PUBLIC;
}

/* Nonzero when the segment of @a len bytes at @a s is "." or "..",
 * spelled with or without percent-encoding (RFC 3986 §6.2.2.2: %2E is
 * the same unreserved '.'). */
static int dot_segment(const char *s, apr_size_t len)
{
    apr_size_t dots = 0;

    while (len > 0) {
        if (*s == '.') {
            s++;
            len--;
        }
        else if (len >= 3 && !strncasecmp(s, "%2e", 3)) {
            s += 3;
            len -= 3;
        }
        else {
            return 0;
        }
        dots++;
    }
    return dots == 1 || dots == 2;
}

/* Nonzero when the path (from its '/' to the query) has a dot segment. */
static int has_dot_segment(const char *path)
{
    apr_size_t end = strcspn(path, "?");
    const char *seg = path;

    while (seg < path + end) {
        apr_size_t len;
        seg++; /* past the '/' */
        len = strcspn(seg, "/?");
        if (dot_segment(seg, len)) {
            return 1;
        }
        seg += len;
    }
    return 0;
}

/* Nonzero unless @a host is an address literal or a loopback name that
 * @a reach does not allow. Other names are checked when they resolve,
 * before the connection (oa2_fetch()). */
static int host_allowed(const char *host, oa2_fetch_reach_t reach, int http)
{
    struct sockaddr_in in4;
    struct sockaddr_in6 in6;
    oa2_fetch_addr_class_t c;

    memset(&in4, 0, sizeof(in4));
    memset(&in6, 0, sizeof(in6));
    if (oa2_url_is_loopback_host(host)) {
        c = OA2_FETCH_ADDR_LOOPBACK;
    }
    else if (inet_pton(AF_INET, host, &in4.sin_addr) == 1) {
        in4.sin_family = AF_INET;
        c = oa2_fetch_addr_class((const struct sockaddr *)&in4);
    }
    else if (inet_pton(AF_INET6, host, &in6.sin6_addr) == 1) {
        in6.sin6_family = AF_INET6;
        c = oa2_fetch_addr_class((const struct sockaddr *)&in6);
    }
    else {
        return 1;
    }
    return oa2_fetch_reach_allows(reach, c, http);
}

/* Name the document of @a url in @a err's detail, before what the detail
 * said: the URL as a client sent it, so cut to LOGGED_URL_MAX characters
 * and printable (oa2_text_printable()). */
static void name_document(oa2_err_t *err, const char *url, apr_pool_t *p)
{
    int cut = strlen(url) > LOGGED_URL_MAX;

    if (!err) {
        return;
    }
    oa2_err_detail(err, p, "client ID metadata document %s%s%s%s",
                   oa2_text_printable(apr_pstrndup(p, url, LOGGED_URL_MAX), p),
                   cut ? "..." : "", err->detail ? ": " : "",
                   err->detail ? err->detail : "");
}

apr_status_t oa2_cimd_check_url(const char *url, oa2_fetch_reach_t reach,
                                oa2_err_t *err, apr_pool_t *p)
{
    const char *rest;
    apr_size_t authority;
    apr_uri_t uri;
    int http = !strncmp(url, "http://", 7);
    apr_status_t rv = APR_EGENERAL;

    if (strlen(url) > OA2_CLIENT_ID_MAX) {
        BAD_URL("OA2-01000",
                "a client_id URL must be at most " CLIENT_ID_MAX_TEXT
                " characters");
        goto leave;
    }
    if (!oa2_url_chars_valid(url)) {
        BAD_URL("OA2-01001",
                "the client_id URL has characters a URL cannot have");
        goto leave;
    }
    if ((!http && strncmp(url, "https://", 8))
        || (http && reach != OA2_FETCH_REACH_PUBLIC_OR_LOOPBACK)) {
        BAD_URL("OA2-01002", "a client_id URL must be an https URL");
        goto leave;
    }
    if (strchr(url, '#')) {
        BAD_URL("OA2-01003", "a client_id URL must not have a fragment");
        goto leave;
    }
    if (oa2_url_has_userinfo(url + (http ? 5 : 6))) {
        BAD_URL("OA2-01004",
                "a client_id URL must not have a user name or password");
        goto leave;
    }
    rest = url + (http ? 7 : 8);
    authority = strcspn(rest, "/?");
    if (rest[authority] != '/') {
        BAD_URL("OA2-01005", "a client_id URL must have a path");
        goto leave;
    }
    if (apr_uri_parse(p, url, &uri) != APR_SUCCESS || !uri.hostname
        || !*uri.hostname) {
        BAD_URL("OA2-01006", "the client_id URL has no host");
        goto leave;
    }
    if (has_dot_segment(rest + authority)) {
        BAD_URL("OA2-01007",
                "a client_id URL must not have . or .. path segments");
        goto leave;
    }
    if (http && !oa2_url_is_loopback_host(uri.hostname)) {
        BAD_URL("OA2-01008",
                "a client_id URL must be an https URL (http only "
                "on a loopback host)");
        goto leave;
    }
    if (!host_allowed(uri.hostname, reach, http)) {
        BAD_URL("OA2-01009",
                "the client_id URL's host is an address this "
                "server does not fetch from");
        goto leave;
    }
    rv = APR_SUCCESS;
leave:
    if (rv != APR_SUCCESS) {
        name_document(err, url, p);
    }
    return rv;
}

const char *oa2_cimd_host(const char *url, apr_pool_t *p)
{
    apr_uri_t uri;
    char *host, *c;

    if (apr_uri_parse(p, url, &uri) != APR_SUCCESS || !uri.hostname) {
        return "";
    }
    host = apr_pstrdup(p, uri.hostname);
    for (c = host; *c; c++) {
        *c = apr_tolower(*c);
    }
    return host;
}

/* A refusal of a rule shared with registration, told as the document's:
 * invalid_client with @a description, a fixed text in the document's
 * words; NULL: "is not valid: " and the rule's own description. The
 * rule's log id stays, and the log's detail keeps its description. */
static apr_status_t as_document_error(oa2_err_t *err, const char *description,
                                      apr_pool_t *p)
{
    const char *why =
        err->description ? err->description : "a field is malformed";

    err->status = 400;
    err->error = "invalid_client";
    if (description) {
        err->description = description;
        return oa2_err_detail(err, p, "%s%s%s", why, err->detail ? ": " : "",
                              err->detail ? err->detail : "");
    }
    err->description = apr_pstrcat(
        p, "the client's metadata document is not valid: ", why, NULL);
    return APR_EGENERAL;
}

/* token_endpoint_auth_method, client_secret*, and the keys in jwks: a
 * document cannot share a secret with this server (the draft's §4.1); it
 * may name public keys (private_key_jwt, RFC 7523 §2.2). */
static apr_status_t check_credentials(json_t *doc, oa2_err_t *err)
{
    json_t *v = oa2_client_meta_field(doc, "token_endpoint_auth_method");
    json_t *keys, *key;
    size_t i;

    if (json_object_get(doc, "client_secret")
        || json_object_get(doc, "client_secret_expires_at")) {
        return BAD_DOC("OA2-01013",
                       "the client's metadata document must not carry a "
                       "client_secret");
    }
    if (v
        && (!json_is_string(v)
            || (strcmp(json_string_value(v), "none")
                && strcmp(json_string_value(v), "private_key_jwt")))) {
        return BAD_DOC("OA2-01015",
                       "the client's metadata document must have "
                       "token_endpoint_auth_method none or private_key_jwt "
                       "(no shared secret is possible)");
    }
    keys = json_object_get(oa2_client_meta_field(doc, "jwks"), "keys");
    json_array_foreach(keys, i, key)
    {
        static const char *const private_members[] = {"d",  "p",  "q", "dp",
                                                      "dq", "qi", "k", NULL};
        const char *const *m;
        for (m = private_members; *m; m++) {
            if (json_object_get(key, *m)) {
                return BAD_DOC("OA2-01016",
                               "the client's metadata document must not "
                               "carry private or secret keys in jwks");
            }
        }
    }
    return APR_SUCCESS;
}

/* The descriptions of the refusals of registration's rules, worded as a
 * document's. */
#define GRANTS_ONLY                                                            \
    "the client's metadata document's grant_types must be "                    \
    "authorization_code and refresh_token only"
#define RESPONSE_CODE_ONLY                                                     \
    "the client's metadata document's response_types must be code only"
#define NAME_NOT_TEXT                                                          \
    "the client's metadata document's client_name must be a string"
#define NAME_UNFIT                                                             \
    "the client's metadata document's client_name has control or "             \
    "bidirectional formatting characters"
#define NAME_TOO_LONG                                                          \
    "the client's metadata document's client_name is longer "                  \
    "than " OA2_REGISTRATION_NAME_MAX_TEXT " characters"

/* grant_types as registration reads them (absent: the code grant), then
 * this method's own rule: the code flow and refresh tokens, nothing a
 * public client cannot use; response_types code only. */
static apr_status_t parse_grants(oa2_client_t *cl, json_t *doc, oa2_err_t *err,
                                 apr_pool_t *p)
{
    apr_array_header_t *list;
    int i;

    if (APR_SUCCESS
        != oa2_registration_parse_grants(
            &list, oa2_client_meta_field(doc, "grant_types"), err, p)) {
        return as_document_error(err, GRANTS_ONLY, p);
    }
    for (i = 0; i < list->nelts; i++) {
        const char *g = APR_ARRAY_IDX(list, i, const char *);
        if (strcmp(g, "authorization_code") && strcmp(g, "refresh_token")) {
            return BAD_DOC("OA2-01018", GRANTS_ONLY);
        }
    }
    if (APR_SUCCESS
        != oa2_registration_check_response_types(
            oa2_client_meta_field(doc, "response_types"), NULL, err)) {
        return as_document_error(err, RESPONSE_CODE_ONLY, p);
    }
    cl->grant_types = oa2_scope_join(list, p);
    return APR_SUCCESS;
}

/* redirect_uris: required, each one registration would accept, repeats
 * dropped. Checked item by item, as before, so that the first flaw is the
 * one told. */
static apr_status_t parse_redirect_uris(oa2_client_t *cl, json_t *doc,
                                        oa2_err_t *err, apr_pool_t *p)
{
    json_t *v = oa2_client_meta_field(doc, "redirect_uris"), *item;
    size_t i;

    if (!json_is_array(v) || !json_array_size(v)) {
        return BAD_DOC("OA2-01021",
                       "the client's metadata document must list its "
                       "redirect_uris");
    }
    cl->redirect_uris = apr_array_make(p, 2, sizeof(const char *));
    json_array_foreach(v, i, item)
    {
        if (!json_is_string(item)) {
            return BAD_DOC("OA2-01022",
                           "the client's metadata document's redirect_uris "
                           "must be an array of URIs");
        }
        if (APR_SUCCESS
            != oa2_registration_add_redirect_uri(
                cl->redirect_uris, json_string_value(item), err, p)) {
            return as_document_error(err, NULL, p);
        }
    }
    return APR_SUCCESS;
}

/* client_name as registration reads it, the host when there is none. The
 * refusal is worded by the rule the value breaks, in the reader's order:
 * a string, displayable, not too long. */
static apr_status_t parse_name(oa2_client_t *cl, json_t *doc, const char *url,
                               oa2_err_t *err, apr_pool_t *p)
{
    json_t *v = oa2_client_meta_field(doc, "client_name");
    const char *s = json_string_value(v);

    if (APR_SUCCESS
        == oa2_registration_parse_name(&cl->name, v, oa2_cimd_host(url, p), err,
                                       p)) {
        return APR_SUCCESS;
    }
    if (!s) {
        return as_document_error(err, NAME_NOT_TEXT, p);
    }
    if (oa2_text_check(s) != OA2_TEXT_OK) {
        return as_document_error(err, NAME_UNFIT, p);
    }
    return as_document_error(err, NAME_TOO_LONG, p);
}

apr_status_t oa2_cimd_parse(oa2_client_t **client, const oa2_as_t *as,
                            const char *url, const oa2_fetch_result_t *res,
                            apr_int64_t now, oa2_err_t *err, apr_pool_t *p)
{
    oa2_client_t *cl = apr_pcalloc(p, sizeof(*cl));
    json_t *doc, *id, *method;
    json_error_t jerr;
    apr_status_t rv;

    if (res->status != 200) {
        BAD_DOC("OA2-01010",
                "the client's metadata document cannot be fetched: its "
                "server did not answer 200");
        rv = oa2_err_detail(err, p, "answered %ld", res->status);
        goto leave;
    }
    doc = oa2_cleanup_json(
        json_loadb(res->body, res->len, JSON_REJECT_DUPLICATES, &jerr), p);
    if (!json_is_object(doc)) {
        BAD_DOC("OA2-01011",
                "the client's metadata document is not a JSON object");
        rv = doc ? oa2_err_detail(err, p, "not an object")
                 : oa2_err_detail(err, p, "not JSON at line %d, column %d",
                                  jerr.line, jerr.column);
        goto leave;
    }
    id = json_object_get(doc, "client_id");
    if (!json_is_string(id) || strcmp(json_string_value(id), url)) {
        rv = BAD_DOC("OA2-01012",
                     "the client's metadata document's client_id is not "
                     "the URL it was fetched from");
        goto leave;
    }
    if (APR_SUCCESS != (rv = check_credentials(doc, err))) {
        goto leave;
    }
    if (APR_SUCCESS != (rv = parse_grants(cl, doc, err, p))) {
        goto leave;
    }
    if (APR_SUCCESS != (rv = parse_redirect_uris(cl, doc, err, p))) {
        goto leave;
    }
    if (APR_SUCCESS != (rv = parse_name(cl, doc, url, err, p))) {
        goto leave;
    }
    if (APR_SUCCESS != (rv = oa2_client_meta_parse(cl, as, doc, err, p))) {
        rv = as_document_error(err, NULL, p);
        goto leave;
    }
    cl->auth_method = "none";
    method = oa2_client_meta_field(doc, "token_endpoint_auth_method");
    if (json_is_string(method)
        && !strcmp(json_string_value(method), "private_key_jwt")) {
        /* The document's own keys: nothing is shared with this server. */
        if (!oa2_client_meta_has_keys(cl)) {
            rv = BAD_DOC("OA2-01608",
                         "the client's metadata document asks for "
                         "private_key_jwt without its keys: add jwks or "
                         "jwks_uri");
            goto leave;
        }
        cl->auth_method = "private_key_jwt";
    }
    cl->client_id = apr_pstrdup(p, url);
    cl->secret_hash = "";
    cl->scope = "";
    cl->created_at = now;
    cl->document_fetched_at = now;
    cl->document_expires_at = now
        + oa2_fetch_lifetime(res, OA2_CIMD_TTL_MIN, OA2_CIMD_TTL_MAX,
                             OA2_CIMD_TTL_DEFAULT);
    *client = cl;
leave:
    if (rv != APR_SUCCESS) {
        name_document(err, url, p);
    }
    return rv;
}

int oa2_cimd_stale(const oa2_client_t *client, apr_int64_t now)
{
    return client->document_fetched_at > 0
        && now >= client->document_expires_at;
}
