
/*
 * Copyright (C) The krj developers
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "krj_out.h"
#include "ngx_http_krj_module.h"
#include "ngx_http_krj_api.h"
#include "ngx_http_krj_dashboard.h"
#include "ngx_http_krj_exposition.h"
#include "ngx_http_krj_metrics.h"
#include "ngx_http_krj_response.h"
#include "ngx_http_krj_snapshot.h"
#include "ngx_http_krj_zone.h"


/*
 * What is counted of one request, in a pool cleanup rather than in the
 * module's ctx: an internal redirect (error_page 403 /denied.html) clears
 * every ctx, and it is still the same request, started at the same time.
 */
typedef struct {
    uint64_t                     start_us;
    ngx_uint_t                   route;
    ngx_uint_t                   method;
    ngx_uint_t                   result;    /* NGX_HTTP_KRJ_AUTH_*, + 1 */
} ngx_http_krj_metrics_req_t;


static ngx_int_t ngx_http_krj_metrics_stamp(ngx_http_request_t *r);
static ngx_int_t ngx_http_krj_metrics_classify(ngx_http_request_t *r);
static ngx_int_t ngx_http_krj_metrics_log(ngx_http_request_t *r);
static ngx_uint_t ngx_http_krj_metrics_encoding(ngx_http_request_t *r);
static void ngx_http_krj_metrics_cleanup(void *data);
static ngx_http_krj_metrics_req_t *ngx_http_krj_metrics_req(
    ngx_http_request_t *r);
static ngx_http_krj_metrics_t *ngx_http_krj_metrics_zone(
    ngx_http_request_t *r);
static ngx_uint_t ngx_http_krj_metrics_openmetrics(ngx_http_request_t *r);


ngx_str_t  ngx_http_krj_route_names[NGX_HTTP_KRJ_ROUTES] = {
    ngx_null_string,
    ngx_string("categories"),
    ngx_string("signals"),
    ngx_string("signals_csv"),
    ngx_string("tickers"),
    ngx_string("summary"),
    ngx_string("history"),
    ngx_string("index"),
    ngx_string("dashboard"),
    ngx_string("assets"),
    ngx_string("login"),
    ngx_string("health"),
    ngx_string("ready"),
    ngx_string("metrics"),
    ngx_string("other")
};


/* upper bounds, in microseconds, and the same as Prometheus "le" labels */
static const uint64_t  ngx_http_krj_bounds[NGX_HTTP_KRJ_BUCKETS] = {
    50, 100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000,
    250000, 500000, 1000000
};


ngx_int_t
ngx_http_krj_metrics_init(ngx_conf_t *cf)
{
    ngx_http_handler_pt        *h;
    ngx_http_core_main_conf_t  *cmcf;

    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);

    h = ngx_array_push(&cmcf->phases[NGX_HTTP_POST_READ_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_http_krj_metrics_stamp;

    h = ngx_array_push(&cmcf->phases[NGX_HTTP_PREACCESS_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_http_krj_metrics_classify;

    h = ngx_array_push(&cmcf->phases[NGX_HTTP_LOG_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_http_krj_metrics_log;

    return NGX_OK;
}


/*
 * nginx's own request start is the event loop's cached time, to the
 * millisecond: too coarse for buckets from 50 us.  One clock_gettime()
 * (vDSO) per request, in the servers of a configuration that uses krj.
 */

static ngx_int_t
ngx_http_krj_metrics_stamp(ngx_http_request_t *r)
{
    ngx_pool_cleanup_t          *cln;
    ngx_http_krj_metrics_req_t  *mr;
    ngx_http_krj_main_conf_t    *kmcf;

    kmcf = ngx_http_get_module_main_conf(r, ngx_http_krj_module);

    /* without krj_zone, for $krj_route only */

    if ((kmcf->shm_zone == NULL && !kmcf->used) || r != r->main) {
        return NGX_DECLINED;
    }

    cln = ngx_pool_cleanup_add(r->pool, sizeof(ngx_http_krj_metrics_req_t));
    if (cln == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    cln->handler = ngx_http_krj_metrics_cleanup;

    mr = cln->data;
    ngx_memzero(mr, sizeof(ngx_http_krj_metrics_req_t));

    mr->start_us = ngx_http_krj_metrics_now();

    return NGX_DECLINED;
}


/*
 * The route from the location, before the access phase, so that a 401 or
 * a 429 counts under the route asked for.  The first krj location a
 * request reaches names it: an error_page that leads elsewhere does not.
 */

static ngx_int_t
ngx_http_krj_metrics_classify(ngx_http_request_t *r)
{
    ngx_http_krj_loc_conf_t     *klcf;
    ngx_http_krj_metrics_req_t  *mr;

    if (r != r->main) {
        return NGX_DECLINED;
    }

    klcf = ngx_http_get_module_loc_conf(r, ngx_http_krj_module);

    if (!klcf->api && !klcf->dashboard
        && klcf->status == NGX_CONF_UNSET_UINT)
    {
        return NGX_DECLINED;
    }

    mr = ngx_http_krj_metrics_req(r);

    if (mr == NULL || mr->route != NGX_HTTP_KRJ_ROUTE_NONE) {
        return NGX_DECLINED;
    }

    if (klcf->api) {
        mr->route = ngx_http_krj_api_route(r);

    } else if (klcf->dashboard) {
        mr->route = ngx_http_krj_dashboard_route(r);

    } else if (klcf->status == NGX_HTTP_KRJ_STATUS_HEALTH) {
        mr->route = NGX_HTTP_KRJ_ROUTE_HEALTH;

    } else if (klcf->status == NGX_HTTP_KRJ_STATUS_READY) {
        mr->route = NGX_HTTP_KRJ_ROUTE_READY;

    } else {
        mr->route = NGX_HTTP_KRJ_ROUTE_METRICS;
    }

    return NGX_DECLINED;
}


static ngx_int_t
ngx_http_krj_metrics_log(ngx_http_request_t *r)
{
    off_t                        sent;
    uint64_t                     us;
    ngx_uint_t                   cls, i;
    ngx_http_krj_metrics_t      *m;
    ngx_http_krj_metrics_req_t  *mr;

    mr = ngx_http_krj_metrics_req(r);

    if (mr == NULL || mr->route == NGX_HTTP_KRJ_ROUTE_NONE) {
        return NGX_OK;
    }

    m = ngx_http_krj_metrics_zone(r);
    if (m == NULL) {
        return NGX_OK;
    }

    cls = r->headers_out.status / 100;
    cls = (cls >= 1 && cls <= 5) ? cls - 1 : 4;

    (void) ngx_atomic_fetch_add(&m->requests[mr->route][cls], 1);

    sent = r->connection->sent - (off_t) r->header_size;

    if (sent > 0) {
        (void) ngx_atomic_fetch_add(
                   &m->bytes[mr->route][ngx_http_krj_metrics_encoding(r)],
                   (ngx_atomic_int_t) sent);
    }

    us = ngx_http_krj_metrics_now() - mr->start_us;

    for (i = 0; i < NGX_HTTP_KRJ_BUCKETS; i++) {
        if (us <= ngx_http_krj_bounds[i]) {
            break;
        }
    }

    (void) ngx_atomic_fetch_add(&m->duration[mr->route][i], 1);
    (void) ngx_atomic_fetch_add(&m->duration_us[mr->route],
                                (ngx_atomic_int_t) us);

    if (mr->result) {
        (void) ngx_atomic_fetch_add(&m->auth[mr->method][mr->result - 1], 1);
    }

    return NGX_OK;
}


/* whoever compressed the body, krj or nginx's gzip filter */

static ngx_uint_t
ngx_http_krj_metrics_encoding(ngx_http_request_t *r)
{
    ngx_str_t  *ce;

    if (r->headers_out.content_encoding == NULL) {
        return NGX_HTTP_KRJ_ENC_IDENTITY;
    }

    ce = &r->headers_out.content_encoding->value;

    if (ce->len == 4 && ngx_strncasecmp(ce->data, (u_char *) "gzip", 4) == 0)
    {
        return NGX_HTTP_KRJ_ENC_GZIP;
    }

    if (ce->len == 2 && ngx_strncasecmp(ce->data, (u_char *) "br", 2) == 0) {
        return NGX_HTTP_KRJ_ENC_BR;
    }

    if (ce->len == 4 && ngx_strncasecmp(ce->data, (u_char *) "zstd", 4) == 0)
    {
        return NGX_HTTP_KRJ_ENC_ZSTD;
    }

    return NGX_HTTP_KRJ_ENC_IDENTITY;
}


/* a marker: the cleanup that holds the counts is found by its handler */

static void
ngx_http_krj_metrics_cleanup(void *data)
{
    return;
}


static ngx_http_krj_metrics_req_t *
ngx_http_krj_metrics_req(ngx_http_request_t *r)
{
    ngx_pool_cleanup_t  *cln;

    for (cln = r->main->pool->cleanup; cln; cln = cln->next) {
        if (cln->handler == ngx_http_krj_metrics_cleanup) {
            return cln->data;
        }
    }

    return NULL;
}


uint64_t
ngx_http_krj_metrics_now(void)
{
    struct timespec  ts;

    (void) clock_gettime(CLOCK_MONOTONIC, &ts);

    return (uint64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}


void
ngx_http_krj_metrics_route(ngx_http_request_t *r, ngx_uint_t route)
{
    ngx_http_krj_metrics_req_t  *mr;

    mr = ngx_http_krj_metrics_req(r);

    if (mr != NULL) {
        mr->route = route;
    }
}


/* the last word wins: a verified key, then refused for its scope */

void
ngx_http_krj_metrics_auth(ngx_http_request_t *r, ngx_uint_t method,
    ngx_uint_t result)
{
    ngx_http_krj_metrics_req_t  *mr;

    mr = ngx_http_krj_metrics_req(r);

    if (mr != NULL && method < NGX_HTTP_KRJ_METHODS) {
        mr->method = method;
        mr->result = result + 1;
    }
}


void
ngx_http_krj_metrics_count(ngx_http_request_t *r, ngx_uint_t counter)
{
    ngx_http_krj_metrics_t  *m;

    m = ngx_http_krj_metrics_zone(r);

    if (m != NULL) {
        (void) ngx_atomic_fetch_add(&m->counters[counter], 1);
    }
}


ngx_http_krj_metrics_t *
ngx_http_krj_metrics_of(ngx_http_krj_main_conf_t *kmcf)
{
    ngx_http_krj_zone_t  *zone;

    if (kmcf->shm_zone == NULL) {
        return NULL;
    }

    zone = kmcf->shm_zone->data;

    return &zone->sh->metrics;
}


static ngx_http_krj_metrics_t *
ngx_http_krj_metrics_zone(ngx_http_request_t *r)
{
    ngx_http_krj_main_conf_t  *kmcf;

    kmcf = ngx_http_get_module_main_conf(r, ngx_http_krj_module);

    return ngx_http_krj_metrics_of(kmcf);
}


ngx_int_t
ngx_http_krj_metrics_route_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_http_krj_metrics_req_t  *mr;

    mr = ngx_http_krj_metrics_req(r);

    if (mr == NULL || mr->route == NGX_HTTP_KRJ_ROUTE_NONE) {
        v->not_found = 1;
        return NGX_OK;
    }

    v->len = ngx_http_krj_route_names[mr->route].len;
    v->valid = 1;
    v->no_cacheable = 0;
    v->not_found = 0;
    v->data = ngx_http_krj_route_names[mr->route].data;

    return NGX_OK;
}


/* krj_status metrics: measured, then written into one buffer */

ngx_int_t
ngx_http_krj_metrics_handler(ngx_http_request_t *r)
{
    u_char                   *body;
    ngx_str_t                 type;
    krj_out_t                 o;
    ngx_uint_t                open;
    ngx_http_krj_metrics_t   *m, *shared;
    ngx_http_krj_snapshot_t  *snapshot;

    shared = ngx_http_krj_metrics_zone(r);
    m = NULL;

    /*
     * The counters move while they are read: one copy, field by field
     * (each read is atomic), so that measuring and writing agree.
     */

    if (shared != NULL) {
        m = ngx_palloc(r->pool, sizeof(ngx_http_krj_metrics_t));
        if (m == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        ngx_memcpy(m, (void *) shared, sizeof(ngx_http_krj_metrics_t));
    }

    if (ngx_http_krj_snapshot_acquire(r, &snapshot) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    open = ngx_http_krj_metrics_openmetrics(r);

    krj_out_init(&o, NULL);
    ngx_http_krj_exposition(&o, open, r, m, snapshot);

    body = ngx_pnalloc(r->pool, o.len);
    if (body == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    krj_out_init(&o, body);
    ngx_http_krj_exposition(&o, open, r, m, snapshot);

    if (open) {
        ngx_str_set(&type, "application/openmetrics-text; version=1.0.0; "
                           "charset=utf-8");

    } else {
        ngx_str_set(&type, "text/plain; version=0.0.4; charset=utf-8");
    }

    return ngx_http_krj_send_text(r, NGX_HTTP_OK, &type, body, o.len);
}


/* OpenMetrics when the scraper asks for it, as Prometheus does in Accept */

static ngx_uint_t
ngx_http_krj_metrics_openmetrics(ngx_http_request_t *r)
{
    ngx_table_elt_t  *h;

    for (h = ngx_http_krj_header_in(r, NULL, "Accept", sizeof("Accept") - 1);
         h != NULL;
         h = ngx_http_krj_header_in(r, h, "Accept", sizeof("Accept") - 1))
    {
        if (ngx_strlcasestrn(h->value.data, h->value.data + h->value.len,
                             (u_char *) "application/openmetrics-text",
                             sizeof("application/openmetrics-text") - 2)
            != NULL)
        {
            return 1;
        }
    }

    return 0;
}
