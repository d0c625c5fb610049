
/*
 * Copyright (C) The krj developers
 */


/*
 * The history of a generation, gathered before its snapshot is written:
 * the weeks from PostgreSQL first (krj_history_pg.c), then those of the
 * published snapshot that PostgreSQL did not have, then this week's from
 * the CSVs; one sort then orders them by category, ticker and date, newest
 * first, and keeps the first row of a ticker listed twice in a week.  The
 * work is linear in the weeks gathered, plus the sort.
 */


#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "krj_cells.h"
#include "krj_date.h"
#include "krj_history.h"
#include "krj_log.h"
#include "krj_publish.h"


/* numeric refuses an exponent beyond this (NUMERIC_MAX_PRECISION) */
#define KRJ_HISTORY_EXP_MAX     1000

#define krj_history_digit(c)    ((c) >= '0' && (c) <= '9')
#define krj_history_lower(c)                                                  \
    (((c) >= 'A' && (c) <= 'Z') ? (c) + ('a' - 'A') : (c))


static int krj_history_text(krj_history_t *h, krj_history_text_t *t,
    const char *s, size_t len, int upper);
static int krj_history_known(krj_history_t *h, krj_history_text_t *t,
    const char *s, size_t len);
static void krj_history_signal(krj_buf_t *b, const char *s, size_t len);
static void krj_history_cell(krj_buf_t *b, const char *s, size_t len);
static int krj_history_carry(const krj_conf_t *conf, krj_history_t *h);
static int krj_history_cmp(const void *a, const void *b, void *arg);


int
krj_history_collect(const krj_conf_t *conf, krj_link_t *l,
    const krj_gen_t *g, krj_history_t *h)
{
    char       err[KRJ_PG_ERRLEN];
    PGconn    *pg;
    uint32_t   k, exported;
    long long  start, pg_ms;

    start = krj_link_now();
    pg_ms = 0;

    if (krj_history_init(h, g, g->history_weeks) != 0) {
        krj_log_event(KRJ_LOG_ERROR, "out_of_memory", NULL, 0,
                      "history: out of memory");
        return -1;
    }

    exported = 0;

    for (k = 0; k < h->ncats; k++) {
        exported += h->cats[k].exported;
    }

    if (exported == 0) {
        return 0;
    }

    err[0] = '\0';
    pg = (l != NULL) ? krj_link_pg(l, err) : NULL;

    if (pg != NULL && krj_history_add_pg(h, pg, err) != 0) {
        krj_link_pg_failed(l, err);
        pg = NULL;
    }

    pg_ms = krj_link_now() - start;

    /*
     * A follower publishes what PostgreSQL holds, or nothing: its next
     * poll tries again.  A run publishes all the same.
     */
    if (pg == NULL && g->history_pg) {
        krj_log_event(KRJ_LOG_ERROR, "follow_failed", NULL, 0, "history: "
                      "PostgreSQL did not answer (%s): not published", err);
        return -1;
    }

    if (pg == NULL && err[0] != '\0') {
        krj_log_event(KRJ_LOG_WARN, "history_carried", NULL, 0, "history: "
                      "PostgreSQL did not answer (%s): the weeks of the "
                      "published snapshot are carried over", err);
    }

    /* weeks PostgreSQL lacks, if any, from the snapshot it replaces */
    if (krj_history_carry(conf, h) != 0
        || krj_history_add_csv(h, g) != 0)
    {
        krj_log_event(KRJ_LOG_ERROR, "out_of_memory", NULL, 0,
                      "history: out of memory");
        return -1;
    }

    krj_history_sort(h);

    krj_log_event(KRJ_LOG_INFO, "history", NULL, 0, "history of %u "
                  "categories, %u weeks: %zu ticker weeks, %zu from "
                  "PostgreSQL, %zu carried over, %zu of this week, "
                  "gathered in %lld ms (PostgreSQL %lld ms)",
                  exported, h->weeks, h->n, h->from_pg, h->carried,
                  h->from_csv, krj_link_now() - start, pg_ms);

    return 0;
}


int
krj_history_init(krj_history_t *h, const krj_gen_t *g, unsigned weeks)
{
    uint32_t  k;

    memset(h, 0, sizeof(krj_history_t));
    krj_buf_init(&h->text);

    h->weeks = weeks;
    h->ncats = g->ncats;
    h->cats = calloc(g->ncats ? g->ncats : 1, sizeof(krj_history_cat_t));

    if (h->cats == NULL) {
        return -1;
    }

    for (k = 0; k < g->ncats; k++) {
        h->cats[k].slug = g->cats[k].slug;

        if (krj_date_parse(g->cats[k].signal_date,
                           strlen(g->cats[k].signal_date),
                           &h->cats[k].until, NULL)
            != 0)
        {
            return -1;
        }

        if (weeks == 0 || !g->cats[k].parsed
            || g->cats[k].csv.signal_col < 0)
        {
            continue;
        }

        h->cats[k].exported = 1;

        /* a bit for each day of the window before the signal date */
        h->cats[k].from_pg = calloc((size_t) 7 * weeks / 8 + 1, 1);

        if (h->cats[k].from_pg == NULL) {
            return -1;
        }
    }

    return 0;
}


void
krj_history_free(krj_history_t *h)
{
    uint32_t  k;

    for (k = 0; h->cats != NULL && k < h->ncats; k++) {
        free(h->cats[k].from_pg);
    }

    free(h->cats);
    free(h->entries);
    krj_buf_free(&h->text);
    memset(h, 0, sizeof(krj_history_t));
}


int
krj_history_add(krj_history_t *h, uint32_t category, long days,
    uint32_t row, const char *key, size_t key_len, const char *signal,
    size_t signal_len, const char *prior, size_t prior_len,
    const char *c, size_t c_len)
{
    size_t                cap;
    krj_history_entry_t  *e;

    if (h->failed) {
        return -1;
    }

    if (h->n == h->cap) {
        cap = h->cap ? 2 * h->cap : 1024;
        e = realloc(h->entries, cap * sizeof(krj_history_entry_t));

        if (e == NULL) {
            h->failed = 1;
            return -1;
        }

        h->entries = e;
        h->cap = cap;
    }

    e = &h->entries[h->n];

    e->category = category;
    e->days = (int32_t) days;
    e->row = row;

    if (krj_history_text(h, &e->key, key, key_len, 1) != 0
        || krj_history_known(h, &e->signal, signal, signal_len) != 0
        || krj_history_known(h, &e->prior, prior, prior_len) != 0
        || krj_history_text(h, &e->c, c, c_len, 0) != 0)
    {
        h->failed = 1;
        return -1;
    }

    h->n++;

    return 0;
}


/* this week of every exported category, from its CSV */
int
krj_history_add_csv(krj_history_t *h, const krj_gen_t *g)
{
    int               ccol;
    size_t            sl, cl;
    uint32_t          k, r, c;
    krj_buf_t         b;
    const krj_csv_t  *t;

    krj_buf_init(&b);

    for (k = 0; k < h->ncats; k++) {
        if (!h->cats[k].exported) {
            continue;
        }

        t = &g->cats[k].csv;
        ccol = -1;

        for (c = 0; c < t->ncolumns; c++) {
            if (krj_csv_len(t, 0, c) == sizeof(KRJ_HISTORY_C_COLUMN) - 1
                && memcmp(krj_csv_text(t, 0, c), KRJ_HISTORY_C_COLUMN,
                          sizeof(KRJ_HISTORY_C_COLUMN) - 1)
                   == 0)
            {
                ccol = (int) c;
                break;
            }
        }

        for (r = 0; r < t->nrows; r++) {
            if (krj_csv_len(t, r + 1, t->ticker_col) == 0) {
                continue;
            }

            /* signal, prior and c, one after the other in b */
            krj_buf_reset(&b);

            krj_history_signal(&b, krj_csv_text(t, r + 1, t->signal_col),
                               krj_csv_len(t, r + 1, t->signal_col));
            sl = b.len;

            if (t->prior_col >= 0) {
                krj_history_signal(&b, krj_csv_text(t, r + 1, t->prior_col),
                                   krj_csv_len(t, r + 1, t->prior_col));

            } else {
                krj_buf_str(&b, "null");
            }

            cl = b.len;

            if (ccol >= 0) {
                krj_history_cell(&b, krj_csv_text(t, r + 1, ccol),
                                 krj_csv_len(t, r + 1, ccol));

            } else {
                krj_buf_str(&b, "null");
            }

            if (b.failed
                || krj_history_add(h, k, h->cats[k].until, r,
                                   krj_csv_text(t, r + 1, t->ticker_col),
                                   krj_csv_len(t, r + 1, t->ticker_col),
                                   (const char *) b.data, sl,
                                   (const char *) b.data + sl, cl - sl,
                                   (const char *) b.data + cl, b.len - cl)
                   != 0)
            {
                krj_buf_free(&b);
                h->failed = 1;
                return -1;
            }

            h->from_csv++;
        }
    }

    krj_buf_free(&b);

    return 0;
}


/*
 * The weeks of prev's history before each category's date, within the
 * window, that PostgreSQL did not give; their texts are copied as they
 * are, since every source writes them alike.
 */
int
krj_history_add_snapshot(krj_history_t *h, const krj_snap_t *prev)
{
    long                         days, off;
    uint32_t                     k, i, w;
    krj_history_cat_t           *hc;
    const krj_snap_hweek_t      *wk;
    const krj_snap_hticker_t    *t;
    const krj_snap_category_t   *cat;
    const krj_snap_hcategory_t  *ph;

    for (k = 0; k < h->ncats; k++) {
        hc = &h->cats[k];

        if (!hc->exported) {
            continue;
        }

        cat = krj_snap_find_category(prev, hc->slug, strlen(hc->slug));
        ph = (cat != NULL) ? krj_snap_history_of(prev, cat) : NULL;

        if (ph == NULL) {
            continue;
        }

        for (i = ph->first; i < ph->first + ph->count; i++) {
            t = &prev->htickers[i];

            for (w = t->first; w < t->first + t->count; w++) {
                wk = &prev->hweeks[w];

                /* validated by krj_snap_open() */
                (void) krj_date_parse(krj_snap_ptr(prev, wk->signal_date),
                                      wk->signal_date.len, &days, NULL);

                off = hc->until - days;

                if (off <= 0 || off >= 7 * (long) h->weeks
                    || (hc->from_pg[off / 8] & (1 << (off % 8))))
                {
                    continue;
                }

                if (krj_history_add(h, k, days, 0,
                                    krj_snap_ptr(prev, t->ticker),
                                    t->ticker.len,
                                    krj_snap_ptr(prev, wk->signal),
                                    wk->signal.len,
                                    krj_snap_ptr(prev, wk->prior),
                                    wk->prior.len,
                                    krj_snap_ptr(prev, wk->c), wk->c.len)
                    != 0)
                {
                    return -1;
                }

                h->carried++;
            }
        }
    }

    return 0;
}


/* by category, ticker, newest first, then row; one week per ticker */
void
krj_history_sort(krj_history_t *h)
{
    size_t                i, n;
    krj_history_entry_t  *e, *last;

    if (h->n == 0) {
        return;
    }

    qsort_r(h->entries, h->n, sizeof(krj_history_entry_t), krj_history_cmp,
            h);

    e = h->entries;
    n = 1;

    for (i = 1; i < h->n; i++) {
        last = &e[n - 1];

        if (e[i].category == last->category && e[i].days == last->days
            && e[i].key.len == last->key.len
            && memcmp(krj_history_ptr(h, e[i].key),
                      krj_history_ptr(h, last->key), last->key.len)
               == 0)
        {
            continue;
        }

        e[n++] = e[i];
    }

    h->n = n;
}


void
krj_history_number(krj_buf_t *b, const char *s, size_t len)
{
    int          neg;
    long         exp, p, j, scale, ilen, flen, first, nd;
    size_t       i;
    const char  *digits, *frac;

    neg = (len > 0 && s[0] == '-');
    i = neg;
    digits = s + i;

    while (i < len && krj_history_digit(s[i])) {
        i++;
    }

    ilen = (long) (s + i - digits);
    frac = s + i;
    flen = 0;

    if (i < len && s[i] == '.') {
        i++;
        frac = s + i;

        while (i < len && krj_history_digit(s[i])) {
            i++;
        }

        flen = (long) (s + i - frac);
    }

    exp = 0;

    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        exp = strtol(s + i + 1, NULL, 10);

        if (exp > KRJ_HISTORY_EXP_MAX || exp < -KRJ_HISTORY_EXP_MAX) {
            krj_buf_append(b, s, len);
            return;
        }
    }

    /*
     * The digits are those of the int part, then of the fraction, and the
     * value is 0.DIGITS times 10^p; a leading zero moves the point.  The
     * scale, the digits after the point, is the fraction's less the
     * exponent, and no digit is lost: there are nd - p of them.
     */

#define krj_history_at(k)                                                     \
    ((k) < ilen ? digits[k] : frac[(k) - ilen])

    p = ilen + exp;
    first = 0;

    while (first < ilen + flen && krj_history_at(first) == '0') {
        first++;
        p--;
    }

    nd = ilen + flen - first;
    scale = (flen - exp > 0) ? flen - exp : 0;

    if (nd == 0) {
        /* zero, without a sign: numeric has no negative zero */
        krj_buf_byte(b, '0');
        p = 0;

    } else {
        if (neg) {
            krj_buf_byte(b, '-');
        }

        if (p <= 0) {
            krj_buf_byte(b, '0');
        }

        for (j = 0; j < p; j++) {
            krj_buf_byte(b, j < nd ? krj_history_at(first + j) : '0');
        }
    }

    if (scale > 0) {
        krj_buf_byte(b, '.');

        for (j = p; j < p + scale; j++) {
            krj_buf_byte(b, (j >= 0 && j < nd) ? krj_history_at(first + j)
                                               : '0');
        }
    }

#undef krj_history_at
}


int
krj_history_same_signal(const krj_history_t *h, const krj_history_entry_t *a,
    const krj_history_entry_t *b)
{
    size_t       i;
    const char  *x, *y;

    if (a->signal.len != b->signal.len) {
        return 0;
    }

    x = krj_history_ptr(h, a->signal);
    y = krj_history_ptr(h, b->signal);

    /*
     * ASCII letters only, as the query parameters compare signals; the
     * JSON escapes of two texts that differ in case only are alike
     */
    for (i = 0; i < a->signal.len; i++) {
        if (krj_history_lower(x[i]) != krj_history_lower(y[i])) {
            return 0;
        }
    }

    return 1;
}


static int
krj_history_text(krj_history_t *h, krj_history_text_t *t, const char *s,
    size_t len, int upper)
{
    size_t  i;

    if (h->text.len > UINT32_MAX - len) {
        return -1;
    }

    t->off = (uint32_t) h->text.len;
    t->len = (uint32_t) len;

    if (krj_buf_grow(&h->text, len) != 0) {
        return -1;
    }

    for (i = 0; i < len; i++) {
        h->text.data[h->text.len++] = (upper && s[i] >= 'a' && s[i] <= 'z')
                                      ? (uint8_t) (s[i] - ('a' - 'A'))
                                      : (uint8_t) s[i];
    }

    return 0;
}


/* a signal's text: Long, Neutral, Short and null are stored once */
static int
krj_history_known(krj_history_t *h, krj_history_text_t *t, const char *s,
    size_t len)
{
    unsigned  i;

    for (i = 0; i < h->nknown; i++) {
        if (h->known[i].len == len
            && memcmp(krj_history_ptr(h, h->known[i]), s, len) == 0)
        {
            *t = h->known[i];
            return 0;
        }
    }

    if (krj_history_text(h, t, s, len, 0) != 0) {
        return -1;
    }

    if (h->nknown < sizeof(h->known) / sizeof(h->known[0])) {
        h->known[h->nknown++] = *t;
    }

    return 0;
}


/* a signal cell as JSON: a string, null when empty */
static void
krj_history_signal(krj_buf_t *b, const char *s, size_t len)
{
    if (len == 0) {
        krj_buf_str(b, "null");
        return;
    }

    krj_cell_json_string(b, s, len);
}


/* c as the API types a cell, a number as PostgreSQL's numeric has it */
static void
krj_history_cell(krj_buf_t *b, const char *s, size_t len)
{
    size_t  start;
    double  num;

    start = b->len;

    if (krj_cell_json(b, s, len, &num) == KRJ_SNAP_NUMBER) {
        b->len = start;
        krj_history_number(b, s, len);
    }
}


/* the published snapshot's weeks, when it is valid */
static int
krj_history_carry(const krj_conf_t *conf, krj_history_t *h)
{
    int          fd, rc;
    char         path[PATH_MAX], err[KRJ_SNAP_ERRLEN];
    void        *p;
    struct stat  st;
    krj_snap_t   prev;

    snprintf(path, sizeof(path), "%s/%s", conf->output, KRJ_SNAPSHOT_NAME);

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd == -1) {
        return 0;
    }

    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size == 0
        || (unsigned long long) st.st_size > KRJ_SNAP_MAX_SIZE)
    {
        close(fd);
        return 0;
    }

    /* mapped, as the module does: its pages are shared, not copied */
    p = mmap(NULL, (size_t) st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);

    if (p == MAP_FAILED) {
        krj_log_event(KRJ_LOG_WARN, "history_not_carried", path, 0,
                      "history: cannot map: %s", strerror(errno));
        return 0;
    }

    rc = 0;

    if (krj_snap_open(&prev, p, (size_t) st.st_size, err) == 0) {
        rc = krj_history_add_snapshot(h, &prev);

    } else {
        krj_log_event(KRJ_LOG_DEBUG, "history_not_carried", path, 0,
                      "history: nothing carried over from an invalid "
                      "snapshot: %s", err);
    }

    munmap(p, (size_t) st.st_size);

    return rc;
}


static int
krj_history_cmp(const void *a, const void *b, void *arg)
{
    int                         rc;
    const krj_history_t        *h;
    const krj_history_entry_t  *x, *y;

    h = arg;
    x = a;
    y = b;

    if (x->category != y->category) {
        return x->category < y->category ? -1 : 1;
    }

    rc = memcmp(krj_history_ptr(h, x->key), krj_history_ptr(h, y->key),
                x->key.len < y->key.len ? x->key.len : y->key.len);

    if (rc != 0) {
        return rc;
    }

    if (x->key.len != y->key.len) {
        return x->key.len < y->key.len ? -1 : 1;
    }

    if (x->days != y->days) {
        return x->days > y->days ? -1 : 1;
    }

    return (x->row > y->row) - (x->row < y->row);
}
