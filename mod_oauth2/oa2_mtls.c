/* Mutual TLS client authentication and certificate-bound tokens (RFC
 * 8705); see oa2_mtls.h. */
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>

#include <apr_lib.h>
#include <apr_strings.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "oa2_b64.h"
#include "oa2_cleanup.h"
#include "oa2_hash.h"
#include "oa2_keys.h"
#include "oa2_mtls.h"

#define BAD_META(id, text)                                                     \
    oa2_err_set(err, 400, "invalid_client_metadata", id, text)

/* What a client is told whatever the reason its certificate does not
 * authenticate it: the reason goes to the log (err->detail). */
#define NOT_AUTHENTICATED                                                      \
    "the TLS client certificate does not authenticate this client"

/* The certificate types only this room uses, bound to a pool like every
 * foreign object (oa2_cleanup.h). */
static apr_status_t x509_cleanup(void *data)
{
    X509_free(data);
    return APR_SUCCESS;
}

static apr_status_t x509_name_cleanup(void *data)
{
    X509_NAME_free(data);
    return APR_SUCCESS;
}

static apr_status_t object_cleanup(void *data)
{
    /* A no-op for OpenSSL's static objects (OBJ_nid2obj's). */
    ASN1_OBJECT_free(data);
    return APR_SUCCESS;
}

static apr_status_t general_names_cleanup(void *data)
{
    GENERAL_NAMES_free(data);
    return APR_SUCCESS;
}

int oa2_mtls_is_method(const char *auth_method)
{
    return auth_method
        && (!strcmp(auth_method, OA2_AUTH_TLS)
            || !strcmp(auth_method, OA2_AUTH_SELF_SIGNED_TLS));
}

/* The certificate of @a pem (its first), or NULL. */
static X509 *cert_read(const char *pem, apr_pool_t *p)
{
    apr_size_t len = pem ? strlen(pem) : 0;
    BIO *bio;
    X509 *x;

    if (!len || len > OA2_MTLS_PEM_MAX) {
        return NULL;
    }
    bio = oa2_cleanup_bio(BIO_new_mem_buf(pem, (int)len), p);
    x = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
    if (x) {
        apr_pool_cleanup_register(p, x, x509_cleanup, apr_pool_cleanup_null);
    }
    ERR_clear_error();
    return x;
}

static const char *cert_thumbprint(X509 *x, apr_pool_t *p)
{
    unsigned char md[OA2_SHA256_LEN], *der, *end;
    int len = i2d_X509(x, NULL);

    if (len <= 0) {
        ERR_clear_error();
        return NULL;
    }
    der = end = apr_palloc(p, (apr_size_t)len);
    /* The DER the client sent: OpenSSL keeps the encoding it parsed. */
    if (i2d_X509(x, &end) != len
        || !oa2_hash_sha256(md, der, (apr_size_t)len)) {
        ERR_clear_error();
        return NULL;
    }
    return oa2_b64_encode(md, sizeof(md), p);
}

apr_status_t oa2_mtls_thumbprint(const char **x5t, const char *pem,
                                 oa2_err_t *err, apr_pool_t *p)
{
    X509 *x = cert_read(pem, p);

    *x5t = x ? cert_thumbprint(x, p) : NULL;
    if (!*x5t) {
        return oa2_err_set(err, 400, "invalid_request", "OA2-01501",
                           "the TLS client certificate cannot be read");
    }
    return APR_SUCCESS;
}

/* ---- subject DNs ------------------------------------------------------ */

/* RFC 4514 §3 / RFC 4519 names and the usual others, in any case. */
static const struct {
    const char *name;
    int nid;
} attribute_types[] = {{"CN", NID_commonName},
                       {"commonName", NID_commonName},
                       {"L", NID_localityName},
                       {"localityName", NID_localityName},
                       {"ST", NID_stateOrProvinceName},
                       {"stateOrProvinceName", NID_stateOrProvinceName},
                       {"O", NID_organizationName},
                       {"organizationName", NID_organizationName},
                       {"OU", NID_organizationalUnitName},
                       {"organizationalUnitName", NID_organizationalUnitName},
                       {"C", NID_countryName},
                       {"countryName", NID_countryName},
                       {"STREET", NID_streetAddress},
                       {"streetAddress", NID_streetAddress},
                       {"DC", NID_domainComponent},
                       {"domainComponent", NID_domainComponent},
                       {"UID", NID_userId},
                       {"userId", NID_userId},
                       {"E", NID_pkcs9_emailAddress},
                       {"emailAddress", NID_pkcs9_emailAddress},
                       {"serialNumber", NID_serialNumber},
                       {"SN", NID_surname},
                       {"surname", NID_surname},
                       {"GN", NID_givenName},
                       {"givenName", NID_givenName},
                       {"title", NID_title},
                       {"initials", NID_initials},
                       {"generationQualifier", NID_generationQualifier},
                       {"dnQualifier", NID_dnQualifier},
                       {"pseudonym", NID_pseudonym},
                       {"postalCode", NID_postalCode},
                       {"businessCategory", NID_businessCategory},
                       {"organizationIdentifier", NID_organizationIdentifier},
                       {NULL, NID_undef}};

/* The object of an attribute type: a known name in any case, or a
 * numeric OID (RFC 4514 §3: descr / numericoid); NULL otherwise. */
static ASN1_OBJECT *attribute_object(const char *type)
{
    int i;

    if (apr_isdigit(*type)) {
        if (strspn(type, "0123456789.") != strlen(type)) {
            return NULL;
        }
        return OBJ_txt2obj(type, 1);
    }
    for (i = 0; attribute_types[i].name; i++) {
        if (!strcasecmp(type, attribute_types[i].name)) {
            return OBJ_nid2obj(attribute_types[i].nid);
        }
    }
    return NULL;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

/* One attribute of a DN being parsed. */
typedef struct dn_ava_t {
    ASN1_OBJECT *type; /* bound to the pool */
    char *value;       /* unescaped UTF-8 */
    apr_size_t len;    /* of value */
    int rdn;           /* index of its RDN in the string, from 0 */
} dn_ava_t;

/* Parse RFC 4514 text into attributes (in the order of the text: the
 * last RDN is the first of the name). The descriptions say what is
 * wrong, never the text itself. */
static apr_status_t dn_parse(apr_array_header_t **avas, const char *dn,
                             oa2_err_t *err, apr_pool_t *p)
{
    apr_array_header_t *out = apr_array_make(p, 4, sizeof(dn_ava_t));
    const char *c = dn, *start;
    int rdn = 0, h1, h2;

    if (strlen(dn) > OA2_MTLS_NAME_MAX) {
        return BAD_META("OA2-01530", "tls_client_auth_subject_dn is too long");
    }
    for (;;) {
        dn_ava_t *a = apr_array_push(out);
        char *type, *v, *end;
        memset(a, 0, sizeof(*a));
        while (*c == ' ') {
            c++;
        }
        for (start = c; *c && *c != '='; c++) {
            if (*c == ',' || *c == '+' || *c == ';') {
                break;
            }
        }
        if (*c != '=' || c == start) {
            return BAD_META("OA2-01531",
                            "tls_client_auth_subject_dn must be RFC 4514 "
                            "text: TYPE=value pairs separated by commas");
        }
        type = apr_pstrmemdup(p, start, (apr_size_t)(c - start));
        for (end = type + strlen(type); end > type && end[-1] == ' '; end--) {
        }
        *end = '\0';
        a->type = attribute_object(type);
        if (!a->type) {
            ERR_clear_error();
            return BAD_META("OA2-01532",
                            "tls_client_auth_subject_dn has an attribute "
                            "type that is not known: use its numeric OID");
        }
        apr_pool_cleanup_register(p, a->type, object_cleanup,
                                  apr_pool_cleanup_null);
        a->rdn = rdn;
        c++;
        if (*c == '#') {
            return BAD_META("OA2-01533",
                            "tls_client_auth_subject_dn values must be "
                            "strings, not the #hex form");
        }
        a->value = v = apr_palloc(p, strlen(c) + 1);
        for (; *c && *c != ',' && *c != '+' && *c != ';'; c++) {
            if (*c == '"') {
                return BAD_META("OA2-01534",
                                "tls_client_auth_subject_dn has an "
                                "unescaped double quote");
            }
            if (*c != '\\') {
                *v++ = *c;
                continue;
            }
            c++;
            if (*c && strchr(" \"#+,;<=>\\", *c)) {
                *v++ = *c;
            }
            else if ((h1 = hex_value(c[0])) >= 0 && c[1]
                     && (h2 = hex_value(c[1])) >= 0) {
                if (!(*v++ = (char)(h1 << 4 | h2))) {
                    return BAD_META("OA2-01535",
                                    "tls_client_auth_subject_dn has an "
                                    "escaped NUL");
                }
                c++;
            }
            else {
                return BAD_META("OA2-01536",
                                "tls_client_auth_subject_dn has a backslash "
                                "that escapes nothing RFC 4514 allows");
            }
        }
        *v = '\0';
        a->len = (apr_size_t)(v - a->value);
        if (!*c) {
            break;
        }
        if (*c != '+') {
            rdn++;
        }
        c++;
    }
    *avas = out;
    return APR_SUCCESS;
}

/* The X509_NAME of RFC 4514 text @a dn, or NULL (err set). */
static X509_NAME *dn_name(const char *dn, oa2_err_t *err, apr_pool_t *p)
{
    apr_array_header_t *avas = NULL;
    X509_NAME *name;
    int i, j, first;

    if (dn_parse(&avas, dn, err, p) != APR_SUCCESS) {
        return NULL;
    }
    name = X509_NAME_new();
    if (!name) {
        oa2_err_set(err, 500, "server_error", "OA2-01537",
                    "out of memory reading a subject DN");
        return NULL;
    }
    apr_pool_cleanup_register(p, name, x509_name_cleanup,
                              apr_pool_cleanup_null);
    /* RFC 4514 §2.1: the text starts with the last RDN of the name. */
    for (i = avas->nelts - 1; i >= 0; i = j) {
        int rdn = APR_ARRAY_IDX(avas, i, dn_ava_t).rdn;
        for (j = i; j >= 0 && APR_ARRAY_IDX(avas, j, dn_ava_t).rdn == rdn;
             j--) {
        }
        for (first = j + 1; first <= i; first++) {
            const dn_ava_t *a = &APR_ARRAY_IDX(avas, first, dn_ava_t);
            /* set -1: the attribute joins the RDN just added */
            if (!X509_NAME_add_entry_by_OBJ(name, a->type, MBSTRING_UTF8,
                                            (const unsigned char *)a->value,
                                            (int)a->len, -1,
                                            first == j + 1 ? 0 : -1)) {
                ERR_clear_error();
                BAD_META("OA2-01538",
                         "tls_client_auth_subject_dn has a value its "
                         "attribute type cannot hold (UTF-8, length, or "
                         "the characters allowed)");
                return NULL;
            }
        }
    }
    return name;
}

apr_status_t oa2_mtls_check_dn(const char *dn, oa2_err_t *err, apr_pool_t *p)
{
    return dn_name(dn, err, p) ? APR_SUCCESS : APR_EGENERAL;
}

/* The subject of @a x is @a dn; 0 also for a DN that does not parse. */
static int subject_is(X509 *x, const char *dn, apr_pool_t *p)
{
    oa2_err_t ignored;
    X509_NAME *want = dn_name(dn, &ignored, p);
    int cmp;

    if (!want) {
        return 0;
    }
    /* Both canonical encodings: made (and cached) by X509_NAME_cmp. */
    cmp = X509_NAME_cmp(X509_get_subject_name(x), want);
    ERR_clear_error();
    return cmp == 0;
}

int oa2_mtls_subject_matches(const char *pem, const char *dn, apr_pool_t *p)
{
    X509 *x = cert_read(pem, p);
    return x && subject_is(x, dn, p);
}

/* The subject of @a x as RFC 2253 text, for the admin's log: ASCII, the
 * bytes outside it and control characters escaped. */
static const char *subject_text(X509 *x, apr_pool_t *p)
{
    BIO *bio = oa2_cleanup_bio(BIO_new(BIO_s_mem()), p);
    char *data;
    long len;

    if (!bio
        || X509_NAME_print_ex(bio, X509_get_subject_name(x), 0, XN_FLAG_RFC2253)
            < 0) {
        ERR_clear_error();
        return "(unreadable)";
    }
    len = BIO_get_mem_data(bio, &data);
    return len > 0 ? apr_pstrmemdup(p, data, (apr_size_t)len) : "(empty)";
}

/* ---- subject alternative names ---------------------------------------- */

static const char *const san_member[] = {
    "tls_client_auth_san_dns", "tls_client_auth_san_uri",
    "tls_client_auth_san_ip", "tls_client_auth_san_email"};

/* Printable ASCII without spaces, 1 to OA2_MTLS_NAME_MAX bytes. */
static int printable_word(const char *s)
{
    const unsigned char *c;

    if (!*s || strlen(s) > OA2_MTLS_NAME_MAX) {
        return 0;
    }
    for (c = (const unsigned char *)s; *c; c++) {
        if (*c <= 0x20 || *c >= 0x7f) {
            return 0;
        }
    }
    return 1;
}

/* @a text as an IP address: 4 or 16 bytes into @a buf; 0 when not. */
static int ip_bytes(unsigned char buf[16], const char *text)
{
    if (inet_pton(AF_INET, text, buf) == 1) {
        return 4;
    }
    if (inet_pton(AF_INET6, text, buf) == 1) {
        return 16;
    }
    return 0;
}

apr_status_t oa2_mtls_check_san(oa2_mtls_san_t type, const char *value,
                                oa2_err_t *err, apr_pool_t *p)
{
    unsigned char ip[16];
    const char *at;

    if (!printable_word(value)) {
        return oa2_err_setf(err, 400, "invalid_client_metadata", "OA2-01540", p,
                            "%s must be printable ASCII without spaces",
                            san_member[type]);
    }
    switch (type) {
    case OA2_MTLS_SAN_URI:
        if (!strchr(value, ':')) {
            return BAD_META("OA2-01541",
                            "tls_client_auth_san_uri must be an absolute "
                            "URI");
        }
        break;
    case OA2_MTLS_SAN_IP:
        if (!ip_bytes(ip, value)) {
            return BAD_META("OA2-01542",
                            "tls_client_auth_san_ip must be an IPv4 or IPv6 "
                            "address");
        }
        break;
    case OA2_MTLS_SAN_EMAIL:
        at = strrchr(value, '@');
        if (!at || at == value || !at[1]) {
            return BAD_META("OA2-01543",
                            "tls_client_auth_san_email must be an e-mail "
                            "address");
        }
        break;
    default:
        break;
    }
    return APR_SUCCESS;
}

/* The bytes of an IA5String SAN, or NULL when it holds a NUL. */
static const char *ia5_text(const ASN1_IA5STRING *s, apr_pool_t *p)
{
    const char *data = (const char *)ASN1_STRING_get0_data(s);
    int len = ASN1_STRING_length(s);

    if (len < 0 || memchr(data, '\0', (size_t)len)) {
        return NULL;
    }
    return apr_pstrmemdup(p, data, (apr_size_t)len);
}

/* Nonzero when one SAN @a gn of @a type is @a value. */
static int san_is(const GENERAL_NAME *gn, oa2_mtls_san_t type,
                  const char *value, apr_pool_t *p)
{
    unsigned char ip[16];
    const char *s, *at, *want_at;
    int len;

    switch (type) {
    case OA2_MTLS_SAN_DNS:
        return gn->type == GEN_DNS && (s = ia5_text(gn->d.dNSName, p))
            && !strcasecmp(s, value);
    case OA2_MTLS_SAN_URI:
        return gn->type == GEN_URI
            && (s = ia5_text(gn->d.uniformResourceIdentifier, p))
            && !strcmp(s, value);
    case OA2_MTLS_SAN_IP:
        len = ip_bytes(ip, value);
        return gn->type == GEN_IPADD && len
            && ASN1_STRING_length(gn->d.iPAddress) == len
            && !memcmp(ASN1_STRING_get0_data(gn->d.iPAddress), ip, (size_t)len);
    case OA2_MTLS_SAN_EMAIL:
        if (gn->type != GEN_EMAIL || !(s = ia5_text(gn->d.rfc822Name, p))) {
            return 0;
        }
        /* RFC 5280 §4.2.1.6: the local part is exact, the host is not. */
        at = strrchr(s, '@');
        want_at = strrchr(value, '@');
        return at && want_at && at - s == want_at - value
            && !strncmp(s, value, (size_t)(at - s)) && !strcasecmp(at, want_at);
    }
    return 0;
}

static int has_san(X509 *x, oa2_mtls_san_t type, const char *value,
                   apr_pool_t *p)
{
    GENERAL_NAMES *names =
        X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
    int i;

    ERR_clear_error();
    if (!names) {
        return 0;
    }
    apr_pool_cleanup_register(p, names, general_names_cleanup,
                              apr_pool_cleanup_null);
    for (i = 0; i < sk_GENERAL_NAME_num(names); i++) {
        if (san_is(sk_GENERAL_NAME_value(names, i), type, value, p)) {
            return 1;
        }
    }
    return 0;
}

int oa2_mtls_san_matches(const char *pem, oa2_mtls_san_t type,
                         const char *value, apr_pool_t *p)
{
    X509 *x = cert_read(pem, p);
    return x && has_san(x, type, value, p);
}

/* ---- self-signed: the registered keys --------------------------------- */

static int key_in_set(X509 *x, const oa2_keyset_t *set)
{
    EVP_PKEY *pkey = X509_get0_pubkey(x);
    int i;

    for (i = 0; pkey && i < set->keys->nelts; i++) {
        if (EVP_PKEY_eq(pkey, APR_ARRAY_IDX(set->keys, i, oa2_key_t *)->pkey)
            == 1) {
            ERR_clear_error();
            return 1;
        }
    }
    ERR_clear_error();
    return 0;
}

int oa2_mtls_key_in_jwks(const char *pem, const char *jwks, apr_pool_t *p)
{
    X509 *x = cert_read(pem, p);
    oa2_keyset_t *set;
    oa2_err_t ignored;

    return x && jwks
        && oa2_keys_parse_jwks(&set, jwks, strlen(jwks), &ignored, p)
        == APR_SUCCESS
        && key_in_set(x, set);
}

/* ---- registration ----------------------------------------------------- */

/* How many of the tls_client_auth names @a cl registered. */
static int tls_names(const oa2_client_t *cl)
{
    return !!cl->tls_subject_dn + !!cl->tls_san_dns + !!cl->tls_san_uri
        + !!cl->tls_san_ip + !!cl->tls_san_email;
}

apr_status_t oa2_mtls_check_client(const oa2_client_t *cl, oa2_err_t *err)
{
    int names = tls_names(cl);

    if (!strcmp(cl->auth_method, OA2_AUTH_TLS) && names != 1) {
        return BAD_META("OA2-01544",
                        "tls_client_auth needs exactly one of "
                        "tls_client_auth_subject_dn, "
                        "tls_client_auth_san_dns, tls_client_auth_san_uri, "
                        "tls_client_auth_san_ip and "
                        "tls_client_auth_san_email");
    }
    if (strcmp(cl->auth_method, OA2_AUTH_TLS) && names) {
        return BAD_META("OA2-01545",
                        "tls_client_auth_subject_dn and "
                        "tls_client_auth_san_* go with "
                        "token_endpoint_auth_method tls_client_auth only");
    }
    if (!strcmp(cl->auth_method, OA2_AUTH_SELF_SIGNED_TLS) && !cl->jwks) {
        return BAD_META("OA2-01546",
                        "self_signed_tls_client_auth needs the client's "
                        "certificate keys in jwks (jwks_uri is not "
                        "supported for it)");
    }
    if (cl->tls_bound_tokens && !strcmp(cl->auth_method, "none")) {
        return BAD_META("OA2-01547",
                        "tls_client_certificate_bound_access_tokens needs a "
                        "confidential client: a public client's refresh "
                        "tokens would not be bound");
    }
    return APR_SUCCESS;
}

/* ---- client authentication (RFC 8705 §2) ------------------------------ */

#define INVALID_CLIENT(id, text)                                               \
    oa2_err_set(err, 401, "invalid_client", id, text)

/* tls_client_auth: a certificate mod_ssl verified, of the registered
 * subject DN or SAN. */
static apr_status_t pki_authenticate(const oa2_client_t *cl, X509 *x,
                                     int verified, oa2_err_t *err,
                                     apr_pool_t *p)
{
    static const oa2_mtls_san_t types[] = {OA2_MTLS_SAN_DNS, OA2_MTLS_SAN_URI,
                                           OA2_MTLS_SAN_IP, OA2_MTLS_SAN_EMAIL};
    const char *sans[4];
    int i;

    if (!verified) {
        INVALID_CLIENT("OA2-01502", NOT_AUTHENTICATED);
        return oa2_err_detail(err, p,
                              "client %s (tls_client_auth): mod_ssl did not "
                              "verify the certificate of %s up to a trusted "
                              "CA (SSLVerifyClient optional and "
                              "SSLCACertificateFile with the client's CA)",
                              cl->client_id, subject_text(x, p));
    }
    if (cl->tls_subject_dn) {
        if (subject_is(x, cl->tls_subject_dn, p)) {
            return APR_SUCCESS;
        }
        INVALID_CLIENT("OA2-01503", NOT_AUTHENTICATED);
        return oa2_err_detail(err, p,
                              "client %s (tls_client_auth): the certificate's "
                              "subject %s is not the registered "
                              "tls_client_auth_subject_dn",
                              cl->client_id, subject_text(x, p));
    }
    sans[0] = cl->tls_san_dns;
    sans[1] = cl->tls_san_uri;
    sans[2] = cl->tls_san_ip;
    sans[3] = cl->tls_san_email;
    for (i = 0; i < 4; i++) {
        if (!sans[i]) {
            continue;
        }
        if (has_san(x, types[i], sans[i], p)) {
            return APR_SUCCESS;
        }
        INVALID_CLIENT("OA2-01504", NOT_AUTHENTICATED);
        return oa2_err_detail(err, p,
                              "client %s (tls_client_auth): the certificate "
                              "of %s has no subject alternative name equal "
                              "to its registered %s",
                              cl->client_id, subject_text(x, p), san_member[i]);
    }
    /* A row that registration would have refused (oa2_mtls_check_client). */
    INVALID_CLIENT("OA2-01505", NOT_AUTHENTICATED);
    return oa2_err_detail(err, p,
                          "client %s (tls_client_auth) has no registered "
                          "subject DN or SAN",
                          cl->client_id);
}

/* self_signed_tls_client_auth: any certificate (mod_ssl's
 * SSLVerifyClient optional_no_ca) whose key the client registered. */
static apr_status_t key_authenticate(const oa2_client_t *cl, X509 *x,
                                     oa2_err_t *err, apr_pool_t *p)
{
    oa2_keyset_t *set;
    oa2_err_t why = {0};

    if (!cl->jwks
        || oa2_keys_parse_jwks(&set, cl->jwks, strlen(cl->jwks), &why, p)
            != APR_SUCCESS) {
        INVALID_CLIENT("OA2-01506", NOT_AUTHENTICATED);
        return oa2_err_detail(err, p,
                              "client %s (self_signed_tls_client_auth): its "
                              "registered jwks has no usable key%s%s",
                              cl->client_id, why.description ? ": " : "",
                              why.description ? why.description : "");
    }
    if (!key_in_set(x, set)) {
        INVALID_CLIENT("OA2-01507", NOT_AUTHENTICATED);
        return oa2_err_detail(err, p,
                              "client %s (self_signed_tls_client_auth): the "
                              "key of the certificate of %s is none of its "
                              "registered jwks",
                              cl->client_id, subject_text(x, p));
    }
    return APR_SUCCESS;
}

apr_status_t oa2_mtls_authenticate(const oa2_client_t *cl,
                                   const oa2_backchannel_t *in, oa2_err_t *err,
                                   apr_pool_t *p)
{
    X509 *x;

    if (!in->client_cert) {
        INVALID_CLIENT("OA2-01500",
                       "a TLS client certificate is required (mutual TLS)");
        return oa2_err_detail(err, p,
                              "client %s (%s) sent no TLS client certificate: "
                              "is SSLVerifyClient optional (or "
                              "optional_no_ca) set for this virtual host?",
                              cl->client_id, cl->auth_method);
    }
    if (!(x = cert_read(in->client_cert, p))) {
        INVALID_CLIENT("OA2-01508", NOT_AUTHENTICATED);
        return oa2_err_detail(err, p,
                              "client %s: mod_ssl's SSL_CLIENT_CERT does not "
                              "parse",
                              cl->client_id);
    }
    if (!strcmp(cl->auth_method, OA2_AUTH_TLS)) {
        return pki_authenticate(cl, x, in->client_cert_verified, err, p);
    }
    return key_authenticate(cl, x, err, p);
}

/* ---- certificate-bound tokens (RFC 8705 §3) --------------------------- */

apr_status_t oa2_mtls_bind(const char **x5t, const oa2_client_t *cl,
                           const oa2_backchannel_t *in, oa2_err_t *err,
                           apr_pool_t *p)
{
    *x5t = NULL;
    if (!oa2_mtls_is_method(cl->auth_method) && !cl->tls_bound_tokens) {
        return APR_SUCCESS;
    }
    if (!in->client_cert) {
        /* Only with tls_client_certificate_bound_access_tokens: the mTLS
         * methods have authenticated with a certificate already. */
        return oa2_err_set(err, 400, "invalid_request", "OA2-01509",
                           "this client's access tokens are bound to its TLS "
                           "client certificate: present one");
    }
    return oa2_mtls_thumbprint(x5t, in->client_cert, err, p);
}

apr_status_t oa2_mtls_check_bound(const char *x5t, const char *pem,
                                  oa2_err_t *err, apr_pool_t *p)
{
    const char *have;
    X509 *x;

    if (!pem) {
        return oa2_err_set(err, 401, "invalid_token", "OA2-01510",
                           "the token is bound to a TLS client certificate, "
                           "and the connection has none");
    }
    x = cert_read(pem, p);
    if (!x || !(have = cert_thumbprint(x, p))) {
        return oa2_err_set(err, 401, "invalid_token", "OA2-01511",
                           "the TLS client certificate cannot be read");
    }
    if (strlen(have) != strlen(x5t) || CRYPTO_memcmp(have, x5t, strlen(x5t))) {
        oa2_err_set(err, 401, "invalid_token", "OA2-01512",
                    "the token is bound to another TLS client certificate");
        return oa2_err_detail(err, p, "the connection's certificate is of %s",
                              subject_text(x, p));
    }
    return APR_SUCCESS;
}
