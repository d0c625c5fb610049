
/*
 * Copyright (C) The krj developers
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "krj_date.h"
#include "krj_layout.h"
#include "krj_out.h"
#include "ngx_http_krj_module.h"
#include "ngx_http_krj_identity.h"
#include "ngx_http_krj_metrics.h"
#include "ngx_http_krj_response.h"
#include "ngx_http_krj_snapshot.h"
#include "ngx_http_krj_status.h"


static ngx_int_t ngx_http_krj_metrics_scope(ngx_http_request_t *r);
static ngx_int_t ngx_http_krj_ready(ngx_http_request_t *r);
static size_t ngx_http_krj_ready_check(ngx_http_request_t *r,
    ngx_http_krj_snapshot_t *snapshot, u_char *reason);
static time_t ngx_http_krj_signal_age(const krj_snap_t *snap,
    const krj_snap_category_t *cat, time_t now);
static void ngx_http_krj_ready_body(krj_out_t *o,
    ngx_http_krj_snapshot_t *snapshot, time_t now);
static ngx_int_t ngx_http_krj_send_status(ngx_http_request_t *r,
    ngx_uint_t status, const char *fmt, ...);


ngx_int_t
ngx_http_krj_status_handler(ngx_http_request_t *r)
{
    ngx_int_t                 rc;
    ngx_http_krj_loc_conf_t  *klcf;

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

    klcf = ngx_http_get_module_loc_conf(r, ngx_http_krj_module);

    switch (klcf->status) {

    case NGX_HTTP_KRJ_STATUS_READY:
        return ngx_http_krj_ready(r);

    case NGX_HTTP_KRJ_STATUS_METRICS:
        rc = ngx_http_krj_metrics_scope(r);

        if (rc != NGX_OK) {
            return rc;
        }

        return ngx_http_krj_metrics_handler(r);

    default: /* NGX_HTTP_KRJ_STATUS_HEALTH */
        return ngx_http_krj_send_json(r, NGX_HTTP_OK,
                                      (u_char *) KRJ_FMT_HEALTH,
                                      sizeof(KRJ_FMT_HEALTH) - 1);
    }
}


/*
 * Where krj_auth protects the metrics, the principal needs the scope
 * "metrics" by name: "*" is every category, and a key that reads the data
 * has no business with the counters of everybody's use, nor a monitoring
 * key with the data.
 */

static ngx_int_t
ngx_http_krj_metrics_scope(ngx_http_request_t *r)
{
    ngx_http_krj_auth_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r->main, ngx_http_krj_auth_module);

    if (ctx == NULL || ctx->outcome != NGX_HTTP_KRJ_IDENT_OK) {
        return NGX_OK;
    }

    if (!ctx->id.scopes.all
        && ngx_http_krj_scopes_allow(&ctx->id.scopes, (u_char *) "metrics",
                                     sizeof("metrics") - 1))
    {
        return NGX_OK;
    }

    ngx_http_krj_metrics_auth(r, ctx->id.method, NGX_HTTP_KRJ_AUTH_FORBIDDEN);

    return ngx_http_krj_refuse(r, NGX_HTTP_FORBIDDEN, "forbidden",
                               "%V has no scope \"metrics\" (\"*\" is every "
                               "category, not the metrics)",
                               &ctx->id.principal);
}


static ngx_int_t
ngx_http_krj_ready(ngx_http_request_t *r)
{
    u_char                    *body;
    size_t                     len;
    time_t                     now;
    krj_out_t                  o;
    ngx_http_krj_snapshot_t   *snapshot;
    ngx_http_krj_main_conf_t  *kmcf;
    u_char                     reason[NGX_HTTP_KRJ_REASON_LEN];

    kmcf = ngx_http_get_module_main_conf(r, ngx_http_krj_module);

    if (ngx_http_krj_snapshot_acquire(r, &snapshot) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (snapshot == NULL) {
        return ngx_http_krj_send_status(r, NGX_HTTP_SERVICE_UNAVAILABLE,
                                        KRJ_FMT_NOT_READY, kmcf->reason,
                                        kmcf->reason_len);
    }

    len = ngx_http_krj_ready_check(r, snapshot, reason);

    if (len) {
        return ngx_http_krj_send_status(r, NGX_HTTP_SERVICE_UNAVAILABLE,
                                        KRJ_FMT_NOT_READY, reason, len);
    }

    now = ngx_time();

    krj_out_init(&o, NULL);
    ngx_http_krj_ready_body(&o, snapshot, now);

    body = ngx_pnalloc(r->pool, o.len);
    if (body == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    krj_out_init(&o, body);
    ngx_http_krj_ready_body(&o, snapshot, now);

    return ngx_http_krj_send_json(r, NGX_HTTP_OK, body, o.len);
}


/*
 * Why the data served should not be trusted, into reason, or 0: too old
 * as a whole, a category too far behind, or a newer file on disk refused
 * for longer than a reload interval, so that what is served is no longer
 * what was published.
 */

static size_t
ngx_http_krj_ready_check(ngx_http_request_t *r,
    ngx_http_krj_snapshot_t *snapshot, u_char *reason)
{
    u_char                      *p, *last;
    time_t                       age, now, limit;
    ngx_uint_t                   i;
    ngx_msec_t                   stale;
    const krj_snap_t            *snap;
    ngx_http_krj_max_age_t      *ma;
    ngx_http_krj_main_conf_t    *kmcf;
    const krj_snap_category_t   *cat;

    kmcf = ngx_http_get_module_main_conf(r, ngx_http_krj_module);

    snap = &snapshot->snap;
    last = reason + NGX_HTTP_KRJ_REASON_LEN;
    now = ngx_time();

    /* a clock set back makes a snapshot from the future: call it new */

    age = ngx_max(now - (time_t) snap->hdr->generated_at, 0);

    if (kmcf->max_age && age > kmcf->max_age) {
        p = ngx_slprintf(reason, last, "snapshot is %T s old, krj_max_age "
                         "is %T s", age, kmcf->max_age);
        return p - reason;
    }

    if (kmcf->stale) {
        stale = ngx_current_msec - kmcf->stale_since;

        if (stale > kmcf->reload_interval) {
            p = ngx_slprintf(reason, last, "the snapshot on disk has been "
                             "refused for %M.%03M s (%*s), serving "
                             "generation %V", stale / 1000, stale % 1000,
                             kmcf->stale_reason_len, kmcf->stale_reason,
                             &snapshot->generation);
            return p - reason;
        }
    }

    if (kmcf->category_max_age == NULL) {
        return 0;
    }

    ma = kmcf->category_max_age->elts;

    for (i = 0; i < kmcf->category_max_age->nelts; i++) {

        if (ma[i].slug.len == 1 && ma[i].slug.data[0] == '*') {
            continue;
        }

        cat = krj_snap_find_category(snap, (const char *) ma[i].slug.data,
                                     ma[i].slug.len);

        if (cat == NULL) {
            p = ngx_slprintf(reason, last, "category \"%V\" of "
                             "krj_category_max_age is not in the snapshot",
                             &ma[i].slug);
            return p - reason;
        }
    }

    for (i = 0; i < snap->hdr->ncategories; i++) {
        cat = &snap->categories[i];

        limit = ngx_http_krj_category_max_age(kmcf,
                                   (u_char *) krj_snap_ptr(snap, cat->slug),
                                   cat->slug.len);
        if (limit == 0) {
            continue;
        }

        age = ngx_http_krj_signal_age(snap, cat, now);

        if (age > limit) {
            p = ngx_slprintf(reason, last, "category \"%*s\" has signals of "
                             "%*s, %T s old, krj_category_max_age is %T s",
                             (size_t) cat->slug.len,
                             krj_snap_ptr(snap, cat->slug),
                             (size_t) cat->signal_date.len,
                             krj_snap_ptr(snap, cat->signal_date),
                             age, limit);
            return p - reason;
        }
    }

    return 0;
}


/* seconds since the midnight UTC that starts the signal date, or 0 */

static time_t
ngx_http_krj_signal_age(const krj_snap_t *snap,
    const krj_snap_category_t *cat, time_t now)
{
    long  days;

    /* the validator checked every signal date */

    if (krj_date_parse(krj_snap_ptr(snap, cat->signal_date),
                       cat->signal_date.len, &days, NULL)
        != 0)
    {
        return 0;
    }

    return ngx_max(now - (time_t) days * KRJ_SECONDS_PER_DAY, 0);
}


static void
ngx_http_krj_ready_body(krj_out_t *o, ngx_http_krj_snapshot_t *snapshot,
    time_t now)
{
    uint32_t                    i;
    const krj_snap_t           *snap;
    const krj_snap_category_t  *cat;

    snap = &snapshot->snap;

    krj_out_fmt(o, KRJ_FMT_READY,
                krj_snap_ptr(snap, snap->hdr->generated_at_iso),
                (size_t) snap->hdr->generated_at_iso.len,
                (int64_t) ngx_max(now - (time_t) snap->hdr->generated_at, 0),
                (unsigned) snap->hdr->version,
                krj_snap_ptr(snap, snap->writer), (size_t) snap->writer.len,
                (unsigned) snap->hdr->ncategories);

    for (i = 0; i < snap->hdr->ncategories; i++) {
        cat = &snap->categories[i];

        if (i) {
            krj_out_byte(o, ',');
        }

        krj_out_fmt(o, KRJ_FMT_READY_DATE,
                    krj_snap_ptr(snap, cat->slug), (size_t) cat->slug.len,
                    krj_snap_ptr(snap, cat->signal_date),
                    (size_t) cat->signal_date.len,
                    (int64_t) ngx_http_krj_signal_age(snap, cat, now));
    }

    krj_out_str(o, KRJ_FMT_READY_END);
}


/* a KRJ_FMT_* status body, measured, then written into the pool */

static ngx_int_t
ngx_http_krj_send_status(ngx_http_request_t *r, ngx_uint_t status,
    const char *fmt, ...)
{
    u_char     *body;
    va_list     args;
    krj_out_t   o;

    krj_out_init(&o, NULL);

    va_start(args, fmt);
    krj_out_vfmt(&o, fmt, args);
    va_end(args);

    body = ngx_pnalloc(r->pool, o.len);
    if (body == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    krj_out_init(&o, body);

    va_start(args, fmt);
    krj_out_vfmt(&o, fmt, args);
    va_end(args);

    return ngx_http_krj_send_json(r, status, body, o.len);
}


/* krj_category_max_age slug|* time; */

char *
ngx_http_krj_category_max_age_directive(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_krj_main_conf_t *kmcf = conf;

    time_t                   age;
    ngx_str_t               *value;
    ngx_uint_t               i;
    ngx_http_krj_max_age_t  *ma;

    value = cf->args->elts;

    if (value[1].len == 0 || value[1].len > 64) {
        return "has a category of 1 to 64 bytes, or \"*\"";
    }

    if (!(value[1].len == 1 && value[1].data[0] == '*')) {
        for (i = 0; i < value[1].len; i++) {
            if (!((value[1].data[i] >= 'a' && value[1].data[i] <= 'z')
                  || (value[1].data[i] >= '0' && value[1].data[i] <= '9')
                  || value[1].data[i] == '-' || value[1].data[i] == '_'))
            {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "\"%V\" is not a category slug "
                                   "(a-z, 0-9, \"-\", \"_\") nor \"*\"",
                                   &value[1]);
                return NGX_CONF_ERROR;
            }
        }
    }

    age = ngx_parse_time(&value[2], 1);

    if (age == (time_t) NGX_ERROR || age <= 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid time \"%V\" in \"%V\", e.g. \"35d\"",
                           &value[2], &cmd->name);
        return NGX_CONF_ERROR;
    }

    if (kmcf->category_max_age == NULL) {
        kmcf->category_max_age = ngx_array_create(cf->pool, 4,
                                             sizeof(ngx_http_krj_max_age_t));
        if (kmcf->category_max_age == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    ma = kmcf->category_max_age->elts;

    for (i = 0; i < kmcf->category_max_age->nelts; i++) {
        if (ma[i].slug.len == value[1].len
            && ngx_strncmp(ma[i].slug.data, value[1].data, value[1].len)
               == 0)
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "duplicate \"%V\" for \"%V\"", &cmd->name,
                               &value[1]);
            return NGX_CONF_ERROR;
        }
    }

    ma = ngx_array_push(kmcf->category_max_age);
    if (ma == NULL) {
        return NGX_CONF_ERROR;
    }

    ma->slug = value[1];
    ma->age = age;

    return NGX_CONF_OK;
}


/* the limit of a category, its own or that of "*"; 0: none */

time_t
ngx_http_krj_category_max_age(ngx_http_krj_main_conf_t *kmcf, u_char *slug,
    size_t len)
{
    time_t                   all;
    ngx_uint_t               i;
    ngx_http_krj_max_age_t  *ma;

    if (kmcf->category_max_age == NULL) {
        return 0;
    }

    all = 0;
    ma = kmcf->category_max_age->elts;

    for (i = 0; i < kmcf->category_max_age->nelts; i++) {
        if (ma[i].slug.len == len && ngx_strncmp(ma[i].slug.data, slug, len)
                                     == 0)
        {
            return ma[i].age;
        }

        if (ma[i].slug.len == 1 && ma[i].slug.data[0] == '*') {
            all = ma[i].age;
        }
    }

    return all;
}
