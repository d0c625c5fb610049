
/*
 * Copyright (C) The krj developers
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_krj_module.h"
#include "ngx_http_krj_zone.h"


static ngx_int_t ngx_http_krj_zone_init(ngx_shm_zone_t *shm_zone,
    void *data);
static void ngx_http_krj_zone_rbtree_insert_value(ngx_rbtree_node_t *temp,
    ngx_rbtree_node_t *node, ngx_rbtree_node_t *sentinel);
static void ngx_http_krj_zone_free_locked(ngx_http_krj_zone_t *zone,
    ngx_http_krj_node_t *kn);


char *
ngx_http_krj_zone_directive(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_krj_main_conf_t *kmcf = conf;

    ssize_t               size;
    ngx_str_t            *value;
    ngx_http_krj_zone_t  *zone;

    if (kmcf->shm_zone) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (value[1].len == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "empty zone name in \"%V\" directive",
                           &cmd->name);
        return NGX_CONF_ERROR;
    }

    size = ngx_parse_size(&value[2]);

    if (size == NGX_ERROR) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid zone size \"%V\"", &value[2]);
        return NGX_CONF_ERROR;
    }

    if (size < (ssize_t) (8 * ngx_pagesize)) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "zone \"%V\" is too small", &value[1]);
        return NGX_CONF_ERROR;
    }

    zone = ngx_pcalloc(cf->pool, sizeof(ngx_http_krj_zone_t));
    if (zone == NULL) {
        return NGX_CONF_ERROR;
    }

    kmcf->shm_zone = ngx_shared_memory_add(cf, &value[1], size,
                                           &ngx_http_krj_module);
    if (kmcf->shm_zone == NULL) {
        return NGX_CONF_ERROR;
    }

    if (kmcf->shm_zone->data) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "%V \"%V\" is already bound",
                           &cmd->name, &value[1]);
        return NGX_CONF_ERROR;
    }

    zone->name = value[1];

    kmcf->shm_zone->init = ngx_http_krj_zone_init;
    kmcf->shm_zone->data = zone;

    return NGX_CONF_OK;
}


static ngx_int_t
ngx_http_krj_zone_init(ngx_shm_zone_t *shm_zone, void *data)
{
    ngx_http_krj_zone_t  *ozone = data;

    size_t                len;
    ngx_http_krj_zone_t  *zone;

    zone = shm_zone->data;

    if (ozone) {
        /* nginx -s reload: the zone of the old cycle, its nodes kept */

        zone->sh = ozone->sh;
        zone->shpool = ozone->shpool;

        /* the new module may be mapped elsewhere */
        zone->sh->rbtree.insert = ngx_http_krj_zone_rbtree_insert_value;

        return NGX_OK;
    }

    zone->shpool = (ngx_slab_pool_t *) shm_zone->shm.addr;

    if (shm_zone->shm.exists) {
        /* a mapping inherited by a new binary (Windows, or upgrade) */

        zone->sh = zone->shpool->data;
        zone->sh->rbtree.insert = ngx_http_krj_zone_rbtree_insert_value;

        return NGX_OK;
    }

    zone->sh = ngx_slab_alloc(zone->shpool, sizeof(ngx_http_krj_zone_sh_t));
    if (zone->sh == NULL) {
        return NGX_ERROR;
    }

    ngx_memzero(zone->sh, sizeof(ngx_http_krj_zone_sh_t));

    ngx_rbtree_init(&zone->sh->rbtree, &zone->sh->sentinel,
                    ngx_http_krj_zone_rbtree_insert_value);

    ngx_queue_init(&zone->sh->queue);

    zone->shpool->data = zone->sh;

    len = sizeof(" in krj zone \"\"") + shm_zone->shm.name.len;

    zone->shpool->log_ctx = ngx_slab_alloc(zone->shpool, len);
    if (zone->shpool->log_ctx == NULL) {
        return NGX_ERROR;
    }

    ngx_sprintf(zone->shpool->log_ctx, " in krj zone \"%V\"%Z",
                &shm_zone->shm.name);

    /* a full zone evicts; what is left is logged once, by the caller */
    zone->shpool->log_nomem = 0;

    return NGX_OK;
}


ngx_http_krj_zone_t *
ngx_http_krj_zone(ngx_http_request_t *r)
{
    ngx_http_krj_main_conf_t  *kmcf;

    kmcf = ngx_http_get_module_main_conf(r, ngx_http_krj_module);

    return kmcf->shm_zone ? kmcf->shm_zone->data : NULL;
}


void
ngx_http_krj_zone_lock(ngx_http_krj_zone_t *zone)
{
    ngx_shmtx_lock(&zone->shpool->mutex);
}


void
ngx_http_krj_zone_unlock(ngx_http_krj_zone_t *zone)
{
    ngx_shmtx_unlock(&zone->shpool->mutex);
}


static void
ngx_http_krj_zone_rbtree_insert_value(ngx_rbtree_node_t *temp,
    ngx_rbtree_node_t *node, ngx_rbtree_node_t *sentinel)
{
    ngx_rbtree_node_t    **p;
    ngx_http_krj_node_t   *kn, *knt;

    for ( ;; ) {

        if (node->key < temp->key) {

            p = &temp->left;

        } else if (node->key > temp->key) {

            p = &temp->right;

        } else { /* node->key == temp->key */

            kn = (ngx_http_krj_node_t *) &node->color;
            knt = (ngx_http_krj_node_t *) &temp->color;

            p = (kn->kind < knt->kind
                 || (kn->kind == knt->kind
                     && ngx_memn2cmp(kn->data, knt->data, kn->len, knt->len)
                        < 0))
                ? &temp->left : &temp->right;
        }

        if (*p == sentinel) {
            break;
        }

        temp = *p;
    }

    *p = node;
    node->parent = temp;
    node->left = sentinel;
    node->right = sentinel;
    ngx_rbt_red(node);
}


ngx_http_krj_node_t *
ngx_http_krj_zone_find_locked(ngx_http_krj_zone_t *zone, ngx_uint_t kind,
    u_char *key, size_t len)
{
    uint32_t              hash;
    ngx_int_t             rc;
    ngx_rbtree_node_t    *node, *sentinel;
    ngx_http_krj_node_t  *kn;

    len = ngx_min(len, NGX_HTTP_KRJ_NODE_KEY_LEN);
    hash = ngx_crc32_short(key, len);

    node = zone->sh->rbtree.root;
    sentinel = zone->sh->rbtree.sentinel;

    while (node != sentinel) {

        if (hash < node->key) {
            node = node->left;
            continue;
        }

        if (hash > node->key) {
            node = node->right;
            continue;
        }

        /* hash == node->key */

        kn = (ngx_http_krj_node_t *) &node->color;

        rc = (ngx_int_t) kind - (ngx_int_t) kn->kind;

        if (rc == 0) {
            rc = ngx_memn2cmp(key, kn->data, len, (size_t) kn->len);
        }

        if (rc == 0) {
            ngx_queue_remove(&kn->queue);
            ngx_queue_insert_head(&zone->sh->queue, &kn->queue);
            return kn;
        }

        node = (rc < 0) ? node->left : node->right;
    }

    return NULL;
}


ngx_http_krj_node_t *
ngx_http_krj_zone_alloc_locked(ngx_http_krj_zone_t *zone, ngx_uint_t kind,
    u_char *key, size_t len)
{
    size_t                size;
    ngx_uint_t            n;
    ngx_queue_t          *q;
    ngx_rbtree_node_t    *node;
    ngx_http_krj_node_t  *kn;

    len = ngx_min(len, NGX_HTTP_KRJ_NODE_KEY_LEN);

    /* as limit_req: up to two nodes that hold nothing any more go first */

    for (n = 0; n < 2 && !ngx_queue_empty(&zone->sh->queue); n++) {
        q = ngx_queue_last(&zone->sh->queue);
        kn = ngx_queue_data(q, ngx_http_krj_node_t, queue);

        if ((ngx_msec_int_t) (kn->expire - ngx_current_msec) > 0) {
            break;
        }

        ngx_http_krj_zone_free_locked(zone, kn);
    }

    size = offsetof(ngx_rbtree_node_t, color)
           + offsetof(ngx_http_krj_node_t, data)
           + len;

    /*
     * A full zone gives up its least recently used nodes until the new
     * one fits: a freed node of another slab size class may not make
     * room, so one eviction is not enough.
     */

    for ( ;; ) {
        node = ngx_slab_alloc_locked(zone->shpool, size);

        if (node != NULL) {
            break;
        }

        if (ngx_queue_empty(&zone->sh->queue)) {
            return NULL;
        }

        q = ngx_queue_last(&zone->sh->queue);
        ngx_http_krj_zone_free_locked(zone,
                                ngx_queue_data(q, ngx_http_krj_node_t, queue));

        zone->sh->metrics.counters[NGX_HTTP_KRJ_M_EVICTIONS]++;
    }

    node->key = ngx_crc32_short(key, len);

    kn = (ngx_http_krj_node_t *) &node->color;

    kn->kind = (u_char) kind;
    kn->len = (u_char) len;
    kn->expire = ngx_current_msec;
    kn->last = ngx_current_msec;
    kn->excess = 0;
    kn->rate = 0;
    ngx_memcpy(kn->data, key, len);

    ngx_rbtree_insert(&zone->sh->rbtree, node);

    ngx_queue_insert_head(&zone->sh->queue, &kn->queue);

    zone->sh->metrics.nodes++;

    return kn;
}


/* called with the zone locked */

static void
ngx_http_krj_zone_free_locked(ngx_http_krj_zone_t *zone,
    ngx_http_krj_node_t *kn)
{
    ngx_rbtree_node_t  *node;

    ngx_queue_remove(&kn->queue);

    node = (ngx_rbtree_node_t *)
               ((u_char *) kn - offsetof(ngx_rbtree_node_t, color));

    ngx_rbtree_delete(&zone->sh->rbtree, node);

    ngx_slab_free_locked(zone->shpool, node);

    zone->sh->metrics.nodes--;
}


void
ngx_http_krj_zone_count_load(ngx_http_krj_main_conf_t *kmcf,
    const u_char *generation, ngx_msec_t took_us)
{
    ngx_http_krj_zone_t  *zone;

    if (kmcf->shm_zone == NULL) {
        return;
    }

    zone = kmcf->shm_zone->data;

    ngx_http_krj_zone_lock(zone);

    /* every worker maps every generation; count each generation once */

    if (ngx_memcmp(zone->sh->generation, generation,
                   NGX_HTTP_KRJ_GENERATION_LEN)
        != 0)
    {
        zone->sh->metrics.counters[NGX_HTTP_KRJ_M_LOADS]++;
        zone->sh->metrics.load_us = took_us;
        ngx_memcpy(zone->sh->generation, generation,
                   NGX_HTTP_KRJ_GENERATION_LEN);
        ngx_memzero(&zone->sh->refused, sizeof(ngx_http_krj_ident_t));
        zone->sh->refused_err = 0;
    }

    ngx_http_krj_zone_unlock(zone);
}


ngx_uint_t
ngx_http_krj_zone_count_refusal(ngx_http_krj_main_conf_t *kmcf,
    ngx_http_krj_ident_t *ident, ngx_err_t err, ngx_uint_t reason)
{
    ngx_uint_t            first;
    ngx_http_krj_zone_t  *zone;

    if (kmcf->shm_zone == NULL) {
        return 1;
    }

    zone = kmcf->shm_zone->data;

    ngx_http_krj_zone_lock(zone);

    first = (zone->sh->refused_err != (ngx_uint_t) err
             || ngx_memcmp(&zone->sh->refused, ident,
                           sizeof(ngx_http_krj_ident_t))
                != 0);

    if (first) {
        zone->sh->metrics.refusals[reason]++;
        zone->sh->refused = *ident;
        zone->sh->refused_err = err;
    }

    ngx_http_krj_zone_unlock(zone);

    return first;
}
