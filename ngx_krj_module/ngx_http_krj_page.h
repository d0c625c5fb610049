
/*
 * Copyright (C) The krj developers
 */


#ifndef _NGX_HTTP_KRJ_PAGE_H_INCLUDED_
#define _NGX_HTTP_KRJ_PAGE_H_INCLUDED_


/*
 * The dashboard's pages for a request: krj_page.h's renderers given the
 * request's location, API location, user, time and scopes, and the
 * answers sent through ngx_http_krj_response.c.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "krj_page.h"
#include "ngx_http_krj_module.h"


/* a renderer of a page for krj_page_t pg, measured then written */
typedef void (*ngx_http_krj_render_pt)(krj_out_t *o, const krj_page_t *pg,
    const void *arg);


/*
 * The krj_page_t of r (snapshot may be NULL: no data yet); user: the
 * signed-in user's name, or an empty string.
 */
void ngx_http_krj_page_init(ngx_http_request_t *r,
    ngx_http_krj_snapshot_t *snapshot, ngx_str_t *user, krj_page_t *pg);

/*
 * A page rendered for r: status 0 is a 200 with an ETag of everything the
 * bytes vary by, any other an error page without validators.
 */
ngx_int_t ngx_http_krj_page_send(ngx_http_request_t *r,
    ngx_http_krj_snapshot_t *snapshot, krj_page_t *pg, ngx_uint_t status,
    ngx_http_krj_render_pt render, const void *arg);

/* an error page of status, the API's code and a message (ngx_sprintf) */
ngx_int_t ngx_http_krj_page_error(ngx_http_request_t *r,
    ngx_http_krj_snapshot_t *snapshot, krj_page_t *pg, ngx_uint_t status,
    const char *code, const krj_snap_category_t *cat, const char *fmt, ...);

/*
 * The unfiltered page of cat as it was pre-rendered: its spans from the
 * mapping, gzip when the client takes it, and the few bytes of the
 * request between them; nothing rendered but the header and the tabs.
 */
ngx_int_t ngx_http_krj_page_spans(ngx_http_request_t *r,
    ngx_http_krj_snapshot_t *snapshot, krj_page_t *pg,
    const krj_snap_category_t *cat);

/* the asset of that name (krj.{hash}.css...), or NGX_DECLINED */
ngx_int_t ngx_http_krj_page_asset(ngx_http_request_t *r,
    ngx_http_krj_snapshot_t *snapshot, ngx_str_t *name);

/*
 * For the refusal filter of a dashboard location: the page of a refusal
 * of the access phase, in the pool; NULL without memory.
 */
u_char *ngx_http_krj_page_refusal(ngx_http_request_t *r, ngx_uint_t status,
    const char *code, ngx_str_t *message, size_t *len);

/* the location's path without a final "/": "/krj" ("" at the root) */
void ngx_http_krj_page_prefix(ngx_http_request_t *r, ngx_str_t *prefix);


#endif /* _NGX_HTTP_KRJ_PAGE_H_INCLUDED_ */
