
/*
 * Copyright (C) The krj developers
 */


#ifndef _NGX_HTTP_KRJ_RESPONSE_H_INCLUDED_
#define _NGX_HTTP_KRJ_RESPONSE_H_INCLUDED_


/*
 * The one place that sends krj's answers: data bodies with their
 * validators, JSON status bodies, JSON errors, redirects, and the JSON
 * body of a refusal decided in the access phase, with the security
 * headers on all.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_krj_module.h"


#define NGX_HTTP_KRJ_JSON  0
#define NGX_HTTP_KRJ_CSV   1


/* an answer's body: in the mapping (memory) or in the request pool */
typedef struct {
    ngx_uint_t                   type;      /* NGX_HTTP_KRJ_JSON|CSV */
    ngx_uint_t                   encoding;  /* KRJ_ENC_*, pre-compressed */
    ngx_uint_t                   in_pool;   /* else points into the map */
    u_char                      *data;      /* NULL for HEAD if measured */
    size_t                       len;
} ngx_http_krj_body_t;


/* postconfiguration: the filters that give refusals their JSON bodies */
ngx_int_t ngx_http_krj_response_init(ngx_conf_t *cf);

ngx_int_t ngx_http_krj_send_data(ngx_http_request_t *r,
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

/* a response header; the value is copied into the request pool */
ngx_int_t ngx_http_krj_push_header(ngx_http_request_t *r, char *key,
    ngx_str_t *value);

/*
 * Of the codings offered (krj_enc_bit()s) the one r's Accept-Encoding
 * fields choose, KRJ_ENC_*; every field is one list.
 */
ngx_uint_t ngx_http_krj_encoding(ngx_http_request_t *r, unsigned offered);


#endif /* _NGX_HTTP_KRJ_RESPONSE_H_INCLUDED_ */
