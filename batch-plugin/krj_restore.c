
/*
 * Copyright (C) The krj developers
 */


/*
 * Restore of a backup (krj_backup.h has its layout): pg_restore as a
 * child process into an empty database, then the files.
 */


#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "krj_backup.h"
#include "krj_log.h"
#include "krj_pg.h"
#include "krj_restore.h"
#include "krj_run.h"


static int krj_restore_empty(PGconn *pg);
static int krj_restore_manifest(const char *dir, krj_backup_file_t *files);
static int krj_restore_put(const char *dir, krj_backup_file_t *f);


int
krj_restore(const krj_conf_t *conf, const char *file)
{
    int                 rc, i, n;
    char                err[KRJ_PG_ERRLEN], tmp[KRJ_BACKUP_DIR_MAX];
    char                dump[KRJ_BACKUP_PATH_MAX], dbarg[KRJ_BACKUP_PATH_MAX];
    PGconn             *pg;
    const char         *t;
    krj_backup_file_t   files[KRJ_BACKUP_NFILES];

    if (krj_pg_required(conf) != 0) {
        return KRJ_EXIT_USAGE;
    }

    if (access(file, R_OK) != 0) {
        krj_log_event(KRJ_LOG_ERROR, "restore_failed", file, 0, "cannot read: "
                      "%s", strerror(errno));
        return KRJ_EXIT_FAILED;
    }

    pg = krj_pg_connect(conf, err);
    if (pg == NULL) {
        krj_log_event(KRJ_LOG_ERROR, "restore_failed", NULL, 0, "%s", err);
        return KRJ_EXIT_FAILED;
    }

    n = krj_restore_empty(pg);
    snprintf(dbarg, sizeof(dbarg), "--dbname=%s",
             krj_backup_dbname(conf, pg));
    PQfinish(pg);

    if (n != 0) {
        if (n > 0) {
            krj_log_event(KRJ_LOG_ERROR, "restore_failed", NULL, 0, "the "
                          "database is not empty (%d tables, views or "
                          "sequences): restore only into a new one "
                          "(createdb), nothing was changed", n);
        }

        return KRJ_EXIT_FAILED;
    }

    t = getenv("TMPDIR");
    snprintf(tmp, sizeof(tmp), "%s/krj-restore-XXXXXX",
             (t != NULL && t[0] == '/') ? t : "/tmp");

    umask(077);

    if (mkdtemp(tmp) == NULL) {
        krj_log_event(KRJ_LOG_ERROR, "restore_failed", tmp, 0, "cannot make a "
                      "temporary directory: %s", strerror(errno));
        return KRJ_EXIT_FAILED;
    }

    rc = KRJ_EXIT_FAILED;

    {
        /* nothing of the archive's owners or modes is taken */
        char *const  argv[] = {
            "tar", "--extract", "--file", (char *) file, "--directory", tmp,
            "--no-same-owner", "--no-same-permissions", NULL
        };

        if (krj_backup_spawn("tar", argv) != 0) {
            goto cleanup;
        }
    }

    krj_backup_files(conf, files);

    n = krj_restore_manifest(tmp, files);

    if (n != 0) {
        if (n == -1) {
            krj_log_event(KRJ_LOG_ERROR, "restore_failed", file, 0,
                          "not a krj backup (no \"" KRJ_BACKUP_MAGIC "\" "
                          "manifest): nothing was changed");
        }

        goto cleanup;
    }

    snprintf(dump, sizeof(dump), "%s/" KRJ_BACKUP_DUMP, tmp);

    {
        /* all or nothing: a failure leaves the database empty */
        char *const  argv[] = {
            "pg_restore", "--no-owner", "--no-privileges", "--exit-on-error",
            "--single-transaction", dbarg, dump, NULL
        };

        if (krj_backup_spawn("pg_restore", argv) != 0) {
            goto cleanup;
        }
    }

    for (i = 0; i < KRJ_BACKUP_NFILES; i++) {
        if (files[i].present && krj_restore_put(tmp, &files[i]) != 0) {
            krj_log_event(KRJ_LOG_ERROR, "restore_failed", files[i].path, 0,
                          "the database is restored, but this file is not: "
                          "put it in place from the backup's files/%s",
                          files[i].name);
            goto cleanup;
        }
    }

    for (i = KRJ_BACKUP_SESSION, n = 0; i < KRJ_BACKUP_NFILES; i++) {
        n += files[i].present;
    }

    krj_log_event(KRJ_LOG_INFO, "restored", file, 0, "restored: the database, "
                  "%s%s%s%s%d session key file%s",
                  files[0].present ? files[0].path : "",
                  files[0].present ? ", " : "",
                  files[1].present ? files[1].path : "",
                  files[1].present ? ", " : "",
                  n, (n == 1) ? "" : "s");

    rc = KRJ_EXIT_OK;

cleanup:

    krj_backup_rmtree(tmp);

    return rc;
}


/*
 * 0 when the database holds no table, view or sequence outside the
 * catalogs, the number it holds, or -1 (logged) when it cannot be asked.
 */
static int
krj_restore_empty(PGconn *pg)
{
    int          n;
    char         err[KRJ_PG_ERRLEN];
    PGresult    *res;
    const char  *v;

    res = krj_pg_exec(pg,
                      "SELECT count(*) FROM pg_catalog.pg_class c "
                      "JOIN pg_catalog.pg_namespace s "
                      "ON s.oid = c.relnamespace "
                      "WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') "
                      "AND s.nspname <> 'information_schema' "
                      "AND s.nspname NOT LIKE 'pg\\_%'",
                      0, NULL, NULL, NULL, 0, PGRES_TUPLES_OK, err);
    if (res == NULL) {
        krj_log_event(KRJ_LOG_ERROR, "restore_failed", NULL, 0, "%s", err);
        return -1;
    }

    v = krj_pg_value(res, 0, 0);
    n = (v != NULL) ? atoi(v) : -1;
    PQclear(res);

    return n;
}


/*
 * MANIFEST of an extracted backup: which files, their owner and mode; a
 * session key beside the session key file goes beside this node's.  0,
 * -1 when it is no krj backup, -2 (logged) for a file it cannot place.
 */
static int
krj_restore_manifest(const char *dir, krj_backup_file_t *files)
{
    int                 i, rc;
    char                path[KRJ_BACKUP_PATH_MAX], line[512], name[160];
    char                owner[64], group[64];
    FILE               *m;
    unsigned            mode;
    struct stat         st;
    krj_backup_file_t  *f;

    snprintf(path, sizeof(path), "%s/" KRJ_BACKUP_MANIFEST, dir);

    m = fopen(path, "re");
    if (m == NULL) {
        return -1;
    }

    rc = -1;

    if (fgets(line, sizeof(line), m) == NULL
        || strcmp(line, KRJ_BACKUP_MAGIC "\n") != 0)
    {
        goto done;
    }

    while (fgets(line, sizeof(line), m) != NULL) {
        if (sscanf(line, "file %159s %o %63s %63s", name, &mode, owner,
                   group)
            != 4)
        {
            continue;
        }

        if (strncmp(name, KRJ_BACKUP_SIBLING, sizeof(KRJ_BACKUP_SIBLING) - 1)
            == 0)
        {
            f = krj_backup_sibling(files,
                                   name + sizeof(KRJ_BACKUP_SIBLING) - 1);
            if (f == NULL) {
                krj_log_event(KRJ_LOG_ERROR, "restore_failed",
                              files[KRJ_BACKUP_SESSION].path, 0, "the backup "
                              "holds the session key %s, which cannot go "
                              "beside this session key file: nothing was "
                              "changed", name + sizeof(KRJ_BACKUP_SIBLING)
                                         - 1);
                rc = -2;
                goto done;
            }
        }

        for (i = 0; i < KRJ_BACKUP_NFILES; i++) {
            if (files[i].name != NULL && strcmp(files[i].name, name) == 0
                && files[i].path != NULL
                && files[i].path[0] != '\0')
            {
                snprintf(path, sizeof(path), "%s/files/%s", dir, name);

                /* a regular file of the archive's, never a link */
                if (lstat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
                    goto done;
                }

                files[i].present = 1;
                files[i].mode = (mode_t) (mode & 0777);
                snprintf(files[i].owner, sizeof(files[i].owner), "%s",
                         owner);
                snprintf(files[i].group, sizeof(files[i].group), "%s",
                         group);
            }
        }
    }

    rc = 0;

done:

    fclose(m);

    return rc;
}


/* files/NAME of dir to f->path, atomically, with its owner and mode */
static int
krj_restore_put(const char *dir, krj_backup_file_t *f)
{
    int             fd, rc;
    char            from[KRJ_BACKUP_PATH_MAX], tmp[KRJ_BACKUP_PATH_MAX];
    char           *slash, *end;
    uid_t           uid;
    gid_t           gid;
    struct group   *gr;
    struct passwd  *pw;

    pw = getpwnam(f->owner);
    gr = getgrnam(f->group);
    uid = (pw != NULL) ? pw->pw_uid : (uid_t) strtoul(f->owner, &end, 10);

    if (pw == NULL && (*end != '\0' || end == f->owner)) {
        krj_log_event(KRJ_LOG_ERROR, "restore_failed", f->path, 0, "no user "
                      "\"%s\" here", f->owner);
        return -1;
    }

    gid = (gr != NULL) ? gr->gr_gid : (gid_t) strtoul(f->group, &end, 10);

    if (gr == NULL && (*end != '\0' || end == f->group)) {
        krj_log_event(KRJ_LOG_ERROR, "restore_failed", f->path, 0, "no group "
                      "\"%s\" here", f->group);
        return -1;
    }

    snprintf(from, sizeof(from), "%s/files/%s", dir, f->name);
    snprintf(tmp, sizeof(tmp), "%s.restore.XXXXXX", f->path);

    fd = mkostemp(tmp, O_CLOEXEC);
    if (fd == -1) {
        krj_log_event(KRJ_LOG_ERROR, "restore_failed", f->path, 0, "cannot "
                      "write beside it: %s", strerror(errno));
        return -1;
    }

    rc = -1;

    if (krj_backup_copy(from, fd) != 0
        || fchown(fd, uid, gid) != 0
        || fchmod(fd, f->mode) != 0)
    {
        krj_log_event(KRJ_LOG_ERROR, "restore_failed", f->path, 0, "cannot "
                      "restore (owner %s:%s, mode %04o): %s", f->owner,
                      f->group, (unsigned) f->mode, strerror(errno));
        goto cleanup;
    }

    if (rename(tmp, f->path) != 0) {
        krj_log_event(KRJ_LOG_ERROR, "restore_failed", f->path, 0, "cannot "
                      "replace: %s", strerror(errno));
        goto cleanup;
    }

    rc = 0;

    slash = strrchr(tmp, '/');
    if (slash != NULL) {
        *slash = '\0';
        krj_backup_fsync_dir(slash == tmp ? "/" : tmp);
    }

cleanup:

    close(fd);

    if (rc != 0) {
        unlink(tmp);
    }

    return rc;
}
