
/*
 * Copyright (C) The krj developers
 */


/*
 * The rows a parsed query asks for: filtered, sorted, paged, with the
 * counts of the matched rows for the summary, from the indexes of the
 * snapshot (krj_snapshot_index.c), never by reading every row:
 *
 *   - signal=, prior=, either= and changed= ask only for the class of a
 *     row, so the matched rows are the lists of the classes that match,
 *     their number and counts the classes' sizes;
 *   - ticker= looks each ticker up in the ticker index;
 *   - in file order, a page is a merge of the class lists from the
 *     offset-th matched row, which a binary search finds;
 *   - sorted, a page is a walk along the column's order that skips the
 *     rows of other classes, or, when few rows match or the walk finds
 *     them too slowly, those rows sorted by their rank.
 *
 * The cost is bounded by the rows matched and the page, not the rows of
 * the category.
 */


#include <string.h>

#include "krj_query.h"


static uint64_t krj_select_classes(const krj_query_t *q);
static void krj_select_count(krj_select_t *sel, uint32_t class,
    uint32_t n);
static int krj_select_tickers(krj_select_ctx_t *x);
static int krj_select_in_order(krj_select_iter_t *it);
static int krj_select_sorted(krj_select_iter_t *it);
static int krj_select_gather(krj_select_ctx_t *x);
static int krj_select_by_rank(krj_select_ctx_t *x, uint64_t *keys,
    uint32_t n);
static uint32_t krj_select_page(const krj_select_ctx_t *x, uint32_t n);
static void krj_select_walk_init(krj_select_walk_t *w,
    const krj_select_ctx_t *x);
static void krj_select_walk_skip(krj_select_walk_t *w, uint64_t n);
static int krj_select_walk_next(krj_select_walk_t *w, uint32_t *row);
static uint32_t krj_select_lower(const uint8_t *list, uint32_t width,
    uint32_t lo, uint32_t hi, uint32_t value);
static void krj_select_sort(uint64_t *v, uint64_t *tmp, uint32_t n);
static uint32_t krj_select_log2(uint32_t n);


int
krj_query_select(krj_select_t *sel, const krj_snap_t *snap,
    const krj_snap_category_t *cat, const krj_query_t *q,
    krj_alloc_pt alloc, void *data)
{
    int                 rc;
    krj_select_iter_t   it;

    rc = krj_query_select_begin(&it, sel, snap, cat, q, alloc, data);

    return (rc == KRJ_QUERY_OK) ? krj_query_select_more(&it, UINT64_MAX)
                                : rc;
}


int
krj_query_select_begin(krj_select_iter_t *it, krj_select_t *sel,
    const krj_snap_t *snap, const krj_snap_category_t *cat,
    const krj_query_t *q, krj_alloc_pt alloc, void *data)
{
    uint32_t                 c;
    krj_select_ctx_t        *x;
    const krj_snap_class_t  *cl;

    memset(sel, 0, sizeof(krj_select_t));
    memset(it, 0, sizeof(krj_select_iter_t));

    x = &it->x;
    x->sel = sel;
    x->snap = snap;
    x->cat = cat;
    x->ix = krj_snap_index(snap, cat);
    x->rows = krj_snap_rows(snap, cat);
    x->q = q;
    x->alloc = alloc;
    x->data = data;
    x->classes = krj_select_classes(q);

    if (q->ntickers) {
        return krj_select_tickers(x);
    }

    cl = (const krj_snap_class_t *) (snap->base + x->ix->classes.off);

    for (c = 0; c < KRJ_SNAP_CLASSES; c++) {
        if (x->classes & ((uint64_t) 1 << c)) {
            sel->matched += cl[c].count;
            krj_select_count(sel, c, cl[c].count);
        }
    }

    x->page = krj_select_page(x, sel->matched);

    if (x->page == 0) {
        return KRJ_QUERY_OK;
    }

    if (q->sort_col < 0) {
        return krj_select_in_order(it);
    }

    return krj_select_sorted(it);
}


uint32_t
krj_query_select_page(const krj_select_iter_t *it)
{
    return it->mode ? it->x.page : it->x.sel->nrows;
}


/*
 * The loops of a page: a merge of class lists, or a walk along a column's
 * order, about steps positions at a time.
 */

int
krj_query_select_more(krj_select_iter_t *it, uint64_t steps)
{
    uint32_t               row, k, c, best, best_row;
    krj_select_ctx_t      *x;
    krj_select_list_t     *l;
    const krj_snap_row_t  *r;

    x = &it->x;
    k = it->k;

    switch (it->mode) {

    case KRJ_SELECT_MERGE:
        for ( /* void */ ; k < x->page && steps; k++, steps--) {
            best = it->nl;
            best_row = 0;

            for (c = 0; c < it->nl; c++) {
                l = &it->lists[c];

                if (l->next == l->end) {
                    continue;
                }

                row = krj_snap_entry(l->list, l->width, l->next);

                if (best == it->nl || row < best_row) {
                    best = c;
                    best_row = row;
                }
            }

            x->sel->rows[k] = best_row;
            it->lists[best].next++;
        }

        break;

    case KRJ_SELECT_WALK_ALL:
        for ( /* void */ ; k < x->page && steps; k++, steps--) {
            if (!krj_select_walk_next(&it->walk, &row)) {
                break;
            }

            x->sel->rows[k] = row;
        }

        if (k < x->page && steps) {
            x->page = k;
        }

        break;

    case KRJ_SELECT_WALK:
        for ( /* void */ ; k < x->page && steps; steps--) {
            if (it->steps++ == it->budget
                || !krj_select_walk_next(&it->walk, &row))
            {
                /* the walk costs more than sorting: sort instead */
                it->mode = KRJ_SELECT_DONE;
                return krj_select_gather(x);
            }

            r = &x->rows[row];

            if (!(x->classes
                  & ((uint64_t) 1 << krj_snap_class(r->signal, r->prior,
                                                    r->changed))))
            {
                continue;
            }

            if (it->skip) {
                it->skip--;
                continue;
            }

            x->sel->rows[k++] = row;
        }

        break;

    default: /* KRJ_SELECT_DONE */
        return KRJ_QUERY_OK;
    }

    it->k = k;

    if (k < x->page) {
        return KRJ_QUERY_AGAIN;
    }

    x->sel->nrows = k;
    it->mode = KRJ_SELECT_DONE;

    return KRJ_QUERY_OK;
}


/* the classes whose rows the filters let through */

static uint64_t
krj_select_classes(const krj_query_t *q)
{
    uint32_t  c, s, p;
    uint64_t  set;

    set = 0;

    for (c = 0; c < KRJ_SNAP_CLASSES; c++) {
        s = krj_snap_class_signal(c);
        p = krj_snap_class_prior(c);

        if ((q->signals && !(q->signals & KRJ_QUERY_SIGNAL_BIT(s)))
            || (q->priors && !(q->priors & KRJ_QUERY_SIGNAL_BIT(p)))
            || (q->eithers && !(q->eithers & KRJ_QUERY_SIGNAL_BIT(s))
                && !(q->eithers & KRJ_QUERY_SIGNAL_BIT(p)))
            || (q->changed != KRJ_CHANGED_ANY
                && (int) krj_snap_class_changed(c) != q->changed))
        {
            continue;
        }

        set |= (uint64_t) 1 << c;
    }

    return set;
}


/* n rows of a class in the counts of the summary */

static void
krj_select_count(krj_select_t *sel, uint32_t class, uint32_t n)
{
    uint32_t  s, p;

    s = krj_snap_class_signal(class);
    p = krj_snap_class_prior(class);

    /* KRJ_SIGNAL_LONG..SHORT map onto KRJ_COUNT_LONG..SHORT */

    if (s >= KRJ_SIGNAL_LONG && s <= KRJ_SIGNAL_SHORT) {
        sel->counts[KRJ_WEEK_THIS][s - KRJ_SIGNAL_LONG] += n;
    }

    if (p >= KRJ_SIGNAL_LONG && p <= KRJ_SIGNAL_SHORT) {
        sel->counts[KRJ_WEEK_PRIOR][p - KRJ_SIGNAL_LONG] += n;
    }
}


/*
 * ticker=: the rows of each ticker in this category that the other
 * filters let through, once each (a ticker may be named twice, in two
 * cases), in file order or sorted.
 */

static int
krj_select_tickers(krj_select_ctx_t *x)
{
    uint32_t                  i, j, k, n, m, first, count, row, class;
    uint64_t                 *keys, *tmp;
    const krj_snap_row_t     *r;
    const krj_snap_ticker_t  *t;

    n = 0;

    for (i = 0; i < x->q->ntickers; i++) {
        t = krj_snap_find_ticker(x->snap, x->q->tickers[i].data,
                                 x->q->tickers[i].len);
        if (t != NULL) {
            n += krj_snap_ticker_in(x->snap, t, x->cat, &first);
        }
    }

    keys = x->alloc(x->data, (size_t) (n ? n : 1) * sizeof(uint64_t));
    tmp = x->alloc(x->data, (size_t) (n ? n : 1) * sizeof(uint64_t));

    if (keys == NULL || tmp == NULL) {
        return KRJ_QUERY_NOMEM;
    }

    m = 0;

    for (i = 0; i < x->q->ntickers; i++) {
        t = krj_snap_find_ticker(x->snap, x->q->tickers[i].data,
                                 x->q->tickers[i].len);
        if (t == NULL) {
            continue;
        }

        count = krj_snap_ticker_in(x->snap, t, x->cat, &first);

        for (j = 0; j < count; j++) {
            row = x->snap->ticker_rows[first + j].row;
            r = &x->rows[row];
            class = krj_snap_class(r->signal, r->prior, r->changed);

            if (x->classes & ((uint64_t) 1 << class)) {
                keys[m++] = row;
            }
        }
    }

    krj_select_sort(keys, tmp, m);

    for (i = 0, k = 0; i < m; i++) {
        if (k && keys[k - 1] == keys[i]) {
            continue;
        }

        keys[k++] = keys[i];
        r = &x->rows[keys[i]];
        krj_select_count(x->sel, krj_snap_class(r->signal, r->prior,
                                                r->changed), 1);
    }

    x->sel->matched = k;

    return krj_select_by_rank(x, keys, k);
}


/*
 * File order.  Every row: the page is a range of row numbers.  Else the
 * page starts at the offset-th matched row, the largest row number with
 * no more than offset matched rows below it, found by a binary search
 * over the class lists; then the lists are merged.
 */

static int
krj_select_in_order(krj_select_iter_t *it)
{
    uint32_t                 c, k, nl, lo, hi, mid;
    uint64_t                 below;
    krj_select_ctx_t        *x;
    krj_select_list_t       *lists;
    const uint8_t           *list;
    const krj_snap_class_t  *cl;

    x = &it->x;
    lists = it->lists;

    x->sel->rows = x->alloc(x->data, (size_t) x->page * sizeof(uint32_t));
    if (x->sel->rows == NULL) {
        return KRJ_QUERY_NOMEM;
    }

    x->sel->nrows = x->page;

    if (x->sel->matched == x->cat->nrows) {
        for (k = 0; k < x->page; k++) {
            x->sel->rows[k] = (uint32_t) x->q->offset + k;
        }

        return KRJ_QUERY_OK;
    }

    cl = (const krj_snap_class_t *) (x->snap->base + x->ix->classes.off);
    list = x->snap->base + x->ix->class_rows.off;
    nl = 0;

    for (c = 0; c < KRJ_SNAP_CLASSES; c++) {
        if ((x->classes & ((uint64_t) 1 << c)) && cl[c].count) {
            lists[nl].list = list;
            lists[nl].width = x->ix->width;
            lists[nl].next = cl[c].first;
            lists[nl].end = cl[c].first + cl[c].count;
            nl++;
        }
    }

    lo = 0;
    hi = x->cat->nrows;

    while (x->q->offset && lo < hi) {
        mid = lo + (hi - lo + 1) / 2;
        below = 0;

        for (c = 0; c < nl; c++) {
            below += krj_select_lower(list, x->ix->width, lists[c].next,
                                      lists[c].end, mid)
                     - lists[c].next;
        }

        if (below <= x->q->offset) {
            lo = mid;

        } else {
            hi = mid - 1;
        }
    }

    for (c = 0; lo && c < nl; c++) {
        lists[c].next = krj_select_lower(list, x->ix->width, lists[c].next,
                                         lists[c].end, lo);
    }

    /* the merge, from krj_query_select_more() */
    x->sel->nrows = 0;
    it->nl = nl;
    it->mode = KRJ_SELECT_MERGE;

    return KRJ_QUERY_OK;
}


/*
 * Sorted.  Every row: the page is a stretch of the walk.  Else walk while
 * that is likely cheaper than sorting the matched rows (the page's rows
 * times one in how many rows match), within a budget of what sorting
 * them would cost, then sort them.
 */

static int
krj_select_sorted(krj_select_iter_t *it)
{
    uint64_t           m, want, sort;
    krj_select_ctx_t  *x;

    x = &it->x;
    m = x->sel->matched;

    if (m != x->cat->nrows) {
        want = (x->q->offset + x->page) * x->cat->nrows / m;
        sort = m * (krj_select_log2((uint32_t) m) + 1);

        if (want > sort) {
            return krj_select_gather(x);
        }

        it->budget = 2 * sort;
    }

    x->sel->rows = x->alloc(x->data, (size_t) x->page * sizeof(uint32_t));
    if (x->sel->rows == NULL) {
        return KRJ_QUERY_NOMEM;
    }

    krj_select_walk_init(&it->walk, x);

    /*
     * Every row: the page is a stretch of the walk, from the offset on.
     * Else the rows of other classes are skipped, and past budget
     * positions visited the matched rows are sorted instead.
     */

    if (m == x->cat->nrows) {
        krj_select_walk_skip(&it->walk, x->q->offset);
        it->mode = KRJ_SELECT_WALK_ALL;

    } else {
        it->skip = x->q->offset;
        it->mode = KRJ_SELECT_WALK;
    }

    return KRJ_QUERY_OK;
}


/* the matched rows, from their class lists, sorted by rank */

static int
krj_select_gather(krj_select_ctx_t *x)
{
    uint32_t                 c, k, m;
    uint64_t                *keys;
    const uint8_t           *list;
    const krj_snap_class_t  *cl;

    m = x->sel->matched;

    keys = x->alloc(x->data, (size_t) m * sizeof(uint64_t));
    if (keys == NULL) {
        return KRJ_QUERY_NOMEM;
    }

    cl = (const krj_snap_class_t *) (x->snap->base + x->ix->classes.off);
    list = x->snap->base + x->ix->class_rows.off;
    m = 0;

    for (c = 0; c < KRJ_SNAP_CLASSES; c++) {
        if (!(x->classes & ((uint64_t) 1 << c))) {
            continue;
        }

        for (k = cl[c].first; k < cl[c].first + cl[c].count; k++) {
            keys[m++] = krj_snap_entry(list, x->ix->width, k);
        }
    }

    return krj_select_by_rank(x, keys, m);
}


/*
 * rows[0..n) into the page: in file order when not sorted (they ascend),
 * else by a key that orders them as the column does.  Ascending: the
 * rank, then the row.  Descending: the rank reversed, then the row, for
 * the non-empty cells, whose ranks are below nonempty; the empty cells
 * after them, in file order.
 */

static int
krj_select_by_rank(krj_select_ctx_t *x, uint64_t *keys, uint32_t n)
{
    uint32_t                 i, row, rank;
    uint64_t                *tmp;
    const uint8_t           *ranks;
    const krj_snap_order_t  *o;

    x->page = krj_select_page(x, n);

    if (x->page == 0) {
        return KRJ_QUERY_OK;
    }

    x->sel->rows = x->alloc(x->data, (size_t) x->page * sizeof(uint32_t));
    if (x->sel->rows == NULL) {
        return KRJ_QUERY_NOMEM;
    }

    x->sel->nrows = x->page;

    if (x->q->sort_col >= 0) {
        o = (const krj_snap_order_t *) (x->snap->base + x->ix->orders.off)
            + x->q->sort_col;
        ranks = x->snap->base + o->ranks.off;

        for (i = 0; i < n; i++) {
            row = (uint32_t) keys[i];
            rank = krj_snap_entry(ranks, x->ix->width, row);

            if (x->q->sort_desc && rank < o->nonempty) {
                rank = o->nonempty - 1 - rank;
            }

            keys[i] = (uint64_t) rank << 32 | row;
        }

        tmp = x->alloc(x->data, (size_t) n * sizeof(uint64_t));
        if (tmp == NULL) {
            return KRJ_QUERY_NOMEM;
        }

        krj_select_sort(keys, tmp, n);
    }

    for (i = 0; i < x->page; i++) {
        x->sel->rows[i] = (uint32_t) keys[x->q->offset + i];
    }

    return KRJ_QUERY_OK;
}


/* how many of n matched rows the offset and the limit leave */

static uint32_t
krj_select_page(const krj_select_ctx_t *x, uint32_t n)
{
    uint64_t  count;

    if (x->q->offset >= n) {
        return 0;
    }

    count = n - x->q->offset;

    return (uint32_t) (count < x->q->limit ? count : x->q->limit);
}


static void
krj_select_walk_init(krj_select_walk_t *w, const krj_select_ctx_t *x)
{
    const krj_snap_order_t  *o;

    o = (const krj_snap_order_t *) (x->snap->base + x->ix->orders.off)
        + x->q->sort_col;

    w->rows = x->snap->base + o->rows.off;
    w->ranks = x->snap->base + o->ranks.off;
    w->width = x->ix->width;
    w->n = x->cat->nrows;
    w->nonempty = o->nonempty;
    w->desc = x->q->sort_desc ? 1 : 0;

    /* descending: the group before nonempty comes first */
    w->pos = w->desc ? w->nonempty : 0;
    w->start = w->nonempty;
    w->end = w->nonempty;
    w->tail = (w->desc && w->nonempty == 0) ? 1 : 0;
}


/* n positions on, whole groups at a time when descending */

static void
krj_select_walk_skip(krj_select_walk_t *w, uint64_t n)
{
    uint32_t  last, g;

    if (w->desc) {
        while (!w->tail && n) {
            if (w->pos == w->end) {
                if (w->start == 0) {
                    w->tail = 1;
                    w->pos = w->nonempty;
                    break;
                }

                last = w->start - 1;
                g = krj_snap_entry(w->ranks, w->width,
                                   krj_snap_entry(w->rows, w->width, last));

                w->start = g;
                w->end = last + 1;
                w->pos = g;
            }

            if (n < (uint64_t) (w->end - w->pos)) {
                w->pos += (uint32_t) n;
                return;
            }

            n -= w->end - w->pos;
            w->pos = w->end;
        }
    }

    w->pos = (n < (uint64_t) (w->n - w->pos)) ? w->pos + (uint32_t) n : w->n;
}


static int
krj_select_walk_next(krj_select_walk_t *w, uint32_t *row)
{
    uint32_t  last;

    if (w->desc && !w->tail && w->pos == w->end) {
        if (w->start == 0) {
            w->tail = 1;
            w->pos = w->nonempty;

        } else {
            /* the validator made every group start below its end */
            last = w->start - 1;
            w->start = krj_snap_entry(w->ranks, w->width,
                                      krj_snap_entry(w->rows, w->width,
                                                     last));
            w->end = last + 1;
            w->pos = w->start;
        }
    }

    if (w->pos >= w->n) {
        return 0;
    }

    *row = krj_snap_entry(w->rows, w->width, w->pos);
    w->pos++;

    return 1;
}


/* the first index in [lo, hi) of an ascending list whose entry >= value */

static uint32_t
krj_select_lower(const uint8_t *list, uint32_t width, uint32_t lo,
    uint32_t hi, uint32_t value)
{
    uint32_t  mid;

    while (lo < hi) {
        mid = lo + (hi - lo) / 2;

        if (krj_snap_entry(list, width, mid) < value) {
            lo = mid + 1;

        } else {
            hi = mid;
        }
    }

    return lo;
}


/* a merge sort, bottom-up: no recursion, no qsort_r */

static void
krj_select_sort(uint64_t *v, uint64_t *tmp, uint32_t n)
{
    uint32_t   width, lo, mid, hi, i, j, k;
    uint64_t  *src, *dst, *t;

    src = v;
    dst = tmp;

    for (width = 1; width < n; width *= 2) {
        for (lo = 0; lo < n; lo += 2 * width) {
            mid = (lo + width < n) ? lo + width : n;
            hi = (mid + width < n) ? mid + width : n;

            i = lo;
            j = mid;
            k = lo;

            while (i < mid && j < hi) {
                dst[k++] = (src[j] < src[i]) ? src[j++] : src[i++];
            }

            while (i < mid) {
                dst[k++] = src[i++];
            }

            while (j < hi) {
                dst[k++] = src[j++];
            }
        }

        t = src;
        src = dst;
        dst = t;
    }

    if (src != v) {
        memcpy(v, src, (size_t) n * sizeof(uint64_t));
    }
}


static uint32_t
krj_select_log2(uint32_t n)
{
    uint32_t  k;

    for (k = 0; n > 1; n >>= 1) {
        k++;
    }

    return k;
}
