
/*
 * Copyright (C) The krj developers
 */


#include <stdio.h>
#include <string.h>

#include "krj_test.h"
#include "krj_buf.h"
#include "krj_csv.h"
#include "krj_snapshot.h"
#include "krj_snapshot_write.h"
#include "krj_query.h"


/*
 * Two categories built by krj-batch's own writer, so that the snapshot
 * the tests query is laid out exactly like a published one.  In "sig",
 * column c mixes numbers, a text and an empty cell, and B and F tie at 1,
 * which is what the sort rules are about.
 */

#define SIG_CSV                                                               \
    "ticker,c,name,signal,signal_status_prior_week\n"                         \
    "A,3,x,Long,Long\n"                                                       \
    "B,1,,Short,Long\n"                                                       \
    "C,,y,Neutral,Neutral\n"                                                  \
    "D,2,\"q,r\",Long,Neutral\n"                                              \
    "E,abc,z,Short,Short\n"                                                   \
    "F,1,w,Long,Short\n"

#define PLAIN_CSV                                                             \
    "ticker,price\n"                                                          \
    "a,10\n"                                                                  \
    "Z,20\n"

#define MAX_ALLOCS  256


static krj_csv_t                   csv[2];
static krj_buf_t                   out;
static krj_snap_t                  snap;
static const krj_snap_category_t  *sig, *plain;
static krj_query_t                 q;
static krj_select_t                sel;
static void                       *allocs[MAX_ALLOCS];
static int                         nallocs;


static void *
test_alloc(void *data, size_t size)
{
    void  *p;

    (void) data;

    if (nallocs == MAX_ALLOCS) {
        return NULL;
    }

    p = malloc(size ? size : 1);
    allocs[nallocs++] = p;

    return p;
}


static void
setup(void)
{
    uint8_t           digest[32];
    char              err[KRJ_SNAP_ERRLEN];
    krj_snap_input_t  in[2];

    memset(in, 0, sizeof(in));
    memset(digest, 0, sizeof(digest));

    ck_assert_int_eq(krj_csv_parse(&csv[0], (const uint8_t *) PLAIN_CSV,
                                   strlen(PLAIN_CSV), 1 << 20, NULL, NULL),
                     0);
    ck_assert_int_eq(krj_csv_parse(&csv[1], (const uint8_t *) SIG_CSV,
                                   strlen(SIG_CSV), 1 << 20, NULL, NULL),
                     0);

    in[0].slug = "plain";
    in[0].label = "Plain";
    in[0].signal_date = "2026-01-02";
    in[0].source_file = "KRJ_signals_latest_week_Plain_2026-01-02.csv";
    memset(in[0].sha256, 'a', 64);
    in[0].csv = &csv[0];

    in[1].slug = "sig";
    in[1].label = "Sig \"quoted\"";
    in[1].signal_date = "2026-01-09";
    in[1].source_file = "KRJ_signals_latest_week_Sig_2026-01-09.csv";
    memset(in[1].sha256, 'b', 64);
    in[1].csv = &csv[1];

    krj_buf_init(&out);

    ck_assert_msg(krj_snap_write(&out, in, 2, 1767981600, digest, err) == 0,
                  "krj_snap_write: %s", err);
    ck_assert_msg(krj_snap_open(&snap, out.data, out.len, err) == 0,
                  "krj_snap_open: %s", err);

    plain = krj_snap_find_category(&snap, "plain", 5);
    sig = krj_snap_find_category(&snap, "sig", 3);

    ck_assert_ptr_nonnull(plain);
    ck_assert_ptr_nonnull(sig);

    nallocs = 0;
}


static void
teardown(void)
{
    while (nallocs) {
        free(allocs[--nallocs]);
    }

    krj_buf_free(&out);
    krj_csv_free(&csv[0]);
    krj_csv_free(&csv[1]);
}


static int
parse(const krj_snap_category_t *cat, const char *args)
{
    return krj_query_parse(&q, &snap, cat, args, strlen(args), test_alloc,
                           NULL);
}


/* the selected tickers, joined: "B,F,D" */

static const char *
selected(const krj_snap_category_t *cat, const char *args)
{
    uint32_t                i;
    static char             buf[256];
    const krj_snap_cell_t  *cell;

    ck_assert_msg(parse(cat, args) == KRJ_QUERY_OK, "%s: %s", args, q.err);
    ck_assert_int_eq(krj_query_select(&sel, &snap, cat, &q, test_alloc,
                                      NULL),
                     KRJ_QUERY_OK);

    buf[0] = '\0';

    for (i = 0; i < sel.nrows; i++) {
        cell = krj_snap_cell(&snap, cat, sel.rows[i], cat->ticker_col);
        snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s%.*s",
                 i ? "," : "", (int) cell->raw.len,
                 krj_snap_ptr(&snap, cell->raw));
    }

    return buf;
}


/* renders twice: the measured length must be the written length */

static char *
render(const krj_snap_category_t *cat, int as_csv)
{
    char    *p;
    size_t   len, len2;

    len = as_csv ? krj_render_signals_csv(NULL, &snap, cat, &q, &sel)
                 : krj_render_signals_json(NULL, &snap, cat, &q, &sel);

    p = test_alloc(NULL, len + 1);
    ck_assert_ptr_nonnull(p);

    len2 = as_csv ? krj_render_signals_csv(p, &snap, cat, &q, &sel)
                  : krj_render_signals_json(p, &snap, cat, &q, &sel);

    ck_assert_uint_eq(len, len2);
    p[len] = '\0';

    return p;
}


static void
expect_error(const char *args, int code)
{
    ck_assert_msg(parse(sig, args) == code, "\"%s\": got %d (%s), want %d",
                  args, q.error, q.err, code);
    ck_assert_msg(q.err[0] != '\0', "\"%s\": no message", args);
}


START_TEST(test_parse_empty)
{
    ck_assert_int_eq(parse(sig, ""), KRJ_QUERY_OK);
    ck_assert_uint_eq(q.nparams, 0);
    ck_assert_int_eq(q.sort_col, -1);
    ck_assert_int_eq(q.changed, KRJ_CHANGED_ANY);

    /* empty pairs are skipped, not errors */
    ck_assert_int_eq(parse(sig, "&&limit=1&"), KRJ_QUERY_OK);
    ck_assert_uint_eq(q.nparams, 1);
    ck_assert_uint_eq(q.limit, 1);
}
END_TEST


START_TEST(test_parse_errors)
{
    expect_error("foo=1", KRJ_QUERY_UNKNOWN_PARAMETER);
    expect_error("Limit=1", KRJ_QUERY_UNKNOWN_PARAMETER);
    expect_error("limit", KRJ_QUERY_BAD_PARAMETER);
    expect_error("limit=1&limit=1", KRJ_QUERY_BAD_PARAMETER);
    expect_error("offset=0&offset=0", KRJ_QUERY_BAD_PARAMETER);
    expect_error("limit=", KRJ_QUERY_BAD_PARAMETER);
    expect_error("limit=-1", KRJ_QUERY_BAD_PARAMETER);
    expect_error("limit=+1", KRJ_QUERY_BAD_PARAMETER);
    expect_error("limit=1.0", KRJ_QUERY_BAD_PARAMETER);
    expect_error("limit=%201", KRJ_QUERY_BAD_PARAMETER);
    expect_error("limit=1000001", KRJ_QUERY_BAD_PARAMETER);
    expect_error("offset=4294967296", KRJ_QUERY_BAD_PARAMETER);
    expect_error("offset=99999999999999999999999", KRJ_QUERY_BAD_PARAMETER);
    expect_error("ticker=%zz", KRJ_QUERY_BAD_PARAMETER);
    expect_error("ticker=%4", KRJ_QUERY_BAD_PARAMETER);
    expect_error("ticker=%00", KRJ_QUERY_BAD_PARAMETER);
    expect_error("ticker=A,,B", KRJ_QUERY_BAD_PARAMETER);
    expect_error("ticker=", KRJ_QUERY_BAD_PARAMETER);
    expect_error("signal=Up", KRJ_QUERY_BAD_PARAMETER);
    expect_error("prior=long,", KRJ_QUERY_BAD_PARAMETER);
    expect_error("changed=yes", KRJ_QUERY_BAD_PARAMETER);
    expect_error("fields=nope", KRJ_QUERY_UNKNOWN_COLUMN);
    expect_error("fields=Ticker", KRJ_QUERY_UNKNOWN_COLUMN);
    expect_error("fields=c,c", KRJ_QUERY_BAD_PARAMETER);
    expect_error("sort=nope", KRJ_QUERY_UNKNOWN_COLUMN);
    expect_error("sort=-", KRJ_QUERY_BAD_PARAMETER);
    expect_error("sort=", KRJ_QUERY_BAD_PARAMETER);

    /* a filter on a column the category does not have */
    ck_assert_int_eq(parse(plain, "signal=Long"), KRJ_QUERY_UNKNOWN_COLUMN);
    ck_assert_int_eq(parse(plain, "prior=Long"), KRJ_QUERY_UNKNOWN_COLUMN);
    ck_assert_int_eq(parse(plain, "changed=1"), KRJ_QUERY_UNKNOWN_COLUMN);
}
END_TEST


START_TEST(test_parse_bounds)
{
    ck_assert_int_eq(parse(sig, "limit=1000000&offset=4294967295"),
                     KRJ_QUERY_OK);
    ck_assert_uint_eq(q.limit, 1000000);
    ck_assert_uint_eq(q.offset, 4294967295u);

    ck_assert_int_eq(parse(sig, "limit=0&offset=007"), KRJ_QUERY_OK);
    ck_assert_uint_eq(q.limit, 0);
    ck_assert_uint_eq(q.offset, 7);
}
END_TEST


START_TEST(test_parse_error_message_is_printable)
{
    size_t  i;

    expect_error("f%C3%A9e=1", KRJ_QUERY_UNKNOWN_PARAMETER);

    for (i = 0; q.err[i]; i++) {
        ck_assert(q.err[i] >= 0x20 && q.err[i] < 0x7f);
    }
}
END_TEST


START_TEST(test_select_all)
{
    ck_assert_str_eq(selected(sig, ""), "A,B,C,D,E,F");
    ck_assert_uint_eq(sel.matched, 6);
    ck_assert_uint_eq(sel.counts[KRJ_WEEK_THIS][KRJ_COUNT_LONG], 3);
    ck_assert_uint_eq(sel.counts[KRJ_WEEK_THIS][KRJ_COUNT_NEUTRAL], 1);
    ck_assert_uint_eq(sel.counts[KRJ_WEEK_THIS][KRJ_COUNT_SHORT], 2);
    ck_assert_uint_eq(sel.counts[KRJ_WEEK_PRIOR][KRJ_COUNT_LONG], 2);
    ck_assert_uint_eq(sel.counts[KRJ_WEEK_PRIOR][KRJ_COUNT_NEUTRAL], 2);
    ck_assert_uint_eq(sel.counts[KRJ_WEEK_PRIOR][KRJ_COUNT_SHORT], 2);
}
END_TEST


START_TEST(test_select_filters)
{
    ck_assert_str_eq(selected(sig, "ticker=f,%61,zz"), "A,F");
    ck_assert_str_eq(selected(sig, "signal=long"), "A,D,F");
    ck_assert_str_eq(selected(sig, "signal=Short,NEUTRAL"), "B,C,E");
    ck_assert_str_eq(selected(sig, "prior=Long"), "A,B");
    ck_assert_str_eq(selected(sig, "changed=1"), "B,D,F");
    ck_assert_str_eq(selected(sig, "changed=true"), "B,D,F");
    ck_assert_str_eq(selected(sig, "changed=0"), "A,C,E");
    ck_assert_str_eq(selected(sig, "changed=FALSE"), "A,C,E");
    ck_assert_str_eq(selected(sig, "signal=Long&prior=Long,Short"), "A,F");
    ck_assert_str_eq(selected(sig, "ticker=A&signal=Short"), "");
    ck_assert_uint_eq(sel.matched, 0);
    ck_assert_str_eq(selected(plain, "ticker=A,z"), "a,Z");
}
END_TEST


START_TEST(test_select_sort)
{
    /* numbers, then text, then empty; B and F tie and keep file order */
    ck_assert_str_eq(selected(sig, "sort=c"), "B,F,D,A,E,C");
    ck_assert_str_eq(selected(sig, "sort=-c"), "E,A,D,B,F,C");

    /* an empty name sorts last both ways */
    ck_assert_str_eq(selected(sig, "sort=name"), "D,F,A,C,E,B");
    ck_assert_str_eq(selected(sig, "sort=-name"), "E,C,A,F,D,B");

    ck_assert_str_eq(selected(sig, "sort=-ticker"), "F,E,D,C,B,A");
}
END_TEST


START_TEST(test_select_paging)
{
    ck_assert_str_eq(selected(sig, "sort=c&offset=1&limit=2"), "F,D");
    ck_assert_uint_eq(sel.matched, 6);
    ck_assert_str_eq(selected(sig, "offset=6"), "");
    ck_assert_str_eq(selected(sig, "offset=4294967295"), "");
    ck_assert_str_eq(selected(sig, "limit=0"), "");
    ck_assert_uint_eq(sel.matched, 6);

    /* the summary counts the matched rows, not the page */
    ck_assert_str_eq(selected(sig, "signal=Long&limit=1"), "A");
    ck_assert_uint_eq(sel.counts[KRJ_WEEK_THIS][KRJ_COUNT_LONG], 3);
}
END_TEST


START_TEST(test_render_unfiltered_equals_prerendered)
{
    const krj_snap_category_t  *cats[2];
    int                         i;

    cats[0] = sig;
    cats[1] = plain;

    for (i = 0; i < 2; i++) {
        (void) selected(cats[i], "");

        ck_assert_uint_eq(strlen(render(cats[i], 0)), cats[i]->json.len);
        ck_assert(memcmp(render(cats[i], 0),
                         krj_snap_ptr(&snap, cats[i]->json),
                         cats[i]->json.len)
                  == 0);

        ck_assert_uint_eq(strlen(render(cats[i], 1)), cats[i]->csv.len);
        ck_assert(memcmp(render(cats[i], 1),
                         krj_snap_ptr(&snap, cats[i]->csv),
                         cats[i]->csv.len)
                  == 0);
    }
}
END_TEST


START_TEST(test_render_fields)
{
    const char  *json;

    (void) selected(sig, "fields=name,ticker&ticker=D,B&sort=ticker");

    ck_assert_str_eq(render(sig, 1), "name,ticker\n,B\n\"q,r\",D\n");

    json = render(sig, 0);

    ck_assert_msg(strstr(json, "\"columns\":[\"name\",\"ticker\"],"
                               "\"count\":2,\"matched\":2,") != NULL,
                  "%s", json);
    ck_assert_msg(strstr(json, "\"summary\":{\"total\":2,\"long\":1,"
                               "\"neutral\":0,\"short\":1,"
                               "\"prior\":{\"long\":1,\"neutral\":1,"
                               "\"short\":0},"
                               "\"delta\":{\"long\":0,\"neutral\":-1,"
                               "\"short\":1}}") != NULL,
                  "%s", json);
    ck_assert_msg(strstr(json, "\"rows\":[{\"name\":null,\"ticker\":\"B\"},"
                               "{\"name\":\"q,r\",\"ticker\":\"D\"}]}")
                  != NULL, "%s", json);
}
END_TEST


START_TEST(test_render_ticker)
{
    char                     *p;
    size_t                    len;
    const krj_snap_ticker_t  *t;

    t = krj_snap_find_ticker(&snap, "a", 1);
    ck_assert_ptr_nonnull(t);
    ck_assert_uint_eq(t->count, 2);

    len = krj_render_ticker_json(NULL, &snap, t);
    p = test_alloc(NULL, len + 1);
    ck_assert_uint_eq(krj_render_ticker_json(p, &snap, t), len);
    p[len] = '\0';

    ck_assert_msg(strncmp(p, "{\"ticker\":\"A\",\"generated_at\":\"", 30)
                  == 0, "%s", p);
    ck_assert_msg(strstr(p, "\"count\":2,\"results\":[{\"category\":\"plain\","
                            "\"label\":\"Plain\",\"signal_date\":"
                            "\"2026-01-02\",\"row\":{\"ticker\":\"a\","
                            "\"price\":10}},{\"category\":\"sig\","
                            "\"label\":\"Sig \\\"quoted\\\"\"")
                  != NULL, "%s", p);
}
END_TEST


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


START_TEST(test_json_escape)
{
    char         buf[64];
    size_t       n;
    const char  *s = "a\"b\\c\n\x01";

    n = krj_json_escape(NULL, s, strlen(s));
    ck_assert_uint_eq(krj_json_escape(buf, s, strlen(s)), n);
    buf[n] = '\0';

    ck_assert_str_eq(buf, "a\\\"b\\\\c\\u000a\\u0001");
}
END_TEST


static Suite *
query_suite(void)
{
    TCase  *tc;
    Suite  *s;

    s = suite_create("query");

    tc = tcase_create("parse");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_parse_empty);
    tcase_add_test(tc, test_parse_errors);
    tcase_add_test(tc, test_parse_bounds);
    tcase_add_test(tc, test_parse_error_message_is_printable);
    suite_add_tcase(s, tc);

    tc = tcase_create("select");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_select_all);
    tcase_add_test(tc, test_select_filters);
    tcase_add_test(tc, test_select_sort);
    tcase_add_test(tc, test_select_paging);
    suite_add_tcase(s, tc);

    tc = tcase_create("render");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_render_unfiltered_equals_prerendered);
    tcase_add_test(tc, test_render_fields);
    tcase_add_test(tc, test_render_ticker);
    suite_add_tcase(s, tc);

    tc = tcase_create("encoding");
    tcase_add_test(tc, test_accept_gzip);
    tcase_add_test(tc, test_json_escape);
    suite_add_tcase(s, tc);

    return s;
}


KRJ_TEST_MAIN(query_suite)
