
/*
 * Copyright (C) The krj developers
 */


#ifndef _KRJ_RENDER_H_INCLUDED_
#define _KRJ_RENDER_H_INCLUDED_


/*
 * The answers of the API rendered from a snapshot, in the layouts of
 * krj_layout.h.  krj-batch calls them to pre-render the unfiltered bodies
 * (over the snapshot it is building), the module to answer filtered
 * requests and principals that see only some categories.  Every renderer
 * is measure-then-write (krj_out.h) and reads only what krj_snap_open()
 * validated.
 */


#include <stddef.h>
#include <stdint.h>

#include "krj_out.h"
#include "krj_query.h"
#include "krj_snapshot.h"


#define KRJ_LIST_CATEGORIES     0
#define KRJ_LIST_SUMMARY        1




/* KRJ_FMT_SUMMARY: counts[KRJ_WEEK_*][KRJ_COUNT_*] of total rows */
void krj_render_summary(krj_out_t *o, uint32_t total,
    const uint32_t counts[2][3]);

/* GET /categories (KRJ_LIST_CATEGORIES) or GET /summary, the visible ones */
void krj_render_list(krj_out_t *o, const krj_snap_t *snap, int kind,
    krj_visible_pt visible, void *data);

/*
 * The item of GET /categories for cat, with the glossary of its columns
 * that krj knows; krj-batch pre-renders it, the lists copy it.
 */
void krj_render_category(krj_out_t *o, const krj_snap_t *snap,
    const krj_snap_category_t *cat);

/*
 * GET / of the API: the endpoints and their parameters, and the visible
 * categories with links; base is the API's path as the client called it,
 * without the final "/" ("/api/v1").
 */
void krj_render_index(krj_out_t *o, const krj_snap_t *snap, const char *base,
    size_t blen, krj_visible_pt visible, void *data);

/*
 * GET /signals/{slug} up to and including "rows":[ : the columns of q
 * (every column when q is NULL or names no fields), count rows shown of
 * matched, and the summary of the matched rows.
 */
void krj_render_signals_head(krj_out_t *o, const krj_snap_t *snap,
    const krj_snap_category_t *cat, const krj_query_t *q, uint32_t count,
    uint32_t matched, const uint32_t counts[2][3]);

/* one row as JSON with the columns of q (the pre-rendered row if all) */
void krj_render_row_json(krj_out_t *o, const krj_snap_t *snap,
    const krj_snap_category_t *cat, const krj_query_t *q, uint32_t row);

/* the selected rows as the JSON and the CSV answers */
void krj_render_signals_json(krj_out_t *o, const krj_snap_t *snap,
    const krj_snap_category_t *cat, const krj_query_t *q,
    const krj_select_t *sel);
void krj_render_signals_csv(krj_out_t *o, const krj_snap_t *snap,
    const krj_snap_category_t *cat, const krj_query_t *q,
    const krj_select_t *sel);

/*
 * The same answers in pieces, for the module to write a large one a slice
 * at a time (ngx_http_krj_slice.c): the part before the rows, the i-th
 * selected row with what separates it from the one before, the part after
 * the last; the pieces in that order are the bytes of the calls above.
 */
void krj_render_signals_start(krj_out_t *o, const krj_snap_t *snap,
    const krj_snap_category_t *cat, const krj_query_t *q,
    const krj_select_t *sel, int csv);
void krj_render_signals_item(krj_out_t *o, const krj_snap_t *snap,
    const krj_snap_category_t *cat, const krj_query_t *q,
    const krj_select_t *sel, int csv, uint32_t i);
void krj_render_signals_end(krj_out_t *o, int csv);

/*
 * GET /tickers/{ticker}: its rows in the visible categories.  Returns how
 * many there are; with none, nothing is written (the answer is a 404).
 */
uint32_t krj_render_ticker(krj_out_t *o, const krj_snap_t *snap,
    const krj_snap_ticker_t *ticker, krj_visible_pt visible, void *data);


#endif /* _KRJ_RENDER_H_INCLUDED_ */
