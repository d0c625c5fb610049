
/*
 * Copyright (C) The krj developers
 */


#ifndef _NGX_HTTP_KRJ_MODULE_H_INCLUDED_
#define _NGX_HTTP_KRJ_MODULE_H_INCLUDED_


/*
 * The core of ngx_http_krj_module: its configuration and the request's
 * view of krj.  The core files (module, zone, file, snapshot, api, status,
 * response) never include the auth files; the access phase tells the core
 * what it decided through ngx_http_krj_ctx_t.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#if (NGX_THREADS)
#include <ngx_thread_pool.h>
#endif

#include "krj_query.h"
#include "krj_snapshot.h"
#include "ngx_http_krj_file.h"


#define NGX_HTTP_KRJ_STATUS_HEALTH   1
#define NGX_HTTP_KRJ_STATUS_READY    2
#define NGX_HTTP_KRJ_STATUS_METRICS  3

/* how the principal of a request was told, $krj_auth_method */
#define NGX_HTTP_KRJ_METHOD_NONE     0
#define NGX_HTTP_KRJ_METHOD_KEY      1
#define NGX_HTTP_KRJ_METHOD_BASIC    2
#define NGX_HTTP_KRJ_METHOD_SESSION  3

#define NGX_HTTP_KRJ_REASON_LEN      512

/* hex digits of the checksum prefix that names a generation */
#define NGX_HTTP_KRJ_GENERATION_LEN  16


typedef struct ngx_http_krj_snapshot_s  ngx_http_krj_snapshot_t;


/* the categories a principal may read */
typedef struct {
    ngx_str_t                    list;      /* slugs, comma separated */
    unsigned                     all:1;
} ngx_http_krj_scopes_t;


/* krj_category_max_age */
typedef struct {
    ngx_str_t                    slug;      /* or "*" */
    time_t                       age;
} ngx_http_krj_max_age_t;


typedef struct {
    ngx_str_t                    snapshot;
    ngx_msec_t                   reload_interval;
    time_t                       max_age;       /* 0: off */
    ngx_array_t                 *category_max_age;  /* or NULL */
    ngx_shm_zone_t              *shm_zone;      /* krj_zone, or NULL */
    ngx_uint_t                   used;          /* a location serves data */
    ngx_uint_t                   metrics;       /* krj_status metrics */
#if (NGX_THREADS)
    ngx_thread_pool_t           *thread_pool;   /* NULL: load in the loop */
    ngx_thread_task_t           *task;          /* per worker, made once */
#endif
    ngx_flag_t                   thread_pool_set;

    /* krj_max_limit, krj_max_offset, krj_max_tickers, krj_max_fields */
    ngx_int_t                    max_limit;
    ngx_int_t                    max_offset;
    ngx_int_t                    max_tickers;
    ngx_int_t                    max_fields;
    krj_query_bounds_t           bounds;        /* the four, for the parser */

    /* per worker process */
    ngx_http_krj_snapshot_t     *current;
    ngx_uint_t                   loading;       /* a load is in a thread */
    ngx_event_t                  reload_event;
    ngx_http_krj_file_t          file;
    size_t                       reason_len;    /* why current is NULL */
    u_char                       reason[NGX_HTTP_KRJ_REASON_LEN];

    /* the file on disk is refused while current is served: /ready */
    ngx_uint_t                   stale;
    ngx_msec_t                   stale_since;
    size_t                       stale_reason_len;
    u_char                       stale_reason[NGX_HTTP_KRJ_REASON_LEN];

    /* the slicing work of this turn, all requests' (ngx_http_krj_slice.c) */
    ngx_event_t                  slice_turn;
    uint64_t                     slice_spent;   /* microseconds */
    uint64_t                     slice_early;   /* before slice_turn ran */
} ngx_http_krj_main_conf_t;


typedef struct {
    ngx_uint_t                   api;
    ngx_uint_t                   dashboard;     /* krj_dashboard */
    ngx_uint_t                   status;        /* NGX_HTTP_KRJ_STATUS_* */
    ngx_str_t                    dashboard_api; /* krj_dashboard_api */
} ngx_http_krj_loc_conf_t;


/*
 * What the access phase decided, for the answer: a refusal's status and
 * JSON error, and the headers that go with it only (a challenge must not
 * stay on an answer that satisfy any let through); or, for a 401, a page
 * to send the client to instead (the login page of a dashboard).
 */
typedef struct {
    ngx_uint_t                   status;        /* 0: none */
    const char                  *code;
    ngx_str_t                    message;
    ngx_array_t                 *headers;       /* ngx_table_elt_t * */
    ngx_str_t                    location;      /* a 303 to it instead */
} ngx_http_krj_refusal_t;


/*
 * The request's view: one generation for the whole answer, the category
 * it names, and, on the main request, the scopes of its principal and
 * any refusal of the access phase.
 */
typedef struct {
    ngx_http_krj_snapshot_t     *snapshot;
    ngx_str_t                    category;
    ngx_http_krj_scopes_t       *scopes;        /* NULL: every category */
    ngx_uint_t                   method;        /* NGX_HTTP_KRJ_METHOD_* */
    ngx_http_krj_refusal_t       refusal;

    /* for the counters of ngx_http_krj_metrics.c */
    uint64_t                     start_us;
    ngx_uint_t                   route;
    ngx_uint_t                   encoding;

    /* an answer being written in slices (ngx_http_krj_slice.c) */
    void                        *slice;

    unsigned                     replace_body:1;
} ngx_http_krj_ctx_t;


/* the request's ctx, made on first use; NULL when out of memory */
ngx_http_krj_ctx_t *ngx_http_krj_ctx(ngx_http_request_t *r);

/* the scopes of the principal of the main request, NULL: every category */
ngx_http_krj_scopes_t *ngx_http_krj_scopes(ngx_http_request_t *r);

/* preconfiguration: the variables of vars, up to a null one */
ngx_int_t ngx_http_krj_add_vars(ngx_conf_t *cf, ngx_http_variable_t *vars);

/* the next header of r named name (len bytes) after after, or NULL */
ngx_table_elt_t *ngx_http_krj_header_in(ngx_http_request_t *r,
    ngx_table_elt_t *after, const char *name, size_t len);

/* how the principal of a scoped main request was told */
ngx_uint_t ngx_http_krj_method(ngx_http_request_t *r);

/* whether scopes (NULL: all) allow the category slug */
ngx_uint_t ngx_http_krj_scopes_allow(ngx_http_krj_scopes_t *scopes,
    const u_char *slug, size_t len);


extern ngx_module_t  ngx_http_krj_module;


#endif /* _NGX_HTTP_KRJ_MODULE_H_INCLUDED_ */
