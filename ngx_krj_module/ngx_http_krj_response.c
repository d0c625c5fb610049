
/*
 * Copyright (C) The krj developers
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "krj_query.h"
#include "ngx_http_krj_auth.h"
#include "ngx_http_krj_module.h"
#include "ngx_http_krj_response.h"


#define NGX_HTTP_KRJ_MESSAGE_LEN  512

/* the layout of every error body */
#define NGX_HTTP_KRJ_ERROR_FMT                                                \
    "{\"error\":{\"status\":%ui,\"code\":\"%s\",\"message\":\""
#define NGX_HTTP_KRJ_ERROR_END    "\"}}"


static ngx_int_t ngx_http_krj_security_headers(ngx_http_request_t *r);
static ngx_table_elt_t *ngx_http_krj_add_header(ngx_http_request_t *r,
    ngx_str_t *key, ngx_str_t *value);
static ngx_int_t ngx_http_krj_send(ngx_http_request_t *r, u_char *data,
    size_t len, ngx_uint_t in_pool);


static ngx_str_t  ngx_http_krj_json_type =
    ngx_string("application/json; charset=utf-8");
static ngx_str_t  ngx_http_krj_csv_type =
    ngx_string("text/csv; charset=utf-8");


typedef struct {
    ngx_str_t                    key;
    ngx_str_t                    value;
} ngx_http_krj_header_t;


static ngx_http_krj_header_t  ngx_http_krj_security[] = {
    { ngx_string("X-Content-Type-Options"), ngx_string("nosniff") },
    { ngx_string("X-Frame-Options"), ngx_string("DENY") },
    { ngx_string("Referrer-Policy"), ngx_string("no-referrer") },
    { ngx_string("Permissions-Policy"),
      ngx_string("accelerometer=(), camera=(), geolocation=(), "
                 "gyroscope=(), magnetometer=(), microphone=(), "
                 "payment=(), usb=()") },
    { ngx_string("Content-Security-Policy"),
      ngx_string("default-src 'none'; frame-ancestors 'none'") },
    { ngx_null_string, ngx_null_string }
};


static ngx_str_t  ngx_http_krj_hsts_key =
    ngx_string("Strict-Transport-Security");
static ngx_str_t  ngx_http_krj_hsts =
    ngx_string("max-age=63072000; includeSubDomains");

static ngx_str_t  ngx_http_krj_etag_key = ngx_string("ETag");
static ngx_str_t  ngx_http_krj_cc_key = ngx_string("Cache-Control");
static ngx_str_t  ngx_http_krj_cc_data = ngx_string("private, no-cache");
static ngx_str_t  ngx_http_krj_cc_status = ngx_string("no-store");
static ngx_str_t  ngx_http_krj_vary_key = ngx_string("Vary");
static ngx_str_t  ngx_http_krj_vary = ngx_string("Accept-Encoding");
static ngx_str_t  ngx_http_krj_ce_key = ngx_string("Content-Encoding");
static ngx_str_t  ngx_http_krj_gzip = ngx_string("gzip");
static ngx_str_t  ngx_http_krj_allow_key = ngx_string("Allow");
static ngx_str_t  ngx_http_krj_allow = ngx_string("GET, HEAD");


/*
 * A data answer: the ETag names the generation (checksum prefix) and the
 * variant (URI, arguments, encoding, and the scopes of a principal that
 * sees only some categories, since /categories, /summary and /tickers
 * differ by them), so that it changes exactly when the bytes could; a
 * client switching principals never gets a 304 for the other's answer.
 * nginx's not_modified filter then turns a matching
 * If-None-Match or If-Modified-Since into a 304 with these same headers.
 */

ngx_int_t
ngx_http_krj_send_data(ngx_http_request_t *r,
    ngx_http_krj_snapshot_t *snapshot, ngx_http_krj_body_t *body)
{
    u_char           *p;
    uint32_t          crc;
    ngx_str_t         etag, *scopes;
    ngx_table_elt_t  *h;

    if (ngx_http_krj_security_headers(r) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_crc32_init(crc);
    ngx_crc32_update(&crc, r->uri.data, r->uri.len);
    ngx_crc32_update(&crc, (u_char *) "?", 1);
    ngx_crc32_update(&crc, r->args.data, r->args.len);

    if (body->gzip) {
        ngx_crc32_update(&crc, (u_char *) "+gzip", 5);
    }

    scopes = ngx_http_krj_auth_restricted(r);

    if (scopes != NULL) {
        ngx_crc32_update(&crc, (u_char *) "+scopes=", 8);
        ngx_crc32_update(&crc, scopes->data, scopes->len);
    }

    ngx_crc32_final(crc);

    etag.len = sizeof("\"-\"") - 1 + NGX_HTTP_KRJ_GENERATION_LEN + 8;
    etag.data = ngx_pnalloc(r->pool, etag.len);
    if (etag.data == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p = ngx_sprintf(etag.data, "\"%V-%08xD\"", &snapshot->generation, crc);
    etag.len = p - etag.data;

    h = ngx_http_krj_add_header(r, &ngx_http_krj_etag_key, &etag);
    if (h == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    r->headers_out.etag = h;
    r->headers_out.last_modified_time =
                                   (time_t) snapshot->snap.hdr->generated_at;

    if (ngx_http_krj_add_header(r, &ngx_http_krj_cc_key,
                                &ngx_http_krj_cc_data)
        == NULL
        || ngx_http_krj_add_header(r, &ngx_http_krj_vary_key,
                                   &ngx_http_krj_vary)
           == NULL)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (body->gzip) {
        h = ngx_http_krj_add_header(r, &ngx_http_krj_ce_key,
                                    &ngx_http_krj_gzip);
        if (h == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        r->headers_out.content_encoding = h;
    }

    r->headers_out.status = NGX_HTTP_OK;
    r->headers_out.content_type = body->type == NGX_HTTP_KRJ_CSV
                                  ? ngx_http_krj_csv_type
                                  : ngx_http_krj_json_type;
    r->headers_out.content_type_len = r->headers_out.content_type.len;

    return ngx_http_krj_send(r, body->data, body->len, body->in_pool);
}


/* /health and /ready: never cached, they say how things are now */

ngx_int_t
ngx_http_krj_send_json(ngx_http_request_t *r, ngx_uint_t status,
    u_char *data, size_t len)
{
    if (ngx_http_krj_security_headers(r) != NGX_OK
        || ngx_http_krj_add_header(r, &ngx_http_krj_cc_key,
                                   &ngx_http_krj_cc_status)
           == NULL)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    r->headers_out.status = status;
    r->headers_out.content_type = ngx_http_krj_json_type;
    r->headers_out.content_type_len = r->headers_out.content_type.len;

    return ngx_http_krj_send(r, data, len, 1);
}


ngx_int_t
ngx_http_krj_send_error(ngx_http_request_t *r, ngx_uint_t status,
    const char *code, const char *fmt, ...)
{
    u_char   *p, *body, *last;
    size_t    len, mlen;
    va_list   args;
    u_char    msg[NGX_HTTP_KRJ_MESSAGE_LEN];

    va_start(args, fmt);
    last = ngx_vslprintf(msg, msg + sizeof(msg), fmt, args);
    va_end(args);

    mlen = last - msg;

    len = sizeof(NGX_HTTP_KRJ_ERROR_FMT) - 1 + NGX_INT_T_LEN
          + ngx_strlen(code)
          + mlen + ngx_escape_json(NULL, msg, mlen)
          + sizeof(NGX_HTTP_KRJ_ERROR_END) - 1;

    body = ngx_pnalloc(r->pool, len);
    if (body == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p = ngx_sprintf(body, NGX_HTTP_KRJ_ERROR_FMT, status, code);
    p = (u_char *) ngx_escape_json(p, msg, mlen);
    p = ngx_cpymem(p, NGX_HTTP_KRJ_ERROR_END,
                   sizeof(NGX_HTTP_KRJ_ERROR_END) - 1);

    if (status == NGX_HTTP_NOT_ALLOWED
        && ngx_http_krj_add_header(r, &ngx_http_krj_allow_key,
                                   &ngx_http_krj_allow)
           == NULL)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ngx_http_krj_security_headers(r) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    r->headers_out.status = status;
    r->headers_out.content_type = ngx_http_krj_json_type;
    r->headers_out.content_type_len = r->headers_out.content_type.len;

    /* an error is about this request only: no validators */
    r->headers_out.last_modified_time = -1;

    return ngx_http_krj_send(r, body, p - body, 1);
}


ngx_uint_t
ngx_http_krj_accepts_gzip(ngx_http_request_t *r)
{
    ngx_uint_t        i;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h;

    part = &r->headers_in.headers.part;
    h = part->elts;

    for (i = 0; /* void */; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                break;
            }

            part = part->next;
            h = part->elts;
            i = 0;
        }

        if (h[i].key.len == sizeof("Accept-Encoding") - 1
            && ngx_strncasecmp(h[i].key.data, (u_char *) "Accept-Encoding",
                               sizeof("Accept-Encoding") - 1)
               == 0
            && krj_accept_gzip((const char *) h[i].value.data,
                               h[i].value.len))
        {
            return 1;
        }
    }

    return 0;
}


static ngx_int_t
ngx_http_krj_security_headers(ngx_http_request_t *r)
{
    ngx_http_krj_header_t  *sh;

    for (sh = ngx_http_krj_security; sh->key.len; sh++) {
        if (ngx_http_krj_add_header(r, &sh->key, &sh->value) == NULL) {
            return NGX_ERROR;
        }
    }

#if (NGX_HTTP_SSL)

    if (r->connection->ssl
        && ngx_http_krj_add_header(r, &ngx_http_krj_hsts_key,
                                   &ngx_http_krj_hsts)
           == NULL)
    {
        return NGX_ERROR;
    }

#endif

    return NGX_OK;
}


static ngx_table_elt_t *
ngx_http_krj_add_header(ngx_http_request_t *r, ngx_str_t *key,
    ngx_str_t *value)
{
    ngx_table_elt_t  *h;

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NULL;
    }

    h->hash = 1;
    h->key = *key;
    h->value = *value;
    h->lowcase_key = NULL;

#if (nginx_version >= 1023000)
    h->next = NULL;
#endif

    return h;
}


/* the canonical sequence: header, then (unless header_only) one buffer */

static ngx_int_t
ngx_http_krj_send(ngx_http_request_t *r, u_char *data, size_t len,
    ngx_uint_t in_pool)
{
    ngx_int_t     rc;
    ngx_buf_t    *b;
    ngx_chain_t   out;

    r->headers_out.content_length_n = len;

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    b = ngx_calloc_buf(r->pool);
    if (b == NULL) {
        return NGX_ERROR;
    }

    if (len) {
        b->pos = data;
        b->last = data + len;

        /* bytes in the mapping are read-only and must not be copied */

        if (in_pool) {
            b->temporary = 1;

        } else {
            b->memory = 1;
        }
    }

    b->last_buf = (r == r->main) ? 1 : 0;
    b->last_in_chain = 1;

    out.buf = b;
    out.next = NULL;

    return ngx_http_output_filter(r, &out);
}
