
/*
 * Copyright (C) The krj developers
 */


/*
 * The selection over the indexes against the selection it replaced, kept
 * here only: a scan of every row, the filters matched on the cells' text,
 * and a stable merge sort by the cells' values.  Every combination of the
 * parameters (tickers, signal, prior, changed, either, every column
 * ascending and descending, pages) on every fixture, and on a category made
 * to be awkward, must select the same rows in the same order with the
 * same counts; the projected answers (fields=) must be the bytes the
 * cells themselves give.
 */


#include <stdio.h>
#include <string.h>

#include "krj_test.h"
#include "krj_old_select.h"
#include "krj_cells.h"
#include "krj_csv.h"
#include "krj_publish.h"
#include "krj_query.h"
#include "krj_render.h"
#include "krj_scan.h"
#include "krj_snapshot.h"
#include "krj_snapshot_write.h"
#include "krj_str.h"


#define NFILES      10
#define NCATS       (NFILES + 1)
#define MAX_ALLOCS  64

/*
 * Numbers, texts, empty cells and ties in c; signals other than the
 * three, in two cases; a ticker twice, in two cases; quoted fields.
 */
#define ODD_CSV                                                               \
    "ticker,c,\"a,b\",signal,signal_status_prior_week\n"                      \
    "A,3,x,Long,Long\n"                                                       \
    "B,1,,Short,Long\n"                                                       \
    "C,,y,Neutral,Neutral\n"                                                  \
    "D,2,\"q,\"\"r\"\"\",Long,Neutral\n"                                      \
    "E,abc,z,Short,Short\n"                                                   \
    "F,1,w,Long,Short\n"                                                      \
    "g,1e400,\"two\nlines\",Buy,long\n"                                       \
    "a,-1,\xc3\xa9,,Short\n"                                                  \
    "h,-0,z,BUY,buy\n"                                                        \
    "i,0.0,,Long,\n"                                                          \
    "j,1.0,abc,Hold,Short\n"


static const char  *files[NFILES] = {
    "AI_Affected_2026-03-14", "DRC_2026-01-09", "ETFs_and_FX_2025-12-12",
    "ETFs_and_FX_2026-01-09", "Equities_2025-12-12", "Equities_2026-01-09",
    "SP100_2025-12-12", "SP100_2026-01-09", "SP500_2025-12-12",
    "SP500_2026-01-09"
};

static char               names[NCATS][3][256];
static uint8_t           *data[NCATS];
static krj_csv_t          csv[NCATS];
static krj_snap_input_t   in[NCATS];
static krj_buf_t          out;
static krj_snap_t         snap;
static void              *allocs[MAX_ALLOCS];
static int                nallocs;
static uint64_t           compared;


static void *
test_alloc(void *d, size_t size)
{
    (void) d;

    if (nallocs == MAX_ALLOCS) {
        return NULL;
    }

    allocs[nallocs] = malloc(size ? size : 1);

    return allocs[nallocs++];
}


static void
free_all(void)
{
    while (nallocs) {
        free(allocs[--nallocs]);
    }
}


static int
cmp_input(const void *a, const void *b)
{
    return strcmp(((const krj_snap_input_t *) a)->slug,
                  ((const krj_snap_input_t *) b)->slug);
}


static void
setup(void)
{
    char      path[512], cat[KRJ_SCAN_NAME_MAX], err[1024];
    size_t    i, len;
    uint8_t   digest[32];

    for (i = 0; i < NCATS; i++) {
        if (i == NFILES) {
            len = strlen(ODD_CSV);
            data[i] = malloc(len);
            memcpy(data[i], ODD_CSV, len);
            snprintf(names[i][0], 256, "odd");
            snprintf(names[i][1], 256, "Odd");
            snprintf(names[i][2], 256, "2026-01-09");

        } else {
            snprintf(path, sizeof(path),
                     "%s/KRJ_signals_latest_week_%s.csv", KRJ_TEST_DATA,
                     files[i]);
            ck_assert_int_eq(krj_scan_parse_name(strrchr(path, '/') + 1,
                                                 cat, sizeof(cat),
                                                 names[i][2]),
                             KRJ_SCAN_OK);
            krj_scan_slug(cat, names[i][0], 200);
            krj_scan_label(cat, names[i][0], names[i][1], 256);

            if (strstr(files[i], "2025-12-12") != NULL) {
                strcat(names[i][0], "_prev");
            }

            ck_assert_int_eq(krj_file_read(path, 1 << 24, &data[i], &len,
                                           err), 0);
        }

        ck_assert_int_eq(krj_csv_parse(&csv[i], data[i], len, 1 << 24,
                                       NULL, NULL), 0);

        in[i].slug = names[i][0];
        in[i].label = names[i][1];
        in[i].signal_date = names[i][2];
        in[i].source_file = names[i][0];
        memset(in[i].sha256, 'a', 64);
        in[i].csv = &csv[i];
    }

    qsort(in, NCATS, sizeof(krj_snap_input_t), cmp_input);

    memset(digest, 0, sizeof(digest));
    krj_buf_init(&out);

    ck_assert_msg(krj_snap_write(&out, in, NCATS, 1767981600, digest,
                                 KRJ_SNAP_VERSION, KRJ_TEST_WRITER, err)
                  == 0, "krj_snap_write: %s", err);
    ck_assert_msg(krj_snap_open(&snap, out.data, out.len, err) == 0,
                  "krj_snap_open: %s", err);
}


static void
teardown(void)
{
    size_t  i;

    free_all();
    krj_buf_free(&out);

    for (i = 0; i < NCATS; i++) {
        krj_csv_free(&csv[i]);
        free(data[i]);
    }
}


/* the tickers lists tried: none, and each of these that the table has */

static void
ticker_lists(const krj_csv_t *t, char lists[4][128])
{
    const char  *a, *b;

    a = krj_csv_text(t, 1, t->ticker_col);
    b = krj_csv_text(t, t->nrows, t->ticker_col);

    lists[0][0] = '\0';

    /* one ticker in another case, with a ticker nobody has */
    snprintf(lists[1], 128, "ticker=%s,NO_SUCH_TICKER", a);

    if (lists[1][7] >= 'A' && lists[1][7] <= 'Z') {
        lists[1][7] += 'a' - 'A';
    }

    /* two, the first named twice */
    snprintf(lists[2], 128, "ticker=%s,%s,%s", b, a, b);

    snprintf(lists[3], 128, "ticker=zzzz");
}


/*
 * Every other comparison selects in steps, as the module does for a large
 * page (krj_query_select_begin(), then _more() a few positions at a
 * time, 1 to 5): the same rows as at once.
 */

static int
select_some(krj_select_t *sel, const krj_snap_category_t *cat,
    const krj_query_t *q, unsigned k)
{
    int                rc;
    krj_select_iter_t  it;

    if (k % 2 == 0) {
        return krj_query_select(sel, &snap, cat, q, test_alloc, NULL);
    }

    rc = krj_query_select_begin(&it, sel, &snap, cat, q, test_alloc, NULL);

    while (rc == KRJ_QUERY_OK) {
        rc = krj_query_select_more(&it, 1 + k / 2 % 5);

        if (rc == KRJ_QUERY_OK) {
            break;
        }

        rc = (rc == KRJ_QUERY_AGAIN) ? KRJ_QUERY_OK : rc;
    }

    return rc;
}


/*
 * The old answer to filter and sort, every row, then each page of it
 * against the new selection: the same rows in the same order, the same
 * counts.  Check writes a record for each assertion, so the loops test
 * and abort by hand.
 */

static void
compare(const krj_snap_category_t *cat, old_ctx_t *x, const char *filter,
    uint32_t *rows, uint32_t *tmp)
{
    char          args[600];
    uint32_t      i, n, pg, first, count, counts[2][3];
    krj_query_t   q;
    krj_select_t  sel;

    static const char  *pages[] = { "", "&limit=0", "&limit=1",
                                    "&offset=1&limit=3", "&offset=5&limit=10",
                                    "&offset=17", "&offset=100&limit=7",
                                    "&offset=4294967295" };

    if (krj_query_parse(&q, &snap, cat, filter, strlen(filter), test_alloc,
                        NULL) != KRJ_QUERY_OK)
    {
        ck_abort_msg("%s: %s", filter, q.err);
    }

    n = old_select(x, &q, rows, tmp, counts);
    free_all();

    for (pg = 0; pg < sizeof(pages) / sizeof(pages[0]); pg++) {
        snprintf(args, sizeof(args), "%s%s", filter,
                 filter[0] ? pages[pg] : pages[pg] + (pg ? 1 : 0));

        if (krj_query_parse(&q, &snap, cat, args, strlen(args), test_alloc,
                            NULL) != KRJ_QUERY_OK
            || select_some(&sel, cat, &q, compared) != KRJ_QUERY_OK)
        {
            ck_abort_msg("%s: %s", args, q.err);
        }

        first = q.offset < n ? (uint32_t) q.offset : n;
        count = n - first;

        if (count > q.limit) {
            count = (uint32_t) q.limit;
        }

        if (sel.matched != n || sel.nrows != count
            || memcmp(sel.counts, counts, sizeof(counts)) != 0
            || (count && memcmp(sel.rows, rows + first,
                                count * sizeof(uint32_t)) != 0))
        {
            for (i = 0; i < count && i < sel.nrows; i++) {
                if (sel.rows[i] != rows[first + i]) {
                    break;
                }
            }

            ck_abort_msg("%.*s?%s: matched %u (old %u), %u rows (old %u), "
                         "first difference at %u", (int) cat->slug.len,
                         krj_snap_ptr(&snap, cat->slug), args, sel.matched,
                         n, sel.nrows, count, i);
        }

        compared++;
        free_all();
    }
}


/* a query string's filters: tickers, signal, prior, changed, either */

static int
filters(const krj_snap_category_t *cat, const krj_csv_t *t, unsigned k,
    char *buf, size_t size)
{
    char      tickers[4][128];
    unsigned  ti, s, p, ch, e;

    static const char  *words[] = { "", "Long", "Neutral", "Long,Neutral",
                                    "Short", "Long,Short", "Neutral,Short",
                                    "Long,Neutral,Short" };
    static const char  *changes[] = { "", "&changed=0", "&changed=1" };
    static const char  *eithers[] = { "", "&either=Long",
                                      "&either=Neutral,Short" };

    ti = k % 4;
    s = k / 4 % 8;
    p = k / 32 % 8;
    ch = k / 256 % 3;
    e = k / 768;

    if ((s && cat->signal_col < 0) || (p && cat->prior_col < 0)
        || ((ch || e) && (cat->signal_col < 0 || cat->prior_col < 0)))
    {
        return 0;
    }

    ticker_lists(t, tickers);

    snprintf(buf, size, "%s%s%s%s%s%s%s", tickers[ti], s ? "&signal=" : "",
             words[s], p ? "&prior=" : "", words[p], changes[ch],
             eithers[e]);

    return 1;
}


START_TEST(test_every_combination)
{
    char                        filter[300], args[600];
    size_t                      len, skip;
    uint32_t                    c, *rows, *tmp;
    unsigned                    k, so;
    old_ctx_t                   x;
    const char                 *name;
    const krj_snap_column_t    *cols;
    const krj_snap_category_t  *cat;

    cat = &snap.categories[_i];
    x.t = in[_i].csv;
    x.cells = old_cells(x.t);
    ck_assert_ptr_nonnull(x.cells);

    rows = malloc((x.t->nrows + 1) * sizeof(uint32_t));
    tmp = malloc((x.t->nrows + 1) * sizeof(uint32_t));
    cols = krj_snap_columns(&snap, cat);

    /*
     * 4 ticker lists, 8 signal sets, 8 prior sets, 3 changed, 3 either
     * (the dashboard's filter); with either= only in file order and by
     * the first column both ways, which keeps the run short
     */

    for (k = 0; k < 4 * 8 * 8 * 3 * 3; k++) {
        if (!filters(cat, x.t, k, filter, sizeof(filter))) {
            continue;
        }

        for (so = 0; so <= 2 * cat->ncolumns; so++) {
            if (k >= 4 * 8 * 8 * 3 && so > 2) {
                break;
            }

            args[0] = '\0';

            if (so) {
                c = (so - 1) / 2;
                name = krj_snap_ptr(&snap, cols[c].name);
                len = cols[c].name.len;

                /* a name a query cannot spell plainly is left out */
                if (memchr(name, '&', len) || memchr(name, '%', len)
                    || memchr(name, '=', len))
                {
                    continue;
                }

                snprintf(args, sizeof(args), "&sort=%s%.*s",
                         (so - 1) % 2 ? "-" : "", (int) len, name);
            }

            memmove(args + strlen(filter), args, strlen(args) + 1);
            memcpy(args, filter, strlen(filter));

            skip = (args[0] == '&');
            compare(cat, &x, args + skip, rows, tmp);
        }
    }

    free(rows);
    free(tmp);
    free(x.cells);

    ck_assert_uint_gt(compared, 0);
}
END_TEST


/* fields=: each projected cell is the JSON and the CSV of its text */

START_TEST(test_projection)
{
    char                        args[2048], *buf;
    double                      num;
    size_t                      k, len;
    uint32_t                    c, i;
    krj_out_t                   o;
    krj_buf_t                   want;
    krj_query_t                 q;
    krj_select_t                sel;
    const char                 *s;
    const krj_csv_t            *t;
    const krj_snap_column_t    *cols;
    const krj_snap_category_t  *cat;

    cat = &snap.categories[_i];
    t = in[_i].csv;
    cols = krj_snap_columns(&snap, cat);
    buf = NULL;

    /* every column, last first: plain names only */
    k = (size_t) snprintf(args, sizeof(args), "sort=-%.*s&fields=",
                          (int) cols[cat->ticker_col].name.len,
                          krj_snap_ptr(&snap, cols[cat->ticker_col].name));

    for (c = cat->ncolumns; c-- > 0; /* void */) {
        s = krj_snap_ptr(&snap, cols[c].name);
        len = cols[c].name.len;

        if (memchr(s, '&', len) || memchr(s, '%', len) || memchr(s, ',', len)
            || memchr(s, '\n', len))
        {
            continue;
        }

        k += (size_t) snprintf(args + k, sizeof(args) - k, "%.*s,",
                               (int) len, s);
    }

    args[k - 1] = '\0';

    ck_assert_msg(krj_query_parse(&q, &snap, cat, args, strlen(args),
                                  test_alloc, NULL) == KRJ_QUERY_OK,
                  "%s: %s", args, q.err);
    ck_assert_int_eq(krj_query_select(&sel, &snap, cat, &q, test_alloc,
                                      NULL), KRJ_QUERY_OK);

    /* the CSV answer, as the cells' own text makes it */
    krj_buf_init(&want);

    for (i = 0; i < q.nfields; i++) {
        if (i) {
            krj_buf_byte(&want, ',');
        }

        krj_buf_append(&want, krj_snap_ptr(&snap, cols[q.fields[i]].csv_name),
                       cols[q.fields[i]].csv_name.len);
    }

    krj_buf_byte(&want, '\n');

    for (i = 0; i < sel.nrows; i++) {
        for (c = 0; c < q.nfields; c++) {
            if (c) {
                krj_buf_byte(&want, ',');
            }

            krj_cell_csv_field(&want, krj_csv_text(t, sel.rows[i] + 1,
                                                   q.fields[c]),
                               krj_csv_len(t, sel.rows[i] + 1, q.fields[c]));
        }

        krj_buf_byte(&want, '\n');
    }

    krj_out_init(&o, NULL);
    krj_render_signals_csv(&o, &snap, cat, &q, &sel);
    ck_assert_uint_eq(o.len, want.len);

    krj_out_init(&o, test_alloc(NULL, o.len));
    krj_render_signals_csv(&o, &snap, cat, &q, &sel);
    ck_assert_int_eq(memcmp(o.p, want.data, want.len), 0);

    /* one JSON row: each member the cell's JSON */
    krj_buf_reset(&want);

    for (i = 0; i < sel.nrows; i++) {
        krj_buf_reset(&want);
        krj_buf_byte(&want, '{');

        for (c = 0; c < q.nfields; c++) {
            if (c) {
                krj_buf_byte(&want, ',');
            }

            krj_buf_append(&want,
                           krj_snap_ptr(&snap, cols[q.fields[c]].json_name),
                           cols[q.fields[c]].json_name.len);
            krj_buf_byte(&want, ':');
            (void) krj_cell_json(&want, krj_csv_text(t, sel.rows[i] + 1,
                                                     q.fields[c]),
                                 krj_csv_len(t, sel.rows[i] + 1,
                                             q.fields[c]), &num);
        }

        krj_buf_byte(&want, '}');

        krj_out_init(&o, NULL);
        krj_render_row_json(&o, &snap, cat, &q, sel.rows[i]);

        if (o.len != want.len) {
            ck_abort_msg("row %u: %zu bytes, not %zu", sel.rows[i], o.len,
                         want.len);
        }

        buf = realloc(buf, o.len);
        krj_out_init(&o, buf);
        krj_render_row_json(&o, &snap, cat, &q, sel.rows[i]);

        if (memcmp(o.p, want.data, want.len) != 0) {
            ck_abort_msg("row %u differs", sel.rows[i]);
        }
    }

    free(buf);

    krj_buf_free(&want);
}
END_TEST


static Suite *
select_diff_suite(void)
{
    Suite  *s;
    TCase  *tc;

    s = suite_create("select_diff");

    tc = tcase_create("diff");
    tcase_set_timeout(tc, 600);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_loop_test(tc, test_every_combination, 0, NCATS);
    tcase_add_loop_test(tc, test_projection, 0, NCATS);
    suite_add_tcase(s, tc);

    return s;
}


KRJ_TEST_MAIN(select_diff_suite)
