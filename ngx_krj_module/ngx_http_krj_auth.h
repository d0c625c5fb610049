
/*
 * Copyright (C) The krj developers
 */


#ifndef _NGX_HTTP_KRJ_AUTH_H_INCLUDED_
#define _NGX_HTTP_KRJ_AUTH_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_krj_module.h"


/*
 * Whether the request's principal may read the category slug: 1 when
 * no krj_auth applies to it or its scopes name the category or "*".
 */
ngx_uint_t ngx_http_krj_auth_allows(ngx_http_request_t *r, u_char *slug,
    size_t len);

/*
 * The scope list of a principal that sees only some categories, NULL when
 * it sees them all: the answers about several categories differ by it.
 */
ngx_str_t *ngx_http_krj_auth_restricted(ngx_http_request_t *r);

/* /categories, /summary (summary == 1) and /tickers/{t}, restricted */
ngx_int_t ngx_http_krj_auth_send_list(ngx_http_request_t *r,
    ngx_http_krj_snapshot_t *snapshot, ngx_uint_t summary);
ngx_int_t ngx_http_krj_auth_send_ticker(ngx_http_request_t *r,
    ngx_http_krj_snapshot_t *snapshot, const krj_snap_ticker_t *ticker);


extern ngx_module_t  ngx_http_krj_auth_module;


#endif /* _NGX_HTTP_KRJ_AUTH_H_INCLUDED_ */
