
/*
 * Copyright (C) The krj developers
 */


/*
 * A category page: the toolbar, the print dialog, the status line, the
 * downloads, the table and the pager of the view a query asks for.  Every
 * URL a page holds is the canonical URL of a view (dashboard/MARKUP.md
 * "Canonical query"), written from the parsed query with one thing
 * changed: the next sort of a column, no offset, no fields.  What a
 * request cannot change comes from the snapshot already escaped: labels,
 * column names, tooltips, row fragments.
 */


#include <string.h>

#include "krj_html.h"
#include "krj_markup.h"
#include "krj_page.h"


/* columns past this index cannot be hidden or right-aligned (krj.css) */
#define KRJ_VIEW_MAX_CLASS  99

/* krj_view_t.offset */
#define KRJ_VIEW_NO_OFFSET  0
#define KRJ_VIEW_Q_OFFSET   1
#define KRJ_VIEW_OFFSET     2


/* a view's URL: the page's query with these changes */
typedef struct {
    int                         sort;       /* column, -1: unsorted */
    int                         desc;
    int                         offset;     /* KRJ_VIEW_* */
    uint64_t                    offset_value;
    int                         fields;     /* 0: every column */
    int                         api;        /* fields with the ticker */
} krj_view_t;


static int krj_view_visible(const krj_snap_category_t *cat,
    const krj_query_t *q, uint32_t col);
static void krj_view_view(krj_view_t *v, const krj_query_t *q);
static void krj_view_query(krj_out_t *o, const krj_page_t *pg,
    const krj_snap_category_t *cat, const krj_query_t *q,
    const krj_view_t *v);
static void krj_view_url(krj_out_t *o, const krj_page_t *pg,
    const krj_snap_category_t *cat, const krj_query_t *q,
    const krj_view_t *v);
static void krj_view_words(krj_out_t *o, const char *name, unsigned mask,
    int *first);
static void krj_view_sep(krj_out_t *o, int *first);
static void krj_view_toolbar(krj_out_t *o, const krj_page_t *pg,
    const krj_snap_category_t *cat, const krj_query_t *q);
static void krj_view_week(krj_out_t *o, const char *legend,
    const char *name, unsigned mask);
static void krj_view_dialog(krj_out_t *o, const krj_page_t *pg,
    const krj_snap_category_t *cat, const krj_query_t *q);
static void krj_view_status(krj_out_t *o, const krj_page_t *pg,
    const krj_snap_category_t *cat, const krj_query_t *q,
    const uint32_t counts[2][3], uint32_t matched);
static void krj_view_delta(krj_out_t *o, int64_t d);
static void krj_view_downloads(krj_out_t *o, const krj_page_t *pg,
    const krj_snap_category_t *cat, const krj_query_t *q);
static void krj_view_thead(krj_out_t *o, const krj_page_t *pg,
    const krj_snap_category_t *cat, const krj_query_t *q);
static void krj_view_pager(krj_out_t *o, const krj_page_t *pg,
    const krj_snap_category_t *cat, const krj_query_t *q, uint32_t matched);
static void krj_view_ref(krj_out_t *o, const krj_snap_t *snap,
    krj_snap_ref_t ref);


void
krj_page_category(krj_out_t *o, const krj_page_t *pg,
    const krj_snap_category_t *cat, const krj_query_t *q,
    const krj_select_t *sel, unsigned parts)
{
    uint32_t               i, j, matched, shown;
    const krj_snap_t      *snap;
    const uint32_t       (*counts)[3];
    const krj_snap_row_t  *rows;

    krj_page_use(o, pg);

    snap = pg->snap;
    rows = krj_snap_rows(snap, cat);

    matched = sel ? sel->matched : cat->nrows;
    shown = sel ? sel->nrows : cat->nrows;
    counts = sel ? (const uint32_t (*)[3]) sel->counts
                 : (const uint32_t (*)[3]) cat->counts;

    if (parts & KRJ_PAGE_HEAD) {
        krj_page_head(o, pg, krj_snap_ptr(snap, cat->html_label),
                      cat->html_label.len, NULL);

        if (pg->hole) {
            krj_page_place(o, KRJ_HOLE_HEADER);

        } else {
            krj_page_top(o, pg, cat, cat);
            krj_page_use(o, pg);
        }

        krj_out_str(o, KRJ_HTML_MAIN);
        krj_view_toolbar(o, pg, cat, q);
        krj_view_dialog(o, pg, cat, q);
        krj_view_status(o, pg, cat, q, counts, matched);
        krj_view_downloads(o, pg, cat, q);

        krj_out_fmt(o, KRJ_HTML_TABLE, krj_snap_ptr(snap, cat->num_classes),
                    (size_t) cat->num_classes.len);

        for (j = 1; j < cat->ncolumns && j <= KRJ_VIEW_MAX_CLASS; j++) {
            if (!krj_view_visible(cat, q, j)) {
                krj_out_fmt(o, KRJ_HTML_HIDE, (unsigned) j);
            }
        }

        krj_out_fmt(o, KRJ_HTML_TABLE_ATTRS, (unsigned) cat->rank_width,
                    (unsigned) cat->nrows);
        krj_out_fmt(o, KRJ_HTML_CAPTION,
                    krj_snap_ptr(snap, cat->html_label),
                    (size_t) cat->html_label.len,
                    krj_snap_ptr(snap, cat->pretty_date),
                    (size_t) cat->pretty_date.len);
        krj_view_thead(o, pg, cat, q);
        krj_out_str(o, KRJ_HTML_THEAD_END);
    }

    if (parts & KRJ_PAGE_ROWS) {
        for (i = 0; i < shown; i++) {
            krj_view_ref(o, snap, rows[sel ? sel->rows[i] : i].html);
        }
    }

    if (parts & KRJ_PAGE_TAIL) {
        krj_out_str(o, KRJ_HTML_TABLE_END);
        krj_out_fmt(o, KRJ_HTML_NO_ROWS, shown ? KRJ_HTML_HIDDEN : "");

        if (q->given & (KRJ_QUERY_LIMIT|KRJ_QUERY_OFFSET)) {
            krj_view_pager(o, pg, cat, q, matched);
        }

        krj_view_ref(o, snap, cat->warnings);
        krj_out_str(o, KRJ_HTML_END);
    }
}


/* the ticker always shows; a form's fields name the others that do */

static int
krj_view_visible(const krj_snap_category_t *cat, const krj_query_t *q,
    uint32_t col)
{
    uint32_t  i;

    if (!(q->given & KRJ_QUERY_FIELDS) || col == (uint32_t) cat->ticker_col) {
        return 1;
    }

    for (i = 0; i < q->nfields; i++) {
        if (q->fields[i] == col) {
            return 1;
        }
    }

    return 0;
}


static void
krj_view_view(krj_view_t *v, const krj_query_t *q)
{
    v->sort = q->sort_col;
    v->desc = q->sort_desc;
    v->offset = KRJ_VIEW_Q_OFFSET;
    v->offset_value = 0;
    v->fields = 1;
    v->api = 0;
}


/*
 * The canonical query of a view: ticker, signal, prior, either, changed,
 * sort, fields, limit, offset, each only when it says something.
 */

static void
krj_view_query(krj_out_t *o, const krj_page_t *pg,
    const krj_snap_category_t *cat, const krj_query_t *q,
    const krj_view_t *v)
{
    int                       first, some;
    uint32_t                  i, j, hidden;
    const krj_snap_column_t  *cols;

    first = 1;
    cols = krj_snap_columns(pg->snap, cat);

    if (q->ntickers) {
        krj_view_sep(o, &first);
        krj_out_str(o, "ticker=");

        for (i = 0; i < q->ntickers; i++) {
            if (i) {
                krj_out_byte(o, ',');
            }

            krj_out_query(o, q->tickers[i].data, q->tickers[i].len);
        }
    }

    krj_view_words(o, "signal", q->signals, &first);
    krj_view_words(o, "prior", q->priors, &first);
    krj_view_words(o, "either", q->eithers, &first);

    if (q->changed != KRJ_CHANGED_ANY) {
        krj_view_sep(o, &first);
        krj_out_str(o, q->changed == KRJ_CHANGED_YES ? "changed=1"
                                                     : "changed=0");
    }

    if (v->sort >= 0) {
        krj_view_sep(o, &first);
        krj_out_str(o, v->desc ? "sort=-" : "sort=");
        krj_view_ref(o, pg->snap, cols[v->sort].url_name);
    }

    hidden = 0;

    for (j = 0; j < cat->ncolumns; j++) {
        hidden += !krj_view_visible(cat, q, j);
    }

    if (v->fields && hidden) {
        krj_view_sep(o, &first);
        krj_out_str(o, "fields=");
        some = 0;

        for (j = 0; j < cat->ncolumns; j++) {
            if (!krj_view_visible(cat, q, j)
                || (!v->api && j == (uint32_t) cat->ticker_col))
            {
                continue;
            }

            if (some++) {
                krj_out_byte(o, ',');
            }

            krj_view_ref(o, pg->snap, cols[j].url_name);
        }
    }

    if (q->given & KRJ_QUERY_LIMIT) {
        krj_view_sep(o, &first);
        krj_out_fmt(o, "limit=%U", q->limit);
    }

    if (v->offset == KRJ_VIEW_OFFSET
        || (v->offset == KRJ_VIEW_Q_OFFSET && (q->given & KRJ_QUERY_OFFSET)))
    {
        krj_view_sep(o, &first);
        krj_out_fmt(o, "offset=%U", v->offset == KRJ_VIEW_OFFSET
                                    ? v->offset_value : q->offset);
    }
}


/* the page's URL with the view's query, if it has one */

static void
krj_view_url(krj_out_t *o, const krj_page_t *pg,
    const krj_snap_category_t *cat, const krj_query_t *q,
    const krj_view_t *v)
{
    krj_out_t  m;

    krj_out_fmt(o, "%P/%h", krj_snap_ptr(pg->snap, cat->slug),
                (size_t) cat->slug.len);

    krj_out_init(&m, NULL);
    krj_view_query(&m, pg, cat, q, v);

    if (m.len) {
        krj_out_byte(o, '?');
        krj_view_query(o, pg, cat, q, v);
    }
}


static void
krj_view_words(krj_out_t *o, const char *name, unsigned mask, int *first)
{
    int  some;

    if (mask == 0) {
        return;
    }

    krj_view_sep(o, first);
    krj_out_str(o, name);
    krj_out_byte(o, '=');

    some = 0;

    if (mask & KRJ_QUERY_SIGNAL_BIT(KRJ_SIGNAL_LONG)) {
        krj_out_str(o, "Long");
        some = 1;
    }

    if (mask & KRJ_QUERY_SIGNAL_BIT(KRJ_SIGNAL_NEUTRAL)) {
        krj_out_str(o, some ? ",Neutral" : "Neutral");
        some = 1;
    }

    if (mask & KRJ_QUERY_SIGNAL_BIT(KRJ_SIGNAL_SHORT)) {
        krj_out_str(o, some ? ",Short" : "Short");
    }
}


/* every URL of a page is in an attribute: its "&" is escaped */

static void
krj_view_sep(krj_out_t *o, int *first)
{
    if (!*first) {
        krj_out_str(o, "&amp;");
    }

    *first = 0;
}


static void
krj_view_toolbar(krj_out_t *o, const krj_page_t *pg,
    const krj_snap_category_t *cat, const krj_query_t *q)
{
    uint32_t                  i, j, hidden;
    krj_view_t                v;
    const krj_snap_t         *snap;
    const krj_snap_column_t  *cols;

    snap = pg->snap;
    cols = krj_snap_columns(snap, cat);

    krj_out_fmt(o, KRJ_HTML_TOOLBAR, krj_snap_ptr(snap, cat->slug),
                (size_t) cat->slug.len);

    for (i = 0; i < q->ntickers; i++) {
        if (i) {
            krj_out_byte(o, ',');
        }

        krj_out_html(o, q->tickers[i].data, q->tickers[i].len);
    }

    krj_out_str(o, KRJ_HTML_SEARCH_END);

    if (cat->signal_col >= 0 || cat->prior_col >= 0) {
        krj_out_str(o, KRJ_HTML_WEEKS);

        if (cat->signal_col >= 0) {
            krj_view_week(o, "This week", "signal", q->signals);
        }

        if (cat->prior_col >= 0) {
            krj_view_week(o, "Last week", "prior", q->priors);
        }

        if (cat->signal_col >= 0 && cat->prior_col >= 0) {
            krj_view_week(o, "Either week", "either", q->eithers);
            krj_out_fmt(o, KRJ_HTML_CHECKBOX, "changed", "1", (size_t) 1,
                        q->changed == KRJ_CHANGED_YES ? KRJ_HTML_CHECKED : "",
                        KRJ_HTML_CHANGED, sizeof(KRJ_HTML_CHANGED) - 1);
            krj_out_byte(o, '\n');
        }

        krj_out_str(o, KRJ_HTML_WEEKS_END);
    }

    krj_out_str(o, KRJ_HTML_CHOOSER);

    hidden = 0;

    for (j = 0; j < cat->ncolumns; j++) {
        if (j == (uint32_t) cat->ticker_col) {
            krj_out_fmt(o, KRJ_HTML_TICKER_BOX,
                        krj_snap_ptr(snap, cols[j].label),
                        (size_t) cols[j].label.len);
            continue;
        }

        hidden += !krj_view_visible(cat, q, j);

        krj_out_fmt(o, KRJ_HTML_CHECKBOX, "fields",
                    krj_snap_ptr(snap, cols[j].html_name),
                    (size_t) cols[j].html_name.len,
                    krj_view_visible(cat, q, j) ? KRJ_HTML_CHECKED : "",
                    krj_snap_ptr(snap, cols[j].label),
                    (size_t) cols[j].label.len);
    }

    krj_out_str(o, KRJ_HTML_RESET);
    krj_view_view(&v, q);
    v.fields = 0;
    krj_view_url(o, pg, cat, q, &v);
    krj_out_fmt(o, KRJ_HTML_RESET_END, hidden ? "" : KRJ_HTML_HIDDEN);

    if (q->sort_col >= 0) {
        krj_out_str(o, KRJ_HTML_SORT_INPUT);

        if (q->sort_desc) {
            krj_out_byte(o, '-');
        }

        krj_view_ref(o, snap, cols[q->sort_col].html_name);
        krj_out_str(o, KRJ_HTML_INPUT_END);
    }

    if (q->given & KRJ_QUERY_LIMIT) {
        krj_out_fmt(o, KRJ_HTML_LIMIT_INPUT, q->limit);
    }

    krj_out_fmt(o, KRJ_HTML_TOOLBAR_END, krj_snap_ptr(snap, cat->slug),
                (size_t) cat->slug.len);
}


static void
krj_view_week(krj_out_t *o, const char *legend, const char *name,
    unsigned mask)
{
    krj_out_fmt(o, KRJ_HTML_WEEK, legend);

    krj_out_fmt(o, KRJ_HTML_CHECKBOX, name, "Long", (size_t) 4,
                (mask & KRJ_QUERY_SIGNAL_BIT(KRJ_SIGNAL_LONG))
                ? KRJ_HTML_CHECKED : "",
                KRJ_HTML_LONG, sizeof(KRJ_HTML_LONG) - 1);
    krj_out_fmt(o, KRJ_HTML_CHECKBOX, name, "Neutral", (size_t) 7,
                (mask & KRJ_QUERY_SIGNAL_BIT(KRJ_SIGNAL_NEUTRAL))
                ? KRJ_HTML_CHECKED : "",
                "Neutral", (size_t) 7);
    krj_out_fmt(o, KRJ_HTML_CHECKBOX, name, "Short", (size_t) 5,
                (mask & KRJ_QUERY_SIGNAL_BIT(KRJ_SIGNAL_SHORT))
                ? KRJ_HTML_CHECKED : "",
                KRJ_HTML_SHORT, sizeof(KRJ_HTML_SHORT) - 1);

    krj_out_str(o, KRJ_HTML_WEEK_END);
}


static void
krj_view_dialog(krj_out_t *o, const krj_page_t *pg,
    const krj_snap_category_t *cat, const krj_query_t *q)
{
    int                       some;
    uint32_t                  j, hidden;
    const krj_snap_column_t  *cols;

    cols = krj_snap_columns(pg->snap, cat);

    krj_out_fmt(o, KRJ_HTML_DIALOG);

    if (pg->hole) {
        krj_page_place(o, KRJ_HOLE_GROUPS);

    } else {
        krj_page_groups(o, pg, cat);
        krj_page_use(o, pg);
    }

    krj_out_str(o, KRJ_HTML_DIALOG_MIDDLE);

    hidden = 0;

    for (j = 0; j < cat->ncolumns; j++) {
        hidden += !krj_view_visible(cat, q, j);
    }

    if (hidden) {
        krj_out_str(o, KRJ_HTML_DIALOG_FIELDS);
        some = 0;

        for (j = 0; j < cat->ncolumns; j++) {
            if (!krj_view_visible(cat, q, j)) {
                continue;
            }

            if (some++) {
                krj_out_byte(o, ',');
            }

            krj_view_ref(o, pg->snap, cols[j].html_name);
        }

        krj_out_str(o, KRJ_HTML_DIALOG_FIELDS_END);
    }

    krj_out_fmt(o, KRJ_HTML_DIALOG_END);
}


static void
krj_view_status(krj_out_t *o, const krj_page_t *pg,
    const krj_snap_category_t *cat, const krj_query_t *q,
    const uint32_t counts[2][3], uint32_t matched)
{
    uint32_t                  tot;
    krj_view_t                v;
    const uint32_t           *t, *p;
    const krj_snap_column_t  *cols;

    krj_out_str(o, KRJ_HTML_STATUS);

    if (cat->signal_col >= 0) {
        t = counts[KRJ_WEEK_THIS];
        p = counts[KRJ_WEEK_PRIOR];
        tot = t[KRJ_COUNT_LONG] + t[KRJ_COUNT_NEUTRAL] + t[KRJ_COUNT_SHORT];

        krj_out_fmt(o, KRJ_HTML_SUMMARY, (unsigned) t[KRJ_COUNT_LONG]);
        krj_view_delta(o, (int64_t) t[KRJ_COUNT_LONG] - p[KRJ_COUNT_LONG]);
        krj_out_fmt(o, KRJ_HTML_SUMMARY_N, (unsigned) t[KRJ_COUNT_NEUTRAL]);
        krj_view_delta(o, (int64_t) t[KRJ_COUNT_NEUTRAL]
                          - p[KRJ_COUNT_NEUTRAL]);
        krj_out_fmt(o, KRJ_HTML_SUMMARY_S, (unsigned) t[KRJ_COUNT_SHORT]);
        krj_view_delta(o, (int64_t) t[KRJ_COUNT_SHORT] - p[KRJ_COUNT_SHORT]);
        krj_out_fmt(o, KRJ_HTML_SUMMARY_TOT, (unsigned) tot);

        if (matched != tot) {
            krj_out_fmt(o, KRJ_HTML_SUMMARY_ROWS, (unsigned) matched);
        }

        krj_out_str(o, KRJ_HTML_SUMMARY_END);
    }

    krj_out_fmt(o, KRJ_HTML_COUNT, (unsigned) matched,
                (unsigned) cat->nrows);

    if (q->sort_col >= 0) {
        cols = krj_snap_columns(pg->snap, cat);

        krj_out_fmt(o, KRJ_HTML_SORTED,
                    krj_snap_ptr(pg->snap, cols[q->sort_col].label),
                    (size_t) cols[q->sort_col].label.len,
                    q->sort_desc ? KRJ_HTML_DOWN : KRJ_HTML_UP);

        krj_view_view(&v, q);
        v.sort = -1;
        v.offset = KRJ_VIEW_NO_OFFSET;
        krj_view_url(o, pg, cat, q, &v);

        krj_out_str(o, KRJ_HTML_SORTED_END);

    } else {
        krj_out_str(o, KRJ_HTML_UNSORTED);
    }

    krj_out_str(o, KRJ_HTML_STATUS_END);
}


static void
krj_view_delta(krj_out_t *o, int64_t d)
{
    if (d > 0) {
        krj_out_fmt(o, KRJ_HTML_DELTA_UP, d);

    } else if (d < 0) {
        krj_out_fmt(o, KRJ_HTML_DELTA_DOWN, d);

    } else {
        krj_out_str(o, KRJ_HTML_DELTA_ZERO);
    }
}


static void
krj_view_downloads(krj_out_t *o, const krj_page_t *pg,
    const krj_snap_category_t *cat, const krj_query_t *q)
{
    krj_out_t    m;
    krj_view_t   v;
    const char  *slug;

    slug = krj_snap_ptr(pg->snap, cat->slug);

    krj_view_view(&v, q);
    v.api = 1;

    krj_out_init(&m, NULL);
    krj_view_query(&m, pg, cat, q, &v);

    krj_out_fmt(o, KRJ_HTML_DOWNLOADS, slug, (size_t) cat->slug.len);

    if (m.len) {
        krj_out_byte(o, '?');
        krj_view_query(o, pg, cat, q, &v);
    }

    krj_out_fmt(o, KRJ_HTML_DOWNLOADS_JSON, slug, (size_t) cat->slug.len,
                slug, (size_t) cat->slug.len);

    if (m.len) {
        krj_out_byte(o, '?');
        krj_view_query(o, pg, cat, q, &v);
    }

    krj_out_fmt(o, KRJ_HTML_DOWNLOADS_END, slug, (size_t) cat->slug.len);
}


/* each header links to the next sort of its column: asc, desc, none */

static void
krj_view_thead(krj_out_t *o, const krj_page_t *pg,
    const krj_snap_category_t *cat, const krj_query_t *q)
{
    uint32_t                  j;
    krj_view_t                v;
    const char               *sorted;
    const krj_snap_t         *snap;
    const krj_snap_column_t  *cols;

    snap = pg->snap;
    cols = krj_snap_columns(snap, cat);

    for (j = 0; j < cat->ncolumns; j++) {
        krj_view_view(&v, q);
        v.offset = KRJ_VIEW_NO_OFFSET;
        sorted = "";

        if (q->sort_col == (int32_t) j && q->sort_desc) {
            sorted = KRJ_HTML_DESC;
            v.sort = -1;

        } else if (q->sort_col == (int32_t) j) {
            sorted = KRJ_HTML_ASC;
            v.desc = 1;

        } else {
            v.sort = (int) j;
            v.desc = 0;
        }

        krj_out_fmt(o, KRJ_HTML_TH, krj_snap_ptr(snap, cols[j].html_name),
                    (size_t) cols[j].html_name.len, sorted);
        krj_view_url(o, pg, cat, q, &v);
        krj_out_fmt(o, KRJ_HTML_TH_LINK,
                    cols[j].tooltip.len ? KRJ_HTML_TITLE_ATTR : "",
                    krj_snap_ptr(snap, cols[j].tooltip),
                    (size_t) cols[j].tooltip.len,
                    cols[j].tooltip.len ? KRJ_HTML_QUOTE : "",
                    krj_snap_ptr(snap, cols[j].label),
                    (size_t) cols[j].label.len);
    }
}


static void
krj_view_pager(krj_out_t *o, const krj_page_t *pg,
    const krj_snap_category_t *cat, const krj_query_t *q, uint32_t matched)
{
    uint64_t    limit, off, first, last;
    krj_view_t  v;

    limit = (q->given & KRJ_QUERY_LIMIT) ? q->limit : matched;
    off = q->offset;
    first = (off < matched && limit) ? off + 1 : 0;
    last = off + limit < matched ? off + limit : matched;

    krj_view_view(&v, q);

    krj_out_str(o, KRJ_HTML_PAGER);

    if (off > 0) {
        v.offset_value = off > limit ? off - limit : 0;
        v.offset = v.offset_value ? KRJ_VIEW_OFFSET : KRJ_VIEW_NO_OFFSET;

        krj_out_str(o, KRJ_HTML_PAGE_LINK);
        krj_view_url(o, pg, cat, q, &v);
        krj_out_str(o, KRJ_HTML_PAGE_PREV);
    }

    krj_out_fmt(o, KRJ_HTML_PAGE_ROWS, first, last, (unsigned) matched);

    if (limit && off + limit < matched) {
        v.offset_value = off + limit;
        v.offset = KRJ_VIEW_OFFSET;

        krj_out_str(o, KRJ_HTML_PAGE_NEXT_LINK);
        krj_view_url(o, pg, cat, q, &v);
        krj_out_str(o, KRJ_HTML_PAGE_NEXT);
    }

    krj_out_str(o, KRJ_HTML_PAGER_END);
}


static void
krj_view_ref(krj_out_t *o, const krj_snap_t *snap, krj_snap_ref_t ref)
{
    krj_out_put(o, krj_snap_ptr(snap, ref), ref.len);
}
