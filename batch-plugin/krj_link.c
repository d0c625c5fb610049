
/*
 * Copyright (C) The krj developers
 */


#include <stdio.h>
#include <string.h>
#include <time.h>

#include "krj_link.h"
#include "krj_log.h"


static void krj_link_down(const char *event, const char *what, int *down,
    long long *retry_at, unsigned *backoff, int daemon, const char *err);
static void krj_link_up(const char *event, const char *what, int *down,
    unsigned *backoff);


void
krj_link_init(krj_link_t *l, const krj_conf_t *conf, int daemon)
{
    memset(l, 0, sizeof(krj_link_t));
    l->conf = conf;
    l->daemon = daemon;
}


void
krj_link_close(krj_link_t *l)
{
    if (l->pg != NULL) {
        PQfinish(l->pg);
        l->pg = NULL;
    }

    krj_redis_free(l->redis);
    l->redis = NULL;
}


void
krj_link_reconf(krj_link_t *l, const krj_conf_t *conf)
{
    krj_link_close(l);
    l->conf = conf;
    l->pg_retry_at = 0;
    l->redis_retry_at = 0;
}


PGconn *
krj_link_pg(krj_link_t *l, char *err)
{
    PGconn      *pg;
    const char  *event;

    err[0] = '\0';

    if (!krj_pg_configured(l->conf)) {
        return NULL;
    }

    if (l->pg != NULL) {
        if (PQstatus(l->pg) == CONNECTION_OK) {
            return l->pg;
        }

        PQfinish(l->pg);
        l->pg = NULL;
    }

    if (l->pg_retry_at != 0 && krj_link_now() < l->pg_retry_at) {
        snprintf(err, KRJ_PG_ERRLEN, "PostgreSQL is unreachable, next "
                 "attempt in %lld ms", l->pg_retry_at - krj_link_now());
        return NULL;
    }

    pg = krj_pg_connect(l->conf, err);
    event = "pg_unreachable";

    /* behind: "run krj-batch migrate"; newer: "upgrade krj-batch" */
    if (pg != NULL && krj_pg_schema_check(pg, err) != 0) {
        PQfinish(pg);
        pg = NULL;
        event = "schema_mismatch";
    }

    if (pg == NULL) {
        krj_link_down(event, "PostgreSQL", &l->pg_down, &l->pg_retry_at,
                      &l->pg_backoff, l->daemon, err);
        return NULL;
    }

    krj_link_up("pg_connected", "PostgreSQL", &l->pg_down, &l->pg_backoff);
    l->pg_retry_at = 0;
    l->pg = pg;

    return pg;
}


void
krj_link_pg_failed(krj_link_t *l, const char *err)
{
    if (l->pg == NULL || PQstatus(l->pg) == CONNECTION_OK) {
        return;
    }

    PQfinish(l->pg);
    l->pg = NULL;

    krj_link_down("pg_unreachable", "PostgreSQL", &l->pg_down,
                  &l->pg_retry_at, &l->pg_backoff, l->daemon, err);
}


krj_redis_t *
krj_link_redis(krj_link_t *l, char *err)
{
    krj_redis_t  *r;

    err[0] = '\0';

    if (l->conf->redis_url == NULL) {
        return NULL;
    }

    if (l->redis != NULL) {
        if (!l->redis->dead) {
            return l->redis;
        }

        krj_redis_free(l->redis);
        l->redis = NULL;
    }

    if (l->redis_retry_at != 0 && krj_link_now() < l->redis_retry_at) {
        snprintf(err, KRJ_REDIS_ERRLEN, "Redis is unreachable, next "
                 "attempt in %lld ms", l->redis_retry_at - krj_link_now());
        return NULL;
    }

    r = krj_redis_connect(l->conf->redis_url, l->conf->redis_timeout, err);

    if (r == NULL) {
        krj_link_down("redis_unreachable", "Redis", &l->redis_down,
                      &l->redis_retry_at, &l->redis_backoff, l->daemon, err);
        return NULL;
    }

    krj_link_up("redis_connected", "Redis", &l->redis_down,
                &l->redis_backoff);
    l->redis_retry_at = 0;
    l->redis = r;

    return r;
}


void
krj_link_redis_failed(krj_link_t *l, const char *err)
{
    if (l->redis == NULL || !l->redis->dead) {
        return;
    }

    krj_redis_free(l->redis);
    l->redis = NULL;

    krj_link_down("redis_unreachable", "Redis", &l->redis_down,
                  &l->redis_retry_at, &l->redis_backoff, l->daemon, err);
}


/*
 * Logged when the server goes away, not at every failed attempt: a
 * daemon says once what it waits for, and again when it is back.
 */
static void
krj_link_down(const char *event, const char *what, int *down,
    long long *retry_at, unsigned *backoff, int daemon, const char *err)
{
    if (!daemon) {
        /* one attempt per command: the rest of it goes on without */
        *retry_at = krj_link_now() + 24LL * 3600 * 1000;

        if (!*down) {
            krj_log_event(KRJ_LOG_WARN, event, NULL, 0, "%s", err);
        }

        *down = 1;
        return;
    }

    *backoff = (*backoff == 0) ? KRJ_LINK_BACKOFF_MIN
               : (*backoff * 2 > KRJ_LINK_BACKOFF_MAX
                  ? KRJ_LINK_BACKOFF_MAX : *backoff * 2);
    *retry_at = krj_link_now() + *backoff;

    if (!*down) {
        krj_log_event(KRJ_LOG_WARN, event, NULL, 0, "%s; trying again "
                      "every %d s at most until %s answers", err,
                      KRJ_LINK_BACKOFF_MAX / 1000, what);
    }

    *down = 1;
}


static void
krj_link_up(const char *event, const char *what, int *down,
    unsigned *backoff)
{
    if (*down) {
        krj_log_event(KRJ_LOG_INFO, event, NULL, 0, "%s answers again",
                      what);
    }

    *down = 0;
    *backoff = 0;
}


long long
krj_link_now(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);

    return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
