
/*
 * Copyright (C) The krj developers
 */


#ifndef _NGX_HTTP_KRJ_SNAPSHOT_H_INCLUDED_
#define _NGX_HTTP_KRJ_SNAPSHOT_H_INCLUDED_


/*
 * The snapshot mapping of a worker: the current generation, swapped for a
 * new one when the file changes, and kept mapped while any request that
 * started on it is still being answered.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_krj_module.h"


struct ngx_http_krj_snapshot_s {
    ngx_uint_t                   refcount;  /* requests + 1 while current */
    u_char                      *base;      /* a sealed copy, read-only */
    size_t                       len;
    int                          fd;        /* of the copy */
    ngx_file_t                   file;      /* fd, for sendfile */
    krj_snap_t                   snap;
    ngx_str_t                    generation;
    u_char                       gen[NGX_HTTP_KRJ_GENERATION_LEN];
    ngx_msec_t                   took_us;   /* to copy and validate it */
    ngx_log_t                   *log;
#if (NGX_THREADS)
    ngx_thread_pool_t           *thread_pool;   /* unmaps it, or NULL */
    ngx_thread_task_t            task;
#endif
};


/* at process start and on every tick of krj_reload_interval */
void ngx_http_krj_snapshot_check(ngx_http_krj_main_conf_t *kmcf,
    ngx_uint_t wait, ngx_log_t *log);
void ngx_http_krj_snapshot_shutdown(ngx_http_krj_main_conf_t *kmcf);

/*
 * The generation that answers r, the same for the whole request: NGX_OK
 * with *snapshot set (NULL when none is loaded), NGX_ERROR without memory.
 */
ngx_int_t ngx_http_krj_snapshot_acquire(ngx_http_request_t *r,
    ngx_http_krj_snapshot_t **snapshot);

/* $krj_snapshot and $krj_category (ngx_http_krj_module.c registers them) */
ngx_int_t ngx_http_krj_snapshot_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
ngx_int_t ngx_http_krj_category_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);


#endif /* _NGX_HTTP_KRJ_SNAPSHOT_H_INCLUDED_ */
