
/*
 * Copyright (C) The krj developers
 */


#ifndef _KRJ_RUN_H_INCLUDED_
#define _KRJ_RUN_H_INCLUDED_


#include "krj_conf.h"
#include "krj_link.h"


/* exit statuses of krj-batch, documented in --help */
#define KRJ_EXIT_OK         0       /* published, or unchanged */
#define KRJ_EXIT_USAGE      1       /* usage or configuration error */
#define KRJ_EXIT_PARTIAL    2       /* published, some input rejected */
#define KRJ_EXIT_FAILED     3       /* nothing published or replaced */
#define KRJ_EXIT_PENDING    4       /* published; the outbox holds what
                                       could not be recorded or announced */


/* one ingest: scan, validate, publish; returns a KRJ_EXIT_* status */
int krj_run(const krj_conf_t *conf);

/* the same with the connections of a daemon */
int krj_run_ingest(const krj_conf_t *conf, krj_link_t *l);

/*
 * Validates the published snapshot and prints its summary on stdout;
 * then the outbox, PostgreSQL and Redis (krj_status.c)
 */
int krj_status(const krj_conf_t *conf);


#endif /* _KRJ_RUN_H_INCLUDED_ */
