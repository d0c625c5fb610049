
/*
 * Copyright (C) The krj developers
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <sys/mman.h>

#include "ngx_http_krj_module.h"
#include "ngx_http_krj_load.h"
#include "ngx_http_krj_metrics.h"
#include "ngx_http_krj_snapshot.h"
#include "ngx_http_krj_zone.h"


/*
 * A load in flight, and what it needs back in the event loop.  One per
 * worker, made once: nginx's thread pool reads the task after its
 * completion handler has run, so a task must outlive its load.
 */
typedef struct {
    ngx_http_krj_main_conf_t    *kmcf;
    ngx_file_info_t              fi;
    struct timespec              start;
    ngx_http_krj_load_t          load;
} ngx_http_krj_job_t;


static ngx_int_t ngx_http_krj_snapshot_start(ngx_http_krj_main_conf_t *kmcf,
    ngx_fd_t fd, ngx_file_info_t *fi, ngx_uint_t wait, ngx_log_t *log);
#if (NGX_THREADS)
static void ngx_http_krj_snapshot_thread(void *data, ngx_log_t *log);
static void ngx_http_krj_snapshot_loaded(ngx_event_t *ev);
#endif
static void ngx_http_krj_snapshot_finish(ngx_http_krj_main_conf_t *kmcf,
    ngx_http_krj_job_t *job, ngx_log_t *log);
static void ngx_http_krj_snapshot_swap(ngx_http_krj_main_conf_t *kmcf,
    ngx_http_krj_snapshot_t *snapshot, ngx_file_info_t *fi, ngx_log_t *log);
static void ngx_http_krj_snapshot_refuse(ngx_http_krj_main_conf_t *kmcf,
    ngx_file_info_t *fi, ngx_err_t err, ngx_uint_t why, u_char *reason,
    size_t len, ngx_log_t *log);
static size_t ngx_http_krj_snapshot_syserr(u_char *buf, size_t size,
    const char *call, ngx_str_t *name, ngx_err_t err);
static void ngx_http_krj_snapshot_release(ngx_http_krj_snapshot_t *snapshot);
static void ngx_http_krj_snapshot_unmap(ngx_http_krj_snapshot_t *snapshot);
#if (NGX_THREADS)
static void ngx_http_krj_snapshot_unmap_thread(void *data, ngx_log_t *log);
static void ngx_http_krj_snapshot_unmapped(ngx_event_t *ev);
#endif
static void ngx_http_krj_snapshot_cleanup(void *data);


/*
 * Called at process start and on every tick of krj_reload_interval.
 * Opening and fstat()ing a local file is the only system work done when
 * nothing changed; a changed file is copied and validated completely
 * before any request sees it, in a thread of krj_thread_pool while the
 * worker goes on answering from the current generation.  At start (wait)
 * the worker has nothing to answer from yet: it loads before it accepts.
 */

void
ngx_http_krj_snapshot_check(ngx_http_krj_main_conf_t *kmcf, ngx_uint_t wait,
    ngx_log_t *log)
{
    size_t            n;
    ngx_fd_t          fd;
    ngx_err_t         err;
    ngx_file_info_t   fi;
    u_char            reason[NGX_HTTP_KRJ_REASON_LEN];

    if (kmcf->loading) {
        /* one load at a time: its end looks again */
        return;
    }

    switch (ngx_http_krj_file_look(&kmcf->file, &fd, &fi, &err, log)) {

    case NGX_HTTP_KRJ_FILE_CHANGED:
        break;

    case NGX_HTTP_KRJ_FILE_FAILED:
        n = ngx_http_krj_snapshot_syserr(reason, sizeof(reason),
                                         ngx_open_file_n, &kmcf->snapshot,
                                         err);
        ngx_http_krj_snapshot_refuse(kmcf, NULL, err,
                                     NGX_HTTP_KRJ_REFUSED_OPEN, reason, n,
                                     log);
        return;

    case NGX_HTTP_KRJ_FILE_SAME:
        /* the refused file was put back as it was */
        kmcf->stale = 0;
        return;

    default: /* NGX_HTTP_KRJ_FILE_REFUSED */
        return;
    }

    if (ngx_http_krj_snapshot_start(kmcf, fd, &fi, wait, log) != NGX_OK) {
        ngx_http_krj_file_close(&kmcf->file, fd, log);
    }
}


/* the cheap checks here; the copy and the validation in the job */

static ngx_int_t
ngx_http_krj_snapshot_start(ngx_http_krj_main_conf_t *kmcf, ngx_fd_t fd,
    ngx_file_info_t *fi, ngx_uint_t wait, ngx_log_t *log)
{
    size_t               n;
    ngx_http_krj_job_t  *job, sync;
#if (NGX_THREADS)
    ngx_thread_task_t   *task;
#endif
    u_char               reason[NGX_HTTP_KRJ_REASON_LEN];

    if (!ngx_is_file(fi)) {
        n = ngx_snprintf(reason, sizeof(reason), "not a regular file")
            - reason;
        ngx_http_krj_snapshot_refuse(kmcf, fi, 0, NGX_HTTP_KRJ_REFUSED_SIZE,
                                     reason, n, log);
        return NGX_DECLINED;
    }

    if (ngx_file_size(fi) < (off_t) KRJ_SNAP_HEADER_V3) {
        n = ngx_snprintf(reason, sizeof(reason),
                         "file is %O bytes, shorter than a header",
                         ngx_file_size(fi))
            - reason;
        ngx_http_krj_snapshot_refuse(kmcf, fi, 0, NGX_HTTP_KRJ_REFUSED_SIZE,
                                     reason, n, log);
        return NGX_DECLINED;
    }

    if ((uint64_t) ngx_file_size(fi) > KRJ_SNAP_MAX_SIZE
        || (uint64_t) ngx_file_size(fi) > (uint64_t) NGX_MAX_SIZE_T_VALUE)
    {
        n = ngx_snprintf(reason, sizeof(reason), "file is too large (%O)",
                         ngx_file_size(fi))
            - reason;
        ngx_http_krj_snapshot_refuse(kmcf, fi, 0, NGX_HTTP_KRJ_REFUSED_SIZE,
                                     reason, n, log);
        return NGX_DECLINED;
    }

#if (NGX_THREADS)

    task = NULL;

    if (kmcf->thread_pool && !wait) {
        if (kmcf->task == NULL) {
            kmcf->task = ngx_thread_task_alloc(ngx_cycle->pool,
                                               sizeof(ngx_http_krj_job_t));
            if (kmcf->task == NULL) {
                return NGX_ERROR;
            }
        }

        task = kmcf->task;
        job = task->ctx;

    } else
#endif
    {
        job = &sync;
    }

    ngx_memzero(job, sizeof(ngx_http_krj_job_t));

    job->kmcf = kmcf;
    job->fi = *fi;
    (void) clock_gettime(CLOCK_MONOTONIC, &job->start);
    job->load.fd = fd;
    job->load.len = (size_t) ngx_file_size(fi);
    job->load.path = kmcf->snapshot;

#if (NGX_THREADS)

    if (task != NULL) {
        task->handler = ngx_http_krj_snapshot_thread;
        task->event.handler = ngx_http_krj_snapshot_loaded;
        task->event.data = job;
        task->event.log = log;

        if (ngx_thread_task_post(kmcf->thread_pool, task) == NGX_OK) {
            kmcf->loading = 1;
            return NGX_OK;
        }

        /* the pool's queue is full: load here, as without a pool */
    }

#endif

    ngx_http_krj_load_run(&job->load);
    ngx_http_krj_snapshot_finish(kmcf, job, log);

    return NGX_OK;
}


#if (NGX_THREADS)

static void
ngx_http_krj_snapshot_thread(void *data, ngx_log_t *log)
{
    ngx_http_krj_job_t  *job = data;

    ngx_http_krj_load_run(&job->load);
}


static void
ngx_http_krj_snapshot_loaded(ngx_event_t *ev)
{
    ngx_http_krj_job_t  *job;

    job = ev->data;

    job->kmcf->loading = 0;

    ngx_http_krj_snapshot_finish(job->kmcf, job, ev->log);
}

#endif


/* in the event loop: the new generation, or the reason it is refused */

static void
ngx_http_krj_snapshot_finish(ngx_http_krj_main_conf_t *kmcf,
    ngx_http_krj_job_t *job, ngx_log_t *log)
{
    struct timespec           now;
    ngx_http_krj_load_t      *load;
    ngx_http_krj_snapshot_t  *snapshot;

    load = &job->load;

    ngx_http_krj_file_close(&kmcf->file, load->fd, log);

    snapshot = NULL;

    if (load->ok && !ngx_exiting && !ngx_terminate && !ngx_quit) {
        snapshot = ngx_alloc(sizeof(ngx_http_krj_snapshot_t), log);
    }

    if (snapshot == NULL) {
        if (!load->ok) {
            ngx_http_krj_snapshot_refuse(kmcf, &job->fi, 0, load->refusal,
                                         load->reason, load->reason_len,
                                         log);
        }

        ngx_http_krj_load_discard(load, log);
        return;
    }

    ngx_memzero(snapshot, sizeof(ngx_http_krj_snapshot_t));

    snapshot->base = load->base;
    snapshot->len = load->len;
    snapshot->fd = load->memfd;
    snapshot->file.fd = load->memfd;
    snapshot->file.name = kmcf->snapshot;
    snapshot->file.log = ngx_cycle->log;
    snapshot->snap = load->snap;
    snapshot->log = ngx_cycle->log;
    snapshot->refcount = 1;
#if (NGX_THREADS)
    snapshot->thread_pool = kmcf->thread_pool;
#endif

    (void) clock_gettime(CLOCK_MONOTONIC, &now);
    snapshot->took_us = (now.tv_sec - job->start.tv_sec) * 1000000
                        + (now.tv_nsec - job->start.tv_nsec) / 1000;

    /* the checksum prefix names the generation, the same on every node */

    ngx_hex_dump(snapshot->gen, (u_char *) snapshot->snap.hdr->checksum,
                 NGX_HTTP_KRJ_GENERATION_LEN / 2);
    snapshot->generation.len = NGX_HTTP_KRJ_GENERATION_LEN;
    snapshot->generation.data = snapshot->gen;

    ngx_http_krj_snapshot_swap(kmcf, snapshot, &job->fi, log);
}


static void
ngx_http_krj_snapshot_swap(ngx_http_krj_main_conf_t *kmcf,
    ngx_http_krj_snapshot_t *snapshot, ngx_file_info_t *fi, ngx_log_t *log)
{
    ngx_str_t                 iso, writer;
    ngx_http_krj_snapshot_t  *old;

    old = kmcf->current;

    kmcf->current = snapshot;
    kmcf->reason_len = 0;
    kmcf->stale = 0;

    ngx_http_krj_file_loaded(&kmcf->file, fi);

    iso.len = snapshot->snap.hdr->generated_at_iso.len;
    iso.data = (u_char *) krj_snap_ptr(&snapshot->snap,
                                       snapshot->snap.hdr->generated_at_iso);

    /* format 3 does not say who wrote it */
    if (snapshot->snap.writer.len) {
        writer.len = snapshot->snap.writer.len;
        writer.data = (u_char *) krj_snap_ptr(&snapshot->snap,
                                              snapshot->snap.writer);

    } else {
        ngx_str_set(&writer, "an older krj-batch");
    }

    ngx_log_error(NGX_LOG_NOTICE, log, 0,
                  "krj: snapshot \"%V\" loaded: generation %V, "
                  "%uD categories, published %V, format %uD by %V, copied "
                  "and validated in %M.%03M ms", &kmcf->snapshot,
                  &snapshot->generation, snapshot->snap.hdr->ncategories,
                  &iso, snapshot->snap.hdr->version, &writer,
                  snapshot->took_us / 1000, snapshot->took_us % 1000);

    ngx_http_krj_zone_count_load(kmcf, snapshot->gen, snapshot->took_us);

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
    ngx_file_info_t *fi, ngx_err_t err, ngx_uint_t why, u_char *reason,
    size_t len, ngx_log_t *log)
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

    } else {
        /* since the first refusal of anything newer than current */

        if (!kmcf->stale) {
            kmcf->stale = 1;
            kmcf->stale_since = ngx_current_msec;
        }

        kmcf->stale_reason_len = ngx_min(len, NGX_HTTP_KRJ_REASON_LEN);
        ngx_memcpy(kmcf->stale_reason, reason, kmcf->stale_reason_len);
    }

    if (!ngx_http_krj_zone_count_refusal(kmcf, &ident, err, why)) {
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
#if (NGX_THREADS)
        /* nginx's thread pools are gone at exit_process */
        kmcf->current->thread_pool = NULL;
#endif
        ngx_http_krj_snapshot_release(kmcf->current);
        kmcf->current = NULL;
    }
}


static void
ngx_http_krj_snapshot_cleanup(void *data)
{
    ngx_http_krj_snapshot_release(data);
}


/*
 * The last reference gone: unmapped and closed.  munmap() and close() of
 * a 165 MB copy take 6 and 8 ms (the kernel frees its pages), which the
 * event loop would not answer for: with krj_thread_pool they are done in
 * a thread, and the struct (which holds the task) freed when the thread
 * is done, nginx touching the task no more once its completion handler
 * runs.  At exit, and when the pool's queue is full, here.
 */

static void
ngx_http_krj_snapshot_release(ngx_http_krj_snapshot_t *snapshot)
{
#if (NGX_THREADS)
    ngx_thread_task_t  *task;
#endif

    if (--snapshot->refcount) {
        return;
    }

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, snapshot->log, 0,
                   "krj: unmapping generation %V", &snapshot->generation);

#if (NGX_THREADS)

    if (snapshot->thread_pool) {
        task = &snapshot->task;

        task->ctx = snapshot;
        task->handler = ngx_http_krj_snapshot_unmap_thread;
        task->event.handler = ngx_http_krj_snapshot_unmapped;
        task->event.data = snapshot;
        task->event.log = snapshot->log;

        if (ngx_thread_task_post(snapshot->thread_pool, task) == NGX_OK) {
            return;
        }
    }

#endif

    ngx_http_krj_snapshot_unmap(snapshot);
    ngx_free(snapshot);
}


static void
ngx_http_krj_snapshot_unmap(ngx_http_krj_snapshot_t *snapshot)
{
    if (munmap(snapshot->base, snapshot->len) == -1) {
        ngx_log_error(NGX_LOG_ALERT, snapshot->log, ngx_errno,
                      "munmap() of krj generation %V failed",
                      &snapshot->generation);
    }

    if (close(snapshot->fd) == -1) {
        ngx_log_error(NGX_LOG_ALERT, snapshot->log, ngx_errno,
                      "close() of krj generation %V failed",
                      &snapshot->generation);
    }
}


#if (NGX_THREADS)

static void
ngx_http_krj_snapshot_unmap_thread(void *data, ngx_log_t *log)
{
    ngx_http_krj_snapshot_unmap(data);
}


static void
ngx_http_krj_snapshot_unmapped(ngx_event_t *ev)
{
    ngx_free(ev->data);
}

#endif


/* the generation that answers this request, or empty when none did */

ngx_int_t
ngx_http_krj_snapshot_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_http_krj_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_krj_module);

    if (ctx == NULL || ctx->snapshot == NULL) {
        v->not_found = 1;
        return NGX_OK;
    }

    v->len = ctx->snapshot->generation.len;
    v->valid = 1;
    v->no_cacheable = 0;
    v->not_found = 0;
    v->data = ctx->snapshot->generation.data;

    return NGX_OK;
}


/* the category this request is about, or empty */

ngx_int_t
ngx_http_krj_category_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_http_krj_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_krj_module);

    if (ctx == NULL || ctx->category.len == 0) {
        v->not_found = 1;
        return NGX_OK;
    }

    v->len = ctx->category.len;
    v->valid = 1;
    v->no_cacheable = 0;
    v->not_found = 0;
    v->data = ctx->category.data;

    return NGX_OK;
}
