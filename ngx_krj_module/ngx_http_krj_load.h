
/*
 * Copyright (C) The krj developers
 */


#ifndef _NGX_HTTP_KRJ_LOAD_H_INCLUDED_
#define _NGX_HTTP_KRJ_LOAD_H_INCLUDED_


/*
 * Loading one state of the snapshot file: a private, sealed copy of it,
 * validated completely.  The work is pure: no nginx event, log or pool is
 * touched, so it runs in a thread pool task while the worker goes on
 * answering (or in the event loop when there is no thread pool); its
 * outcome is applied in the event loop.
 */


#include <ngx_config.h>
#include <ngx_core.h>

#include "krj_snapshot.h"
#include "ngx_http_krj_module.h"


typedef struct {
    /* in: the open file, the size fstat() gave */
    ngx_fd_t                     fd;
    size_t                       len;
    ngx_str_t                    path;

    /* out */
    ngx_uint_t                   ok;
    ngx_uint_t                   refusal;   /* NGX_HTTP_KRJ_REFUSED_* */
    int                          memfd;     /* of the copy, or -1 */
    u_char                      *base;      /* its read-only mapping */
    krj_snap_t                   snap;
    size_t                       reason_len;
    u_char                       reason[NGX_HTTP_KRJ_REASON_LEN];
} ngx_http_krj_load_t;


/* copies the file into a sealed memfd and validates it; ok says how */
void ngx_http_krj_load_run(ngx_http_krj_load_t *load);

/* releases what a load made that is not kept (after a failure) */
void ngx_http_krj_load_discard(ngx_http_krj_load_t *load, ngx_log_t *log);


#endif /* _NGX_HTTP_KRJ_LOAD_H_INCLUDED_ */
