
/*
 * Copyright (C) The krj developers
 */


/*
 * Backup (restore is krj_restore.c).  pg_dump does the database, as a
 * child process (krj-batch is not the nginx worker: waiting for it is
 * fine), and tar (Essential in Debian) makes the one archive, laid out as
 * krj_backup.h says; the helpers both commands share are here too.
 */


#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "krj_backup.h"
#include "krj_log.h"
#include "krj_pg.h"
#include "krj_run.h"


#define KRJ_BACKUP_PREFIX       "krj-backup-"
#define KRJ_BACKUP_SUFFIX       ".tar"
/* krj-backup-20260110T060000Z.tar */
#define KRJ_BACKUP_NAME_LEN     (sizeof(KRJ_BACKUP_PREFIX) - 1 + 16      \
                                 + sizeof(KRJ_BACKUP_SUFFIX) - 1)

static int krj_backup_manifest(const char *dir, krj_backup_file_t *files);
static int krj_backup_prune(const char *dir, unsigned keep);
static int krj_backup_is_name(const char *name);
static int krj_backup_split(const char *key, size_t *dir, size_t *stem,
    size_t *ext);
static int krj_backup_is_word(const char *p, size_t len);
static int krj_backup_newest_first(const struct dirent **a,
    const struct dirent **b);


int
krj_backup(const krj_conf_t *conf)
{
    int                 rc, fd, i, n;
    char                err[KRJ_PG_ERRLEN], stamp[32];
    char                tmp[KRJ_BACKUP_DIR_MAX], dump[KRJ_BACKUP_PATH_MAX];
    char                out[KRJ_BACKUP_PATH_MAX], part[KRJ_BACKUP_PATH_MAX];
    char                dbarg[KRJ_BACKUP_PATH_MAX];
    time_t              now;
    PGconn             *pg;
    struct tm           tm;
    krj_backup_file_t   files[KRJ_BACKUP_NFILES];

    if (krj_pg_required(conf) != 0) {
        return KRJ_EXIT_USAGE;
    }

    /* whatever is made below is the operator's alone */
    umask(077);

    if (strlen(conf->backup_dir) > KRJ_BACKUP_DIR_MAX - 64) {
        krj_log_event(KRJ_LOG_ERROR, "backup_failed", NULL, 0, "the backup "
                      "directory's name is too long");
        return KRJ_EXIT_USAGE;
    }

    if (mkdir(conf->backup_dir, 0700) != 0 && errno != EEXIST) {
        krj_log_event(KRJ_LOG_ERROR, "backup_failed", conf->backup_dir, 0,
                      "cannot make the backup directory: %s", strerror(errno));
        return KRJ_EXIT_FAILED;
    }

    /* a clear error before pg_dump's, and krj's tables must be there */
    pg = krj_pg_connect(conf, err);
    if (pg == NULL) {
        krj_log_event(KRJ_LOG_ERROR, "backup_failed", NULL, 0, "%s", err);
        return KRJ_EXIT_FAILED;
    }

    rc = krj_pg_schema_check(pg, err);
    snprintf(dbarg, sizeof(dbarg), "--dbname=%s",
             krj_backup_dbname(conf, pg));
    PQfinish(pg);

    if (rc != 0) {
        krj_log_event(KRJ_LOG_ERROR, "backup_failed", NULL, 0, "%s", err);
        return KRJ_EXIT_FAILED;
    }

    now = time(NULL);
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);

    snprintf(out, sizeof(out), "%s/" KRJ_BACKUP_PREFIX "%s"
             KRJ_BACKUP_SUFFIX, conf->backup_dir, stamp);
    snprintf(part, sizeof(part), "%s/." KRJ_BACKUP_PREFIX "%s.part",
             conf->backup_dir, stamp);
    snprintf(tmp, sizeof(tmp), "%s/." KRJ_BACKUP_PREFIX "XXXXXX",
             conf->backup_dir);

    if (access(out, F_OK) == 0) {
        krj_log_event(KRJ_LOG_ERROR, "backup_failed", out, 0, "exists "
                      "already: one backup a second at most");
        return KRJ_EXIT_FAILED;
    }

    if (mkdtemp(tmp) == NULL) {
        krj_log_event(KRJ_LOG_ERROR, "backup_failed", conf->backup_dir, 0,
                      "cannot make a temporary directory: %s", strerror(errno));
        return KRJ_EXIT_FAILED;
    }

    rc = KRJ_EXIT_FAILED;
    fd = -1;
    snprintf(dump, sizeof(dump), "--file=%s/" KRJ_BACKUP_DUMP, tmp);

    {
        /* krj's tables, and their sequences, whatever else the database
           holds; owners and grants are the restoring site's business */
        char *const  argv[] = {
            "pg_dump", "--format=custom", "--no-owner", "--no-privileges",
            "--table=krj_*", dump, dbarg, NULL
        };

        if (krj_backup_spawn("pg_dump", argv) != 0) {
            goto cleanup;
        }
    }

    krj_backup_files(conf, files);

    if (krj_backup_siblings(files) != 0
        || krj_backup_manifest(tmp, files) != 0)
    {
        goto cleanup;
    }

    /* made here with mode 0600: tar writes into it, keeping the mode */
    fd = open(part, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd == -1) {
        krj_log_event(KRJ_LOG_ERROR, "backup_failed", part, 0, "cannot "
                      "create: %s", strerror(errno));
        goto cleanup;
    }

    {
        char *const  argv[] = {
            "tar", "--create", "--file", part, "--directory", tmp,
            "--owner=0", "--group=0", "--numeric-owner",
            KRJ_BACKUP_MANIFEST, KRJ_BACKUP_DUMP, "files", NULL
        };

        if (krj_backup_spawn("tar", argv) != 0) {
            goto cleanup;
        }
    }

    if (fsync(fd) != 0 || rename(part, out) != 0) {
        krj_log_event(KRJ_LOG_ERROR, "backup_failed", out, 0, "cannot write: "
                      "%s", strerror(errno));
        goto cleanup;
    }

    krj_backup_fsync_dir(conf->backup_dir);

    for (i = KRJ_BACKUP_SESSION, n = 0; i < KRJ_BACKUP_NFILES; i++) {
        n += files[i].present;
    }

    krj_log_event(KRJ_LOG_INFO, "backup_written", out, 0, "backup written: "
                  "the database, %s%s%d session key file%s",
                  files[0].present ? "the key file, " : "",
                  files[1].present ? "the user file, " : "",
                  n, (n == 1) ? "" : "s");

    rc = KRJ_EXIT_OK;

    if (conf->keep > 0 && krj_backup_prune(conf->backup_dir, conf->keep)
                          != 0)
    {
        rc = KRJ_EXIT_FAILED;
    }

    printf("%s\n", out);

cleanup:

    if (fd != -1) {
        close(fd);
    }

    unlink(part);
    krj_backup_rmtree(tmp);

    return rc;
}


void
krj_backup_files(const krj_conf_t *conf, krj_backup_file_t *files)
{
    memset(files, 0, KRJ_BACKUP_NFILES * sizeof(krj_backup_file_t));

    files[0].name = "key-file";
    files[0].path = conf->key_file;
    files[1].name = "user-file";
    files[1].path = conf->user_file;
    files[2].name = "session-key-file";
    files[2].path = conf->session_key_file;
}


krj_backup_file_t *
krj_backup_sibling(krj_backup_file_t *files, const char *word)
{
    int                 i;
    size_t              dir, stem, ext, len;
    const char         *key;
    krj_backup_file_t  *f;

    key = files[KRJ_BACKUP_SESSION].path;
    len = strlen(word);

    if (krj_backup_split(key, &dir, &stem, &ext) != 0
        || !krj_backup_is_word(word, len))
    {
        return NULL;
    }

    for (i = KRJ_BACKUP_NFIXED; i < KRJ_BACKUP_NFILES; i++) {
        if (files[i].name == NULL) {
            break;
        }
    }

    if (i == KRJ_BACKUP_NFILES
        || sizeof(KRJ_BACKUP_SIBLING) + len > sizeof(files[i].name_buf)
        || dir + stem + 1 + len + ext >= sizeof(files[i].path_buf))
    {
        return NULL;
    }

    f = &files[i];
    snprintf(f->name_buf, sizeof(f->name_buf), KRJ_BACKUP_SIBLING "%s",
             word);
    snprintf(f->path_buf, sizeof(f->path_buf), "%.*s-%s%s",
             (int) (dir + stem), key, word, key + dir + stem);
    f->name = f->name_buf;
    f->path = f->path_buf;

    return f;
}


int
krj_backup_siblings(krj_backup_file_t *files)
{
    int                 i, n, rc;
    char                path[KRJ_BACKUP_PATH_MAX], word[128];
    size_t              dir, stem, ext, len;
    const char         *key, *name;
    struct stat         st;
    struct dirent     **names;
    krj_backup_file_t  *f;

    key = files[KRJ_BACKUP_SESSION].path;

    if (krj_backup_split(key, &dir, &stem, &ext) != 0) {
        return 0;
    }

    /* the directory of the session key file: "." for a bare name, "/"
       for one in the root */
    if (dir == 0) {
        snprintf(path, sizeof(path), ".");

    } else {
        snprintf(path, sizeof(path), "%.*s", (dir > 1) ? (int) (dir - 1) : 1,
                 key);
    }

    n = scandir(path, &names, NULL, alphasort);

    if (n == -1) {
        if (errno == ENOENT) {
            /* no session key yet */
            return 0;
        }

        krj_log_event(KRJ_LOG_ERROR, "backup_failed", path, 0, "cannot list "
                      "the session keys: %s", strerror(errno));
        return -1;
    }

    rc = 0;

    for (i = 0; i < n; i++) {
        name = names[i]->d_name;
        len = strlen(name);

        /* STEM-WORD.EXT */
        if (rc != 0 || len <= stem + 1 + ext
            || len - stem - 1 - ext >= sizeof(word)
            || strncmp(name, key + dir, stem) != 0 || name[stem] != '-'
            || strcmp(name + len - ext, key + dir + stem) != 0
            || !krj_backup_is_word(name + stem + 1, len - stem - 1 - ext))
        {
            free(names[i]);
            continue;
        }

        snprintf(word, sizeof(word), "%.*s", (int) (len - stem - 1 - ext),
                 name + stem + 1);
        f = krj_backup_sibling(files, word);

        if (f == NULL) {
            krj_log_event(KRJ_LOG_ERROR, "backup_failed", key, 0, "more than "
                          "%d session keys beside it, or a name too long: %s",
                          KRJ_BACKUP_NSIBLINGS, name);
            rc = -1;

        } else if (stat(f->path, &st) != 0 || !S_ISREG(st.st_mode)) {
            /* gone meanwhile, or not a key: the entry is free again */
            f->name = NULL;
            f->path = NULL;
        }

        free(names[i]);
    }

    free(names);

    return rc;
}


/*
 * The session key file key as DIR/STEM.EXT (EXT with its dot, or empty):
 * the lengths of DIR (its "/" included), STEM and EXT; 0, or -1 when key
 * names no file.
 */
static int
krj_backup_split(const char *key, size_t *dir, size_t *stem, size_t *ext)
{
    const char  *name, *dot;

    if (key == NULL || key[0] == '\0') {
        return -1;
    }

    name = strrchr(key, '/');
    name = (name != NULL) ? name + 1 : key;

    if (name[0] == '\0') {
        return -1;
    }

    dot = strrchr(name, '.');
    *dir = (size_t) (name - key);
    *stem = (dot != NULL && dot != name) ? (size_t) (dot - name)
                                         : strlen(name);
    *ext = strlen(name) - *stem;

    return 0;
}


/* the WORD of STEM-WORD.EXT: letters, digits, "-", "_", "." */
static int
krj_backup_is_word(const char *p, size_t len)
{
    size_t  i;

    if (len == 0) {
        return 0;
    }

    for (i = 0; i < len; i++) {
        if (!((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= 'A' && p[i] <= 'Z')
              || (p[i] >= '0' && p[i] <= '9') || p[i] == '-' || p[i] == '_'
              || p[i] == '.'))
        {
            return 0;
        }
    }

    return 1;
}


/* argv[0] run from PATH, waited for; 0 when it exited 0 */
int
krj_backup_spawn(const char *what, char *const argv[])
{
    int    status;
    pid_t  pid;

    fflush(NULL);

    pid = fork();

    if (pid == -1) {
        krj_log_event(KRJ_LOG_ERROR, "child_failed", NULL, 0, "cannot run %s: "
                      "%s", what, strerror(errno));
        return -1;
    }

    if (pid == 0) {
        /* its messages go to krj-batch's stderr, as they are */
        dup2(STDERR_FILENO, STDOUT_FILENO);
        execvp(argv[0], argv);
        fprintf(stderr, "krj-batch: cannot run %s: %s%s\n", what,
                strerror(errno), (errno == ENOENT && what[0] == 'p')
                ? " (Debian: apt-get install postgresql-client)" : "");
        _exit(127);
    }

    while (waitpid(pid, &status, 0) == -1) {
        if (errno != EINTR) {
            krj_log_event(KRJ_LOG_ERROR, "child_failed", NULL, 0, "waiting "
                          "for %s: %s", what, strerror(errno));
            return -1;
        }
    }

    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        return 0;
    }

    if (WIFEXITED(status)) {
        krj_log_event(KRJ_LOG_ERROR, "child_failed", NULL, 0, "%s failed "
                      "(exit status %d)", what, WEXITSTATUS(status));

    } else {
        krj_log_event(KRJ_LOG_ERROR, "child_failed", NULL, 0, "%s was killed "
                      "by signal %d", what, WTERMSIG(status));
    }

    return -1;
}


/*
 * What pg_dump and pg_restore are given as --dbname: the DSN, or, when
 * libpq's PG* variables configure PostgreSQL (which they inherit), the
 * database those name.
 */
const char *
krj_backup_dbname(const krj_conf_t *conf, PGconn *pg)
{
    return (conf->pg_dsn != NULL) ? conf->pg_dsn : PQdb(pg);
}


/* MANIFEST and files/ in dir: each file that exists, owner and mode */
static int
krj_backup_manifest(const char *dir, krj_backup_file_t *files)
{
    int             i, fd, in;
    char            path[KRJ_BACKUP_PATH_MAX];
    FILE           *m;
    struct stat     st;
    struct group   *gr;
    struct passwd  *pw;

    snprintf(path, sizeof(path), "%s/files", dir);

    if (mkdir(path, 0700) != 0) {
        krj_log_event(KRJ_LOG_ERROR, "backup_failed", path, 0, "cannot make: "
                      "%s", strerror(errno));
        return -1;
    }

    snprintf(path, sizeof(path), "%s/" KRJ_BACKUP_MANIFEST, dir);

    m = fopen(path, "we");
    if (m == NULL) {
        krj_log_event(KRJ_LOG_ERROR, "backup_failed", path, 0, "cannot "
                      "create: %s", strerror(errno));
        return -1;
    }

    fprintf(m, KRJ_BACKUP_MAGIC "\nversion %s\ncreated %lld\n", KRJ_VERSION,
            (long long) time(NULL));

    for (i = 0; i < KRJ_BACKUP_NFILES; i++) {
        if (files[i].path == NULL || files[i].path[0] == '\0') {
            continue;
        }

        in = open(files[i].path, O_RDONLY | O_CLOEXEC);

        if (in == -1 && errno == ENOENT) {
            /* a node without users, or without a session key yet */
            continue;
        }

        if (in == -1 || fstat(in, &st) != 0) {
            krj_log_event(KRJ_LOG_ERROR, "backup_failed", files[i].path, 0,
                          "cannot read: %s", strerror(errno));
            goto failed;
        }

        snprintf(path, sizeof(path), "%s/files/%s", dir, files[i].name);

        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd == -1 || krj_backup_copy(files[i].path, fd) != 0) {
            krj_log_event(KRJ_LOG_ERROR, "backup_failed", path, 0, "cannot "
                          "copy %s: %s", files[i].path, strerror(errno));
            if (fd != -1) {
                close(fd);
            }
            close(in);
            goto failed;
        }

        close(fd);
        close(in);

        pw = getpwuid(st.st_uid);
        gr = getgrgid(st.st_gid);

        /* names travel between nodes; numbers when there is none */
        if (pw != NULL) {
            fprintf(m, "file %s %04o %s", files[i].name,
                    (unsigned) (st.st_mode & 07777), pw->pw_name);
        } else {
            fprintf(m, "file %s %04o %u", files[i].name,
                    (unsigned) (st.st_mode & 07777), (unsigned) st.st_uid);
        }

        if (gr != NULL) {
            fprintf(m, " %s\n", gr->gr_name);
        } else {
            fprintf(m, " %u\n", (unsigned) st.st_gid);
        }

        files[i].present = 1;
    }

    if (fflush(m) != 0 || fsync(fileno(m)) != 0) {
        krj_log_event(KRJ_LOG_ERROR, "backup_failed", dir, 0, "cannot write "
                      "the manifest: %s", strerror(errno));
        goto failed;
    }

    fclose(m);

    return 0;

failed:

    fclose(m);

    return -1;
}


/* from's bytes into the open file to, fsync'ed */
int
krj_backup_copy(const char *from, int to)
{
    int      in, rc;
    char     buf[65536];
    ssize_t  n, w, off;

    in = open(from, O_RDONLY | O_CLOEXEC);
    if (in == -1) {
        return -1;
    }

    rc = 0;

    while ((n = read(in, buf, sizeof(buf))) != 0) {
        if (n == -1) {
            if (errno == EINTR) {
                continue;
            }
            rc = -1;
            break;
        }

        for (off = 0; off < n; off += w) {
            w = write(to, buf + off, (size_t) (n - off));
            if (w == -1) {
                if (errno == EINTR) {
                    w = 0;
                    continue;
                }
                rc = -1;
                break;
            }
        }

        if (rc != 0) {
            break;
        }
    }

    close(in);

    if (rc == 0 && fsync(to) != 0) {
        rc = -1;
    }

    return rc;
}


/* every backup in dir but the newest keep, by the time in its name */
static int
krj_backup_prune(const char *dir, unsigned keep)
{
    int              i, n, rc, seen;
    char             path[KRJ_BACKUP_PATH_MAX];
    struct dirent  **names;

    n = scandir(dir, &names, NULL, krj_backup_newest_first);
    if (n == -1) {
        krj_log_event(KRJ_LOG_ERROR, "backup_failed", dir, 0, "cannot list: %s",
                      strerror(errno));
        return -1;
    }

    rc = 0;
    seen = 0;

    for (i = 0; i < n; i++) {
        if (krj_backup_is_name(names[i]->d_name)
            && (unsigned) ++seen > keep)
        {
            snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);

            if (unlink(path) != 0) {
                krj_log_event(KRJ_LOG_ERROR, "backup_failed", path, 0,
                              "cannot remove: %s", strerror(errno));
                rc = -1;

            } else {
                krj_log_event(KRJ_LOG_INFO, "backup_removed", path, 0,
                              "removed: older than the newest %u", keep);
            }
        }

        free(names[i]);
    }

    free(names);

    return rc;
}


/* krj-backup-YYYYmmddTHHMMSSZ.tar, and nothing else, is ours to remove */
static int
krj_backup_is_name(const char *name)
{
    size_t       i;
    const char  *t;

    if (strlen(name) != KRJ_BACKUP_NAME_LEN
        || strncmp(name, KRJ_BACKUP_PREFIX, sizeof(KRJ_BACKUP_PREFIX) - 1)
           != 0
        || strcmp(name + KRJ_BACKUP_NAME_LEN - 4, KRJ_BACKUP_SUFFIX) != 0)
    {
        return 0;
    }

    t = name + sizeof(KRJ_BACKUP_PREFIX) - 1;

    for (i = 0; i < 16; i++) {
        if (i == 8 ? t[i] != 'T'
            : i == 15 ? t[i] != 'Z'
            : (t[i] < '0' || t[i] > '9'))
        {
            return 0;
        }
    }

    return 1;
}


static int
krj_backup_newest_first(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*b)->d_name, (*a)->d_name);
}


/* the rename in dir made durable; a failure is only worth a warning */
void
krj_backup_fsync_dir(const char *dir)
{
    int  fd;

    fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

    if (fd == -1 || fsync(fd) != 0) {
        krj_log_event(KRJ_LOG_WARN, "backup_unsynced", dir, 0, "cannot fsync "
                      "the directory: %s", strerror(errno));
    }

    if (fd != -1) {
        close(fd);
    }
}


void
krj_backup_rmtree(const char *dir)
{
    char *const  argv[] = { "rm", "-rf", "--", (char *) dir, NULL };

    if (krj_backup_spawn("rm", argv) != 0) {
        krj_log_event(KRJ_LOG_WARN, "backup_leftover", dir, 0, "left behind");
    }
}
