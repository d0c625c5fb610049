
/*
 * Copyright (C) The krj developers
 */


/*
 * Where the bytes of a snapshot being written go: appended strings and
 * their refs, zeroed arrays, and the start of a body the module sends
 * whole.
 */


#include "krj_snapshot_write.h"


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
