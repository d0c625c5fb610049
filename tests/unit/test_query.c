
/*
 * Copyright (C) The krj developers
 */


#include "krj_test_snap.h"
#include "krj_form.h"


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
    expect_error("either=", KRJ_QUERY_BAD_PARAMETER);
    expect_error("either=Up", KRJ_QUERY_BAD_PARAMETER);
    expect_error("either=Long&either=Short", KRJ_QUERY_BAD_PARAMETER);
    expect_error("ticker=A+B&ticker=C", KRJ_QUERY_BAD_PARAMETER);
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
    ck_assert_int_eq(parse(plain, "either=Long"), KRJ_QUERY_UNKNOWN_COLUMN);
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


static int
parse_form(const krj_snap_category_t *cat, const char *args)
{
    return krj_query_parse_form(&q, &snap, cat, args, strlen(args),
                                test_alloc, NULL);
}


static void
expect_form_error(const char *args, int code)
{
    ck_assert_msg(parse_form(sig, args) == code, "\"%s\": got %d (%s), "
                  "want %d", args, q.error, q.err, code);
    ck_assert_msg(q.err[0] != '\0', "\"%s\": no message", args);
}


/* the tickers of a parsed form, joined with "|" */

static const char *
tickers(void)
{
    uint32_t     i;
    static char  buf[256];

    buf[0] = '\0';

    for (i = 0; i < q.ntickers; i++) {
        snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s%.*s",
                 i ? "|" : "", (int) q.tickers[i].len, q.tickers[i].data);
    }

    return buf;
}


START_TEST(test_form_what_a_browser_sends)
{
    /* empty fields are absent, checkboxes repeat, lists join */
    ck_assert_int_eq(parse_form(sig, "ticker=&signal=Long&signal=Short"
                                     "&fields=c&fields=signal&sort="),
                     KRJ_QUERY_OK);
    ck_assert_uint_eq(q.ntickers, 0);
    ck_assert_uint_eq(q.signals, KRJ_QUERY_SIGNAL_BIT(KRJ_SIGNAL_LONG)
                                 | KRJ_QUERY_SIGNAL_BIT(KRJ_SIGNAL_SHORT));
    ck_assert_int_eq(q.sort_col, -1);
    ck_assert_uint_eq(q.nfields, 2);
    ck_assert_uint_eq(q.fields[0], 1);
    ck_assert_uint_eq(q.fields[1], 3);
    ck_assert_uint_eq(q.given, KRJ_QUERY_SIGNAL|KRJ_QUERY_FIELDS);
    ck_assert_uint_eq(q.nparams, 4);

    /* "+" is a space, items and values are trimmed, empty items skipped */
    ck_assert_int_eq(parse_form(sig, "ticker=A,+F"), KRJ_QUERY_OK);
    ck_assert_str_eq(tickers(), "A|F");
    ck_assert_int_eq(parse_form(sig, "ticker=+a,,%20f,&limit=+5%09"),
                     KRJ_QUERY_OK);
    ck_assert_str_eq(tickers(), "a|f");
    ck_assert_uint_eq(q.limit, 5);
    ck_assert_int_eq(parse_form(sig, "ticker=BRK+B"), KRJ_QUERY_OK);
    ck_assert_str_eq(tickers(), "BRK B");

    /* a malformed escape is text, as in a browser */
    ck_assert_int_eq(parse_form(sig, "ticker=%zz,%4,100%"), KRJ_QUERY_OK);
    ck_assert_str_eq(tickers(), "%zz|%4|100%");

    /* the visible columns: file order, each once, the ticker allowed */
    ck_assert_int_eq(parse_form(sig, "fields=signal,c,c&fields=ticker"),
                     KRJ_QUERY_OK);
    ck_assert_uint_eq(q.nfields, 3);
    ck_assert_uint_eq(q.fields[0], 0);
    ck_assert_uint_eq(q.fields[1], 1);
    ck_assert_uint_eq(q.fields[2], 3);

    /* a repeated empty parameter and a name without "=" are absent */
    ck_assert_int_eq(parse_form(sig, "sort=&sort=-c&limit&&"), KRJ_QUERY_OK);
    ck_assert_int_eq(q.sort_col, 1);
    ck_assert_int_eq(q.sort_desc, 1);
    ck_assert_uint_eq(q.limit, UINT64_MAX);
    ck_assert_uint_eq(q.given, KRJ_QUERY_SORT);

    ck_assert_int_eq(parse_form(sig, "signal=long,&signal=SHORT&prior=+"),
                     KRJ_QUERY_OK);
    ck_assert_uint_eq(q.priors, 0);
    ck_assert_int_eq(parse_form(sig, "changed=TRUE&either=neutral"),
                     KRJ_QUERY_OK);
    ck_assert_int_eq(q.changed, KRJ_CHANGED_YES);
    ck_assert_uint_eq(q.eithers, KRJ_QUERY_SIGNAL_BIT(KRJ_SIGNAL_NEUTRAL));
}
END_TEST


START_TEST(test_form_errors)
{
    /* an unknown name counts even with an empty value */
    expect_form_error("bogus=", KRJ_QUERY_UNKNOWN_PARAMETER);
    expect_form_error("bogus", KRJ_QUERY_UNKNOWN_PARAMETER);
    expect_form_error("ticker=A&ticker=B", KRJ_QUERY_BAD_PARAMETER);
    expect_form_error("sort=c&sort=-c", KRJ_QUERY_BAD_PARAMETER);
    expect_form_error("limit=1&limit=1", KRJ_QUERY_BAD_PARAMETER);
    expect_form_error("changed=1&changed=1", KRJ_QUERY_BAD_PARAMETER);
    expect_form_error("ticker=%00", KRJ_QUERY_BAD_PARAMETER);
    expect_form_error("ticker=%ff", KRJ_QUERY_BAD_PARAMETER);
    expect_form_error("%e2%82=1", KRJ_QUERY_BAD_PARAMETER);
    expect_form_error("signal=Maybe", KRJ_QUERY_BAD_PARAMETER);
    expect_form_error("fields=c,nope", KRJ_QUERY_UNKNOWN_COLUMN);
    expect_form_error("sort=nope", KRJ_QUERY_UNKNOWN_COLUMN);
    expect_form_error("sort=-", KRJ_QUERY_BAD_PARAMETER);
    expect_form_error("limit=-1", KRJ_QUERY_BAD_PARAMETER);
    expect_form_error("limit=x", KRJ_QUERY_BAD_PARAMETER);
    expect_form_error("offset=99999999999", KRJ_QUERY_BAD_PARAMETER);
    expect_form_error("changed=2", KRJ_QUERY_BAD_PARAMETER);
    ck_assert_int_eq(parse_form(plain, "either=Long"),
                     KRJ_QUERY_UNKNOWN_COLUMN);
    ck_assert_int_eq(parse_form(plain, "signal=Long"),
                     KRJ_QUERY_UNKNOWN_COLUMN);

    /* the message names the parameter and stays printable */
    expect_form_error("ticker=%ff%fe", KRJ_QUERY_BAD_PARAMETER);
    ck_assert_ptr_nonnull(strstr(q.err, "\"ticker\""));
    expect_form_error("t%C3%A9=%ff", KRJ_QUERY_BAD_PARAMETER);
    ck_assert_ptr_null(strchr(q.err, '\xc3'));
}
END_TEST


START_TEST(test_form_buffer_bound)
{
    size_t  i;
    char    args[4096];

    /* pairs without "=" need a NUL more than their bytes: still in bounds */
    args[0] = '\0';

    for (i = 0; i < 300; i++) {
        strcat(args, i ? "&sort" : "sort");
    }

    ck_assert_int_eq(parse_form(sig, args), KRJ_QUERY_OK);

    args[0] = '\0';

    for (i = 0; i < 1000; i++) {
        strcat(args, i ? "&s" : "s");
    }

    ck_assert_int_eq(parse_form(sig, args), KRJ_QUERY_UNKNOWN_PARAMETER);
}
END_TEST


/* a sign-in form's fields are raw: a password's spaces are its own */

START_TEST(test_form_next_raw_and_trimmed)
{
    char         buf[64], err[KRJ_FORM_ERRLEN];
    krj_str_t    name, value;
    const char  *args, *p;

    args = "+user+=%20a+b%09&&password=+pw+&next";

    p = args;
    ck_assert_int_eq(krj_form_next(&p, args + strlen(args), buf, &name,
                                   &value, err, KRJ_FORM_RAW), 1);
    ck_assert_uint_eq(name.len, 6);
    ck_assert_mem_eq(name.data, " user ", 6);
    ck_assert_uint_eq(value.len, 5);
    ck_assert_mem_eq(value.data, " a b\t", 5);
    ck_assert_int_eq(value.data[value.len], '\0');

    ck_assert_int_eq(krj_form_next(&p, args + strlen(args),
                                   (char *) value.data + value.len + 1,
                                   &name, &value, err, KRJ_FORM_RAW), 1);
    ck_assert_uint_eq(name.len, 8);
    ck_assert_uint_eq(value.len, 4);
    ck_assert_mem_eq(value.data, " pw ", 4);

    ck_assert_int_eq(krj_form_next(&p, args + strlen(args),
                                   (char *) value.data + value.len + 1,
                                   &name, &value, err, KRJ_FORM_RAW), 1);
    ck_assert_uint_eq(name.len, 4);
    ck_assert_uint_eq(value.len, 0);

    ck_assert_int_eq(krj_form_next(&p, args + strlen(args), buf, &name,
                                   &value, err, KRJ_FORM_RAW), 0);

    /* the same pairs as a query's */
    p = args;
    ck_assert_int_eq(krj_form_next(&p, args + strlen(args), buf, &name,
                                   &value, err, KRJ_FORM_TRIM), 1);
    ck_assert_uint_eq(name.len, 4);
    ck_assert_mem_eq(name.data, "user", 4);
    ck_assert_uint_eq(value.len, 3);
    ck_assert_mem_eq(value.data, "a b", 3);

    /* not UTF-8: an error, whatever the flags, naming the field only */
    args = "password=%ff";
    p = args;
    ck_assert_int_eq(krj_form_next(&p, args + strlen(args), buf, &name,
                                   &value, err, KRJ_FORM_RAW), -1);
    ck_assert_str_eq(err, "parameter \"password\" is not UTF-8");
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
    ck_assert_str_eq(selected(sig, "either=Short"), "B,E,F");
    ck_assert_str_eq(selected(sig, "either=long"), "A,B,D,F");
    ck_assert_str_eq(selected(sig, "either=Neutral&signal=Long"), "D");
    ck_assert_str_eq(selected(sig, "either=Long&prior=Short"), "F");
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
        { "either", "Long,Short" }, { "changed", "1" }, { "fields", "c" },
        { "sort", "-c" }, { "limit", "1000000" }, { "offset", "0" }
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
    ck_assert_int_eq(krj_query_doc(7, &name, &takes, &description), 1);
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

    tc = tcase_create("form");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_form_what_a_browser_sends);
    tcase_add_test(tc, test_form_errors);
    tcase_add_test(tc, test_form_buffer_bound);
    tcase_add_test(tc, test_form_next_raw_and_trimmed);
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
