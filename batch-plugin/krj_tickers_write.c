
/*
 * Copyright (C) The krj developers
 */


/*
 * The ticker index of a snapshot: every row of every category under its
 * upper-cased ticker, the tickers sorted by their bytes, a ticker's rows
 * by category and row, so that ticker= is a binary search and a lookup
 * is case-insensitive as the API's is.
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "krj_snapshot_write.h"


typedef struct {
    size_t              off;            /* of the upper-cased key */
    size_t              len;
    uint32_t            category;
    uint32_t            row;
    const uint8_t      *key;
} krj_snap_tkey_t;


static int krj_snap_cmp_tkey(const void *a, const void *b);


int
krj_snap_write_tickers(krj_buf_t *out, const krj_snap_input_t *in,
    uint32_t n, krj_snap_header_t *h, char *err)
{
    int                  rc;
    size_t               total, i, j, k, len, toff, roff, nt;
    uint32_t             c, r;
    const char          *s;
    krj_buf_t            keys;
    krj_snap_tkey_t     *e;
    krj_snap_ticker_t   *tk;
    krj_snap_rowref_t   *rr;

    rc = -1;
    total = 0;

    for (c = 0; c < n; c++) {
        total += in[c].csv->nrows;
    }

    krj_buf_init(&keys);
    e = calloc(total ? total : 1, sizeof(krj_snap_tkey_t));
    tk = calloc(total ? total : 1, sizeof(krj_snap_ticker_t));
    rr = calloc(total ? total : 1, sizeof(krj_snap_rowref_t));

    if (e == NULL || tk == NULL || rr == NULL) {
        goto nomem;
    }

    i = 0;

    for (c = 0; c < n; c++) {
        for (r = 0; r < in[c].csv->nrows; r++) {
            s = krj_csv_text(in[c].csv, r + 1, in[c].csv->ticker_col);
            len = krj_csv_len(in[c].csv, r + 1, in[c].csv->ticker_col);

            e[i].off = keys.len;
            e[i].len = len;
            e[i].category = c;
            e[i].row = r;

            for (k = 0; k < len; k++) {
                krj_buf_byte(&keys, (s[k] >= 'a' && s[k] <= 'z')
                                    ? (uint8_t) (s[k] - 32) : (uint8_t) s[k]);
            }

            i++;
        }
    }

    if (keys.failed) {
        goto nomem;
    }

    for (i = 0; i < total; i++) {
        e[i].key = keys.data + e[i].off;
    }

    qsort(e, total, sizeof(krj_snap_tkey_t), krj_snap_cmp_tkey);

    nt = 0;

    for (i = 0; i < total; i = j) {
        tk[nt].first = (uint32_t) i;
        tk[nt].ticker = krj_snap_str(out, (const char *) e[i].key, e[i].len);

        for (j = i; j < total; j++) {
            if (e[j].len != e[i].len
                || memcmp(e[j].key, e[i].key, e[i].len) != 0)
            {
                break;
            }

            rr[j].category = e[j].category;
            rr[j].row = e[j].row;
        }

        tk[nt].count = (uint32_t) (j - i);
        nt++;
    }

    toff = krj_snap_reserve(out, nt * sizeof(krj_snap_ticker_t));
    roff = krj_snap_reserve(out, total * sizeof(krj_snap_rowref_t));

    if (out->failed) {
        goto nomem;
    }

    memcpy(out->data + toff, tk, nt * sizeof(krj_snap_ticker_t));
    memcpy(out->data + roff, rr, total * sizeof(krj_snap_rowref_t));

    h->ntickers = (uint32_t) nt;
    h->nticker_rows = (uint32_t) total;
    h->tickers.off = (uint32_t) toff;
    h->tickers.len = (uint32_t) (nt * sizeof(krj_snap_ticker_t));
    h->ticker_rows.off = (uint32_t) roff;
    h->ticker_rows.len = (uint32_t) (total * sizeof(krj_snap_rowref_t));

    rc = 0;
    goto cleanup;

nomem:

    snprintf(err, KRJ_SNAP_ERRLEN, "ticker index: out of memory");

cleanup:

    krj_buf_free(&keys);
    free(e);
    free(tk);
    free(rr);

    return rc;
}


static int
krj_snap_cmp_tkey(const void *a, const void *b)
{
    int                     rc;
    const krj_snap_tkey_t  *x, *y;

    x = a;
    y = b;

    rc = memcmp(x->key, y->key, x->len < y->len ? x->len : y->len);

    if (rc != 0) {
        return rc;
    }

    if (x->len != y->len) {
        return x->len < y->len ? -1 : 1;
    }

    if (x->category != y->category) {
        return x->category < y->category ? -1 : 1;
    }

    return (x->row > y->row) - (x->row < y->row);
}
