
/*
 * Copyright (C) The krj developers
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_krj_module.h"
#include "ngx_http_krj_api.h"
#include "ngx_http_krj_bounds.h"
#include "ngx_http_krj_dashboard.h"
#include "ngx_http_krj_metrics.h"
#include "ngx_http_krj_response.h"
#include "ngx_http_krj_snapshot.h"
#include "ngx_http_krj_status.h"
#include "ngx_http_krj_watch.h"
#include "ngx_http_krj_zone.h"


#define NGX_HTTP_KRJ_MIN_INTERVAL  100
#define NGX_HTTP_KRJ_MAX_AGE       (8 * 24 * 60 * 60)


static ngx_int_t ngx_http_krj_add_variables(ngx_conf_t *cf);
static ngx_int_t ngx_http_krj_init(ngx_conf_t *cf);
static void *ngx_http_krj_create_main_conf(ngx_conf_t *cf);
static char *ngx_http_krj_init_main_conf(ngx_conf_t *cf, void *conf);
static void *ngx_http_krj_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_krj_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child);
static char *ngx_http_krj_snapshot(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_krj_check_interval(ngx_conf_t *cf, void *post,
    void *data);
static char *ngx_http_krj_max_age(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_krj_thread_pool(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_krj_api(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_krj_status(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static ngx_int_t ngx_http_krj_init_module(ngx_cycle_t *cycle);
static ngx_int_t ngx_http_krj_init_process(ngx_cycle_t *cycle);
static void ngx_http_krj_exit_process(ngx_cycle_t *cycle);
static void ngx_http_krj_snapshot_changed(void *data, ngx_log_t *log);
static void ngx_http_krj_reload_handler(ngx_event_t *ev);


static ngx_conf_post_t  ngx_http_krj_interval_post = {
    ngx_http_krj_check_interval
};


static ngx_conf_enum_t  ngx_http_krj_status_types[] = {
    { ngx_string("health"), NGX_HTTP_KRJ_STATUS_HEALTH },
    { ngx_string("ready"), NGX_HTTP_KRJ_STATUS_READY },
    { ngx_string("metrics"), NGX_HTTP_KRJ_STATUS_METRICS },
    { ngx_null_string, 0 }
};


static ngx_command_t  ngx_http_krj_commands[] = {

    { ngx_string("krj_snapshot"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_krj_snapshot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("krj_reload_interval"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_krj_main_conf_t, reload_interval),
      &ngx_http_krj_interval_post },

    { ngx_string("krj_max_age"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_krj_max_age,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("krj_category_max_age"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE2,
      ngx_http_krj_category_max_age_directive,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("krj_thread_pool"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_krj_thread_pool,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("krj_max_limit"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_num_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_krj_main_conf_t, max_limit),
      &ngx_http_krj_limit_bounds },

    { ngx_string("krj_max_offset"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_num_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_krj_main_conf_t, max_offset),
      &ngx_http_krj_offset_bounds },

    { ngx_string("krj_max_tickers"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_num_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_krj_main_conf_t, max_tickers),
      &ngx_http_krj_items_bounds },

    { ngx_string("krj_max_fields"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_num_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_krj_main_conf_t, max_fields),
      &ngx_http_krj_items_bounds },

    { ngx_string("krj_zone"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE2,
      ngx_http_krj_zone_directive,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("krj_api"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_krj_api,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("krj_status"),
      NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_krj_status,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_krj_loc_conf_t, status),
      &ngx_http_krj_status_types },

    { ngx_string("krj_dashboard"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_krj_dashboard_directive,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("krj_dashboard_api"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_krj_dashboard_api_directive,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_krj_loc_conf_t, dashboard_api),
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_krj_module_ctx = {
    ngx_http_krj_add_variables,            /* preconfiguration */
    ngx_http_krj_init,                     /* postconfiguration */

    ngx_http_krj_create_main_conf,         /* create main configuration */
    ngx_http_krj_init_main_conf,           /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    ngx_http_krj_create_loc_conf,          /* create location configuration */
    ngx_http_krj_merge_loc_conf            /* merge location configuration */
};


ngx_module_t  ngx_http_krj_module = {
    NGX_MODULE_V1,
    &ngx_http_krj_module_ctx,              /* module context */
    ngx_http_krj_commands,                 /* module directives */
    NGX_HTTP_MODULE,                       /* module type */
    NULL,                                  /* init master */
    ngx_http_krj_init_module,              /* init module */
    ngx_http_krj_init_process,             /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    ngx_http_krj_exit_process,             /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


static ngx_http_variable_t  ngx_http_krj_vars[] = {

    { ngx_string("krj_snapshot"), NULL, ngx_http_krj_snapshot_variable,
      0, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("krj_category"), NULL, ngx_http_krj_category_variable,
      0, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("krj_route"), NULL, ngx_http_krj_metrics_route_variable,
      0, NGX_HTTP_VAR_NOCACHEABLE, 0 },

      ngx_http_null_variable
};


static ngx_int_t
ngx_http_krj_add_variables(ngx_conf_t *cf)
{
    return ngx_http_krj_add_vars(cf, ngx_http_krj_vars);
}


/* a module's variables, as nginx's own modules add theirs */

ngx_int_t
ngx_http_krj_add_vars(ngx_conf_t *cf, ngx_http_variable_t *vars)
{
    ngx_http_variable_t  *var, *v;

    for (v = vars; v->name.len; v++) {
        var = ngx_http_add_variable(cf, &v->name, v->flags);
        if (var == NULL) {
            return NGX_ERROR;
        }

        var->get_handler = v->get_handler;
        var->data = v->data;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_krj_init(ngx_conf_t *cf)
{
    if (ngx_http_krj_response_init(cf) != NGX_OK) {
        return NGX_ERROR;
    }

    return ngx_http_krj_metrics_init(cf);
}


ngx_http_krj_ctx_t *
ngx_http_krj_ctx(ngx_http_request_t *r)
{
    ngx_http_krj_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_krj_module);

    if (ctx == NULL) {
        ctx = ngx_pcalloc(r->pool, sizeof(ngx_http_krj_ctx_t));
        if (ctx == NULL) {
            return NULL;
        }

        ngx_http_set_ctx(r, ctx, ngx_http_krj_module);
    }

    return ctx;
}


ngx_http_krj_scopes_t *
ngx_http_krj_scopes(ngx_http_request_t *r)
{
    ngx_http_krj_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r->main, ngx_http_krj_module);

    return ctx ? ctx->scopes : NULL;
}


/*
 * The next request header named name after the header after (NULL: the
 * first), or NULL: a client may send any header more than once.
 */

ngx_table_elt_t *
ngx_http_krj_header_in(ngx_http_request_t *r, ngx_table_elt_t *after,
    const char *name, size_t len)
{
    ngx_uint_t        i, past;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h;

    part = &r->headers_in.headers.part;
    h = part->elts;
    past = (after == NULL);

    for (i = 0; /* void */ ; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                return NULL;
            }

            part = part->next;
            h = part->elts;
            i = 0;
        }

        if (!past) {
            past = (&h[i] == after);
            continue;
        }

        if (h[i].key.len == len
            && ngx_strncasecmp(h[i].key.data, (u_char *) name, len) == 0)
        {
            return &h[i];
        }
    }
}


ngx_uint_t
ngx_http_krj_method(ngx_http_request_t *r)
{
    ngx_http_krj_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r->main, ngx_http_krj_module);

    return ctx ? ctx->method : NGX_HTTP_KRJ_METHOD_NONE;
}


ngx_uint_t
ngx_http_krj_scopes_allow(ngx_http_krj_scopes_t *scopes, const u_char *slug,
    size_t len)
{
    u_char  *p, *last, *comma;

    if (scopes == NULL || scopes->all) {
        return 1;
    }

    p = scopes->list.data;
    last = p + scopes->list.len;

    while (p < last) {
        comma = ngx_strlchr(p, last, ',');

        if (comma == NULL) {
            comma = last;
        }

        if ((size_t) (comma - p) == len && ngx_strncmp(p, slug, len) == 0) {
            return 1;
        }

        p = comma + 1;
    }

    return 0;
}


static void *
ngx_http_krj_create_main_conf(ngx_conf_t *cf)
{
    ngx_http_krj_main_conf_t  *kmcf;

    kmcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_krj_main_conf_t));
    if (kmcf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     kmcf->snapshot = { 0, NULL };
     *     kmcf->shm_zone = NULL;
     *     kmcf->used = 0;
     *     kmcf->current = NULL;
     */

    kmcf->reload_interval = NGX_CONF_UNSET_MSEC;
    kmcf->max_age = NGX_CONF_UNSET;
    kmcf->max_limit = NGX_CONF_UNSET;
    kmcf->max_offset = NGX_CONF_UNSET;
    kmcf->max_tickers = NGX_CONF_UNSET;
    kmcf->max_fields = NGX_CONF_UNSET;

    return kmcf;
}


static char *
ngx_http_krj_init_main_conf(ngx_conf_t *cf, void *conf)
{
    ngx_http_krj_main_conf_t *kmcf = conf;

    ngx_conf_init_msec_value(kmcf->reload_interval, 5000);
    ngx_conf_init_value(kmcf->max_age, NGX_HTTP_KRJ_MAX_AGE);
    ngx_http_krj_bounds_init(kmcf);

#if (NGX_THREADS)

    /* nginx's default pool, made only if something uses it */

    if (kmcf->used && !kmcf->thread_pool_set) {
        kmcf->thread_pool = ngx_thread_pool_add(cf, NULL);
        if (kmcf->thread_pool == NULL) {
            return NGX_CONF_ERROR;
        }
    }

#endif

    if (kmcf->used && kmcf->snapshot.len == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"krj_api\", \"krj_dashboard\", \"krj_status "
                           "ready\" and \"krj_status metrics\" need "
                           "\"krj_snapshot\" in the http block");
        return NGX_CONF_ERROR;
    }

    /* the counters live in the zone, shared by the workers */

    if (kmcf->metrics && kmcf->shm_zone == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"krj_status metrics\" needs \"krj_zone\" in "
                           "the http block: the counters are kept there");
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


static void *
ngx_http_krj_create_loc_conf(ngx_conf_t *cf)
{
    ngx_http_krj_loc_conf_t  *klcf;

    klcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_krj_loc_conf_t));
    if (klcf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     klcf->api = 0;
     *     klcf->dashboard = 0;
     *     klcf->dashboard_api = { 0, NULL };
     */

    klcf->status = NGX_CONF_UNSET_UINT;

    return klcf;
}


/*
 * Only krj_dashboard_api is inherited: krj_api, krj_status and
 * krj_dashboard name the content of their own location.
 */

static char *
ngx_http_krj_merge_loc_conf(ngx_conf_t *cf, void *parent, void *child)
{
    ngx_http_krj_loc_conf_t *prev = parent;
    ngx_http_krj_loc_conf_t *conf = child;

    ngx_conf_merge_str_value(conf->dashboard_api, prev->dashboard_api,
                             "/api/v1");

    return NGX_CONF_OK;
}


static char *
ngx_http_krj_snapshot(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_krj_main_conf_t *kmcf = conf;

    ngx_str_t  *value;

    if (kmcf->snapshot.data) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (value[1].len == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "empty path in \"%V\" directive", &cmd->name);
        return NGX_CONF_ERROR;
    }

    kmcf->snapshot = value[1];

    /* relative to the prefix, like other data files; NUL-terminated */

    if (ngx_conf_full_name(cf->cycle, &kmcf->snapshot, 0) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    kmcf->file.path = kmcf->snapshot;

    return NGX_CONF_OK;
}


static char *
ngx_http_krj_check_interval(ngx_conf_t *cf, void *post, void *data)
{
    ngx_msec_t  *msp = data;

    /* below this, open() and fstat() every tick would be the main work */

    if (*msp < NGX_HTTP_KRJ_MIN_INTERVAL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"krj_reload_interval\" must be at least "
                           "%dms", NGX_HTTP_KRJ_MIN_INTERVAL);
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_krj_max_age(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_krj_main_conf_t *kmcf = conf;

    time_t      age;
    ngx_str_t  *value;

    if (kmcf->max_age != NGX_CONF_UNSET) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "off") == 0) {
        kmcf->max_age = 0;
        return NGX_CONF_OK;
    }

    age = ngx_parse_time(&value[1], 1);

    if (age == (time_t) NGX_ERROR || age == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid value \"%V\" in \"%V\" directive, "
                           "it must be a positive time or \"off\"",
                           &value[1], &cmd->name);
        return NGX_CONF_ERROR;
    }

    kmcf->max_age = age;

    return NGX_CONF_OK;
}


/*
 * krj_thread_pool name | off: where a new snapshot is copied and
 * validated, so that the worker answers meanwhile; off loads it in the
 * event loop, which stalls the worker for as long as that takes.
 */

static char *
ngx_http_krj_thread_pool(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_krj_main_conf_t *kmcf = conf;

    ngx_str_t  *value;

    if (kmcf->thread_pool_set) {
        return "is duplicate";
    }

    kmcf->thread_pool_set = 1;

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "off") == 0) {
        return NGX_CONF_OK;
    }

#if (NGX_THREADS)

    kmcf->thread_pool = ngx_thread_pool_add(cf, &value[1]);
    if (kmcf->thread_pool == NULL) {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;

#else

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "\"%V\" needs nginx built with --with-threads, "
                       "or \"off\"", &cmd->name);
    return NGX_CONF_ERROR;

#endif
}


static char *
ngx_http_krj_api(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_krj_loc_conf_t *klcf = conf;

    ngx_http_core_loc_conf_t  *clcf;
    ngx_http_krj_main_conf_t  *kmcf;

    if (klcf->api) {
        return "is duplicate";
    }

    if (klcf->status != NGX_CONF_UNSET_UINT) {
        return "conflicts with \"krj_status\" in the same location";
    }

    if (klcf->dashboard) {
        return "conflicts with \"krj_dashboard\" in the same location";
    }

    klcf->api = 1;

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    clcf->handler = ngx_http_krj_api_handler;

    /*
     * As with proxy_pass: the prefix without its final slash ("/api/v1")
     * is redirected (301) to the location itself, the API's index.
     */

    if (clcf->name.len && clcf->name.data[clcf->name.len - 1] == '/') {
        clcf->auto_redirect = 1;
    }

    kmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_krj_module);
    kmcf->used = 1;

    return NGX_CONF_OK;
}


static char *
ngx_http_krj_status(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_krj_loc_conf_t *klcf = conf;

    char                      *rv;
    ngx_http_core_loc_conf_t  *clcf;
    ngx_http_krj_main_conf_t  *kmcf;

    if (klcf->api) {
        return "conflicts with \"krj_api\" in the same location";
    }

    if (klcf->dashboard) {
        return "conflicts with \"krj_dashboard\" in the same location";
    }

    rv = ngx_conf_set_enum_slot(cf, cmd, conf);
    if (rv != NGX_CONF_OK) {
        return rv;
    }

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    clcf->handler = ngx_http_krj_status_handler;

    kmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_krj_module);

    if (klcf->status == NGX_HTTP_KRJ_STATUS_READY
        || klcf->status == NGX_HTTP_KRJ_STATUS_METRICS)
    {
        kmcf->used = 1;
    }

    if (klcf->status == NGX_HTTP_KRJ_STATUS_METRICS) {
        kmcf->metrics = 1;
    }

    return NGX_CONF_OK;
}


/*
 * Which krj a master runs, as nginx -V says which nginx: once at start
 * and after each reload (a package upgrade may have replaced the .so),
 * not for nginx -t.  NGX_HTTP_KRJ_VERSION comes from VERSION (config).
 */

static ngx_int_t
ngx_http_krj_init_module(ngx_cycle_t *cycle)
{
    if (!ngx_test_config) {
        ngx_log_error(NGX_LOG_NOTICE, cycle->log, 0,
                      "ngx_http_krj_module " NGX_HTTP_KRJ_VERSION);
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_krj_init_process(ngx_cycle_t *cycle)
{
    ngx_event_t               *ev;
    ngx_http_krj_main_conf_t  *kmcf;

    /* cache manager and loader processes answer no requests */

    if (ngx_process != NGX_PROCESS_WORKER
        && ngx_process != NGX_PROCESS_SINGLE)
    {
        return NGX_OK;
    }

    kmcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_http_krj_module);

    if (kmcf == NULL || kmcf->snapshot.len == 0) {
        return NGX_OK;
    }

    kmcf->reason_len = ngx_snprintf(kmcf->reason, NGX_HTTP_KRJ_REASON_LEN,
                                    "no snapshot loaded yet")
                       - kmcf->reason;

    ngx_http_krj_snapshot_check(kmcf, 1, cycle->log);

    ngx_http_krj_watch_add(cycle, &kmcf->file.path,
                           ngx_http_krj_snapshot_changed, kmcf);

    ev = &kmcf->reload_event;

    ev->handler = ngx_http_krj_reload_handler;
    ev->data = kmcf;
    ev->log = cycle->log;

    /* a pending check must not delay a graceful shutdown */
    ev->cancelable = 1;

    ngx_add_timer(ev, kmcf->reload_interval);

    return NGX_OK;
}


static void
ngx_http_krj_exit_process(ngx_cycle_t *cycle)
{
    ngx_http_krj_main_conf_t  *kmcf;

    kmcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_http_krj_module);

    if (kmcf != NULL) {
        ngx_http_krj_snapshot_shutdown(kmcf);
    }

    ngx_http_krj_watch_close();
}


static void
ngx_http_krj_snapshot_changed(void *data, ngx_log_t *log)
{
    ngx_http_krj_snapshot_check(data, 0, log);
}


static void
ngx_http_krj_reload_handler(ngx_event_t *ev)
{
    ngx_http_krj_main_conf_t  *kmcf;

    if (ngx_exiting || ngx_quit || ngx_terminate) {
        return;
    }

    kmcf = ev->data;

    ngx_http_krj_snapshot_check(kmcf, 0, ev->log);

    ngx_add_timer(ev, kmcf->reload_interval);
}
