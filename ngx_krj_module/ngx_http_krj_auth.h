
/*
 * Copyright (C) The krj developers
 */


#ifndef _NGX_HTTP_KRJ_AUTH_H_INCLUDED_
#define _NGX_HTTP_KRJ_AUTH_H_INCLUDED_


/*
 * ngx_http_krj_auth_module, in the same .so as ngx_http_krj_module: the
 * krj_auth and limit directives, the access handler and the variables
 * $krj_principal and $krj_auth_method.  It uses the core files; they do
 * not know it.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>


extern ngx_module_t  ngx_http_krj_auth_module;


#endif /* _NGX_HTTP_KRJ_AUTH_H_INCLUDED_ */
