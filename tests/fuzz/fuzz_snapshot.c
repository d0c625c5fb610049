
/*
 * Copyright (C) The krj developers
 */


/*
 * The snapshot reader (krj_snap_open) over any file, as the module maps
 * it: first as it is, then with the header's total length and SHA-256
 * made right for its bytes, so that mutations get past the checksum to
 * the structural checks.  A snapshot that validates is then read the way
 * the module reads it: every category and ticker looked up, every
 * renderer of krj_render.h run over it, with and without a principal that
 * sees only some categories, and queries parsed from its own column names
 * selected and rendered, and the dashboard's pages rendered, assembled
 * from their spans plain and gzip, and printed.  The input sits in a
 * buffer of its exact size,
 * so ASan stops any read outside the file; measuring must give the length
 * written.  Bodies are bytes to the module, so they need not be JSON.
 */


#include <openssl/evp.h>

#include "krj_fuzz.h"
#include "krj_page.h"
#include "krj_print.h"
#include "krj_query.h"
#include "krj_render.h"
#include "krj_snapshot.h"


/* a crafted query longer than this is not tried */
#define KRJ_FUZZ_QUERY_MAX  (1 << 20)


typedef struct {
    const krj_snap_t           *snap;
    const krj_snap_category_t  *cat;
    const krj_snap_ticker_t    *ticker;
    const krj_query_t          *q;
    const krj_select_t         *sel;
    int                         kind;
    krj_visible_pt              visible;
    uint32_t                    n;
    const krj_print_t          *print;
} krj_fuzz_snap_t;


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void krj_fuzz_open(const uint8_t *p, size_t size);
static void krj_fuzz_read(const krj_snap_t *snap);
static void krj_fuzz_category(const krj_snap_t *snap,
    const krj_snap_category_t *cat);
static void krj_fuzz_query(krj_fuzz_snap_t *a, const char *args,
    size_t len);
static void krj_fuzz_ticker(const krj_snap_t *snap,
    const krj_snap_ticker_t *t);
static int krj_fuzz_odd(void *data, const char *slug, size_t len);
static void krj_fuzz_enc(krj_out_t *o, const char *s, size_t len);
static void krj_fuzz_run(krj_fuzz_render_pt render, krj_fuzz_snap_t *a);
static void krj_fuzz_list(krj_out_t *o, void *ctx);
static void krj_fuzz_summary(krj_out_t *o, void *ctx);
static void krj_fuzz_head(krj_out_t *o, void *ctx);
static void krj_fuzz_json_rows(krj_out_t *o, void *ctx);
static void krj_fuzz_csv_rows(krj_out_t *o, void *ctx);
static void krj_fuzz_ticker_rows(krj_out_t *o, void *ctx);
static void krj_fuzz_dashboard(const krj_snap_t *snap);
static void krj_fuzz_page_init(krj_page_t *pg, const krj_fuzz_snap_t *a);
static void krj_fuzz_page(krj_out_t *o, void *ctx);
static void krj_fuzz_print(krj_out_t *o, void *ctx);
static void krj_fuzz_pieces(const krj_snap_t *snap,
    const krj_snap_category_t *cat, int gzip);


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t            *p;
    unsigned int        mdlen;
    krj_snap_header_t  *h;

    /* malloc() aligns as a page-aligned mapping would for the format */
    p = krj_fuzz_copy(data, size);

    krj_fuzz_open(p, size);

    if (size >= KRJ_SNAP_HEADER_V3) {
        h = (krj_snap_header_t *) p;
        h->total_len = size;

        krj_fuzz_assert(EVP_Digest(p + KRJ_SNAP_SUMMED_FROM,
                                   size - KRJ_SNAP_SUMMED_FROM, h->checksum,
                                   &mdlen, EVP_sha256(), NULL) == 1,
                        "EVP_Digest");

        krj_fuzz_open(p, size);
    }

    free(p);

    return 0;
}


static void
krj_fuzz_open(const uint8_t *p, size_t size)
{
    char        err[KRJ_SNAP_ERRLEN];
    krj_snap_t  snap;

    err[0] = '\0';

    if (krj_snap_open(&snap, p, size, err) != 0) {
        krj_fuzz_assert(err[0] != '\0'
                        && memchr(err, '\0', KRJ_SNAP_ERRLEN) != NULL,
                        "refused without a reason");
        return;
    }

    krj_fuzz_read(&snap);
    krj_fuzz_free_all();
}


static void
krj_fuzz_read(const krj_snap_t *snap)
{
    size_t                      k;
    uint32_t                    i;
    krj_fuzz_snap_t             a;
    const krj_snap_category_t  *cat;

    /* the module subtracts it from the time (/ready) */
    krj_fuzz_assert(snap->hdr->generated_at >= 0
                    && snap->hdr->generated_at <= KRJ_SNAP_MAX_TIME,
                    "generated_at %lld", (long long) snap->hdr->generated_at);

    memset(&a, 0, sizeof(krj_fuzz_snap_t));
    a.snap = snap;

    for (k = 0; k < 4; k++) {
        a.kind = (k & 1) ? KRJ_LIST_SUMMARY : KRJ_LIST_CATEGORIES;
        a.visible = (k & 2) ? krj_fuzz_odd : NULL;
        krj_fuzz_run(krj_fuzz_list, &a);
    }

    krj_fuzz_assert(krj_snap_find_category(snap, "", 0) == NULL,
                    "an empty slug is found");

    for (i = 0; i < snap->hdr->ncategories; i++) {
        cat = &snap->categories[i];

        krj_fuzz_assert(krj_snap_find_category(snap,
                                               krj_snap_ptr(snap, cat->slug),
                                               cat->slug.len) == cat,
                        "category %u not found by its slug", i);

        krj_fuzz_category(snap, cat);
    }

    for (i = 0; i < snap->hdr->ntickers; i++) {
        krj_fuzz_ticker(snap, &snap->tickers[i]);
    }

    krj_fuzz_dashboard(snap);
}


static void
krj_fuzz_category(const krj_snap_t *snap, const krj_snap_category_t *cat)
{
    char                     *args;
    uint32_t                  c, n;
    krj_out_t                 o;
    krj_snap_ref_t            cell;
    krj_fuzz_snap_t           a;
    const krj_snap_column_t  *cols;

    memset(&a, 0, sizeof(krj_fuzz_snap_t));
    a.snap = snap;
    a.cat = cat;

    krj_fuzz_run(krj_fuzz_summary, &a);
    krj_fuzz_run(krj_fuzz_head, &a);

    /* the unfiltered answer, then one query of each kind it allows */
    krj_fuzz_query(&a, "", 0);

    cols = krj_snap_columns(snap, cat);

    for (n = 0; n < 2; n++) {
        krj_out_init(&o, NULL);
        args = NULL;

        /* measured, then written, as every answer is */
        for ( ;; ) {
            krj_out_str(&o, "fields=");

            for (c = cat->ncolumns; c-- > 0; /* void */) {
                krj_fuzz_enc(&o, krj_snap_ptr(snap, cols[c].name),
                             cols[c].name.len);

                if (c) {
                    krj_out_byte(&o, ',');
                }
            }

            krj_out_str(&o, n ? "&sort=-" : "&sort=");
            krj_fuzz_enc(&o, krj_snap_ptr(snap, cols[cat->ticker_col].name),
                         cols[cat->ticker_col].name.len);

            if (n && cat->nrows) {
                cell = krj_snap_cell_csv(snap, cat, 0, cat->ticker_col);
                krj_out_str(&o, "&limit=2&offset=1&ticker=");
                krj_fuzz_enc(&o, krj_snap_ptr(snap, cell), cell.len);
            }

            if (cat->signal_col >= 0 && cat->prior_col >= 0) {
                krj_out_str(&o, n ? "&changed=0&signal=Long,Short"
                                  : "&changed=1&prior=Neutral");
            }

            if (args != NULL || o.len > KRJ_FUZZ_QUERY_MAX) {
                break;
            }

            args = krj_fuzz_alloc(NULL, o.len);
            krj_out_init(&o, args);
        }

        if (args != NULL) {
            krj_fuzz_query(&a, args, o.len);
        }
    }
}


static void
krj_fuzz_query(krj_fuzz_snap_t *a, const char *args, size_t len)
{
    uint32_t      i;
    krj_query_t   q;
    krj_select_t  sel;

    /* a column name may hold a NUL, which no query can name */
    if (krj_query_parse(&q, a->snap, a->cat, args, len, krj_fuzz_alloc,
                        NULL) != KRJ_QUERY_OK)
    {
        krj_fuzz_assert(q.error != KRJ_QUERY_NOMEM && q.err[0] != '\0',
                        "query refused without a reason");
        return;
    }

    krj_fuzz_assert(krj_query_select(&sel, a->snap, a->cat, &q,
                                     krj_fuzz_alloc, NULL) == KRJ_QUERY_OK,
                    "select");
    krj_fuzz_assert(sel.nrows <= sel.matched && sel.matched <= a->cat->nrows,
                    "%u rows of %u matched of %u", sel.nrows, sel.matched,
                    a->cat->nrows);

    for (i = 0; i < sel.nrows; i++) {
        krj_fuzz_assert(sel.rows[i] < a->cat->nrows, "row %u", sel.rows[i]);
    }

    a->q = &q;
    a->sel = &sel;

    krj_fuzz_run(krj_fuzz_head, a);
    krj_fuzz_run(krj_fuzz_json_rows, a);
    krj_fuzz_run(krj_fuzz_csv_rows, a);

    /* the same query on the dashboard, read as a form */
    if (krj_query_parse_form(&q, a->snap, a->cat, args, len, krj_fuzz_alloc,
                             NULL)
        == KRJ_QUERY_OK)
    {
        krj_fuzz_assert(krj_query_select(&sel, a->snap, a->cat, &q,
                                         krj_fuzz_alloc, NULL)
                        == KRJ_QUERY_OK, "select of a form");
        krj_fuzz_run(krj_fuzz_page, a);
    }

    a->q = NULL;
    a->sel = NULL;
}


/*
 * Every category's unfiltered page as the module sends it, plain and
 * gzip, at two locations (the compact gzip's and another), and the print
 * view of every group, Long/Short only, for two principals.
 */

static void
krj_fuzz_dashboard(const krj_snap_t *snap)
{
    uint32_t         i, k;
    krj_print_t      p;
    krj_fuzz_snap_t  a;

    for (i = 0; i < snap->hdr->ncategories; i++) {
        for (k = 0; k < 2; k++) {
            krj_fuzz_pieces(snap, &snap->categories[i], (int) k);
        }
    }

    for (k = 0; k < 2; k++) {
        memset(&a, 0, sizeof(krj_fuzz_snap_t));
        a.snap = snap;
        a.visible = k ? krj_fuzz_odd : NULL;

        if (krj_print_parse(&p, snap, "ls=1", 4, a.visible, NULL,
                            krj_fuzz_alloc, NULL)
            == KRJ_QUERY_OK)
        {
            a.print = &p;
            krj_fuzz_run(krj_fuzz_print, &a);
        }
    }
}


static void
krj_fuzz_page_init(krj_page_t *pg, const krj_fuzz_snap_t *a)
{
    memset(pg, 0, sizeof(krj_page_t));

    pg->snap = a->snap;
    pg->prefix.data = "/krj";
    pg->prefix.len = 4;
    pg->api.data = "/api/v1";
    pg->api.len = 7;
    pg->user.data = "a<b";
    pg->user.len = 3;
    pg->now = a->snap->hdr->generated_at + 90000;
    pg->max_age = 86400;
    pg->visible = a->visible;
}


static void
krj_fuzz_page(krj_out_t *o, void *ctx)
{
    krj_page_t        pg;
    krj_fuzz_snap_t  *a = ctx;

    krj_fuzz_page_init(&pg, a);
    krj_page_category(o, &pg, a->cat, a->q, a->sel, KRJ_PAGE_ALL);
}


static void
krj_fuzz_print(krj_out_t *o, void *ctx)
{
    krj_page_t        pg;
    krj_fuzz_snap_t  *a = ctx;

    krj_fuzz_page_init(&pg, a);
    krj_page_print(o, &pg, a->print);
}


/* the pieces of a page: counted, then made; their bytes add up */

static void
krj_fuzz_pieces(const krj_snap_t *snap, const krj_snap_category_t *cat,
    int gzip)
{
    char         *joined;
    size_t        i, sum;
    krj_str_t     fill[KRJ_HOLES];
    krj_pieces_t  pc, count;

    memset(fill, 0, sizeof(fill));
    fill[KRJ_HOLE_PREFIX].data = gzip ? "/krj" : "/x";
    fill[KRJ_HOLE_PREFIX].len = gzip ? 4 : 2;
    fill[KRJ_HOLE_API].data = "/api/v1";
    fill[KRJ_HOLE_API].len = 7;
    fill[KRJ_HOLE_HEADER].data = "<header>";
    fill[KRJ_HOLE_HEADER].len = 8;

    memset(&count, 0, sizeof(krj_pieces_t));
    krj_page_pieces(&count, snap, cat, fill, gzip);

    pc = count;
    pc.pieces = krj_fuzz_alloc(NULL, (count.n + 1) * sizeof(krj_piece_t));
    pc.scratch = krj_fuzz_alloc(NULL, count.nscratch + 1);
    krj_page_pieces(&pc, snap, cat, fill, gzip);

    krj_fuzz_assert(pc.n == count.n && pc.nscratch == count.nscratch
                    && pc.len == count.len, "pieces counted %zu, made %zu",
                    count.n, pc.n);

    /* every byte of every piece read: ASan stops one outside the file */
    joined = krj_fuzz_alloc(NULL, pc.len + 1);

    for (sum = 0, i = 0; i < pc.n; i++) {
        memcpy(joined + sum, pc.pieces[i].data, pc.pieces[i].len);
        sum += pc.pieces[i].len;
    }

    krj_fuzz_assert(sum == pc.len, "pieces of %zu bytes, %zu said", sum,
                    pc.len);
}


static void
krj_fuzz_ticker(const krj_snap_t *snap, const krj_snap_ticker_t *t)
{
    char             *lower;
    size_t            k;
    const char       *name;
    krj_fuzz_snap_t   a;

    name = krj_snap_ptr(snap, t->ticker);

    krj_fuzz_assert(krj_snap_find_ticker(snap, name, t->ticker.len) == t,
                    "ticker not found by its name");

    /* the module looks tickers up as the client spells them */
    lower = krj_fuzz_alloc(NULL, t->ticker.len);

    for (k = 0; k < t->ticker.len; k++) {
        lower[k] = (name[k] >= 'A' && name[k] <= 'Z') ? name[k] | 0x20
                                                      : name[k];
    }

    krj_fuzz_assert(krj_snap_find_ticker(snap, lower, t->ticker.len) == t,
                    "ticker not found in lower case");

    memset(&a, 0, sizeof(krj_fuzz_snap_t));
    a.snap = snap;
    a.ticker = t;

    krj_fuzz_run(krj_fuzz_ticker_rows, &a);
    krj_fuzz_assert(a.n == t->count, "%u results of %u rows", a.n,
                    t->count);

    a.visible = krj_fuzz_odd;
    krj_fuzz_run(krj_fuzz_ticker_rows, &a);
    krj_fuzz_assert(a.n <= t->count, "%u results of %u rows", a.n,
                    t->count);
}


/* a principal that sees the categories whose slug starts odd */

static int
krj_fuzz_odd(void *data, const char *slug, size_t len)
{
    (void) data;

    return len > 0 && ((unsigned char) slug[0] & 1);
}


/* every byte percent-encoded: names may hold , & = and % */

static void
krj_fuzz_enc(krj_out_t *o, const char *s, size_t len)
{
    size_t              i;
    static const char   hex[] = "0123456789ABCDEF";

    for (i = 0; i < len; i++) {
        krj_out_byte(o, '%');
        krj_out_byte(o, hex[(unsigned char) s[i] >> 4]);
        krj_out_byte(o, hex[(unsigned char) s[i] & 0xf]);
    }
}


static void
krj_fuzz_run(krj_fuzz_render_pt render, krj_fuzz_snap_t *a)
{
    char    *p;
    size_t   len;

    p = krj_fuzz_render(render, a, &len);
    free(p);
}


static void
krj_fuzz_list(krj_out_t *o, void *ctx)
{
    krj_fuzz_snap_t  *a = ctx;

    krj_render_list(o, a->snap, a->kind, a->visible, NULL);
}


static void
krj_fuzz_summary(krj_out_t *o, void *ctx)
{
    krj_fuzz_snap_t  *a = ctx;

    krj_render_summary(o, a->cat->nrows, a->cat->counts);
}


static void
krj_fuzz_head(krj_out_t *o, void *ctx)
{
    krj_fuzz_snap_t  *a = ctx;

    if (a->sel == NULL) {
        krj_render_signals_head(o, a->snap, a->cat, NULL, a->cat->nrows,
                                a->cat->nrows, a->cat->counts);
        return;
    }

    krj_render_signals_head(o, a->snap, a->cat, a->q, a->sel->nrows,
                            a->sel->matched, a->sel->counts);
}


static void
krj_fuzz_json_rows(krj_out_t *o, void *ctx)
{
    krj_fuzz_snap_t  *a = ctx;

    krj_render_signals_json(o, a->snap, a->cat, a->q, a->sel);
}


static void
krj_fuzz_csv_rows(krj_out_t *o, void *ctx)
{
    krj_fuzz_snap_t  *a = ctx;

    krj_render_signals_csv(o, a->snap, a->cat, a->q, a->sel);
}


static void
krj_fuzz_ticker_rows(krj_out_t *o, void *ctx)
{
    krj_fuzz_snap_t  *a = ctx;

    a->n = krj_render_ticker(o, a->snap, a->ticker, a->visible, NULL);
}
