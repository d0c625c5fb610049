
/*
 * Copyright (C) The krj developers
 */


/* Lookups in a snapshot that krj_snap_open() validated: binary searches. */


#include <string.h>

#include "krj_snapshot.h"




const krj_snap_category_t *
krj_snap_find_category(const krj_snap_t *snap, const char *slug, size_t len)
{
    int                         rc;
    uint32_t                    lo, hi, mid;
    const krj_snap_category_t  *cat;

    if (snap->hdr == NULL) {
        return NULL;
    }

    lo = 0;
    hi = snap->hdr->ncategories;

    while (lo < hi) {
        mid = lo + (hi - lo) / 2;
        cat = &snap->categories[mid];

        rc = krj_snap_cmp(snap->base + cat->slug.off, cat->slug.len,
                          (const uint8_t *) slug, len);
        if (rc == 0) {
            return cat;
        }

        if (rc < 0) {
            lo = mid + 1;

        } else {
            hi = mid;
        }
    }

    return NULL;
}


const krj_snap_ticker_t *
krj_snap_find_ticker(const krj_snap_t *snap, const char *ticker, size_t len)
{
    if (snap->hdr == NULL) {
        return NULL;
    }

    return krj_snap_search_upper(snap, snap->tickers,
                                 sizeof(krj_snap_ticker_t),
                                 snap->hdr->ntickers, ticker, len);
}


const void *
krj_snap_search_upper(const krj_snap_t *snap, const void *array, size_t size,
    uint32_t n, const char *key, size_t len)
{
    int                    rc;
    uint32_t               lo, hi, mid;
    const krj_snap_ref_t  *ref;

    lo = 0;
    hi = n;

    while (lo < hi) {
        mid = lo + (hi - lo) / 2;
        ref = (const krj_snap_ref_t *) ((const uint8_t *) array
                                        + (size_t) mid * size);

        rc = krj_snap_cmp_upper(snap->base + ref->off, ref->len, key, len);
        if (rc == 0) {
            return ref;
        }

        if (rc < 0) {
            lo = mid + 1;

        } else {
            hi = mid;
        }
    }

    return NULL;
}


uint32_t
krj_snap_ticker_in(const krj_snap_t *snap, const krj_snap_ticker_t *ticker,
    const krj_snap_category_t *cat, uint32_t *first)
{
    uint32_t                  lo, hi, mid, c, start;
    const krj_snap_rowref_t  *rr;

    /* a ticker's rows are sorted by category, then row: two searches */

    c = (uint32_t) (cat - snap->categories);
    rr = snap->ticker_rows + ticker->first;

    lo = 0;
    hi = ticker->count;

    while (lo < hi) {
        mid = lo + (hi - lo) / 2;

        if (rr[mid].category < c) {
            lo = mid + 1;

        } else {
            hi = mid;
        }
    }

    start = lo;
    hi = ticker->count;

    while (lo < hi) {
        mid = lo + (hi - lo) / 2;

        if (rr[mid].category <= c) {
            lo = mid + 1;

        } else {
            hi = mid;
        }
    }

    *first = ticker->first + start;

    return lo - start;
}


/* compares a stored upper-case key with s upper-cased, as unsigned bytes */
int
krj_snap_cmp_upper(const uint8_t *key, size_t klen, const char *s,
    size_t slen)
{
    size_t   i, n;
    uint8_t  c;

    n = klen < slen ? klen : slen;

    for (i = 0; i < n; i++) {
        c = (uint8_t) s[i];

        if (c >= 'a' && c <= 'z') {
            c -= 'a' - 'A';
        }

        if (key[i] != c) {
            return key[i] < c ? -1 : 1;
        }
    }

    return (klen > slen) - (klen < slen);
}
