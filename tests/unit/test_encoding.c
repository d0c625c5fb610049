
/*
 * Copyright (C) The krj developers
 */


#include <string.h>

#include "krj_test.h"
#include "krj_encoding.h"


START_TEST(test_accept_gzip)
{
#define gz(s)  krj_accept_gzip(s, strlen(s))

    ck_assert_int_eq(gz(""), 0);
    ck_assert_int_eq(gz("gzip"), 1);
    ck_assert_int_eq(gz("GZIP"), 1);
    ck_assert_int_eq(gz("x-gzip"), 1);
    ck_assert_int_eq(gz("deflate, gzip, br"), 1);
    ck_assert_int_eq(gz("gzip;q=0"), 0);
    ck_assert_int_eq(gz("gzip; q=0.000"), 0);
    ck_assert_int_eq(gz("gzip;q=0.001"), 1);
    ck_assert_int_eq(gz("gzip;q=0.5, br"), 1);
    ck_assert_int_eq(gz("gzip;q=1.0"), 1);
    ck_assert_int_eq(gz("*"), 1);
    ck_assert_int_eq(gz("*;q=0"), 0);
    ck_assert_int_eq(gz("gzip;q=0, *"), 0);
    ck_assert_int_eq(gz("*, gzip;q=0"), 0);
    ck_assert_int_eq(gz("br, deflate"), 0);
    ck_assert_int_eq(gz("gzipx"), 0);
    ck_assert_int_eq(gz("identity;q=0, gzip"), 1);

#undef gz
}
END_TEST


static Suite *
encoding_suite(void)
{
    Suite  *s;
    TCase  *tc;

    s = suite_create("encoding");
    tc = tcase_create("encoding");
    tcase_add_test(tc, test_accept_gzip);
    suite_add_tcase(s, tc);

    return s;
}


KRJ_TEST_MAIN(encoding_suite)
