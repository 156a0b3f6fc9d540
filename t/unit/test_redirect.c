/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/* Redirect URI registration rules and matching (RFC 8252, RFC 9700). */
#include <string.h>

#include "oa2_redirect.h"
#include "unit.h"

/* Check that @a uri may be registered. */
#define CHECK_OK(uri)                                                          \
    do {                                                                       \
        oa2_err_t err_ = {0};                                                  \
        UNIT_EQ_INT(oa2_redirect_check((uri), &err_, p), APR_SUCCESS);         \
    } while (0)

/* Check that @a uri is refused at registration with log id @a id, and a
 * description that does not repeat it (issue 12). */
#define CHECK_REFUSED(uri, id)                                                 \
    do {                                                                       \
        oa2_err_t err_ = {0};                                                  \
        UNIT_REFUSED(oa2_redirect_check((uri), &err_, p), err_, 400,           \
                     "invalid_redirect_uri", (id));                            \
        UNIT_DESCRIPTION_FIXED(err_, (uri));                                   \
    } while (0)

#define MATCH(reg, req) UNIT_ASSERT(oa2_redirect_matches((reg), (req), p))
#define NO_MATCH(reg, req) UNIT_ASSERT(!oa2_redirect_matches((reg), (req), p))

static void test_exact_match(apr_pool_t *p)
{
    MATCH("https://c.example/cb", "https://c.example/cb");
    MATCH("https://c.example:8443/a/b?x=1&y",
          "https://c.example:8443/a/b?x=1&y");
    MATCH("com.example.app:/oauth2redirect", "com.example.app:/oauth2redirect");
    MATCH("http://127.0.0.1/cb", "http://127.0.0.1/cb");
}

static void test_prefix_and_suffix(apr_pool_t *p)
{
    NO_MATCH("https://c.example/cb", "https://c.example/cb/evil");
    NO_MATCH("https://c.example/cb", "https://c.example/cbevil");
    NO_MATCH("https://c.example/cb", "https://c.example/c");
    NO_MATCH("https://c.example/cb", "https://c.example.evil.com/cb");
    NO_MATCH("https://c.example/cb", "https://evilc.example/cb");
    NO_MATCH("https://c.example/cb", "https://c.example/cb/../cb");
    NO_MATCH("https://c.example/cb", "https://c.example//cb");
    NO_MATCH("https://c.example/cb", "");
    NO_MATCH("https://c.example/cb", NULL);
    NO_MATCH(NULL, "https://c.example/cb");
}

static void test_trailing_slash(apr_pool_t *p)
{
    NO_MATCH("https://c.example/cb", "https://c.example/cb/");
    NO_MATCH("https://c.example/cb/", "https://c.example/cb");
    NO_MATCH("https://c.example", "https://c.example/");
    NO_MATCH("http://127.0.0.1/cb", "http://127.0.0.1:5000/cb/");
    NO_MATCH("http://127.0.0.1", "http://127.0.0.1:5000/");
}

static void test_case_differences(apr_pool_t *p)
{
    NO_MATCH("https://c.example/cb", "https://c.example/CB");
    NO_MATCH("https://c.example/cb", "https://C.example/cb");
    NO_MATCH("https://c.example/cb", "HTTPS://c.example/cb");
    NO_MATCH("http://localhost/cb", "http://LOCALHOST:8080/cb");
    NO_MATCH("http://localhost/cb", "HTTP://localhost:8080/cb");
}

static void test_port_on_non_loopback(apr_pool_t *p)
{
    NO_MATCH("https://c.example/cb", "https://c.example:443/cb");
    NO_MATCH("https://c.example:443/cb", "https://c.example/cb");
    NO_MATCH("https://c.example:8443/cb", "https://c.example:8444/cb");
    /* https on a loopback host: no port exception (only http) */
    NO_MATCH("https://127.0.0.1/cb", "https://127.0.0.1:8443/cb");
    NO_MATCH("https://localhost:1/cb", "https://localhost:2/cb");
}

static void test_userinfo(apr_pool_t *p)
{
    NO_MATCH("https://c.example/cb", "https://user@c.example/cb");
    NO_MATCH("https://c.example/cb", "https://c.example@evil.com/cb");
    NO_MATCH("http://127.0.0.1/cb", "http://127.0.0.1:80@evil.com/cb");
    NO_MATCH("http://127.0.0.1/cb", "http://127.0.0.1@evil.com/cb");
    NO_MATCH("http://127.0.0.1/cb", "http://u@127.0.0.1/cb");
    NO_MATCH("http://localhost/cb", "http://localhost:8080@evil.com/cb");
}

static void test_encoded_chars(apr_pool_t *p)
{
    NO_MATCH("https://c.example/cb", "https://c.example/%63b");
    NO_MATCH("https://c.example/a%2Fb", "https://c.example/a/b");
    NO_MATCH("https://c.example/a%2Fb", "https://c.example/a%2fb");
    NO_MATCH("https://c.example/cb?x=a%20b", "https://c.example/cb?x=a+b");
    NO_MATCH("http://127.0.0.1/cb", "http://127.0.0.1:8080/%63b");
    NO_MATCH("http://127.0.0.1/cb", "http://127.0.0.1:80%38/cb");
}

static void test_fragment(apr_pool_t *p)
{
    NO_MATCH("https://c.example/cb", "https://c.example/cb#");
    NO_MATCH("https://c.example/cb", "https://c.example/cb#x");
    /* not even identical strings when they carry a fragment */
    NO_MATCH("https://c.example/cb#x", "https://c.example/cb#x");
    NO_MATCH("http://127.0.0.1/cb", "http://127.0.0.1:8080/cb#x");
}

static void test_query(apr_pool_t *p)
{
    NO_MATCH("https://c.example/cb", "https://c.example/cb?");
    NO_MATCH("https://c.example/cb", "https://c.example/cb?x=1");
    NO_MATCH("https://c.example/cb?x=1", "https://c.example/cb");
    NO_MATCH("https://c.example/cb?x=1", "https://c.example/cb?x=1&y=2");
    NO_MATCH("https://c.example/cb?x=1&y=2", "https://c.example/cb?y=2&x=1");
    MATCH("http://127.0.0.1/cb?x=1", "http://127.0.0.1:5000/cb?x=1");
    NO_MATCH("http://127.0.0.1/cb", "http://127.0.0.1:5000/cb?x=1");
    NO_MATCH("http://127.0.0.1/cb?x=1", "http://127.0.0.1:5000/cb?x=2");
}

static void test_loopback_port_ignored(apr_pool_t *p)
{
    /* registered without a port, requested with any */
    MATCH("http://127.0.0.1/cb", "http://127.0.0.1:51004/cb");
    MATCH("http://[::1]/cb", "http://[::1]:51004/cb");
    MATCH("http://localhost/cb", "http://localhost:8080/cb");
    MATCH("http://127.0.0.1", "http://127.0.0.1:1");
    MATCH("http://127.0.0.1?x", "http://127.0.0.1:65535?x");
    /* registered with a port, requested with another or none */
    MATCH("http://127.0.0.1:8080/cb", "http://127.0.0.1:9090/cb");
    MATCH("http://127.0.0.1:8080/cb", "http://127.0.0.1/cb");
    MATCH("http://[::1]:8080/cb", "http://[::1]/cb");
    MATCH("http://[::1]:8080/cb", "http://[::1]:1234/cb");
    MATCH("http://localhost:3000/cb", "http://localhost/cb");
    MATCH("http://localhost:3000/cb", "http://localhost:4000/cb");
    MATCH("http://127.1.2.3:1/a/b", "http://127.1.2.3:2/a/b");
}

static void test_loopback_host_must_match(apr_pool_t *p)
{
    NO_MATCH("http://127.0.0.1/cb", "http://localhost:8080/cb");
    NO_MATCH("http://localhost/cb", "http://127.0.0.1:8080/cb");
    NO_MATCH("http://[::1]/cb", "http://127.0.0.1:8080/cb");
    NO_MATCH("http://127.0.0.1/cb", "http://127.0.0.2:8080/cb");
    NO_MATCH("http://127.0.0.1/cb", "http://[::1]:8080/cb");
    NO_MATCH("http://127.0.0.1/cb", "http://127.0.0.1.evil.com:80/cb");
    NO_MATCH("http://127.0.0.1/cb", "https://127.0.0.1:8080/cb");
    NO_MATCH("http://127.0.0.1/cb", "http://127.0.0.1:8080/other");
}

static void test_loopback_bad_ports(apr_pool_t *p)
{
    NO_MATCH("http://127.0.0.1/cb", "http://127.0.0.1:/cb");
    NO_MATCH("http://127.0.0.1/cb", "http://127.0.0.1:0/cb");
    NO_MATCH("http://127.0.0.1/cb", "http://127.0.0.1:65536/cb");
    NO_MATCH("http://127.0.0.1/cb", "http://127.0.0.1:0000080/cb");
    NO_MATCH("http://127.0.0.1/cb", "http://127.0.0.1:80x/cb");
    NO_MATCH("http://127.0.0.1/cb", "http://127.0.0.1:-1/cb");
    NO_MATCH("http://127.0.0.1/cb", "http://127.0.0.1:80:81/cb");
    NO_MATCH("http://127.0.0.1/cb", "http://127.0.0.1: 80/cb");
    NO_MATCH("http://127.0.0.1/cb", "http://127.0.0.1:80\\@evil.com/cb");
    NO_MATCH("http://[::1]/cb", "http://[::1/cb");
    NO_MATCH("http://[::1]/cb", "http://[::1]x:80/cb");
}

static void test_non_loopback_http_is_exact(apr_pool_t *p)
{
    NO_MATCH("http://c.example/cb", "http://c.example:8080/cb");
    NO_MATCH("http://10.0.0.1/cb", "http://10.0.0.1:8080/cb");
}

static void test_check_https(apr_pool_t *p)
{
    CHECK_OK("https://c.example/cb");
    CHECK_OK("https://c.example");
    CHECK_OK("https://c.example:8443/a/b?x=1&y=%20");
    CHECK_OK("https://[2001:db8::1]/cb");
    CHECK_OK("HTTPS://c.example/cb");
}

static void test_check_https_needs_host(apr_pool_t *p)
{
    CHECK_REFUSED("https:///cb", "OA2-00146");
    CHECK_REFUSED("https:/cb", "OA2-00146");
    CHECK_REFUSED("https:cb", "OA2-00146");
    CHECK_REFUSED("https://", "OA2-00146");
    CHECK_REFUSED("https://exa%6dple.com/cb", "OA2-00146");
}

static void test_check_http_loopback_only(apr_pool_t *p)
{
    CHECK_OK("http://127.0.0.1/cb");
    CHECK_OK("http://127.0.0.1:8080/cb");
    CHECK_OK("http://[::1]/cb");
    CHECK_OK("http://[::1]:8080/cb");
    CHECK_OK("http://localhost/cb");
    CHECK_REFUSED("http://c.example/cb", "OA2-00147");
    CHECK_REFUSED("http://10.0.0.1/cb", "OA2-00147");
    CHECK_REFUSED("http://127.0.0.1.evil.com/cb", "OA2-00147");
    CHECK_REFUSED("http://localhost.evil.com/cb", "OA2-00147");
    CHECK_REFUSED("http:///cb", "OA2-00146");
}

static void test_check_port(apr_pool_t *p)
{
    CHECK_OK("https://c.example:1/cb");
    CHECK_OK("https://c.example:65535/cb");
    CHECK_OK("http://[::1]:8080");
    CHECK_REFUSED("https://c.example:0/cb", "OA2-00158");
    CHECK_REFUSED("https://c.example:65536/cb", "OA2-00158");
    CHECK_REFUSED("https://c.example:99999/cb", "OA2-00158");
    CHECK_REFUSED("https://c.example:000080/cb", "OA2-00158");
    CHECK_REFUSED("https://c.example:/cb", "OA2-00158");
    CHECK_REFUSED("http://127.0.0.1:0/cb", "OA2-00158");
    CHECK_REFUSED("https://c.example:abc/cb", "OA2-00144");
    CHECK_REFUSED("https://[::1/cb", "OA2-00144");
}

static void test_check_private_use(apr_pool_t *p)
{
    CHECK_OK("com.example.app:/oauth2redirect/example-provider");
    CHECK_OK("com.example.app://callback");
    CHECK_OK("com.example.app:cb");
    CHECK_REFUSED("myapp://callback", "OA2-00148");
    CHECK_REFUSED("myapp:/cb", "OA2-00148");
    CHECK_REFUSED("mailto:a@c.example", "OA2-00148");
    CHECK_REFUSED("urn:ietf:wg:oauth:2.0:oob", "OA2-00148");
}

static void test_check_denied_schemes(apr_pool_t *p)
{
    CHECK_REFUSED("javascript:alert(1)", "OA2-00143");
    CHECK_REFUSED("JavaScript:alert(1)", "OA2-00143");
    CHECK_REFUSED("javascript://c.example/%0Aalert(1)", "OA2-00143");
    CHECK_REFUSED("data:text/html,x", "OA2-00143");
    CHECK_REFUSED("file:///etc/passwd", "OA2-00143");
    CHECK_REFUSED("vbscript:msgbox", "OA2-00143");
    CHECK_REFUSED("blob:https://c.example/x", "OA2-00143");
    CHECK_REFUSED("about:blank", "OA2-00143");
    CHECK_REFUSED("view-source:https://c.example/", "OA2-00143");
}

/* Issue 12: the scheme the request sent is named in the log only. */
static void test_check_denied_scheme_not_reflected(apr_pool_t *p)
{
    oa2_err_t err = {0};

    UNIT_REFUSED(oa2_redirect_check("JaVaScRiPt:alert(1)", &err, p), err, 400,
                 "invalid_redirect_uri", "OA2-00143");
    UNIT_EQ_STR(err.description,
                "this scheme is not allowed for a redirect URI");
    UNIT_EQ_STR(err.detail, "scheme javascript:");
    UNIT_REFUSED(oa2_redirect_check("HTTPS://", &err, p), err, 400,
                 "invalid_redirect_uri", "OA2-00146");
    UNIT_DESCRIPTION_FIXED(err, "HTTPS");
}

static void test_check_not_absolute(apr_pool_t *p)
{
    CHECK_REFUSED("/cb", "OA2-00142");
    CHECK_REFUSED("//c.example/cb", "OA2-00142");
    CHECK_REFUSED("c.example/cb", "OA2-00142");
    CHECK_REFUSED("1https://c.example/cb", "OA2-00142");
    CHECK_REFUSED(":cb", "OA2-00142");
}

static void test_check_fragment_and_userinfo(apr_pool_t *p)
{
    CHECK_REFUSED("https://c.example/cb#x", "OA2-00141");
    CHECK_REFUSED("https://c.example/cb#", "OA2-00141");
    CHECK_REFUSED("com.example.app:/cb#x", "OA2-00141");
    CHECK_REFUSED("https://user@c.example/cb", "OA2-00145");
    CHECK_REFUSED("https://user:pw@c.example/cb", "OA2-00145");
    CHECK_REFUSED("https://c.example@evil.com/cb", "OA2-00145");
    CHECK_REFUSED("http://127.0.0.1@evil.com/cb", "OA2-00145");
    CHECK_REFUSED("com.example.app://u@cb", "OA2-00145");
}

static void test_check_characters(apr_pool_t *p)
{
    CHECK_REFUSED(NULL, "OA2-00138");
    CHECK_REFUSED("", "OA2-00138");
    CHECK_REFUSED("https://c.example/c b", "OA2-00140");
    CHECK_REFUSED("https://c.example/cb\n", "OA2-00140");
    CHECK_REFUSED("https://c.example/\"><script>", "OA2-00140");
    CHECK_REFUSED("https://c.example\\@evil.com/cb", "OA2-00140");
    CHECK_REFUSED("https://c.example/\xc3\xa9", "OA2-00140");
    CHECK_REFUSED("https://c.example/%zz", "OA2-00140");
    CHECK_REFUSED("https://c.example/%4", "OA2-00140");
    CHECK_REFUSED(" https://c.example/cb", "OA2-00140");
}

static void test_check_too_long(apr_pool_t *p)
{
    char *uri = apr_palloc(p, 3000);

    memset(uri, 'a', 2999);
    memcpy(uri, "https://c.example/", 18);
    uri[2999] = '\0';
    CHECK_REFUSED(uri, "OA2-00139");
    uri[2048] = '\0';
    CHECK_OK(uri);
}

void unit_suite_redirect(void)
{
    unit_suite("redirect");
    UNIT_RUN(test_exact_match);
    UNIT_RUN(test_prefix_and_suffix);
    UNIT_RUN(test_trailing_slash);
    UNIT_RUN(test_case_differences);
    UNIT_RUN(test_port_on_non_loopback);
    UNIT_RUN(test_userinfo);
    UNIT_RUN(test_encoded_chars);
    UNIT_RUN(test_fragment);
    UNIT_RUN(test_query);
    UNIT_RUN(test_loopback_port_ignored);
    UNIT_RUN(test_loopback_host_must_match);
    UNIT_RUN(test_loopback_bad_ports);
    UNIT_RUN(test_non_loopback_http_is_exact);
    UNIT_RUN(test_check_https);
    UNIT_RUN(test_check_https_needs_host);
    UNIT_RUN(test_check_http_loopback_only);
    UNIT_RUN(test_check_port);
    UNIT_RUN(test_check_private_use);
    UNIT_RUN(test_check_denied_schemes);
    UNIT_RUN(test_check_denied_scheme_not_reflected);
    UNIT_RUN(test_check_not_absolute);
    UNIT_RUN(test_check_fragment_and_userinfo);
    UNIT_RUN(test_check_characters);
    UNIT_RUN(test_check_too_long);
}
