
/*
 * Copyright (C) The krj developers
 */


/*
 * The index section of a snapshot: per category, where each cell lies in
 * its row's fragments, the rows of each class, and the order of each
 * column.  The validator proves what the selection (krj_select.c) relies
 * on, so that no index can make it read out of bounds or loop: every
 * entry is a row of the category, the class lists and the orders are
 * permutations of the rows, the lists are ascending, the tie groups are
 * contiguous, and every cell lies inside its row.
 */


#include <string.h>

#include "krj_snapshot.h"


typedef struct {
    const krj_snap_t           *snap;
    const krj_snap_category_t  *cat;
    const krj_snap_index_t     *ix;
    const krj_snap_row_t       *rows;
    const krj_snap_column_t    *cols;
    const uint8_t              *cells;
    uint32_t                    i;          /* the category's number */
} krj_snap_ixctx_t;


static int krj_snap_check_index(krj_snap_t *snap, uint32_t i, char *err);
static int krj_snap_check_classes(const krj_snap_ixctx_t *x, char *err);
static int krj_snap_check_order(const krj_snap_ixctx_t *x, uint32_t c,
    char *err);
static int krj_snap_check_cells(const krj_snap_ixctx_t *x, char *err);
static int krj_snap_cell_span(const krj_snap_ixctx_t *x, uint32_t row,
    uint32_t col, int csv, krj_snap_ref_t *span);
static void krj_snap_ixctx(krj_snap_ixctx_t *x, const krj_snap_t *snap,
    const krj_snap_category_t *cat);


int
krj_snap_check_indexes(krj_snap_t *snap, char *err)
{
    uint32_t  i;

    if (!krj_snap_array_ok(snap, snap->hdr->indexes, snap->hdr->ncategories,
                           sizeof(krj_snap_index_t)))
    {
        return krj_snap_error(err, "indexes out of bounds, misaligned or "
                              "of the wrong size");
    }

    snap->indexes = (const krj_snap_index_t *)
                        (snap->base + snap->hdr->indexes.off);

    for (i = 0; i < snap->hdr->ncategories; i++) {
        if (krj_snap_check_index(snap, i, err) != 0) {
            return -1;
        }
    }

    return 0;
}


krj_snap_ref_t
krj_snap_cell_json(const krj_snap_t *snap, const krj_snap_category_t *cat,
    uint32_t row, uint32_t col)
{
    krj_snap_ref_t    span;
    krj_snap_ixctx_t  x;

    krj_snap_ixctx(&x, snap, cat);
    (void) krj_snap_cell_span(&x, row, col, 0, &span);

    return span;
}


krj_snap_ref_t
krj_snap_cell_csv(const krj_snap_t *snap, const krj_snap_category_t *cat,
    uint32_t row, uint32_t col)
{
    krj_snap_ref_t    span;
    krj_snap_ixctx_t  x;

    krj_snap_ixctx(&x, snap, cat);
    (void) krj_snap_cell_span(&x, row, col, 1, &span);

    return span;
}


static int
krj_snap_check_index(krj_snap_t *snap, uint32_t i, char *err)
{
    uint32_t                    c;
    uint64_t                    ncells;
    krj_snap_ixctx_t            x;
    const krj_snap_order_t     *o;
    const krj_snap_index_t     *ix;
    const krj_snap_category_t  *cat;

    cat = &snap->categories[i];
    ix = &snap->indexes[i];

    if ((ix->width != KRJ_SNAP_NARROW && ix->width != KRJ_SNAP_WIDE)
        || (ix->cell_width != KRJ_SNAP_NARROW
            && ix->cell_width != KRJ_SNAP_WIDE))
    {
        return krj_snap_error(err, "category %u: index widths %u and %u",
                              i, ix->width, ix->cell_width);
    }

    /* two 32-bit factors; the pair count is checked against the file */
    ncells = (uint64_t) cat->nrows * cat->ncolumns;

    if (ncells > snap->len / 2
        || !krj_snap_array_ok(snap, ix->cells, ncells * 2, ix->cell_width))
    {
        return krj_snap_error(err, "category %u: cell positions out of "
                              "bounds", i);
    }

    if (!krj_snap_array_ok(snap, ix->classes, KRJ_SNAP_CLASSES,
                           sizeof(krj_snap_class_t))
        || !krj_snap_array_ok(snap, ix->class_rows, cat->nrows, ix->width)
        || !krj_snap_array_ok(snap, ix->orders, cat->ncolumns,
                              sizeof(krj_snap_order_t)))
    {
        return krj_snap_error(err, "category %u: classes or orders out of "
                              "bounds", i);
    }

    o = (const krj_snap_order_t *) (snap->base + ix->orders.off);

    for (c = 0; c < cat->ncolumns; c++) {
        if (!krj_snap_array_ok(snap, o[c].rows, cat->nrows, ix->width)
            || !krj_snap_array_ok(snap, o[c].ranks, cat->nrows, ix->width)
            || o[c].nonempty > cat->nrows || o[c].reserved != 0)
        {
            return krj_snap_error(err, "category %u: order of column %u out "
                                  "of bounds", i, c);
        }
    }

    /* every array of the index is in the file: walk them */

    x.snap = snap;
    x.cat = cat;
    x.ix = ix;
    x.rows = krj_snap_rows(snap, cat);
    x.cols = krj_snap_columns(snap, cat);
    x.cells = snap->base + ix->cells.off;
    x.i = i;

    if (krj_snap_check_classes(&x, err) != 0) {
        return -1;
    }

    for (c = 0; c < cat->ncolumns; c++) {
        if (krj_snap_check_order(&x, c, err) != 0) {
            return -1;
        }
    }

    return krj_snap_check_cells(&x, err);
}


/*
 * The classes cover class_rows in turn; within one, rows ascend and are
 * of that class.  A row has one class, so no row is listed twice, and
 * nrows distinct rows are all of them.
 */

static int
krj_snap_check_classes(const krj_snap_ixctx_t *x, char *err)
{
    uint32_t                 c, k, r, prev, next;
    const uint8_t           *list;
    const krj_snap_row_t    *row;
    const krj_snap_class_t  *cl;

    cl = (const krj_snap_class_t *) (x->snap->base + x->ix->classes.off);
    list = x->snap->base + x->ix->class_rows.off;
    next = 0;

    for (c = 0; c < KRJ_SNAP_CLASSES; c++) {
        if (cl[c].first != next
            || (uint64_t) cl[c].first + cl[c].count > x->cat->nrows)
        {
            return krj_snap_error(err, "category %u: class %u: rows %u+%u "
                                  "out of range", x->i, c, cl[c].first,
                                  cl[c].count);
        }

        prev = 0;

        for (k = cl[c].first; k < cl[c].first + cl[c].count; k++) {
            r = krj_snap_entry(list, x->ix->width, k);

            if (r >= x->cat->nrows || (k > cl[c].first && r <= prev)) {
                return krj_snap_error(err, "category %u: class %u: row %u "
                                      "out of range or order", x->i, c, r);
            }

            row = &x->rows[r];

            if (krj_snap_class(row->signal, row->prior, row->changed) != c) {
                return krj_snap_error(err, "category %u: row %u listed in "
                                      "class %u", x->i, r, c);
            }

            prev = r;
        }

        next += cl[c].count;
    }

    if (next != x->cat->nrows) {
        return krj_snap_error(err, "category %u: classes list %u of %u rows",
                              x->i, next, x->cat->nrows);
    }

    return 0;
}


/*
 * Each position's rank is its own (a group starts) or its predecessor's,
 * with a larger row (ties in file order); the empty cells are one group
 * from nonempty on.  A row listed twice would sit in its one group twice,
 * and rows ascend in a group: so the order is a permutation, and a walk
 * from any position back to its group's start only goes down.
 */

static int
krj_snap_check_order(const krj_snap_ixctx_t *x, uint32_t c, char *err)
{
    uint32_t                 pos, r, g, prev_r, prev_g, n, w;
    const uint8_t           *rows, *ranks;
    const krj_snap_order_t  *o;

    o = (const krj_snap_order_t *) (x->snap->base + x->ix->orders.off) + c;
    rows = x->snap->base + o->rows.off;
    ranks = x->snap->base + o->ranks.off;
    n = x->cat->nrows;
    w = x->ix->width;
    prev_r = 0;
    prev_g = 0;

    for (pos = 0; pos < n; pos++) {
        r = krj_snap_entry(rows, w, pos);

        if (r >= n) {
            goto invalid;
        }

        g = krj_snap_entry(ranks, w, r);

        if (pos >= o->nonempty && g != o->nonempty) {
            goto invalid;
        }

        if (g != pos && (pos == 0 || g != prev_g || r <= prev_r)) {
            goto invalid;
        }

        prev_r = r;
        prev_g = g;
    }

    return 0;

invalid:

    return krj_snap_error(err, "category %u: order of column %u: bad row "
                          "or rank at position %u", x->i, c, pos);
}


static int
krj_snap_check_cells(const krj_snap_ixctx_t *x, char *err)
{
    uint32_t        r, c;
    krj_snap_ref_t  span;

    for (r = 0; r < x->cat->nrows; r++) {
        for (c = 0; c < x->cat->ncolumns; c++) {
            if (krj_snap_cell_span(x, r, c, 0, &span) != 0
                || krj_snap_cell_span(x, r, c, 1, &span) != 0)
            {
                return krj_snap_error(err, "category %u: row %u: cell %u "
                                      "out of its row", x->i, r, c);
            }
        }
    }

    return 0;
}


/*
 * A cell's JSON value ends before ',' "name" ':' of the next column, or
 * before the row's closing brace; its CSV field before the next comma, or
 * before the newline.  0 with the span, or -1 (an empty span at the row)
 * when the positions do not lie inside the row in order.
 */

static int
krj_snap_cell_span(const krj_snap_ixctx_t *x, uint32_t row, uint32_t col,
    int csv, krj_snap_ref_t *span)
{
    size_t          k;
    int64_t         start, end;
    krj_snap_ref_t  frag;

    frag = csv ? x->rows[row].csv : x->rows[row].json;
    k = ((size_t) row * x->cat->ncolumns + col) * 2 + (csv ? 1 : 0);

    start = krj_snap_entry(x->cells, x->ix->cell_width, k);

    if (col + 1 < x->cat->ncolumns) {
        end = krj_snap_entry(x->cells, x->ix->cell_width, k + 2);
        end -= csv ? 1 : (int64_t) x->cols[col + 1].json_name.len + 2;

    } else {
        end = (int64_t) frag.len - 1;
    }

    if (start > end || end > (int64_t) frag.len) {
        span->off = frag.off;
        span->len = 0;
        return -1;
    }

    span->off = frag.off + (uint32_t) start;
    span->len = (uint32_t) (end - start);

    return 0;
}


static void
krj_snap_ixctx(krj_snap_ixctx_t *x, const krj_snap_t *snap,
    const krj_snap_category_t *cat)
{
    x->snap = snap;
    x->cat = cat;
    x->ix = krj_snap_index(snap, cat);
    x->rows = krj_snap_rows(snap, cat);
    x->cols = krj_snap_columns(snap, cat);
    x->cells = snap->base + x->ix->cells.off;
    x->i = (uint32_t) (cat - snap->categories);
}
