
/*
 * Copyright (C) The krj developers
 */


#include <ngx_config.h>
#include <ngx_core.h>

#include "ngx_http_krj_file.h"


ngx_uint_t
ngx_http_krj_file_look(ngx_http_krj_file_t *f, ngx_fd_t *fd,
    ngx_file_info_t *fi, ngx_err_t *err, ngx_log_t *log)
{
    ngx_http_krj_ident_t  ident;

    /* O_NONBLOCK: a FIFO put in the file's place must not hang a worker */

    *fd = ngx_open_file(f->path.data, NGX_FILE_RDONLY|NGX_FILE_NONBLOCK,
                        NGX_FILE_OPEN, 0);

    if (*fd == NGX_INVALID_FILE) {
        *err = ngx_errno;
        return NGX_HTTP_KRJ_FILE_FAILED;
    }

    if (ngx_fd_info(*fd, fi) == NGX_FILE_ERROR) {
        *err = ngx_errno;
        ngx_http_krj_file_close(f, *fd, log);
        return NGX_HTTP_KRJ_FILE_FAILED;
    }

    ngx_http_krj_file_ident(&ident, fi);

    if (f->has_loaded && ngx_http_krj_file_same(&ident, &f->loaded)) {
        ngx_http_krj_file_close(f, *fd, log);
        f->err = 0;
        f->has_refused = 0;
        return NGX_HTTP_KRJ_FILE_SAME;
    }

    if (f->has_refused && ngx_http_krj_file_same(&ident, &f->refused)) {
        ngx_http_krj_file_close(f, *fd, log);
        return NGX_HTTP_KRJ_FILE_REFUSED;
    }

    return NGX_HTTP_KRJ_FILE_CHANGED;
}


ngx_int_t
ngx_http_krj_file_read(ngx_http_krj_file_t *f, ngx_fd_t fd,
    ngx_file_info_t *fi, u_char *buf, ngx_log_t *log)
{
    ssize_t     n;
    ngx_file_t  file;

    ngx_memzero(&file, sizeof(ngx_file_t));

    file.fd = fd;
    file.name = f->path;
    file.log = log;

    n = ngx_read_file(&file, buf, (size_t) ngx_file_size(fi), 0);

    if (n == NGX_ERROR) {
        return NGX_ERROR;
    }

    return (n == ngx_file_size(fi)) ? NGX_OK : NGX_AGAIN;
}


void
ngx_http_krj_file_close(ngx_http_krj_file_t *f, ngx_fd_t fd, ngx_log_t *log)
{
    if (ngx_close_file(fd) == NGX_FILE_ERROR) {
        ngx_log_error(NGX_LOG_ALERT, log, ngx_errno,
                      ngx_close_file_n " \"%V\" failed", &f->path);
    }
}


void
ngx_http_krj_file_loaded(ngx_http_krj_file_t *f, ngx_file_info_t *fi)
{
    ngx_http_krj_file_ident(&f->loaded, fi);

    f->has_loaded = 1;
    f->has_refused = 0;
    f->err = 0;
}


ngx_uint_t
ngx_http_krj_file_refused(ngx_http_krj_file_t *f, ngx_file_info_t *fi)
{
    ngx_http_krj_ident_t  ident;

    ngx_http_krj_file_ident(&ident, fi);

    f->err = 0;

    if (f->has_refused && ngx_http_krj_file_same(&ident, &f->refused)) {
        return 0;
    }

    f->refused = ident;
    f->has_refused = 1;

    return 1;
}


ngx_uint_t
ngx_http_krj_file_failed(ngx_http_krj_file_t *f, ngx_err_t err)
{
    f->has_refused = 0;

    if (f->err == err) {
        return 0;
    }

    f->err = err;

    return 1;
}


void
ngx_http_krj_file_forget(ngx_http_krj_file_t *f)
{
    f->has_loaded = 0;
}


void
ngx_http_krj_file_ident(ngx_http_krj_ident_t *ident, ngx_file_info_t *fi)
{
    ngx_memzero(ident, sizeof(ngx_http_krj_ident_t));

    ident->dev = fi->st_dev;
    ident->ino = fi->st_ino;
    ident->size = fi->st_size;
    ident->mtime = fi->st_mtim.tv_sec;
    ident->mtime_nsec = fi->st_mtim.tv_nsec;
}


ngx_uint_t
ngx_http_krj_file_same(ngx_http_krj_ident_t *a, ngx_http_krj_ident_t *b)
{
    return a->dev == b->dev && a->ino == b->ino && a->size == b->size
           && a->mtime == b->mtime && a->mtime_nsec == b->mtime_nsec;
}
