/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/* Distinguished names: RFC 4514 text read into X.509 names (see
 * oa2_dn.h). */
#include <string.h>
#include <strings.h>

#include <apr_lib.h>
#include <apr_strings.h>
#include <apr_tables.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include "oa2_cleanup.h"
#include "oa2_dn.h"
#include "oa2_text.h"

#define BAD_META(id, text)                                                     \
    oa2_err_set(err, 400, "invalid_client_metadata", id, text)

static apr_status_t object_cleanup(void *data)
{
    /* A no-op for OpenSSL's static objects (OBJ_nid2obj's). */
    ASN1_OBJECT_free(data);
    return APR_SUCCESS;
}

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

    if (strlen(dn) > OA2_DN_MAX) {
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
            else if ((h1 = oa2_text_hex_value(c[0])) >= 0 && c[1]
                     && (h2 = oa2_text_hex_value(c[1])) >= 0) {
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
X509_NAME *oa2_dn_parse(const char *dn, oa2_err_t *err, apr_pool_t *p)
{
    apr_array_header_t *avas = NULL;
    X509_NAME *name;
    int i, j, first;

    if (dn_parse(&avas, dn, err, p) != APR_SUCCESS) {
        return NULL;
    }
    name = oa2_cleanup_x509_name(X509_NAME_new(), p);
    if (!name) {
        oa2_err_set(err, 500, "server_error", "OA2-01537",
                    "out of memory reading a subject DN");
        return NULL;
    }
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

int oa2_dn_equals(const X509_NAME *name, const char *dn, apr_pool_t *p)
{
    oa2_err_t ignored;
    X509_NAME *want = oa2_dn_parse(dn, &ignored, p);
    int cmp;

    if (!want) {
        return 0;
    }
    /* Both canonical encodings: made (and cached) by X509_NAME_cmp. */
    cmp = X509_NAME_cmp(name, want);
    ERR_clear_error();
    return cmp == 0;
}

const char *oa2_dn_text(const X509_NAME *name, apr_pool_t *p)
{
    BIO *bio = oa2_cleanup_bio(BIO_new(BIO_s_mem()), p);
    char *data;
    long len;

    if (!bio || X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253) < 0) {
        ERR_clear_error();
        return "(unreadable)";
    }
    len = BIO_get_mem_data(bio, &data);
    return len > 0 ? apr_pstrmemdup(p, data, (apr_size_t)len) : "(empty)";
}
