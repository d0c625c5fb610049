
/*
 * Copyright (C) The krj developers
 */


#include <string.h>

#include "krj_columns.h"
#include "krj_layout.h"
#include "krj_render.h"


#define krj_render_ref(o, snap, ref)                                          \
    krj_out_put(o, krj_snap_ptr(snap, ref), (ref).len)

#define krj_render_visible(visible, data, snap, cat)                          \
    ((visible) == NULL                                                        \
     || (visible)(data, krj_snap_ptr(snap, (cat)->slug), (cat)->slug.len))

/* a (const char *, size_t) pair for %j and %r */
#define krj_render_s(s)         (s), strlen(s)
#define krj_render_r(snap, ref) krj_snap_ptr(snap, ref), (size_t) (ref).len


/* an endpoint of the index; its path follows the location's prefix */
typedef struct {
    const char                 *path;
    const char                 *description;
    unsigned                    query;      /* takes krj_query.h's params */
} krj_render_endpoint_t;


/*
 * What the API answers, for GET / (ngx_http_krj_api.c routes the same
 * paths; the integration tests request every one listed here).
 */
static const krj_render_endpoint_t  krj_render_endpoints[] = {

    { "/", "this index: the endpoints, and the categories you may read "
      "with their links", 0 },

    { "/categories", "the categories you may read: slug, label, signal "
      "date, rows, columns with their glossary, sha256 of the CSV", 0 },

    { "/signals/{slug}", "one category's rows as JSON, with the counts of "
      "Long, Neutral and Short", 1 },

    { "/signals/{slug}.csv", "one category's rows as CSV, the validated "
      "file as published", 1 },

    { "/tickers/{ticker}", "that ticker's rows in every category you may "
      "read (case-insensitive)", 0 },

    { "/summary", "per category: Long, Neutral and Short this week and the "
      "prior week, and the change", 0 },

    { "/history/{slug}/{ticker}", "that ticker's weekly signal, prior "
      "signal and close in one category, newest first, and the weeks its "
      "signal changed (case-insensitive ticker)", 0 },

    { NULL, NULL, 0 }
};


void
krj_render_summary(krj_out_t *o, uint32_t total, const uint32_t counts[2][3])
{
    const uint32_t  *w, *p;

    w = counts[KRJ_WEEK_THIS];
    p = counts[KRJ_WEEK_PRIOR];

    krj_out_fmt(o, KRJ_FMT_SUMMARY, total,
                w[KRJ_COUNT_LONG], w[KRJ_COUNT_NEUTRAL], w[KRJ_COUNT_SHORT],
                p[KRJ_COUNT_LONG], p[KRJ_COUNT_NEUTRAL], p[KRJ_COUNT_SHORT],
                (int64_t) w[KRJ_COUNT_LONG] - p[KRJ_COUNT_LONG],
                (int64_t) w[KRJ_COUNT_NEUTRAL] - p[KRJ_COUNT_NEUTRAL],
                (int64_t) w[KRJ_COUNT_SHORT] - p[KRJ_COUNT_SHORT]);
}


void
krj_render_list(krj_out_t *o, const krj_snap_t *snap, int kind,
    krj_visible_pt visible, void *data)
{
    uint32_t                    i, n;
    krj_snap_ref_t              iso;
    const krj_snap_category_t  *cat;

    iso = snap->hdr->generated_at_iso;

    krj_out_fmt(o, KRJ_FMT_LIST_HEAD, krj_snap_ptr(snap, iso),
                (size_t) iso.len);

    n = 0;

    for (i = 0; i < snap->hdr->ncategories; i++) {
        cat = &snap->categories[i];

        if (!krj_render_visible(visible, data, snap, cat)) {
            continue;
        }

        if (n++) {
            krj_out_str(o, KRJ_FMT_SEP);
        }

        if (kind == KRJ_LIST_SUMMARY) {
            krj_render_ref(o, snap, cat->summary_item);

        } else {
            krj_render_ref(o, snap, cat->categories_item);
        }
    }

    krj_out_str(o, KRJ_FMT_LIST_TAIL);
}


void
krj_render_category(krj_out_t *o, const krj_snap_t *snap,
    const krj_snap_category_t *cat)
{
    uint32_t                  c, n;
    const krj_column_t       *known;
    const krj_snap_column_t  *cols;

    cols = krj_snap_columns(snap, cat);

    krj_out_fmt(o, KRJ_FMT_CATEGORY_HEAD, krj_render_r(snap, cat->slug),
                krj_render_r(snap, cat->label),
                krj_render_r(snap, cat->signal_date), (unsigned) cat->nrows);

    for (c = 0; c < cat->ncolumns; c++) {
        if (c) {
            krj_out_str(o, KRJ_FMT_SEP);
        }

        krj_render_ref(o, snap, cols[c].json_name);
    }

    krj_out_fmt(o, KRJ_FMT_CATEGORY_MIDDLE, krj_render_r(snap, cat->sha256),
                krj_render_r(snap, cat->source_file));

    n = 0;

    for (c = 0; c < cat->ncolumns; c++) {
        known = krj_column_find(krj_snap_ptr(snap, cols[c].name),
                                cols[c].name.len);
        if (known == NULL) {
            continue;
        }

        if (n++) {
            krj_out_str(o, KRJ_FMT_SEP);
        }

        krj_out_fmt(o, KRJ_FMT_GLOSSARY, krj_render_r(snap, cols[c].json_name),
                    krj_render_s(known->label),
                    krj_render_s(known->description));
    }

    krj_out_str(o, KRJ_FMT_CATEGORY_TAIL);
}


void
krj_render_index(krj_out_t *o, const krj_snap_t *snap, const char *base,
    size_t blen, krj_visible_pt visible, void *data)
{
    uint32_t                      i, n;
    unsigned                      k;
    const char                   *name, *takes, *description;
    const krj_snap_category_t    *cat;
    const krj_render_endpoint_t  *e;

    krj_out_fmt(o, KRJ_FMT_INDEX_HEAD,
                krj_render_r(snap, snap->hdr->generated_at_iso));

    for (e = krj_render_endpoints; e->path; e++) {
        if (e != krj_render_endpoints) {
            krj_out_str(o, KRJ_FMT_SEP);
        }

        krj_out_fmt(o, KRJ_FMT_ENDPOINT_HEAD, base, blen,
                    krj_render_s(e->path), krj_render_s(e->description));

        for (k = 0; e->query; k++) {
            if (!krj_query_doc(k, &name, &takes, &description)) {
                break;
            }

            if (k) {
                krj_out_str(o, KRJ_FMT_SEP);
            }

            krj_out_fmt(o, KRJ_FMT_PARAMETER, krj_render_s(name),
                        krj_render_s(takes), krj_render_s(description));
        }

        krj_out_str(o, KRJ_FMT_ENDPOINT_TAIL);
    }

    krj_out_str(o, KRJ_FMT_INDEX_MIDDLE);

    n = 0;

    for (i = 0; i < snap->hdr->ncategories; i++) {
        cat = &snap->categories[i];

        if (!krj_render_visible(visible, data, snap, cat)) {
            continue;
        }

        if (n++) {
            krj_out_str(o, KRJ_FMT_SEP);
        }

        krj_out_fmt(o, KRJ_FMT_INDEX_CATEGORY, krj_render_r(snap, cat->slug),
                    krj_render_r(snap, cat->label),
                    krj_render_r(snap, cat->signal_date), base, blen,
                    krj_render_r(snap, cat->slug), base, blen,
                    krj_render_r(snap, cat->slug));
    }

    krj_out_str(o, KRJ_FMT_INDEX_TAIL);
}


void
krj_render_signals_head(krj_out_t *o, const krj_snap_t *snap,
    const krj_snap_category_t *cat, const krj_query_t *q, uint32_t count,
    uint32_t matched, const uint32_t counts[2][3])
{
    uint32_t                  i, n, col;
    const krj_snap_column_t  *cols;

    cols = krj_snap_columns(snap, cat);
    n = (q != NULL && q->nfields) ? q->nfields : cat->ncolumns;

    krj_out_fmt(o, KRJ_FMT_SIGNALS_HEAD, krj_snap_ptr(snap, cat->json_meta),
                (size_t) cat->json_meta.len);

    for (i = 0; i < n; i++) {
        if (i) {
            krj_out_str(o, KRJ_FMT_SEP);
        }

        col = (q != NULL && q->nfields) ? q->fields[i] : i;
        krj_render_ref(o, snap, cols[col].json_name);
    }

    krj_out_fmt(o, KRJ_FMT_SIGNALS_COUNTS, (unsigned) count,
                (unsigned) matched);
    krj_render_summary(o, matched, counts);
    krj_out_str(o, KRJ_FMT_SIGNALS_ROWS);
}


void
krj_render_row_json(krj_out_t *o, const krj_snap_t *snap,
    const krj_snap_category_t *cat, const krj_query_t *q, uint32_t row)
{
    uint32_t                  k;
    krj_snap_ref_t            name, value;
    const krj_snap_column_t  *cols;

    if (q == NULL || q->nfields == 0) {
        krj_render_ref(o, snap, krj_snap_rows(snap, cat)[row].json);
        return;
    }

    cols = krj_snap_columns(snap, cat);

    krj_out_str(o, KRJ_FMT_ROW_OPEN);

    for (k = 0; k < q->nfields; k++) {
        if (k) {
            krj_out_str(o, KRJ_FMT_SEP);
        }

        name = cols[q->fields[k]].json_name;
        value = krj_snap_cell_json(snap, cat, row, q->fields[k]);

        krj_out_fmt(o, KRJ_FMT_ROW_MEMBER, krj_snap_ptr(snap, name),
                    (size_t) name.len, krj_snap_ptr(snap, value),
                    (size_t) value.len);
    }

    krj_out_str(o, KRJ_FMT_ROW_CLOSE);
}


void
krj_render_signals_json(krj_out_t *o, const krj_snap_t *snap,
    const krj_snap_category_t *cat, const krj_query_t *q,
    const krj_select_t *sel)
{
    uint32_t  i;

    krj_render_signals_start(o, snap, cat, q, sel, 0);

    for (i = 0; i < sel->nrows; i++) {
        krj_render_signals_item(o, snap, cat, q, sel, 0, i);
    }

    krj_render_signals_end(o, 0);
}


void
krj_render_signals_csv(krj_out_t *o, const krj_snap_t *snap,
    const krj_snap_category_t *cat, const krj_query_t *q,
    const krj_select_t *sel)
{
    uint32_t  i;

    krj_render_signals_start(o, snap, cat, q, sel, 1);

    for (i = 0; i < sel->nrows; i++) {
        krj_render_signals_item(o, snap, cat, q, sel, 1, i);
    }
}


void
krj_render_signals_start(krj_out_t *o, const krj_snap_t *snap,
    const krj_snap_category_t *cat, const krj_query_t *q,
    const krj_select_t *sel, int csv)
{
    uint32_t                  k;
    const krj_snap_column_t  *cols;

    if (!csv) {
        krj_render_signals_head(o, snap, cat, q, sel->nrows, sel->matched,
                                sel->counts);
        return;
    }

    if (q->nfields == 0) {
        krj_render_ref(o, snap, cat->csv_header);
        return;
    }

    cols = krj_snap_columns(snap, cat);

    for (k = 0; k < q->nfields; k++) {
        if (k) {
            krj_out_byte(o, ',');
        }

        krj_render_ref(o, snap, cols[q->fields[k]].csv_name);
    }

    krj_out_byte(o, '\n');
}


void
krj_render_signals_item(krj_out_t *o, const krj_snap_t *snap,
    const krj_snap_category_t *cat, const krj_query_t *q,
    const krj_select_t *sel, int csv, uint32_t i)
{
    uint32_t  k, row;

    row = sel->rows[i];

    if (!csv) {
        if (i) {
            krj_out_str(o, KRJ_FMT_SEP);
        }

        krj_render_row_json(o, snap, cat, q, row);
        return;
    }

    if (q->nfields == 0) {
        krj_render_ref(o, snap, krj_snap_rows(snap, cat)[row].csv);
        return;
    }

    for (k = 0; k < q->nfields; k++) {
        if (k) {
            krj_out_byte(o, ',');
        }

        krj_render_ref(o, snap, krj_snap_cell_csv(snap, cat, row,
                                                  q->fields[k]));
    }

    krj_out_byte(o, '\n');
}


void
krj_render_signals_end(krj_out_t *o, int csv)
{
    if (!csv) {
        krj_out_str(o, KRJ_FMT_SIGNALS_TAIL);
    }
}


uint32_t
krj_render_ticker(krj_out_t *o, const krj_snap_t *snap,
    const krj_snap_ticker_t *ticker, krj_visible_pt visible, void *data)
{
    uint32_t                    i, n;
    krj_snap_ref_t              name, iso, row;
    const krj_snap_rowref_t    *ref;
    const krj_snap_category_t  *cat;

    n = 0;

    for (i = 0; i < ticker->count; i++) {
        ref = &snap->ticker_rows[ticker->first + i];

        if (krj_render_visible(visible, data, snap,
                               &snap->categories[ref->category]))
        {
            n++;
        }
    }

    if (n == 0) {
        return 0;
    }

    name = ticker->ticker;
    iso = snap->hdr->generated_at_iso;

    krj_out_fmt(o, KRJ_FMT_TICKER_HEAD, krj_snap_ptr(snap, name),
                (size_t) name.len, krj_snap_ptr(snap, iso), (size_t) iso.len,
                (unsigned) n);

    n = 0;

    for (i = 0; i < ticker->count; i++) {
        ref = &snap->ticker_rows[ticker->first + i];
        cat = &snap->categories[ref->category];

        if (!krj_render_visible(visible, data, snap, cat)) {
            continue;
        }

        if (n++) {
            krj_out_str(o, KRJ_FMT_SEP);
        }

        row = krj_snap_rows(snap, cat)[ref->row].json;

        krj_out_fmt(o, KRJ_FMT_TICKER_ITEM,
                    krj_snap_ptr(snap, cat->slug), (size_t) cat->slug.len,
                    krj_snap_ptr(snap, cat->label), (size_t) cat->label.len,
                    krj_snap_ptr(snap, cat->signal_date),
                    (size_t) cat->signal_date.len,
                    krj_snap_ptr(snap, row), (size_t) row.len);
    }

    krj_out_str(o, KRJ_FMT_TICKER_TAIL);

    return n;
}
