
/*
 * Copyright (C) The krj developers
 */


#ifndef _NGX_HTTP_KRJ_LOGIN_H_INCLUDED_
#define _NGX_HTTP_KRJ_LOGIN_H_INCLUDED_


/*
 * The dashboard's sign-in and sign-out: POST {prefix}/login with the form
 * (user, password, next), POST {prefix}/logout; ngx_http_krj_session.h
 * does the verifying and the cookies.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>


/* reads the body; NGX_DONE, or a status before it is read */
ngx_int_t ngx_http_krj_login_handler(ngx_http_request_t *r);

ngx_int_t ngx_http_krj_logout_handler(ngx_http_request_t *r);


#endif /* _NGX_HTTP_KRJ_LOGIN_H_INCLUDED_ */
