
/*
 * Copyright (C) The krj developers
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "krj_encoding.h"
#include "krj_query.h"
#include "krj_render.h"
#include "krj_slug.h"
#include "ngx_http_krj_module.h"
#include "ngx_http_krj_api.h"
#include "ngx_http_krj_metrics.h"
#include "ngx_http_krj_response.h"
#include "ngx_http_krj_slice.h"
#include "ngx_http_krj_snapshot.h"
#include "ngx_http_krj_zone.h"


/* an answer krj_render.c writes, measured first, then into the pool */
typedef struct {
    ngx_uint_t                   route;
    ngx_uint_t                   csv;
    const krj_snap_t            *snap;
    const krj_snap_category_t   *cat;
    const krj_query_t           *q;
    const krj_select_t          *sel;
    const krj_snap_ticker_t     *ticker;
    ngx_http_krj_scopes_t       *scopes;
    ngx_str_t                    name;      /* of the ticker asked for */
    ngx_str_t                    base;      /* of the index's links */
    uint32_t                     results;
} ngx_http_krj_answer_t;


static ngx_uint_t ngx_http_krj_route(ngx_http_request_t *r, ngx_str_t *arg,
    ngx_str_t *base);
static ngx_int_t ngx_http_krj_whole(ngx_http_request_t *r,
    ngx_http_krj_snapshot_t *snapshot, ngx_uint_t type, krj_snap_ref_t body,
    krj_snap_ref_t gz);
static ngx_int_t ngx_http_krj_signals(ngx_http_request_t *r,
    ngx_http_krj_snapshot_t *snapshot, ngx_str_t *name);
static ngx_int_t ngx_http_krj_inexact(ngx_http_request_t *r,
    const krj_snap_t *snap, const krj_snap_category_t *cat, ngx_str_t *slug,
    ngx_str_t *tail);
static ngx_int_t ngx_http_krj_redirect(ngx_http_request_t *r,
    const krj_snap_t *snap, const krj_snap_category_t *cat, ngx_str_t *slug,
    ngx_str_t *tail);
static ngx_int_t ngx_http_krj_set_category(ngx_http_request_t *r,
    const krj_snap_t *snap, const krj_snap_category_t *cat);
static ngx_int_t ngx_http_krj_ticker(ngx_http_request_t *r,
    ngx_http_krj_snapshot_t *snapshot, ngx_str_t *name);
static ngx_int_t ngx_http_krj_history(ngx_http_request_t *r,
    ngx_http_krj_snapshot_t *snapshot, ngx_str_t *arg);
static ngx_int_t ngx_http_krj_render(ngx_http_request_t *r,
    ngx_http_krj_snapshot_t *snapshot, ngx_http_krj_answer_t *a);
static void ngx_http_krj_render_answer(krj_out_t *o,
    ngx_http_krj_answer_t *a);
static int ngx_http_krj_visible(void *data, const char *slug, size_t len);
static void *ngx_http_krj_alloc(void *data, size_t size);


static ngx_str_t  ngx_http_krj_csv_suffix = ngx_string(".csv");


ngx_int_t
ngx_http_krj_api_handler(ngx_http_request_t *r)
{
    ngx_int_t                  rc;
    ngx_str_t                  arg, base;
    ngx_uint_t                 route;
    ngx_http_krj_answer_t      a;
    ngx_http_krj_scopes_t     *scopes;
    ngx_http_krj_snapshot_t   *snapshot;
    ngx_http_krj_main_conf_t  *kmcf;

    /* first, so that a 405 on a kept-alive connection leaves no body */

    rc = ngx_http_discard_request_body(r);

    if (rc != NGX_OK) {
        return rc;
    }

    if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))) {
        return ngx_http_krj_send_error(r, NGX_HTTP_NOT_ALLOWED,
                                       "method_not_allowed",
                                       "method %V is not allowed, only GET "
                                       "and HEAD", &r->method_name);
    }

    kmcf = ngx_http_get_module_main_conf(r, ngx_http_krj_module);

    route = ngx_http_krj_route(r, &arg, &base);

    if (route == NGX_HTTP_KRJ_ROUTE_OTHER) {
        return ngx_http_krj_send_error(r, NGX_HTTP_NOT_FOUND, "not_found",
                                       "no such path \"%V\"", &r->uri);
    }

    if (ngx_http_krj_snapshot_acquire(r, &snapshot) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (snapshot == NULL) {
        return ngx_http_krj_send_error(r, NGX_HTTP_SERVICE_UNAVAILABLE,
                                       "no_data", "no snapshot loaded: %*s",
                                       kmcf->reason_len, kmcf->reason);
    }

    if (route != NGX_HTTP_KRJ_ROUTE_SIGNALS
        && route != NGX_HTTP_KRJ_ROUTE_SIGNALS_CSV && r->args.len)
    {
        return ngx_http_krj_send_error(r, NGX_HTTP_BAD_REQUEST,
                                       "unknown_parameter",
                                       "this path takes no parameters");
    }

    /* krj_auth scopes: a restricted principal sees its categories only */

    scopes = ngx_http_krj_scopes(r);

    /* the index names the location's prefix: rendered for each request */

    if (route == NGX_HTTP_KRJ_ROUTE_INDEX
        || ((route == NGX_HTTP_KRJ_ROUTE_CATEGORIES
             || route == NGX_HTTP_KRJ_ROUTE_SUMMARY)
            && scopes != NULL && !scopes->all))
    {
        ngx_memzero(&a, sizeof(ngx_http_krj_answer_t));

        a.route = route;
        a.snap = &snapshot->snap;
        a.scopes = scopes;
        a.base = base;

        return ngx_http_krj_render(r, snapshot, &a);
    }

    switch (route) {

    case NGX_HTTP_KRJ_ROUTE_CATEGORIES:
        return ngx_http_krj_whole(r, snapshot, NGX_HTTP_KRJ_JSON,
                                  snapshot->snap.hdr->categories_json,
                                  snapshot->snap.hdr->categories_json_gz);

    case NGX_HTTP_KRJ_ROUTE_SUMMARY:
        return ngx_http_krj_whole(r, snapshot, NGX_HTTP_KRJ_JSON,
                                  snapshot->snap.hdr->summary_json,
                                  snapshot->snap.hdr->summary_json_gz);

    case NGX_HTTP_KRJ_ROUTE_SIGNALS:
    case NGX_HTTP_KRJ_ROUTE_SIGNALS_CSV:
        return ngx_http_krj_signals(r, snapshot, &arg);

    case NGX_HTTP_KRJ_ROUTE_HISTORY:
        return ngx_http_krj_history(r, snapshot, &arg);

    default: /* NGX_HTTP_KRJ_ROUTE_TICKERS */
        return ngx_http_krj_ticker(r, snapshot, &arg);
    }
}


ngx_uint_t
ngx_http_krj_api_route(ngx_http_request_t *r)
{
    ngx_str_t  arg, base;

    return ngx_http_krj_route(r, &arg, &base);
}


/*
 * The routes are those of the metrics.  The paths are relative to the
 * location's prefix, so the same handler
 * serves /api/v1/ or any other prefix the operator picks.  The prefix
 * itself is the index; base is the URI up to the path, without a final
 * "/", for the index's links.
 */

static ngx_uint_t
ngx_http_krj_route(ngx_http_request_t *r, ngx_str_t *arg, ngx_str_t *base)
{
    u_char                    *p, *last;
    ngx_http_core_loc_conf_t  *clcf;

    clcf = ngx_http_get_module_loc_conf(r, ngx_http_core_module);

    p = r->uri.data;
    last = r->uri.data + r->uri.len;

    if (
#if (NGX_PCRE)
        clcf->regex == NULL &&
#endif
        r->uri.len >= clcf->name.len
        && ngx_strncmp(p, clcf->name.data, clcf->name.len) == 0)
    {
        p += clcf->name.len;
    }

    base->data = r->uri.data;
    base->len = p - r->uri.data;

    if (base->len && base->data[base->len - 1] == '/') {
        base->len--;
    }

    if (p < last && *p == '/') {
        p++;
    }

    if (p == last) {
        return NGX_HTTP_KRJ_ROUTE_INDEX;
    }

#define ngx_http_krj_is(s)                                                    \
    ((size_t) (last - p) >= sizeof(s) - 1                                     \
     && ngx_strncmp(p, s, sizeof(s) - 1) == 0)

    if ((size_t) (last - p) == sizeof("categories") - 1
        && ngx_http_krj_is("categories"))
    {
        return NGX_HTTP_KRJ_ROUTE_CATEGORIES;
    }

    if ((size_t) (last - p) == sizeof("summary") - 1
        && ngx_http_krj_is("summary"))
    {
        return NGX_HTTP_KRJ_ROUTE_SUMMARY;
    }

    if (ngx_http_krj_is("signals/")) {
        arg->data = p + sizeof("signals/") - 1;
        arg->len = last - arg->data;

        if (arg->len == 0 || ngx_strlchr(arg->data, last, '/') != NULL) {
            return NGX_HTTP_KRJ_ROUTE_OTHER;
        }

        return (arg->len > 4
                && ngx_strncasecmp(last - 4, (u_char *) ".csv", 4) == 0)
               ? NGX_HTTP_KRJ_ROUTE_SIGNALS_CSV : NGX_HTTP_KRJ_ROUTE_SIGNALS;
    }

    if (ngx_http_krj_is("tickers/")) {
        arg->data = p + sizeof("tickers/") - 1;
        arg->len = last - arg->data;

        return (arg->len && ngx_strlchr(arg->data, last, '/') == NULL)
               ? NGX_HTTP_KRJ_ROUTE_TICKERS : NGX_HTTP_KRJ_ROUTE_OTHER;
    }

    if (ngx_http_krj_is("history/")) {
        arg->data = p + sizeof("history/") - 1;
        arg->len = last - arg->data;

        /* {slug}/{ticker}: one "/", something on either side */
        p = ngx_strlchr(arg->data, last, '/');

        return (p != NULL && p > arg->data && p + 1 < last
                && ngx_strlchr(p + 1, last, '/') == NULL)
               ? NGX_HTTP_KRJ_ROUTE_HISTORY : NGX_HTTP_KRJ_ROUTE_OTHER;
    }

#undef ngx_http_krj_is

    return NGX_HTTP_KRJ_ROUTE_OTHER;
}


/* a pre-rendered body, sent from the mapping without a copy */

static ngx_int_t
ngx_http_krj_whole(ngx_http_request_t *r, ngx_http_krj_snapshot_t *snapshot,
    ngx_uint_t type, krj_snap_ref_t body, krj_snap_ref_t gz)
{
    unsigned                   offered;
    ngx_http_krj_body_t        b;
    const krj_snap_encoded_t  *e;

    ngx_memzero(&b, sizeof(ngx_http_krj_body_t));

    b.type = type;

    e = krj_snap_find_encoded(&snapshot->snap, body);
    offered = gz.len ? krj_enc_bit(KRJ_ENC_GZIP) : 0;

    if (e != NULL) {
        offered |= (e->br.len ? krj_enc_bit(KRJ_ENC_BR) : 0)
                   | (e->zstd.len ? krj_enc_bit(KRJ_ENC_ZSTD) : 0);
    }

    b.encoding = offered ? ngx_http_krj_encoding(r, offered)
                         : KRJ_ENC_IDENTITY;

    switch (b.encoding) {

    case KRJ_ENC_GZIP:
        body = gz;
        break;

    case KRJ_ENC_BR:
        body = e->br;
        break;

    case KRJ_ENC_ZSTD:
        body = e->zstd;
        break;

    default: /* KRJ_ENC_IDENTITY */
        break;
    }

    b.data = (u_char *) krj_snap_ptr(&snapshot->snap, body);
    b.len = body.len;

    return ngx_http_krj_send_data(r, snapshot, &b);
}


static ngx_int_t
ngx_http_krj_signals(ngx_http_request_t *r, ngx_http_krj_snapshot_t *snapshot,
    ngx_str_t *name)
{
    ngx_int_t                   rc;
    ngx_str_t                   slug, tail;
    ngx_uint_t                  csv, exact;
    krj_query_t                 q;
    krj_select_t                sel;
    const krj_snap_t           *snap;
    ngx_http_krj_answer_t       a;
    ngx_http_krj_main_conf_t   *kmcf;
    const krj_snap_category_t  *cat;

    snap = &snapshot->snap;
    slug = *name;
    csv = 0;
    exact = 1;

    /* ".csv"; ".CSV" and the like are redirected to it */

    if (slug.len > 4
        && ngx_strncasecmp(slug.data + slug.len - 4, (u_char *) ".csv", 4)
           == 0)
    {
        exact = (ngx_strncmp(slug.data + slug.len - 4, ".csv", 4) == 0);
        slug.len -= 4;
        csv = 1;
    }

    cat = krj_snap_find_category(snap, (const char *) slug.data, slug.len);

    if (cat == NULL || !exact) {
        if (csv) {
            tail = ngx_http_krj_csv_suffix;

        } else {
            ngx_str_null(&tail);
        }

        return ngx_http_krj_inexact(r, snap, cat, &slug, &tail);
    }

    /*
     * $krj_category is set before the scope check: the URL names the
     * category even when the principal may not read it.
     */

    if (ngx_http_krj_set_category(r, snap, cat) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (!ngx_http_krj_scopes_allow(ngx_http_krj_scopes(r), slug.data,
                                   slug.len))
    {
        ngx_http_krj_metrics_auth(r, ngx_http_krj_method(r),
                                  NGX_HTTP_KRJ_AUTH_FORBIDDEN);

        /* a refusal, as the access phase's: an error_page 403 applies */

        return ngx_http_krj_refuse(r, NGX_HTTP_FORBIDDEN, "forbidden",
                                   "no access to category \"%V\"", &slug);
    }

    if (r->args.len == 0) {
        return csv ? ngx_http_krj_whole(r, snapshot, NGX_HTTP_KRJ_CSV,
                                        cat->csv, cat->csv_gz)
                   : ngx_http_krj_whole(r, snapshot, NGX_HTTP_KRJ_JSON,
                                        cat->json, cat->json_gz);
    }

    kmcf = ngx_http_get_module_main_conf(r, ngx_http_krj_module);

    rc = krj_query_parse_bounded(&q, snap, cat, (const char *) r->args.data,
                                 r->args.len, &kmcf->bounds,
                                 ngx_http_krj_alloc, r->pool);

    if (rc == KRJ_QUERY_NOMEM) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (rc != KRJ_QUERY_OK) {
        return ngx_http_krj_send_error(r, NGX_HTTP_BAD_REQUEST,
                                       krj_query_code(rc), "%s", q.err);
    }

    /* a large answer is selected and written in slices */

    rc = ngx_http_krj_slice_signals(r, snapshot, cat, &q, csv, &sel);

    if (rc != NGX_DECLINED) {
        return rc;
    }

    ngx_memzero(&a, sizeof(ngx_http_krj_answer_t));

    a.route = NGX_HTTP_KRJ_ROUTE_SIGNALS;
    a.csv = csv;
    a.snap = snap;
    a.cat = cat;
    a.q = &q;
    a.sel = &sel;

    return ngx_http_krj_render(r, snapshot, &a);
}


/*
 * A slug or suffix that is not exact.  When only the case differs, a 308
 * to the category's one URL (one URL per resource, one ETag); else a 404
 * that names the category probably meant.  tail is what the URL has after
 * the slug, as the one URL has it (".csv", "/{ticker}").
 */

static ngx_int_t
ngx_http_krj_inexact(ngx_http_request_t *r, const krj_snap_t *snap,
    const krj_snap_category_t *cat, ngx_str_t *slug, ngx_str_t *tail)
{
    const krj_snap_category_t  *hint;

    if (cat == NULL) {
        cat = krj_slug_find_nocase(snap, (const char *) slug->data,
                                   slug->len);
    }

    if (cat != NULL) {
        if (ngx_http_krj_set_category(r, snap, cat) != NGX_OK) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        return ngx_http_krj_redirect(r, snap, cat, slug, tail);
    }

    hint = krj_slug_suggest(snap, (const char *) slug->data, slug->len);

    if (hint == NULL) {
        return ngx_http_krj_send_error(r, NGX_HTTP_NOT_FOUND,
                                       "unknown_category",
                                       "no category \"%V\"", slug);
    }

    return ngx_http_krj_send_error(r, NGX_HTTP_NOT_FOUND, "unknown_category",
                                   "no category \"%V\"; did you mean "
                                   "\"%*s\"?", slug, (size_t) hint->slug.len,
                                   krj_snap_ptr(snap, hint->slug));
}


/*
 * The URI with the canonical slug in place of slug, then tail, and the
 * query as it came.  r->uri is decoded: its part before the slug (the
 * location's prefix and "signals/") and tail are escaped again.
 */

static ngx_int_t
ngx_http_krj_redirect(ngx_http_request_t *r, const krj_snap_t *snap,
    const krj_snap_category_t *cat, ngx_str_t *slug, ngx_str_t *tail)
{
    u_char     *p;
    size_t      len, plen;
    ngx_str_t   location;

    plen = slug->data - r->uri.data;

    len = plen + 2 * ngx_escape_uri(NULL, r->uri.data, plen, NGX_ESCAPE_URI)
          + cat->slug.len + tail->len
          + 2 * ngx_escape_uri(NULL, tail->data, tail->len, NGX_ESCAPE_URI)
          + (r->args.len ? 1 + r->args.len : 0);

    location.data = ngx_pnalloc(r->pool, len);
    if (location.data == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p = (u_char *) ngx_escape_uri(location.data, r->uri.data, plen,
                                  NGX_ESCAPE_URI);
    p = ngx_cpymem(p, krj_snap_ptr(snap, cat->slug), cat->slug.len);
    p = (u_char *) ngx_escape_uri(p, tail->data, tail->len, NGX_ESCAPE_URI);

    if (r->args.len) {
        *p++ = '?';
        p = ngx_cpymem(p, r->args.data, r->args.len);
    }

    location.len = p - location.data;

    return ngx_http_krj_send_redirect(r, &location);
}


/* for $krj_category: the mapping outlives the request's log phase */

static ngx_int_t
ngx_http_krj_set_category(ngx_http_request_t *r, const krj_snap_t *snap,
    const krj_snap_category_t *cat)
{
    ngx_http_krj_ctx_t  *ctx;

    ctx = ngx_http_krj_ctx(r);
    if (ctx == NULL) {
        return NGX_ERROR;
    }

    ctx->category.data = (u_char *) krj_snap_ptr(snap, cat->slug);
    ctx->category.len = cat->slug.len;

    return NGX_OK;
}


static ngx_int_t
ngx_http_krj_ticker(ngx_http_request_t *r, ngx_http_krj_snapshot_t *snapshot,
    ngx_str_t *name)
{
    ngx_http_krj_answer_t     a;
    const krj_snap_ticker_t  *ticker;

    ticker = krj_snap_find_ticker(&snapshot->snap, (const char *) name->data,
                                  name->len);

    ngx_memzero(&a, sizeof(ngx_http_krj_answer_t));

    a.route = NGX_HTTP_KRJ_ROUTE_TICKERS;
    a.snap = &snapshot->snap;
    a.ticker = ticker;
    a.scopes = ngx_http_krj_scopes(r);
    a.name = *name;

    if (ticker != NULL) {
        a.name.data = (u_char *) krj_snap_ptr(a.snap, ticker->ticker);
        a.name.len = ticker->ticker.len;
    }

    return ngx_http_krj_render(r, snapshot, &a);
}


/*
 * GET /history/{slug}/{ticker}: the body krj-batch pre-rendered, found by
 * a binary search among the category's tickers.  The category first, as
 * for /signals/ (a slug in another case is redirected, the scopes are
 * checked), then whether it has a history, then the ticker, in any case.
 */

static ngx_int_t
ngx_http_krj_history(ngx_http_request_t *r, ngx_http_krj_snapshot_t *snapshot,
    ngx_str_t *arg)
{
    u_char                      *slash;
    ngx_str_t                    slug, ticker, tail;
    const krj_snap_t            *snap;
    const krj_snap_hticker_t    *t;
    const krj_snap_category_t   *cat;
    const krj_snap_hcategory_t  *hc;

    snap = &snapshot->snap;

    /* the router saw exactly one "/" */
    slash = ngx_strlchr(arg->data, arg->data + arg->len, '/');

    slug.data = arg->data;
    slug.len = slash - arg->data;
    ticker.data = slash + 1;
    ticker.len = arg->data + arg->len - ticker.data;

    cat = krj_snap_find_category(snap, (const char *) slug.data, slug.len);

    if (cat == NULL) {
        tail.data = slash;
        tail.len = ticker.len + 1;

        return ngx_http_krj_inexact(r, snap, NULL, &slug, &tail);
    }

    if (ngx_http_krj_set_category(r, snap, cat) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (!ngx_http_krj_scopes_allow(ngx_http_krj_scopes(r), slug.data,
                                   slug.len))
    {
        ngx_http_krj_metrics_auth(r, ngx_http_krj_method(r),
                                  NGX_HTTP_KRJ_AUTH_FORBIDDEN);

        return ngx_http_krj_refuse(r, NGX_HTTP_FORBIDDEN, "forbidden",
                                   "no access to category \"%V\"", &slug);
    }

    hc = krj_snap_history_of(snap, cat);

    if (hc == NULL) {
        if (cat->signal_col < 0) {
            return ngx_http_krj_send_error(r, NGX_HTTP_NOT_FOUND,
                                           "no_history",
                                           "category \"%V\" has no signal "
                                           "column, so no history", &slug);
        }

        return ngx_http_krj_send_error(r, NGX_HTTP_NOT_FOUND, "no_history",
                                       "no history is exported for "
                                       "category \"%V\" (krj-batch "
                                       "--history-weeks 0)", &slug);
    }

    t = krj_snap_find_history(snap, hc, (const char *) ticker.data,
                              ticker.len);

    if (t == NULL) {
        return ngx_http_krj_send_error(r, NGX_HTTP_NOT_FOUND,
                                       "unknown_ticker", "no ticker \"%V\" "
                                       "in the history of category \"%V\"",
                                       &ticker, &slug);
    }

    return ngx_http_krj_whole(r, snapshot, NGX_HTTP_KRJ_JSON, t->json,
                              t->json_gz);
}


/*
 * Measures the answer, allocates it once and writes it; HEAD needs only
 * the length.  A ticker none of whose categories the principal may read
 * is as unknown as a ticker of no category.
 */

static ngx_int_t
ngx_http_krj_render(ngx_http_request_t *r, ngx_http_krj_snapshot_t *snapshot,
    ngx_http_krj_answer_t *a)
{
    krj_out_t            o;
    ngx_http_krj_body_t  b;

    krj_out_init(&o, NULL);

    if (a->route != NGX_HTTP_KRJ_ROUTE_TICKERS || a->ticker != NULL) {
        ngx_http_krj_render_answer(&o, a);
    }

    if (a->route == NGX_HTTP_KRJ_ROUTE_TICKERS && a->results == 0) {
        return ngx_http_krj_send_error(r, NGX_HTTP_NOT_FOUND,
                                       "unknown_ticker", "no ticker \"%V\"",
                                       &a->name);
    }

    ngx_memzero(&b, sizeof(ngx_http_krj_body_t));

    b.type = a->csv ? NGX_HTTP_KRJ_CSV : NGX_HTTP_KRJ_JSON;
    b.in_pool = 1;
    b.len = o.len;

    if (r->method != NGX_HTTP_HEAD) {
        b.data = ngx_pnalloc(r->pool, o.len ? o.len : 1);
        if (b.data == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        krj_out_init(&o, b.data);
        ngx_http_krj_render_answer(&o, a);
    }

    return ngx_http_krj_send_data(r, snapshot, &b);
}


static void
ngx_http_krj_render_answer(krj_out_t *o, ngx_http_krj_answer_t *a)
{
    switch (a->route) {

    case NGX_HTTP_KRJ_ROUTE_CATEGORIES:
    case NGX_HTTP_KRJ_ROUTE_SUMMARY:
        krj_render_list(o, a->snap, a->route == NGX_HTTP_KRJ_ROUTE_SUMMARY
                                    ? KRJ_LIST_SUMMARY : KRJ_LIST_CATEGORIES,
                        ngx_http_krj_visible, a->scopes);
        break;

    case NGX_HTTP_KRJ_ROUTE_TICKERS:
        a->results = krj_render_ticker(o, a->snap, a->ticker,
                                       ngx_http_krj_visible, a->scopes);
        break;

    case NGX_HTTP_KRJ_ROUTE_INDEX:
        krj_render_index(o, a->snap, (const char *) a->base.data, a->base.len,
                         ngx_http_krj_visible, a->scopes);
        break;

    default: /* NGX_HTTP_KRJ_ROUTE_SIGNALS */

        if (a->csv) {
            krj_render_signals_csv(o, a->snap, a->cat, a->q, a->sel);

        } else {
            krj_render_signals_json(o, a->snap, a->cat, a->q, a->sel);
        }
    }
}


static int
ngx_http_krj_visible(void *data, const char *slug, size_t len)
{
    return ngx_http_krj_scopes_allow(data, (const u_char *) slug, len);
}


static void *
ngx_http_krj_alloc(void *data, size_t size)
{
    return ngx_palloc(data, size ? size : 1);
}
