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
