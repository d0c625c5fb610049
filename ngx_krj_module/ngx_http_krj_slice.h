
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
 * connections had their turn.
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
