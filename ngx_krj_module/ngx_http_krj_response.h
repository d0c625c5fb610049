
/*
 * Copyright (C) The krj developers
 */


#ifndef _NGX_HTTP_KRJ_RESPONSE_H_INCLUDED_
#define _NGX_HTTP_KRJ_RESPONSE_H_INCLUDED_


/*
 * The one place that sends krj's answers: data bodies with their
 * validators, JSON status bodies, JSON errors, redirects, the dashboard's
 * pages and assets, and the body of a refusal decided in the access phase
 * (JSON, or an HTML page on a dashboard location), with the security
 * headers on all (the dashboard's own Content-Security-Policy on its).
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_krj_module.h"


#define NGX_HTTP_KRJ_JSON  0
#define NGX_HTTP_KRJ_CSV   1
#define NGX_HTTP_KRJ_HTML  2
#define NGX_HTTP_KRJ_CSS   3
#define NGX_HTTP_KRJ_JS    4
#define NGX_HTTP_KRJ_SVG   5

/* an error message, cut on a character boundary */
#define NGX_HTTP_KRJ_MESSAGE_LEN  512


/* an answer's body: in the mapping (memory) or in the request pool */
typedef struct {
    ngx_uint_t                   type;      /* NGX_HTTP_KRJ_JSON... */
    ngx_uint_t                   encoding;  /* KRJ_ENC_*, pre-compressed */
    ngx_uint_t                   in_pool;   /* else points into the map */
    u_char                      *data;      /* NULL for HEAD if measured */
    size_t                       len;

    /* a body in pieces, of len bytes in all: pool or mapping memory */
    ngx_chain_t                 *chain;

    /* the dashboard */
    ngx_uint_t                   status;    /* an error page: no validators */
    ngx_uint_t                   page;      /* no Last-Modified: it ages */
    uint32_t                     variant;   /* what else the bytes vary by */
    ngx_str_t                    etag;      /* an asset's: immutable */
} ngx_http_krj_body_t;


/*
 * postconfiguration: the filters that give refusals their bodies, JSON or
 * a page (ngx_http_krj_refusal.c, with the refusals themselves)
 */
ngx_int_t ngx_http_krj_response_init(ngx_conf_t *cf);

ngx_int_t ngx_http_krj_send_data(ngx_http_request_t *r,
    ngx_http_krj_snapshot_t *snapshot, ngx_http_krj_body_t *body);

/*
 * The headers only, with a Content-Length of body->len, of an answer
 * whose body the caller sends after them (in slices); the result of
 * ngx_http_send_header().
 */
ngx_int_t ngx_http_krj_send_data_header(ngx_http_request_t *r,
    ngx_http_krj_snapshot_t *snapshot, ngx_http_krj_body_t *body);
ngx_int_t ngx_http_krj_send_json(ngx_http_request_t *r, ngx_uint_t status,
    u_char *data, size_t len);
/* a body of the given type, not cached, from the request pool */
ngx_int_t ngx_http_krj_send_text(ngx_http_request_t *r, ngx_uint_t status,
    ngx_str_t *type, u_char *data, size_t len);
ngx_int_t ngx_http_krj_send_error(ngx_http_request_t *r, ngx_uint_t status,
    const char *code, const char *fmt, ...);

/* 308 Permanent Redirect to location (a path, escaped; query included) */
ngx_int_t ngx_http_krj_send_redirect(ngx_http_request_t *r,
    ngx_str_t *location);

/*
 * The dashboard's redirects, without a body: 302 Found (GET {prefix} to
 * the first tab) or 303 See Other (after a login form).
 */
ngx_int_t ngx_http_krj_send_found(ngx_http_request_t *r, ngx_uint_t status,
    ngx_str_t *location);

/*
 * A refusal of the access phase: returns status for the phase handler to
 * return, as auth_basic does, so that satisfy any and error_page apply.
 * When nginx then answers with its own page for that status, the page is
 * the JSON error instead; headers added with ngx_http_krj_refusal_header()
 * are sent with the refusal only.
 */
ngx_int_t ngx_http_krj_refuse(ngx_http_request_t *r, ngx_uint_t status,
    const char *code, const char *fmt, ...);
ngx_int_t ngx_http_krj_refusal_header(ngx_http_request_t *r, char *key,
    ngx_str_t *value);

/* Allow: the methods of a 405 on the dashboard, "GET, HEAD" by default */
ngx_int_t ngx_http_krj_push_allow(ngx_http_request_t *r, ngx_str_t *methods);

/*
 * The same for a 401 whose page is a 303 to location (a path, escaped):
 * the login page of a dashboard.  Returns NGX_HTTP_UNAUTHORIZED, which
 * satisfy any and error_page 401 see as any 401.
 */
ngx_int_t ngx_http_krj_refuse_redirect(ngx_http_request_t *r,
    ngx_str_t *location);

/* a response header; the value is copied into the request pool */
ngx_int_t ngx_http_krj_push_header(ngx_http_request_t *r, char *key,
    ngx_str_t *value);

/*
 * Of the codings offered (krj_enc_bit()s) the one r's Accept-Encoding
 * fields choose, KRJ_ENC_*; every field is one list.
 */
ngx_uint_t ngx_http_krj_encoding(ngx_http_request_t *r, unsigned offered);


/* the pieces of answers that ngx_http_krj_refusal.c sends too */

/* by NGX_HTTP_KRJ_* type */
extern ngx_str_t  ngx_http_krj_types[];

/* the printed message, at most NGX_HTTP_KRJ_MESSAGE_LEN bytes into buf */
size_t ngx_http_krj_message(u_char *buf, const char *fmt, va_list args);

/* KRJ_FMT_REDIRECT and KRJ_FMT_ERROR, in the request pool */
u_char *ngx_http_krj_redirect_body(ngx_http_request_t *r,
    ngx_uint_t status, ngx_str_t *location, size_t *len);
u_char *ngx_http_krj_error_body(ngx_http_request_t *r, ngx_uint_t status,
    const char *code, u_char *msg, size_t mlen, size_t *len);

/* the security headers, the CSP of the location's kind among them */
ngx_int_t ngx_http_krj_security_headers(ngx_http_request_t *r);

/* a response header of key and value, both kept as they are */
ngx_table_elt_t *ngx_http_krj_add_header(ngx_http_request_t *r,
    ngx_str_t *key, ngx_str_t *value);


#endif /* _NGX_HTTP_KRJ_RESPONSE_H_INCLUDED_ */
