/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/* Text that people read: control and bidirectional formatting characters
 * (Unicode 15: general category Cc, U+2028, U+2029, and Bidi_Control in
 * PropList.txt). */
#include <string.h>

#include <apr_strings.h>

#include "oa2_form.h"
#include "oa2_text.h"

/* The length of the well-formed UTF-8 sequence at @a s (at most @a left
 * bytes), 0 when there is none. */
static apr_size_t sequence_len(const unsigned char *s, apr_size_t left)
{
    apr_size_t n = s[0] < 0x80 ? 1 : s[0] < 0xe0 ? 2 : s[0] < 0xf0 ? 3 : 4;

    return n <= left && oa2_form_utf8_valid((const char *)s, n) ? n : 0;
}

/* The code point of the well-formed @a n-byte sequence at @a s. */
static apr_uint32_t decode(const unsigned char *s, apr_size_t n)
{
    static const unsigned char lead_bits[] = {0, 0x7f, 0x1f, 0x0f, 0x07};
    apr_uint32_t c = s[0] & lead_bits[n];
    apr_size_t i;

    for (i = 1; i < n; i++) {
        c = (c << 6) | (s[i] & 0x3f);
    }
    return c;
}

/* What is wrong with code point @a c, if anything. */
static oa2_text_flaw_t flaw_of(apr_uint32_t c)
{
    /* C0, DEL, C1, and the separators that end a line or a paragraph. */
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x2028 || c == 0x2029) {
        return OA2_TEXT_CONTROL;
    }
    /* ALM, LRM, RLM, the embeddings and overrides LRE RLE PDF LRO RLO,
     * and the isolates LRI RLI FSI PDI. */
    if (c == 0x061c || c == 0x200e || c == 0x200f
        || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069)) {
        return OA2_TEXT_BIDI;
    }
    return OA2_TEXT_OK;
}

oa2_text_flaw_t oa2_text_check(const char *s)
{
    const unsigned char *c = (const unsigned char *)s;
    apr_size_t len = strlen(s), i, n;
    oa2_text_flaw_t flaw;

    for (i = 0; i < len; i += n) {
        if (!(n = sequence_len(c + i, len - i))) {
            return OA2_TEXT_NOT_UTF8;
        }
        if ((flaw = flaw_of(decode(c + i, n))) != OA2_TEXT_OK) {
            return flaw;
        }
    }
    return OA2_TEXT_OK;
}

const char *oa2_text_printable(const char *s, apr_pool_t *p)
{
    const unsigned char *c = (const unsigned char *)(s ? s : "");
    apr_size_t len = strlen((const char *)c), i, n;
    char *out = apr_palloc(p, len + 1), *o = out;

    /* Never longer: each flawed character or byte becomes one '?'. */
    for (i = 0; i < len; i += n) {
        n = sequence_len(c + i, len - i);
        if (!n || flaw_of(decode(c + i, n)) != OA2_TEXT_OK) {
            *o++ = '?';
            n = n ? n : 1;
            continue;
        }
        memcpy(o, c + i, n);
        o += n;
    }
    *o = '\0';
    return out;
}

int oa2_text_hex_value(char c)
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
