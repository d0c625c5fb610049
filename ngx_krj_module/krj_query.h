
/*
 * Copyright (C) The krj developers
 */


#ifndef _KRJ_QUERY_H_INCLUDED_
#define _KRJ_QUERY_H_INCLUDED_


/*
 * Query parameters of /signals/{slug} and the selection of rows they ask
 * for; krj_render.h turns a selection into an answer.  Plain C, nothing of
 * nginx, so that it can be unit-tested and fuzzed: memory comes from the
 * caller's allocator (a request pool in nginx) and is never freed here.
 */


#include <stddef.h>
#include <stdint.h>

#include "krj_snapshot.h"
#include "krj_str.h"


#define KRJ_QUERY_OK                  0
#define KRJ_QUERY_BAD_PARAMETER       1
#define KRJ_QUERY_UNKNOWN_PARAMETER   2
#define KRJ_QUERY_UNKNOWN_COLUMN      3
#define KRJ_QUERY_NOMEM               4
#define KRJ_QUERY_OVER_BOUND          5

#define KRJ_QUERY_ERRLEN              256
#define KRJ_QUERY_MAX_LIMIT           1000000

/* a signal's bit in krj_query_t.signals and .priors */
#define KRJ_QUERY_SIGNAL_BIT(s)       (1u << (s))

/* krj_query_t.changed */
#define KRJ_CHANGED_ANY               -1
#define KRJ_CHANGED_NO                0
#define KRJ_CHANGED_YES               1


typedef void *(*krj_alloc_pt)(void *data, size_t size);


/*
 * What a server lets one query ask for (krj_max_limit, krj_max_offset,
 * krj_max_tickers, krj_max_fields): the cost of an answer is bounded by
 * the page and by the items parsed, so each of those has a bound.
 */
typedef struct {
    uint64_t                    limit;
    uint64_t                    offset;
    uint32_t                    tickers;
    uint32_t                    fields;
} krj_query_bounds_t;


typedef struct {
    unsigned                    nparams;    /* parameters given */
    unsigned                    seen;       /* 1 << KRJ_PARAM_*, internal */

    krj_str_t                  *tickers;    /* percent-decoded */
    uint32_t                    ntickers;

    uint32_t                   *fields;     /* column indexes, in order */
    uint32_t                    nfields;    /* 0: every column */

    unsigned                    signals;    /* 1 << KRJ_SIGNAL_*, 0: any */
    unsigned                    priors;
    int                         changed;    /* KRJ_CHANGED_* */

    int32_t                     sort_col;   /* -1: file order */
    int                         sort_desc;

    uint64_t                    limit;
    uint64_t                    offset;

    const krj_query_bounds_t   *bounds;     /* or NULL, internal */

    int                         error;      /* KRJ_QUERY_* */
    char                        err[KRJ_QUERY_ERRLEN];
} krj_query_t;


typedef struct {
    uint32_t                   *rows;       /* after offset and limit */
    uint32_t                    nrows;
    uint32_t                    matched;    /* before offset and limit */
    uint32_t                    counts[2][3];   /* over matched rows */
} krj_select_t;


/*
 * Parses args (the raw query string, without "?") for category cat.
 * Returns KRJ_QUERY_OK, or an error code with a message in q->err (the
 * message may quote the client's input; escape it before output).
 */
int krj_query_parse(krj_query_t *q, const krj_snap_t *snap,
    const krj_snap_category_t *cat, const char *args, size_t len,
    krj_alloc_pt alloc, void *data);

/*
 * As krj_query_parse(), refusing with KRJ_QUERY_OVER_BOUND, and a message
 * that names the bound, a query that asks for more than bounds lets it:
 * an explicit limit or offset above theirs, more ticker= or fields= items.
 * The items are counted before they are looked at.
 */
int krj_query_parse_bounded(krj_query_t *q, const krj_snap_t *snap,
    const krj_snap_category_t *cat, const char *args, size_t len,
    const krj_query_bounds_t *bounds, krj_alloc_pt alloc, void *data);

/*
 * The i-th parameter, for the API index: its name, what it takes and what
 * it does, from the table the parser runs on.  0 past the last.
 */
int krj_query_doc(unsigned i, const char **name, const char **takes,
    const char **description);

/* Filters, sorts and pages (krj_select.c); KRJ_QUERY_OK or _NOMEM. */
int krj_query_select(krj_select_t *sel, const krj_snap_t *snap,
    const krj_snap_category_t *cat, const krj_query_t *q,
    krj_alloc_pt alloc, void *data);


#endif /* _KRJ_QUERY_H_INCLUDED_ */
