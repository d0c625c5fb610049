
/*
 * Copyright (C) The krj developers
 */


/*
 * krj-batch's metrics for Prometheus: gauges only, one sample each,
 * labelled with the command, in the text format 0.0.4 that node_exporter's
 * textfile collector reads (*.prom files in its directory) and that
 * promtool check metrics accepts.  The names are the contract of
 * conf/prometheus/krj-alerts.yml and conf/grafana/krj.json.
 */


#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "krj_daemon.h"
#include "krj_log.h"
#include "krj_metrics.h"
#include "krj_outbox.h"
#include "krj_publish.h"
#include "krj_run.h"


#define KRJ_METRICS_PREFIX      "krj_batch_"
#define KRJ_METRICS_FILE_MAX    (64 * 1024)


/* one gauge: its name after the prefix, and its HELP */
typedef struct {
    const char     *name;
    const char     *help;
} krj_metrics_gauge_t;


static void krj_metrics_store(krj_metrics_t *m, const krj_conf_t *conf,
    const krj_buf_t *b);
static void krj_metrics_failed(krj_metrics_t *m, const char *path,
    const char *err);
static void krj_metrics_read_back(krj_metrics_t *m, const char *path);
static void krj_metrics_gauge(krj_buf_t *out, const krj_metrics_t *m,
    const krj_metrics_gauge_t *g, const char *value);
static const char *krj_metrics_path(const krj_conf_t *conf);


/* the gauges, in the order written */
enum {
    KRJ_METRICS_INFO = 0,
    KRJ_METRICS_START,
    KRJ_METRICS_END,
    KRJ_METRICS_SUCCESS,
    KRJ_METRICS_LAST_SUCCESS,
    KRJ_METRICS_ACCEPTED,
    KRJ_METRICS_REJECTED,
    KRJ_METRICS_ROWS,
    KRJ_METRICS_WARNINGS,
    KRJ_METRICS_OUTBOX,
    KRJ_METRICS_PG_UP,
    KRJ_METRICS_REDIS_UP,
    KRJ_METRICS_LAG,
    KRJ_METRICS_N
};


static const krj_metrics_gauge_t  krj_metrics_gauges[KRJ_METRICS_N] = {
    { "info",
      "The version of krj-batch, as the label version." },
    { "last_run_start_timestamp_seconds",
      "When the last run started (follow: the last catch-up), in Unix "
      "seconds." },
    { "last_run_end_timestamp_seconds",
      "When the last run ended, in Unix seconds." },
    { "last_run_success",
      "1 when the last run published or found its input unchanged (exit "
      "0, 2 or 4; follow: caught up), else 0." },
    { "last_success_timestamp_seconds",
      "When the last successful run ended, in Unix seconds, kept across "
      "runs." },
    { "files_accepted",
      "Input files the last run validated (follow: categories of the "
      "generation it serves)." },
    { "files_rejected",
      "Input files the last run rejected." },
    { "rows_published",
      "Rows of the generation the last run published or found unchanged." },
    { "warnings",
      "Warnings the last run logged." },
    { "outbox_depth",
      "Items waiting in the outbox to be recorded or announced." },
    { "postgresql_up",
      "1 when PostgreSQL answered, with this krj-batch's schema, when last "
      "asked, else 0." },
    { "redis_up",
      "1 when Redis answered when last asked, else 0." },
    { "follow_lag_seconds",
      "How far this follower is behind the newest revision recorded in "
      "PostgreSQL, in seconds." }
};


void
krj_metrics_init(krj_metrics_t *m, const krj_conf_t *conf,
    const char *command)
{
    memset(m, 0, sizeof(krj_metrics_t));

    m->command = command;
    m->outbox = -1;
    m->pg_up = -1;
    m->redis_up = -1;
    m->follow = (strcmp(command, "follow") == 0);
    m->lag_state = KRJ_METRICS_LAG_UNKNOWN;
    m->current = krj_metrics_now();
    m->dirty = 1;

    if (krj_metrics_path(conf) != NULL) {
        krj_metrics_read_back(m, krj_metrics_path(conf));
    }
}


double
krj_metrics_now(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_REALTIME, &ts);

    return (double) ts.tv_sec + (double) (ts.tv_nsec / 1000000) / 1000.0;
}


void
krj_metrics_run_begin(krj_metrics_t *m)
{
    m->run_started = krj_metrics_now();
}


void
krj_metrics_run_end(krj_metrics_t *m, int status)
{
    /* rejected input and pending deliveries still published */
    krj_metrics_sync_end(m, status == KRJ_EXIT_OK
                            || status == KRJ_EXIT_PARTIAL
                            || status == KRJ_EXIT_PENDING);
}


void
krj_metrics_sync_end(krj_metrics_t *m, int ok)
{
    m->ran = 1;
    m->started = m->run_started ? m->run_started : krj_metrics_now();
    m->ended = krj_metrics_now();
    m->run_started = 0;
    m->success = ok;

    if (ok) {
        m->last_success = m->ended;
    }

    m->dirty = 1;
}


void
krj_metrics_lag(krj_metrics_t *m, int state, double recorded_at)
{
    if (state == KRJ_METRICS_LAG_CURRENT) {
        m->current = krj_metrics_now();
    }

    if (state != m->lag_state
        || (state == KRJ_METRICS_LAG_BEHIND && recorded_at != m->behind))
    {
        m->dirty = 1;
    }

    m->lag_state = state;

    if (state == KRJ_METRICS_LAG_BEHIND) {
        m->behind = recorded_at;
    }
}


void
krj_metrics_observe(krj_metrics_t *m, const krj_conf_t *conf,
    const krj_link_t *l)
{
    int  n;

    n = krj_outbox_count(conf);

    if (n != m->outbox) {
        m->outbox = n;
        m->dirty = 1;
    }

    /* as last seen: down until it answers again, absent before it is tried */
    n = (krj_pg_configured(conf) && l->pg_known) ? !l->pg_down : -1;

    if (n != m->pg_up) {
        m->pg_up = n;
        m->dirty = 1;
    }

    n = (conf->redis_url != NULL && l->redis_known) ? !l->redis_down : -1;

    if (n != m->redis_up) {
        m->redis_up = n;
        m->dirty = 1;
    }
}


int
krj_metrics_render(const krj_metrics_t *m, krj_buf_t *out)
{
    int     i;
    char    v[KRJ_METRICS_N][32];
    double  lag;

    /* an empty value: no sample, as when nothing is known of it */
    memset(v, 0, sizeof(v));

    if (m->ran) {
        snprintf(v[KRJ_METRICS_START], 32, "%.3f", m->started);
        snprintf(v[KRJ_METRICS_END], 32, "%.3f", m->ended);
        snprintf(v[KRJ_METRICS_SUCCESS], 32, "%d", m->success);
        snprintf(v[KRJ_METRICS_ACCEPTED], 32, "%u", m->accepted);
        snprintf(v[KRJ_METRICS_REJECTED], 32, "%u", m->rejected);
        snprintf(v[KRJ_METRICS_ROWS], 32, "%u", m->rows);
        snprintf(v[KRJ_METRICS_WARNINGS], 32, "%u", m->warnings);
    }

    if (m->last_success > 0) {
        snprintf(v[KRJ_METRICS_LAST_SUCCESS], 32, "%.3f", m->last_success);
    }

    if (m->outbox >= 0) {
        snprintf(v[KRJ_METRICS_OUTBOX], 32, "%d", m->outbox);
    }

    if (m->pg_up >= 0) {
        snprintf(v[KRJ_METRICS_PG_UP], 32, "%d", m->pg_up);
    }

    if (m->redis_up >= 0) {
        snprintf(v[KRJ_METRICS_REDIS_UP], 32, "%d", m->redis_up);
    }

    if (m->follow) {
        lag = (m->lag_state == KRJ_METRICS_LAG_CURRENT) ? 0
              : krj_metrics_now() - (m->lag_state == KRJ_METRICS_LAG_BEHIND
                                     ? m->behind : m->current);
        snprintf(v[KRJ_METRICS_LAG], 32, "%.3f", lag > 0 ? lag : 0);
    }

    /* the HELP and TYPE lines of every family, then its one sample */
    krj_buf_printf(out, "# HELP " KRJ_METRICS_PREFIX "%s %s\n"
                   "# TYPE " KRJ_METRICS_PREFIX "%s gauge\n"
                   KRJ_METRICS_PREFIX "%s{command=\"%s\",version=\"%s\"} 1\n",
                   krj_metrics_gauges[0].name, krj_metrics_gauges[0].help,
                   krj_metrics_gauges[0].name, krj_metrics_gauges[0].name,
                   m->command, KRJ_VERSION);

    for (i = 1; i < KRJ_METRICS_N; i++) {
        if (v[i][0] != '\0') {
            krj_metrics_gauge(out, m, &krj_metrics_gauges[i], v[i]);
        }
    }

    return out->failed ? -1 : 0;
}


static void
krj_metrics_gauge(krj_buf_t *out, const krj_metrics_t *m,
    const krj_metrics_gauge_t *g, const char *value)
{
    krj_buf_printf(out, "# HELP " KRJ_METRICS_PREFIX "%s %s\n"
                   "# TYPE " KRJ_METRICS_PREFIX "%s gauge\n"
                   KRJ_METRICS_PREFIX "%s{command=\"%s\"} %s\n",
                   g->name, g->help, g->name, g->name, m->command, value);
}


void
krj_metrics_write(krj_metrics_t *m, const krj_conf_t *conf)
{
    krj_buf_t  b;

    if (krj_metrics_path(conf) == NULL) {
        return;
    }

    krj_buf_init(&b);

    if (krj_metrics_render(m, &b) == 0) {
        krj_metrics_store(m, conf, &b);

    } else {
        krj_metrics_failed(m, krj_metrics_path(conf), "out of memory");
    }

    krj_buf_free(&b);
}


static void
krj_metrics_store(krj_metrics_t *m, const krj_conf_t *conf,
    const krj_buf_t *b)
{
    char          dir[PATH_MAX], name[PATH_MAX], err[KRJ_PUBLISH_ERRLEN];
    const char   *path;
    krj_stage_t   st;

    path = krj_metrics_path(conf);

    /* dirname() and basename() may write into what they are given */
    snprintf(dir, sizeof(dir), "%s", path);
    snprintf(name, sizeof(name), "%s", path);

    if (krj_stage_file(&st, dirname(dir), basename(name), b->data, b->len,
                       0644, err)
        != 0
        || krj_stage_commit(&st, err) != 0)
    {
        krj_metrics_failed(m, path, err);
        return;
    }

    if (m->write_failed) {
        krj_log_event(KRJ_LOG_INFO, "metrics_written", path, 0, "the "
                      "metrics are written again");
    }

    m->write_failed = 0;
}


/* a daemon tries at every change: it says so once */
static void
krj_metrics_failed(krj_metrics_t *m, const char *path, const char *err)
{
    if (!m->write_failed) {
        krj_log_event(KRJ_LOG_WARN, "metrics_failed", path, 0, "cannot "
                      "write the metrics: %s", err);
    }

    m->write_failed = 1;
}


void
krj_metrics_update(krj_metrics_t *m, const krj_conf_t *conf,
    const krj_link_t *l, unsigned refresh)
{
    long long  now;
    krj_buf_t  b;

    krj_metrics_observe(m, conf, l);

    now = krj_link_now();

    if (m->http == NULL && !m->dirty && now < m->write_at) {
        return;
    }

    krj_buf_init(&b);

    if (krj_metrics_render(m, &b) != 0) {
        krj_buf_free(&b);
        return;
    }

    /* a scrape sees the lag as of now, not as of the last write */
    if (m->http != NULL) {
        krj_metrics_http_set(m->http, b.data, b.len);
    }

    if ((m->dirty || now >= m->write_at) && krj_metrics_path(conf) != NULL) {
        krj_metrics_store(m, conf, &b);
    }

    if (m->dirty || now >= m->write_at) {
        m->dirty = 0;
        m->write_at = now + refresh;
    }

    krj_buf_free(&b);
}


int
krj_metrics_listen(krj_metrics_t *m, const krj_conf_t *conf)
{
    char  err[KRJ_METRICS_HTTP_ERRLEN];

    if (conf->metrics_listen == NULL) {
        return 0;
    }

    m->http = krj_metrics_http_start(conf->metrics_listen, err);

    if (m->http == NULL) {
        krj_log_event(KRJ_LOG_ERROR, "metrics_listen_failed", NULL, 0,
                      "--metrics-listen %s: %s", conf->metrics_listen, err);
        return -1;
    }

    krj_log_event(KRJ_LOG_INFO, "metrics_listening", NULL, 0, "metrics on "
                  "http://%s/metrics", krj_metrics_http_addr(m->http));

    return 0;
}


void
krj_metrics_done(krj_metrics_t *m)
{
    krj_metrics_http_stop(m->http);
    m->http = NULL;
}


/* the previous process's last success, if it was this command's */
static void
krj_metrics_read_back(krj_metrics_t *m, const char *path)
{
    char         prefix[128], err[KRJ_PUBLISH_ERRLEN], *end;
    size_t       len, plen;
    double       v;
    uint8_t     *data;
    const char  *p, *q;

    if (krj_file_read(path, KRJ_METRICS_FILE_MAX, &data, &len, err) != 0) {
        return;
    }

    plen = (size_t) snprintf(prefix, sizeof(prefix), KRJ_METRICS_PREFIX
                             "last_success_timestamp_seconds{command=\"%s\"}"
                             " ", m->command);

    for (p = (const char *) data; p < (const char *) data + len; p = q + 1) {
        q = memchr(p, '\n', (const char *) data + len - p);

        if (q == NULL) {
            break;
        }

        if ((size_t) (q - p) <= plen || memcmp(p, prefix, plen) != 0) {
            continue;
        }

        errno = 0;
        v = strtod(p + plen, &end);

        if (errno == 0 && end == q && v > 0) {
            m->last_success = v;
        }
    }

    free(data);
}


static const char *
krj_metrics_path(const krj_conf_t *conf)
{
    return (conf->metrics_file != NULL && conf->metrics_file[0] != '\0')
           ? conf->metrics_file : NULL;
}
