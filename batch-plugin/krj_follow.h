
/*
 * Copyright (C) The krj developers
 */


#ifndef _KRJ_FOLLOW_H_INCLUDED_
#define _KRJ_FOLLOW_H_INCLUDED_


#include <stdint.h>

#include "krj_conf.h"
#include "krj_gen.h"
#include "krj_link.h"
#include "krj_notify.h"


/* the follower's state, in the output directory */
#define KRJ_FOLLOW_STATE        "follow.state"


typedef struct {
    char            last_id[KRJ_NOTIFY_ID_MAX];     /* of the stream */
    char            generation[KRJ_GEN_LEN + 1];    /* applied */
    int64_t         run_id;
    int64_t         generated_at;
    int64_t         applied_at;
    int64_t         principals;                     /* the counter */
} krj_follow_state_t;


/* 0, or -1 when there is none (state zeroed) */
int krj_follow_state_read(const krj_conf_t *conf, krj_follow_state_t *st);
int krj_follow_state_write(const krj_conf_t *conf,
    const krj_follow_state_t *st);

/*
 * One catch-up: the newest recorded run published here unless it already
 * is, and the key and user files rewritten when the principals changed.
 * 0, or -1 when PostgreSQL could not be asked (logged).
 */
int krj_follow_sync(const krj_conf_t *conf, krj_link_t *l,
    krj_follow_state_t *st);


#endif /* _KRJ_FOLLOW_H_INCLUDED_ */
