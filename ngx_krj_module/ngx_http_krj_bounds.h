
/*
 * Copyright (C) The krj developers
 */


#ifndef _NGX_HTTP_KRJ_BOUNDS_H_INCLUDED_
#define _NGX_HTTP_KRJ_BOUNDS_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_krj_module.h"


/*
 * The query bounds, krj_max_limit and the like: their ranges for nginx -t
 * (ngx_http_krj_check_bound() says which directive is out of range), and
 * their defaults for the unset ones, copied into kmcf->bounds.
 */
extern ngx_conf_num_bounds_t  ngx_http_krj_limit_bounds;
extern ngx_conf_num_bounds_t  ngx_http_krj_offset_bounds;
extern ngx_conf_num_bounds_t  ngx_http_krj_items_bounds;

char *ngx_http_krj_check_bound(ngx_conf_t *cf, void *post, void *data);
void ngx_http_krj_bounds_init(ngx_http_krj_main_conf_t *kmcf);


#endif /* _NGX_HTTP_KRJ_BOUNDS_H_INCLUDED_ */
