
/*
 * Copyright (C) The krj developers
 */


#ifndef _KRJ_RECORD_H_INCLUDED_
#define _KRJ_RECORD_H_INCLUDED_


#include <stdint.h>

#include <libpq-fe.h>

#include "krj_buf.h"
#include "krj_gen.h"


#define KRJ_RECORD_NEW          1   /* recorded now */
#define KRJ_RECORD_ALREADY      0   /* the generation was there */


/* the newest recorded run */
typedef struct {
    int64_t         id;                 /* 0: none recorded yet */
    char            generation[KRJ_GEN_LEN + 1];
    char            input_digest[65];
    int64_t         generated_at;
    int64_t         recorded_at;
} krj_record_ref_t;


/*
 * Records a published generation in one transaction: the run, its files
 * (their bytes, once per digest), and for every category whose week has
 * no revision with these bytes yet, a new revision whose rows (COPY)
 * replace the week's.  A generation already recorded changes nothing.
 * *result is KRJ_RECORD_NEW or _ALREADY.  0, or -1 with err; nothing is
 * left of a failed transaction.
 */
int krj_record_run(PGconn *pg, krj_gen_t *g, int *result, char *err);

/* the newest run, ref->id 0 when there is none */
int krj_record_newest(PGconn *pg, krj_record_ref_t *ref, char *err);

/*
 * The categories of run id with their bytes, in snapshot order, into g
 * (allocated here), with the run's generation time; parsed.
 */
int krj_record_fetch(PGconn *pg, int64_t id, krj_gen_t *g, char *err);

/*
 * A change of a principal: line NULL removes kind's name.  Bumps the
 * 'principals' counter in the same transaction.
 */
int krj_record_principal(PGconn *pg, const char *kind, const char *name,
    const char *line, char *err);

/*
 * The principals' counter, and, unless lines is NULL, kind's lines in
 * the order they were added, each ended by '\n', appended to lines.
 */
int krj_record_principals(PGconn *pg, const char *kind, int64_t *version,
    krj_buf_t *lines, char *err);


#endif /* _KRJ_RECORD_H_INCLUDED_ */
