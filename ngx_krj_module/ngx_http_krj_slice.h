
/*
 * Copyright (C) The krj developers
 */


#ifndef _NGX_HTTP_KRJ_SLICE_H_INCLUDED_
#define _NGX_HTTP_KRJ_SLICE_H_INCLUDED_


/*
 * A large filtered answer of /signals/ (thousands of rows, megabytes)
 * written a slice at a time, so that one request never holds the worker
 * for longer than a slice: the rows are selected, then the answer
 * measured, a bounded number of steps per event-loop turn; its headers
 * are sent with the exact Content-Length, then its bytes rendered at most
 * NGX_HTTP_KRJ_SLICE_SIZE at a time into one buffer the request reuses,
 * the next slice when the socket took the last one and the other
 * connections had their turn.  All of a worker's answers together slice
 * for at most NGX_HTTP_KRJ_SLICE_TURN (and one step) per turn, in turns.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "krj_query.h"
#include "ngx_http_krj_module.h"


/* the bytes of one slice, and the cells (rows times fields) it may cost */
#define NGX_HTTP_KRJ_SLICE_SIZE       16384
#define NGX_HTTP_KRJ_SLICE_CELLS      512

/*
 * what measuring may cost in one turn (it only adds up lengths), and the
 * positions the selection may walk or merge (krj_query_select_more())
 */
#define NGX_HTTP_KRJ_SLICE_MEASURE    1024
#define NGX_HTTP_KRJ_SLICE_SELECT     1024

/*
 * The slicing all requests of a worker may do in one turn of the event
 * loop, in microseconds: a slice bounds one request's turn, this their sum,
 * so that a short request arriving meanwhile (/health) waits for about a
 * millisecond of slicing and one step, however many answers are on their
 * way.  Time rather than a count of steps: steps differ (a measure adds
 * up lengths, a slice renders and sends, through gzip or SSL when they
 * are on), and the clock charges each what it cost, the send included;
 * a step in which the worker lost its core counts that wait too, and the
 * turn ends sooner, when the others have waited already.
 */
#define NGX_HTTP_KRJ_SLICE_TURN       1000


/*
 * The answer of query q: NGX_DECLINED when its page costs no more than a
 * slice, with the selection made in *sel for the caller to render at once
 * as before; else the content handler's result, NGX_DONE, the selection
 * made a bounded number of steps per turn too, the request finalized
 * when the last slice is sent or the client is gone.
 */
ngx_int_t ngx_http_krj_slice_signals(ngx_http_request_t *r,
    ngx_http_krj_snapshot_t *snapshot, const krj_snap_category_t *cat,
    const krj_query_t *q, ngx_uint_t csv, krj_select_t *sel);


#endif /* _NGX_HTTP_KRJ_SLICE_H_INCLUDED_ */
