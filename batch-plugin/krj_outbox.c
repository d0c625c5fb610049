
/*
 * Copyright (C) The krj developers
 */


/*
 * The outbox: what a run could not yet record in PostgreSQL or announce
 * on Redis, one file per item, so that nothing is lost while either is
 * down.  A run puts its item first and delivers it at once; an item
 * stays only while delivery fails.  Items are delivered in the order they
 * were put, and delivering one twice changes nothing (the generation is
 * recorded once; a second announcement of it is a no-op for followers),
 * so a crash between delivery and removal is harmless.
 *
 * An item is one line of JSON, then the bytes of its files in order.
 */


#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "krj_buf.h"
#include "krj_log.h"
#include "krj_notify.h"
#include "krj_outbox.h"
#include "krj_publish.h"
#include "krj_record.h"


#define KRJ_OUTBOX_SUFFIX       ".item"
#define KRJ_OUTBOX_PATH_MAX     (PATH_MAX + KRJ_OUTBOX_NAME_MAX + 2)
/* an item larger than this is not one krj-batch wrote */
#define KRJ_OUTBOX_ITEM_MAX     (4ULL * 1024 * 1024 * 1024)


static int krj_outbox_open(const krj_conf_t *conf, char *dir, int create);
static int krj_outbox_names(const char *dir, char ***names,
    unsigned long long *last);
static void krj_outbox_free_names(char **names, int n);
static int krj_outbox_put(const krj_conf_t *conf, const char *kind,
    json_t *head, const krj_gen_t *g);
static int krj_outbox_one(const krj_conf_t *conf, krj_link_t *l,
    const char *dir, const char *name);
static int krj_outbox_load(const uint8_t *data, size_t len, json_t **head,
    krj_gen_t *g, char *err);
static int krj_outbox_run(const krj_conf_t *conf, krj_link_t *l,
    krj_gen_t *g);
static int krj_outbox_principal(const krj_conf_t *conf, krj_link_t *l,
    json_t *head);
static int krj_outbox_cmp(const void *a, const void *b);


void
krj_outbox_dir(const krj_conf_t *conf, char *path)
{
    if (conf->outbox != NULL) {
        snprintf(path, PATH_MAX, "%s", conf->outbox);

    } else {
        snprintf(path, PATH_MAX, "%s/outbox", conf->output);
    }
}


int
krj_outbox_put_run(const krj_conf_t *conf, const krj_gen_t *g)
{
    int        rc;
    json_t    *head, *cats;
    uint32_t   k;

    cats = json_array();

    for (k = 0; cats != NULL && k < g->ncats; k++) {
        json_array_append_new(cats, json_pack("{s:s,s:s,s:s,s:s,s:s,s:I}",
                              "slug", g->cats[k].slug,
                              "label", g->cats[k].label,
                              "signal_date", g->cats[k].signal_date,
                              "source_file", g->cats[k].source_file,
                              "sha256", g->cats[k].sha256,
                              "size", (json_int_t) g->cats[k].csv.len));
    }

    head = json_pack("{s:s,s:s,s:s,s:I,s:I,s:I,s:s,s:s,s:I,s:o}",
                     "kind", "run",
                     "generation", g->generation,
                     "input_digest", g->input_hex,
                     "generated_at", (json_int_t) g->generated_at,
                     "started_at", (json_int_t) g->started_at,
                     "finished_at", (json_int_t) g->finished_at,
                     "host", g->host,
                     "outcome", g->outcome,
                     "warnings", (json_int_t) g->warnings,
                     "categories", cats);

    rc = krj_outbox_put(conf, "run", head, g);

    json_decref(head);

    return rc;
}


int
krj_outbox_put_principal(const krj_conf_t *conf, const char *kind,
    const char *name, const char *line)
{
    int      rc;
    json_t  *head;

    head = json_pack("{s:s,s:s,s:s,s:o}", "kind", "principal",
                     "type", kind, "name", name,
                     "line", line ? json_string(line) : json_null());

    rc = krj_outbox_put(conf, "principal", head, NULL);

    json_decref(head);

    return rc;
}


static int
krj_outbox_put(const krj_conf_t *conf, const char *kind, json_t *head,
    const krj_gen_t *g)
{
    int                 fd, rc, n;
    char                dir[PATH_MAX], name[KRJ_OUTBOX_NAME_MAX];
    char                err[KRJ_PUBLISH_ERRLEN], *text, **names;
    uint32_t            k;
    krj_buf_t           b;
    krj_stage_t         st;
    unsigned long long  last;

    if (head == NULL) {
        krj_log(KRJ_LOG_ERROR, NULL, 0, "out of memory");
        return -1;
    }

    fd = krj_outbox_open(conf, dir, 1);
    if (fd == -1) {
        return -1;
    }

    rc = -1;
    krj_buf_init(&b);

    n = krj_outbox_names(dir, &names, &last);
    if (n == -1) {
        krj_log(KRJ_LOG_ERROR, dir, 0, "outbox: cannot list: %s",
                strerror(errno));
        goto cleanup;
    }

    krj_outbox_free_names(names, n);

    json_object_set_new(head, "written", json_integer((json_int_t)
                                                      time(NULL)));

    text = json_dumps(head, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (text == NULL) {
        krj_log(KRJ_LOG_ERROR, NULL, 0, "out of memory");
        goto cleanup;
    }

    krj_buf_str(&b, text);
    krj_buf_byte(&b, '\n');
    free(text);

    /* the published bytes, which are what is recorded */
    for (k = 0; g != NULL && k < g->ncats; k++) {
        krj_buf_append(&b, g->cats[k].csv.data, g->cats[k].csv.len);
    }

    if (b.failed) {
        krj_log(KRJ_LOG_ERROR, NULL, 0, "out of memory");
        goto cleanup;
    }

    /* 20 digits sort as numbers do */
    snprintf(name, sizeof(name), "%020llu-%s" KRJ_OUTBOX_SUFFIX, last + 1,
             kind);

    if (krj_stage_file(&st, dir, name, b.data, b.len, 0600, err) != 0
        || krj_stage_commit(&st, err) != 0
        || krj_sync_dir(dir, err) != 0)
    {
        krj_log_event(KRJ_LOG_ERROR, "outbox_failed", NULL, 0, "outbox: %s",
                      err);
        goto cleanup;
    }

    krj_log_event(KRJ_LOG_DEBUG, "outbox_write", dir, 0, "%s (%zu bytes)",
                  name, b.len);

    rc = 0;

cleanup:

    krj_buf_free(&b);
    close(fd);

    return rc;
}


int
krj_outbox_deliver(const krj_conf_t *conf, krj_link_t *l)
{
    int                 fd, n, i, left;
    char                dir[PATH_MAX], **names;
    unsigned long long  last;

    fd = krj_outbox_open(conf, dir, 0);
    if (fd == -1) {
        return (errno == ENOENT) ? 0 : -1;
    }

    n = krj_outbox_names(dir, &names, &last);
    if (n == -1) {
        krj_log(KRJ_LOG_ERROR, dir, 0, "outbox: cannot list: %s",
                strerror(errno));
        close(fd);
        return -1;
    }

    left = n;

    for (i = 0; i < n; i++) {
        if (krj_outbox_one(conf, l, dir, names[i]) != 0) {
            break;
        }

        left--;
    }

    if (left > 0) {
        krj_log_event(KRJ_LOG_WARN, "outbox_pending", dir, 0, "%d item%s "
                      "pending, delivered when PostgreSQL and Redis answer",
                      left, left == 1 ? "" : "s");
    }

    krj_outbox_free_names(names, n);
    close(fd);

    return left;
}


/* one item: 0 when delivered and removed (or set aside as bad) */
static int
krj_outbox_one(const krj_conf_t *conf, krj_link_t *l, const char *dir,
    const char *name)
{
    int          rc;
    char         path[KRJ_OUTBOX_PATH_MAX], bad[KRJ_OUTBOX_PATH_MAX + 8];
    char         err[KRJ_PUBLISH_ERRLEN];
    json_t      *head;
    size_t       len;
    uint8_t     *data;
    krj_gen_t    g;
    const char  *kind;

    snprintf(path, sizeof(path), "%s/%s", dir, name);

    if (krj_file_read(path, KRJ_OUTBOX_ITEM_MAX, &data, &len, err) != 0) {
        krj_log_event(KRJ_LOG_ERROR, "outbox_failed", path, 0, "%s", err);
        return -1;
    }

    memset(&g, 0, sizeof(krj_gen_t));

    if (krj_outbox_load(data, len, &head, &g, err) != 0) {
        /* set aside, so that one damaged file does not stop the rest */
        snprintf(bad, sizeof(bad), "%s.bad", path);
        rename(path, bad);
        krj_log_event(KRJ_LOG_ERROR, "outbox_bad", path, 0, "%s; set aside "
                      "as %s", err, bad);
        free(data);
        return 0;
    }

    kind = json_string_value(json_object_get(head, "kind"));

    rc = (strcmp(kind, "run") == 0) ? krj_outbox_run(conf, l, &g)
                                    : krj_outbox_principal(conf, l, head);

    if (rc == 0) {
        if (unlink(path) != 0 || krj_sync_dir(dir, err) != 0) {
            krj_log_event(KRJ_LOG_ERROR, "outbox_failed", path, 0,
                          "cannot remove: %s", strerror(errno));
            rc = -1;

        } else {
            krj_log_event(KRJ_LOG_INFO, "outbox_delivered", dir, 0, "%s",
                          name);
        }
    }

    krj_gen_free(&g);
    json_decref(head);
    free(data);

    return rc;
}


static int
krj_outbox_run(const krj_conf_t *conf, krj_link_t *l, krj_gen_t *g)
{
    int           result;
    char          err[KRJ_PUBLISH_ERRLEN], *json;
    PGconn       *pg;
    krj_redis_t  *r;

    if (krj_pg_configured(conf)) {
        pg = krj_link_pg(l, err);
        if (pg == NULL) {
            return -1;
        }

        if (krj_record_run(pg, g, &result, err) != 0) {
            krj_log_event(KRJ_LOG_ERROR, "record_failed", NULL, 0,
                          "generation %s not recorded: %s", g->generation,
                          err);
            krj_link_pg_failed(l, err);
            return -1;
        }

        krj_log_event(KRJ_LOG_INFO, "recorded", NULL, 0, "generation %s "
                      "%s PostgreSQL (%u categories)", g->generation,
                      result == KRJ_RECORD_NEW ? "recorded in"
                                               : "was already in",
                      g->ncats);
    }

    if (conf->redis_url == NULL) {
        return 0;
    }

    r = krj_link_redis(l, err);
    if (r == NULL) {
        return -1;
    }

    json = krj_notify_run_json(g);

    if (json == NULL
        || krj_notify_announce(r, conf, "run", g->generation, json, err)
           != 0)
    {
        krj_log_event(KRJ_LOG_ERROR, "announce_failed", NULL, 0,
                      "generation %s not announced: %s", g->generation,
                      json ? err : "out of memory");
        krj_link_redis_failed(l, err);
        free(json);
        return -1;
    }

    free(json);

    krj_log_event(KRJ_LOG_INFO, "announced", NULL, 0, "generation %s "
                  "announced on %s", g->generation, KRJ_NOTIFY_STREAM);

    return 0;
}


static int
krj_outbox_principal(const krj_conf_t *conf, krj_link_t *l, json_t *head)
{
    char          err[KRJ_PUBLISH_ERRLEN], *json;
    PGconn       *pg;
    const char   *kind, *name, *line;
    krj_redis_t  *r;

    kind = json_string_value(json_object_get(head, "type"));
    name = json_string_value(json_object_get(head, "name"));
    line = json_string_value(json_object_get(head, "line"));

    if (krj_pg_configured(conf)) {
        pg = krj_link_pg(l, err);
        if (pg == NULL) {
            return -1;
        }

        if (krj_record_principal(pg, kind, name, line, err) != 0) {
            krj_log_event(KRJ_LOG_ERROR, "record_failed", NULL, 0,
                          "%s \"%s\" not recorded: %s", kind, name, err);
            krj_link_pg_failed(l, err);
            return -1;
        }

        krj_log_event(KRJ_LOG_INFO, "principal_recorded", NULL, 0,
                      "%s \"%s\" %s in PostgreSQL", kind, name,
                      line ? "written" : "removed");
    }

    if (conf->redis_url == NULL) {
        return 0;
    }

    r = krj_link_redis(l, err);
    if (r == NULL) {
        return -1;
    }

    json = krj_notify_principal_json(kind, name);

    if (json == NULL
        || krj_notify_announce(r, conf, "principals", "", json, err) != 0)
    {
        krj_log_event(KRJ_LOG_ERROR, "announce_failed", NULL, 0,
                      "%s \"%s\" not announced: %s", kind, name,
                      json ? err : "out of memory");
        krj_link_redis_failed(l, err);
        free(json);
        return -1;
    }

    free(json);

    krj_log_event(KRJ_LOG_INFO, "announced", NULL, 0, "%s \"%s\" "
                  "announced on %s", kind, name, KRJ_NOTIFY_STREAM);

    return 0;
}


/* the JSON line and, for a run, the generation with its bytes */
static int
krj_outbox_load(const uint8_t *data, size_t len, json_t **head,
    krj_gen_t *g, char *err)
{
    size_t          hlen, off, size, i;
    json_t         *cats, *c;
    const char     *kind, *s;
    const uint8_t  *nl;
    json_error_t    jerr;
    krj_gen_cat_t  *gc;

    *head = NULL;

    nl = memchr(data, '\n', len);
    if (nl == NULL) {
        snprintf(err, KRJ_PUBLISH_ERRLEN, "no header line");
        return -1;
    }

    hlen = (size_t) (nl - data);

    *head = json_loadb((const char *) data, hlen, 0, &jerr);
    if (*head == NULL || !json_is_object(*head)) {
        snprintf(err, KRJ_PUBLISH_ERRLEN, "bad header: %s", jerr.text);
        goto failed;
    }

    kind = json_string_value(json_object_get(*head, "kind"));

    if (kind != NULL && strcmp(kind, "principal") == 0) {
        if (json_string_value(json_object_get(*head, "type")) == NULL
            || json_string_value(json_object_get(*head, "name")) == NULL)
        {
            snprintf(err, KRJ_PUBLISH_ERRLEN, "bad principal item");
            goto failed;
        }

        return 0;
    }

    cats = json_object_get(*head, "categories");

    if (kind == NULL || strcmp(kind, "run") != 0 || !json_is_array(cats)
        || json_array_size(cats) == 0
        || krj_gen_alloc(g, (uint32_t) json_array_size(cats)) != 0)
    {
        snprintf(err, KRJ_PUBLISH_ERRLEN, "bad run item");
        goto failed;
    }

    s = json_string_value(json_object_get(*head, "generation"));
    snprintf(g->generation, sizeof(g->generation), "%s", s ? s : "");
    s = json_string_value(json_object_get(*head, "input_digest"));
    snprintf(g->input_hex, sizeof(g->input_hex), "%s", s ? s : "");
    s = json_string_value(json_object_get(*head, "host"));
    snprintf(g->host, sizeof(g->host), "%s", s ? s : "");
    s = json_string_value(json_object_get(*head, "outcome"));
    g->outcome = (s != NULL && strcmp(s, "partial") == 0) ? "partial"
                                                          : "published";
    g->generated_at = json_integer_value(json_object_get(*head,
                                                         "generated_at"));
    g->started_at = json_integer_value(json_object_get(*head,
                                                       "started_at"));
    g->finished_at = json_integer_value(json_object_get(*head,
                                                        "finished_at"));
    g->warnings = (unsigned) json_integer_value(json_object_get(*head,
                                                                "warnings"));

    if (strlen(g->generation) != KRJ_GEN_LEN || g->generated_at <= 0) {
        snprintf(err, KRJ_PUBLISH_ERRLEN, "bad run item");
        goto failed;
    }

    off = hlen + 1;

    json_array_foreach(cats, i, c) {
        gc = &g->cats[i];

        snprintf(gc->slug, sizeof(gc->slug), "%s",
                 json_string_value(json_object_get(c, "slug")) ?: "");
        snprintf(gc->label, sizeof(gc->label), "%s",
                 json_string_value(json_object_get(c, "label")) ?: "");
        snprintf(gc->signal_date, sizeof(gc->signal_date), "%s",
                 json_string_value(json_object_get(c, "signal_date")) ?: "");
        snprintf(gc->source_file, sizeof(gc->source_file), "%s",
                 json_string_value(json_object_get(c, "source_file")) ?: "");
        s = json_string_value(json_object_get(c, "sha256"));
        size = (size_t) json_integer_value(json_object_get(c, "size"));

        if (gc->slug[0] == '\0' || s == NULL || strlen(s) != 64
            || size > len - off)
        {
            snprintf(err, KRJ_PUBLISH_ERRLEN, "bad category %zu", i);
            goto failed;
        }

        gc->data = malloc(size + 1);
        if (gc->data == NULL) {
            snprintf(err, KRJ_PUBLISH_ERRLEN, "out of memory");
            goto failed;
        }

        memcpy(gc->data, data + off, size);
        gc->len = size;
        gc->from_input = 1;
        off += size;

        if (krj_sha256_hex(gc->data, gc->len, gc->sha256) != 0
            || strcmp(gc->sha256, s) != 0)
        {
            snprintf(err, KRJ_PUBLISH_ERRLEN, "%s: the bytes do not match "
                     "their SHA-256", gc->source_file);
            goto failed;
        }
    }

    if (off != len) {
        snprintf(err, KRJ_PUBLISH_ERRLEN, "%zu bytes too many", len - off);
        goto failed;
    }

    return 0;

failed:

    json_decref(*head);
    *head = NULL;
    krj_gen_free(g);

    return -1;
}


/* the directory, created when asked to, locked; its fd, or -1 */
static int
krj_outbox_open(const krj_conf_t *conf, char *dir, int create)
{
    int   fd;
    char  err[KRJ_PUBLISH_ERRLEN];

    krj_outbox_dir(conf, dir);

    if (create && krj_make_dir(dir, err) != 0) {
        krj_log_event(KRJ_LOG_ERROR, "outbox_failed", NULL, 0, "outbox: %s",
                      err);
        return -1;
    }

    fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd == -1) {
        if (errno != ENOENT || create) {
            krj_log_event(KRJ_LOG_ERROR, "outbox_failed", dir, 0,
                          "cannot open: %s", strerror(errno));
        }

        return -1;
    }

    /* a run and a daemon on one outbox take turns */
    if (flock(fd, LOCK_EX) != 0) {
        krj_log_event(KRJ_LOG_ERROR, "outbox_failed", dir, 0, "cannot "
                      "lock: %s", strerror(errno));
        close(fd);
        return -1;
    }

    return fd;
}


/* the items' names, sorted; *last is the highest number in use */
static int
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


static void
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
