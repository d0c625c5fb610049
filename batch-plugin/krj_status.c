
/*
 * Copyright (C) The krj developers
 */


/*
 * "krj-batch status": the published snapshot, validated as the module
 * does; the outbox; and, when configured, PostgreSQL (reachable, schema
 * version, the last run), Redis (reachable, the stream) and, on a
 * follower, how far behind the newest recorded run it is.
 */


#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "krj_date.h"
#include "krj_follow.h"
#include "krj_log.h"
#include "krj_migrate.h"
#include "krj_notify.h"
#include "krj_outbox.h"
#include "krj_pg.h"
#include "krj_publish.h"
#include "krj_record.h"
#include "krj_redis.h"
#include "krj_run.h"
#include "krj_snapshot.h"


static int krj_status_snapshot(const krj_conf_t *conf, char *generation);
static void krj_status_outbox(const krj_conf_t *conf);
static void krj_status_pg(const krj_conf_t *conf, const char *generation);
static void krj_status_redis(const krj_conf_t *conf);


int
krj_status(const krj_conf_t *conf)
{
    int   status;
    char  generation[KRJ_GEN_LEN + 1];

    generation[0] = '\0';

    status = krj_status_snapshot(conf, generation);

    krj_status_outbox(conf);
    krj_status_pg(conf, generation);
    krj_status_redis(conf);

    return status;
}


static int
krj_status_snapshot(const krj_conf_t *conf, char *generation)
{
    int                         status;
    char                        path[PATH_MAX], err[KRJ_PUBLISH_ERRLEN];
    size_t                      len;
    uint8_t                    *data;
    uint32_t                    i;
    krj_snap_t                  snap;
    const krj_snap_category_t  *cat;

    snprintf(path, sizeof(path), "%s/%s", conf->output, KRJ_SNAPSHOT_NAME);

    if (krj_file_read(path, KRJ_SNAP_MAX_SIZE, &data, &len, err) != 0) {
        krj_log_event(KRJ_LOG_ERROR, "snapshot_invalid", path, 0, "%s", err);
        printf("snapshot: %s: %s\n", path, err);
        return KRJ_EXIT_FAILED;
    }

    status = KRJ_EXIT_FAILED;

    if (krj_snap_open(&snap, data, len, err) != 0) {
        krj_log_event(KRJ_LOG_ERROR, "snapshot_invalid", path, 0, "invalid "
                      "snapshot: %s", err);
        printf("snapshot: %s: invalid: %s\n", path, err);
        goto cleanup;
    }

    krj_gen_name(snap.hdr->checksum, generation);

    printf("snapshot: %s (%zu bytes, valid)\n", path, len);
    printf("generation: %s\n", generation);
    printf("generated_at: %.*s\n", (int) snap.hdr->generated_at_iso.len,
           krj_snap_ptr(&snap, snap.hdr->generated_at_iso));
    if (snap.writer.len) {
        printf("format: %u, written by %.*s\n", snap.hdr->version,
               (int) snap.writer.len, krj_snap_ptr(&snap, snap.writer));

    } else {
        /* format 3 does not say who wrote it */
        printf("format: %u, written by an older krj-batch\n",
               snap.hdr->version);
    }
    printf("categories: %u, tickers: %u\n", snap.hdr->ncategories,
           snap.hdr->ntickers);

    for (i = 0; i < snap.hdr->ncategories; i++) {
        cat = &snap.categories[i];

        printf("  %-14.*s %.*s  %5u rows  %3u columns  L:%u N:%u S:%u  %.*s\n",
               (int) cat->slug.len, krj_snap_ptr(&snap, cat->slug),
               (int) cat->signal_date.len,
               krj_snap_ptr(&snap, cat->signal_date),
               cat->nrows, cat->ncolumns,
               cat->counts[KRJ_WEEK_THIS][KRJ_COUNT_LONG],
               cat->counts[KRJ_WEEK_THIS][KRJ_COUNT_NEUTRAL],
               cat->counts[KRJ_WEEK_THIS][KRJ_COUNT_SHORT],
               (int) cat->source_file.len,
               krj_snap_ptr(&snap, cat->source_file));
    }

    if (snap.hcategories == NULL) {
        printf("history: none\n");

    } else {
        printf("history: %u weeks, %u tickers, %u ticker weeks\n",
               snap.hdr->history_weeks, snap.hdr->nhistory_tickers,
               snap.hdr->nhistory_weeks);
    }

    status = KRJ_EXIT_OK;

cleanup:

    free(data);

    return status;
}


static void
krj_status_outbox(const krj_conf_t *conf)
{
    int                 n, i;
    char                dir[PATH_MAX], iso[32];
    krj_outbox_item_t  *items;

    krj_outbox_dir(conf, dir);

    n = krj_outbox_list(conf, &items);

    if (n == -1) {
        printf("outbox: %s: cannot be read\n", dir);
        return;
    }

    printf("outbox: %s: %d pending\n", dir, n);

    for (i = 0; i < n; i++) {
        krj_date_iso(items[i].written, iso);
        printf("  %s  %s  %lld bytes  written %s\n", items[i].name,
               items[i].what, items[i].size, iso);
    }

    free(items);
}


static void
krj_status_pg(const krj_conf_t *conf, const char *generation)
{
    int                 version;
    char                err[KRJ_PG_ERRLEN], iso[32], rec[32];
    PGconn             *pg;
    PGresult           *res;
    krj_record_ref_t    ref;
    krj_follow_state_t  st;

    if (!krj_pg_configured(conf)) {
        printf("postgresql: not configured\n");
        return;
    }

    pg = krj_pg_connect(conf, err);
    if (pg == NULL) {
        printf("postgresql: unreachable: %s\n", err);
        return;
    }

    if (krj_pg_schema_version(pg, &version, err) != 0) {
        printf("postgresql: reachable, schema unknown: %s\n", err);
        goto cleanup;
    }

    printf("postgresql: reachable, schema version %d (this krj-batch: "
           "%d)%s\n", version, krj_migrate_latest(),
           version < krj_migrate_latest() ? ": run krj-batch migrate"
           : (version > krj_migrate_latest() ? ": upgrade krj-batch" : ""));

    if (version != krj_migrate_latest()) {
        goto cleanup;
    }

    if (krj_record_newest(pg, &ref, err) != 0) {
        printf("last run: unknown: %s\n", err);
        goto cleanup;
    }

    if (ref.id == 0) {
        printf("last run: none recorded\n");
        goto cleanup;
    }

    res = krj_pg_exec(pg, "SELECT host, outcome, warnings, "
                      "signal_date::text FROM krj_runs WHERE id = "
                      "(SELECT max(id) FROM krj_runs)", 0, NULL, NULL, NULL,
                      0, PGRES_TUPLES_OK, err);

    krj_date_iso(ref.generated_at, iso);
    krj_date_iso(ref.recorded_at, rec);

    printf("last run: generation %s, generated_at %s, recorded %s",
           ref.generation, iso, rec);

    if (res != NULL && PQntuples(res) == 1) {
        printf(", host %s, %s, %s warnings, signal_date %s",
               PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1),
               PQgetvalue(res, 0, 2), PQgetvalue(res, 0, 3));
    }

    printf("\n");
    PQclear(res);

    /* a follower (or any node): how far the local snapshot is behind */
    if (strcmp(generation, ref.generation) == 0) {
        printf("lag: 0 s (this node serves the newest recorded "
               "generation)\n");

    } else {
        printf("lag: %lld s (this node serves %s, the newest recorded is "
               "%s)\n", (long long) (time(NULL) - ref.recorded_at),
               generation[0] ? generation : "nothing", ref.generation);
    }

    if (krj_follow_state_read(conf, &st) == 0) {
        krj_date_iso(st.applied_at, iso);
        printf("follower: last stream id %s, generation %s applied %s, "
               "principals %" PRId64 "\n",
               st.last_id[0] ? st.last_id : "-",
               st.generation[0] ? st.generation : "-", iso, st.principals);
    }

cleanup:

    PQfinish(pg);
}


static void
krj_status_redis(const krj_conf_t *conf)
{
    char          err[KRJ_REDIS_ERRLEN];
    redisReply   *reply;
    krj_redis_t  *r;

    if (conf->redis_url == NULL) {
        printf("redis: not configured\n");
        return;
    }

    r = krj_redis_connect(conf->redis_url, conf->redis_timeout, err);
    if (r == NULL) {
        printf("redis: unreachable: %s\n", err);
        return;
    }

    reply = krj_redis_call(r, conf->redis_timeout, err, "XLEN",
                           KRJ_NOTIFY_STREAM, NULL);

    if (reply != NULL && reply->type == REDIS_REPLY_INTEGER) {
        printf("redis: reachable, stream %s: %lld entries\n",
               KRJ_NOTIFY_STREAM, reply->integer);

    } else {
        printf("redis: reachable, stream %s: %s\n", KRJ_NOTIFY_STREAM,
               reply ? "?" : err);
    }

    if (reply != NULL) {
        freeReplyObject(reply);
    }

    krj_redis_free(r);
}
