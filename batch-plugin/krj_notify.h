
/*
 * Copyright (C) The krj developers
 */


#ifndef _KRJ_NOTIFY_H_INCLUDED_
#define _KRJ_NOTIFY_H_INCLUDED_


#include "krj_conf.h"
#include "krj_gen.h"
#include "krj_link.h"
#include "krj_redis.h"


/* the stream and the channel of the announcements */
#define KRJ_NOTIFY_STREAM       "krj:updates"
#define KRJ_NOTIFY_CHANNEL      "krj:updates"
/* the key of the ingest lock */
#define KRJ_NOTIFY_LOCK         "krj:lock:ingest"

#define KRJ_NOTIFY_ID_MAX       48
#define KRJ_NOTIFY_TOKEN_MAX    192     /* host:pid:random */


/*
 * The announcement of a recorded generation, as JSON: type "run",
 * generation, generated_at, signal_date, categories (slug: signal_date
 * and sha256).  Caller frees.
 */
char *krj_notify_run_json(const krj_gen_t *g);

/* a change of the principals: type "principals", kind, name */
char *krj_notify_principal_json(const char *kind, const char *name);

/*
 * XADD to the stream (capped at about conf->stream_maxlen entries) and
 * PUBLISH on the channel: fields type, generation and message (the
 * JSON).  0, or -1 with err.
 */
int krj_notify_announce(krj_redis_t *r, const krj_conf_t *conf,
    const char *type, const char *generation, const char *json, char *err);

/*
 * The ingest lock: SET NX PX with a random token, waiting up to the
 * lock's expiry for another node's run to end.  1 taken, 0 not (Redis is
 * not configured or unreachable: the run goes on, said in the log), -1
 * when a daemon was asked to stop while it waited (no run).
 */
int krj_notify_lock(krj_link_t *l, char *token);
/* only the owner's token deletes it */
void krj_notify_unlock(krj_link_t *l, const char *token);


#endif /* _KRJ_NOTIFY_H_INCLUDED_ */
