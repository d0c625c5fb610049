
/*
 * Copyright (C) The krj developers
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include "ngx_http_krj_watch.h"

#if (NGX_LINUX)
#include <sys/inotify.h>
#endif


typedef struct {
    int                          wd;
    ngx_str_t                    name;      /* the last path component */
    ngx_http_krj_watch_pt        handler;
    void                        *data;
    ngx_uint_t                   pending;
} ngx_http_krj_watch_t;


#if (NGX_LINUX)

/*
 * krj-batch renames a finished file into place (IN_MOVED_TO); an
 * operator's cp writes the file itself, and only its close says it is
 * complete (IN_CLOSE_WRITE).  Each write (IN_MODIFY) would send a worker
 * to look at half a file.
 */
#define NGX_HTTP_KRJ_WATCH_MASK  (IN_MOVED_TO|IN_CLOSE_WRITE|IN_ONLYDIR)


static ngx_int_t ngx_http_krj_watch_open(ngx_cycle_t *cycle);
static void ngx_http_krj_watch_handler(ngx_event_t *rev);
static ngx_int_t ngx_http_krj_watch_read(ngx_connection_t *c,
    ngx_uint_t *all);
static void ngx_http_krj_watch_match(struct inotify_event *e);


/* per worker: the descriptor is made in init_process, after the fork */
static ngx_connection_t  *ngx_http_krj_watch_conn;
static ngx_array_t       *ngx_http_krj_watches;
static ngx_uint_t         ngx_http_krj_watch_failed;    /* logged once */


void
ngx_http_krj_watch_add(ngx_cycle_t *cycle, ngx_str_t *path,
    ngx_http_krj_watch_pt handler, void *data)
{
    int                    wd;
    u_char                *name, *dir;
    size_t                 len;
    ngx_http_krj_watch_t  *w;

    if (ngx_http_krj_watch_failed) {
        return;
    }

    if (ngx_http_krj_watch_conn == NULL
        && ngx_http_krj_watch_open(cycle) != NGX_OK)
    {
        ngx_http_krj_watch_failed = 1;
        return;
    }

    if (path->len < 2
        || path->data[0] != '/'
        || path->data[path->len - 1] == '/')
    {
        /* nginx made the path absolute; a directory is no file to watch */
        return;
    }

    for (name = path->data + path->len; name[-1] != '/'; name--) {
        /* void */
    }

    /* the directory: what precedes the name; of "/x" it is "/" */
    len = name - 1 - path->data;

    dir = ngx_pnalloc(cycle->pool, len + 2);
    if (dir == NULL) {
        return;
    }

    ngx_cpystrn(dir, path->data, (len ? len : 1) + 1);

    wd = inotify_add_watch(ngx_http_krj_watch_conn->fd, (char *) dir,
                           NGX_HTTP_KRJ_WATCH_MASK);

    if (wd == -1) {
        ngx_log_error(NGX_LOG_WARN, cycle->log, ngx_errno,
                      "inotify_add_watch(\"%s\") failed: a change of \"%V\" "
                      "is seen at the next krj_reload_interval tick",
                      dir, path);
        return;
    }

    w = ngx_array_push(ngx_http_krj_watches);
    if (w == NULL) {
        return;
    }

    /* the same directory twice is one wd: events are told apart by name */

    w->wd = wd;
    w->name.data = name;
    w->name.len = path->data + path->len - name;
    w->handler = handler;
    w->data = data;
    w->pending = 0;
}


void
ngx_http_krj_watch_close(void)
{
    if (ngx_http_krj_watch_conn != NULL) {
        ngx_close_connection(ngx_http_krj_watch_conn);
        ngx_http_krj_watch_conn = NULL;
    }
}


static ngx_int_t
ngx_http_krj_watch_open(ngx_cycle_t *cycle)
{
    int                fd;
    ngx_connection_t  *c;

    ngx_http_krj_watches = ngx_array_create(cycle->pool, 4,
                                            sizeof(ngx_http_krj_watch_t));
    if (ngx_http_krj_watches == NULL) {
        return NGX_ERROR;
    }

    fd = inotify_init1(IN_NONBLOCK|IN_CLOEXEC);

    if (fd == -1) {
        ngx_log_error(NGX_LOG_WARN, cycle->log, ngx_errno,
                      "inotify_init1() failed: changed files are seen at "
                      "the next krj_reload_interval tick");
        return NGX_ERROR;
    }

    c = ngx_get_connection(fd, cycle->log);

    if (c == NULL) {
        (void) close(fd);
        return NGX_ERROR;
    }

    c->log = cycle->log;
    c->read->log = cycle->log;
    c->read->handler = ngx_http_krj_watch_handler;

    /* a graceful shutdown closes idle connections: this one with them */
    c->idle = 1;

    if (ngx_handle_read_event(c->read, 0) != NGX_OK) {
        ngx_close_connection(c);
        return NGX_ERROR;
    }

    ngx_http_krj_watch_conn = c;

    return NGX_OK;
}


static void
ngx_http_krj_watch_handler(ngx_event_t *rev)
{
    ngx_uint_t             i, all;
    ngx_connection_t      *c;
    ngx_http_krj_watch_t  *w;

    c = rev->data;

    if (c->close) {
        ngx_http_krj_watch_close();
        return;
    }

    all = 0;

    if (ngx_http_krj_watch_read(c, &all) != NGX_OK) {
        /* the ticks go on alone */
        ngx_http_krj_watch_close();
        all = 1;

    } else if (ngx_handle_read_event(rev, 0) != NGX_OK) {
        ngx_http_krj_watch_close();
    }

    if (ngx_exiting || ngx_quit || ngx_terminate) {
        return;
    }

    /* after the whole queue: a burst of events is one look per file */

    w = ngx_http_krj_watches->elts;

    for (i = 0; i < ngx_http_krj_watches->nelts; i++) {
        if (w[i].pending || all) {
            w[i].pending = 0;
            w[i].handler(w[i].data, rev->log);
        }
    }
}


static ngx_int_t
ngx_http_krj_watch_read(ngx_connection_t *c, ngx_uint_t *all)
{
    u_char                *p;
    ssize_t                n;
    ngx_err_t              err;
    struct inotify_event  *e;
    u_char                 buf[4096]
        __attribute__ ((aligned(__alignof__(struct inotify_event))));

    for ( ;; ) {
        n = read(c->fd, buf, sizeof(buf));

        if (n == -1) {
            err = ngx_errno;

            if (err == NGX_EAGAIN) {
                c->read->ready = 0;
                return NGX_OK;
            }

            if (err == NGX_EINTR) {
                continue;
            }

            ngx_log_error(NGX_LOG_ALERT, c->log, err,
                          "read() of the inotify descriptor failed");
            return NGX_ERROR;
        }

        if (n == 0) {
            return NGX_OK;
        }

        for (p = buf; p < buf + n; p += sizeof(struct inotify_event) + e->len)
        {
            e = (struct inotify_event *) p;

            if (e->mask & IN_Q_OVERFLOW) {
                /* events were lost: look at every file */
                *all = 1;
                continue;
            }

            ngx_http_krj_watch_match(e);
        }
    }
}


static void
ngx_http_krj_watch_match(struct inotify_event *e)
{
    size_t                 len;
    ngx_uint_t             i;
    ngx_http_krj_watch_t  *w;

    if (e->len == 0) {
        /* an event of the directory itself (IN_IGNORED: it went away) */
        return;
    }

    /* the kernel pads the name with NULs */
    len = ngx_strnlen((u_char *) e->name, e->len);

    w = ngx_http_krj_watches->elts;

    for (i = 0; i < ngx_http_krj_watches->nelts; i++) {
        if (w[i].wd == e->wd
            && w[i].name.len == len
            && ngx_strncmp(w[i].name.data, e->name, len) == 0)
        {
            w[i].pending = 1;
        }
    }
}

#else /* !NGX_LINUX */

void
ngx_http_krj_watch_add(ngx_cycle_t *cycle, ngx_str_t *path,
    ngx_http_krj_watch_pt handler, void *data)
{
    /* the ticks of krj_reload_interval alone */
}


void
ngx_http_krj_watch_close(void)
{
}

#endif
