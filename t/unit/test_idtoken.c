/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/*
 * ID tokens and user claims: the at_hash of OpenID Connect Core A.3, the
 * scope table of §5.4, claims per granted scope, and ID tokens minted with
 * an EC and an RSA key, checked with the JWS verifier the resource server
 * uses.
 */
#include <string.h>

#include <apr_strings.h>
#include <openssl/evp.h>

#include "oa2_b64.h"
#include "oa2_cleanup.h"
#include "oa2_idtoken.h"
#include "oa2_jwt.h"
#include "key_fixture.h"
#include "unit.h"

#define NOW 1700000000

/* OpenID Connect Core 1.0 A.3 (and A.4): an access token and its at_hash. */
#define SPEC_ACCESS "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y"
#define SPEC_AT_HASH "77QmUPtjPfzWtF2AnpK9RQ"

/* A key set of one fixture key from data/, or NULL. */
static oa2_keyset_t *fixture_set(const char *file, const char *kid,
                                 apr_pool_t *p)
{
    oa2_keyset_t *set = oa2_keys_set_make(p);
    oa2_key_t *key = fixture_key(file, kid, p);

    if (!key) {
        return NULL;
    }
    oa2_keys_set_add(set, key);
    return set;
}

static void test_at_hash_spec(apr_pool_t *p)
{
    const char *h = NULL;

    UNIT_EQ_INT(oa2_idtoken_at_hash(&h, SPEC_ACCESS, "RS256", p), APR_SUCCESS);
    UNIT_EQ_STR(h, SPEC_AT_HASH);
    h = NULL;
    UNIT_EQ_INT(oa2_idtoken_at_hash(&h, SPEC_ACCESS, "ES256", p), APR_SUCCESS);
    UNIT_EQ_STR(h, SPEC_AT_HASH);
}

static void test_at_hash_independent(apr_pool_t *p)
{
    static const char token[] = "2YotnFZFEjr1zCsicMWpAA";
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    const char *h = NULL;

    /* From the openssl command: printf %s TOKEN | openssl dgst -sha256
     * -binary | head -c 16 | base64url. */
    UNIT_EQ_INT(oa2_idtoken_at_hash(&h, token, "ES256", p), APR_SUCCESS);
    UNIT_EQ_STR(h, "bJYTDxMKsNbRWDl-JNK8wQ");
    /* And from OpenSSL's EVP here, not through oa2_hash. */
    UNIT_ASSERT(
        EVP_Digest(token, strlen(token), md, &mdlen, EVP_sha256(), NULL));
    UNIT_EQ_INT(mdlen, 32);
    UNIT_EQ_STR(h, oa2_b64_encode(md, 16, p));
    UNIT_EQ_INT(strlen(h), 22);
}

static void test_at_hash_unsupported_alg(apr_pool_t *p)
{
    const char *h = NULL;

    UNIT_EQ_INT(oa2_idtoken_at_hash(&h, SPEC_ACCESS, "HS256", p), APR_ENOTIMPL);
    UNIT_EQ_INT(oa2_idtoken_at_hash(&h, SPEC_ACCESS, "none", p), APR_ENOTIMPL);
    UNIT_EQ_INT(oa2_idtoken_at_hash(&h, SPEC_ACCESS, "ES384", p), APR_ENOTIMPL);
    UNIT_ASSERT(h == NULL);
}

static void test_standard_table(apr_pool_t *p)
{
    UNIT_HAS_STR(oa2_idtoken_standard_claims("profile"), "preferred_username");
    UNIT_HAS_STR(oa2_idtoken_standard_claims("profile"), "updated_at");
    UNIT_EQ_STR(oa2_idtoken_standard_claims("email"), "email email_verified");
    UNIT_EQ_STR(oa2_idtoken_standard_claims("address"), "address");
    UNIT_EQ_STR(oa2_idtoken_standard_claims("phone"),
                "phone_number phone_number_verified");
    UNIT_ASSERT(oa2_idtoken_standard_claims("openid") == NULL);
    UNIT_ASSERT(oa2_idtoken_standard_claims("Profile") == NULL);
}

static void test_reserved(apr_pool_t *p)
{
    static const char *const names[] = {
        "iss", "sub", "aud",     "exp",    "iat", "auth_time", "nonce", "acr",
        "amr", "azp", "at_hash", "c_hash", "jti", "nbf",       "cnf",   "sid"};
    apr_size_t i;

    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        UNIT_ASSERT(oa2_idtoken_claim_reserved(names[i]));
    }
    UNIT_ASSERT(!oa2_idtoken_claim_reserved("email"));
    UNIT_ASSERT(!oa2_idtoken_claim_reserved("su"));
    UNIT_ASSERT(!oa2_idtoken_claim_reserved("iss sub"));
}

static void test_claim_make(apr_pool_t *p)
{
    oa2_idtoken_claim_t *c = NULL;
    oa2_err_t err;

    UNIT_EQ_INT(oa2_idtoken_claim_make(&c, "profile", "name", &err, p),
                APR_SUCCESS);
    UNIT_EQ_STR(c->scope, "profile");
    UNIT_EQ_STR(c->name, "name");
    UNIT_EQ_INT(c->kind, OA2_IDTOKEN_STRING);
    UNIT_EQ_INT(oa2_idtoken_claim_make(&c, "email", "email_verified", &err, p),
                APR_SUCCESS);
    UNIT_EQ_INT(c->kind, OA2_IDTOKEN_BOOLEAN);
    UNIT_EQ_INT(
        oa2_idtoken_claim_make(&c, "phone", "phone_number_verified", &err, p),
        APR_SUCCESS);
    UNIT_EQ_INT(c->kind, OA2_IDTOKEN_BOOLEAN);
    UNIT_EQ_INT(oa2_idtoken_claim_make(&c, "profile", "updated_at", &err, p),
                APR_SUCCESS);
    UNIT_EQ_INT(c->kind, OA2_IDTOKEN_NUMBER);
    UNIT_EQ_INT(oa2_idtoken_claim_make(&c, "address", "address", &err, p),
                APR_SUCCESS);
    UNIT_EQ_INT(c->kind, OA2_IDTOKEN_ADDRESS);
    /* A scope of one's own carries any name that is not reserved. */
    UNIT_EQ_INT(oa2_idtoken_claim_make(&c, "employee", "department", &err, p),
                APR_SUCCESS);
    UNIT_EQ_INT(c->kind, OA2_IDTOKEN_STRING);
    UNIT_EQ_INT(oa2_idtoken_claim_make(&c, "employee",
                                       "https://example.org/claims/group", &err,
                                       p),
                APR_SUCCESS);
    UNIT_EQ_INT(oa2_idtoken_claim_make(&c, "employee", "email", &err, p),
                APR_SUCCESS);
}

static void test_claim_make_refuses(apr_pool_t *p)
{
    char *long_name = apr_pstrdup(p, "");
    oa2_idtoken_claim_t *c = NULL;
    oa2_err_t err;
    int i;

    /* A claim under a standard scope it does not belong to. */
    UNIT_REFUSED(oa2_idtoken_claim_make(&c, "profile", "email", &err, p), err,
                 500, NULL, "OA2-00873");
    UNIT_HAS_STR(err.description, "profile");
    UNIT_HAS_STR(err.description, "email");
    UNIT_HAS_STR(err.description, "5.4");
    UNIT_HAS_STR(err.description, "put email under the scope email");
    UNIT_REFUSED(oa2_idtoken_claim_make(&c, "email", "phone_number", &err, p),
                 err, 500, NULL, "OA2-00873");
    UNIT_REFUSED(oa2_idtoken_claim_make(&c, "phone", "address", &err, p), err,
                 500, NULL, "OA2-00873");
    UNIT_HAS_STR(err.description, "under the scope address");
    UNIT_REFUSED(oa2_idtoken_claim_make(&c, "profile", "department", &err, p),
                 err, 500, NULL, "OA2-00873");
    UNIT_HAS_STR(err.description, "under a scope of your own");
    /* Reserved names, under any scope. */
    UNIT_REFUSED(oa2_idtoken_claim_make(&c, "employee", "sub", &err, p), err,
                 500, NULL, "OA2-00872");
    UNIT_HAS_STR(err.description, "sub");
    UNIT_REFUSED(oa2_idtoken_claim_make(&c, "openid", "nonce", &err, p), err,
                 500, NULL, "OA2-00872");
    UNIT_REFUSED(oa2_idtoken_claim_make(&c, "profile", "at_hash", &err, p), err,
                 500, NULL, "OA2-00872");
    /* Bad spellings. */
    UNIT_REFUSED(oa2_idtoken_claim_make(&c, "employee", "", &err, p), err, 500,
                 NULL, "OA2-00871");
    UNIT_REFUSED(oa2_idtoken_claim_make(&c, "employee", "a b", &err, p), err,
                 500, NULL, "OA2-00871");
    UNIT_REFUSED(oa2_idtoken_claim_make(&c, "employee", "a\"b", &err, p), err,
                 500, NULL, "OA2-00871");
    for (i = 0; i < OA2_IDTOKEN_CLAIM_NAME_MAX; i++) {
        long_name = apr_pstrcat(p, long_name, "x", NULL);
    }
    UNIT_EQ_INT(oa2_idtoken_claim_make(&c, "employee", long_name, &err, p),
                APR_SUCCESS);
    UNIT_REFUSED(oa2_idtoken_claim_make(&c, "employee",
                                        apr_pstrcat(p, long_name, "x", NULL),
                                        &err, p),
                 err, 500, NULL, "OA2-00871");
    UNIT_REFUSED(oa2_idtoken_claim_make(&c, "two scopes", "x", &err, p), err,
                 500, NULL, "OA2-00870");
    UNIT_REFUSED(oa2_idtoken_claim_make(&c, "", "x", &err, p), err, 500, NULL,
                 "OA2-00870");
}

/* The claims defined for the tests below, in this order. */
static apr_array_header_t *defs_of(apr_pool_t *p)
{
    static const char *const pairs[][2] = {
        {"profile", "name"},       {"profile", "nickname"},
        {"profile", "given_name"}, {"profile", "updated_at"},
        {"email", "email"},        {"email", "email_verified"},
        {"phone", "phone_number"}, {"phone", "phone_number_verified"},
        {"address", "address"},    {"employee", "department"},
        {"employee", "email"},
    };
    apr_array_header_t *defs =
        apr_array_make(p, 8, sizeof(oa2_idtoken_claim_t));
    oa2_idtoken_claim_t *c;
    oa2_err_t err;
    apr_size_t i;

    for (i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
        if (oa2_idtoken_claim_make(&c, pairs[i][0], pairs[i][1], &err, p)
            != APR_SUCCESS) {
            return NULL;
        }
        APR_ARRAY_PUSH(defs, oa2_idtoken_claim_t) = *c;
    }
    return defs;
}

/* The values captured at authorize time for the tests below. */
static apr_table_t *values_of(apr_pool_t *p)
{
    apr_table_t *v = apr_table_make(p, 8);

    apr_table_set(v, "name", "Jane \"JD\" Doe");
    apr_table_set(v, "nickname", ""); /* empty: omitted */
    /* given_name: not captured at all */
    apr_table_set(v, "updated_at", "1311280970");
    apr_table_set(v, "email", "janedoe@example.com");
    apr_table_set(v, "email_verified", "true");
    apr_table_set(v, "phone_number", "+1 (310) 123-4567");
    apr_table_set(v, "phone_number_verified", "yes"); /* not a boolean */
    apr_table_set(v, "address", "1234 Hollywood Blvd., Los Angeles");
    apr_table_set(v, "department", "R&D");
    return v;
}

#define CLAIMS_ARE(scope, want)                                                \
    do {                                                                       \
        const char *json_ = NULL;                                              \
        UNIT_EQ_INT(oa2_idtoken_claims_for_scope(&json_, defs, values,         \
                                                 (scope), &err, p),            \
                    APR_SUCCESS);                                              \
        UNIT_EQ_STR(json_, (want));                                            \
    } while (0)

static void test_claims_for_scope(apr_pool_t *p)
{
    apr_array_header_t *defs = defs_of(p);
    apr_table_t *values = values_of(p);
    oa2_err_t err;

    UNIT_ASSERT(defs != NULL);
    CLAIMS_ARE("openid profile",
               "{\"name\":\"Jane \\\"JD\\\" Doe\",\"updated_at\":1311280970}");
    CLAIMS_ARE("openid email",
               "{\"email\":\"janedoe@example.com\",\"email_verified\":true}");
    CLAIMS_ARE("phone openid", "{\"phone_number\":\"+1 (310) 123-4567\"}");
    CLAIMS_ARE("openid address",
               "{\"address\":{\"formatted\":"
               "\"1234 Hollywood Blvd., Los Angeles\"}}");
    CLAIMS_ARE("openid employee",
               "{\"department\":\"R&D\","
               "\"email\":\"janedoe@example.com\"}");
    /* A name under two granted scopes appears once. */
    CLAIMS_ARE("email employee",
               "{\"email\":\"janedoe@example.com\","
               "\"email_verified\":true,"
               "\"department\":\"R&D\"}");
    /* Nothing granted that releases a claim. */
    CLAIMS_ARE("openid", "{}");
    CLAIMS_ARE("openid unknown", "{}");
    CLAIMS_ARE("", "{}");
    CLAIMS_ARE("profiles emails", "{}");
}

static void test_claims_kinds(apr_pool_t *p)
{
    apr_array_header_t *defs = defs_of(p);
    apr_table_t *values = apr_table_make(p, 4);
    oa2_err_t err;

    UNIT_ASSERT(defs != NULL);
    apr_table_set(values, "email_verified", "false");
    apr_table_set(values, "phone_number_verified", "true");
    CLAIMS_ARE("email phone",
               "{\"email_verified\":false,\"phone_number_verified\":true}");
    apr_table_set(values, "email_verified", "TRUE");
    apr_table_set(values, "phone_number_verified", "1");
    CLAIMS_ARE("email phone", "{}");
    apr_table_set(values, "updated_at", "-5");
    CLAIMS_ARE("profile", "{}");
    apr_table_set(values, "updated_at", "12a");
    CLAIMS_ARE("profile", "{}");
    apr_table_set(values, "updated_at", " 12");
    CLAIMS_ARE("profile", "{}");
    apr_table_set(values, "updated_at", "99999999999999999999999");
    CLAIMS_ARE("profile", "{}");
    apr_table_set(values, "updated_at", "0");
    CLAIMS_ARE("profile", "{\"updated_at\":0}");
    apr_table_set(values, "address", "");
    CLAIMS_ARE("address", "{}");
    /* No definitions or no values: nothing. */
    values = NULL;
    CLAIMS_ARE("profile email", "{}");
    defs = NULL;
    values = values_of(p);
    CLAIMS_ARE("profile email", "{}");
}

static void test_claims_refuse_bad_utf8(apr_pool_t *p)
{
    apr_array_header_t *defs = defs_of(p);
    apr_table_t *values = apr_table_make(p, 4);
    const char *json = NULL;
    oa2_err_t err;

    UNIT_ASSERT(defs != NULL);
    apr_table_set(values, "name", "Jos\xe9");
    UNIT_REFUSED(
        oa2_idtoken_claims_for_scope(&json, defs, values, "profile", &err, p),
        err, 500, "server_error", "OA2-00875");
    UNIT_HAS_STR(err.detail, "name");
    apr_table_unset(values, "name");
    apr_table_set(values, "address", "\xff street");
    UNIT_REFUSED(
        oa2_idtoken_claims_for_scope(&json, defs, values, "address", &err, p),
        err, 500, "server_error", "OA2-00875");
    /* Not granted: never looked at. */
    CLAIMS_ARE("profile", "{}");
}

static void test_scope_description(apr_pool_t *p)
{
    static const char *const standard[] = {"profile", "email", "address",
                                           "phone"};
    const char *openid = oa2_idtoken_scope_description("openid");
    apr_size_t i, j;

    UNIT_EQ_STR(openid, "Sign you in with your account here");
    UNIT_EQ_STR(oa2_idtoken_scope_description("email"),
                "See your email address");
    /* Each standard scope has a text of its own for the consent page. */
    for (i = 0; i < sizeof(standard) / sizeof(standard[0]); i++) {
        const char *d = oa2_idtoken_scope_description(standard[i]);

        UNIT_ASSERT(d && *d);
        UNIT_ASSERT(strcmp(d, openid));
        for (j = 0; j < i; j++) {
            UNIT_ASSERT(strcmp(d, oa2_idtoken_scope_description(standard[j])));
        }
    }
    /* Anything else is the admin's to describe (OAuth2Scope). */
    UNIT_ASSERT(oa2_idtoken_scope_description("read") == NULL);
    UNIT_ASSERT(oa2_idtoken_scope_description("employee") == NULL);
    UNIT_ASSERT(oa2_idtoken_scope_description("OpenID") == NULL);
    UNIT_ASSERT(oa2_idtoken_scope_description("profile ") == NULL);
    UNIT_ASSERT(oa2_idtoken_scope_description("") == NULL);
}

/* User claims as the code of an OpenID grant of every scope keeps them. */
#define STORED                                                                 \
    "{\"name\":\"Jane Doe\",\"updated_at\":1311280970,"                        \
    "\"email\":\"janedoe@example.com\",\"email_verified\":true,"               \
    "\"phone_number\":\"+1 (310) 123-4567\","                                  \
    "\"address\":{\"formatted\":\"Here\"},\"department\":\"R&D\"}"

#define NARROWED(stored, scope, want)                                          \
    do {                                                                       \
        const char *json_ = NULL;                                              \
        UNIT_EQ_INT(oa2_idtoken_claims_narrow(&json_, (stored), defs, (scope), \
                                              &err, p),                        \
                    APR_SUCCESS);                                              \
        UNIT_EQ_STR(json_, (want));                                            \
    } while (0)

static void test_claims_narrow(apr_pool_t *p)
{
    apr_array_header_t *defs = defs_of(p);
    oa2_err_t err;

    UNIT_ASSERT(defs != NULL);
    /* The whole scope keeps all, in their order. */
    NARROWED(STORED, "openid profile email phone address employee", STORED);
    NARROWED(STORED, "openid profile",
             "{\"name\":\"Jane Doe\",\"updated_at\":1311280970}");
    NARROWED(STORED, "openid address",
             "{\"address\":{\"formatted\":\"Here\"}}");
    NARROWED(STORED, "phone openid",
             "{\"phone_number\":\"+1 (310) 123-4567\"}");
    /* None of the scopes that release them. */
    NARROWED(STORED, "openid", "{}");
    NARROWED(STORED, "openid read", "{}");
    NARROWED(STORED, "", "{}");
    NARROWED(STORED, NULL, "{}");
    /* Scope tokens match whole: "profiles" is not profile. */
    NARROWED(STORED, "openid profiles emails", "{}");
}

static void test_claims_narrow_two_scopes(apr_pool_t *p)
{
    apr_array_header_t *defs = defs_of(p);
    oa2_err_t err;

    UNIT_ASSERT(defs != NULL);
    /* email is released by email and by employee alike. */
    NARROWED(STORED, "openid email",
             "{\"email\":\"janedoe@example.com\",\"email_verified\":true}");
    NARROWED(STORED, "openid employee",
             "{\"email\":\"janedoe@example.com\",\"department\":\"R&D\"}");
    NARROWED(STORED, "openid employee email",
             "{\"email\":\"janedoe@example.com\",\"email_verified\":true,"
             "\"department\":\"R&D\"}");
    NARROWED(STORED, "openid profile",
             "{\"name\":\"Jane Doe\",\"updated_at\":1311280970}");
}

static void test_claims_narrow_unconfigured(apr_pool_t *p)
{
    apr_array_header_t *defs = defs_of(p);
    oa2_err_t err;

    UNIT_ASSERT(defs != NULL);
    /* A claim no OAuth2UserClaim defines any more is released by no
     * scope; and without definitions nothing is. */
    NARROWED("{\"locale\":\"en\",\"name\":\"Jane\"}", "openid profile",
             "{\"name\":\"Jane\"}");
    defs = NULL;
    NARROWED(STORED, "openid profile email phone address employee", "{}");
}

static void test_claims_narrow_stored_forms(apr_pool_t *p)
{
    apr_array_header_t *defs = defs_of(p);
    const char *json = NULL;
    oa2_err_t err;

    UNIT_ASSERT(defs != NULL);
    /* Nothing kept (a grant of before claims were, or none captured). */
    NARROWED("", "openid profile", "{}");
    NARROWED(NULL, "openid profile", "{}");
    NARROWED("{}", "openid profile", "{}");
#define NARROW_REFUSED(stored)                                                 \
    UNIT_REFUSED(oa2_idtoken_claims_narrow(&json, (stored), defs,              \
                                           "openid profile", &err, p),         \
                 err, 500, "server_error", "OA2-00890")
    NARROW_REFUSED("[\"name\"]");
    NARROW_REFUSED("\"name\"");
    NARROW_REFUSED("42");
    NARROW_REFUSED("null");
    NARROW_REFUSED("{\"name\":");
    NARROW_REFUSED("{\"name\":\"a\",\"name\":\"b\"}");
    NARROW_REFUSED("not json");
    NARROW_REFUSED(" ");
#undef NARROW_REFUSED
    UNIT_DESCRIPTION_FIXED(err, NULL);
    UNIT_ASSERT(json == NULL);
}

#undef NARROWED
#undef STORED

static void test_userinfo(apr_pool_t *p)
{
    const char *json = NULL;
    oa2_err_t err;

    UNIT_EQ_INT(oa2_idtoken_userinfo(&json, "248289761001",
                                     "{\"name\":\"Jane Doe\",\"email_verified\""
                                     ":true,\"address\":{\"formatted\":"
                                     "\"Here\"}}",
                                     &err, p),
                APR_SUCCESS);
    UNIT_EQ_STR(json,
                "{\"sub\":\"248289761001\",\"name\":\"Jane Doe\","
                "\"email_verified\":true,"
                "\"address\":{\"formatted\":\"Here\"}}");
    /* No claims: sub alone (Core 5.3.2: sub is always returned). */
    json = NULL;
    UNIT_EQ_INT(oa2_idtoken_userinfo(&json, "alice", NULL, &err, p),
                APR_SUCCESS);
    UNIT_EQ_STR(json, "{\"sub\":\"alice\"}");
    json = NULL;
    UNIT_EQ_INT(oa2_idtoken_userinfo(&json, "alice", "", &err, p), APR_SUCCESS);
    UNIT_EQ_STR(json, "{\"sub\":\"alice\"}");
    json = NULL;
    UNIT_EQ_INT(oa2_idtoken_userinfo(&json, "alice", "{}", &err, p),
                APR_SUCCESS);
    UNIT_EQ_STR(json, "{\"sub\":\"alice\"}");
    /* A user name of any UTF-8, escaped as JSON wants. */
    json = NULL;
    UNIT_EQ_INT(oa2_idtoken_userinfo(&json, "Zo\xc3\xab \"Z\"", NULL, &err, p),
                APR_SUCCESS);
    UNIT_EQ_STR(json, "{\"sub\":\"Zo\xc3\xab \\\"Z\\\"\"}");
}

static void test_userinfo_refuses(apr_pool_t *p)
{
    const char *json = NULL;
    oa2_err_t err;

#define USERINFO_REFUSED(sub, claims, id)                                      \
    UNIT_REFUSED(oa2_idtoken_userinfo(&json, (sub), (claims), &err, p), err,   \
                 500, "server_error", id)
    /* Stored claims never replace or add a protocol claim. */
    USERINFO_REFUSED("alice", "{\"name\":\"x\",\"sub\":\"admin\"}",
                     "OA2-00879");
    UNIT_HAS_STR(err.detail, "sub");
    USERINFO_REFUSED("alice", "{\"iss\":\"https://evil.example\"}",
                     "OA2-00879");
    UNIT_HAS_STR(err.detail, "iss");
    USERINFO_REFUSED("alice", "{\"aud\":\"x\"}", "OA2-00879");
    USERINFO_REFUSED("alice", "{\"nonce\":\"x\"}", "OA2-00879");
    /* Stored claims that are not one object. */
    USERINFO_REFUSED("alice", "[\"name\"]", "OA2-00878");
    USERINFO_REFUSED("alice", "{\"name\":", "OA2-00878");
    USERINFO_REFUSED("alice", "{\"name\":\"a\",\"name\":\"b\"}", "OA2-00878");
    /* A user name that is not UTF-8 (an authn provider's bytes). */
    USERINFO_REFUSED("j\xf6rg", NULL, "OA2-00892");
    USERINFO_REFUSED("j\xf6rg", "{\"name\":\"J\"}", "OA2-00892");
    USERINFO_REFUSED(NULL, NULL, "OA2-00892");
#undef USERINFO_REFUSED
    UNIT_DESCRIPTION_FIXED(err, NULL);
    UNIT_ASSERT(json == NULL);
}

static void test_nonce_valid(apr_pool_t *p)
{
    char *nonce = apr_palloc(p, OA2_IDTOKEN_NONCE_MAX + 2);

    UNIT_ASSERT(oa2_idtoken_nonce_valid("n-0S6_WzA2Mj"));
    UNIT_ASSERT(oa2_idtoken_nonce_valid("a b ~!"));
    UNIT_ASSERT(!oa2_idtoken_nonce_valid(NULL));
    UNIT_ASSERT(!oa2_idtoken_nonce_valid(""));
    UNIT_ASSERT(!oa2_idtoken_nonce_valid("a\tb"));
    UNIT_ASSERT(!oa2_idtoken_nonce_valid("a\nb"));
    UNIT_ASSERT(!oa2_idtoken_nonce_valid("a\x7f"));
    UNIT_ASSERT(!oa2_idtoken_nonce_valid("caf\xc3\xa9"));
    memset(nonce, 'n', OA2_IDTOKEN_NONCE_MAX);
    nonce[OA2_IDTOKEN_NONCE_MAX] = '\0';
    UNIT_ASSERT(oa2_idtoken_nonce_valid(nonce));
    nonce[OA2_IDTOKEN_NONCE_MAX] = 'n';
    nonce[OA2_IDTOKEN_NONCE_MAX + 1] = '\0';
    UNIT_ASSERT(!oa2_idtoken_nonce_valid(nonce));
}

/* A complete description of an ID token for the mint tests. */
static oa2_idtoken_t full_input(void)
{
    oa2_idtoken_t in;

    memset(&in, 0, sizeof(in));
    in.issuer = "https://server.example.com";
    in.sub = "248289761001";
    in.client_id = "s6BhdRkqt3";
    in.ttl = 300;
    in.auth_time = NOW - 60;
    in.nonce = "n-0S6_WzA2Mj";
    in.access_token = SPEC_ACCESS;
    in.claims = "{\"name\":\"Jane Doe\",\"email_verified\":true,"
                "\"address\":{\"formatted\":\"Here\"}}";
    return in;
}

/* Mint @a in with the key of @a file, verify it as a JWT and check every
 * claim. */
static void mint_and_check(const char *file, const char *alg, apr_pool_t *p)
{
    oa2_keyset_t *set = fixture_set(file, "key-1", p);
    oa2_idtoken_t in = full_input();
    const char *token = NULL;
    oa2_jwt_t *jwt = NULL;
    json_t *c, *h;
    oa2_err_t err;

    UNIT_ASSERT(set != NULL);
    UNIT_EQ_INT(oa2_idtoken_mint(&token, set, &in, NOW, &err, p), APR_SUCCESS);
    UNIT_EQ_INT(oa2_jwt_verify(&jwt, token, strlen(token), set, "JWT", &err, p),
                APR_SUCCESS);
    h = jwt->header;
    UNIT_EQ_STR(json_string_value(json_object_get(h, "alg")), alg);
    UNIT_EQ_STR(json_string_value(json_object_get(h, "typ")), "JWT");
    UNIT_EQ_STR(json_string_value(json_object_get(h, "kid")), "key-1");
    UNIT_EQ_INT(json_object_size(h), 3);
    c = jwt->claims;
    UNIT_EQ_STR(json_string_value(json_object_get(c, "iss")),
                "https://server.example.com");
    UNIT_EQ_STR(json_string_value(json_object_get(c, "sub")), "248289761001");
    UNIT_EQ_STR(json_string_value(json_object_get(c, "aud")), "s6BhdRkqt3");
    UNIT_EQ_STR(json_string_value(json_object_get(c, "azp")), "s6BhdRkqt3");
    UNIT_ASSERT(json_is_integer(json_object_get(c, "exp")));
    UNIT_EQ_INT(json_integer_value(json_object_get(c, "exp")), NOW + 300);
    UNIT_EQ_INT(json_integer_value(json_object_get(c, "iat")), NOW);
    UNIT_EQ_INT(json_integer_value(json_object_get(c, "auth_time")), NOW - 60);
    UNIT_EQ_STR(json_string_value(json_object_get(c, "nonce")), "n-0S6_WzA2Mj");
    UNIT_EQ_STR(json_string_value(json_object_get(c, "at_hash")), SPEC_AT_HASH);
    UNIT_EQ_STR(json_string_value(json_object_get(c, "name")), "Jane Doe");
    UNIT_ASSERT(json_is_true(json_object_get(c, "email_verified")));
    UNIT_EQ_STR(json_string_value(json_object_get(json_object_get(c, "address"),
                                                  "formatted")),
                "Here");
    UNIT_EQ_INT(json_object_size(c), 12);
    /* An access token verifier must not take it (typ is not at+jwt). */
    UNIT_ASSERT(
        oa2_jwt_verify(&jwt, token, strlen(token), set, "at+jwt", &err, p)
        != APR_SUCCESS);
}

static void test_mint_es256(apr_pool_t *p)
{
    mint_and_check("ec256.pem", "ES256", p);
}

static void test_mint_rs256(apr_pool_t *p)
{
    mint_and_check("rsa2048.pem", "RS256", p);
}

static void test_mint_omits(apr_pool_t *p)
{
    oa2_keyset_t *set = fixture_set("ec256.pem", NULL, p);
    oa2_idtoken_t in = full_input();
    const char *token = NULL;
    oa2_jwt_t *jwt = NULL;
    oa2_err_t err;

    UNIT_ASSERT(set != NULL);
    in.auth_time = 0;
    in.nonce = "";
    in.access_token = NULL;
    in.claims = NULL;
    UNIT_EQ_INT(oa2_idtoken_mint(&token, set, &in, NOW, &err, p), APR_SUCCESS);
    UNIT_EQ_INT(oa2_jwt_verify(&jwt, token, strlen(token), set, "JWT", &err, p),
                APR_SUCCESS);
    UNIT_ASSERT(!json_object_get(jwt->claims, "auth_time"));
    UNIT_ASSERT(!json_object_get(jwt->claims, "nonce"));
    UNIT_ASSERT(!json_object_get(jwt->claims, "at_hash"));
    UNIT_EQ_INT(json_object_size(jwt->claims), 6);
    /* The thumbprint names the key when no kid is configured. */
    UNIT_EQ_STR(json_string_value(json_object_get(jwt->header, "kid")),
                APR_ARRAY_IDX(set->keys, 0, oa2_key_t *)->kid);
    in.nonce = NULL;
    in.claims = "{}";
    UNIT_EQ_INT(oa2_idtoken_mint(&token, set, &in, NOW, &err, p), APR_SUCCESS);
    UNIT_EQ_INT(oa2_jwt_verify(&jwt, token, strlen(token), set, "JWT", &err, p),
                APR_SUCCESS);
    UNIT_EQ_INT(json_object_size(jwt->claims), 6);
}

static void test_mint_refuses(apr_pool_t *p)
{
    oa2_keyset_t *set = fixture_set("ec256.pem", NULL, p);
    oa2_idtoken_t in;
    const char *token = NULL;
    oa2_err_t err;

    UNIT_ASSERT(set != NULL);
#define MINT_REFUSED(s, id)                                                    \
    UNIT_REFUSED(oa2_idtoken_mint(&token, (s), &in, NOW, &err, p), err, 500,   \
                 "server_error", id)
    /* User claims never replace protocol claims. */
    in = full_input();
    in.claims = "{\"name\":\"x\",\"sub\":\"admin\"}";
    MINT_REFUSED(set, "OA2-00879");
    UNIT_HAS_STR(err.detail, "sub");
    in.claims = "{\"aud\":[\"other\"]}";
    MINT_REFUSED(set, "OA2-00879");
    in.claims = "{\"nonce\":\"x\"}";
    MINT_REFUSED(set, "OA2-00879");
    in.claims = "[\"name\"]";
    MINT_REFUSED(set, "OA2-00878");
    in.claims = "{\"name\":";
    MINT_REFUSED(set, "OA2-00878");
    in.claims = "{\"name\":\"a\",\"name\":\"b\"}";
    MINT_REFUSED(set, "OA2-00878");
    /* No key that signs. */
    in = full_input();
    MINT_REFUSED(oa2_keys_set_make(p), "OA2-00881");
    MINT_REFUSED(NULL, "OA2-00881");
    /* Missing or unwritable protocol values. */
    in.client_id = "";
    MINT_REFUSED(set, "OA2-00882");
    in = full_input();
    in.sub = NULL;
    MINT_REFUSED(set, "OA2-00882");
    in = full_input();
    in.sub = "j\xf6rg";
    MINT_REFUSED(set, "OA2-00885");
    in = full_input();
    in.nonce = "a\nb";
    MINT_REFUSED(set, "OA2-00883");
#undef MINT_REFUSED
    UNIT_ASSERT(token == NULL);
}

void unit_suite_idtoken(void)
{
    unit_suite("idtoken");
    UNIT_RUN(test_at_hash_spec);
    UNIT_RUN(test_at_hash_independent);
    UNIT_RUN(test_at_hash_unsupported_alg);
    UNIT_RUN(test_standard_table);
    UNIT_RUN(test_reserved);
    UNIT_RUN(test_claim_make);
    UNIT_RUN(test_claim_make_refuses);
    UNIT_RUN(test_claims_for_scope);
    UNIT_RUN(test_claims_kinds);
    UNIT_RUN(test_claims_refuse_bad_utf8);
    UNIT_RUN(test_scope_description);
    UNIT_RUN(test_claims_narrow);
    UNIT_RUN(test_claims_narrow_two_scopes);
    UNIT_RUN(test_claims_narrow_unconfigured);
    UNIT_RUN(test_claims_narrow_stored_forms);
    UNIT_RUN(test_userinfo);
    UNIT_RUN(test_userinfo_refuses);
    UNIT_RUN(test_nonce_valid);
    UNIT_RUN(test_mint_es256);
    UNIT_RUN(test_mint_rs256);
    UNIT_RUN(test_mint_omits);
    UNIT_RUN(test_mint_refuses);
}
