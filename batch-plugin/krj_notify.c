
/*
 * Copyright (C) The krj developers
 */


/*
 * Announcements on Redis: a stream, so that a follower that was away
 * reads what it missed from its last id, and the same message on a
 * channel for simple listeners; and the lock that lets one node ingest
 * at a time.
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/rand.h>

#include "krj_daemon.h"
#include "krj_date.h"
#include "krj_log.h"
#include "krj_notify.h"


/* how often a lock held by another node is tried again, ms */
#define KRJ_NOTIFY_LOCK_RETRY   250

/* deletes the key only when it still holds the owner's token */
static const char  krj_notify_unlock_lua[] =
    "if redis.call('get', KEYS[1]) == ARGV[1] then "
    "return redis.call('del', KEYS[1]) else return 0 end";


char *
krj_notify_run_json(const krj_gen_t *g)
{
    char      iso[32], *out;
    json_t   *root, *cats;
    uint32_t  k;

    krj_date_iso(g->generated_at, iso);

    cats = json_object();

    for (k = 0; cats != NULL && k < g->ncats; k++) {
        json_object_set_new(cats, g->cats[k].slug,
                            json_pack("{s:s,s:s}",
                                      "signal_date", g->cats[k].signal_date,
                                      "sha256", g->cats[k].sha256));
    }

    root = json_pack("{s:s,s:s,s:s,s:s,s:o}", "type", "run",
                     "generation", g->generation, "generated_at", iso,
                     "signal_date", krj_gen_signal_date(g),
                     "categories", cats);
    if (root == NULL) {
        return NULL;
    }

    out = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(root);

    return out;
}


char *
krj_notify_principal_json(const char *kind, const char *name)
{
    char    *out;
    json_t  *root;

    root = json_pack("{s:s,s:s,s:s}", "type", "principals", "kind", kind,
                     "name", name);
    if (root == NULL) {
        return NULL;
    }

    out = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(root);

    return out;
}


int
krj_notify_announce(krj_redis_t *r, const krj_conf_t *conf,
    const char *type, const char *generation, const char *json, char *err)
{
    char         maxlen[16];
    redisReply  *reply;
    const char  *argv[12];

    snprintf(maxlen, sizeof(maxlen), "%u", conf->stream_maxlen);

    argv[0] = "XADD";
    argv[1] = KRJ_NOTIFY_STREAM;
    argv[2] = "MAXLEN";
    argv[3] = "~";
    argv[4] = maxlen;
    argv[5] = "*";
    argv[6] = "type";
    argv[7] = type;
    argv[8] = "generation";
    argv[9] = generation;
    argv[10] = "message";
    argv[11] = json;

    reply = krj_redis_command(r, conf->redis_timeout, 12, argv, NULL, err);

    if (reply == NULL) {
        return -1;
    }

    freeReplyObject(reply);

    reply = krj_redis_call(r, conf->redis_timeout, err, "PUBLISH",
                           KRJ_NOTIFY_CHANNEL, json, NULL);
    if (reply == NULL) {
        return -1;
    }

    freeReplyObject(reply);

    return 0;
}


int
krj_notify_lock(krj_link_t *l, char *token)
{
    int           waited;
    char          err[KRJ_REDIS_ERRLEN], ttl[16], host[128];
    uint8_t       rnd[8];
    long long     deadline;
    redisReply   *reply;
    krj_redis_t  *r;

    token[0] = '\0';

    if (l->conf->redis_url == NULL) {
        return 0;
    }

    r = krj_link_redis(l, err);
    if (r == NULL) {
        krj_log_event(KRJ_LOG_WARN, "lock_unavailable", NULL, 0, "the "
                      "ingest lock cannot be taken, running without it: "
                      "%s", err);
        return 0;
    }

    /* whose it is, for an operator who looks: host:pid:random */
    if (gethostname(host, sizeof(host)) != 0) {
        snprintf(host, sizeof(host), "unknown");
    }

    host[sizeof(host) - 1] = '\0';

    if (RAND_bytes(rnd, sizeof(rnd)) != 1) {
        memset(rnd, 0, sizeof(rnd));
    }

    snprintf(token, KRJ_NOTIFY_TOKEN_MAX, "%s:%d:%02x%02x%02x%02x%02x"
             "%02x%02x%02x", host, (int) getpid(), rnd[0], rnd[1], rnd[2],
             rnd[3], rnd[4], rnd[5], rnd[6], rnd[7]);

    snprintf(ttl, sizeof(ttl), "%u", l->conf->lock_ttl);

    deadline = krj_link_now() + l->conf->lock_ttl;
    waited = 0;

    for ( ;; ) {
        reply = krj_redis_call(r, l->conf->redis_timeout, err, "SET",
                               KRJ_NOTIFY_LOCK, token, "NX", "PX", ttl,
                               NULL);

        if (reply == NULL) {
            krj_link_redis_failed(l, err);
            krj_log_event(KRJ_LOG_WARN, "lock_unavailable", NULL, 0,
                          "the ingest lock cannot be taken, running "
                          "without it: %s", err);
            token[0] = '\0';
            return 0;
        }

        if (reply->type == REDIS_REPLY_STATUS) {
            freeReplyObject(reply);
            krj_log_event(KRJ_LOG_DEBUG, "lock_taken", NULL, 0, "ingest "
                          "lock %s taken (%s, expires in %u ms)",
                          KRJ_NOTIFY_LOCK, token, l->conf->lock_ttl);
            return 1;
        }

        freeReplyObject(reply);

        if (!waited) {
            krj_log_event(KRJ_LOG_INFO, "lock_wait", NULL, 0, "another "
                          "node is ingesting (%s is taken): waiting",
                          KRJ_NOTIFY_LOCK);
            waited = 1;
        }

        /* a daemon asked to stop does not wait on: no run */
        if (krj_daemon_stop_asked()) {
            token[0] = '\0';
            return -1;
        }

        if (krj_link_now() >= deadline) {
            /* it expires by itself: a holder that died is not waited for */
            krj_log_event(KRJ_LOG_WARN, "lock_timeout", NULL, 0, "the "
                          "ingest lock was not free within %u ms, running "
                          "without it", l->conf->lock_ttl);
            token[0] = '\0';
            return 0;
        }

        usleep(KRJ_NOTIFY_LOCK_RETRY * 1000);
    }
}


void
krj_notify_unlock(krj_link_t *l, const char *token)
{
    char          err[KRJ_REDIS_ERRLEN];
    redisReply   *reply;
    krj_redis_t  *r;

    if (token[0] == '\0') {
        return;
    }

    r = krj_link_redis(l, err);

    if (r != NULL) {
        reply = krj_redis_call(r, l->conf->redis_timeout, err, "EVAL",
                               krj_notify_unlock_lua, "1", KRJ_NOTIFY_LOCK,
                               token, NULL);

        if (reply != NULL) {
            freeReplyObject(reply);
            krj_log_event(KRJ_LOG_DEBUG, "lock_released", NULL, 0,
                          "ingest lock released");
            return;
        }

        krj_link_redis_failed(l, err);
    }

    krj_log_event(KRJ_LOG_WARN, "lock_unreleased", NULL, 0, "the ingest "
                  "lock could not be released, it expires by itself: %s",
                  err);
}
