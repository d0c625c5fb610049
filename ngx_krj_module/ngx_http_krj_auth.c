
/*
 * Copyright (C) The krj developers
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <openssl/rand.h>

#include "ngx_http_krj_module.h"
#include "ngx_http_krj_auth.h"
#include "ngx_http_krj_credentials.h"
#include "ngx_http_krj_identity.h"
#include "ngx_http_krj_limit.h"
#include "ngx_http_krj_metrics.h"
#include "ngx_http_krj_principals.h"
#include "ngx_http_krj_response.h"
#include "ngx_http_krj_session.h"
#include "ngx_http_krj_watch.h"
#include "ngx_http_krj_zone.h"


static ngx_int_t ngx_http_krj_auth_handler(ngx_http_request_t *r);
static ngx_int_t ngx_http_krj_auth_session(ngx_http_request_t *r,
    ngx_http_krj_auth_loc_conf_t *alcf, ngx_http_krj_auth_ctx_t *ctx);
static ngx_int_t ngx_http_krj_auth_deny(ngx_http_request_t *r,
    ngx_http_krj_auth_loc_conf_t *alcf, ngx_uint_t login);
static ngx_uint_t ngx_http_krj_auth_method(ngx_uint_t kind);
static char *ngx_http_krj_auth_methods(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static void *ngx_http_krj_auth_create_main_conf(ngx_conf_t *cf);
static void *ngx_http_krj_auth_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_krj_auth_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child);
static char *ngx_http_krj_auth_challenge(ngx_conf_t *cf, const char *scheme,
    ngx_str_t *realm, ngx_str_t *value);
static char *ngx_http_krj_auth_file(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static ngx_int_t ngx_http_krj_auth_init(ngx_conf_t *cf);
static ngx_int_t ngx_http_krj_auth_init_process(ngx_cycle_t *cycle);
static void ngx_http_krj_auth_file_changed(void *data, ngx_log_t *log);
static void ngx_http_krj_auth_reload_handler(ngx_event_t *ev);


static ngx_conf_enum_t  ngx_http_krj_auth_types[] = {
    { ngx_string("off"), NGX_HTTP_KRJ_AUTH_OFF },
    { ngx_string("key"), NGX_HTTP_KRJ_AUTH_KEY },
    { ngx_string("basic"), NGX_HTTP_KRJ_AUTH_BASIC },
    { ngx_string("session"), NGX_HTTP_KRJ_AUTH_SESSION },
    { ngx_string("any"), NGX_HTTP_KRJ_AUTH_ANY },
    { ngx_null_string, 0 }
};


static ngx_command_t  ngx_http_krj_auth_commands[] = {

    { ngx_string("krj_auth"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE123,
      ngx_http_krj_auth_methods,
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
      (void *) NGX_HTTP_KRJ_KEYS },

    { ngx_string("krj_user_file"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_krj_auth_file,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_krj_auth_loc_conf_t, users),
      (void *) NGX_HTTP_KRJ_USERS },

    { ngx_string("krj_session_key_file"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_krj_session_key_file,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_krj_auth_loc_conf_t, session_keys),
      NULL },

    { ngx_string("krj_session_time"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_sec_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_krj_auth_loc_conf_t, session_time),
      &ngx_http_krj_session_time_post },

    { ngx_string("krj_auth_cache_time"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_krj_auth_loc_conf_t, cache_time),
      NULL },

    { ngx_string("krj_limit"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE123,
      ngx_http_krj_limit_directive,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_krj_auth_loc_conf_t, limit),
      NULL },

    { ngx_string("krj_auth_fail_limit"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE12,
      ngx_http_krj_limit_directive,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_krj_auth_loc_conf_t, fail),
      (void *) NGX_HTTP_KRJ_LIMIT_FAILURES },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_krj_auth_module_ctx = {
    ngx_http_krj_identity_add_variables,   /* preconfiguration */
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


/*
 * The access phase, as auth_basic's: NGX_DECLINED where krj_auth and
 * krj_limit do not apply, NGX_OK to let the request on, or the status of
 * a refusal (401, 429, 503) for the phase engine to finalize, so that
 * satisfy any and error_page work; the response filter gives nginx's page
 * for it the JSON body.  NGX_AGAIN while a request within the burst
 * waits out its delay.
 */

static ngx_int_t
ngx_http_krj_auth_handler(ngx_http_request_t *r)
{
    ngx_int_t                      rc;
    ngx_http_krj_limit_t          *limit, own;
    ngx_http_krj_auth_ctx_t       *ctx;
    ngx_http_krj_credentials_t     cred;
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

    if (!ngx_http_krj_identity_applies(r, alcf)) {
        return NGX_DECLINED;
    }

    /* the login page of a dashboard and its assets need no credentials */

    if (ngx_http_krj_session_exempt(r)) {
        return NGX_DECLINED;
    }

    ctx = ngx_http_krj_identity_ctx(r);
    if (ctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    /* an address that failed too often is not even verified */

    if (alcf->auth != NGX_HTTP_KRJ_AUTH_OFF) {
        ngx_http_krj_identity_read(r, alcf, &cred);

        if (cred.kind != NGX_HTTP_KRJ_CRED_NONE) {
            rc = ngx_http_krj_limit(r, NGX_HTTP_KRJ_NODE_FAIL,
                                    &r->connection->addr_text, &alcf->fail,
                                    0);
            if (rc != NGX_OK) {
                if (rc == NGX_HTTP_TOO_MANY_REQUESTS) {
                    ngx_http_krj_metrics_auth(r,
                                      ngx_http_krj_auth_method(cred.kind),
                                      NGX_HTTP_KRJ_AUTH_LOCKED);
                }

                return rc;
            }
        }
    }

    if (ngx_http_krj_identify(r, alcf, ctx) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ctx->outcome == NGX_HTTP_KRJ_IDENT_AMBIGUOUS) {
        return ngx_http_krj_refuse(r, NGX_HTTP_BAD_REQUEST,
                                   "ambiguous_credentials",
                                   "one credential at a time: two X-API-Key "
                                   "headers, or an X-API-Key beside an "
                                   "Authorization header that is not the "
                                   "same key");
    }

    if (ctx->outcome == NGX_HTTP_KRJ_IDENT_LIMITED) {
        /* refused before the slow hash that would have been wasted */
        return ngx_http_krj_limit_busy(r, NGX_HTTP_KRJ_NODE_PRINCIPAL,
                                       &ctx->claimed, &alcf->limit);
    }

    if (ctx->tried == NGX_HTTP_KRJ_METHOD_SESSION
        && ctx->outcome != NGX_HTTP_KRJ_IDENT_OK)
    {
        return ngx_http_krj_auth_session(r, alcf, ctx);
    }

    if (ctx->outcome == NGX_HTTP_KRJ_IDENT_FAILED) {
        ngx_http_krj_metrics_auth(r, ctx->tried, ctx->id.refused);

        rc = ngx_http_krj_limit(r, NGX_HTTP_KRJ_NODE_FAIL,
                                &r->connection->addr_text, &alcf->fail, 1);
        if (rc != NGX_OK) {
            return rc;
        }

        return ngx_http_krj_auth_deny(r, alcf, 0);
    }

    if (ctx->outcome == NGX_HTTP_KRJ_IDENT_NONE
        && alcf->auth != NGX_HTTP_KRJ_AUTH_OFF)
    {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "krj: no credentials were provided");

        ngx_http_krj_metrics_auth(r, NGX_HTTP_KRJ_METHOD_NONE,
                                  NGX_HTTP_KRJ_AUTH_MISSING);

        return ngx_http_krj_auth_deny(r, alcf, 1);
    }

    if (ctx->outcome == NGX_HTTP_KRJ_IDENT_OK) {
        ngx_http_krj_metrics_auth(r, ctx->id.method, NGX_HTTP_KRJ_AUTH_OK);

        if (ctx->id.method == NGX_HTTP_KRJ_METHOD_SESSION) {
            ngx_http_krj_metrics_count(r, NGX_HTTP_KRJ_M_SESSION_OK);
        }
    }

    /* a key's own rate replaces the location's */

    limit = &alcf->limit;

    if (ctx->id.limit.rate && alcf->limit.rate) {
        own = alcf->limit;
        own.rate = ctx->id.limit.rate;
        own.quota = ctx->id.limit.quota;
        own.window = ctx->id.limit.window;
        limit = &own;
    }

    ctx->done = 1;

    return ngx_http_krj_limit(r, NGX_HTTP_KRJ_NODE_PRINCIPAL,
                              &ctx->id.principal, limit, 1);
}


/*
 * A refused session cookie and nothing else.  A stale one (expired, of a
 * key no longer configured, of a user whose password changed) is what a
 * browser keeps: the request is answered as one without credentials, and
 * is no failed login.  A bad MAC is a forgery, a guess: a failure of the
 * address, as a wrong password is.
 */

static ngx_int_t
ngx_http_krj_auth_session(ngx_http_request_t *r,
    ngx_http_krj_auth_loc_conf_t *alcf, ngx_http_krj_auth_ctx_t *ctx)
{
    ngx_int_t  rc;

    ngx_http_krj_metrics_count(r, NGX_HTTP_KRJ_M_SESSION_REFUSED);
    ngx_http_krj_metrics_auth(r, NGX_HTTP_KRJ_METHOD_SESSION,
                              ctx->id.refused);

    if (ctx->outcome == NGX_HTTP_KRJ_IDENT_FAILED) {
        rc = ngx_http_krj_limit(r, NGX_HTTP_KRJ_NODE_FAIL,
                                &r->connection->addr_text, &alcf->fail, 1);
        if (rc != NGX_OK) {
            return rc;
        }
    }

    return ngx_http_krj_auth_deny(r, alcf, 1);
}


/* the method a locked out address tried, for the metrics */

static ngx_uint_t
ngx_http_krj_auth_method(ngx_uint_t kind)
{
    switch (kind) {

    case NGX_HTTP_KRJ_CRED_KEY:
        return NGX_HTTP_KRJ_METHOD_KEY;

    case NGX_HTTP_KRJ_CRED_BASIC:
        return NGX_HTTP_KRJ_METHOD_BASIC;

    case NGX_HTTP_KRJ_CRED_SESSION:
        return NGX_HTTP_KRJ_METHOD_SESSION;

    default:
        return NGX_HTTP_KRJ_METHOD_NONE;
    }
}


/*
 * A 401 with the challenges of the schemes accepted here; with login, on
 * a dashboard location that accepts sessions, the login page instead: a
 * person has no credentials yet, or a stale cookie.
 */

static ngx_int_t
ngx_http_krj_auth_deny(ngx_http_request_t *r,
    ngx_http_krj_auth_loc_conf_t *alcf, ngx_uint_t login)
{
    ngx_http_krj_loc_conf_t  *klcf;

    klcf = ngx_http_get_module_loc_conf(r, ngx_http_krj_module);

    if (login && klcf->dashboard
        && (alcf->auth & NGX_HTTP_KRJ_AUTH_SESSION))
    {
        return ngx_http_krj_session_redirect(r);
    }

    if ((alcf->auth & NGX_HTTP_KRJ_AUTH_BASIC)
        && ngx_http_krj_refusal_header(r, "WWW-Authenticate", &alcf->basic)
           != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if ((alcf->auth & NGX_HTTP_KRJ_AUTH_KEY)
        && ngx_http_krj_refusal_header(r, "WWW-Authenticate", &alcf->bearer)
           != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    /* the same words for an unknown user, a wrong password, a bad key */

    return ngx_http_krj_refuse(r, NGX_HTTP_UNAUTHORIZED, "unauthorized",
                               "valid credentials are required");
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
                       sizeof(ngx_http_krj_principals_t *))
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
    alcf->session_keys = NGX_CONF_UNSET_PTR;
    alcf->session_time = NGX_CONF_UNSET;
    alcf->limit.rate = NGX_CONF_UNSET_UINT;
    alcf->fail.rate = NGX_CONF_UNSET_UINT;

    return alcf;
}


static char *
ngx_http_krj_auth_merge_loc_conf(ngx_conf_t *cf, void *parent, void *child)
{
    ngx_http_krj_auth_loc_conf_t *prev = parent;
    ngx_http_krj_auth_loc_conf_t *conf = child;

    ngx_http_core_loc_conf_t  *clcf;

    conf->explicit = (conf->auth != NGX_CONF_UNSET_UINT);

    ngx_conf_merge_uint_value(conf->auth, prev->auth, NGX_HTTP_KRJ_AUTH_OFF);
    ngx_conf_merge_str_value(conf->realm, prev->realm, "krj");
    ngx_conf_merge_ptr_value(conf->keys, prev->keys, NULL);
    ngx_conf_merge_ptr_value(conf->users, prev->users, NULL);
    ngx_conf_merge_msec_value(conf->cache_time, prev->cache_time, 60000);
    ngx_conf_merge_ptr_value(conf->session_keys, prev->session_keys, NULL);
    ngx_conf_merge_sec_value(conf->session_time, prev->session_time,
                             12 * 60 * 60);

    if ((conf->auth & NGX_HTTP_KRJ_AUTH_SESSION)
        && conf->session_keys == NULL)
    {
        /* the position would be the end of the http block: none */

        clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);

        ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                      "krj_auth %s%s%V%s accepts session cookies, but no "
                      "krj_session_key_file applies there: add one (a file "
                      "of 32 random bytes: openssl rand -out FILE 32), or "
                      "name the methods without session (krj_auth key "
                      "basic)",
                      conf->auth == NGX_HTTP_KRJ_AUTH_ANY ? "any" : "session",
                      clcf->name.len ? " in location \"" : "",
                      &clcf->name, clcf->name.len ? "\"" : " in a server");
        return NGX_CONF_ERROR;
    }

    if (conf->limit.rate == NGX_CONF_UNSET_UINT) {
        if (prev->limit.rate == NGX_CONF_UNSET_UINT) {
            ngx_memzero(&prev->limit, sizeof(ngx_http_krj_limit_t));
        }

        conf->limit = prev->limit;
    }

    if (conf->fail.rate == NGX_CONF_UNSET_UINT) {
        if (prev->fail.rate == NGX_CONF_UNSET_UINT) {
            /* 5r/m burst=5 */
            ngx_http_krj_limit_set_rate(&prev->fail, 5, 'm');
            prev->fail.burst = 5 * 1000;
            prev->fail.nodelay = 1;
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


/* krj_auth off | any | key|basic|session ...: the bits of the methods */

static char *
ngx_http_krj_auth_methods(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    char  *p = conf;

    ngx_str_t        *value;
    ngx_uint_t        i, *auth;
    ngx_conf_enum_t  *e;

    auth = (ngx_uint_t *) (p + cmd->offset);

    if (*auth != NGX_CONF_UNSET_UINT) {
        return "is duplicate";
    }

    value = cf->args->elts;
    *auth = NGX_HTTP_KRJ_AUTH_OFF;

    for (i = 1; i < cf->args->nelts; i++) {

        for (e = cmd->post; e->name.len; e++) {
            if (e->name.len == value[i].len
                && ngx_strncmp(e->name.data, value[i].data, value[i].len)
                   == 0)
            {
                break;
            }
        }

        if (e->name.len == 0) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid value \"%V\", it must be \"off\", "
                               "\"any\", or one or more of \"key\", "
                               "\"basic\" and \"session\"", &value[i]);
            return NGX_CONF_ERROR;
        }

        if ((e->value == NGX_HTTP_KRJ_AUTH_OFF
             || e->value == NGX_HTTP_KRJ_AUTH_ANY)
            && cf->args->nelts > 2)
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"%V\" stands alone", &value[i]);
            return NGX_CONF_ERROR;
        }

        if (*auth & e->value) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"%V\" is named twice", &value[i]);
            return NGX_CONF_ERROR;
        }

        *auth |= e->value;
    }

    return NGX_CONF_OK;
}


/* Basic realm="...", with quotes and backslashes escaped */

static char *
ngx_http_krj_auth_challenge(ngx_conf_t *cf, const char *scheme,
    ngx_str_t *realm, ngx_str_t *value)
{
    size_t   i, len;
    u_char  *p;

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

    ngx_str_t                       *value;
    ngx_http_krj_principals_t      **fp;
    ngx_http_krj_auth_main_conf_t   *amcf;

    fp = (ngx_http_krj_principals_t **) (p + cmd->offset);

    if (*fp != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    value = cf->args->elts;

    amcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_krj_auth_module);

    return ngx_http_krj_principals_add(cf, &amcf->files, &value[1],
                                       (ngx_uint_t) cmd->post, fp);
}


static ngx_int_t
ngx_http_krj_auth_init(ngx_conf_t *cf)
{
    ngx_http_handler_pt            *h;
    ngx_http_core_main_conf_t      *cmcf;
    ngx_http_krj_auth_main_conf_t  *amcf;

    amcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_krj_auth_module);

    if (ngx_http_krj_principals_check_access(cf, &amcf->files) != NGX_OK) {
        return NGX_ERROR;
    }

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
    ngx_http_krj_main_conf_t       *kmcf;
    ngx_http_krj_principals_t     **files;
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
        ngx_http_krj_principals_load(files[i], cycle->log);
        ngx_http_krj_watch_add(cycle, &files[i]->file.path,
                               ngx_http_krj_auth_file_changed, files[i]);
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
ngx_http_krj_auth_file_changed(void *data, ngx_log_t *log)
{
    ngx_http_krj_principals_load(data, log);
}


static void
ngx_http_krj_auth_reload_handler(ngx_event_t *ev)
{
    ngx_uint_t                      i;
    ngx_http_krj_principals_t     **files;
    ngx_http_krj_auth_main_conf_t  *amcf;

    if (ngx_exiting || ngx_quit || ngx_terminate) {
        return;
    }

    amcf = ev->data;

    files = amcf->files.elts;

    for (i = 0; i < amcf->files.nelts; i++) {
        ngx_http_krj_principals_load(files[i], ev->log);
    }

    ngx_add_timer(ev, amcf->interval);
}
