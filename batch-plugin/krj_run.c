
/*
 * Copyright (C) The krj developers
 */


/*
 * The "run" command: the newest file per category, validated; a category
 * whose newest file is bad keeps what is published; the generation is
 * published (krj_gen.c), then put in the outbox and delivered: recorded
 * in PostgreSQL and announced on Redis, when they are configured.
 */


#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "krj_date.h"
#include "krj_gen.h"
#include "krj_log.h"
#include "krj_notify.h"
#include "krj_outbox.h"
#include "krj_publish.h"
#include "krj_record.h"
#include "krj_run.h"
#include "krj_scan.h"


static int krj_run_scan(const krj_conf_t *conf, krj_gen_t *g,
    unsigned *rejected);
static int krj_run_load(const krj_conf_t *conf, const krj_scan_dir_t *dir,
    const krj_scan_conf_t *sc, const krj_scan_entry_t *e,
    krj_gen_cat_t *c);
static int krj_run_keep(const krj_conf_t *conf, const krj_scan_entry_t *e,
    krj_gen_cat_t *c, json_t *meta);
static void krj_run_warn(void *ctx, uint32_t line, const char *msg);
static void krj_run_adopt(krj_link_t *l, krj_gen_t *g);
static int krj_run_enqueue(const krj_conf_t *conf, krj_link_t *l,
    krj_gen_t *g);
static int krj_run_check_dir(const char *what, const char *dir);
static int krj_run_make_dir(const char *dir);


int
krj_run(const krj_conf_t *conf)
{
    int         status;
    krj_link_t  l;

    krj_link_init(&l, conf, 0);

    status = krj_run_ingest(conf, &l);

    krj_link_close(&l);

    return status;
}


int
krj_run_ingest(const krj_conf_t *conf, krj_link_t *l)
{
    int         status, pending, locked;
    char        token[KRJ_NOTIFY_TOKEN_MAX];
    unsigned    rejected;
    krj_gen_t   g;

    /* like run_krj_batch.py, a missing output directory is created */

    if (krj_run_check_dir("input", conf->input) != 0
        || krj_run_make_dir(conf->output) != 0
        || krj_run_check_dir("output", conf->output) != 0)
    {
        return KRJ_EXIT_USAGE;
    }

    /* one node at a time: another that ingests these files goes first */
    locked = krj_notify_lock(l, token);

    if (locked == -1) {
        return KRJ_EXIT_OK;
    }

    krj_log_warnings(1);
    memset(&g, 0, sizeof(krj_gen_t));
    g.started_at = (int64_t) time(NULL);

    status = krj_run_scan(conf, &g, &rejected);
    if (status != KRJ_EXIT_OK) {
        goto cleanup;
    }

    status = KRJ_EXIT_FAILED;

    krj_gen_digest(&g);
    krj_run_adopt(l, &g);

    if (krj_gen_publish(conf, &g) != 0) {
        goto cleanup;
    }

    g.finished_at = (int64_t) time(NULL);
    g.outcome = rejected ? "partial" : "published";
    g.warnings = krj_log_warnings(0);

    if (g.unchanged) {
        krj_log_event(KRJ_LOG_INFO, "unchanged", NULL, 0, "unchanged: %u "
                      "categories, the published snapshot (generation %s) "
                      "already holds this input", g.ncats, g.generation);

    } else {
        krj_log_event(KRJ_LOG_INFO, "published", NULL, 0, "published %u "
                      "categories (%u new), snapshot of %zu bytes, "
                      "generation %s", g.ncats, g.published, g.snapshot_len,
                      g.generation);
    }

    pending = krj_run_enqueue(conf, l, &g);

    status = rejected ? KRJ_EXIT_PARTIAL
                      : (pending ? KRJ_EXIT_PENDING : KRJ_EXIT_OK);

cleanup:

    if (locked == 1) {
        krj_notify_unlock(l, token);
    }

    krj_gen_free(&g);

    return status;
}


/* the categories of the input directory into g; a KRJ_EXIT_* status */
static int
krj_run_scan(const krj_conf_t *conf, krj_gen_t *g, unsigned *rejected)
{
    int                 n, i, status;
    json_t             *meta;
    uint32_t            k;
    krj_scan_dir_t      dir;
    krj_scan_conf_t     sc;
    krj_scan_entry_t   *entries;

    *rejected = 0;

    sc.today = krj_date_today();
    sc.max_future = conf->max_future;
    sc.follow_symlinks = conf->follow_symlinks;

    if (krj_scan_dir_open(&dir, conf->input) != 0) {
        krj_log(KRJ_LOG_ERROR, conf->input, 0, "cannot open: %s",
                strerror(errno));
        return KRJ_EXIT_USAGE;
    }

    n = krj_scan_dir(&dir, &sc, &entries);
    if (n == -1) {
        krj_log(KRJ_LOG_ERROR, conf->input, 0, "cannot list: %s",
                strerror(errno));
        krj_scan_dir_close(&dir);
        return KRJ_EXIT_USAGE;
    }

    status = KRJ_EXIT_FAILED;
    meta = NULL;

    if (krj_gen_alloc(g, (uint32_t) n) != 0) {
        krj_log(KRJ_LOG_ERROR, NULL, 0, "out of memory");
        goto cleanup;
    }

    if (gethostname(g->host, sizeof(g->host)) != 0) {
        snprintf(g->host, sizeof(g->host), "unknown");
    }

    g->host[sizeof(g->host) - 1] = '\0';

    if (n == 0) {
        krj_log(KRJ_LOG_ERROR, conf->input, 0, "no KRJ signals files "
                "found, nothing to publish");
        goto cleanup;
    }

    meta = krj_metadata_read(conf->output);

    k = 0;

    for (i = 0; i < n; i++) {
        if (krj_run_load(conf, &dir, &sc, &entries[i], &g->cats[k]) != 0) {
            (*rejected)++;

            if (krj_run_keep(conf, &entries[i], &g->cats[k], meta) != 0) {
                continue;
            }
        }

        k++;
    }

    /* the categories left out hold nothing: they are not freed twice */
    g->ncats = k;

    if (k == 0) {
        krj_log(KRJ_LOG_ERROR, NULL, 0, "no valid input, nothing published");
        goto cleanup;
    }

    status = KRJ_EXIT_OK;

cleanup:

    json_decref(meta);
    free(entries);
    krj_scan_dir_close(&dir);

    return status;
}


/* reads and validates the newest input file of a category */
static int
krj_run_load(const krj_conf_t *conf, const krj_scan_dir_t *dir,
    const krj_scan_conf_t *sc, const krj_scan_entry_t *e, krj_gen_cat_t *c)
{
    int   fd;
    char  err[KRJ_PUBLISH_ERRLEN];

    fd = krj_scan_open(dir, sc, e, err);

    if (fd == -1
        || krj_file_read_fd(fd, conf->max_size, &c->data, &c->len, err)
           != 0)
    {
        krj_log_event(KRJ_LOG_ERROR, "rejected", e->file, 0, "rejected: %s",
                      err);
        return -1;
    }

    if (krj_csv_parse(&c->csv, c->data, c->len, conf->max_size,
                      krj_run_warn, (void *) e->file)
        != 0)
    {
        krj_log_event(KRJ_LOG_ERROR, "rejected", e->file, c->csv.err_line,
                      "rejected: %s", c->csv.err);
        krj_csv_free(&c->csv);
        free(c->data);
        c->data = NULL;
        return -1;
    }

    c->parsed = 1;

    snprintf(c->slug, sizeof(c->slug), "%s", e->slug);
    snprintf(c->label, sizeof(c->label), "%s", e->label);
    memcpy(c->signal_date, e->date, sizeof(c->signal_date));
    snprintf(c->source_file, sizeof(c->source_file), "%s", e->file);
    c->from_input = 1;

    if (krj_gen_parse(c, conf->max_size, err) != 0) {
        krj_log(KRJ_LOG_ERROR, NULL, 0, "%s", err);
        return -1;
    }

    krj_log(KRJ_LOG_DEBUG, e->file, 0, "valid: %u rows, %u columns",
            c->csv.nrows, c->csv.ncolumns);

    return 0;
}


/*
 * The newest file was rejected: keep serving the published CSV, with the
 * date and source file metadata.json recorded for it.
 */
static int
krj_run_keep(const krj_conf_t *conf, const krj_scan_entry_t *e,
    krj_gen_cat_t *c, json_t *meta)
{
    char          path[PATH_MAX], err[KRJ_PUBLISH_ERRLEN];
    const char   *slug, *date, *source;
    json_t       *d;

    slug = e->slug;

    /* what a failed load left */
    if (c->parsed) {
        krj_csv_free(&c->csv);
        c->parsed = 0;
    }

    free(c->data);
    c->data = NULL;

    date = json_string_value(json_object_get(json_object_get(meta,
                                                             "categories"),
                                             slug));
    d = json_object_get(json_object_get(meta, "details"), slug);
    source = json_string_value(json_object_get(d, "source_file"));

    if (date == NULL || strlen(date) != KRJ_SCAN_DATE_LEN) {
        krj_log(KRJ_LOG_WARN, NULL, 0, "category %s: nothing published "
                "before, it is left out", slug);
        return -1;
    }

    snprintf(path, sizeof(path), "%s/latest_%s.csv", conf->output, slug);

    if (krj_file_read(path, conf->max_size, &c->data, &c->len, err) != 0
        || krj_csv_parse(&c->csv, c->data, c->len, conf->max_size,
                         NULL, NULL)
           != 0)
    {
        krj_log(KRJ_LOG_WARN, path, 0, "category %s: the published CSV "
                "cannot be kept, it is left out", slug);
        krj_csv_free(&c->csv);
        free(c->data);
        c->data = NULL;
        return -1;
    }

    c->parsed = 1;

    snprintf(c->slug, sizeof(c->slug), "%s", slug);
    snprintf(c->label, sizeof(c->label), "%s", e->label);
    memcpy(c->signal_date, date, KRJ_SCAN_DATE_LEN + 1);

    if (source == NULL) {
        snprintf(c->source_file, sizeof(c->source_file), "latest_%s.csv",
                 slug);

    } else {
        snprintf(c->source_file, sizeof(c->source_file), "%s", source);
    }

    c->from_input = 0;

    if (krj_gen_parse(c, conf->max_size, err) != 0) {
        krj_log(KRJ_LOG_ERROR, NULL, 0, "%s", err);
        return -1;
    }

    krj_log(KRJ_LOG_WARN, NULL, 0, "category %s: keeping the published data "
            "of %s", slug, c->signal_date);

    return 0;
}


static void
krj_run_warn(void *ctx, uint32_t line, const char *msg)
{
    krj_log(KRJ_LOG_WARN, ctx, line, "%s", msg);
}


/*
 * When the newest recorded run was made from this very input (another
 * node ingested the same files first), its generation time is taken, so
 * that this node publishes the same bytes and records nothing new.
 */
static void
krj_run_adopt(krj_link_t *l, krj_gen_t *g)
{
    char              err[KRJ_PG_ERRLEN];
    PGconn           *pg;
    krj_record_ref_t  ref;

    pg = krj_link_pg(l, err);
    if (pg == NULL) {
        return;
    }

    if (krj_record_newest(pg, &ref, err) != 0) {
        krj_link_pg_failed(l, err);
        return;
    }

    if (ref.id != 0 && strcmp(ref.input_digest, g->input_hex) == 0) {
        g->generated_at = ref.generated_at;
        krj_log(KRJ_LOG_DEBUG, NULL, 0, "this input is generation %s, "
                "recorded by %s: publishing it", ref.generation,
                "another run");
    }
}


/*
 * A new generation is put in the outbox before anything is sent, so that
 * a crash or kill loses nothing; then the outbox is delivered, oldest
 * first.  An unchanged one is put there only when PostgreSQL answers and
 * lacks it (it was published before PostgreSQL was configured).  Returns
 * the number of items left pending.
 */
static int
krj_run_enqueue(const krj_conf_t *conf, krj_link_t *l, krj_gen_t *g)
{
    int           n, put;
    char          err[KRJ_PG_ERRLEN];
    PGconn       *pg;
    PGresult     *res;
    const char   *v[1];

    if (!krj_pg_configured(conf) && conf->redis_url == NULL) {
        return 0;
    }

    if (!g->unchanged && krj_outbox_put_run(conf, g) != 0) {
        /* published all the same: nothing served is at stake */
        return 1;
    }

    n = krj_outbox_deliver(conf, l);

    if (n != 0 || !g->unchanged || !krj_pg_configured(conf)) {
        return n != 0;
    }

    /* everything pending is delivered: is the published one recorded? */
    pg = krj_link_pg(l, err);
    if (pg == NULL) {
        return 0;
    }

    v[0] = g->generation;
    res = krj_pg_exec(pg, "SELECT 1 FROM krj_runs WHERE generation = $1",
                      1, v, NULL, NULL, 0, PGRES_TUPLES_OK, err);

    if (res == NULL) {
        krj_link_pg_failed(l, err);
        return 0;
    }

    put = (PQntuples(res) == 0);
    PQclear(res);

    if (!put) {
        return 0;
    }

    if (krj_outbox_put_run(conf, g) != 0) {
        return 1;
    }

    return krj_outbox_deliver(conf, l) != 0;
}


static int
krj_run_check_dir(const char *what, const char *dir)
{
    struct stat  st;

    if (stat(dir, &st) != 0) {
        krj_log(KRJ_LOG_ERROR, dir, 0, "%s directory: %s", what,
                strerror(errno));
        return -1;
    }

    if (!S_ISDIR(st.st_mode)) {
        krj_log(KRJ_LOG_ERROR, dir, 0, "%s directory: not a directory",
                what);
        return -1;
    }

    return 0;
}


static int
krj_run_make_dir(const char *dir)
{
    char  err[KRJ_PUBLISH_ERRLEN];

    if (krj_make_dir(dir, err) != 0) {
        krj_log(KRJ_LOG_ERROR, NULL, 0, "output directory: %s", err);
        return -1;
    }

    return 0;
}
