
/*
 * Copyright (C) The krj developers
 */


#ifndef _KRJ_HISTORY_H_INCLUDED_
#define _KRJ_HISTORY_H_INCLUDED_


/*
 * The history krj-batch exports into a snapshot: per category with a
 * signal column and per ticker, the weeks of the last --history-weeks
 * weeks up to the category's signal date.  The week being published comes
 * from its CSV; the earlier ones from PostgreSQL (krj_rows, one query);
 * a week PostgreSQL does not have (it is down, not configured, or the run
 * that had it waits in the outbox) from the published snapshot's history,
 * so the history never shrinks.  Every source gives the same JSON texts:
 * signal and prior as JSON strings (null when empty), c as PostgreSQL's
 * jsonb keeps a number (krj_history_number()), so that what was carried
 * over and what PostgreSQL gives later are the same bytes.
 */


#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "krj_buf.h"
#include "krj_conf.h"
#include "krj_gen.h"
#include "krj_link.h"
#include "krj_snapshot.h"


/* the column whose value each week shows as "c" */
#define KRJ_HISTORY_C_COLUMN    "c"


/* a text in the history's pool */
typedef struct {
    uint32_t            off;
    uint32_t            len;
} krj_history_text_t;


/* one week of one ticker in one category */
typedef struct {
    uint32_t            category;       /* index into the generation's */
    int32_t             days;           /* the signal date, since 1970 */
    uint32_t            row;            /* in its week: the first wins */
    krj_history_text_t  key;            /* the ticker, upper case */
    krj_history_text_t  signal;         /* JSON texts */
    krj_history_text_t  prior;
    krj_history_text_t  c;
} krj_history_entry_t;


typedef struct {
    const char         *slug;
    long                until;          /* the signal date, in days */
    int                 exported;       /* it has a signal column */
    uint8_t            *from_pg;        /* days before until PostgreSQL
                                           had, a bit each */
} krj_history_cat_t;


typedef struct {
    unsigned                weeks;      /* --history-weeks */
    uint32_t                ncats;
    krj_history_cat_t      *cats;

    krj_history_entry_t    *entries;
    size_t                  n;
    size_t                  cap;
    krj_buf_t               text;       /* keys and JSON texts */
    krj_history_text_t      known[8];   /* signal texts, stored once */
    unsigned                nknown;
    int                     failed;     /* out of memory */

    /* where the weeks came from, for the log */
    size_t                  from_csv;
    size_t                  from_pg;
    size_t                  carried;
} krj_history_t;


#define krj_history_ptr(h, t)   ((const char *) (h)->text.data + (t).off)


/*
 * Everything run and follow need: the weeks of g from PostgreSQL (the
 * link's; l may be NULL), the published snapshot of conf->output and g's
 * CSVs, sorted.  0, or -1 (logged) when out of memory, or when g must
 * have its history from PostgreSQL (history_pg) and it did not answer.
 * With weeks 0 the history is empty and nothing is read.  The caller
 * frees h with krj_history_free() whatever the result.
 */
int krj_history_collect(const krj_conf_t *conf, krj_link_t *l,
    const krj_gen_t *g, krj_history_t *h);

/* the steps of krj_history_collect(), for the unit tests */
int krj_history_init(krj_history_t *h, const krj_gen_t *g, unsigned weeks);
void krj_history_free(krj_history_t *h);
int krj_history_add_csv(krj_history_t *h, const krj_gen_t *g);
int krj_history_add_snapshot(krj_history_t *h, const krj_snap_t *prev);
void krj_history_sort(krj_history_t *h);

/*
 * The weeks before each category's date from PostgreSQL: one query over
 * krj_rows, read through a cursor (krj_history_pg.c).  0, or -1 with err,
 * and then nothing of it is kept.
 */
int krj_history_add_pg(krj_history_t *h, PGconn *pg, char *err);

/*
 * Appends one week: texts are JSON except key (a ticker as in the file,
 * upper-cased here) and c_raw (a cell's text, typed as the API types it
 * and normalized by krj_history_number()); NULL is null.  0 or -1.
 */
int krj_history_add(krj_history_t *h, uint32_t category, long days,
    uint32_t row, const char *key, size_t key_len, const char *signal,
    size_t signal_len, const char *prior, size_t prior_len,
    const char *c_json, size_t c_len);

/*
 * A JSON number as PostgreSQL's numeric writes it back: plain decimal,
 * the scale of the digits after the point less the exponent, no sign on
 * zero ("1e5" 100000, "1.50" 1.50, "-0" 0, "2.5e-3" 0.0025).  s must be
 * a valid JSON number; one whose exponent numeric refuses is appended as
 * it is.
 */
void krj_history_number(krj_buf_t *b, const char *s, size_t len);

/* the text of a week's signal, to compare case-insensitively */
int krj_history_same_signal(const krj_history_t *h,
    const krj_history_entry_t *a, const krj_history_entry_t *b);


#endif /* _KRJ_HISTORY_H_INCLUDED_ */
