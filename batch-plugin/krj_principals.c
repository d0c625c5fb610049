
/*
 * Copyright (C) The krj developers
 */


/*
 * The commands on the key file and the user file, written once: a
 * krj_principal_kind_t says how a line of each is parsed and listed, and
 * the callers (krj_keys.c, krj_users.c) keep only what differs: making a
 * key, asking for and hashing a password, and what they print.
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "krj_link.h"
#include "krj_log.h"
#include "krj_outbox.h"
#include "krj_pfile.h"
#include "krj_pg.h"
#include "krj_principals.h"
#include "krj_publish.h"
#include "krj_record.h"
#include "krj_run.h"


static int krj_principals_find(const krj_principal_kind_t *kind,
    const krj_pfile_t *pf, const char *name, unsigned *found,
    krj_principal_entry_t *old);
static int krj_principals_upload_file(PGconn *pg, const char *kind,
    const char *path, unsigned *n);
static int krj_principals_is(krj_span_t first, const char *name,
    size_t len);


int
krj_principals_check_name(const krj_principal_kind_t *kind, const char *name)
{
    char  err[KRJ_PRINCIPAL_ERRLEN];

    if (krj_name_check(name, strlen(name), kind->name_kind, err) != 0) {
        fprintf(stderr, "krj-batch: %s\n", err);
        return KRJ_EXIT_USAGE;
    }

    return KRJ_EXIT_OK;
}


int
krj_principals_add(const krj_principal_kind_t *kind, const char *path,
    const krj_conf_group_t *group, const char *name,
    krj_principal_line_pt line, void *ctx, int *replaced)
{
    int                    status;
    char                   err[KRJ_PUBLISH_ERRLEN];
    size_t                 start, end;
    unsigned               found;
    krj_buf_t              out;
    krj_pfile_t            pf;
    krj_pline_t            l;
    krj_principal_entry_t  old, e;

    *replaced = 0;

    if (krj_pfile_open(&pf, path, 1, err) != 0) {
        krj_log_event(KRJ_LOG_ERROR, "principals_write_failed", NULL, 0, "%s; "
                      "nothing replaced", err);
        return KRJ_EXIT_FAILED;
    }

    krj_buf_init(&out);

    status = krj_principals_find(kind, &pf, name, &found, &old);
    if (status != KRJ_EXIT_OK) {
        goto cleanup;
    }

    status = KRJ_EXIT_FAILED;
    start = 0;
    end = 0;

    l.next = 0;
    l.number = 0;

    /* an entry that is replaced stays where it was; a new one goes last */
    while (krj_pfile_next_line(&pf, &l)) {
        if (l.number != found) {
            krj_buf_append(&out, pf.data + l.start, l.next - l.start);
            continue;
        }

        start = out.len;

        if (line(ctx, &out, &old) != 0) {
            goto cleanup;
        }

        end = out.len;
    }

    if (found == 0) {
        if (out.len > 0 && out.data[out.len - 1] != '\n') {
            krj_buf_byte(&out, '\n');
        }

        start = out.len;

        if (line(ctx, &out, NULL) != 0) {
            goto cleanup;
        }

        end = out.len;
    }

    if (out.failed) {
        krj_log_event(KRJ_LOG_ERROR, "out_of_memory", NULL, 0, "out of memory");
        goto cleanup;
    }

    /* what the module would skip must never be written */
    err[0] = '\0';

    if (end == start
        || kind->parse((char *) out.data + start, end - start - 1, &e, err)
           != KRJ_LINE_ENTRY)
    {
        krj_log_event(KRJ_LOG_ERROR, "principals_write_failed", NULL, 0, "new "
                      "%s line is invalid: %s", kind->noun, err);
        goto cleanup;
    }

    if (krj_pfile_write(&pf, out.data, out.len, group, err) != 0) {
        krj_log_event(KRJ_LOG_ERROR, "principals_write_failed", NULL, 0, "%s; "
                      "nothing replaced", err);
        goto cleanup;
    }

    *replaced = (found != 0);
    status = KRJ_EXIT_OK;

cleanup:

    /* the lines of a user file hold password hashes */
    if (out.data != NULL) {
        explicit_bzero(out.data, out.len);
    }

    krj_buf_free(&out);
    krj_pfile_close(&pf);

    return status;
}


/* the line of name that add replaces, 0 for none; or a refusal */
static int
krj_principals_find(const krj_principal_kind_t *kind, const krj_pfile_t *pf,
    const char *name, unsigned *found, krj_principal_entry_t *old)
{
    int                    rc, is;
    char                   err[KRJ_PRINCIPAL_ERRLEN], day[11];
    size_t                 len;
    krj_pline_t            l;
    krj_principal_entry_t  e;

    *found = 0;
    len = strlen(name);

    l.next = 0;
    l.number = 0;

    while (krj_pfile_next_line(pf, &l)) {
        rc = kind->parse((char *) pf->data + l.start, l.len, &e, err);

        if (rc == KRJ_LINE_SKIP) {
            continue;
        }

        is = krj_principals_is(krj_line_name((char *) pf->data + l.start,
                                             l.len),
                               name, len);

        /* a replaced line is not kept: its fault is said below */
        if (rc == KRJ_LINE_BAD && !(is && kind->replace)) {
            krj_log_event(KRJ_LOG_WARN, "malformed_line", pf->path, l.number,
                          "%s; line kept as it is", err);
        }

        if (!is) {
            continue;
        }

        /* a revoked key keeps its id: a new key under it would pass for it */
        if (!kind->replace && rc == KRJ_LINE_ENTRY && kind->revoked != NULL
            && kind->revoked(&e) != -1)
        {
            krj_date_format(kind->revoked(&e), day);
            fprintf(stderr, "krj-batch: %s \"%s\" was revoked on %s (%s, "
                    "line %u); an id is never used again: choose another\n",
                    kind->id_noun, name, day, pf->path, l.number);
            return KRJ_EXIT_USAGE;
        }

        /* a malformed line's name is taken too: fixed, it would collide */
        if (!kind->replace) {
            fprintf(stderr, "krj-batch: %s \"%s\" already exists in %s, "
                    "line %u\n", kind->id_noun, name, pf->path, l.number);
            return KRJ_EXIT_USAGE;
        }

        /* the line must be one, and sound, to be replaced */
        if (rc == KRJ_LINE_BAD) {
            fprintf(stderr, "krj-batch: %s:%u: the line of %s \"%s\" is "
                    "malformed (%s); fix or remove it first\n", pf->path,
                    l.number, kind->noun, name, err);
            return KRJ_EXIT_USAGE;
        }

        if (*found) {
            fprintf(stderr, "krj-batch: %s \"%s\" is on lines %u and %u "
                    "of %s; remove it (krj-batch %s %s) and add it again\n",
                    kind->noun, name, *found, l.number, pf->path,
                    kind->plural, kind->remove);
            return KRJ_EXIT_USAGE;
        }

        *found = l.number;
        *old = e;
    }

    return KRJ_EXIT_OK;
}


int
krj_principals_list(const krj_principal_kind_t *kind, const char *path,
    void *ctx)
{
    int                    rc, pass, n, i, ncols;
    int                    width[KRJ_PRINCIPALS_COLUMNS];
    char                   err[KRJ_PUBLISH_ERRLEN];
    krj_span_t             cells[KRJ_PRINCIPALS_COLUMNS];
    krj_pfile_t            pf;
    krj_pline_t            l;
    krj_principal_entry_t  e;

    if (krj_pfile_open(&pf, path, 0, err) != 0) {
        krj_log_event(KRJ_LOG_ERROR, "principals_read_failed", NULL, 0, "%s",
                      err);
        return KRJ_EXIT_FAILED;
    }

    if (!pf.exists) {
        krj_log_event(KRJ_LOG_WARN, "no_file", path, 0, "no such file: no %s",
                      kind->plural);
    }

    for (ncols = 0; kind->columns[ncols].header != NULL; ncols++) {
        width[ncols] = kind->columns[ncols].width;
    }

    n = 0;

    /* the first pass measures the columns and warns, the second prints */
    for (pass = 0; pass < 2; pass++) {

        if (pass == 1 && n > 0) {
            for (i = 0; i + 1 < ncols; i++) {
                printf("%-*s  ", width[i], kind->columns[i].header);
            }

            printf("%s\n", kind->columns[i].header);
        }

        l.next = 0;
        l.number = 0;

        while (krj_pfile_next_line(&pf, &l)) {
            rc = kind->parse((char *) pf.data + l.start, l.len, &e, err);

            if (rc == KRJ_LINE_SKIP) {
                continue;
            }

            if (rc == KRJ_LINE_BAD) {
                if (pass == 0) {
                    krj_log_event(KRJ_LOG_WARN, "malformed_line", path,
                                  l.number, "%s; line skipped", err);
                }

                continue;
            }

            kind->row(ctx, &e, cells);

            for (i = 0; pass == 0 && i + 1 < ncols; i++) {
                width[i] = (int) cells[i].len > width[i] ? (int) cells[i].len
                                                         : width[i];
            }

            if (pass == 0) {
                n++;
                continue;
            }

            for (i = 0; i + 1 < ncols; i++) {
                printf("%-*.*s  ", width[i], (int) cells[i].len,
                       cells[i].data);
            }

            printf("%.*s\n", (int) cells[i].len, cells[i].data);
        }
    }

    if (n == 0) {
        printf("no %s in %s\n", kind->plural, path);
    }

    krj_pfile_close(&pf);

    return KRJ_EXIT_OK;
}


int
krj_principals_remove(const krj_principal_kind_t *kind, const char *path,
    const char *name, unsigned *removed)
{
    return krj_principals_edit(kind, path, name, NULL, NULL, removed);
}


int
krj_principals_edit(const krj_principal_kind_t *kind, const char *path,
    const char *name, krj_principal_edit_pt edit, void *ctx,
    unsigned *found)
{
    int                    status, rc;
    char                   err[KRJ_PUBLISH_ERRLEN];
    size_t                 len, start;
    krj_buf_t              out;
    krj_pfile_t            pf;
    krj_pline_t            l;
    krj_principal_entry_t  e;

    *found = 0;
    len = strlen(name);

    if (len == 0) {
        fprintf(stderr, "krj-batch: empty %s\n", kind->id_noun);
        return KRJ_EXIT_USAGE;
    }

    if (krj_pfile_open(&pf, path, 1, err) != 0) {
        krj_log_event(KRJ_LOG_ERROR, "principals_write_failed", NULL, 0,
                      "%s; nothing replaced", err);
        return KRJ_EXIT_FAILED;
    }

    krj_buf_init(&out);
    status = KRJ_EXIT_FAILED;

    l.next = 0;
    l.number = 0;

    while (krj_pfile_next_line(&pf, &l)) {
        if (!krj_principals_is(krj_line_name((char *) pf.data + l.start,
                                             l.len),
                               name, len))
        {
            krj_buf_append(&out, pf.data + l.start, l.next - l.start);
            continue;
        }

        (*found)++;

        rc = kind->parse((char *) pf.data + l.start, l.len, &e, err);

        if (edit == NULL || rc != KRJ_LINE_ENTRY) {
            continue;
        }

        start = out.len;

        if (edit(ctx, &out, (char *) pf.data + l.start, l.len, &e) != 0) {
            goto cleanup;
        }

        if (out.len == start || out.failed) {
            continue;
        }

        /* what the module would skip must never be written */
        err[0] = '\0';

        if (kind->parse((char *) out.data + start, out.len - start, &e, err)
            != KRJ_LINE_ENTRY)
        {
            krj_log_event(KRJ_LOG_ERROR, "principals_write_failed", NULL, 0,
                          "new %s line is invalid: %s", kind->noun, err);
            goto cleanup;
        }

        /* the line ends as it did: the last one may have no newline */
        if (l.next > l.start + l.len) {
            krj_buf_byte(&out, '\n');
        }
    }

    if (*found == 0) {
        fprintf(stderr, "krj-batch: no %s \"%s\" in %s\n", kind->noun, name,
                path);
        status = KRJ_EXIT_USAGE;
        goto cleanup;
    }

    if (out.failed) {
        krj_log_event(KRJ_LOG_ERROR, "out_of_memory", NULL, 0,
                      "out of memory");
        goto cleanup;
    }

    if (out.len == pf.len
        && (pf.len == 0 || memcmp(out.data, pf.data, pf.len) == 0))
    {
        status = KRJ_EXIT_USAGE;
        goto cleanup;
    }

    /* no line to remove: a file that does not exist is not made */
    if (krj_pfile_write(&pf, out.data, out.len, NULL, err) != 0) {
        krj_log_event(KRJ_LOG_ERROR, "principals_write_failed", NULL, 0,
                      "%s; nothing replaced", err);
        goto cleanup;
    }

    status = KRJ_EXIT_OK;

cleanup:

    /* the lines of a user file hold password hashes */
    if (out.data != NULL) {
        explicit_bzero(out.data, out.len);
    }

    krj_buf_free(&out);
    krj_pfile_close(&pf);

    return status;
}


static int
krj_principals_is(krj_span_t first, const char *name, size_t len)
{
    return first.data != NULL && first.len == len
           && memcmp(first.data, name, len) == 0;
}


int
krj_principals_share(const krj_conf_t *conf, const char *kind,
    const char *name, const char *line)
{
    int         n;
    krj_link_t  l;

    if (!krj_pg_configured(conf) && conf->redis_url == NULL) {
        return KRJ_EXIT_OK;
    }

    /* the file is changed: what the other nodes must learn is kept */
    if (krj_outbox_put_principal(conf, kind, name, line) != 0) {
        return KRJ_EXIT_PENDING;
    }

    krj_link_init(&l, conf, 0);
    n = krj_outbox_deliver(conf, &l);
    krj_link_close(&l);

    if (n != 0) {
        fprintf(stderr, "krj-batch: the change is made here, but not yet "
                "in PostgreSQL: the other nodes get it once the outbox is "
                "delivered (the next run, watch or follow)\n");
        return KRJ_EXIT_PENDING;
    }

    return KRJ_EXIT_OK;
}


int
krj_principals_upload(const krj_conf_t *conf, PGconn *pg, unsigned *n)
{
    *n = 0;

    if (krj_principals_upload_file(pg, "key", conf->key_file, n) != 0
        || krj_principals_upload_file(pg, "user", conf->user_file, n) != 0)
    {
        return -1;
    }

    return 0;
}


static int
krj_principals_upload_file(PGconn *pg, const char *kind, const char *path,
    unsigned *n)
{
    int                    rc, lacks;
    char                   err[KRJ_PUBLISH_ERRLEN];
    char                   perr[KRJ_PRINCIPAL_ERRLEN];
    char                  *name, *line;
    size_t                 len;
    PGresult              *res;
    krj_span_t             id;
    krj_pfile_t            pf;
    krj_pline_t            l;
    const char            *p, *v[2];
    krj_principal_entry_t  e;

    if (path == NULL || path[0] == '\0') {
        return 0;
    }

    if (krj_pfile_open(&pf, path, 0, err) != 0) {
        krj_log_event(KRJ_LOG_ERROR, "record_failed", path, 0, "%s", err);
        return -1;
    }

    /* krj-batch follow's copy of what PostgreSQL holds */
    if (pf.len >= sizeof(KRJ_PRINCIPALS_FOLLOWED) - 1
        && memcmp(pf.data, KRJ_PRINCIPALS_FOLLOWED,
                  sizeof(KRJ_PRINCIPALS_FOLLOWED) - 1) == 0)
    {
        krj_pfile_close(&pf);
        return 0;
    }

    rc = 0;
    l.next = 0;
    l.number = 0;

    while (rc == 0 && krj_pfile_next_line(&pf, &l)) {
        p = (const char *) pf.data + l.start;
        len = l.len;

        if (len > 0 && p[len - 1] == '\r') {
            len--;
        }

        /* a malformed line is the file's fault: list and fix it there */
        if ((kind[0] == 'k' ? krj_key_line_parse(p, len, &e.key, perr)
                            : krj_user_line_parse(p, len, &e.user, perr))
            != KRJ_LINE_ENTRY)
        {
            continue;
        }

        id = krj_line_name(p, len);
        name = strndup(id.data, id.len);
        line = strndup(p, len);

        if (name == NULL || line == NULL) {
            krj_log_event(KRJ_LOG_ERROR, "record_failed", path, l.number,
                          "out of memory");
            rc = -1;
            goto next;
        }

        v[0] = kind;
        v[1] = name;

        res = krj_pg_exec(pg, "SELECT 1 FROM krj_principals WHERE kind = $1 "
                          "AND name = $2", 2, v, NULL, NULL, 0,
                          PGRES_TUPLES_OK, err);
        if (res == NULL) {
            krj_log_event(KRJ_LOG_ERROR, "record_failed", path, l.number,
                          "%s \"%s\" not recorded: %s", kind, name, err);
            rc = -1;
            goto next;
        }

        lacks = (PQntuples(res) == 0);
        PQclear(res);

        if (!lacks) {
            goto next;
        }

        if (krj_record_principal(pg, kind, name, line, err) != 0) {
            krj_log_event(KRJ_LOG_ERROR, "record_failed", path, l.number,
                          "%s \"%s\" not recorded: %s", kind, name, err);
            rc = -1;
            goto next;
        }

        krj_log_event(KRJ_LOG_INFO, "principal_recorded", path, l.number,
                      "%s \"%s\" written in PostgreSQL: it was in this file "
                      "only (added before pg-dsn was configured)", kind,
                      name);
        (*n)++;

    next:

        if (line != NULL) {
            explicit_bzero(line, len);
        }

        free(line);
        free(name);
    }

    krj_pfile_close(&pf);

    return rc;
}
