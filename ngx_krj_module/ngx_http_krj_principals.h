
/*
 * Copyright (C) The krj developers
 */


#ifndef _NGX_HTTP_KRJ_PRINCIPALS_H_INCLUDED_
#define _NGX_HTTP_KRJ_PRINCIPALS_H_INCLUDED_


/*
 * The key and user files as each worker holds them: loaded at start and
 * whenever they change, each line through the grammar krj-batch uses
 * (krj_principal.c), turned into nginx types here.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_krj_module.h"
#include "ngx_http_krj_limit.h"


#define NGX_HTTP_KRJ_KEYS      0
#define NGX_HTTP_KRJ_USERS     1

#define NGX_HTTP_KRJ_LOOK_MIN  100


typedef struct {
    ngx_str_t                    id;
    u_char                       digest[32];
    ngx_http_krj_scopes_t        scopes;
    ngx_http_krj_limit_t         limit;     /* rate 0: the location's */
    time_t                       expires;   /* 0: never */
    long                         revoked;   /* day since 1970, -1: not */
} ngx_http_krj_key_t;


typedef struct {
    ngx_str_t                    name;
    ngx_str_t                    hash;      /* NUL-terminated */
    ngx_http_krj_scopes_t        scopes;
} ngx_http_krj_user_t;


typedef struct {
    ngx_http_krj_file_t          file;      /* path from the configuration */
    ngx_uint_t                   type;      /* NGX_HTTP_KRJ_KEYS|USERS */

    /* per worker */
    ngx_pool_t                  *pool;
    ngx_array_t                 *entries;   /* NULL: nothing is valid */
    ngx_str_t                    dummy;     /* the costliest user's hash */
    ngx_msec_t                   looked;    /* the last look at the file */
} ngx_http_krj_principals_t;


/*
 * The file of path and type for a directive: one per path and type in
 * files (ngx_http_krj_principals_t *), shared by the locations.  A file
 * that is not there fails the configuration.
 */
char *ngx_http_krj_principals_add(ngx_conf_t *cf, ngx_array_t *files,
    ngx_str_t *path, ngx_uint_t type, ngx_http_krj_principals_t **pp);

/*
 * Fails the configuration, with an [emerg] that names the fix, when a
 * worker process could not read one of files (its user and groups as the
 * user directive sets them, the search permission of every directory).
 */
ngx_int_t ngx_http_krj_principals_check_access(ngx_conf_t *cf,
    ngx_array_t *files);

/* at process start and on every tick: loads the file if it changed */
void ngx_http_krj_principals_load(ngx_http_krj_principals_t *p,
    ngx_log_t *log);

/*
 * The same for a request that named an unknown key or user, which may be
 * newer than the last tick: at most once per NGX_HTTP_KRJ_LOOK_MIN ms per
 * worker, so a flood of bad keys costs one open() and fstat() a time.
 * Returns 1 when the file was loaded anew.
 */
ngx_uint_t ngx_http_krj_principals_refresh(ngx_http_krj_principals_t *p,
    ngx_log_t *log);

/* the key of a SHA-256 digest, every entry compared in constant time */
ngx_http_krj_key_t *ngx_http_krj_principals_key(ngx_http_krj_principals_t *p,
    u_char *digest);

ngx_http_krj_user_t *ngx_http_krj_principals_user(
    ngx_http_krj_principals_t *p, ngx_str_t *name);


#endif /* _NGX_HTTP_KRJ_PRINCIPALS_H_INCLUDED_ */
