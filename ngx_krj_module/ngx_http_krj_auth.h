
/*
 * Copyright (C) The krj developers
 */


#ifndef _NGX_HTTP_KRJ_AUTH_H_INCLUDED_
#define _NGX_HTTP_KRJ_AUTH_H_INCLUDED_


/*
 * ngx_http_krj_auth_module, in the same .so as ngx_http_krj_module: the
 * krj_auth, session and limit directives, the access handler and the
 * variables $krj_principal and $krj_auth_method (ngx_http_krj_identity.c).
 * It uses the core files; they do not know it.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_krj_credentials.h"
#include "ngx_http_krj_limit.h"
#include "ngx_http_krj_principals.h"


/* krj_auth: bits of the methods a location accepts */
#define NGX_HTTP_KRJ_AUTH_OFF      0
#define NGX_HTTP_KRJ_AUTH_KEY      1
#define NGX_HTTP_KRJ_AUTH_BASIC    2
#define NGX_HTTP_KRJ_AUTH_SESSION  4
#define NGX_HTTP_KRJ_AUTH_ANY      7

typedef struct {
    ngx_array_t                  files;     /* ngx_http_krj_principals_t * */
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
    ngx_http_krj_principals_t   *keys;
    ngx_http_krj_principals_t   *users;
    ngx_msec_t                   cache_time;
    ngx_http_krj_limit_t         limit;     /* rate 0: no krj_limit */
    ngx_http_krj_limit_t         fail;
    ngx_array_t                 *session_keys;  /* krj_session_key_t */
    time_t                       session_time;
} ngx_http_krj_auth_loc_conf_t;


extern ngx_module_t  ngx_http_krj_auth_module;


#endif /* _NGX_HTTP_KRJ_AUTH_H_INCLUDED_ */
