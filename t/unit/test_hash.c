/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
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

/* RFC 4231 §4.3 (test case 2): a key shorter than 32 bytes is the same
 * key padded with zeros, as HMAC pads every key to the block size. */
static void test_hmac_rfc4231(apr_pool_t *p)
{
    unsigned char key[OA2_SHA256_LEN] = "Jefe", md[OA2_SHA256_LEN];
    const char *data = "what do ya want for nothing?";
    static const unsigned char want[OA2_SHA256_LEN] = {
        0x5b, 0xdc, 0xc1, 0x46, 0xbf, 0x60, 0x75, 0x4e, 0x6a, 0x04, 0x24,
        0x26, 0x08, 0x95, 0x75, 0xc7, 0x5a, 0x00, 0x3f, 0x08, 0x9d, 0x27,
        0x39, 0x83, 0x9d, 0xec, 0x58, 0xb9, 0x64, 0xec, 0x38, 0x43};

    (void)p;
    UNIT_ASSERT(oa2_hash_hmac(md, key, data, strlen(data)));
    UNIT_ASSERT(!memcmp(md, want, sizeof(want)));
}

void unit_suite_hash(void)
{
    unit_suite("hash");
    UNIT_RUN(test_hmac_rfc4231);
    UNIT_RUN(test_tag_is_eight_lowercase_hex);
    UNIT_RUN(test_tag_is_sha256_prefix);
    UNIT_RUN(test_tag_is_deterministic);
    UNIT_RUN(test_tag_never_holds_the_secret);
    UNIT_RUN(test_fields_are_nul_separated);
}
