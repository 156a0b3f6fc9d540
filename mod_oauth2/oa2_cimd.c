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
#include "oa2_redirect.h"
#include "oa2_registration.h"
#include "oa2_scope.h"
#include "oa2_text.h"
#include "oa2_url.h"

#define BAD_URL(id, text) oa2_err_set(err, 400, "invalid_request", id, text)
#define BAD_DOC(id, text) oa2_err_set(err, 400, "invalid_client", id, text)

/* OA2_REGISTRATION_NAME_MAX as text, for a fixed description. */
#define STR_(x) #x
#define STR(x) STR_(x)
#define NAME_MAX_TEXT STR(OA2_REGISTRATION_NAME_MAX)

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

/* Nonzero when every byte is one RFC 3986 allows in a URI and every '%'
 * starts a %XX escape: no spaces, controls, non-ASCII or quotes, so the
 * URL is also safe to log and to show. */
static int chars_valid(const char *url)
{
    const char *c;

    for (c = url; *c; c++) {
        if (*c == '%') {
            if (!apr_isxdigit(c[1]) || !apr_isxdigit(c[2])) {
                return 0;
            }
            c += 2;
        }
        else if (!apr_isalnum(*c) && !strchr("-._~:/?#[]@!$&'()*+,;=", *c)) {
            return 0;
        }
    }
    return 1;
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

apr_status_t oa2_cimd_check_url(const char *url, oa2_fetch_reach_t reach,
                                oa2_err_t *err, apr_pool_t *p)
{
    const char *rest;
    apr_size_t authority;
    apr_uri_t uri;
    int http = !strncmp(url, "http://", 7);

    if (strlen(url) > OA2_CIMD_URL_MAX) {
        return BAD_URL("OA2-01000",
                       "a client_id URL must be at most 128 characters");
    }
    if (!chars_valid(url)) {
        return BAD_URL("OA2-01001",
                       "the client_id URL has characters a URL cannot have");
    }
    if ((!http && strncmp(url, "https://", 8))
        || (http && reach != OA2_FETCH_REACH_PUBLIC_OR_LOOPBACK)) {
        return BAD_URL("OA2-01002", "a client_id URL must be an https URL");
    }
    if (strchr(url, '#')) {
        return BAD_URL("OA2-01003", "a client_id URL must not have a fragment");
    }
    rest = url + (http ? 7 : 8);
    authority = strcspn(rest, "/?");
    if (memchr(rest, '@', authority)) {
        return BAD_URL("OA2-01004",
                       "a client_id URL must not have a user name or "
                       "password");
    }
    if (rest[authority] != '/') {
        return BAD_URL("OA2-01005", "a client_id URL must have a path");
    }
    if (apr_uri_parse(p, url, &uri) != APR_SUCCESS || !uri.hostname
        || !*uri.hostname) {
        return BAD_URL("OA2-01006", "the client_id URL has no host");
    }
    if (has_dot_segment(rest + authority)) {
        return BAD_URL("OA2-01007",
                       "a client_id URL must not have . or .. path "
                       "segments");
    }
    if (http && !oa2_url_is_loopback_host(uri.hostname)) {
        return BAD_URL("OA2-01008",
                       "a client_id URL must be an https URL (http only "
                       "on a loopback host)");
    }
    if (!host_allowed(uri.hostname, reach, http)) {
        return BAD_URL("OA2-01009",
                       "the client_id URL's host is an address this "
                       "server does not fetch from");
    }
    return APR_SUCCESS;
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

/* An error of a check shared with registration, told as the document's:
 * invalid_client, the check's own description and log id. */
static apr_status_t as_document_error(oa2_err_t *err, apr_pool_t *p)
{
    const char *why = err->description;

    err->status = 400;
    err->error = "invalid_client";
    err->description =
        apr_psprintf(p, "the client's metadata document is not valid: %s",
                     why ? why : "a field is malformed");
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

/* grant_types (absent: the code grant) and response_types: the code
 * flow and refresh tokens, nothing a public client cannot use. */
static apr_status_t parse_grants(oa2_client_t *cl, json_t *doc, oa2_err_t *err,
                                 apr_pool_t *p)
{
    apr_array_header_t *list = apr_array_make(p, 2, sizeof(const char *));
    json_t *v = oa2_client_meta_field(doc, "grant_types"), *item;
    size_t i;

    if (!v) {
        APR_ARRAY_PUSH(list, const char *) = "authorization_code";
    }
    else if (!json_is_array(v) || !json_array_size(v)) {
        return BAD_DOC("OA2-01017",
                       "the client's metadata document's grant_types must "
                       "be authorization_code and refresh_token only");
    }
    json_array_foreach(v, i, item)
    {
        const char *g = json_string_value(item);
        if (!g
            || (strcmp(g, "authorization_code")
                && strcmp(g, "refresh_token"))) {
            return BAD_DOC("OA2-01018",
                           "the client's metadata document's grant_types "
                           "must be authorization_code and refresh_token "
                           "only");
        }
        if (!oa2_scope_contains(oa2_scope_join(list, p), g)) {
            APR_ARRAY_PUSH(list, const char *) = apr_pstrdup(p, g);
        }
    }
    v = oa2_client_meta_field(doc, "response_types");
    if (v && !json_is_array(v)) {
        return BAD_DOC("OA2-01019",
                       "the client's metadata document's response_types "
                       "must be code only");
    }
    json_array_foreach(v, i, item)
    {
        const char *t = json_string_value(item);
        if (!t || strcmp(t, "code")) {
            return BAD_DOC("OA2-01020",
                           "the client's metadata document's "
                           "response_types must be code only");
        }
    }
    cl->grant_types = oa2_scope_join(list, p);
    return APR_SUCCESS;
}

/* redirect_uris: required, each one registration would accept. */
static apr_status_t parse_redirect_uris(oa2_client_t *cl, json_t *doc,
                                        oa2_err_t *err, apr_pool_t *p)
{
    json_t *v = oa2_client_meta_field(doc, "redirect_uris"), *item;
    size_t i;
    int j;

    if (!json_is_array(v) || !json_array_size(v)) {
        return BAD_DOC("OA2-01021",
                       "the client's metadata document must list its "
                       "redirect_uris");
    }
    cl->redirect_uris = apr_array_make(p, 2, sizeof(const char *));
    json_array_foreach(v, i, item)
    {
        const char *uri = json_string_value(item);
        if (!uri) {
            return BAD_DOC("OA2-01022",
                           "the client's metadata document's redirect_uris "
                           "must be an array of URIs");
        }
        if (oa2_redirect_check(uri, err, p) != APR_SUCCESS) {
            return as_document_error(err, p);
        }
        for (j = 0; j < cl->redirect_uris->nelts; j++) {
            if (!strcmp(APR_ARRAY_IDX(cl->redirect_uris, j, const char *),
                        uri)) {
                break;
            }
        }
        if (j == cl->redirect_uris->nelts) {
            APR_ARRAY_PUSH(cl->redirect_uris, const char *) =
                apr_pstrdup(p, uri);
        }
    }
    return APR_SUCCESS;
}

/* client_name: what the consent page shows, so text a person can read
 * (the rules of registration); the host when there is none. */
static apr_status_t parse_name(oa2_client_t *cl, json_t *doc, const char *url,
                               oa2_err_t *err, apr_pool_t *p)
{
    json_t *v = oa2_client_meta_field(doc, "client_name");
    const unsigned char *c;
    const char *s;
    apr_size_t chars = 0;

    if (!v) {
        cl->name = oa2_cimd_host(url, p);
        return APR_SUCCESS;
    }
    if (!(s = json_string_value(v))) {
        return BAD_DOC("OA2-01023",
                       "the client's metadata document's client_name must "
                       "be a string");
    }
    if (oa2_text_check(s) != OA2_TEXT_OK) {
        return BAD_DOC("OA2-01024",
                       "the client's metadata document's client_name has "
                       "control or bidirectional formatting characters");
    }
    for (c = (const unsigned char *)s; *c; c++) {
        chars += (*c & 0xc0) != 0x80;
    }
    if (chars > OA2_REGISTRATION_NAME_MAX) {
        return BAD_DOC("OA2-01025",
                       "the client's metadata document's client_name is "
                       "longer than " NAME_MAX_TEXT " characters");
    }
    cl->name = *s ? apr_pstrdup(p, s) : oa2_cimd_host(url, p);
    return APR_SUCCESS;
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
        return oa2_err_detail(err, p, "%s answered %ld", url, res->status);
    }
    doc = oa2_cleanup_json(
        json_loadb(res->body, res->len, JSON_REJECT_DUPLICATES, &jerr), p);
    if (!json_is_object(doc)) {
        BAD_DOC("OA2-01011",
                "the client's metadata document is not a JSON object");
        return doc
            ? oa2_err_detail(err, p, "%s: not an object", url)
            : oa2_err_detail(err, p, "%s: not JSON at line %d, column %d", url,
                             jerr.line, jerr.column);
    }
    id = json_object_get(doc, "client_id");
    if (!json_is_string(id) || strcmp(json_string_value(id), url)) {
        return BAD_DOC("OA2-01012",
                       "the client's metadata document's client_id is not "
                       "the URL it was fetched from");
    }
    if ((rv = check_credentials(doc, err)) != APR_SUCCESS
        || (rv = parse_grants(cl, doc, err, p)) != APR_SUCCESS
        || (rv = parse_redirect_uris(cl, doc, err, p)) != APR_SUCCESS
        || (rv = parse_name(cl, doc, url, err, p)) != APR_SUCCESS) {
        return rv;
    }
    if (oa2_client_meta_parse(cl, as, doc, err, p) != APR_SUCCESS) {
        return as_document_error(err, p);
    }
    cl->auth_method = "none";
    method = oa2_client_meta_field(doc, "token_endpoint_auth_method");
    if (json_is_string(method)
        && !strcmp(json_string_value(method), "private_key_jwt")) {
        /* The document's own keys: nothing is shared with this server. */
        if (!oa2_client_meta_has_keys(cl)) {
            return BAD_DOC("OA2-01608",
                           "the client's metadata document asks for "
                           "private_key_jwt without its keys: add jwks or "
                           "jwks_uri");
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
    return APR_SUCCESS;
}

int oa2_cimd_fresh(const oa2_client_t *client, apr_int64_t now)
{
    return client->document_fetched_at > 0 && now < client->document_expires_at;
}
