/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/* base64url without padding: RFC 4648 §10 vectors and strict decoding. */
#include <string.h>

#include "oa2_b64.h"
#include "unit.h"

/* RFC 4648 §10, in the URL alphabet with the padding dropped. */
static const struct {
    const char *plain;
    const char *b64;
} vectors[] = {
    {"", ""},
    {"f", "Zg"},
    {"fo", "Zm8"},
    {"foo", "Zm9v"},
    {"foob", "Zm9vYg"},
    {"fooba", "Zm9vYmE"},
    {"foobar", "Zm9vYmFy"},
};

#define NVECTORS (sizeof(vectors) / sizeof(vectors[0]))

/* Nonzero when oa2_b64_decode() refuses @a in. */
static int refused(const char *in, apr_pool_t *p)
{
    unsigned char *out = NULL;
    apr_size_t outlen = 0;

    return oa2_b64_decode(&out, &outlen, in, strlen(in), p) == APR_EINVAL;
}

static void test_encode_rfc4648(apr_pool_t *p)
{
    apr_size_t i;

    for (i = 0; i < NVECTORS; i++) {
        UNIT_EQ_STR(oa2_b64_encode((const unsigned char *)vectors[i].plain,
                                   strlen(vectors[i].plain), p),
                    vectors[i].b64);
    }
}

static void test_decode_rfc4648(apr_pool_t *p)
{
    apr_size_t i;

    for (i = 0; i < NVECTORS; i++) {
        unsigned char *out = NULL;
        apr_size_t outlen = 99;

        UNIT_EQ_INT(oa2_b64_decode(&out, &outlen, vectors[i].b64,
                                   strlen(vectors[i].b64), p),
                    APR_SUCCESS);
        UNIT_EQ_INT(outlen, strlen(vectors[i].plain));
        UNIT_EQ_STR((const char *)out, vectors[i].plain);
    }
}

static void test_url_alphabet(apr_pool_t *p)
{
    /* 0xfb 0xff 0xbf is "-_-_" here and "+/+/" in standard base64 */
    static const unsigned char bytes[] = {0xfb, 0xff, 0xbf};
    unsigned char *out;
    apr_size_t outlen;

    UNIT_EQ_STR(oa2_b64_encode(bytes, sizeof(bytes), p), "-_-_");
    UNIT_EQ_INT(oa2_b64_decode(&out, &outlen, "-_-_", 4, p), APR_SUCCESS);
    UNIT_EQ_INT(outlen, 3);
    UNIT_ASSERT(!memcmp(out, bytes, 3));
    UNIT_ASSERT(oa2_b64_is_url_char('-'));
    UNIT_ASSERT(oa2_b64_is_url_char('_'));
    UNIT_ASSERT(oa2_b64_is_url_char('A'));
    UNIT_ASSERT(oa2_b64_is_url_char('z'));
    UNIT_ASSERT(oa2_b64_is_url_char('9'));
    UNIT_ASSERT(!oa2_b64_is_url_char('+'));
    UNIT_ASSERT(!oa2_b64_is_url_char('/'));
    UNIT_ASSERT(!oa2_b64_is_url_char('='));
    UNIT_ASSERT(!oa2_b64_is_url_char('.'));
    UNIT_ASSERT(!oa2_b64_is_url_char('\0'));
    UNIT_ASSERT(!oa2_b64_is_url_char((char)0xc3));
}

static void test_round_trip_all_bytes(apr_pool_t *p)
{
    unsigned char bytes[256], *out;
    apr_size_t len, outlen;
    int i;

    for (i = 0; i < 256; i++) {
        bytes[i] = (unsigned char)i;
    }
    /* every length mod 3, so each tail shape is encoded and decoded */
    for (len = 253; len <= 256; len++) {
        const char *b64 = oa2_b64_encode(bytes, len, p);

        UNIT_EQ_INT(strlen(b64), (len * 4 + 2) / 3);
        UNIT_EQ_INT(oa2_b64_decode(&out, &outlen, b64, strlen(b64), p),
                    APR_SUCCESS);
        UNIT_EQ_INT(outlen, len);
        UNIT_ASSERT(!memcmp(out, bytes, len));
    }
}

static void test_decode_uses_only_inlen(apr_pool_t *p)
{
    unsigned char *out;
    apr_size_t outlen;

    /* a JWS segment is decoded in place, up to the next dot */
    UNIT_EQ_INT(oa2_b64_decode(&out, &outlen, "Zm9vYmFy.Zm9v", 8, p),
                APR_SUCCESS);
    UNIT_EQ_STR((const char *)out, "foobar");
}

static void test_refuses_padding(apr_pool_t *p)
{
    UNIT_ASSERT(refused("Zg==", p));
    UNIT_ASSERT(refused("Zm8=", p));
    UNIT_ASSERT(refused("Zm9vYg==", p));
    UNIT_ASSERT(refused("=", p));
    UNIT_ASSERT(refused("====", p));
}

static void test_refuses_standard_alphabet(apr_pool_t *p)
{
    UNIT_ASSERT(refused("+/+/", p));
    UNIT_ASSERT(refused("Zm9+", p));
    UNIT_ASSERT(refused("Zm9/", p));
}

static void test_refuses_whitespace(apr_pool_t *p)
{
    UNIT_ASSERT(refused("Zm9v Yg", p));
    UNIT_ASSERT(refused(" Zm9vYg", p));
    UNIT_ASSERT(refused("Zm9vYg\n", p));
    UNIT_ASSERT(refused("Zm\r\n9v", p));
    UNIT_ASSERT(refused("Zm9vYg\t", p));
}

static void test_refuses_other_characters(apr_pool_t *p)
{
    unsigned char *out;
    apr_size_t outlen;

    UNIT_ASSERT(refused("Zm9.", p));
    UNIT_ASSERT(refused("Zm\xc3\xa9", p));
    /* an embedded NUL is a character outside the alphabet, too */
    UNIT_EQ_INT(oa2_b64_decode(&out, &outlen, "Zm\0v", 4, p), APR_EINVAL);
}

static void test_refuses_length_one_mod_four(apr_pool_t *p)
{
    UNIT_ASSERT(refused("Z", p));
    UNIT_ASSERT(refused("Zm9vY", p));
    UNIT_ASSERT(refused("Zm9vYmFyZ", p));
}

static void test_refuses_nonzero_trailing_bits(apr_pool_t *p)
{
    /* "Zg" is "f"; "Zh" sets a bit past the byte: a second spelling */
    UNIT_ASSERT(!refused("Zg", p));
    UNIT_ASSERT(refused("Zh", p));
    UNIT_ASSERT(refused("Zv", p));
    /* "Zm8" is "fo"; "Zm9" sets one of the two leftover bits */
    UNIT_ASSERT(!refused("Zm8", p));
    UNIT_ASSERT(refused("Zm9", p));
    UNIT_ASSERT(refused("Zm_", p));
}

void unit_suite_b64(void)
{
    unit_suite("b64");
    UNIT_RUN(test_encode_rfc4648);
    UNIT_RUN(test_decode_rfc4648);
    UNIT_RUN(test_url_alphabet);
    UNIT_RUN(test_round_trip_all_bytes);
    UNIT_RUN(test_decode_uses_only_inlen);
    UNIT_RUN(test_refuses_padding);
    UNIT_RUN(test_refuses_standard_alphabet);
    UNIT_RUN(test_refuses_whitespace);
    UNIT_RUN(test_refuses_other_characters);
    UNIT_RUN(test_refuses_length_one_mod_four);
    UNIT_RUN(test_refuses_nonzero_trailing_bits);
}
