
/*
 * Copyright (C) The krj developers
 */


#ifndef _KRJ_QUERY_H_INCLUDED_
#define _KRJ_QUERY_H_INCLUDED_


/*
 * Query parameters of /signals/{slug} and of the dashboard's pages, and
 * the selection of rows they ask for; krj_render.h and krj_page.h turn a
 * selection into an answer.  Plain C, nothing of nginx, so that it can be
 * unit-tested and fuzzed: memory comes from the caller's allocator (a
 * request pool in nginx) and is never freed here.
 */


#include <stddef.h>
#include <stdint.h>

#include "krj_form.h"
#include "krj_snapshot.h"
#include "krj_str.h"


#define KRJ_QUERY_OK                  0
#define KRJ_QUERY_BAD_PARAMETER       1
#define KRJ_QUERY_UNKNOWN_PARAMETER   2
#define KRJ_QUERY_UNKNOWN_COLUMN      3
#define KRJ_QUERY_NOMEM               4
#define KRJ_QUERY_OVER_BOUND          5
#define KRJ_QUERY_AGAIN               6     /* krj_query_select_more() */

#define KRJ_QUERY_ERRLEN              KRJ_FORM_ERRLEN
#define KRJ_QUERY_MAX_LIMIT           1000000

/* a signal's bit in krj_query_t.signals, .priors and .eithers */
#define KRJ_QUERY_SIGNAL_BIT(s)       (1u << (s))

/* krj_query_t.given: the parameters a query has */
#define KRJ_QUERY_TICKER              0x001
#define KRJ_QUERY_SIGNAL              0x002
#define KRJ_QUERY_PRIOR               0x004
#define KRJ_QUERY_EITHER              0x008
#define KRJ_QUERY_CHANGED             0x010
#define KRJ_QUERY_FIELDS              0x020
#define KRJ_QUERY_SORT                0x040
#define KRJ_QUERY_LIMIT               0x080
#define KRJ_QUERY_OFFSET              0x100

/* krj_query_t.changed */
#define KRJ_CHANGED_ANY               -1
#define KRJ_CHANGED_NO                0
#define KRJ_CHANGED_YES               1


typedef void *(*krj_alloc_pt)(void *data, size_t size);

/*
 * Whether the principal may read a category, by slug; a NULL callback
 * means every category.
 */
typedef int (*krj_visible_pt)(void *data, const char *slug, size_t len);


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
    unsigned                    given;      /* KRJ_QUERY_TICKER... */
    unsigned                    form;       /* read as an HTML form */

    krj_str_t                  *tickers;    /* percent-decoded */
    uint32_t                    ntickers;

    /*
     * column indexes: the API's in the order asked for; a form's are the
     * visible columns, in file order, each once
     */
    uint32_t                   *fields;
    uint32_t                    nfields;    /* 0: every column */

    unsigned                    signals;    /* 1 << KRJ_SIGNAL_*, 0: any */
    unsigned                    priors;
    unsigned                    eithers;    /* signal or prior in it */
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


/* the state of a selection made a bounded number of steps at a time */

#define KRJ_SELECT_DONE               0
#define KRJ_SELECT_MERGE              1
#define KRJ_SELECT_WALK_ALL           2
#define KRJ_SELECT_WALK               3

/* the rows of one class, being merged */
typedef struct {
    const uint8_t              *list;
    uint32_t                    width;
    uint32_t                    next;
    uint32_t                    end;
} krj_select_list_t;


/* a walk along a column's order, ascending or descending */
typedef struct {
    const uint8_t              *rows;
    const uint8_t              *ranks;
    uint32_t                    width;
    uint32_t                    n;
    uint32_t                    nonempty;
    uint32_t                    pos;        /* the next position */
    uint32_t                    start;      /* descending: of the group */
    uint32_t                    end;        /* descending: after it */
    unsigned                    desc:1;
    unsigned                    tail:1;     /* in the empty cells */
} krj_select_walk_t;


typedef struct {
    krj_select_t               *sel;
    const krj_snap_t           *snap;
    const krj_snap_category_t  *cat;
    const krj_snap_index_t     *ix;
    const krj_snap_row_t       *rows;
    const krj_query_t          *q;
    krj_alloc_pt                alloc;
    void                       *data;
    uint64_t                    classes;    /* 1 << class: it matches */
    uint32_t                    page;       /* rows the page holds */
} krj_select_ctx_t;


typedef struct {
    krj_select_ctx_t            x;
    unsigned                    mode;       /* KRJ_SELECT_* */
    uint32_t                    k;          /* rows of the page so far */
    krj_select_list_t           lists[KRJ_SNAP_CLASSES];
    uint32_t                    nl;
    krj_select_walk_t           walk;
    uint64_t                    skip;       /* matched rows to pass */
    uint64_t                    steps;      /* positions walked */
    uint64_t                    budget;     /* then sort instead */
} krj_select_iter_t;


/*
 * Parses args (the raw query string, without "?") for category cat.
 * Returns KRJ_QUERY_OK, or an error code with a message in q->err (the
 * message may quote the client's input; escape it before output).
 */
int krj_query_parse(krj_query_t *q, const krj_snap_t *snap,
    const krj_snap_category_t *cat, const char *args, size_t len,
    krj_alloc_pt alloc, void *data);

/*
 * The same parameters read as an HTML GET form sends them (the dashboard,
 * dashboard/MARKUP.md): "+" is a space, a malformed escape is text, values
 * and list items are trimmed, an empty value is the parameter's absence,
 * empty list items are skipped, signal, prior, either and fields may
 * repeat (their lists join; fields then names the visible columns), and
 * every name and value must be UTF-8.
 */
int krj_query_parse_form(krj_query_t *q, const krj_snap_t *snap,
    const krj_snap_category_t *cat, const char *args, size_t len,
    krj_alloc_pt alloc, void *data);

/* the API's error code of a KRJ_QUERY_* error: "bad_parameter", ... */
const char *krj_query_code(int error);

/*
 * For the parsers (krj_query_error.c): q's error code and message, which
 * quotes at most 64 bytes of value, printable; fmt takes an optional "%s"
 * (name), then an optional "%r" (value).  And a bound of the server
 * exceeded, naming the directive that sets it.  Both return the code.
 */
int krj_query_error(krj_query_t *q, int code, const char *fmt,
    const char *name, const char *value, size_t vlen);
int krj_query_over(krj_query_t *q, const char *name, const char *directive,
    uint64_t max, uint64_t got);

/*
 * As krj_query_parse(), refusing with KRJ_QUERY_OVER_BOUND, and a message
 * that names the bound, a query that asks for more than bounds lets it:
 * an explicit limit or offset above theirs, more ticker= or fields= items.
 * The items are counted before they are looked at.
 */
int krj_query_parse_bounded(krj_query_t *q, const krj_snap_t *snap,
    const krj_snap_category_t *cat, const char *args, size_t len,
    const krj_query_bounds_t *bounds, krj_alloc_pt alloc, void *data);

/* the dashboard's: a form (krj_query_parse_form()) within the bounds */
int krj_query_parse_form_bounded(krj_query_t *q, const krj_snap_t *snap,
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

/*
 * The same in steps, for a server that must not spend long on one
 * request: _begin() does what costs little (the counts, the page's
 * bounds, a sort of few matched rows) and returns KRJ_QUERY_OK or
 * _NOMEM; then _more() walks or merges about steps positions at a time,
 * KRJ_QUERY_AGAIN until sel is complete, then KRJ_QUERY_OK.  q and sel
 * must stay where they are in between.  _page() is the number of rows
 * the page will hold.
 */
int krj_query_select_begin(krj_select_iter_t *it, krj_select_t *sel,
    const krj_snap_t *snap, const krj_snap_category_t *cat,
    const krj_query_t *q, krj_alloc_pt alloc, void *data);
int krj_query_select_more(krj_select_iter_t *it, uint64_t steps);
uint32_t krj_query_select_page(const krj_select_iter_t *it);


#endif /* _KRJ_QUERY_H_INCLUDED_ */
