
/*
 * Copyright (C) The krj developers
 */


#ifndef _NGX_HTTP_KRJ_WATCH_H_INCLUDED_
#define _NGX_HTTP_KRJ_WATCH_H_INCLUDED_


/*
 * A worker's look at its files as soon as one is replaced, instead of at
 * the next tick of krj_reload_interval: an inotify descriptor of the
 * directories of the snapshot, the key file and the user file, in the
 * worker's event loop.  The ticks go on as before; they cover what
 * inotify cannot see (a network file system, a directory replaced, a
 * system without inotify), so a change is never later than a tick.
 */


#include <ngx_config.h>
#include <ngx_core.h>


typedef void (*ngx_http_krj_watch_pt)(void *data, ngx_log_t *log);


/*
 * From init_process: handler(data) runs when the file of path (its last
 * component in its directory) is renamed into place or written and
 * closed.  A failure is logged and leaves the file to the ticks.
 */
void ngx_http_krj_watch_add(ngx_cycle_t *cycle, ngx_str_t *path,
    ngx_http_krj_watch_pt handler, void *data);

/* from exit_process: nginx wants no descriptor left open at exit */
void ngx_http_krj_watch_close(void);


#endif /* _NGX_HTTP_KRJ_WATCH_H_INCLUDED_ */
