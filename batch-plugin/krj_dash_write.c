
/*
 * Copyright (C) The krj developers
 */


/*
 * The dashboard's part of the snapshot.  A category's page is rendered by
 * krj_page.c, the module's own renderer, with the per-request parts left
 * as holes; its rows are written here between the head and the tail, and
 * each row's fragment is where it is in the page, so the module copies
 * the same bytes into a filtered page.  The page is then cut at its holes
 * into spans, each with its own deflate stream, so that the module sends
 * the unfiltered page, plain or gzip, without rendering or compressing.
 */


#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "krj_assets.h"
#include "krj_columns.h"
#include "krj_dash_rows.h"
#include "krj_dash_write.h"
#include "krj_gzip.h"
#include "krj_html.h"
#include "krj_page.h"


/* room for the holes of a page at first: 6 and one per column, grown */
#define KRJ_DASH_HOLES  64

/*
 * The locations of the compact gzip of every page: the README's, which a
 * module serving them saves the combining of a CRC per column and, on a
 * small page, a third of its compressed size
 */
#define KRJ_DASH_PREFIX "/krj"
#define KRJ_DASH_API    "/api/v1"


typedef struct {
    size_t                      off;
    unsigned                    kind;
} krj_dash_hole_t;


/* the holes of a page being rendered, from base on in out */
typedef struct {
    krj_dash_hole_t            *holes;
    size_t                      n;
    size_t                      cap;
    size_t                      base;
    int                         failed;
} krj_dash_holes_t;


/* what the page's rows are rendered from, and whose refs they set */
typedef struct {
    const krj_snap_input_t     *in;
    const krj_snap_category_t  *cat;
    const krj_snap_column_t    *cols;
    const krj_snap_cell_t      *cells;
    const uint32_t             *ranks;
    krj_snap_row_t             *rows;
    int                         known;
} krj_dash_rows_t;


/* what the renderers of the page's head and tail are given */
typedef struct {
    const krj_page_t           *pg;
    const krj_snap_category_t  *cat;
    const krj_query_t          *q;
    unsigned                    parts;
} krj_dash_page_t;


static int krj_dash_columns(krj_buf_t *out, const krj_snap_input_t *in,
    krj_snap_column_t *cols, const krj_snap_cell_t *cells);
static int krj_dash_page(krj_buf_t *out, krj_snap_category_t *cat,
    krj_snap_row_t *rows, const krj_snap_input_t *in,
    const krj_snap_column_t *cols, const krj_snap_cell_t *cells,
    const uint32_t *ranks, const krj_snap_header_t *h, int known);
static void krj_dash_page_row(krj_buf_t *b, uint32_t r, void *arg);
static void krj_dash_page_shift(void *arg, uint32_t from, uint32_t to,
    size_t base);
static int krj_dash_spans(krj_buf_t *out, krj_snap_category_t *cat,
    size_t start, krj_dash_holes_t *hd);
static int krj_dash_compact(krj_buf_t *out, krj_snap_category_t *cat,
    krj_snap_span_t *spans, size_t n, size_t shared);
static int krj_dash_deflate(krj_buf_t *out, const uint8_t *p, size_t len,
    int first, int final, krj_snap_ref_t *gz);
static void krj_dash_hole(void *data, size_t off, unsigned kind);
static void krj_dash_render(krj_out_t *o, const krj_snap_t *view,
    const void *arg);
static krj_snap_ref_t krj_dash_html(krj_buf_t *out, const char *s,
    size_t len, krj_snap_ref_t same);
static int krj_dash_known(const krj_snap_input_t *in);


static const char  *krj_dash_tabs[] = {
    "equities", "etfs_fx", "sp500", "sp100", "ndx100", "drc", NULL
};


int
krj_dash_write_assets(krj_buf_t *out, krj_snap_header_t *h, char *err)
{
    char                hex[2 * KRJ_ASSET_HASH_LEN + 1];
    size_t              start;
    unsigned            i, k, mdlen;
    uint8_t             md[EVP_MAX_MD_SIZE];
    const krj_asset_t  *a;
    static const char   digits[] = "0123456789abcdef";

    for (i = 0; i < KRJ_SNAP_ASSETS; i++) {
        a = krj_asset_get(i);

        if (EVP_Digest(a->data, a->len, md, &mdlen, EVP_sha256(), NULL)
            != 1)
        {
            snprintf(err, KRJ_SNAP_ERRLEN, "%s: SHA-256 failed", a->name);
            return -1;
        }

        for (k = 0; k < KRJ_ASSET_HASH_LEN / 2; k++) {
            hex[2 * k] = digits[md[k] >> 4];
            hex[2 * k + 1] = digits[md[k] & 0xf];
        }

        hex[KRJ_ASSET_HASH_LEN] = '\0';

        start = out->len;
        krj_buf_printf(out, "krj.%s.%s", hex, a->ext);
        h->assets[i].name = krj_snap_since(out, start);
        krj_snap_body_start(out, a->len);
        h->assets[i].body = krj_snap_str(out, (const char *) a->data, a->len);

        if (krj_snap_gzip(out, h->assets[i].body, &h->assets[i].gz) != 0) {
            snprintf(err, KRJ_SNAP_ERRLEN, "%s: gzip failed", a->name);
            return -1;
        }
    }

    h->gz_prefix = krj_snap_str(out, KRJ_DASH_PREFIX,
                                sizeof(KRJ_DASH_PREFIX) - 1);
    h->gz_api = krj_snap_str(out, KRJ_DASH_API, sizeof(KRJ_DASH_API) - 1);

    return 0;
}


int
krj_dash_write_category(krj_buf_t *out, const krj_snap_input_t *in,
    krj_snap_category_t *cat, krj_snap_column_t *cols, krj_snap_row_t *rows,
    const krj_snap_cell_t *cells, const krj_snap_sorted_t *sorted,
    const krj_snap_header_t *h, char *err)
{
    int        rc, known;
    char       date[KRJ_HTML_DATE_LEN];
    size_t     start;
    uint32_t   j, *ranks;
    uint64_t   n;

    known = krj_dash_known(in);
    ranks = NULL;
    rc = -1;

    cat->html_label = krj_dash_html(out, in->label, strlen(in->label),
                                    cat->label);
    cat->pretty_date = krj_snap_str(out, date,
                                    krj_html_date(date, in->signal_date,
                                                  strlen(in->signal_date)));

    if (krj_dash_columns(out, in, cols, cells) != 0) {
        goto nomem;
    }

    start = out->len;

    for (j = 1; j < cat->ncolumns && j <= 99; j++) {
        if (cols[j].right) {
            krj_buf_printf(out, " n%u", j);
        }
    }

    cat->num_classes = krj_snap_since(out, start);

    /* the smallest width w with 36^w > rows, so every rank fits */
    cat->rank_width = 1;

    for (n = 36; n <= cat->nrows; n *= 36) {
        cat->rank_width++;
    }

    ranks = krj_dash_ranks(sorted);

    if (ranks == NULL || krj_dash_warnings(out, in, cat, rows) != 0) {
        goto nomem;
    }

    if (krj_dash_page(out, cat, rows, in, cols, cells, ranks, h, known)
        != 0)
    {
        snprintf(err, KRJ_SNAP_ERRLEN, "%s: the dashboard page failed: out "
                 "of memory or gzip", in->slug);
        goto cleanup;
    }

    rc = 0;
    goto cleanup;

nomem:

    snprintf(err, KRJ_SNAP_ERRLEN, "%s: dashboard: out of memory", in->slug);

cleanup:

    free(ranks);

    return rc;
}


void
krj_dash_write_tabs(krj_buf_t *out, const krj_snap_input_t *in, uint32_t n,
    krj_snap_header_t *h)
{
    size_t     off;
    uint32_t  *tabs, i, k, known;

    off = krj_snap_reserve(out, (size_t) n * sizeof(uint32_t));

    h->tabs.off = (uint32_t) off;
    h->tabs.len = (uint32_t) (n * sizeof(uint32_t));

    if (out->failed) {
        return;
    }

    tabs = (uint32_t *) (out->data + off);
    k = 0;

    for (i = 0; krj_dash_tabs[i]; i++) {
        for (known = 0; known < n; known++) {
            if (strcmp(in[known].slug, krj_dash_tabs[i]) == 0) {
                tabs[k++] = known;
            }
        }
    }

    /* the input is sorted by slug: the others follow in that order */

    for (i = 0; i < n; i++) {
        for (known = 0; krj_dash_tabs[known]; known++) {
            if (strcmp(in[i].slug, krj_dash_tabs[known]) == 0) {
                break;
            }
        }

        if (krj_dash_tabs[known] == NULL) {
            tabs[k++] = i;
        }
    }
}


/*
 * The registry: known columns get the original's label, tooltip and
 * alignment; in a schema krj does not know, the name is the label and a
 * column is right-aligned when all its cells are numbers.
 */

static int
krj_dash_columns(krj_buf_t *out, const krj_snap_input_t *in,
    krj_snap_column_t *cols, const krj_snap_cell_t *cells)
{
    int                  known, any;
    char                 date[KRJ_HTML_DATE_LEN];
    size_t               len, dlen, start;
    uint32_t             c, r;
    krj_buf_t            tip;
    const char          *name, *p, *brace;
    const krj_csv_t     *t;
    const krj_column_t  *col;

    t = in->csv;
    known = krj_dash_known(in);
    dlen = krj_html_date(date, in->signal_date, strlen(in->signal_date));

    for (c = 0; c < t->ncolumns; c++) {
        name = krj_csv_text(t, 0, c);
        len = krj_csv_len(t, 0, c);

        cols[c].html_name = krj_dash_html(out, name, len, cols[c].name);

        start = out->len;
        krj_buf_fmt(out, "%q", name, len);
        cols[c].url_name = krj_snap_since(out, start);

        if (cols[c].url_name.len == len) {
            out->len = start;
            cols[c].url_name = cols[c].name;
        }

        if (!known) {
            any = 0;

            for (r = 0; r < t->nrows; r++) {
                any |= (cells[(size_t) r * t->ncolumns + c].type
                        != KRJ_SNAP_NULL);
            }

            cols[c].label = cols[c].html_name;
            cols[c].tooltip.off = cols[c].label.off;
            cols[c].tooltip.len = 0;
            cols[c].right = cols[c].numeric && any;
            continue;
        }

        col = krj_column_find(name, len);

        cols[c].label = krj_dash_html(out, col->label, strlen(col->label),
                                      cols[c].name);
        cols[c].right = krj_column_numeric(col);

        /* the tooltip with the category's date for {date} */
        krj_buf_init(&tip);
        p = col->tooltip;

        while ((brace = strstr(p, "{date}")) != NULL) {
            krj_buf_append(&tip, p, brace - p);
            krj_buf_append(&tip, date, dlen);
            p = brace + sizeof("{date}") - 1;
        }

        krj_buf_str(&tip, p);

        if (tip.failed) {
            krj_buf_free(&tip);
            return -1;
        }

        start = out->len;
        krj_buf_fmt(out, "%h", (const char *) tip.data, tip.len);
        cols[c].tooltip = krj_snap_since(out, start);
        krj_buf_free(&tip);
    }

    return out->failed ? -1 : 0;
}


/*
 * The unfiltered page: the head as krj_page.c renders it, the rows, the
 * tail, with the holes' places, then cut into spans.
 */

static int
krj_dash_page(krj_buf_t *out, krj_snap_category_t *cat, krj_snap_row_t *rows,
    const krj_snap_input_t *in, const krj_snap_column_t *cols,
    const krj_snap_cell_t *cells, const uint32_t *ranks,
    const krj_snap_header_t *h, int known)
{
    int                rc;
    size_t             start;
    krj_snap_t         view;
    krj_page_t         pg;
    krj_query_t        q;
    krj_dash_rows_t    dr;
    krj_dash_page_t    arg;
    krj_dash_holes_t   hd;

    memset(&hd, 0, sizeof(krj_dash_holes_t));
    memset(&view, 0, sizeof(krj_snap_t));
    memset(&pg, 0, sizeof(krj_page_t));

    /* the renderer reads the columns where the module will read them */
    if (!out->failed) {
        memcpy(out->data + cat->columns.off, cols,
               cat->ncolumns * sizeof(krj_snap_column_t));
    }

    (void) krj_query_parse_form(&q, NULL, NULL, "", 0, NULL, NULL);

    view.hdr = h;

    pg.snap = &view;
    pg.hole = krj_dash_hole;
    pg.hdata = &hd;

    arg.pg = &pg;
    arg.cat = cat;
    arg.q = &q;

    start = out->len;

    hd.base = out->len;
    arg.parts = KRJ_PAGE_HEAD;
    (void) krj_snap_render(out, &view, krj_dash_render, &arg);

    dr.in = in;
    dr.cat = cat;
    dr.cols = cols;
    dr.cells = cells;
    dr.ranks = ranks;
    dr.rows = rows;
    dr.known = known;

    (void) krj_snap_render_rows(out, cat->nrows, krj_dash_page_row,
                                krj_dash_page_shift, &dr);

    hd.base = out->len;
    arg.parts = KRJ_PAGE_TAIL;
    (void) krj_snap_render(out, &view, krj_dash_render, &arg);

    rc = (hd.failed || out->failed) ? -1 : krj_dash_spans(out, cat, start, &hd);

    free(hd.holes);

    return rc;
}


static void
krj_dash_page_row(krj_buf_t *b, uint32_t r, void *arg)
{
    size_t            cs;
    krj_dash_rows_t  *dr = arg;

    cs = b->len;
    krj_dash_row(b, dr->in, dr->cat, dr->cols, dr->cells, dr->ranks, r,
                 dr->known);
    dr->rows[r].html = krj_snap_since(b, cs);
}


static void
krj_dash_page_shift(void *arg, uint32_t from, uint32_t to, size_t base)
{
    uint32_t          r;
    krj_dash_rows_t  *dr = arg;

    for (r = from; r < to; r++) {
        dr->rows[r].html.off += (uint32_t) base;
    }
}


/*
 * The page from start to the end of out, cut at the holes.  A large page
 * is its rows, in one span: the compact gzip, which is the same text
 * there, shares that span's stream instead of compressing it again
 * (29.5 MB of 100,000 rows, 7.7 MB compressed, 0.3 s of the 2 cores).
 */

static int
krj_dash_spans(krj_buf_t *out, krj_snap_category_t *cat, size_t start,
    krj_dash_holes_t *hd)
{
    int               rc;
    size_t            i, n, from, to, off, shared;
    krj_buf_t         tmp;
    krj_snap_span_t  *spans;

    n = hd->n + 1;
    rc = -1;

    spans = calloc(n, sizeof(krj_snap_span_t));
    krj_buf_init(&tmp);

    if (spans == NULL) {
        return -1;
    }

    to = out->len;

    for (i = 0; i < n; i++) {
        from = (i == 0) ? start : hd->holes[i - 1].off;
        off = (i == n - 1) ? to : hd->holes[i].off;

        spans[i].text.off = (uint32_t) from;
        spans[i].text.len = (uint32_t) (off - from);
        spans[i].hole = (i == n - 1) ? KRJ_HOLE_NONE : hd->holes[i].kind;
    }

    shared = n;

    for (i = 0; i < n; i++) {
        if (spans[i].text.len >= KRJ_GZIP_LARGE
            && (shared == n || spans[i].text.len > spans[shared].text.len))
        {
            shared = i;
        }
    }

    for (i = 0; i < n; i++) {
        spans[i].crc = krj_crc32(out->data + spans[i].text.off,
                                 spans[i].text.len);
        spans[i].shift = krj_crc32_shift(spans[i].text.len);

        if (i == shared) {
            continue;
        }

        /* out moves as it grows: compress from a copy */
        tmp.len = 0;
        krj_buf_append(&tmp, out->data + spans[i].text.off,
                       spans[i].text.len);

        if (tmp.failed
            || krj_dash_deflate(out, tmp.data, tmp.len, i == 0, i == n - 1,
                                &spans[i].gz)
               != 0)
        {
            goto cleanup;
        }
    }

    if (krj_dash_compact(out, cat, spans, n, shared) != 0) {
        goto cleanup;
    }

    off = krj_snap_reserve(out, n * sizeof(krj_snap_span_t));

    if (out->failed) {
        goto cleanup;
    }

    memcpy(out->data + off, spans, n * sizeof(krj_snap_span_t));

    cat->page.off = (uint32_t) off;
    cat->page.len = (uint32_t) (n * sizeof(krj_snap_span_t));
    cat->npage = (uint32_t) n;

    rc = 0;

cleanup:

    krj_buf_free(&tmp);
    free(spans);

    return rc;
}


/*
 * The compact gzip: the spans with the README's locations written in,
 * cut only where the header and the groups go, which change per request.
 * The shared span (n: none) is compressed here, behind the text before
 * it in its part, as a stream of its own, so that the part's bytes hold
 * the span's: both refs point at them.
 */

static int
krj_dash_compact(krj_buf_t *out, krj_snap_category_t *cat,
    krj_snap_span_t *spans, size_t n, size_t shared)
{
    int                 rc;
    size_t              i, m, off, from, mid, done;
    krj_buf_t           text;
    krj_snap_ref_t      ref;
    krj_snap_gzspan_t  *gs;

    rc = -1;
    m = 0;
    from = 0;

    /* the part's text compressed ahead: the shared span's, what precedes */
    done = 0;

    gs = calloc(n, sizeof(krj_snap_gzspan_t));
    krj_buf_init(&text);

    if (gs == NULL) {
        return -1;
    }

    for (i = 0; i < n; i++) {
        off = text.len;

        krj_buf_append(&text, out->data + spans[i].text.off,
                       spans[i].text.len);

        if (i == shared) {
            if (text.failed) {
                goto cleanup;
            }

            from = out->len;

            if (krj_dash_deflate(out, text.data, off, m == 0, 0, &ref) != 0) {
                goto cleanup;
            }

            /* the first span's stream is behind the gzip header, as here */
            mid = (i == 0) ? from : out->len;

            if (krj_dash_deflate(out, text.data + off, spans[i].text.len, 0,
                                 i == n - 1, &ref)
                != 0)
            {
                goto cleanup;
            }

            spans[i].gz = krj_snap_since(out, mid);
            done = text.len;
        }

        if (spans[i].hole == KRJ_HOLE_PREFIX) {
            krj_buf_str(&text, KRJ_DASH_PREFIX);
            continue;
        }

        if (spans[i].hole == KRJ_HOLE_API) {
            krj_buf_str(&text, KRJ_DASH_API);
            continue;
        }

        if (text.failed) {
            goto cleanup;
        }

        gs[m].len = (uint32_t) text.len;
        gs[m].crc = krj_crc32(text.data, text.len);
        gs[m].shift = krj_crc32_shift(text.len);
        gs[m].hole = spans[i].hole;

        if (done) {
            /* the rest behind the shared stream; a final one ends it */
            if (shared != n - 1
                && krj_dash_deflate(out, text.data + done, text.len - done,
                                    0, i == n - 1, &ref)
                   != 0)
            {
                goto cleanup;
            }

            gs[m].gz = krj_snap_since(out, from);
            done = 0;

        } else if (krj_dash_deflate(out, text.data, text.len, m == 0,
                                    i == n - 1, &gs[m].gz)
                   != 0)
        {
            goto cleanup;
        }

        m++;
        text.len = 0;
    }

    off = krj_snap_reserve(out, m * sizeof(krj_snap_gzspan_t));

    if (out->failed) {
        goto cleanup;
    }

    memcpy(out->data + off, gs, m * sizeof(krj_snap_gzspan_t));

    cat->page_gz.off = (uint32_t) off;
    cat->page_gz.len = (uint32_t) (m * sizeof(krj_snap_gzspan_t));
    cat->npage_gz = (uint32_t) m;

    rc = 0;

cleanup:

    krj_buf_free(&text);
    free(gs);

    return rc;
}


/*
 * A span's own deflate stream, the first behind the gzip header; an empty
 * one but the last adds nothing: no bytes, no blocks
 */

static int
krj_dash_deflate(krj_buf_t *out, const uint8_t *p, size_t len, int first,
    int final, krj_snap_ref_t *gz)
{
    size_t  from;

    from = out->len;

    if (first) {
        krj_buf_append(out, KRJ_GZIP_HEADER, KRJ_GZIP_HEADER_LEN);
    }

    if ((len || final)
        && krj_deflate_part(out, p ? p : (uint8_t *) "", len, final) != 0)
    {
        return -1;
    }

    *gz = krj_snap_since(out, from);

    return out->failed ? -1 : 0;
}


static void
krj_dash_hole(void *data, size_t off, unsigned kind)
{
    krj_dash_holes_t  *hd = data;
    krj_dash_hole_t   *p;

    if (hd->n == hd->cap) {
        p = realloc(hd->holes, (hd->cap ? 2 * hd->cap : KRJ_DASH_HOLES)
                               * sizeof(krj_dash_hole_t));
        if (p == NULL) {
            hd->failed = 1;
            return;
        }

        hd->holes = p;
        hd->cap = hd->cap ? 2 * hd->cap : KRJ_DASH_HOLES;
    }

    hd->holes[hd->n].off = hd->base + off;
    hd->holes[hd->n].kind = kind;
    hd->n++;
}


static void
krj_dash_render(krj_out_t *o, const krj_snap_t *view, const void *arg)
{
    const krj_dash_page_t  *a = arg;

    (void) view;

    krj_page_category(o, a->pg, a->cat, a->q, NULL, a->parts);
}


/* s escaped; same (the unescaped text's ref) when nothing needs it */

static krj_snap_ref_t
krj_dash_html(krj_buf_t *out, const char *s, size_t len, krj_snap_ref_t same)
{
    size_t  start;

    if (!out->failed && krj_html_escape(NULL, s, len) == len
        && same.len == len && memcmp(out->data + same.off, s, len) == 0)
    {
        return same;
    }

    start = out->len;
    krj_buf_fmt(out, "%h", s, len);

    return krj_snap_since(out, start);
}


/* the original's schema: every column one of the 14 it knows */

static int
krj_dash_known(const krj_snap_input_t *in)
{
    uint32_t  c;

    for (c = 0; c < in->csv->ncolumns; c++) {
        if (krj_column_find(krj_csv_text(in->csv, 0, c),
                            krj_csv_len(in->csv, 0, c))
            == NULL)
        {
            return 0;
        }
    }

    return 1;
}


