/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/* Mutual TLS (RFC 8705): thumbprints, subject DNs and SANs compared with
 * certificates made here with OpenSSL, self-signed keys against a JWK
 * Set, client authentication, bound tokens, and the registration rules. */
#include <string.h>

#include <apr_strings.h>
#include <jansson.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "key_fixture.h"
#include "oa2_b64.h"
#include "oa2_cleanup.h"
#include "oa2_client_meta.h"
#include "oa2_clientauth.h"
#include "oa2_grant.h"
#include "oa2_mtls.h"
#include "oa2_registration.h"
#include "store_fixture.h"
#include "unit.h"

#define ISS "https://as.example"
#define NOW 1800000000

/* data/mtls-client.pem, whose x5t#S256 the openssl command line gave:
 *   openssl x509 -in mtls-client.pem -outform DER \
 *     | openssl dgst -sha256 -binary | basenc --base64url */
#define FIXTURE_X5T "5HIdNz5YL4DuMcs9jNu1zb19x06n0j973_964qY1vMo"

/* A name of (type, value) pairs in DER order (the first is the most
 * significant, C before CN); a type starting with '+' joins the RDN
 * before it; a value starting with '=' is a PrintableString. */
static X509_NAME *name_of(const char *const *pairs, apr_pool_t *p)
{
    X509_NAME *n = oa2_cleanup_x509_name(X509_NAME_new(), p);

    for (; pairs[0]; pairs += 2) {
        const char *type = pairs[0], *value = pairs[1];
        int set = type[0] == '+' ? -1 : 0;
        int kind = value[0] == '=' ? V_ASN1_PRINTABLESTRING : MBSTRING_UTF8;
        type += set ? 1 : 0;
        value += kind == V_ASN1_PRINTABLESTRING ? 1 : 0;
        if (!X509_NAME_add_entry_by_txt(
                n, type, kind, (const unsigned char *)value, -1, -1, set)) {
            return NULL;
        }
    }
    return n;
}

/* A PEM certificate of @a subject for @a key with the SANs @a sans
 * (OpenSSL's config text, "DNS:a,IP:10.0.0.1", or NULL), signed by
 * @a signer (NULL: self-signed). */
static const char *cert_pem(X509_NAME *subject, const oa2_key_t *key,
                            const char *sans, const oa2_key_t *signer,
                            apr_pool_t *p)
{
    X509 *x = oa2_cleanup_x509(X509_new(), p);
    X509_EXTENSION *ext;
    BIO *bio = oa2_cleanup_bio(BIO_new(BIO_s_mem()), p);
    char *data;
    long len;

    if (!subject || !bio || !X509_set_version(x, 2)
        || !ASN1_INTEGER_set(X509_get_serialNumber(x), 7)
        || !X509_gmtime_adj(X509_getm_notBefore(x), -3600)
        || !X509_gmtime_adj(X509_getm_notAfter(x), 3600)
        || !X509_set_subject_name(x, subject)
        || !X509_set_issuer_name(x, subject)
        || !X509_set_pubkey(x, key->pkey)) {
        return NULL;
    }
    if (sans) {
        ext = X509V3_EXT_conf_nid(NULL, NULL, NID_subject_alt_name, sans);
        if (!ext || !X509_add_ext(x, ext, -1)) {
            X509_EXTENSION_free(ext);
            return NULL;
        }
        X509_EXTENSION_free(ext);
    }
    if (!X509_sign(x, (signer ? signer : key)->pkey, EVP_sha256())
        || !PEM_write_bio_X509(bio, x)) {
        return NULL;
    }
    len = BIO_get_mem_data(bio, &data);
    return apr_pstrmemdup(p, data, (apr_size_t)len);
}

static const char *read_file(const char *path, apr_pool_t *p)
{
    BIO *bio = oa2_cleanup_bio(BIO_new_file(path, "r"), p);
    char buf[8192];
    int n = bio ? BIO_read(bio, buf, sizeof(buf) - 1) : -1;

    return n > 0 ? apr_pstrmemdup(p, buf, (apr_size_t)n) : NULL;
}

/* The JWK Set of @a key's public JWK. */
static const char *jwks_of(const oa2_key_t *key, apr_pool_t *p)
{
    json_t *set = oa2_cleanup_json(json_object(), p);
    json_t *keys = json_array();

    json_array_append(keys, key->jwk);
    json_object_set_new(set, "keys", keys);
    return oa2_cleanup_malloced(json_dumps(set, JSON_COMPACT), p);
}

static const char *const CLIENT_ONE[] = {"C",  "US",         "O", "Example Org",
                                         "CN", "Client One", NULL};

static void test_thumbprint(apr_pool_t *p)
{
    const char *pem = read_file("data/mtls-client.pem", p), *x5t = NULL;
    oa2_err_t err = {0};

    UNIT_ASSERT(pem);
    UNIT_EQ_INT(oa2_mtls_thumbprint(&x5t, pem, &err, p), APR_SUCCESS);
    UNIT_EQ_STR(x5t, FIXTURE_X5T);
    UNIT_REFUSED(oa2_mtls_thumbprint(&x5t,
                                     "-----BEGIN CERTIFICATE-----\n"
                                     "AAAA\n-----END CERTIFICATE-----\n",
                                     &err, p),
                 err, 400, "invalid_request", "OA2-01501");
    UNIT_REFUSED(oa2_mtls_thumbprint(&x5t, "", &err, p), err, 400,
                 "invalid_request", "OA2-01501");
}

static void test_subject_dn(apr_pool_t *p)
{
    const oa2_key_t *key = fixture_key("ec256.pem", NULL, p);
    const char *const jurgen[] = {"O", "Example Org", "CN", "J\xc3\xbcrgen",
                                  NULL};
    const char *const comma[] = {"C",  "US", "O", "Example, Inc.",
                                 "CN", "x",  NULL};
    const char *const multi[] = {"O",    "Example Org", "CN", "a",
                                 "+UID", "b",           NULL};
    const char *const printable[] = {"C",  "=US",         "O", "=Example Org",
                                     "CN", "=Client One", NULL};
    const char *pem;

    UNIT_ASSERT(key);
    pem = cert_pem(name_of(CLIENT_ONE, p), key, NULL, NULL, p);
    UNIT_ASSERT(pem);
    /* RFC 4514: the text starts with the last RDN */
    UNIT_ASSERT(
        oa2_mtls_subject_matches(pem, "CN=Client One,O=Example Org,C=US", p));
    /* types in any case, values case- and space-folded */
    UNIT_ASSERT(oa2_mtls_subject_matches(
        pem, "cn=client  one, o=EXAMPLE ORG ,c=us", p));
    UNIT_ASSERT(oa2_mtls_subject_matches(
        pem, "commonName=Client One;organizationName=Example Org;C=US", p));
    UNIT_ASSERT(oa2_mtls_subject_matches(
        pem, "2.5.4.3=Client One,O=Example Org,C=US", p));
    /* the order, every RDN, every value count */
    UNIT_ASSERT(
        !oa2_mtls_subject_matches(pem, "C=US,O=Example Org,CN=Client One", p));
    UNIT_ASSERT(
        !oa2_mtls_subject_matches(pem, "CN=Client One,O=Example Org", p));
    UNIT_ASSERT(!oa2_mtls_subject_matches(
        pem, "CN=Client One,O=Example Org,C=US,DC=com", p));
    UNIT_ASSERT(
        !oa2_mtls_subject_matches(pem, "CN=Client Two,O=Example Org,C=US", p));
    UNIT_ASSERT(!oa2_mtls_subject_matches(
        pem, "CN=Client One+UID=x,O=Example Org,C=US", p));
    /* not a prefix or substring match of a text rendering */
    UNIT_ASSERT(
        !oa2_mtls_subject_matches(pem, "CN=Client On,O=Example Org,C=US", p));
    /* a value with a comma, escaped as a character or as hex */
    pem = cert_pem(name_of(comma, p), key, NULL, NULL, p);
    UNIT_ASSERT(
        oa2_mtls_subject_matches(pem, "CN=x,O=Example\\, Inc.,C=US", p));
    UNIT_ASSERT(
        oa2_mtls_subject_matches(pem, "CN=x,O=Example\\2C Inc.,C=US", p));
    UNIT_ASSERT(
        !oa2_mtls_subject_matches(pem, "CN=x,O=Example,O=Inc.,C=US", p));
    /* UTF-8, as text or as escaped bytes */
    pem = cert_pem(name_of(jurgen, p), key, NULL, NULL, p);
    UNIT_ASSERT(
        oa2_mtls_subject_matches(pem, "CN=J\xc3\xbcrgen,O=Example Org", p));
    UNIT_ASSERT(
        oa2_mtls_subject_matches(pem, "CN=J\\C3\\BCrgen,O=Example Org", p));
    /* a multi-valued RDN, its attributes in any order */
    pem = cert_pem(name_of(multi, p), key, NULL, NULL, p);
    UNIT_ASSERT(oa2_mtls_subject_matches(pem, "CN=a+UID=b,O=Example Org", p));
    UNIT_ASSERT(oa2_mtls_subject_matches(pem, "UID=b+CN=a,O=Example Org", p));
    UNIT_ASSERT(!oa2_mtls_subject_matches(pem, "UID=b,CN=a,O=Example Org", p));
    /* the string type does not matter (PrintableString in the cert) */
    pem = cert_pem(name_of(printable, p), key, NULL, NULL, p);
    UNIT_ASSERT(
        oa2_mtls_subject_matches(pem, "CN=Client One,O=Example Org,C=US", p));
    UNIT_ASSERT(!oa2_mtls_subject_matches(NULL, "CN=x", p));
    UNIT_ASSERT(!oa2_mtls_subject_matches("garbage", "CN=x", p));
}

static void test_check_dn(apr_pool_t *p)
{
    oa2_err_t err = {0};

#define BAD_DN(dn, id)                                                         \
    do {                                                                       \
        UNIT_REFUSED(oa2_mtls_check_dn(dn, &err, p), err, 400,                 \
                     "invalid_client_metadata", id);                           \
        UNIT_ASSERT(unit_description_fixed(err.description, NULL));            \
    } while (0)
    UNIT_EQ_INT(oa2_mtls_check_dn("CN=a,O=b\\+c,C=US", &err, p), APR_SUCCESS);
    UNIT_EQ_INT(oa2_mtls_check_dn("1.2.3.4=x", &err, p), APR_SUCCESS);
    BAD_DN("", "OA2-01531");
    BAD_DN("CN", "OA2-01531");
    BAD_DN("=x", "OA2-01531");
    BAD_DN("CN=a,", "OA2-01531");
    BAD_DN("CN=a,,O=b", "OA2-01531");
    BAD_DN("FOO=bar", "OA2-01532");
    BAD_DN("1.2.x=bar", "OA2-01532");
    BAD_DN("CN=#0403616263", "OA2-01533");
    BAD_DN("CN=a\"b\"", "OA2-01534");
    BAD_DN("CN=a\\00b", "OA2-01535");
    BAD_DN("CN=a\\qb", "OA2-01536");
    BAD_DN("CN=a\\", "OA2-01536");
    BAD_DN("C=USA", "OA2-01538");
    BAD_DN("CN=\xff\xfe", "OA2-01538");
    BAD_DN(apr_pstrcat(p, "CN=", apr_psprintf(p, "%01100d", 0), NULL),
           "OA2-01530");
#undef BAD_DN
}

static void test_san(apr_pool_t *p)
{
    const oa2_key_t *key = fixture_key("ec256.pem", NULL, p);
    const char *pem;
    oa2_err_t err = {0};

    UNIT_ASSERT(key);
    pem = cert_pem(name_of(CLIENT_ONE, p), key,
                   "DNS:Client.Example.com,DNS:*.wild.example,"
                   "URI:https://client.example/id,IP:10.1.2.3,IP:2001:db8::7,"
                   "email:Svc@Example.ORG",
                   NULL, p);
    UNIT_ASSERT(pem);
    UNIT_ASSERT(
        oa2_mtls_san_matches(pem, OA2_MTLS_SAN_DNS, "client.example.com", p));
    UNIT_ASSERT(!oa2_mtls_san_matches(pem, OA2_MTLS_SAN_DNS, "example.com", p));
    /* a wildcard SAN is a name like any other, not a pattern */
    UNIT_ASSERT(
        !oa2_mtls_san_matches(pem, OA2_MTLS_SAN_DNS, "a.wild.example", p));
    UNIT_ASSERT(oa2_mtls_san_matches(pem, OA2_MTLS_SAN_URI,
                                     "https://client.example/id", p));
    UNIT_ASSERT(!oa2_mtls_san_matches(pem, OA2_MTLS_SAN_URI,
                                      "https://client.example/ID", p));
    UNIT_ASSERT(oa2_mtls_san_matches(pem, OA2_MTLS_SAN_IP, "10.1.2.3", p));
    UNIT_ASSERT(!oa2_mtls_san_matches(pem, OA2_MTLS_SAN_IP, "10.1.2.4", p));
    UNIT_ASSERT(
        oa2_mtls_san_matches(pem, OA2_MTLS_SAN_IP, "2001:0db8:0:0::7", p));
    /* the host part of an address in any case, its local part exactly */
    UNIT_ASSERT(
        oa2_mtls_san_matches(pem, OA2_MTLS_SAN_EMAIL, "Svc@example.org", p));
    UNIT_ASSERT(
        !oa2_mtls_san_matches(pem, OA2_MTLS_SAN_EMAIL, "svc@example.org", p));
    /* the kind counts: a DNS name is no URI */
    UNIT_ASSERT(
        !oa2_mtls_san_matches(pem, OA2_MTLS_SAN_URI, "Client.Example.com", p));
    pem = cert_pem(name_of(CLIENT_ONE, p), key, NULL, NULL, p);
    UNIT_ASSERT(
        !oa2_mtls_san_matches(pem, OA2_MTLS_SAN_DNS, "client.example.com", p));

#define BAD_SAN(type, v, id)                                                   \
    UNIT_REFUSED(oa2_mtls_check_san(type, v, &err, p), err, 400,               \
                 "invalid_client_metadata", id)
    UNIT_EQ_INT(oa2_mtls_check_san(OA2_MTLS_SAN_IP, "::1", &err, p),
                APR_SUCCESS);
    BAD_SAN(OA2_MTLS_SAN_DNS, "", "OA2-01540");
    BAD_SAN(OA2_MTLS_SAN_DNS, "a b", "OA2-01540");
    BAD_SAN(OA2_MTLS_SAN_URI, "client.example", "OA2-01541");
    BAD_SAN(OA2_MTLS_SAN_IP, "10.1.2", "OA2-01542");
    BAD_SAN(OA2_MTLS_SAN_IP, "client.example", "OA2-01542");
    BAD_SAN(OA2_MTLS_SAN_EMAIL, "nobody", "OA2-01543");
    BAD_SAN(OA2_MTLS_SAN_EMAIL, "@example.org", "OA2-01543");
#undef BAD_SAN
}

static void test_key_in_jwks(apr_pool_t *p)
{
    const oa2_key_t *ec = fixture_key("ec256.pem", NULL, p);
    const oa2_key_t *rsa = fixture_key("rsa2048.pem", NULL, p);
    const char *ec_pem, *rsa_pem, *both;
    json_t *set;

    UNIT_ASSERT(ec && rsa);
    ec_pem = cert_pem(name_of(CLIENT_ONE, p), ec, NULL, NULL, p);
    rsa_pem = cert_pem(name_of(CLIENT_ONE, p), rsa, NULL, NULL, p);
    UNIT_ASSERT(ec_pem && rsa_pem);
    UNIT_ASSERT(oa2_mtls_key_in_jwks(ec_pem, jwks_of(ec, p), p));
    UNIT_ASSERT(oa2_mtls_key_in_jwks(rsa_pem, jwks_of(rsa, p), p));
    UNIT_ASSERT(!oa2_mtls_key_in_jwks(ec_pem, jwks_of(rsa, p), p));
    UNIT_ASSERT(!oa2_mtls_key_in_jwks(rsa_pem, jwks_of(ec, p), p));
    set =
        oa2_cleanup_json(json_pack("{s:[O,O]}", "keys", rsa->jwk, ec->jwk), p);
    both = oa2_cleanup_malloced(json_dumps(set, JSON_COMPACT), p);
    UNIT_ASSERT(oa2_mtls_key_in_jwks(ec_pem, both, p));
    /* the same key in a certificate signed by another key */
    UNIT_ASSERT(oa2_mtls_key_in_jwks(
        cert_pem(name_of(CLIENT_ONE, p), ec, NULL, rsa, p), jwks_of(ec, p), p));
    UNIT_ASSERT(!oa2_mtls_key_in_jwks(ec_pem, NULL, p));
    UNIT_ASSERT(!oa2_mtls_key_in_jwks(ec_pem, "{\"keys\":[]}", p));
}

/* A client of @a method with mTLS metadata, stored in @a st. */
static oa2_client_t *tls_client(oa2_store_t *st, const char *id,
                                const char *method, const char *dn,
                                const char *san_dns, const char *jwks,
                                apr_pool_t *p)
{
    oa2_client_t *c = apr_pcalloc(p, sizeof(*c));

    c->client_id = id;
    c->secret_hash = "";
    c->name = id;
    c->redirect_uris = apr_array_make(p, 1, sizeof(const char *));
    c->grant_types = "client_credentials";
    c->scope = "";
    c->auth_method = method;
    c->created_at = 1700000000;
    c->tls_subject_dn = dn;
    c->tls_san_dns = san_dns;
    c->jwks = jwks;
    return oa2_store_client_add(st, c, NULL, p) == APR_SUCCESS ? c : NULL;
}

static oa2_form_t *form_of(const char *body, apr_pool_t *p)
{
    oa2_form_t *f = NULL;
    oa2_form_parse(&f, body, strlen(body), NULL, p);
    return f;
}

/* A back-channel request of @a body with the certificate @a pem. */
static const oa2_backchannel_t *with_cert(const char *body, const char *pem,
                                          int verified, apr_pool_t *p)
{
    oa2_backchannel_t *in =
        apr_pmemdup(p, fixture_bc(form_of(body, p), NULL, p), sizeof(*in));
    in->client_cert = pem;
    in->client_cert_verified = verified;
    return in;
}

static void test_authenticate(apr_pool_t *p)
{
    oa2_store_t *st = fixture_store(ISS, p);
    const oa2_key_t *ec = fixture_key("ec256.pem", NULL, p);
    const oa2_key_t *rsa = fixture_key("rsa2048.pem", NULL, p);
    const char *const other[] = {"C",  "US",         "O", "Example Org",
                                 "CN", "Client Two", NULL};
    const char *one, *two, *named, *self;
    oa2_client_t *cl = NULL;
    oa2_err_t err = {0};
    oa2_backchannel_t *in;

#define AUTH(body, pem, verified)                                              \
    oa2_clientauth_authenticate(&cl, st, with_cert(body, pem, verified, p), 1, \
                                &err, p)
    UNIT_ASSERT(st && ec && rsa);
    one = cert_pem(name_of(CLIENT_ONE, p), ec, NULL, rsa, p);
    two = cert_pem(name_of(other, p), ec, NULL, rsa, p);
    named = cert_pem(name_of(other, p), ec, "DNS:svc.example.com", rsa, p);
    self = cert_pem(name_of(other, p), ec, NULL, NULL, p);
    UNIT_ASSERT(one && two && named && self);
    UNIT_ASSERT(tls_client(st, "dn", OA2_AUTH_TLS,
                           "CN=Client One,O=Example Org,C=US", NULL, NULL, p));
    UNIT_ASSERT(
        tls_client(st, "san", OA2_AUTH_TLS, NULL, "svc.example.com", NULL, p));
    UNIT_ASSERT(tls_client(st, "self", OA2_AUTH_SELF_SIGNED_TLS, NULL, NULL,
                           jwks_of(ec, p), p));
    UNIT_ASSERT(tls_client(st, "self-rsa", OA2_AUTH_SELF_SIGNED_TLS, NULL, NULL,
                           jwks_of(rsa, p), p));
    UNIT_ASSERT(tls_client(st, "broken", OA2_AUTH_TLS, NULL, NULL, NULL, p));

    /* the metadata came back from the store */
    UNIT_EQ_INT(AUTH("client_id=dn", one, 1), APR_SUCCESS);
    UNIT_EQ_STR(cl->client_id, "dn");
    UNIT_EQ_STR(cl->tls_subject_dn, "CN=Client One,O=Example Org,C=US");
    UNIT_EQ_INT(AUTH("client_id=san", named, 1), APR_SUCCESS);
    UNIT_EQ_INT(AUTH("client_id=self", self, 0), APR_SUCCESS);
    UNIT_EQ_STR(cl->jwks, jwks_of(ec, p));
    /* a CA-signed certificate does for self-signed too: its key decides */
    UNIT_EQ_INT(AUTH("client_id=self", one, 1), APR_SUCCESS);

    UNIT_REFUSED(AUTH("client_id=dn", NULL, 0), err, 401, "invalid_client",
                 "OA2-01500");
    UNIT_HAS_STR(err.detail, "SSLVerifyClient");
    UNIT_REFUSED(AUTH("client_id=dn", one, 0), err, 401, "invalid_client",
                 "OA2-01502");
    UNIT_REFUSED(AUTH("client_id=dn", two, 1), err, 401, "invalid_client",
                 "OA2-01503");
    UNIT_HAS_STR(err.detail, "CN=Client Two,O=Example Org,C=US");
    UNIT_REFUSED(AUTH("client_id=san", two, 1), err, 401, "invalid_client",
                 "OA2-01504");
    UNIT_REFUSED(AUTH("client_id=broken", one, 1), err, 401, "invalid_client",
                 "OA2-01505");
    UNIT_REFUSED(AUTH("client_id=self-rsa", self, 0), err, 401,
                 "invalid_client", "OA2-01507");
    UNIT_REFUSED(AUTH("client_id=self", "not a certificate", 0), err, 401,
                 "invalid_client", "OA2-01508");
    UNIT_ASSERT(unit_description_fixed(err.description, NULL));
    /* client_id is the only identification: none, no certificate alone */
    UNIT_REFUSED(AUTH("grant_type=client_credentials", one, 1), err, 401,
                 "invalid_client", "OA2-00225");
    /* a secret is no way in for a certificate client */
    UNIT_REFUSED(AUTH("client_id=dn&client_secret=x", one, 1), err, 401,
                 "invalid_client", "OA2-00820");
    in = (oa2_backchannel_t *)with_cert("", one, 1, p);
    in->authorization = "Basic ZG46eA=="; /* dn:x */
    UNIT_REFUSED(oa2_clientauth_authenticate(&cl, st, in, 1, &err, p), err, 401,
                 "invalid_client", "OA2-00820");
#undef AUTH
}

/* The claims of the access token in the token response @a json. */
static json_t *access_claims(const char *json, apr_pool_t *p)
{
    json_t *r = oa2_cleanup_json(json_loads(json, 0, NULL), p);
    const char *at = json_string_value(json_object_get(r, "access_token"));
    const char *dot1 = at ? strchr(at, '.') : NULL;
    const char *dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
    unsigned char *payload;
    apr_size_t len;

    if (!dot2
        || oa2_b64_decode(&payload, &len, dot1 + 1,
                          (apr_size_t)(dot2 - dot1 - 1), p)
            != APR_SUCCESS) {
        return NULL;
    }
    return oa2_cleanup_json(json_loadb((const char *)payload, len, 0, NULL), p);
}

static void test_bound_tokens(apr_pool_t *p)
{
    oa2_as_t *as = fixture_as(ISS, p);
    oa2_store_t *st = fixture_store(ISS, p);
    const oa2_key_t *ec = fixture_key("ec256.pem", NULL, p);
    const char *pem, *x5t = NULL, *json = NULL;
    oa2_client_t *bound;
    oa2_err_t err = {0};
    json_t *claims;

    UNIT_ASSERT(as && st && ec);
    pem = cert_pem(name_of(CLIENT_ONE, p), ec, NULL, NULL, p);
    UNIT_ASSERT(pem);
    UNIT_EQ_INT(oa2_mtls_thumbprint(&x5t, pem, &err, p), APR_SUCCESS);
    UNIT_ASSERT(tls_client(st, "self", OA2_AUTH_SELF_SIGNED_TLS, NULL, NULL,
                           jwks_of(ec, p), p));
    UNIT_EQ_INT(oa2_grant_token(&json, as, st,
                                with_cert("grant_type=client_credentials"
                                          "&client_id=self",
                                          pem, 0, p),
                                NOW, &err, p),
                APR_SUCCESS);
    claims = access_claims(json, p);
    UNIT_ASSERT(claims);
    UNIT_EQ_STR(json_string_value(json_object_get(
                    json_object_get(claims, "cnf"), "x5t#S256")),
                x5t);
    /* certificate-bound tokens stay Bearer tokens (RFC 8705 §3) */
    UNIT_HAS_STR(json, "\"token_type\":\"Bearer\"");

    /* a secret client asking for bound tokens binds to its certificate */
    bound = fixture_client(st, "sec", "pw", "client_credentials", NULL, p);
    UNIT_ASSERT(bound);
    bound->tls_bound_tokens = 1;
    UNIT_EQ_INT(oa2_mtls_bind(&x5t, bound,
                              with_cert("client_id=sec", pem, 0, p), &err, p),
                APR_SUCCESS);
    UNIT_ASSERT(x5t);
    UNIT_REFUSED(oa2_mtls_bind(&x5t, bound,
                               with_cert("client_id=sec", NULL, 0, p), &err, p),
                 err, 400, "invalid_request", "OA2-01509");
    /* any other client: no binding, certificate or not */
    bound->tls_bound_tokens = 0;
    UNIT_EQ_INT(oa2_mtls_bind(&x5t, bound,
                              with_cert("client_id=sec", pem, 1, p), &err, p),
                APR_SUCCESS);
    UNIT_ASSERT(!x5t);
}

static void test_check_bound(apr_pool_t *p)
{
    const oa2_key_t *ec = fixture_key("ec256.pem", NULL, p);
    const char *pem = read_file("data/mtls-client.pem", p), *other;
    oa2_err_t err = {0};

    UNIT_ASSERT(ec && pem);
    other = cert_pem(name_of(CLIENT_ONE, p), ec, NULL, NULL, p);
    UNIT_EQ_INT(oa2_mtls_check_bound(FIXTURE_X5T, pem, &err, p), APR_SUCCESS);
    UNIT_REFUSED(oa2_mtls_check_bound(FIXTURE_X5T, NULL, &err, p), err, 401,
                 "invalid_token", "OA2-01510");
    UNIT_REFUSED(oa2_mtls_check_bound(FIXTURE_X5T, "garbage", &err, p), err,
                 401, "invalid_token", "OA2-01511");
    /* the same key in another certificate is another certificate */
    UNIT_REFUSED(oa2_mtls_check_bound(FIXTURE_X5T, other, &err, p), err, 401,
                 "invalid_token", "OA2-01512");
    UNIT_REFUSED(oa2_mtls_check_bound(FIXTURE_X5T "A", pem, &err, p), err, 401,
                 "invalid_token", "OA2-01512");
}

/* Register the JSON @a body; the err of a refusal. */
static apr_status_t parse(oa2_client_t **cl, oa2_err_t *err, const char *body,
                          apr_pool_t *p)
{
    return oa2_registration_parse(cl, fixture_as(ISS, p), body, strlen(body),
                                  err, p);
}

static void test_registration(apr_pool_t *p)
{
    const oa2_key_t *ec = fixture_key("ec256.pem", NULL, p);
    oa2_store_t *st = fixture_store(ISS, p);
    const char *jwks, *json = NULL, *body;
    oa2_client_t *cl = NULL;
    oa2_err_t err = {0};
    json_t *r;

#define CC "{\"grant_types\":[\"client_credentials\"],"
#define BAD(body, id)                                                          \
    UNIT_REFUSED(parse(&cl, &err, body, p), err, 400,                          \
                 "invalid_client_metadata", id)
    UNIT_ASSERT(ec && st);
    jwks = jwks_of(ec, p);
    UNIT_EQ_INT(parse(&cl, &err,
                      CC "\"token_endpoint_auth_method\":\"tls_client_auth\","
                         "\"tls_client_auth_subject_dn\":\"CN=a,O=b\"}",
                      p),
                APR_SUCCESS);
    UNIT_EQ_STR(cl->tls_subject_dn, "CN=a,O=b");
    UNIT_EQ_INT(parse(&cl, &err,
                      CC "\"token_endpoint_auth_method\":\"tls_client_auth\","
                         "\"tls_client_auth_san_ip\":\"192.0.2.1\","
                         "\"tls_client_auth_subject_dn\":null}",
                      p),
                APR_SUCCESS);
    UNIT_EQ_STR(cl->tls_san_ip, "192.0.2.1");
    BAD(CC "\"token_endpoint_auth_method\":\"tls_client_auth\"}", "OA2-01544");
    BAD(CC "\"token_endpoint_auth_method\":\"tls_client_auth\","
           "\"tls_client_auth_san_dns\":\"a.example\","
           "\"tls_client_auth_san_uri\":\"https://a.example\"}",
        "OA2-01544");
    BAD(CC "\"tls_client_auth_subject_dn\":\"CN=a\"}", "OA2-01545");
    BAD(CC "\"token_endpoint_auth_method\":\"self_signed_tls_client_auth\"}",
        "OA2-01546");
    BAD(CC "\"token_endpoint_auth_method\":\"self_signed_tls_client_auth\","
           "\"jwks_uri\":\"https://a.example/jwks\"}",
        "OA2-01546");
    BAD("{\"redirect_uris\":[\"https://a.example/cb\"],"
        "\"token_endpoint_auth_method\":\"none\","
        "\"tls_client_certificate_bound_access_tokens\":true}",
        "OA2-01547");
    BAD(CC "\"tls_client_certificate_bound_access_tokens\":\"yes\"}",
        "OA2-01556");
    BAD(CC "\"token_endpoint_auth_method\":\"tls_client_auth\","
           "\"tls_client_auth_subject_dn\":7}",
        "OA2-01555");
    BAD(CC "\"token_endpoint_auth_method\":\"tls_client_auth\","
           "\"tls_client_auth_subject_dn\":\"nonsense\"}",
        "OA2-01531");
    BAD(CC "\"token_endpoint_auth_method\":\"tls_client_auth\","
           "\"tls_client_auth_san_ip\":\"host\"}",
        "OA2-01542");
    BAD(CC "\"jwks\":[]}", "OA2-01600");
    BAD(CC "\"jwks\":{\"keys\":[1]}}", "OA2-01609");
    BAD(CC "\"jwks\":{\"keys\":[{\"kty\":\"EC\",\"d\":\"x\"}]}}", "OA2-01601");
    BAD(CC "\"jwks\":{\"keys\":[{\"kty\":\"oct\",\"k\":\"c2VjcmV0\"}]}}",
        "OA2-01601");
    BAD(CC "\"jwks\":{\"keys\":[{\"kty\":\"OKP\",\"crv\":\"Ed25519\","
           "\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\"}]}}",
        "OA2-01603");
    body = apr_psprintf(p,
                        CC "\"jwks\":{\"keys\":[{\"kty\":\"EC\","
                           "\"x\":\"%09000d\"}]}}",
                        0);
    BAD(body, "OA2-01602");

    /* registered: no secret for either TLS method, the metadata echoed */
    body = apr_pstrcat(p,
                       CC "\"token_endpoint_auth_method\":"
                          "\"self_signed_tls_client_auth\",\"jwks\":",
                       jwks,
                       ",\"tls_client_certificate_bound_access_tokens\":"
                       "true}",
                       NULL);
    UNIT_EQ_INT(oa2_registration_register(&json, &cl, fixture_as(ISS, p), st,
                                          body, strlen(body), NOW, &err, p),
                APR_SUCCESS);
    r = oa2_cleanup_json(json_loads(json, 0, NULL), p);
    UNIT_ASSERT(!json_object_get(r, "client_secret"));
    UNIT_ASSERT(json_is_object(json_object_get(r, "jwks")));
    UNIT_ASSERT(json_is_true(
        json_object_get(r, "tls_client_certificate_bound_access_tokens")));
    UNIT_EQ_STR(
        json_string_value(json_object_get(r, "token_endpoint_auth_method")),
        OA2_AUTH_SELF_SIGNED_TLS);
    UNIT_EQ_INT(oa2_store_client_get(
                    &cl, st, json_string_value(json_object_get(r, "client_id")),
                    &err, p),
                APR_SUCCESS);
    UNIT_EQ_STR(cl->secret_hash, "");
    UNIT_EQ_STR(cl->jwks, jwks);
    UNIT_EQ_INT(cl->tls_bound_tokens, 1);
#undef BAD
#undef CC
}

void unit_suite_mtls(void)
{
    unit_suite("mtls");
    UNIT_RUN(test_thumbprint);
    UNIT_RUN(test_subject_dn);
    UNIT_RUN(test_check_dn);
    UNIT_RUN(test_san);
    UNIT_RUN(test_key_in_jwks);
    UNIT_RUN(test_authenticate);
    UNIT_RUN(test_bound_tokens);
    UNIT_RUN(test_check_bound);
    UNIT_RUN(test_registration);
}
