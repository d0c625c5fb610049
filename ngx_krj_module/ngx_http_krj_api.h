
/*
 * Copyright (C) The krj developers
 */


#ifndef _NGX_HTTP_KRJ_API_H_INCLUDED_
#define _NGX_HTTP_KRJ_API_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_krj_module.h"


ngx_int_t ngx_http_krj_api_handler(ngx_http_request_t *r);

/* the route of r's path, NGX_HTTP_KRJ_ROUTE_*, for the metrics */
ngx_uint_t ngx_http_krj_api_route(ngx_http_request_t *r);


#endif /* _NGX_HTTP_KRJ_API_H_INCLUDED_ */
