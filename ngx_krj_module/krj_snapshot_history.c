
/*
 * Copyright (C) The krj developers
 */


/*
 * The history section of a snapshot, GET /history/{slug}/{ticker}: its
 * validator and its lookups.  Like the rest of the reader it never reads
 * outside the file: every array is checked to lie in it before a loop
 * walks it, every count is bounded by an array so checked, and the refs
 * of a week must lie inside its ticker's body.
 */


#include <string.h>

#include "krj_date.h"
#include "krj_snapshot.h"


static int krj_snap_check_hcategory(const krj_snap_t *snap, uint32_t i,
    uint32_t *next_week, char *err);
static int krj_snap_check_hticker(const krj_snap_t *snap, uint32_t i,
    uint32_t k, long until, uint32_t *next_week, char *err);
static int krj_snap_inside(krj_snap_ref_t ref, krj_snap_ref_t body);


int
krj_snap_check_history(krj_snap_t *snap, char *err)
{
    uint32_t                    i, next, next_week;
    const krj_snap_header_t    *h;
    const krj_snap_hcategory_t *hc;

    h = snap->hdr;

    if (h->history_reserved != 0) {
        return krj_snap_error(err, "history: reserved field set");
    }

    /* no section: a krj-batch with --history-weeks 0 */

    if (h->history_categories.len == 0) {
        if (h->history_weeks != 0 || h->nhistory_tickers != 0
            || h->nhistory_weeks != 0 || h->history_tickers.len != 0
            || h->history_week_list.len != 0)
        {
            return krj_snap_error(err, "history: tickers or weeks without "
                                  "categories");
        }

        return 0;
    }

    if (h->history_weeks == 0) {
        return krj_snap_error(err, "history: a section of 0 weeks");
    }

    if (!krj_snap_array_ok(snap, h->history_categories, h->ncategories,
                           sizeof(krj_snap_hcategory_t)))
    {
        return krj_snap_error(err, "history: categories out of bounds, "
                              "misaligned or of the wrong size");
    }

    if (!krj_snap_array_ok(snap, h->history_tickers, h->nhistory_tickers,
                           sizeof(krj_snap_hticker_t)))
    {
        return krj_snap_error(err, "history: tickers out of bounds, "
                              "misaligned or of the wrong size");
    }

    if (!krj_snap_array_ok(snap, h->history_week_list, h->nhistory_weeks,
                           sizeof(krj_snap_hweek_t)))
    {
        return krj_snap_error(err, "history: weeks out of bounds, "
                              "misaligned or of the wrong size");
    }

    snap->hcategories = (const krj_snap_hcategory_t *)
                            (snap->base + h->history_categories.off);
    snap->htickers = (const krj_snap_hticker_t *)
                         (snap->base + h->history_tickers.off);
    snap->hweeks = (const krj_snap_hweek_t *)
                       (snap->base + h->history_week_list.off);

    /* the categories' tickers are contiguous and cover the array */

    next = 0;
    next_week = 0;

    for (i = 0; i < h->ncategories; i++) {
        hc = &snap->hcategories[i];

        if (hc->first != next
            || (uint64_t) hc->first + hc->count > h->nhistory_tickers)
        {
            return krj_snap_error(err, "history: category %u: tickers "
                                  "%u+%u out of range", i, hc->first,
                                  hc->count);
        }

        if (krj_snap_check_hcategory(snap, i, &next_week, err) != 0) {
            return -1;
        }

        next += hc->count;
    }

    if (next != h->nhistory_tickers || next_week != h->nhistory_weeks) {
        return krj_snap_error(err, "history: %u tickers and %u weeks "
                              "listed, %u and %u referenced",
                              h->nhistory_tickers, h->nhistory_weeks, next,
                              next_week);
    }

    return 0;
}


const krj_snap_hcategory_t *
krj_snap_history_of(const krj_snap_t *snap, const krj_snap_category_t *cat)
{
    const krj_snap_hcategory_t  *hc;

    if (snap->hcategories == NULL) {
        return NULL;
    }

    hc = &snap->hcategories[cat - snap->categories];

    return hc->exported ? hc : NULL;
}


const krj_snap_hticker_t *
krj_snap_find_history(const krj_snap_t *snap, const krj_snap_hcategory_t *hc,
    const char *ticker, size_t len)
{
    return krj_snap_search_upper(snap, snap->htickers + hc->first,
                                 sizeof(krj_snap_hticker_t), hc->count,
                                 ticker, len);
}


/* a category's tickers, sorted and unique, and their weeks */
static int
krj_snap_check_hcategory(const krj_snap_t *snap, uint32_t i,
    uint32_t *next_week, char *err)
{
    long                         until;
    uint32_t                     k;
    const krj_snap_hticker_t    *t, *prev;
    const krj_snap_category_t   *cat;
    const krj_snap_hcategory_t  *hc;

    hc = &snap->hcategories[i];
    cat = &snap->categories[i];

    if (hc->reserved != 0 || hc->exported > 1) {
        return krj_snap_error(err, "history: category %u: bad flags", i);
    }

    if (!hc->exported) {
        if (hc->count != 0) {
            return krj_snap_error(err, "history: category %u: tickers of "
                                  "a category without history", i);
        }

        return 0;
    }

    /* the weeks are those of a signal column, up to the category's date */

    if (cat->signal_col < 0) {
        return krj_snap_error(err, "history: category %u: no signal "
                              "column", i);
    }

    /* checked by krj_snap_check_category() */
    (void) krj_date_parse(krj_snap_ptr(snap, cat->signal_date),
                          cat->signal_date.len, &until, NULL);

    prev = NULL;

    for (k = hc->first; k < hc->first + hc->count; k++) {
        t = &snap->htickers[k];

        if (krj_snap_check_hticker(snap, i, k, until, next_week, err) != 0) {
            return -1;
        }

        if (prev != NULL
            && krj_snap_cmp(snap->base + prev->ticker.off, prev->ticker.len,
                            snap->base + t->ticker.off, t->ticker.len)
               >= 0)
        {
            return krj_snap_error(err, "history: category %u: ticker %u "
                                  "not sorted or not unique", i, k);
        }

        prev = t;
    }

    return 0;
}


static int
krj_snap_check_hticker(const krj_snap_t *snap, uint32_t i, uint32_t k,
    long until, uint32_t *next_week, char *err)
{
    long                       days, newer;
    size_t                     n;
    uint32_t                   w;
    const uint8_t             *name;
    const krj_snap_hweek_t    *week;
    const krj_snap_hticker_t  *t;

    t = &snap->htickers[k];

    if (!krj_snap_ref_ok(snap, t->ticker) || t->ticker.len == 0) {
        return krj_snap_error(err, "history: ticker %u: name out of bounds "
                              "or empty", k);
    }

    /* lookups upper-case the key, so stored names must be upper case */
    name = snap->base + t->ticker.off;

    for (n = 0; n < t->ticker.len; n++) {
        if (name[n] >= 'a' && name[n] <= 'z') {
            return krj_snap_error(err, "history: ticker %u: not upper case",
                                  k);
        }
    }

    if (!krj_snap_ref_ok(snap, t->json) || !krj_snap_ref_ok(snap, t->json_gz))
    {
        return krj_snap_error(err, "history: ticker %u: body out of bounds",
                              k);
    }

    if (t->count == 0 || t->first != *next_week
        || (uint64_t) t->first + t->count > snap->hdr->nhistory_weeks)
    {
        return krj_snap_error(err, "history: ticker %u: weeks %u+%u out of "
                              "range", k, t->first, t->count);
    }

    /* newest first, one per date, from the category's date back */
    newer = until + 1;

    for (w = t->first; w < t->first + t->count; w++) {
        week = &snap->hweeks[w];

        if (!krj_snap_inside(week->signal_date, t->json)
            || !krj_snap_inside(week->signal, t->json)
            || !krj_snap_inside(week->prior, t->json)
            || !krj_snap_inside(week->c, t->json)
            || week->signal.len == 0 || week->prior.len == 0
            || week->c.len == 0)
        {
            return krj_snap_error(err, "history: category %u: ticker %u: "
                                  "week %u outside its body", i, k, w);
        }

        if (krj_date_parse(krj_snap_ptr(snap, week->signal_date),
                           week->signal_date.len, &days, NULL)
            != 0)
        {
            return krj_snap_error(err, "history: category %u: ticker %u: "
                                  "week %u: not a date", i, k, w);
        }

        if (days >= newer
            || days <= until - 7 * (long) snap->hdr->history_weeks)
        {
            return krj_snap_error(err, "history: category %u: ticker %u: "
                                  "week %u: not newest first within %u "
                                  "weeks of the signal date", i, k, w,
                                  snap->hdr->history_weeks);
        }

        newer = days;
    }

    *next_week += t->count;

    return 0;
}


/* ref lies in body (32-bit operands: the sums cannot overflow) */
static int
krj_snap_inside(krj_snap_ref_t ref, krj_snap_ref_t body)
{
    return ref.off >= body.off
           && (uint64_t) ref.off + ref.len <= (uint64_t) body.off + body.len;
}
