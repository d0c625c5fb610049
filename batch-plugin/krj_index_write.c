
/*
 * Copyright (C) The krj developers
 */


/*
 * The index section of a category (krj_snapshot.h): the positions of its
 * cells in the rows' fragments, the rows of each class, and the order of
 * each column with its ranks.  The orders follow the one rule of sort=:
 * numbers by value before texts by bytes, empty cells last, ties in file
 * order.  Numbers are sorted by a radix sort of their bits and texts by a
 * merge sort, both stable over rows taken in file order.
 */


#include <stdlib.h>
#include <string.h>

#include "krj_snapshot_write.h"
#include "krj_str.h"
#include "krj_threads.h"


/* a row and its sort key while a column is sorted */
typedef struct {
    uint64_t            key;            /* numbers: ordered bits */
    uint32_t            row;
    uint32_t            len;            /* texts */
    const char         *text;
} krj_index_key_t;


typedef struct {
    krj_buf_t                  *out;
    const krj_csv_t            *t;
    const krj_snap_cell_t      *cells;
    krj_index_key_t            *keys;       /* [nrows] */
    krj_index_key_t            *tmp;        /* [nrows] */
    uint32_t                   *order;      /* [nrows]: the classes' rows */
    uint32_t                    width;
} krj_index_ctx_t;


/* the columns i, i + step, ... of one thread, with scratch of its own */
typedef struct {
    const krj_csv_t            *t;
    const krj_snap_cell_t      *cells;
    krj_snap_sorted_t          *s;
    size_t                      step;
} krj_index_sort_t;


static int krj_index_sort_part(void *arg, size_t i);
static void krj_index_cells(krj_index_ctx_t *x, const krj_snap_row_t *rows,
    krj_snap_index_t *ix);
static void krj_index_classes(krj_index_ctx_t *x, const krj_snap_row_t *rows,
    krj_snap_index_t *ix);
static uint32_t krj_index_sort_column(krj_index_ctx_t *x, uint32_t col,
    uint32_t *order, uint32_t *start);
static void krj_index_radix(krj_index_key_t *v, krj_index_key_t *tmp,
    uint32_t n);
static void krj_index_merge(krj_index_key_t *v, krj_index_key_t *tmp,
    uint32_t n);
static int krj_index_text_cmp(const krj_index_key_t *a,
    const krj_index_key_t *b);
static krj_snap_ref_t krj_index_list(krj_buf_t *out, const uint32_t *v,
    uint32_t n, uint32_t width);
static uint64_t krj_index_bits(double num);


int
krj_snap_sort(krj_snap_sorted_t *s, const krj_csv_t *t,
    const krj_snap_cell_t *cells)
{
    size_t            n, all;
    krj_index_sort_t  job;

    n = t->nrows ? t->nrows : 1;
    all = n * (t->ncolumns ? t->ncolumns : 1);

    s->nrows = t->nrows;
    s->ncolumns = t->ncolumns;
    s->order = malloc(all * sizeof(uint32_t));
    s->start = malloc(all * sizeof(uint32_t));
    s->nonempty = calloc(t->ncolumns ? t->ncolumns : 1, sizeof(uint32_t));

    if (s->order == NULL || s->start == NULL || s->nonempty == NULL) {
        return -1;
    }

    /* the columns are independent: as many parts as threads, or columns */
    job.t = t;
    job.cells = cells;
    job.s = s;
    job.step = krj_threads_get();

    if (job.step > t->ncolumns) {
        job.step = t->ncolumns;
    }

    return job.step ? krj_threads_run(job.step, krj_index_sort_part, &job)
                    : 0;
}


static int
krj_index_sort_part(void *arg, size_t i)
{
    int                rc;
    size_t             n, c;
    krj_index_ctx_t    x;
    krj_index_sort_t  *job = arg;

    n = job->t->nrows ? job->t->nrows : 1;

    memset(&x, 0, sizeof(krj_index_ctx_t));
    x.t = job->t;
    x.cells = job->cells;
    x.keys = malloc(n * sizeof(krj_index_key_t));
    x.tmp = malloc(n * sizeof(krj_index_key_t));

    rc = -1;

    if (x.keys == NULL || x.tmp == NULL) {
        goto cleanup;
    }

    for (c = i; c < job->t->ncolumns; c += job->step) {
        job->s->nonempty[c] = krj_index_sort_column(&x, (uint32_t) c,
                                                    job->s->order + c * n,
                                                    job->s->start + c * n);
    }

    rc = 0;

cleanup:

    free(x.keys);
    free(x.tmp);

    return rc;
}


void
krj_snap_sorted_free(krj_snap_sorted_t *s)
{
    free(s->order);
    free(s->start);
    free(s->nonempty);
    memset(s, 0, sizeof(krj_snap_sorted_t));
}


int
krj_snap_write_index(krj_buf_t *out, const krj_csv_t *t,
    const krj_snap_row_t *rows, const krj_snap_cell_t *cells,
    const krj_snap_sorted_t *sorted, krj_snap_index_t *ix)
{
    int                rc;
    size_t             n, start;
    uint32_t           c;
    krj_index_ctx_t    x;
    krj_snap_order_t  *orders;

    n = t->nrows ? t->nrows : 1;

    memset(&x, 0, sizeof(krj_index_ctx_t));
    x.out = out;
    x.t = t;
    x.cells = cells;
    x.width = (t->nrows <= 0x10000) ? KRJ_SNAP_NARROW : KRJ_SNAP_WIDE;
    x.order = malloc(n * sizeof(uint32_t));
    orders = calloc(t->ncolumns ? t->ncolumns : 1, sizeof(krj_snap_order_t));

    rc = -1;

    if (x.order == NULL || orders == NULL) {
        goto cleanup;
    }

    memset(ix, 0, sizeof(krj_snap_index_t));
    ix->width = x.width;

    krj_index_cells(&x, rows, ix);
    krj_index_classes(&x, rows, ix);

    for (c = 0; c < t->ncolumns; c++) {
        orders[c].nonempty = sorted->nonempty[c];
        orders[c].rows = krj_index_list(out, sorted->order + (size_t) c * n,
                                        t->nrows, x.width);
        orders[c].ranks = krj_index_list(out,
                                         sorted->start + (size_t) c * n,
                                         t->nrows, x.width);
    }

    krj_buf_align(out, KRJ_SNAP_ALIGN);
    start = out->len;
    krj_buf_append(out, orders, t->ncolumns * sizeof(krj_snap_order_t));

    ix->orders.off = (uint32_t) start;
    ix->orders.len = (uint32_t) (out->len - start);

    rc = out->failed ? -1 : 0;

cleanup:

    free(x.order);
    free(orders);

    return rc;
}


uint8_t
krj_snap_changed(const krj_csv_t *t, uint32_t row)
{
    size_t                slen, plen;
    const char           *s, *p;
    const krj_csv_row_t  *r;

    r = &t->rows[row];

    if (r->signal != KRJ_SIGNAL_OTHER && r->prior != KRJ_SIGNAL_OTHER) {
        return r->signal != r->prior;
    }

    s = (t->signal_col >= 0) ? krj_csv_text(t, row + 1, t->signal_col) : "";
    slen = (t->signal_col >= 0) ? krj_csv_len(t, row + 1, t->signal_col) : 0;
    p = (t->prior_col >= 0) ? krj_csv_text(t, row + 1, t->prior_col) : "";
    plen = (t->prior_col >= 0) ? krj_csv_len(t, row + 1, t->prior_col) : 0;

    return !krj_strcaseeq(s, slen, p, plen);
}


/*
 * Positions relative to the row's fragments; 16 bits each when every
 * fragment is shorter than 64 KiB.
 */

static void
krj_index_cells(krj_index_ctx_t *x, const krj_snap_row_t *rows,
    krj_snap_index_t *ix)
{
    size_t                  k, ncells, start;
    uint32_t                r, pos[2];
    uint16_t                narrow[2];
    const krj_snap_cell_t  *cell;

    ix->cell_width = KRJ_SNAP_NARROW;

    for (r = 0; r < x->t->nrows; r++) {
        if (rows[r].json.len > 0x10000 || rows[r].csv.len > 0x10000) {
            ix->cell_width = KRJ_SNAP_WIDE;
            break;
        }
    }

    ncells = (size_t) x->t->nrows * x->t->ncolumns;

    krj_buf_align(x->out, KRJ_SNAP_ALIGN);
    start = x->out->len;

    if (krj_buf_grow(x->out, ncells * 2 * ix->cell_width) != 0) {
        return;
    }

    for (k = 0; k < ncells; k++) {
        r = (uint32_t) (k / x->t->ncolumns);
        cell = &x->cells[k];

        pos[0] = cell->json.off - rows[r].json.off;
        pos[1] = cell->csv.off - rows[r].csv.off;

        if (ix->cell_width == KRJ_SNAP_NARROW) {
            narrow[0] = (uint16_t) pos[0];
            narrow[1] = (uint16_t) pos[1];
            krj_buf_append(x->out, narrow, sizeof(narrow));

        } else {
            krj_buf_append(x->out, pos, sizeof(pos));
        }
    }

    ix->cells.off = (uint32_t) start;
    ix->cells.len = (uint32_t) (x->out->len - start);
}


/* the rows of each class, each class's rows in file order */

static void
krj_index_classes(krj_index_ctx_t *x, const krj_snap_row_t *rows,
    krj_snap_index_t *ix)
{
    size_t            start;
    uint32_t          r, c, next, at[KRJ_SNAP_CLASSES];
    krj_snap_class_t  cl[KRJ_SNAP_CLASSES];

    memset(cl, 0, sizeof(cl));

    for (r = 0; r < x->t->nrows; r++) {
        cl[krj_snap_class(rows[r].signal, rows[r].prior,
                          rows[r].changed)].count++;
    }

    next = 0;

    for (c = 0; c < KRJ_SNAP_CLASSES; c++) {
        cl[c].first = next;
        at[c] = next;
        next += cl[c].count;
    }

    for (r = 0; r < x->t->nrows; r++) {
        c = krj_snap_class(rows[r].signal, rows[r].prior, rows[r].changed);
        x->order[at[c]++] = r;
    }

    krj_buf_align(x->out, KRJ_SNAP_ALIGN);
    start = x->out->len;
    krj_buf_append(x->out, cl, sizeof(cl));

    ix->classes.off = (uint32_t) start;
    ix->classes.len = (uint32_t) (x->out->len - start);
    ix->class_rows = krj_index_list(x->out, x->order, x->t->nrows, x->width);
}


/*
 * One column: its numbers, then its texts, then its empty cells, each in
 * file order before they are sorted; a row's start is where its run of
 * equal cells begins.  Returns the number of non-empty cells.
 */

static uint32_t
krj_index_sort_column(krj_index_ctx_t *x, uint32_t col, uint32_t *order,
    uint32_t *start)
{
    int                     first;
    uint32_t                r, nn, ns, n, i, group;
    krj_index_key_t        *k;
    const krj_snap_cell_t  *cell;

    n = x->t->nrows;
    nn = 0;

    for (r = 0; r < n; r++) {
        cell = &x->cells[(size_t) r * x->t->ncolumns + col];

        if (cell->type == KRJ_SNAP_NUMBER) {
            x->keys[nn].key = krj_index_bits(cell->num);
            x->keys[nn].row = r;
            nn++;
        }
    }

    ns = nn;

    for (r = 0; r < n; r++) {
        cell = &x->cells[(size_t) r * x->t->ncolumns + col];

        if (cell->type == KRJ_SNAP_STRING) {
            x->keys[ns].key = 0;
            x->keys[ns].row = r;
            x->keys[ns].text = krj_csv_text(x->t, r + 1, col);
            x->keys[ns].len = (uint32_t) krj_csv_len(x->t, r + 1, col);
            ns++;
        }
    }

    for (r = 0, i = ns; r < n; r++) {
        cell = &x->cells[(size_t) r * x->t->ncolumns + col];

        if (cell->type == KRJ_SNAP_NULL) {
            x->keys[i++].row = r;
        }
    }

    krj_index_radix(x->keys, x->tmp, nn);
    krj_index_merge(x->keys + nn, x->tmp, ns - nn);

    group = 0;

    for (i = 0; i < n; i++) {
        k = &x->keys[i];

        if (i == 0 || i == nn || i == ns) {
            first = 1;

        } else if (i < nn) {
            first = (k->key != k[-1].key);

        } else if (i < ns) {
            first = (krj_index_text_cmp(k - 1, k) != 0);

        } else {
            first = 0;      /* the empty cells tie */
        }

        if (first) {
            group = i;
        }

        order[i] = k->row;
        start[k->row] = group;
    }

    return ns;
}


/* a stable LSD radix sort by key, a byte at a time */

static void
krj_index_radix(krj_index_key_t *v, krj_index_key_t *tmp, uint32_t n)
{
    int               shift;
    uint32_t          i, sum, c, count[256];
    krj_index_key_t  *src, *dst, *t;

    src = v;
    dst = tmp;

    for (shift = 0; shift < 64; shift += 8) {
        memset(count, 0, sizeof(count));

        for (i = 0; i < n; i++) {
            count[(src[i].key >> shift) & 0xff]++;
        }

        /* a byte every key shares orders nothing: skip the pass */
        if (n == 0 || count[(src[0].key >> shift) & 0xff] == n) {
            continue;
        }

        for (i = 0, sum = 0; i < 256; i++) {
            c = count[i];
            count[i] = sum;
            sum += c;
        }

        for (i = 0; i < n; i++) {
            dst[count[(src[i].key >> shift) & 0xff]++] = src[i];
        }

        t = src;
        src = dst;
        dst = t;
    }

    if (src != v) {
        memcpy(v, src, (size_t) n * sizeof(krj_index_key_t));
    }
}


/* a stable merge sort of texts, bottom-up */

static void
krj_index_merge(krj_index_key_t *v, krj_index_key_t *tmp, uint32_t n)
{
    uint32_t          width, lo, mid, hi, i, j, k;
    krj_index_key_t  *src, *dst, *t;

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
                dst[k++] = (krj_index_text_cmp(&src[j], &src[i]) < 0)
                           ? src[j++] : src[i++];
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
        memcpy(v, src, (size_t) n * sizeof(krj_index_key_t));
    }
}


/* bytes, then length, as sort= has always compared texts */

static int
krj_index_text_cmp(const krj_index_key_t *a, const krj_index_key_t *b)
{
    int  rc;

    rc = memcmp(a->text, b->text, a->len < b->len ? a->len : b->len);

    if (rc != 0) {
        return rc;
    }

    return (a->len > b->len) - (a->len < b->len);
}


static krj_snap_ref_t
krj_index_list(krj_buf_t *out, const uint32_t *v, uint32_t n, uint32_t width)
{
    size_t          start;
    uint32_t        i;
    uint16_t        narrow;
    krj_snap_ref_t  ref;

    krj_buf_align(out, KRJ_SNAP_ALIGN);
    start = out->len;

    if (width == KRJ_SNAP_WIDE) {
        krj_buf_append(out, v, (size_t) n * sizeof(uint32_t));

    } else if (krj_buf_grow(out, (size_t) n * sizeof(uint16_t)) == 0) {
        for (i = 0; i < n; i++) {
            narrow = (uint16_t) v[i];
            krj_buf_append(out, &narrow, sizeof(narrow));
        }
    }

    ref.off = (uint32_t) start;
    ref.len = (uint32_t) (out->len - start);

    return ref;
}


/*
 * A double's bits as an unsigned key in the order of the values: the
 * sign flipped for positives, every bit for negatives; -0 is 0, equal as
 * values are.
 */

static uint64_t
krj_index_bits(double num)
{
    uint64_t  u;

    if (num == 0) {
        num = 0;
    }

    memcpy(&u, &num, sizeof(u));

    return (u >> 63) ? ~u : u | ((uint64_t) 1 << 63);
}
