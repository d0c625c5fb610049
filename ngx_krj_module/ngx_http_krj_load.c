
/*
 * Copyright (C) The krj developers
 */


#include <ngx_config.h>
#include <ngx_core.h>

#include <sys/mman.h>

#include "ngx_http_krj_load.h"
#include "ngx_http_krj_metrics.h"


static ngx_int_t ngx_http_krj_load_copy(ngx_http_krj_load_t *load);
static void ngx_http_krj_load_syserr(ngx_http_krj_load_t *load,
    const char *call, ngx_err_t err);


/*
 * The worker serves a private copy, not the file: a sealed memfd that no
 * file operation can shrink or change.  Mapping the file itself, a cp or
 * a truncate over it (krj-batch renames, an operator may not) pulled the
 * pages from under the workers, and they died of SIGBUS.  The copy costs
 * one read of the file per worker and generation, and the snapshot's size
 * in memory per worker.  A file that changes while it is read fails its
 * checksum and is refused like any bad file.
 */

void
ngx_http_krj_load_run(ngx_http_krj_load_t *load)
{
    char  err[KRJ_SNAP_ERRLEN];

    load->ok = 0;
    load->memfd = -1;
    load->base = MAP_FAILED;
    load->refusal = NGX_HTTP_KRJ_REFUSED_READ;

    if (ngx_http_krj_load_copy(load) != NGX_OK) {
        return;
    }

    load->refusal = NGX_HTTP_KRJ_REFUSED_INVALID;

    err[0] = '\0';

    if (krj_snap_open(&load->snap, load->base, load->len, err) != 0) {
        load->reason_len = ngx_cpystrn(load->reason, (u_char *) err,
                                       sizeof(load->reason))
                           - load->reason;
        return;
    }

    load->ok = 1;
}


static ngx_int_t
ngx_http_krj_load_copy(ngx_http_krj_load_t *load)
{
    size_t    off;
    u_char   *w;
    ssize_t   n;

    load->memfd = memfd_create("krj.snapshot", MFD_CLOEXEC|MFD_ALLOW_SEALING);

    if (load->memfd == -1) {
        ngx_http_krj_load_syserr(load, "memfd_create()", ngx_errno);
        return NGX_ERROR;
    }

    if (ftruncate(load->memfd, (off_t) load->len) == -1) {
        ngx_http_krj_load_syserr(load, "ftruncate()", ngx_errno);
        return NGX_ERROR;
    }

    w = mmap(NULL, load->len, PROT_READ|PROT_WRITE, MAP_SHARED, load->memfd,
             0);

    if (w == MAP_FAILED) {
        ngx_http_krj_load_syserr(load, "mmap()", ngx_errno);
        return NGX_ERROR;
    }

    for (off = 0; off < load->len; off += n) {
        n = pread(load->fd, w + off, load->len - off, (off_t) off);

        if (n == -1 && ngx_errno == NGX_EINTR) {
            n = 0;
            continue;
        }

        if (n == -1) {
            ngx_http_krj_load_syserr(load, "pread()", ngx_errno);
            (void) munmap(w, load->len);
            return NGX_ERROR;
        }

        if (n == 0) {
            load->reason_len = ngx_snprintf(load->reason,
                                            sizeof(load->reason),
                                            "file shrank to %uz bytes while "
                                            "it was read", off)
                               - load->reason;
            (void) munmap(w, load->len);
            return NGX_ERROR;
        }
    }

    /* a writable mapping would keep F_SEAL_WRITE from being set */

    if (munmap(w, load->len) == -1) {
        ngx_http_krj_load_syserr(load, "munmap()", ngx_errno);
        return NGX_ERROR;
    }

    if (fcntl(load->memfd, F_ADD_SEALS,
              F_SEAL_SHRINK|F_SEAL_GROW|F_SEAL_WRITE|F_SEAL_SEAL)
        == -1)
    {
        ngx_http_krj_load_syserr(load, "fcntl(F_ADD_SEALS)", ngx_errno);
        return NGX_ERROR;
    }

    load->base = mmap(NULL, load->len, PROT_READ, MAP_SHARED, load->memfd,
                      0);

    if (load->base == MAP_FAILED) {
        ngx_http_krj_load_syserr(load, "mmap()", ngx_errno);
        return NGX_ERROR;
    }

    return NGX_OK;
}


void
ngx_http_krj_load_discard(ngx_http_krj_load_t *load, ngx_log_t *log)
{
    if (load->base != MAP_FAILED && munmap(load->base, load->len) == -1) {
        ngx_log_error(NGX_LOG_ALERT, log, ngx_errno,
                      "munmap() of the krj copy failed");
    }

    if (load->memfd != -1 && close(load->memfd) == -1) {
        ngx_log_error(NGX_LOG_ALERT, log, ngx_errno,
                      "close() of the krj copy failed");
    }

    load->base = MAP_FAILED;
    load->memfd = -1;
}


/* "pread() "/x/krj.snapshot" failed (5: Input/output error)" */

static void
ngx_http_krj_load_syserr(ngx_http_krj_load_t *load, const char *call,
    ngx_err_t err)
{
    u_char  *p, *last;

    last = load->reason + sizeof(load->reason);

    p = ngx_snprintf(load->reason, sizeof(load->reason) - 1,
                     "%s \"%V\" failed (%d: ", call, &load->path, err);
    p = ngx_strerror(err, p, last - p - 1);

    *p++ = ')';

    load->reason_len = p - load->reason;
}
