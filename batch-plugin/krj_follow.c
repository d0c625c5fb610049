
/*
 * Copyright (C) The krj developers
 */


/*
 * "krj-batch follow", for extra nginx nodes: announcements are read from
 * the stream krj:updates (XREAD BLOCK from the last id, kept on disk, so
 * that what came while the follower was away is read too), and PostgreSQL
 * is asked every --poll in case Redis lost something or is down.  Either
 * way PostgreSQL is the truth: the newest recorded run is fetched, with
 * its validated files, and published through the code path of run with
 * that run's generation time, so the snapshot is byte for byte the
 * ingesting node's.  The key and user files follow krj_principals.
 */


#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "krj_daemon.h"
#include "krj_follow.h"
#include "krj_log.h"
#include "krj_outbox.h"
#include "krj_pfile.h"
#include "krj_principals.h"
#include "krj_publish.h"
#include "krj_record.h"
#include "krj_run.h"
#include "krj_snapshot.h"


/* the longest XREAD BLOCK, so that signals and the poll are seen, ms */
#define KRJ_FOLLOW_BLOCK_MAX    2000
/* how many entries one XREAD returns at most */
#define KRJ_FOLLOW_COUNT        "100"


static void krj_follow_tail(krj_daemon_t *d, krj_link_t *l,
    krj_follow_state_t *st);
static int krj_follow_read(krj_daemon_t *d, krj_link_t *l,
    krj_follow_state_t *st, long long wait, int *news);
static int krj_follow_run(const krj_conf_t *conf, krj_link_t *l,
    PGconn *pg, krj_follow_state_t *st, krj_metrics_t *m);
static void krj_follow_served(const krj_conf_t *conf, krj_metrics_t *m);
static int krj_follow_principals(const krj_conf_t *conf, krj_link_t *l,
    PGconn *pg, krj_follow_state_t *st);
static int krj_follow_file(const krj_conf_t *conf, PGconn *pg,
    const char *kind, const char *path, char *err);
static void krj_follow_sleep(long long ms);


int
krj_daemon_follow(const krj_conf_t *conf)
{
    int                 news, rc;
    char                err[KRJ_PUBLISH_ERRLEN];
    long long           now, next_poll, wait;
    krj_link_t          l;
    krj_daemon_t        d;
    krj_metrics_t       m;
    krj_follow_state_t  st;

    if (krj_make_dir(conf->output, err) != 0) {
        krj_log_event(KRJ_LOG_ERROR, "output_failed", NULL, 0, "output "
                      "directory: %s", err);
        return KRJ_EXIT_FAILED;
    }

    if (!krj_pg_configured(conf)) {
        fprintf(stderr, "krj-batch: follow needs PostgreSQL (--pg-dsn, "
                "KRJ_PG_DSN, pg-dsn in the configuration file, or libpq's "
                "PGHOST, PGDATABASE or PGSERVICE)\n");
        return KRJ_EXIT_USAGE;
    }

    if (krj_daemon_init(&d, conf, "follow") != 0) {
        return KRJ_EXIT_FAILED;
    }

    krj_link_init(&l, &d.conf, 1);
    krj_metrics_init(&m, &d.conf, "follow");

    if (krj_metrics_listen(&m, &d.conf) != 0) {
        krj_daemon_done(&d);
        return KRJ_EXIT_FAILED;
    }

    krj_metrics_update(&m, &d.conf, &l, d.conf.poll);
    krj_follow_state_read(&d.conf, &st);
    krj_follow_tail(&d, &l, &st);

    /* what was recorded while this node was down */
    krj_follow_sync(&d.conf, &l, &st, &m);
    next_poll = krj_link_now() + d.conf.poll;
    krj_metrics_update(&m, &d.conf, &l, d.conf.poll);

    krj_daemon_ready(&d, "following");

    while (!krj_daemon_stopping()) {

        if (krj_daemon_reload(&d)) {
            krj_link_reconf(&l, &d.conf);
            next_poll = 0;
            m.dirty = 1;
        }

        /* a follower on the ingesting node delivers its outbox too */
        krj_outbox_deliver(&d.conf, &l);

        now = krj_link_now();
        wait = krj_daemon_watchdog(&d);

        if (next_poll - now < wait) {
            wait = next_poll - now;
        }

        if (wait > KRJ_FOLLOW_BLOCK_MAX) {
            wait = KRJ_FOLLOW_BLOCK_MAX;
        }

        news = 0;
        rc = krj_follow_read(&d, &l, &st, wait > 0 ? wait : 1, &news);

        if (rc != 0) {
            /* no Redis: the poll alone, at its pace */
            krj_follow_sleep(wait > 0 ? wait : 1);
        }

        if (krj_daemon_stop_asked()) {
            break;
        }

        now = krj_link_now();

        if (news || now >= next_poll) {
            krj_follow_sync(&d.conf, &l, &st, &m);
            next_poll = krj_link_now() + d.conf.poll;
        }

        /* after every change of state, and at least every --poll */
        krj_metrics_update(&m, &d.conf, &l, d.conf.poll);
    }

    krj_metrics_done(&m);
    krj_link_close(&l);
    krj_daemon_done(&d);
    krj_conf_file_free(d.store);

    return KRJ_EXIT_OK;
}


/*
 * A follower without a last id starts from the stream's newest entry, taken
 * before the start-up sync: what is announced during the sync is read
 * after it, not missed.
 */
static void
krj_follow_tail(krj_daemon_t *d, krj_link_t *l, krj_follow_state_t *st)
{
    char          err[KRJ_REDIS_ERRLEN];
    redisReply   *reply, *e;
    krj_redis_t  *r;

    if (st->last_id[0] != '\0') {
        return;
    }

    r = krj_link_redis(l, err);
    if (r == NULL) {
        return;
    }

    reply = krj_redis_call(r, d->conf.redis_timeout, err, "XREVRANGE",
                           KRJ_NOTIFY_STREAM, "+", "-", "COUNT", "1", NULL);

    if (reply == NULL) {
        krj_link_redis_failed(l, err);
        return;
    }

    snprintf(st->last_id, sizeof(st->last_id), "0-0");

    if (reply->type == REDIS_REPLY_ARRAY && reply->elements == 1) {
        e = reply->element[0];

        if (e->type == REDIS_REPLY_ARRAY && e->elements >= 1
            && e->element[0]->type == REDIS_REPLY_STRING
            && e->element[0]->len < sizeof(st->last_id))
        {
            memcpy(st->last_id, e->element[0]->str, e->element[0]->len);
            st->last_id[e->element[0]->len] = '\0';
        }
    }

    freeReplyObject(reply);
}


/*
 * XREAD BLOCK from the last id: *news when an entry came.  -1 when Redis
 * is not configured or does not answer.
 */
static int
krj_follow_read(krj_daemon_t *d, krj_link_t *l, krj_follow_state_t *st,
    long long wait, int *news)
{
    char          err[KRJ_REDIS_ERRLEN], block[24];
    size_t        i, j;
    redisReply   *reply, *s, *e;
    krj_redis_t  *r;
    const char   *argv[8];

    r = krj_link_redis(l, err);
    if (r == NULL) {
        return -1;
    }

    snprintf(block, sizeof(block), "%lld", wait);

    argv[0] = "XREAD";
    argv[1] = "COUNT";
    argv[2] = KRJ_FOLLOW_COUNT;
    argv[3] = "BLOCK";
    argv[4] = block;
    argv[5] = "STREAMS";
    argv[6] = KRJ_NOTIFY_STREAM;
    /* no id yet (Redis was down at start): what comes from now on */
    argv[7] = st->last_id[0] ? st->last_id : "$";

    reply = krj_redis_command(r, (unsigned) wait + d->conf.redis_timeout, 8,
                              argv, NULL, err);

    if (reply == NULL) {
        if (!r->dead) {
            krj_log_event(KRJ_LOG_WARN, "redis_error", NULL, 0, "XREAD: %s",
                          err);
        }

        krj_link_redis_failed(l, err);

        return -1;
    }

    /* [[stream, [[id, [field, value, ...]], ...]]], or nil on timeout */
    if (reply->type == REDIS_REPLY_ARRAY) {
        for (i = 0; i < reply->elements; i++) {
            s = reply->element[i];

            if (s->type != REDIS_REPLY_ARRAY || s->elements != 2
                || s->element[1]->type != REDIS_REPLY_ARRAY)
            {
                continue;
            }

            for (j = 0; j < s->element[1]->elements; j++) {
                e = s->element[1]->element[j];

                if (e->type != REDIS_REPLY_ARRAY || e->elements < 1
                    || e->element[0]->type != REDIS_REPLY_STRING
                    || e->element[0]->len >= sizeof(st->last_id))
                {
                    continue;
                }

                memcpy(st->last_id, e->element[0]->str,
                       e->element[0]->len);
                st->last_id[e->element[0]->len] = '\0';
                *news = 1;

                krj_log_event(KRJ_LOG_DEBUG, "follow_news", NULL, 0,
                              "stream entry %s", st->last_id);
            }
        }
    }

    freeReplyObject(reply);

    if (*news) {
        krj_follow_state_write(&d->conf, st);
    }

    return 0;
}


int
krj_follow_sync(const krj_conf_t *conf, krj_link_t *l,
    krj_follow_state_t *st, krj_metrics_t *m)
{
    int      rc;
    char     err[KRJ_PG_ERRLEN];
    PGconn  *pg;

    krj_metrics_run_begin(m);
    krj_log_warnings(1);

    pg = krj_link_pg(l, err);

    if (pg == NULL) {
        /* how far behind is not known: since it was last current */
        krj_metrics_lag(m, KRJ_METRICS_LAG_UNKNOWN, 0);
        rc = -1;

    } else {
        rc = krj_follow_run(conf, l, pg, st, m);

        if (rc == 0 && l->pg != NULL) {
            rc = krj_follow_principals(conf, l, l->pg, st);
        }
    }

    m->warnings = krj_log_warnings(0);
    krj_metrics_sync_end(m, rc == 0);

    return rc;
}


/* the newest recorded run, published here unless it already is */
static int
krj_follow_run(const krj_conf_t *conf, krj_link_t *l, PGconn *pg,
    krj_follow_state_t *st, krj_metrics_t *m)
{
    int               rc;
    char              err[KRJ_PG_ERRLEN];
    uint32_t          k;
    krj_gen_t         g;
    krj_conf_t        c;
    krj_record_ref_t  ref;

    if (krj_record_newest(pg, &ref, err) != 0) {
        krj_log_event(KRJ_LOG_ERROR, "follow_failed", NULL, 0, "%s", err);
        krj_link_pg_failed(l, err);
        krj_metrics_lag(m, KRJ_METRICS_LAG_UNKNOWN, 0);
        return -1;
    }

    if (ref.id == 0 || strcmp(ref.generation, st->generation) == 0) {
        /* what a follower started on serves: counted once */
        if (!m->ran) {
            krj_follow_served(conf, m);
        }

        krj_metrics_lag(m, KRJ_METRICS_LAG_CURRENT, 0);
        return 0;
    }

    /* behind by the age of that revision until it is published here */
    krj_metrics_lag(m, KRJ_METRICS_LAG_BEHIND, (double) ref.recorded_at);

    if (krj_record_fetch(pg, ref.id, &g, err) != 0) {
        krj_log_event(KRJ_LOG_ERROR, "follow_failed", NULL, 0, "generation "
                      "%s cannot be fetched: %s", ref.generation, err);
        krj_link_pg_failed(l, err);
        return -1;
    }

    rc = -1;
    g.history_weeks = conf->history_weeks;
    g.history_pg = 1;
    krj_gen_digest(&g);

    if (strcmp(g.input_hex, ref.input_digest) != 0) {
        krj_log_event(KRJ_LOG_ERROR, "follow_failed", NULL, 0, "generation "
                      "%s: the files do not make its input digest (is "
                      "--history-weeks %u the ingesting node's?)",
                      ref.generation, conf->history_weeks);
        goto cleanup;
    }

    c = *conf;

    if (krj_gen_publish(&c, &g, l) != 0) {
        krj_log_event(KRJ_LOG_ERROR, "follow_failed", NULL, 0, "generation "
                      "%s cannot be published here", ref.generation);
        goto cleanup;
    }

    /* the same input and time must make the same bytes */
    if (strcmp(g.generation, ref.generation) != 0) {
        krj_log_event(KRJ_LOG_ERROR, "follow_mismatch", NULL, 0, "published "
                      "generation %s, but the ingesting node's is %s (a "
                      "different krj-batch or zlib?)", g.generation,
                      ref.generation);
    }

    krj_log_event(KRJ_LOG_INFO, "follow_applied", NULL, 0, "generation %s "
                  "%s (%u categories, recorded %lld s ago)", ref.generation,
                  g.unchanged ? "was already published" : "published",
                  g.ncats, (long long) (time(NULL) - ref.recorded_at));

    snprintf(st->generation, sizeof(st->generation), "%s", ref.generation);
    st->run_id = ref.id;
    st->generated_at = ref.generated_at;
    st->applied_at = (int64_t) time(NULL);
    krj_follow_state_write(conf, st);

    krj_metrics_lag(m, KRJ_METRICS_LAG_CURRENT, 0);
    m->accepted = g.ncats;
    m->rows = 0;

    for (k = 0; k < g.ncats; k++) {
        m->rows += g.cats[k].csv.nrows;
    }

    rc = 0;

cleanup:

    krj_gen_free(&g);

    return rc;
}


/* the categories and rows of the snapshot published here, if valid */
static void
krj_follow_served(const krj_conf_t *conf, krj_metrics_t *m)
{
    char        path[PATH_MAX], err[KRJ_PUBLISH_ERRLEN];
    size_t      len;
    uint8_t    *data;
    uint32_t    i;
    krj_snap_t  snap;

    snprintf(path, sizeof(path), "%s/%s", conf->output, KRJ_SNAPSHOT_NAME);

    if (krj_file_read(path, KRJ_SNAP_MAX_SIZE, &data, &len, err) != 0) {
        return;
    }

    if (krj_snap_open(&snap, data, len, err) == 0) {
        m->accepted = snap.hdr->ncategories;
        m->rows = 0;

        for (i = 0; i < snap.hdr->ncategories; i++) {
            m->rows += snap.categories[i].nrows;
        }
    }

    free(data);
}


/*
 * The key and user files, rewritten from PostgreSQL when its counter
 * moved.  A counter still at 0 (nothing ever recorded) leaves the files
 * as they are.
 */
static int
krj_follow_principals(const krj_conf_t *conf, krj_link_t *l, PGconn *pg,
    krj_follow_state_t *st)
{
    char     err[KRJ_PUBLISH_ERRLEN];
    int64_t  version;

    if (krj_record_principals(pg, "key", &version, NULL, err) != 0) {
        krj_log_event(KRJ_LOG_ERROR, "principals_failed", NULL, 0, "%s", err);
        krj_link_pg_failed(l, err);
        return -1;
    }

    if (version == 0 || version == st->principals) {
        return 0;
    }

    if (krj_follow_file(conf, pg, "key", conf->key_file, err) != 0
        || krj_follow_file(conf, pg, "user", conf->user_file, err) != 0)
    {
        krj_log_event(KRJ_LOG_ERROR, "principals_failed", NULL, 0, "%s",
                      err);
        krj_link_pg_failed(l, err);
        return -1;
    }

    krj_log_event(KRJ_LOG_INFO, "principals_synced", NULL, 0, "%s and %s "
                  "rewritten from PostgreSQL (change %" PRId64 ")",
                  conf->key_file, conf->user_file, version);

    st->principals = version;
    krj_follow_state_write(conf, st);

    return 0;
}


static int
krj_follow_file(const krj_conf_t *conf, PGconn *pg, const char *kind,
    const char *path, char *err)
{
    int          rc;
    int64_t      version;
    krj_buf_t    b;
    krj_pfile_t  pf;

    krj_buf_init(&b);
    krj_buf_str(&b, KRJ_PRINCIPALS_FOLLOWED);

    if (krj_record_principals(pg, kind, &version, &b, err) != 0) {
        krj_buf_free(&b);
        return -1;
    }

    rc = -1;

    if (b.failed) {
        snprintf(err, KRJ_PUBLISH_ERRLEN, "out of memory");
        goto cleanup;
    }

    if (krj_pfile_open(&pf, path, 1, err) != 0) {
        goto cleanup;
    }

    rc = krj_pfile_write(&pf, b.data, b.len, &conf->group, err);

    krj_pfile_close(&pf);

cleanup:

    /* a user file holds password hashes */
    if (b.data != NULL) {
        explicit_bzero(b.data, b.len);
    }

    krj_buf_free(&b);

    return rc;
}


int
krj_follow_state_read(const krj_conf_t *conf, krj_follow_state_t *st)
{
    char          path[PATH_MAX];
    json_t       *root;
    const char   *s;
    json_error_t  jerr;

    memset(st, 0, sizeof(krj_follow_state_t));
    st->principals = -1;

    snprintf(path, sizeof(path), "%s/%s", conf->output, KRJ_FOLLOW_STATE);

    root = json_load_file(path, 0, &jerr);
    if (root == NULL) {
        return -1;
    }

    s = json_string_value(json_object_get(root, "last_id"));
    if (s != NULL && strlen(s) < sizeof(st->last_id)) {
        strcpy(st->last_id, s);
    }

    s = json_string_value(json_object_get(root, "generation"));
    if (s != NULL && strlen(s) == KRJ_GEN_LEN) {
        strcpy(st->generation, s);
    }

    st->run_id = json_integer_value(json_object_get(root, "run_id"));
    st->generated_at = json_integer_value(json_object_get(root,
                                                          "generated_at"));
    st->applied_at = json_integer_value(json_object_get(root, "applied_at"));

    if (json_is_integer(json_object_get(root, "principals"))) {
        st->principals = json_integer_value(json_object_get(root,
                                                            "principals"));
    }

    json_decref(root);

    return 0;
}


int
krj_follow_state_write(const krj_conf_t *conf, const krj_follow_state_t *st)
{
    int           rc;
    char          err[KRJ_PUBLISH_ERRLEN], *text;
    json_t       *root;
    krj_stage_t   stage;

    root = json_pack("{s:s,s:s,s:I,s:I,s:I,s:I}",
                     "last_id", st->last_id, "generation", st->generation,
                     "run_id", (json_int_t) st->run_id,
                     "generated_at", (json_int_t) st->generated_at,
                     "applied_at", (json_int_t) st->applied_at,
                     "principals", (json_int_t) st->principals);

    text = root ? json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER)
                : NULL;
    json_decref(root);

    if (text == NULL) {
        krj_log_event(KRJ_LOG_ERROR, "out_of_memory", NULL, 0, "out of memory");
        return -1;
    }

    rc = 0;

    if (krj_stage_file(&stage, conf->output, KRJ_FOLLOW_STATE, text,
                       strlen(text), 0644, err) != 0
        || krj_stage_commit(&stage, err) != 0)
    {
        krj_log_event(KRJ_LOG_ERROR, "state_failed", NULL, 0, "follow state: "
                      "%s", err);
        rc = -1;
    }

    free(text);

    return rc;
}


static void
krj_follow_sleep(long long ms)
{
    struct pollfd  pfd;

    pfd.fd = krj_daemon_signal_fd();
    pfd.events = POLLIN;

    if (poll(&pfd, 1, (int) ms) == -1 && errno != EINTR) {
        usleep(1000);
    }
}
