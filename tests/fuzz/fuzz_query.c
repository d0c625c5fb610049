
/*
 * Copyright (C) The krj developers
 */


/*
 * The query string of GET /signals/{slug}: parsed (krj_query_parse),
 * selected (krj_query_select) and rendered as JSON and CSV, as the module
 * does, for each category of one snapshot built once by krj-batch's own
 * writer: a category with signals, mixed cells and awkward column names,
 * one without signal columns, and the real DRC fixture.  Invariants: a
 * refused query has a printable reason and its error body is JSON; a
 * selection lies within the category and obeys its filters and limit;
 * the JSON answer parses, with the columns asked for and count rows of
 * matched; the CSV answer reads back with as many rows; an unfiltered
 * query renders exactly the pre-rendered body; measuring gives the length
 * written; the rows are those the old selection (krj_old_select.h, a scan
 * of every row) picks, in its order.  The same bytes are looked up as a
 * slug and as a ticker, as the path of /signals/{slug} and
 * /tickers/{ticker}.  The same bytes are read as the dashboard reads them
 * (krj_query_parse_form(), the print view's krj_print_parse()), with the
 * same invariants, and the page rendered.
 */


#include "krj_fuzz.h"
#include "krj_old_select.h"
#include "krj_csv.h"
#include "krj_layout.h"
#include "krj_page.h"
#include "krj_print.h"
#include "krj_publish.h"
#include "krj_query.h"
#include "krj_render.h"
#include "krj_snapshot.h"
#include "krj_snapshot_write.h"


#define KRJ_FUZZ_DRC                                                          \
    KRJ_FUZZ_DATA "/KRJ_signals_latest_week_DRC_2026-01-09.csv"

/* JSON numbers of any size: jansson refuses integers over 64 bits */
#define KRJ_FUZZ_JSON_DATA  (JSON_DECODE_INT_AS_REAL | JSON_REJECT_DUPLICATES)

#define KRJ_FUZZ_NCATS      3


/*
 * Column c mixes numbers, text and empty cells with ties, for the sort;
 * "a,b" and "prix \xe2\x82\xac" need quoting and percent-encoding; "Buy"
 * and "long" are signals other than the three, compared as text.
 */
#define KRJ_FUZZ_SIG_CSV                                                      \
    "ticker,c,\"a,b\",signal,signal_status_prior_week,prix \xe2\x82\xac\n"    \
    "A,3,x,Long,Long,1e3\n"                                                   \
    "B,1,,Short,Long,-0.5\n"                                                  \
    "C,,y,Neutral,Neutral,\n"                                                 \
    "D,2,\"q,\"\"r\"\"\",Long,Neutral,7\n"                                    \
    "E,abc,z,Short,Short,x\n"                                                 \
    "F,1,w,Long,Short,99999999999999999999999\n"                              \
    "g,1e400,\"two\nlines\",Buy,long,0\n"                                     \
    "a,-1,\xc3\xa9,,Short,2\n"

#define KRJ_FUZZ_PLAIN_CSV                                                    \
    "ticker,price\n"                                                          \
    "a,10\n"                                                                  \
    "Z,20\n"


typedef struct {
    const krj_snap_category_t  *cat;
    const krj_query_t          *q;
    const krj_select_t         *sel;
    int                         csv;
} krj_fuzz_answer_t;


typedef struct {
    const krj_snap_category_t  *cat;
    const krj_query_t          *q;
    const krj_select_t         *sel;
} krj_fuzz_page_t;


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static void krj_fuzz_category(const krj_snap_category_t *cat,
    const char *args, size_t len);
static void krj_fuzz_form(const krj_snap_category_t *cat, const char *args,
    size_t len);
static void krj_fuzz_page(krj_out_t *o, void *ctx);
static void krj_fuzz_refused(const krj_query_t *q);
static void krj_fuzz_selected(const krj_snap_category_t *cat,
    const krj_query_t *q, const krj_select_t *sel);
static void krj_fuzz_as_before(const krj_snap_category_t *cat,
    const krj_query_t *q, const krj_select_t *sel);
static void krj_fuzz_json_answer(krj_fuzz_answer_t *a);
static void krj_fuzz_csv_answer(krj_fuzz_answer_t *a);
static int krj_fuzz_unfiltered(const krj_snap_category_t *cat,
    const krj_query_t *q);
static void krj_fuzz_lookup(const char *name, size_t len);
static void krj_fuzz_answer(krj_out_t *o, void *ctx);
static void krj_fuzz_error(krj_out_t *o, void *ctx);
static void krj_fuzz_ticker(krj_out_t *o, void *ctx);


static krj_csv_t    krj_fuzz_csv[KRJ_FUZZ_NCATS];
static old_cell_t  *krj_fuzz_cells[KRJ_FUZZ_NCATS];
static uint8_t     *krj_fuzz_drc;
static krj_buf_t    krj_fuzz_out;
static krj_snap_t   krj_fuzz_snap;


/* the snapshot, once: libFuzzer calls this before the first input */

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    int               i;
    char              err[KRJ_PUBLISH_ERRLEN];
    size_t            len;
    uint8_t           digest[32];
    krj_snap_input_t  in[KRJ_FUZZ_NCATS];

    (void) argc;
    (void) argv;

    krj_fuzz_assert(krj_file_read(KRJ_FUZZ_DRC, 1 << 24, &krj_fuzz_drc, &len,
                                  err) == 0, "%s", err);

    krj_fuzz_assert(krj_csv_parse(&krj_fuzz_csv[0], krj_fuzz_drc, len,
                                  1 << 24, NULL, NULL) == 0,
                    "DRC: %s", krj_fuzz_csv[0].err);
    krj_fuzz_assert(krj_csv_parse(&krj_fuzz_csv[1],
                                  (const uint8_t *) KRJ_FUZZ_PLAIN_CSV,
                                  sizeof(KRJ_FUZZ_PLAIN_CSV) - 1, 1 << 20,
                                  NULL, NULL) == 0,
                    "plain: %s", krj_fuzz_csv[1].err);
    krj_fuzz_assert(krj_csv_parse(&krj_fuzz_csv[2],
                                  (const uint8_t *) KRJ_FUZZ_SIG_CSV,
                                  sizeof(KRJ_FUZZ_SIG_CSV) - 1, 1 << 20,
                                  NULL, NULL) == 0,
                    "sig: %s", krj_fuzz_csv[2].err);

    /* sorted by slug, as krj-batch hands them to the writer */
    memset(in, 0, sizeof(in));

    in[0].slug = "drc";
    in[0].label = "DRC";
    in[0].signal_date = "2026-01-09";
    in[0].source_file = "KRJ_signals_latest_week_DRC_2026-01-09.csv";

    in[1].slug = "plain";
    in[1].label = "Plain";
    in[1].signal_date = "2026-01-02";
    in[1].source_file = "KRJ_signals_latest_week_Plain_2026-01-02.csv";

    in[2].slug = "sig";
    in[2].label = "Sig \"quoted\"";
    in[2].signal_date = "2026-01-09";
    in[2].source_file = "KRJ_signals_latest_week_Sig_2026-01-09.csv";

    for (i = 0; i < KRJ_FUZZ_NCATS; i++) {
        memset(in[i].sha256, 'a' + i, 64);
        in[i].csv = &krj_fuzz_csv[i];
        krj_fuzz_cells[i] = old_cells(&krj_fuzz_csv[i]);
        krj_fuzz_assert(krj_fuzz_cells[i] != NULL, "old_cells");
    }

    memset(digest, 0, sizeof(digest));
    krj_buf_init(&krj_fuzz_out);

    krj_fuzz_assert(krj_snap_write(&krj_fuzz_out, in, KRJ_FUZZ_NCATS,
                                   1767981600, digest, KRJ_SNAP_VERSION,
                                   "krj-batch " KRJ_VERSION, err) == 0,
                    "krj_snap_write: %s", err);
    krj_fuzz_assert(krj_snap_open(&krj_fuzz_snap, krj_fuzz_out.data,
                                  krj_fuzz_out.len, err) == 0,
                    "krj_snap_open: %s", err);

    return 0;
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint32_t   i;
    char      *args;

    /* the query as nginx has it: bytes, not a C string */
    args = (char *) krj_fuzz_copy(data, size);

    for (i = 0; i < krj_fuzz_snap.hdr->ncategories; i++) {
        krj_fuzz_category(&krj_fuzz_snap.categories[i], args, size);
        krj_fuzz_free_all();
    }

    krj_fuzz_lookup(args, size);

    free(args);

    return 0;
}


static void
krj_fuzz_category(const krj_snap_category_t *cat, const char *args,
    size_t len)
{
    int                rc;
    char              *body;
    size_t             blen;
    krj_query_t        q;
    krj_select_t       sel;
    krj_fuzz_answer_t  a;

    rc = krj_query_parse(&q, &krj_fuzz_snap, cat, args, len, krj_fuzz_alloc,
                         NULL);

    if (rc != KRJ_QUERY_OK) {
        krj_fuzz_assert(rc == q.error && rc != KRJ_QUERY_NOMEM
                        && rc <= KRJ_QUERY_UNKNOWN_COLUMN,
                        "returned %d, error %d", rc, q.error);
        krj_fuzz_refused(&q);
        return;
    }

    krj_fuzz_assert(krj_query_select(&sel, &krj_fuzz_snap, cat, &q,
                                     krj_fuzz_alloc, NULL) == KRJ_QUERY_OK,
                    "select");

    krj_fuzz_selected(cat, &q, &sel);
    krj_fuzz_as_before(cat, &q, &sel);

    a.cat = cat;
    a.q = &q;
    a.sel = &sel;

    krj_fuzz_json_answer(&a);
    krj_fuzz_csv_answer(&a);

    krj_fuzz_form(cat, args, len);

    /* the module sends the pre-rendered body when there is no query */
    if (krj_fuzz_unfiltered(cat, &q)) {
        a.csv = 0;
        body = krj_fuzz_render(krj_fuzz_answer, &a, &blen);

        krj_fuzz_assert(blen == cat->json.len
                        && memcmp(body, krj_snap_ptr(&krj_fuzz_snap,
                                                     cat->json), blen) == 0,
                        "unfiltered answer differs from the pre-rendered "
                        "body");
        free(body);
    }
}


/* the dashboard: the same bytes as a form, then the page and the print */

static void
krj_fuzz_form(const krj_snap_category_t *cat, const char *args, size_t len)
{
    int              rc;
    char            *page;
    size_t           plen, i;
    krj_query_t      q;
    krj_print_t      p;
    krj_select_t     sel;
    krj_fuzz_page_t  fp;

    rc = krj_query_parse_form(&q, &krj_fuzz_snap, cat, args, len,
                              krj_fuzz_alloc, NULL);

    if (rc != KRJ_QUERY_OK) {
        krj_fuzz_assert(rc == q.error && rc != KRJ_QUERY_NOMEM,
                        "form: returned %d, error %d", rc, q.error);

        for (i = 0; q.err[i]; i++) {
            krj_fuzz_assert((unsigned char) q.err[i] >= 0x20
                            && (unsigned char) q.err[i] < 0x7f,
                            "form: reason byte %zu", i);
        }

        krj_fuzz_assert(i > 0, "form refused without a reason");

    } else {
        krj_fuzz_assert(krj_query_select(&sel, &krj_fuzz_snap, cat, &q,
                                         krj_fuzz_alloc, NULL)
                        == KRJ_QUERY_OK, "form: select");
        krj_fuzz_selected(cat, &q, &sel);

        fp.cat = cat;
        fp.q = &q;
        fp.sel = &sel;
        page = krj_fuzz_render(krj_fuzz_page, &fp, &plen);
        krj_fuzz_assert(page == NULL || krj_fuzz_utf8_valid(page, plen),
                        "a page that is not UTF-8");
        free(page);
    }

    rc = krj_print_parse(&p, &krj_fuzz_snap, args, len, NULL, NULL,
                         krj_fuzz_alloc, NULL);

    krj_fuzz_assert(rc == KRJ_QUERY_OK || p.err[0] != '\0',
                    "print refused without a reason");
}


static void
krj_fuzz_page(krj_out_t *o, void *ctx)
{
    krj_page_t        pg;
    krj_fuzz_page_t  *fp = ctx;

    memset(&pg, 0, sizeof(krj_page_t));
    pg.snap = &krj_fuzz_snap;
    pg.prefix.data = "/krj";
    pg.prefix.len = 4;
    pg.api.data = "/api/v1";
    pg.api.len = 7;

    krj_page_category(o, &pg, fp->cat, fp->q, fp->sel, KRJ_PAGE_ALL);
}


/* the 400 the module sends: a printable reason, in a JSON body */

static void
krj_fuzz_refused(const krj_query_t *q)
{
    char        *body;
    size_t       len, i;
    json_t      *j;
    const char  *msg;

    for (i = 0; q->err[i]; i++) {
        krj_fuzz_assert(i < KRJ_QUERY_ERRLEN
                        && (unsigned char) q->err[i] >= 0x20
                        && (unsigned char) q->err[i] < 0x7f,
                        "reason byte %zu is 0x%02x", i,
                        (unsigned char) q->err[i]);
    }

    krj_fuzz_assert(i > 0, "refused without a reason");

    body = krj_fuzz_render(krj_fuzz_error, (void *) q, &len);
    j = krj_fuzz_json(body, len, JSON_REJECT_DUPLICATES, "error body");

    msg = json_string_value(json_object_get(json_object_get(j, "error"),
                                            "message"));
    krj_fuzz_assert(msg != NULL && strcmp(msg, q->err) == 0,
                    "error message differs");

    json_decref(j);
    free(body);
}


static void
krj_fuzz_selected(const krj_snap_category_t *cat, const krj_query_t *q,
    const krj_select_t *sel)
{
    uint32_t               i, j, sum[2];
    const krj_snap_row_t  *rows, *r;

    krj_fuzz_assert(sel->matched <= cat->nrows && sel->nrows <= sel->matched
                    && sel->nrows <= q->limit
                    && (q->offset >= sel->matched
                        || sel->nrows == sel->matched - q->offset
                        || sel->nrows == q->limit),
                    "%u rows of %u matched", sel->nrows, sel->matched);

    rows = krj_snap_rows(&krj_fuzz_snap, cat);

    for (i = 0; i < sel->nrows; i++) {
        krj_fuzz_assert(sel->rows[i] < cat->nrows, "row %u", sel->rows[i]);

        r = &rows[sel->rows[i]];

        krj_fuzz_assert(q->signals == 0
                        || (q->signals & KRJ_QUERY_SIGNAL_BIT(r->signal)),
                        "row %u: signal %u not asked for", sel->rows[i],
                        r->signal);
        krj_fuzz_assert(q->priors == 0
                        || (q->priors & KRJ_QUERY_SIGNAL_BIT(r->prior)),
                        "row %u: prior %u not asked for", sel->rows[i],
                        r->prior);
        krj_fuzz_assert(q->eithers == 0
                        || (q->eithers & KRJ_QUERY_SIGNAL_BIT(r->signal))
                        || (q->eithers & KRJ_QUERY_SIGNAL_BIT(r->prior)),
                        "row %u: neither week asked for", sel->rows[i]);

        /* each row once; small categories, so quadratic is cheap */
        for (j = 0; j < i; j++) {
            krj_fuzz_assert(sel->rows[j] != sel->rows[i], "row %u twice",
                            sel->rows[i]);
        }
    }

    for (i = 0; i < 2; i++) {
        sum[i] = sel->counts[i][0] + sel->counts[i][1] + sel->counts[i][2];
        krj_fuzz_assert(sum[i] <= sel->matched, "week %u counts %u of %u",
                        i, sum[i], sel->matched);
    }
}


/* the categories are in[] in slug order: category i is krj_fuzz_csv[i] */

static void
krj_fuzz_as_before(const krj_snap_category_t *cat, const krj_query_t *q,
    const krj_select_t *sel)
{
    uint32_t   i, n, first, counts[2][3], *rows, *tmp;
    old_ctx_t  x;

    i = (uint32_t) (cat - krj_fuzz_snap.categories);
    x.t = &krj_fuzz_csv[i];
    x.cells = krj_fuzz_cells[i];

    rows = krj_fuzz_alloc(NULL, (x.t->nrows + 1) * sizeof(uint32_t));
    tmp = krj_fuzz_alloc(NULL, (x.t->nrows + 1) * sizeof(uint32_t));

    n = old_select(&x, q, rows, tmp, counts);
    first = q->offset < n ? (uint32_t) q->offset : n;

    krj_fuzz_assert(sel->matched == n
                    && memcmp(sel->counts, counts, sizeof(counts)) == 0,
                    "matched %u, the old selection %u", sel->matched, n);
    krj_fuzz_assert(sel->nrows == (n - first < q->limit ? n - first
                                                        : q->limit)
                    && (sel->nrows == 0
                        || memcmp(sel->rows, rows + first,
                                  sel->nrows * sizeof(uint32_t)) == 0),
                    "not the rows of the old selection");
}


static void
krj_fuzz_json_answer(krj_fuzz_answer_t *a)
{
    char        *body;
    size_t       len, i, n;
    json_t      *j, *rows, *cols;
    const char  *name;

    a->csv = 0;
    body = krj_fuzz_render(krj_fuzz_answer, a, &len);
    j = krj_fuzz_json(body, len, KRJ_FUZZ_JSON_DATA, "signals answer");

    rows = json_object_get(j, "rows");
    cols = json_object_get(j, "columns");
    n = a->q->nfields ? a->q->nfields : a->cat->ncolumns;

    krj_fuzz_assert(json_array_size(rows) == a->sel->nrows
                    && json_number_value(json_object_get(j, "count"))
                       == a->sel->nrows
                    && json_number_value(json_object_get(j, "matched"))
                       == a->sel->matched,
                    "%zu rows, %u selected", json_array_size(rows),
                    a->sel->nrows);
    krj_fuzz_assert(json_array_size(cols) == n, "%zu columns, not %zu",
                    json_array_size(cols), n);

    for (i = 0; i < json_array_size(rows); i++) {
        krj_fuzz_assert(json_object_size(json_array_get(rows, i)) == n,
                        "row %zu has %zu members", i,
                        json_object_size(json_array_get(rows, i)));
    }

    /* a row has exactly the members "columns" lists */
    for (i = 0; i < n && json_array_size(rows) > 0; i++) {
        name = json_string_value(json_array_get(cols, i));

        krj_fuzz_assert(name != NULL
                        && json_object_get(json_array_get(rows, 0), name)
                           != NULL, "column %zu not in the rows", i);
    }

    json_decref(j);
    free(body);
}


static void
krj_fuzz_csv_answer(krj_fuzz_answer_t *a)
{
    int        ticker;
    char      *body;
    size_t     len;
    uint32_t   i;
    krj_csv_t  t;

    a->csv = 1;
    body = krj_fuzz_render(krj_fuzz_answer, a, &len);

    /* krj_csv_parse() wants a ticker column; without one, bytes only */
    ticker = (a->q->nfields == 0);

    for (i = 0; i < a->q->nfields; i++) {
        ticker |= ((int32_t) a->q->fields[i] == a->cat->ticker_col);
    }

    if (ticker) {
        krj_fuzz_assert(krj_csv_parse(&t, (const uint8_t *) body, len,
                                      SIZE_MAX, NULL, NULL) == 0,
                        "CSV answer does not read back: line %u: %s",
                        t.err_line, t.err);
        krj_fuzz_assert(t.nrows == a->sel->nrows
                        && t.ncolumns == (a->q->nfields ? a->q->nfields
                                                        : a->cat->ncolumns),
                        "CSV answer of %u rows, %u columns", t.nrows,
                        t.ncolumns);
        krj_csv_free(&t);
    }

    free(body);
}


/*
 * The same bytes as the path segment of /signals/{slug} and
 * /tickers/{ticker}: found only when they name it, tickers in any case.
 */

static void
krj_fuzz_lookup(const char *name, size_t len)
{
    char                       *body;
    size_t                      blen;
    json_t                     *j;
    const krj_snap_ticker_t    *t;
    const krj_snap_category_t  *cat;

    cat = krj_snap_find_category(&krj_fuzz_snap, name, len);

    krj_fuzz_assert(cat == NULL
                    || (cat->slug.len == len
                        && memcmp(krj_snap_ptr(&krj_fuzz_snap, cat->slug),
                                  name, len) == 0),
                    "another category found");

    t = krj_snap_find_ticker(&krj_fuzz_snap, name, len);

    if (t == NULL) {
        return;
    }

    krj_fuzz_assert(krj_strcaseeq(krj_snap_ptr(&krj_fuzz_snap, t->ticker),
                                  t->ticker.len, name, len),
                    "another ticker found");

    body = krj_fuzz_render(krj_fuzz_ticker, (void *) t, &blen);
    j = krj_fuzz_json(body, blen, KRJ_FUZZ_JSON_DATA, "ticker answer");

    krj_fuzz_assert(json_array_size(json_object_get(j, "results"))
                    == t->count, "%zu results of %u rows",
                    json_array_size(json_object_get(j, "results")),
                    t->count);

    json_decref(j);
    free(body);
}


/* no parameter that filters, sorts, pages or picks columns */

static int
krj_fuzz_unfiltered(const krj_snap_category_t *cat, const krj_query_t *q)
{
    return q->ntickers == 0 && q->nfields == 0 && q->signals == 0
           && q->priors == 0 && q->changed == KRJ_CHANGED_ANY
           && q->sort_col < 0 && q->offset == 0 && q->limit >= cat->nrows;
}


static void
krj_fuzz_answer(krj_out_t *o, void *ctx)
{
    krj_fuzz_answer_t  *a = ctx;

    if (a->csv) {
        krj_render_signals_csv(o, &krj_fuzz_snap, a->cat, a->q, a->sel);

    } else {
        krj_render_signals_json(o, &krj_fuzz_snap, a->cat, a->q, a->sel);
    }
}


static void
krj_fuzz_error(krj_out_t *o, void *ctx)
{
    const krj_query_t  *q = ctx;

    krj_out_fmt(o, KRJ_FMT_ERROR, 400u, "bad_parameter", q->err,
                strlen(q->err));
}


static void
krj_fuzz_ticker(krj_out_t *o, void *ctx)
{
    const krj_snap_ticker_t  *t = ctx;

    (void) krj_render_ticker(o, &krj_fuzz_snap, t, NULL, NULL);
}
