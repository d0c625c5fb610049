
/*
 * Copyright (C) The krj developers
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "krj_query.h"
#include "ngx_http_krj_module.h"
#include "ngx_http_krj_bounds.h"


/*
 * The query bounds' defaults: a page of 10000 rows is some 4 MB of JSON,
 * more than a screen or a script wants at once; any offset, since the
 * indexes find the offset-th matched row without visiting the ones
 * before it; the tickers of a watch list; more fields than a week has
 * columns.  An offset is at most a row number, an item list at most what
 * a request line holds.
 */
#define NGX_HTTP_KRJ_DEFAULT_LIMIT    10000
#define NGX_HTTP_KRJ_DEFAULT_OFFSET   NGX_HTTP_KRJ_MAX_OFFSET
#define NGX_HTTP_KRJ_DEFAULT_TICKERS  100
#define NGX_HTTP_KRJ_DEFAULT_FIELDS   256
#define NGX_HTTP_KRJ_MAX_OFFSET       4294967295LL
#define NGX_HTTP_KRJ_MAX_ITEMS        65536


/* the query bounds: a page and the items a query lists */
ngx_conf_num_bounds_t  ngx_http_krj_limit_bounds = {
    ngx_http_krj_check_bound, 0, KRJ_QUERY_MAX_LIMIT
};

ngx_conf_num_bounds_t  ngx_http_krj_offset_bounds = {
    ngx_http_krj_check_bound, 0, NGX_HTTP_KRJ_MAX_OFFSET
};

ngx_conf_num_bounds_t  ngx_http_krj_items_bounds = {
    ngx_http_krj_check_bound, 1, NGX_HTTP_KRJ_MAX_ITEMS
};


/* nginx's ngx_conf_check_num_bounds(), with the directive's name */

char *
ngx_http_krj_check_bound(ngx_conf_t *cf, void *post, void *data)
{
    ngx_conf_num_bounds_t *bounds = post;
    ngx_int_t             *np = data;

    ngx_str_t  *name;

    if (*np >= bounds->low && *np <= bounds->high) {
        return NGX_CONF_OK;
    }

    name = cf->args->elts;

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "\"%V\" must be between %i and %i, not %i",
                       &name[0], bounds->low, bounds->high, *np);

    return NGX_CONF_ERROR;
}


void
ngx_http_krj_bounds_init(ngx_http_krj_main_conf_t *kmcf)
{
    ngx_conf_init_value(kmcf->max_limit, NGX_HTTP_KRJ_DEFAULT_LIMIT);
    ngx_conf_init_value(kmcf->max_offset, NGX_HTTP_KRJ_DEFAULT_OFFSET);
    ngx_conf_init_value(kmcf->max_tickers, NGX_HTTP_KRJ_DEFAULT_TICKERS);
    ngx_conf_init_value(kmcf->max_fields, NGX_HTTP_KRJ_DEFAULT_FIELDS);

    kmcf->bounds.limit = (uint64_t) kmcf->max_limit;
    kmcf->bounds.offset = (uint64_t) kmcf->max_offset;
    kmcf->bounds.tickers = (uint32_t) kmcf->max_tickers;
    kmcf->bounds.fields = (uint32_t) kmcf->max_fields;
}
