
/*
 * Copyright (C) The krj developers
 */


/*
 * The query parameters of /signals/{slug}: strict, as the README says.
 * Every parameter is known, given at most once, and checked against the
 * category (its columns, whether it has signals) before any row is read.
 */


#include <string.h>

#include "krj_out.h"
#include "krj_query.h"


#define KRJ_PARAM_TICKER   0x01
#define KRJ_PARAM_SIGNAL   0x02
#define KRJ_PARAM_PRIOR    0x04
#define KRJ_PARAM_CHANGED  0x08
#define KRJ_PARAM_FIELDS   0x10
#define KRJ_PARAM_SORT     0x20
#define KRJ_PARAM_LIMIT    0x40
#define KRJ_PARAM_OFFSET   0x80

#define krj_query_str(n)   krj_query_str_(n)
#define krj_query_str_(n)  #n


/* one name=value pair, decoded, for the parameter's handler */
typedef struct {
    const krj_snap_t           *snap;
    const krj_snap_category_t  *cat;
    const char                 *name;       /* NUL-terminated */
    char                       *value;      /* NUL-terminated */
    size_t                      vlen;
    unsigned                    param;      /* KRJ_PARAM_* */
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


static int krj_query_decode(krj_query_t *q, const char *p, size_t len,
    char *dst, size_t *n);
static int krj_hex(char c);
static int krj_query_param(krj_query_t *q, krj_param_t *a, size_t nlen);
static int krj_query_ticker(krj_query_t *q, krj_param_t *a);
static int krj_query_signal(krj_query_t *q, krj_param_t *a);
static int krj_query_changed(krj_query_t *q, krj_param_t *a);
static int krj_query_fields(krj_query_t *q, krj_param_t *a);
static int krj_query_sort(krj_query_t *q, krj_param_t *a);
static int krj_query_limit(krj_query_t *q, krj_param_t *a);
static int krj_query_offset(krj_query_t *q, krj_param_t *a);
static int krj_query_split(krj_query_t *q, krj_param_t *a, int trim,
    krj_str_t **items, uint32_t *n);
static int krj_query_signals(krj_query_t *q, const char *name,
    krj_str_t *items, uint32_t n, unsigned *mask);
static int krj_query_number(krj_query_t *q, const char *name,
    const char *p, size_t len, uint64_t *value);
static int krj_query_column(const krj_snap_t *snap,
    const krj_snap_category_t *cat, const char *p, size_t len);
static int krj_query_has_signals(krj_query_t *q,
    const krj_snap_category_t *cat, unsigned need);
static int krj_query_error(krj_query_t *q, int code, const char *fmt,
    const char *name, const char *value, size_t vlen);
static int krj_query_over(krj_query_t *q, const char *name,
    const char *directive, uint64_t max, uint64_t got);
static void krj_query_message(krj_out_t *o, const char *fmt,
    const char *name, const char *value, size_t vlen);


static const krj_param_handler_t  krj_query_params[] = {

    { "ticker", KRJ_PARAM_TICKER, krj_query_ticker,
      "A,B",
      "only these tickers (case-insensitive)" },

    { "signal", KRJ_PARAM_SIGNAL, krj_query_signal,
      "Long,Neutral,Short",
      "only rows whose signal is one of these (case-insensitive)" },

    { "prior", KRJ_PARAM_PRIOR, krj_query_signal,
      "Long,Neutral,Short",
      "the same on signal_status_prior_week, the prior week's signal" },

    { "changed", KRJ_PARAM_CHANGED, krj_query_changed,
      "1, true, 0 or false",
      "1: only rows whose signal differs from the prior week's; 0: only "
      "those whose did not change" },

    { "fields", KRJ_PARAM_FIELDS, krj_query_fields,
      "c1,c2",
      "only these columns, in this order" },

    { "sort", KRJ_PARAM_SORT, krj_query_sort,
      "col or -col",
      "ascending, or descending with -; numbers as numbers, empty cells "
      "last" },

    { "limit", KRJ_PARAM_LIMIT, krj_query_limit,
      "0 to " krj_query_str(KRJ_QUERY_MAX_LIMIT),
      "at most this many rows" },

    { "offset", KRJ_PARAM_OFFSET, krj_query_offset,
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
    int           rc;
    char         *buf, *name;
    size_t        nlen;
    const char   *p, *end, *amp, *eq;
    krj_param_t   a;

    memset(q, 0, sizeof(krj_query_t));
    q->changed = KRJ_CHANGED_ANY;
    q->sort_col = -1;
    q->limit = UINT64_MAX;
    q->bounds = bounds;

    if (len == 0) {
        return KRJ_QUERY_OK;
    }

    /* decoded text is never longer than its source; +2 for two NULs */

    buf = alloc(data, len + 2);
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
                                   "parameter \"%r\" has no value",
                                   NULL, p, amp - p);
        }

        name = buf;
        if (krj_query_decode(q, p, eq - p, name, &nlen) != KRJ_QUERY_OK) {
            return q->error;
        }

        a.name = name;
        a.value = name + nlen + 1;

        if (krj_query_decode(q, eq + 1, amp - eq - 1, a.value, &a.vlen)
            != KRJ_QUERY_OK)
        {
            return q->error;
        }

        rc = krj_query_param(q, &a, nlen);
        if (rc != KRJ_QUERY_OK) {
            return rc;
        }

        q->nparams++;

        /* the next pair is decoded after this one: the tickers stay */
        buf = a.value + a.vlen + 1;
        p = amp + 1;
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
                           "malformed percent-encoding in \"%r\"",
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

    if (q->seen & h->param) {
        return krj_query_error(q, KRJ_QUERY_BAD_PARAMETER,
                               "parameter \"%s\" given twice", a->name,
                               NULL, 0);
    }

    q->seen |= h->param;
    a->param = h->param;

    return h->handler(q, a);
}


static int
krj_query_ticker(krj_query_t *q, krj_param_t *a)
{
    return krj_query_split(q, a, 1, &q->tickers, &q->ntickers);
}


/* signal= and prior=: words of a column the category must have */

static int
krj_query_signal(krj_query_t *q, krj_param_t *a)
{
    uint32_t    n;
    krj_str_t  *items;

    if (krj_query_has_signals(q, a->cat, a->param) != KRJ_QUERY_OK) {
        return q->error;
    }

    if (krj_query_split(q, a, 1, &items, &n) != KRJ_QUERY_OK) {
        return q->error;
    }

    return krj_query_signals(q, a->name, items, n,
                             a->param == KRJ_PARAM_SIGNAL
                             ? &q->signals : &q->priors);
}


static int
krj_query_changed(krj_query_t *q, krj_param_t *a)
{
    if (krj_query_has_signals(q, a->cat, KRJ_PARAM_SIGNAL|KRJ_PARAM_PRIOR)
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
    if ((need & KRJ_PARAM_SIGNAL) && cat->signal_col < 0) {
        return krj_query_error(q, KRJ_QUERY_UNKNOWN_COLUMN,
                               "category has no \"%s\" column", "signal",
                               NULL, 0);
    }

    if ((need & KRJ_PARAM_PRIOR) && cat->prior_col < 0) {
        return krj_query_error(q, KRJ_QUERY_UNKNOWN_COLUMN,
                               "category has no \"%s\" column",
                               "signal_status_prior_week", NULL, 0);
    }

    return KRJ_QUERY_OK;
}


/*
 * Splits a comma-separated list in place; empty items are malformed.
 * With trim, spaces and tabs around an item go ("AAPL, MSFT"): they can
 * be part of no ticker or signal, but a column name may hold them.
 */

static int
krj_query_split(krj_query_t *q, krj_param_t *a, int trim, krj_str_t **items,
    uint32_t *n)
{
    char       *p, *end, *comma, *last;
    uint32_t    i, count;
    krj_str_t  *v;

    count = 1;
    for (i = 0; i < a->vlen; i++) {
        if (a->value[i] == ',') {
            count++;
        }
    }

    /* counted, not looked at: a long list costs no more than its bytes */

    if (q->bounds != NULL && a->param == KRJ_PARAM_TICKER
        && count > q->bounds->tickers)
    {
        return krj_query_over(q, a->name, "krj_max_tickers",
                              q->bounds->tickers, count);
    }

    if (q->bounds != NULL && a->param == KRJ_PARAM_FIELDS
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
                                   "empty value in \"%s\"", a->name, NULL,
                                   0);
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


/* over a bound of the server: which, and the directive that sets it */

static int
krj_query_over(krj_query_t *q, const char *name, const char *directive,
    uint64_t max, uint64_t got)
{
    krj_out_t  o;

    q->error = KRJ_QUERY_OVER_BOUND;

    /* a name and a directive of this file: short enough */

    krj_out_init(&o, q->err);
    krj_out_fmt(&o, "\"%s\" is at most %U on this server (%s), not %U",
                name, max, directive, got);
    q->err[o.len] = '\0';

    return q->error;
}


/*
 * fmt takes an optional "%s" (name) and then an optional "%r" (value);
 * the value is cut so that a long query cannot fill the message.  krj_out
 * formats, not libc: this is the request path.
 */

static int
krj_query_error(krj_query_t *q, int code, const char *fmt, const char *name,
    const char *value, size_t vlen)
{
    char       *p;
    krj_out_t   o;

    vlen = vlen > 64 ? 64 : vlen;

    q->error = code;

    /* measured first; the formats of this file all fit */

    krj_out_init(&o, NULL);
    krj_query_message(&o, fmt, name, value, vlen);

    if (o.len >= KRJ_QUERY_ERRLEN) {
        fmt = "bad query";
        name = NULL;
        value = NULL;
    }

    krj_out_init(&o, q->err);
    krj_query_message(&o, fmt, name, value, vlen);
    q->err[o.len] = '\0';

    /* the message quotes the client: keep it printable ASCII */

    for (p = q->err; *p; p++) {
        if ((unsigned char) *p < 0x20 || (unsigned char) *p > 0x7e) {
            *p = '?';
        }
    }

    return code;
}


static void
krj_query_message(krj_out_t *o, const char *fmt, const char *name,
    const char *value, size_t vlen)
{
    if (name != NULL && value != NULL) {
        krj_out_fmt(o, fmt, name, value, vlen);

    } else if (name != NULL) {
        krj_out_fmt(o, fmt, name);

    } else if (value != NULL) {
        krj_out_fmt(o, fmt, value, vlen);

    } else {
        krj_out_str(o, fmt);
    }
}
