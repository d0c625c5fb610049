
/*
 * Copyright (C) The krj developers
 */


#ifndef _NGX_HTTP_KRJ_STATUS_H_INCLUDED_
#define _NGX_HTTP_KRJ_STATUS_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>


#include "ngx_http_krj_module.h"


/* krj_status health, ready and metrics */
ngx_int_t ngx_http_krj_status_handler(ngx_http_request_t *r);

char *ngx_http_krj_category_max_age_directive(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);

/* the krj_category_max_age of a category, its own or "*"; 0: none */
time_t ngx_http_krj_category_max_age(ngx_http_krj_main_conf_t *kmcf,
    u_char *slug, size_t len);


#endif /* _NGX_HTTP_KRJ_STATUS_H_INCLUDED_ */
