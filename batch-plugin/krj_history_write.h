
/*
 * Copyright (C) The krj developers
 */


#ifndef _KRJ_HISTORY_WRITE_H_INCLUDED_
#define _KRJ_HISTORY_WRITE_H_INCLUDED_


#include "krj_buf.h"
#include "krj_history.h"


/* a body shorter than this is not compressed: one packet either way */
#define KRJ_HISTORY_GZIP_MIN    512


/*
 * Appends the history section of h (gathered and sorted) to the complete
 * snapshot in out, which krj_snap_write() or krj_snap_build() made of the
 * same categories in the same order, and seals it: the section's header
 * fields, the total length and the checksum.  With h->weeks 0 only the
 * checksum is written.  0, or -1 with the reason in err (KRJ_SNAP_ERRLEN
 * bytes).
 */
int krj_history_write(krj_buf_t *out, const krj_history_t *h, char *err);


#endif /* _KRJ_HISTORY_WRITE_H_INCLUDED_ */
