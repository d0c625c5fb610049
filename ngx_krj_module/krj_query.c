
/*
 * Copyright (C) The krj developers
 */


#include <stdio.h>
#include <string.h>

#include "krj_query.h"


#define KRJ_SIGNAL_BIT(s)  (1u << (s))

#define KRJ_PARAM_TICKER   0x01
#define KRJ_PARAM_SIGNAL   0x02
#define KRJ_PARAM_PRIOR    0x04
#define KRJ_PARAM_CHANGED  0x08
#define KRJ_PARAM_FIELDS   0x10
#define KRJ_PARAM_SORT     0x20
#define KRJ_PARAM_LIMIT    0x40
#define KRJ_PARAM_OFFSET   0x80


typedef struct {
    const krj_snap_t           *snap;
    const krj_snap_category_t  *cat;
    uint32_t                    col;
    int                         desc;
} krj_sort_ctx_t;


static int krj_query_decode(krj_query_t *q, const char *p, size_t len,
    char *dst, size_t *n);
static int krj_hex(char c);
static int krj_query_param(krj_query_t *q, const krj_snap_t *snap,
    const krj_snap_category_t *cat, const char *name, size_t nlen,
    char *value, size_t vlen, krj_alloc_pt alloc, void *data);
static int krj_query_split(krj_query_t *q, const char *name, char *value,
    size_t vlen, int trim, krj_str_t **items, uint32_t *n,
    krj_alloc_pt alloc, void *data);
static int krj_query_signals(krj_query_t *q, const char *name,
    krj_str_t *items, uint32_t n, unsigned *mask);
static int krj_query_number(krj_query_t *q, const char *name,
    const char *p, size_t len, uint64_t *value);
static int krj_query_column(const krj_snap_t *snap,
    const krj_snap_category_t *cat, const char *p, size_t len);
static int krj_query_error(krj_query_t *q, int code, const char *fmt,
    const char *name, const char *value, size_t vlen);
static int krj_query_match(const krj_snap_t *snap,
    const krj_snap_category_t *cat, const krj_query_t *q, uint32_t i);
static int krj_sort_cmp(const krj_sort_ctx_t *ctx, uint32_t a, uint32_t b);
static void krj_sort(const krj_sort_ctx_t *ctx, uint32_t *v, uint32_t *tmp,
    uint32_t n);


int
krj_query_parse(krj_query_t *q, const krj_snap_t *snap,
    const krj_snap_category_t *cat, const char *args, size_t len,
    krj_alloc_pt alloc, void *data)
{
    int          rc;
    char        *buf, *name, *value;
    size_t       nlen, vlen;
    const char  *p, *end, *amp, *eq;

    memset(q, 0, sizeof(krj_query_t));
    q->changed = KRJ_CHANGED_ANY;
    q->sort_col = -1;
    q->limit = UINT64_MAX;

    if (len == 0) {
        return KRJ_QUERY_OK;
    }

    /* decoded text is never longer than its source; +2 for two NULs */

    buf = alloc(data, len + 2);
    if (buf == NULL) {
        q->error = KRJ_QUERY_NOMEM;
        return q->error;
    }

    p = args;
    end = args + len;

    while (p < end) {
        amp = memchr(p, '&', end - p);
        if (amp == NULL) {
            amp = end;
        }

        if (amp == p) {
            p++;
            continue;
        }

        eq = memchr(p, '=', amp - p);
        if (eq == NULL) {
            return krj_query_error(q, KRJ_QUERY_BAD_PARAMETER,
                                   "parameter \"%.*s\" has no value",
                                   NULL, p, amp - p);
        }

        name = buf;
        if (krj_query_decode(q, p, eq - p, name, &nlen) != KRJ_QUERY_OK) {
            return q->error;
        }

        value = name + nlen + 1;
        if (krj_query_decode(q, eq + 1, amp - eq - 1, value, &vlen)
            != KRJ_QUERY_OK)
        {
            return q->error;
        }

        rc = krj_query_param(q, snap, cat, name, nlen, value, vlen,
                             alloc, data);
        if (rc != KRJ_QUERY_OK) {
            return rc;
        }

        q->nparams++;

        /* the next pair is decoded after this one: the tickers stay */
        buf = value + vlen + 1;
        p = amp + 1;
    }

    return KRJ_QUERY_OK;
}


/*
 * Percent-decodes [p, p + len) into dst and NUL-terminates it; a malformed
 * escape or a NUL byte is a bad parameter.  "+" stays "+": tickers such as
 * "BRK+B" are rare, but a query is not a form submission.
 */

static int
krj_query_decode(krj_query_t *q, const char *p, size_t len, char *dst,
    size_t *n)
{
    int          hi, lo;
    char        *d;
    const char  *end;

    d = dst;
    end = p + len;

    while (p < end) {
        if (*p != '%') {
            if (*p == '\0') {
                goto invalid;
            }

            *d++ = *p++;
            continue;
        }

        if (end - p < 3) {
            goto invalid;
        }

        hi = krj_hex(p[1]);
        lo = krj_hex(p[2]);

        if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
            goto invalid;
        }

        *d++ = (char) (hi * 16 + lo);
        p += 3;
    }

    *d = '\0';
    *n = d - dst;

    return KRJ_QUERY_OK;

invalid:

    return krj_query_error(q, KRJ_QUERY_BAD_PARAMETER,
                           "malformed percent-encoding in \"%.*s\"",
                           NULL, end - len, len);
}


static int
krj_hex(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }

    c |= 0x20;

    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }

    return -1;
}


static int
krj_query_param(krj_query_t *q, const krj_snap_t *snap,
    const krj_snap_category_t *cat, const char *name, size_t nlen,
    char *value, size_t vlen, krj_alloc_pt alloc, void *data)
{
    int          col;
    size_t       len;
    uint32_t     i, j, n;
    unsigned     param;
    krj_str_t   *items;
    const char  *p;

#define krj_is(s)  (nlen == sizeof(s) - 1 && memcmp(name, s, nlen) == 0)

    if (krj_is("ticker")) {
        param = KRJ_PARAM_TICKER;

    } else if (krj_is("signal")) {
        param = KRJ_PARAM_SIGNAL;

    } else if (krj_is("prior")) {
        param = KRJ_PARAM_PRIOR;

    } else if (krj_is("changed")) {
        param = KRJ_PARAM_CHANGED;

    } else if (krj_is("fields")) {
        param = KRJ_PARAM_FIELDS;

    } else if (krj_is("sort")) {
        param = KRJ_PARAM_SORT;

    } else if (krj_is("limit")) {
        param = KRJ_PARAM_LIMIT;

    } else if (krj_is("offset")) {
        param = KRJ_PARAM_OFFSET;

    } else {
        return krj_query_error(q, KRJ_QUERY_UNKNOWN_PARAMETER,
                               "unknown parameter \"%.*s\"", NULL,
                               name, nlen);
    }

#undef krj_is

    if (q->seen & param) {
        return krj_query_error(q, KRJ_QUERY_BAD_PARAMETER,
                               "parameter \"%s\" given twice", name,
                               NULL, 0);
    }

    q->seen |= param;

    switch (param) {

    case KRJ_PARAM_TICKER:
        return krj_query_split(q, name, value, vlen, 1, &q->tickers,
                               &q->ntickers, alloc, data);

    case KRJ_PARAM_SIGNAL:
    case KRJ_PARAM_PRIOR:
        col = (param == KRJ_PARAM_SIGNAL) ? cat->signal_col : cat->prior_col;

        if (col < 0) {
            return krj_query_error(q, KRJ_QUERY_UNKNOWN_COLUMN,
                                   "category has no \"%s\" column",
                                   param == KRJ_PARAM_SIGNAL
                                   ? "signal" : "signal_status_prior_week",
                                   NULL, 0);
        }

        if (krj_query_split(q, name, value, vlen, 1, &items, &n, alloc,
                            data)
            != KRJ_QUERY_OK)
        {
            return q->error;
        }

        return krj_query_signals(q, name, items, n,
                                 param == KRJ_PARAM_SIGNAL
                                 ? &q->signals : &q->priors);

    case KRJ_PARAM_CHANGED:
        if (cat->signal_col < 0 || cat->prior_col < 0) {
            return krj_query_error(q, KRJ_QUERY_UNKNOWN_COLUMN,
                                   "category has no \"%s\" column",
                                   cat->signal_col < 0
                                   ? "signal" : "signal_status_prior_week",
                                   NULL, 0);
        }

        if ((vlen == 1 && value[0] == '1')
            || krj_strcaseeq(value, vlen, "true", 4))
        {
            q->changed = KRJ_CHANGED_YES;
            return KRJ_QUERY_OK;
        }

        if ((vlen == 1 && value[0] == '0')
            || krj_strcaseeq(value, vlen, "false", 5))
        {
            q->changed = KRJ_CHANGED_NO;
            return KRJ_QUERY_OK;
        }

        return krj_query_error(q, KRJ_QUERY_BAD_PARAMETER,
                               "\"%s\" must be 1, true, 0 or false, "
                               "not \"%.*s\"", name, value, vlen);

    case KRJ_PARAM_FIELDS:
        if (krj_query_split(q, name, value, vlen, 0, &items, &n, alloc,
                            data)
            != KRJ_QUERY_OK)
        {
            return q->error;
        }

        q->fields = alloc(data, (size_t) n * sizeof(uint32_t));
        if (q->fields == NULL) {
            q->error = KRJ_QUERY_NOMEM;
            return q->error;
        }

        for (i = 0; i < n; i++) {
            col = krj_query_column(snap, cat, items[i].data, items[i].len);
            if (col < 0) {
                return krj_query_error(q, KRJ_QUERY_UNKNOWN_COLUMN,
                                       "no column \"%.*s\"", NULL,
                                       items[i].data, items[i].len);
            }

            for (j = 0; j < i; j++) {
                if (q->fields[j] == (uint32_t) col) {
                    return krj_query_error(q, KRJ_QUERY_BAD_PARAMETER,
                                           "column \"%.*s\" named twice",
                                           NULL, items[i].data,
                                           items[i].len);
                }
            }

            q->fields[i] = (uint32_t) col;
        }

        q->nfields = n;

        return KRJ_QUERY_OK;

    case KRJ_PARAM_SORT:
        p = value;
        len = vlen;

        if (len > 0 && p[0] == '-') {
            q->sort_desc = 1;
            p++;
            len--;
        }

        if (len == 0) {
            return krj_query_error(q, KRJ_QUERY_BAD_PARAMETER,
                                   "\"%s\" needs a column name", name,
                                   NULL, 0);
        }

        col = krj_query_column(snap, cat, p, len);
        if (col < 0) {
            return krj_query_error(q, KRJ_QUERY_UNKNOWN_COLUMN,
                                   "no column \"%.*s\"", NULL, p, len);
        }

        q->sort_col = col;

        return KRJ_QUERY_OK;

    case KRJ_PARAM_LIMIT:
        if (krj_query_number(q, name, value, vlen, &q->limit)
            != KRJ_QUERY_OK)
        {
            return q->error;
        }

        if (q->limit > KRJ_QUERY_MAX_LIMIT) {
            return krj_query_error(q, KRJ_QUERY_BAD_PARAMETER,
                                   "\"%s\" must be between 0 and 1000000, "
                                   "not \"%.*s\"", name, value, vlen);
        }

        return KRJ_QUERY_OK;

    default: /* KRJ_PARAM_OFFSET */
        return krj_query_number(q, name, value, vlen, &q->offset);
    }
}


/*
 * Splits a comma-separated list in place; empty items are malformed.
 * With trim, spaces and tabs around an item go ("AAPL, MSFT"): they can
 * be part of no ticker or signal, but a column name may hold them.
 */

static int
krj_query_split(krj_query_t *q, const char *name, char *value, size_t vlen,
    int trim, krj_str_t **items, uint32_t *n, krj_alloc_pt alloc, void *data)
{
    char       *p, *end, *comma, *last;
    uint32_t    i, count;
    krj_str_t  *v;

    count = 1;
    for (i = 0; i < vlen; i++) {
        if (value[i] == ',') {
            count++;
        }
    }

    v = alloc(data, count * sizeof(krj_str_t));
    if (v == NULL) {
        q->error = KRJ_QUERY_NOMEM;
        return q->error;
    }

    p = value;
    end = value + vlen;

    for (i = 0; i < count; i++) {
        comma = memchr(p, ',', end - p);
        if (comma == NULL) {
            comma = end;
        }

        last = comma;

        while (trim && p < last && (*p == ' ' || *p == '\t')) {
            p++;
        }

        while (trim && last > p && (last[-1] == ' ' || last[-1] == '\t')) {
            last--;
        }

        if (last == p) {
            return krj_query_error(q, KRJ_QUERY_BAD_PARAMETER,
                                   "empty value in \"%s\"", name, NULL, 0);
        }

        v[i].data = p;
        v[i].len = last - p;
        p = comma + 1;
    }

    *items = v;
    *n = count;

    return KRJ_QUERY_OK;
}


static int
krj_query_signals(krj_query_t *q, const char *name, krj_str_t *items,
    uint32_t n, unsigned *mask)
{
    uint32_t  i;

    for (i = 0; i < n; i++) {
        if (krj_strcaseeq(items[i].data, items[i].len, "Long", 4)) {
            *mask |= KRJ_SIGNAL_BIT(KRJ_SIGNAL_LONG);

        } else if (krj_strcaseeq(items[i].data, items[i].len, "Neutral", 7)) {
            *mask |= KRJ_SIGNAL_BIT(KRJ_SIGNAL_NEUTRAL);

        } else if (krj_strcaseeq(items[i].data, items[i].len, "Short", 5)) {
            *mask |= KRJ_SIGNAL_BIT(KRJ_SIGNAL_SHORT);

        } else {
            return krj_query_error(q, KRJ_QUERY_BAD_PARAMETER,
                                   "\"%s\" takes Long, Neutral or Short, "
                                   "not \"%.*s\"", name,
                                   items[i].data, items[i].len);
        }
    }

    return KRJ_QUERY_OK;
}


/*
 * A plain non-negative decimal up to 4294967295: rows are counted in 32
 * bits, so a larger offset could only be a client's mistake.
 */

static int
krj_query_number(krj_query_t *q, const char *name, const char *p,
    size_t len, uint64_t *value)
{
    size_t    i;
    uint64_t  v;

    if (len == 0) {
        goto invalid;
    }

    v = 0;

    for (i = 0; i < len; i++) {
        if (p[i] < '0' || p[i] > '9') {
            goto invalid;
        }

        v = v * 10 + (p[i] - '0');

        if (v > UINT32_MAX) {
            return krj_query_error(q, KRJ_QUERY_BAD_PARAMETER,
                                   "\"%s\" is too large: \"%.*s\"", name,
                                   p, len);
        }
    }

    *value = v;

    return KRJ_QUERY_OK;

invalid:

    return krj_query_error(q, KRJ_QUERY_BAD_PARAMETER,
                           "\"%s\" must be a non-negative decimal number, "
                           "not \"%.*s\"", name, p, len);
}


static int
krj_query_column(const krj_snap_t *snap, const krj_snap_category_t *cat,
    const char *p, size_t len)
{
    uint32_t                  i;
    const krj_snap_column_t  *cols;

    cols = krj_snap_columns(snap, cat);

    for (i = 0; i < cat->ncolumns; i++) {
        if (cols[i].name.len == len
            && memcmp(krj_snap_ptr(snap, cols[i].name), p, len) == 0)
        {
            return (int) i;
        }
    }

    return -1;
}


/*
 * fmt takes an optional "%s" (name) and then an optional "%.*s" (value);
 * the value is cut so that a long query cannot fill the message.
 */

static int
krj_query_error(krj_query_t *q, int code, const char *fmt, const char *name,
    const char *value, size_t vlen)
{
    int    vl;
    char  *p;

    vl = vlen > 64 ? 64 : (int) vlen;

    q->error = code;

    if (name != NULL && value != NULL) {
        snprintf(q->err, KRJ_QUERY_ERRLEN, fmt, name, vl, value);

    } else if (name != NULL) {
        snprintf(q->err, KRJ_QUERY_ERRLEN, fmt, name);

    } else if (value != NULL) {
        snprintf(q->err, KRJ_QUERY_ERRLEN, fmt, vl, value);

    } else {
        snprintf(q->err, KRJ_QUERY_ERRLEN, "%s", fmt);
    }

    /* the message quotes the client: keep it printable ASCII */

    for (p = q->err; *p; p++) {
        if ((unsigned char) *p < 0x20 || (unsigned char) *p > 0x7e) {
            *p = '?';
        }
    }

    return code;
}


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

    if (q->signals && !(q->signals & KRJ_SIGNAL_BIT(row->signal))) {
        return 0;
    }

    if (q->priors && !(q->priors & KRJ_SIGNAL_BIT(row->prior))) {
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
