
/*
 * Copyright (C) The krj developers
 */


#ifndef _NGX_HTTP_KRJ_IDENTITY_H_INCLUDED_
#define _NGX_HTTP_KRJ_IDENTITY_H_INCLUDED_


/*
 * Who is asking, decided once per main request for the access handler and
 * the variables $krj_principal and $krj_auth_method alike.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_krj_auth.h"


#define NGX_HTTP_KRJ_IDENT_NONE       0     /* no credentials */
#define NGX_HTTP_KRJ_IDENT_OK         1
#define NGX_HTTP_KRJ_IDENT_FAILED     2
#define NGX_HTTP_KRJ_IDENT_LIMITED    3     /* over its limit, unverified */
#define NGX_HTTP_KRJ_IDENT_AMBIGUOUS  4     /* two credentials, not tried */
#define NGX_HTTP_KRJ_IDENT_STALE      5     /* only a refused session */


/*
 * Of the main request.  The credentials are verified once, by the first
 * of the access handler and the variables to need them: limit_req keys
 * on $krj_principal in the preaccess phase, before the access handler.
 */
typedef struct {
    ngx_uint_t                   outcome;   /* NGX_HTTP_KRJ_IDENT_* */
    ngx_http_krj_identity_t      id;
    ngx_str_t                    claimed;   /* a limited, unverified user */
    ngx_uint_t                   tried;     /* the method verified */
    unsigned                     identified:1;
    unsigned                     done:1;
} ngx_http_krj_auth_ctx_t;


/* whether krj_auth or krj_limit applies to the request's location */
ngx_uint_t ngx_http_krj_identity_applies(ngx_http_request_t *r,
    ngx_http_krj_auth_loc_conf_t *alcf);

/*
 * The credentials of r as the location of alcf sees them: an
 * Authorization or X-API-Key header, or else, where krj_auth accepts
 * session, the session cookie (NGX_HTTP_KRJ_CRED_SESSION).  A header wins:
 * beside one, a cookie is not looked at.
 */
void ngx_http_krj_identity_read(ngx_http_request_t *r,
    ngx_http_krj_auth_loc_conf_t *alcf, ngx_http_krj_credentials_t *cred);

/* the main request's ctx, made on first use; NULL when out of memory */
ngx_http_krj_auth_ctx_t *ngx_http_krj_identity_ctx(ngx_http_request_t *r);

ngx_int_t ngx_http_krj_identify(ngx_http_request_t *r,
    ngx_http_krj_auth_loc_conf_t *alcf, ngx_http_krj_auth_ctx_t *ctx);

/* preconfiguration: $krj_principal and $krj_auth_method */
ngx_int_t ngx_http_krj_identity_add_variables(ngx_conf_t *cf);


#endif /* _NGX_HTTP_KRJ_IDENTITY_H_INCLUDED_ */
