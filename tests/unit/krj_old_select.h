
/*
 * Copyright (C) The krj developers
 */


#ifndef _KRJ_OLD_SELECT_H_INCLUDED_
#define _KRJ_OLD_SELECT_H_INCLUDED_


/*
 * The selection krj_select.c replaced, kept for the tests only (the
 * differential test_select_diff.c and fuzz_query.c): a scan of every row
 * of the CSV table, the filters matched on the cells' text, and a stable
 * merge sort by the cells' values, typed as the writer types them.
 */


#include <stdlib.h>
#include <string.h>

#include "krj_cells.h"
#include "krj_csv.h"
#include "krj_query.h"
#include "krj_str.h"


/* the old selection's view of a cell */
typedef struct {
    const char         *raw;
    size_t              len;
    double              num;
    uint32_t            type;
} old_cell_t;


typedef struct {
    const krj_csv_t            *t;
    old_cell_t                 *cells;
    uint32_t                    col;
    int                         desc;
} old_ctx_t;


/* the old krj_query_match(), on the cells' text */

static int
old_match(const old_ctx_t *x, const krj_query_t *q, uint32_t i)
{
    int                   changed;
    uint32_t              k;
    const old_cell_t     *a, *b, *t;
    const krj_csv_row_t  *row;

    row = &x->t->rows[i];

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
            a = &x->cells[(size_t) i * x->t->ncolumns + x->t->signal_col];
            b = &x->cells[(size_t) i * x->t->ncolumns + x->t->prior_col];
            changed = !krj_strcaseeq(a->raw, a->len, b->raw, b->len);
        }

        if (changed != q->changed) {
            return 0;
        }
    }

    if (q->ntickers) {
        t = &x->cells[(size_t) i * x->t->ncolumns + x->t->ticker_col];

        for (k = 0; k < q->ntickers; k++) {
            if (krj_strcaseeq(t->raw, t->len, q->tickers[k].data,
                              q->tickers[k].len))
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


/* the old krj_sort_cmp() and krj_sort() */

static int
old_cmp(const old_ctx_t *x, uint32_t a, uint32_t b)
{
    int                rc;
    size_t             len;
    const old_cell_t  *ca, *cb;

    ca = &x->cells[(size_t) a * x->t->ncolumns + x->col];
    cb = &x->cells[(size_t) b * x->t->ncolumns + x->col];

    if (ca->type == KRJ_SNAP_NULL || cb->type == KRJ_SNAP_NULL) {
        return (ca->type == KRJ_SNAP_NULL) - (cb->type == KRJ_SNAP_NULL);
    }

    if (ca->type != cb->type) {
        rc = ca->type == KRJ_SNAP_NUMBER ? -1 : 1;

    } else if (ca->type == KRJ_SNAP_NUMBER) {
        rc = (ca->num > cb->num) - (ca->num < cb->num);

    } else {
        len = ca->len < cb->len ? ca->len : cb->len;
        rc = memcmp(ca->raw, cb->raw, len);

        if (rc == 0) {
            rc = (ca->len > cb->len) - (ca->len < cb->len);
        }
    }

    return x->desc ? -rc : rc;
}


static void
old_sort(const old_ctx_t *x, uint32_t *v, uint32_t *tmp, uint32_t n)
{
    uint32_t  i, j, k, mid;

    if (n < 2) {
        return;
    }

    mid = n / 2;

    old_sort(x, v, tmp, mid);
    old_sort(x, v + mid, tmp, n - mid);

    if (old_cmp(x, v[mid - 1], v[mid]) <= 0) {
        return;
    }

    memcpy(tmp, v, mid * sizeof(uint32_t));

    i = 0;
    j = mid;
    k = 0;

    while (i < mid && j < n) {
        if (old_cmp(x, v[j], tmp[i]) < 0) {
            v[k++] = v[j++];

        } else {
            v[k++] = tmp[i++];
        }
    }

    while (i < mid) {
        v[k++] = tmp[i++];
    }
}


/* every matched row, in the old order; the counts of the summary */

static uint32_t
old_select(old_ctx_t *x, const krj_query_t *q, uint32_t *rows,
    uint32_t *tmp, uint32_t counts[2][3])
{
    uint32_t              i, n;
    const krj_csv_row_t  *r;

    memset(counts, 0, 6 * sizeof(uint32_t));
    n = 0;

    for (i = 0; i < x->t->nrows; i++) {
        if (!old_match(x, q, i)) {
            continue;
        }

        rows[n++] = i;
        r = &x->t->rows[i];

        if (r->signal >= KRJ_SIGNAL_LONG && r->signal <= KRJ_SIGNAL_SHORT) {
            counts[KRJ_WEEK_THIS][r->signal - KRJ_SIGNAL_LONG]++;
        }

        if (r->prior >= KRJ_SIGNAL_LONG && r->prior <= KRJ_SIGNAL_SHORT) {
            counts[KRJ_WEEK_PRIOR][r->prior - KRJ_SIGNAL_LONG]++;
        }
    }

    if (q->sort_col >= 0) {
        x->col = (uint32_t) q->sort_col;
        x->desc = q->sort_desc;
        old_sort(x, rows, tmp, n);
    }

    return n;
}


/* the cells as the old snapshot typed them, from the writer's own rule */

static old_cell_t *
old_cells(const krj_csv_t *t)
{
    size_t       k, n;
    krj_buf_t    scratch;
    old_cell_t  *cells;

    n = (size_t) t->nrows * t->ncolumns;
    cells = calloc(n ? n : 1, sizeof(old_cell_t));

    if (cells == NULL) {
        return NULL;
    }

    krj_buf_init(&scratch);

    for (k = 0; k < n; k++) {
        cells[k].raw = krj_csv_text(t, k / t->ncolumns + 1, k % t->ncolumns);
        cells[k].len = krj_csv_len(t, k / t->ncolumns + 1, k % t->ncolumns);
        krj_buf_reset(&scratch);
        cells[k].type = krj_cell_json(&scratch, cells[k].raw, cells[k].len,
                                      &cells[k].num);
    }

    krj_buf_free(&scratch);

    return cells;
}



#endif /* _KRJ_OLD_SELECT_H_INCLUDED_ */
