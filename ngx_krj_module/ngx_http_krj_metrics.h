
/*
 * Copyright (C) The krj developers
 */


#ifndef _NGX_HTTP_KRJ_METRICS_H_INCLUDED_
#define _NGX_HTTP_KRJ_METRICS_H_INCLUDED_


/*
 * The counters of krj_zone, shared by every worker, so each request is
 * counted once whichever worker answered it: atomic adds on the request
 * path, no lock.  Read by krj_status metrics as Prometheus' text
 * exposition format or OpenMetrics.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_krj_module.h"


/* the route label: what a request asked for */
#define NGX_HTTP_KRJ_ROUTE_NONE         0   /* not answered by krj */
#define NGX_HTTP_KRJ_ROUTE_CATEGORIES   1
#define NGX_HTTP_KRJ_ROUTE_SIGNALS      2
#define NGX_HTTP_KRJ_ROUTE_SIGNALS_CSV  3
#define NGX_HTTP_KRJ_ROUTE_TICKERS      4
#define NGX_HTTP_KRJ_ROUTE_SUMMARY      5
#define NGX_HTTP_KRJ_ROUTE_HISTORY      6
#define NGX_HTTP_KRJ_ROUTE_INDEX        7
#define NGX_HTTP_KRJ_ROUTE_DASHBOARD    8
#define NGX_HTTP_KRJ_ROUTE_ASSETS       9
#define NGX_HTTP_KRJ_ROUTE_LOGIN        10
#define NGX_HTTP_KRJ_ROUTE_HEALTH       11
#define NGX_HTTP_KRJ_ROUTE_READY        12
#define NGX_HTTP_KRJ_ROUTE_METRICS      13
#define NGX_HTTP_KRJ_ROUTE_OTHER        14  /* an unknown path, a 405 */
#define NGX_HTTP_KRJ_ROUTES             15

#define NGX_HTTP_KRJ_ENC_IDENTITY       0
#define NGX_HTTP_KRJ_ENC_GZIP           1
#define NGX_HTTP_KRJ_ENC_BR             2
#define NGX_HTTP_KRJ_ENC_ZSTD           3
#define NGX_HTTP_KRJ_ENCODINGS          4

/* krj_auth outcomes, by method */
#define NGX_HTTP_KRJ_AUTH_OK            0
#define NGX_HTTP_KRJ_AUTH_BAD           1   /* bad_credentials */
#define NGX_HTTP_KRJ_AUTH_EXPIRED       2
#define NGX_HTTP_KRJ_AUTH_REVOKED       3
#define NGX_HTTP_KRJ_AUTH_FORBIDDEN     4   /* forbidden_scope */
#define NGX_HTTP_KRJ_AUTH_LOCKED        5   /* locked_out */
#define NGX_HTTP_KRJ_AUTH_MISSING       6   /* none presented */
#define NGX_HTTP_KRJ_AUTH_RESULTS       7

#define NGX_HTTP_KRJ_METHODS            4   /* none, key, basic, session */

/* why a snapshot was refused */
#define NGX_HTTP_KRJ_REFUSED_OPEN       0   /* missing, unreadable */
#define NGX_HTTP_KRJ_REFUSED_SIZE       1   /* not a file, short, large */
#define NGX_HTTP_KRJ_REFUSED_READ       2   /* failed or short read */
#define NGX_HTTP_KRJ_REFUSED_INVALID    3   /* the validator said no */
#define NGX_HTTP_KRJ_REFUSALS           4

/* single counters */
#define NGX_HTTP_KRJ_M_RATE_LIMITED     0
#define NGX_HTTP_KRJ_M_CACHE_HIT        1
#define NGX_HTTP_KRJ_M_CACHE_MISS       2
#define NGX_HTTP_KRJ_M_SESSION_OK       3
#define NGX_HTTP_KRJ_M_SESSION_REFUSED  4
#define NGX_HTTP_KRJ_M_LOADS            5
#define NGX_HTTP_KRJ_M_EVICTIONS        6
#define NGX_HTTP_KRJ_COUNTERS           7

/* request duration buckets, in microseconds, from 50 us to 1 s */
#define NGX_HTTP_KRJ_BUCKETS            14


typedef struct {
    ngx_atomic_t                 requests[NGX_HTTP_KRJ_ROUTES][5];
    ngx_atomic_t                 bytes[NGX_HTTP_KRJ_ROUTES]
                                      [NGX_HTTP_KRJ_ENCODINGS];
    /* per bucket, not cumulative: the scrape adds them up */
    ngx_atomic_t                 duration[NGX_HTTP_KRJ_ROUTES]
                                         [NGX_HTTP_KRJ_BUCKETS + 1];
    ngx_atomic_t                 duration_us[NGX_HTTP_KRJ_ROUTES];
    ngx_atomic_t                 auth[NGX_HTTP_KRJ_METHODS]
                                     [NGX_HTTP_KRJ_AUTH_RESULTS];
    ngx_atomic_t                 refusals[NGX_HTTP_KRJ_REFUSALS];
    ngx_atomic_t                 counters[NGX_HTTP_KRJ_COUNTERS];
    ngx_atomic_t                 nodes;
    ngx_atomic_t                 load_us;   /* of the last load */
} ngx_http_krj_metrics_t;


/* "categories", ...: $krj_route and the route label */
extern ngx_str_t  ngx_http_krj_route_names[NGX_HTTP_KRJ_ROUTES];


/*
 * postconfiguration: the stamp of the post-read phase, the route in the
 * preaccess phase, the count in the log phase
 */
ngx_int_t ngx_http_krj_metrics_init(ngx_conf_t *cf);

/* a route more precise than the location's, known to its handler */
void ngx_http_krj_metrics_route(ngx_http_request_t *r, ngx_uint_t route);

/* the request's authentication outcome, counted once when it is logged */
void ngx_http_krj_metrics_auth(ngx_http_request_t *r, ngx_uint_t method,
    ngx_uint_t result);

/* one of the single counters, NGX_HTTP_KRJ_M_* */
void ngx_http_krj_metrics_count(ngx_http_request_t *r, ngx_uint_t counter);

/* the zone's counters, from outside a request (loads, evictions) */
ngx_http_krj_metrics_t *ngx_http_krj_metrics_of(
    ngx_http_krj_main_conf_t *kmcf);

/*
 * The monotonic clock in microseconds (vDSO), for the latency buckets
 * and the slices' budget (ngx_http_krj_slice.c): nginx's cached time is
 * to the millisecond
 */
uint64_t ngx_http_krj_metrics_now(void);

/* krj_status metrics */
ngx_int_t ngx_http_krj_metrics_handler(ngx_http_request_t *r);

/* $krj_route */
ngx_int_t ngx_http_krj_metrics_route_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);


#endif /* _NGX_HTTP_KRJ_METRICS_H_INCLUDED_ */
