
/*
 * Copyright (C) The krj developers
 */


#ifndef _NGX_HTTP_KRJ_SNAPSHOT_H_INCLUDED_
#define _NGX_HTTP_KRJ_SNAPSHOT_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_krj_module.h"


void ngx_http_krj_snapshot_check(ngx_http_krj_main_conf_t *kmcf,
    ngx_log_t *log);
void ngx_http_krj_snapshot_shutdown(ngx_http_krj_main_conf_t *kmcf);
ngx_int_t ngx_http_krj_snapshot_acquire(ngx_http_request_t *r,
    ngx_http_krj_main_conf_t *kmcf, ngx_http_krj_snapshot_t **snapshot);


#endif /* _NGX_HTTP_KRJ_SNAPSHOT_H_INCLUDED_ */
