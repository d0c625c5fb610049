
/*
 * Copyright (C) The krj developers
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <sys/mman.h>

#include "ngx_http_krj_module.h"
#include "ngx_http_krj_snapshot.h"
#include "ngx_http_krj_zone.h"


static ngx_http_krj_snapshot_t *ngx_http_krj_snapshot_map(
    ngx_http_krj_main_conf_t *kmcf, ngx_fd_t fd, ngx_file_info_t *fi,
    ngx_log_t *log);
static void ngx_http_krj_snapshot_swap(ngx_http_krj_main_conf_t *kmcf,
    ngx_http_krj_snapshot_t *snapshot, ngx_file_info_t *fi, ngx_log_t *log);
static void ngx_http_krj_snapshot_refuse(ngx_http_krj_main_conf_t *kmcf,
    ngx_file_info_t *fi, ngx_err_t err, u_char *reason, size_t len,
    ngx_log_t *log);
static size_t ngx_http_krj_snapshot_syserr(u_char *buf, size_t size,
    const char *call, ngx_str_t *name, ngx_err_t err);
static u_char *ngx_http_krj_snapshot_copy(ngx_http_krj_main_conf_t *kmcf,
    ngx_fd_t fd, ngx_file_info_t *fi, size_t len, int *memfd,
    ngx_log_t *log);
static void ngx_http_krj_snapshot_close(int fd, ngx_log_t *log);
static void ngx_http_krj_snapshot_release(ngx_http_krj_snapshot_t *snapshot);
static void ngx_http_krj_snapshot_cleanup(void *data);


/*
 * Called at process start and on every tick of krj_reload_interval.
 * Opening and fstat()ing a local file is the only system work done when
 * nothing changed; a changed file is mapped and validated completely
 * before any request sees it.
 */

void
ngx_http_krj_snapshot_check(ngx_http_krj_main_conf_t *kmcf, ngx_log_t *log)
{
    size_t                    n;
    ngx_fd_t                  fd;
    ngx_err_t                 err;
    ngx_file_info_t           fi;
    ngx_http_krj_snapshot_t  *snapshot;
    u_char                    reason[NGX_HTTP_KRJ_REASON_LEN];

    switch (ngx_http_krj_file_look(&kmcf->file, &fd, &fi, &err, log)) {

    case NGX_HTTP_KRJ_FILE_CHANGED:
        break;

    case NGX_HTTP_KRJ_FILE_FAILED:
        n = ngx_http_krj_snapshot_syserr(reason, sizeof(reason),
                                         ngx_open_file_n, &kmcf->snapshot,
                                         err);
        ngx_http_krj_snapshot_refuse(kmcf, NULL, err, reason, n, log);
        return;

    default: /* NGX_HTTP_KRJ_FILE_SAME, NGX_HTTP_KRJ_FILE_REFUSED */
        return;
    }

    snapshot = ngx_http_krj_snapshot_map(kmcf, fd, &fi, log);

    ngx_http_krj_file_close(&kmcf->file, fd, log);

    if (snapshot != NULL) {
        ngx_http_krj_snapshot_swap(kmcf, snapshot, &fi, log);
    }
}


static ngx_http_krj_snapshot_t *
ngx_http_krj_snapshot_map(ngx_http_krj_main_conf_t *kmcf, ngx_fd_t fd,
    ngx_file_info_t *fi, ngx_log_t *log)
{
    int                       memfd;
    size_t                    n, len;
    u_char                   *base;
    ngx_http_krj_snapshot_t  *snapshot;
    char                      err_text[KRJ_SNAP_ERRLEN];
    u_char                    reason[NGX_HTTP_KRJ_REASON_LEN];

    if (!ngx_is_file(fi)) {
        n = ngx_snprintf(reason, sizeof(reason), "not a regular file")
            - reason;
        ngx_http_krj_snapshot_refuse(kmcf, fi, 0, reason, n, log);
        return NULL;
    }

    if (ngx_file_size(fi) < (off_t) sizeof(krj_snap_header_t)) {
        n = ngx_snprintf(reason, sizeof(reason),
                         "file is %O bytes, shorter than a header",
                         ngx_file_size(fi))
            - reason;
        ngx_http_krj_snapshot_refuse(kmcf, fi, 0, reason, n, log);
        return NULL;
    }

    if ((uint64_t) ngx_file_size(fi) > KRJ_SNAP_MAX_SIZE
        || (uint64_t) ngx_file_size(fi) > (uint64_t) NGX_MAX_SIZE_T_VALUE)
    {
        n = ngx_snprintf(reason, sizeof(reason), "file is too large (%O)",
                         ngx_file_size(fi))
            - reason;
        ngx_http_krj_snapshot_refuse(kmcf, fi, 0, reason, n, log);
        return NULL;
    }

    len = (size_t) ngx_file_size(fi);

    base = ngx_http_krj_snapshot_copy(kmcf, fd, fi, len, &memfd, log);

    if (base == NULL) {
        return NULL;
    }

    snapshot = ngx_alloc(sizeof(ngx_http_krj_snapshot_t), log);
    if (snapshot == NULL) {
        goto failed;
    }

    ngx_memzero(snapshot, sizeof(ngx_http_krj_snapshot_t));

    err_text[0] = '\0';

    if (krj_snap_open(&snapshot->snap, base, len, err_text) != 0) {
        n = ngx_strnlen((u_char *) err_text, sizeof(err_text));
        ngx_http_krj_snapshot_refuse(kmcf, fi, 0, (u_char *) err_text, n,
                                     log);
        ngx_free(snapshot);
        goto failed;
    }

    snapshot->base = base;
    snapshot->len = len;
    snapshot->fd = memfd;
    snapshot->log = ngx_cycle->log;
    snapshot->refcount = 1;

    /* the checksum prefix names the generation, the same on every node */

    ngx_hex_dump(snapshot->gen, (u_char *) snapshot->snap.hdr->checksum,
                 NGX_HTTP_KRJ_GENERATION_LEN / 2);
    snapshot->generation.len = NGX_HTTP_KRJ_GENERATION_LEN;
    snapshot->generation.data = snapshot->gen;

    return snapshot;

failed:

    if (munmap(base, len) == -1) {
        ngx_log_error(NGX_LOG_ALERT, log, ngx_errno,
                      "munmap() \"%V\" failed", &kmcf->snapshot);
    }

    ngx_http_krj_snapshot_close(memfd, log);

    return NULL;
}


/*
 * The worker serves a private copy, not the file: a sealed memfd that no
 * file operation can shrink or change.  Mapping the file itself, a cp or
 * a truncate over it (krj-batch renames, an operator may not) pulled the
 * pages from under the workers, and they died of SIGBUS.  The copy costs
 * one read of the file per worker and generation, and the snapshot's size
 * in memory per worker.  A file that changes while it is read fails its
 * checksum and is refused like any bad file.
 */

static u_char *
ngx_http_krj_snapshot_copy(ngx_http_krj_main_conf_t *kmcf, ngx_fd_t fd,
    ngx_file_info_t *fi, size_t len, int *memfd, ngx_log_t *log)
{
    int         md;
    size_t      off, n;
    u_char     *w, *base;
    ssize_t     got;
    ngx_err_t   err;
    u_char      reason[NGX_HTTP_KRJ_REASON_LEN];

    w = MAP_FAILED;

    md = memfd_create("krj.snapshot", MFD_CLOEXEC|MFD_ALLOW_SEALING);

    if (md == -1) {
        err = ngx_errno;
        n = ngx_http_krj_snapshot_syserr(reason, sizeof(reason),
                                         "memfd_create()", &kmcf->snapshot,
                                         err);
        goto refused;
    }

    if (ftruncate(md, (off_t) len) == -1) {
        err = ngx_errno;
        n = ngx_http_krj_snapshot_syserr(reason, sizeof(reason),
                                         "ftruncate()", &kmcf->snapshot,
                                         err);
        goto refused;
    }

    w = mmap(NULL, len, PROT_READ|PROT_WRITE, MAP_SHARED, md, 0);

    if (w == MAP_FAILED) {
        err = ngx_errno;
        n = ngx_http_krj_snapshot_syserr(reason, sizeof(reason), "mmap()",
                                         &kmcf->snapshot, err);
        goto refused;
    }

    for (off = 0; off < len; off += got) {
        got = pread(fd, w + off, len - off, (off_t) off);

        if (got == -1 && ngx_errno == NGX_EINTR) {
            got = 0;
            continue;
        }

        if (got == -1) {
            err = ngx_errno;
            n = ngx_http_krj_snapshot_syserr(reason, sizeof(reason),
                                             "pread()", &kmcf->snapshot,
                                             err);
            goto refused;
        }

        if (got == 0) {
            n = ngx_snprintf(reason, sizeof(reason),
                             "file shrank to %uz bytes while it was read",
                             off)
                - reason;
            goto refused;
        }
    }

    /* a writable mapping would keep F_SEAL_WRITE from being set */

    if (munmap(w, len) == -1) {
        ngx_log_error(NGX_LOG_ALERT, log, ngx_errno,
                      "munmap() of the krj copy failed");
    }

    w = MAP_FAILED;

    if (fcntl(md, F_ADD_SEALS,
              F_SEAL_SHRINK|F_SEAL_GROW|F_SEAL_WRITE|F_SEAL_SEAL)
        == -1)
    {
        err = ngx_errno;
        n = ngx_http_krj_snapshot_syserr(reason, sizeof(reason),
                                         "fcntl(F_ADD_SEALS)",
                                         &kmcf->snapshot, err);
        goto refused;
    }

    base = mmap(NULL, len, PROT_READ, MAP_SHARED, md, 0);

    if (base == MAP_FAILED) {
        err = ngx_errno;
        n = ngx_http_krj_snapshot_syserr(reason, sizeof(reason), "mmap()",
                                         &kmcf->snapshot, err);
        goto refused;
    }

    *memfd = md;

    return base;

refused:

    if (w != MAP_FAILED && munmap(w, len) == -1) {
        ngx_log_error(NGX_LOG_ALERT, log, ngx_errno,
                      "munmap() of the krj copy failed");
    }

    ngx_http_krj_snapshot_close(md, log);
    ngx_http_krj_snapshot_refuse(kmcf, fi, 0, reason, n, log);

    return NULL;
}


static void
ngx_http_krj_snapshot_close(int fd, ngx_log_t *log)
{
    if (fd != -1 && close(fd) == -1) {
        ngx_log_error(NGX_LOG_ALERT, log, ngx_errno,
                      "close() of the krj copy failed");
    }
}


static void
ngx_http_krj_snapshot_swap(ngx_http_krj_main_conf_t *kmcf,
    ngx_http_krj_snapshot_t *snapshot, ngx_file_info_t *fi, ngx_log_t *log)
{
    ngx_str_t                 iso;
    ngx_http_krj_snapshot_t  *old;

    old = kmcf->current;

    kmcf->current = snapshot;
    kmcf->reason_len = 0;

    ngx_http_krj_file_loaded(&kmcf->file, fi);

    iso.len = snapshot->snap.hdr->generated_at_iso.len;
    iso.data = (u_char *) krj_snap_ptr(&snapshot->snap,
                                       snapshot->snap.hdr->generated_at_iso);

    ngx_log_error(NGX_LOG_NOTICE, log, 0,
                  "krj: snapshot \"%V\" loaded: generation %V, "
                  "%uD categories, published %V",
                  &kmcf->snapshot, &snapshot->generation,
                  snapshot->snap.hdr->ncategories, &iso);

    ngx_http_krj_zone_count_load(kmcf, snapshot->gen,
                                 snapshot->snap.hdr->generated_at);

    if (old) {
        /* in-flight requests keep it mapped until their pools go */
        ngx_http_krj_snapshot_release(old);
    }
}


/*
 * One error-log line per refused file: the file watcher remembers the
 * content (or, for a file that cannot be opened, the errno) in this
 * worker, and krj_zone across workers, so neither the next tick nor the
 * other workers repeat it.
 */

static void
ngx_http_krj_snapshot_refuse(ngx_http_krj_main_conf_t *kmcf,
    ngx_file_info_t *fi, ngx_err_t err, u_char *reason, size_t len,
    ngx_log_t *log)
{
    ngx_uint_t            first;
    ngx_http_krj_ident_t  ident;

    ngx_memzero(&ident, sizeof(ngx_http_krj_ident_t));

    if (fi != NULL) {
        ngx_http_krj_file_ident(&ident, fi);
        first = ngx_http_krj_file_refused(&kmcf->file, fi);

    } else {
        first = ngx_http_krj_file_failed(&kmcf->file, err);
    }

    if (!first) {
        return;
    }

    if (kmcf->current == NULL) {
        kmcf->reason_len = ngx_min(len, NGX_HTTP_KRJ_REASON_LEN);
        ngx_memcpy(kmcf->reason, reason, kmcf->reason_len);
    }

    if (!ngx_http_krj_zone_count_refusal(kmcf, &ident, err)) {
        return;
    }

    if (kmcf->current) {
        ngx_log_error(NGX_LOG_ERR, log, 0,
                      "krj: snapshot \"%V\" refused: %*s, "
                      "keeping generation %V",
                      &kmcf->snapshot, len, reason,
                      &kmcf->current->generation);

    } else {
        ngx_log_error(NGX_LOG_ERR, log, 0,
                      "krj: snapshot \"%V\" refused: %*s, "
                      "no generation loaded",
                      &kmcf->snapshot, len, reason);
    }
}


/* "open() "/x/krj.snapshot" failed (2: No such file or directory)" */

static size_t
ngx_http_krj_snapshot_syserr(u_char *buf, size_t size, const char *call,
    ngx_str_t *name, ngx_err_t err)
{
    u_char  *p, *last;

    last = buf + size;

    p = ngx_snprintf(buf, size - 1, "%s \"%V\" failed (%d: ",
                     call, name, err);
    p = ngx_strerror(err, p, last - p - 1);

    *p++ = ')';

    return p - buf;
}


ngx_int_t
ngx_http_krj_snapshot_acquire(ngx_http_request_t *r,
    ngx_http_krj_snapshot_t **snapshot)
{
    ngx_pool_cleanup_t        *cln;
    ngx_http_krj_ctx_t        *ctx;
    ngx_http_krj_main_conf_t  *kmcf;

    ctx = ngx_http_krj_ctx(r);
    if (ctx == NULL) {
        return NGX_ERROR;
    }

    kmcf = ngx_http_get_module_main_conf(r, ngx_http_krj_module);

    if (ctx->snapshot == NULL && kmcf->current != NULL) {

        cln = ngx_pool_cleanup_add(r->pool, 0);
        if (cln == NULL) {
            return NGX_ERROR;
        }

        cln->handler = ngx_http_krj_snapshot_cleanup;
        cln->data = kmcf->current;

        kmcf->current->refcount++;
        ctx->snapshot = kmcf->current;
    }

    *snapshot = ctx->snapshot;

    return NGX_OK;
}


void
ngx_http_krj_snapshot_shutdown(ngx_http_krj_main_conf_t *kmcf)
{
    if (kmcf->current) {
        ngx_http_krj_snapshot_release(kmcf->current);
        kmcf->current = NULL;
    }
}


static void
ngx_http_krj_snapshot_cleanup(void *data)
{
    ngx_http_krj_snapshot_release(data);
}


static void
ngx_http_krj_snapshot_release(ngx_http_krj_snapshot_t *snapshot)
{
    if (--snapshot->refcount) {
        return;
    }

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, snapshot->log, 0,
                   "krj: unmapping generation %V", &snapshot->generation);

    if (munmap(snapshot->base, snapshot->len) == -1) {
        ngx_log_error(NGX_LOG_ALERT, snapshot->log, ngx_errno,
                      "munmap() of krj generation %V failed",
                      &snapshot->generation);
    }

    ngx_http_krj_snapshot_close(snapshot->fd, snapshot->log);

    ngx_free(snapshot);
}
