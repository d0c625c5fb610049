
/*
 * Copyright (C) The krj developers
 */


#ifndef _NGX_HTTP_KRJ_ZONE_H_INCLUDED_
#define _NGX_HTTP_KRJ_ZONE_H_INCLUDED_


/*
 * krj_zone: the shared memory every worker of a configuration uses, kept
 * across nginx -s reload the way limit_req keeps its zones.  It holds the
 * counters and one tree of nodes, each of a kind: the leaky buckets of
 * krj_limit and krj_auth_fail_limit and the verified Basic credentials.
 * A node only knows when it may be freed (its expiry); what it means is
 * the business of the file that made it.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_krj_module.h"
#include "ngx_http_krj_metrics.h"


/* what a node counts, part of its key */
#define NGX_HTTP_KRJ_NODE_PRINCIPAL  'p'
#define NGX_HTTP_KRJ_NODE_FAIL       'f'
#define NGX_HTTP_KRJ_NODE_CACHE      'c'

#define NGX_HTTP_KRJ_NODE_KEY_LEN    255


typedef struct {
    u_char                       color;
    u_char                       kind;
    u_char                       len;
    u_char                       dummy;
    ngx_queue_t                  queue;
    ngx_msec_t                   expire;    /* may be freed from then on */
    ngx_msec_t                   last;
    ngx_uint_t                   excess;
    ngx_uint_t                   rate;
    u_char                       data[1];
} ngx_http_krj_node_t;


typedef struct {
    ngx_rbtree_t                 rbtree;
    ngx_rbtree_node_t            sentinel;
    ngx_queue_t                  queue;     /* least recently used last */

    ngx_http_krj_metrics_t       metrics;

    u_char                       generation[NGX_HTTP_KRJ_GENERATION_LEN];

    /* the last refused snapshot, so that one worker logs it, not all */
    ngx_http_krj_ident_t         refused;
    ngx_uint_t                   refused_err;
} ngx_http_krj_zone_sh_t;


typedef struct {
    ngx_http_krj_zone_sh_t      *sh;
    ngx_slab_pool_t             *shpool;
    ngx_str_t                    name;
} ngx_http_krj_zone_t;


char *ngx_http_krj_zone_directive(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);

/* the zone of the configuration, NULL without krj_zone */
ngx_http_krj_zone_t *ngx_http_krj_zone(ngx_http_request_t *r);

void ngx_http_krj_zone_lock(ngx_http_krj_zone_t *zone);
void ngx_http_krj_zone_unlock(ngx_http_krj_zone_t *zone);

/*
 * The node of (kind, key): called with the zone locked; a node found is
 * moved to the head of the queue.  The key is cut to
 * NGX_HTTP_KRJ_NODE_KEY_LEN bytes.
 */
ngx_http_krj_node_t *ngx_http_krj_zone_find_locked(ngx_http_krj_zone_t *zone,
    ngx_uint_t kind, u_char *key, size_t len);

/*
 * A new node, zeroed but for kind and key: called with the zone locked.
 * Frees expired nodes first, then, while the allocation fails, the least
 * recently used ones; NULL only when the zone holds no node at all and
 * still has no room (the caller logs it, naming the zone).
 */
ngx_http_krj_node_t *ngx_http_krj_zone_alloc_locked(
    ngx_http_krj_zone_t *zone, ngx_uint_t kind, u_char *key, size_t len);

/* a load, counted once for all workers, and how long it took */
void ngx_http_krj_zone_count_load(ngx_http_krj_main_conf_t *kmcf,
    const u_char *generation, ngx_msec_t took_us);

/*
 * 1 when this worker is the first to refuse this state of the snapshot,
 * which is then counted under reason (NGX_HTTP_KRJ_REFUSED_*)
 */
ngx_uint_t ngx_http_krj_zone_count_refusal(ngx_http_krj_main_conf_t *kmcf,
    ngx_http_krj_ident_t *ident, ngx_err_t err, ngx_uint_t reason);


#endif /* _NGX_HTTP_KRJ_ZONE_H_INCLUDED_ */
