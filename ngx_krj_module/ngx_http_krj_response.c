
/*
 * Copyright (C) The krj developers
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "krj_encoding.h"
#include "krj_layout.h"
#include "krj_out.h"
#include "krj_str.h"
#include "ngx_http_krj_module.h"
#include "ngx_http_krj_page.h"
#include "ngx_http_krj_response.h"
#include "ngx_http_krj_snapshot.h"


static ngx_table_elt_t *ngx_http_krj_push(ngx_http_request_t *r, char *key,
    ngx_str_t *value);
static ngx_int_t ngx_http_krj_data_headers(ngx_http_request_t *r,
    ngx_http_krj_snapshot_t *snapshot, ngx_http_krj_body_t *body);
static ngx_int_t ngx_http_krj_send_etag(ngx_http_request_t *r,
    ngx_http_krj_snapshot_t *snapshot, ngx_http_krj_body_t *body);
static ngx_int_t ngx_http_krj_send(ngx_http_request_t *r, u_char *data,
    size_t len, ngx_uint_t in_pool, ngx_http_krj_snapshot_t *snapshot);
static ngx_int_t ngx_http_krj_send_chain(ngx_http_request_t *r,
    ngx_chain_t *chain, size_t len);


static ngx_str_t  ngx_http_krj_json_type =
    ngx_string("application/json; charset=utf-8");
/* by NGX_HTTP_KRJ_* type */
ngx_str_t  ngx_http_krj_types[] = {
    ngx_string("application/json; charset=utf-8"),
    ngx_string("text/csv; charset=utf-8"),
    ngx_string("text/html; charset=utf-8"),
    ngx_string("text/css; charset=utf-8"),
    ngx_string("text/javascript; charset=utf-8"),
    ngx_string("image/svg+xml")
};


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
    { ngx_null_string, ngx_null_string }
};


static ngx_str_t  ngx_http_krj_csp_key = ngx_string("Content-Security-Policy");
static ngx_str_t  ngx_http_krj_csp =
    ngx_string("default-src 'none'; frame-ancestors 'none'");

/* the pages load their own script, style and icon, and post to themselves */
static ngx_str_t  ngx_http_krj_csp_dashboard =
    ngx_string("default-src 'none'; script-src 'self'; style-src 'self'; "
               "img-src 'self'; form-action 'self'; frame-ancestors 'none'; "
               "base-uri 'none'");


static ngx_str_t  ngx_http_krj_hsts_key =
    ngx_string("Strict-Transport-Security");
static ngx_str_t  ngx_http_krj_hsts =
    ngx_string("max-age=63072000; includeSubDomains");

static ngx_str_t  ngx_http_krj_etag_key = ngx_string("ETag");
static ngx_str_t  ngx_http_krj_cc_key = ngx_string("Cache-Control");
static ngx_str_t  ngx_http_krj_cc_data = ngx_string("private, no-cache");
static ngx_str_t  ngx_http_krj_cc_status = ngx_string("no-store");
static ngx_str_t  ngx_http_krj_cc_asset =
    ngx_string("public, max-age=31536000, immutable");
static ngx_str_t  ngx_http_krj_vary_key = ngx_string("Vary");
static ngx_str_t  ngx_http_krj_vary = ngx_string("Accept-Encoding");
static ngx_str_t  ngx_http_krj_ce_key = ngx_string("Content-Encoding");

/* Content-Encoding and the ETag's suffix, by KRJ_ENC_* */
static ngx_str_t  ngx_http_krj_codings[] = {
    ngx_string("identity"),
    ngx_string("gzip"),
    ngx_string("zstd"),
    ngx_string("br")
};

static ngx_str_t  ngx_http_krj_location_key = ngx_string("Location");
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
    if (ngx_http_krj_data_headers(r, snapshot, body) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (body->chain) {
        return ngx_http_krj_send_chain(r, body->chain, body->len);
    }

    return ngx_http_krj_send(r, body->data, body->len, body->in_pool,
                             snapshot);
}


ngx_int_t
ngx_http_krj_send_data_header(ngx_http_request_t *r,
    ngx_http_krj_snapshot_t *snapshot, ngx_http_krj_body_t *body)
{
    if (ngx_http_krj_data_headers(r, snapshot, body) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    r->headers_out.content_length_n = body->len;

    return ngx_http_send_header(r);
}


static ngx_int_t
ngx_http_krj_data_headers(ngx_http_request_t *r,
    ngx_http_krj_snapshot_t *snapshot, ngx_http_krj_body_t *body)
{
    u_char           *p;
    ngx_str_t        *type;
    ngx_table_elt_t  *h;

    if (ngx_http_krj_security_headers(r) != NGX_OK) {
        return NGX_ERROR;
    }

    if (body->status) {
        /* an error page is about this request only: no validators */
        r->headers_out.last_modified_time = -1;

    } else if (ngx_http_krj_send_etag(r, snapshot, body) != NGX_OK) {
        return NGX_ERROR;
    }

    if (ngx_http_krj_add_header(r, &ngx_http_krj_cc_key,
                                body->etag.len ? &ngx_http_krj_cc_asset
                                               : &ngx_http_krj_cc_data)
        == NULL
        || ngx_http_krj_add_header(r, &ngx_http_krj_vary_key,
                                   &ngx_http_krj_vary)
           == NULL)
    {
        return NGX_ERROR;
    }

    if (body->encoding != KRJ_ENC_IDENTITY) {
        h = ngx_http_krj_add_header(r, &ngx_http_krj_ce_key,
                                    &ngx_http_krj_codings[body->encoding]);
        if (h == NULL) {
            return NGX_ERROR;
        }

        r->headers_out.content_encoding = h;
    }

    r->headers_out.status = body->status ? body->status : NGX_HTTP_OK;
    r->headers_out.content_type = ngx_http_krj_types[body->type];

    /*
     * the type without its parameters, as nginx sets it: gzip_types and
     * the like look it up by that length
     */
    type = &r->headers_out.content_type;
    p = ngx_strlchr(type->data, type->data + type->len, ';');
    r->headers_out.content_type_len = p ? (size_t) (p - type->data)
                                        : type->len;

    return NGX_OK;
}


/*
 * The ETag names the generation (checksum prefix) and the variant (URI,
 * arguments, encoding, and the scopes of a principal that sees only some
 * categories, since /categories, /summary and /tickers differ by them,
 * and on the dashboard whatever else a page shows: the user, the age),
 * so that it changes exactly when the bytes could; a client switching
 * principals never gets a 304 for the other's answer.  nginx's
 * not_modified filter then turns a matching If-None-Match or
 * If-Modified-Since into a 304 with these same headers.  An asset's ETag
 * is its content hash: the same bytes in every generation.
 */

static ngx_int_t
ngx_http_krj_send_etag(ngx_http_request_t *r,
    ngx_http_krj_snapshot_t *snapshot, ngx_http_krj_body_t *body)
{
    u_char                 *p;
    uint32_t                crc;
    ngx_str_t               etag;
    ngx_table_elt_t        *h;
    ngx_http_krj_scopes_t  *scopes;

    if (body->etag.len) {
        etag.len = sizeof("\"-\"") - 1 + body->etag.len
                   + ngx_http_krj_codings[body->encoding].len;
        etag.data = ngx_pnalloc(r->pool, etag.len);
        if (etag.data == NULL) {
            return NGX_ERROR;
        }

        /* "-gz" as before the other codings, "-br", "-zstd" beside it */
        if (body->encoding == KRJ_ENC_GZIP) {
            p = ngx_sprintf(etag.data, "\"%V-gz\"", &body->etag);

        } else if (body->encoding != KRJ_ENC_IDENTITY) {
            p = ngx_sprintf(etag.data, "\"%V-%V\"", &body->etag,
                            &ngx_http_krj_codings[body->encoding]);

        } else {
            p = ngx_sprintf(etag.data, "\"%V\"", &body->etag);
        }

        etag.len = p - etag.data;

        h = ngx_http_krj_add_header(r, &ngx_http_krj_etag_key, &etag);
        if (h == NULL) {
            return NGX_ERROR;
        }

        r->headers_out.etag = h;

        return NGX_OK;
    }

    ngx_crc32_init(crc);
    ngx_crc32_update(&crc, r->uri.data, r->uri.len);
    ngx_crc32_update(&crc, (u_char *) "?", 1);
    ngx_crc32_update(&crc, r->args.data, r->args.len);

    if (body->encoding != KRJ_ENC_IDENTITY) {
        ngx_crc32_update(&crc, (u_char *) "+", 1);
        ngx_crc32_update(&crc, ngx_http_krj_codings[body->encoding].data,
                         ngx_http_krj_codings[body->encoding].len);
    }

    scopes = ngx_http_krj_scopes(r);

    if (scopes != NULL && !scopes->all) {
        ngx_crc32_update(&crc, (u_char *) "+scopes=", 8);
        ngx_crc32_update(&crc, scopes->list.data, scopes->list.len);
    }

    if (body->page) {
        ngx_crc32_update(&crc, (u_char *) "+page", 5);
        ngx_crc32_update(&crc, (u_char *) &body->variant,
                         sizeof(body->variant));
    }

    ngx_crc32_final(crc);

    etag.len = sizeof("\"-\"") - 1 + NGX_HTTP_KRJ_GENERATION_LEN + 8;
    etag.data = ngx_pnalloc(r->pool, etag.len);
    if (etag.data == NULL) {
        return NGX_ERROR;
    }

    p = ngx_sprintf(etag.data, "\"%V-%08xD\"", &snapshot->generation, crc);
    etag.len = p - etag.data;

    h = ngx_http_krj_add_header(r, &ngx_http_krj_etag_key, &etag);
    if (h == NULL) {
        return NGX_ERROR;
    }

    r->headers_out.etag = h;

    /* a page says how old the data is: the time does not validate it */
    r->headers_out.last_modified_time =
        body->page ? -1 : (time_t) snapshot->snap.hdr->generated_at;

    return NGX_OK;
}


/* /health, /ready, /metrics: never cached, they say how things are now */

ngx_int_t
ngx_http_krj_send_json(ngx_http_request_t *r, ngx_uint_t status,
    u_char *data, size_t len)
{
    return ngx_http_krj_send_text(r, status, &ngx_http_krj_json_type, data,
                                  len);
}


ngx_int_t
ngx_http_krj_send_text(ngx_http_request_t *r, ngx_uint_t status,
    ngx_str_t *type, u_char *data, size_t len)
{
    if (ngx_http_krj_security_headers(r) != NGX_OK
        || ngx_http_krj_add_header(r, &ngx_http_krj_cc_key,
                                   &ngx_http_krj_cc_status)
           == NULL)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    r->headers_out.status = status;
    r->headers_out.content_type = *type;
    r->headers_out.content_type_len = type->len;

    return ngx_http_krj_send(r, data, len, 1, NULL);
}


ngx_int_t
ngx_http_krj_send_error(ngx_http_request_t *r, ngx_uint_t status,
    const char *code, const char *fmt, ...)
{
    u_char   *body;
    size_t    len, mlen;
    va_list   args;
    u_char    msg[NGX_HTTP_KRJ_MESSAGE_LEN];

    va_start(args, fmt);
    mlen = ngx_http_krj_message(msg, fmt, args);
    va_end(args);

    body = ngx_http_krj_error_body(r, status, code, msg, mlen, &len);
    if (body == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

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

    return ngx_http_krj_send(r, body, len, 1, NULL);
}


/*
 * 308: the method and the query go along, and nginx's header filter makes
 * the Location absolute (absolute_redirect).  The body says where, for a
 * client that does not follow redirects.
 */

ngx_int_t
ngx_http_krj_send_redirect(ngx_http_request_t *r, ngx_str_t *location)
{
    u_char           *body;
    size_t            len;
    ngx_table_elt_t  *h;

    body = ngx_http_krj_redirect_body(r, NGX_HTTP_PERMANENT_REDIRECT,
                                      location, &len);
    if (body == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ngx_http_krj_security_headers(r) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    h = ngx_http_krj_add_header(r, &ngx_http_krj_location_key, location);
    if (h == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    r->headers_out.location = h;
    r->headers_out.status = NGX_HTTP_PERMANENT_REDIRECT;
    r->headers_out.content_type = ngx_http_krj_json_type;
    r->headers_out.content_type_len = r->headers_out.content_type.len;
    r->headers_out.last_modified_time = -1;

    return ngx_http_krj_send(r, body, len, 1, NULL);
}


ngx_int_t
ngx_http_krj_send_found(ngx_http_request_t *r, ngx_uint_t status,
    ngx_str_t *location)
{
    ngx_table_elt_t  *h;

    if (ngx_http_krj_security_headers(r) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    h = ngx_http_krj_add_header(r, &ngx_http_krj_location_key, location);
    if (h == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    r->headers_out.location = h;
    r->headers_out.status = status;
    r->headers_out.last_modified_time = -1;

    if (ngx_http_krj_add_header(r, &ngx_http_krj_cc_key,
                                &ngx_http_krj_cc_status)
        == NULL)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_krj_send(r, NULL, 0, 1, NULL);
}


ngx_int_t
ngx_http_krj_push_allow(ngx_http_request_t *r, ngx_str_t *methods)
{
    return ngx_http_krj_add_header(r, &ngx_http_krj_allow_key,
                                   methods ? methods : &ngx_http_krj_allow)
           ? NGX_OK : NGX_ERROR;
}


ngx_int_t
ngx_http_krj_refusal_header(ngx_http_request_t *r, char *key,
    ngx_str_t *value)
{
    ngx_table_elt_t     **hp;
    ngx_http_krj_ctx_t   *ctx;

    ctx = ngx_http_krj_ctx(r->main);
    if (ctx == NULL) {
        return NGX_ERROR;
    }

    if (ctx->refusal.headers == NULL) {
        ctx->refusal.headers = ngx_array_create(r->pool, 4,
                                                sizeof(ngx_table_elt_t *));
        if (ctx->refusal.headers == NULL) {
            return NGX_ERROR;
        }
    }

    hp = ngx_array_push(ctx->refusal.headers);
    if (hp == NULL) {
        return NGX_ERROR;
    }

    *hp = ngx_http_krj_push(r, key, value);

    return (*hp != NULL) ? NGX_OK : NGX_ERROR;
}


ngx_int_t
ngx_http_krj_push_header(ngx_http_request_t *r, char *key, ngx_str_t *value)
{
    return ngx_http_krj_push(r, key, value) ? NGX_OK : NGX_ERROR;
}


static ngx_table_elt_t *
ngx_http_krj_push(ngx_http_request_t *r, char *key, ngx_str_t *value)
{
    ngx_str_t  k, v;

    k.data = (u_char *) key;
    k.len = ngx_strlen(key);

    v.data = ngx_pstrdup(r->pool, value);
    if (v.data == NULL) {
        return NULL;
    }

    v.len = value->len;

    return ngx_http_krj_add_header(r, &k, &v);
}


ngx_uint_t
ngx_http_krj_encoding(ngx_http_request_t *r, unsigned offered)
{
    krj_accept_t      a;
    ngx_table_elt_t  *h;

    krj_accept_init(&a);

    for (h = ngx_http_krj_header_in(r, NULL, "Accept-Encoding",
                                    sizeof("Accept-Encoding") - 1);
         h != NULL;
         h = ngx_http_krj_header_in(r, h, "Accept-Encoding",
                                    sizeof("Accept-Encoding") - 1))
    {
        krj_accept_parse(&a, (const char *) h->value.data, h->value.len);
    }

    return krj_accept_choose(&a, offered);
}


/*
 * The printed message of an error, cut to NGX_HTTP_KRJ_MESSAGE_LEN bytes
 * on a character boundary: it may quote what the client sent.
 */

size_t
ngx_http_krj_message(u_char *buf, const char *fmt, va_list args)
{
    u_char  *last;

    last = ngx_vslprintf(buf, buf + NGX_HTTP_KRJ_MESSAGE_LEN, fmt, args);

    return krj_utf8_cut((char *) buf, last - buf,
                        NGX_HTTP_KRJ_MESSAGE_LEN - 1);
}


/* KRJ_FMT_REDIRECT in the request pool */

u_char *
ngx_http_krj_redirect_body(ngx_http_request_t *r, ngx_uint_t status,
    ngx_str_t *location, size_t *len)
{
    u_char     *body;
    krj_out_t   o;

    krj_out_init(&o, NULL);
    krj_out_fmt(&o, KRJ_FMT_REDIRECT, (unsigned) status, location->data,
                location->len);

    body = ngx_pnalloc(r->pool, o.len);
    if (body == NULL) {
        return NULL;
    }

    *len = o.len;

    krj_out_init(&o, body);
    krj_out_fmt(&o, KRJ_FMT_REDIRECT, (unsigned) status, location->data,
                location->len);

    return body;
}


/* KRJ_FMT_ERROR in the request pool; invalid UTF-8 becomes U+FFFD */

u_char *
ngx_http_krj_error_body(ngx_http_request_t *r, ngx_uint_t status,
    const char *code, u_char *msg, size_t mlen, size_t *len)
{
    u_char     *body;
    krj_out_t   o;

    krj_out_init(&o, NULL);
    krj_out_fmt(&o, KRJ_FMT_ERROR, (unsigned) status, code, msg, mlen);

    body = ngx_pnalloc(r->pool, o.len);
    if (body == NULL) {
        return NULL;
    }

    *len = o.len;

    krj_out_init(&o, body);
    krj_out_fmt(&o, KRJ_FMT_ERROR, (unsigned) status, code, msg, mlen);

    return body;
}


ngx_int_t
ngx_http_krj_security_headers(ngx_http_request_t *r)
{
    ngx_http_krj_header_t    *sh;
    ngx_http_krj_loc_conf_t  *klcf;

    for (sh = ngx_http_krj_security; sh->key.len; sh++) {
        if (ngx_http_krj_add_header(r, &sh->key, &sh->value) == NULL) {
            return NGX_ERROR;
        }
    }

    klcf = ngx_http_get_module_loc_conf(r, ngx_http_krj_module);

    if (ngx_http_krj_add_header(r, &ngx_http_krj_csp_key,
                                klcf->dashboard ? &ngx_http_krj_csp_dashboard
                                                : &ngx_http_krj_csp)
        == NULL)
    {
        return NGX_ERROR;
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


ngx_table_elt_t *
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


/*
 * The canonical sequence: header, then (unless header_only) one buffer.
 * A body in the snapshot goes as it is: with sendfile, as a part of the
 * sealed copy's descriptor, which the kernel sends without a copy (as the
 * static module sends a file); else from the mapping, which writev() or
 * SSL reads in place.
 */

static ngx_int_t
ngx_http_krj_send(ngx_http_request_t *r, u_char *data, size_t len,
    ngx_uint_t in_pool, ngx_http_krj_snapshot_t *snapshot)
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

    if (len && !in_pool && snapshot && r->connection->sendfile) {
        b->in_file = 1;
        b->file = &snapshot->file;
        b->file_pos = data - snapshot->base;
        b->file_last = b->file_pos + len;

    } else if (len) {
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


/* a body in pieces: the canonical sequence, the last piece the last buf */

static ngx_int_t
ngx_http_krj_send_chain(ngx_http_request_t *r, ngx_chain_t *chain,
    size_t len)
{
    ngx_int_t     rc;
    ngx_chain_t  *cl;

    r->headers_out.content_length_n = len;

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    for (cl = chain; cl->next; cl = cl->next) {
        /* void */
    }

    cl->buf->last_buf = (r == r->main) ? 1 : 0;
    cl->buf->last_in_chain = 1;

    return ngx_http_output_filter(r, chain);
}
