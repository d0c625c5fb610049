
/*
 * Copyright (C) The krj developers
 */


/*
 * The encodings section (krj_snapshot_encoded.c): every whole body the
 * module sends as it is (the lists, the summary, each category's JSON and
 * CSV) compressed once more as br and as zstd.  br quality 10 is 12% under
 * gzip -9 on the sp500 CSV, in 0.05 s (quality 11 gains 1% more in
 * 0.12 s); zstd level 15 (19 takes half as long again for 4%).
 *
 * A body of KRJ_SNAP_ENC_LARGE or more has no entry: at 100,000 rows the
 * br and zstd forms (quality 5, level 9) were some 2% under the gzip one
 * but took 35 MB and most of the publish's CPU; the module sends such a
 * body as gzip (or identity) whatever br or zstd the client prefers.
 */


#include <stdlib.h>
#include <string.h>

#include <brotli/encode.h>
#include <zstd.h>

#include "krj_snapshot_write.h"


#define KRJ_SNAP_ENC_LARGE      (1024 * 1024)
#define KRJ_SNAP_BR_QUALITY     10
#define KRJ_SNAP_ZSTD_LEVEL     15


static int krj_snap_cmp_encoded(const void *a, const void *b);
static int krj_snap_br(krj_buf_t *out, krj_snap_ref_t body,
    krj_snap_ref_t *br);
static int krj_snap_zstd(krj_buf_t *out, krj_snap_ref_t body,
    krj_snap_ref_t *zs);


int
krj_snap_write_encodings(krj_buf_t *out, krj_snap_header_t *h,
    const krj_snap_category_t *cats, uint32_t n)
{
    int                  rc;
    size_t               off;
    uint32_t             i, k, m;
    krj_snap_encoded_t  *e;

    e = calloc((size_t) n * 2 + 2, sizeof(krj_snap_encoded_t));
    if (e == NULL) {
        return -1;
    }

    rc = -1;
    k = 0;

    e[k++].body = h->categories_json;
    e[k++].body = h->summary_json;

    for (i = 0; i < n; i++) {
        e[k++].body = cats[i].json;
        e[k++].body = cats[i].csv;
    }

    qsort(e, k, sizeof(krj_snap_encoded_t), krj_snap_cmp_encoded);

    /*
     * one entry a body: an empty one, or one named twice, once; a large
     * one never
     */

    for (i = 0, m = 0; i < k; i++) {
        if (e[i].body.len == 0 || e[i].body.len >= KRJ_SNAP_ENC_LARGE
            || (m && e[m - 1].body.off == e[i].body.off))
        {
            continue;
        }

        e[m] = e[i];

        if (krj_snap_br(out, e[m].body, &e[m].br) != 0
            || krj_snap_zstd(out, e[m].body, &e[m].zstd) != 0)
        {
            goto cleanup;
        }

        m++;
    }

    krj_buf_align(out, KRJ_SNAP_ALIGN);
    off = out->len;
    krj_buf_append(out, e, (size_t) m * sizeof(krj_snap_encoded_t));

    h->encodings.off = (uint32_t) off;
    h->encodings.len = (uint32_t) (m * sizeof(krj_snap_encoded_t));

    rc = out->failed ? -1 : 0;

cleanup:

    free(e);

    return rc;
}


static int
krj_snap_cmp_encoded(const void *a, const void *b)
{
    const krj_snap_encoded_t  *x, *y;

    x = a;
    y = b;

    return (x->body.off > y->body.off) - (x->body.off < y->body.off);
}


static int
krj_snap_br(krj_buf_t *out, krj_snap_ref_t body, krj_snap_ref_t *br)
{
    size_t  bound, len, start;

    bound = BrotliEncoderMaxCompressedSize(body.len);

    /* out moves as it grows: the body is read after, from where it is */
    if (bound == 0 || krj_buf_grow(out, bound) != 0) {
        return -1;
    }

    start = out->len;
    len = bound;

    if (!BrotliEncoderCompress(KRJ_SNAP_BR_QUALITY, BROTLI_DEFAULT_WINDOW,
                               BROTLI_MODE_TEXT, body.len,
                               out->data + body.off, &len,
                               out->data + start))
    {
        return -1;
    }

    out->len += len;
    br->off = (uint32_t) start;
    br->len = (uint32_t) len;

    return 0;
}


static int
krj_snap_zstd(krj_buf_t *out, krj_snap_ref_t body, krj_snap_ref_t *zs)
{
    size_t  bound, len, start;

    bound = ZSTD_compressBound(body.len);

    if (krj_buf_grow(out, bound) != 0) {
        return -1;
    }

    start = out->len;

    len = ZSTD_compress(out->data + start, bound, out->data + body.off,
                        body.len, KRJ_SNAP_ZSTD_LEVEL);
    if (ZSTD_isError(len)) {
        return -1;
    }

    out->len += len;
    zs->off = (uint32_t) start;
    zs->len = (uint32_t) len;

    return 0;
}
