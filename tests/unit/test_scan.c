
/*
 * Copyright (C) The krj developers
 */


#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "krj_test.h"
#include "krj_log.h"
#include "krj_principal.h"
#include "krj_publish.h"
#include "krj_scan.h"


#define P  "KRJ_signals_latest_week_"


/* 2026-01-10: the fixtures' newest week is the day before */
static const krj_scan_conf_t  sc = { 20463, 7, 0 };


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
    krj_scan_dir_t     d;
    krj_scan_conf_t    far;
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

    /* the dates of the fixtures, not today's, are what is tested here */
    far = sc;
    far.max_future = 3650;

    n = krj_scan_names(names, sizeof(names) / sizeof(names[0]), &far, &e);
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

    ck_assert_int_eq(krj_scan_dir_open(&d, KRJ_TEST_DATA), 0);

    /* 2026-03-14 is more than 7 days after 2026-01-10 */
    n = krj_scan_dir(&d, &sc, &e);
    ck_assert_int_eq(n, 5);
    ck_assert_str_eq(e[0].slug, "drc");
    ck_assert_str_eq(e[1].slug, "equities");
    ck_assert_str_eq(e[2].slug, "etfs_fx");
    ck_assert_str_eq(e[3].slug, "sp100");
    ck_assert_str_eq(e[4].slug, "sp500");
    ck_assert_str_eq(e[4].date, "2026-01-09");
    free(e);

    /* a second scan of the same directory starts over */
    n = krj_scan_dir(&d, &far, &e);
    ck_assert_int_eq(n, 6);
    ck_assert_str_eq(e[0].slug, "ai_affected");
    free(e);

    krj_scan_dir_close(&d);

    ck_assert_int_eq(krj_scan_dir_open(&d, "/nonexistent/krj"), -1);
}
END_TEST


START_TEST(test_future)
{
    int                n;
    krj_scan_conf_t    c;
    krj_scan_entry_t  *e;
    const char        *names[] = {
        P "SP500_9999-12-31.csv",
        P "SP500_2026-01-17.csv",           /* today + 7 */
        P "SP500_2026-01-09.csv",
        P "SP100_2026-01-18.csv",           /* today + 8 */
        P "SP100_2026-01-10.csv",           /* today */
        P "DRC_2026-01-11.csv",
    };

    n = krj_scan_names(names, 6, &sc, &e);
    ck_assert_int_eq(n, 3);
    ck_assert_str_eq(e[0].slug, "drc");
    ck_assert_str_eq(e[1].slug, "sp100");
    ck_assert_str_eq(e[1].date, "2026-01-10");
    ck_assert_str_eq(e[2].slug, "sp500");
    ck_assert_str_eq(e[2].date, "2026-01-17");
    free(e);

    /* 0: nothing after today */
    c = sc;
    c.max_future = 0;
    n = krj_scan_names(names, 6, &c, &e);
    ck_assert_int_eq(n, 2);
    ck_assert_str_eq(e[0].slug, "sp100");
    ck_assert_str_eq(e[1].slug, "sp500");
    ck_assert_str_eq(e[1].date, "2026-01-09");
    free(e);
}
END_TEST


/* a directory of one signal file, dir[32], and a CSV outside[64] it */
static void
make_dir(char *dir, char *outside)
{
    char   path[PATH_MAX];
    FILE  *f;

    strcpy(dir, "/tmp/krj-scan-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(outside, 64, "%s.outside.csv", dir);

    snprintf(path, sizeof(path), "%s/" P "X_2026-01-09.csv", dir);
    f = fopen(path, "w");
    fputs("ticker\nA\n", f);
    fclose(f);

    f = fopen(outside, "w");
    fputs("ticker\nSECRET\n", f);
    fclose(f);
}


static void
rm_dir(const char *dir, const char *outside)
{
    char  cmd[PATH_MAX + 16];

    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
    unlink(outside);
}


/* what is read is what was checked: a swap after the scan is refused */
START_TEST(test_swap_after_scan)
{
    int                fd, n;
    char               dir[32], outside[64], path[PATH_MAX];
    char               err[KRJ_PUBLISH_ERRLEN];
    size_t             len;
    uint8_t           *data;
    krj_scan_dir_t     d;
    krj_scan_entry_t  *e;

    make_dir(dir, outside);
    ck_assert_int_eq(krj_scan_dir_open(&d, dir), 0);
    n = krj_scan_dir(&d, &sc, &e);
    ck_assert_int_eq(n, 1);
    snprintf(path, sizeof(path), "%s/%s", dir, e[0].file);

    /* a link in place of the file */
    ck_assert_int_eq(unlink(path), 0);
    ck_assert_int_eq(symlink(outside, path), 0);
    ck_assert_int_eq(krj_scan_open(&d, &sc, &e[0], err), -1);
    ck_assert_str_eq(err, "cannot open: a symbolic link now");

    /* a FIFO: opened at once, then refused, never read */
    ck_assert_int_eq(unlink(path), 0);
    ck_assert_int_eq(mkfifo(path, 0644), 0);
    fd = krj_scan_open(&d, &sc, &e[0], err);
    ck_assert_int_ne(fd, -1);
    ck_assert_int_eq(krj_file_read_fd(fd, 1024, &data, &len, err), -1);
    ck_assert_str_eq(err, "not a regular file");

    free(e);
    krj_scan_dir_close(&d);
    rm_dir(dir, outside);
}
END_TEST


START_TEST(test_swap_link_after_scan)
{
    int                fd, n;
    char               dir[32], outside[64], path[PATH_MAX];
    char               inside[PATH_MAX], err[KRJ_PUBLISH_ERRLEN];
    size_t             len;
    uint8_t           *data;
    krj_scan_dir_t     d;
    krj_scan_conf_t    c;
    krj_scan_entry_t  *e;

    make_dir(dir, outside);
    c = sc;
    c.follow_symlinks = 1;

    /* the signal file moves to a subdirectory, a link takes its name */
    snprintf(path, sizeof(path), "%s/" P "X_2026-01-09.csv", dir);
    snprintf(inside, sizeof(inside), "%s/sub", dir);
    ck_assert_int_eq(mkdir(inside, 0755), 0);
    snprintf(inside, sizeof(inside), "%s/sub/x.csv", dir);
    ck_assert_int_eq(rename(path, inside), 0);
    ck_assert_int_eq(symlink("sub/x.csv", path), 0);

    ck_assert_int_eq(krj_scan_dir_open(&d, dir), 0);
    n = krj_scan_dir(&d, &c, &e);
    ck_assert_int_eq(n, 1);

    fd = krj_scan_open(&d, &c, &e[0], err);
    ck_assert_int_ne(fd, -1);
    ck_assert_int_eq(krj_file_read_fd(fd, 1024, &data, &len, err), 0);
    ck_assert_uint_eq(len, 9);
    free(data);

    /* the link now leads outside: refused although the scan passed it */
    ck_assert_int_eq(unlink(path), 0);
    ck_assert_int_eq(symlink(outside, path), 0);
    ck_assert_int_eq(krj_scan_open(&d, &c, &e[0], err), -1);
    ck_assert_ptr_nonnull(strstr(err, "leads outside the input directory "
                                 "now"));

    /* and a directory on the way that becomes a link outside */
    ck_assert_int_eq(unlink(path), 0);
    ck_assert_int_eq(symlink("sub/x.csv", path), 0);
    snprintf(path, sizeof(path), "%s/sub", dir);
    ck_assert_int_eq(unlink(inside), 0);
    ck_assert_int_eq(rmdir(path), 0);
    snprintf(inside, sizeof(inside), "%s.d", dir);
    ck_assert_int_eq(mkdir(inside, 0755), 0);
    snprintf(inside, sizeof(inside), "%s.d/x.csv", dir);
    ck_assert_int_eq(rename(outside, inside), 0);
    snprintf(inside, sizeof(inside), "%s.d", dir);
    ck_assert_int_eq(symlink(inside, path), 0);
    ck_assert_int_eq(krj_scan_open(&d, &c, &e[0], err), -1);
    ck_assert_ptr_nonnull(strstr(err, "leads outside"));

    free(e);
    krj_scan_dir_close(&d);
    snprintf(inside, sizeof(inside), "%s.d/x.csv", dir);
    rename(inside, outside);
    snprintf(inside, sizeof(inside), "%s.d", dir);
    rmdir(inside);
    rm_dir(dir, outside);
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
    tcase_add_test(tc, test_future);
    tcase_add_test(tc, test_swap_after_scan);
    tcase_add_test(tc, test_swap_link_after_scan);
    suite_add_tcase(s, tc);

    return s;
}


KRJ_TEST_MAIN(scan_suite)
