
/*
 * Copyright (C) The krj developers
 */


#ifndef _KRJ_SNAPSHOT_WRITE_H_INCLUDED_
#define _KRJ_SNAPSHOT_WRITE_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>

#include "krj_buf.h"
#include "krj_csv.h"


/*
 * What the pre-rendered bodies look like, for krj-batch's input digest: a
 * krj-batch that renders differently (a new member, a final newline) then
 * republishes input that an older one published as it was.  Change it
 * with every change to the bytes krj_layout.h and krj_render.c write.
 */
#define KRJ_SNAP_RENDERING      "krj-rendering-2"


/* one category to publish; csv->data/len are the published CSV bytes */
typedef struct {
    const char         *slug;
    const char         *label;
    const char         *signal_date;
    const char         *source_file;
    char                sha256[65];     /* hex, of the published bytes */
    const krj_csv_t    *csv;
} krj_snap_input_t;


/*
 * Lays out a complete snapshot in out (which must be empty): n categories
 * sorted by slug, every body pre-rendered, the checksum set.  Returns 0, or
 * -1 with a reason in err (KRJ_SNAP_ERRLEN bytes).
 */
int krj_snap_write(krj_buf_t *out, const krj_snap_input_t *in, uint32_t n,
    int64_t generated_at, const uint8_t input_digest[32], char *err);


#endif /* _KRJ_SNAPSHOT_WRITE_H_INCLUDED_ */
