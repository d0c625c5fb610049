
/*
 * Copyright (C) The krj developers
 */


#ifndef _KRJ_LINK_H_INCLUDED_
#define _KRJ_LINK_H_INCLUDED_


#include <libpq-fe.h>

#include "krj_conf.h"
#include "krj_pg.h"
#include "krj_redis.h"


/*
 * The connections of one command to PostgreSQL and Redis, made when
 * first needed.  A failed connection is logged once (pg_unreachable,
 * redis_unreachable) and, in a daemon, tried again after a backoff that
 * doubles up to KRJ_LINK_BACKOFF_MAX; a one-shot command tries once.
 */
typedef struct {
    const krj_conf_t   *conf;
    int                 daemon;

    PGconn             *pg;
    int                 pg_down;
    long long           pg_retry_at;    /* monotonic ms */
    unsigned            pg_backoff;     /* ms */

    krj_redis_t        *redis;
    int                 redis_down;
    long long           redis_retry_at;
    unsigned            redis_backoff;
} krj_link_t;


#define KRJ_LINK_BACKOFF_MIN    1000
#define KRJ_LINK_BACKOFF_MAX    30000


void krj_link_init(krj_link_t *l, const krj_conf_t *conf, int daemon);
void krj_link_close(krj_link_t *l);

/* a configuration reload: connections are made anew with it */
void krj_link_reconf(krj_link_t *l, const krj_conf_t *conf);

/*
 * A connection whose schema is the expected one, or NULL with the reason
 * in err (not configured: err is "").
 */
PGconn *krj_link_pg(krj_link_t *l, char *err);
krj_redis_t *krj_link_redis(krj_link_t *l, char *err);

/* after a failed statement or command: a dead connection is dropped */
void krj_link_pg_failed(krj_link_t *l, const char *err);
void krj_link_redis_failed(krj_link_t *l, const char *err);

/* milliseconds of CLOCK_MONOTONIC */
long long krj_link_now(void);


#endif /* _KRJ_LINK_H_INCLUDED_ */
