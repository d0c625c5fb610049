
/*
 * Copyright (C) The krj developers
 */


#ifndef _NGX_HTTP_KRJ_CREDENTIALS_H_INCLUDED_
#define _NGX_HTTP_KRJ_CREDENTIALS_H_INCLUDED_


/*
 * What a request presents and whether it is valid: the Authorization and
 * X-API-Key headers, an API key against the key file, a Basic user (or a
 * login form's, ngx_http_krj_session.c) against the user file, with the
 * cache of verified Basic credentials in krj_zone.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_krj_module.h"
#include "ngx_http_krj_limit.h"
#include "ngx_http_krj_principals.h"


#define NGX_HTTP_KRJ_CRED_NONE       0
#define NGX_HTTP_KRJ_CRED_KEY        1      /* Bearer or X-API-Key */
#define NGX_HTTP_KRJ_CRED_BASIC      2
#define NGX_HTTP_KRJ_CRED_OTHER      3      /* a scheme krj does not know */
#define NGX_HTTP_KRJ_CRED_AMBIGUOUS  4      /* two that may disagree */
#define NGX_HTTP_KRJ_CRED_SESSION    5      /* a session cookie, no header */

#define NGX_HTTP_KRJ_SECRET_LEN      32


typedef struct {
    ngx_uint_t                   kind;      /* NGX_HTTP_KRJ_CRED_* */
    ngx_str_t                    key;       /* or the cookie's value */
    ngx_uint_t                   cookies;   /* session cookies presented */
} ngx_http_krj_credentials_t;


/* who a verified request is; copies that outlive a reload of the file */
typedef struct {
    ngx_uint_t                   method;    /* NGX_HTTP_KRJ_METHOD_* */
    ngx_str_t                    principal; /* key:ID, user:NAME, addr:IP */
    ngx_http_krj_scopes_t        scopes;
    ngx_http_krj_limit_t         limit;     /* a key's own, rate 0: none */
    ngx_uint_t                   refused;   /* why: NGX_HTTP_KRJ_AUTH_* */
} ngx_http_krj_identity_t;


/* the verification of Basic credentials, from the configuration */
typedef struct {
    ngx_http_krj_principals_t   *users;
    ngx_msec_t                   cache_time;
    u_char                      *secret;    /* NGX_HTTP_KRJ_SECRET_LEN */
    ngx_http_krj_limit_t        *limit;     /* the principal's, krj_limit */
} ngx_http_krj_basic_t;


/*
 * The credentials of r: an Authorization header, or else an X-API-Key
 * header.  c->key is the key of a Bearer or X-API-Key header.  Two
 * X-API-Key headers, or one beside an Authorization header that does not
 * say the same key, are NGX_HTTP_KRJ_CRED_AMBIGUOUS: the first one won
 * once, which let a proxy's key and a client's differ unnoticed.
 */
void ngx_http_krj_credentials_read(ngx_http_request_t *r,
    ngx_http_krj_credentials_t *c);

/*
 * NGX_OK with id filled in, NGX_DECLINED when refused (the reason is
 * logged; id->refused says expired, or else 0 for bad credentials),
 * NGX_ERROR without memory.  Basic also returns NGX_BUSY, with
 * id->principal set, when the claimed user is over its limit: the slow
 * hash is not even run for a request that would be refused anyway.
 */
ngx_int_t ngx_http_krj_credentials_key(ngx_http_request_t *r,
    ngx_http_krj_principals_t *keys, ngx_str_t *key,
    ngx_http_krj_identity_t *id);
ngx_int_t ngx_http_krj_credentials_basic(ngx_http_request_t *r,
    ngx_http_krj_basic_t *basic, ngx_http_krj_identity_t *id);

/*
 * The verification of Basic credentials once the header is parsed, for a
 * login form too: name and passwd against basic's user file, with the
 * same returns; passwd is wiped, whatever the outcome.  On NGX_OK, *user
 * (when user is not NULL) is the entry verified, valid until the file is
 * next loaded, which does not happen before the request's handler
 * returns.
 */
ngx_int_t ngx_http_krj_credentials_password(ngx_http_request_t *r,
    ngx_http_krj_basic_t *basic, ngx_str_t *name, ngx_str_t *passwd,
    ngx_http_krj_identity_t *id, ngx_http_krj_user_t **user);

/* id for a verified name of a file's entry: copies in r's pool */
ngx_int_t ngx_http_krj_credentials_identity(ngx_http_request_t *r,
    ngx_http_krj_identity_t *id, ngx_uint_t method, const char *prefix,
    ngx_str_t *name, ngx_http_krj_scopes_t *scopes);

/* the first request header of that name, and in *n how many there are */
ngx_table_elt_t *ngx_http_krj_credentials_header(ngx_http_request_t *r,
    ngx_str_t *name, ngx_uint_t *n);

/* a name a client sent, escaped (\xHH) and cut for the log */
ngx_str_t *ngx_http_krj_credentials_name(ngx_http_request_t *r,
    ngx_str_t *name);

/* a request without verified credentials: addr:IP */
ngx_int_t ngx_http_krj_credentials_address(ngx_http_request_t *r,
    ngx_http_krj_identity_t *id);


#endif /* _NGX_HTTP_KRJ_CREDENTIALS_H_INCLUDED_ */
