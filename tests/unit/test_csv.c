
/*
 * Copyright (C) The krj developers
 */


#include <stdio.h>
#include <string.h>

#include "krj_test.h"
#include "krj_csv.h"
#include "krj_snapshot.h"


#define HDR  "ticker,c,signal,signal_status_prior_week\n"


typedef struct {
    int         n;
    uint32_t    line;
    char        msg[KRJ_CSV_ERRLEN];
} warns_t;


static krj_csv_t  t;
static warns_t    w;


static void
collect(void *ctx, uint32_t line, const char *msg)
{
    warns_t  *ws = ctx;

    ws->n++;
    ws->line = line;
    snprintf(ws->msg, sizeof(ws->msg), "%s", msg);
}


static int
parse_n(const char *s, size_t len)
{
    memset(&w, 0, sizeof(w));
    return krj_csv_parse(&t, (const uint8_t *) s, len, 1 << 20, collect, &w);
}


static int
parse(const char *s)
{
    return parse_n(s, strlen(s));
}


static void
teardown(void)
{
    krj_csv_free(&t);
}


#define REJECT(text, ln, reason)                                              \
    do {                                                                      \
        ck_assert_int_eq(parse(text), -1);                                    \
        ck_assert_uint_eq(t.err_line, ln);                                    \
        ck_assert_str_eq(t.err, reason);                                      \
    } while (0)


#define FIELD(rec, col, text)                                                 \
    do {                                                                      \
        ck_assert_uint_eq(krj_csv_len(&t, rec, col), strlen(text));           \
        ck_assert_str_eq(krj_csv_text(&t, rec, col), text);                   \
    } while (0)


START_TEST(test_simple)
{
    ck_assert_int_eq(parse(HDR "A,1.5,Long,Short\nB,,Neutral,\n"), 0);
    ck_assert_uint_eq(t.ncolumns, 4);
    ck_assert_uint_eq(t.nrows, 2);
    ck_assert_int_eq(t.ticker_col, 0);
    ck_assert_int_eq(t.signal_col, 2);
    ck_assert_int_eq(t.prior_col, 3);
    FIELD(0, 1, "c");
    FIELD(1, 0, "A");
    FIELD(2, 1, "");
    ck_assert_uint_eq(t.rows[0].line, 2);
    ck_assert_uint_eq(t.rows[1].line, 3);
    ck_assert_uint_eq(t.rows[0].signal, KRJ_SIGNAL_LONG);
    ck_assert_uint_eq(t.rows[0].prior, KRJ_SIGNAL_SHORT);
    ck_assert_uint_eq(t.rows[1].signal, KRJ_SIGNAL_NEUTRAL);
    ck_assert_uint_eq(t.rows[1].prior, KRJ_SIGNAL_NONE);
    ck_assert_int_eq(w.n, 0);
    ck_assert_uint_eq(t.len, strlen(HDR) + 29);
}
END_TEST


START_TEST(test_quoted)
{
    const char  *s = "ticker,note\r\n"
                     "A,\"x, y\"\r\n"
                     "B,\"say \"\"hi\"\"\"\r\n"
                     "C,\"two\nlines\nhere\"\r\n"
                     "D,end\r\n";

    ck_assert_int_eq(parse(s), 0);
    ck_assert_uint_eq(t.nrows, 4);
    FIELD(1, 1, "x, y");
    FIELD(2, 1, "say \"hi\"");
    FIELD(3, 1, "two\nlines\nhere");
    FIELD(4, 1, "end");
    ck_assert_uint_eq(t.rows[2].line, 4);
    ck_assert_uint_eq(t.rows[3].line, 7);
    ck_assert_int_eq(t.signal_col, -1);
    ck_assert_int_eq(t.prior_col, -1);
}
END_TEST


START_TEST(test_bom_and_endings)
{
    ck_assert_int_eq(parse("\xef\xbb\xbfticker,c\nA,1"), 0);
    ck_assert_uint_eq(t.nrows, 1);
    FIELD(0, 0, "ticker");
    ck_assert_uint_eq(t.len, strlen("ticker,c\nA,1"));
    ck_assert_int_eq(memcmp(t.data, "ticker", 6), 0);
    krj_csv_free(&t);

    /* a blank final line is fine; spaces are kept */
    ck_assert_int_eq(parse("ticker,c\r\nA, 1 \r\n\r\n"), 0);
    ck_assert_uint_eq(t.nrows, 1);
    FIELD(1, 1, " 1 ");
    krj_csv_free(&t);

    ck_assert_int_eq(parse("ticker,c\nA,1\n\n"), 0);
    ck_assert_uint_eq(t.nrows, 1);
}
END_TEST


START_TEST(test_reject_size_nul_utf8)
{
    ck_assert_int_eq(krj_csv_parse(&t, (const uint8_t *) HDR, strlen(HDR),
                                   10, NULL, NULL), -1);
    ck_assert_uint_eq(t.err_line, 0);
    ck_assert_str_eq(t.err, "file is 41 bytes, over the limit of 10");
    krj_csv_free(&t);

    ck_assert_int_eq(parse_n("ticker\nA\nB\0\n", 11), -1);
    ck_assert_uint_eq(t.err_line, 3);
    ck_assert_str_eq(t.err, "NUL byte");
    krj_csv_free(&t);

    REJECT("ticker\nA\xff\n", 2, "invalid UTF-8");
    krj_csv_free(&t);
    REJECT("ticker\n\xc0\xaf\n", 2, "invalid UTF-8");      /* overlong */
    krj_csv_free(&t);
    REJECT("ticker\n\xe0\x80\xaf\n", 2, "invalid UTF-8");  /* overlong */
    krj_csv_free(&t);
    REJECT("ticker\nA\nB\n\xed\xa0\x80\n", 4, "invalid UTF-8");
    krj_csv_free(&t);
    REJECT("ticker\n\xf4\x90\x80\x80\n", 2, "invalid UTF-8");
    krj_csv_free(&t);
    REJECT("ticker\n\xe2\x82\n", 2, "invalid UTF-8");      /* truncated */
    krj_csv_free(&t);

    /* valid multi-byte text passes: é, €, U+10FFFF */
    ck_assert_int_eq(parse("ticker\n\xc3\xa9\xe2\x82\xac\xf4\x8f\xbf\xbf\n"),
                     0);
}
END_TEST


START_TEST(test_reject_header)
{
    REJECT("", 0, "empty file");
    krj_csv_free(&t);
    REJECT("\xef\xbb\xbf", 0, "empty file");
    krj_csv_free(&t);
    REJECT("\n\n", 0, "no header row");
    krj_csv_free(&t);
    REJECT("ticker,,c\nA,1,2\n", 1, "header column 2 has no name");
    krj_csv_free(&t);
    REJECT("ticker,c,d,c\nA,1,2,3\n", 1,
           "duplicate header name \"c\" (columns 2 and 4)");
    krj_csv_free(&t);
    REJECT("name,c\nA,1\n", 1, "no \"ticker\" column");
    krj_csv_free(&t);
    REJECT("Ticker,c\nA,1\n", 1, "no \"ticker\" column");
}
END_TEST


/*
 * Found by tests/fuzz/fuzz_csv (the records of the snapshot must read back
 * as the table): a BOM that survives the one dropped would start the first
 * header name, and every reader of the published file drops it again.
 */
START_TEST(test_reject_second_bom)
{
    REJECT("\xef\xbb\xbf\xef\xbb\xbfx,ticker\nA,1\n", 1,
           "header column 1 starts with U+FEFF, a byte order mark");
    krj_csv_free(&t);
    REJECT("\"\xef\xbb\xbfx\",ticker\nA,1\n", 1,
           "header column 1 starts with U+FEFF, a byte order mark");
    krj_csv_free(&t);
    REJECT("\xef\xbb\xbf\xef\xbb\xbfticker\nA\n", 1,
           "header column 1 starts with U+FEFF, a byte order mark");
    krj_csv_free(&t);

    /* elsewhere U+FEFF is text like any other */
    ck_assert_int_eq(parse("ticker,\xef\xbb\xbf" "c\nA,\xef\xbb\xbf\n"), 0);
    FIELD(0, 1, "\xef\xbb\xbf" "c");
    FIELD(1, 1, "\xef\xbb\xbf");
}
END_TEST


/* a bare CR ends a record as libcsv reads it, on the same line */
START_TEST(test_bare_cr)
{
    ck_assert_int_eq(parse("ticker,c\nA,1\rB,2\n"), 0);
    ck_assert_uint_eq(t.nrows, 2);
    ck_assert_uint_eq(t.rows[0].line, 2);
    ck_assert_uint_eq(t.rows[1].line, 2);
    FIELD(2, 0, "B");
}
END_TEST


START_TEST(test_reject_rows)
{
    REJECT(HDR "A,1,Long,Long\nB,2,Long\n", 3,
           "row has 3 fields, header has 4");
    krj_csv_free(&t);
    REJECT(HDR "A,1,Long,Long,x\n", 2, "row has 5 fields, header has 4");
    krj_csv_free(&t);

    /* the line of a record is where it starts */
    REJECT("ticker,n\nA,\"a\nb\nc\"\nB,1,2\n", 5,
           "row has 3 fields, header has 2");
    krj_csv_free(&t);
    REJECT("ticker,n\nA,\"a\nb\",3\n", 2, "row has 3 fields, header has 2");
    krj_csv_free(&t);
    REJECT(HDR "A,1,Long,Long\n,2,Long,Long\n", 3, "empty ticker");
}
END_TEST


START_TEST(test_reject_parse)
{
    /* libcsv strict mode: a quote after a closed quoted field */
    ck_assert_int_eq(parse("ticker,n\nA,\"x\"y\n"), -1);
    ck_assert_uint_eq(t.err_line, 2);
    ck_assert_str_eq(t.err, "bad quoting: error parsing data while strict "
                     "checking enabled");
    krj_csv_free(&t);

    /* an unterminated quoted field: the line where its record starts */
    ck_assert_int_eq(parse("ticker,n\nA,1\nB,\"open\nC,2\nD,3\n"), -1);
    ck_assert_uint_eq(t.err_line, 3);
    ck_assert_str_eq(t.err, "unterminated quoted field at end of file: "
                     "error parsing data while strict checking enabled");
    krj_csv_free(&t);

    /* a bad quote on the third line of a record: that physical line */
    ck_assert_int_eq(parse("ticker,n\r\nA,\"a\r\nb\r\nc\"x\r\n"), -1);
    ck_assert_uint_eq(t.err_line, 4);
}
END_TEST


START_TEST(test_warnings)
{
    ck_assert_int_eq(parse(HDR "A,1,Long,Long\nB,2,Long,Long\n"
                           "a,3,Long,Long\n"), 0);
    ck_assert_int_eq(w.n, 1);
    ck_assert_uint_eq(w.line, 4);
    ck_assert_str_eq(w.msg, "duplicate ticker \"a\" (lines 2 and 4)");
    krj_csv_free(&t);

    ck_assert_int_eq(parse(HDR "A,1,long,Long\nB,2,Buy,Hold\n"), 0);
    ck_assert_int_eq(w.n, 1);
    ck_assert_uint_eq(w.line, 2);
    ck_assert_uint_eq(t.rows[0].signal, KRJ_SIGNAL_OTHER);
    ck_assert_uint_eq(t.rows[1].prior, KRJ_SIGNAL_OTHER);
}
END_TEST


START_TEST(test_fixtures)
{
    char      path[512];
    FILE     *f;
    size_t    len;
    uint8_t  *buf;

    snprintf(path, sizeof(path), "%s/%s", KRJ_TEST_DATA,
             "KRJ_signals_latest_week_AI_Affected_2026-03-14.csv");
    f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);

    buf = malloc(1 << 20);
    len = fread(buf, 1, 1 << 20, f);
    fclose(f);

    ck_assert_int_eq(krj_csv_parse(&t, buf, len, 1 << 20, collect, &w), 0);
    ck_assert_uint_eq(t.nrows, 30);
    ck_assert_uint_eq(t.ncolumns, 35);
    ck_assert_uint_eq(t.len, len);
    krj_csv_free(&t);
    free(buf);
}
END_TEST


static Suite *
csv_suite(void)
{
    Suite  *s;
    TCase  *tc;

    s = suite_create("csv");
    tc = tcase_create("csv");
    tcase_add_checked_fixture(tc, NULL, teardown);
    tcase_add_test(tc, test_simple);
    tcase_add_test(tc, test_quoted);
    tcase_add_test(tc, test_bom_and_endings);
    tcase_add_test(tc, test_reject_size_nul_utf8);
    tcase_add_test(tc, test_reject_header);
    tcase_add_test(tc, test_reject_second_bom);
    tcase_add_test(tc, test_bare_cr);
    tcase_add_test(tc, test_reject_rows);
    tcase_add_test(tc, test_reject_parse);
    tcase_add_test(tc, test_warnings);
    tcase_add_test(tc, test_fixtures);
    suite_add_tcase(s, tc);

    return s;
}


KRJ_TEST_MAIN(csv_suite)
