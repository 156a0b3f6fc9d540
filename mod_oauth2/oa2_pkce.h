/**
 * @file oa2_pkce.h
 * @brief Proof Key for Code Exchange, S256 only (RFC 7636; OAuth 2.1).
 */
#ifndef OA2_PKCE_H
#define OA2_PKCE_H

/**
 * Nonzero when @a s is a valid code_verifier / code_challenge form:
 * 43 to 128 characters of [A-Z] / [a-z] / [0-9] / "-" / "." / "_" / "~".
 */
int oa2_pkce_valid(const char *s);

/**
 * Nonzero when BASE64URL(SHA256(@a verifier)) equals @a challenge,
 * compared in constant time; zero when either is not oa2_pkce_valid().
 */
int oa2_pkce_verify_s256(const char *verifier, const char *challenge);

#endif /* OA2_PKCE_H */
