
/*
 * Copyright (C) The krj developers
 */


/*
 * The dashboard's formats and escaping (krj_format.c, krj_html.c, the
 * tooltips of krj_columns.c) against the oracle of dashboard/MARKUP.md,
 * tests/integration/krjdash.py: the Makefile runs "krjdash.py cases",
 * which writes the oracle's answer for every cell of the fixture files,
 * edge numbers, texts, dates and ages; each line is checked here.
 */


#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "krj_test.h"
#include "krj_cells.h"
#include "krj_columns.h"
#include "krj_format.h"
#include "krj_html.h"
#include "krj_snapshot.h"


#define MAX_FIELDS  6
#define LINE_MAX_   8192


typedef struct {
    char    *f[MAX_FIELDS];
    size_t   len[MAX_FIELDS];
    int      n;
} case_t;


/* splits a line on tabs and undoes the oracle's \\ \t \n \r escapes */
static void
split(char *line, case_t *c)
{
    char  *p, *d;

    c->n = 0;
    p = line;

    while (c->n < MAX_FIELDS) {
        c->f[c->n] = p;
        d = p;

        while (*p && *p != '\t' && *p != '\n') {
            if (*p == '\\' && p[1]) {
                p++;
                *d++ = (*p == 't') ? '\t' : (*p == 'n') ? '\n'
                       : (*p == 'r') ? '\r' : *p;
                p++;
                continue;
            }

            *d++ = *p++;
        }

        c->len[c->n] = d - c->f[c->n];
        c->n++;

        if (*p != '\t') {
            *d = '\0';
            break;
        }

        p++;
        *d = '\0';
    }
}


static FILE *
open_cases(void)
{
    FILE  *f;

    f = fopen(KRJ_ORACLE_CASES, "r");
    ck_assert_msg(f != NULL, "cannot open %s", KRJ_ORACLE_CASES);

    return f;
}


/* how many lines of kind were checked */
static unsigned
run_cases(const char *kind, void (*check)(case_t *c))
{
    FILE      *f;
    char      *line;
    case_t     c;
    unsigned   n;

    line = malloc(LINE_MAX_);
    ck_assert_ptr_nonnull(line);

    f = open_cases();
    n = 0;

    while (fgets(line, LINE_MAX_, f) != NULL) {
        split(line, &c);

        if (strcmp(c.f[0], kind) == 0) {
            check(&c);
            n++;
        }
    }

    fclose(f);
    free(line);

    return n;
}


static void
check_col(case_t *c)
{
    const krj_column_t  *col;

    ck_assert_int_eq(c->n, 5);

    col = krj_column_find(c->f[1], c->len[1]);
    ck_assert_msg(col != NULL, "%s: not a known column", c->f[1]);
    ck_assert_str_eq(col->label, c->f[2]);
    ck_assert_str_eq(col->tooltip, c->f[3]);
    ck_assert_int_eq(krj_column_numeric(col), atoi(c->f[4]));
}


static void
check_cell(case_t *c)
{
    char                 buf[KRJ_FORMAT_LEN];
    double               num;
    uint32_t             type;
    krj_buf_t            b;
    krj_str_t            s;
    const krj_column_t  *col;

    ck_assert_int_eq(c->n, 4);

    col = krj_column_find(c->f[1], c->len[1]);
    ck_assert_ptr_nonnull(col);

    /* the typing the snapshot gives the cell, as krj-batch decides it */
    krj_buf_init(&b);
    num = 0;
    type = krj_cell_json(&b, c->f[2], c->len[2], &num);
    krj_buf_free(&b);

    s = krj_format_cell(buf, col->format, strcmp(col->name, "ticker") == 0,
                        c->f[2], c->len[2], type == KRJ_SNAP_NUMBER,
                        num);

    ck_assert_msg(s.len == c->len[3] && memcmp(s.data, c->f[3], s.len) == 0,
                  "%s \"%s\": \"%.*s\", the oracle says \"%s\"", c->f[1],
                  c->f[2], (int) s.len, s.data, c->f[3]);
}


static void
check_esc(case_t *c)
{
    char    out[1024];
    size_t  n;

    ck_assert_int_eq(c->n, 3);

    n = krj_html_escape(NULL, c->f[1], c->len[1]);
    ck_assert_uint_eq(n, c->len[2]);
    ck_assert_uint_eq(krj_html_escape(out, c->f[1], c->len[1]), n);
    ck_assert_msg(memcmp(out, c->f[2], n) == 0, "esc \"%s\"", c->f[1]);
}


static void
check_query(case_t *c)
{
    char       out[1024];
    krj_out_t  o;

    ck_assert_int_eq(c->n, 3);

    krj_out_init(&o, NULL);
    krj_out_query(&o, c->f[1], c->len[1]);
    ck_assert_uint_eq(o.len, c->len[2]);

    krj_out_init(&o, out);
    krj_out_query(&o, c->f[1], c->len[1]);
    ck_assert_msg(memcmp(out, c->f[2], o.len) == 0, "query \"%s\": %.*s",
                  c->f[1], (int) o.len, out);
}


static void
check_date(case_t *c)
{
    char    buf[KRJ_HTML_DATE_LEN];
    size_t  n;

    n = krj_html_date(buf, c->f[1], c->len[1]);
    ck_assert_uint_eq(n, c->len[2]);
    ck_assert_str_eq(buf, c->f[2]);
}


static void
check_age(case_t *c)
{
    char    buf[KRJ_HTML_AGE_LEN];
    size_t  n;

    n = krj_html_age(buf, strtoll(c->f[1], NULL, 10));
    ck_assert_uint_eq(n, c->len[2]);
    ck_assert_str_eq(buf, c->f[2]);
}


static void
check_b36(case_t *c)
{
    char       buf[32];
    krj_out_t  o;

    krj_out_init(&o, buf);
    krj_out_base36(&o, strtoull(c->f[1], NULL, 10), atoi(c->f[2]));
    buf[o.len] = '\0';
    ck_assert_str_eq(buf, c->f[3]);
}


START_TEST(test_oracle_columns)
{
    /* every column of the known schema, each with the oracle's texts */
    ck_assert_uint_eq(run_cases("col", check_col), 14);
}
END_TEST


START_TEST(test_oracle_cells)
{
    /* several thousand: every cell of the fixture files and the edges */
    ck_assert_uint_ge(run_cases("cell", check_cell), 5000);
}
END_TEST


START_TEST(test_oracle_texts)
{
    ck_assert_uint_ge(run_cases("esc", check_esc), 10);
    ck_assert_uint_ge(run_cases("query", check_query), 15);
    ck_assert_uint_ge(run_cases("date", check_date), 6);
    ck_assert_uint_ge(run_cases("age", check_age), 15);
    ck_assert_uint_ge(run_cases("b36", check_b36), 8);
}
END_TEST


START_TEST(test_fixed_exact)
{
    char    buf[KRJ_FORMAT_LEN];
    size_t  n;

    /* ties on exact binary values round up, as toFixed does */
    n = krj_format_fixed(buf, 0.125, 2);
    ck_assert_str_eq((buf[n] = '\0', buf), "0.13");
    n = krj_format_fixed(buf, 2.5, 0);
    ck_assert_str_eq((buf[n] = '\0', buf), "3");

    /* 1.005 is 1.00499999999999989...: down, as in JavaScript */
    n = krj_format_fixed(buf, 1.005, 2);
    ck_assert_str_eq((buf[n] = '\0', buf), "1.00");

    /* a carry through every digit, into a new one */
    n = krj_format_fixed(buf, 999.995, 2);
    ck_assert_str_eq((buf[n] = '\0', buf), "1000.00");
    n = krj_format_fixed(buf, 9.5, 0);
    ck_assert_str_eq((buf[n] = '\0', buf), "10");

    /* the sign of a negative number that rounds to zero stays */
    n = krj_format_fixed(buf, -0.0001, 1);
    ck_assert_str_eq((buf[n] = '\0', buf), "-0.0");
    n = krj_format_fixed(buf, -0.0, 1);
    ck_assert_str_eq((buf[n] = '\0', buf), "0.0");

    /* the smallest subnormal: 1074 fraction digits, exactly */
    n = krj_format_fixed(buf, 5e-324, 2);
    ck_assert_str_eq((buf[n] = '\0', buf), "0.00");

    /* more digits than the format allows are capped */
    n = krj_format_fixed(buf, 1.0 / 3, 30);
    ck_assert_uint_eq(n, 2 + KRJ_FORMAT_DIGITS);

    /* from 1e21 on, String(x) */
    n = krj_format_fixed(buf, 1e21, 2);
    ck_assert_str_eq((buf[n] = '\0', buf), "1e+21");
    n = krj_format_fixed(buf, -1.7976931348623157e308, 2);
    ck_assert_str_eq((buf[n] = '\0', buf), "-1.7976931348623157e+308");
    ck_assert_uint_lt(n, KRJ_FORMAT_LEN);
}
END_TEST


/*
 * The fast path of krj_format_fixed() against the exact one: numbers of
 * every magnitude a column holds, CSV-like cents, and the doubles nearest
 * a decimal tie at each number of digits with their two neighbours (the
 * cases where rounding the product could go the wrong way).
 */

START_TEST(test_fixed_fast_agrees)
{
    char      a[KRJ_FORMAT_LEN], b[KRJ_FORMAT_LEN];
    double    x, tie, p10[KRJ_FORMAT_DIGITS + 1];
    size_t    na, nb;
    uint64_t  r;
    unsigned  i, d;

    p10[0] = 1;

    for (d = 1; d <= KRJ_FORMAT_DIGITS; d++) {
        p10[d] = p10[d - 1] * 10;
    }

    /* xorshift64: the same numbers on every run */
    r = 88172645463325252ULL;

    for (i = 0; i < 200000; i++) {
        r ^= r << 13;
        r ^= r >> 7;
        r ^= r << 17;

        d = r % (KRJ_FORMAT_DIGITS + 1);

        switch (i % 3) {

        case 0:
            x = ldexp((double) (r >> 11) / 0x1p53, (int) (r % 80) - 30);
            break;

        case 1:
            tie = ((double) (r >> 40) + 0.5) / p10[d];
            x = (r & 8) ? nextafter(tie, 0)
                        : (r & 16) ? nextafter(tie, INFINITY) : tie;
            break;

        default:
            x = (double) (r >> 44) / 100;
        }

        if (r & 4) {
            x = -x;
        }

        na = krj_format_fixed(a, x, d);
        nb = krj_format_fixed_exact(b, x, d);

        ck_assert_msg(na == nb && memcmp(a, b, na) == 0,
                      "%.17g to %u digits: %.*s, exactly %.*s", x, d,
                      (int) na, a, (int) nb, b);
    }
}
END_TEST


START_TEST(test_escape_invalid_utf8)
{
    char    out[64];
    size_t  n;

    /* a stray byte and a cut sequence become U+FFFD each, byte by byte */
    n = krj_html_escape(out, "a\xff<\xe2\x82", 5);
    ck_assert_uint_eq(n, 1 + 3 + 4 + 3 + 3);
    ck_assert(memcmp(out, "a\xef\xbf\xbd&lt;\xef\xbf\xbd\xef\xbf\xbd", n)
              == 0);
    ck_assert_uint_eq(krj_html_escape(NULL, "a\xff<\xe2\x82", 5), n);
}
END_TEST


START_TEST(test_chars)
{
    const char  *s = "caf\xc3\xa9 \xe2\x80\x94 x";

    ck_assert_uint_eq(krj_html_chars(s, strlen(s)), 8);
    ck_assert_uint_eq(krj_html_prefix(s, strlen(s), 4), 5);
    ck_assert_uint_eq(krj_html_prefix(s, strlen(s), 6), 9);
    ck_assert_uint_eq(krj_html_prefix(s, strlen(s), 100), strlen(s));
    ck_assert_uint_eq(krj_html_prefix(s, strlen(s), 0), 0);
}
END_TEST


START_TEST(test_fmt_conversions)
{
    char       buf[64];
    krj_out_t  o;

    krj_out_init(&o, NULL);
    krj_out_fmt(&o, "<a href=\"?t=%q\">%h</a>", "a&b c", (size_t) 5,
                "a&b", (size_t) 3);
    ck_assert_uint_lt(o.len, sizeof(buf));

    krj_out_init(&o, buf);
    krj_out_fmt(&o, "<a href=\"?t=%q\">%h</a>", "a&b c", (size_t) 5,
                "a&b", (size_t) 3);
    buf[o.len] = '\0';
    ck_assert_str_eq(buf, "<a href=\"?t=a%26b%20c\">a&amp;b</a>");
}
END_TEST


static Suite *
html_suite(void)
{
    Suite  *s;
    TCase  *tc;

    s = suite_create("html");
    tc = tcase_create("html");
    tcase_add_test(tc, test_oracle_columns);
    tcase_add_test(tc, test_oracle_cells);
    tcase_add_test(tc, test_oracle_texts);
    tcase_add_test(tc, test_fixed_exact);
    tcase_add_test(tc, test_fixed_fast_agrees);
    tcase_add_test(tc, test_escape_invalid_utf8);
    tcase_add_test(tc, test_chars);
    tcase_add_test(tc, test_fmt_conversions);
    suite_add_tcase(s, tc);

    return s;
}


KRJ_TEST_MAIN(html_suite)
