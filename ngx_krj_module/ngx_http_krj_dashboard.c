
/*
 * Copyright (C) The krj developers
 */


/*
 * The dashboard's routes.  A category page without a query is sent as
 * krj-batch pre-rendered it; with one, it is assembled from the rows'
 * fragments; every other page is small and rendered here.  Nothing is
 * formatted per request but the few values of the request itself.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "krj_page.h"
#include "krj_print.h"
#include "ngx_http_krj_module.h"
#include "ngx_http_krj_dashboard.h"
#include "ngx_http_krj_login.h"
#include "ngx_http_krj_metrics.h"
#include "ngx_http_krj_page.h"
#include "ngx_http_krj_response.h"
#include "ngx_http_krj_session.h"
#include "ngx_http_krj_snapshot.h"


/* what a path under the prefix asks for */
#define NGX_HTTP_KRJ_DASH_ROOT      0       /* {prefix}, {prefix}/ */
#define NGX_HTTP_KRJ_DASH_CATEGORY  1
#define NGX_HTTP_KRJ_DASH_PRINT     2
#define NGX_HTTP_KRJ_DASH_LOGIN     3
#define NGX_HTTP_KRJ_DASH_LOGOUT    4
#define NGX_HTTP_KRJ_DASH_ASSET     5
#define NGX_HTTP_KRJ_DASH_OTHER     6


typedef struct {
    const krj_snap_category_t  *cat;
    const krj_query_t          *q;
    const krj_select_t         *sel;
} ngx_http_krj_dash_view_t;


typedef struct {
    const char                 *next;
    size_t                      nlen;
} ngx_http_krj_dash_login_t;


static ngx_uint_t ngx_http_krj_dash_path(ngx_http_request_t *r,
    ngx_str_t *arg);
static ngx_int_t ngx_http_krj_dash_root(ngx_http_request_t *r,
    ngx_http_krj_snapshot_t *snapshot, krj_page_t *pg);
static ngx_int_t ngx_http_krj_dash_category(ngx_http_request_t *r,
    ngx_http_krj_snapshot_t *snapshot, krj_page_t *pg, ngx_str_t *slug);
static ngx_int_t ngx_http_krj_dash_print(ngx_http_request_t *r,
    ngx_http_krj_snapshot_t *snapshot, krj_page_t *pg);
static ngx_int_t ngx_http_krj_dash_login_page(ngx_http_request_t *r,
    ngx_http_krj_snapshot_t *snapshot, krj_page_t *pg);
static ngx_int_t ngx_http_krj_dash_not_allowed(ngx_http_request_t *r,
    ngx_http_krj_snapshot_t *snapshot, krj_page_t *pg, ngx_str_t *allow);
static const krj_snap_category_t *ngx_http_krj_dash_first(krj_page_t *pg);
static void ngx_http_krj_render_view(krj_out_t *o, const krj_page_t *pg,
    const void *arg);
static void ngx_http_krj_render_print(krj_out_t *o, const krj_page_t *pg,
    const void *arg);
static void ngx_http_krj_render_login(krj_out_t *o, const krj_page_t *pg,
    const void *arg);
static ngx_int_t ngx_http_krj_dash_safe(ngx_str_t *path);
static void *ngx_http_krj_dash_alloc(void *data, size_t size);


static ngx_str_t  ngx_http_krj_dash_get = ngx_string("GET, HEAD");
static ngx_str_t  ngx_http_krj_dash_post = ngx_string("POST");
static ngx_str_t  ngx_http_krj_dash_login = ngx_string("GET, HEAD, POST");


char *
ngx_http_krj_dashboard_directive(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_krj_loc_conf_t *klcf = conf;

    ngx_str_t                  name;
    ngx_http_core_loc_conf_t  *clcf;
    ngx_http_krj_main_conf_t  *kmcf;

    if (klcf->dashboard) {
        return "is duplicate";
    }

    if (klcf->api) {
        return "conflicts with \"krj_api\" in the same location";
    }

    if (klcf->status != NGX_CONF_UNSET_UINT) {
        return "conflicts with \"krj_status\" in the same location";
    }

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);

    /* every URL of a page starts with the location: it must be one path */

    if (clcf->named || clcf->exact_match
#if (NGX_PCRE)
        || clcf->regex
#endif
       )
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\" needs a prefix location such as "
                           "\"location /krj\": its pages link to each "
                           "other under it", &cmd->name);
        return NGX_CONF_ERROR;
    }

    name = clcf->name;

    if (ngx_http_krj_dash_safe(&name) != NGX_OK) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\" in location \"%V\": the path may hold "
                           "only letters, digits and / . _ ~ -, which the "
                           "pages write into their URLs as they are",
                           &cmd->name, &clcf->name);
        return NGX_CONF_ERROR;
    }

    klcf->dashboard = 1;
    clcf->handler = ngx_http_krj_dashboard_handler;

    /* location /krj/: a request for /krj is redirected to it (301) */

    if (name.len && name.data[name.len - 1] == '/') {
        clcf->auto_redirect = 1;
    }

    kmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_krj_module);
    kmcf->used = 1;

    return NGX_CONF_OK;
}


char *
ngx_http_krj_dashboard_api_directive(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_krj_loc_conf_t *klcf = conf;

    ngx_str_t  *value;

    if (klcf->dashboard_api.data) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (value[1].len == 0 || value[1].data[0] != '/'
        || ngx_http_krj_dash_safe(&value[1]) != NGX_OK)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid value \"%V\" in \"%V\" directive, it "
                           "must be a path such as \"/api/v1\", of letters, "
                           "digits and / . _ ~ -", &value[1], &cmd->name);
        return NGX_CONF_ERROR;
    }

    klcf->dashboard_api = value[1];

    /* the links append "/signals/..." */

    while (klcf->dashboard_api.len > 1
           && klcf->dashboard_api.data[klcf->dashboard_api.len - 1] == '/')
    {
        klcf->dashboard_api.len--;
    }

    if (klcf->dashboard_api.len == 1) {
        klcf->dashboard_api.len = 0;
    }

    return NGX_CONF_OK;
}


ngx_int_t
ngx_http_krj_dashboard_handler(ngx_http_request_t *r)
{
    ngx_int_t                  rc;
    ngx_str_t                  arg, user;
    ngx_uint_t                 kind;
    krj_page_t                 pg;
    ngx_http_krj_snapshot_t   *snapshot;
    ngx_http_krj_main_conf_t  *kmcf;

    kind = ngx_http_krj_dash_path(r, &arg);

    /* the forms of people signing in and out: with a body, without data */

    if (r->method == NGX_HTTP_POST && kind == NGX_HTTP_KRJ_DASH_LOGIN) {
        return ngx_http_krj_login_handler(r);
    }

    if (r->method == NGX_HTTP_POST && kind == NGX_HTTP_KRJ_DASH_LOGOUT) {
        return ngx_http_krj_logout_handler(r);
    }

    /* first, so that an answer on a kept-alive connection leaves no body */

    rc = ngx_http_discard_request_body(r);

    if (rc != NGX_OK) {
        return rc;
    }

    if (ngx_http_krj_snapshot_acquire(r, &snapshot) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    /* the header says who is signed in, with a session only */

    if (!ngx_http_krj_session_signed_in(r, &user)) {
        ngx_str_null(&user);
    }

    ngx_http_krj_page_init(r, snapshot, &user, &pg);

    if (kind == NGX_HTTP_KRJ_DASH_LOGOUT) {
        return ngx_http_krj_dash_not_allowed(r, snapshot, &pg,
                                             &ngx_http_krj_dash_post);
    }

    if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))) {
        return ngx_http_krj_dash_not_allowed(r, snapshot, &pg,
                                             kind == NGX_HTTP_KRJ_DASH_LOGIN
                                             ? &ngx_http_krj_dash_login
                                             : &ngx_http_krj_dash_get);
    }

    if (snapshot == NULL) {
        kmcf = ngx_http_get_module_main_conf(r, ngx_http_krj_module);

        return ngx_http_krj_page_error(r, NULL, &pg,
                                       NGX_HTTP_SERVICE_UNAVAILABLE,
                                       "no_data", NULL,
                                       "No data yet: %*s",
                                       kmcf->reason_len, kmcf->reason);
    }

    switch (kind) {

    case NGX_HTTP_KRJ_DASH_ASSET:
        rc = ngx_http_krj_page_asset(r, snapshot, &arg);

        if (rc != NGX_DECLINED) {
            return rc;
        }

        return ngx_http_krj_page_error(r, snapshot, &pg, NGX_HTTP_NOT_FOUND,
                                       "not_found", NULL, "No such page.");

    case NGX_HTTP_KRJ_DASH_ROOT:
        return ngx_http_krj_dash_root(r, snapshot, &pg);

    case NGX_HTTP_KRJ_DASH_LOGIN:
        return ngx_http_krj_dash_login_page(r, snapshot, &pg);

    case NGX_HTTP_KRJ_DASH_PRINT:
        return ngx_http_krj_dash_print(r, snapshot, &pg);

    case NGX_HTTP_KRJ_DASH_CATEGORY:
        return ngx_http_krj_dash_category(r, snapshot, &pg, &arg);

    default: /* NGX_HTTP_KRJ_DASH_OTHER */
        return ngx_http_krj_page_error(r, snapshot, &pg, NGX_HTTP_NOT_FOUND,
                                       "not_found", NULL, "No such page.");
    }
}


ngx_uint_t
ngx_http_krj_dashboard_route(ngx_http_request_t *r)
{
    ngx_str_t  arg;

    switch (ngx_http_krj_dash_path(r, &arg)) {

    case NGX_HTTP_KRJ_DASH_ASSET:
        return NGX_HTTP_KRJ_ROUTE_ASSETS;

    case NGX_HTTP_KRJ_DASH_LOGIN:
    case NGX_HTTP_KRJ_DASH_LOGOUT:
        return NGX_HTTP_KRJ_ROUTE_LOGIN;

    default:
        return NGX_HTTP_KRJ_ROUTE_DASHBOARD;
    }
}


/* the path under the prefix; arg: the slug or the asset's name */

static ngx_uint_t
ngx_http_krj_dash_path(ngx_http_request_t *r, ngx_str_t *arg)
{
    u_char     *p, *last;
    ngx_str_t   prefix;

    ngx_http_krj_page_prefix(r, &prefix);

    p = r->uri.data;
    last = r->uri.data + r->uri.len;

    if (r->uri.len < prefix.len
        || ngx_strncmp(p, prefix.data, prefix.len) != 0)
    {
        return NGX_HTTP_KRJ_DASH_OTHER;
    }

    p += prefix.len;

    if (p == last || (p + 1 == last && *p == '/')) {
        return NGX_HTTP_KRJ_DASH_ROOT;
    }

    /* location /krj also takes /krjx: not a page of its */
    if (*p++ != '/') {
        return NGX_HTTP_KRJ_DASH_OTHER;
    }

    arg->data = p;
    arg->len = last - p;

#define ngx_http_krj_dash_is(s)                                               \
    (arg->len == sizeof(s) - 1 && ngx_strncmp(p, s, sizeof(s) - 1) == 0)

    if (ngx_http_krj_dash_is("login")) {
        return NGX_HTTP_KRJ_DASH_LOGIN;
    }

    if (ngx_http_krj_dash_is("logout")) {
        return NGX_HTTP_KRJ_DASH_LOGOUT;
    }

    if (ngx_http_krj_dash_is("print")) {
        return NGX_HTTP_KRJ_DASH_PRINT;
    }

#undef ngx_http_krj_dash_is

    if (arg->len > sizeof("assets/") - 1
        && ngx_strncmp(p, "assets/", sizeof("assets/") - 1) == 0)
    {
        arg->data += sizeof("assets/") - 1;
        arg->len -= sizeof("assets/") - 1;

        return NGX_HTTP_KRJ_DASH_ASSET;
    }

    return NGX_HTTP_KRJ_DASH_CATEGORY;
}


/* GET {prefix}: the first tab, with the query as it came */

static ngx_int_t
ngx_http_krj_dash_root(ngx_http_request_t *r,
    ngx_http_krj_snapshot_t *snapshot, krj_page_t *pg)
{
    u_char                     *p;
    ngx_str_t                   location;
    const krj_snap_category_t  *cat;

    cat = ngx_http_krj_dash_first(pg);

    if (cat == NULL) {
        return ngx_http_krj_page_error(r, snapshot, pg, NGX_HTTP_NOT_FOUND,
                                       "not_found", NULL, "No categories.");
    }

    location.len = pg->prefix.len + 1 + cat->slug.len
                   + (r->args.len ? 1 + r->args.len : 0);
    location.data = ngx_pnalloc(r->pool, location.len);

    if (location.data == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p = ngx_cpymem(location.data, pg->prefix.data, pg->prefix.len);
    *p++ = '/';
    p = ngx_cpymem(p, krj_snap_ptr(pg->snap, cat->slug), cat->slug.len);

    if (r->args.len) {
        *p++ = '?';
        p = ngx_cpymem(p, r->args.data, r->args.len);
    }

    location.len = p - location.data;

    return ngx_http_krj_send_found(r, NGX_HTTP_MOVED_TEMPORARILY, &location);
}


static ngx_int_t
ngx_http_krj_dash_category(ngx_http_request_t *r,
    ngx_http_krj_snapshot_t *snapshot, krj_page_t *pg, ngx_str_t *slug)
{
    int                         rc;
    krj_query_t                 q;
    krj_select_t                sel;
    ngx_http_krj_ctx_t         *ctx;
    ngx_http_krj_dash_view_t    v;
    ngx_http_krj_main_conf_t   *kmcf;
    const krj_snap_category_t  *cat;

    cat = krj_snap_find_category(pg->snap, (const char *) slug->data,
                                 slug->len);

    if (cat == NULL) {
        return ngx_http_krj_page_error(r, snapshot, pg, NGX_HTTP_NOT_FOUND,
                                       "unknown_category", NULL,
                                       "No category \"%V\".", slug);
    }

    /* $krj_category, before the scope check as on the API */

    ctx = ngx_http_krj_ctx(r);
    if (ctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ctx->category.data = (u_char *) krj_snap_ptr(pg->snap, cat->slug);
    ctx->category.len = cat->slug.len;

    if (!krj_page_readable(pg, cat)) {
        ngx_http_krj_metrics_auth(r, ngx_http_krj_method(r),
                                  NGX_HTTP_KRJ_AUTH_FORBIDDEN);

        return ngx_http_krj_page_error(r, snapshot, pg, NGX_HTTP_FORBIDDEN,
                                       "forbidden", NULL,
                                       "You may not read \"%V\".", slug);
    }

    if (r->args.len == 0) {
        return ngx_http_krj_page_spans(r, snapshot, pg, cat);
    }

    /* the API's bounds: a page costs what the same query there costs */

    kmcf = ngx_http_get_module_main_conf(r, ngx_http_krj_module);

    rc = krj_query_parse_form_bounded(&q, pg->snap, cat,
                                      (const char *) r->args.data,
                                      r->args.len, &kmcf->bounds,
                                      ngx_http_krj_dash_alloc, r->pool);

    if (rc == KRJ_QUERY_NOMEM) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (rc != KRJ_QUERY_OK) {
        return ngx_http_krj_page_error(r, snapshot, pg, NGX_HTTP_BAD_REQUEST,
                                       krj_query_code(rc), cat, "%s", q.err);
    }

    if (krj_query_select(&sel, pg->snap, cat, &q, ngx_http_krj_dash_alloc,
                         r->pool)
        != KRJ_QUERY_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    v.cat = cat;
    v.q = &q;
    v.sel = &sel;

    return ngx_http_krj_page_send(r, snapshot, pg, 0,
                                  ngx_http_krj_render_view, &v);
}


static ngx_int_t
ngx_http_krj_dash_print(ngx_http_request_t *r,
    ngx_http_krj_snapshot_t *snapshot, krj_page_t *pg)
{
    int          rc;
    krj_print_t  p;

    if (ngx_http_krj_dash_first(pg) == NULL) {
        return ngx_http_krj_page_error(r, snapshot, pg, NGX_HTTP_NOT_FOUND,
                                       "not_found", NULL, "No categories.");
    }

    rc = krj_print_parse(&p, pg->snap, (const char *) r->args.data,
                         r->args.len, pg->visible, pg->vdata,
                         ngx_http_krj_dash_alloc, r->pool);

    if (rc == KRJ_QUERY_NOMEM) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (rc != KRJ_QUERY_OK) {
        return ngx_http_krj_page_error(r, snapshot, pg, NGX_HTTP_BAD_REQUEST,
                                       krj_query_code(rc), NULL, "%s",
                                       p.err);
    }

    return ngx_http_krj_page_send(r, snapshot, pg, 0,
                                  ngx_http_krj_render_print, &p);
}


/*
 * GET {prefix}/login: the form, with next= when it is a page of the
 * dashboard; a query it cannot read is no reason to refuse the form.
 */

static ngx_int_t
ngx_http_krj_dash_login_page(ngx_http_request_t *r,
    ngx_http_krj_snapshot_t *snapshot, krj_page_t *pg)
{
    char                       *buf, err[KRJ_FORM_ERRLEN];
    krj_str_t                   name, value;
    const char                 *pos, *end;
    ngx_http_krj_dash_login_t   l;

    l.next = NULL;
    l.nlen = 0;

    buf = ngx_pnalloc(r->pool, 2 * r->args.len + 2);
    if (buf == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    pos = (const char *) r->args.data;
    end = pos + r->args.len;

    while (krj_form_next(&pos, end, buf, &name, &value, err, KRJ_FORM_TRIM)
           == 1)
    {
        if (name.len == 4 && ngx_strncmp(name.data, "next", 4) == 0
            && krj_page_next_ok(pg, value.data, value.len))
        {
            l.next = value.data;
            l.nlen = value.len;
        }

        buf = (char *) value.data + value.len + 1;
    }

    return ngx_http_krj_page_send(r, snapshot, pg, 0,
                                  ngx_http_krj_render_login, &l);
}


static ngx_int_t
ngx_http_krj_dash_not_allowed(ngx_http_request_t *r,
    ngx_http_krj_snapshot_t *snapshot, krj_page_t *pg, ngx_str_t *allow)
{
    if (ngx_http_krj_push_allow(r, allow) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_krj_page_error(r, snapshot, pg, NGX_HTTP_NOT_ALLOWED,
                                   "method_not_allowed", NULL,
                                   "Method %V is not allowed here, only %V.",
                                   &r->method_name, allow);
}


/* the first tab the principal may read */

static const krj_snap_category_t *
ngx_http_krj_dash_first(krj_page_t *pg)
{
    uint32_t                    i;
    const uint32_t             *tabs;
    const krj_snap_category_t  *cat;

    tabs = krj_snap_tabs(pg->snap);

    for (i = 0; i < pg->snap->hdr->ncategories; i++) {
        cat = &pg->snap->categories[tabs[i]];

        if (krj_page_readable(pg, cat)) {
            return cat;
        }
    }

    return NULL;
}


static void
ngx_http_krj_render_view(krj_out_t *o, const krj_page_t *pg,
    const void *arg)
{
    const ngx_http_krj_dash_view_t  *v = arg;

    krj_page_category(o, pg, v->cat, v->q, v->sel, KRJ_PAGE_ALL);
}


static void
ngx_http_krj_render_print(krj_out_t *o, const krj_page_t *pg,
    const void *arg)
{
    krj_page_print(o, pg, arg);
}


static void
ngx_http_krj_render_login(krj_out_t *o, const krj_page_t *pg,
    const void *arg)
{
    const ngx_http_krj_dash_login_t  *l = arg;

    krj_page_login(o, pg, l->next, l->nlen, NULL, 0);
}


/* a path the pages can write into an attribute and a URL as it is */

static ngx_int_t
ngx_http_krj_dash_safe(ngx_str_t *path)
{
    u_char      c;
    ngx_uint_t  i;

    for (i = 0; i < path->len; i++) {
        c = path->data[i];

        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
            || (c >= '0' && c <= '9') || c == '/' || c == '.' || c == '_'
            || c == '~' || c == '-')
        {
            continue;
        }

        return NGX_ERROR;
    }

    return NGX_OK;
}


static void *
ngx_http_krj_dash_alloc(void *data, size_t size)
{
    return ngx_palloc(data, size ? size : 1);
}
