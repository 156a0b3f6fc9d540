/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/**
 * @file oa2_text.h
 * @brief Text that people read: what a client may call itself.
 *
 * A client's name is shown on the consent page, where the end user
 * decides whether to trust it, and by oauth2-admin on a terminal. Control
 * characters there break lines and terminal output; bidirectional
 * formatting characters reorder what follows them, so "evil.example
 * U+202E moc.elpmaxe" reads as a name it is not. Dynamic registration and
 * oauth2-admin refuse both with oa2_text_check(); the shipped templates
 * also isolate the name in <bdi>, which keeps a page safe with names
 * stored before this check existed.
 */
#ifndef OA2_TEXT_H
#define OA2_TEXT_H

#include <apr_pools.h>

/** What keeps a text from being shown to a person, or OA2_TEXT_OK. */
typedef enum oa2_text_flaw_t {
    OA2_TEXT_OK = 0,   /* displayable */
    OA2_TEXT_NOT_UTF8, /* not well-formed UTF-8 (RFC 3629) */
    OA2_TEXT_CONTROL,  /* a C0 or C1 control, DEL, U+2028 or U+2029 */
    OA2_TEXT_BIDI      /* a bidirectional formatting character */
} oa2_text_flaw_t;

/**
 * Check that @a s can be shown to a person as it is: well-formed UTF-8
 * without control characters (U+0000 to U+001F, U+007F to U+009F, and the
 * line and paragraph separators U+2028, U+2029) and without the Unicode
 * Bidi_Control characters (U+061C, U+200E, U+200F, U+202A to U+202E,
 * U+2066 to U+2069). Every other character is fine, whatever its script:
 * Arabic, Hebrew, CJK and emoji names are names.
 * @return the first flaw found, OA2_TEXT_OK when there is none
 */
oa2_text_flaw_t oa2_text_check(const char *s);

/**
 * A copy of @a s safe to print on a terminal: each character that
 * oa2_text_check() refuses, and each byte that is not part of well-formed
 * UTF-8, becomes '?'. For names stored before the check existed.
 * @param s the text, or NULL (then "")
 */
const char *oa2_text_printable(const char *s, apr_pool_t *p);

/** The value of the hex digit @a c (either case), or -1. */
int oa2_text_hex_value(char c);

#endif /* OA2_TEXT_H */
