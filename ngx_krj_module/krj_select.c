
/*
 * Copyright (C) The krj developers
 */


/*
 * The rows a parsed query asks for: filtered, sorted, paged, with the
 * counts of the matched rows for the summary.
 */


#include <string.h>

#include "krj_query.h"


typedef struct {
    const krj_snap_t           *snap;
    const krj_snap_category_t  *cat;
    uint32_t                    col;
    int                         desc;
} krj_sort_ctx_t;


static int krj_query_match(const krj_snap_t *snap,
    const krj_snap_category_t *cat, const krj_query_t *q, uint32_t i);
static int krj_sort_cmp(const krj_sort_ctx_t *ctx, uint32_t a, uint32_t b);
static void krj_sort(const krj_sort_ctx_t *ctx, uint32_t *v, uint32_t *tmp,
    uint32_t n);


int
krj_query_select(krj_select_t *sel, const krj_snap_t *snap,
    const krj_snap_category_t *cat, const krj_query_t *q,
    krj_alloc_pt alloc, void *data)
{
    uint32_t               i, n, *rows, *tmp;
    uint64_t               first, count;
    krj_sort_ctx_t         ctx;
    const krj_snap_row_t  *r;

    memset(sel, 0, sizeof(krj_select_t));

    rows = alloc(data, (size_t) (cat->nrows ? cat->nrows : 1)
                       * sizeof(uint32_t));
    if (rows == NULL) {
        return KRJ_QUERY_NOMEM;
    }

    r = krj_snap_rows(snap, cat);
    n = 0;

    for (i = 0; i < cat->nrows; i++) {
        if (!krj_query_match(snap, cat, q, i)) {
            continue;
        }

        rows[n++] = i;

        if (r[i].signal >= KRJ_SIGNAL_LONG && r[i].signal <= KRJ_SIGNAL_SHORT)
        {
            sel->counts[KRJ_WEEK_THIS][r[i].signal - KRJ_SIGNAL_LONG]++;
        }

        if (r[i].prior >= KRJ_SIGNAL_LONG && r[i].prior <= KRJ_SIGNAL_SHORT) {
            sel->counts[KRJ_WEEK_PRIOR][r[i].prior - KRJ_SIGNAL_LONG]++;
        }
    }

    if (q->sort_col >= 0 && n > 1) {
        tmp = alloc(data, (size_t) n * sizeof(uint32_t));
        if (tmp == NULL) {
            return KRJ_QUERY_NOMEM;
        }

        ctx.snap = snap;
        ctx.cat = cat;
        ctx.col = (uint32_t) q->sort_col;
        ctx.desc = q->sort_desc;

        krj_sort(&ctx, rows, tmp, n);
    }

    sel->matched = n;

    first = q->offset < n ? q->offset : n;
    count = n - first;

    if (count > q->limit) {
        count = q->limit;
    }

    sel->rows = rows + first;
    sel->nrows = (uint32_t) count;

    return KRJ_QUERY_OK;
}


static int
krj_query_match(const krj_snap_t *snap, const krj_snap_category_t *cat,
    const krj_query_t *q, uint32_t i)
{
    int                     changed;
    uint32_t                k;
    krj_snap_ref_t          ref;
    const krj_snap_row_t   *row;
    const krj_snap_cell_t  *a, *b;

    row = krj_snap_rows(snap, cat) + i;

    if (q->signals && !(q->signals & KRJ_QUERY_SIGNAL_BIT(row->signal))) {
        return 0;
    }

    if (q->priors && !(q->priors & KRJ_QUERY_SIGNAL_BIT(row->prior))) {
        return 0;
    }

    if (q->eithers && !(q->eithers & KRJ_QUERY_SIGNAL_BIT(row->signal))
        && !(q->eithers & KRJ_QUERY_SIGNAL_BIT(row->prior)))
    {
        return 0;
    }

    if (q->changed != KRJ_CHANGED_ANY) {

        if (row->signal != KRJ_SIGNAL_OTHER && row->prior != KRJ_SIGNAL_OTHER)
        {
            changed = row->signal != row->prior;

        } else {
            /* unknown words: compare the texts themselves */
            a = krj_snap_cell(snap, cat, i, cat->signal_col);
            b = krj_snap_cell(snap, cat, i, cat->prior_col);
            changed = !krj_strcaseeq(krj_snap_ptr(snap, a->raw), a->raw.len,
                                     krj_snap_ptr(snap, b->raw), b->raw.len);
        }

        if (changed != q->changed) {
            return 0;
        }
    }

    if (q->ntickers) {
        ref = krj_snap_cell(snap, cat, i, cat->ticker_col)->raw;

        for (k = 0; k < q->ntickers; k++) {
            if (krj_strcaseeq(krj_snap_ptr(snap, ref), ref.len,
                              q->tickers[k].data, q->tickers[k].len))
            {
                break;
            }
        }

        if (k == q->ntickers) {
            return 0;
        }
    }

    return 1;
}


/*
 * Ascending: numbers by value, then texts by bytes; descending reverses
 * that order, but empty cells stay last and ties keep file order (the
 * merge sort is stable and the row index breaks nothing).
 */

static int
krj_sort_cmp(const krj_sort_ctx_t *ctx, uint32_t a, uint32_t b)
{
    int                     rc;
    size_t                  len;
    const krj_snap_cell_t  *ca, *cb;

    ca = krj_snap_cell(ctx->snap, ctx->cat, a, ctx->col);
    cb = krj_snap_cell(ctx->snap, ctx->cat, b, ctx->col);

    if (ca->type == KRJ_SNAP_NULL || cb->type == KRJ_SNAP_NULL) {
        return (ca->type == KRJ_SNAP_NULL) - (cb->type == KRJ_SNAP_NULL);
    }

    if (ca->type != cb->type) {
        rc = ca->type == KRJ_SNAP_NUMBER ? -1 : 1;

    } else if (ca->type == KRJ_SNAP_NUMBER) {
        rc = (ca->num > cb->num) - (ca->num < cb->num);

    } else {
        len = ca->raw.len < cb->raw.len ? ca->raw.len : cb->raw.len;
        rc = memcmp(krj_snap_ptr(ctx->snap, ca->raw),
                    krj_snap_ptr(ctx->snap, cb->raw), len);

        if (rc == 0) {
            rc = (ca->raw.len > cb->raw.len) - (ca->raw.len < cb->raw.len);
        }
    }

    return ctx->desc ? -rc : rc;
}


/* a stable merge sort: no qsort_r, which is not portable C */

static void
krj_sort(const krj_sort_ctx_t *ctx, uint32_t *v, uint32_t *tmp, uint32_t n)
{
    uint32_t  i, j, k, mid;

    if (n < 2) {
        return;
    }

    mid = n / 2;

    krj_sort(ctx, v, tmp, mid);
    krj_sort(ctx, v + mid, tmp, n - mid);

    if (krj_sort_cmp(ctx, v[mid - 1], v[mid]) <= 0) {
        return;
    }

    memcpy(tmp, v, mid * sizeof(uint32_t));

    i = 0;
    j = mid;
    k = 0;

    while (i < mid && j < n) {
        if (krj_sort_cmp(ctx, v[j], tmp[i]) < 0) {
            v[k++] = v[j++];

        } else {
            v[k++] = tmp[i++];
        }
    }

    while (i < mid) {
        v[k++] = tmp[i++];
    }
}
