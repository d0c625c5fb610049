
/*
 * Copyright (C) The krj developers
 */


#ifndef _KRJ_PAGE_H_INCLUDED_
#define _KRJ_PAGE_H_INCLUDED_


/*
 * The dashboard's pages (dashboard/MARKUP.md) rendered from a snapshot in
 * the formats of krj_markup.h: measure-then-write (krj_out.h), reading
 * only what krj_snap_open() validated.
 *
 * krj-batch renders the unfiltered page of every category once, with
 * pg->hole set: the parts that depend on the request (the location, the
 * header and tabs, the print dialog's groups) are left out and their
 * places told, so the module sends the page as spans of the mapping with
 * those few bytes between them.  The module renders a filtered page, the
 * print view and the error and login pages per request, copying the row
 * fragments krj-batch wrote.
 */


#include <stddef.h>
#include <stdint.h>

#include "krj_out.h"
#include "krj_print.h"
#include "krj_query.h"
#include "krj_snapshot.h"


/* the parts of a category page: krj-batch writes the rows itself */
#define KRJ_PAGE_HEAD           0x01    /* up to <tbody> */
#define KRJ_PAGE_ROWS           0x02
#define KRJ_PAGE_TAIL           0x04    /* from </tbody> */
#define KRJ_PAGE_ALL            0x07

/*
 * The longest text a cell of a schema krj does not know shows, in
 * characters; longer text is cut to one less and an ellipsis, the whole
 * in the title.
 */
#define KRJ_PAGE_TEXT_MAX       40


typedef struct {
    const krj_snap_t           *snap;       /* NULL: no data, a bare page */
    krj_str_t                   prefix;     /* "/krj": URL and HTML safe */
    krj_str_t                   api;        /* "/api/v1": the same */
    krj_str_t                   user;       /* len 0: nobody signed in */
    int64_t                     now;        /* unix time */
    int64_t                     max_age;    /* seconds; 0: never stale */
    krj_visible_pt              visible;    /* NULL: every category */
    void                       *vdata;

    /* krj-batch: where a hole (KRJ_HOLE_*) is, instead of its bytes */
    void                      (*hole)(void *data, size_t off, unsigned kind);
    void                       *hdata;
} krj_page_t;


/*
 * A category page.  q is the parsed form (krj_query_parse_form()), sel
 * its rows; sel NULL is every row in file order, with the category's own
 * counts, as krj-batch pre-renders it.
 */
void krj_page_category(krj_out_t *o, const krj_page_t *pg,
    const krj_snap_category_t *cat, const krj_query_t *q,
    const krj_select_t *sel, unsigned parts);

/*
 * KRJ_HOLE_HEADER: the header, with the signal date of date_cat (NULL:
 * the common date of the tabs), and the tabs with active marked (NULL:
 * none).
 */
void krj_page_top(krj_out_t *o, const krj_page_t *pg,
    const krj_snap_category_t *date_cat, const krj_snap_category_t *active);

/* KRJ_HOLE_GROUPS: the print dialog's groups, cat checked */
void krj_page_groups(krj_out_t *o, const krj_page_t *pg,
    const krj_snap_category_t *cat);

/* the shell up to <body>; class NULL: none */
void krj_page_head(krj_out_t *o, const krj_page_t *pg, const char *title,
    size_t tlen, const char *class);

/* krj_page_error() flags */
#define KRJ_PAGE_TOP            0x01    /* the header and the tabs */
#define KRJ_PAGE_SIGN_IN        0x02    /* a link to the login page */

/*
 * An error page titled title ("Bad request", krj_page_title()): the
 * API's code and the message; cat names the category it is about, with a
 * link back to its rows (NULL: none).  Without KRJ_PAGE_TOP, no header
 * and no tabs: a refusal does not know whose tabs they would be.
 */
void krj_page_error(krj_out_t *o, const krj_page_t *pg, const char *title,
    const char *code, const char *message, size_t mlen,
    const krj_snap_category_t *cat, unsigned flags);

/* the login form; next: the local page to go to after (len 0: none) */
void krj_page_login(krj_out_t *o, const krj_page_t *pg, const char *next,
    size_t nlen, const char *message, size_t mlen);

/* the print view of the groups p names */
void krj_page_print(krj_out_t *o, const krj_page_t *pg, const krj_print_t *p);

/* a piece of an answer: bytes to send, in order */
typedef struct {
    const char                 *data;
    size_t                      len;
} krj_piece_t;


/*
 * The pieces of a pre-rendered page: pieces and scratch NULL count only
 * (n pieces, nscratch bytes of scratch); then the caller gives room for
 * them and calls again.
 */
typedef struct {
    krj_piece_t                *pieces;
    size_t                      n;
    uint8_t                    *scratch;    /* stored block headers, trailer */
    size_t                      nscratch;
    size_t                      len;        /* bytes of the answer */
} krj_pieces_t;


/*
 * The unfiltered page of cat as pieces: its spans and, after each, the
 * bytes fill[] gives for its hole; with gzip the spans' deflate streams,
 * the holes as stored blocks, the CRC-32 (combined, not computed over the
 * page) and the length: one gzip member.  Nothing is copied.
 */
void krj_page_pieces(krj_pieces_t *pc, const krj_snap_t *snap,
    const krj_snap_category_t *cat, const krj_str_t fill[KRJ_HOLES],
    int gzip);

/*
 * next= of the login page: a local path under the dashboard, never two
 * slashes (another host) nor a backslash (a slash to a browser), without
 * a byte a header could not hold
 */
int krj_page_next_ok(const krj_page_t *pg, const char *next, size_t len);

/* the title of an error page of status: "Bad request", "Not found", ... */
const char *krj_page_title(unsigned status);

/* whether pg's principal may read cat */
int krj_page_readable(const krj_page_t *pg, const krj_snap_category_t *cat);

/*
 * For the page files (krj_page.c, krj_view.c, krj_print.c): the category
 * with the date most of set (n category indexes; NULL: the readable ones)
 * have, the newest on a tie, NULL when there is none; %P and %A for o;
 * a hole of krj-batch's rendering at the current place.
 */
const krj_snap_category_t *krj_page_common(const krj_page_t *pg,
    const uint32_t *set, uint32_t n);
void krj_page_use(krj_out_t *o, const krj_page_t *pg);
void krj_page_place(krj_out_t *o, unsigned kind);


#endif /* _KRJ_PAGE_H_INCLUDED_ */
