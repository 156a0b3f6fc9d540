/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/**
 * @file oa2_b64.h
 * @brief base64url without padding (RFC 7515 §2, RFC 4648 §5).
 *
 * APR's base64 is the standard alphabet with padding; JWS needs the URL-safe
 * alphabet and must refuse padding, whitespace and non-canonical trailing
 * bits, so a token has exactly one valid spelling.
 */
#ifndef OA2_B64_H
#define OA2_B64_H

#include <apr_pools.h>

/**
 * Encode @a len bytes as base64url without padding.
 * @return a NUL-terminated string allocated in @a p
 */
char *oa2_b64_encode(const unsigned char *data, apr_size_t len, apr_pool_t *p);

/**
 * Decode base64url without padding.
 * @param out receives the bytes, NUL-terminated for convenience
 * @param outlen receives the number of bytes
 * @param in the text; it need not be NUL-terminated
 * @param inlen its length
 * @return APR_SUCCESS, or APR_EINVAL for any character outside the alphabet,
 *         an impossible length or non-zero trailing bits
 */
apr_status_t oa2_b64_decode(unsigned char **out, apr_size_t *outlen,
                            const char *in, apr_size_t inlen, apr_pool_t *p);

/** Nonzero when @a c belongs to the base64url alphabet. */
int oa2_b64_is_url_char(char c);

#endif /* OA2_B64_H */
