
/*
 * Copyright (C) The krj developers
 */


/*
 * Where the bytes of a snapshot being written go: appended strings and
 * their refs, zeroed arrays, the start of a body the module sends whole,
 * and rows rendered in parallel.
 */


#include <stdlib.h>

#include "krj_snapshot_write.h"
#include "krj_threads.h"


/*
 * The worker sends a whole body with sendfile() from its copy of the
 * snapshot.  Measured on loopback (one worker, wrk -c64), a body that
 * starts inside a page costs the worker about four times the CPU of the
 * same bytes from a page boundary (207 KB: 89 us a request against 23;
 * 400 KB: 110 against 45; below some 48 KB no difference, static nginx
 * the same from a file at such offsets).  So a body of KRJ_SNAP_PAGE_BODY
 * or more starts on a page, which costs under a page of zeros before it;
 * a smaller one is not worth that.  The dashboard's pages go as pieces
 * from memory (their holes are filled per request): nothing to align.
 */
#define KRJ_SNAP_PAGE           4096
#define KRJ_SNAP_PAGE_BODY      (32 * 1024)

/*
 * Rows a part of krj_snap_render_rows(): the parts depend on the number
 * of rows only, and a row's bytes on the row only, so every number of
 * threads writes the same bytes
 */
#define KRJ_SNAP_ROWS_PART      4096


typedef struct {
    krj_snap_row_pt             render;
    void                       *arg;
    uint32_t                    nrows;
    krj_buf_t                  *parts;
} krj_snap_rows_t;


static int krj_snap_rows_part(void *data, size_t i);
static void krj_snap_rows_range(uint32_t nrows, size_t i, uint32_t *from,
    uint32_t *to);


krj_snap_ref_t
krj_snap_str(krj_buf_t *out, const char *s, size_t len)
{
    size_t  start;

    start = out->len;
    krj_buf_append(out, s, len);

    return krj_snap_since(out, start);
}


/* the ref of what was appended since start; sizes are checked at the end */
krj_snap_ref_t
krj_snap_since(krj_buf_t *out, size_t start)
{
    krj_snap_ref_t  ref;

    ref.off = (uint32_t) start;
    ref.len = (uint32_t) (out->len - start);

    return ref;
}


size_t
krj_snap_reserve(krj_buf_t *out, size_t size)
{
    krj_buf_align(out, KRJ_SNAP_ALIGN);

    return krj_buf_zero(out, size);
}


/* the offsets in out are the file's: its header is written at 0 */

void
krj_snap_body_start(krj_buf_t *out, size_t expect)
{
    if (expect >= KRJ_SNAP_PAGE_BODY) {
        krj_buf_align(out, KRJ_SNAP_PAGE);
    }
}


/*
 * Rows 0 to nrows - 1, each rendered by render() into the buffer of its
 * part with refs into that buffer, the parts in parallel (--threads);
 * then the parts appended in order, and shift() told where each went.
 * 100,000 rows: the JSON body (40 MB) and the page's rows (29 MB) took
 * 0.29 s and 0.40 s on one core.
 */

int
krj_snap_render_rows(krj_buf_t *out, uint32_t nrows,
    krj_snap_row_pt render, krj_snap_shift_pt shift, void *arg)
{
    int              rc;
    size_t           i, n, base;
    uint32_t         from, to;
    krj_snap_rows_t  job;

    n = ((size_t) nrows + KRJ_SNAP_ROWS_PART - 1) / KRJ_SNAP_ROWS_PART;

    if (n == 0) {
        return 0;
    }

    job.render = render;
    job.arg = arg;
    job.nrows = nrows;
    job.parts = calloc(n, sizeof(krj_buf_t));

    if (job.parts == NULL) {
        out->failed = 1;
        return -1;
    }

    rc = krj_threads_run(n, krj_snap_rows_part, &job);

    for (i = 0; i < n; i++) {
        if (rc == 0) {
            krj_snap_rows_range(nrows, i, &from, &to);

            base = out->len;
            krj_buf_append(out, job.parts[i].data, job.parts[i].len);
            shift(arg, from, to, base);
        }

        krj_buf_free(&job.parts[i]);
    }

    free(job.parts);

    if (rc != 0) {
        out->failed = 1;
    }

    return out->failed ? -1 : 0;
}


static int
krj_snap_rows_part(void *data, size_t i)
{
    uint32_t          r, from, to;
    krj_buf_t        *b;
    krj_snap_rows_t  *job = data;

    b = &job->parts[i];
    krj_buf_init(b);

    krj_snap_rows_range(job->nrows, i, &from, &to);

    for (r = from; r < to; r++) {
        job->render(b, r, job->arg);
    }

    return b->failed ? -1 : 0;
}


static void
krj_snap_rows_range(uint32_t nrows, size_t i, uint32_t *from, uint32_t *to)
{
    *from = (uint32_t) (i * KRJ_SNAP_ROWS_PART);
    *to = (nrows - *from < KRJ_SNAP_ROWS_PART)
          ? nrows : *from + KRJ_SNAP_ROWS_PART;
}
