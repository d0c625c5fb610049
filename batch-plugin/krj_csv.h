
/*
 * Copyright (C) The krj developers
 */


#ifndef _KRJ_CSV_H_INCLUDED_
#define _KRJ_CSV_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>

#include "krj_buf.h"


#define KRJ_CSV_ERRLEN  256


/* a field's text, unquoted and NUL-terminated, in the arena */
typedef struct {
    size_t          off;
    size_t          len;
} krj_csv_field_t;


typedef struct {
    uint32_t        line;       /* first physical line of the record */
    uint8_t         signal;     /* KRJ_SIGNAL_* */
    uint8_t         prior;      /* KRJ_SIGNAL_* */
} krj_csv_row_t;


/* a warning about a file that is published all the same; event names it */
typedef void (*krj_csv_warn_pt)(void *ctx, const char *event, uint32_t line,
    const char *msg);


/*
 * A validated CSV file.  Record 0 is the header; data row r is record
 * r + 1.  data/len are the published bytes: the input without its BOM.
 */
typedef struct {
    const uint8_t      *data;
    size_t              len;

    uint32_t            ncolumns;
    uint32_t            nrows;
    int                 ticker_col;
    int                 signal_col;     /* -1 when absent */
    int                 prior_col;      /* -1 when absent */

    krj_csv_field_t    *fields;         /* [(nrows + 1) * ncolumns] */
    krj_csv_row_t      *rows;           /* [nrows] */
    const char         *arena;

    /* set when krj_csv_parse() fails; line 0 when no line applies */
    uint32_t            err_line;
    char                err[KRJ_CSV_ERRLEN];

    krj_buf_t           fields_buf;
    krj_buf_t           rows_buf;
    krj_buf_t           arena_buf;
} krj_csv_t;


#define krj_csv_text(t, rec, col)                                             \
    ((t)->arena + (t)->fields[(size_t) (rec) * (t)->ncolumns + (col)].off)
#define krj_csv_len(t, rec, col)                                              \
    ((t)->fields[(size_t) (rec) * (t)->ncolumns + (col)].len)


/*
 * Validates and splits an in-memory CSV file of len bytes (at most
 * max_size).  Returns 0, or -1 with err_line and err set.  Warnings
 * (duplicate tickers, unknown signal values) go to warn, which may be NULL.
 * The table points into data: keep it alive until krj_csv_free().
 */
int krj_csv_parse(krj_csv_t *t, const uint8_t *data, size_t len,
    size_t max_size, krj_csv_warn_pt warn, void *ctx);
void krj_csv_free(krj_csv_t *t);

/* 0 when p[0..len) is valid UTF-8 without NUL; else the bad byte's offset+1 */
size_t krj_csv_check_utf8(const uint8_t *p, size_t len, int *nul);


#endif /* _KRJ_CSV_H_INCLUDED_ */
