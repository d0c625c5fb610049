
/*
 * Copyright (C) The krj developers
 */


/*
 * krj_slug.c: the category a slug that is not exact meant, over a
 * snapshot made by krj-batch's writer with the slugs of the real data.
 */


#include <string.h>

#include "krj_test.h"
#include "krj_buf.h"
#include "krj_csv.h"
#include "krj_slug.h"
#include "krj_snapshot.h"
#include "krj_snapshot_write.h"


#define ONE_ROW  "ticker\nA\n"


static const char  *slugs[] = {
    "ai_affected", "drc", "equities", "etfs_fx", "sp100", "sp500"
};

#define NSLUGS  (sizeof(slugs) / sizeof(slugs[0]))


static krj_csv_t   csv[NSLUGS];
static krj_buf_t   out;
static krj_snap_t  snap;


static void
setup(void)
{
    size_t            i;
    uint8_t           digest[32];
    char              err[KRJ_SNAP_ERRLEN];
    krj_snap_input_t  in[NSLUGS];

    memset(in, 0, sizeof(in));
    memset(digest, 0, sizeof(digest));

    for (i = 0; i < NSLUGS; i++) {
        ck_assert_int_eq(krj_csv_parse(&csv[i], (const uint8_t *) ONE_ROW,
                                       strlen(ONE_ROW), 1 << 20, NULL, NULL),
                         0);

        in[i].slug = slugs[i];
        in[i].label = slugs[i];
        in[i].signal_date = "2026-01-09";
        in[i].source_file = "f.csv";
        memset(in[i].sha256, 'a', 64);
        in[i].csv = &csv[i];
    }

    krj_buf_init(&out);

    ck_assert_msg(krj_snap_write(&out, in, NSLUGS, 1767981600, digest,
                                 KRJ_SNAP_VERSION, KRJ_TEST_WRITER, err)
                  == 0, "krj_snap_write: %s", err);
    ck_assert_msg(krj_snap_open(&snap, out.data, out.len, err) == 0,
                  "krj_snap_open: %s", err);
}


static void
teardown(void)
{
    size_t  i;

    krj_buf_free(&out);

    for (i = 0; i < NSLUGS; i++) {
        krj_csv_free(&csv[i]);
    }
}


/* the slug found for s, or "" */

static const char *
slug_of(const krj_snap_category_t *cat)
{
    static char  buf[64];

    if (cat == NULL) {
        return "";
    }

    ck_assert_uint_lt(cat->slug.len, sizeof(buf));
    memcpy(buf, krj_snap_ptr(&snap, cat->slug), cat->slug.len);
    buf[cat->slug.len] = '\0';

    return buf;
}


static const char *
nocase(const char *s)
{
    return slug_of(krj_slug_find_nocase(&snap, s, strlen(s)));
}


static const char *
suggest(const char *s)
{
    return slug_of(krj_slug_suggest(&snap, s, strlen(s)));
}


START_TEST(test_find_nocase)
{
    ck_assert_str_eq(nocase("SP500"), "sp500");
    ck_assert_str_eq(nocase("sp500"), "sp500");
    ck_assert_str_eq(nocase("Etfs_FX"), "etfs_fx");
    ck_assert_str_eq(nocase("AI_AFFECTED"), "ai_affected");

    /* the case only: not a prefix, not another separator, whole length */
    ck_assert_str_eq(nocase("SP50"), "");
    ck_assert_str_eq(nocase("SP5000"), "");
    ck_assert_str_eq(nocase("etfs-fx"), "");
    ck_assert_str_eq(nocase(""), "");
    ck_assert_str_eq(slug_of(krj_slug_find_nocase(&snap, "sp500x", 5)),
                     "sp500");
}
END_TEST


START_TEST(test_suggest_same_letters)
{
    ck_assert_str_eq(suggest("etfs-fx"), "etfs_fx");
    ck_assert_str_eq(suggest("ETFS-FX"), "etfs_fx");
    ck_assert_str_eq(suggest("etfsfx"), "etfs_fx");
    ck_assert_str_eq(suggest("sp_500"), "sp500");
    ck_assert_str_eq(suggest("ai-affected"), "ai_affected");
    ck_assert_str_eq(suggest("_drc_"), "drc");

    /* the category as in the file name: "_and_" is one separator */
    ck_assert_str_eq(suggest("ETFs_and_FX"), "etfs_fx");
    ck_assert_str_eq(suggest("etfs-and-fx"), "etfs_fx");
    ck_assert_str_eq(suggest("etfsandfx"), "");
}
END_TEST


START_TEST(test_suggest_prefix)
{
    ck_assert_str_eq(suggest("sp5"), "sp500");
    ck_assert_str_eq(suggest("SP1"), "sp100");
    ck_assert_str_eq(suggest("equ"), "equities");
    ck_assert_str_eq(suggest("d"), "drc");
    ck_assert_str_eq(suggest("etfs"), "etfs_fx");
    ck_assert_str_eq(suggest("ai_aff"), "ai_affected");

    /* two categories start so: nothing is suggested rather than a guess */
    ck_assert_str_eq(suggest("sp"), "");
    ck_assert_str_eq(suggest("e"), "");
}
END_TEST


START_TEST(test_suggest_nothing_close)
{
    ck_assert_str_eq(suggest("sp400"), "");
    ck_assert_str_eq(suggest("sp5000"), "");
    ck_assert_str_eq(suggest("ndx100"), "");
    ck_assert_str_eq(suggest(""), "");
    ck_assert_str_eq(suggest("_"), "");
    ck_assert_str_eq(suggest("-_-"), "");
    ck_assert_str_eq(suggest("\xff"), "");
}
END_TEST


START_TEST(test_suggest_long_input)
{
    char  buf[600];

    /* longer than any slug can be: nothing, and nothing read past it */
    memset(buf, 's', sizeof(buf));
    ck_assert_ptr_null(krj_slug_suggest(&snap, buf, sizeof(buf)));
    ck_assert_ptr_null(krj_slug_find_nocase(&snap, buf, sizeof(buf)));

    /* separators do not count towards the limit */
    memset(buf, '_', sizeof(buf));
    memcpy(buf + 300, "drc", 3);
    ck_assert_str_eq(slug_of(krj_slug_suggest(&snap, buf, sizeof(buf))),
                     "drc");
}
END_TEST


START_TEST(test_empty_snapshot)
{
    krj_snap_t  none;

    memset(&none, 0, sizeof(krj_snap_t));

    ck_assert_ptr_null(krj_slug_find_nocase(&none, "sp500", 5));
    ck_assert_ptr_null(krj_slug_suggest(&none, "sp5", 3));
}
END_TEST


static Suite *
slug_suite(void)
{
    Suite  *s;
    TCase  *tc;

    s = suite_create("slug");
    tc = tcase_create("slug");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_find_nocase);
    tcase_add_test(tc, test_suggest_same_letters);
    tcase_add_test(tc, test_suggest_prefix);
    tcase_add_test(tc, test_suggest_nothing_close);
    tcase_add_test(tc, test_suggest_long_input);
    tcase_add_test(tc, test_empty_snapshot);
    suite_add_tcase(s, tc);

    return s;
}


KRJ_TEST_MAIN(slug_suite)
