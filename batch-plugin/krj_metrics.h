
/*
 * Copyright (C) The krj developers
 */


#ifndef _KRJ_METRICS_H_INCLUDED_
#define _KRJ_METRICS_H_INCLUDED_


#include "krj_buf.h"
#include "krj_conf.h"
#include "krj_link.h"
#include "krj_metrics_http.h"


/* a daemon rewrites the textfile at least this often, ms (follow: --poll) */
#define KRJ_METRICS_REFRESH     60000


/*
 * What run, watch and follow tell Prometheus about themselves, as gauges
 * labelled with the command: the last run (follow: the last catch-up),
 * the outbox, PostgreSQL and Redis as last seen, and a follower's lag.
 * It is written to --metrics-file, for node_exporter's textfile
 * collector, and served on --metrics-listen (krj_metrics_http.c).
 */
typedef struct {
    const char         *command;        /* "run", "watch", "follow" */

    int                 ran;            /* a run ended since the start */
    double              started;        /* the last run's, Unix seconds */
    double              ended;
    int                 success;
    double              last_success;   /* 0: none known */
    double              run_started;    /* of the run under way, or 0 */
    unsigned            accepted;
    unsigned            rejected;
    unsigned            rows;
    unsigned            warnings;

    int                 outbox;         /* items waiting, -1: unknown */
    int                 pg_up;          /* -1: not configured, not tried */
    int                 redis_up;       /* the same */

    /*
     * follow: the seconds behind the newest revision in PostgreSQL are
     * 0 when it serves it, now - behind when it knows it lacks one
     * recorded then, and now - current when PostgreSQL could not be
     * asked (it may be behind by that much)
     */
    int                 follow;
    int                 lag_state;      /* KRJ_METRICS_LAG_* */
    double              behind;
    double              current;

    int                 dirty;          /* changed since last written */
    long long           write_at;       /* monotonic ms: refresh due */
    int                 write_failed;   /* said once, until it works */

    krj_metrics_http_t *http;           /* --metrics-listen, or NULL */
} krj_metrics_t;


#define KRJ_METRICS_LAG_CURRENT     0
#define KRJ_METRICS_LAG_BEHIND      1
#define KRJ_METRICS_LAG_UNKNOWN     2


/*
 * command is the label; the end of the last successful run is read back
 * from the textfile the previous process left (conf->metrics_file)
 */
void krj_metrics_init(krj_metrics_t *m, const krj_conf_t *conf,
    const char *command);

/* Unix seconds with milliseconds */
double krj_metrics_now(void);

/*
 * A run begins, and ends with a KRJ_EXIT_* status (success: 0, 2 and 4);
 * the caller sets accepted, rejected, rows and warnings before the end.
 */
void krj_metrics_run_begin(krj_metrics_t *m);
void krj_metrics_run_end(krj_metrics_t *m, int status);
/* follow: a catch-up ended, well or not */
void krj_metrics_sync_end(krj_metrics_t *m, int ok);

/* follow: what PostgreSQL said of the newest revision (KRJ_METRICS_LAG_*) */
void krj_metrics_lag(krj_metrics_t *m, int state, double recorded_at);

/* the outbox depth, and PostgreSQL and Redis as the link last saw them */
void krj_metrics_observe(krj_metrics_t *m, const krj_conf_t *conf,
    const krj_link_t *l);

/* the Prometheus text format 0.0.4, as of now; 0, or -1 out of memory */
int krj_metrics_render(const krj_metrics_t *m, krj_buf_t *out);

/*
 * Writes the textfile atomically (a temporary file in its directory,
 * fsync, rename), mode 0644.  A failure is a warning naming the file
 * (metrics_failed), said once until a write works again; it never fails
 * the command.  Nothing without --metrics-file.
 */
void krj_metrics_write(krj_metrics_t *m, const krj_conf_t *conf);

/*
 * A daemon's loop: observes the link, gives the text to --metrics-listen,
 * and writes the textfile when something changed or refresh ms have
 * passed since it was written.
 */
void krj_metrics_update(krj_metrics_t *m, const krj_conf_t *conf,
    const krj_link_t *l, unsigned refresh);

/*
 * A daemon's --metrics-listen, started (metrics_listening) or refused
 * with the reason (metrics_listen_failed): 0 or -1.  Nothing without it.
 */
int krj_metrics_listen(krj_metrics_t *m, const krj_conf_t *conf);
void krj_metrics_done(krj_metrics_t *m);


#endif /* _KRJ_METRICS_H_INCLUDED_ */
