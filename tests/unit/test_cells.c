
/*
 * Copyright (C) The krj developers
 */


#include <string.h>

#include "krj_test.h"
#include "krj_cells.h"
#include "krj_snapshot.h"


static krj_buf_t  b;


static void
setup(void)
{
    krj_buf_init(&b);
}


static void
teardown(void)
{
    krj_buf_free(&b);
}


static const char *
text(void)
{
    krj_buf_byte(&b, '\0');
    b.len--;

    return (const char *) b.data;
}


static uint32_t
cell(const char *s)
{
    double  num;

    krj_buf_reset(&b);

    return krj_cell_json(&b, s, strlen(s), &num);
}


START_TEST(test_number_grammar)
{
    static const char  *good[] = {
        "0", "-0", "1", "148.52", "-0.02487192855199929", "1e5", "1E+5",
        "2.5e-3", "0.0", "10", "1e999", "-1.5E-07"
    };
    static const char  *bad[] = {
        "", "-", "01", "1.", ".5", "+1", "1e", "1e+", "NaN", "nan", "inf",
        "-inf", "Infinity", "0x10", " 1", "1 ", "1,5", "1.5.2", "--1",
        "1e5.0", "abc"
    };
    size_t  i;

    for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        ck_assert_msg(krj_cell_is_json_number(good[i], strlen(good[i])),
                      "%s should be a number", good[i]);
    }

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ck_assert_msg(!krj_cell_is_json_number(bad[i], strlen(bad[i])),
                      "%s should not be a number", bad[i]);
    }
}
END_TEST


START_TEST(test_cell_typing)
{
    double  num;

    ck_assert_uint_eq(cell("148.52"), KRJ_SNAP_NUMBER);
    ck_assert_str_eq(text(), "148.52");

    /* byte for byte, not reformatted by printf */
    ck_assert_uint_eq(cell("25.0000000000000001"), KRJ_SNAP_NUMBER);
    ck_assert_str_eq(text(), "25.0000000000000001");
    ck_assert_uint_eq(cell("1E+02"), KRJ_SNAP_NUMBER);
    ck_assert_str_eq(text(), "1E+02");

    ck_assert_uint_eq(cell(""), KRJ_SNAP_NULL);
    ck_assert_str_eq(text(), "null");

    ck_assert_uint_eq(cell("NaN"), KRJ_SNAP_STRING);
    ck_assert_str_eq(text(), "\"NaN\"");
    ck_assert_uint_eq(cell("01"), KRJ_SNAP_STRING);
    ck_assert_str_eq(text(), "\"01\"");

    /* grammar-valid but beyond a double: a string, num stays finite */
    ck_assert_uint_eq(cell("1e999"), KRJ_SNAP_STRING);
    ck_assert_str_eq(text(), "\"1e999\"");

    krj_buf_reset(&b);
    ck_assert_uint_eq(krj_cell_json(&b, "-2.5e-3", 7, &num),
                      KRJ_SNAP_NUMBER);
    ck_assert(num == -0.0025);
}
END_TEST


START_TEST(test_json_escape)
{
    const char  s[] = "a\"b\\c\n\r\t\x01\x1f\x7f d\xc3\xa9";

    krj_cell_json_string(&b, s, sizeof(s) - 1);
    ck_assert_str_eq(text(), "\"a\\\"b\\\\c\\u000a\\u000d\\u0009\\u0001"
                             "\\u001f\x7f d\xc3\xa9\"");

    krj_buf_reset(&b);
    krj_cell_json_string(&b, "", 0);
    ck_assert_str_eq(text(), "\"\"");

    krj_buf_reset(&b);
    krj_cell_json_string(&b, "x/y", 3);
    ck_assert_str_eq(text(), "\"x/y\"");
}
END_TEST


START_TEST(test_csv_quoting)
{
    krj_cell_csv_field(&b, "plain text", 10);
    ck_assert_str_eq(text(), "plain text");

    krj_buf_reset(&b);
    krj_cell_csv_field(&b, "a,b", 3);
    ck_assert_str_eq(text(), "\"a,b\"");

    krj_buf_reset(&b);
    krj_cell_csv_field(&b, "say \"hi\"", 8);
    ck_assert_str_eq(text(), "\"say \"\"hi\"\"\"");

    krj_buf_reset(&b);
    krj_cell_csv_field(&b, "a\nb", 3);
    ck_assert_str_eq(text(), "\"a\nb\"");

    krj_buf_reset(&b);
    krj_cell_csv_field(&b, "a\rb", 3);
    ck_assert_str_eq(text(), "\"a\rb\"");

    krj_buf_reset(&b);
    krj_cell_csv_field(&b, "", 0);
    ck_assert_uint_eq(b.len, 0);
}
END_TEST


static Suite *
cells_suite(void)
{
    Suite  *s;
    TCase  *tc;

    s = suite_create("cells");
    tc = tcase_create("cells");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_number_grammar);
    tcase_add_test(tc, test_cell_typing);
    tcase_add_test(tc, test_json_escape);
    tcase_add_test(tc, test_csv_quoting);
    suite_add_tcase(s, tc);

    return s;
}


KRJ_TEST_MAIN(cells_suite)
