
/*
 * Copyright (C) The krj developers
 */


#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "krj_date.h"
#include "krj_log.h"
#include "krj_principal.h"
#include "krj_publish.h"
#include "krj_scan.h"


typedef struct {
    const char  *slug;
    const char  *label;
} krj_scan_label_t;


static int krj_scan_check(const krj_scan_dir_t *d,
    const krj_scan_conf_t *sc, const char *name);
static int krj_scan_inside(const krj_scan_dir_t *d, const char *path,
    char *target);
static const char *krj_scan_type(mode_t mode);
static int krj_scan_cmp_slug(const void *a, const void *b);


static const krj_scan_label_t  krj_scan_labels[] = {
    { "equities", "Top Equities" },
    { "etfs_fx", "ETFs / FX" },
    { "sp500", "SP500" },
    { "sp100", "SP100" },
    { "ndx100", "NDX100" },
    { "drc", "DRC" },
    { NULL, NULL }
};


int
krj_scan_parse_name(const char *name, char *category, size_t size,
    char *date)
{
    int          y, m, d;
    size_t       len, plen, clen, i;
    const char  *p, *cat;

    len = strlen(name);
    plen = sizeof(KRJ_SCAN_PREFIX) - 1;

    /* prefix, at least one category byte, "_", the date, ".csv" */
    if (len < plen + 1 + 1 + KRJ_SCAN_DATE_LEN + 4
        || strncmp(name, KRJ_SCAN_PREFIX, plen) != 0
        || strcmp(name + len - 4, ".csv") != 0)
    {
        return KRJ_SCAN_NO_MATCH;
    }

    cat = name + plen;
    p = name + len - 4 - KRJ_SCAN_DATE_LEN;
    clen = (size_t) (p - 1 - cat);

    if (p[-1] != '_' || clen >= size) {
        return KRJ_SCAN_NO_MATCH;
    }

    for (i = 0; i < clen; i++) {
        if (!((cat[i] >= 'a' && cat[i] <= 'z')
              || (cat[i] >= 'A' && cat[i] <= 'Z')
              || (cat[i] >= '0' && cat[i] <= '9')
              || cat[i] == '_'))
        {
            return KRJ_SCAN_NO_MATCH;
        }
    }

    for (i = 0; i < KRJ_SCAN_DATE_LEN; i++) {
        if (i == 4 || i == 7) {
            if (p[i] != '-') {
                return KRJ_SCAN_NO_MATCH;
            }

        } else if (p[i] < '0' || p[i] > '9') {
            return KRJ_SCAN_NO_MATCH;
        }
    }

    y = (p[0] - '0') * 1000 + (p[1] - '0') * 100 + (p[2] - '0') * 10
        + (p[3] - '0');
    m = (p[5] - '0') * 10 + (p[6] - '0');
    d = (p[8] - '0') * 10 + (p[9] - '0');

    if (!krj_date_valid(y, m, d)) {
        return KRJ_SCAN_BAD_DATE;
    }

    memcpy(category, cat, clen);
    category[clen] = '\0';
    memcpy(date, p, KRJ_SCAN_DATE_LEN);
    date[KRJ_SCAN_DATE_LEN] = '\0';

    return KRJ_SCAN_OK;
}


void
krj_scan_slug(const char *category, char *slug, size_t size)
{
    size_t       n;
    const char  *p;

    n = 0;

    for (p = category; *p && n + 1 < size; p++) {

        /* "_and_" becomes "_": skip "and_" after an underscore */
        if (*p == '_' && strncmp(p + 1, "and_", 4) == 0) {
            slug[n++] = '_';
            p += 4;
            continue;
        }

        slug[n++] = (*p >= 'A' && *p <= 'Z') ? (char) (*p + 32) : *p;
    }

    slug[n] = '\0';
}


void
krj_scan_label(const char *category, const char *slug, char *label,
    size_t size)
{
    size_t                   n;
    const krj_scan_label_t  *l;

    for (l = krj_scan_labels; l->slug; l++) {
        if (strcmp(l->slug, slug) == 0) {
            snprintf(label, size, "%s", l->label);
            return;
        }
    }

    for (n = 0; category[n] && n + 1 < size; n++) {
        label[n] = (category[n] == '_') ? ' ' : category[n];
    }

    label[n] = '\0';
}


int
krj_scan_dir_open(krj_scan_dir_t *d, const char *path)
{
    d->path = path;
    d->fd = -1;

    /* what is inside is decided against the real path of what is open */
    if (realpath(path, d->real) == NULL) {
        return -1;
    }

    d->fd = open(d->real, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

    return (d->fd == -1) ? -1 : 0;
}


void
krj_scan_dir_close(krj_scan_dir_t *d)
{
    if (d->fd != -1) {
        close(d->fd);
        d->fd = -1;
    }
}


int
krj_scan_dir(const krj_scan_dir_t *d, const krj_scan_conf_t *sc,
    krj_scan_entry_t **entries)
{
    int             rc, err, fd;
    char          **names, **p;
    char            cat[KRJ_SCAN_NAME_MAX], date[KRJ_SCAN_DATE_LEN + 1];
    size_t          n, cap;
    DIR            *dir;
    struct dirent  *de;

    rc = -1;
    names = NULL;
    n = 0;
    cap = 0;

    /* closedir() closes the copy, the scan's reads go on with d->fd */
    fd = dup(d->fd);
    if (fd == -1) {
        return -1;
    }

    dir = fdopendir(fd);
    if (dir == NULL) {
        err = errno;
        close(fd);
        errno = err;
        return -1;
    }

    /* a copy shares the position of d->fd: a second scan starts over */
    rewinddir(dir);

    for ( ;; ) {
        errno = 0;
        de = readdir(dir);

        if (de == NULL) {
            if (errno != 0) {
                goto cleanup;
            }

            break;
        }

        if (de->d_name[0] == '.') {
            continue;
        }

        /* other names are krj_scan_names()'s to report */
        if (strlen(de->d_name) < KRJ_SCAN_NAME_MAX
            && krj_scan_parse_name(de->d_name, cat, sizeof(cat), date)
               == KRJ_SCAN_OK
            && krj_scan_check(d, sc, de->d_name) != 0)
        {
            continue;
        }

        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            p = realloc(names, cap * sizeof(char *));
            if (p == NULL) {
                goto cleanup;
            }

            names = p;
        }

        names[n] = strdup(de->d_name);
        if (names[n] == NULL) {
            goto cleanup;
        }

        n++;
    }

    rc = krj_scan_names((const char *const *) names, n, sc, entries);

cleanup:

    err = errno;

    while (n) {
        free(names[--n]);
    }

    free(names);
    closedir(dir);

    errno = err;

    return rc;
}


/*
 * 0 when name may be read: a regular file, or with follow_symlinks a link
 * to a regular file inside the directory.  Nothing is opened: a FIFO
 * would block, a device could act on being opened.
 */
static int
krj_scan_check(const krj_scan_dir_t *d, const krj_scan_conf_t *sc,
    const char *name)
{
    int          rc;
    char         path[PATH_MAX], target[PATH_MAX];
    struct stat  st;

    if (fstatat(d->fd, name, &st, AT_SYMLINK_NOFOLLOW) == -1) {
        krj_log_event(KRJ_LOG_WARN, "skipped", name, 0, "skipped: %s",
                      strerror(errno));
        return -1;
    }

    if (S_ISREG(st.st_mode)) {
        return 0;
    }

    if (!S_ISLNK(st.st_mode)) {
        krj_log_event(KRJ_LOG_WARN, "skipped", name, 0, "skipped: %s, not a "
                      "regular file", krj_scan_type(st.st_mode));
        return -1;
    }

    /* a link could publish any CSV on the machine */
    if (!sc->follow_symlinks) {
        krj_log_event(KRJ_LOG_WARN, "skipped", name, 0, "skipped: a symbolic "
                      "link (--follow-symlinks follows links to regular files "
                      "inside the input directory)");
        return -1;
    }

    if (fstatat(d->fd, name, &st, 0) == -1) {
        krj_log_event(KRJ_LOG_WARN, "skipped", name, 0, "skipped: a symbolic "
                      "link: %s", strerror(errno));
        return -1;
    }

    if (!S_ISREG(st.st_mode)) {
        krj_log_event(KRJ_LOG_WARN, "skipped", name, 0, "skipped: a symbolic "
                      "link to %s, not a regular file",
                      krj_scan_type(st.st_mode));
        return -1;
    }

    if ((size_t) snprintf(path, sizeof(path), "%s/%s", d->real, name)
        >= sizeof(path))
    {
        krj_log_event(KRJ_LOG_WARN, "skipped", name, 0, "skipped: path too "
                      "long");
        return -1;
    }

    rc = krj_scan_inside(d, path, target);

    if (rc == -1) {
        krj_log_event(KRJ_LOG_WARN, "skipped", name, 0, "skipped: a symbolic "
                      "link: %s", strerror(errno));
        return -1;
    }

    if (rc == 0) {
        krj_log_event(KRJ_LOG_WARN, "skipped", name, 0, "skipped: a symbolic "
                      "link that leads outside the input directory, to %s",
                      target);
        return -1;
    }

    return 0;
}


int
krj_scan_open(const krj_scan_dir_t *d, const krj_scan_conf_t *sc,
    const krj_scan_entry_t *e, char *err)
{
    int   fd, flags, rc;
    char  proc[64], target[PATH_MAX];

    /* a FIFO swapped in since the scan opens at once and fstat refuses it */
    flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY;

    fd = openat(d->fd, e->file, flags | O_NOFOLLOW);

    if (fd != -1) {
        return fd;
    }

    if (errno != ELOOP || !sc->follow_symlinks) {
        snprintf(err, KRJ_PUBLISH_ERRLEN, "cannot open: %s",
                 errno == ELOOP ? "a symbolic link now" : strerror(errno));
        return -1;
    }

    fd = openat(d->fd, e->file, flags);
    if (fd == -1) {
        snprintf(err, KRJ_PUBLISH_ERRLEN, "cannot open: %s", strerror(errno));
        return -1;
    }

    /* where the link led when it was opened, not when it was checked */
    snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);

    rc = krj_scan_inside(d, proc, target);

    if (rc == 1) {
        return fd;
    }

    if (rc == 0) {
        snprintf(err, KRJ_PUBLISH_ERRLEN, "the symbolic link leads outside "
                 "the input directory now, to %s", target);

    } else {
        snprintf(err, KRJ_PUBLISH_ERRLEN, "cannot tell where the symbolic "
                 "link leads: %s", strerror(errno));
    }

    close(fd);

    return -1;
}


/*
 * 1 when path resolves to a file inside the directory, 0 when outside
 * (target holds where, PATH_MAX bytes), -1 when it does not resolve.
 */
static int
krj_scan_inside(const krj_scan_dir_t *d, const char *path, char *target)
{
    size_t  len;

    if (realpath(path, target) == NULL) {
        return -1;
    }

    len = strlen(d->real);

    /* "/data" holds "/data/x", not "/data2/x" nor "/data" itself */
    if (len == 1) {
        return target[1] != '\0';
    }

    return strncmp(target, d->real, len) == 0 && target[len] == '/'
           && target[len + 1] != '\0';
}


static const char *
krj_scan_type(mode_t mode)
{
    return S_ISFIFO(mode) ? "a FIFO"
           : S_ISSOCK(mode) ? "a socket"
           : S_ISCHR(mode) ? "a character device"
           : S_ISBLK(mode) ? "a block device"
           : S_ISDIR(mode) ? "a directory"
           : S_ISLNK(mode) ? "a symbolic link"
           : "of an unknown type";
}


int
krj_scan_names(const char *const *names, size_t n,
    const krj_scan_conf_t *sc, krj_scan_entry_t **entries)
{
    int                rc, c;
    char               today[11], limit[11];
    size_t             i, j, count;
    krj_scan_entry_t  *e, cand;

    e = calloc(n ? n : 1, sizeof(krj_scan_entry_t));
    if (e == NULL) {
        return -1;
    }

    count = 0;

    /* dates compare as strings: max_future keeps the year at 4 digits */
    krj_date_format(sc->today, today);
    krj_date_format(sc->today + (long) sc->max_future, limit);

    for (i = 0; i < n; i++) {
        if (strlen(names[i]) >= KRJ_SCAN_NAME_MAX) {
            krj_log_event(KRJ_LOG_DEBUG, "ignored", names[i], 0, "ignored: "
                          "name too long");
            continue;
        }

        rc = krj_scan_parse_name(names[i], cand.category,
                                 sizeof(cand.category), cand.date);

        if (rc == KRJ_SCAN_NO_MATCH) {
            krj_log_event(KRJ_LOG_DEBUG, "ignored", names[i], 0, "ignored: not "
                          "a KRJ signals file name");
            continue;
        }

        if (rc == KRJ_SCAN_BAD_DATE) {
            krj_log_event(KRJ_LOG_WARN, "bad_date", names[i], 0, "ignored: the "
                          "date in the name is not a calendar date");
            continue;
        }

        /* 9999-12-31 would stay the newest, and its category never change */
        if (strcmp(cand.date, limit) > 0) {
            krj_log_event(KRJ_LOG_WARN, "future_date", names[i], 0, "refused: "
                          "dated more than %u days after today (%s, UTC)",
                          sc->max_future, today);
            continue;
        }

        snprintf(cand.file, sizeof(cand.file), "%s", names[i]);
        krj_scan_slug(cand.category, cand.slug, sizeof(cand.slug));
        krj_scan_label(cand.category, cand.slug, cand.label,
                       sizeof(cand.label));

        for (j = 0; j < count; j++) {
            if (strcmp(e[j].slug, cand.slug) == 0) {
                break;
            }
        }

        if (j == count) {
            e[count++] = cand;
            continue;
        }

        c = strcmp(cand.date, e[j].date);

        if (c == 0) {
            /* two spellings of one slug on one date: keep a stable pick */
            krj_log_event(KRJ_LOG_WARN, "duplicate_file", cand.file, 0, "same "
                          "category and date as %s; using the one that sorts "
                          "first", e[j].file);
            c = strcmp(e[j].file, cand.file);
        }

        if (c > 0) {
            krj_log_event(KRJ_LOG_DEBUG, "superseded", e[j].file, 0,
                          "superseded by %s", cand.file);
            e[j] = cand;

        } else {
            krj_log_event(KRJ_LOG_DEBUG, "superseded", cand.file, 0,
                          "superseded by %s", e[j].file);
        }
    }

    qsort(e, count, sizeof(krj_scan_entry_t), krj_scan_cmp_slug);

    *entries = e;

    return (int) count;
}


static int
krj_scan_cmp_slug(const void *a, const void *b)
{
    return strcmp(((const krj_scan_entry_t *) a)->slug,
                  ((const krj_scan_entry_t *) b)->slug);
}
