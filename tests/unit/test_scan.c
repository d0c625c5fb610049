
/*
 * Copyright (C) The krj developers
 */


#include <string.h>

#include "krj_test.h"
#include "krj_log.h"
#include "krj_scan.h"


#define P  "KRJ_signals_latest_week_"


static void
setup(void)
{
    /* the scanner logs ignored names; keep the test output clean */
    krj_log_setup(KRJ_LOG_TEXT, KRJ_LOG_ERROR + 1);
}


START_TEST(test_slug)
{
    char  s[64];

    krj_scan_slug("ETFs_and_FX", s, sizeof(s));
    ck_assert_str_eq(s, "etfs_fx");
    krj_scan_slug("AI_Affected", s, sizeof(s));
    ck_assert_str_eq(s, "ai_affected");
    krj_scan_slug("Equities", s, sizeof(s));
    ck_assert_str_eq(s, "equities");
    krj_scan_slug("SP500", s, sizeof(s));
    ck_assert_str_eq(s, "sp500");
    krj_scan_slug("Bonds_and_Rates_and_FX", s, sizeof(s));
    ck_assert_str_eq(s, "bonds_rates_fx");
    krj_scan_slug("Sand_andy", s, sizeof(s));
    ck_assert_str_eq(s, "sand_andy");
}
END_TEST


START_TEST(test_label)
{
    char  l[64];

    krj_scan_label("Equities", "equities", l, sizeof(l));
    ck_assert_str_eq(l, "Top Equities");
    krj_scan_label("ETFs_and_FX", "etfs_fx", l, sizeof(l));
    ck_assert_str_eq(l, "ETFs / FX");
    krj_scan_label("SP500", "sp500", l, sizeof(l));
    ck_assert_str_eq(l, "SP500");
    krj_scan_label("SP100", "sp100", l, sizeof(l));
    ck_assert_str_eq(l, "SP100");
    krj_scan_label("NDX100", "ndx100", l, sizeof(l));
    ck_assert_str_eq(l, "NDX100");
    krj_scan_label("DRC", "drc", l, sizeof(l));
    ck_assert_str_eq(l, "DRC");
    krj_scan_label("AI_Affected", "ai_affected", l, sizeof(l));
    ck_assert_str_eq(l, "AI Affected");
}
END_TEST


START_TEST(test_names)
{
    char  cat[KRJ_SCAN_NAME_MAX], date[KRJ_SCAN_DATE_LEN + 1];

    ck_assert_int_eq(krj_scan_parse_name(P "ETFs_and_FX_2026-01-09.csv", cat,
                                         sizeof(cat), date), KRJ_SCAN_OK);
    ck_assert_str_eq(cat, "ETFs_and_FX");
    ck_assert_str_eq(date, "2026-01-09");

    ck_assert_int_eq(krj_scan_parse_name(P "X_2024-02-29.csv", cat,
                                         sizeof(cat), date), KRJ_SCAN_OK);
    ck_assert_int_eq(krj_scan_parse_name(P "X_2025-02-29.csv", cat,
                                         sizeof(cat), date),
                     KRJ_SCAN_BAD_DATE);
    ck_assert_int_eq(krj_scan_parse_name(P "X_2026-02-30.csv", cat,
                                         sizeof(cat), date),
                     KRJ_SCAN_BAD_DATE);

    ck_assert_int_eq(krj_scan_parse_name(P "_2026-01-09.csv", cat,
                                         sizeof(cat), date),
                     KRJ_SCAN_NO_MATCH);
    ck_assert_int_eq(krj_scan_parse_name(P "SP-500_2026-01-09.csv", cat,
                                         sizeof(cat), date),
                     KRJ_SCAN_NO_MATCH);
    ck_assert_int_eq(krj_scan_parse_name(P "SP500_2026-1-09.csv", cat,
                                         sizeof(cat), date),
                     KRJ_SCAN_NO_MATCH);
    ck_assert_int_eq(krj_scan_parse_name(P "SP500_2026-01-09.csv.bak", cat,
                                         sizeof(cat), date),
                     KRJ_SCAN_NO_MATCH);
    ck_assert_int_eq(krj_scan_parse_name(P "SP500-2026-01-09.csv", cat,
                                         sizeof(cat), date),
                     KRJ_SCAN_NO_MATCH);
    ck_assert_int_eq(krj_scan_parse_name("latest_sp500.csv", cat,
                                         sizeof(cat), date),
                     KRJ_SCAN_NO_MATCH);
}
END_TEST


START_TEST(test_newest)
{
    int                n;
    krj_scan_entry_t  *e;
    const char        *names[] = {
        P "SP500_2025-12-12.csv",
        P "SP500_2026-01-09.csv",
        P "ETFs_and_FX_2026-01-09.csv",
        P "ETFs_and_FX_2025-12-12.csv",
        P "AI_Affected_2026-03-14.csv",
        P "AI_Affected_2026-02-30.csv",     /* invalid: ignored */
        "README.txt",
        "latest_sp500.csv",
    };

    n = krj_scan_names(names, sizeof(names) / sizeof(names[0]), &e);
    ck_assert_int_eq(n, 3);
    ck_assert_str_eq(e[0].slug, "ai_affected");
    ck_assert_str_eq(e[0].date, "2026-03-14");
    ck_assert_str_eq(e[0].label, "AI Affected");
    ck_assert_str_eq(e[1].slug, "etfs_fx");
    ck_assert_str_eq(e[1].date, "2026-01-09");
    ck_assert_str_eq(e[1].file, P "ETFs_and_FX_2026-01-09.csv");
    ck_assert_str_eq(e[1].category, "ETFs_and_FX");
    ck_assert_str_eq(e[2].slug, "sp500");
    ck_assert_str_eq(e[2].date, "2026-01-09");
    free(e);

    n = krj_scan_dir(KRJ_TEST_DATA, &e);
    ck_assert_int_eq(n, 6);
    ck_assert_str_eq(e[0].slug, "ai_affected");
    ck_assert_str_eq(e[1].slug, "drc");
    ck_assert_str_eq(e[2].slug, "equities");
    ck_assert_str_eq(e[3].slug, "etfs_fx");
    ck_assert_str_eq(e[4].slug, "sp100");
    ck_assert_str_eq(e[5].slug, "sp500");
    ck_assert_str_eq(e[5].date, "2026-01-09");
    free(e);

    ck_assert_int_eq(krj_scan_dir("/nonexistent/krj", &e), -1);
}
END_TEST


static Suite *
scan_suite(void)
{
    Suite  *s;
    TCase  *tc;

    s = suite_create("scan");
    tc = tcase_create("scan");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, test_slug);
    tcase_add_test(tc, test_label);
    tcase_add_test(tc, test_names);
    tcase_add_test(tc, test_newest);
    suite_add_tcase(s, tc);

    return s;
}


KRJ_TEST_MAIN(scan_suite)
