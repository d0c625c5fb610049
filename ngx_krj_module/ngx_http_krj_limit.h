
/*
 * Copyright (C) The krj developers
 */


#ifndef _NGX_HTTP_KRJ_LIMIT_H_INCLUDED_
#define _NGX_HTTP_KRJ_LIMIT_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>


/* what a node in krj_zone's tree counts */
#define NGX_HTTP_KRJ_NODE_PRINCIPAL  'p'
#define NGX_HTTP_KRJ_NODE_FAIL       'f'
#define NGX_HTTP_KRJ_NODE_CACHE      'c'


/* the part of krj_zone's shared struct that this file owns */
typedef struct {
    ngx_rbtree_t                 rbtree;
    ngx_rbtree_node_t            sentinel;
    ngx_queue_t                  queue;
} ngx_http_krj_limit_sh_t;


typedef struct {
    ngx_uint_t                   rate;      /* requests per 1000 seconds */
    ngx_uint_t                   burst;     /* in thousandths */
    ngx_uint_t                   nodelay;
    ngx_uint_t                   quota;     /* as configured: 100 in 100r/m */
    ngx_uint_t                   window;    /* 1 or 60 seconds */
} ngx_http_krj_limit_t;


void ngx_http_krj_limit_init_zone(ngx_slab_pool_t *shpool,
    ngx_http_krj_limit_sh_t *sh);
void ngx_http_krj_limit_rebind(ngx_http_krj_limit_sh_t *sh);

ngx_int_t ngx_http_krj_limit_account(ngx_shm_zone_t *shm_zone,
    ngx_uint_t kind, ngx_str_t *key, ngx_http_krj_limit_t *limit,
    ngx_uint_t commit, ngx_uint_t *excess);
ngx_int_t ngx_http_krj_limit_cache_find(ngx_shm_zone_t *shm_zone,
    u_char *digest, size_t len);
ngx_int_t ngx_http_krj_limit_cache_store(ngx_shm_zone_t *shm_zone,
    u_char *digest, size_t len, ngx_msec_t ttl);
char *ngx_http_krj_limit_parse_rate(ngx_str_t *value,
    ngx_http_krj_limit_t *limit);


#endif /* _NGX_HTTP_KRJ_LIMIT_H_INCLUDED_ */
