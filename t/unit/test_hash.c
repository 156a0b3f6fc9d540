/* Log tags of secrets: the first 8 hex digits of SHA-256. */
#include <string.h>

#include <apr_lib.h>

#include "oa2_hash.h"
#include "unit.h"

static void test_tag_is_eight_lowercase_hex(apr_pool_t *p)
{
    const char *tag = oa2_hash_tag("some-secret-code", p);
    int i;

    UNIT_EQ_INT(strlen(tag), 8);
    for (i = 0; i < 8; i++) {
        UNIT_ASSERT(apr_isxdigit(tag[i]) && !apr_isupper(tag[i]));
    }
}

static void test_tag_is_sha256_prefix(apr_pool_t *p)
{
    /* FIPS 180-2 examples: SHA-256("abc") = ba7816bf..., of "" e3b0c442... */
    UNIT_EQ_STR(oa2_hash_tag("abc", p), "ba7816bf");
    UNIT_EQ_STR(oa2_hash_tag("", p), "e3b0c442");
}

static void test_tag_is_deterministic(apr_pool_t *p)
{
    UNIT_EQ_STR(oa2_hash_tag("token-1", p), oa2_hash_tag("token-1", p));
    UNIT_ASSERT(strcmp(oa2_hash_tag("token-1", p), oa2_hash_tag("token-2", p)));
}

static void test_tag_never_holds_the_secret(apr_pool_t *p)
{
    UNIT_ASSERT(!strstr(oa2_hash_tag("deadbeef", p), "deadbeef"));
}

static void test_fields_are_nul_separated(apr_pool_t *p)
{
    /* The digest is SHA-256 of "a\0bc\0" (each field NUL-terminated),
     * so moving a byte across a boundary changes it. */
    const char *ab_c[] = {"ab", "c"}, *a_bc[] = {"a", "bc"};
    const char *null_field[] = {"a", NULL}, *empty_field[] = {"a", ""};
    unsigned char md1[OA2_SHA256_LEN], md2[OA2_SHA256_LEN];
    unsigned char whole[OA2_SHA256_LEN];

    UNIT_ASSERT(oa2_hash_fields(md1, a_bc, 2, p));
    UNIT_ASSERT(oa2_hash_sha256(whole, "a\0bc\0", 5));
    UNIT_ASSERT(!memcmp(md1, whole, OA2_SHA256_LEN));
    UNIT_ASSERT(oa2_hash_fields(md2, ab_c, 2, p));
    UNIT_ASSERT(memcmp(md1, md2, OA2_SHA256_LEN));
    /* A NULL field hashes as an empty one. */
    UNIT_ASSERT(oa2_hash_fields(md1, null_field, 2, p));
    UNIT_ASSERT(oa2_hash_fields(md2, empty_field, 2, p));
    UNIT_ASSERT(!memcmp(md1, md2, OA2_SHA256_LEN));
}

void unit_suite_hash(void)
{
    unit_suite("hash");
    UNIT_RUN(test_tag_is_eight_lowercase_hex);
    UNIT_RUN(test_tag_is_sha256_prefix);
    UNIT_RUN(test_tag_is_deterministic);
    UNIT_RUN(test_tag_never_holds_the_secret);
    UNIT_RUN(test_fields_are_nul_separated);
}
