
/*
 * Copyright (C) The krj developers
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "krj_encoding.h"
#include "krj_html.h"
#include "krj_page.h"
#include "ngx_http_krj_module.h"
#include "ngx_http_krj_page.h"
#include "ngx_http_krj_response.h"
#include "ngx_http_krj_snapshot.h"


/* an error message, as long as the API's */
#define NGX_HTTP_KRJ_PAGE_MESSAGE_LEN  512


typedef struct {
    const char                 *title;
    const char                 *code;
    const char                 *message;
    size_t                      mlen;
    const krj_snap_category_t  *cat;
    unsigned                    flags;
} ngx_http_krj_page_error_t;


static u_char *ngx_http_krj_page_render(ngx_http_request_t *r,
    krj_page_t *pg, ngx_http_krj_render_pt render, const void *arg,
    size_t *len, ngx_uint_t write);
static void ngx_http_krj_render_error(krj_out_t *o, const krj_page_t *pg,
    const void *arg);
static void ngx_http_krj_render_top(krj_out_t *o, const krj_page_t *pg,
    const void *arg);
static void ngx_http_krj_render_groups(krj_out_t *o, const krj_page_t *pg,
    const void *arg);
static uint32_t ngx_http_krj_page_variant(const krj_page_t *pg);
static int ngx_http_krj_page_visible(void *data, const char *slug,
    size_t len);


static ngx_uint_t  ngx_http_krj_asset_types[KRJ_SNAP_ASSETS] = {
    NGX_HTTP_KRJ_CSS, NGX_HTTP_KRJ_JS, NGX_HTTP_KRJ_SVG
};


void
ngx_http_krj_page_init(ngx_http_request_t *r,
    ngx_http_krj_snapshot_t *snapshot, ngx_str_t *user, krj_page_t *pg)
{
    ngx_str_t                  prefix;
    ngx_http_krj_scopes_t     *scopes;
    ngx_http_krj_loc_conf_t   *klcf;
    ngx_http_krj_main_conf_t  *kmcf;

    ngx_memzero(pg, sizeof(krj_page_t));

    kmcf = ngx_http_get_module_main_conf(r, ngx_http_krj_module);
    klcf = ngx_http_get_module_loc_conf(r, ngx_http_krj_module);

    ngx_http_krj_page_prefix(r, &prefix);

    pg->snap = snapshot ? &snapshot->snap : NULL;
    pg->prefix.data = (const char *) prefix.data;
    pg->prefix.len = prefix.len;
    pg->api.data = (const char *) klcf->dashboard_api.data;
    pg->api.len = klcf->dashboard_api.len;
    pg->now = ngx_time();
    pg->max_age = kmcf->max_age;

    if (user != NULL && user->len) {
        pg->user.data = (const char *) user->data;
        pg->user.len = user->len;
    }

    scopes = ngx_http_krj_scopes(r);

    if (scopes != NULL && !scopes->all) {
        pg->visible = ngx_http_krj_page_visible;
        pg->vdata = scopes;
    }
}


ngx_int_t
ngx_http_krj_page_send(ngx_http_request_t *r,
    ngx_http_krj_snapshot_t *snapshot, krj_page_t *pg, ngx_uint_t status,
    ngx_http_krj_render_pt render, const void *arg)
{
    ngx_http_krj_body_t  b;

    ngx_memzero(&b, sizeof(ngx_http_krj_body_t));

    b.type = NGX_HTTP_KRJ_HTML;
    b.in_pool = 1;
    b.status = status;
    b.page = 1;

    /* HEAD needs the length only */
    b.data = ngx_http_krj_page_render(r, pg, render, arg, &b.len,
                                      r->method != NGX_HTTP_HEAD);

    if (b.data == NULL && r->method != NGX_HTTP_HEAD) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (pg->snap != NULL) {
        b.variant = ngx_http_krj_page_variant(pg);
    }

    /* without data, no generation to name: as an error page */
    if (snapshot == NULL && status == 0) {
        b.status = NGX_HTTP_OK;
    }

    return ngx_http_krj_send_data(r, snapshot, &b);
}


ngx_int_t
ngx_http_krj_page_error(ngx_http_request_t *r,
    ngx_http_krj_snapshot_t *snapshot, krj_page_t *pg, ngx_uint_t status,
    const char *code, const krj_snap_category_t *cat, const char *fmt, ...)
{
    u_char                     *last;
    va_list                     args;
    ngx_http_krj_page_error_t   e;
    u_char                      msg[NGX_HTTP_KRJ_PAGE_MESSAGE_LEN];

    va_start(args, fmt);
    last = ngx_vslprintf(msg, msg + sizeof(msg), fmt, args);
    va_end(args);

    e.title = krj_page_title(status);
    e.code = code;
    e.message = (const char *) msg;
    e.mlen = krj_utf8_cut((const char *) msg, last - msg, sizeof(msg) - 1);
    e.cat = cat;
    e.flags = KRJ_PAGE_TOP;

    return ngx_http_krj_page_send(r, snapshot, pg, status,
                                  ngx_http_krj_render_error, &e);
}


ngx_int_t
ngx_http_krj_page_spans(ngx_http_request_t *r,
    ngx_http_krj_snapshot_t *snapshot, krj_page_t *pg,
    const krj_snap_category_t *cat)
{
    size_t                i;
    u_char               *p;
    ngx_buf_t            *b;
    krj_str_t             fill[KRJ_HOLES];
    ngx_chain_t          *cl;
    krj_pieces_t          pc;
    ngx_http_krj_body_t   body;

    ngx_memzero(fill, sizeof(fill));

    fill[KRJ_HOLE_PREFIX] = pg->prefix;
    fill[KRJ_HOLE_API] = pg->api;

    p = ngx_http_krj_page_render(r, pg, ngx_http_krj_render_top, cat,
                                 &fill[KRJ_HOLE_HEADER].len, 1);
    fill[KRJ_HOLE_HEADER].data = (const char *) p;

    if (p == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p = ngx_http_krj_page_render(r, pg, ngx_http_krj_render_groups, cat,
                                 &fill[KRJ_HOLE_GROUPS].len, 1);
    fill[KRJ_HOLE_GROUPS].data = (const char *) p;

    if (p == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_memzero(&body, sizeof(ngx_http_krj_body_t));

    body.type = NGX_HTTP_KRJ_HTML;
    /* a page is pieced together at once: gzip is the one coding it has */
    body.encoding = ngx_http_krj_encoding(r, krj_enc_bit(KRJ_ENC_GZIP));
    body.page = 1;
    body.variant = ngx_http_krj_page_variant(pg);

    ngx_memzero(&pc, sizeof(krj_pieces_t));
    krj_page_pieces(&pc, pg->snap, cat, fill, body.encoding == KRJ_ENC_GZIP);

    body.len = pc.len;

    if (r->method == NGX_HTTP_HEAD) {
        body.in_pool = 1;
        return ngx_http_krj_send_data(r, snapshot, &body);
    }

    /* the pieces, then one buf and one link each, all at once */

    pc.pieces = ngx_palloc(r->pool, (pc.n ? pc.n : 1) * sizeof(krj_piece_t));
    pc.scratch = ngx_pnalloc(r->pool, pc.nscratch ? pc.nscratch : 1);
    b = ngx_pcalloc(r->pool, (pc.n ? pc.n : 1) * sizeof(ngx_buf_t));
    cl = ngx_palloc(r->pool, (pc.n ? pc.n : 1) * sizeof(ngx_chain_t));

    if (pc.pieces == NULL || pc.scratch == NULL || b == NULL || cl == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    krj_page_pieces(&pc, pg->snap, cat, fill, body.encoding == KRJ_ENC_GZIP);

    for (i = 0; i < pc.n; i++) {
        b[i].pos = (u_char *) pc.pieces[i].data;
        b[i].last = b[i].pos + pc.pieces[i].len;

        /* the mapping is read-only; nothing must write into any of it */
        b[i].memory = 1;

        cl[i].buf = &b[i];
        cl[i].next = (i + 1 < pc.n) ? &cl[i + 1] : NULL;
    }

    body.chain = cl;

    return ngx_http_krj_send_data(r, snapshot, &body);
}


ngx_int_t
ngx_http_krj_page_asset(ngx_http_request_t *r,
    ngx_http_krj_snapshot_t *snapshot, ngx_str_t *name)
{
    ngx_uint_t               i;
    krj_snap_ref_t           ref;
    ngx_http_krj_body_t      b;
    const krj_snap_t        *snap;
    const krj_snap_asset_t  *a;

    snap = &snapshot->snap;

    for (i = 0; i < KRJ_SNAP_ASSETS; i++) {
        a = &snap->hdr->assets[i];

        if (a->name.len == name->len
            && ngx_memcmp(krj_snap_ptr(snap, a->name), name->data,
                          name->len)
               == 0)
        {
            break;
        }
    }

    if (i == KRJ_SNAP_ASSETS) {
        return NGX_DECLINED;
    }

    ngx_memzero(&b, sizeof(ngx_http_krj_body_t));

    b.type = ngx_http_krj_asset_types[i];
    ref = a->body;

    if (a->gz.len) {
        b.encoding = ngx_http_krj_encoding(r, krj_enc_bit(KRJ_ENC_GZIP));

        if (b.encoding == KRJ_ENC_GZIP) {
            ref = a->gz;
        }
    }

    b.data = (u_char *) krj_snap_ptr(snap, ref);
    b.len = ref.len;

    /* "krj.0123456789ab.css": its content hash is its validator */
    b.etag.data = (u_char *) krj_snap_ptr(snap, a->name) + sizeof("krj.") - 1;
    b.etag.len = KRJ_ASSET_HASH_LEN;

    return ngx_http_krj_send_data(r, snapshot, &b);
}


u_char *
ngx_http_krj_page_refusal(ngx_http_request_t *r, ngx_uint_t status,
    const char *code, ngx_str_t *message, size_t *len)
{
    krj_page_t                  pg;
    ngx_http_krj_snapshot_t    *snapshot;
    ngx_http_krj_page_error_t   e;

    if (ngx_http_krj_snapshot_acquire(r, &snapshot) != NGX_OK) {
        return NULL;
    }

    ngx_http_krj_page_init(r, snapshot, NULL, &pg);

    e.title = krj_page_title(status);
    e.code = code;
    e.message = (const char *) message->data;
    e.mlen = message->len;
    e.cat = NULL;
    e.flags = (status == NGX_HTTP_UNAUTHORIZED) ? KRJ_PAGE_SIGN_IN : 0;

    return ngx_http_krj_page_render(r, &pg, ngx_http_krj_render_error, &e,
                                    len, 1);
}


void
ngx_http_krj_page_prefix(ngx_http_request_t *r, ngx_str_t *prefix)
{
    ngx_http_core_loc_conf_t  *clcf;

    clcf = ngx_http_get_module_loc_conf(r, ngx_http_core_module);

    *prefix = clcf->name;

    if (prefix->len && prefix->data[prefix->len - 1] == '/') {
        prefix->len--;
    }
}


/* measured, then (write) written into the pool: NULL without memory */

static u_char *
ngx_http_krj_page_render(ngx_http_request_t *r, krj_page_t *pg,
    ngx_http_krj_render_pt render, const void *arg, size_t *len,
    ngx_uint_t write)
{
    u_char     *p;
    krj_out_t   o;

    krj_out_init(&o, NULL);
    render(&o, pg, arg);

    *len = o.len;

    if (!write) {
        return NULL;
    }

    p = ngx_pnalloc(r->pool, o.len ? o.len : 1);
    if (p == NULL) {
        return NULL;
    }

    krj_out_init(&o, p);
    render(&o, pg, arg);

    return p;
}


static void
ngx_http_krj_render_error(krj_out_t *o, const krj_page_t *pg,
    const void *arg)
{
    const ngx_http_krj_page_error_t  *e = arg;

    krj_page_error(o, pg, e->title, e->code, e->message, e->mlen, e->cat,
                   e->flags);
}


static void
ngx_http_krj_render_top(krj_out_t *o, const krj_page_t *pg, const void *arg)
{
    krj_page_top(o, pg, arg, arg);
}


static void
ngx_http_krj_render_groups(krj_out_t *o, const krj_page_t *pg,
    const void *arg)
{
    krj_page_groups(o, pg, arg);
}


/*
 * What a page shows besides the data and its URL, for the ETag: the
 * user, the age as the header says it (it changes a minute, an hour or a
 * day later, and a 304 must not keep an old one), the API location.
 */

static uint32_t
ngx_http_krj_page_variant(const krj_page_t *pg)
{
    char      age[KRJ_HTML_AGE_LEN];
    int64_t   seconds;
    uint32_t  crc;

    seconds = pg->now - pg->snap->hdr->generated_at;

    ngx_crc32_init(crc);
    ngx_crc32_update(&crc, (u_char *) pg->user.data, pg->user.len);
    ngx_crc32_update(&crc, (u_char *) "\n", 1);
    ngx_crc32_update(&crc, (u_char *) age, krj_html_age(age, seconds));
    ngx_crc32_update(&crc, (u_char *) "\n", 1);

    if (pg->max_age > 0 && seconds > pg->max_age) {
        ngx_crc32_update(&crc, (u_char *) "stale\n", 6);
    }

    ngx_crc32_update(&crc, (u_char *) pg->api.data, pg->api.len);
    ngx_crc32_final(crc);

    return crc;
}


static int
ngx_http_krj_page_visible(void *data, const char *slug, size_t len)
{
    return ngx_http_krj_scopes_allow(data, (const u_char *) slug, len);
}
