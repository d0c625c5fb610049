
/*
 * Copyright (C) The krj developers
 */


#include <stdio.h>
#include <string.h>

#include "krj_test.h"
#include "krj_out.h"
#include "krj_str.h"


static char  buf[1024];


/* formats twice: the measured length must be the written length */

static const char *
fmt(const char *f, ...)
{
    size_t     len;
    va_list    args;
    krj_out_t  o;

    krj_out_init(&o, NULL);
    va_start(args, f);
    krj_out_vfmt(&o, f, args);
    va_end(args);

    len = o.len;
    ck_assert_uint_lt(len, sizeof(buf));

    krj_out_init(&o, buf);
    va_start(args, f);
    krj_out_vfmt(&o, f, args);
    va_end(args);

    ck_assert_uint_eq(o.len, len);
    buf[len] = '\0';

    return buf;
}


static const char *
esc(const char *s, size_t len)
{
    size_t  n;

    n = krj_json_escape(NULL, s, len);
    ck_assert_uint_lt(n, sizeof(buf));
    ck_assert_uint_eq(krj_json_escape(buf, s, len), n);
    buf[n] = '\0';

    return buf;
}


START_TEST(test_fmt)
{
    ck_assert_str_eq(fmt("plain"), "plain");
    ck_assert_str_eq(fmt("%s|%s", "a", ""), "a|");
    ck_assert_str_eq(fmt("[%r]", "abcdef", (size_t) 3), "[abc]");
    ck_assert_str_eq(fmt("\"%j\"", "a\"b", (size_t) 3), "\"a\\\"b\"");
    ck_assert_str_eq(fmt("%u,%u", 0u, 4294967295u), "0,4294967295");
    ck_assert_str_eq(fmt("%U", (uint64_t) UINT64_MAX),
                     "18446744073709551615");
    ck_assert_str_eq(fmt("%d,%d,%d", (int64_t) 0, (int64_t) -5,
                         (int64_t) 42), "0,-5,42");
    ck_assert_str_eq(fmt("%d", (int64_t) INT64_MIN), "-9223372036854775808");
    ck_assert_str_eq(fmt("%d", (int64_t) INT64_MAX), "9223372036854775807");
    ck_assert_str_eq(fmt("100%%"), "100%");
}
END_TEST


START_TEST(test_json_escape)
{
    ck_assert_str_eq(esc("a\"b\\c\n\x01", 7), "a\\\"b\\\\c\\u000a\\u0001");
    ck_assert_str_eq(esc("\x7f", 1), "\x7f");

    /* valid UTF-8 stays as it is */
    ck_assert_str_eq(esc("d\xc3\xa9j\xc3\xa0 \xe2\x82\xac \xf0\x9f\x98\x80",
                         15), "d\xc3\xa9j\xc3\xa0 \xe2\x82\xac "
                              "\xf0\x9f\x98\x80");

    /* every malformed byte becomes U+FFFD, so the output is valid */
    ck_assert_str_eq(esc("\xff\xfe", 2), "\\ufffd\\ufffd");
    ck_assert_str_eq(esc("a\x80z", 3), "a\\ufffdz");
    ck_assert_str_eq(esc("\xc3", 1), "\\ufffd");
    ck_assert_str_eq(esc("\xc0\xaf", 2), "\\ufffd\\ufffd");
    ck_assert_str_eq(esc("\xe0\x80\xaf", 3), "\\ufffd\\ufffd\\ufffd");
    ck_assert_str_eq(esc("\xed\xa0\x80", 3), "\\ufffd\\ufffd\\ufffd");
    ck_assert_str_eq(esc("\xf4\x90\x80\x80", 4),
                     "\\ufffd\\ufffd\\ufffd\\ufffd");
    ck_assert_str_eq(esc("\xe2\x82", 2), "\\ufffd\\ufffd");
}
END_TEST


START_TEST(test_utf8_char)
{
#define u8(s)  krj_utf8_char((const unsigned char *) s, sizeof(s) - 1)

    ck_assert_uint_eq(u8("a"), 1);
    ck_assert_uint_eq(u8("\xc2\x80"), 2);
    ck_assert_uint_eq(u8("\xdf\xbf"), 2);
    ck_assert_uint_eq(u8("\xe0\xa0\x80"), 3);
    ck_assert_uint_eq(u8("\xef\xbf\xbf"), 3);
    ck_assert_uint_eq(u8("\xf0\x90\x80\x80"), 4);
    ck_assert_uint_eq(u8("\xf4\x8f\xbf\xbf"), 4);

    ck_assert_uint_eq(u8("\x80"), 0);
    ck_assert_uint_eq(u8("\xc1\xbf"), 0);
    ck_assert_uint_eq(u8("\xe0\x9f\xbf"), 0);
    ck_assert_uint_eq(u8("\xed\xa0\x80"), 0);
    ck_assert_uint_eq(u8("\xf4\x90\x80\x80"), 0);
    ck_assert_uint_eq(u8("\xf5\x80\x80\x80"), 0);
    ck_assert_uint_eq(u8("\xe2\x82"), 0);

#undef u8
}
END_TEST


START_TEST(test_utf8_cut)
{
    const char  *s = "ab\xc3\xa9" "c\xe2\x82\xac";

    ck_assert_uint_eq(krj_utf8_cut(s, 8, 100), 8);
    ck_assert_uint_eq(krj_utf8_cut(s, 8, 8), 8);
    ck_assert_uint_eq(krj_utf8_cut(s, 8, 7), 5);
    ck_assert_uint_eq(krj_utf8_cut(s, 8, 6), 5);
    ck_assert_uint_eq(krj_utf8_cut(s, 8, 5), 5);
    ck_assert_uint_eq(krj_utf8_cut(s, 8, 4), 4);
    ck_assert_uint_eq(krj_utf8_cut(s, 8, 3), 2);
    ck_assert_uint_eq(krj_utf8_cut(s, 8, 0), 0);

    /* a malformed byte is cut like a one-byte character */
    ck_assert_uint_eq(krj_utf8_cut("\xff\xff\xff", 3, 2), 2);
}
END_TEST


START_TEST(test_strcaseeq)
{
    ck_assert(krj_strcaseeq("Long", 4, "lONG", 4));
    ck_assert(!krj_strcaseeq("Long", 4, "Lon", 3));
    ck_assert(!krj_strcaseeq("\xc3\xa9", 2, "\xc3\x89", 2));
}
END_TEST


static Suite *
out_suite(void)
{
    Suite  *s;
    TCase  *tc;

    s = suite_create("out");
    tc = tcase_create("out");
    tcase_add_test(tc, test_fmt);
    tcase_add_test(tc, test_json_escape);
    tcase_add_test(tc, test_utf8_char);
    tcase_add_test(tc, test_utf8_cut);
    tcase_add_test(tc, test_strcaseeq);
    suite_add_tcase(s, tc);

    return s;
}


KRJ_TEST_MAIN(out_suite)
