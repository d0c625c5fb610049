
/*
 * Copyright (C) The krj developers
 */


#ifndef _KRJ_DAEMON_H_INCLUDED_
#define _KRJ_DAEMON_H_INCLUDED_


#include "krj_conf.h"


#define KRJ_VERSION             "0.1.0"


/* "libcsv 3.0.3, jansson 2.14, ...": for --version and the start-up line */
const char *krj_daemon_versions(void);

/* "krj-batch watch" and "krj-batch follow": KRJ_EXIT_* statuses */
int krj_daemon_watch(const krj_conf_t *conf);
int krj_daemon_follow(const krj_conf_t *conf);


/*
 * What both daemons share, in the manner of pgbouncer: signal handlers
 * that only set a flag and wake the main loop through a pipe; SIGTERM and
 * SIGINT end it after the current work, a second one at once; SIGHUP
 * reloads the configuration; SIGPIPE is ignored.  systemd's notify
 * socket gets READY=1, WATCHDOG=1, RELOADING=1 and STOPPING=1.
 */
typedef struct {
    krj_conf_t          conf;           /* the one in force */
    void               *store;          /* its file's strings */
    long long           watchdog_ms;    /* 0: no watchdog */
    long long           watchdog_at;    /* when it is fed next */
} krj_daemon_t;


/* signals and systemd; -1 (logged) when the pipe cannot be made */
int krj_daemon_init(krj_daemon_t *d, const krj_conf_t *conf,
    const char *command);
void krj_daemon_done(krj_daemon_t *d);

/* the fd the main loop polls for signals */
int krj_daemon_signal_fd(void);

/* drains the pipe; 1 when a stop was asked for */
int krj_daemon_stopping(void);
/* the same without draining */
int krj_daemon_stop_asked(void);

/*
 * 1 when a SIGHUP asked for a reload and it took (d->conf is the new
 * one, logged); a bad configuration is logged and the old one kept.
 */
int krj_daemon_reload(krj_daemon_t *d);

/* feeds systemd's watchdog when it is due; returns ms to the next time */
long long krj_daemon_watchdog(krj_daemon_t *d);

void krj_daemon_ready(krj_daemon_t *d, const char *status);


#endif /* _KRJ_DAEMON_H_INCLUDED_ */
