
/*
 * Copyright (C) The krj developers
 */


#ifndef _NGX_HTTP_KRJ_FILE_H_INCLUDED_
#define _NGX_HTTP_KRJ_FILE_H_INCLUDED_


/*
 * The one watcher of the files the workers load and reload on change: the
 * snapshot, the key file and the user file.  A look at a file costs an
 * open() and an fstat(); it tells whether the file is what was loaded,
 * what was refused before, or something new to load.  What to do about a
 * failure is the caller's policy; this file only makes sure each failure
 * and each refused content is reported once.
 */


#include <ngx_config.h>
#include <ngx_core.h>


#define NGX_HTTP_KRJ_FILE_SAME     0    /* as loaded: nothing to do */
#define NGX_HTTP_KRJ_FILE_CHANGED  1    /* *fd is open: load it */
#define NGX_HTTP_KRJ_FILE_REFUSED  2    /* refused as it is, and logged */
#define NGX_HTTP_KRJ_FILE_FAILED   3    /* open() or fstat() failed: *err */


/* what identifies a file's content: a rename changes the inode */
typedef struct {
    dev_t                        dev;
    ino_t                        ino;
    off_t                        size;
    time_t                       mtime;
    long                         mtime_nsec;
} ngx_http_krj_ident_t;


typedef struct {
    ngx_str_t                    path;      /* NUL-terminated */
    ngx_http_krj_ident_t         loaded;
    ngx_http_krj_ident_t         refused;
    ngx_err_t                    err;       /* of the last failure, or 0 */
    unsigned                     has_loaded:1;
    unsigned                     has_refused:1;
} ngx_http_krj_file_t;


ngx_uint_t ngx_http_krj_file_look(ngx_http_krj_file_t *f, ngx_fd_t *fd,
    ngx_file_info_t *fi, ngx_err_t *err, ngx_log_t *log);

/*
 * Reads the whole file, fi's size, into buf: NGX_OK; NGX_AGAIN when it
 * is shorter than fstat() said (being rewritten in place: look again on
 * the next tick); NGX_ERROR with ngx_errno set.
 */
ngx_int_t ngx_http_krj_file_read(ngx_http_krj_file_t *f, ngx_fd_t fd,
    ngx_file_info_t *fi, u_char *buf, ngx_log_t *log);

void ngx_http_krj_file_close(ngx_http_krj_file_t *f, ngx_fd_t fd,
    ngx_log_t *log);

/* the content of fi is in use now */
void ngx_http_krj_file_loaded(ngx_http_krj_file_t *f, ngx_file_info_t *fi);

/* 1 the first time this content is refused or this errno is met */
ngx_uint_t ngx_http_krj_file_refused(ngx_http_krj_file_t *f,
    ngx_file_info_t *fi);
ngx_uint_t ngx_http_krj_file_failed(ngx_http_krj_file_t *f, ngx_err_t err);

/* nothing is in use: the next look finds a change whatever the file is */
void ngx_http_krj_file_forget(ngx_http_krj_file_t *f);

void ngx_http_krj_file_ident(ngx_http_krj_ident_t *ident,
    ngx_file_info_t *fi);
ngx_uint_t ngx_http_krj_file_same(ngx_http_krj_ident_t *a,
    ngx_http_krj_ident_t *b);


#endif /* _NGX_HTTP_KRJ_FILE_H_INCLUDED_ */
