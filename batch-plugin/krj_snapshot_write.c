
/*
 * Copyright (C) The krj developers
 */


/*
 * The snapshot writer.  Structures are built in ordinary arrays while the
 * strings and bodies are appended to the output; offsets, never pointers,
 * are kept into the output because it moves as it grows.  The arrays are
 * copied into the space reserved for them at the end.
 *
 * Many refs share bytes: a row's JSON points into the category's /signals
 * body, and the rows' CSV records into the published CSV when it is laid
 * out as krj writes CSV (the common case: LF, quotes only where needed);
 * a cell is only its two positions in its row's fragments (the index).
 *
 * What the module also renders (the envelopes, the lists, the summaries)
 * is written by the renderers of krj_render.c over the snapshot built so
 * far, so a pre-rendered body and a filtered one cannot differ in layout.
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "krj_cells.h"
#include "krj_dash_write.h"
#include "krj_date.h"
#include "krj_gzip.h"
#include "krj_layout.h"
#include "krj_log.h"
#include "krj_render.h"
#include "krj_snapshot.h"
#include "krj_snapshot_write.h"


/* what the rows of a JSON body are rendered from, and whose refs they set */
typedef struct {
    const krj_csv_t            *t;
    krj_snap_column_t          *cols;
    krj_snap_row_t             *rows;
    krj_snap_cell_t            *cells;
} krj_snap_body_t;


static int krj_snap_write_category(krj_buf_t *out, const krj_snap_input_t *in,
    krj_snap_category_t *cat, krj_snap_index_t *ix,
    const krj_snap_header_t *h, const char *iso, char *err);
static void krj_snap_write_body(krj_buf_t *out, const krj_snap_input_t *in,
    krj_snap_category_t *cat, krj_snap_column_t *cols, krj_snap_row_t *rows,
    krj_snap_cell_t *cells, const krj_snap_header_t *h);
static void krj_snap_json_row(krj_buf_t *b, uint32_t r, void *arg);
static void krj_snap_json_shift(void *arg, uint32_t from, uint32_t to,
    size_t base);
static void krj_snap_write_lists(krj_buf_t *out, const krj_snap_input_t *in,
    krj_snap_category_t *cats, uint32_t n, krj_snap_header_t *h);
static void krj_snap_render_head(krj_out_t *o, const krj_snap_t *view,
    const void *arg);
static void krj_snap_render_category(krj_out_t *o, const krj_snap_t *view,
    const void *arg);
static void krj_snap_render_summary(krj_out_t *o, const krj_snap_t *view,
    const void *arg);
static void krj_snap_render_list(krj_out_t *o, const krj_snap_t *view,
    const void *arg);


int
krj_snap_write(krj_buf_t *out, const krj_snap_input_t *in, uint32_t n,
    int64_t generated_at, const uint8_t input_digest[32], uint32_t format,
    const char *writer, char *err)
{
    if (krj_snap_build(out, in, n, generated_at, input_digest, format,
                       writer, err)
        != 0)
    {
        return -1;
    }

    return krj_snap_seal(out, err);
}


int
krj_snap_build(krj_buf_t *out, const krj_snap_input_t *in, uint32_t n,
    int64_t generated_at, const uint8_t input_digest[32], uint32_t format,
    const char *writer, char *err)
{
    int                   rc;
    char                  iso[KRJ_DATE_ISO_LEN + 1];
    size_t                cats_off, ix_off, hsize;
    uint32_t              i;
    krj_snap_index_t     *ix;
    krj_snap_header_t     h;
    krj_snap_category_t  *cats;

    rc = -1;
    ix = NULL;

    if (format != KRJ_SNAP_VERSION && format != KRJ_SNAP_VERSION_PREV) {
        snprintf(err, KRJ_SNAP_ERRLEN, "snapshot format %u: krj-batch "
                 "writes %d or %d", format, KRJ_SNAP_VERSION_PREV,
                 KRJ_SNAP_VERSION);
        return -1;
    }

    /* what the module would refuse is refused here, by the same rule */
    if (format != KRJ_SNAP_VERSION_PREV
        && !krj_snap_writer_ok(writer, strlen(writer)))
    {
        snprintf(err, KRJ_SNAP_ERRLEN, "writer is not 1 to %d printable "
                 "ASCII characters", KRJ_SNAP_WRITER_MAX);
        return -1;
    }

    if (generated_at < 0 || generated_at > KRJ_SNAP_MAX_TIME) {
        snprintf(err, KRJ_SNAP_ERRLEN, "time %lld out of the years 1970 to "
                 "9999", (long long) generated_at);
        return -1;
    }

    cats = calloc(n ? n : 1, sizeof(krj_snap_category_t));
    ix = calloc(n ? n : 1, sizeof(krj_snap_index_t));

    if (cats == NULL || ix == NULL) {
        free(cats);
        free(ix);
        snprintf(err, KRJ_SNAP_ERRLEN, "out of memory");
        return -1;
    }

    /* format 3 is laid out as 0.1.0 laid it out, byte for byte */
    hsize = krj_snap_header_size(format);

    memset(&h, 0, sizeof(krj_snap_header_t));
    memcpy(h.magic, KRJ_SNAP_MAGIC, KRJ_SNAP_MAGIC_LEN);
    h.version = format;
    h.header_size = (uint32_t) hsize;
    h.byte_order = KRJ_SNAP_BYTE_ORDER;
    h.ncategories = n;
    h.generated_at = generated_at;
    memcpy(h.input_digest, input_digest, sizeof(h.input_digest));

    (void) krj_buf_zero(out, hsize);

    cats_off = krj_snap_reserve(out, n * sizeof(krj_snap_category_t));
    h.categories.off = (uint32_t) cats_off;
    h.categories.len = (uint32_t) (n * sizeof(krj_snap_category_t));

    ix_off = krj_snap_reserve(out, n * sizeof(krj_snap_index_t));
    h.indexes.off = (uint32_t) ix_off;
    h.indexes.len = (uint32_t) (n * sizeof(krj_snap_index_t));

    krj_date_iso(generated_at, iso);
    h.generated_at_iso = krj_snap_str(out, iso, strlen(iso));

    if (format != KRJ_SNAP_VERSION_PREV) {
        h.writer = krj_snap_str(out, writer, strlen(writer));
    }

    /* the pages name the assets: they come first */
    if (krj_dash_write_assets(out, &h, err) != 0) {
        goto cleanup;
    }

    for (i = 0; i < n; i++) {
        if (krj_snap_write_category(out, &in[i], &cats[i], &ix[i], &h, iso,
                                    err)
            != 0)
        {
            goto cleanup;
        }
    }

    if (krj_snap_write_tickers(out, in, n, &h, err) != 0) {
        goto cleanup;
    }

    krj_snap_write_lists(out, in, cats, n, &h);
    krj_dash_write_tabs(out, in, n, &h);

    if (krj_snap_gzip(out, h.categories_json, &h.categories_json_gz) != 0
        || krj_snap_gzip(out, h.summary_json, &h.summary_json_gz) != 0)
    {
        snprintf(err, KRJ_SNAP_ERRLEN, "gzip failed");
        goto cleanup;
    }

    if (krj_snap_write_encodings(out, &h, cats, n) != 0) {
        snprintf(err, KRJ_SNAP_ERRLEN, "br or zstd failed");
        goto cleanup;
    }

    if (out->failed) {
        snprintf(err, KRJ_SNAP_ERRLEN, "out of memory");
        goto cleanup;
    }

    /* offsets were truncated to 32 bits on the way: refuse, do not wrap */
    if (out->len > KRJ_SNAP_MAX_SIZE) {
        snprintf(err, KRJ_SNAP_ERRLEN, "snapshot would be %zu bytes, over "
                 "the 4 GiB format limit", out->len);
        goto cleanup;
    }

    h.total_len = out->len;

    memcpy(out->data + cats_off, cats, n * sizeof(krj_snap_category_t));
    memcpy(out->data + ix_off, ix, n * sizeof(krj_snap_index_t));
    memcpy(out->data, &h, hsize);

    rc = 0;

cleanup:

    free(cats);
    free(ix);

    return rc;
}


static int
krj_snap_write_category(krj_buf_t *out, const krj_snap_input_t *in,
    krj_snap_category_t *cat, krj_snap_index_t *ix,
    const krj_snap_header_t *h, const char *iso, char *err)
{
    int                 rc;
    size_t              cols_off, rows_off, start, cs, ncells, len;
    uint32_t            r, c, k;
    const char         *s;
    const krj_csv_t    *t;
    krj_snap_row_t     *rows;
    krj_snap_cell_t    *cells, *cell;
    krj_snap_column_t  *cols;
    krj_snap_sorted_t   sorted;

    t = in->csv;
    rc = -1;

    memset(&sorted, 0, sizeof(krj_snap_sorted_t));
    ncells = (size_t) t->nrows * t->ncolumns;

    cols = calloc(t->ncolumns, sizeof(krj_snap_column_t));
    rows = calloc(t->nrows ? t->nrows : 1, sizeof(krj_snap_row_t));
    cells = calloc(ncells ? ncells : 1, sizeof(krj_snap_cell_t));

    if (cols == NULL || rows == NULL || cells == NULL) {
        snprintf(err, KRJ_SNAP_ERRLEN, "%s: out of memory", in->slug);
        goto cleanup;
    }

    cat->nrows = t->nrows;
    cat->ncolumns = t->ncolumns;
    cat->ticker_col = t->ticker_col;
    cat->signal_col = t->signal_col;
    cat->prior_col = t->prior_col;

    cols_off = krj_snap_reserve(out, t->ncolumns * sizeof(krj_snap_column_t));
    rows_off = krj_snap_reserve(out, t->nrows * sizeof(krj_snap_row_t));

    cat->columns.off = (uint32_t) cols_off;
    cat->columns.len = (uint32_t) (t->ncolumns * sizeof(krj_snap_column_t));
    cat->rows.off = (uint32_t) rows_off;
    cat->rows.len = (uint32_t) (t->nrows * sizeof(krj_snap_row_t));

    cat->slug = krj_snap_str(out, in->slug, strlen(in->slug));
    cat->label = krj_snap_str(out, in->label, strlen(in->label));
    cat->signal_date = krj_snap_str(out, in->signal_date,
                                    strlen(in->signal_date));
    cat->source_file = krj_snap_str(out, in->source_file,
                                    strlen(in->source_file));
    cat->sha256 = krj_snap_str(out, in->sha256, 64);

    /* a name that needs quotes as CSV: before the records, not among */
    for (c = 0; c < t->ncolumns; c++) {
        s = krj_csv_text(t, 0, c);
        len = krj_csv_len(t, 0, c);

        if (krj_cell_csv_needs_quotes(s, len)) {
            cols[c].name = krj_snap_str(out, s, len);
        }

        cols[c].numeric = 1;
    }

    /* the header record, then each row's: column CSV names point in */
    krj_snap_body_start(out, t->len);
    start = out->len;

    for (c = 0; c < t->ncolumns; c++) {
        if (c) {
            krj_buf_byte(out, ',');
        }

        s = krj_csv_text(t, 0, c);
        len = krj_csv_len(t, 0, c);

        cs = out->len;
        krj_cell_csv_field(out, s, len);
        cols[c].csv_name = krj_snap_since(out, cs);

        if (!krj_cell_csv_needs_quotes(s, len)) {
            cols[c].name = cols[c].csv_name;
        }
    }

    krj_buf_byte(out, '\n');
    cat->csv_header = krj_snap_since(out, start);

    for (r = 0; r < t->nrows; r++) {
        cs = out->len;

        for (c = 0; c < t->ncolumns; c++) {
            if (c) {
                krj_buf_byte(out, ',');
            }

            cell = &cells[(size_t) r * t->ncolumns + c];
            len = out->len;
            krj_cell_csv_field(out, krj_csv_text(t, r + 1, c),
                               krj_csv_len(t, r + 1, c));
            cell->csv = krj_snap_since(out, len);
        }

        krj_buf_byte(out, '\n');
        rows[r].csv = krj_snap_since(out, cs);
        rows[r].line = t->rows[r].line;
        rows[r].signal = t->rows[r].signal;
        rows[r].prior = t->rows[r].prior;
        rows[r].changed = krj_snap_changed(t, r);

        k = rows[r].signal;
        if (k >= KRJ_SIGNAL_LONG && k <= KRJ_SIGNAL_SHORT) {
            cat->counts[KRJ_WEEK_THIS][k - KRJ_SIGNAL_LONG]++;
        }

        k = rows[r].prior;
        if (k >= KRJ_SIGNAL_LONG && k <= KRJ_SIGNAL_SHORT) {
            cat->counts[KRJ_WEEK_PRIOR][k - KRJ_SIGNAL_LONG]++;
        }
    }

    /* the published CSV is these records more often than not: share */
    cat->csv = krj_snap_since(out, start);

    if (out->failed || cat->csv.len != t->len
        || memcmp(out->data + start, t->data, t->len) != 0)
    {
        krj_snap_body_start(out, t->len);
        cat->csv = krj_snap_str(out, (const char *) t->data, t->len);
    }

    for (c = 0; c < t->ncolumns; c++) {
        cs = out->len;
        krj_cell_json_string(out, krj_csv_text(t, 0, c), krj_csv_len(t, 0, c));
        cols[c].json_name = krj_snap_since(out, cs);
    }

    cs = out->len;
    krj_buf_fmt(out, KRJ_FMT_SIGNALS_META, in->slug, strlen(in->slug),
                in->label, strlen(in->label), in->signal_date,
                strlen(in->signal_date), iso, strlen(iso));
    cat->json_meta = krj_snap_since(out, cs);

    krj_snap_write_body(out, in, cat, cols, rows, cells, h);

    /* sorted once: the index lists the orders, the dashboard ranks by them */
    if (krj_snap_sort(&sorted, t, cells) != 0) {
        snprintf(err, KRJ_SNAP_ERRLEN, "%s: index: out of memory", in->slug);
        goto cleanup;
    }

    if (krj_dash_write_category(out, in, cat, cols, rows, cells, &sorted, h,
                                err)
        != 0)
    {
        goto cleanup;
    }

    if (krj_snap_write_index(out, t, rows, cells, &sorted, ix) != 0) {
        snprintf(err, KRJ_SNAP_ERRLEN, "%s: index: out of memory", in->slug);
        goto cleanup;
    }

    if (krj_snap_gzip(out, cat->json, &cat->json_gz) != 0
        || krj_snap_gzip(out, cat->csv, &cat->csv_gz) != 0)
    {
        snprintf(err, KRJ_SNAP_ERRLEN, "%s: gzip failed", in->slug);
        goto cleanup;
    }

    if (out->failed) {
        snprintf(err, KRJ_SNAP_ERRLEN, "%s: out of memory", in->slug);
        goto cleanup;
    }

    memcpy(out->data + cols_off, cols, t->ncolumns * sizeof(*cols));
    memcpy(out->data + rows_off, rows, t->nrows * sizeof(*rows));

    rc = 0;

cleanup:

    krj_snap_sorted_free(&sorted);
    free(cols);
    free(rows);
    free(cells);

    return rc;
}


/*
 * The unfiltered GET /signals/{slug} body: the head as krj_render.c writes
 * it for every answer, then each row, whose cells' JSON stays where it is
 * for the filtered answers to copy.
 */
static void
krj_snap_write_body(krj_buf_t *out, const krj_snap_input_t *in,
    krj_snap_category_t *cat, krj_snap_column_t *cols, krj_snap_row_t *rows,
    krj_snap_cell_t *cells, const krj_snap_header_t *h)
{
    size_t            start;
    krj_snap_t        view;
    krj_snap_body_t   body;
    const krj_csv_t  *t;

    t = in->csv;

    /* the head reads the column names where the module will read them */
    if (!out->failed) {
        memcpy(out->data + cat->columns.off, cols,
               t->ncolumns * sizeof(krj_snap_column_t));
    }

    memset(&view, 0, sizeof(krj_snap_t));
    view.hdr = h;

    /* longer than the CSV: the names of the columns are in every row */
    krj_snap_body_start(out, t->len);
    start = out->len;
    (void) krj_snap_render(out, &view, krj_snap_render_head, cat);

    body.t = t;
    body.cols = cols;
    body.rows = rows;
    body.cells = cells;

    (void) krj_snap_render_rows(out, t->nrows, krj_snap_json_row,
                                krj_snap_json_shift, &body);

    krj_buf_str(out, KRJ_FMT_SIGNALS_TAIL);
    cat->json = krj_snap_since(out, start);
}


static void
krj_snap_json_row(krj_buf_t *b, uint32_t r, void *arg)
{
    size_t               cs, len;
    uint32_t             c;
    krj_snap_cell_t     *cell;
    krj_snap_body_t     *body = arg;
    const krj_csv_t     *t;

    t = body->t;

    if (r) {
        krj_buf_str(b, KRJ_FMT_SEP);
    }

    cs = b->len;
    krj_buf_str(b, KRJ_FMT_ROW_OPEN);

    for (c = 0; c < t->ncolumns; c++) {
        if (c) {
            krj_buf_str(b, KRJ_FMT_SEP);
        }

        cell = &body->cells[(size_t) r * t->ncolumns + c];

        krj_cell_json_string(b, krj_csv_text(t, 0, c), krj_csv_len(t, 0, c));
        krj_buf_byte(b, ':');

        len = b->len;
        cell->type = krj_cell_json(b, krj_csv_text(t, r + 1, c),
                                   krj_csv_len(t, r + 1, c), &cell->num);
        cell->json = krj_snap_since(b, len);
    }

    krj_buf_str(b, KRJ_FMT_ROW_CLOSE);
    body->rows[r].json = krj_snap_since(b, cs);
}


/* the rows' refs into out; a column with a string is not numeric */

static void
krj_snap_json_shift(void *arg, uint32_t from, uint32_t to, size_t base)
{
    uint32_t          r, c;
    krj_snap_cell_t  *cell;
    krj_snap_body_t  *body = arg;

    for (r = from; r < to; r++) {
        body->rows[r].json.off += (uint32_t) base;

        for (c = 0; c < body->t->ncolumns; c++) {
            cell = &body->cells[(size_t) r * body->t->ncolumns + c];
            cell->json.off += (uint32_t) base;

            if (cell->type == KRJ_SNAP_STRING) {
                body->cols[c].numeric = 0;
            }
        }
    }
}


/* the GET /categories and GET /summary bodies, with their items */
static void
krj_snap_write_lists(krj_buf_t *out, const krj_snap_input_t *in,
    krj_snap_category_t *cats, uint32_t n, krj_snap_header_t *h)
{
    int                 kind;
    size_t              cs;
    uint32_t            i;
    krj_snap_t          view;

    memset(&view, 0, sizeof(krj_snap_t));
    view.hdr = h;

    for (i = 0; i < n; i++) {
        cats[i].categories_item = krj_snap_render(out, &view,
                                                  krj_snap_render_category,
                                                  &cats[i]);

        cs = out->len;
        krj_buf_fmt(out, KRJ_FMT_SUMMARY_HEAD, in[i].slug, strlen(in[i].slug),
                    in[i].label, strlen(in[i].label), in[i].signal_date,
                    strlen(in[i].signal_date));
        cats[i].summary = krj_snap_render(out, NULL,
                                          krj_snap_render_summary, &cats[i]);
        krj_buf_str(out, KRJ_FMT_SUMMARY_TAIL);
        cats[i].summary_item = krj_snap_since(out, cs);
    }

    view.categories = cats;

    kind = KRJ_LIST_CATEGORIES;
    h->categories_json = krj_snap_render(out, &view, krj_snap_render_list,
                                         &kind);

    kind = KRJ_LIST_SUMMARY;
    h->summary_json = krj_snap_render(out, &view, krj_snap_render_list,
                                      &kind);
}


/*
 * Appends what render writes over the snapshot built so far.  It reads
 * the pieces it composes from out itself, and out moves when it grows:
 * so it measures first, grows once, then writes from the new place.
 */
krj_snap_ref_t
krj_snap_render(krj_buf_t *out, krj_snap_t *view, krj_snap_render_pt render,
    const void *arg)
{
    size_t     start;
    krj_out_t  o;

    start = out->len;

    if (view != NULL) {
        view->base = out->data;
        view->len = out->len;
    }

    krj_out_init(&o, NULL);
    render(&o, view, arg);

    if (krj_buf_grow(out, o.len) != 0) {
        return krj_snap_since(out, start);
    }

    if (view != NULL) {
        view->base = out->data;
    }

    krj_out_init(&o, out->data + out->len);
    render(&o, view, arg);
    out->len += o.len;

    return krj_snap_since(out, start);
}


static void
krj_snap_render_head(krj_out_t *o, const krj_snap_t *view, const void *arg)
{
    const krj_snap_category_t  *cat = arg;

    krj_render_signals_head(o, view, cat, NULL, cat->nrows, cat->nrows,
                            (const uint32_t (*)[3]) cat->counts);
}


/* the columns of cat are in place in out, its refs point there */
static void
krj_snap_render_category(krj_out_t *o, const krj_snap_t *view,
    const void *arg)
{
    krj_render_category(o, view, arg);
}


static void
krj_snap_render_summary(krj_out_t *o, const krj_snap_t *view,
    const void *arg)
{
    const krj_snap_category_t  *cat = arg;

    /* the counts are in cat, not in the snapshot yet */
    (void) view;

    krj_render_summary(o, cat->nrows, (const uint32_t (*)[3]) cat->counts);
}


static void
krj_snap_render_list(krj_out_t *o, const krj_snap_t *view, const void *arg)
{
    const int  *kind = arg;

    krj_render_list(o, view, *kind, NULL, NULL);
}


int
krj_snap_seal(krj_buf_t *out, char *err)
{
    unsigned int  mdlen;

    if (EVP_Digest(out->data + KRJ_SNAP_SUMMED_FROM,
                   out->len - KRJ_SNAP_SUMMED_FROM,
                   out->data + offsetof(krj_snap_header_t, checksum),
                   &mdlen, EVP_sha256(), NULL)
        != 1)
    {
        snprintf(err, KRJ_SNAP_ERRLEN, "SHA-256 failed");
        return -1;
    }

    return 0;
}
