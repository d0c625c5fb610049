
/*
 * Copyright (C) The krj developers
 */


/*
 * The query parameters of /signals/{slug}: strict, as the README says.
 * Every parameter is known, given at most once, and checked against the
 * category (its columns, whether it has signals) before any row is read.
 * The dashboard's pages take the same parameters as a browser's GET form
 * sends them (krj_query_parse_form()): the same handlers, with the form's
 * decoding, repeated lists and empty values.
 */


#include <string.h>

#include "krj_form.h"
#include "krj_query.h"


/* a form's lists may repeat: checkboxes of one name send one pair each */
#define KRJ_PARAM_LISTS    (KRJ_QUERY_SIGNAL|KRJ_QUERY_PRIOR                \
                            |KRJ_QUERY_EITHER|KRJ_QUERY_FIELDS)

#define krj_query_str(n)   krj_query_str_(n)
#define krj_query_str_(n)  #n


/* one name=value pair, decoded, for the parameter's handler */
typedef struct {
    const krj_snap_t           *snap;
    const krj_snap_category_t  *cat;
    const char                 *name;       /* NUL-terminated */
    char                       *value;      /* NUL-terminated */
    size_t                      vlen;
    unsigned                    param;      /* KRJ_QUERY_* */
    krj_alloc_pt                alloc;
    void                       *data;
} krj_param_t;


/* a parameter: its handler, and what the API index says of it */
typedef struct {
    const char                 *name;
    unsigned                    param;
    int                       (*handler)(krj_query_t *q, krj_param_t *a);
    const char                 *takes;
    const char                 *description;
} krj_param_handler_t;


static int krj_query_pairs(krj_query_t *q, const krj_snap_t *snap,
    const krj_snap_category_t *cat, const char *args, size_t len,
    krj_alloc_pt alloc, void *data);
static int krj_query_param(krj_query_t *q, krj_param_t *a, size_t nlen);
static int krj_query_ticker(krj_query_t *q, krj_param_t *a);
static int krj_query_signal(krj_query_t *q, krj_param_t *a);
static int krj_query_changed(krj_query_t *q, krj_param_t *a);
static int krj_query_fields(krj_query_t *q, krj_param_t *a);
static int krj_query_visible(krj_query_t *q, krj_param_t *a);
static int krj_query_sort(krj_query_t *q, krj_param_t *a);
static int krj_query_limit(krj_query_t *q, krj_param_t *a);
static int krj_query_offset(krj_query_t *q, krj_param_t *a);
static int krj_query_split(krj_query_t *q, krj_param_t *a, int trim,
    krj_str_t **items, uint32_t *n);
static int krj_query_blank(krj_query_t *q, char c);
static int krj_query_signals(krj_query_t *q, const char *name,
    krj_str_t *items, uint32_t n, unsigned *mask);
static int krj_query_number(krj_query_t *q, const char *name,
    const char *p, size_t len, uint64_t *value);
static int krj_query_column(const krj_snap_t *snap,
    const krj_snap_category_t *cat, const char *p, size_t len);
static int krj_query_has_signals(krj_query_t *q,
    const krj_snap_category_t *cat, unsigned need);


static const krj_param_handler_t  krj_query_params[] = {

    { "ticker", KRJ_QUERY_TICKER, krj_query_ticker,
      "A,B",
      "only these tickers (case-insensitive)" },

    { "signal", KRJ_QUERY_SIGNAL, krj_query_signal,
      "Long,Neutral,Short",
      "only rows whose signal is one of these (case-insensitive)" },

    { "prior", KRJ_QUERY_PRIOR, krj_query_signal,
      "Long,Neutral,Short",
      "the same on signal_status_prior_week, the prior week's signal" },

    { "either", KRJ_QUERY_EITHER, krj_query_signal,
      "Long,Neutral,Short",
      "only rows whose signal or prior week's signal is one of these; the "
      "category needs both columns" },

    { "changed", KRJ_QUERY_CHANGED, krj_query_changed,
      "1, true, 0 or false",
      "1: only rows whose signal differs from the prior week's; 0: only "
      "those whose did not change" },

    { "fields", KRJ_QUERY_FIELDS, krj_query_fields,
      "c1,c2",
      "only these columns, in this order" },

    { "sort", KRJ_QUERY_SORT, krj_query_sort,
      "col or -col",
      "ascending, or descending with -; numbers as numbers, empty cells "
      "last" },

    { "limit", KRJ_QUERY_LIMIT, krj_query_limit,
      "0 to " krj_query_str(KRJ_QUERY_MAX_LIMIT),
      "at most this many rows" },

    { "offset", KRJ_QUERY_OFFSET, krj_query_offset,
      "0 to 4294967295",
      "skip this many matched rows" },

    { NULL, 0, NULL, NULL, NULL }
};


int
krj_query_parse(krj_query_t *q, const krj_snap_t *snap,
    const krj_snap_category_t *cat, const char *args, size_t len,
    krj_alloc_pt alloc, void *data)
{
    return krj_query_parse_bounded(q, snap, cat, args, len, NULL, alloc,
                                   data);
}


int
krj_query_parse_bounded(krj_query_t *q, const krj_snap_t *snap,
    const krj_snap_category_t *cat, const char *args, size_t len,
    const krj_query_bounds_t *bounds, krj_alloc_pt alloc, void *data)
{
    memset(q, 0, sizeof(krj_query_t));
    q->bounds = bounds;

    return krj_query_pairs(q, snap, cat, args, len, alloc, data);
}


int
krj_query_parse_form(krj_query_t *q, const krj_snap_t *snap,
    const krj_snap_category_t *cat, const char *args, size_t len,
    krj_alloc_pt alloc, void *data)
{
    return krj_query_parse_form_bounded(q, snap, cat, args, len, NULL,
                                        alloc, data);
}


int
krj_query_parse_form_bounded(krj_query_t *q, const krj_snap_t *snap,
    const krj_snap_category_t *cat, const char *args, size_t len,
    const krj_query_bounds_t *bounds, krj_alloc_pt alloc, void *data)
{
    memset(q, 0, sizeof(krj_query_t));
    q->form = 1;
    q->bounds = bounds;

    return krj_query_pairs(q, snap, cat, args, len, alloc, data);
}


static int
krj_query_pairs(krj_query_t *q, const krj_snap_t *snap,
    const krj_snap_category_t *cat, const char *args, size_t len,
    krj_alloc_pt alloc, void *data)
{
    int           rc;
    char         *buf;
    krj_str_t     fn, fv;
    const char   *p, *end;
    krj_param_t   a;

    q->changed = KRJ_CHANGED_ANY;
    q->sort_col = -1;
    q->limit = UINT64_MAX;

    if (len == 0) {
        return KRJ_QUERY_OK;
    }

    /*
     * Decoded text is never longer than its source, and each pair adds at
     * most two NULs: one for its "=", one for its "&" or, in a form, where
     * a pair without "=" has none, one more, while such a pair is at
     * least two bytes long with its "&".  Twice the length always fits.
     */

    buf = alloc(data, 2 * len + 2);
    if (buf == NULL) {
        q->error = KRJ_QUERY_NOMEM;
        return q->error;
    }

    a.snap = snap;
    a.cat = cat;
    a.alloc = alloc;
    a.data = data;

    p = args;
    end = args + len;

    while (p < end) {
        rc = q->form ? krj_form_next(&p, end, buf, &fn, &fv, q->err,
                                     KRJ_FORM_TRIM)
                     : krj_form_pair(&p, end, buf, &fn, &fv, q->err);

        if (rc == 0) {
            break;
        }

        if (rc < 0) {
            q->error = KRJ_QUERY_BAD_PARAMETER;
            return q->error;
        }

        a.name = fn.data;
        a.value = (char *) fv.data;
        a.vlen = fv.len;

        rc = krj_query_param(q, &a, fn.len);
        if (rc != KRJ_QUERY_OK) {
            return rc;
        }

        /* the next pair is decoded after this one: the tickers stay */
        buf = a.value + a.vlen + 1;
    }

    return KRJ_QUERY_OK;
}


int
krj_query_doc(unsigned i, const char **name, const char **takes,
    const char **description)
{
    if (i >= sizeof(krj_query_params) / sizeof(krj_query_params[0]) - 1) {
        return 0;
    }

    *name = krj_query_params[i].name;
    *takes = krj_query_params[i].takes;
    *description = krj_query_params[i].description;

    return 1;
}


static int
krj_query_param(krj_query_t *q, krj_param_t *a, size_t nlen)
{
    const krj_param_handler_t  *h;

    for (h = krj_query_params; h->name; h++) {
        if (strlen(h->name) == nlen && memcmp(h->name, a->name, nlen) == 0) {
            break;
        }
    }

    if (h->name == NULL) {
        return krj_query_error(q, KRJ_QUERY_UNKNOWN_PARAMETER,
                               "unknown parameter \"%r\"", NULL,
                               a->name, nlen);
    }

    /* a form's empty field is not sent, as far as the page is concerned */
    if (q->form && a->vlen == 0) {
        return KRJ_QUERY_OK;
    }

    if ((q->given & h->param)
        && !(q->form && (h->param & KRJ_PARAM_LISTS)))
    {
        return krj_query_error(q, KRJ_QUERY_BAD_PARAMETER,
                               "parameter \"%s\" given twice", a->name,
                               NULL, 0);
    }

    q->given |= h->param;
    q->nparams++;
    a->param = h->param;

    return h->handler(q, a);
}


static int
krj_query_ticker(krj_query_t *q, krj_param_t *a)
{
    return krj_query_split(q, a, 1, &q->tickers, &q->ntickers);
}


/*
 * signal=, prior= and either=: words of the columns the category must
 * have; either needs both
 */

static int
krj_query_signal(krj_query_t *q, krj_param_t *a)
{
    uint32_t    n;
    unsigned    need, *mask;
    krj_str_t  *items;

    switch (a->param) {

    case KRJ_QUERY_SIGNAL:
        need = KRJ_QUERY_SIGNAL;
        mask = &q->signals;
        break;

    case KRJ_QUERY_PRIOR:
        need = KRJ_QUERY_PRIOR;
        mask = &q->priors;
        break;

    default: /* KRJ_QUERY_EITHER */
        need = KRJ_QUERY_SIGNAL|KRJ_QUERY_PRIOR;
        mask = &q->eithers;
    }

    if (krj_query_has_signals(q, a->cat, need) != KRJ_QUERY_OK) {
        return q->error;
    }

    if (krj_query_split(q, a, 1, &items, &n) != KRJ_QUERY_OK) {
        return q->error;
    }

    return krj_query_signals(q, a->name, items, n, mask);
}


static int
krj_query_changed(krj_query_t *q, krj_param_t *a)
{
    if (krj_query_has_signals(q, a->cat, KRJ_QUERY_SIGNAL|KRJ_QUERY_PRIOR)
        != KRJ_QUERY_OK)
    {
        return q->error;
    }

    if ((a->vlen == 1 && a->value[0] == '1')
        || krj_strcaseeq(a->value, a->vlen, "true", 4))
    {
        q->changed = KRJ_CHANGED_YES;
        return KRJ_QUERY_OK;
    }

    if ((a->vlen == 1 && a->value[0] == '0')
        || krj_strcaseeq(a->value, a->vlen, "false", 5))
    {
        q->changed = KRJ_CHANGED_NO;
        return KRJ_QUERY_OK;
    }

    return krj_query_error(q, KRJ_QUERY_BAD_PARAMETER,
                           "\"%s\" must be 1, true, 0 or false, "
                           "not \"%r\"", a->name, a->value, a->vlen);
}


static int
krj_query_fields(krj_query_t *q, krj_param_t *a)
{
    int         col;
    uint32_t    i, j, n;
    krj_str_t  *items;

    if (q->form) {
        return krj_query_visible(q, a);
    }

    if (krj_query_split(q, a, 0, &items, &n) != KRJ_QUERY_OK) {
        return q->error;
    }

    q->fields = a->alloc(a->data, (size_t) n * sizeof(uint32_t));
    if (q->fields == NULL) {
        q->error = KRJ_QUERY_NOMEM;
        return q->error;
    }

    for (i = 0; i < n; i++) {
        col = krj_query_column(a->snap, a->cat, items[i].data, items[i].len);
        if (col < 0) {
            return krj_query_error(q, KRJ_QUERY_UNKNOWN_COLUMN,
                                   "no column \"%r\"", NULL,
                                   items[i].data, items[i].len);
        }

        for (j = 0; j < i; j++) {
            if (q->fields[j] == (uint32_t) col) {
                return krj_query_error(q, KRJ_QUERY_BAD_PARAMETER,
                                       "column \"%r\" named twice", NULL,
                                       items[i].data, items[i].len);
            }
        }

        q->fields[i] = (uint32_t) col;
    }

    q->nfields = n;

    return KRJ_QUERY_OK;
}


/*
 * A form's fields: the column chooser's checked boxes, one pair each or
 * comma lists, joined into the set of visible columns, kept in file order
 * (q->fields has room for every column from the first pair on).
 */

static int
krj_query_visible(krj_query_t *q, krj_param_t *a)
{
    int         col;
    uint32_t    i, j, n;
    krj_str_t  *items;

    if (krj_query_split(q, a, 1, &items, &n) != KRJ_QUERY_OK) {
        return q->error;
    }

    if (q->fields == NULL) {
        q->fields = a->alloc(a->data,
                             (size_t) a->cat->ncolumns * sizeof(uint32_t));
        if (q->fields == NULL) {
            q->error = KRJ_QUERY_NOMEM;
            return q->error;
        }
    }

    for (i = 0; i < n; i++) {
        col = krj_query_column(a->snap, a->cat, items[i].data, items[i].len);
        if (col < 0) {
            return krj_query_error(q, KRJ_QUERY_UNKNOWN_COLUMN,
                                   "no column \"%r\"", NULL,
                                   items[i].data, items[i].len);
        }

        for (j = 0; j < q->nfields && q->fields[j] < (uint32_t) col; j++) {
            /* void */
        }

        if (j < q->nfields && q->fields[j] == (uint32_t) col) {
            continue;
        }

        memmove(&q->fields[j + 1], &q->fields[j],
                (q->nfields - j) * sizeof(uint32_t));
        q->fields[j] = (uint32_t) col;
        q->nfields++;
    }

    return KRJ_QUERY_OK;
}


static int
krj_query_sort(krj_query_t *q, krj_param_t *a)
{
    int          col;
    size_t       len;
    const char  *p;

    p = a->value;
    len = a->vlen;

    if (len > 0 && p[0] == '-') {
        q->sort_desc = 1;
        p++;
        len--;
    }

    if (len == 0) {
        return krj_query_error(q, KRJ_QUERY_BAD_PARAMETER,
                               "\"%s\" needs a column name", a->name,
                               NULL, 0);
    }

    col = krj_query_column(a->snap, a->cat, p, len);
    if (col < 0) {
        return krj_query_error(q, KRJ_QUERY_UNKNOWN_COLUMN,
                               "no column \"%r\"", NULL, p, len);
    }

    q->sort_col = col;

    return KRJ_QUERY_OK;
}


static int
krj_query_limit(krj_query_t *q, krj_param_t *a)
{
    if (krj_query_number(q, a->name, a->value, a->vlen, &q->limit)
        != KRJ_QUERY_OK)
    {
        return q->error;
    }

    if (q->limit > KRJ_QUERY_MAX_LIMIT) {
        return krj_query_error(q, KRJ_QUERY_BAD_PARAMETER,
                               "\"%s\" must be between 0 and 1000000, "
                               "not \"%r\"", a->name, a->value, a->vlen);
    }

    if (q->bounds != NULL && q->limit > q->bounds->limit) {
        return krj_query_over(q, a->name, "krj_max_limit", q->bounds->limit,
                              q->limit);
    }

    return KRJ_QUERY_OK;
}


static int
krj_query_offset(krj_query_t *q, krj_param_t *a)
{
    if (krj_query_number(q, a->name, a->value, a->vlen, &q->offset)
        != KRJ_QUERY_OK)
    {
        return q->error;
    }

    if (q->bounds != NULL && q->offset > q->bounds->offset) {
        return krj_query_over(q, a->name, "krj_max_offset",
                              q->bounds->offset, q->offset);
    }

    return KRJ_QUERY_OK;
}


/* the category has the signal columns a parameter filters on */

static int
krj_query_has_signals(krj_query_t *q, const krj_snap_category_t *cat,
    unsigned need)
{
    if ((need & KRJ_QUERY_SIGNAL) && cat->signal_col < 0) {
        return krj_query_error(q, KRJ_QUERY_UNKNOWN_COLUMN,
                               "category has no \"%s\" column", "signal",
                               NULL, 0);
    }

    if ((need & KRJ_QUERY_PRIOR) && cat->prior_col < 0) {
        return krj_query_error(q, KRJ_QUERY_UNKNOWN_COLUMN,
                               "category has no \"%s\" column",
                               "signal_status_prior_week", NULL, 0);
    }

    return KRJ_QUERY_OK;
}


/*
 * Splits a comma-separated list in place; empty items are malformed, and
 * skipped in a form.  With trim, spaces and tabs around an item go
 * ("AAPL, MSFT"): they can be part of no ticker or signal, but a column
 * name may hold them (a form trims every value all the same).
 */

static int
krj_query_split(krj_query_t *q, krj_param_t *a, int trim, krj_str_t **items,
    uint32_t *n)
{
    char       *p, *end, *comma, *last;
    uint32_t    i, count, n0;
    krj_str_t  *v;

    count = 1;
    for (i = 0; i < a->vlen; i++) {
        if (a->value[i] == ',') {
            count++;
        }
    }

    /* counted, not looked at: a long list costs no more than its bytes */

    if (q->bounds != NULL && a->param == KRJ_QUERY_TICKER
        && count > q->bounds->tickers)
    {
        return krj_query_over(q, a->name, "krj_max_tickers",
                              q->bounds->tickers, count);
    }

    if (q->bounds != NULL && a->param == KRJ_QUERY_FIELDS
        && count > q->bounds->fields)
    {
        return krj_query_over(q, a->name, "krj_max_fields",
                              q->bounds->fields, count);
    }

    v = a->alloc(a->data, count * sizeof(krj_str_t));
    if (v == NULL) {
        q->error = KRJ_QUERY_NOMEM;
        return q->error;
    }

    p = a->value;
    end = a->value + a->vlen;

    n0 = 0;

    for (i = 0; i < count; i++) {
        comma = memchr(p, ',', end - p);
        if (comma == NULL) {
            comma = end;
        }

        last = comma;

        while (trim && p < last && krj_query_blank(q, *p)) {
            p++;
        }

        while (trim && last > p && krj_query_blank(q, last[-1])) {
            last--;
        }

        if (last == p) {
            if (q->form) {
                p = comma + 1;
                continue;
            }

            return krj_query_error(q, KRJ_QUERY_BAD_PARAMETER,
                                   "empty value in \"%s\"", a->name, NULL,
                                   0);
        }

        v[n0].data = p;
        v[n0].len = last - p;
        n0++;
        p = comma + 1;
    }

    *items = v;
    *n = n0;

    return KRJ_QUERY_OK;
}


/* the API trims spaces and tabs around items, a form all white space */

static int
krj_query_blank(krj_query_t *q, char c)
{
    return c == ' ' || c == '\t' || (q->form && krj_form_space(c));
}


static int
krj_query_signals(krj_query_t *q, const char *name, krj_str_t *items,
    uint32_t n, unsigned *mask)
{
    uint32_t  i;

    for (i = 0; i < n; i++) {
        if (krj_strcaseeq(items[i].data, items[i].len, "Long", 4)) {
            *mask |= KRJ_QUERY_SIGNAL_BIT(KRJ_SIGNAL_LONG);

        } else if (krj_strcaseeq(items[i].data, items[i].len, "Neutral", 7)) {
            *mask |= KRJ_QUERY_SIGNAL_BIT(KRJ_SIGNAL_NEUTRAL);

        } else if (krj_strcaseeq(items[i].data, items[i].len, "Short", 5)) {
            *mask |= KRJ_QUERY_SIGNAL_BIT(KRJ_SIGNAL_SHORT);

        } else {
            return krj_query_error(q, KRJ_QUERY_BAD_PARAMETER,
                                   "\"%s\" takes Long, Neutral or Short, "
                                   "not \"%r\"", name,
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
                                   "\"%s\" is too large: \"%r\"", name,
                                   p, len);
        }
    }

    *value = v;

    return KRJ_QUERY_OK;

invalid:

    return krj_query_error(q, KRJ_QUERY_BAD_PARAMETER,
                           "\"%s\" must be a non-negative decimal number, "
                           "not \"%r\"", name, p, len);
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
