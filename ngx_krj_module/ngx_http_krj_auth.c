
/*
 * Copyright (C) The krj developers
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <ngx_crypt.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "krj_query.h"
#include "ngx_http_krj_module.h"
#include "ngx_http_krj_response.h"
#include "ngx_http_krj_limit.h"
#include "ngx_http_krj_auth.h"


#define NGX_HTTP_KRJ_AUTH_OFF     0
#define NGX_HTTP_KRJ_AUTH_KEY     1
#define NGX_HTTP_KRJ_AUTH_BASIC   2
#define NGX_HTTP_KRJ_AUTH_ANY     3

#define NGX_HTTP_KRJ_FILE_KEYS    0
#define NGX_HTTP_KRJ_FILE_USERS   1

#define NGX_HTTP_KRJ_METHOD_NONE  0
#define NGX_HTTP_KRJ_METHOD_KEY   1
#define NGX_HTTP_KRJ_METHOD_BASIC 2

#define NGX_HTTP_KRJ_IDENT_NONE   0     /* no credentials */
#define NGX_HTTP_KRJ_IDENT_OK     1
#define NGX_HTTP_KRJ_IDENT_FAILED 2

#define NGX_HTTP_KRJ_SECRET_LEN   32
#define NGX_HTTP_KRJ_NAME_MAX     64
#define NGX_HTTP_KRJ_DIGEST_HEX   64


typedef struct {
    ngx_str_t                    list;      /* slugs, comma separated */
    unsigned                     all:1;
    unsigned                     metrics:1;
    unsigned                     admin:1;
} ngx_http_krj_scopes_t;


typedef struct {
    ngx_str_t                    id;
    u_char                       digest[32];
    ngx_http_krj_scopes_t        scopes;
    ngx_http_krj_limit_t         limit;     /* rate 0: the location's */
    time_t                       expires;   /* 0: never */
} ngx_http_krj_key_t;


typedef struct {
    ngx_str_t                    name;
    ngx_str_t                    hash;      /* NUL-terminated */
    ngx_http_krj_scopes_t        scopes;
} ngx_http_krj_user_t;


/* a key or user file: the path from the configuration, per worker data */
typedef struct {
    ngx_str_t                    path;
    ngx_uint_t                   type;      /* NGX_HTTP_KRJ_FILE_* */

    ngx_pool_t                  *pool;
    ngx_array_t                 *entries;   /* NULL: nothing loaded */
    ngx_http_krj_ident_t         ident;
    ngx_err_t                    err;       /* of the last failed read */
} ngx_http_krj_file_t;


typedef struct {
    ngx_array_t                  files;     /* ngx_http_krj_file_t * */
    u_char                       secret[NGX_HTTP_KRJ_SECRET_LEN];
    ngx_event_t                  reload_event;
    ngx_msec_t                   interval;
} ngx_http_krj_auth_main_conf_t;


typedef struct {
    ngx_uint_t                   auth;
    ngx_flag_t                   explicit;  /* krj_auth in this location */
    ngx_str_t                    realm;
    ngx_str_t                    basic;     /* WWW-Authenticate values */
    ngx_str_t                    bearer;
    ngx_http_krj_file_t         *keys;
    ngx_http_krj_file_t         *users;
    ngx_msec_t                   cache_time;
    ngx_http_krj_limit_t         limit;     /* rate 0: no krj_limit */
    ngx_http_krj_limit_t         fail;
} ngx_http_krj_auth_loc_conf_t;


/*
 * Of the main request.  The credentials are verified once, by the first
 * of the access handler and the variables to need them: limit_req keys
 * on $krj_principal in the preaccess phase, before the access handler.
 */
typedef struct {
    ngx_uint_t                   outcome;   /* NGX_HTTP_KRJ_IDENT_* */
    ngx_uint_t                   method;    /* NGX_HTTP_KRJ_METHOD_* */
    ngx_str_t                    principal;
    ngx_http_krj_scopes_t        scopes;
    ngx_http_krj_limit_t         limit;     /* a key's own, rate 0: none */
    unsigned                     identified:1;
    unsigned                     done:1;
} ngx_http_krj_auth_ctx_t;


static ngx_int_t ngx_http_krj_auth_handler(ngx_http_request_t *r);
static ngx_uint_t ngx_http_krj_auth_applies(ngx_http_request_t *r,
    ngx_http_krj_auth_loc_conf_t *alcf);
static ngx_http_krj_auth_ctx_t *ngx_http_krj_auth_ctx(ngx_http_request_t *r);
static ngx_int_t ngx_http_krj_auth_identify(ngx_http_request_t *r,
    ngx_http_krj_auth_loc_conf_t *alcf, ngx_http_krj_auth_ctx_t *ctx);
static ngx_int_t ngx_http_krj_auth_credentials(ngx_http_request_t *r,
    ngx_str_t *key);
static ngx_int_t ngx_http_krj_auth_address(ngx_http_request_t *r,
    ngx_http_krj_auth_ctx_t *ctx);
static ngx_int_t ngx_http_krj_auth_key(ngx_http_request_t *r,
    ngx_http_krj_auth_loc_conf_t *alcf, ngx_http_krj_auth_ctx_t *ctx,
    ngx_str_t *key);
static ngx_int_t ngx_http_krj_auth_basic(ngx_http_request_t *r,
    ngx_http_krj_auth_loc_conf_t *alcf, ngx_http_krj_auth_ctx_t *ctx);
static ngx_int_t ngx_http_krj_auth_limit(ngx_http_request_t *r,
    ngx_http_krj_auth_ctx_t *ctx, ngx_http_krj_limit_t *limit);
static ngx_int_t ngx_http_krj_auth_fail(ngx_http_request_t *r,
    ngx_http_krj_auth_loc_conf_t *alcf, ngx_uint_t commit);
static ngx_uint_t ngx_http_krj_auth_locked_out(ngx_http_request_t *r,
    ngx_http_krj_auth_loc_conf_t *alcf);
static ngx_int_t ngx_http_krj_auth_deny(ngx_http_request_t *r,
    ngx_http_krj_auth_loc_conf_t *alcf, ngx_uint_t status);
static ngx_int_t ngx_http_krj_auth_too_many(ngx_http_request_t *r,
    ngx_http_krj_limit_t *limit, ngx_uint_t excess);
static ngx_int_t ngx_http_krj_auth_finish(ngx_http_request_t *r,
    ngx_int_t rc);
static ngx_int_t ngx_http_krj_auth_discard(ngx_http_request_t *r);
static ngx_int_t ngx_http_krj_auth_rate_headers(ngx_http_request_t *r,
    ngx_http_krj_limit_t *limit, ngx_uint_t remaining, ngx_uint_t reset);
static ngx_int_t ngx_http_krj_auth_push_header(ngx_http_request_t *r,
    char *key, ngx_str_t *value);
static void ngx_http_krj_auth_delay(ngx_http_request_t *r);
static ngx_table_elt_t *ngx_http_krj_auth_api_key(ngx_http_request_t *r);

static void ngx_http_krj_file_check(ngx_http_krj_file_t *file,
    ngx_log_t *log);
static ngx_int_t ngx_http_krj_file_parse(ngx_http_krj_file_t *file,
    ngx_pool_t *pool, u_char *p, u_char *last, ngx_array_t *entries,
    ngx_log_t *log);
static char *ngx_http_krj_parse_key(ngx_str_t *line, ngx_http_krj_key_t *k);
static char *ngx_http_krj_parse_user(ngx_str_t *line,
    ngx_http_krj_user_t *u);
static char *ngx_http_krj_parse_scopes(ngx_str_t *value,
    ngx_http_krj_scopes_t *scopes);
static ngx_uint_t ngx_http_krj_valid_name(ngx_str_t *name, ngx_uint_t at);
static time_t ngx_http_krj_parse_date(u_char *p, size_t len);

static ngx_int_t ngx_http_krj_auth_add_variables(ngx_conf_t *cf);
static ngx_int_t ngx_http_krj_auth_variable_ctx(ngx_http_request_t *r,
    ngx_http_krj_auth_ctx_t **ctxp);
static ngx_int_t ngx_http_krj_principal_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_krj_method_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static void *ngx_http_krj_auth_create_main_conf(ngx_conf_t *cf);
static void *ngx_http_krj_auth_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_krj_auth_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child);
static char *ngx_http_krj_auth_challenge(ngx_conf_t *cf, const char *scheme,
    ngx_str_t *realm, ngx_str_t *value);
static char *ngx_http_krj_auth_file(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_krj_auth_limit_slot(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static ngx_int_t ngx_http_krj_auth_init(ngx_conf_t *cf);
static ngx_int_t ngx_http_krj_auth_init_process(ngx_cycle_t *cycle);
static void ngx_http_krj_auth_reload_handler(ngx_event_t *ev);


static ngx_conf_enum_t  ngx_http_krj_auth_types[] = {
    { ngx_string("off"), NGX_HTTP_KRJ_AUTH_OFF },
    { ngx_string("key"), NGX_HTTP_KRJ_AUTH_KEY },
    { ngx_string("basic"), NGX_HTTP_KRJ_AUTH_BASIC },
    { ngx_string("any"), NGX_HTTP_KRJ_AUTH_ANY },
    { ngx_null_string, 0 }
};


static ngx_command_t  ngx_http_krj_auth_commands[] = {

    { ngx_string("krj_auth"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_enum_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_krj_auth_loc_conf_t, auth),
      &ngx_http_krj_auth_types },

    { ngx_string("krj_auth_realm"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_krj_auth_loc_conf_t, realm),
      NULL },

    { ngx_string("krj_key_file"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_krj_auth_file,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_krj_auth_loc_conf_t, keys),
      (void *) NGX_HTTP_KRJ_FILE_KEYS },

    { ngx_string("krj_user_file"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_krj_auth_file,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_krj_auth_loc_conf_t, users),
      (void *) NGX_HTTP_KRJ_FILE_USERS },

    { ngx_string("krj_auth_cache_time"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_krj_auth_loc_conf_t, cache_time),
      NULL },

    { ngx_string("krj_limit"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE123,
      ngx_http_krj_auth_limit_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_krj_auth_loc_conf_t, limit),
      NULL },

    { ngx_string("krj_auth_fail_limit"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE12,
      ngx_http_krj_auth_limit_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_krj_auth_loc_conf_t, fail),
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_krj_auth_module_ctx = {
    ngx_http_krj_auth_add_variables,       /* preconfiguration */
    ngx_http_krj_auth_init,                /* postconfiguration */

    ngx_http_krj_auth_create_main_conf,    /* create main configuration */
    NULL,                                  /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    ngx_http_krj_auth_create_loc_conf,     /* create location configuration */
    ngx_http_krj_auth_merge_loc_conf       /* merge location configuration */
};


ngx_module_t  ngx_http_krj_auth_module = {
    NGX_MODULE_V1,
    &ngx_http_krj_auth_module_ctx,         /* module context */
    ngx_http_krj_auth_commands,            /* module directives */
    NGX_HTTP_MODULE,                       /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    ngx_http_krj_auth_init_process,        /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    NULL,                                  /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


static ngx_http_variable_t  ngx_http_krj_auth_vars[] = {

    { ngx_string("krj_principal"), NULL, ngx_http_krj_principal_variable,
      0, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("krj_auth_method"), NULL, ngx_http_krj_method_variable,
      0, NGX_HTTP_VAR_NOCACHEABLE, 0 },

      ngx_http_null_variable
};


static ngx_str_t  ngx_http_krj_methods[] = {
    ngx_string("none"),
    ngx_string("key"),
    ngx_string("basic")
};


/*
 * The access phase: who is asking (a key, a user, or an address), then
 * whether they ask too fast.  NGX_DECLINED where krj_auth and krj_limit
 * do not apply, NGX_OK to let the request on, NGX_AGAIN while a request
 * within the burst waits, or NGX_DONE after a JSON 401, 429 or 503 was
 * sent (see ngx_http_krj_auth_finish()).
 */

static ngx_int_t
ngx_http_krj_auth_handler(ngx_http_request_t *r)
{
    ngx_int_t                      rc;
    ngx_http_krj_limit_t          *limit;
    ngx_http_krj_auth_ctx_t       *ctx;
    ngx_http_krj_auth_loc_conf_t  *alcf;

    if (r != r->main) {
        return NGX_DECLINED;
    }

    ctx = ngx_http_get_module_ctx(r, ngx_http_krj_auth_module);

    if (ctx && ctx->done) {
        /* back from a delay */
        return NGX_OK;
    }

    alcf = ngx_http_get_module_loc_conf(r, ngx_http_krj_auth_module);

    if (!ngx_http_krj_auth_applies(r, alcf)) {
        return NGX_DECLINED;
    }

    ctx = ngx_http_krj_auth_ctx(r);
    if (ctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    /* an address that failed too often is not even verified */

    if (alcf->auth != NGX_HTTP_KRJ_AUTH_OFF
        && ngx_http_krj_auth_credentials(r, NULL) == NGX_OK)
    {
        rc = ngx_http_krj_auth_fail(r, alcf, 0);
        if (rc != NGX_OK) {
            return rc;
        }
    }

    if (ngx_http_krj_auth_identify(r, alcf, ctx) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ctx->outcome == NGX_HTTP_KRJ_IDENT_FAILED) {
        rc = ngx_http_krj_auth_fail(r, alcf, 1);
        if (rc != NGX_OK) {
            return rc;
        }

        return ngx_http_krj_auth_deny(r, alcf, NGX_HTTP_UNAUTHORIZED);
    }

    if (ctx->outcome == NGX_HTTP_KRJ_IDENT_NONE
        && alcf->auth != NGX_HTTP_KRJ_AUTH_OFF)
    {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "no credentials were provided");

        return ngx_http_krj_auth_deny(r, alcf, NGX_HTTP_UNAUTHORIZED);
    }

    limit = &alcf->limit;

    if (ctx->limit.rate && alcf->limit.rate) {
        limit = ngx_palloc(r->pool, sizeof(ngx_http_krj_limit_t));
        if (limit == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        *limit = alcf->limit;
        limit->rate = ctx->limit.rate;
        limit->quota = ctx->limit.quota;
        limit->window = ctx->limit.window;
    }

    return ngx_http_krj_auth_limit(r, ctx, limit);
}


/* whether krj_auth or krj_limit applies to the request's location */

static ngx_uint_t
ngx_http_krj_auth_applies(ngx_http_request_t *r,
    ngx_http_krj_auth_loc_conf_t *alcf)
{
    ngx_http_krj_loc_conf_t  *klcf;

    if (alcf->auth == NGX_HTTP_KRJ_AUTH_OFF && alcf->limit.rate == 0) {
        return 0;
    }

    /* /health and /ready stay open unless their location asks for auth */

    klcf = ngx_http_get_module_loc_conf(r, ngx_http_krj_module);

    if (klcf->status != NGX_CONF_UNSET_UINT && !alcf->explicit) {
        return 0;
    }

    return 1;
}


/* the main request's ctx, made on first use; NULL when out of memory */

static ngx_http_krj_auth_ctx_t *
ngx_http_krj_auth_ctx(ngx_http_request_t *r)
{
    ngx_http_krj_auth_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_krj_auth_module);

    if (ctx == NULL) {
        ctx = ngx_pcalloc(r->pool, sizeof(ngx_http_krj_auth_ctx_t));
        if (ctx == NULL) {
            return NULL;
        }

        ngx_http_set_ctx(r, ctx, ngx_http_krj_auth_module);
    }

    return ctx;
}


/*
 * Who is asking: reads and verifies the credentials once per request and
 * keeps the outcome in ctx: NGX_HTTP_KRJ_IDENT_OK with the principal, the
 * method and the scopes, NGX_HTTP_KRJ_IDENT_NONE (no credentials, or
 * krj_auth off) or NGX_HTTP_KRJ_IDENT_FAILED (the reason is logged here),
 * both with the client address as the principal.  A later call returns
 * what the first found.  Sends nothing, counts nothing: the decision is
 * the access handler's.  NGX_OK, or NGX_ERROR when out of memory.
 */

static ngx_int_t
ngx_http_krj_auth_identify(ngx_http_request_t *r,
    ngx_http_krj_auth_loc_conf_t *alcf, ngx_http_krj_auth_ctx_t *ctx)
{
    ngx_int_t  rc;
    ngx_str_t  key;

    if (ctx->identified) {
        return NGX_OK;
    }

    if (alcf->auth == NGX_HTTP_KRJ_AUTH_OFF) {
        ctx->scopes.all = 1;
        rc = NGX_DECLINED;
        ctx->outcome = NGX_HTTP_KRJ_IDENT_NONE;
        goto address;
    }

    if (ngx_http_krj_auth_credentials(r, &key) == NGX_DECLINED) {
        rc = NGX_DECLINED;
        ctx->outcome = NGX_HTTP_KRJ_IDENT_NONE;
        goto address;
    }

    if (key.len && (alcf->auth & NGX_HTTP_KRJ_AUTH_KEY)) {
        rc = ngx_http_krj_auth_key(r, alcf, ctx, &key);

    } else if (key.len == 0 && (alcf->auth & NGX_HTTP_KRJ_AUTH_BASIC)) {
        rc = ngx_http_krj_auth_basic(r, alcf, ctx);

    } else {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "credentials of a scheme that is not accepted here");
        rc = NGX_DECLINED;
    }

    if (rc == NGX_ERROR) {
        return NGX_ERROR;
    }

    ctx->outcome = (rc == NGX_OK) ? NGX_HTTP_KRJ_IDENT_OK
                                  : NGX_HTTP_KRJ_IDENT_FAILED;

address:

    if (rc != NGX_OK && ngx_http_krj_auth_address(r, ctx) != NGX_OK) {
        return NGX_ERROR;
    }

    ctx->identified = 1;

    return NGX_OK;
}


/*
 * NGX_OK when the request carries credentials: an Authorization header,
 * or else an X-API-Key header.  key, when not NULL, gets the key of an
 * X-API-Key or a Bearer header; it is empty for any other scheme.
 * NGX_DECLINED when there are none.
 */

static ngx_int_t
ngx_http_krj_auth_credentials(ngx_http_request_t *r, ngx_str_t *key)
{
    ngx_str_t         k, *value;
    ngx_table_elt_t  *h;

    h = r->headers_in.authorization;
    ngx_str_null(&k);

    if (h == NULL) {
        h = ngx_http_krj_auth_api_key(r);

        if (h == NULL) {
            return NGX_DECLINED;
        }

        k = h->value;

    } else {
        value = &h->value;

        if (value->len > sizeof("Bearer ") - 1
            && ngx_strncasecmp(value->data, (u_char *) "Bearer ",
                               sizeof("Bearer ") - 1)
               == 0)
        {
            k.data = value->data + sizeof("Bearer ") - 1;
            k.len = value->len - (sizeof("Bearer ") - 1);

            while (k.len && k.data[0] == ' ') {
                k.data++;
                k.len--;
            }
        }
    }

    if (key) {
        *key = k;
    }

    return NGX_OK;
}


/* the principal of a request without verified credentials */

static ngx_int_t
ngx_http_krj_auth_address(ngx_http_request_t *r, ngx_http_krj_auth_ctx_t *ctx)
{
    ctx->method = NGX_HTTP_KRJ_METHOD_NONE;

    ctx->principal.len = sizeof("addr:") - 1 + r->connection->addr_text.len;
    ctx->principal.data = ngx_pnalloc(r->pool, ctx->principal.len);
    if (ctx->principal.data == NULL) {
        return NGX_ERROR;
    }

    ngx_sprintf(ctx->principal.data, "addr:%V", &r->connection->addr_text);

    return NGX_OK;
}


static ngx_table_elt_t *
ngx_http_krj_auth_api_key(ngx_http_request_t *r)
{
    ngx_uint_t        i;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h;

    part = &r->headers_in.headers.part;
    h = part->elts;

    for (i = 0; /* void */ ; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                break;
            }

            part = part->next;
            h = part->elts;
            i = 0;
        }

        if (h[i].key.len == sizeof("X-API-Key") - 1
            && ngx_strncasecmp(h[i].key.data, (u_char *) "X-API-Key",
                               sizeof("X-API-Key") - 1)
               == 0)
        {
            return &h[i];
        }
    }

    return NULL;
}


/* NGX_OK: a known key, not expired; NGX_DECLINED: refused, logged */

static ngx_int_t
ngx_http_krj_auth_key(ngx_http_request_t *r,
    ngx_http_krj_auth_loc_conf_t *alcf, ngx_http_krj_auth_ctx_t *ctx,
    ngx_str_t *key)
{
    u_char               digest[32];
    ngx_uint_t           i;
    unsigned int         len;
    ngx_http_krj_key_t  *k, *found;

    if (alcf->keys == NULL || alcf->keys->entries == NULL) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "no keys are loaded, key refused");
        return NGX_DECLINED;
    }

    if (EVP_Digest(key->data, key->len, digest, &len, EVP_sha256(), NULL)
        != 1)
    {
        return NGX_ERROR;
    }

    /* every entry is compared, in constant time each */

    found = NULL;
    k = alcf->keys->entries->elts;

    for (i = 0; i < alcf->keys->entries->nelts; i++) {
        if (CRYPTO_memcmp(k[i].digest, digest, 32) == 0) {
            found = &k[i];
        }
    }

    if (found == NULL) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "unknown key, not in \"%V\"", &alcf->keys->path);
        return NGX_DECLINED;
    }

    if (found->expires && ngx_time() >= found->expires) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "key \"%V\" has expired", &found->id);
        return NGX_DECLINED;
    }

    /* the request may outlive a re-read of the file: copies */

    ctx->method = NGX_HTTP_KRJ_METHOD_KEY;
    ctx->scopes = found->scopes;

    ctx->scopes.list.data = ngx_pstrdup(r->pool, &found->scopes.list);
    ctx->principal.len = sizeof("key:") - 1 + found->id.len;
    ctx->principal.data = ngx_pnalloc(r->pool, ctx->principal.len);

    if (ctx->scopes.list.data == NULL || ctx->principal.data == NULL) {
        return NGX_ERROR;
    }

    ngx_sprintf(ctx->principal.data, "key:%V", &found->id);

    ctx->limit = found->limit;

    return NGX_OK;
}


static ngx_int_t
ngx_http_krj_auth_basic(ngx_http_request_t *r,
    ngx_http_krj_auth_loc_conf_t *alcf, ngx_http_krj_auth_ctx_t *ctx)
{
    size_t                          len;
    u_char                         *buf, *p, *encrypted;
    ngx_int_t                       rc;
    ngx_uint_t                      i;
    unsigned int                    dlen;
    ngx_http_krj_user_t            *u, *found;
    ngx_http_krj_main_conf_t       *kmcf;
    ngx_http_krj_auth_main_conf_t  *amcf;
    u_char                          digest[EVP_MAX_MD_SIZE];

    rc = ngx_http_auth_basic_user(r);

    if (rc == NGX_DECLINED) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "credentials of a scheme that is not accepted here");
        return NGX_DECLINED;
    }

    if (rc == NGX_ERROR) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "malformed Basic credentials");
        return NGX_DECLINED;
    }

    if (alcf->users == NULL || alcf->users->entries == NULL) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "no users are loaded, user \"%V\" refused",
                      &r->headers_in.user);
        return NGX_DECLINED;
    }

    found = NULL;
    u = alcf->users->entries->elts;

    for (i = 0; i < alcf->users->entries->nelts; i++) {
        if (u[i].name.len == r->headers_in.user.len
            && ngx_strncmp(u[i].name.data, r->headers_in.user.data,
                           u[i].name.len)
               == 0)
        {
            found = &u[i];
            break;
        }
    }

    if (found == NULL) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "user \"%V\" was not found in \"%V\"",
                      &r->headers_in.user, &alcf->users->path);

        /* as slow as a wrong password, so timing tells no user names */

        if (alcf->users->entries->nelts) {
            p = ngx_pnalloc(r->pool, r->headers_in.passwd.len + 1);
            if (p == NULL) {
                return NGX_ERROR;
            }

            ngx_cpystrn(p, r->headers_in.passwd.data,
                        r->headers_in.passwd.len + 1);

            (void) ngx_crypt(r->pool, p, u[0].hash.data, &encrypted);

            ngx_explicit_memzero(p, r->headers_in.passwd.len);
        }

        ngx_explicit_memzero(r->headers_in.passwd.data,
                             r->headers_in.passwd.len);

        return NGX_DECLINED;
    }

    /* user NUL password NUL hash: a new hash ends the cached verdicts */

    len = found->name.len + 1 + r->headers_in.passwd.len + 1
          + found->hash.len;

    buf = ngx_pnalloc(r->pool, len);
    if (buf == NULL) {
        return NGX_ERROR;
    }

    p = ngx_cpymem(buf, found->name.data, found->name.len);
    *p++ = '\0';
    p = ngx_cpymem(p, r->headers_in.passwd.data, r->headers_in.passwd.len);
    *p++ = '\0';
    ngx_memcpy(p, found->hash.data, found->hash.len);

    amcf = ngx_http_get_module_main_conf(r, ngx_http_krj_auth_module);
    kmcf = ngx_http_get_module_main_conf(r, ngx_http_krj_module);

    rc = NGX_DECLINED;

    if (HMAC(EVP_sha256(), amcf->secret, NGX_HTTP_KRJ_SECRET_LEN, buf, len,
             digest, &dlen)
        == NULL)
    {
        rc = NGX_ERROR;
        goto cleanup;
    }

    if (kmcf->shm_zone && alcf->cache_time
        && ngx_http_krj_limit_cache_find(kmcf->shm_zone, digest, dlen))
    {
        rc = NGX_OK;
        goto cleanup;
    }

    /* the password, NUL-terminated for ngx_crypt(), in place */

    p = buf + found->name.len + 1;

    rc = ngx_crypt(r->pool, p, found->hash.data, &encrypted);

    if (rc != NGX_OK) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "user \"%V\": the hash in \"%V\" is of an unknown "
                      "scheme", &found->name, &alcf->users->path);
        rc = NGX_DECLINED;
        goto cleanup;
    }

    if (ngx_strlen(encrypted) != found->hash.len
        || CRYPTO_memcmp(encrypted, found->hash.data, found->hash.len) != 0)
    {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "user \"%V\": password mismatch", &found->name);
        rc = NGX_DECLINED;
        goto cleanup;
    }

    if (kmcf->shm_zone && alcf->cache_time
        && ngx_http_krj_limit_cache_store(kmcf->shm_zone, digest, dlen,
                                          alcf->cache_time)
           != NGX_OK)
    {
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                      "could not cache a verification in krj zone \"%V\"",
                      &kmcf->shm_zone->shm.name);
    }

    rc = NGX_OK;

cleanup:

    ngx_explicit_memzero(buf, len);
    ngx_explicit_memzero(r->headers_in.passwd.data,
                         r->headers_in.passwd.len);

    if (rc != NGX_OK) {
        return rc;
    }

    ctx->method = NGX_HTTP_KRJ_METHOD_BASIC;
    ctx->scopes = found->scopes;

    ctx->scopes.list.data = ngx_pstrdup(r->pool, &found->scopes.list);
    ctx->principal.len = sizeof("user:") - 1 + found->name.len;
    ctx->principal.data = ngx_pnalloc(r->pool, ctx->principal.len);

    if (ctx->scopes.list.data == NULL || ctx->principal.data == NULL) {
        return NGX_ERROR;
    }

    ngx_sprintf(ctx->principal.data, "user:%V", &found->name);

    return NGX_OK;
}


/* krj_limit for the principal: on, delayed, or 429 */

static ngx_int_t
ngx_http_krj_auth_limit(ngx_http_request_t *r, ngx_http_krj_auth_ctx_t *ctx,
    ngx_http_krj_limit_t *limit)
{
    ngx_int_t                  rc;
    ngx_uint_t                 excess, remaining;
    ngx_msec_t                 delay;
    ngx_http_krj_main_conf_t  *kmcf;

    ctx->done = 1;

    kmcf = ngx_http_get_module_main_conf(r, ngx_http_krj_module);

    if (limit->rate == 0 || kmcf->shm_zone == NULL) {
        return NGX_OK;
    }

    rc = ngx_http_krj_limit_account(kmcf->shm_zone,
                                    NGX_HTTP_KRJ_NODE_PRINCIPAL,
                                    &ctx->principal, limit, 1, &excess);

    if (rc == NGX_ERROR) {
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                      "could not allocate node in krj zone \"%V\"",
                      &kmcf->shm_zone->shm.name);

        if (ngx_http_krj_auth_discard(r) != NGX_OK) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        return ngx_http_krj_auth_finish(r,
                   ngx_http_krj_send_error(r, NGX_HTTP_SERVICE_UNAVAILABLE,
                                           "unavailable",
                                           "the limits zone is full"));
    }

    if (rc == NGX_BUSY) {
        ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                      "limiting requests of \"%V\", excess: %ui.%03ui",
                      &ctx->principal, excess / 1000, excess % 1000);

        return ngx_http_krj_auth_too_many(r, limit, excess);
    }

    remaining = (limit->burst - excess) / 1000;

    if (ngx_http_krj_auth_rate_headers(r, limit, remaining,
                                       (excess * 1000 / limit->rate + 999)
                                       / 1000)
        != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (excess == 0 || limit->nodelay) {
        return NGX_OK;
    }

    delay = excess * 1000 / limit->rate;

    if (delay == 0) {
        return NGX_OK;
    }

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "krj limit delaying \"%V\" %M ms", &ctx->principal, delay);

    r->read_event_handler = ngx_http_test_reading;
    r->write_event_handler = ngx_http_krj_auth_delay;

    r->connection->write->delayed = 1;
    ngx_add_timer(r->connection->write, delay);

    return NGX_AGAIN;
}


static void
ngx_http_krj_auth_delay(ngx_http_request_t *r)
{
    ngx_event_t  *wev;

    wev = r->connection->write;

    if (wev->delayed) {

        if (ngx_handle_write_event(wev, 0) != NGX_OK) {
            ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        }

        return;
    }

    if (ngx_handle_read_event(r->connection->read, 0) != NGX_OK) {
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    r->read_event_handler = ngx_http_block_reading;
    r->write_event_handler = ngx_http_core_run_phases;

    ngx_http_core_run_phases(r);
}


/*
 * krj_auth_fail_limit, per client address.  commit == 0: is the address
 * locked out?  commit == 1: one more failure.  NGX_OK, or the request is
 * answered (429) and the value is for the access phase.
 */

static ngx_int_t
ngx_http_krj_auth_fail(ngx_http_request_t *r,
    ngx_http_krj_auth_loc_conf_t *alcf, ngx_uint_t commit)
{
    ngx_int_t                  rc;
    ngx_uint_t                 excess;
    ngx_http_krj_main_conf_t  *kmcf;

    kmcf = ngx_http_get_module_main_conf(r, ngx_http_krj_module);

    if (kmcf->shm_zone == NULL || alcf->fail.rate == 0) {
        return NGX_OK;
    }

    rc = ngx_http_krj_limit_account(kmcf->shm_zone, NGX_HTTP_KRJ_NODE_FAIL,
                                    &r->connection->addr_text, &alcf->fail,
                                    commit, &excess);

    if (rc == NGX_OK) {
        return NGX_OK;
    }

    if (rc == NGX_ERROR) {
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                      "could not allocate node in krj zone \"%V\"",
                      &kmcf->shm_zone->shm.name);

        if (ngx_http_krj_auth_discard(r) != NGX_OK) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        return ngx_http_krj_auth_finish(r,
                   ngx_http_krj_send_error(r, NGX_HTTP_SERVICE_UNAVAILABLE,
                                           "unavailable",
                                           "the limits zone is full"));
    }

    ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                  "too many failed authentications from %V",
                  &r->connection->addr_text);

    return ngx_http_krj_auth_too_many(r, &alcf->fail, excess);
}


/* read-only: whether krj_auth_fail_limit has locked the address out */

static ngx_uint_t
ngx_http_krj_auth_locked_out(ngx_http_request_t *r,
    ngx_http_krj_auth_loc_conf_t *alcf)
{
    ngx_uint_t                 excess;
    ngx_http_krj_main_conf_t  *kmcf;

    kmcf = ngx_http_get_module_main_conf(r, ngx_http_krj_module);

    if (kmcf->shm_zone == NULL || alcf->fail.rate == 0) {
        return 0;
    }

    return ngx_http_krj_limit_account(kmcf->shm_zone, NGX_HTTP_KRJ_NODE_FAIL,
                                      &r->connection->addr_text, &alcf->fail,
                                      0, &excess)
           == NGX_BUSY;
}


static ngx_int_t
ngx_http_krj_auth_too_many(ngx_http_request_t *r, ngx_http_krj_limit_t *limit,
    ngx_uint_t excess)
{
    ngx_uint_t  wait;
    ngx_str_t   value;
    u_char      buf[NGX_INT_T_LEN];

    /* seconds until one more request fits under the burst */

    wait = excess + 1000 > limit->burst
           ? ((excess + 1000 - limit->burst) * 1000 / limit->rate + 999)
             / 1000
           : 1;

    if (wait == 0) {
        wait = 1;
    }

    if (ngx_http_krj_auth_discard(r) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    value.data = buf;
    value.len = ngx_sprintf(buf, "%ui", wait) - buf;

    if (ngx_http_krj_auth_push_header(r, "Retry-After", &value) != NGX_OK
        || ngx_http_krj_auth_rate_headers(r, limit, 0, wait) != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_krj_auth_finish(r,
               ngx_http_krj_send_error(r, NGX_HTTP_TOO_MANY_REQUESTS,
                                       "rate_limited",
                                       "too many requests, retry in %ui "
                                       "seconds", wait));
}


/*
 * RateLimit-Policy and RateLimit as in draft-ietf-httpapi-ratelimit-
 * headers-08 (structured field lists of named policies):
 *
 *     RateLimit-Policy: "krj";q=100;w=60
 *     RateLimit: "krj";r=42;t=5
 *
 * q and w are the configured rate, r what can be sent right now without
 * a rejection, t the seconds until the bucket is empty again.
 */

static ngx_int_t
ngx_http_krj_auth_rate_headers(ngx_http_request_t *r,
    ngx_http_krj_limit_t *limit, ngx_uint_t remaining, ngx_uint_t reset)
{
    ngx_str_t  value;
    u_char     buf[sizeof("\"krj\";q=;w=") + 2 * NGX_INT_T_LEN];

    value.data = buf;
    value.len = ngx_sprintf(buf, "\"krj\";q=%ui;w=%ui", limit->quota,
                            limit->window)
                - buf;

    if (ngx_http_krj_auth_push_header(r, "RateLimit-Policy", &value)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    value.len = ngx_sprintf(buf, "\"krj\";r=%ui;t=%ui", remaining, reset)
                - buf;

    return ngx_http_krj_auth_push_header(r, "RateLimit", &value);
}


static ngx_int_t
ngx_http_krj_auth_push_header(ngx_http_request_t *r, char *key,
    ngx_str_t *value)
{
    ngx_table_elt_t  *h;

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    h->hash = 1;
    h->key.data = (u_char *) key;
    h->key.len = ngx_strlen(key);

    h->value.data = ngx_pstrdup(r->pool, value);
    if (h->value.data == NULL) {
        return NGX_ERROR;
    }

    h->value.len = value->len;

    return NGX_OK;
}


/* a JSON 401 with the challenges of the schemes accepted here */

static ngx_int_t
ngx_http_krj_auth_deny(ngx_http_request_t *r,
    ngx_http_krj_auth_loc_conf_t *alcf, ngx_uint_t status)
{
    if (ngx_http_krj_auth_discard(r) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if ((alcf->auth & NGX_HTTP_KRJ_AUTH_BASIC)
        && ngx_http_krj_auth_push_header(r, "WWW-Authenticate", &alcf->basic)
           != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if ((alcf->auth & NGX_HTTP_KRJ_AUTH_KEY)
        && ngx_http_krj_auth_push_header(r, "WWW-Authenticate",
                                         &alcf->bearer)
           != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    /* the same words for an unknown user, a wrong password, a bad key */

    return ngx_http_krj_auth_finish(r,
               ngx_http_krj_send_error(r, status, "unauthorized",
                                       "valid credentials are required"));
}


/*
 * An answer sent from the access phase ends the phases here: the JSON
 * body is ours, so the handler finalizes the request itself and tells
 * the phase engine NGX_DONE instead of returning the status.
 */

static ngx_int_t
ngx_http_krj_auth_finish(ngx_http_request_t *r, ngx_int_t rc)
{
    ngx_http_finalize_request(r, rc);

    return NGX_DONE;
}


/* before a refusal, so that a kept-alive connection reads no body */

static ngx_int_t
ngx_http_krj_auth_discard(ngx_http_request_t *r)
{
    ngx_int_t  rc;

    rc = ngx_http_discard_request_body(r);

    return (rc == NGX_OK) ? NGX_OK : NGX_ERROR;
}


ngx_uint_t
ngx_http_krj_auth_allows(ngx_http_request_t *r, u_char *slug, size_t len)
{
    u_char                   *p, *last, *comma;
    ngx_http_krj_auth_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r->main, ngx_http_krj_auth_module);

    if (ctx == NULL || ctx->scopes.all) {
        return 1;
    }

    p = ctx->scopes.list.data;
    last = p + ctx->scopes.list.len;

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


ngx_str_t *
ngx_http_krj_auth_restricted(ngx_http_request_t *r)
{
    ngx_http_krj_auth_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r->main, ngx_http_krj_auth_module);

    if (ctx == NULL || ctx->scopes.all) {
        return NULL;
    }

    return &ctx->scopes.list;
}


/* the files: read at process start and when they change, never per request */

static void
ngx_http_krj_file_check(ngx_http_krj_file_t *file, ngx_log_t *log)
{
    u_char                *buf;
    ssize_t                n;
    ngx_fd_t               fd;
    ngx_err_t              err;
    ngx_pool_t            *pool;
    ngx_file_t             f;
    ngx_array_t           *entries;
    ngx_file_info_t        fi;
    ngx_http_krj_ident_t   ident;

    fd = ngx_open_file(file->path.data, NGX_FILE_RDONLY, NGX_FILE_OPEN, 0);

    if (fd == NGX_INVALID_FILE) {
        err = ngx_errno;
        goto failed;
    }

    if (ngx_fd_info(fd, &fi) == NGX_FILE_ERROR) {
        err = ngx_errno;
        (void) ngx_close_file(fd);
        goto failed;
    }

    ngx_memzero(&ident, sizeof(ngx_http_krj_ident_t));
    ident.dev = fi.st_dev;
    ident.ino = fi.st_ino;
    ident.size = fi.st_size;
    ident.mtime = fi.st_mtim.tv_sec;
    ident.mtime_nsec = fi.st_mtim.tv_nsec;

    if (file->entries
        && ngx_memcmp(&ident, &file->ident, sizeof(ngx_http_krj_ident_t))
           == 0)
    {
        (void) ngx_close_file(fd);
        return;
    }

    pool = ngx_create_pool(NGX_DEFAULT_POOL_SIZE, log);
    if (pool == NULL) {
        (void) ngx_close_file(fd);
        return;
    }

    buf = ngx_pnalloc(pool, ident.size + 1);
    entries = ngx_array_create(pool, 16,
                               file->type == NGX_HTTP_KRJ_FILE_KEYS
                               ? sizeof(ngx_http_krj_key_t)
                               : sizeof(ngx_http_krj_user_t));

    if (buf == NULL || entries == NULL) {
        (void) ngx_close_file(fd);
        ngx_destroy_pool(pool);
        return;
    }

    ngx_memzero(&f, sizeof(ngx_file_t));
    f.fd = fd;
    f.name = file->path;
    f.log = log;

    n = ngx_read_file(&f, buf, ident.size, 0);

    err = ngx_errno;
    (void) ngx_close_file(fd);

    if (n == NGX_ERROR || n != ident.size) {
        ngx_destroy_pool(pool);

        if (n != NGX_ERROR) {
            /* being rewritten: the next tick reads it whole */
            return;
        }

        goto failed;
    }

    if (ngx_http_krj_file_parse(file, pool, buf, buf + n, entries, log)
        != NGX_OK)
    {
        ngx_destroy_pool(pool);
        return;
    }

    if (file->pool) {
        ngx_destroy_pool(file->pool);
    }

    file->pool = pool;
    file->entries = entries;
    file->ident = ident;
    file->err = 0;

    ngx_log_error(NGX_LOG_INFO, log, 0, "%ui entries loaded from \"%V\"",
                  entries->nelts, &file->path);

    return;

failed:

    /* the previous contents stay; each new failure is logged once */

    if (err != file->err) {
        ngx_log_error(NGX_LOG_CRIT, log, err,
                      "could not read \"%V\", the previous contents are kept",
                      &file->path);
        file->err = err;
    }
}


static ngx_int_t
ngx_http_krj_file_parse(ngx_http_krj_file_t *file, ngx_pool_t *pool,
    u_char *p, u_char *last, ngx_array_t *entries, ngx_log_t *log)
{
    char                 *rv;
    u_char               *nl;
    void                 *e;
    ngx_str_t             line;
    ngx_uint_t            n, blank;
    ngx_http_krj_user_t  *u;

    for (n = 1; p < last; n++, p = nl + 1) {

        nl = ngx_strlchr(p, last, '\n');

        if (nl == NULL) {
            nl = last;
        }

        line.data = p;
        line.len = nl - p;

        if (line.len && line.data[line.len - 1] == '\r') {
            line.len--;
        }

        blank = 1;

        for (p = line.data; p < line.data + line.len; p++) {
            if (*p != ' ' && *p != '\t') {
                blank = 0;
                break;
            }
        }

        if (blank || line.data[0] == '#') {
            continue;
        }

        e = ngx_array_push(entries);
        if (e == NULL) {
            return NGX_ERROR;
        }

        if (file->type == NGX_HTTP_KRJ_FILE_KEYS) {
            rv = ngx_http_krj_parse_key(&line, e);

        } else {
            rv = ngx_http_krj_parse_user(&line, e);
        }

        if (rv != NULL) {
            entries->nelts--;

            ngx_log_error(NGX_LOG_ERR, log, 0,
                          "%s in \"%V\" on line %ui, the line is skipped",
                          rv, &file->path, n);
            continue;
        }

        if (file->type == NGX_HTTP_KRJ_FILE_USERS) {
            /* ngx_crypt() wants the hash NUL-terminated */

            u = e;

            p = ngx_pnalloc(pool, u->hash.len + 1);
            if (p == NULL) {
                return NGX_ERROR;
            }

            ngx_cpystrn(p, u->hash.data, u->hash.len + 1);
            u->hash.data = p;
        }
    }

    return NGX_OK;
}


/* spans point into the file's buffer, which the pool keeps */

static char *
ngx_http_krj_parse_key(ngx_str_t *line, ngx_http_krj_key_t *k)
{
    char       *rv;
    u_char     *p, *last, *colon, *comma;
    ngx_int_t   hi, lo;
    ngx_str_t   v;
    ngx_uint_t  i, created;

    ngx_memzero(k, sizeof(ngx_http_krj_key_t));

    p = line->data;
    last = p + line->len;

    /* id:sha256:HEX:scopes[:options] */

    colon = ngx_strlchr(p, last, ':');

    if (colon == NULL) {
        return "too few fields";
    }

    k->id.data = p;
    k->id.len = colon - p;

    if (!ngx_http_krj_valid_name(&k->id, 0)) {
        return "invalid key id";
    }

    p = colon + 1;

    if ((size_t) (last - p) < sizeof("sha256:") - 1 + NGX_HTTP_KRJ_DIGEST_HEX
        || ngx_strncmp(p, "sha256:", sizeof("sha256:") - 1) != 0)
    {
        return "invalid digest, it must be sha256: and 64 hex digits";
    }

    p += sizeof("sha256:") - 1;

    for (i = 0; i < 32; i++) {
        hi = ngx_hextoi(p, 1);
        lo = ngx_hextoi(p + 1, 1);

        if (hi == NGX_ERROR || lo == NGX_ERROR
            || (p[0] >= 'A' && p[0] <= 'F') || (p[1] >= 'A' && p[1] <= 'F'))
        {
            return "invalid digest, it must be sha256: and 64 lower-case "
                   "hex digits";
        }

        k->digest[i] = (u_char) (hi << 4 | lo);
        p += 2;
    }

    if (p == last || *p != ':') {
        return "no scopes";
    }

    p++;
    colon = ngx_strlchr(p, last, ':');

    v.data = p;
    v.len = (colon ? colon : last) - p;

    rv = ngx_http_krj_parse_scopes(&v, &k->scopes);
    if (rv != NULL) {
        return rv;
    }

    if (colon == NULL) {
        return NULL;
    }

    /* options */

    p = colon + 1;

    created = 0;

    while (p < last) {
        comma = ngx_strlchr(p, last, ',');

        if (comma == NULL) {
            comma = last;

        } else if (comma + 1 == last) {
            return "empty option";
        }

        v.data = p;
        v.len = comma - p;

        if (v.len > 5 && ngx_strncmp(v.data, "rate=", 5) == 0) {
            if (k->limit.rate) {
                return "duplicate rate= option";
            }

            v.data += 5;
            v.len -= 5;

            if (ngx_http_krj_limit_parse_rate(&v, &k->limit) != NGX_CONF_OK) {
                return "invalid rate= option";
            }

        } else if (v.len > 8 && ngx_strncmp(v.data, "expires=", 8) == 0) {
            if (k->expires) {
                return "duplicate expires= option";
            }

            k->expires = ngx_http_krj_parse_date(v.data + 8, v.len - 8);

            if (k->expires == NGX_ERROR) {
                return "invalid expires= option, it must be YYYY-MM-DD";
            }

        } else if (v.len > 8 && ngx_strncmp(v.data, "created=", 8) == 0) {
            if (created++) {
                return "duplicate created= option";
            }

            if (ngx_http_krj_parse_date(v.data + 8, v.len - 8) == NGX_ERROR) {
                return "invalid created= option, it must be YYYY-MM-DD";
            }

        } else {
            return "unknown option";
        }

        p = comma + 1;
    }

    return NULL;
}


static char *
ngx_http_krj_parse_user(ngx_str_t *line, ngx_http_krj_user_t *u)
{
    u_char     *p, *last, *colon;
    ngx_str_t   v;

    ngx_memzero(u, sizeof(ngx_http_krj_user_t));

    p = line->data;
    last = p + line->len;

    colon = ngx_strlchr(p, last, ':');

    if (colon == NULL) {
        return "no password hash";
    }

    u->name.data = p;
    u->name.len = colon - p;

    if (!ngx_http_krj_valid_name(&u->name, 1)) {
        return "invalid user name";
    }

    p = colon + 1;
    colon = ngx_strlchr(p, last, ':');

    u->hash.data = p;
    u->hash.len = (colon ? colon : last) - p;

    if (u->hash.len == 0) {
        return "empty password hash";
    }

    if (colon == NULL) {
        u->scopes.all = 1;
        return NULL;
    }

    v.data = colon + 1;
    v.len = last - v.data;

    return ngx_http_krj_parse_scopes(&v, &u->scopes);
}


static char *
ngx_http_krj_parse_scopes(ngx_str_t *value, ngx_http_krj_scopes_t *scopes)
{
    u_char  *p, *last, *word;

    p = value->data;
    last = p + value->len;

    scopes->list = *value;

    if (value->len == 0) {
        return "no scopes";
    }

    word = p;

    for ( /* void */ ; p <= last; p++) {

        if (p < last && *p != ',') {
            if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')
                  || *p == '_' || *p == '*'))
            {
                return "invalid scope";
            }

            continue;
        }

        if (p == word) {
            return "empty scope";
        }

        if (p - word == 1 && *word == '*') {
            scopes->all = 1;

        } else if (ngx_strlchr(word, p, '*')) {
            return "invalid scope";

        } else if (p - word == 7 && ngx_strncmp(word, "metrics", 7) == 0) {
            scopes->metrics = 1;

        } else if (p - word == 5 && ngx_strncmp(word, "admin", 5) == 0) {
            scopes->admin = 1;
        }

        word = p + 1;
    }

    return NULL;
}


static ngx_uint_t
ngx_http_krj_valid_name(ngx_str_t *name, ngx_uint_t at)
{
    u_char  *p;

    if (name->len == 0 || name->len > NGX_HTTP_KRJ_NAME_MAX) {
        return 0;
    }

    for (p = name->data; p < name->data + name->len; p++) {
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')
              || (*p >= '0' && *p <= '9')
              || *p == '_' || *p == '.' || *p == '-'
              || (at && *p == '@')))
        {
            return 0;
        }
    }

    return 1;
}


/* YYYY-MM-DD, midnight UTC, 2000 or later; NGX_ERROR if not a date */

static time_t
ngx_http_krj_parse_date(u_char *p, size_t len)
{
    ngx_int_t  y, m, d, era, yoe, doy, days;

    if (len != 10 || p[4] != '-' || p[7] != '-') {
        return NGX_ERROR;
    }

    y = ngx_atoi(p, 4);
    m = ngx_atoi(p + 5, 2);
    d = ngx_atoi(p + 8, 2);

    /* from 2000 on: 0 means "never" to the callers */

    if (y < 2000 || m < 1 || m > 12 || d < 1 || d > 31) {
        return NGX_ERROR;
    }

    /* days from the civil date (H. Hinnant's algorithm) */

    y -= (m <= 2);
    era = y / 400;
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    days = era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;

    return (time_t) days * 86400;
}


static ngx_int_t
ngx_http_krj_auth_add_variables(ngx_conf_t *cf)
{
    ngx_http_variable_t  *var, *v;

    for (v = ngx_http_krj_auth_vars; v->name.len; v++) {
        var = ngx_http_add_variable(cf, &v->name, v->flags);
        if (var == NULL) {
            return NGX_ERROR;
        }

        var->get_handler = v->get_handler;
        var->data = v->data;
    }

    return NGX_OK;
}


/*
 * The variables: identify the main request when krj_auth or krj_limit
 * applies to its location, so that they are right in every phase from
 * preaccess on (limit_req_zone $krj_principal); elsewhere they have a
 * value only when the access handler has set one.
 */

static ngx_int_t
ngx_http_krj_auth_variable_ctx(ngx_http_request_t *r,
    ngx_http_krj_auth_ctx_t **ctxp)
{
    ngx_http_krj_auth_ctx_t       *ctx;
    ngx_http_krj_auth_loc_conf_t  *alcf;

    r = r->main;

    ctx = ngx_http_get_module_ctx(r, ngx_http_krj_auth_module);
    *ctxp = ctx;

    if (ctx && ctx->identified) {
        return NGX_OK;
    }

    alcf = ngx_http_get_module_loc_conf(r, ngx_http_krj_auth_module);

    if (!ngx_http_krj_auth_applies(r, alcf)) {
        return NGX_OK;
    }

    ctx = ngx_http_krj_auth_ctx(r);
    if (ctx == NULL) {
        return NGX_ERROR;
    }

    *ctxp = ctx;

    /*
     * the variables grant nothing, but a locked out guesser must not get
     * a verification through them either: the access handler answers 429
     */

    if (alcf->auth != NGX_HTTP_KRJ_AUTH_OFF
        && ngx_http_krj_auth_locked_out(r, alcf))
    {
        return ngx_http_krj_auth_address(r, ctx);
    }

    return ngx_http_krj_auth_identify(r, alcf, ctx);
}


static ngx_int_t
ngx_http_krj_principal_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_http_krj_auth_ctx_t  *ctx;

    if (ngx_http_krj_auth_variable_ctx(r, &ctx) != NGX_OK) {
        return NGX_ERROR;
    }

    if (ctx == NULL || ctx->principal.len == 0) {
        v->not_found = 1;
        return NGX_OK;
    }

    v->len = ctx->principal.len;
    v->valid = 1;
    v->no_cacheable = 0;
    v->not_found = 0;
    v->data = ctx->principal.data;

    return NGX_OK;
}


static ngx_int_t
ngx_http_krj_method_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_http_krj_auth_ctx_t  *ctx;

    if (ngx_http_krj_auth_variable_ctx(r, &ctx) != NGX_OK) {
        return NGX_ERROR;
    }

    if (ctx == NULL || ctx->principal.len == 0) {
        v->not_found = 1;
        return NGX_OK;
    }

    v->len = ngx_http_krj_methods[ctx->method].len;
    v->valid = 1;
    v->no_cacheable = 0;
    v->not_found = 0;
    v->data = ngx_http_krj_methods[ctx->method].data;

    return NGX_OK;
}


static void *
ngx_http_krj_auth_create_main_conf(ngx_conf_t *cf)
{
    ngx_http_krj_auth_main_conf_t  *amcf;

    amcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_krj_auth_main_conf_t));
    if (amcf == NULL) {
        return NULL;
    }

    if (ngx_array_init(&amcf->files, cf->pool, 2,
                       sizeof(ngx_http_krj_file_t *))
        != NGX_OK)
    {
        return NULL;
    }

    /*
     * The key of the Basic cache: made here, in the master, so that every
     * worker of this configuration shares it; a new one on each start and
     * reload, so cached verdicts never outlive the configuration.
     */

    if (RAND_bytes(amcf->secret, NGX_HTTP_KRJ_SECRET_LEN) != 1) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "RAND_bytes() failed for the krj_auth secret");
        return NULL;
    }

    return amcf;
}


static void *
ngx_http_krj_auth_create_loc_conf(ngx_conf_t *cf)
{
    ngx_http_krj_auth_loc_conf_t  *alcf;

    alcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_krj_auth_loc_conf_t));
    if (alcf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     alcf->realm = { 0, NULL };
     *     alcf->basic = { 0, NULL };
     *     alcf->bearer = { 0, NULL };
     *     alcf->explicit = 0;
     */

    alcf->auth = NGX_CONF_UNSET_UINT;
    alcf->keys = NGX_CONF_UNSET_PTR;
    alcf->users = NGX_CONF_UNSET_PTR;
    alcf->cache_time = NGX_CONF_UNSET_MSEC;
    alcf->limit.rate = NGX_CONF_UNSET_UINT;
    alcf->fail.rate = NGX_CONF_UNSET_UINT;

    return alcf;
}


static char *
ngx_http_krj_auth_merge_loc_conf(ngx_conf_t *cf, void *parent, void *child)
{
    ngx_http_krj_auth_loc_conf_t *prev = parent;
    ngx_http_krj_auth_loc_conf_t *conf = child;

    conf->explicit = (conf->auth != NGX_CONF_UNSET_UINT);

    ngx_conf_merge_uint_value(conf->auth, prev->auth, NGX_HTTP_KRJ_AUTH_OFF);
    ngx_conf_merge_str_value(conf->realm, prev->realm, "krj");
    ngx_conf_merge_ptr_value(conf->keys, prev->keys, NULL);
    ngx_conf_merge_ptr_value(conf->users, prev->users, NULL);
    ngx_conf_merge_msec_value(conf->cache_time, prev->cache_time, 60000);

    if (conf->limit.rate == NGX_CONF_UNSET_UINT) {
        if (prev->limit.rate == NGX_CONF_UNSET_UINT) {
            ngx_memzero(&prev->limit, sizeof(ngx_http_krj_limit_t));
        }

        conf->limit = prev->limit;
    }

    if (conf->fail.rate == NGX_CONF_UNSET_UINT) {
        if (prev->fail.rate == NGX_CONF_UNSET_UINT) {
            /* 5r/m burst=5 */
            prev->fail.rate = 5 * 1000 / 60;
            prev->fail.burst = 5 * 1000;
            prev->fail.nodelay = 1;
            prev->fail.quota = 5;
            prev->fail.window = 60;
        }

        conf->fail = prev->fail;
    }

    if (conf->basic.data == NULL) {
        if (ngx_http_krj_auth_challenge(cf, "Basic", &conf->realm,
                                        &conf->basic)
            != NGX_CONF_OK
            || ngx_http_krj_auth_challenge(cf, "Bearer", &conf->realm,
                                           &conf->bearer)
               != NGX_CONF_OK)
        {
            return NGX_CONF_ERROR;
        }
    }

    return NGX_CONF_OK;
}


/* Basic realm="...", with quotes and backslashes escaped */

static char *
ngx_http_krj_auth_challenge(ngx_conf_t *cf, const char *scheme,
    ngx_str_t *realm, ngx_str_t *value)
{
    size_t   len;
    u_char  *p;
    size_t   i;

    len = ngx_strlen(scheme) + sizeof(" realm=\"\"") - 1 + 2 * realm->len;

    p = ngx_pnalloc(cf->pool, len);
    if (p == NULL) {
        return NGX_CONF_ERROR;
    }

    value->data = p;
    p = ngx_sprintf(p, "%s realm=\"", scheme);

    for (i = 0; i < realm->len; i++) {
        if (realm->data[i] == '"' || realm->data[i] == '\\') {
            *p++ = '\\';
        }

        *p++ = realm->data[i];
    }

    *p++ = '"';

    value->len = p - value->data;

    return NGX_CONF_OK;
}


static char *
ngx_http_krj_auth_file(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    char  *p = conf;

    ngx_str_t                       *value, path;
    ngx_uint_t                       i;
    ngx_file_info_t                  fi;
    ngx_http_krj_file_t            **fp, *file, **files;
    ngx_http_krj_auth_main_conf_t   *amcf;

    fp = (ngx_http_krj_file_t **) (p + cmd->offset);

    if (*fp != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    value = cf->args->elts;
    path = value[1];

    if (path.len == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "empty path in \"%V\" directive", &cmd->name);
        return NGX_CONF_ERROR;
    }

    if (ngx_conf_full_name(cf->cycle, &path, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    /* a file that is not there now would be a surprise at the first request */

    if (ngx_file_info(path.data, &fi) == NGX_FILE_ERROR) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           ngx_file_info_n " \"%V\" failed", &path);
        return NGX_CONF_ERROR;
    }

    amcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_krj_auth_module);

    /* one copy per path and type, shared by the locations */

    files = amcf->files.elts;

    for (i = 0; i < amcf->files.nelts; i++) {
        if (files[i]->type == (ngx_uint_t) cmd->post
            && files[i]->path.len == path.len
            && ngx_strncmp(files[i]->path.data, path.data, path.len) == 0)
        {
            *fp = files[i];
            return NGX_CONF_OK;
        }
    }

    file = ngx_pcalloc(cf->pool, sizeof(ngx_http_krj_file_t));
    if (file == NULL) {
        return NGX_CONF_ERROR;
    }

    file->path = path;
    file->type = (ngx_uint_t) cmd->post;

    fp = ngx_array_push(&amcf->files);
    if (fp == NULL) {
        return NGX_CONF_ERROR;
    }

    *fp = file;

    *(ngx_http_krj_file_t **) (p + cmd->offset) = file;

    return NGX_CONF_OK;
}


/* krj_limit rate=100r/m [burst=20] [nodelay] */

static char *
ngx_http_krj_auth_limit_slot(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    char  *p = conf;

    char                  *rv;
    ngx_int_t              burst;
    ngx_str_t             *value, s;
    ngx_uint_t             i;
    ngx_http_krj_limit_t  *limit;

    limit = (ngx_http_krj_limit_t *) (p + cmd->offset);

    if (limit->rate != NGX_CONF_UNSET_UINT) {
        return "is duplicate";
    }

    value = cf->args->elts;

    limit->rate = 0;
    limit->burst = 0;
    limit->nodelay = 0;

    if (ngx_strcmp(value[1].data, "off") == 0 && cf->args->nelts == 2) {
        ngx_memzero(limit, sizeof(ngx_http_krj_limit_t));
        return NGX_CONF_OK;
    }

    for (i = 1; i < cf->args->nelts; i++) {

        if (ngx_strncmp(value[i].data, "rate=", 5) == 0) {
            s.data = value[i].data + 5;
            s.len = value[i].len - 5;

            rv = ngx_http_krj_limit_parse_rate(&s, limit);
            if (rv != NGX_CONF_OK) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "\"%V\" %s", &cmd->name, rv);
                return NGX_CONF_ERROR;
            }

            continue;
        }

        if (ngx_strncmp(value[i].data, "burst=", 6) == 0) {
            burst = ngx_atoi(value[i].data + 6, value[i].len - 6);

            if (burst < 0 || burst > 1000000) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "invalid burst value \"%V\"", &value[i]);
                return NGX_CONF_ERROR;
            }

            limit->burst = burst * 1000;
            continue;
        }

        if (ngx_strcmp(value[i].data, "nodelay") == 0
            && cmd->offset == offsetof(ngx_http_krj_auth_loc_conf_t, limit))
        {
            limit->nodelay = 1;
            continue;
        }

        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid parameter \"%V\"", &value[i]);
        return NGX_CONF_ERROR;
    }

    if (limit->rate == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\" must have \"rate\" parameter",
                           &cmd->name);
        return NGX_CONF_ERROR;
    }

    /* failures are never delayed, only refused */

    if (cmd->offset == offsetof(ngx_http_krj_auth_loc_conf_t, fail)) {
        limit->nodelay = 1;
    }

    return NGX_CONF_OK;
}


static ngx_int_t
ngx_http_krj_auth_init(ngx_conf_t *cf)
{
    ngx_http_handler_pt        *h;
    ngx_http_core_main_conf_t  *cmcf;

    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);

    h = ngx_array_push(&cmcf->phases[NGX_HTTP_ACCESS_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_http_krj_auth_handler;

    return NGX_OK;
}


static ngx_int_t
ngx_http_krj_auth_init_process(ngx_cycle_t *cycle)
{
    ngx_uint_t                      i;
    ngx_event_t                    *ev;
    ngx_http_krj_file_t           **files;
    ngx_http_krj_main_conf_t       *kmcf;
    ngx_http_krj_auth_main_conf_t  *amcf;

    if (ngx_process != NGX_PROCESS_WORKER
        && ngx_process != NGX_PROCESS_SINGLE)
    {
        return NGX_OK;
    }

    amcf = ngx_http_cycle_get_module_main_conf(cycle,
                                               ngx_http_krj_auth_module);

    if (amcf == NULL || amcf->files.nelts == 0) {
        return NGX_OK;
    }

    files = amcf->files.elts;

    for (i = 0; i < amcf->files.nelts; i++) {
        ngx_http_krj_file_check(files[i], cycle->log);
    }

    kmcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_http_krj_module);

    ev = &amcf->reload_event;

    ev->handler = ngx_http_krj_auth_reload_handler;
    ev->data = amcf;
    ev->log = cycle->log;
    ev->cancelable = 1;

    amcf->interval = kmcf->reload_interval;

    ngx_add_timer(ev, amcf->interval);

    return NGX_OK;
}


static void
ngx_http_krj_auth_reload_handler(ngx_event_t *ev)
{
    ngx_uint_t                      i;
    ngx_http_krj_file_t           **files;
    ngx_http_krj_auth_main_conf_t  *amcf;

    if (ngx_exiting || ngx_quit || ngx_terminate) {
        return;
    }

    amcf = ev->data;

    files = amcf->files.elts;

    for (i = 0; i < amcf->files.nelts; i++) {
        ngx_http_krj_file_check(files[i], ev->log);
    }

    ngx_add_timer(ev, amcf->interval);
}


/*
 * GET /categories and GET /summary for a principal that sees only some
 * categories: the same document, assembled from the pre-rendered items
 * of the categories it may read.
 */

ngx_int_t
ngx_http_krj_auth_send_list(ngx_http_request_t *r,
    ngx_http_krj_snapshot_t *snapshot, ngx_uint_t summary)
{
    size_t                      len;
    u_char                     *p;
    uint32_t                    i;
    ngx_uint_t                  n;
    krj_snap_ref_t              item, iso;
    const krj_snap_t           *snap;
    ngx_http_krj_body_t         b;
    const krj_snap_category_t  *cat;

    snap = &snapshot->snap;
    iso = snap->hdr->generated_at_iso;

    len = sizeof("{\"generated_at\":\"\",\"categories\":[]}") - 1 + iso.len;

    for (i = 0; i < snap->hdr->ncategories; i++) {
        cat = &snap->categories[i];
        item = summary ? cat->summary_item : cat->categories_item;
        len += item.len + 1;
    }

    p = ngx_pnalloc(r->pool, len);
    if (p == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_memzero(&b, sizeof(ngx_http_krj_body_t));

    b.type = NGX_HTTP_KRJ_JSON;
    b.in_pool = 1;
    b.data = p;

    p = ngx_cpymem(p, "{\"generated_at\":\"",
                   sizeof("{\"generated_at\":\"") - 1);
    p = ngx_cpymem(p, krj_snap_ptr(snap, iso), iso.len);
    p = ngx_cpymem(p, "\",\"categories\":[",
                   sizeof("\",\"categories\":[") - 1);

    n = 0;

    for (i = 0; i < snap->hdr->ncategories; i++) {
        cat = &snap->categories[i];

        if (!ngx_http_krj_auth_allows(r,
                                      (u_char *) krj_snap_ptr(snap, cat->slug),
                                      cat->slug.len))
        {
            continue;
        }

        if (n++) {
            *p++ = ',';
        }

        item = summary ? cat->summary_item : cat->categories_item;
        p = ngx_cpymem(p, krj_snap_ptr(snap, item), item.len);
    }

    p = ngx_cpymem(p, "]}", 2);

    b.len = p - b.data;

    if (r->method == NGX_HTTP_HEAD) {
        b.data = NULL;
    }

    return ngx_http_krj_send_data(r, snapshot, &b);
}


/* GET /tickers/{t} with only the rows of visible categories; 404 if none */

ngx_int_t
ngx_http_krj_auth_send_ticker(ngx_http_request_t *r,
    ngx_http_krj_snapshot_t *snapshot, const krj_snap_ticker_t *ticker)
{
    size_t                      len;
    u_char                     *p;
    uint32_t                    i;
    ngx_uint_t                  n;
    const krj_snap_t           *snap;
    ngx_http_krj_body_t         b;
    krj_snap_ref_t              name, iso, row;
    const krj_snap_rowref_t    *ref;
    const krj_snap_category_t  *cat;

    snap = &snapshot->snap;
    name = ticker->ticker;
    iso = snap->hdr->generated_at_iso;

    len = sizeof("{\"ticker\":\"\",\"generated_at\":\"\",\"count\":,"
                 "\"results\":[]}") - 1
          + krj_json_escape(NULL, krj_snap_ptr(snap, name), name.len)
          + iso.len + NGX_INT_T_LEN;

    n = 0;

    for (i = 0; i < ticker->count; i++) {
        ref = &snap->ticker_rows[ticker->first + i];
        cat = &snap->categories[ref->category];

        if (!ngx_http_krj_auth_allows(r,
                                      (u_char *) krj_snap_ptr(snap, cat->slug),
                                      cat->slug.len))
        {
            continue;
        }

        n++;
        row = krj_snap_rows(snap, cat)[ref->row].json;

        len += sizeof(",{\"category\":\"\",\"label\":\"\","
                      "\"signal_date\":\"\",\"row\":}") - 1
               + krj_json_escape(NULL, krj_snap_ptr(snap, cat->slug),
                                 cat->slug.len)
               + krj_json_escape(NULL, krj_snap_ptr(snap, cat->label),
                                 cat->label.len)
               + krj_json_escape(NULL, krj_snap_ptr(snap, cat->signal_date),
                                 cat->signal_date.len)
               + row.len;
    }

    if (n == 0) {
        return ngx_http_krj_send_error(r, NGX_HTTP_NOT_FOUND,
                                       "unknown_ticker",
                                       "no ticker \"%*s\"", (size_t) name.len,
                                       krj_snap_ptr(snap, name));
    }

    p = ngx_pnalloc(r->pool, len);
    if (p == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_memzero(&b, sizeof(ngx_http_krj_body_t));

    b.type = NGX_HTTP_KRJ_JSON;
    b.in_pool = 1;
    b.data = p;

    p = ngx_cpymem(p, "{\"ticker\":\"", sizeof("{\"ticker\":\"") - 1);
    p += krj_json_escape((char *) p, krj_snap_ptr(snap, name), name.len);
    p = ngx_cpymem(p, "\",\"generated_at\":\"",
                   sizeof("\",\"generated_at\":\"") - 1);
    p = ngx_cpymem(p, krj_snap_ptr(snap, iso), iso.len);
    p = ngx_sprintf(p, "\",\"count\":%ui,\"results\":[", n);

    n = 0;

    for (i = 0; i < ticker->count; i++) {
        ref = &snap->ticker_rows[ticker->first + i];
        cat = &snap->categories[ref->category];

        if (!ngx_http_krj_auth_allows(r,
                                      (u_char *) krj_snap_ptr(snap, cat->slug),
                                      cat->slug.len))
        {
            continue;
        }

        row = krj_snap_rows(snap, cat)[ref->row].json;

        if (n++) {
            *p++ = ',';
        }

        p = ngx_cpymem(p, "{\"category\":\"",
                       sizeof("{\"category\":\"") - 1);
        p += krj_json_escape((char *) p, krj_snap_ptr(snap, cat->slug),
                             cat->slug.len);
        p = ngx_cpymem(p, "\",\"label\":\"", sizeof("\",\"label\":\"") - 1);
        p += krj_json_escape((char *) p, krj_snap_ptr(snap, cat->label),
                             cat->label.len);
        p = ngx_cpymem(p, "\",\"signal_date\":\"",
                       sizeof("\",\"signal_date\":\"") - 1);
        p += krj_json_escape((char *) p, krj_snap_ptr(snap, cat->signal_date),
                             cat->signal_date.len);
        p = ngx_cpymem(p, "\",\"row\":", sizeof("\",\"row\":") - 1);
        p = ngx_cpymem(p, krj_snap_ptr(snap, row), row.len);
        *p++ = '}';
    }

    p = ngx_cpymem(p, "]}", 2);

    b.len = p - b.data;

    if (r->method == NGX_HTTP_HEAD) {
        b.data = NULL;
    }

    return ngx_http_krj_send_data(r, snapshot, &b);
}
