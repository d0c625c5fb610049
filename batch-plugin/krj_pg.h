
/*
 * Copyright (C) The krj developers
 */


#ifndef _KRJ_PG_H_INCLUDED_
#define _KRJ_PG_H_INCLUDED_


#include <libpq-fe.h>

#include "krj_conf.h"


#define KRJ_PG_ERRLEN       512


/* 1 when PostgreSQL is configured: a DSN, or libpq's PG* variables */
int krj_pg_configured(const krj_conf_t *conf);

/*
 * For the commands that cannot do without PostgreSQL (migrate, backup,
 * restore): 0 when it is configured, else -1 with the ways to configure
 * it said on stderr.
 */
int krj_pg_required(const krj_conf_t *conf);

/*
 * Connects with the connect and statement timeouts of conf and checks
 * the status, as testlibpq does.  NULL with the reason in err.
 */
PGconn *krj_pg_connect(const krj_conf_t *conf, char *err);

/*
 * The schema version of the database: 0 when krj_schema does not exist
 * yet.  0, or -1 with the reason in err.
 */
int krj_pg_schema_version(PGconn *pg, int *version, char *err);

/*
 * 0 when the schema is the one this krj-batch expects; else -1 and err
 * says what to do ("run krj-batch migrate", or upgrade krj-batch).
 */
int krj_pg_schema_check(PGconn *pg, char *err);

/*
 * PQexecParams() with text parameters (lens and formats may be NULL)
 * and the result in format (0 text, 1 binary); the result when its
 * status is expect, else NULL (the result cleared) with the reason in
 * err.
 */
PGresult *krj_pg_exec(PGconn *pg, const char *sql, int n,
    const char *const *values, const int *lens, const int *formats,
    int format, ExecStatusType expect, char *err);

/* a statement that returns no rows, e.g. BEGIN; 0 or -1 */
int krj_pg_command(PGconn *pg, const char *sql, char *err);

/* ROLLBACK of a transaction that failed; errors are of no interest */
void krj_pg_rollback(PGconn *pg);

/* the value of row, column as text, NULL when it is NULL */
const char *krj_pg_value(const PGresult *res, int row, int col);


#endif /* _KRJ_PG_H_INCLUDED_ */
