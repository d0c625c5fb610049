
/*
 * Copyright (C) The krj developers
 */


/*
 * The configuration file: "name = value" lines, the names those of the
 * option table (krj_conf.c), so that the file, the command line and
 * --help cannot disagree; "#" starts a comment line.  A value may be put
 * in double quotes to keep spaces at its ends.  Options that make sense
 * only on a command line (--help, --quiet, --config itself) are refused,
 * and so is an unknown name or a bad value: "file:line: reason".
 */


#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "krj_conf.h"


/* a configuration file larger than this is not one */
#define KRJ_CONF_FILE_MAX       (1024 * 1024)


/* the strings the file set, freed together */
typedef struct krj_conf_str_s  krj_conf_str_t;

struct krj_conf_str_s {
    krj_conf_str_t     *next;
    char                text[];
};


static int krj_conf_file_line(krj_conf_t *conf, char *line,
    krj_conf_str_t **store, char *err);
static char *krj_conf_file_trim(char *s);


int
krj_conf_file(krj_conf_t *conf, const char *path, void **store, char *err)
{
    int           rc;
    char         *line, msg[KRJ_CONF_ERRLEN];
    FILE         *f;
    size_t        size;
    ssize_t       n;
    unsigned      number;
    struct stat   st;

    *store = NULL;

    if (path != NULL && path[0] == '\0') {
        return 0;
    }

    if (path == NULL) {
        /* the default file is read only when it is there */
        if (stat(KRJ_CONF_DEFAULT_FILE, &st) != 0 && errno == ENOENT) {
            return 0;
        }

        path = KRJ_CONF_DEFAULT_FILE;
    }

    f = fopen(path, "re");
    if (f == NULL) {
        snprintf(err, KRJ_CONF_ERRLEN, "%.200s: cannot open the "
                 "configuration file: %s", path, strerror(errno));
        return -1;
    }

    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)
        || st.st_size > KRJ_CONF_FILE_MAX)
    {
        snprintf(err, KRJ_CONF_ERRLEN, "%.200s: not a configuration file "
                 "(a regular file of at most %d bytes)", path,
                 KRJ_CONF_FILE_MAX);
        fclose(f);
        return -1;
    }

    line = NULL;
    size = 0;
    number = 0;
    rc = 0;

    while ((n = getline(&line, &size, f)) != -1) {
        number++;

        if (memchr(line, '\0', (size_t) n) != NULL) {
            snprintf(msg, sizeof(msg), "a NUL byte");
            rc = -1;

        } else {
            rc = krj_conf_file_line(conf, line,
                                    (krj_conf_str_t **) store, msg);
        }

        if (rc != 0) {
            snprintf(err, KRJ_CONF_ERRLEN, "%.100s:%u: %.200s", path,
                     number, msg);
            break;
        }
    }

    if (rc == 0 && ferror(f)) {
        snprintf(err, KRJ_CONF_ERRLEN, "%.200s: read failed: %s", path,
                 strerror(errno));
        rc = -1;
    }

    free(line);
    fclose(f);

    if (rc != 0) {
        /* conf is not used after an error: nothing must point here */
        krj_conf_file_free(*store);
        *store = NULL;
        return rc;
    }

    conf->config = path;

    return 0;
}


void
krj_conf_file_free(void *store)
{
    krj_conf_str_t  *s, *next;

    for (s = store; s != NULL; s = next) {
        next = s->next;
        free(s);
    }
}


static int
krj_conf_file_line(krj_conf_t *conf, char *line, krj_conf_str_t **store,
    char *err)
{
    char                *name, *value, *eq;
    size_t               len;
    krj_conf_str_t      *s;
    const krj_option_t  *opt;

    name = krj_conf_file_trim(line);

    if (name[0] == '\0' || name[0] == '#') {
        return 0;
    }

    eq = strchr(name, '=');
    if (eq == NULL) {
        snprintf(err, KRJ_CONF_ERRLEN, "expected \"name = value\"");
        return -1;
    }

    *eq = '\0';
    name = krj_conf_file_trim(name);
    value = krj_conf_file_trim(eq + 1);

    opt = krj_conf_find(name, strlen(name), 0);

    if (opt == NULL) {
        snprintf(err, KRJ_CONF_ERRLEN, "unknown option \"%.64s\"", name);
        return -1;
    }

    if (opt->flags & KRJ_OPT_ARGV) {
        snprintf(err, KRJ_CONF_ERRLEN, "\"%.64s\" is a command-line "
                 "option only", name);
        return -1;
    }

    len = strlen(value);

    if (len >= 2 && value[0] == '"' && value[len - 1] == '"') {
        value[len - 1] = '\0';
        value++;
        len -= 2;

    } else if (value[0] == '"') {
        snprintf(err, KRJ_CONF_ERRLEN, "unterminated quote");
        return -1;
    }

    if (len == 0) {
        snprintf(err, KRJ_CONF_ERRLEN, "\"%.64s\" has no value", name);
        return -1;
    }

    /* the table points at strings: this one must live as long as conf */
    s = malloc(sizeof(krj_conf_str_t) + len + 1);
    if (s == NULL) {
        snprintf(err, KRJ_CONF_ERRLEN, "out of memory");
        return -1;
    }

    memcpy(s->text, value, len + 1);
    s->next = *store;
    *store = s;

    return krj_conf_set(conf, opt, s->text, KRJ_SRC_FILE, err);
}


/* without the spaces, tabs, CR and LF at both ends */
static char *
krj_conf_file_trim(char *s)
{
    size_t  len;

    while (*s == ' ' || *s == '\t') {
        s++;
    }

    len = strlen(s);

    while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'
                       || s[len - 1] == '\r' || s[len - 1] == '\n'))
    {
        s[--len] = '\0';
    }

    return s;
}
