
/*
 * Copyright (C) The krj developers
 */


#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "krj_test.h"
#include "krj_log.h"
#include "krj_str.h"


#define ESC(s, f)  krj_str_escape(buf, sizeof(buf), s, sizeof(s) - 1,      \
                                   (f) == KRJ_LOG_TEXT)


/* 1 when p[0, len) is valid UTF-8 */
static int
utf8_valid(const char *p, size_t len)
{
    size_t          i, n, k;
    const uint8_t  *s;

    s = (const uint8_t *) p;

    for (i = 0; i < len; i += n) {
        n = (s[i] < 0x80) ? 1 : (s[i] >= 0xf0) ? 4 : (s[i] >= 0xe0) ? 3
                                                      : (s[i] >= 0xc2) ? 2
                                                                       : 0;
        if (n == 0 || i + n > len) {
            return 0;
        }

        for (k = 1; k < n; k++) {
            if ((s[i + k] & 0xc0) != 0x80) {
                return 0;
            }
        }
    }

    return 1;
}


START_TEST(test_escape_controls)
{
    char  buf[256];

    ck_assert_uint_eq(ESC("plain \"LLY\" text", KRJ_LOG_TEXT), 16);
    ck_assert_str_eq(buf, "plain \"LLY\" text");

    ESC("AAA\n2026-01-01T00:00:00Z krj-batch error: forged", KRJ_LOG_TEXT);
    ck_assert_str_eq(buf, "AAA\\x0A2026-01-01T00:00:00Z krj-batch error: "
                     "forged");

    ESC("a\rb\tc\x1b[31md\x7f" "e\x01", KRJ_LOG_TEXT);
    ck_assert_str_eq(buf, "a\\x0Db\\x09c\\x1B[31md\\x7Fe\\x01");

    /* a literal backslash cannot pass for an escape */
    ESC("C:\\x0A", KRJ_LOG_TEXT);
    ck_assert_str_eq(buf, "C:\\x5Cx0A");

    /* C1 controls are valid UTF-8, and terminals act on U+009B (CSI) */
    ESC("x\xc2\x9b" "1m\xc2\x80", KRJ_LOG_TEXT);
    ck_assert_str_eq(buf, "x\\xC2\\x9B1m\\xC2\\x80");

    /* U+00A0 and beyond are text */
    ESC("caf\xc3\xa9 \xc2\xa0 \xe2\x82\xac \xf0\x9f\x98\x80", KRJ_LOG_TEXT);
    ck_assert_str_eq(buf, "caf\xc3\xa9 \xc2\xa0 \xe2\x82\xac "
                     "\xf0\x9f\x98\x80");
}
END_TEST


START_TEST(test_escape_invalid_utf8)
{
    char  buf[256];

    ESC("\xff\xfe", KRJ_LOG_TEXT);
    ck_assert_str_eq(buf, "\\xFF\\xFE");

    /* a cut sequence: the stray lead byte, then the next character */
    ESC("ab\xc3" "c\xe2\x82", KRJ_LOG_TEXT);
    ck_assert_str_eq(buf, "ab\\xC3c\\xE2\\x82");

    /* overlong, surrogate, beyond U+10FFFF */
    ESC("\xc0\xaf \xed\xa0\x80 \xf4\x90\x80\x80", KRJ_LOG_TEXT);
    ck_assert_str_eq(buf, "\\xC0\\xAF \\xED\\xA0\\x80 "
                     "\\xF4\\x90\\x80\\x80");

    /* JSON: jansson escapes controls, only bytes it refuses are escaped */
    ESC("a\nb\xff\\c\xc2\x9b", KRJ_LOG_JSON);
    ck_assert_str_eq(buf, "a\nb\\xFF\\x5Cc\xc2\x9b");
}
END_TEST


START_TEST(test_escape_cut)
{
    char    buf[16], big[KRJ_LOG_MSG_MAX];
    char    src[3 * KRJ_LOG_MSG_MAX];
    size_t  n, i;

    /* fits exactly: no cut */
    n = ESC("0123456789abcde", KRJ_LOG_TEXT);
    ck_assert_uint_eq(n, 15);
    ck_assert_str_eq(buf, "0123456789abcde");

    n = ESC("0123456789abcdef", KRJ_LOG_TEXT);
    ck_assert_str_eq(buf, "0123456789ab...");
    ck_assert_uint_eq(n, 15);

    /* never inside a character, nor inside an escape */
    n = ESC("0123456789\xe2\x82\xac\xe2\x82\xac", KRJ_LOG_TEXT);
    ck_assert_str_eq(buf, "0123456789...");

    n = ESC("0123456789\n\n\n", KRJ_LOG_TEXT);
    ck_assert_str_eq(buf, "0123456789...");

    n = ESC("01234567\nab\n", KRJ_LOG_TEXT);
    ck_assert_str_eq(buf, "01234567\\x0A...");
    ck_assert_uint_eq(n, 15);

    n = ESC("012345678\nab\n", KRJ_LOG_TEXT);
    ck_assert_str_eq(buf, "012345678...");

    /* a long message of two-byte characters */
    for (i = 0; i + 1 < sizeof(src); i += 2) {
        src[i] = (char) 0xc3;
        src[i + 1] = (char) 0xa9;
    }

    n = krj_str_escape(big, sizeof(big), src, sizeof(src), 0);
    ck_assert_uint_lt(n, sizeof(big));
    ck_assert_uint_eq(strlen(big), n);
    ck_assert(utf8_valid(big, n));
    ck_assert_str_eq(big + n - 3, "...");
}
END_TEST


/* krj_log_event() itself, its stderr in a pipe */
static size_t
capture(int format, const char *file, const char *msg, char *out,
    size_t size)
{
    int      fds[2], saved;
    ssize_t  k;
    size_t   n;

    ck_assert_int_eq(pipe(fds), 0);
    fflush(stderr);
    saved = dup(STDERR_FILENO);
    dup2(fds[1], STDERR_FILENO);
    close(fds[1]);

    krj_log_setup(format, KRJ_LOG_DEBUG);
    krj_log_event(KRJ_LOG_WARN, "duplicate_ticker", file, 7,
                  "duplicate ticker \"%s\"", msg);
    fflush(stderr);

    dup2(saved, STDERR_FILENO);
    close(saved);

    n = 0;
    while (n + 1 < size && (k = read(fds[0], out + n, size - 1 - n)) > 0) {
        n += (size_t) k;
    }

    close(fds[0]);
    out[n] = '\0';

    return n;
}


START_TEST(test_log_one_line)
{
    char    out[8192], msg[3000];
    size_t  n;

    n = capture(KRJ_LOG_TEXT, "bad\nname.csv", "A\nB\x1b[2J\xff", out,
                sizeof(out));
    ck_assert_ptr_nonnull(strstr(out, " krj-batch warning: event=duplicate_"
                                 "ticker bad\\x0Aname.csv:7: duplicate "
                                 "ticker \"A\\x0AB\\x1B[2J\\xFF\"\n"));
    ck_assert_ptr_eq(strchr(out, '\n'), out + n - 1);

    /* a long message is cut, the line stays one line of bounded length */
    memset(msg, 'x', sizeof(msg) - 1);
    msg[sizeof(msg) - 1] = '\0';
    msg[100] = '\n';

    n = capture(KRJ_LOG_TEXT, NULL, msg, out, sizeof(out));
    ck_assert_ptr_eq(strchr(out, '\n'), out + n - 1);
    ck_assert_uint_le(n, 64 + KRJ_LOG_MSG_MAX);
    ck_assert_ptr_nonnull(strstr(out, "xxx...\n"));

    n = capture(KRJ_LOG_JSON, "f\xff.csv", "\xc3\xa9\xc3", out, sizeof(out));
    ck_assert_ptr_nonnull(strstr(out, "\"message\":\"duplicate ticker "
                                 "\\\"\xc3\xa9\\\\xC3\\\"\""));
    ck_assert_ptr_nonnull(strstr(out, "\"file\":\"f\\\\xFF.csv\""));
    ck_assert_ptr_nonnull(strstr(out, "\"context\":{\"event\":"
                                 "\"duplicate_ticker\","));
    ck_assert_ptr_eq(strchr(out, '\n'), out + n - 1);
}
END_TEST


static Suite *
log_suite(void)
{
    Suite  *s;
    TCase  *tc;

    s = suite_create("log");
    tc = tcase_create("log");
    tcase_add_test(tc, test_escape_controls);
    tcase_add_test(tc, test_escape_invalid_utf8);
    tcase_add_test(tc, test_escape_cut);
    tcase_add_test(tc, test_log_one_line);
    suite_add_tcase(s, tc);

    return s;
}


KRJ_TEST_MAIN(log_suite)
