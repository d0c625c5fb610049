
/*
 * Copyright (C) The krj developers
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_krj_module.h"
#include "ngx_http_krj_limit.h"


/*
 * Leaky buckets and the Basic cache share one tree in krj_zone, like
 * limit_req's: excess is kept in thousandths of a request, the least
 * recently used nodes are at the tail of the queue.
 */

typedef struct {
    u_char                       color;
    u_char                       kind;
    u_char                       len;
    u_char                       dummy;
    ngx_queue_t                  queue;
    ngx_msec_t                   last;      /* for a cache node: expiry */
    ngx_uint_t                   excess;
    ngx_uint_t                   rate;
    u_char                       data[1];
} ngx_http_krj_limit_node_t;


#define NGX_HTTP_KRJ_LIMIT_KEY_LEN  255


static void ngx_http_krj_limit_rbtree_insert_value(ngx_rbtree_node_t *temp,
    ngx_rbtree_node_t *node, ngx_rbtree_node_t *sentinel);
static ngx_http_krj_limit_node_t *ngx_http_krj_limit_lookup(
    ngx_http_krj_limit_sh_t *sh, ngx_uint_t kind, ngx_uint_t hash,
    u_char *data, size_t len);
static ngx_http_krj_limit_node_t *ngx_http_krj_limit_alloc(
    ngx_http_krj_zone_ctx_t *ctx, ngx_uint_t kind, ngx_uint_t hash,
    u_char *data, size_t len);
static void ngx_http_krj_limit_expire(ngx_http_krj_zone_ctx_t *ctx,
    ngx_uint_t n);


void
ngx_http_krj_limit_init_zone(ngx_slab_pool_t *shpool,
    ngx_http_krj_limit_sh_t *sh)
{
    ngx_rbtree_init(&sh->rbtree, &sh->sentinel,
                    ngx_http_krj_limit_rbtree_insert_value);

    ngx_queue_init(&sh->queue);

    /* a full zone is reported once, naming the zone, by the caller */
    shpool->log_nomem = 0;
}


/* a reloaded module may be mapped elsewhere: the tree keeps its nodes */

void
ngx_http_krj_limit_rebind(ngx_http_krj_limit_sh_t *sh)
{
    sh->rbtree.insert = ngx_http_krj_limit_rbtree_insert_value;
}


static void
ngx_http_krj_limit_rbtree_insert_value(ngx_rbtree_node_t *temp,
    ngx_rbtree_node_t *node, ngx_rbtree_node_t *sentinel)
{
    ngx_rbtree_node_t          **p;
    ngx_http_krj_limit_node_t   *kn, *knt;

    for ( ;; ) {

        if (node->key < temp->key) {

            p = &temp->left;

        } else if (node->key > temp->key) {

            p = &temp->right;

        } else { /* node->key == temp->key */

            kn = (ngx_http_krj_limit_node_t *) &node->color;
            knt = (ngx_http_krj_limit_node_t *) &temp->color;

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


/* called with the zone locked */

static ngx_http_krj_limit_node_t *
ngx_http_krj_limit_lookup(ngx_http_krj_limit_sh_t *sh, ngx_uint_t kind,
    ngx_uint_t hash, u_char *data, size_t len)
{
    ngx_int_t                   rc;
    ngx_rbtree_node_t          *node, *sentinel;
    ngx_http_krj_limit_node_t  *kn;

    node = sh->rbtree.root;
    sentinel = sh->rbtree.sentinel;

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

        kn = (ngx_http_krj_limit_node_t *) &node->color;

        rc = (ngx_int_t) kind - (ngx_int_t) kn->kind;

        if (rc == 0) {
            rc = ngx_memn2cmp(data, kn->data, len, (size_t) kn->len);
        }

        if (rc == 0) {
            return kn;
        }

        node = (rc < 0) ? node->left : node->right;
    }

    return NULL;
}


/* called with the zone locked; NULL when even an eviction left no room */

static ngx_http_krj_limit_node_t *
ngx_http_krj_limit_alloc(ngx_http_krj_zone_ctx_t *ctx, ngx_uint_t kind,
    ngx_uint_t hash, u_char *data, size_t len)
{
    size_t                      size;
    ngx_rbtree_node_t          *node;
    ngx_http_krj_limit_node_t  *kn;

    size = offsetof(ngx_rbtree_node_t, color)
           + offsetof(ngx_http_krj_limit_node_t, data)
           + len;

    ngx_http_krj_limit_expire(ctx, 1);

    node = ngx_slab_alloc_locked(ctx->shpool, size);

    if (node == NULL) {
        ngx_http_krj_limit_expire(ctx, 0);

        node = ngx_slab_alloc_locked(ctx->shpool, size);
        if (node == NULL) {
            return NULL;
        }
    }

    node->key = hash;

    kn = (ngx_http_krj_limit_node_t *) &node->color;

    kn->kind = (u_char) kind;
    kn->len = (u_char) len;
    kn->excess = 0;
    kn->rate = 0;
    ngx_memcpy(kn->data, data, len);

    ngx_rbtree_insert(&ctx->sh->limit.rbtree, node);

    ngx_queue_insert_head(&ctx->sh->limit.queue, &kn->queue);

    return kn;
}


/*
 * Called with the zone locked.  n == 1: frees up to two of the least
 * recently used nodes that no longer hold anything (a bucket idle for a
 * minute and drained, an expired cache entry); n == 0, when the zone is
 * full: frees the least recently used node whatever it holds, then up to
 * two more that hold nothing.
 */

static void
ngx_http_krj_limit_expire(ngx_http_krj_zone_ctx_t *ctx, ngx_uint_t n)
{
    ngx_int_t                   excess;
    ngx_msec_t                  now;
    ngx_queue_t                *q;
    ngx_msec_int_t              ms;
    ngx_rbtree_node_t          *node;
    ngx_http_krj_limit_node_t  *kn;

    now = ngx_current_msec;

    while (n < 3) {

        if (ngx_queue_empty(&ctx->sh->limit.queue)) {
            return;
        }

        q = ngx_queue_last(&ctx->sh->limit.queue);

        kn = ngx_queue_data(q, ngx_http_krj_limit_node_t, queue);

        if (n++ != 0) {

            ms = (ngx_msec_int_t) (now - kn->last);

            if (kn->kind == NGX_HTTP_KRJ_NODE_CACHE) {
                if (ms < 0) {
                    return;
                }

            } else {
                ms = ngx_abs(ms);

                if (ms < 60000) {
                    return;
                }

                excess = kn->excess - kn->rate * ms / 1000;

                if (excess > 0) {
                    return;
                }
            }
        }

        ngx_queue_remove(q);

        node = (ngx_rbtree_node_t *)
                   ((u_char *) kn - offsetof(ngx_rbtree_node_t, color));

        ngx_rbtree_delete(&ctx->sh->limit.rbtree, node);

        ngx_slab_free_locked(ctx->shpool, node);
    }
}


/*
 * One request for key in a leaky bucket.  commit == 0 only looks: the
 * bucket is not changed.  A rejected request is never counted.
 * Returns NGX_OK with the excess after this request, NGX_BUSY with the
 * excess as it is, or NGX_ERROR when the zone is full.
 */

ngx_int_t
ngx_http_krj_limit_account(ngx_shm_zone_t *shm_zone, ngx_uint_t kind,
    ngx_str_t *key, ngx_http_krj_limit_t *limit, ngx_uint_t commit,
    ngx_uint_t *excessp)
{
    size_t                      len;
    uint32_t                    hash;
    ngx_int_t                   excess;
    ngx_msec_t                  now;
    ngx_msec_int_t              ms;
    ngx_http_krj_zone_ctx_t    *ctx;
    ngx_http_krj_limit_node_t  *kn;

    ctx = shm_zone->data;

    len = ngx_min(key->len, NGX_HTTP_KRJ_LIMIT_KEY_LEN);
    hash = ngx_crc32_short(key->data, len);
    now = ngx_current_msec;

    ngx_shmtx_lock(&ctx->shpool->mutex);

    kn = ngx_http_krj_limit_lookup(&ctx->sh->limit, kind, hash, key->data,
                                   len);

    if (kn == NULL) {

        if (!commit) {
            ngx_shmtx_unlock(&ctx->shpool->mutex);
            *excessp = 0;
            return NGX_OK;
        }

        kn = ngx_http_krj_limit_alloc(ctx, kind, hash, key->data, len);

        if (kn == NULL) {
            ngx_shmtx_unlock(&ctx->shpool->mutex);
            return NGX_ERROR;
        }

        kn->last = now;
        kn->rate = limit->rate;

        ngx_shmtx_unlock(&ctx->shpool->mutex);

        *excessp = 0;
        return NGX_OK;
    }

    ngx_queue_remove(&kn->queue);
    ngx_queue_insert_head(&ctx->sh->limit.queue, &kn->queue);

    ms = (ngx_msec_int_t) (now - kn->last);

    if (ms < -60000) {
        ms = 1;

    } else if (ms < 0) {
        ms = 0;
    }

    excess = kn->excess - limit->rate * ms / 1000 + 1000;

    if (excess < 0) {
        excess = 0;
    }

    if ((ngx_uint_t) excess > limit->burst) {
        excess -= 1000;
        ngx_shmtx_unlock(&ctx->shpool->mutex);

        *excessp = excess > 0 ? excess : 0;
        return NGX_BUSY;
    }

    if (commit) {
        kn->excess = excess;
        kn->last = now;
        kn->rate = limit->rate;
    }

    ngx_shmtx_unlock(&ctx->shpool->mutex);

    *excessp = excess;
    return NGX_OK;
}


/* a successful Basic verification, by its keyed digest, still fresh */

ngx_int_t
ngx_http_krj_limit_cache_find(ngx_shm_zone_t *shm_zone, u_char *digest,
    size_t len)
{
    uint32_t                    hash;
    ngx_int_t                   found;
    ngx_http_krj_zone_ctx_t    *ctx;
    ngx_http_krj_limit_node_t  *kn;

    ctx = shm_zone->data;
    hash = ngx_crc32_short(digest, len);

    ngx_shmtx_lock(&ctx->shpool->mutex);

    kn = ngx_http_krj_limit_lookup(&ctx->sh->limit, NGX_HTTP_KRJ_NODE_CACHE,
                                   hash, digest, len);

    found = (kn != NULL
             && (ngx_msec_int_t) (kn->last - ngx_current_msec) > 0);

    ngx_shmtx_unlock(&ctx->shpool->mutex);

    return found;
}


ngx_int_t
ngx_http_krj_limit_cache_store(ngx_shm_zone_t *shm_zone, u_char *digest,
    size_t len, ngx_msec_t ttl)
{
    uint32_t                    hash;
    ngx_http_krj_zone_ctx_t    *ctx;
    ngx_http_krj_limit_node_t  *kn;

    ctx = shm_zone->data;
    hash = ngx_crc32_short(digest, len);

    ngx_shmtx_lock(&ctx->shpool->mutex);

    kn = ngx_http_krj_limit_lookup(&ctx->sh->limit, NGX_HTTP_KRJ_NODE_CACHE,
                                   hash, digest, len);

    if (kn == NULL) {
        kn = ngx_http_krj_limit_alloc(ctx, NGX_HTTP_KRJ_NODE_CACHE, hash,
                                      digest, len);
        if (kn == NULL) {
            ngx_shmtx_unlock(&ctx->shpool->mutex);
            return NGX_ERROR;
        }

    } else {
        ngx_queue_remove(&kn->queue);
        ngx_queue_insert_head(&ctx->sh->limit.queue, &kn->queue);
    }

    kn->last = ngx_current_msec + ttl;

    ngx_shmtx_unlock(&ctx->shpool->mutex);

    return NGX_OK;
}


/* "100r/m" or "10r/s" */

char *
ngx_http_krj_limit_parse_rate(ngx_str_t *value, ngx_http_krj_limit_t *limit)
{
    size_t     len;
    u_char    *p;
    ngx_int_t  n, scale;

    len = value->len;
    p = value->data + len - 3;
    scale = 1;

    if (len > 3 && ngx_strncmp(p, "r/s", 3) == 0) {
        len -= 3;

    } else if (len > 3 && ngx_strncmp(p, "r/m", 3) == 0) {
        scale = 60;
        len -= 3;

    } else {
        return "has an invalid rate, it must look like 10r/s or 600r/m";
    }

    n = ngx_atoi(value->data, len);

    if (n <= 0 || n > 1000000) {
        return "has an invalid rate, it must look like 10r/s or 600r/m";
    }

    limit->rate = n * 1000 / scale;
    limit->quota = n;
    limit->window = scale;

    if (limit->rate == 0) {
        return "has a rate below one request a minute";
    }

    return NGX_CONF_OK;
}
