
/*
 * Copyright (C) The krj developers
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "krj_out.h"
#include "krj_render.h"
#include "ngx_http_krj_metrics.h"
#include "ngx_http_krj_module.h"
#include "ngx_http_krj_response.h"
#include "ngx_http_krj_slice.h"
#include "ngx_http_krj_snapshot.h"


/*
 * The answer is a sequence of items: the part before the rows (item 0),
 * the rows with their separators (1 to nrows), the part after them
 * (nrows + 1).  Measuring stores each item's length, so that writing
 * knows where a slice ends without measuring again, and the bytes are
 * those of krj_render_signals_json() or _csv() by construction.
 */
typedef struct {
    ngx_http_krj_snapshot_t     *snapshot;
    const krj_snap_category_t   *cat;
    ngx_uint_t                   csv;

    /* a copy of the caller's query, on its stack; the arrays in the pool */
    krj_query_t                  q;
    krj_select_t                 sel;
    krj_select_iter_t            it;
    ngx_uint_t                   selected;

    uint32_t                    *lens;      /* of each item */
    uint32_t                     nitems;
    uint32_t                     next;      /* the next item */
    uint32_t                     cost;      /* cells of one row */
    size_t                       total;
    size_t                       longest;   /* item */

    ngx_uint_t                   writing;   /* measured, headers sent */
    ngx_uint_t                   reuse;     /* the filters copy the buf */
    u_char                      *start;
    size_t                       size;
    ngx_buf_t                   *buf;
    ngx_chain_t                  out;
} ngx_http_krj_slice_t;


static void ngx_http_krj_slice_handler(ngx_http_request_t *r);
static ngx_int_t ngx_http_krj_slice_defer(ngx_http_request_t *r,
    ngx_http_krj_main_conf_t *kmcf);
static void ngx_http_krj_slice_charge(ngx_http_krj_main_conf_t *kmcf,
    uint64_t us);
static void ngx_http_krj_slice_turn(ngx_event_t *ev);
static ngx_int_t ngx_http_krj_slice_step(ngx_http_request_t *r,
    ngx_http_krj_slice_t *s);
static ngx_int_t ngx_http_krj_slice_measure(ngx_http_request_t *r,
    ngx_http_krj_slice_t *s);
static ngx_int_t ngx_http_krj_slice_write(ngx_http_request_t *r,
    ngx_http_krj_slice_t *s);
static void ngx_http_krj_slice_item(ngx_http_krj_slice_t *s, krj_out_t *o,
    uint32_t i);
static void ngx_http_krj_slice_wait(ngx_http_request_t *r);
static void ngx_http_krj_slice_next(ngx_http_request_t *r,
    ngx_queue_t *queue);
static void *ngx_http_krj_slice_alloc(void *data, size_t size);


ngx_int_t
ngx_http_krj_slice_signals(ngx_http_request_t *r,
    ngx_http_krj_snapshot_t *snapshot, const krj_snap_category_t *cat,
    const krj_query_t *q, ngx_uint_t csv, krj_select_t *sel)
{
    int                    rc;
    uint32_t               cost;
    ngx_http_krj_ctx_t    *ctx;
    ngx_http_krj_slice_t  *s;

    ctx = ngx_http_krj_ctx(r);
    s = ngx_pcalloc(r->pool, sizeof(ngx_http_krj_slice_t));

    if (ctx == NULL || s == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    s->q = *q;
    cost = q->nfields ? q->nfields : 1;

    rc = krj_query_select_begin(&s->it, &s->sel, &snapshot->snap, cat,
                                &s->q, ngx_http_krj_slice_alloc, r->pool);

    if (rc == KRJ_QUERY_OK
        && (uint64_t) krj_query_select_page(&s->it) * cost
           <= NGX_HTTP_KRJ_SLICE_CELLS)
    {
        rc = krj_query_select_more(&s->it, UINT64_MAX);

        if (rc == KRJ_QUERY_OK) {
            *sel = s->sel;
            return NGX_DECLINED;
        }
    }

    if (rc != KRJ_QUERY_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    s->buf = ngx_calloc_buf(r->pool);
    if (s->buf == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    s->snapshot = snapshot;
    s->cat = cat;
    s->csv = csv;
    s->cost = cost;

    /*
     * HTTP/2 frames point into the bytes they send until they are sent:
     * there a slice has memory of its own; SSL and HTTP/1.x copy or send
     * what they are given before the buf counts as consumed.
     */
    s->reuse = 1;

#if (NGX_HTTP_V2)
    if (r->stream) {
        s->reuse = 0;
    }
#endif

    ctx->slice = s;

    r->main->count++;
    r->write_event_handler = ngx_http_krj_slice_handler;

    ngx_http_krj_slice_handler(r);

    return NGX_DONE;
}


/*
 * One turn: after what the socket has not taken yet, a bounded part of
 * the measure or one slice, if the worker's budget of this turn is not
 * spent; then the other connections, through a post on
 * ngx_posted_next_events, or the socket's write event.  As
 * ngx_http_writer(), a send_timeout without progress ends the request.
 */

static void
ngx_http_krj_slice_handler(ngx_http_request_t *r)
{
    uint64_t                   start;
    ngx_int_t                  rc;
    ngx_event_t               *wev;
    ngx_connection_t          *c;
    ngx_http_krj_ctx_t        *ctx;
    ngx_http_krj_slice_t      *s;
    ngx_http_core_loc_conf_t  *clcf;
    ngx_http_krj_main_conf_t  *kmcf;

    c = r->connection;
    wev = c->write;
    ctx = ngx_http_get_module_ctx(r, ngx_http_krj_module);
    s = ctx->slice;

    if (wev->timedout) {
        ngx_log_error(NGX_LOG_INFO, c->log, NGX_ETIMEDOUT,
                      "client timed out");
        c->timedout = 1;

        ngx_http_finalize_request(r, NGX_HTTP_REQUEST_TIME_OUT);
        return;
    }

    if (wev->delayed) {
        clcf = ngx_http_get_module_loc_conf(r, ngx_http_core_module);

        if (ngx_handle_write_event(wev, clcf->send_lowat) != NGX_OK) {
            ngx_http_finalize_request(r, NGX_ERROR);
        }

        return;
    }

    /* a socket's write event too: the budget is the worker's */

    kmcf = ngx_http_get_module_main_conf(r, ngx_http_krj_module);

    if (ngx_http_krj_slice_defer(r, kmcf) == NGX_OK) {
        return;
    }

    start = ngx_http_krj_metrics_now();

    rc = ngx_http_krj_slice_step(r, s);

    ngx_http_krj_slice_charge(kmcf, ngx_http_krj_metrics_now() - start);

    switch (rc) {

    case NGX_DONE:
        ngx_http_krj_slice_next(r, &ngx_posted_next_events);
        return;

    case NGX_BUSY:
        ngx_http_krj_slice_wait(r);
        return;

    default:
        r->write_event_handler = ngx_http_request_empty_handler;
        ngx_http_finalize_request(r, rc);
    }
}


/*
 * Whether this turn's budget is spent: then the request waits, posted
 * after slice_turn, which renews the budget.  When slice_turn is ahead in
 * this turn's queue (ngx_event_move_posted_next() made it ready), the
 * budget ran out last turn and the requests it passes had their slices
 * then: after it in this turn, behind those that had to wait.  Else in
 * the next turn, after it.  A request is never passed over for longer
 * than the others ahead of it take.
 */

static ngx_int_t
ngx_http_krj_slice_defer(ngx_http_request_t *r,
    ngx_http_krj_main_conf_t *kmcf)
{
    ngx_queue_t  *queue;

    if (kmcf->slice_spent < NGX_HTTP_KRJ_SLICE_TURN) {
        return NGX_DECLINED;
    }

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "krj slice deferred, %uL us sliced this turn",
                   kmcf->slice_spent);

    queue = kmcf->slice_turn.ready ? &ngx_posted_events
                                   : &ngx_posted_next_events;

    ngx_http_krj_slice_next(r, queue);

    return NGX_OK;
}


/*
 * A step of us microseconds.  nginx has no hook at the start of a turn:
 * slice_turn, posted for the next turn when this one first slices, runs
 * there before the requests that post themselves after it, and renews
 * the budget.  When the budget runs out it moves to the tail of the next
 * turn's queue, before the request that spent it posts itself, so that
 * the requests which could not have their slice have theirs first.  The
 * work done while it waits ahead in this turn's queue (a socket's write
 * event, the requests before it) counts apart as this turn's.  A posted
 * event, not a timer: it keeps no worker from exiting, and it is in the
 * cycle, which outlives the worker's events.
 */

static void
ngx_http_krj_slice_charge(ngx_http_krj_main_conf_t *kmcf, uint64_t us)
{
    uint64_t      turn;
    ngx_event_t  *ev;

    ev = &kmcf->slice_turn;

    kmcf->slice_spent += us;

    if (ev->posted && ev->ready) {
        kmcf->slice_early += us;
        turn = kmcf->slice_early;

    } else {
        turn = kmcf->slice_spent;
    }

    if (turn >= NGX_HTTP_KRJ_SLICE_TURN) {
        kmcf->slice_spent = turn;

        if (ev->posted) {
            ngx_delete_posted_event(ev);
        }

    } else if (ev->posted) {
        return;
    }

    if (ev->handler == NULL) {
        ev->handler = ngx_http_krj_slice_turn;
        ev->data = kmcf;
        ev->log = ngx_cycle->log;
    }

    /* ngx_event_move_posted_next() sets it when the next turn begins */
    ev->ready = 0;

    kmcf->slice_early = 0;

    ngx_post_event(ev, &ngx_posted_next_events);
}


static void
ngx_http_krj_slice_turn(ngx_event_t *ev)
{
    ngx_http_krj_main_conf_t  *kmcf;

    kmcf = ev->data;

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, ev->log, 0,
                   "krj slice turn, %uL us sliced since the last, "
                   "%uL of them in this turn", kmcf->slice_spent,
                   kmcf->slice_early);

    kmcf->slice_spent = kmcf->slice_early;
    kmcf->slice_early = 0;
}


/*
 * Whether the filters took the last slice: r->out alone may be the
 * headers, which the write filter holds for postpone_output until the
 * first slice, a flush, comes.  Then the next step.
 */

static ngx_int_t
ngx_http_krj_slice_step(ngx_http_request_t *r, ngx_http_krj_slice_t *s)
{
    ngx_int_t  rc;

    if (s->writing && s->buf->pos != s->buf->last) {
        rc = ngx_http_output_filter(r, NULL);

        if (rc == NGX_ERROR) {
            return NGX_ERROR;
        }

        if (s->buf->pos != s->buf->last) {
            return NGX_BUSY;
        }
    }

    return s->writing ? ngx_http_krj_slice_write(r, s)
                      : ngx_http_krj_slice_measure(r, s);
}


/*
 * NGX_DONE: more to do next turn; NGX_BUSY: the socket is full; else
 * the request is over, with that result (HEAD, 304, an error).
 */

static ngx_int_t
ngx_http_krj_slice_measure(ngx_http_request_t *r, ngx_http_krj_slice_t *s)
{
    uint32_t             budget, len;
    krj_out_t            o;
    ngx_int_t            rc;
    ngx_http_krj_body_t  b;

    if (!s->selected) {
        switch (krj_query_select_more(&s->it, NGX_HTTP_KRJ_SLICE_SELECT)) {

        case KRJ_QUERY_AGAIN:
            return NGX_DONE;

        case KRJ_QUERY_OK:
            break;

        default: /* KRJ_QUERY_NOMEM */
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        s->selected = 1;
        s->nitems = s->sel.nrows + 2;
        s->lens = ngx_palloc(r->pool, (size_t) s->nitems * sizeof(uint32_t));

        if (s->lens == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        return NGX_DONE;
    }

    budget = NGX_HTTP_KRJ_SLICE_MEASURE;

    while (s->next < s->nitems) {
        krj_out_init(&o, NULL);
        ngx_http_krj_slice_item(s, &o, s->next);

        len = (uint32_t) o.len;
        s->lens[s->next++] = len;
        s->total += len;

        if (len > s->longest) {
            s->longest = len;
        }

        if (budget <= s->cost) {
            break;
        }

        budget -= s->cost;
    }

    if (s->next < s->nitems) {
        return NGX_DONE;
    }

    ngx_memzero(&b, sizeof(ngx_http_krj_body_t));

    b.type = s->csv ? NGX_HTTP_KRJ_CSV : NGX_HTTP_KRJ_JSON;
    b.in_pool = 1;
    b.len = s->total;

    rc = ngx_http_krj_send_data_header(r, s->snapshot, &b);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    /* a slice holds at least one item, however long */

    s->size = ngx_max(s->longest, NGX_HTTP_KRJ_SLICE_SIZE);
    s->writing = 1;
    s->next = 0;

    if (s->reuse) {
        s->start = ngx_palloc(r->pool, s->size);
        if (s->start == NULL) {
            return NGX_ERROR;
        }
    }

    return NGX_DONE;
}


static ngx_int_t
ngx_http_krj_slice_write(ngx_http_request_t *r, ngx_http_krj_slice_t *s)
{
    u_char      *p;
    size_t       used;
    uint32_t     budget;
    krj_out_t    o;
    ngx_int_t    rc;
    ngx_buf_t   *b;

    if (!s->reuse) {
        s->start = ngx_palloc(r->pool, s->size);
        s->buf = ngx_calloc_buf(r->pool);

        if (s->start == NULL || s->buf == NULL) {
            return NGX_ERROR;
        }
    }

    p = s->start;
    used = 0;
    budget = NGX_HTTP_KRJ_SLICE_CELLS;

    while (s->next < s->nitems) {
        if (used
            && (used + s->lens[s->next] > s->size || budget < s->cost))
        {
            break;
        }

        krj_out_init(&o, p + used);
        ngx_http_krj_slice_item(s, &o, s->next);

        used += s->lens[s->next++];
        budget = (budget > s->cost) ? budget - s->cost : 0;
    }

    b = s->buf;

    b->pos = s->start;
    b->last = s->start + used;
    b->start = s->start;
    b->end = s->start + s->size;
    b->temporary = 1;

    /* a short slice is sent now, not held for postpone_output */
    b->flush = 1;

    if (s->next == s->nitems) {
        b->last_buf = (r == r->main) ? 1 : 0;
        b->last_in_chain = 1;
    }

    s->out.buf = b;
    s->out.next = NULL;

    rc = ngx_http_output_filter(r, &s->out);

    if (rc == NGX_ERROR || s->next == s->nitems) {
        /* the last slice: nginx's writer sends what is left */
        return rc;
    }

    if (b->pos != b->last) {
        return NGX_BUSY;
    }

    return NGX_DONE;
}


static void
ngx_http_krj_slice_item(ngx_http_krj_slice_t *s, krj_out_t *o, uint32_t i)
{
    const krj_snap_t  *snap;

    snap = &s->snapshot->snap;

    if (i == 0) {
        krj_render_signals_start(o, snap, s->cat, &s->q, &s->sel, s->csv);

    } else if (i == s->nitems - 1) {
        krj_render_signals_end(o, s->csv);

    } else {
        krj_render_signals_item(o, snap, s->cat, &s->q, &s->sel, s->csv,
                                i - 1);
    }
}


/*
 * The socket's write event, or, when the event says it is ready but a
 * filter still holds bytes, the next turn.
 */

static void
ngx_http_krj_slice_wait(ngx_http_request_t *r)
{
    ngx_event_t               *wev;
    ngx_http_core_loc_conf_t  *clcf;

    wev = r->connection->write;

    if (wev->ready) {
        ngx_http_krj_slice_next(r, &ngx_posted_next_events);
        return;
    }

    clcf = ngx_http_get_module_loc_conf(r, ngx_http_core_module);

    ngx_add_timer(wev, clcf->send_timeout);

    if (ngx_handle_write_event(wev, clcf->send_lowat) != NGX_OK) {
        r->write_event_handler = ngx_http_request_empty_handler;
        ngx_http_finalize_request(r, NGX_ERROR);
    }
}


/*
 * The next turn, after the other connections' events (or later in this
 * turn, when the budget waits in queue).  The send_timeout timer stays
 * armed meanwhile: progress, or a wait for the budget, moves it on, and a
 * worker that is shutting down waits for the answer (it exits when no
 * timer is left).
 */

static void
ngx_http_krj_slice_next(ngx_http_request_t *r, ngx_queue_t *queue)
{
    ngx_event_t               *wev;
    ngx_http_core_loc_conf_t  *clcf;

    wev = r->connection->write;
    clcf = ngx_http_get_module_loc_conf(r, ngx_http_core_module);

    ngx_add_timer(wev, clcf->send_timeout);
    ngx_post_event(wev, queue);
}


static void *
ngx_http_krj_slice_alloc(void *data, size_t size)
{
    return ngx_palloc(data, size ? size : 1);
}
