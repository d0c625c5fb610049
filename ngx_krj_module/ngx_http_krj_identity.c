
/*
 * Copyright (C) The krj developers
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_krj_module.h"
#include "ngx_http_krj_auth.h"
#include "ngx_http_krj_credentials.h"
#include "ngx_http_krj_identity.h"
#include "ngx_http_krj_limit.h"
#include "ngx_http_krj_metrics.h"
#include "ngx_http_krj_session.h"
#include "ngx_http_krj_zone.h"


#define NGX_HTTP_KRJ_VAR_PRINCIPAL  0
#define NGX_HTTP_KRJ_VAR_METHOD     1


static ngx_int_t ngx_http_krj_identity_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);


static ngx_http_variable_t  ngx_http_krj_identity_vars[] = {

    { ngx_string("krj_principal"), NULL, ngx_http_krj_identity_variable,
      NGX_HTTP_KRJ_VAR_PRINCIPAL, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("krj_auth_method"), NULL, ngx_http_krj_identity_variable,
      NGX_HTTP_KRJ_VAR_METHOD, NGX_HTTP_VAR_NOCACHEABLE, 0 },

      ngx_http_null_variable
};


static ngx_str_t  ngx_http_krj_methods[] = {
    ngx_string("none"),
    ngx_string("key"),
    ngx_string("basic"),
    ngx_string("session")
};


ngx_uint_t
ngx_http_krj_identity_applies(ngx_http_request_t *r,
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


void
ngx_http_krj_identity_read(ngx_http_request_t *r,
    ngx_http_krj_auth_loc_conf_t *alcf, ngx_http_krj_credentials_t *cred)
{
    ngx_http_krj_credentials_read(r, cred);

    if (cred->kind == NGX_HTTP_KRJ_CRED_NONE
        && (alcf->auth & NGX_HTTP_KRJ_AUTH_SESSION))
    {
        cred->cookies = ngx_http_krj_session_cookie(r, &cred->key);

        if (cred->cookies) {
            cred->kind = NGX_HTTP_KRJ_CRED_SESSION;
        }
    }
}


ngx_http_krj_auth_ctx_t *
ngx_http_krj_identity_ctx(ngx_http_request_t *r)
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
 * keeps the outcome in ctx: NGX_HTTP_KRJ_IDENT_OK with the identity, whose
 * scopes the core then applies; NGX_HTTP_KRJ_IDENT_NONE (no credentials,
 * or krj_auth off), NGX_HTTP_KRJ_IDENT_FAILED (the reason is logged) or
 * NGX_HTTP_KRJ_IDENT_STALE (a session cookie refused for a reason that is
 * no guess), all with the client address as the principal.  A later call
 * returns what the first found.  Sends nothing, counts nothing: the
 * decision is the access handler's.  NGX_OK, or NGX_ERROR when out of
 * memory.
 */

ngx_int_t
ngx_http_krj_identify(ngx_http_request_t *r,
    ngx_http_krj_auth_loc_conf_t *alcf, ngx_http_krj_auth_ctx_t *ctx)
{
    ngx_int_t                       rc;
    ngx_uint_t                      reason;
    ngx_http_krj_ctx_t             *kctx;
    ngx_http_krj_basic_t            basic;
    ngx_http_krj_credentials_t      cred;
    ngx_http_krj_auth_main_conf_t  *amcf;

    if (ctx->identified) {
        return NGX_OK;
    }

    ngx_http_krj_identity_read(r, alcf, &cred);

    if (alcf->auth == NGX_HTTP_KRJ_AUTH_OFF
        || cred.kind == NGX_HTTP_KRJ_CRED_NONE)
    {
        rc = NGX_DECLINED;
        ctx->outcome = NGX_HTTP_KRJ_IDENT_NONE;
        goto address;
    }

    if (cred.kind == NGX_HTTP_KRJ_CRED_AMBIGUOUS) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "krj: two credentials that may disagree, "
                      "none was tried");
        rc = NGX_DECLINED;
        ctx->outcome = NGX_HTTP_KRJ_IDENT_AMBIGUOUS;
        goto address;
    }

    if (cred.kind == NGX_HTTP_KRJ_CRED_KEY && cred.key.len
        && (alcf->auth & NGX_HTTP_KRJ_AUTH_KEY))
    {
        ctx->tried = NGX_HTTP_KRJ_METHOD_KEY;
        rc = ngx_http_krj_credentials_key(r, alcf->keys, &cred.key,
                                          &ctx->id);

    } else if (cred.kind == NGX_HTTP_KRJ_CRED_SESSION) {
        ctx->tried = NGX_HTTP_KRJ_METHOD_SESSION;
        reason = KRJ_SESSION_OK;
        rc = ngx_http_krj_session_verify(r, alcf, &cred.key, cred.cookies,
                                         &ctx->id, &reason);

        if (rc == NGX_DECLINED) {
            ctx->id.refused = (reason == KRJ_SESSION_EXPIRED)
                              ? NGX_HTTP_KRJ_AUTH_EXPIRED
                              : NGX_HTTP_KRJ_AUTH_BAD;

            if (reason != KRJ_SESSION_BAD_MAC) {
                ctx->outcome = NGX_HTTP_KRJ_IDENT_STALE;
                goto address;
            }
        }

    } else if (cred.kind != NGX_HTTP_KRJ_CRED_OTHER
               && (alcf->auth & NGX_HTTP_KRJ_AUTH_BASIC))
    {
        amcf = ngx_http_get_module_main_conf(r, ngx_http_krj_auth_module);

        basic.users = alcf->users;
        basic.cache_time = alcf->cache_time;
        basic.secret = amcf->secret;
        basic.limit = alcf->limit.rate ? &alcf->limit : NULL;

        ctx->tried = NGX_HTTP_KRJ_METHOD_BASIC;
        rc = ngx_http_krj_credentials_basic(r, &basic, &ctx->id);

        if (rc == NGX_BUSY) {
            /* unverified: the request is not the user's in the logs */
            ctx->outcome = NGX_HTTP_KRJ_IDENT_LIMITED;
            ctx->claimed = ctx->id.principal;
            rc = NGX_DECLINED;
            goto address;
        }

    } else {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "krj: credentials of a scheme that is not accepted "
                      "here");
        rc = NGX_DECLINED;
    }

    if (rc == NGX_ERROR) {
        return NGX_ERROR;
    }

    ctx->outcome = (rc == NGX_OK) ? NGX_HTTP_KRJ_IDENT_OK
                                  : NGX_HTTP_KRJ_IDENT_FAILED;

    if (rc != NGX_OK && ctx->id.refused == NGX_HTTP_KRJ_AUTH_OK) {
        ctx->id.refused = NGX_HTTP_KRJ_AUTH_BAD;
    }

address:

    if (rc == NGX_OK && !ctx->id.scopes.all) {
        kctx = ngx_http_krj_ctx(r);
        if (kctx == NULL) {
            return NGX_ERROR;
        }

        kctx->scopes = &ctx->id.scopes;
        kctx->method = ctx->id.method;
    }

    if (rc != NGX_OK
        && ngx_http_krj_credentials_address(r, &ctx->id) != NGX_OK)
    {
        return NGX_ERROR;
    }

    ctx->identified = 1;

    return NGX_OK;
}


ngx_int_t
ngx_http_krj_identity_add_variables(ngx_conf_t *cf)
{
    return ngx_http_krj_add_vars(cf, ngx_http_krj_identity_vars);
}


/*
 * The variables identify the main request when krj_auth or krj_limit
 * applies to its location, so that they are right in every phase from
 * preaccess on (limit_req_zone $krj_principal); elsewhere they have a
 * value only when the access handler has set one.  They grant nothing,
 * but a locked out guesser must not get a verification through them
 * either: the access handler answers it with a 429.
 */

static ngx_int_t
ngx_http_krj_identity_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_str_t                     *value;
    ngx_http_request_t            *mr;
    ngx_http_krj_auth_ctx_t       *ctx;
    ngx_http_krj_credentials_t     cred;
    ngx_http_krj_auth_loc_conf_t  *alcf;

    mr = r->main;

    ctx = ngx_http_get_module_ctx(mr, ngx_http_krj_auth_module);
    alcf = ngx_http_get_module_loc_conf(mr, ngx_http_krj_auth_module);

    if ((ctx == NULL || !ctx->identified)
        && ngx_http_krj_identity_applies(mr, alcf))
    {
        ctx = ngx_http_krj_identity_ctx(mr);
        if (ctx == NULL) {
            return NGX_ERROR;
        }

        ngx_http_krj_identity_read(mr, alcf, &cred);

        if (alcf->auth != NGX_HTTP_KRJ_AUTH_OFF
            && cred.kind != NGX_HTTP_KRJ_CRED_NONE
            && ngx_http_krj_limit_over(mr, NGX_HTTP_KRJ_NODE_FAIL,
                                       &mr->connection->addr_text,
                                       &alcf->fail))
        {
            if (ngx_http_krj_credentials_address(mr, &ctx->id) != NGX_OK) {
                return NGX_ERROR;
            }

        } else if (ngx_http_krj_identify(mr, alcf, ctx) != NGX_OK) {
            return NGX_ERROR;
        }
    }

    if (ctx == NULL || ctx->id.principal.len == 0) {
        v->not_found = 1;
        return NGX_OK;
    }

    value = (data == NGX_HTTP_KRJ_VAR_PRINCIPAL)
            ? &ctx->id.principal : &ngx_http_krj_methods[ctx->id.method];

    v->len = value->len;
    v->valid = 1;
    v->no_cacheable = 0;
    v->not_found = 0;
    v->data = value->data;

    return NGX_OK;
}
