
/*
 * Copyright (C) The krj developers
 */


#ifndef _KRJ_DASH_WRITE_H_INCLUDED_
#define _KRJ_DASH_WRITE_H_INCLUDED_


/*
 * The dashboard's part of a snapshot (dashboard/MARKUP.md): the assets,
 * the tab order, and per category the column registry, the row fragments
 * with their ranks, the warnings and the unfiltered page in spans.  Every
 * cell is formatted and escaped here, once, so that the module only
 * copies.
 */


#include <stddef.h>
#include <stdint.h>

#include "krj_buf.h"
#include "krj_snapshot.h"
#include "krj_snapshot_write.h"


/* the assets into h->assets; before the categories, whose pages name them */
int krj_dash_write_assets(krj_buf_t *out, krj_snap_header_t *h, char *err);

/*
 * One category's dashboard, after krj_snap_write_body() typed its cells:
 * cols, rows and cells are the arrays the writer copies into place later,
 * cat->columns already reserved for them; sorted, every column's order.
 */
int krj_dash_write_category(krj_buf_t *out, const krj_snap_input_t *in,
    krj_snap_category_t *cat, krj_snap_column_t *cols, krj_snap_row_t *rows,
    const krj_snap_cell_t *cells, const krj_snap_sorted_t *sorted,
    const krj_snap_header_t *h, char *err);

/* the tab order: the original dashboard's, then the others by slug */
void krj_dash_write_tabs(krj_buf_t *out, const krj_snap_input_t *in,
    uint32_t n, krj_snap_header_t *h);


#endif /* _KRJ_DASH_WRITE_H_INCLUDED_ */
