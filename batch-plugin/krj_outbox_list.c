
/*
 * Copyright (C) The krj developers
 */


/*
 * The outbox's reading side: its items' names in the order they were
 * put, and what status and the metrics show of them.  Reading needs no
 * lock: an item appears by rename(2) and disappears by unlink(2).
 */


#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "krj_outbox.h"


static int krj_outbox_cmp(const void *a, const void *b);


/* the items' names, sorted; *last is the highest number in use */
int
krj_outbox_names(const char *dir, char ***names, unsigned long long *last)
{
    int                  n, cap;
    char               **list, **p;
    DIR                 *d;
    size_t               len, slen;
    struct dirent       *de;
    unsigned long long   seq;

    *names = NULL;
    *last = 0;

    d = opendir(dir);
    if (d == NULL) {
        return -1;
    }

    n = 0;
    cap = 0;
    list = NULL;
    slen = sizeof(KRJ_OUTBOX_SUFFIX) - 1;

    while ((de = readdir(d)) != NULL) {
        len = strlen(de->d_name);

        if (len < 21 + slen || de->d_name[20] != '-'
            || strspn(de->d_name, "0123456789") != 20
            || strcmp(de->d_name + len - slen, KRJ_OUTBOX_SUFFIX) != 0
            || len >= KRJ_OUTBOX_NAME_MAX)
        {
            continue;
        }

        seq = strtoull(de->d_name, NULL, 10);
        *last = (seq > *last) ? seq : *last;

        if (n == cap) {
            cap = cap ? 2 * cap : 16;
            p = realloc(list, (size_t) cap * sizeof(char *));
            if (p == NULL) {
                goto failed;
            }

            list = p;
        }

        list[n] = strdup(de->d_name);
        if (list[n] == NULL) {
            goto failed;
        }

        n++;
    }

    closedir(d);

    if (n > 0) {
        qsort(list, (size_t) n, sizeof(char *), krj_outbox_cmp);
    }

    *names = list;

    return n;

failed:

    closedir(d);
    krj_outbox_free_names(list, n);
    errno = ENOMEM;

    return -1;
}


void
krj_outbox_free_names(char **names, int n)
{
    int  i;

    for (i = 0; i < n; i++) {
        free(names[i]);
    }

    free(names);
}


static int
krj_outbox_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *) a, *(char *const *) b);
}


int
krj_outbox_list(const krj_conf_t *conf, krj_outbox_item_t **items)
{
    int                 n, i;
    char                dir[PATH_MAX], path[KRJ_OUTBOX_PATH_MAX];
    char               *line, **names;
    size_t              size;
    FILE               *f;
    json_t             *head;
    const char         *s;
    struct stat         st;
    json_error_t        jerr;
    krj_outbox_item_t  *it;
    unsigned long long  last;

    *items = NULL;
    krj_outbox_dir(conf, dir);

    n = krj_outbox_names(dir, &names, &last);
    if (n == -1) {
        return (errno == ENOENT) ? 0 : -1;
    }

    it = calloc(n ? (size_t) n : 1, sizeof(krj_outbox_item_t));
    if (it == NULL) {
        krj_outbox_free_names(names, n);
        return -1;
    }

    for (i = 0; i < n; i++) {
        snprintf(it[i].name, sizeof(it[i].name), "%s", names[i]);
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);

        if (stat(path, &st) == 0) {
            it[i].size = (long long) st.st_size;
        }

        f = fopen(path, "re");
        if (f == NULL) {
            continue;
        }

        /* the header line only, however many categories it names */
        line = NULL;
        size = 0;

        if (getline(&line, &size, f) == -1) {
            free(line);
            fclose(f);
            continue;
        }

        fclose(f);

        head = json_loads(line, JSON_DISABLE_EOF_CHECK, &jerr);
        free(line);
        s = json_string_value(json_object_get(head, "kind"));
        snprintf(it[i].kind, sizeof(it[i].kind), "%s", s ? s : "?");
        it[i].written = json_integer_value(json_object_get(head, "written"));

        if (s != NULL && strcmp(s, "run") == 0) {
            s = json_string_value(json_object_get(head, "generation"));
            snprintf(it[i].what, sizeof(it[i].what), "generation %s",
                     s ? s : "?");

        } else {
            snprintf(it[i].what, sizeof(it[i].what), "%s %s",
                     json_string_value(json_object_get(head, "type")) ?: "?",
                     json_string_value(json_object_get(head, "name")) ?: "?");
        }

        json_decref(head);
    }

    krj_outbox_free_names(names, n);
    *items = it;

    return n;
}


int
krj_outbox_count(const krj_conf_t *conf)
{
    int                 n;
    char                dir[PATH_MAX], **names;
    unsigned long long  last;

    krj_outbox_dir(conf, dir);

    n = krj_outbox_names(dir, &names, &last);
    if (n == -1) {
        return (errno == ENOENT) ? 0 : -1;
    }

    krj_outbox_free_names(names, n);

    return n;
}
