
/*
 * Copyright (C) The krj developers
 */


#ifndef _KRJ_DASH_ROWS_H_INCLUDED_
#define _KRJ_DASH_ROWS_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>

#include "krj_buf.h"
#include "krj_snapshot.h"
#include "krj_snapshot_write.h"


/*
 * ranks[c * nrows + r]: the dense rank of row r in column c in the API's
 * ascending order (numbers by value, then texts by bytes), from 0;
 * UINT32_MAX for an empty cell.  NULL without memory; free() it.
 */
uint32_t *krj_dash_ranks(const krj_snap_sorted_t *sorted);

/* cat->warnings: krj-batch's notes on the file, as a list, or empty */
int krj_dash_warnings(krj_buf_t *out, const krj_snap_input_t *in,
    krj_snap_category_t *cat, const krj_snap_row_t *rows);

/*
 * Appends row r's fragment: <tr data-r="{ranks}" class="ch">, the ticker
 * as <th>, the other cells as <td>, formatted as the column says (known:
 * the original's schema), escaped; cols carry the columns' alignment.
 */
void krj_dash_row(krj_buf_t *out, const krj_snap_input_t *in,
    const krj_snap_category_t *cat, const krj_snap_column_t *cols,
    const krj_snap_cell_t *cells, const uint32_t *ranks, uint32_t r,
    int known);


#endif /* _KRJ_DASH_ROWS_H_INCLUDED_ */
