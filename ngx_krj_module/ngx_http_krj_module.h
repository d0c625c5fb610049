
/*
 * Copyright (C) The krj developers
 */


#ifndef _NGX_HTTP_KRJ_MODULE_H_INCLUDED_
#define _NGX_HTTP_KRJ_MODULE_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "krj_snapshot.h"
#include "ngx_http_krj_limit.h"


#define NGX_HTTP_KRJ_STATUS_HEALTH   1
#define NGX_HTTP_KRJ_STATUS_READY    2

#define NGX_HTTP_KRJ_REASON_LEN      512

/* hex digits of the checksum prefix that names a generation */
#define NGX_HTTP_KRJ_GENERATION_LEN  16


/* what identifies a snapshot file on disk: a rename changes the inode */
typedef struct {
    dev_t                        dev;
    ino_t                        ino;
    off_t                        size;
    time_t                       mtime;
    long                         mtime_nsec;
} ngx_http_krj_ident_t;


typedef struct ngx_http_krj_snapshot_s  ngx_http_krj_snapshot_t;

struct ngx_http_krj_snapshot_s {
    ngx_uint_t                   refcount;  /* requests + 1 while current */
    u_char                      *base;
    size_t                       len;
    krj_snap_t                   snap;
    ngx_http_krj_ident_t         ident;
    ngx_str_t                    generation;
    u_char                       gen[NGX_HTTP_KRJ_GENERATION_LEN];
    ngx_log_t                   *log;
};


/* the part of krj_zone in shared memory */
typedef struct {
    uint64_t                     requests;
    uint64_t                     loads;
    uint64_t                     refusals;
    int64_t                      generated_at;  /* of the last load */
    u_char                       generation[NGX_HTTP_KRJ_GENERATION_LEN];

    /* the last refused file, so that one worker logs it, not all */
    ngx_http_krj_ident_t         refused;
    ngx_uint_t                   refused_err;

    /* krj_limit, krj_auth_fail_limit and the Basic cache */
    ngx_http_krj_limit_sh_t      limit;
} ngx_http_krj_shctx_t;


typedef struct {
    ngx_http_krj_shctx_t        *sh;
    ngx_slab_pool_t             *shpool;
} ngx_http_krj_zone_ctx_t;


typedef struct {
    ngx_str_t                    snapshot;
    ngx_msec_t                   reload_interval;
    time_t                       max_age;       /* 0: off */
    ngx_shm_zone_t              *shm_zone;
    ngx_uint_t                   used;          /* a location serves data */

    /* per worker process */
    ngx_http_krj_snapshot_t     *current;
    ngx_event_t                  reload_event;
    ngx_http_krj_ident_t         refused;
    ngx_err_t                    refused_err;
    ngx_uint_t                   has_refused;
    size_t                       reason_len;    /* why current is NULL */
    u_char                       reason[NGX_HTTP_KRJ_REASON_LEN];
} ngx_http_krj_main_conf_t;


typedef struct {
    ngx_uint_t                   api;
    ngx_uint_t                   status;        /* NGX_HTTP_KRJ_STATUS_* */
} ngx_http_krj_loc_conf_t;


/* the request's view: one generation for the whole answer */
typedef struct {
    ngx_http_krj_snapshot_t     *snapshot;
    ngx_str_t                    category;
} ngx_http_krj_ctx_t;


void ngx_http_krj_zone_count_request(ngx_http_krj_main_conf_t *kmcf);
void ngx_http_krj_zone_count_load(ngx_http_krj_main_conf_t *kmcf,
    ngx_http_krj_snapshot_t *snapshot);
ngx_uint_t ngx_http_krj_zone_count_refusal(ngx_http_krj_main_conf_t *kmcf,
    ngx_http_krj_ident_t *ident, ngx_err_t err);


extern ngx_module_t  ngx_http_krj_module;


#endif /* _NGX_HTTP_KRJ_MODULE_H_INCLUDED_ */
