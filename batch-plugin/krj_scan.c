
/*
 * Copyright (C) The krj developers
 */


#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "krj_date.h"
#include "krj_log.h"
#include "krj_scan.h"


typedef struct {
    const char  *slug;
    const char  *label;
} krj_scan_label_t;


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
krj_scan_dir(const char *dir, krj_scan_entry_t **entries)
{
    int             rc, err;
    char          **names, **p;
    size_t          n, cap;
    DIR            *d;
    struct dirent  *de;

    rc = -1;
    names = NULL;
    n = 0;
    cap = 0;

    d = opendir(dir);
    if (d == NULL) {
        return -1;
    }

    for ( ;; ) {
        errno = 0;
        de = readdir(d);

        if (de == NULL) {
            if (errno != 0) {
                goto cleanup;
            }

            break;
        }

        if (de->d_name[0] == '.') {
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

    rc = krj_scan_names((const char *const *) names, n, entries);

cleanup:

    err = errno;

    while (n) {
        free(names[--n]);
    }

    free(names);
    closedir(d);

    errno = err;

    return rc;
}


int
krj_scan_names(const char *const *names, size_t n,
    krj_scan_entry_t **entries)
{
    int                rc, c;
    size_t             i, j, count;
    krj_scan_entry_t  *e, cand;

    e = calloc(n ? n : 1, sizeof(krj_scan_entry_t));
    if (e == NULL) {
        return -1;
    }

    count = 0;

    for (i = 0; i < n; i++) {
        if (strlen(names[i]) >= KRJ_SCAN_NAME_MAX) {
            krj_log(KRJ_LOG_DEBUG, names[i], 0, "ignored: name too long");
            continue;
        }

        rc = krj_scan_parse_name(names[i], cand.category,
                                 sizeof(cand.category), cand.date);

        if (rc == KRJ_SCAN_NO_MATCH) {
            krj_log(KRJ_LOG_DEBUG, names[i], 0, "ignored: not a KRJ signals "
                    "file name");
            continue;
        }

        if (rc == KRJ_SCAN_BAD_DATE) {
            krj_log(KRJ_LOG_WARN, names[i], 0, "ignored: the date in the "
                    "name is not a calendar date");
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
            krj_log(KRJ_LOG_WARN, cand.file, 0, "same category and date as "
                    "%s; using the one that sorts first", e[j].file);
            c = strcmp(e[j].file, cand.file);
        }

        if (c > 0) {
            krj_log(KRJ_LOG_DEBUG, e[j].file, 0, "superseded by %s",
                    cand.file);
            e[j] = cand;

        } else {
            krj_log(KRJ_LOG_DEBUG, cand.file, 0, "superseded by %s",
                    e[j].file);
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
