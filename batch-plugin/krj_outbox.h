
/*
 * Copyright (C) The krj developers
 */


#ifndef _KRJ_OUTBOX_H_INCLUDED_
#define _KRJ_OUTBOX_H_INCLUDED_


#include <limits.h>

#include "krj_conf.h"
#include "krj_gen.h"
#include "krj_link.h"


#define KRJ_OUTBOX_NAME_MAX     128


/* one pending item, as status shows it */
typedef struct {
    char            name[KRJ_OUTBOX_NAME_MAX];
    char            kind[16];           /* "run", "principal" */
    char            what[128];          /* the generation, or kind:name */
    long long       size;
    long long       written;            /* unix time */
} krj_outbox_item_t;


/* the outbox directory: --outbox, or OUTPUT/outbox; path of PATH_MAX */
void krj_outbox_dir(const krj_conf_t *conf, char *path);

/*
 * Writes an item atomically (temporary file, fsync, rename, fsync of the
 * directory), named so that the items sort in the order they were put.
 * A run item holds the generation's validated bytes, so it can be
 * delivered after the output directory has moved on.  0, or -1 logged.
 */
int krj_outbox_put_run(const krj_conf_t *conf, const krj_gen_t *g);
int krj_outbox_put_principal(const krj_conf_t *conf, const char *kind,
    const char *name, const char *line);

/*
 * Delivers the items in order, each removed once it is recorded (run,
 * principal) and announced; stops at the first that cannot be delivered.
 * Returns the number of items left, or -1 when the outbox cannot be
 * read.
 */
int krj_outbox_deliver(const krj_conf_t *conf, krj_link_t *l);

/* the pending items, oldest first, malloc()ed; the count or -1 */
int krj_outbox_list(const krj_conf_t *conf, krj_outbox_item_t **items);


#endif /* _KRJ_OUTBOX_H_INCLUDED_ */
