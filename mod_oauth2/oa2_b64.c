/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/* base64url without padding, strict on decode. */
#include "oa2_b64.h"

static const char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* -1 for characters outside the alphabet. */
static int value_of(unsigned char c)
{
    if (c >= 'A' && c <= 'Z') {
        return c - 'A';
    }
    if (c >= 'a' && c <= 'z') {
        return c - 'a' + 26;
    }
    if (c >= '0' && c <= '9') {
        return c - '0' + 52;
    }
    if (c == '-') {
        return 62;
    }
    if (c == '_') {
        return 63;
    }
    return -1;
}

int oa2_b64_is_url_char(char c)
{
    return value_of((unsigned char)c) >= 0;
}

char *oa2_b64_encode(const unsigned char *data, apr_size_t len, apr_pool_t *p)
{
    char *out = apr_palloc(p, (len + 2) / 3 * 4 + 1);
    char *o = out;
    apr_size_t i;

    for (i = 0; i + 2 < len; i += 3) {
        *o++ = alphabet[data[i] >> 2];
        *o++ = alphabet[((data[i] & 0x03) << 4) | (data[i + 1] >> 4)];
        *o++ = alphabet[((data[i + 1] & 0x0f) << 2) | (data[i + 2] >> 6)];
        *o++ = alphabet[data[i + 2] & 0x3f];
    }
    if (len - i == 1) {
        *o++ = alphabet[data[i] >> 2];
        *o++ = alphabet[(data[i] & 0x03) << 4];
    }
    else if (len - i == 2) {
        *o++ = alphabet[data[i] >> 2];
        *o++ = alphabet[((data[i] & 0x03) << 4) | (data[i + 1] >> 4)];
        *o++ = alphabet[(data[i + 1] & 0x0f) << 2];
    }
    *o = '\0';
    return out;
}

apr_status_t oa2_b64_decode(unsigned char **out, apr_size_t *outlen,
                            const char *in, apr_size_t inlen, apr_pool_t *p)
{
    unsigned char *buf;
    apr_size_t i, n = 0;
    unsigned int acc = 0;
    int bits = 0;

    /* A lone trailing character carries 6 bits: never a whole byte. */
    if (inlen % 4 == 1) {
        return APR_EINVAL;
    }
    buf = apr_palloc(p, inlen / 4 * 3 + 3);
    for (i = 0; i < inlen; i++) {
        int v = value_of((unsigned char)in[i]);
        if (v < 0) {
            return APR_EINVAL;
        }
        acc = (acc << 6) | (unsigned int)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            buf[n++] = (unsigned char)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    /* Leftover bits must be zero, or two spellings decode alike. */
    if (acc != 0) {
        return APR_EINVAL;
    }
    buf[n] = '\0';
    *out = buf;
    *outlen = n;
    return APR_SUCCESS;
}
