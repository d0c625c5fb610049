
/*
 * Copyright (C) The krj developers
 */


/*
 * The refusals of the access phase (krj_auth, the limits): recorded on the
 * request's ctx, returned as a status so that satisfy any and error_page
 * apply, and given their body by the two filters here when nginx answers
 * with its own page for that status: the JSON error, the 303 to a login
 * page, or an HTML page on a dashboard location.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_krj_module.h"
#include "ngx_http_krj_page.h"
#include "ngx_http_krj_response.h"


static ngx_int_t ngx_http_krj_header_filter(ngx_http_request_t *r);
static ngx_int_t ngx_http_krj_body_filter(ngx_http_request_t *r,
    ngx_chain_t *in);


static ngx_http_output_header_filter_pt  ngx_http_next_header_filter;
static ngx_http_output_body_filter_pt    ngx_http_next_body_filter;


static ngx_str_t  ngx_http_krj_location_key = ngx_string("Location");


ngx_int_t
ngx_http_krj_refuse(ngx_http_request_t *r, ngx_uint_t status,
    const char *code, const char *fmt, ...)
{
    va_list              args;
    ngx_http_krj_ctx_t  *ctx;
    u_char               msg[NGX_HTTP_KRJ_MESSAGE_LEN];

    ctx = ngx_http_krj_ctx(r->main);
    if (ctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    va_start(args, fmt);
    ctx->refusal.message.len = ngx_http_krj_message(msg, fmt, args);
    va_end(args);

    ctx->refusal.message.data = ngx_pnalloc(r->pool,
                                            ctx->refusal.message.len);
    if (ctx->refusal.message.data == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_memcpy(ctx->refusal.message.data, msg, ctx->refusal.message.len);

    ctx->refusal.status = status;
    ctx->refusal.code = code;

    return status;
}


ngx_int_t
ngx_http_krj_refuse_redirect(ngx_http_request_t *r, ngx_str_t *location)
{
    ngx_int_t            rc;
    ngx_http_krj_ctx_t  *ctx;

    rc = ngx_http_krj_refuse(r, NGX_HTTP_UNAUTHORIZED, "unauthorized",
                             "valid credentials are required");

    if (rc != NGX_HTTP_UNAUTHORIZED) {
        return rc;
    }

    ctx = ngx_http_get_module_ctx(r->main, ngx_http_krj_module);

    ctx->refusal.location.data = ngx_pstrdup(r->pool, location);
    if (ctx->refusal.location.data == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ctx->refusal.location.len = location->len;

    return rc;
}


ngx_int_t
ngx_http_krj_response_init(ngx_conf_t *cf)
{
    ngx_http_next_header_filter = ngx_http_top_header_filter;
    ngx_http_top_header_filter = ngx_http_krj_header_filter;

    ngx_http_next_body_filter = ngx_http_top_body_filter;
    ngx_http_top_body_filter = ngx_http_krj_body_filter;

    return NGX_OK;
}


/*
 * nginx answers a refusal of the access phase with its own page for the
 * status (err_status is set only there).  Unless an error_page took it
 * elsewhere (an internal redirect clears the ctx, a redirect changes the
 * status), that page becomes the JSON error, or the 303 of a refusal with
 * a location.  When the request went on instead (satisfy any), the headers
 * of the refusal are dropped.
 */

static ngx_int_t
ngx_http_krj_header_filter(ngx_http_request_t *r)
{
    u_char                   *body;
    size_t                    len;
    ngx_str_t                *type;
    ngx_uint_t                i;
    ngx_table_elt_t         **h, *location;
    ngx_http_krj_ctx_t       *ctx;
    ngx_http_krj_loc_conf_t  *klcf;

    if (r != r->main) {
        return ngx_http_next_header_filter(r);
    }

    ctx = ngx_http_get_module_ctx(r, ngx_http_krj_module);

    if (ctx == NULL || ctx->refusal.status == 0) {
        return ngx_http_next_header_filter(r);
    }

    if (r->headers_out.status != ctx->refusal.status
        || r->err_status != ctx->refusal.status)
    {
        if (ctx->refusal.headers) {
            h = ctx->refusal.headers->elts;

            for (i = 0; i < ctx->refusal.headers->nelts; i++) {
                h[i]->hash = 0;
            }
        }

        ctx->refusal.status = 0;

        return ngx_http_next_header_filter(r);
    }

    klcf = ngx_http_get_module_loc_conf(r, ngx_http_krj_module);

    if (ctx->refusal.location.len) {
        body = ngx_http_krj_redirect_body(r, NGX_HTTP_SEE_OTHER,
                                          &ctx->refusal.location, &len);

        location = ngx_http_krj_add_header(r, &ngx_http_krj_location_key,
                                           &ctx->refusal.location);
        if (location == NULL) {
            return NGX_ERROR;
        }

        r->headers_out.location = location;
        r->headers_out.status = NGX_HTTP_SEE_OTHER;
        r->err_status = NGX_HTTP_SEE_OTHER;
        type = &ngx_http_krj_types[NGX_HTTP_KRJ_JSON];

    } else if (klcf->dashboard) {

        /* people on the dashboard get a page, programs on the API JSON */

        body = ngx_http_krj_page_refusal(r, ctx->refusal.status,
                                         ctx->refusal.code,
                                         &ctx->refusal.message, &len);
        type = &ngx_http_krj_types[NGX_HTTP_KRJ_HTML];

    } else {
        body = ngx_http_krj_error_body(r, ctx->refusal.status,
                                       ctx->refusal.code,
                                       ctx->refusal.message.data,
                                       ctx->refusal.message.len, &len);
        type = &ngx_http_krj_types[NGX_HTTP_KRJ_JSON];
    }

    if (body == NULL) {
        return NGX_ERROR;
    }

    if (ngx_http_krj_security_headers(r) != NGX_OK) {
        return NGX_ERROR;
    }

    ctx->refusal.message.data = body;
    ctx->refusal.message.len = len;
    ctx->replace_body = 1;

    r->headers_out.content_type = *type;
    r->headers_out.content_type_len = r->headers_out.content_type.len;
    r->headers_out.content_type_lowcase = NULL;
    r->headers_out.content_length_n = len;

    if (r->headers_out.content_length) {
        r->headers_out.content_length->hash = 0;
        r->headers_out.content_length = NULL;
    }

    return ngx_http_next_header_filter(r);
}


static ngx_int_t
ngx_http_krj_body_filter(ngx_http_request_t *r, ngx_chain_t *in)
{
    ngx_buf_t           *b;
    ngx_chain_t         *cl, out;
    ngx_http_krj_ctx_t  *ctx;

    if (r != r->main) {
        return ngx_http_next_body_filter(r, in);
    }

    ctx = ngx_http_get_module_ctx(r, ngx_http_krj_module);

    if (ctx == NULL || !ctx->replace_body) {
        return ngx_http_next_body_filter(r, in);
    }

    /* nginx's page is static memory: consumed here, never sent */

    for (cl = in; cl; cl = cl->next) {
        cl->buf->pos = cl->buf->last;
    }

    if (ctx->refusal.status == 0) {
        /* the JSON went out with the first part of the page */
        return NGX_OK;
    }

    ctx->refusal.status = 0;

    b = ngx_calloc_buf(r->pool);
    if (b == NULL) {
        return NGX_ERROR;
    }

    b->pos = ctx->refusal.message.data;
    b->last = b->pos + ctx->refusal.message.len;
    b->temporary = 1;
    b->last_buf = 1;
    b->last_in_chain = 1;

    out.buf = b;
    out.next = NULL;

    return ngx_http_next_body_filter(r, &out);
}
