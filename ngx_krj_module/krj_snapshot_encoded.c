
/*
 * Copyright (C) The krj developers
 */


/*
 * The encodings section of a snapshot: for each whole body with a gzip
 * form, its br and zstd forms.  Its own validator, so that the other
 * sections' stay as they are; the module finds a body's entry by the
 * body's offset, which the entries are sorted by.
 */


#include <string.h>

#include "krj_snapshot.h"


int
krj_snap_check_encodings(krj_snap_t *snap, char *err)
{
    uint64_t                   n;
    uint32_t                   i;
    krj_snap_ref_t             ref;
    const krj_snap_encoded_t  *e;

    ref = snap->hdr->encodings;
    n = ref.len / sizeof(krj_snap_encoded_t);

    if (ref.len % sizeof(krj_snap_encoded_t) != 0
        || !krj_snap_array_ok(snap, ref, n, sizeof(krj_snap_encoded_t)))
    {
        return krj_snap_error(err, "encodings out of bounds, misaligned or "
                              "of the wrong size");
    }

    e = (const krj_snap_encoded_t *) (snap->base + ref.off);

    for (i = 0; i < n; i++) {
        if (e[i].body.len == 0
            || !krj_snap_ref_ok(snap, e[i].body)
            || !krj_snap_ref_ok(snap, e[i].br)
            || !krj_snap_ref_ok(snap, e[i].zstd))
        {
            return krj_snap_error(err, "encoding %u: a body out of bounds",
                                  i);
        }

        if (i && e[i].body.off <= e[i - 1].body.off) {
            return krj_snap_error(err, "encoding %u: bodies not sorted or "
                                  "not unique", i);
        }
    }

    snap->encoded = e;
    snap->nencoded = (uint32_t) n;

    return 0;
}


const krj_snap_encoded_t *
krj_snap_find_encoded(const krj_snap_t *snap, krj_snap_ref_t body)
{
    uint32_t                   lo, hi, mid;
    const krj_snap_encoded_t  *e;

    lo = 0;
    hi = snap->nencoded;

    while (lo < hi) {
        mid = lo + (hi - lo) / 2;
        e = &snap->encoded[mid];

        if (e->body.off == body.off) {
            return (e->body.len == body.len) ? e : NULL;
        }

        if (e->body.off < body.off) {
            lo = mid + 1;

        } else {
            hi = mid;
        }
    }

    return NULL;
}
