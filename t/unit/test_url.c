/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/* URL rules: loopback hosts and issuer identifiers (RFC 8414 §2). */
#include <string.h>

#include "oa2_url.h"
#include "unit.h"

/* Check that @a url is refused as an issuer with log id @a id. */
#define ISSUER_REFUSED(url, id)                                                \
    do {                                                                       \
        oa2_err_t err_ = {0};                                                  \
        UNIT_REFUSED(oa2_url_check_issuer((url), &err_, p), err_, 500, NULL,   \
                     (id));                                                    \
        UNIT_ASSERT(err_.description != NULL);                                 \
        UNIT_ASSERT(*err_.description != '\0');                                \
    } while (0)

#define ISSUER_OK(url)                                                         \
    do {                                                                       \
        oa2_err_t err_ = {0};                                                  \
        UNIT_EQ_INT(oa2_url_check_issuer((url), &err_, p), APR_SUCCESS);       \
    } while (0)

static void test_loopback_hosts(apr_pool_t *p)
{
    UNIT_ASSERT(oa2_url_is_loopback_host("localhost"));
    UNIT_ASSERT(oa2_url_is_loopback_host("LocalHost"));
    UNIT_ASSERT(oa2_url_is_loopback_host("127.0.0.1"));
    UNIT_ASSERT(oa2_url_is_loopback_host("127.1.2.3"));
    UNIT_ASSERT(oa2_url_is_loopback_host("127.255.255.254"));
    UNIT_ASSERT(oa2_url_is_loopback_host("::1"));
    UNIT_ASSERT(oa2_url_is_loopback_host("[::1]"));
}

static void test_not_loopback_hosts(apr_pool_t *p)
{
    UNIT_ASSERT(!oa2_url_is_loopback_host(NULL));
    UNIT_ASSERT(!oa2_url_is_loopback_host(""));
    UNIT_ASSERT(!oa2_url_is_loopback_host("127.0.0.1.evil.com"));
    UNIT_ASSERT(!oa2_url_is_loopback_host("127.0.0.1x"));
    UNIT_ASSERT(!oa2_url_is_loopback_host("127.0.0"));
    UNIT_ASSERT(!oa2_url_is_loopback_host("127"));
    UNIT_ASSERT(!oa2_url_is_loopback_host("127.evil.com"));
    UNIT_ASSERT(!oa2_url_is_loopback_host("evil127.0.0.1"));
    UNIT_ASSERT(!oa2_url_is_loopback_host("128.0.0.1"));
    UNIT_ASSERT(!oa2_url_is_loopback_host("10.0.0.1"));
    UNIT_ASSERT(!oa2_url_is_loopback_host("0.0.0.0"));
    UNIT_ASSERT(!oa2_url_is_loopback_host("localhost.evil.com"));
    UNIT_ASSERT(!oa2_url_is_loopback_host("evil-localhost"));
    UNIT_ASSERT(!oa2_url_is_loopback_host("::2"));
    UNIT_ASSERT(!oa2_url_is_loopback_host("[::1]:80"));
    UNIT_ASSERT(!oa2_url_is_loopback_host("::"));
}

static void test_not_loopback_malformed_ipv4(apr_pool_t *p)
{
    /* digits and two more dots are not yet an address in 127.0.0.0/8 */
    UNIT_ASSERT(!oa2_url_is_loopback_host("127..."));
    UNIT_ASSERT(!oa2_url_is_loopback_host("127..0.1"));
    UNIT_ASSERT(!oa2_url_is_loopback_host("127.0.0."));
    UNIT_ASSERT(!oa2_url_is_loopback_host("127.0.0.256"));
}

static void test_issuer_https(apr_pool_t *p)
{
    ISSUER_OK("https://as.example.com");
    ISSUER_OK("https://as.example.com/");
    ISSUER_OK("https://as.example.com:8443/tenant/a");
    ISSUER_OK("HTTPS://as.example.com");
}

static void test_issuer_http_loopback(apr_pool_t *p)
{
    ISSUER_OK("http://localhost");
    ISSUER_OK("http://localhost:8080/as");
    ISSUER_OK("http://127.0.0.1:5001");
    ISSUER_OK("http://127.1.2.3/");
    ISSUER_OK("http://[::1]:8443/as");
}

static void test_issuer_http_elsewhere(apr_pool_t *p)
{
    ISSUER_REFUSED("http://as.example.com", "OA2-00063");
    ISSUER_REFUSED("http://127.0.0.1.evil.com/", "OA2-00063");
    ISSUER_REFUSED("http://localhost.evil.com/", "OA2-00063");
    ISSUER_REFUSED("http://10.0.0.1/", "OA2-00063");
    ISSUER_REFUSED("ftp://as.example.com/", "OA2-00063");
}

static void test_issuer_query_fragment(apr_pool_t *p)
{
    ISSUER_REFUSED("https://as.example.com/?a=b", "OA2-00061");
    ISSUER_REFUSED("https://as.example.com?", "OA2-00061");
    ISSUER_REFUSED("https://as.example.com/#top", "OA2-00061");
    ISSUER_REFUSED("https://as.example.com#", "OA2-00061");
}

static void test_issuer_userinfo(apr_pool_t *p)
{
    ISSUER_REFUSED("https://user@as.example.com/", "OA2-00062");
    ISSUER_REFUSED("https://user:pw@as.example.com/", "OA2-00062");
    /* the classic trick: the real host is after the '@' */
    ISSUER_REFUSED("http://localhost@evil.com/", "OA2-00062");
}

static void test_issuer_not_absolute(apr_pool_t *p)
{
    ISSUER_REFUSED("as.example.com", "OA2-00060");
    ISSUER_REFUSED("/as", "OA2-00060");
    ISSUER_REFUSED("https://", "OA2-00060");
    ISSUER_REFUSED("", "OA2-00060");
}

static void test_issuer_length(apr_pool_t *p)
{
    /* "https://" + host + "/" + path: 255 characters in all, then 256 */
    char url[300];

    memset(url, 'a', sizeof(url));
    memcpy(url, "https://as.example.com/", 23);
    url[255] = '\0';
    ISSUER_OK(url);
    url[255] = 'a';
    url[256] = '\0';
    ISSUER_REFUSED(url, "OA2-00782");
}

static void test_path_valid(apr_pool_t *p)
{
    UNIT_ASSERT(oa2_url_path_valid("/"));
    UNIT_ASSERT(oa2_url_path_valid("/oauth2/token"));
    UNIT_ASSERT(!oa2_url_path_valid(NULL));
    UNIT_ASSERT(!oa2_url_path_valid(""));
    UNIT_ASSERT(!oa2_url_path_valid("oauth2"));
    UNIT_ASSERT(!oa2_url_path_valid("https://x/"));
    UNIT_ASSERT(!oa2_url_path_valid("/a?b"));
    UNIT_ASSERT(!oa2_url_path_valid("/a#b"));
    UNIT_ASSERT(!oa2_url_path_valid("/a b"));
}

void unit_suite_url(void)
{
    unit_suite("url");
    UNIT_RUN(test_loopback_hosts);
    UNIT_RUN(test_not_loopback_hosts);
    UNIT_RUN(test_not_loopback_malformed_ipv4);
    UNIT_RUN(test_issuer_https);
    UNIT_RUN(test_issuer_http_loopback);
    UNIT_RUN(test_issuer_http_elsewhere);
    UNIT_RUN(test_issuer_query_fragment);
    UNIT_RUN(test_issuer_userinfo);
    UNIT_RUN(test_issuer_not_absolute);
    UNIT_RUN(test_issuer_length);
    UNIT_RUN(test_path_valid);
}
