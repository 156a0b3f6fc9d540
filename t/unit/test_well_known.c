/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/*
 * Unit tests for oa2_well_known.c: the examples of RFC 8414 §3.1,
 * RFC 9728 §3.1 and OpenID Connect Discovery 1.0 §4.1.
 */
#include "oa2_well_known.h"
#include "unit.h"

#define URL(kind, id, want)                                                    \
    UNIT_EQ_STR(oa2_well_known_url(OA2_WELL_KNOWN_##kind, (id), p), (want))
#define PATH(kind, id, want)                                                   \
    UNIT_EQ_STR(oa2_well_known_path(OA2_WELL_KNOWN_##kind, (id), p), (want))

static void test_rfc8414(apr_pool_t *p)
{
    /* RFC 8414 §3.1: inserted between the host and the path. */
    URL(AS, "https://example.com/issuer1",
        "https://example.com/.well-known/oauth-authorization-server/issuer1");
    URL(AS, "https://example.com",
        "https://example.com/.well-known/oauth-authorization-server");
    URL(AS, "https://example.com/",
        "https://example.com/.well-known/oauth-authorization-server");
    PATH(AS, "https://example.com/issuer1",
         "/.well-known/oauth-authorization-server/issuer1");
    PATH(AS, "https://example.com", "/.well-known/oauth-authorization-server");
}

static void test_rfc9728(apr_pool_t *p)
{
    /* RFC 9728 §3.1's example, and a resource without a path. */
    URL(RESOURCE, "https://resource.example.com/resource1",
        "https://resource.example.com/.well-known/oauth-protected-resource/"
        "resource1");
    URL(RESOURCE, "https://resource.example.com",
        "https://resource.example.com/.well-known/oauth-protected-resource");
    PATH(RESOURCE, "https://api.example:8443/v1/",
         "/.well-known/oauth-protected-resource/v1/");
    /* the origin keeps its port, never user information */
    URL(RESOURCE, "https://u:pw@api.example:8443/v1",
        "https://api.example:8443/.well-known/oauth-protected-resource/v1");
    URL(RESOURCE, "/v1", NULL);
}

static void test_openid(apr_pool_t *p)
{
    /* Discovery §4.1: appended, after dropping a terminating '/'. */
    URL(OPENID, "https://example.com",
        "https://example.com/.well-known/openid-configuration");
    URL(OPENID, "https://example.com/issuer1",
        "https://example.com/issuer1/.well-known/openid-configuration");
    URL(OPENID, "https://example.com/issuer1/",
        "https://example.com/issuer1/.well-known/openid-configuration");
    PATH(OPENID, "https://example.com/", "/.well-known/openid-configuration");
    PATH(OPENID, "https://example.com/a/b",
         "/a/b/.well-known/openid-configuration");
}

static void test_issuer_round_trip(apr_pool_t *p)
{
    static const char *const issuers[] = {"https://example.com/issuer1",
                                          "https://example.com",
                                          "http://127.0.0.1:8080/a/b", NULL};
    int i;

    for (i = 0; issuers[i]; i++) {
        UNIT_EQ_STR(
            oa2_well_known_issuer(
                oa2_well_known_url(OA2_WELL_KNOWN_AS, issuers[i], p), p),
            issuers[i]);
        UNIT_EQ_STR(
            oa2_well_known_issuer(
                oa2_well_known_url(OA2_WELL_KNOWN_OPENID, issuers[i], p), p),
            issuers[i]);
    }
    UNIT_EQ_STR(
        oa2_well_known_issuer(
            "https://example.com/.well-known/oauth-protected-resource", p),
        NULL);
}

void unit_suite_well_known(void)
{
    unit_suite("well_known");
    UNIT_RUN(test_rfc8414);
    UNIT_RUN(test_rfc9728);
    UNIT_RUN(test_openid);
    UNIT_RUN(test_issuer_round_trip);
}
