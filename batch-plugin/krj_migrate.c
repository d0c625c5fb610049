
/*
 * Copyright (C) The krj developers
 */


/*
 * "krj-batch migrate": the SQL files of batch-plugin/sql/, applied in
 * order, each in its own transaction together with its row in
 * krj_schema, under an advisory lock so that two migrates cannot both
 * apply the same file.
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "krj_log.h"
#include "krj_migrate.h"
#include "krj_pg.h"
#include "krj_principals.h"
#include "krj_run.h"


/* pg_advisory_xact_lock() key of migrations: "krjmigr" */
#define KRJ_MIGRATE_LOCK    "7083107451017651826"


static int krj_migrate_one(PGconn *pg, const krj_migration_t *m,
    int *applied, char *err);


int
krj_migrate_latest(void)
{
    int                     latest;
    const krj_migration_t  *m;

    latest = 0;

    for (m = krj_migrations; m->version != 0; m++) {
        latest = m->version;
    }

    return latest;
}


int
krj_migrate(const krj_conf_t *conf)
{
    int                     version, applied, n, status;
    unsigned                up;
    char                    err[KRJ_PG_ERRLEN];
    PGconn                 *pg;
    const krj_migration_t  *m;

    if (krj_pg_required(conf) != 0) {
        return KRJ_EXIT_USAGE;
    }

    /* the files are numbered 1, 2, 3...: a gap is a build error */
    for (n = 1, m = krj_migrations; m->version != 0; m++, n++) {
        if (m->version != n) {
            krj_log_event(KRJ_LOG_ERROR, "migrate_failed", NULL, 0, "migration "
                          "%s is numbered %d, expected %d", m->name, m->version,
                          n);
            return KRJ_EXIT_FAILED;
        }
    }

    pg = krj_pg_connect(conf, err);
    if (pg == NULL) {
        krj_log_event(KRJ_LOG_ERROR, "pg_unreachable", NULL, 0, "%s", err);
        return KRJ_EXIT_FAILED;
    }

    status = KRJ_EXIT_FAILED;

    if (krj_pg_schema_version(pg, &version, err) != 0) {
        krj_log_event(KRJ_LOG_ERROR, "migrate_failed", NULL, 0, "%s", err);
        goto cleanup;
    }

    if (version > krj_migrate_latest()) {
        krj_log_event(KRJ_LOG_ERROR, "schema_newer", NULL, 0,
                      "the database schema is at version %d, newer than "
                      "this krj-batch knows (%d): upgrade krj-batch; "
                      "nothing was changed", version, krj_migrate_latest());
        goto cleanup;
    }

    n = 0;

    for (m = krj_migrations; m->version != 0; m++) {
        if (m->version <= version) {
            continue;
        }

        if (krj_migrate_one(pg, m, &applied, err) != 0) {
            krj_log_event(KRJ_LOG_ERROR, "migrate_failed", NULL, 0,
                          "migration %s failed, rolled back: %s", m->name,
                          err);
            goto cleanup;
        }

        if (applied) {
            krj_log_event(KRJ_LOG_INFO, "migrated", NULL, 0, "applied "
                          "migration %s", m->name);
            n++;
        }
    }

    krj_log_event(KRJ_LOG_INFO, "schema", NULL, 0, "the database schema "
                  "is at version %d (%d migration%s applied)",
                  krj_migrate_latest(), n, n == 1 ? "" : "s");

    /* keys and users added before pg-dsn was: the followers need them */
    if (krj_principals_upload(conf, pg, &up) != 0) {
        goto cleanup;
    }

    if (up > 0) {
        printf("recorded %u line%s of the key and user files in "
               "PostgreSQL (added before pg-dsn was configured)\n", up,
               up == 1 ? "" : "s");
    }

    status = KRJ_EXIT_OK;

cleanup:

    PQfinish(pg);

    return status;
}


/*
 * One migration and its krj_schema row in one transaction; *applied is 0
 * when another migrate applied it while this one waited for the lock.
 */
static int
krj_migrate_one(PGconn *pg, const krj_migration_t *m, int *applied,
    char *err)
{
    char         version[16];
    PGresult    *res;
    const char  *values[2];

    *applied = 0;

    if (krj_pg_command(pg, "BEGIN", err) != 0
        || krj_pg_command(pg, "SELECT pg_advisory_xact_lock("
                          KRJ_MIGRATE_LOCK ")", err) != 0
        || krj_pg_command(pg, "CREATE TABLE IF NOT EXISTS krj_schema ("
                          "version integer PRIMARY KEY, "
                          "name text NOT NULL, "
                          "applied_at timestamptz NOT NULL DEFAULT now())",
                          err) != 0)
    {
        goto failed;
    }

    snprintf(version, sizeof(version), "%d", m->version);
    values[0] = version;
    values[1] = m->name;

    res = krj_pg_exec(pg, "SELECT 1 FROM krj_schema WHERE version >= $1",
                      1, values, NULL, NULL, 0, PGRES_TUPLES_OK, err);
    if (res == NULL) {
        goto failed;
    }

    if (PQntuples(res) > 0) {
        PQclear(res);
        krj_pg_rollback(pg);
        return 0;
    }

    PQclear(res);

    /* a file of several statements: the simple protocol runs them all */
    res = PQexec(pg, m->sql);

    if (res == NULL || PQresultStatus(res) != PGRES_COMMAND_OK) {
        snprintf(err, KRJ_PG_ERRLEN, "%.*s",
                 (int) strcspn(res ? PQresultErrorMessage(res)
                                   : PQerrorMessage(pg), "\n"),
                 res ? PQresultErrorMessage(res) : PQerrorMessage(pg));
        PQclear(res);
        goto failed;
    }

    PQclear(res);

    res = krj_pg_exec(pg, "INSERT INTO krj_schema (version, name) "
                      "VALUES ($1, $2)", 2, values, NULL, NULL, 0,
                      PGRES_COMMAND_OK, err);
    if (res == NULL) {
        goto failed;
    }

    PQclear(res);

    if (krj_pg_command(pg, "COMMIT", err) != 0) {
        goto failed;
    }

    *applied = 1;

    return 0;

failed:

    krj_pg_rollback(pg);

    return -1;
}
