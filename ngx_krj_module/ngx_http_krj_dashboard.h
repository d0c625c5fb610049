
/*
 * Copyright (C) The krj developers
 */


#ifndef _NGX_HTTP_KRJ_DASHBOARD_H_INCLUDED_
#define _NGX_HTTP_KRJ_DASHBOARD_H_INCLUDED_


/*
 * krj_dashboard: the HTML dashboard of a prefix location
 * (dashboard/MARKUP.md): {prefix} and {prefix}/ redirect to the first
 * tab, {prefix}/{slug} is a category's page, {prefix}/print the print
 * view, {prefix}/login the sign-in form, {prefix}/assets/ the assets.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>


/* krj_dashboard; in a prefix location, a path of safe characters */
char *ngx_http_krj_dashboard_directive(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);

/* krj_dashboard_api /api/v1: the API the download links point to */
char *ngx_http_krj_dashboard_api_directive(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);

ngx_int_t ngx_http_krj_dashboard_handler(ngx_http_request_t *r);

/* the metrics' route of a dashboard request: dashboard, assets or login */
ngx_uint_t ngx_http_krj_dashboard_route(ngx_http_request_t *r);


#endif /* _NGX_HTTP_KRJ_DASHBOARD_H_INCLUDED_ */
