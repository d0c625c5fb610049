
/*
 * Copyright (C) The krj developers
 */


/*
 * The daemons' common ground (signals, reload, systemd) and "watch": an
 * ingest at start, then one whenever the input directory has changed and
 * been quiet for --settle; the outbox is retried while it holds items.
 */


#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <csv.h>
#include <hiredis/hiredis.h>
#include <jansson.h>
#include <libpq-fe.h>
#include <openssl/opensslv.h>
#include <systemd/sd-daemon.h>
#include <zlib.h>

#include "krj_daemon.h"
#include "krj_link.h"
#include "krj_log.h"
#include "krj_outbox.h"
#include "krj_run.h"


/* how often a watch delivers a non-empty outbox, ms */
#define KRJ_DAEMON_OUTBOX_RETRY     5000


static void krj_daemon_signal(int signo);
static int krj_daemon_watch_dir(const krj_conf_t *conf);


static int                    krj_daemon_pipe[2] = { -1, -1 };
static volatile sig_atomic_t  krj_daemon_stop;
static volatile sig_atomic_t  krj_daemon_hup;


const char *
krj_daemon_versions(void)
{
    static char  buf[256];

    snprintf(buf, sizeof(buf), "libcsv %d.%d.%d, jansson %s, zlib %s, %s, "
             "libpq %d, hiredis %d.%d.%d", CSV_MAJOR, CSV_MINOR,
             CSV_RELEASE, JANSSON_VERSION, zlibVersion(),
             OPENSSL_VERSION_TEXT, PQlibVersion(), HIREDIS_MAJOR,
             HIREDIS_MINOR, HIREDIS_PATCH);

    return buf;
}


int
krj_daemon_init(krj_daemon_t *d, const krj_conf_t *conf,
    const char *command)
{
    int               i;
    uint64_t          usec;
    struct sigaction  sa;

    memset(d, 0, sizeof(krj_daemon_t));
    d->conf = *conf;

    if (pipe2(krj_daemon_pipe, O_NONBLOCK | O_CLOEXEC) != 0) {
        krj_log(KRJ_LOG_ERROR, NULL, 0, "pipe: %s", strerror(errno));
        return -1;
    }

    memset(&sa, 0, sizeof(struct sigaction));
    sa.sa_handler = krj_daemon_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;

    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);

    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);

    /* systemd asks for a ping at least every half of WatchdogSec */
    if (sd_watchdog_enabled(0, &usec) > 0) {
        d->watchdog_ms = (long long) (usec / 2000);
        d->watchdog_at = krj_link_now() + d->watchdog_ms;
    }

    i = sd_booted();

    krj_log_event(KRJ_LOG_INFO, "started", NULL, 0, "krj-batch %s %s up "
                  "(pid %d; %s; systemd %s, watchdog %s)", KRJ_VERSION,
                  command, (int) getpid(), krj_daemon_versions(),
                  i > 0 ? "present" : "absent",
                  d->watchdog_ms ? "on" : "off");

    return 0;
}


void
krj_daemon_done(krj_daemon_t *d)
{
    sd_notify(0, "STOPPING=1");

    krj_log_event(KRJ_LOG_INFO, "stopped", NULL, 0, "stopped");

    if (krj_daemon_pipe[0] != -1) {
        close(krj_daemon_pipe[0]);
        close(krj_daemon_pipe[1]);
        krj_daemon_pipe[0] = -1;
        krj_daemon_pipe[1] = -1;
    }

    (void) d;
}


/* only flags and a byte to the pipe: the main loop does the work */
static void
krj_daemon_signal(int signo)
{
    int    saved;
    char   c;

    saved = errno;

    if (signo == SIGHUP) {
        krj_daemon_hup = 1;

    } else if (krj_daemon_stop_asked()) {
        /* the second one: at once, the current run left as it is */
        _exit(KRJ_EXIT_OK);

    } else {
        krj_daemon_stop = 1;
    }

    c = (char) signo;

    if (write(krj_daemon_pipe[1], &c, 1) == -1) {
        /* the pipe is full: the flag is set, the loop will see it */
    }

    errno = saved;
}


int
krj_daemon_signal_fd(void)
{
    return krj_daemon_pipe[0];
}


int
krj_daemon_stopping(void)
{
    char  buf[64];

    while (read(krj_daemon_pipe[0], buf, sizeof(buf)) > 0) {
        /* void */
    }

    return krj_daemon_stop;
}


int
krj_daemon_stop_asked(void)
{
    return krj_daemon_stop;
}


int
krj_daemon_reload(krj_daemon_t *d)
{
    char         err[KRJ_CONF_ERRLEN];
    void        *store;
    krj_conf_t   c;

    if (!krj_daemon_hup) {
        return 0;
    }

    krj_daemon_hup = 0;

    sd_notify(0, "RELOADING=1");

    if (krj_conf_reload(&d->conf, &c, &store, err) != 0) {
        krj_log_event(KRJ_LOG_ERROR, "reload_failed", NULL, 0, "SIGHUP: "
                      "%s; the configuration in force is kept", err);
        sd_notify(0, "READY=1");
        return 0;
    }

    krj_conf_file_free(d->store);
    d->conf = c;
    d->store = store;

    krj_log_setup(c.log_format, c.log_level);

    krj_log_event(KRJ_LOG_INFO, "reloaded",
                  (c.config != NULL && c.config[0]) ? c.config : NULL, 0,
                  "SIGHUP: configuration reloaded");

    sd_notify(0, "READY=1");

    return 1;
}


long long
krj_daemon_watchdog(krj_daemon_t *d)
{
    long long  now;

    if (d->watchdog_ms == 0) {
        return 60000;
    }

    now = krj_link_now();

    if (now >= d->watchdog_at) {
        sd_notify(0, "WATCHDOG=1");
        d->watchdog_at = now + d->watchdog_ms;
    }

    return d->watchdog_at - now;
}


void
krj_daemon_ready(krj_daemon_t *d, const char *status)
{
    char  buf[256];

    snprintf(buf, sizeof(buf), "READY=1\nSTATUS=%s", status);
    sd_notify(0, buf);

    (void) d;
}


int
krj_daemon_watch(const krj_conf_t *conf)
{
    int             ifd, status, dirty, pending, n;
    char            buf[4096];
    long long       now, quiet_at, outbox_at, wait;
    krj_link_t      l;
    krj_daemon_t    d;
    struct pollfd   pfd[2];

    if (krj_daemon_init(&d, conf, "watch") != 0) {
        return KRJ_EXIT_FAILED;
    }

    ifd = krj_daemon_watch_dir(&d.conf);
    if (ifd == -1) {
        krj_daemon_done(&d);
        return KRJ_EXIT_FAILED;
    }

    krj_link_init(&l, &d.conf, 1);

    /* a run at start: what landed while nothing watched */
    status = krj_run_ingest(&d.conf, &l);
    pending = (status == KRJ_EXIT_PENDING);

    krj_daemon_ready(&d, "watching");

    dirty = 0;
    quiet_at = 0;
    outbox_at = krj_link_now() + KRJ_DAEMON_OUTBOX_RETRY;

    while (!krj_daemon_stopping()) {

        if (krj_daemon_reload(&d)) {
            krj_link_reconf(&l, &d.conf);
        }

        now = krj_link_now();
        wait = krj_daemon_watchdog(&d);

        if (dirty && quiet_at - now < wait) {
            wait = quiet_at - now;
        }

        if (pending && outbox_at - now < wait) {
            wait = outbox_at - now;
        }

        pfd[0].fd = ifd;
        pfd[0].events = POLLIN;
        pfd[1].fd = krj_daemon_signal_fd();
        pfd[1].events = POLLIN;

        n = poll(pfd, 2, wait > 0 ? (int) wait : 0);

        if (n == -1 && errno != EINTR) {
            krj_log(KRJ_LOG_ERROR, NULL, 0, "poll: %s", strerror(errno));
            break;
        }

        if (n > 0 && (pfd[0].revents & POLLIN)) {
            while (read(ifd, buf, sizeof(buf)) > 0) {
                /* which file does not matter: the run scans them all */
            }

            /* debounced: each change pushes the run back */
            dirty = 1;
            quiet_at = krj_link_now() + d.conf.settle;
        }

        if (krj_daemon_stop_asked()) {
            break;
        }

        now = krj_link_now();

        if (dirty && now >= quiet_at) {
            dirty = 0;
            krj_log_event(KRJ_LOG_DEBUG, "changed", d.conf.input, 0,
                          "quiet for %u ms: running", d.conf.settle);
            krj_daemon_watchdog(&d);
            status = krj_run_ingest(&d.conf, &l);
            pending = (status == KRJ_EXIT_PENDING);
            outbox_at = krj_link_now() + KRJ_DAEMON_OUTBOX_RETRY;

        } else if (pending && now >= outbox_at) {
            pending = (krj_outbox_deliver(&d.conf, &l) != 0);
            outbox_at = krj_link_now() + KRJ_DAEMON_OUTBOX_RETRY;
        }
    }

    krj_link_close(&l);
    close(ifd);
    krj_daemon_done(&d);
    krj_conf_file_free(d.store);

    return KRJ_EXIT_OK;
}


/* inotify on the input directory: what lands, moves or goes away */
static int
krj_daemon_watch_dir(const krj_conf_t *conf)
{
    int  fd;

    fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (fd == -1) {
        krj_log(KRJ_LOG_ERROR, NULL, 0, "inotify: %s", strerror(errno));
        return -1;
    }

    if (inotify_add_watch(fd, conf->input, IN_CLOSE_WRITE | IN_MOVED_TO
                          | IN_MOVED_FROM | IN_CREATE | IN_DELETE
                          | IN_ATTRIB | IN_ONLYDIR)
        == -1)
    {
        krj_log(KRJ_LOG_ERROR, conf->input, 0, "cannot watch the input "
                "directory: %s", strerror(errno));
        close(fd);
        return -1;
    }

    return fd;
}
