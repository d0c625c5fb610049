
/*
 * Copyright (C) The krj developers
 */


#include <stdio.h>
#include <string.h>
#include <time.h>

#include "krj_test.h"
#include "krj_date.h"


START_TEST(test_valid)
{
    ck_assert_int_eq(krj_date_valid(2024, 2, 29), 1);
    ck_assert_int_eq(krj_date_valid(2025, 2, 29), 0);
    ck_assert_int_eq(krj_date_valid(2026, 2, 30), 0);
    ck_assert_int_eq(krj_date_valid(2000, 2, 29), 1);
    ck_assert_int_eq(krj_date_valid(2100, 2, 29), 0);
    ck_assert_int_eq(krj_date_valid(2026, 4, 31), 0);
    ck_assert_int_eq(krj_date_valid(2026, 12, 31), 1);
    ck_assert_int_eq(krj_date_valid(2026, 13, 1), 0);
    ck_assert_int_eq(krj_date_valid(2026, 0, 1), 0);
    ck_assert_int_eq(krj_date_valid(2026, 1, 0), 0);

    /* the range krj accepts anywhere */
    ck_assert_int_eq(krj_date_valid(1970, 1, 1), 1);
    ck_assert_int_eq(krj_date_valid(1969, 12, 31), 0);
    ck_assert_int_eq(krj_date_valid(9999, 12, 31), 1);
    ck_assert_int_eq(krj_date_valid(10000, 1, 1), 0);
}
END_TEST


/* every day of the range: civil -> days -> civil, and gmtime agrees */

START_TEST(test_round_trip)
{
    long       days, y;
    time_t     t;
    unsigned   m, d;
    struct tm  tm;

    ck_assert_int_eq(krj_date_days(1970, 1, 1), 0);
    ck_assert_int_eq(krj_date_days(9999, 12, 31), KRJ_DATE_MAX_DAYS);

    for (days = 0; days <= KRJ_DATE_MAX_DAYS; days++) {
        krj_date_civil(days, &y, &m, &d);
        ck_assert(krj_date_valid(y, m, d));
        ck_assert_int_eq(krj_date_days(y, m, d), days);

        if (days % 97 == 0) {
            t = (time_t) days * KRJ_SECONDS_PER_DAY;
            gmtime_r(&t, &tm);
            ck_assert_int_eq(tm.tm_year + 1900, y);
            ck_assert_int_eq(tm.tm_mon + 1, (int) m);
            ck_assert_int_eq(tm.tm_mday, (int) d);
        }
    }
}
END_TEST


START_TEST(test_parse)
{
    long  d;
    char  buf[KRJ_DATE_LEN + 1], err[KRJ_DATE_ERRLEN];

    ck_assert_int_eq(krj_date_parse("1970-01-01", 10, &d, err), 0);
    ck_assert_int_eq(d, 0);
    ck_assert_int_eq(krj_date_parse("2024-02-29", 10, &d, err), 0);
    krj_date_format(d, buf);
    ck_assert_str_eq(buf, "2024-02-29");
    ck_assert_int_eq(krj_date_parse("9999-12-31", 10, &d, NULL), 0);
    ck_assert_int_eq(d, KRJ_DATE_MAX_DAYS);

    ck_assert_int_eq(krj_date_parse("1969-12-31", 10, &d, err), -1);
    ck_assert_msg(strstr(err, "1969-12-31") != NULL, "%s", err);
    ck_assert_int_eq(krj_date_parse("2100-02-29", 10, &d, NULL), -1);
    ck_assert_int_eq(krj_date_parse("2026-04-31", 10, &d, NULL), -1);
    ck_assert_int_eq(krj_date_parse("2026-1-09", 9, &d, NULL), -1);
    ck_assert_int_eq(krj_date_parse("2026-01-09x", 11, &d, NULL), -1);
    ck_assert_int_eq(krj_date_parse("2026/01/09", 10, &d, NULL), -1);
    ck_assert_int_eq(krj_date_parse("+026-01-09", 10, &d, NULL), -1);
    ck_assert_int_eq(krj_date_parse("", 0, &d, NULL), -1);
}
END_TEST


START_TEST(test_iso)
{
    char  buf[KRJ_DATE_ISO_LEN + 1];

    krj_date_iso(0, buf);
    ck_assert_str_eq(buf, "1970-01-01T00:00:00Z");

    krj_date_iso(1767981600, buf);
    ck_assert_str_eq(buf, "2026-01-09T18:00:00Z");

    krj_date_iso(951782399, buf);
    ck_assert_str_eq(buf, "2000-02-28T23:59:59Z");

    /* out of range: clamped, never garbage */
    krj_date_iso(-1, buf);
    ck_assert_str_eq(buf, "1970-01-01T00:00:00Z");
    krj_date_iso(INT64_MIN, buf);
    ck_assert_str_eq(buf, "1970-01-01T00:00:00Z");
    krj_date_iso(INT64_MAX, buf);
    ck_assert_str_eq(buf, "9999-12-31T23:59:59Z");
}
END_TEST


START_TEST(test_today)
{
    long  d;
    char  buf[KRJ_DATE_LEN + 1];

    krj_date_format(krj_date_today(), buf);
    ck_assert_int_eq(krj_date_parse(buf, 10, &d, NULL), 0);
    ck_assert_int_eq(d, krj_date_today());
}
END_TEST


static Suite *
date_suite(void)
{
    Suite  *s;
    TCase  *tc;

    s = suite_create("date");
    tc = tcase_create("date");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_valid);
    tcase_add_test(tc, test_round_trip);
    tcase_add_test(tc, test_parse);
    tcase_add_test(tc, test_iso);
    tcase_add_test(tc, test_today);
    suite_add_tcase(s, tc);

    return s;
}


KRJ_TEST_MAIN(date_suite)
