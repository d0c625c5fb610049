
/*
 * Copyright (C) The krj developers
 */


/*
 * The column table of krj_columns.c: the 14 columns of the signal schema,
 * in its order, each with the original dashboard's label and display
 * format (/work/shared/reference/original-dashboard.md, section 1.2).
 */


#include <string.h>

#include "krj_test.h"
#include "krj_columns.h"


typedef struct {
    const char  *name;
    const char  *label;
    unsigned     format;
} expected_t;


/* the header of the signal CSVs, in order, as the original shows it */
static const expected_t  schema[] = {
    { "ticker", "Ticker", KRJ_COLUMN_TEXT },
    { "c", "Fri Close", KRJ_COLUMN_PRICE },
    { "weekly_low", "Wk Low", KRJ_COLUMN_PRICE },
    { "25DMA", "25 DMA", KRJ_COLUMN_PRICE },
    { "25DMA_shifted", "25DMA -3w", KRJ_COLUMN_PRICE },
    { "long_signal_value", "Long Val", KRJ_COLUMN_PERCENT_1 },
    { "short_signal_value", "Short Val", KRJ_COLUMN_PERCENT_1 },
    { "signal", "Signal", KRJ_COLUMN_TEXT },
    { "signal_status_prior_week", "Prev Wk", KRJ_COLUMN_TEXT },
    { "vol_ratio", "Vol Ratio", KRJ_COLUMN_PERCENT_0 },
    { "25DMA_range_bps", "ADR (25d)", KRJ_COLUMN_PERCENT_2 },
    { "25D_ADV_Shares_MM", "ADV (MM)", KRJ_COLUMN_MILLIONS },
    { "25D_ADV_nortional_B", "ADV ($B)", KRJ_COLUMN_BILLIONS },
    { "avg_trade_size", "Avg Trade", KRJ_COLUMN_INTEGER },
};

#define NSCHEMA  (sizeof(schema) / sizeof(schema[0]))


START_TEST(test_schema_in_order)
{
    unsigned             i;
    const krj_column_t  *col;

    for (i = 0; i < NSCHEMA; i++) {
        col = krj_column_get(i);
        ck_assert_ptr_nonnull(col);
        ck_assert_str_eq(col->name, schema[i].name);
        ck_assert_str_eq(col->label, schema[i].label);
        ck_assert_msg(col->format == schema[i].format, "%s: format %u",
                      col->name, col->format);
    }

    ck_assert_ptr_null(krj_column_get(NSCHEMA));
    ck_assert_ptr_null(krj_column_get(1000));
}
END_TEST


START_TEST(test_descriptions)
{
    size_t               i, n;
    const char          *d;
    const krj_column_t  *col;

    for (i = 0; (col = krj_column_get(i)) != NULL; i++) {
        d = col->description;
        n = strlen(d);

        ck_assert_msg(n > 10, "%s: a description", col->name);

        /* one line of plain text, no template left for a client to fill */
        ck_assert_msg(strchr(d, '\n') == NULL && strchr(d, '{') == NULL,
                      "%s: %s", col->name, d);
        ck_assert_msg(d[n - 1] != '.' && d[n - 1] != ' ', "%s: %s",
                      col->name, d);
    }

    /* the tooltips that named a date name the signal date */
    ck_assert_ptr_nonnull(strstr(krj_column_find("c", 1)->description,
                                 "the week ending the signal date"));
    ck_assert_ptr_nonnull(strstr(krj_column_find("weekly_low", 10)
                                     ->description,
                                 "the week ending the signal date"));
}
END_TEST


START_TEST(test_find)
{
    unsigned             i;
    const krj_column_t  *col;

    for (i = 0; i < NSCHEMA; i++) {
        col = krj_column_find(schema[i].name, strlen(schema[i].name));
        ck_assert_ptr_eq(col, krj_column_get(i));
    }

    /* header names are case-sensitive, and found by their whole length */
    ck_assert_ptr_null(krj_column_find("C", 1));
    ck_assert_ptr_null(krj_column_find("Ticker", 6));
    ck_assert_ptr_null(krj_column_find("tick", 4));
    ck_assert_ptr_null(krj_column_find("tickers", 7));
    ck_assert_ptr_null(krj_column_find("ticker", 5));
    ck_assert_ptr_null(krj_column_find("", 0));
    ck_assert_ptr_null(krj_column_find("market_cap_b", 12));
    ck_assert_ptr_nonnull(krj_column_find("c,", 1));
}
END_TEST


static Suite *
columns_suite(void)
{
    Suite  *s;
    TCase  *tc;

    s = suite_create("columns");
    tc = tcase_create("columns");
    tcase_add_test(tc, test_schema_in_order);
    tcase_add_test(tc, test_descriptions);
    tcase_add_test(tc, test_find);
    suite_add_tcase(s, tc);

    return s;
}


KRJ_TEST_MAIN(columns_suite)
