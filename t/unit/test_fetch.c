/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/* The rules of the fetch room (oa2_fetch.h) that need no network: which
 * URLs may be fetched, the class of a resolved address, which classes a
 * reach allows, and the bounds on a document's lifetime. */
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <apr_strings.h>

#include "oa2_fetch.h"
#include "unit.h"

#define ADMIN OA2_FETCH_REACH_ADMIN
#define PUBLIC OA2_FETCH_REACH_PUBLIC
#define PUB_LO OA2_FETCH_REACH_PUBLIC_OR_LOOPBACK

/* Check that @a url may be fetched under @a reach. */
#define URL_OK(url, reach)                                                     \
    do {                                                                       \
        oa2_err_t err_ = {0};                                                  \
        UNIT_EQ_INT(oa2_fetch_check_url((url), (reach), &err_, p),             \
                    APR_SUCCESS);                                              \
    } while (0)

/* Check that @a url is refused under @a reach with log id @a id, and a
 * description (the glue puts it after the directive and the URL). */
#define URL_REFUSED(url, reach, id)                                            \
    do {                                                                       \
        oa2_err_t err_ = {0};                                                  \
        UNIT_REFUSED(oa2_fetch_check_url((url), (reach), &err_, p), err_, 500, \
                     NULL, (id));                                              \
        UNIT_ASSERT(err_.description &&*err_.description);                     \
    } while (0)

/* Check @a url under every reach. */
#define URL_OK_ALL(url)                                                        \
    do {                                                                       \
        URL_OK((url), ADMIN);                                                  \
        URL_OK((url), PUBLIC);                                                 \
        URL_OK((url), PUB_LO);                                                 \
    } while (0)

#define URL_REFUSED_ALL(url, id)                                               \
    do {                                                                       \
        URL_REFUSED((url), ADMIN, (id));                                       \
        URL_REFUSED((url), PUBLIC, (id));                                      \
        URL_REFUSED((url), PUB_LO, (id));                                      \
    } while (0)

static void test_url_https(apr_pool_t *p)
{
    URL_OK_ALL("https://idp.example/jwks");
    URL_OK_ALL("https://idp.example");
    URL_OK_ALL("https://idp.example:8443/t/jwks?v=2");
    URL_OK_ALL("HTTPS://IDP.EXAMPLE/jwks");
    URL_OK_ALL("https://10.0.0.1/jwks");  /* the address is checked later */
    URL_OK_ALL("https://[2001:db8::1]/"); /* (when it is connected to) */
}

static void test_url_http_loopback_only(apr_pool_t *p)
{
    static const char *const loopback[] = {
        "http://127.0.0.1:8080/jwks", "http://127.1.2.3/jwks",
        "http://localhost/jwks",      "http://LOCALHOST:80/",
        "http://[::1]:8080/jwks",     "HTTP://127.0.0.1/"};
    static const char *const other[] = {"http://idp.example/jwks",
                                        "http://10.0.0.1/jwks",
                                        "http://169.254.169.254/latest",
                                        "http://0.0.0.0/",
                                        "http://127.0.0.1.evil.com/",
                                        "http://localhost.evil.com/",
                                        "http://127.1/",
                                        "http://0x7f000001/",
                                        "http://[::ffff:127.0.0.1]/",
                                        "http://[::2]/"};
    apr_size_t i;

    for (i = 0; i < sizeof(loopback) / sizeof(loopback[0]); i++) {
        URL_OK(loopback[i], ADMIN);
        URL_OK(loopback[i], PUB_LO);
        /* a client never names an http URL, even on loopback */
        URL_REFUSED(loopback[i], PUBLIC, "OA2-00931");
    }
    for (i = 0; i < sizeof(other) / sizeof(other[0]); i++) {
        URL_REFUSED_ALL(other[i], "OA2-00931");
    }
}

static void test_url_userinfo_fragment(apr_pool_t *p)
{
    URL_REFUSED_ALL("https://user@idp.example/jwks", "OA2-00929");
    URL_REFUSED_ALL("https://user:pw@idp.example/jwks", "OA2-00929");
    URL_REFUSED_ALL("https://:pw@idp.example/jwks", "OA2-00929");
    /* the classic: which host is it, 127.0.0.1 or evil.example? */
    URL_REFUSED_ALL("http://127.0.0.1:80@evil.example/", "OA2-00929");
    URL_REFUSED_ALL("https://idp.example/jwks#k", "OA2-00929");
    URL_REFUSED_ALL("https://idp.example/jwks#", "OA2-00929");
    URL_REFUSED_ALL("http://localhost#@evil.example/", "OA2-00929");
}

static void test_url_no_host_or_scheme(apr_pool_t *p)
{
    URL_REFUSED_ALL("https:///jwks", "OA2-00928");
    URL_REFUSED_ALL("https://", "OA2-00928");
    URL_REFUSED_ALL("/jwks", "OA2-00928");
    URL_REFUSED_ALL("idp.example/jwks", "OA2-00928");
    URL_REFUSED_ALL("", "OA2-00928");
    URL_REFUSED_ALL("file:///etc/passwd", "OA2-00928");
}

static void test_url_other_schemes(apr_pool_t *p)
{
    URL_REFUSED_ALL("ftp://idp.example/jwks", "OA2-00930");
    URL_REFUSED_ALL("gopher://127.0.0.1:70/", "OA2-00930");
    URL_REFUSED_ALL("ldap://idp.example/", "OA2-00930");
    URL_REFUSED_ALL("dict://localhost:11211/", "OA2-00930");
    URL_REFUSED_ALL("httpx://idp.example/", "OA2-00930");
    URL_REFUSED_ALL("https+unix://idp.example/", "OA2-00930");
}

static void test_url_length(apr_pool_t *p)
{
    const char *head = "https://idp.example/";
    apr_size_t n = strlen(head);
    char *url = apr_palloc(p, OA2_FETCH_URL_MAX + 2);

    memcpy(url, head, n);
    memset(url + n, 'a', OA2_FETCH_URL_MAX - n);
    url[OA2_FETCH_URL_MAX] = '\0';
    UNIT_EQ_INT(strlen(url), 2048);
    URL_OK_ALL(url);
    url[OA2_FETCH_URL_MAX] = 'a';
    url[OA2_FETCH_URL_MAX + 1] = '\0';
    URL_REFUSED_ALL(url, "OA2-00927");
}

/* One row of the address table. */
typedef struct addr_case_t {
    const char *addr;             /* an IPv4 or IPv6 address */
    oa2_fetch_addr_class_t class; /* what it must be classed as */
} addr_case_t;

#define C_PUBLIC OA2_FETCH_ADDR_PUBLIC
#define C_LOOP OA2_FETCH_ADDR_LOOPBACK
#define C_PRIV OA2_FETCH_ADDR_PRIVATE
#define C_LINK OA2_FETCH_ADDR_LINK_LOCAL
#define C_OTHER OA2_FETCH_ADDR_OTHER

static const addr_case_t addr_cases[] = {
    /* loopback */
    {"127.0.0.1", C_LOOP},
    {"127.255.255.254", C_LOOP},
    {"::1", C_LOOP},
    {"::ffff:127.0.0.1", C_LOOP},
    {"64:ff9b::7f00:1", C_LOOP},
    /* RFC 1918, shared address space (100.64/10), ULA, site-local */
    {"10.0.0.1", C_PRIV},
    {"10.255.255.255", C_PRIV},
    {"172.16.0.1", C_PRIV},
    {"172.31.255.255", C_PRIV},
    {"192.168.1.1", C_PRIV},
    {"100.64.0.1", C_PRIV},
    {"100.127.255.255", C_PRIV},
    {"fc00::1", C_PRIV},
    {"fd12:3456::1", C_PRIV},
    {"fec0::1", C_PRIV},
    {"::ffff:10.0.0.1", C_PRIV},
    {"::ffff:192.168.0.1", C_PRIV},
    /* link-local: the cloud metadata services, however spelt */
    {"169.254.169.254", C_LINK},
    {"169.254.0.1", C_LINK},
    {"fe80::1", C_LINK},
    {"febf::1", C_LINK},
    {"::ffff:169.254.169.254", C_LINK},
    {"64:ff9b::a9fe:a9fe", C_LINK},
    {"64:ff9b::169.254.169.254", C_LINK},
    {"2002:a9fe:a9fe::", C_LINK},
    {"2002:a9fe:a9fe:1::1", C_LINK},
    /* unspecified, multicast, broadcast, reserved, documentation,
     * benchmarking, IETF protocol assignments */
    {"0.0.0.0", C_OTHER},
    {"0.1.2.3", C_OTHER},
    {"::", C_OTHER},
    {"::ffff:0.0.0.0", C_OTHER},
    {"224.0.0.1", C_OTHER},
    {"239.255.255.250", C_OTHER},
    {"240.0.0.1", C_OTHER},
    {"255.255.255.255", C_OTHER},
    {"192.0.0.8", C_OTHER},
    {"192.0.2.1", C_OTHER},
    {"198.51.100.1", C_OTHER},
    {"203.0.113.1", C_OTHER},
    {"198.18.0.1", C_OTHER},
    {"198.19.255.255", C_OTHER},
    {"192.88.99.1", C_OTHER},
    {"ff02::1", C_OTHER},
    {"ff05::2", C_OTHER},
    {"2001:db8::1", C_OTHER},
    {"2001::1", C_OTHER},    /* Teredo */
    {"100::1", C_OTHER},     /* discard-only */
    {"::10.0.0.1", C_OTHER}, /* IPv4-compatible, deprecated */
    {"::169.254.1.1", C_OTHER},
    /* the NAT64 local-use prefix (RFC 8215): a translator of one's own
     * that may reach any IPv4 address; not globally reachable */
    {"64:ff9b:1::a9fe:a9fe", C_OTHER},
    {"64:ff9b:1:a9fe:a9fe::", C_OTHER},
    /* public, and their near neighbours */
    {"93.184.216.34", C_PUBLIC},
    {"8.8.8.8", C_PUBLIC},
    {"1.1.1.1", C_PUBLIC},
    {"9.255.255.255", C_PUBLIC},
    {"11.0.0.1", C_PUBLIC},
    {"172.15.255.255", C_PUBLIC},
    {"172.32.0.1", C_PUBLIC},
    {"192.167.255.255", C_PUBLIC},
    {"192.169.0.1", C_PUBLIC},
    {"100.63.255.255", C_PUBLIC},
    {"100.128.0.1", C_PUBLIC},
    {"169.253.255.255", C_PUBLIC},
    {"169.255.0.1", C_PUBLIC},
    {"126.255.255.255", C_PUBLIC},
    {"128.0.0.1", C_PUBLIC},
    {"223.255.255.254", C_PUBLIC},
    {"192.0.3.1", C_PUBLIC},
    {"198.20.0.1", C_PUBLIC},
    {"2606:4700::1", C_PUBLIC},
    {"2606:4700:4700::1111", C_PUBLIC},
    {"2a00:1450:4001::1", C_PUBLIC},
    {"::ffff:93.184.216.34", C_PUBLIC},
    {"64:ff9b::5db8:d822", C_PUBLIC},
    {"2002:5db8:d822::1", C_PUBLIC},
    {"2001:db9::1", C_PUBLIC},
};

/* @a addr as a socket address in @a ss; zero when it is no address. */
static int sockaddr_of(struct sockaddr_storage *ss, const char *addr)
{
    struct sockaddr_in *in = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

    memset(ss, 0, sizeof(*ss));
    if (inet_pton(AF_INET, addr, &in->sin_addr) == 1) {
        in->sin_family = AF_INET;
        in->sin_port = htons(443);
        return 1;
    }
    if (inet_pton(AF_INET6, addr, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons(443);
        return 1;
    }
    return 0;
}

static void test_addr_class_table(apr_pool_t *p)
{
    struct sockaddr_storage ss;
    apr_size_t i;
    int bad = 0;

    (void)p;
    for (i = 0; i < sizeof(addr_cases) / sizeof(addr_cases[0]); i++) {
        oa2_fetch_addr_class_t got;
        if (!sockaddr_of(&ss, addr_cases[i].addr)) {
            unit_fail(__FILE__, __LINE__, "%s is no address",
                      addr_cases[i].addr);
            return;
        }
        got = oa2_fetch_addr_class((struct sockaddr *)&ss);
        if (got != addr_cases[i].class) {
            /* every wrong row, not only the first */
            unit_fail(__FILE__, __LINE__, "%s is classed %d, expected %d",
                      addr_cases[i].addr, (int)got, (int)addr_cases[i].class);
            bad++;
        }
    }
    UNIT_EQ_INT(bad, 0);
}

static void test_addr_class_other_family(apr_pool_t *p)
{
    struct sockaddr sa;

    (void)p;
    memset(&sa, 0, sizeof(sa));
    sa.sa_family = AF_UNIX;
    UNIT_EQ_INT(oa2_fetch_addr_class(&sa), C_OTHER);
    sa.sa_family = AF_UNSPEC;
    UNIT_EQ_INT(oa2_fetch_addr_class(&sa), C_OTHER);
}

/* Which classes a reach allows: one bit per class, by scheme. */
typedef struct reach_case_t {
    oa2_fetch_reach_t reach;
    unsigned https; /* bits (1 << class) allowed for https */
    unsigned http;  /* and for http */
} reach_case_t;

#define B(c) (1u << (c))

static void test_reach_allows(apr_pool_t *p)
{
    static const reach_case_t cases[] = {
        /* the admin's URL: anything but link-local and the odd ones */
        {ADMIN, B(C_PUBLIC) | B(C_LOOP) | B(C_PRIV), B(C_LOOP)},
        /* a client's URL: the public Internet only, never http */
        {PUBLIC, B(C_PUBLIC), 0},
        /* a loopback developer issuer's clients: and loopback too */
        {PUB_LO, B(C_PUBLIC) | B(C_LOOP), B(C_LOOP)},
    };
    apr_size_t i;
    int c;

    (void)p;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        for (c = C_PUBLIC; c <= C_OTHER; c++) {
            oa2_fetch_addr_class_t cl = (oa2_fetch_addr_class_t)c;
            int https = oa2_fetch_reach_allows(cases[i].reach, cl, 0);
            int http = oa2_fetch_reach_allows(cases[i].reach, cl, 1);
            if (!https != !(cases[i].https & B(c))
                || !http != !(cases[i].http & B(c))) {
                unit_fail(__FILE__, __LINE__,
                          "reach %d class %d: https %d http %d",
                          (int)cases[i].reach, c, https, http);
                return;
            }
        }
    }
    /* the two that matter most, spelt out */
    UNIT_ASSERT(!oa2_fetch_reach_allows(ADMIN, C_LINK, 0));
    UNIT_ASSERT(!oa2_fetch_reach_allows(ADMIN, C_LINK, 1));
    UNIT_ASSERT(!oa2_fetch_reach_allows(PUBLIC, C_PRIV, 0));
    UNIT_ASSERT(!oa2_fetch_reach_allows(ADMIN, C_PUBLIC, 1));
}

static long lifetime(long max_age, long min, long max, long dflt)
{
    oa2_fetch_result_t res;

    memset(&res, 0, sizeof(res));
    res.max_age = max_age;
    return oa2_fetch_lifetime(&res, min, max, dflt);
}

static void test_lifetime_bounds(apr_pool_t *p)
{
    (void)p;
    /* not given: the default */
    UNIT_EQ_INT(lifetime(-1, 300, 86400, 3600), 3600);
    /* no-store / no-cache: the least */
    UNIT_EQ_INT(lifetime(0, 300, 86400, 3600), 300);
    UNIT_EQ_INT(lifetime(1, 300, 86400, 3600), 300);
    UNIT_EQ_INT(lifetime(299, 300, 86400, 3600), 300);
    UNIT_EQ_INT(lifetime(300, 300, 86400, 3600), 300);
    UNIT_EQ_INT(lifetime(301, 300, 86400, 3600), 301);
    UNIT_EQ_INT(lifetime(86400, 300, 86400, 3600), 86400);
    UNIT_EQ_INT(lifetime(86401, 300, 86400, 3600), 86400);
    UNIT_EQ_INT(lifetime(2147483647L, 300, 86400, 3600), 86400);
    /* a default outside the bounds is bounded too */
    UNIT_EQ_INT(lifetime(-1, 60, 600, 10), 60);
    UNIT_EQ_INT(lifetime(-1, 60, 600, 6000), 600);
}

/* Cache-Control header values as issuers send them. */
static void test_max_age(apr_pool_t *p)
{
    static const struct {
        const char *value;
        long age;
    } cases[] = {
        {"max-age=600", 600},
        {"public, max-age=20045, must-revalidate, no-transform", 20045},
        {"MAX-AGE=30", 30},
        {"max-age=0", 0},
        {"no-cache", 0}, /* Keycloak's certs endpoint */
        {"no-store, max-age=600", 0},
        {"max-age=600, no-cache", 0},
        {"private", -1},
        {"", -1},
        {"max-age=", -1},
        {"max-age=-5", -1},
        {"max-age=abc", -1},
        {"s-maxage=600", -1},
    };
    apr_size_t i;

    (void)p;
    for (i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        UNIT_EQ_INT(oa2_fetch_max_age(cases[i].value), cases[i].age);
    }
    UNIT_EQ_INT(oa2_fetch_max_age(NULL), -1);
}

void unit_suite_fetch(void)
{
    unit_suite("fetch");
    UNIT_RUN(test_url_https);
    UNIT_RUN(test_url_http_loopback_only);
    UNIT_RUN(test_url_userinfo_fragment);
    UNIT_RUN(test_url_no_host_or_scheme);
    UNIT_RUN(test_url_other_schemes);
    UNIT_RUN(test_url_length);
    UNIT_RUN(test_addr_class_table);
    UNIT_RUN(test_addr_class_other_family);
    UNIT_RUN(test_reach_allows);
    UNIT_RUN(test_lifetime_bounds);
    UNIT_RUN(test_max_age);
}
