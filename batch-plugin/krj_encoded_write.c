
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
#include "krj_threads.h"


#define KRJ_SNAP_ENC_LARGE      (1024 * 1024)
#define KRJ_SNAP_BR_QUALITY     10
#define KRJ_SNAP_ZSTD_LEVEL     15


typedef struct {
    const uint8_t       *base;          /* out->data: no append meanwhile */
    krj_snap_encoded_t  *e;
    krj_buf_t           *forms;         /* [2 * m]: each body's br, zstd */
} krj_snap_enc_job_t;


static int krj_snap_cmp_encoded(const void *a, const void *b);
static int krj_snap_encode(void *arg, size_t i);
static int krj_snap_br(krj_buf_t *dst, const uint8_t *src, size_t len);
static int krj_snap_zstd(krj_buf_t *dst, const uint8_t *src, size_t len);


int
krj_snap_write_encodings(krj_buf_t *out, krj_snap_header_t *h,
    const krj_snap_category_t *cats, uint32_t n)
{
    int                  rc;
    size_t               off, start;
    uint32_t             i, k, m;
    krj_snap_ref_t      *ref;
    krj_snap_encoded_t  *e;
    krj_snap_enc_job_t   job;

    e = calloc((size_t) n * 2 + 2, sizeof(krj_snap_encoded_t));
    job.forms = calloc((size_t) n * 4 + 4, sizeof(krj_buf_t));

    if (e == NULL || job.forms == NULL) {
        free(e);
        free(job.forms);
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

        e[m++] = e[i];
    }

    /* compressed on the threads, laid out in order: the same bytes */

    job.base = out->data;
    job.e = e;

    if (krj_threads_run((size_t) m * 2, krj_snap_encode, &job) != 0) {
        goto cleanup;
    }

    for (i = 0; i < m * 2; i++) {
        ref = (i % 2) ? &e[i / 2].zstd : &e[i / 2].br;
        krj_snap_body_start(out, job.forms[i].len);
        start = out->len;
        krj_buf_append(out, job.forms[i].data, job.forms[i].len);
        ref->off = (uint32_t) start;
        ref->len = (uint32_t) job.forms[i].len;
    }

    krj_buf_align(out, KRJ_SNAP_ALIGN);
    off = out->len;
    krj_buf_append(out, e, (size_t) m * sizeof(krj_snap_encoded_t));

    h->encodings.off = (uint32_t) off;
    h->encodings.len = (uint32_t) (m * sizeof(krj_snap_encoded_t));

    rc = out->failed ? -1 : 0;

cleanup:

    for (i = 0; i < (size_t) n * 4 + 4; i++) {
        krj_buf_free(&job.forms[i]);
    }

    free(job.forms);
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
krj_snap_encode(void *arg, size_t i)
{
    krj_snap_enc_job_t  *job = arg;
    krj_snap_ref_t       body;

    body = job->e[i / 2].body;

    krj_buf_init(&job->forms[i]);

    return (i % 2) ? krj_snap_zstd(&job->forms[i], job->base + body.off,
                                   body.len)
                   : krj_snap_br(&job->forms[i], job->base + body.off,
                                 body.len);
}


static int
krj_snap_br(krj_buf_t *dst, const uint8_t *src, size_t len)
{
    size_t  bound, n;

    bound = BrotliEncoderMaxCompressedSize(len);

    if (bound == 0 || krj_buf_grow(dst, bound) != 0) {
        return -1;
    }

    n = bound;

    if (!BrotliEncoderCompress(KRJ_SNAP_BR_QUALITY, BROTLI_DEFAULT_WINDOW,
                               BROTLI_MODE_TEXT, len, src, &n, dst->data))
    {
        return -1;
    }

    dst->len = n;

    return 0;
}


static int
krj_snap_zstd(krj_buf_t *dst, const uint8_t *src, size_t len)
{
    size_t  bound, n;

    bound = ZSTD_compressBound(len);

    if (krj_buf_grow(dst, bound) != 0) {
        return -1;
    }

    n = ZSTD_compress(dst->data, bound, src, len, KRJ_SNAP_ZSTD_LEVEL);
    if (ZSTD_isError(n)) {
        return -1;
    }

    dst->len = n;

    return 0;
}
