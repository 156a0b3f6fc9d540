/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/* Text that people read (oa2_text.c): control and bidirectional formatting
 * characters, and the terminal-safe copy oauth2-admin prints. */
#include <string.h>

#include "oa2_text.h"
#include "unit.h"

/* Every Bidi_Control character of Unicode 15 (PropList.txt), as UTF-8. */
static const char *const bidi_controls[] = {
    "\xd8\x9c",     /* U+061C ARABIC LETTER MARK */
    "\xe2\x80\x8e", /* U+200E LEFT-TO-RIGHT MARK */
    "\xe2\x80\x8f", /* U+200F RIGHT-TO-LEFT MARK */
    "\xe2\x80\xaa", /* U+202A LEFT-TO-RIGHT EMBEDDING */
    "\xe2\x80\xab", /* U+202B RIGHT-TO-LEFT EMBEDDING */
    "\xe2\x80\xac", /* U+202C POP DIRECTIONAL FORMATTING */
    "\xe2\x80\xad", /* U+202D LEFT-TO-RIGHT OVERRIDE */
    "\xe2\x80\xae", /* U+202E RIGHT-TO-LEFT OVERRIDE */
    "\xe2\x81\xa6", /* U+2066 LEFT-TO-RIGHT ISOLATE */
    "\xe2\x81\xa7", /* U+2067 RIGHT-TO-LEFT ISOLATE */
    "\xe2\x81\xa8", /* U+2068 FIRST STRONG ISOLATE */
    "\xe2\x81\xa9", /* U+2069 POP DIRECTIONAL ISOLATE */
    NULL};

/* Names in many scripts, and their neighbours of the refused ranges. */
static const char *const good_names[] = {
    "My App", "caf\xc3\xa9",                    /* café */
    "\xd8\xaa\xd8\xb7\xd8\xa8\xd9\x8a\xd9\x82", /* Arabic "application" */
    "\xd7\x99\xd7\x99\xd7\xa9\xd7\x95\xd7\x9d", /* Hebrew "application" */
    "\xe5\xba\x94\xe7\x94\xa8",                 /* CJK */
    "\xf0\x9f\x9a\x80 Rocket",                  /* U+1F680, 4 bytes */
    /* a family emoji: ZERO WIDTH JOINER (U+200D) is not a bidi control */
    "\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x91\xa7",
    "\xc2\xa0",     /* U+00A0, just after C1 */
    "~",            /* U+007E, just before DEL */
    "\xd8\x9b",     /* U+061B, just before ALM */
    "\xe2\x80\x8d", /* U+200D, just before LRM */
    "\xe2\x80\x90", /* U+2010, just after RLM */
    "\xe2\x80\xaf", /* U+202F, just after RLO */
    "\xe2\x81\xa5", /* U+2065, just before LRI */
    "\xe2\x81\xaa", /* U+206A, just after PDI */
    NULL};

static void test_check_accepts_names_of_every_script(apr_pool_t *p)
{
    int i;

    for (i = 0; good_names[i]; i++) {
        UNIT_EQ_INT(oa2_text_check(good_names[i]), OA2_TEXT_OK);
    }
    UNIT_EQ_INT(oa2_text_check(""), OA2_TEXT_OK);
}

static void test_check_refuses_bidi_controls(apr_pool_t *p)
{
    char buf[32];
    int i;

    for (i = 0; bidi_controls[i]; i++) {
        UNIT_EQ_INT(oa2_text_check(bidi_controls[i]), OA2_TEXT_BIDI);
        /* anywhere in a name: "evil" RLO "moc.elpmaxe" */
        strcpy(buf, "evil");
        strcat(buf, bidi_controls[i]);
        strcat(buf, "moc.elpmaxe");
        UNIT_EQ_INT(oa2_text_check(buf), OA2_TEXT_BIDI);
    }
}

static void test_check_refuses_controls(apr_pool_t *p)
{
    char buf[4];
    int c;

    for (c = 1; c < 0x20; c++) {
        buf[0] = 'a';
        buf[1] = (char)c;
        buf[2] = '\0';
        UNIT_EQ_INT(oa2_text_check(buf), OA2_TEXT_CONTROL);
    }
    UNIT_EQ_INT(oa2_text_check("a\x7f"), OA2_TEXT_CONTROL);
    /* C1, U+0080 to U+009F: two bytes, C2 80 to C2 9F */
    for (c = 0x80; c <= 0x9f; c++) {
        buf[0] = '\xc2';
        buf[1] = (char)c;
        buf[2] = '\0';
        UNIT_EQ_INT(oa2_text_check(buf), OA2_TEXT_CONTROL);
    }
    UNIT_EQ_INT(oa2_text_check("a\xc2\x85"
                               "b"),
                OA2_TEXT_CONTROL);                                 /* NEL */
    UNIT_EQ_INT(oa2_text_check("\xe2\x80\xa8"), OA2_TEXT_CONTROL); /* LS */
    UNIT_EQ_INT(oa2_text_check("\xe2\x80\xa9"), OA2_TEXT_CONTROL); /* PS */
}

static void test_check_refuses_what_is_not_utf8(apr_pool_t *p)
{
    UNIT_EQ_INT(oa2_text_check("\x85"), OA2_TEXT_NOT_UTF8);     /* raw C1 */
    UNIT_EQ_INT(oa2_text_check("\x9b[31m"), OA2_TEXT_NOT_UTF8); /* CSI */
    UNIT_EQ_INT(oa2_text_check("caf\xe9"), OA2_TEXT_NOT_UTF8);  /* Latin-1 */
    UNIT_EQ_INT(oa2_text_check("\xc0\xaf"), OA2_TEXT_NOT_UTF8); /* overlong */
    UNIT_EQ_INT(oa2_text_check("\xed\xa0\x80"), OA2_TEXT_NOT_UTF8); /* D800 */
    UNIT_EQ_INT(oa2_text_check("\xe2\x80"), OA2_TEXT_NOT_UTF8); /* cut short */
    UNIT_EQ_INT(oa2_text_check("\xf4\x90\x80\x80"), OA2_TEXT_NOT_UTF8);
}

static void test_printable(apr_pool_t *p)
{
    UNIT_EQ_STR(oa2_text_printable("My App", p), "My App");
    UNIT_EQ_STR(oa2_text_printable(NULL, p), "");
    UNIT_EQ_STR(oa2_text_printable("", p), "");
    /* C0 and DEL: as oauth2-admin has always printed them */
    UNIT_EQ_STR(oa2_text_printable("evil\tname\x1b[31m\n", p),
                "evil?name?[31m?");
    UNIT_EQ_STR(oa2_text_printable("a\x7f", p), "a?");
    /* one '?' per character, whatever its length */
    UNIT_EQ_STR(oa2_text_printable("evil\xe2\x80\xaemoc.elpmaxe", p),
                "evil?moc.elpmaxe");
    UNIT_EQ_STR(oa2_text_printable("\xc2\x9b"
                                   "31m",
                                   p),
                "?31m");
    UNIT_EQ_STR(oa2_text_printable("\xd8\x9c\xe2\x81\xa6x\xe2\x81\xa9", p),
                "??x?");
    /* one '?' per byte that is not UTF-8 */
    UNIT_EQ_STR(oa2_text_printable("\x9b[31m", p), "?[31m");
    UNIT_EQ_STR(oa2_text_printable("caf\xe9!", p), "caf?!");
    UNIT_EQ_STR(oa2_text_printable("\xe2\x80", p), "??");
    /* the rest is kept as it is */
    UNIT_EQ_STR(oa2_text_printable(good_names[2], p), good_names[2]);
    UNIT_EQ_STR(oa2_text_printable(good_names[6], p), good_names[6]);
}

void unit_suite_text(void)
{
    unit_suite("text");
    UNIT_RUN(test_check_accepts_names_of_every_script);
    UNIT_RUN(test_check_refuses_bidi_controls);
    UNIT_RUN(test_check_refuses_controls);
    UNIT_RUN(test_check_refuses_what_is_not_utf8);
    UNIT_RUN(test_printable);
}
