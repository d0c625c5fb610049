
/*
 * Copyright (C) The krj developers
 */


/*
 * The PostgreSQL connection of krj-batch, in the manner of PostgreSQL's
 * testlibpq examples: every connection and result status checked, every
 * result cleared, parameters out of line.
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "krj_log.h"
#include "krj_migrate.h"
#include "krj_pg.h"


static void krj_pg_notice(void *arg, const char *message);
static void krj_pg_error(PGconn *pg, const PGresult *res, const char *what,
    char *err);


int
krj_pg_configured(const krj_conf_t *conf)
{
    static const char  *vars[] = {
        "PGHOST", "PGHOSTADDR", "PGDATABASE", "PGSERVICE", NULL
    };
    const char        **v;
    const char         *e;

    if (conf->pg_dsn != NULL) {
        return 1;
    }

    for (v = vars; *v != NULL; v++) {
        e = getenv(*v);

        if (e != NULL && e[0] != '\0') {
            return 1;
        }
    }

    return 0;
}


int
krj_pg_required(const krj_conf_t *conf)
{
    if (krj_pg_configured(conf)) {
        return 0;
    }

    fprintf(stderr, "krj-batch: PostgreSQL is not configured: give "
            "--pg-dsn, KRJ_PG_DSN, pg-dsn in the configuration file, "
            "or libpq's PGHOST, PGDATABASE or PGSERVICE\n");

    return -1;
}


PGconn *
krj_pg_connect(const krj_conf_t *conf, char *err)
{
    char         timeout[16], sql[64];
    PGconn      *pg;
    const char  *keys[4], *values[4];

    snprintf(timeout, sizeof(timeout), "%u", conf->pg_connect_timeout);

    /* the DSN comes last, so that what it says wins (expand_dbname) */
    keys[0] = "connect_timeout";
    values[0] = timeout;
    keys[1] = "application_name";
    values[1] = "krj-batch";
    keys[2] = "dbname";
    values[2] = (conf->pg_dsn != NULL) ? conf->pg_dsn : "";
    keys[3] = NULL;
    values[3] = NULL;

    /* an empty dbname: libpq takes PGDATABASE, the service file, ... */
    if (values[2][0] == '\0') {
        keys[2] = NULL;
    }

    pg = PQconnectdbParams(keys, values, 1);

    if (pg == NULL) {
        snprintf(err, KRJ_PG_ERRLEN, "PostgreSQL: out of memory");
        return NULL;
    }

    if (PQstatus(pg) != CONNECTION_OK) {
        krj_pg_error(pg, NULL, "cannot connect to PostgreSQL", err);
        PQfinish(pg);
        return NULL;
    }

    PQsetNoticeProcessor(pg, krj_pg_notice, NULL);

    snprintf(sql, sizeof(sql), "SET statement_timeout = %u",
             conf->pg_statement_timeout);

    if (krj_pg_command(pg, sql, err) != 0) {
        PQfinish(pg);
        return NULL;
    }

    return pg;
}


int
krj_pg_schema_version(PGconn *pg, int *version, char *err)
{
    PGresult    *res;
    const char  *v;

    *version = 0;

    res = krj_pg_exec(pg, "SELECT to_regclass('krj_schema') IS NOT NULL",
                      0, NULL, NULL, NULL, 0, PGRES_TUPLES_OK, err);
    if (res == NULL) {
        return -1;
    }

    v = krj_pg_value(res, 0, 0);

    if (v == NULL || strcmp(v, "t") != 0) {
        PQclear(res);
        return 0;
    }

    PQclear(res);

    res = krj_pg_exec(pg, "SELECT coalesce(max(version), 0) FROM krj_schema",
                      0, NULL, NULL, NULL, 0, PGRES_TUPLES_OK, err);
    if (res == NULL) {
        return -1;
    }

    v = krj_pg_value(res, 0, 0);
    *version = (v != NULL) ? atoi(v) : 0;

    PQclear(res);

    return 0;
}


int
krj_pg_schema_check(PGconn *pg, char *err)
{
    int  version, latest;

    if (krj_pg_schema_version(pg, &version, err) != 0) {
        return -1;
    }

    latest = krj_migrate_latest();

    if (version < latest) {
        snprintf(err, KRJ_PG_ERRLEN, "the database schema is at version "
                 "%d, this krj-batch needs %d: run krj-batch migrate",
                 version, latest);
        return -1;
    }

    if (version > latest) {
        snprintf(err, KRJ_PG_ERRLEN, "the database schema is at version "
                 "%d, newer than this krj-batch knows (%d): upgrade "
                 "krj-batch", version, latest);
        return -1;
    }

    return 0;
}


PGresult *
krj_pg_exec(PGconn *pg, const char *sql, int n, const char *const *values,
    const int *lens, const int *formats, int format, ExecStatusType expect,
    char *err)
{
    PGresult  *res;

    res = PQexecParams(pg, sql, n, NULL, values, lens, formats, format);

    if (res == NULL || PQresultStatus(res) != expect) {
        krj_pg_error(pg, res, "PostgreSQL", err);
        PQclear(res);
        return NULL;
    }

    return res;
}


int
krj_pg_command(PGconn *pg, const char *sql, char *err)
{
    PGresult  *res;

    res = PQexec(pg, sql);

    /* rows are of no interest: SELECT pg_advisory_xact_lock() */
    if (res == NULL || (PQresultStatus(res) != PGRES_COMMAND_OK
                        && PQresultStatus(res) != PGRES_TUPLES_OK))
    {
        krj_pg_error(pg, res, "PostgreSQL", err);
        PQclear(res);
        return -1;
    }

    PQclear(res);

    return 0;
}


void
krj_pg_rollback(PGconn *pg)
{
    PGresult  *res;

    if (PQstatus(pg) != CONNECTION_OK
        || PQtransactionStatus(pg) == PQTRANS_IDLE)
    {
        return;
    }

    res = PQexec(pg, "ROLLBACK");
    PQclear(res);
}


const char *
krj_pg_value(const PGresult *res, int row, int col)
{
    if (row >= PQntuples(res) || col >= PQnfields(res)
        || PQgetisnull(res, row, col))
    {
        return NULL;
    }

    return PQgetvalue(res, row, col);
}


/* "what: message", the message on one line, without libpq's newline */
static void
krj_pg_error(PGconn *pg, const PGresult *res, const char *what, char *err)
{
    size_t       len;
    const char  *msg;

    msg = (res != NULL) ? PQresultErrorMessage(res) : "";

    if (msg[0] == '\0') {
        msg = PQerrorMessage(pg);
    }

    if (msg[0] == '\0' && res != NULL) {
        msg = PQresStatus(PQresultStatus(res));
    }

    len = strcspn(msg, "\n");

    snprintf(err, KRJ_PG_ERRLEN, "%s: %.*s", what, (int) len,
             msg[0] ? msg : "unknown error");
}


static void
krj_pg_notice(void *arg, const char *message)
{
    (void) arg;

    krj_log_event(KRJ_LOG_DEBUG, "pg_notice", NULL, 0, "PostgreSQL: %.*s",
                  (int) strcspn(message, "\n"), message);
}
