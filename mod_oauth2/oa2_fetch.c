/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/*
 * The fetch room: every request this module makes to another server goes
 * through oa2_fetch(), on libcurl, under one set of rules (oa2_fetch.h).
 * An easy handle per fetch: fetches are rare (keys and documents are
 * cached, introspection verdicts too), and a handle shares nothing with
 * another thread's.
 */
#include <string.h>
#include <strings.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <apr_base64.h>
#include <apr_strings.h>
#include <curl/curl.h>
#include <openssl/crypto.h>

#include "oa2_fetch.h"
#include "oa2_form.h"
#include "oa2_url.h"

/* The body bound when the caller names none: far above any JWKS or
 * metadata document seen in the wild (Entra ID's JWKS with its x5c
 * chains is about 10 KiB). */
#define DEFAULT_MAX_SIZE (256 * 1024)

#define UNAVAILABLE(id, text)                                                  \
    oa2_err_set(err, 503, "temporarily_unavailable", id, text)

apr_status_t oa2_fetch_global_init(void)
{
    return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? APR_SUCCESS
                                                             : APR_EGENERAL;
}

apr_status_t oa2_fetch_check_url(const char *url, oa2_fetch_reach_t reach,
                                 oa2_err_t *err, apr_pool_t *p)
{
    oa2_url_flaw_t flaw;

    if (strlen(url) > OA2_FETCH_URL_MAX) {
        return oa2_err_set(err, 500, NULL, "OA2-00927",
                           "is longer than 2048 characters");
    }
    flaw = oa2_url_flaw(url, 1, p);
    if (flaw == OA2_URL_OK && reach == OA2_FETCH_REACH_PUBLIC
        && !strncasecmp(url, "http:", 5)) {
        flaw = OA2_URL_PLAIN_HTTP; /* a client's URL never reaches loopback */
    }
    switch (flaw) {
    case OA2_URL_OK:
        return APR_SUCCESS;
    case OA2_URL_NOT_ABSOLUTE:
        return oa2_err_set(err, 500, NULL, "OA2-00928",
                           "is not an absolute URL with a host");
    case OA2_URL_SCHEME:
        return oa2_err_set(err, 500, NULL, "OA2-00930", "is not an https URL");
    case OA2_URL_PLAIN_HTTP:
        return oa2_err_set(err, 500, NULL, "OA2-00931",
                           "is http: only https is allowed here (http "
                           "only for loopback hosts)");
    default:
        return oa2_err_set(err, 500, NULL, "OA2-00929",
                           "has a user name, password or fragment");
    }
}

/* The class of IPv4 address @a a (host byte order). */
static oa2_fetch_addr_class_t class_ipv4(apr_uint32_t a)
{
    unsigned b1 = a >> 24, b2 = (a >> 16) & 0xff, b3 = (a >> 8) & 0xff;

    if (b1 == 127) {
        return OA2_FETCH_ADDR_LOOPBACK;
    }
    if (b1 == 10 || (b1 == 172 && (b2 & 0xf0) == 16) || (b1 == 192 && b2 == 168)
        || (b1 == 100 && (b2 & 0xc0) == 64)) {
        return OA2_FETCH_ADDR_PRIVATE;
    }
    if (b1 == 169 && b2 == 254) {
        return OA2_FETCH_ADDR_LINK_LOCAL;
    }
    if (b1 == 0 || b1 >= 224 /* multicast, reserved */
        || (b1 == 192 && b2 == 0 && (b3 == 0 || b3 == 2)) /* IETF, TEST-1 */
        || (b1 == 192 && b2 == 88 && b3 == 99)            /* 6to4 relays */
        || (b1 == 198 && (b2 & 0xfe) == 18)               /* benchmarking */
        || (b1 == 198 && b2 == 51 && b3 == 100)           /* TEST-NET-2 */
        || (b1 == 203 && b2 == 0 && b3 == 113)) {         /* TEST-NET-3 */
        return OA2_FETCH_ADDR_OTHER;
    }
    return OA2_FETCH_ADDR_PUBLIC;
}

static apr_uint32_t ipv4_at(const unsigned char *b)
{
    return ((apr_uint32_t)b[0] << 24) | ((apr_uint32_t)b[1] << 16)
        | ((apr_uint32_t)b[2] << 8) | b[3];
}

static oa2_fetch_addr_class_t class_ipv6(const unsigned char *b)
{
    static const unsigned char zero[16];
    static const unsigned char mapped[12] = {0, 0, 0, 0, 0,    0,
                                             0, 0, 0, 0, 0xff, 0xff};
    static const unsigned char nat64[12] = {0, 0x64, 0xff, 0x9b};
    static const unsigned char nat64_local[6] = {0, 0x64, 0xff, 0x9b, 0, 1};

    if (!memcmp(b, zero, 15)) {
        return b[15] == 1 ? OA2_FETCH_ADDR_LOOPBACK : OA2_FETCH_ADDR_OTHER;
    }
    /* Addresses that carry an IPv4 address reach that address: classed
     * by it, so ::ffff:169.254.169.254 is as link-local as the original. */
    if (!memcmp(b, mapped, 12) || !memcmp(b, nat64, 12)) {
        return class_ipv4(ipv4_at(b + 12));
    }
    /* The local-use NAT64 prefix 64:ff9b:1::/48 (RFC 8215) is not
     * globally reachable, and where it carries the IPv4 address is the
     * operator's choice: it may reach 169.254.169.254 as well as any. */
    if (!memcmp(b, nat64_local, 6)) {
        return OA2_FETCH_ADDR_OTHER;
    }
    if (b[0] == 0x20 && b[1] == 0x02) { /* 6to4: 2002:a.b.c.d::/48 */
        return class_ipv4(ipv4_at(b + 2));
    }
    if (!memcmp(b, zero, 12)) { /* deprecated IPv4-compatible */
        return OA2_FETCH_ADDR_OTHER;
    }
    if ((b[0] & 0xfe) == 0xfc || (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0)) {
        return OA2_FETCH_ADDR_PRIVATE; /* ULA, old site-local */
    }
    if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) {
        return OA2_FETCH_ADDR_LINK_LOCAL;
    }
    if (b[0] == 0xff /* mc */
        || (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8)
        || (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0 && b[3] == 0) /* Teredo */
        || (b[0] == 0x01 && !memcmp(b + 1, zero, 7))) { /* discard */
        return OA2_FETCH_ADDR_OTHER;
    }
    return OA2_FETCH_ADDR_PUBLIC;
}

oa2_fetch_addr_class_t oa2_fetch_addr_class(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
        return class_ipv4(ipv4_at((const unsigned char *)&in->sin_addr));
    }
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
        return class_ipv6(in6->sin6_addr.s6_addr);
    }
    return OA2_FETCH_ADDR_OTHER;
}

int oa2_fetch_reach_allows(oa2_fetch_reach_t reach, oa2_fetch_addr_class_t c,
                           int plain_http)
{
    if (plain_http) {
        /* http is for a loopback host only, whatever its name resolved to. */
        return c == OA2_FETCH_ADDR_LOOPBACK && reach != OA2_FETCH_REACH_PUBLIC;
    }
    switch (reach) {
    case OA2_FETCH_REACH_ADMIN:
        return c == OA2_FETCH_ADDR_PUBLIC || c == OA2_FETCH_ADDR_LOOPBACK
            || c == OA2_FETCH_ADDR_PRIVATE;
    case OA2_FETCH_REACH_PUBLIC_OR_LOOPBACK:
        return c == OA2_FETCH_ADDR_PUBLIC || c == OA2_FETCH_ADDR_LOOPBACK;
    default:
        return c == OA2_FETCH_ADDR_PUBLIC;
    }
}

/* What one fetch collects while libcurl runs. */
typedef struct fetch_ctx_t {
    apr_pool_t *p;
    char *buf;      /* the body so far */
    apr_size_t len; /* its length */
    apr_size_t cap; /* bytes allocated */
    apr_size_t max; /* the bound */
    int too_big;    /* the bound was crossed */
    oa2_fetch_reach_t reach;
    int plain_http;        /* the URL is http */
    int refused;           /* a resolved address was refused */
    char refused_addr[64]; /* which, for the admin's log */
} fetch_ctx_t;

static size_t on_body(char *data, size_t size, size_t n, void *userdata)
{
    fetch_ctx_t *c = userdata;
    apr_size_t more = size * n;

    if (more > c->max - c->len) {
        c->too_big = 1;
        return 0; /* libcurl stops with CURLE_WRITE_ERROR */
    }
    if (c->len + more + 1 > c->cap) {
        apr_size_t cap = c->cap ? c->cap : 4096;
        char *buf;
        while (cap < c->len + more + 1) {
            cap *= 2;
        }
        buf = apr_palloc(c->p, cap);
        if (c->len) {
            memcpy(buf, c->buf, c->len);
        }
        c->buf = buf;
        c->cap = cap;
    }
    memcpy(c->buf + c->len, data, more);
    c->len += more;
    c->buf[c->len] = '\0';
    return more;
}

static void describe_addr(char *out, apr_size_t n, const struct sockaddr *sa)
{
    char host[INET6_ADDRSTRLEN] = "?";

    if (sa->sa_family == AF_INET) {
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, host,
                  sizeof(host));
    }
    else if (sa->sa_family == AF_INET6) {
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, host,
                  sizeof(host));
    }
    apr_cpystrn(out, host, n);
}

/* Every connection libcurl would open passes here with the address it
 * resolved: the SSRF guard sees what is connected to, not a name. */
static curl_socket_t open_socket(void *clientp, curlsocktype purpose,
                                 struct curl_sockaddr *addr)
{
    fetch_ctx_t *c = clientp;

    if (purpose != CURLSOCKTYPE_IPCXN
        || !oa2_fetch_reach_allows(c->reach, oa2_fetch_addr_class(&addr->addr),
                                   c->plain_http)) {
        c->refused = 1;
        describe_addr(c->refused_addr, sizeof(c->refused_addr), &addr->addr);
        return CURL_SOCKET_BAD;
    }
    return socket(addr->family, addr->socktype, addr->protocol);
}

static apr_status_t cleanup_easy(void *data)
{
    curl_easy_cleanup(data);
    return APR_SUCCESS;
}

static apr_status_t cleanup_slist(void *data)
{
    curl_slist_free_all(data);
    return APR_SUCCESS;
}

const char *oa2_fetch_basic_auth(const char *user, const char *secret,
                                 apr_pool_t *p)
{
    char *pair = apr_pstrcat(p, oa2_form_escape(user, p), ":",
                             oa2_form_escape(secret, p), NULL);
    int len = (int)strlen(pair);
    char *header = apr_palloc(p, 21 + apr_base64_encode_len(len));

    memcpy(header, "Authorization: Basic ", 21);
    apr_base64_encode(header + 21, pair, len);
    OPENSSL_cleanse(pair, (size_t)len);
    return header;
}

long oa2_fetch_max_age(const char *value)
{
    const char *v;
    long age = -1;

    for (v = value; v && *v; v = strchr(v, ',')) {
        while (*v == ' ' || *v == ',' || *v == '\t') {
            v++;
        }
        if (!strncasecmp(v, "no-store", 8) || !strncasecmp(v, "no-cache", 8)) {
            return 0;
        }
        if (!strncasecmp(v, "max-age=", 8)) {
            char *end;
            long n = strtol(v + 8, &end, 10);
            if (end != v + 8 && n >= 0) {
                age = n;
            }
        }
    }
    return age;
}

/* Cache-Control of the response, over all its header lines. */
static long cache_max_age(CURL *curl)
{
#if LIBCURL_VERSION_NUM >= 0x075300
    struct curl_header *h;
    size_t i, amount = 1;
    long age = -1, one;

    for (i = 0; i < amount; i++) {
        if (curl_easy_header(curl, "Cache-Control", i, CURLH_HEADER, -1, &h)
            != CURLHE_OK) {
            break;
        }
        amount = h->amount;
        one = oa2_fetch_max_age(h->value);
        if (one == 0) {
            return 0;
        }
        if (one > 0) {
            age = one;
        }
    }
    return age;
#else
    /* libcurl before 7.83 has no header API: the default lifetime. */
    (void)curl;
    return -1;
#endif
}

/* The libcurl handle of one fetch and its header list, with every rule
 * of the room set; both bound to @a p (released at once by the caller). */
static apr_status_t make_handle(CURL **out, struct curl_slist **list,
                                const char *url, const oa2_fetch_opts_t *o,
                                fetch_ctx_t *c, char *errbuf, apr_pool_t *p)
{
    struct curl_slist *h = curl_slist_append(NULL, "Accept: application/json");
    CURL *curl;

    if (h && o->authorization) {
        struct curl_slist *more = curl_slist_append(h, o->authorization);
        if (!more) {
            curl_slist_free_all(h);
        }
        h = more;
    }
    if (!h) {
        return APR_ENOMEM;
    }
    apr_pool_cleanup_register(p, h, cleanup_slist, apr_pool_cleanup_null);
    *list = h;
    if (!(curl = curl_easy_init())) {
        return APR_ENOMEM;
    }
    apr_pool_cleanup_register(p, curl, cleanup_easy, apr_pool_cleanup_null);
    *out = curl;
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
#if LIBCURL_VERSION_NUM >= 0x075500
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
#else
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS, CURLPROTO_HTTP | CURLPROTO_HTTPS);
#endif
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
    /* A proxy from httpd's environment would be an address we never
     * check, and a way around the guard. */
    curl_easy_setopt(curl, CURLOPT_PROXY, "");
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, OA2_FETCH_CONNECT_MS);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, OA2_FETCH_TOTAL_MS);
    curl_easy_setopt(curl, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)c->max);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, c);
    curl_easy_setopt(curl, CURLOPT_OPENSOCKETFUNCTION, open_socket);
    curl_easy_setopt(curl, CURLOPT_OPENSOCKETDATA, c);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "mod_oauth2");
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
    if (o->ca_file) {
        curl_easy_setopt(curl, CURLOPT_CAINFO, o->ca_file);
    }
    if (o->form) {
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, o->form);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)strlen(o->form));
    }
    return APR_SUCCESS;
}

/* The error of a transfer that did not complete. */
static apr_status_t transfer_failed(CURLcode rc, const fetch_ctx_t *c,
                                    const char *url, const char *errbuf,
                                    const oa2_fetch_opts_t *o, oa2_err_t *err,
                                    apr_pool_t *p)
{
    if (c->refused) {
        UNAVAILABLE("OA2-00932",
                    "the server's address is not one this "
                    "module may connect to");
        return oa2_err_detail(err, p, "%s resolved to %s", url,
                              c->refused_addr);
    }
    if (c->too_big || rc == CURLE_FILESIZE_EXCEEDED) {
        UNAVAILABLE("OA2-00933", "the document is too large");
        return oa2_err_detail(err, p, "%s: more than %" APR_SIZE_T_FMT " bytes",
                              url, c->max);
    }
    if (rc == CURLE_OPERATION_TIMEDOUT) {
        UNAVAILABLE("OA2-00934", "the server did not answer in time");
        oa2_err_cause(err, APR_TIMEUP);
        return oa2_err_detail(err, p,
                              "%s: %s (limits: %ld ms to connect, %ld "
                              "ms in all)",
                              url, *errbuf ? errbuf : curl_easy_strerror(rc),
                              (long)OA2_FETCH_CONNECT_MS,
                              (long)OA2_FETCH_TOTAL_MS);
    }
    if (rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CACERT_BADFILE
        || rc == CURLE_SSL_CONNECT_ERROR || rc == CURLE_SSL_CERTPROBLEM) {
        UNAVAILABLE("OA2-00935",
                    "the server's TLS certificate is not "
                    "trusted");
        return oa2_err_detail(err, p, "%s: %s%s", url,
                              *errbuf ? errbuf : curl_easy_strerror(rc),
                              o->ca_file ? ""
                                         : " (OAuth2FetchCAFile names "
                                           "the CA to trust)");
    }
    UNAVAILABLE("OA2-00936", "the server cannot be reached");
    return oa2_err_detail(err, p, "%s: %s", url,
                          *errbuf ? errbuf : curl_easy_strerror(rc));
}

apr_status_t oa2_fetch(oa2_fetch_result_t *res, const char *url,
                       const oa2_fetch_opts_t *opts, oa2_err_t *err,
                       apr_pool_t *p)
{
    static const oa2_fetch_opts_t defaults;
    const oa2_fetch_opts_t *o = opts ? opts : &defaults;
    char errbuf[CURL_ERROR_SIZE] = "";
    struct curl_slist *list = NULL;
    CURL *curl = NULL;
    fetch_ctx_t c;
    CURLcode rc;
    apr_status_t rv;

    memset(res, 0, sizeof(*res));
    if (oa2_fetch_check_url(url, o->reach, err, p) != APR_SUCCESS) {
        err->status = 503;
        err->error = "temporarily_unavailable";
        return oa2_err_detail(err, p, "%s %s", url, err->description);
    }
    memset(&c, 0, sizeof(c));
    c.p = p;
    c.max = o->max_size ? o->max_size : DEFAULT_MAX_SIZE;
    c.reach = o->reach;
    c.plain_http = !strncasecmp(url, "http:", 5);
    if ((rv = make_handle(&curl, &list, url, o, &c, errbuf, p))
        != APR_SUCCESS) {
        /* rv stays APR_ENOMEM: this server's fault, not the other's. */
        UNAVAILABLE("OA2-00937", "cannot set up an outgoing request");
        oa2_err_detail(err, p, "%s: out of memory", url);
        goto leave;
    }
    if ((rc = curl_easy_perform(curl)) != CURLE_OK) {
        rv = transfer_failed(rc, &c, url, errbuf, o, err, p);
        goto leave;
    }
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &res->status);
    if (res->status >= 300 && res->status < 400) {
        UNAVAILABLE("OA2-00938",
                    "the server answered with a redirect, "
                    "which is not followed");
        rv = oa2_err_detail(err, p, "%s answered %ld", url, res->status);
        goto leave;
    }
    res->max_age = cache_max_age(curl);
    res->body = c.buf ? c.buf : "";
    res->len = c.len;
    rv = APR_SUCCESS;
leave:
    /* Now, not with the pool: the handle points at this frame (c, errbuf)
     * and holds the connection open. */
    if (curl) {
        apr_pool_cleanup_run(p, curl, cleanup_easy);
    }
    if (list) {
        apr_pool_cleanup_run(p, list, cleanup_slist);
    }
    return rv;
}

long oa2_fetch_lifetime(const oa2_fetch_result_t *res, long min, long max,
                        long dflt)
{
    long age = res->max_age < 0 ? dflt : res->max_age;

    return age < min ? min : age > max ? max : age;
}
