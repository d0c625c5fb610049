
/*
 * Copyright (C) The krj developers
 */


#include "krj_test_snap.h"


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
    expect_error("ticker=A,%20,B", KRJ_QUERY_BAD_PARAMETER);
    expect_error("signal=%20", KRJ_QUERY_BAD_PARAMETER);
    expect_error("fields=%20c", KRJ_QUERY_UNKNOWN_COLUMN);
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


/* a server's bounds: at them a query parses, one over is OVER_BOUND */

static int
bounded(const char *args)
{
    static const krj_query_bounds_t  b = { 5, 10, 2, 3 };

    return krj_query_parse_bounded(&q, &snap, sig, args, strlen(args), &b,
                                   test_alloc, NULL);
}


static void
expect_over(const char *args, const char *directive)
{
    ck_assert_msg(bounded(args) == KRJ_QUERY_OVER_BOUND,
                  "\"%s\": got %d (%s)", args, q.error, q.err);
    ck_assert_msg(strstr(q.err, directive) != NULL, "\"%s\": %s", args,
                  q.err);
}


START_TEST(test_parse_server_bounds)
{
    ck_assert_int_eq(bounded("limit=5&offset=10&ticker=A,B&fields=c,ticker"),
                     KRJ_QUERY_OK);
    ck_assert_uint_eq(q.limit, 5);
    ck_assert_uint_eq(q.ntickers, 2);

    /* not given: not bounded */
    ck_assert_int_eq(bounded("signal=Long"), KRJ_QUERY_OK);
    ck_assert_uint_eq(q.limit, UINT64_MAX);

    expect_over("limit=6", "krj_max_limit");
    ck_assert_str_eq(q.err, "\"limit\" is at most 5 on this server "
                     "(krj_max_limit), not 6");
    expect_over("offset=11", "krj_max_offset");
    expect_over("ticker=A,B,C", "krj_max_tickers");
    expect_over("ticker=,,", "krj_max_tickers");
    expect_over("fields=c,c,c,c", "krj_max_fields");

    /* the parser's own range is checked first */
    ck_assert_int_eq(bounded("limit=1000001"), KRJ_QUERY_BAD_PARAMETER);

    /* krj_query_parse() has no server bounds */
    ck_assert_int_eq(parse(sig, "limit=6&offset=11&ticker=A,B,C"),
                     KRJ_QUERY_OK);
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

    /* spaces around list items are not part of a ticker or a signal */
    ck_assert_str_eq(selected(sig, "ticker=A,%20F"), "A,F");
    ck_assert_str_eq(selected(sig, "ticker=%20A%20,%09D"), "A,D");
    ck_assert_str_eq(selected(sig, "ticker=A, F"), "A,F");
    ck_assert_str_eq(selected(sig, "signal=Long,%20Short"), "A,B,D,E,F");
    ck_assert_str_eq(selected(sig, "prior=%20Neutral%20"), "C,D");
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


/* the API index lists the parser's own parameters, each with its text */

START_TEST(test_doc_lists_the_parameters)
{
    size_t        k;
    unsigned      i;
    char          args[64];
    const char   *name, *takes, *description;
    static const char  *valid[][2] = {
        { "ticker", "A" }, { "signal", "Long" }, { "prior", "Short" },
        { "changed", "1" }, { "fields", "c" }, { "sort", "-c" },
        { "limit", "1000000" }, { "offset", "0" }
    };

    for (i = 0; krj_query_doc(i, &name, &takes, &description); i++) {
        ck_assert_msg(*takes && strlen(description) > 10, "%s", name);

        for (k = 0; k < sizeof(valid) / sizeof(valid[0]); k++) {
            if (strcmp(valid[k][0], name) == 0) {
                break;
            }
        }

        ck_assert_msg(k < sizeof(valid) / sizeof(valid[0]), "%s", name);

        snprintf(args, sizeof(args), "%s=%s", name, valid[k][1]);
        ck_assert_msg(parse(sig, args) == KRJ_QUERY_OK, "%s: %s", args,
                      q.err);
    }

    ck_assert_uint_eq(i, sizeof(valid) / sizeof(valid[0]));
    ck_assert_int_eq(krj_query_doc(i, &name, &takes, &description), 0);

    /* the bound the index states is the parser's */
    ck_assert_int_eq(krj_query_doc(6, &name, &takes, &description), 1);
    ck_assert_str_eq(name, "limit");
    ck_assert_str_eq(takes, "0 to 1000000");
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
    tcase_add_test(tc, test_parse_server_bounds);
    tcase_add_test(tc, test_parse_error_message_is_printable);
    tcase_add_test(tc, test_doc_lists_the_parameters);
    suite_add_tcase(s, tc);

    tc = tcase_create("select");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_select_all);
    tcase_add_test(tc, test_select_filters);
    tcase_add_test(tc, test_select_sort);
    tcase_add_test(tc, test_select_paging);
    suite_add_tcase(s, tc);

    return s;
}


KRJ_TEST_MAIN(query_suite)
