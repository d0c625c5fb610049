
/*
 * Copyright (C) The krj developers
 */


/*
 * The history section of the snapshot: per exported category the range
 * of its tickers, per ticker the pre-rendered body of GET
 * /history/{slug}/{ticker} (and its gzip when that is smaller) and the
 * range of its weeks, per week the refs of its members in that body.
 * The section follows everything krj_snap_write() laid out; only the
 * header learns where it is, so the rest of the format is untouched.
 *
 * The gzip forms follow all the bodies: a year of a 100,000-row category
 * is half a gigabyte of small bodies, so they are compressed in parallel
 * (krj_threads.c) from the bodies in place, which nothing moves meanwhile,
 * into a buffer for each part of the tickers, then appended part by part.
 * The parts depend on the number of tickers only: every number of threads
 * writes the same bytes.
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "krj_date.h"
#include "krj_gzip.h"
#include "krj_history_write.h"
#include "krj_layout.h"
#include "krj_snapshot.h"
#include "krj_snapshot_write.h"
#include "krj_threads.h"


#define KRJ_HISTORY_GZ_PARTS    64


typedef struct {
    krj_buf_t                  *out;
    const krj_history_t        *h;
    size_t                      tickers_off;
    size_t                      weeks_off;
    uint32_t                    nticker;    /* tickers written */
    uint32_t                    nweek;      /* weeks written */
    uint32_t                   *changed;    /* to, from: entries */
} krj_history_writer_t;


typedef struct {
    uint8_t                    *tickers;    /* in out: json_gz is set */
    const uint8_t              *base;       /* out->data */
    size_t                      n;
    size_t                      per;        /* tickers a part */
    krj_buf_t                  *parts;
} krj_history_gz_t;


static size_t krj_history_run(const krj_history_t *h, size_t i);
static int krj_history_ticker(krj_history_writer_t *w, size_t first,
    size_t count);
static int krj_history_null(const krj_history_t *h,
    const krj_history_entry_t *e);
static int krj_history_gzip(krj_buf_t *out, size_t tickers_off, size_t n);
static int krj_history_gz_part(void *arg, size_t i);
static size_t krj_history_part_end(const krj_history_gz_t *job, size_t i);
static krj_snap_ref_t krj_history_put(krj_buf_t *out, const char *s,
    size_t len);
static krj_snap_ref_t krj_history_since(krj_buf_t *out, size_t start);
static size_t krj_history_reserve(krj_buf_t *out, size_t size);


int
krj_history_write(krj_buf_t *out, const krj_history_t *h, char *err)
{
    int                    rc;
    size_t                 i, j, cats_off, nweeks_max, hsize;
    uint32_t               k, ntickers;
    krj_snap_header_t      hdr;
    krj_snap_hcategory_t  *hc;
    krj_history_writer_t   w;

    /* sealed in any case: krj_snap_build() leaves that to here */
    if (h->weeks == 0) {
        return krj_snap_seal(out, err);
    }

    /* a format 3 header is shorter: what follows it is not the header's */
    hsize = ((const krj_snap_header_t *) out->data)->header_size;
    memset(&hdr, 0, sizeof(krj_snap_header_t));
    memcpy(&hdr, out->data, hsize);

    if (hdr.ncategories != h->ncats) {
        snprintf(err, KRJ_SNAP_ERRLEN, "history: %u categories, the "
                 "snapshot has %u", h->ncats, hdr.ncategories);
        return -1;
    }

    /* the entries are sorted: a ticker is a run of one category and key */

    ntickers = 0;
    nweeks_max = 0;

    for (i = 0; i < h->n; i = j) {
        j = krj_history_run(h, i);

        ntickers++;

        if (j - i > nweeks_max) {
            nweeks_max = j - i;
        }
    }

    rc = -1;

    memset(&w, 0, sizeof(krj_history_writer_t));
    w.out = out;
    w.h = h;

    hc = calloc(h->ncats ? h->ncats : 1, sizeof(krj_snap_hcategory_t));
    w.changed = calloc(2 * nweeks_max + 1, sizeof(uint32_t));

    if (hc == NULL || w.changed == NULL) {
        snprintf(err, KRJ_SNAP_ERRLEN, "history: out of memory");
        goto cleanup;
    }

    cats_off = krj_history_reserve(out, h->ncats
                                        * sizeof(krj_snap_hcategory_t));
    w.tickers_off = krj_history_reserve(out, ntickers
                                             * sizeof(krj_snap_hticker_t));
    w.weeks_off = krj_history_reserve(out, h->n * sizeof(krj_snap_hweek_t));

    for (k = 0; k < h->ncats; k++) {
        hc[k].exported = (uint32_t) h->cats[k].exported;
    }

    for (i = 0; i < h->n; i = j) {
        j = krj_history_run(h, i);

        k = h->entries[i].category;

        if (hc[k].count == 0) {
            hc[k].first = w.nticker;
        }

        hc[k].count++;

        if (krj_history_ticker(&w, i, j - i) != 0) {
            snprintf(err, KRJ_SNAP_ERRLEN, "history: out of memory");
            goto cleanup;
        }
    }

    if (out->failed || krj_history_gzip(out, w.tickers_off, ntickers) != 0) {
        snprintf(err, KRJ_SNAP_ERRLEN, "history: out of memory");
        goto cleanup;
    }

    /* the ranges of categories without tickers start where the next does */
    for (k = 0, i = 0; k < h->ncats; k++) {
        if (hc[k].count == 0) {
            hc[k].first = (uint32_t) i;
        }

        i = hc[k].first + hc[k].count;
    }

    if (out->failed) {
        snprintf(err, KRJ_SNAP_ERRLEN, "history: out of memory");
        goto cleanup;
    }

    if (out->len > KRJ_SNAP_MAX_SIZE) {
        snprintf(err, KRJ_SNAP_ERRLEN, "snapshot with its history would be "
                 "%zu bytes, over the 4 GiB format limit", out->len);
        goto cleanup;
    }

    memcpy(out->data + cats_off, hc, h->ncats * sizeof(krj_snap_hcategory_t));

    hdr.history_weeks = h->weeks;
    hdr.nhistory_tickers = ntickers;
    hdr.nhistory_weeks = (uint32_t) h->n;
    hdr.history_categories.off = (uint32_t) cats_off;
    hdr.history_categories.len = (uint32_t) (h->ncats
                                             * sizeof(krj_snap_hcategory_t));
    hdr.history_tickers.off = (uint32_t) w.tickers_off;
    hdr.history_tickers.len = ntickers * sizeof(krj_snap_hticker_t);
    hdr.history_week_list.off = (uint32_t) w.weeks_off;
    hdr.history_week_list.len = (uint32_t) (h->n * sizeof(krj_snap_hweek_t));
    hdr.total_len = out->len;

    memcpy(out->data, &hdr, hsize);

    if (krj_snap_seal(out, err) != 0) {
        goto cleanup;
    }

    rc = 0;

cleanup:

    free(w.changed);
    free(hc);

    return rc;
}


/*
 * One ticker: its name, its body with the refs of every week, and the
 * gzip of the body when that is worth it.  A transition is a week whose
 * signal differs, case-insensitively, from the one of the newest older
 * week with a signal.
 */
static int
krj_history_ticker(krj_history_writer_t *w, size_t first, size_t count)
{
    char                        date[KRJ_DATE_LEN + 1];
    size_t                      i, start, prev, nchanged;
    krj_buf_t                  *out;
    krj_snap_hweek_t            wk;
    krj_snap_hticker_t          t;
    const krj_history_t        *h;
    const krj_history_entry_t  *e, *to, *from;

    out = w->out;
    h = w->h;
    e = &h->entries[first];

    memset(&t, 0, sizeof(krj_snap_hticker_t));

    t.ticker = krj_history_put(out, krj_history_ptr(h, e->key), e->key.len);
    t.first = w->nweek;
    t.count = (uint32_t) count;

    start = out->len;

    krj_buf_fmt(out, KRJ_FMT_HISTORY_HEAD, h->cats[e->category].slug,
                strlen(h->cats[e->category].slug), krj_history_ptr(h, e->key),
                (size_t) e->key.len);

    for (i = 0; i < count; i++) {
        if (i) {
            krj_buf_str(out, KRJ_FMT_SEP);
        }

        krj_date_format(e[i].days, date);

        krj_buf_str(out, KRJ_FMT_HISTORY_WEEK);
        wk.signal_date = krj_history_put(out, date, KRJ_DATE_LEN);
        krj_buf_str(out, KRJ_FMT_HISTORY_SIGNAL);
        wk.signal = krj_history_put(out, krj_history_ptr(h, e[i].signal),
                                    e[i].signal.len);
        krj_buf_str(out, KRJ_FMT_HISTORY_PRIOR);
        wk.prior = krj_history_put(out, krj_history_ptr(h, e[i].prior),
                                   e[i].prior.len);
        krj_buf_str(out, KRJ_FMT_HISTORY_C);
        wk.c = krj_history_put(out, krj_history_ptr(h, e[i].c), e[i].c.len);
        krj_buf_str(out, KRJ_FMT_HISTORY_WEEK_END);

        if (out->failed) {
            return -1;
        }

        memcpy(out->data + w->weeks_off
               + (size_t) w->nweek++ * sizeof(krj_snap_hweek_t),
               &wk, sizeof(krj_snap_hweek_t));
    }

    krj_buf_str(out, KRJ_FMT_HISTORY_MIDDLE);

    /* from the oldest week on; a week without a signal changes nothing */

    nchanged = 0;
    prev = count;

    for (i = count; i-- > 0; ) {
        if (krj_history_null(h, &e[i])) {
            continue;
        }

        if (prev != count && !krj_history_same_signal(h, &e[prev], &e[i])) {
            w->changed[2 * nchanged] = (uint32_t) i;
            w->changed[2 * nchanged + 1] = (uint32_t) prev;
            nchanged++;
        }

        prev = i;
    }

    /* newest first, as the weeks */

    for (i = nchanged; i-- > 0; ) {
        to = &e[w->changed[2 * i]];
        from = &e[w->changed[2 * i + 1]];

        if (i != nchanged - 1) {
            krj_buf_str(out, KRJ_FMT_SEP);
        }

        krj_date_format(to->days, date);

        krj_buf_fmt(out, KRJ_FMT_HISTORY_TRANSITION, date,
                    (size_t) KRJ_DATE_LEN, krj_history_ptr(h, from->signal),
                    (size_t) from->signal.len, krj_history_ptr(h, to->signal),
                    (size_t) to->signal.len);
    }

    krj_buf_str(out, KRJ_FMT_HISTORY_TAIL);

    /* its gzip comes with the others, krj_history_gzip() */
    t.json = krj_history_since(out, start);

    if (out->failed) {
        return -1;
    }

    memcpy(out->data + w->tickers_off
           + (size_t) w->nticker++ * sizeof(krj_snap_hticker_t),
           &t, sizeof(krj_snap_hticker_t));

    return 0;
}


static int
krj_history_gzip(krj_buf_t *out, size_t tickers_off, size_t n)
{
    int                 rc;
    size_t              i, k, end, nparts, at;
    krj_snap_hticker_t  t;
    krj_history_gz_t    job;

    if (n == 0) {
        return 0;
    }

    job.per = (n + KRJ_HISTORY_GZ_PARTS - 1) / KRJ_HISTORY_GZ_PARTS;
    nparts = (n + job.per - 1) / job.per;
    job.n = n;
    job.base = out->data;
    job.tickers = out->data + tickers_off;
    job.parts = calloc(nparts, sizeof(krj_buf_t));

    if (job.parts == NULL) {
        return -1;
    }

    for (i = 0; i < nparts; i++) {
        krj_buf_init(&job.parts[i]);
    }

    rc = krj_threads_run(nparts, krj_history_gz_part, &job);

    /* a part's offsets become the snapshot's once it is appended */

    for (i = 0; rc == 0 && i < nparts; i++) {
        at = out->len;

        if (job.parts[i].len != 0) {
            krj_buf_append(out, job.parts[i].data, job.parts[i].len);
        }

        end = krj_history_part_end(&job, i);

        for (k = i * job.per; k < end; k++) {
            memcpy(&t, out->data + tickers_off
                       + k * sizeof(krj_snap_hticker_t),
                   sizeof(krj_snap_hticker_t));

            if (t.json_gz.len != 0) {
                t.json_gz.off += (uint32_t) at;
                memcpy(out->data + tickers_off
                       + k * sizeof(krj_snap_hticker_t),
                       &t, sizeof(krj_snap_hticker_t));
            }
        }

        krj_buf_free(&job.parts[i]);
    }

    for ( /* void */ ; i < nparts; i++) {
        krj_buf_free(&job.parts[i]);
    }

    free(job.parts);

    return (rc != 0 || out->failed) ? -1 : 0;
}


/* part i holds the tickers from i * per up to this one */
static size_t
krj_history_part_end(const krj_history_gz_t *job, size_t i)
{
    return (i + 1) * job->per < job->n ? (i + 1) * job->per : job->n;
}


/* the gzip of each body of part i that is worth it, at its part's offset */
static int
krj_history_gz_part(void *arg, size_t i)
{
    int                  rc;
    size_t               k, end, start;
    uint8_t             *p;
    krj_buf_t           *part;
    krj_gzip_t          *gz;
    krj_snap_hticker_t   t;
    krj_history_gz_t    *job = arg;

    gz = krj_gzip_create();
    if (gz == NULL) {
        return -1;
    }

    rc = 0;
    part = &job->parts[i];
    end = krj_history_part_end(job, i);

    for (k = i * job->per; k < end; k++) {
        p = job->tickers + k * sizeof(krj_snap_hticker_t);
        memcpy(&t, p, sizeof(krj_snap_hticker_t));

        if (t.json.len < KRJ_HISTORY_GZIP_MIN) {
            continue;
        }

        start = part->len;

        if (krj_gzip_next(gz, part, job->base + t.json.off, t.json.len)
            != 0)
        {
            rc = -1;
            break;
        }

        if (part->len - start >= t.json.len) {
            part->len = start;
            continue;
        }

        t.json_gz.off = (uint32_t) start;
        t.json_gz.len = (uint32_t) (part->len - start);
        memcpy(p, &t, sizeof(krj_snap_hticker_t));
    }

    krj_gzip_destroy(gz);

    return rc;
}


/* the end of the run of entries of i's category and ticker */
static size_t
krj_history_run(const krj_history_t *h, size_t i)
{
    size_t                      j;
    const krj_history_entry_t  *a, *b;

    a = &h->entries[i];

    for (j = i + 1; j < h->n; j++) {
        b = &h->entries[j];

        if (b->category != a->category || b->key.len != a->key.len
            || memcmp(krj_history_ptr(h, b->key), krj_history_ptr(h, a->key),
                      a->key.len)
               != 0)
        {
            break;
        }
    }

    return j;
}


static int
krj_history_null(const krj_history_t *h, const krj_history_entry_t *e)
{
    return e->signal.len == 4
           && memcmp(krj_history_ptr(h, e->signal), "null", 4) == 0;
}


static krj_snap_ref_t
krj_history_put(krj_buf_t *out, const char *s, size_t len)
{
    size_t  start;

    start = out->len;
    krj_buf_append(out, s, len);

    return krj_history_since(out, start);
}


/* sizes are checked once at the end, against KRJ_SNAP_MAX_SIZE */
static krj_snap_ref_t
krj_history_since(krj_buf_t *out, size_t start)
{
    krj_snap_ref_t  ref;

    ref.off = (uint32_t) start;
    ref.len = (uint32_t) (out->len - start);

    return ref;
}


static size_t
krj_history_reserve(krj_buf_t *out, size_t size)
{
    krj_buf_align(out, KRJ_SNAP_ALIGN);

    return krj_buf_zero(out, size);
}
