/* Log tags of secrets: a short SHA-256 prefix, never the secret itself. */
#include <string.h>

#include <apr_strings.h>
#include <openssl/evp.h>

#include "oa2_hash.h"

const char *oa2_hash_tag(const char *secret, apr_pool_t *p)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;

    if (!EVP_Digest(secret, strlen(secret), md, &len, EVP_sha256(), NULL)
        || len < 4) {
        return "????????";
    }
    return apr_psprintf(p, "%02x%02x%02x%02x", md[0], md[1], md[2], md[3]);
}

const char *oa2_hash_hex(const char *text, apr_pool_t *p)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0, i;
    char *out;

    if (!EVP_Digest(text, strlen(text), md, &len, EVP_sha256(), NULL)) {
        return "";
    }
    out = apr_palloc(p, 2 * len + 1);
    for (i = 0; i < len; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 0x0f];
    }
    out[2 * len] = '\0';
    return out;
}
