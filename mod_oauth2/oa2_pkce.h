/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/**
 * @file oa2_pkce.h
 * @brief Proof Key for Code Exchange, S256 only (RFC 7636; OAuth 2.1).
 */
#ifndef OA2_PKCE_H
#define OA2_PKCE_H

/**
 * Nonzero when @a s is a valid code_verifier (RFC 7636 §4.1):
 * 43 to 128 characters of [A-Z] / [a-z] / [0-9] / "-" / "." / "_" / "~".
 */
int oa2_pkce_valid(const char *s);

/**
 * Nonzero when @a s can be an S256 code_challenge: BASE64URL(SHA256(...))
 * without padding (RFC 7636 §4.2, Appendix A), that is exactly 43
 * characters of [A-Z] / [a-z] / [0-9] / "-" / "_". Anything else can
 * never equal the S256 of a verifier, so the authorize endpoint refuses it
 * instead of issuing a code that could never be redeemed.
 */
int oa2_pkce_challenge_valid(const char *s);

/**
 * Nonzero when BASE64URL(SHA256(@a verifier)) equals @a challenge,
 * compared in constant time; zero when @a verifier is not oa2_pkce_valid()
 * or @a challenge is not oa2_pkce_challenge_valid().
 */
int oa2_pkce_verify_s256(const char *verifier, const char *challenge);

#endif /* OA2_PKCE_H */
